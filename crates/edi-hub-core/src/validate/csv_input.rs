//! Reading an uploaded CSV file (UTF-8, header row, comma separated; a UTF-8
//! byte order mark and CRLF line endings are accepted).

use super::column::ColumnBuilder;
use super::header::HeaderMap;
use super::problem::{Problem, Problems};
use super::{Limits, Read};
use crate::dataset::Dataset;

const BOM: &[u8] = b"\xEF\xBB\xBF";

pub fn read(dataset: Dataset, bytes: &[u8], limits: &Limits, problems: &mut Problems) -> Option<Read> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(body);
    let mut record = csv::ByteRecord::new();

    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) => {
            problems.push(Problem::file("the file is empty; it needs a header row and at least one data row"));
            return None;
        }
        Err(e) => {
            problems.push(Problem::file(format!("the file could not be read as CSV: {e}")));
            return None;
        }
    }
    let mut names = Vec::with_capacity(record.len().min(1024));
    for field in record.iter() {
        match std::str::from_utf8(field) {
            Ok(s) => names.push(s.to_string()),
            Err(_) => {
                problems.push(Problem::file("the header row is not valid UTF-8 text; save the file as CSV UTF-8"));
                return None;
            }
        }
    }
    let header = HeaderMap::check(dataset, &names, problems);
    let mut builders: Vec<ColumnBuilder> = dataset.columns().iter().map(ColumnBuilder::new).collect();
    let expected = names.len();
    let mut rows = 0usize;
    let mut bad_rows = Vec::new();

    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                problems.push(Problem::row(rows as u64 + 1, format!("the row could not be read as CSV: {e}")));
                return None;
            }
        }
        if record.len() == 1 && record.get(0).is_some_and(|f| f.is_empty()) {
            // A blank line (often at the end of a spreadsheet export).
            continue;
        }
        if rows >= limits.max_rows {
            problems.push(Problem::file(format!("the file has more than {} data rows", limits.max_rows)));
            return None;
        }
        let row = rows;
        rows += 1;
        if record.len() != expected {
            problems.push(Problem::row(
                row as u64 + 1,
                format!("the row has {} values but the header has {expected} columns", record.len()),
            ));
            bad_rows.push(row);
        }
        for (field_index, target) in header.file_columns.iter().enumerate() {
            let Some(def_index) = *target else { continue };
            let builder = &mut builders[def_index];
            match record.get(field_index).map(std::str::from_utf8) {
                Some(Ok(text)) => builder.push_text(row, text, problems),
                Some(Err(_)) => builder.push_unreadable(
                    row,
                    problems,
                    "the value is not valid UTF-8 text; save the file as CSV UTF-8",
                ),
                None => builder.push_missing(row, problems),
            }
        }
    }
    Read::finish(
        rows,
        builders,
        &header,
        bad_rows,
        problems,
        "the file has no data rows (a header alone is an empty file)",
    )
}
