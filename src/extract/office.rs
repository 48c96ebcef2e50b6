//! Word-processing and presentation documents (docx, pptx, odt, odp):
//! zip + quick-xml.

use crate::error::ExtractError;
use crate::extract::Sink;

/// Which document format the bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Document {
    /// Word 2007+.
    Docx,
    /// PowerPoint 2007+.
    Pptx,
    /// OpenDocument text.
    Odt,
    /// OpenDocument presentation.
    Odp,
}

/// Extracts paragraphs (or slides) as `Location::Paragraph`/`Slide`.
pub fn extract(_bytes: &[u8], _kind: Document, _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("Office document (not yet)".into()))
}
