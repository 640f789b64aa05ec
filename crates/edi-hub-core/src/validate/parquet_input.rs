//! Reading an uploaded Parquet file: counts of any integer type, pay bands
//! as integers, flags as booleans, codes as plain or dictionary strings, pay
//! as floats or decimals. A damaged file (a footer pointing outside the data,
//! pages the reader cannot decode, even ones it panics on) is one problem.

use std::panic::{AssertUnwindSafe, catch_unwind};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type, UInt64Type};
use bytes::Bytes;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderOptions, ParquetRecordBatchReaderBuilder};

use super::column::{ColumnBuilder, Physical};
use super::header::HeaderMap;
use super::problem::{Problem, Problems, shorten};
use super::{Limits, Read};
use crate::dataset::Dataset;

const BATCH_ROWS: usize = 8192;

/// Length of the trailer: the footer length (4 bytes) and the marker 'PAR1'.
const TRAILER: usize = 8;

/// The start of the message for a file the Parquet reader panicked on.
pub const DECODER_FAILED: &str = "the Parquet data could not be decoded: the file is damaged";

pub fn read(dataset: Dataset, bytes: Bytes, limits: &Limits, problems: &mut Problems) -> Option<Read> {
    if bytes.len() < 12 || !bytes.starts_with(b"PAR1") || !bytes.ends_with(b"PAR1") {
        problems.push(Problem::file(
            "the file is not a Parquet file (it does not start and end with the Parquet marker 'PAR1'); send CSV as text/csv",
        ));
        return None;
    }
    // The Parquet reader panics on some damaged files instead of returning an
    // error (e.g. a dictionary-encoded page in a column chunk without a
    // dictionary page): such a file is refused like any other damaged file.
    let mut phase = Phase::Footer;
    match catch_unwind(AssertUnwindSafe(|| read_parquet(dataset, bytes, limits, problems, &mut phase))) {
        Ok(read) => read,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no detail");
            let during = match phase {
                Phase::Footer => "reading the footer",
                Phase::Pages => "decoding the pages",
            };
            problems.push(Problem::file(format!(
                "{DECODER_FAILED} (the Parquet reader failed {during}: {}); export it again from the software that made it",
                shorten(detail)
            )));
            None
        }
    }
}

/// How far reading got (named in the problem if the reader panics).
#[derive(Debug, Clone, Copy)]
enum Phase {
    Footer,
    Pages,
}

fn read_parquet(
    dataset: Dataset,
    bytes: Bytes,
    limits: &Limits,
    problems: &mut Problems,
    phase: &mut Phase,
) -> Option<Read> {
    let footer_start = data_section_end(&bytes);
    // Column types come from the Parquet schema. The Arrow schema some
    // writers add to the footer is not read: it only refines types the
    // validator treats alike (dictionary, large and view strings), and its
    // decoder panics on many damaged schemas.
    let options = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let builder = match ParquetRecordBatchReaderBuilder::try_new_with_options(bytes, options) {
        Ok(b) => b,
        Err(e) => {
            problems.push(Problem::file(format!("the Parquet file could not be read: {e}")));
            return None;
        }
    };
    let metadata = builder.metadata().clone();
    let declared_rows = metadata.file_metadata().num_rows();
    if declared_rows < 0 || declared_rows as u64 > limits.max_rows as u64 {
        problems.push(Problem::file(format!("the file has more than {} data rows", limits.max_rows)));
        return None;
    }
    // Saturating: a damaged footer may declare sizes whose sum overflows.
    let uncompressed = metadata
        .row_groups()
        .iter()
        .flat_map(|rg| rg.columns())
        .fold(0u64, |sum, c| sum.saturating_add(c.uncompressed_size().max(0) as u64));
    if uncompressed > limits.max_uncompressed_bytes {
        problems.push(Problem::file(format!(
            "the file expands to {uncompressed} bytes, more than the {} allowed",
            limits.max_uncompressed_bytes
        )));
        return None;
    }
    // The row groups' counts add up to the file's (the reader sums them
    // unchecked: a damaged count overflowed it).
    let groups_rows = metadata
        .row_groups()
        .iter()
        .try_fold(0i64, |sum, rg| if rg.num_rows() < 0 { None } else { sum.checked_add(rg.num_rows()) });
    if groups_rows != Some(declared_rows) {
        problems.push(Problem::file(format!(
            "the Parquet file is damaged: its row groups do not add up to the {declared_rows} rows its footer declares"
        )));
        return None;
    }
    // Every column chunk lies between the leading marker and the footer. A
    // file cut short and given its footer back points at data that is not
    // there (or at the footer itself, which the reader would decode as pages).
    for (group, rg) in metadata.row_groups().iter().enumerate() {
        for c in rg.columns() {
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            let end = start.checked_add(c.compressed_size());
            let inside = start >= 4
                && c.data_page_offset() >= start
                && c.compressed_size() >= 0
                && end.is_some_and(|end| end as u64 <= footer_start);
            if !inside {
                problems.push(Problem::file(format!(
                    "the Parquet file is damaged or cut short: the data of column '{}' in row group {} is not where its footer says",
                    shorten(&c.column_path().string()),
                    group + 1
                )));
                return None;
            }
        }
    }

    let schema = builder.schema().clone();
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let header = HeaderMap::check(dataset, &names, problems);
    let mut builders: Vec<ColumnBuilder> = dataset.columns().iter().map(ColumnBuilder::new).collect();

    // Which file columns to decode, and whether their type is acceptable.
    let mut readable = Vec::new();
    for (file_index, target) in header.file_columns.iter().enumerate() {
        let Some(def_index) = *target else { continue };
        let field = schema.field(file_index);
        let check = physical(field.data_type())
            .ok_or_else(|| format!("the column has the unsupported type {}", field.data_type()))
            .and_then(|p| builders[def_index].accepts(p));
        match check {
            Ok(()) => readable.push((file_index, def_index)),
            Err(msg) => problems.push(Problem::column(field.name(), msg)),
        }
    }
    let roots: Vec<usize> = readable.iter().map(|(i, _)| *i).collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = match builder.with_projection(mask).with_batch_size(BATCH_ROWS).build() {
        Ok(r) => r,
        Err(e) => {
            problems.push(Problem::file(format!("the Parquet file could not be read: {e}")));
            return None;
        }
    };

    *phase = Phase::Pages;
    let mut rows = 0usize;
    for batch in reader {
        let batch = match batch {
            Ok(b) => b,
            Err(e) => {
                problems.push(Problem::file(format!("the Parquet data could not be decoded: {e}")));
                return None;
            }
        };
        if rows + batch.num_rows() > limits.max_rows {
            problems.push(Problem::file(format!("the file has more than {} data rows", limits.max_rows)));
            return None;
        }
        for (position, (_, def_index)) in readable.iter().enumerate() {
            push_array(&mut builders[*def_index], rows, batch.column(position), problems);
        }
        rows += batch.num_rows();
    }
    if !readable.is_empty() && rows as i64 != declared_rows {
        problems.push(Problem::file(format!(
            "the Parquet file is damaged: its footer declares {declared_rows} rows but its pages hold {rows}"
        )));
        return None;
    }
    for (file_index, target) in header.file_columns.iter().enumerate() {
        if let Some(def_index) = target
            && !readable.iter().any(|(i, _)| i == &file_index)
        {
            builders[*def_index].reject_all(rows);
        }
    }
    Read::finish(rows, builders, &header, Vec::new(), problems, "the file has no data rows")
}

/// Where the footer (the file metadata) starts: the data section ends there.
fn data_section_end(bytes: &[u8]) -> u64 {
    let len = bytes.len();
    let length_field = bytes.get(len.saturating_sub(TRAILER)..len.saturating_sub(4)).unwrap_or_default();
    let footer_len = length_field.try_into().map_or(u64::MAX, |b: [u8; 4]| u64::from(u32::from_le_bytes(b)));
    (len as u64).saturating_sub(TRAILER as u64).saturating_sub(footer_len)
}

fn physical(t: &DataType) -> Option<Physical> {
    Some(match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Physical::Text,
        DataType::Dictionary(_, v) if physical(v) == Some(Physical::Text) => Physical::Text,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => Physical::Integer,
        DataType::Float16 | DataType::Float32 | DataType::Float64 => Physical::Float,
        DataType::Decimal32(_, _)
        | DataType::Decimal64(_, _)
        | DataType::Decimal128(_, _)
        | DataType::Decimal256(_, _) => Physical::Decimal,
        DataType::Boolean => Physical::Boolean,
        DataType::Null => Physical::Text,
        _ => return None,
    })
}

fn push_array(builder: &mut ColumnBuilder, first_row: usize, array: &ArrayRef, problems: &mut Problems) {
    let row = |i: usize| first_row + i;
    let t = array.data_type().clone();
    let as_type = |to: &DataType| cast(array, to).ok();
    match physical(&t) {
        Some(Physical::Text) => {
            if let Some(a) = as_type(&DataType::Utf8) {
                let a = a.as_string::<i32>();
                for i in 0..a.len() {
                    if a.is_null(i) {
                        builder.push_missing(row(i), problems);
                    } else {
                        builder.push_text(row(i), a.value(i), problems);
                    }
                }
                return;
            }
        }
        Some(Physical::Integer) => {
            let converted = if t == DataType::UInt64 {
                as_type(&DataType::UInt64).map(|a| {
                    let a = a.as_primitive::<UInt64Type>().clone();
                    (0..a.len()).map(|i| (!a.is_null(i)).then(|| i128::from(a.value(i)))).collect::<Vec<_>>()
                })
            } else {
                as_type(&DataType::Int64).map(|a| {
                    let a = a.as_primitive::<Int64Type>().clone();
                    (0..a.len()).map(|i| (!a.is_null(i)).then(|| i128::from(a.value(i)))).collect::<Vec<_>>()
                })
            };
            if let Some(values) = converted {
                for (i, v) in values.into_iter().enumerate() {
                    match v {
                        Some(n) => builder.push_int(row(i), n, problems),
                        None => builder.push_missing(row(i), problems),
                    }
                }
                return;
            }
        }
        Some(Physical::Float | Physical::Decimal) => {
            if let Some(a) = as_type(&DataType::Float64) {
                let a = a.as_primitive::<arrow::datatypes::Float64Type>();
                for i in 0..a.len() {
                    if a.is_null(i) {
                        builder.push_missing(row(i), problems);
                    } else {
                        builder.push_float(row(i), a.value(i), problems);
                    }
                }
                return;
            }
        }
        Some(Physical::Boolean) => {
            let a = array.as_boolean();
            for i in 0..a.len() {
                if a.is_null(i) {
                    builder.push_missing(row(i), problems);
                } else {
                    builder.push_boolean(row(i), a.value(i), problems);
                }
            }
            return;
        }
        None => {}
    }
    for i in 0..array.len() {
        builder.push_unreadable(row(i), problems, "the value could not be converted");
    }
}
