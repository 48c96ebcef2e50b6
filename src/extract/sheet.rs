//! Spreadsheets (xlsx, xlsb, xls, ods) with calamine.

use crate::error::ExtractError;
use crate::extract::Sink;

/// Which workbook format the bytes are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Workbook {
    /// Excel 2007+ XML.
    Xlsx,
    /// Excel binary.
    Xlsb,
    /// Excel 97-2003.
    Xls,
    /// OpenDocument.
    Ods,
}

/// Extracts every cell of every sheet as `Location::Cell`.
pub fn extract(_bytes: &[u8], _kind: Workbook, _sink: &mut dyn Sink) -> Result<(), ExtractError> {
    Err(ExtractError::Unsupported("spreadsheet (not yet)".into()))
}
