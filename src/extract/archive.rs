//! Archives: zip, tar and gzip. Every member goes back to the dispatcher
//! through [`Sink::member`], which applies the limits (depth, bytes, ratio,
//! count) and reads the member by content, so a zip inside a tar inside a
//! gzip is read like any other file. Office files are zips too: [`sniff_zip`]
//! tells them apart by their parts.

use std::io::{Cursor, Read};

use crate::error::ExtractError;
use crate::extract::{Format, Sink};
use crate::model::FileStatus;

/// Tells Office Open XML and OpenDocument files from plain zip archives by
/// the parts they contain. A zip too damaged to list is taken by its
/// extension (`ext`, lower case), so a truncated `.docx` fails as a
/// corrupt DOCX rather than a corrupt zip.
pub fn sniff_zip(bytes: &[u8], ext: &str) -> Format {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return match ext {
            "docx" | "docm" | "dotx" | "dotm" => Format::Docx,
            "xlsx" | "xlsm" | "xltx" | "xltm" => Format::Xlsx,
            "xlsb" => Format::Xlsb,
            "pptx" | "pptm" | "potx" | "ppsx" => Format::Pptx,
            "odt" | "ott" => Format::Odt,
            "ods" | "ots" => Format::Ods,
            "odp" | "otp" => Format::Odp,
            _ => Format::Zip,
        };
    };
    let names: Vec<String> = zip.file_names().filter_map(|n| n.ok().map(|n| n.into_owned())).collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("[Content_Types].xml") {
        if has("word/document.xml") || names.iter().any(|n| n.starts_with("word/") && n.ends_with(".xml")) {
            return Format::Docx;
        }
        if has("xl/workbook.xml") {
            return Format::Xlsx;
        }
        if has("xl/workbook.bin") {
            return Format::Xlsb;
        }
        if has("ppt/presentation.xml") {
            return Format::Pptx;
        }
    }
    if has("mimetype") {
        let mut kind = String::new();
        if let Ok(f) = zip.by_name("mimetype") {
            let _ = f.take(100).read_to_string(&mut kind);
        }
        match kind.trim() {
            "application/vnd.oasis.opendocument.text" | "application/vnd.oasis.opendocument.text-template" => {
                return Format::Odt;
            }
            "application/vnd.oasis.opendocument.spreadsheet"
            | "application/vnd.oasis.opendocument.spreadsheet-template" => return Format::Ods,
            "application/vnd.oasis.opendocument.presentation"
            | "application/vnd.oasis.opendocument.presentation-template" => return Format::Odp,
            _ => {}
        }
    }
    Format::Zip
}

/// Dispatches every file in a zip archive. Encrypted members are reported
/// as skipped (an archive whose every file is encrypted is itself
/// `skipped: encrypted`); a damaged member fails alone.
pub fn extract_zip(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ExtractError::corrupt("zip", e))?;
    let mut files = 0usize;
    let mut encrypted = Vec::new();
    for i in 0..zip.len() {
        let (name, is_file, is_encrypted, size, compressed) = match zip.by_index_raw(i) {
            Ok(f) => (member_name(&f), f.is_file(), f.encrypted(), f.size(), f.compressed_size()),
            Err(e) => {
                sink.member_status(&format!("#{}", i + 1), ExtractError::corrupt("zip", e).status());
                continue;
            }
        };
        if !is_file {
            continue;
        }
        files += 1;
        if is_encrypted {
            encrypted.push(name);
            continue;
        }
        match zip.by_index(i) {
            Ok(mut f) => sink.member(&name, &mut f, Some(size), Some(compressed))?,
            Err(e) => sink.member_status(&name, ExtractError::corrupt("zip", e).status()),
        }
    }
    if files > 0 && encrypted.len() == files {
        return Err(ExtractError::Encrypted);
    }
    for name in encrypted {
        sink.member_status(&name, FileStatus::Skipped(ExtractError::Encrypted.to_string()));
    }
    Ok(())
}

/// A member's name as the archive stores it; names that are not valid
/// UTF-8 (and not flagged CP437) are shown lossily.
fn member_name<R: Read>(f: &zip::read::ZipFile<'_, R>) -> String {
    match f.name() {
        Ok(n) => n.into_owned(),
        Err(_) => String::from_utf8_lossy(f.name_raw()).into_owned(),
    }
}

/// Dispatches every regular file in a tar archive.
pub fn extract_tar(bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let mut tar = tar::Archive::new(Cursor::new(bytes));
    let entries = tar.entries().map_err(|e| ExtractError::corrupt("tar", e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| ExtractError::corrupt("tar", e))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let size = entry.header().size().ok();
        sink.member(&name, &mut entry, size, None)?;
    }
    Ok(())
}

/// Dispatches the decompressed content of a gzip file (all members of a
/// multi-member stream) as one member named after the file without its
/// `.gz` (`logs.tgz` gives `logs.tar`).
pub fn extract_gzip(name: &str, bytes: &[u8], sink: &mut dyn Sink) -> Result<(), ExtractError> {
    let base = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    let lower = base.to_ascii_lowercase();
    let inner = if lower.ends_with(".tgz") {
        format!("{}.tar", &base[..base.len() - 4])
    } else if lower.ends_with(".gz") && base.len() > 3 {
        base[..base.len() - 3].to_string()
    } else {
        format!("{base}.out")
    };
    let mut gz = flate2::read::MultiGzDecoder::new(bytes);
    sink.member(&inner, &mut gz, None, Some(bytes.len() as u64))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;
    use crate::extract::testutil::{Collect, Event};

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in members {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("start");
            w.write_all(data).expect("write");
        }
        w.finish().expect("finish").into_inner()
    }

    #[test]
    fn zip_members_in_order() {
        let z = zip_of(&[("a.txt", b"hej"), ("dir/b.txt", b"d\xe5")]);
        assert_eq!(sniff_zip(&z, "zip"), Format::Zip);
        let mut sink = Collect::default();
        extract_zip(&z, &mut sink).expect("extract");
        assert_eq!(
            sink.events,
            vec![Event::Member("a.txt".into(), b"hej".to_vec()), Event::Member("dir/b.txt".into(), b"d\xe5".to_vec())]
        );
    }

    #[test]
    fn office_zips_are_told_apart() {
        let docx = zip_of(&[("[Content_Types].xml", b"<x/>"), ("word/document.xml", b"<x/>")]);
        assert_eq!(sniff_zip(&docx, ""), Format::Docx);
        let xlsx = zip_of(&[("[Content_Types].xml", b"<x/>"), ("xl/workbook.xml", b"<x/>")]);
        assert_eq!(sniff_zip(&xlsx, ""), Format::Xlsx);
        let odt = zip_of(&[("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<x/>")]);
        assert_eq!(sniff_zip(&odt, ""), Format::Odt);
        assert_eq!(sniff_zip(&docx[..docx.len() - 30], "docx"), Format::Docx, "damaged: by extension");
        assert_eq!(sniff_zip(&docx[..docx.len() - 30], "bin"), Format::Zip);
    }

    #[test]
    fn truncated_zip_is_corrupt() {
        let z = zip_of(&[("a.txt", b"hej hej hej")]);
        let err = extract_zip(&z[..z.len() - 10], &mut Collect::default()).expect_err("truncated");
        assert!(matches!(err, ExtractError::Corrupt { format: "zip", .. }), "{err}");
    }

    #[test]
    fn tar_and_gzip() {
        let mut b = tar::Builder::new(Vec::new());
        let data = b"Personnummer 811218-9876";
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "inner/a.txt", &data[..]).expect("append");
        let t = b.into_inner().expect("tar");
        let mut sink = Collect::default();
        extract_tar(&t, &mut sink).expect("tar");
        assert_eq!(sink.events, vec![Event::Member("inner/a.txt".into(), data.to_vec())]);

        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&t).expect("gz");
        let gz = gz.finish().expect("gz");
        let mut sink = Collect::default();
        extract_gzip("logs/backup.tgz", &gz, &mut sink).expect("gzip");
        assert_eq!(sink.events, vec![Event::Member("backup.tar".into(), t)]);
    }
}
