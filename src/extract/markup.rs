//! HTML and XML: tags stripped, entities decoded, link targets and
//! attribute values kept.

use crate::error::ExtractError;
use crate::extract::Sink;

/// Extracts the text of an HTML document.
pub fn extract_html(_bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("HTML (not yet)".into()))
}

/// Extracts the text and attribute values of an XML document.
pub fn extract_xml(_bytes: &[u8], _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("XML (not yet)".into()))
}
