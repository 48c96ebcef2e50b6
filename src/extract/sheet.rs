//! Spreadsheets: xlsx/xlsm, xlsb, xls and ods, read with calamine.
//!
//! Read: the values of every sheet (hidden and very hidden ones too) in
//! workbook order, row by row, one `Location::Cell` per non-empty cell:
//! strings as they are, numbers (integral ones without `.0`, so a
//! personnummer stored as a number reads as its digits), dates as ISO
//! `YYYY-MM-DD` (with ` HH:MM:SS` when there is a time), and in xlsx the
//! text of a formula whose cached value is missing (`="811218-9876"`).
//! A cell's label is its column's header (the sheet's first non-empty row,
//! when no cell of it has a digit or `@`), followed by the cell to its left
//! when that is a short text such as `Personnummer:` (form-like sheets).
//!
//! Not read: booleans, error values, comments and notes, charts, pictures,
//! embedded objects, VBA, defined names, document properties, headers and
//! footers, formulas that have a cached value (and all xlsb, xls and ods
//! formulas), number formats (a number shows its raw value).
//!
//! Bounds: xlsx and xlsb are streamed cell by cell. calamine reads xls and
//! ods whole into dense grids, so their size is first estimated from the
//! BIFF records (xls) or `content.xml` (ods) as calamine would expand them,
//! and a workbook over 20 million cells or about 1 GiB is refused with a
//! limit error. Zip containers are charged to the sink before calamine
//! inflates them. A calamine panic on malformed data becomes a corrupt-file
//! error, and error messages never quote file content.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{BufReader, Cursor, Read};
use std::mem::size_of;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{
    Data, DataRef, ExcelDateTime, Ods, OdsError, Range, Reader, Sheet, SheetType, Xls, XlsError, Xlsb, XlsbError, Xlsx,
    XlsxError, XlsxFormulaMetadata,
};
use quick_xml::events::{BytesStart, Event};

use crate::error::ExtractError;
use crate::extract::Sink;
use crate::model::Location;

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

/// Most cells the dense readers (xls, ods) may expand a workbook to.
const MAX_CELLS: u64 = 20_000_000;
/// Most memory, estimated, the dense readers may take for one workbook.
const MAX_BYTES: u64 = 1 << 30;
/// Most address space an xls `Dimensions` record may make calamine reserve
/// (never touched; a legal sheet needs at most 65536 x 256 cells).
const MAX_RESERVE: u64 = 4 << 30;
/// Most BIFF records the xls estimate walks (sheets may share records).
const MAX_RECORDS: u64 = 50_000_000;
/// Cells without text (or records and XML events in the size estimates)
/// between two `charge(0, None)` calls that let the sink check its clock.
const HEARTBEAT: u32 = 1 << 14;
/// Characters of a header cell kept for labels.
const HEADER_CHARS: usize = 64;
/// Longest text (in characters) taken as a form label for the cell to its right.
const LABEL_CHARS: usize = 40;
/// Header columns kept per sheet (the xlsx maximum).
const MAX_HEADER_COLUMNS: usize = 16_384;
/// The Compound File Binary signature (xls, and encrypted xlsx/xlsb).
const CFB_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Extracts every cell of every sheet as `Location::Cell`; see the module
/// documentation for what is read. Sheets read before a damaged one are
/// kept: the error is returned after the remaining sheets are read.
pub fn extract(bytes: &[u8], kind: Workbook, sink: &mut dyn Sink) -> Result<(), ExtractError> {
    match kind {
        Workbook::Xlsx => extract_xlsx(bytes, sink),
        Workbook::Xlsb => extract_xlsb(bytes, sink),
        Workbook::Xls => extract_xls(bytes, sink),
        Workbook::Ods => extract_ods(bytes, sink),
    }
}

fn extract_xlsx(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    const F: &str = "XLSX";
    let mut zip = open_zip(bytes, F, sink)?;
    check_shared_strings(&mut zip)?;
    drop(zip);
    let mut wb: Xlsx<_> = guard(F, || Xlsx::new(Cursor::new(bytes)))?.map_err(xlsx_error)?;
    let names = sheet_names(F, wb.sheets_metadata())?;
    let mut out = Emitter::new(sink);
    let mut failed = None;
    for name in &names {
        out.start_sheet(name);
        let mut cells = match guard(F, || wb.worksheet_cells_reader(name)) {
            Ok(Ok(cells)) => cells,
            Ok(Err(XlsxError::NotAWorksheet(_))) => continue,
            Ok(Err(e)) => {
                failed.get_or_insert(xlsx_error(e));
                continue;
            }
            Err(e) => {
                failed.get_or_insert(e);
                continue;
            }
        };
        loop {
            match guard(F, || cells.next_cell_with_formula_metadata()) {
                Ok(Ok(Some(cell))) => {
                    let (row, col) = cell.pos;
                    let formula = match (&cell.value, &cell.formula) {
                        (
                            DataRef::Empty,
                            Some(XlsxFormulaMetadata::Normal { formula } | XlsxFormulaMetadata::Shared { formula, .. }),
                        ) => Some(formula.as_str()),
                        _ => None,
                    };
                    match formula {
                        Some(f) => out.formula(row, col, f)?,
                        None => out.value(row, col, Value::of_ref(&cell.value))?,
                    }
                }
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    failed.get_or_insert(xlsx_error(e));
                    break;
                }
                Err(e) => {
                    failed.get_or_insert(e);
                    break;
                }
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

fn extract_xlsb(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    const F: &str = "XLSB";
    drop(open_zip(bytes, F, sink)?);
    let mut wb: Xlsb<_> = guard(F, || Xlsb::new(Cursor::new(bytes)))?.map_err(xlsb_error)?;
    let names = sheet_names(F, wb.sheets_metadata())?;
    let mut out = Emitter::new(sink);
    let mut failed = None;
    for name in &names {
        out.start_sheet(name);
        let mut cells = match guard(F, || wb.worksheet_cells_reader(name)) {
            Ok(Ok(cells)) => cells,
            Ok(Err(e)) => {
                failed.get_or_insert(xlsb_error(e));
                continue;
            }
            Err(e) => {
                failed.get_or_insert(e);
                continue;
            }
        };
        loop {
            match guard(F, || cells.next_cell()) {
                Ok(Ok(Some(cell))) => {
                    let (row, col) = cell.get_position();
                    out.value(row, col, Value::of_ref(cell.get_value()))?;
                }
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    failed.get_or_insert(xlsb_error(e));
                    break;
                }
                Err(e) => {
                    failed.get_or_insert(e);
                    break;
                }
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

fn extract_xls(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    const F: &str = "XLS";
    check_xls(bytes, sink)?;
    let mut wb: Xls<_> = guard(F, || Xls::new(Cursor::new(bytes)))?.map_err(xls_error)?;
    let names = sheet_names(F, wb.sheets_metadata())?;
    let mut out = Emitter::new(sink);
    let mut failed = None;
    for name in &names {
        out.start_sheet(name);
        match guard(F, || wb.worksheet_range(name)) {
            Ok(Ok(range)) => out.range(&range)?,
            Ok(Err(e)) => {
                failed.get_or_insert(xls_error(e));
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

fn extract_ods(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    const F: &str = "ODS";
    let mut zip = open_zip(bytes, F, sink)?;
    if ods_encrypted(&mut zip) {
        return Err(ExtractError::Encrypted);
    }
    check_ods(&mut zip, sink)?;
    drop(zip);
    let mut wb: Ods<_> = guard(F, || Ods::new(Cursor::new(bytes)))?.map_err(ods_error)?;
    let names = sheet_names(F, wb.sheets_metadata())?;
    let mut out = Emitter::new(sink);
    let mut failed = None;
    for name in &names {
        out.start_sheet(name);
        match guard(F, || wb.worksheet_range(name)) {
            Ok(Ok(range)) => out.range(&range)?,
            Ok(Err(e)) => {
                failed.get_or_insert(ods_error(e));
            }
            Err(e) => {
                failed.get_or_insert(e);
            }
        }
    }
    failed.map_or(Ok(()), Err)
}

/// Runs a calamine call, turning a panic (calamine indexes into malformed
/// data unchecked in places) into a corrupt-file error for `format`.
fn guard<T>(format: &'static str, f: impl FnOnce() -> T) -> Result<T, ExtractError> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|_| ExtractError::corrupt(format, "malformed data (reader panicked)"))
}

/// The sheets to read, in workbook order: every sheet that can hold cells,
/// each name once. A workbook that lists no sheet at all is corrupt.
fn sheet_names(format: &'static str, sheets: &[Sheet]) -> Result<Vec<String>, ExtractError> {
    if sheets.is_empty() {
        return Err(ExtractError::corrupt(format, "workbook lists no sheets"));
    }
    let mut seen = HashSet::new();
    Ok(sheets
        .iter()
        .filter(|s| !matches!(s.typ, SheetType::ChartSheet | SheetType::Vba))
        .filter(|s| seen.insert(s.name.as_str()))
        .map(|s| s.name.clone())
        .collect())
}

// ---------------------------------------------------------------------
// Cell values and labels
// ---------------------------------------------------------------------

/// A cell value as far as text extraction cares.
#[derive(Clone, Copy, Debug)]
enum Value<'a> {
    Text(&'a str),
    Int(i64),
    Float(f64),
    Date(ExcelDateTime),
    Iso(&'a str),
    Skip,
}

impl<'a> Value<'a> {
    fn of_ref(d: &'a DataRef<'_>) -> Value<'a> {
        match d {
            DataRef::String(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s),
            DataRef::Int(i) => Value::Int(*i),
            DataRef::Float(f) => Value::Float(*f),
            DataRef::DateTime(d) => Value::Date(*d),
            DataRef::DateTimeIso(s) => Value::Iso(s),
            DataRef::DurationIso(_) | DataRef::Bool(_) | DataRef::Error(_) | DataRef::Empty => Value::Skip,
        }
    }

    fn of_data(d: &'a Data) -> Value<'a> {
        match d {
            Data::String(s) => Value::Text(s),
            Data::Int(i) => Value::Int(*i),
            Data::Float(f) => Value::Float(*f),
            Data::DateTime(d) => Value::Date(*d),
            Data::DateTimeIso(s) => Value::Iso(s),
            Data::DurationIso(_) | Data::Bool(_) | Data::Error(_) | Data::Empty => Value::Skip,
        }
    }

    /// The value as text: strings borrowed, numbers and dates written into
    /// `buf`. `None` for values that are not read.
    fn render<'b>(self, buf: &'b mut String) -> Option<&'b str>
    where
        'a: 'b,
    {
        buf.clear();
        match self {
            Value::Text(s) => return Some(s),
            Value::Iso(s) => return Some(s.strip_suffix("T00:00:00").unwrap_or(s)),
            Value::Int(i) => write!(buf, "{i}").ok()?,
            Value::Float(f) => write_number(buf, f)?,
            Value::Date(d) => write_date(buf, &d)?,
            Value::Skip => return None,
        }
        Some(buf)
    }
}

/// Writes `f` as a person would read it: integral values without `.0` or
/// exponent, others in Rust's shortest round-trip form (`1.5`).
fn write_number(buf: &mut String, f: f64) -> Option<()> {
    if !f.is_finite() {
        return None;
    }
    if f.fract() == 0.0 && f.abs() < 1e15 { write!(buf, "{}", f as i64).ok() } else { write!(buf, "{f}").ok() }
}

/// Writes an Excel date serial as `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` or
/// (below 1, a time of day) `HH:MM:SS`. Durations and serials outside
/// Excel's calendar (a number given a date format by mistake) are written
/// as numbers so that no digits are lost.
fn write_date(buf: &mut String, d: &ExcelDateTime) -> Option<()> {
    let v = d.as_f64();
    if d.is_duration() || !(0.0..2_958_466.0).contains(&v) {
        return write_number(buf, v);
    }
    let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
    if v < 1.0 {
        write!(buf, "{h:02}:{mi:02}:{s:02}").ok()
    } else if (h, mi, s) == (0, 0, 0) {
        write!(buf, "{y:04}-{mo:02}-{day:02}").ok()
    } else {
        write!(buf, "{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}").ok()
    }
}

/// Appends `text` to `out` on one line (runs of whitespace and control
/// characters become one space), at most `max` characters.
fn push_one_line(out: &mut String, text: &str, max: usize) {
    let mut space = false;
    let mut n = 0;
    for c in text.trim().chars() {
        if c.is_whitespace() || c.is_control() {
            space = true;
            continue;
        }
        if n + usize::from(space) >= max {
            break;
        }
        if space {
            out.push(' ');
            n += 1;
            space = false;
        }
        out.push(c);
        n += 1;
    }
}

/// True for a short one-line text without digits or `@` that has a
/// letter: `Personnummer:`, `E-post`. `t` is already trimmed.
fn is_form_label(t: &str) -> bool {
    t.len() <= 4 * LABEL_CHARS
        && !t.bytes().any(|b| b.is_ascii_digit() || matches!(b, b'@' | b'\n' | b'\r'))
        && t.chars().count() <= LABEL_CHARS
        && t.chars().any(char::is_alphabetic)
}

/// Pushes cells into the sink with their header and form labels. Keeps one
/// sheet's header row and the previous cell; buffers are reused.
struct Emitter<'s> {
    sink: &'s mut dyn Sink,
    sheet: String,
    /// Row (1-based) of the sheet's first non-empty cell.
    header_row: Option<u32>,
    /// The first row has ended; `header_cols` is final.
    header_done: bool,
    /// No cell of the first row had a digit or `@` so far.
    header_ok: bool,
    /// Header texts, one after another.
    header_text: String,
    /// (column, start, end) of each header text in `header_text`.
    header_cols: Vec<(u32, usize, usize)>,
    /// (row, column) of the previous cell pushed.
    prev: Option<(u32, u32)>,
    /// The previous cell's text when it is a form label, else empty.
    prev_label: String,
    label: String,
    num: String,
    /// Cells without text since the last sink call.
    quiet: u32,
}

impl<'s> Emitter<'s> {
    fn new(sink: &'s mut dyn Sink) -> Emitter<'s> {
        Emitter {
            sink,
            sheet: String::new(),
            header_row: None,
            header_done: false,
            header_ok: true,
            header_text: String::new(),
            header_cols: Vec::new(),
            prev: None,
            prev_label: String::new(),
            label: String::new(),
            num: String::new(),
            quiet: 0,
        }
    }

    fn start_sheet(&mut self, name: &str) {
        self.sheet.clear();
        self.sheet.push_str(name);
        self.header_row = None;
        self.header_done = false;
        self.header_ok = true;
        self.header_text.clear();
        self.header_cols.clear();
        self.prev = None;
        self.prev_label.clear();
    }

    /// A cell at 0-based absolute (`row`, `col`).
    fn value(&mut self, row: u32, col: u32, v: Value<'_>) -> Result<(), ExtractError> {
        let mut num = std::mem::take(&mut self.num);
        let result = match v.render(&mut num) {
            Some(text) => self.text(row, col, text),
            None => self.idle(),
        };
        self.num = num;
        result
    }

    /// A formula without a cached value, pushed as `=` and its text.
    fn formula(&mut self, row: u32, col: u32, formula: &str) -> Result<(), ExtractError> {
        let mut num = std::mem::take(&mut self.num);
        num.clear();
        num.push('=');
        num.push_str(formula);
        let result = self.text(row, col, &num);
        self.num = num;
        result
    }

    /// Every used cell of a dense range, whose positions are relative to
    /// its start.
    fn range(&mut self, range: &Range<Data>) -> Result<(), ExtractError> {
        let Some((row0, col0)) = range.start() else {
            return Ok(());
        };
        for (r, c, v) in range.used_cells() {
            let row = row0.saturating_add(u32::try_from(r).unwrap_or(u32::MAX));
            let col = col0.saturating_add(u32::try_from(c).unwrap_or(u32::MAX));
            self.value(row, col, Value::of_data(v))?;
        }
        Ok(())
    }

    /// A cell without text: every so often, let the sink check its limits
    /// and clock, since a sheet of empty cells makes no other call.
    fn idle(&mut self) -> Result<(), ExtractError> {
        self.quiet += 1;
        if self.quiet >= HEARTBEAT {
            self.quiet = 0;
            self.sink.charge(0, None)?;
        }
        Ok(())
    }

    fn finish_header(&mut self) {
        self.header_done = true;
        if self.header_ok {
            self.header_cols.sort_by_key(|h| h.0);
            self.header_cols.dedup_by_key(|h| h.0);
        } else {
            self.header_cols.clear();
            self.header_text.clear();
        }
    }

    /// Pushes `text` found at 0-based (`row`, `col`).
    fn text(&mut self, row: u32, col: u32, text: &str) -> Result<(), ExtractError> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return self.idle();
        }
        let (row, col) = (row.saturating_add(1), col.saturating_add(1));
        let header_row = *self.header_row.get_or_insert(row);
        if !self.header_done && row != header_row {
            self.finish_header();
        }
        self.label.clear();
        if self.header_done
            && row > header_row
            && let Ok(i) = self.header_cols.binary_search_by_key(&col, |h| h.0)
        {
            let (_, a, b) = self.header_cols[i];
            self.label.push_str(self.header_text.get(a..b).unwrap_or(""));
        }
        if !self.prev_label.is_empty() && self.prev == Some((row, col - 1)) {
            if !self.label.is_empty() {
                self.label.push(' ');
            }
            self.label.push_str(&self.prev_label);
        }
        if !self.header_done && row == header_row {
            if text.chars().any(|c| c.is_ascii_digit() || c == '@') {
                self.header_ok = false;
            } else if self.header_ok && self.header_cols.len() < MAX_HEADER_COLUMNS {
                let start = self.header_text.len();
                push_one_line(&mut self.header_text, text, HEADER_CHARS);
                if self.header_text.len() > start {
                    self.header_cols.push((col, start, self.header_text.len()));
                }
            }
        }
        self.quiet = 0;
        let at = Location::Cell { sheet: self.sheet.clone(), row, column: col };
        self.sink.text(at, &self.label, text)?;
        self.prev = Some((row, col));
        self.prev_label.clear();
        if is_form_label(trimmed) {
            push_one_line(&mut self.prev_label, trimmed, LABEL_CHARS);
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------
// Containers, encryption and errors
// ---------------------------------------------------------------------

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Opens an xlsx/xlsb/ods zip and charges its declared sizes to the sink
/// before anything is inflated. A CFB container holding `EncryptedPackage`
/// (a password-protected xlsx/xlsb) and zip-encrypted parts are
/// [`ExtractError::Encrypted`].
fn open_zip<'a>(bytes: &'a [u8], format: &'static str, sink: &mut dyn Sink) -> Result<Zip<'a>, ExtractError> {
    if bytes.starts_with(&CFB_MAGIC) {
        let encrypted = cfb::CompoundFile::open(Cursor::new(bytes))
            .map(|c| c.walk().any(|e| e.name() == "EncryptedPackage"))
            .unwrap_or(false);
        return Err(if encrypted {
            ExtractError::Encrypted
        } else {
            ExtractError::corrupt(format, "a compound file, not a zip package")
        });
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ExtractError::corrupt(format, clean(&e)))?;
    let (mut size, mut packed, mut encrypted) = (0u64, 0u64, false);
    for i in 0..zip.len() {
        if let Ok(f) = zip.by_index_raw(i) {
            size = size.saturating_add(f.size());
            packed = packed.saturating_add(f.compressed_size());
            encrypted |= f.encrypted();
        }
    }
    if encrypted {
        return Err(ExtractError::Encrypted);
    }
    sink.charge(size, Some(packed))?;
    Ok(zip)
}

/// True when an ods manifest lists encryption data (a password-protected
/// document: its parts cannot be parsed).
fn ods_encrypted(zip: &mut Zip<'_>) -> bool {
    let Ok(f) = zip.by_name("META-INF/manifest.xml") else {
        return false;
    };
    let mut head = Vec::new();
    let _ = f.take(4 << 20).read_to_end(&mut head);
    memchr::memmem::find(&head, b"encryption-data").is_some()
}

/// `msg` without anything quoted in it (quotes can hold cell text), on one
/// line and at most 200 bytes.
fn clean(msg: &dyn std::fmt::Display) -> String {
    let mut out = String::new();
    let mut quote = None;
    for c in msg.to_string().chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, '\'' | '"' | '`') => {
                quote = Some(c);
                out.push('…');
            }
            None if c.is_control() => out.push(' '),
            None => out.push(c),
        }
        if out.len() >= 200 {
            break;
        }
    }
    out
}

fn xlsx_error(e: XlsxError) -> ExtractError {
    const F: &str = "XLSX";
    match e {
        XlsxError::Password => ExtractError::Encrypted,
        XlsxError::Unrecognized { typ, .. } => ExtractError::corrupt(F, format!("unrecognized {typ}")),
        XlsxError::CellError(_) => ExtractError::corrupt(F, "unsupported cell error value"),
        XlsxError::CellTAttribute(_) => ExtractError::corrupt(F, "unknown cell type"),
        XlsxError::WorksheetNotFound(_) => ExtractError::corrupt(F, "worksheet part not found"),
        e => ExtractError::corrupt(F, clean(&e)),
    }
}

fn xlsb_error(e: XlsbError) -> ExtractError {
    const F: &str = "XLSB";
    match e {
        XlsbError::Password => ExtractError::Encrypted,
        XlsbError::Unrecognized { typ, .. } => ExtractError::corrupt(F, format!("unrecognized {typ}")),
        XlsbError::WorksheetNotFound(_) => ExtractError::corrupt(F, "worksheet part not found"),
        e => ExtractError::corrupt(F, clean(&e)),
    }
}

fn xls_error(e: XlsError) -> ExtractError {
    match e {
        XlsError::Password => ExtractError::Encrypted,
        e => ExtractError::corrupt("XLS", clean(&e)),
    }
}

fn ods_error(e: OdsError) -> ExtractError {
    const F: &str = "ODS";
    match e {
        OdsError::Password => ExtractError::Encrypted,
        OdsError::Mismatch { expected, .. } => ExtractError::corrupt(F, format!("expecting {expected}")),
        OdsError::CellLimitExceeded { requested, .. } => {
            ExtractError::Limit(format!("spreadsheet too large: {requested} cells"))
        }
        e => ExtractError::corrupt(F, clean(&e)),
    }
}

// ---------------------------------------------------------------------
// Size estimates for what calamine allocates
// ---------------------------------------------------------------------

/// Refuses an xlsx whose shared string table declares far more strings than
/// its part can hold: calamine reserves room for the declared count up
/// front, and an absurd count aborts the process.
fn check_shared_strings(zip: &mut Zip<'_>) -> Result<(), ExtractError> {
    let parts: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok())
        .filter(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"))
        .map(|n| n.into_owned())
        .collect();
    for part in parts {
        let Ok(f) = zip.by_name(&part) else { continue };
        let size = f.size();
        let mut xml = quick_xml::Reader::from_reader(BufReader::new(f.take(1 << 16)));
        let mut buf = Vec::new();
        loop {
            buf.clear();
            match xml.read_event_into(&mut buf) {
                Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "sst" => {
                    let count = attr(&e, "uniqueCount").map_or(0, |v| parse_count(&v));
                    let bytes = count.saturating_mul(size_of::<String>() as u64);
                    if bytes > MAX_BYTES && count > size / 5 {
                        let msg = format!("shared string table declares {count} strings in {size} bytes");
                        return Err(ExtractError::corrupt("XLSX", msg));
                    }
                    break;
                }
                Ok(Event::Eof) | Err(_) => break,
                _ => {}
            }
        }
    }
    Ok(())
}

/// The value of attribute `key` (exact name) of `e`, undecoded.
fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes().with_checks(false).flatten().find(|a| a.key.as_ref() == key).map(|a| a.value.into_owned())
}

/// A decimal count (a leading `+` allowed) saturating at `u64::MAX`; 0 when
/// it is not a number.
fn parse_count(v: &str) -> u64 {
    let v = v.trim();
    let v = v.strip_prefix('+').unwrap_or(v);
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    v.bytes().fold(0u64, |n, b| n.saturating_mul(10).saturating_add(u64::from(b - b'0')))
}

/// Running estimate of what calamine's dense readers (xls, ods) will hold
/// for one workbook.
#[derive(Default, Debug)]
struct Budget {
    /// Cells in all dense ranges.
    cells: u64,
    /// Bytes kept for the whole read.
    bytes: u64,
    /// Largest transient allocation (one sheet's parse buffers or its copy
    /// handed out by calamine).
    peak: u64,
}

impl Budget {
    fn check(&self, cells: u64, bytes: u64, peak: u64) -> Result<(), ExtractError> {
        let cells = self.cells.saturating_add(cells);
        if cells > MAX_CELLS {
            return Err(ExtractError::Limit(format!("spreadsheet too large: {cells} cells")));
        }
        let bytes = self.bytes.saturating_add(bytes).saturating_add(self.peak.max(peak));
        if bytes > MAX_BYTES {
            return Err(ExtractError::Limit(format!("spreadsheet too large: about {} MiB to read", bytes >> 20)));
        }
        Ok(())
    }

    fn add(&mut self, cells: u64, bytes: u64, peak: u64) -> Result<(), ExtractError> {
        self.check(cells, bytes, peak)?;
        self.cells = self.cells.saturating_add(cells);
        self.bytes = self.bytes.saturating_add(bytes);
        self.peak = self.peak.max(peak);
        Ok(())
    }
}

/// Bytes of one dense `Data` cell and one formula `String` cell.
const DATA: u64 = size_of::<Data>() as u64;
const STRING: u64 = size_of::<String>() as u64;
/// Heap overhead counted per non-empty string.
const HEAP: u64 = 16;

/// The bounding box of cells, as `Range::from_sparse` makes it.
#[derive(Default, Clone, Copy, Debug)]
struct Bbox {
    any: bool,
    rows: (u32, u32),
    cols: (u32, u32),
}

impl Bbox {
    fn add(&mut self, row: u32, col: u32) {
        if self.any {
            self.rows = (self.rows.0.min(row), self.rows.1.max(row));
            self.cols = (self.cols.0.min(col), self.cols.1.max(col));
        } else {
            *self = Bbox { any: true, rows: (row, row), cols: (col, col) };
        }
    }

    fn area(&self) -> u64 {
        if !self.any {
            return 0;
        }
        (u64::from(self.rows.1 - self.rows.0) + 1) * (u64::from(self.cols.1 - self.cols.0) + 1)
    }
}

fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2).map_or(0, |x| u16::from_le_bytes([x[0], x[1]]))
}

fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |x| u32::from_le_bytes([x[0], x[1], x[2], x[3]]))
}

/// One BIFF record as calamine reads it: its data and the `CONTINUE`
/// records (with their headers) that follow it.
struct Rec<'a> {
    typ: u16,
    data: &'a [u8],
    cont: &'a [u8],
}

/// BIFF records of a stream, split as calamine splits them; ends where
/// calamine would fail.
struct Records<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = Rec<'a>;

    fn next(&mut self) -> Option<Rec<'a>> {
        let s = self.rest;
        self.rest = &[];
        let len = usize::from(le16(s, 2));
        let data = s.get(4..4 + len)?;
        let start = &s[4 + len..];
        let mut next = start;
        while next.len() > 4 && le16(next, 0) == 0x003C {
            let l = usize::from(le16(next, 2));
            next = next.get(4 + l..)?;
        }
        self.rest = next;
        Some(Rec { typ: le16(s, 0), data, cont: &start[..start.len() - next.len()] })
    }
}

/// A record's data followed by its `CONTINUE` parts, read as calamine
/// reads an SST.
struct Parts<'a> {
    data: &'a [u8],
    rest: &'a [u8],
}

impl Parts<'_> {
    fn next_part(&mut self) -> bool {
        let l = usize::from(le16(self.rest, 2));
        match self.rest.get(4..4 + l) {
            Some(body) if self.rest.len() >= 4 => {
                self.data = body;
                self.rest = &self.rest[4 + l..];
                true
            }
            _ => false,
        }
    }

    fn skip(&mut self, mut n: usize) -> bool {
        while n > 0 {
            if self.data.is_empty() && !self.next_part() {
                return false;
            }
            let l = n.min(self.data.len());
            self.data = &self.data[l..];
            n -= l;
        }
        true
    }
}

/// Character counts of the strings of an SST record, parsed as calamine
/// parses them (the estimate needs the length of each shared string, since
/// calamine copies it into every cell that uses it).
fn sst_lengths(rec: &Rec<'_>) -> Vec<u32> {
    let mut out = Vec::new();
    let Some(data) = rec.data.get(8..) else {
        return out;
    };
    let mut r = Parts { data, rest: rec.cont };
    while !r.data.is_empty() || r.next_part() {
        if r.data.is_empty() {
            out.push(0);
            continue;
        }
        if r.data.len() < 3 {
            break;
        }
        let cch = usize::from(le16(r.data, 0));
        let flags = r.data[2];
        r.data = &r.data[3..];
        let mut runs = 0;
        let mut ext = 0;
        if flags & 0x8 != 0 {
            let Some(rest) = r.data.get(2..) else { break };
            runs = usize::from(le16(r.data, 0));
            r.data = rest;
        }
        if flags & 0x4 != 0 {
            let Some(rest) = r.data.get(4..) else { break };
            ext = le32(r.data, 0) as i32 as isize as usize;
            r.data = rest;
        }
        let mut high = flags & 0x1 != 0;
        let mut left = cch;
        let mut ok = true;
        while left > 0 {
            let l = if high { (r.data.len() / 2).min(left) } else { r.data.len().min(left) };
            r.data = &r.data[if high { 2 * l } else { l }..];
            left -= l;
            if left > 0 {
                if !r.next_part() || r.data.is_empty() {
                    ok = false;
                    break;
                }
                high = r.data[0] & 0x1 != 0;
                r.data = &r.data[1..];
            }
        }
        if !ok || !r.skip(runs.saturating_mul(4)) || !r.skip(ext) {
            break;
        }
        out.push(cch as u32);
    }
    out
}

/// The `Workbook` (or BIFF5 `Book`) stream of an xls file.
fn xls_stream(bytes: &[u8]) -> Result<Vec<u8>, ExtractError> {
    let mut cfb = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|e| ExtractError::corrupt("XLS", clean(&e)))?;
    for name in ["/Workbook", "/Book"] {
        if let Ok(s) = cfb.open_stream(name) {
            let mut out = Vec::new();
            s.take(bytes.len() as u64).read_to_end(&mut out).map_err(|e| ExtractError::corrupt("XLS", clean(&e)))?;
            return Ok(out);
        }
    }
    Err(ExtractError::corrupt("XLS", "no Workbook stream"))
}

/// Cells calamine reserves for an xls `Dimensions` record, computed as it
/// does (in wrapping `u32` arithmetic).
fn dimension_cells(d: &[u8]) -> u64 {
    let (rf, rl, mut cf, cl) = match d.len() {
        10 => (u32::from(le16(d, 0)), u32::from(le16(d, 2)), u32::from(le16(d, 4)), u32::from(le16(d, 6))),
        14 | 16 => (le32(d, 0), le32(d, 4), u32::from(le16(d, 8)), u32::from(le16(d, 10))),
        _ => return 0,
    };
    if cf > 0xFF || cl < cf {
        cf = 0;
    }
    let (start, end) = if rl >= 1 && cl >= 1 { ((rf, cf), (rl - 1, cl - 1)) } else { ((rf, cf), (rf, cf)) };
    let rows = u64::from(end.0.wrapping_sub(start.0).wrapping_add(1));
    let cols = u64::from(end.1.wrapping_sub(start.1).wrapping_add(1));
    rows.saturating_mul(cols)
}

/// Estimates what calamine's xls reader will allocate (it builds a dense
/// grid per sheet, sized by the farthest cell, and copies shared strings
/// into every cell) and refuses a workbook over the limits. Walks the
/// records the way calamine does. A password-protected workbook is
/// [`ExtractError::Encrypted`].
fn check_xls(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let stream = xls_stream(bytes)?;
    let mut sheets = Vec::new();
    let mut sst = Vec::new();
    for rec in (Records { rest: &stream }) {
        match rec.typ {
            0x002F if le16(rec.data, 0) != 0 => return Err(ExtractError::Encrypted),
            0x0085 if rec.data.len() >= 4 => sheets.push(le32(rec.data, 0) as usize),
            0x00FC => sst = sst_lengths(&rec),
            0x000A => break,
            _ => {}
        }
    }
    let cell = size_of::<calamine::Cell<Data>>() as u64;
    let mut budget = Budget::default();
    let mut walked = 0u64;
    for pos in sheets {
        let Some(sub) = stream.get(pos..) else { continue };
        let (mut values, mut formulas) = (Bbox::default(), Bbox::default());
        let (mut cells, mut text, mut reserve) = (0u64, 0u64, 0u64);
        let mut formula_at = (0, 0);
        let (mut seen_bof, mut depth) = (false, 0u32);
        for rec in (Records { rest: sub }) {
            walked += 1;
            if walked > MAX_RECORDS {
                return Err(ExtractError::Limit(format!("spreadsheet too large: over {MAX_RECORDS} records")));
            }
            if walked.is_multiple_of(u64::from(HEARTBEAT)) {
                sink.charge(0, None)?;
            }
            let d = rec.data;
            if depth > 0 {
                match rec.typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = (u32::from(le16(d, 0)), u32::from(le16(d, 2)));
            match rec.typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                0x0200 => reserve = reserve.max(dimension_cells(d)),
                0x0203 | 0x0205 | 0x027E if d.len() >= 4 => {
                    values.add(at.0, at.1);
                    cells += 1;
                }
                0x0204 | 0x00D6 if d.len() >= 8 => {
                    values.add(at.0, at.1);
                    cells += 1;
                    text += 3 * u64::from(le16(d, 6)) + HEAP;
                }
                0x00FD if d.len() >= 10 => {
                    if let Some(&n) = sst.get(le32(d, 6) as usize) {
                        values.add(at.0, at.1);
                        cells += 1;
                        text += 3 * u64::from(n) + HEAP;
                    }
                }
                0x0207 => {
                    values.add(formula_at.0, formula_at.1);
                    cells += 1;
                    text += 3 * u64::from(le16(d, 0)) + HEAP;
                }
                0x00BD if d.len() >= 6 => {
                    let (first, last) = (u32::from(le16(d, 2)), u32::from(le16(d, d.len() - 2)));
                    if last >= first && d.len() as u64 == 6 + 6 * u64::from(last - first + 1) {
                        values.add(at.0, first);
                        values.add(at.0, last);
                        cells += u64::from(last - first + 1);
                    }
                }
                0x0006 if d.len() >= 20 => {
                    formula_at = at;
                    values.add(at.0, at.1);
                    formulas.add(at.0, at.1);
                    cells += 2;
                    text += 16 * (d.len() as u64 - 20) + 64 + HEAP;
                }
                0x000A => break,
                _ => {}
            }
        }
        if reserve.saturating_mul(cell) > MAX_RESERVE {
            return Err(ExtractError::Limit(format!("spreadsheet too large: sheet declares {reserve} cells")));
        }
        let dense = values.area() + formulas.area();
        let bytes = values.area() * DATA + formulas.area() * STRING + text;
        let peak = (cells * cell).max(values.area() * DATA + text);
        budget.add(dense, bytes, peak)?;
    }
    Ok(())
}

/// An ods table being estimated (see [`check_ods`]).
#[derive(Debug)]
struct OdsTable {
    /// Rows so far, after calamine's cap.
    rows_total: u64,
    /// Cells and string bytes stored while parsing.
    stored: u64,
    stored_bytes: u64,
    /// A non-empty row has been seen.
    seen: bool,
    /// Empty rows since the last non-empty one.
    empty_rows: u64,
    /// Rows of the expanded range so far.
    rows: u64,
    /// Columns spanned by non-empty cells: first and one past the last.
    cols: (u64, u64),
    /// String bytes of the expanded range.
    bytes: u64,
    /// Some cell has a formula (else calamine's formula grid stays empty).
    formulas: bool,
}

/// An ods row being estimated.
#[derive(Debug)]
struct OdsRow {
    repeats: u64,
    stored: u64,
    empty: u64,
    first: Option<u64>,
    end: u64,
    bytes: u64,
    formulas: bool,
}

/// An ods cell being estimated.
#[derive(Debug)]
struct OdsCell {
    repeats: u64,
    nonempty: bool,
    /// calamine reads the cell's paragraphs as its value.
    reads_text: bool,
    bytes: u64,
    formula: bool,
    /// Nested cells (sub-tables) still open inside this one.
    nested: u32,
}

/// calamine's ods caps.
const ODS_MAX_ROWS: u64 = 1_048_576;
const ODS_MAX_COLUMNS: u64 = 16_384;

impl OdsCell {
    fn new(e: &BytesStart<'_>) -> OdsCell {
        let (mut value, mut string, mut error) = (false, false, false);
        let (mut repeats, mut bytes, mut formula) = (1, 0, 0);
        for a in e.attributes().with_checks(false).flatten() {
            let len = a.value.len() as u64;
            match a.key.as_ref() {
                "table:number-columns-repeated" => repeats = parse_count(&a.value).max(1),
                "office:value" | "office:boolean-value" if !value => value = true,
                "office:string-value" | "office:date-value" | "office:time-value" if !value => {
                    value = true;
                    bytes += len + HEAP;
                }
                "office:value-type" if !value => string = a.value == "string",
                "calcext:value-type" => error = a.value == "error",
                "table:formula" => formula = len,
                _ => {}
            }
        }
        let reads_text = (!value && string) || error;
        let bytes = bytes + if formula > 0 { formula + HEAP } else { 0 } + if reads_text { HEAP } else { 0 };
        OdsCell {
            repeats,
            nonempty: value || reads_text || formula > 0,
            reads_text,
            bytes,
            formula: formula > 0,
            nested: 0,
        }
    }
}

impl OdsRow {
    fn new(repeats: u64) -> OdsRow {
        OdsRow { repeats, stored: 0, empty: 0, first: None, end: 0, bytes: 0, formulas: false }
    }

    /// As calamine's `read_row` stores cells.
    fn add(&mut self, cell: &OdsCell) {
        self.stored += self.empty.min(ODS_MAX_COLUMNS - self.stored);
        self.empty = 0;
        let n = cell.repeats.min(ODS_MAX_COLUMNS - self.stored);
        if cell.nonempty {
            self.first.get_or_insert(self.stored);
            self.stored += n;
            self.end = self.stored;
            self.bytes = self.bytes.saturating_add(n.saturating_mul(cell.bytes));
            self.formulas |= cell.formula;
        } else {
            self.empty = n;
        }
    }
}

impl OdsTable {
    fn new() -> OdsTable {
        OdsTable {
            rows_total: 0,
            stored: 0,
            stored_bytes: 0,
            seen: false,
            empty_rows: 0,
            rows: 0,
            cols: (0, 0),
            bytes: 0,
            formulas: false,
        }
    }

    /// As calamine's `read_table` and `get_range` expand rows.
    fn add(&mut self, row: &OdsRow) {
        let n = row.repeats.min(ODS_MAX_ROWS - self.rows_total);
        self.rows_total += n;
        self.stored += row.stored;
        self.stored_bytes = self.stored_bytes.saturating_add(row.bytes);
        self.formulas |= row.formulas;
        if let Some(first) = row.first {
            if self.seen {
                self.rows += self.empty_rows;
                self.cols = (self.cols.0.min(first), self.cols.1.max(row.end));
            } else {
                self.cols = (first, row.end);
            }
            self.seen = true;
            self.empty_rows = 0;
            self.rows += n;
            self.bytes = self.bytes.saturating_add(row.bytes.saturating_mul(n));
        } else if self.seen {
            self.empty_rows += n;
        }
    }

    /// (cells, bytes kept, transient peak) of this table in calamine: a
    /// value range of the expanded size (and a formula range as large when
    /// there are formulas), the parse buffers, and the copy
    /// `worksheet_range` hands out.
    fn cost(&self) -> (u64, u64, u64) {
        let cells = self.rows.saturating_mul(self.cols.1 - self.cols.0);
        let per_cell = if self.formulas { DATA + STRING } else { DATA };
        let kept = cells.saturating_mul(per_cell).saturating_add(self.bytes);
        let parse = self.stored.saturating_mul(2 * (DATA + STRING)).saturating_add(self.stored_bytes);
        let copy = cells.saturating_mul(DATA).saturating_add(self.bytes);
        (cells, kept, parse.max(copy))
    }
}

/// Estimates what calamine's ods reader will allocate from `content.xml`
/// (it expands repeated rows and columns into dense grids, copying the
/// cell's text into each) and refuses a workbook over the limits before
/// calamine reads it. Mirrors calamine's caps of 1048576 rows and 16384
/// columns. XML calamine could not parse either is corrupt.
fn check_ods(zip: &mut Zip<'_>, sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let Ok(file) = zip.by_name("content.xml") else {
        return Ok(());
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(file));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut budget = Budget::default();
    let mut table: Option<OdsTable> = None;
    let mut row: Option<OdsRow> = None;
    let mut cell: Option<OdsCell> = None;
    let mut events = 0u32;
    loop {
        buf.clear();
        events = events.wrapping_add(1);
        if events.is_multiple_of(HEARTBEAT) {
            sink.charge(0, None)?;
        }
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| ExtractError::corrupt("ODS", format!("content.xml: {}", clean(&e))))?;
        match event {
            Event::Eof => break,
            Event::Start(e) => {
                let name = e.name();
                let name = name.as_ref();
                let is_cell = matches!(name, "table:table-cell" | "table:covered-table-cell");
                if let Some(c) = cell.as_mut() {
                    match name {
                        _ if is_cell => c.nested += 1,
                        "text:p" | "text:tab" | "text:line-break" if c.reads_text => c.bytes += 1,
                        "text:s" if c.reads_text => {
                            let n = attr(&e, "text:c").map_or(1, |v| parse_count(&v));
                            c.bytes = c.bytes.saturating_add(n);
                        }
                        _ => {}
                    }
                } else if row.is_some() {
                    if is_cell {
                        cell = Some(OdsCell::new(&e));
                    }
                } else if table.is_some() {
                    if name == "table:table-row" {
                        let n = attr(&e, "table:number-rows-repeated").map_or(1, |v| parse_count(&v));
                        row = Some(OdsRow::new(n));
                    }
                } else if name == "table:table" && attr(&e, "table:name").is_some() {
                    table = Some(OdsTable::new());
                }
            }
            Event::Text(t) => {
                if let Some(c) = cell.as_mut().filter(|c| c.reads_text) {
                    c.bytes = c.bytes.saturating_add(t.len() as u64);
                }
            }
            Event::CData(t) => {
                if let Some(c) = cell.as_mut().filter(|c| c.reads_text) {
                    c.bytes = c.bytes.saturating_add(t.len() as u64);
                }
            }
            Event::GeneralRef(_) => {
                if let Some(c) = cell.as_mut().filter(|c| c.reads_text) {
                    c.bytes += 4;
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let Some(c) = cell.as_mut() {
                        if c.nested > 0 {
                            c.nested -= 1;
                        } else if let (Some(c), Some(r)) = (cell.take(), row.as_mut()) {
                            r.add(&c);
                        }
                    }
                }
                "table:table-row" if cell.is_none() => {
                    if let (Some(r), Some(t)) = (row.take(), table.as_mut()) {
                        t.add(&r);
                        let (cells, kept, peak) = t.cost();
                        budget.check(cells, kept, peak)?;
                    }
                }
                "table:table" if cell.is_none() && row.is_none() => {
                    if let Some(t) = table.take() {
                        let (cells, kept, peak) = t.cost();
                        budget.add(cells, kept, peak)?;
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::path::Path;

    use calamine::ExcelDateTimeType;

    use super::*;
    use crate::extract::testutil::Collect;

    fn zip_of(members: &[(&str, &str)]) -> Vec<u8> {
        zip_with(members, zip::CompressionMethod::Deflated)
    }

    fn zip_with(members: &[(&str, &str)], method: zip::CompressionMethod) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for (name, data) in members {
            w.start_file(*name, options).expect("start");
            w.write_all(data.as_bytes()).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

    /// A minimal xlsx: `sheets` are (name, state, sheetData inner XML).
    fn xlsx_of(sheets: &[(&str, &str, &str)], shared: &[&str]) -> Vec<u8> {
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let mut book = format!("<workbook {NS}><sheets>");
        let mut rels =
            String::from(r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#);
        let mut parts = Vec::new();
        for (i, (name, state, data)) in sheets.iter().enumerate() {
            let n = i + 1;
            book += &format!(r#"<sheet name="{name}" sheetId="{n}" state="{state}" r:id="rId{n}"/>"#);
            rels += &format!(r#"<Relationship Id="rId{n}" Type="{rel}/worksheet" Target="worksheets/sheet{n}.xml"/>"#);
            parts.push((
                format!("xl/worksheets/sheet{n}.xml"),
                format!("<worksheet {NS}><sheetData>{data}</sheetData></worksheet>"),
            ));
        }
        book += "</sheets></workbook>";
        rels += "</Relationships>";
        let mut sst = format!(r#"<sst {NS} count="{0}" uniqueCount="{0}">"#, shared.len());
        for s in shared {
            sst += &format!("<si><t>{s}</t></si>");
        }
        sst += "</sst>";
        let root = format!(
            r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        );
        let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#;
        let mut members: Vec<(&str, &str)> = vec![
            ("[Content_Types].xml", types),
            ("_rels/.rels", &root),
            ("xl/workbook.xml", &book),
            ("xl/_rels/workbook.xml.rels", &rels),
            ("xl/sharedStrings.xml", &sst),
        ];
        for (name, xml) in &parts {
            members.push((name, xml));
        }
        zip_of(&members)
    }

    type Texts = Vec<(String, String, String)>;

    fn texts(bytes: &[u8], kind: Workbook) -> (Result<(), ExtractError>, Texts) {
        let mut sink = Collect::default();
        let r = extract(bytes, kind, &mut sink);
        (r, sink.texts())
    }

    fn t(at: &str, label: &str, text: &str) -> (String, String, String) {
        (at.to_string(), label.to_string(), text.to_string())
    }

    #[test]
    fn xlsx_cells_with_headers_form_labels_and_hidden_sheets() {
        let kunder = concat!(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>"#,
            r#"<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2"><v>198112189876</v></c><c r="C2" t="inlineStr"><is><t>anna@example.se</t></is></c></row>"#,
            r#"<row r="4"><c r="B4"><v>8112189876</v></c><c r="C4"><v>1.5</v></c><c r="D4" t="b"><v>1</v></c></row>"#,
        );
        let form = concat!(
            r#"<row r="3"><c r="B3" t="inlineStr"><is><t>Personnummer:</t></is></c><c r="C3" t="inlineStr"><is><t>811218-9876</t></is></c></row>"#,
            r#"<row r="5"><c r="C5" t="inlineStr"><is><t>  </t></is></c><c r="AA5"><f>"19811218-9876"</f></c></row>"#,
        );
        let x = xlsx_of(
            &[("Kunder", "visible", kunder), ("Dolt blad", "veryHidden", form)],
            &["Namn", "Personnummer", "E-post", "Anna"],
        );
        let (r, got) = texts(&x, Workbook::Xlsx);
        r.expect("xlsx");
        assert_eq!(
            got,
            vec![
                t("Kunder!A1", "", "Namn"),
                t("Kunder!B1", "Namn", "Personnummer"),
                t("Kunder!C1", "Personnummer", "E-post"),
                t("Kunder!A2", "Namn", "Anna"),
                t("Kunder!B2", "Personnummer Anna", "198112189876"),
                t("Kunder!C2", "E-post", "anna@example.se"),
                t("Kunder!B4", "Personnummer", "8112189876"),
                t("Kunder!C4", "E-post", "1.5"),
                t("'Dolt blad'!B3", "", "Personnummer:"),
                t("'Dolt blad'!C3", "Personnummer:", "811218-9876"),
                t("'Dolt blad'!AA5", "", "=\"19811218-9876\""),
            ]
        );
    }

    #[test]
    fn first_row_with_digits_is_no_header() {
        let data = concat!(
            r#"<row r="2"><c r="B2" t="inlineStr"><is><t>Kund 1</t></is></c></row>"#,
            r#"<row r="3"><c r="B3"><v>42</v></c></row>"#,
        );
        let (r, got) = texts(&xlsx_of(&[("S", "visible", data)], &[]), Workbook::Xlsx);
        r.expect("xlsx");
        assert_eq!(got, vec![t("S!B2", "", "Kund 1"), t("S!B3", "", "42")]);
    }

    #[test]
    fn numbers_and_dates_as_text() {
        let render = |v: Value<'_>| {
            let mut buf = String::new();
            v.render(&mut buf).map(str::to_string)
        };
        let date = |v, typ| Value::Date(ExcelDateTime::new(v, typ, false));
        assert_eq!(render(Value::Float(198112189876.0)).as_deref(), Some("198112189876"));
        assert_eq!(render(Value::Float(-3.0)).as_deref(), Some("-3"));
        assert_eq!(render(Value::Float(1.5)).as_deref(), Some("1.5"));
        assert_eq!(render(Value::Float(1e20)).as_deref(), Some("100000000000000000000"));
        assert_eq!(render(Value::Float(f64::NAN)), None);
        assert_eq!(render(Value::Int(8112189876)).as_deref(), Some("8112189876"));
        assert_eq!(render(date(45943.0, ExcelDateTimeType::DateTime)).as_deref(), Some("2025-10-13"));
        assert_eq!(render(date(45943.5, ExcelDateTimeType::DateTime)).as_deref(), Some("2025-10-13 12:00:00"));
        assert_eq!(render(date(0.75, ExcelDateTimeType::DateTime)).as_deref(), Some("18:00:00"));
        assert_eq!(render(date(8112189876.0, ExcelDateTimeType::DateTime)).as_deref(), Some("8112189876"));
        assert_eq!(render(date(1.25, ExcelDateTimeType::TimeDelta)).as_deref(), Some("1.25"));
        assert_eq!(render(Value::Iso("1981-12-18T00:00:00")).as_deref(), Some("1981-12-18"));
        assert_eq!(render(Value::Skip), None);
    }

    fn ods_of(tables: &str) -> Vec<u8> {
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        );
        let manifest = r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#;
        zip_of(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", &content),
        ])
    }

    #[test]
    fn ods_cells_with_repeats_and_dates() {
        let x = ods_of(concat!(
            r#"<table:table table:name="Blad1"><table:table-row>"#,
            r#"<table:table-cell office:value-type="string"><text:p>Personnummer</text:p></table:table-cell>"#,
            r#"<table:table-cell office:value-type="string"><text:p>Född</text:p></table:table-cell>"#,
            r#"</table:table-row><table:table-row table:number-rows-repeated="2">"#,
            r#"<table:table-cell office:value-type="float" office:value="8112189876"/>"#,
            r#"<table:table-cell office:value-type="date" office:date-value="1981-12-18"/>"#,
            r#"</table:table-row><table:table-row table:number-rows-repeated="1000000">"#,
            r#"<table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table>"#,
        ));
        let (r, got) = texts(&x, Workbook::Ods);
        r.expect("ods");
        assert_eq!(
            got,
            vec![
                t("Blad1!A1", "", "Personnummer"),
                t("Blad1!B1", "Personnummer", "Född"),
                t("Blad1!A2", "Personnummer", "8112189876"),
                t("Blad1!B2", "Född", "1981-12-18"),
                t("Blad1!A3", "Personnummer", "8112189876"),
                t("Blad1!B3", "Född", "1981-12-18"),
            ]
        );
    }

    #[test]
    fn ods_repeat_bombs_are_refused_before_calamine() {
        let bomb = ods_of(concat!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="999999999">"#,
            r#"<table:table-cell table:number-columns-repeated="999999999" office:value-type="string"><text:p>X</text:p></table:table-cell>"#,
            r#"</table:table-row></table:table>"#,
        ));
        let (r, got) = texts(&bomb, Workbook::Ods);
        assert!(matches!(r, Err(ExtractError::Limit(ref m)) if m.starts_with("spreadsheet too large")), "{r:?}");
        assert!(got.is_empty());
        // Fewer cells, each a long text copied into every repeat.
        let long = "x".repeat(100_000);
        let wide = ods_of(&format!(
            r#"<table:table table:name="S"><table:table-row table:number-rows-repeated="100"><table:table-cell table:number-columns-repeated="200" office:value-type="string"><text:p>{long}</text:p></table:table-cell></table:table-row></table:table>"#
        ));
        let (r, _) = texts(&wide, Workbook::Ods);
        assert!(matches!(r, Err(ExtractError::Limit(ref m)) if m.contains("MiB")), "{r:?}");
        let spaces = ods_of(
            r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p><text:s text:c="4000000000"/></text:p></table:table-cell></table:table-row></table:table>"#,
        );
        let (r, _) = texts(&spaces, Workbook::Ods);
        assert!(matches!(r, Err(ExtractError::Limit(_))), "{r:?}");
    }

    #[test]
    fn encrypted_and_foreign_containers() {
        let manifest = r#"<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>"#;
        let ods = zip_of(&[
            ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
            ("META-INF/manifest.xml", manifest),
            ("content.xml", "\u{1}garbage"),
        ]);
        assert!(matches!(texts(&ods, Workbook::Ods).0, Err(ExtractError::Encrypted)));

        let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
        cfb.create_stream("/EncryptedPackage").expect("stream").write_all(b"x").expect("write");
        let cfb = cfb.into_inner().into_inner();
        assert!(matches!(texts(&cfb, Workbook::Xlsx).0, Err(ExtractError::Encrypted)));
        let mut plain = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
        plain.create_stream("/Workbook").expect("stream").write_all(b"x").expect("write");
        let plain = plain.into_inner().into_inner();
        assert!(matches!(texts(&plain, Workbook::Xlsb).0, Err(ExtractError::Corrupt { format: "XLSB", .. })));
        assert!(matches!(texts(b"not a zip", Workbook::Xlsx).0, Err(ExtractError::Corrupt { format: "XLSX", .. })));
    }

    #[test]
    fn zip_parts_are_charged_first() {
        let x = xlsx_of(&[("S", "visible", "")], &[]);
        let mut sink = Collect::default();
        extract(&x, Workbook::Xlsx, &mut sink).expect("xlsx");
        assert!(sink.charged > 500, "{}", sink.charged);
        assert!(sink.texts().is_empty());
    }

    #[test]
    fn absurd_shared_string_count_is_refused() {
        let book = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"/>"#;
        let sst = format!(r#"<sst {NS} uniqueCount="90000000000"><si><t>a</t></si></sst>"#);
        let z = zip_of(&[("_rels/.rels", book), ("xl/sharedStrings.xml", &sst)]);
        let r = texts(&z, Workbook::Xlsx).0;
        assert!(
            matches!(r, Err(ExtractError::Corrupt { format: "XLSX", ref message }) if message.contains("declares")),
            "{r:?}"
        );
    }

    /// A BIFF8 record.
    fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut v = typ.to_le_bytes().to_vec();
        v.extend_from_slice(&(data.len() as u16).to_le_bytes());
        v.extend_from_slice(data);
        v
    }

    fn number(row: u16, col: u16, v: f64) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&v.to_le_bytes());
        rec(0x0203, &d)
    }

    fn label(row: u16, col: u16, s: &str) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        d.extend_from_slice(&(s.len() as u16).to_le_bytes());
        d.push(0);
        d.extend_from_slice(s.as_bytes());
        rec(0x0204, &d)
    }

    /// A one-sheet BIFF8 workbook in a compound file.
    fn xls_of(sheet: &str, cells: &[Vec<u8>]) -> Vec<u8> {
        let bof = rec(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]);
        let eof = rec(0x000A, &[]);
        let bound = |pos: u32| {
            let mut d = pos.to_le_bytes().to_vec();
            d.extend_from_slice(&[0, 0, sheet.len() as u8, 0]);
            d.extend_from_slice(sheet.as_bytes());
            rec(0x0085, &d)
        };
        let globals_len = (bof.len() + bound(0).len() + eof.len()) as u32;
        let mut stream = [bof.clone(), bound(globals_len), eof.clone(), bof].concat();
        for c in cells {
            stream.extend_from_slice(c);
        }
        stream.extend_from_slice(&eof);
        let mut cfb = cfb::CompoundFile::create(Cursor::new(Vec::new())).expect("cfb");
        cfb.create_stream("/Workbook").expect("stream").write_all(&stream).expect("write");
        cfb.into_inner().into_inner()
    }

    #[test]
    fn xls_cells() {
        let x = xls_of(
            "Personal",
            &[label(0, 0, "Namn"), label(0, 1, "Personnummer"), label(1, 0, "Anna"), number(1, 1, 8112189876.0)],
        );
        let (r, got) = texts(&x, Workbook::Xls);
        r.expect("xls");
        assert_eq!(
            got,
            vec![
                t("Personal!A1", "", "Namn"),
                t("Personal!B1", "Namn", "Personnummer"),
                t("Personal!A2", "Namn", "Anna"),
                t("Personal!B2", "Personnummer Anna", "8112189876"),
            ]
        );
    }

    #[test]
    fn xls_far_cells_and_huge_dimensions_are_refused() {
        let far = xls_of("S", &[number(0, 0, 1.0), number(65535, 65535, 2.0)]);
        let r = texts(&far, Workbook::Xls).0;
        assert!(matches!(r, Err(ExtractError::Limit(ref m)) if m.starts_with("spreadsheet too large")), "{r:?}");
        let mut dims = 0u32.to_le_bytes().to_vec();
        dims.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        dims.extend_from_slice(&[0, 0, 0xFF, 0, 0, 0]);
        let wide = xls_of("S", &[rec(0x0200, &dims), number(0, 0, 1.0)]);
        let r = texts(&wide, Workbook::Xls).0;
        assert!(matches!(r, Err(ExtractError::Limit(ref m)) if m.contains("declares")), "{r:?}");
    }

    #[test]
    fn sst_lengths_follow_continue_records() {
        // Two strings; the second ("defg", 16-bit) is split by a CONTINUE
        // that starts with a new high-byte flag (8-bit).
        let mut sst = vec![0; 8];
        sst.extend_from_slice(&[3, 0, 0]);
        sst.extend_from_slice(b"abc");
        sst.extend_from_slice(&[4, 0, 1]);
        sst.extend_from_slice(&[b'd', 0, b'e', 0]);
        let stream = [rec(0x00FC, &sst), rec(0x003C, &[0, b'f', b'g']), rec(0x000A, &[])].concat();
        let mut records = Records { rest: &stream };
        let first = records.next().expect("sst");
        assert_eq!(first.typ, 0x00FC);
        assert_eq!(sst_lengths(&first), vec![3, 4]);
        assert_eq!(records.next().map(|r| r.typ), Some(0x000A));
        assert!(records.next().is_none());
    }

    #[test]
    fn error_messages_never_quote_content() {
        assert_eq!(clean(&"found 'Anna Andersson' at \"x\""), "found … at …");
        assert_eq!(clean(&"Unrecognized `O'Brien`"), "Unrecognized …");
    }

    /// Truncated and bit-flipped copies of every format: no panic, no hang.
    #[test]
    fn damaged_copies_never_panic() {
        let data = concat!(
            r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>"#,
            r#"<row r="2"><c r="A2"><v>8112189876</v></c><c r="B2"><f>A2</f></c></row>"#,
        );
        let xlsx = xlsx_of(&[("S", "visible", data)], &["Namn", "Personnummer"]);
        let ods = ods_of(
            r#"<table:table table:name="S"><table:table-row><table:table-cell office:value-type="string"><text:p>Namn <text:s text:c="2"/>x</text:p></table:table-cell></table:table-row></table:table>"#,
        );
        let xls = xls_of("S", &[label(0, 0, "Namn"), number(1, 0, 8112189876.0)]);
        // The same parts stored, so that flipped bits reach the XML rather
        // than a checksum.
        let stored = |z: &[u8]| {
            let mut zip = zip::ZipArchive::new(Cursor::new(z)).expect("zip");
            let mut parts = Vec::new();
            for i in 0..zip.len() {
                let mut f = zip.by_index(i).expect("part");
                let mut s = String::new();
                f.read_to_string(&mut s).expect("utf-8");
                parts.push((f.name().expect("name").to_string(), s));
            }
            let parts: Vec<(&str, &str)> = parts.iter().map(|(n, s)| (n.as_str(), s.as_str())).collect();
            zip_with(&parts, zip::CompressionMethod::Stored)
        };
        let (xlsx_stored, ods_stored) = (stored(&xlsx), stored(&ods));
        let cases = [
            (&xlsx, Workbook::Xlsx),
            (&xlsx_stored, Workbook::Xlsx),
            (&ods, Workbook::Ods),
            (&ods_stored, Workbook::Ods),
            (&xls, Workbook::Xls),
            (&xlsx, Workbook::Xlsb),
        ];
        for (bytes, kind) in cases {
            let step = (bytes.len() / 97).max(1);
            for cut in (0..bytes.len()).step_by(step) {
                let _ = extract(&bytes[..cut], kind, &mut Collect::default());
            }
            let mut seed = 0x9E37_79B9_7F4A_7C15u64;
            for _ in 0..300 {
                let mut copy = bytes.clone();
                for _ in 0..3 {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    let i = (seed % copy.len() as u64) as usize;
                    copy[i] ^= 1 << (seed >> 60 & 7);
                }
                let _ = extract(&copy, kind, &mut Collect::default());
            }
        }
    }

    /// A sink that only counts cells, so that memory measured over a corpus
    /// run is the extractor's own.
    #[derive(Default)]
    struct Count {
        cells: usize,
    }

    impl Sink for Count {
        fn text(&mut self, _: Location, _: &str, _: &str) -> Result<(), ExtractError> {
            self.cells += 1;
            Ok(())
        }
        fn charge(&mut self, _: u64, _: Option<u64>) -> Result<(), ExtractError> {
            Ok(())
        }
        fn member(&mut self, _: &str, _: &mut dyn Read, _: Option<u64>, _: Option<u64>) -> Result<(), ExtractError> {
            Ok(())
        }
        fn member_bytes(&mut self, _: &str, _: &[u8]) -> Result<(), ExtractError> {
            Ok(())
        }
        fn member_status(&mut self, _: &str, _: crate::model::FileStatus) {}
    }

    /// Every file of the shared calamine corpus: finishes without panic;
    /// prints each file's outcome (names and statuses only). Set
    /// `SNOKA_SHEET_ONLY` to a name fragment to run one file, and
    /// `SNOKA_SHEET_DIR` to read another folder.
    #[test]
    fn corpus_files_finish() {
        let dir = match std::env::var_os("SNOKA_SHEET_DIR") {
            Some(d) => std::path::PathBuf::from(d),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/sheets/calamine-tests"),
        };
        let Ok(entries) = std::fs::read_dir(&dir) else {
            eprintln!("corpus not found at {}; skipped", dir.display());
            return;
        };
        let only = std::env::var("SNOKA_SHEET_ONLY").unwrap_or_default();
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let kind = match path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase()).as_deref() {
                Some("xlsx" | "xlsm") => Workbook::Xlsx,
                Some("xlsb") => Workbook::Xlsb,
                Some("xls") => Workbook::Xls,
                Some("ods") => Workbook::Ods,
                _ => continue,
            };
            if !name.contains(&only) {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read corpus file");
            let start = std::time::Instant::now();
            let mut sink = Count::default();
            let r = extract(&bytes, kind, &mut sink);
            let status = match &r {
                Ok(()) => "ok".to_string(),
                Err(e) => format!("{:?}", e.status()),
            };
            eprintln!("{name}: {status}, {} cells, {:?}", sink.cells, start.elapsed());
            if name.starts_with("pass_protected") {
                assert!(matches!(r, Err(ExtractError::Encrypted)), "{name}");
            }
            if name == "issue_594_dos.ods" {
                assert!(matches!(r, Err(ExtractError::Limit(_))), "{name}");
            }
            if name.starts_with("any_sheets") {
                r.expect("any_sheets reads");
                assert_eq!(sink.cells, 7, "{name}");
            }
        }
    }
}
