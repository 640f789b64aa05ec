//! The checks an Excel workbook (.xlsx, a zip package of XML parts) passes
//! before its sheets are read, so that a hostile one is refused quickly and
//! in bounded memory: it is a zip package (not an older .xls, nor an
//! encrypted workbook), it has a bounded number of parts, the sizes its zip
//! directory declares add up to at most the limit (the zip reader then stops
//! any part that decompresses to more than it declares), and its shared
//! strings table holds at most [`MAX_SHARED_STRINGS`] strings (counted while
//! decompressing it, before the workbook reader builds the table).

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use super::Limits;
use super::problem::{Problem, shorten};

/// At most this many parts (zip entries) in a workbook: a sheet is one or
/// two parts, a real workbook has tens.
pub const MAX_PARTS: usize = 10_000;

/// At most this many sheets in a workbook (only one is read).
pub const MAX_SHEETS: usize = 200;

/// At most this many strings in the shared strings table (a file of the
/// largest dataset needs a few dozen).
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;

/// At most this many cells in the sheet read (empty ones too).
pub const MAX_CELLS: u64 = 10_000_000;

/// An OLE compound file: an Excel 97-2003 workbook, or an encrypted one.
const OLE_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Checks the package; the problem that refuses it otherwise.
pub fn check(bytes: &[u8], limits: &Limits) -> Result<(), Problem> {
    if bytes.starts_with(OLE_MAGIC) {
        return Err(Problem::file(
            "the file is an Excel 97-2003 workbook (.xls) or a password-protected workbook; save it as an Excel Workbook (.xlsx) without a password, or as CSV UTF-8",
        ));
    }
    if !bytes.starts_with(b"PK") {
        return Err(Problem::file(
            "the file is not an Excel workbook (an .xlsx file is a zip package starting with 'PK'); send CSV as text/csv and Parquet as application/vnd.apache.parquet",
        ));
    }
    let mut zip = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Problem::file(format!("the file could not be read as an Excel workbook (.xlsx): {e}")))?;
    if zip.len() > MAX_PARTS {
        return Err(Problem::file(format!(
            "the workbook has {} parts, more than the {MAX_PARTS} read (save the sheet to upload in a workbook of its own)",
            zip.len()
        )));
    }
    let mut declared = 0u64;
    let mut shared_strings = Vec::new();
    for i in 0..zip.len() {
        let entry = zip.by_index_data(i).map_err(|e| {
            Problem::file(format!("the workbook is damaged: its part {} could not be read: {e}", i + 1))
        })?;
        declared = declared.saturating_add(entry.size());
        if entry.name_raw().to_ascii_lowercase().ends_with(b"sharedstrings.xml") {
            shared_strings.push(i);
        }
    }
    if declared > limits.max_workbook_bytes {
        return Err(Problem::file(format!(
            "the workbook expands to {declared} bytes, more than the {} allowed",
            limits.max_workbook_bytes
        )));
    }
    for i in shared_strings {
        let part = zip.by_index(i).map_err(|e| damaged("the shared strings", &e))?;
        count_shared_strings(part)?;
    }
    Ok(())
}

fn damaged(what: &str, e: &dyn std::fmt::Display) -> Problem {
    Problem::file(format!(
        "the workbook is damaged: {what} could not be read ({}); save it again from Excel",
        shorten(&e.to_string())
    ))
}

/// Reads a shared strings part as it decompresses: the count it declares
/// (which the workbook reader would reserve room for) and the strings it
/// holds are at most [`MAX_SHARED_STRINGS`].
fn count_shared_strings(part: impl Read) -> Result<(), Problem> {
    let too_many = |n: u64| {
        Problem::file(format!(
            "the workbook's shared strings table holds {n} strings, more than the {MAX_SHARED_STRINGS} allowed"
        ))
    };
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::with_capacity(1024);
    let mut strings = 0u64;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                // The number of strings the table says it holds (its `count`
                // counts their uses in cells, which may well be more).
                "sst" => {
                    if let Some(n) = declared_count(&e, "uniqueCount")
                        && n > MAX_SHARED_STRINGS
                    {
                        return Err(too_many(n));
                    }
                }
                "si" => {
                    strings += 1;
                    if strings > MAX_SHARED_STRINGS {
                        return Err(too_many(strings));
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err(damaged("the shared strings", &e)),
        }
    }
}

/// A count attribute of the table, saturating (`None` when it is not a number).
fn declared_count(e: &BytesStart<'_>, name: &str) -> Option<u64> {
    let value = e.try_get_attribute(name).ok()??.value;
    let text = value.trim();
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.parse::<u64>().unwrap_or(u64::MAX))
}
