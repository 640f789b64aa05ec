//! Hostile files that reach the decoders. Random bytes never get past the
//! Parquet marker, so these tests start from valid files of every dataset,
//! written in several physical shapes (plain and dictionary strings, every
//! integer width, float and decimal pay, several row groups and pages, no
//! compression, snappy, zstd, gzip and lz4, both data page versions, with
//! and without the Arrow schema in the footer), and damage them: bytes
//! flipped in pages and in the footer (at random, and every footer and page
//! header byte in turn), truncation at every section boundary (with and
//! without the marker or the footer put back), a wrong footer length, pages
//! copied over or into other pages (of the same file or of a file of another
//! shape). CSV files get flipped bytes, rows and quotes cut short, NUL and
//! invalid UTF-8, a repeated header, other delimiters and line endings; and
//! otherwise valid Parquet files get a column of a wrong type.
//!
//! Every outcome must be a table whose every row passes the dataset's rules
//! (checked here independently of the validator) or a non-empty list of
//! problems, within a time bound and without a panic; a truncated Parquet
//! file is never accepted. Each test prints (with `--nocapture`) how far its
//! cases got: refused at the marker, at the footer, by the size limits, in
//! page decoding, or with the pages decoded (refused for columns or values,
//! or accepted), and every reader panic the validator caught.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arrow::array::{
    ArrayRef, BinaryArray, BooleanArray, Decimal128Array, DictionaryArray, Float32Array, Float64Array, Int8Array,
    Int16Array, Int32Array, Int64Array, LargeStringArray, ListArray, StringArray, StringViewArray, UInt8Array,
    UInt16Array, UInt32Array, UInt64Array,
};
use arrow::datatypes::{Field, Int32Type, Schema, UInt8Type};
use arrow::record_batch::RecordBatch;
use bytes::Bytes;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader, ParquetMetaDataWriter, RowGroupMetaData};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use super::*;
use crate::dataset::{self, Role, Rule, ValueKind};
use crate::ethnicity;
use crate::organisation::Organisation;

/// A case taking longer than this is a failure (debug build, slow machine).
const TIME_BOUND: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Valid source data

/// One source value.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Cell {
    Text(&'static str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

/// Ethnicity codes that never clash as parent and child.
fn ethnicities() -> Vec<&'static str> {
    ethnicity::DETAILED.iter().map(|(c, _)| *c).chain([ethnicity::NOT_STATED]).collect()
}

/// How many distinct valid rows the generator below gives for a dataset
/// (with or without its optional columns).
fn max_rows(d: Dataset, optional: bool) -> usize {
    match (d, optional) {
        (Dataset::Pay, _) | (Dataset::Workforce, false) => 20,
        (Dataset::Recruitment, false) => 60,
        _ => 100,
    }
}

/// Row `i` of a valid file: dimension combinations are unique, no code
/// appears with its parent, counts fit in an `i8`, recruitment stages nest
/// and `positive <= respondents`.
fn value(d: Dataset, column: &str, i: usize) -> Cell {
    let e = ethnicities();
    let n = e.len();
    let (block, g) = (i / n, i / 3);
    let int = |x: usize| Cell::Int(x as i64);
    match (d, column) {
        (Dataset::Population, "organisation") => {
            Cell::Text(Organisation::all().nth(i % Organisation::COUNT).unwrap().code())
        }
        (Dataset::Population, "ethnicity") => Cell::Text(e[(i / Organisation::COUNT) % n]),
        (Dataset::Population, "residents") => int(i % 120),
        (Dataset::Recruitment, "ethnicity") => Cell::Text(e[g % n]),
        (Dataset::Recruitment, "stage") => Cell::Text(dataset::STAGES[i % 3]),
        (Dataset::Recruitment, "pay_band") => int(1 + (g / n) % 6),
        (Dataset::Recruitment, "count") => int([40 + g % 40, 20 + g % 20, g % 20][i % 3]),
        (_, "ethnicity") => Cell::Text(e[i % n]),
        (Dataset::Workforce, "pay_band") => int(1 + block % 6),
        (Dataset::Workforce, "sex") => Cell::Text(dataset::SEX[(i / (6 * n)) % 3]),
        (Dataset::Workforce, "age_band") => Cell::Text(dataset::AGE_BANDS[i % 7]),
        (Dataset::Workforce, "disability") => Cell::Text(dataset::DISABILITY[i % 3]),
        (Dataset::Workforce, "top_5_percent") => Cell::Bool(i.is_multiple_of(2)),
        (Dataset::Workforce, "senior_leadership") => Cell::Bool(i.is_multiple_of(5)),
        (Dataset::Workforce, "headcount") => int(i * 7 % 100),
        (Dataset::Workforce, "fte") if i % 4 == 3 => Cell::Null,
        (Dataset::Workforce, "fte") => Cell::Float((i * 7 % 100) as f64 * 0.75),
        (Dataset::Pay, "headcount") => int(1 + i),
        (Dataset::Pay, "mean_hourly_pay") => Cell::Float(12.5 + i as f64),
        (Dataset::Pay, "median_hourly_pay") => Cell::Float(11.25 + i as f64),
        (Dataset::Casework, "case_type") => Cell::Text(dataset::CASE_TYPES[block % 5]),
        (Dataset::Casework, "count") => int(i % 13),
        (Dataset::Progression, "event") => Cell::Text(dataset::EVENTS[block % 8]),
        (Dataset::Progression, "pay_band") => int(1 + i % 6),
        (Dataset::Progression, "count") => int(i % 17),
        (Dataset::Survey, "question") => Cell::Text(dataset::QUESTIONS[block % 6]),
        (Dataset::Survey, "respondents") => int(60 + i % 40),
        (Dataset::Survey, "positive") => int(i % 60),
        _ => panic!("no test values for {d} {column}"),
    }
}

/// The columns a file of this shape has (required ones, or all).
fn file_columns(d: Dataset, optional: bool) -> Vec<&'static ColumnDef> {
    d.columns().iter().filter(|c| optional || c.required).collect()
}

// ---------------------------------------------------------------------------
// Physical shapes of a valid Parquet file

#[derive(Debug, Clone, Copy, PartialEq)]
enum Text {
    Utf8,
    Large,
    View,
    Dict32,
    Dict8,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Int {
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Real {
    F32,
    F64,
    /// Decimal128 with this precision (scale 2): stored as INT32 up to 9,
    /// INT64 up to 18, fixed-length bytes above.
    Dec(u8),
}

#[derive(Debug, Clone)]
struct Shape {
    rows: usize,
    text: Text,
    int: Int,
    real: Real,
    pay_band_text: bool,
    flags_text: bool,
    optional: bool,
    dictionary: bool,
    compression: Compression,
    v2: bool,
    row_group: usize,
    page_rows: usize,
    statistics: EnabledStatistics,
    /// Whether the Arrow schema is stored in the footer (as the Arrow
    /// writers do; Spark, DuckDB and others do not).
    arrow_schema: bool,
}

fn shapes() -> Vec<Shape> {
    let base = Shape {
        rows: 40,
        text: Text::Utf8,
        int: Int::I64,
        real: Real::F64,
        pay_band_text: false,
        flags_text: false,
        optional: true,
        dictionary: false,
        compression: Compression::UNCOMPRESSED,
        v2: false,
        row_group: 1024,
        page_rows: 4,
        statistics: EnabledStatistics::Page,
        arrow_schema: true,
    };
    vec![
        base.clone(),
        Shape {
            text: Text::Dict32,
            int: Int::I32,
            real: Real::F32,
            dictionary: true,
            compression: Compression::SNAPPY,
            v2: true,
            row_group: 10,
            ..base.clone()
        },
        Shape {
            text: Text::Large,
            int: Int::I8,
            real: Real::Dec(9),
            dictionary: true,
            compression: Compression::ZSTD(ZstdLevel::default()),
            row_group: 16,
            statistics: EnabledStatistics::None,
            ..base.clone()
        },
        Shape {
            text: Text::View,
            int: Int::U16,
            real: Real::Dec(18),
            compression: Compression::SNAPPY,
            v2: true,
            statistics: EnabledStatistics::Chunk,
            arrow_schema: false,
            ..base.clone()
        },
        Shape {
            rows: 60,
            text: Text::Dict8,
            int: Int::U32,
            real: Real::Dec(28),
            pay_band_text: true,
            flags_text: true,
            dictionary: true,
            compression: Compression::GZIP(GzipLevel::default()),
            row_group: 25,
            page_rows: 8,
            ..base.clone()
        },
        Shape {
            text: Text::Utf8,
            int: Int::U64,
            dictionary: true,
            compression: Compression::LZ4_RAW,
            v2: true,
            optional: false,
            page_rows: 1024,
            ..base.clone()
        },
        Shape {
            rows: 24,
            int: Int::I16,
            dictionary: true,
            compression: Compression::ZSTD(ZstdLevel::default()),
            row_group: 7,
            page_rows: 2,
            arrow_schema: false,
            ..base.clone()
        },
        Shape { rows: 1, int: Int::U8, page_rows: 1024, ..base },
    ]
}

fn text_array(t: Text, v: &[Option<&str>]) -> ArrayRef {
    match t {
        Text::Utf8 => Arc::new(StringArray::from(v.to_vec())),
        Text::Large => Arc::new(LargeStringArray::from(v.to_vec())),
        Text::View => Arc::new(StringViewArray::from(v.to_vec())),
        Text::Dict32 => Arc::new(v.iter().copied().collect::<DictionaryArray<Int32Type>>()),
        Text::Dict8 => Arc::new(v.iter().copied().collect::<DictionaryArray<UInt8Type>>()),
    }
}

fn int_array(t: Int, v: &[Option<i64>]) -> ArrayRef {
    fn conv<T: TryFrom<i64>>(v: &[Option<i64>]) -> Vec<Option<T>> {
        v.iter().map(|x| x.map(|n| T::try_from(n).ok().expect("test values fit every integer type"))).collect()
    }
    match t {
        Int::I8 => Arc::new(Int8Array::from(conv::<i8>(v))),
        Int::I16 => Arc::new(Int16Array::from(conv::<i16>(v))),
        Int::I32 => Arc::new(Int32Array::from(conv::<i32>(v))),
        Int::I64 => Arc::new(Int64Array::from(v.to_vec())),
        Int::U8 => Arc::new(UInt8Array::from(conv::<u8>(v))),
        Int::U16 => Arc::new(UInt16Array::from(conv::<u16>(v))),
        Int::U32 => Arc::new(UInt32Array::from(conv::<u32>(v))),
        Int::U64 => Arc::new(UInt64Array::from(conv::<u64>(v))),
    }
}

fn real_array(t: Real, v: &[Option<f64>]) -> ArrayRef {
    match t {
        Real::F32 => Arc::new(Float32Array::from(v.iter().map(|x| x.map(|f| f as f32)).collect::<Vec<_>>())),
        Real::F64 => Arc::new(Float64Array::from(v.to_vec())),
        Real::Dec(p) => Arc::new(
            Decimal128Array::from(v.iter().map(|x| x.map(|f| (f * 100.0).round() as i128)).collect::<Vec<_>>())
                .with_precision_and_scale(p, 2)
                .unwrap(),
        ),
    }
}

/// The column `def` of rows `0..rows` as an array of the shape's types.
fn column_array(d: Dataset, def: &ColumnDef, rows: usize, shape: &Shape) -> ArrayRef {
    let cells: Vec<Cell> = (0..rows).map(|i| value(d, def.name, i)).collect();
    let text: Vec<Option<String>> = cells.iter().map(cell_text).collect();
    let text_ref = || text.iter().map(|t| t.as_deref()).collect::<Vec<_>>();
    match def.kind {
        ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => text_array(shape.text, &text_ref()),
        ValueKind::PayBand if shape.pay_band_text => text_array(shape.text, &text_ref()),
        ValueKind::Flag if shape.flags_text => text_array(shape.text, &text_ref()),
        ValueKind::PayBand | ValueKind::Count => int_array(
            shape.int,
            &cells.iter().map(|c| if let Cell::Int(n) = c { Some(*n) } else { None }).collect::<Vec<_>>(),
        ),
        ValueKind::Decimal | ValueKind::Pay => real_array(
            shape.real,
            &cells.iter().map(|c| if let Cell::Float(x) = c { Some(*x) } else { None }).collect::<Vec<_>>(),
        ),
        ValueKind::Flag => Arc::new(BooleanArray::from(
            cells.iter().map(|c| if let Cell::Bool(b) = c { Some(*b) } else { None }).collect::<Vec<_>>(),
        )),
    }
}

fn cell_text(c: &Cell) -> Option<String> {
    match c {
        Cell::Text(s) => Some((*s).to_string()),
        Cell::Int(n) => Some(n.to_string()),
        Cell::Float(x) => Some(x.to_string()),
        Cell::Bool(b) => Some(b.to_string()),
        Cell::Null => None,
    }
}

fn write_parquet(columns: Vec<(&str, ArrayRef)>, shape: &Shape) -> Vec<u8> {
    let props = WriterProperties::builder()
        .set_compression(shape.compression)
        .set_dictionary_enabled(shape.dictionary)
        .set_writer_version(if shape.v2 { WriterVersion::PARQUET_2_0 } else { WriterVersion::PARQUET_1_0 })
        .set_max_row_group_row_count(Some(shape.row_group))
        .set_data_page_row_count_limit(shape.page_rows)
        .set_write_batch_size(shape.page_rows)
        .set_statistics_enabled(shape.statistics)
        .build();
    write_parquet_with(columns, props, shape.arrow_schema)
}

fn write_parquet_with(columns: Vec<(&str, ArrayRef)>, props: WriterProperties, arrow_schema: bool) -> Vec<u8> {
    let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    let batch =
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect()).unwrap();
    let options = ArrowWriterOptions::new().with_properties(props).with_skip_arrow_metadata(!arrow_schema);
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new_with_options(&mut out, batch.schema(), options).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    out
}

fn valid_parquet(d: Dataset, shape: &Shape) -> Vec<u8> {
    let rows = shape.rows.min(max_rows(d, shape.optional));
    let columns =
        file_columns(d, shape.optional).into_iter().map(|def| (def.name, column_array(d, def, rows, shape))).collect();
    write_parquet(columns, shape)
}

/// A valid CSV file; `quoted` quotes every field and adds a BOM and CRLF.
fn valid_csv(d: Dataset, rows: usize, quoted: bool) -> Vec<u8> {
    let defs = file_columns(d, true);
    let rows = rows.min(max_rows(d, true));
    let (q, eol) = if quoted { ("\"", "\r\n") } else { ("", "\n") };
    let mut out = String::from(if quoted { "\u{feff}" } else { "" });
    let names: Vec<String> = defs.iter().map(|c| format!("{q}{}{q}", c.name)).collect();
    out.push_str(&names.join(","));
    out.push_str(eol);
    for i in 0..rows {
        let fields: Vec<String> = defs
            .iter()
            .map(|c| match cell_text(&value(d, c.name, i)) {
                Some(t) => format!("{q}{t}{q}"),
                None => String::new(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str(eol);
    }
    out.into_bytes()
}

// ---------------------------------------------------------------------------
// The corpus of valid files and where their sections are

/// Where the sections of a valid Parquet file are.
#[derive(Debug)]
struct Layout {
    /// Every page (dictionary and data pages, header included), in file order.
    pages: Vec<Range<usize>>,
    /// End of the last column chunk (page indexes may follow).
    data_end: usize,
    /// Start of the footer (the Thrift file metadata).
    footer_start: usize,
}

fn layout(bytes: &[u8]) -> Layout {
    let meta = ParquetMetaDataReader::new()
        .with_page_index_policy(PageIndexPolicy::Optional)
        .parse_and_finish(&Bytes::copy_from_slice(bytes))
        .unwrap();
    let mut pages = Vec::new();
    let mut data_end = 4;
    for (g, rg) in meta.row_groups().iter().enumerate() {
        for (c, col) in rg.columns().iter().enumerate() {
            let (start, len) = col.byte_range();
            data_end = data_end.max((start + len) as usize);
            if let Some(dict) = col.dictionary_page_offset() {
                pages.push(dict as usize..col.data_page_offset() as usize);
            }
            match meta.offset_index() {
                Some(oi) => pages.extend(
                    oi[g][c]
                        .page_locations()
                        .iter()
                        .map(|p| p.offset as usize..(p.offset as usize + p.compressed_page_size as usize)),
                ),
                None => pages.push(col.data_page_offset() as usize..(start + len) as usize),
            }
        }
    }
    pages.sort_by_key(|p| p.start);
    let len = bytes.len();
    let footer_len = u32::from_le_bytes(bytes[len - 8..len - 4].try_into().unwrap()) as usize;
    Layout { pages, data_end, footer_start: len - 8 - footer_len }
}

#[derive(Debug)]
struct ParquetBase {
    dataset: Dataset,
    shape: usize,
    /// Data rows written.
    rows: usize,
    bytes: Vec<u8>,
    layout: Layout,
}

/// Every dataset in every shape, written once for all tests.
fn parquet_corpus() -> &'static [ParquetBase] {
    static CORPUS: OnceLock<Vec<ParquetBase>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let shapes = shapes();
        let mut out = Vec::new();
        for d in Dataset::ALL {
            for (s, shape) in shapes.iter().enumerate() {
                let bytes = valid_parquet(d, shape);
                let layout = layout(&bytes);
                let rows = shape.rows.min(max_rows(d, shape.optional));
                out.push(ParquetBase { dataset: d, shape: s, rows, bytes, layout });
            }
        }
        out
    })
}

#[derive(Debug)]
struct CsvBase {
    dataset: Dataset,
    quoted: bool,
    bytes: Vec<u8>,
}

fn csv_corpus() -> &'static [CsvBase] {
    static CORPUS: OnceLock<Vec<CsvBase>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut out = Vec::new();
        for d in Dataset::ALL {
            for quoted in [false, true] {
                out.push(CsvBase { dataset: d, quoted, bytes: valid_csv(d, 12, quoted) });
            }
        }
        out
    })
}

// ---------------------------------------------------------------------------
// Running the validator and judging what it did

/// What a validation did.
enum Outcome {
    Panicked(String),
    Done(Result<ValidTable, Vec<Problem>>),
}

fn run(dataset: Dataset, format: UploadFormat, bytes: Vec<u8>) -> (Outcome, Duration) {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| validate(dataset, format, Bytes::from(bytes), &Limits::default())));
    let elapsed = start.elapsed();
    let outcome = match result {
        Ok(r) => Outcome::Done(r),
        Err(p) => Outcome::Panicked(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default(),
        ),
    };
    (outcome, elapsed)
}

/// How far a case got, from the problems the validator listed.
fn stage(outcome: &Outcome) -> &'static str {
    let problems = match outcome {
        Outcome::Panicked(_) => return "PANIC",
        Outcome::Done(Ok(_)) => return "accepted (pages decoded)",
        Outcome::Done(Err(p)) => p,
    };
    let any = |needle: &str| problems.iter().any(|p| p.row.is_none() && p.message.contains(needle));
    if any("not a Parquet file") {
        "refused at the marker"
    } else if any("Parquet file could not be read") {
        "refused at the footer"
    } else if any("more than 1000000 data rows") || any("the file expands to") {
        "refused by size limits (footer parsed)"
    } else if any("row groups do not add up") {
        "refused: row counts do not add up (footer parsed)"
    } else if any("rows but its pages hold") {
        "refused: pages hold another row count (pages decoded)"
    } else if any("is not where its footer says") {
        "refused: chunks outside the data section (footer parsed)"
    } else if any(parquet_input::DECODER_FAILED) && any("failed decoding the pages") {
        "refused: the reader panicked in page decoding (caught by the validator)"
    } else if any(parquet_input::DECODER_FAILED) {
        "refused: the reader panicked reading the footer (caught by the validator)"
    } else if any("Parquet data could not be decoded") {
        "refused in page decoding"
    } else if any("could not be read as CSV") {
        "refused by the CSV reader"
    } else if problems.iter().all(|p| p.row.is_none()) {
        "refused for the file or columns (pages decoded)"
    } else {
        "refused for values or rules (pages decoded)"
    }
}

/// Tallies of stages per mutation kind, printed at the end of a test.
#[derive(Default)]
struct Tally {
    stages: BTreeMap<(String, &'static str), usize>,
    slowest: Duration,
    panics: Vec<String>,
    /// Reader panics the validator caught, by kind and message.
    caught: BTreeMap<String, usize>,
}

impl Tally {
    fn print(&self, test: &str) {
        let mut by_kind: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
        for ((kind, stage), n) in &self.stages {
            by_kind.entry(kind).or_default().push((stage, *n));
        }
        let mut text = format!("{test}: slowest case {:?}\n", self.slowest);
        for (kind, stages) in by_kind {
            let total: usize = stages.iter().map(|(_, n)| n).sum();
            let count = |f: &dyn Fn(&str) -> bool| stages.iter().filter(|(s, _)| f(s)).map(|(_, n)| n).sum::<usize>();
            let past_footer = count(&|s| !matches!(s, "refused at the marker" | "refused at the footer" | "PANIC"));
            let pages = count(&|s| s.contains("page"));
            if kind.starts_with("csv") {
                text.push_str(&format!("  {kind}: {total} cases\n"));
            } else {
                text.push_str(&format!(
                    "  {kind}: {total} cases, {past_footer} past the footer, {pages} reached page decoding\n"
                ));
            }
            for (stage, n) in stages {
                text.push_str(&format!("      {n:>5}  {stage}\n"));
            }
        }
        for p in &self.panics {
            text.push_str(&format!("  PANIC: {p}\n"));
        }
        for (p, n) in &self.caught {
            text.push_str(&format!("  reader panic caught {n} times: {p}\n"));
        }
        eprintln!("{text}");
    }
}

/// Runs one case and checks the properties every outcome must have.
fn check_case(
    tally: &RefCell<Tally>,
    kind: &str,
    dataset: Dataset,
    format: UploadFormat,
    bytes: Vec<u8>,
    must_refuse: bool,
    written_rows: Option<usize>,
) -> Result<(), TestCaseError> {
    let size = bytes.len();
    let (outcome, elapsed) = run(dataset, format, bytes);
    {
        let mut t = tally.borrow_mut();
        let stage = match (&outcome, written_rows) {
            (Outcome::Done(Ok(table)), Some(n)) if table.rows < n => "accepted with fewer rows than written",
            (Outcome::Done(Ok(table)), Some(n)) if table.rows > n => "accepted with more rows than written",
            _ if format == UploadFormat::Csv => stage(&outcome).trim_end_matches(" (pages decoded)"),
            _ => stage(&outcome),
        };
        *t.stages.entry((kind.to_string(), stage)).or_default() += 1;
        t.slowest = t.slowest.max(elapsed);
        if let Outcome::Panicked(msg) = &outcome {
            t.panics.push(format!("{kind} {dataset} ({size} bytes): {msg}"));
        }
        if let Outcome::Done(Err(problems)) = &outcome {
            for p in problems.iter().filter(|p| p.message.starts_with(parquet_input::DECODER_FAILED)) {
                let detail = p.message.split_once("reader failed ").map_or(p.message.as_str(), |(_, d)| d);
                let detail = detail.rsplit_once(')').map_or(detail, |(d, _)| d);
                *t.caught.entry(format!("{kind}: {detail}")).or_default() += 1;
            }
        }
    }
    prop_assert!(elapsed < TIME_BOUND, "{kind} {dataset}: validation took {elapsed:?}");
    match outcome {
        Outcome::Panicked(msg) => {
            prop_assert!(false, "{kind} {dataset}: the validator panicked: {msg}");
        }
        Outcome::Done(Ok(table)) => {
            prop_assert!(!must_refuse, "{kind} {dataset}: a damaged file was accepted ({} rows)", table.rows);
            if let Err(e) = table_is_valid(&table) {
                prop_assert!(false, "{kind} {dataset}: accepted a table that breaks the rules: {e}");
            }
        }
        Outcome::Done(Err(problems)) => {
            prop_assert!(!problems.is_empty(), "{kind} {dataset}: refused without a problem");
            for p in &problems {
                prop_assert!(!p.message.is_empty() && p.row != Some(0), "{kind} {dataset}: bad problem {p:?}");
            }
        }
    }
    Ok(())
}

/// Checks an accepted table against the dataset definition, independently of
/// the validator: every value in range, required values present, dimension
/// combinations unique, no code with its parent, and the dataset's rules.
fn table_is_valid(t: &ValidTable) -> Result<(), String> {
    let d = t.dataset;
    if t.rows == 0 {
        return Err("no rows".into());
    }
    if t.columns.len() != d.columns().len() {
        return Err("not one value list per column".into());
    }
    for (def, present, values) in &t.columns {
        if values.len() != t.rows {
            return Err(format!("{}: {} values for {} rows", def.name, values.len(), t.rows));
        }
        if def.required && !present {
            return Err(format!("{} is required", def.name));
        }
        for i in 0..t.rows {
            let needed = *present && (def.required || def.role == Role::Dimension);
            let ok = match (def.kind, values) {
                (ValueKind::Ethnicity, Values::Code(v)) => v[i].map_or(!needed, ethnicity::is_upload_code),
                (ValueKind::Code(codes), Values::Code(v)) => v[i].map_or(!needed, |c| codes.contains(&c)),
                (ValueKind::Organisation, Values::Code(v)) => {
                    v[i].map_or(!needed, |c| c.parse::<Organisation>().is_ok())
                }
                (ValueKind::PayBand, Values::Int(v)) => v[i].map_or(!needed, |n| (1..=6).contains(&n)),
                (ValueKind::Count, Values::Int(v)) => v[i].map_or(!needed, |n| n >= 0),
                (ValueKind::Decimal, Values::Float(v)) => v[i].map_or(!needed, |x| x.is_finite() && x >= 0.0),
                (ValueKind::Pay, Values::Float(v)) => v[i].map_or(!needed, |x| x.is_finite() && x > 0.0),
                (ValueKind::Flag, Values::Bool(v)) => v[i].is_some() || !needed,
                _ => false,
            };
            if !ok {
                return Err(format!("row {}: {} is not valid", i + 1, def.name));
            }
        }
    }
    let key = |i: usize, skip: Option<&str>| -> String {
        t.columns
            .iter()
            .filter(|(def, present, _)| *present && def.role == Role::Dimension && Some(def.name) != skip)
            .map(|(_, _, v)| match v {
                Values::Code(v) => format!("{:?}", v[i]),
                Values::Int(v) => format!("{:?}", v[i]),
                Values::Bool(v) => format!("{:?}", v[i]),
                Values::Float(v) => format!("{:?}", v[i]),
            })
            .collect::<Vec<_>>()
            .join("|")
    };
    let mut seen = HashSet::new();
    for i in 0..t.rows {
        if !seen.insert(key(i, None)) {
            return Err(format!("row {}: a repeated combination", i + 1));
        }
    }
    let eth = t.values("ethnicity").ok_or("no ethnicity")?;
    let part = d.partition().and_then(|p| t.values(p));
    let codes: HashSet<(Option<&str>, &str)> =
        (0..t.rows).filter_map(|i| Some((part.and_then(|p| p.code(i)), eth.code(i)?))).collect();
    for (p, c) in &codes {
        if let Some(parent) = ethnicity::parent(c)
            && codes.contains(&(*p, parent))
        {
            return Err(format!("{c} with its parent {parent}"));
        }
    }
    for rule in d.rules() {
        match *rule {
            Rule::NotAbove { column, limit } => {
                let (a, b) = (t.values(column).ok_or(column)?, t.values(limit).ok_or(limit)?);
                for i in 0..t.rows {
                    if let (Some(x), Some(y)) = (a.int(i), b.int(i))
                        && x > y
                    {
                        return Err(format!("row {}: {column} above {limit}", i + 1));
                    }
                }
            }
            Rule::Nested { dimension, stages, measure } => {
                let (s, m) = (t.values(dimension).ok_or(dimension)?, t.values(measure).ok_or(measure)?);
                let mut groups: HashMap<String, Vec<Option<i64>>> = HashMap::new();
                for i in 0..t.rows {
                    let Some(stage) = s.code(i) else { continue };
                    let at = stages.iter().position(|x| *x == stage).ok_or("unknown stage")?;
                    groups.entry(key(i, Some(dimension))).or_insert_with(|| vec![None; stages.len()])[at] = m.int(i);
                }
                for per_stage in groups.values() {
                    let reported: Vec<i64> = per_stage.iter().flatten().copied().collect();
                    if reported.windows(2).any(|w| w[1] > w[0]) {
                        return Err(format!("{measure} grows along {dimension}"));
                    }
                }
            }
        }
    }
    Ok(())
}

fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

fn finish(
    result: Result<(), proptest::test_runner::TestError<impl std::fmt::Debug>>,
    tally: &RefCell<Tally>,
    test: &str,
) {
    tally.borrow().print(test);
    if let Err(e) = result {
        panic!("{test}: {e}");
    }
}

// ---------------------------------------------------------------------------
// The valid files are valid

#[test]
fn every_valid_file_is_accepted_with_its_values() {
    for base in parquet_corpus() {
        let shape = &shapes()[base.shape];
        let rows = shape.rows.min(max_rows(base.dataset, shape.optional));
        let t = validate(base.dataset, UploadFormat::Parquet, Bytes::from(base.bytes.clone()), &Limits::default())
            .unwrap_or_else(|p| panic!("{} shape {}: {p:?}", base.dataset, base.shape));
        assert_eq!(t.rows, rows);
        table_is_valid(&t).unwrap();
        for def in file_columns(base.dataset, shape.optional) {
            let values = t.values(def.name).unwrap();
            for i in 0..rows {
                let expected = value(base.dataset, def.name, i);
                let found = match values {
                    Values::Code(v) => v[i].map(Cell::Text),
                    Values::Int(v) => v[i].map(Cell::Int),
                    Values::Bool(v) => v[i].map(Cell::Bool),
                    Values::Float(v) => v[i].map(|x| {
                        let close = matches!(expected, Cell::Float(e) if (e - x).abs() < 1e-6);
                        if close { expected } else { Cell::Float(x) }
                    }),
                }
                .unwrap_or(Cell::Null);
                assert_eq!(found, expected, "{} shape {} row {i} {}", base.dataset, base.shape, def.name);
            }
        }
        let l = &base.layout;
        assert!(l.pages.len() >= file_columns(base.dataset, shape.optional).len());
        assert!(l.data_end <= l.footer_start && l.footer_start < base.bytes.len() - 8);
    }
    for base in csv_corpus() {
        let t = validate(base.dataset, UploadFormat::Csv, Bytes::from(base.bytes.clone()), &Limits::default())
            .unwrap_or_else(|p| panic!("{} csv: {p:?}", base.dataset));
        table_is_valid(&t).unwrap();
    }
}

// ---------------------------------------------------------------------------
// Parquet: truncation at every section boundary

/// The offsets at which a file's sections begin and end, and points inside them.
fn boundaries(base: &ParquetBase) -> Vec<usize> {
    let l = &base.layout;
    let len = base.bytes.len();
    let mut cuts = vec![0, 1, 4, 5, 8];
    for p in &l.pages {
        let n = p.end - p.start;
        cuts.extend([p.start, p.start + 1, p.start + 2, p.start + 6, p.start + n / 2, p.end - 1]);
    }
    let f = l.footer_start;
    cuts.extend([l.data_end, f - 1, f, f + 1, f + 2, f + (len - 8 - f) / 2, len - 9]);
    cuts.extend((len - 8)..len);
    cuts.retain(|c| *c < len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncated_parquet_is_never_accepted() {
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let result = runner.run(&Just(()), |()| {
        for base in parquet_corpus() {
            let bytes = &base.bytes;
            let l = &base.layout;
            let footer = &bytes[l.footer_start..];
            for cut in boundaries(base) {
                let d = base.dataset;
                // Cut off: the end marker is gone.
                check_case(&tally, "truncated", d, UploadFormat::Parquet, bytes[..cut].to_vec(), true, None)?;
                // Cut off, then the end marker put back: the last four bytes
                // before it are read as the footer length.
                if cut >= 4 && cut < bytes.len() - 4 {
                    let sealed = [&bytes[..cut], b"PAR1".as_slice()].concat();
                    check_case(&tally, "truncated, marker put back", d, UploadFormat::Parquet, sealed, true, None)?;
                }
                // Pages cut off, the whole footer put back: the footer
                // parses and points at pages that are not there.
                if (4..l.data_end).contains(&cut) {
                    let sealed = [&bytes[..cut], footer].concat();
                    check_case(&tally, "pages cut, footer put back", d, UploadFormat::Parquet, sealed, true, None)?;
                }
                // The footer cut short, its length and marker put back.
                if cut > l.footer_start && cut < bytes.len() - 8 {
                    let thrift = &bytes[l.footer_start..cut];
                    let short =
                        [&bytes[..l.footer_start], thrift, &(thrift.len() as u32).to_le_bytes(), b"PAR1".as_slice()]
                            .concat();
                    check_case(&tally, "footer cut, length fixed", d, UploadFormat::Parquet, short, true, None)?;
                }
            }
        }
        Ok(())
    });
    finish(result, &tally, "truncated_parquet_is_never_accepted");
}

/// One shape of each dataset (a different one for each), for the
/// exhaustive sweeps.
fn sweep_bases() -> impl Iterator<Item = &'static ParquetBase> {
    parquet_corpus().iter().filter(|b| b.shape == (b.dataset as usize) % shapes().len())
}

#[test]
fn every_footer_byte_flipped() {
    // Deterministic: each byte of the footer and of its length field, so
    // whatever this finds is found on every run.
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let result = runner.run(&Just(()), |()| {
        for base in sweep_bases() {
            let len = base.bytes.len();
            for at in base.layout.footer_start..len - 4 {
                let mut b = base.bytes.clone();
                b[at] ^= 0xff;
                check_case(
                    &tally,
                    "footer byte flipped (sweep)",
                    base.dataset,
                    UploadFormat::Parquet,
                    b,
                    false,
                    Some(base.rows),
                )?;
            }
        }
        Ok(())
    });
    finish(result, &tally, "every_footer_byte_flipped");
}

#[test]
fn every_page_header_byte_flipped() {
    // Deterministic: the first bytes of every page (its Thrift header:
    // type, sizes, value count, encodings), each inverted in turn.
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let result = runner.run(&Just(()), |()| {
        for base in sweep_bases() {
            for page in &base.layout.pages {
                for at in page.start..(page.start + 16).min(page.end) {
                    let mut b = base.bytes.clone();
                    b[at] ^= 0xff;
                    check_case(
                        &tally,
                        "page header byte flipped (sweep)",
                        base.dataset,
                        UploadFormat::Parquet,
                        b,
                        false,
                        Some(base.rows),
                    )?;
                }
            }
        }
        Ok(())
    });
    finish(result, &tally, "every_page_header_byte_flipped");
}

/// A dictionary-encoded data page in an integer column chunk that has no
/// dictionary page made the Parquet reader panic ("Decoder for dict should
/// have been set"); the validator refuses the file with a problem saying it
/// is damaged. (For strings the reader returns an error; both are checked.)
#[test]
fn a_dictionary_page_without_its_dictionary_is_a_problem() {
    // Survey: ethnicity, question (strings), respondents, positive (integers).
    let d = Dataset::Survey;
    let shape = Shape { page_rows: 1024, ..shapes()[0].clone() };
    for (with_dictionary, without) in [(2, 3), (0, 1)] {
        let defs = file_columns(d, true);
        let columns = defs.iter().map(|def| (def.name, column_array(d, def, 20, &shape))).collect();
        let props = WriterProperties::builder()
            .set_dictionary_enabled(false)
            .set_column_dictionary_enabled(defs[with_dictionary].name.into(), true)
            .build();
        let mut bytes = write_parquet_with(columns, props, true);
        let meta = ParquetMetaDataReader::new()
            .with_page_index_policy(PageIndexPolicy::Required)
            .parse_and_finish(&Bytes::copy_from_slice(&bytes))
            .unwrap();
        let (source, target) = (meta.row_group(0).column(with_dictionary), meta.row_group(0).column(without));
        assert!(source.dictionary_page_offset().is_some() && target.dictionary_page_offset().is_none());
        // The source chunk's data page (dictionary indices) over the start of
        // the target chunk (plain values, longer).
        let page = &meta.offset_index().unwrap()[0][with_dictionary].page_locations()[0];
        let (from, n) = (page.offset as usize, page.compressed_page_size as usize);
        let to = target.data_page_offset() as usize;
        assert!(n < target.compressed_size() as usize);
        let copied = bytes[from..from + n].to_vec();
        bytes[to..to + n].copy_from_slice(&copied);

        let (outcome, _) = run(d, UploadFormat::Parquet, bytes);
        let Outcome::Done(Err(ps)) = outcome else {
            panic!("the file must be refused with problems, not panic or pass")
        };
        assert!(ps.iter().any(|p| p.row.is_none() && p.message.contains("could not be decoded")), "{ps:?}");
    }
}

/// A footer whose declared column sizes overflow when summed: the sum
/// panicked in debug builds and, wrapping in release builds, could come out
/// small and pass the size limit. Eight chunks of 2^62 bytes wrap to zero.
#[test]
fn declared_sizes_that_overflow_are_refused() {
    let base = parquet_corpus().iter().find(|b| b.dataset == Dataset::Workforce && b.shape == 0).unwrap();
    let bytes = with_row_groups(base, |_, rg| {
        assert_eq!(rg.columns().len(), 9);
        let columns = rg
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let size = if i < 8 { 1_i64 << 62 } else { c.uncompressed_size() };
                c.clone().into_builder().set_total_uncompressed_size(size).build().unwrap()
            })
            .collect();
        rg.into_builder().set_column_metadata(columns).build().unwrap()
    });

    let (outcome, _) = run(Dataset::Workforce, UploadFormat::Parquet, bytes);
    let Outcome::Done(Err(ps)) = outcome else { panic!("the file must be refused with problems, not panic or pass") };
    assert!(ps.iter().any(|p| p.message.contains("the file expands to")), "{ps:?}");
}

/// The footer of a valid file, with its row groups changed by `edit`.
fn with_row_groups(base: &ParquetBase, edit: impl Fn(usize, RowGroupMetaData) -> RowGroupMetaData) -> Vec<u8> {
    let meta = ParquetMetaDataReader::new().parse_and_finish(&Bytes::copy_from_slice(&base.bytes)).unwrap();
    let mut builder = meta.into_builder();
    let groups = builder.take_row_groups().into_iter().enumerate().map(|(i, rg)| edit(i, rg)).collect();
    let meta = builder.set_row_groups(groups).build();
    let mut footer = Vec::new();
    ParquetMetaDataWriter::new(&mut footer, &meta).finish().unwrap();
    [&base.bytes[..base.layout.footer_start], footer.as_slice()].concat()
}

/// A negative row group count overflowed the reader's sum of counts (a
/// panic in debug builds); counts that do not add up, or that disagree with
/// the rows the pages hold, are a damaged file.
#[test]
fn row_group_counts_are_checked() {
    let base = parquet_corpus().iter().find(|b| b.dataset == Dataset::Workforce && b.shape == 1).unwrap();
    let negative = with_row_groups(base, |i, rg| {
        let rows = if i == 0 { -1 } else { rg.num_rows() };
        rg.into_builder().set_num_rows(rows).build().unwrap()
    });
    let (outcome, _) = run(Dataset::Workforce, UploadFormat::Parquet, negative);
    let Outcome::Done(Err(ps)) = outcome else { panic!("the file must be refused with problems, not panic or pass") };
    assert!(ps.iter().any(|p| p.message.contains("row groups do not add up")), "{ps:?}");
    let fewer = with_row_groups(base, |i, rg| {
        let rows = if i == 0 { rg.num_rows() - 1 } else { rg.num_rows() };
        rg.into_builder().set_num_rows(rows).build().unwrap()
    });
    // Counts that add up but disagree with the pages (the reader reads the
    // pages' 40 rows): the file contradicts itself.
    let (outcome, _) = run(Dataset::Workforce, UploadFormat::Parquet, fewer);
    let Outcome::Done(Err(ps)) = outcome else { panic!("the file must be refused with problems, not panic or pass") };
    assert!(ps.iter().any(|p| p.message.contains("declares 39 rows but its pages hold 40")), "{ps:?}");
}

// ---------------------------------------------------------------------------
// Parquet: random damage

#[derive(Debug, Clone)]
enum Damage {
    /// Bytes flipped (xor with a non-zero mask) in pages; `header` aims at
    /// the first bytes of a page (its Thrift header).
    FlipPages { header: bool, flips: Vec<(u64, u64, u8)> },
    /// Bytes flipped in the footer (the Thrift file metadata).
    FlipFooter(Vec<(u64, u8)>),
    /// The four-byte footer length overwritten.
    FooterLength(u8, u32),
    /// One page copied over (or inserted before) another, of this file or
    /// of the same dataset in another shape.
    Splice { from_base: Option<u64>, from: u64, to: u64, insert: bool },
}

impl Damage {
    fn kind(&self) -> &'static str {
        match self {
            Damage::FlipPages { header: true, .. } => "page header bytes flipped",
            Damage::FlipPages { header: false, .. } => "page bytes flipped",
            Damage::FlipFooter(_) => "footer bytes flipped",
            Damage::FooterLength(..) => "footer length overwritten",
            Damage::Splice { insert: false, from_base: None, .. } => "page copied over another",
            Damage::Splice { insert: false, .. } => "page of another shape copied over a page",
            Damage::Splice { insert: true, .. } => "page inserted",
        }
    }
}

fn mask() -> impl Strategy<Value = u8> {
    prop_oneof![Just(0xff_u8), Just(0x80), Just(0x01), 1..=255u8]
}

fn damage() -> impl Strategy<Value = Damage> {
    let flips = proptest::collection::vec((any::<u64>(), any::<u64>(), mask()), 1..4);
    prop_oneof![
        3 => (any::<bool>(), flips).prop_map(|(header, flips)| Damage::FlipPages { header, flips }),
        2 => proptest::collection::vec((any::<u64>(), mask()), 1..4).prop_map(Damage::FlipFooter),
        1 => (0..12u8, any::<u32>()).prop_map(|(k, r)| Damage::FooterLength(k, r)),
        2 => (proptest::option::of(any::<u64>()), any::<u64>(), any::<u64>(), any::<bool>())
            .prop_map(|(from_base, from, to, insert)| Damage::Splice { from_base, from, to, insert }),
    ]
}

/// The damaged file; `None` when the damage changes nothing.
fn apply(base: &ParquetBase, damage: &Damage) -> Option<Vec<u8>> {
    let mut b = base.bytes.clone();
    let l = &base.layout;
    let len = b.len();
    let pick = |seed: u64, n: usize| (seed % n as u64) as usize;
    match damage {
        Damage::FlipPages { header, flips } => {
            for (page, at, m) in flips {
                let p = &l.pages[pick(*page, l.pages.len())];
                let span = if *header { (p.end - p.start).min(24) } else { p.end - p.start };
                b[p.start + pick(*at, span)] ^= m;
            }
        }
        Damage::FlipFooter(flips) => {
            for (at, m) in flips {
                b[l.footer_start + pick(*at, len - 8 - l.footer_start)] ^= m;
            }
        }
        Damage::FooterLength(k, random) => {
            let actual = (len - 8 - l.footer_start) as u32;
            let n = match k {
                0 => 0,
                1 => 1,
                2 => 7,
                3 => actual - 1,
                4 => actual + 1,
                5 => actual + 8,
                6 => (len - 8) as u32,
                7 => (len - 7) as u32,
                8 => len as u32,
                9 => u32::MAX,
                10 => i32::MAX as u32 + 1,
                _ => *random,
            };
            b[len - 8..len - 4].copy_from_slice(&n.to_le_bytes());
        }
        Damage::Splice { from_base, from, to, insert } => {
            let source = match from_base {
                None => base,
                Some(seed) => {
                    let same: Vec<&ParquetBase> = parquet_corpus()
                        .iter()
                        .filter(|o| o.dataset == base.dataset && o.shape != base.shape)
                        .collect();
                    same[pick(*seed, same.len())]
                }
            };
            let from = &source.layout.pages[pick(*from, source.layout.pages.len())];
            let to = l.pages[pick(*to, l.pages.len())].clone();
            let page = &source.bytes[from.clone()];
            if *insert {
                b.splice(to.start..to.start, page.iter().copied());
            } else {
                let n = page.len().min(to.end - to.start);
                b[to.start..to.start + n].copy_from_slice(&page[..n]);
            }
        }
    }
    (b != base.bytes).then_some(b)
}

#[test]
fn damaged_parquet_is_refused_or_valid() {
    let tally = RefCell::new(Tally::default());
    let corpus = parquet_corpus();
    let mut runner = runner(4000);
    let result = runner.run(&(0..corpus.len(), damage()), |(i, damage)| {
        let base = &corpus[i];
        let Some(bytes) = apply(base, &damage) else { return Ok(()) };
        check_case(&tally, damage.kind(), base.dataset, UploadFormat::Parquet, bytes, false, Some(base.rows))
    });
    finish(result, &tally, "damaged_parquet_is_refused_or_valid");
}

// ---------------------------------------------------------------------------
// Parquet: a column of a wrong type in an otherwise valid file

/// Wrong physical types for a kind of column (the spec: counts any integer
/// type, pay bands integers, flags booleans, codes strings, pay float or
/// decimal).
fn wrong_types(kind: ValueKind, rows: usize) -> Vec<(&'static str, ArrayRef)> {
    let n = |k: usize| (0..rows).map(|i| (i + k) as i32).collect::<Vec<_>>();
    let text: ArrayRef = Arc::new(StringArray::from((0..rows).map(|i| (i + 1).to_string()).collect::<Vec<_>>()));
    let float: ArrayRef = Arc::new(Float64Array::from(n(1).into_iter().map(f64::from).collect::<Vec<_>>()));
    let decimal: ArrayRef = Arc::new(
        Decimal128Array::from(n(1).into_iter().map(|x| i128::from(x) * 100).collect::<Vec<_>>())
            .with_precision_and_scale(10, 2)
            .unwrap(),
    );
    let boolean: ArrayRef = Arc::new(BooleanArray::from((0..rows).map(|i| i.is_multiple_of(2)).collect::<Vec<_>>()));
    let binary: ArrayRef =
        Arc::new(BinaryArray::from_iter_values((0..rows).map(|i| format!("{}", i + 1).into_bytes())));
    let list: ArrayRef =
        Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>((0..rows).map(|i| Some(vec![Some(i as i32 + 1)]))));
    let int: ArrayRef = Arc::new(Int32Array::from(n(1)));
    match kind {
        ValueKind::Count => vec![
            ("string", text),
            ("float", float),
            ("decimal", decimal),
            ("bool", boolean),
            ("binary", binary),
            ("list", list),
        ],
        ValueKind::Pay | ValueKind::Decimal => {
            vec![("string", text), ("bool", boolean), ("binary", binary), ("list", list)]
        }
        ValueKind::Flag => vec![("int", int), ("float", float), ("binary", binary)],
        ValueKind::PayBand => vec![("float", float), ("decimal", decimal), ("bool", boolean), ("list", list)],
        ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => {
            vec![("int", int), ("float", float), ("bool", boolean), ("binary", binary), ("list", list)]
        }
    }
}

fn kind_name(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => "code",
        ValueKind::PayBand => "pay band",
        ValueKind::Flag => "flag",
        ValueKind::Count => "count",
        ValueKind::Decimal => "fte",
        ValueKind::Pay => "pay",
    }
}

#[test]
fn wrong_column_types_are_refused_naming_the_column() {
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let shapes = shapes();
    let result = runner.run(&Just(()), |()| {
        for d in Dataset::ALL {
            for (s, shape) in shapes.iter().enumerate().filter(|(s, _)| [0, 1, 4].contains(s)) {
                let rows = shape.rows.min(max_rows(d, shape.optional));
                let defs = file_columns(d, true);
                for wrong in &defs {
                    for (type_name, array) in wrong_types(wrong.kind, rows) {
                        let columns = defs
                            .iter()
                            .map(|def| {
                                let a = if def.name == wrong.name {
                                    array.clone()
                                } else {
                                    column_array(d, def, rows, shape)
                                };
                                (def.name, a)
                            })
                            .collect();
                        let bytes = write_parquet(columns, shape);
                        let (outcome, _) = run(d, UploadFormat::Parquet, bytes.clone());
                        let named = matches!(&outcome, Outcome::Done(Err(ps))
                            if ps.iter().any(|p| p.column.as_deref() == Some(wrong.name)));
                        prop_assert!(named, "{d} shape {s}: {} as {type_name} is not refused naming it", wrong.name);
                        let kind = format!("{} as {type_name}", kind_name(wrong.kind));
                        check_case(&tally, &kind, d, UploadFormat::Parquet, bytes, true, None)?;
                    }
                }
            }
        }
        Ok(())
    });
    finish(result, &tally, "wrong_column_types_are_refused_naming_the_column");
}

// ---------------------------------------------------------------------------
// CSV

#[derive(Debug, Clone)]
enum CsvDamage {
    Flip(Vec<(u64, u8)>),
    /// Cut anywhere (mid-row, mid-field; mid-quote in a quoted file).
    Cut(u64),
    /// Cut just after an opening quote (quoted files).
    CutInQuote(u64),
    Nul(u64),
    InvalidUtf8(u64, u8),
    /// The header line again as a data row.
    HeaderAgain(u64),
    /// Every comma replaced by another delimiter.
    Delimiter(u8),
    /// One row with another delimiter.
    RowDelimiter(u64, u8),
    /// Line endings as bare carriage returns.
    BareCr,
    /// An unbalanced quote inserted.
    StrayQuote(u64),
}

impl CsvDamage {
    fn kind(&self) -> &'static str {
        match self {
            CsvDamage::Flip(_) => "csv bytes flipped",
            CsvDamage::Cut(_) => "csv cut short",
            CsvDamage::CutInQuote(_) => "csv cut inside a quote",
            CsvDamage::Nul(_) => "csv NUL injected",
            CsvDamage::InvalidUtf8(..) => "csv invalid UTF-8 injected",
            CsvDamage::HeaderAgain(_) => "csv header repeated as a row",
            CsvDamage::Delimiter(_) => "csv other delimiter",
            CsvDamage::RowDelimiter(..) => "csv one row with another delimiter",
            CsvDamage::BareCr => "csv bare CR line endings",
            CsvDamage::StrayQuote(_) => "csv stray quote",
        }
    }

    /// Damage that always leaves a file that must be refused.
    fn must_refuse(&self) -> bool {
        matches!(
            self,
            CsvDamage::Nul(_)
                | CsvDamage::InvalidUtf8(..)
                | CsvDamage::HeaderAgain(_)
                | CsvDamage::Delimiter(_)
                | CsvDamage::RowDelimiter(..)
        )
    }
}

fn csv_damage() -> impl Strategy<Value = CsvDamage> {
    let delimiter = prop_oneof![Just(b';'), Just(b'\t'), Just(b'|')];
    prop_oneof![
        proptest::collection::vec((any::<u64>(), mask()), 1..4).prop_map(CsvDamage::Flip),
        any::<u64>().prop_map(CsvDamage::Cut),
        any::<u64>().prop_map(CsvDamage::CutInQuote),
        any::<u64>().prop_map(CsvDamage::Nul),
        (any::<u64>(), prop_oneof![Just(0xff_u8), Just(0xc3), Just(0x80), Just(0xed), Just(0xfe)])
            .prop_map(|(at, b)| CsvDamage::InvalidUtf8(at, b)),
        any::<u64>().prop_map(CsvDamage::HeaderAgain),
        delimiter.clone().prop_map(CsvDamage::Delimiter),
        (any::<u64>(), delimiter).prop_map(|(r, d)| CsvDamage::RowDelimiter(r, d)),
        Just(CsvDamage::BareCr),
        any::<u64>().prop_map(CsvDamage::StrayQuote),
    ]
}

fn apply_csv(base: &CsvBase, damage: &CsvDamage) -> Option<Vec<u8>> {
    let mut b = base.bytes.clone();
    let pick = |seed: u64, n: usize| (seed % n as u64) as usize;
    // Byte offsets at which each line starts (header first).
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(b.iter().enumerate().filter(|(_, c)| **c == b'\n').map(|(i, _)| i + 1)).collect();
    let lines = line_starts.len() - 1;
    match damage {
        CsvDamage::Flip(flips) => {
            for (at, m) in flips {
                let i = pick(*at, b.len());
                b[i] ^= m;
            }
        }
        CsvDamage::Cut(at) => b.truncate(pick(*at, b.len())),
        CsvDamage::CutInQuote(at) => {
            let quotes: Vec<usize> = b.iter().enumerate().filter(|(_, c)| **c == b'"').map(|(i, _)| i).collect();
            // Opening quotes are the even-numbered ones.
            let opening: Vec<usize> = quotes.into_iter().step_by(2).collect();
            if opening.is_empty() {
                return None;
            }
            b.truncate(opening[pick(*at, opening.len())] + 1 + (*at % 3) as usize);
        }
        CsvDamage::Nul(at) => {
            let i = pick(*at, b.len() + 1);
            b.insert(i, 0);
        }
        CsvDamage::InvalidUtf8(at, byte) => {
            // Not inside the BOM (the BOM is checked byte for byte).
            let from = if base.quoted { 3 } else { 0 };
            let i = from + pick(*at, b.len() + 1 - from);
            b.insert(i, *byte);
        }
        CsvDamage::HeaderAgain(row) => {
            let header = base.bytes[..line_starts[1]]
                .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(&base.bytes[..line_starts[1]]);
            let at = line_starts[1 + pick(*row, lines)];
            b.splice(at..at, header.iter().copied());
        }
        CsvDamage::Delimiter(d) => {
            b.iter_mut().filter(|c| **c == b',').for_each(|c| *c = *d);
        }
        CsvDamage::RowDelimiter(row, d) => {
            let r = 1 + pick(*row, lines - 1);
            b[line_starts[r]..line_starts[r + 1]].iter_mut().filter(|c| **c == b',').for_each(|c| *c = *d);
        }
        CsvDamage::BareCr => {
            b = b.into_iter().filter(|c| *c != b'\r').map(|c| if c == b'\n' { b'\r' } else { c }).collect();
        }
        CsvDamage::StrayQuote(at) => {
            let i = pick(*at, b.len() + 1);
            b.insert(i, b'"');
        }
    }
    (b != base.bytes).then_some(b)
}

#[test]
fn damaged_csv_is_refused_or_valid() {
    let tally = RefCell::new(Tally::default());
    let corpus = csv_corpus();
    let mut runner = runner(3000);
    let result = runner.run(&(0..corpus.len(), csv_damage()), |(i, damage)| {
        let base = &corpus[i];
        let Some(bytes) = apply_csv(base, &damage) else { return Ok(()) };
        check_case(&tally, damage.kind(), base.dataset, UploadFormat::Csv, bytes, damage.must_refuse(), None)
    });
    finish(result, &tally, "damaged_csv_is_refused_or_valid");
}
