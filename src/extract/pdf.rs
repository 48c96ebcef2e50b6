//! PDF: text per page with lopdf.

use crate::error::ExtractError;
use crate::extract::Sink;

/// Extracts the text of every page of a PDF as `Location::Page`.
pub fn extract(_bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("PDF (not yet)".into()))
}
