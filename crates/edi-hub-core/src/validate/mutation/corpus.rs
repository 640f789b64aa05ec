//! The corpus of valid files, written once for all tests, and where the
//! sections of each Parquet file are.

use std::ops::Range;
use std::sync::OnceLock;

use bytes::Bytes;
use parquet::file::metadata::{PageIndexPolicy, ParquetMetaDataReader};

use super::judge::table_is_valid;
use super::shapes::{shapes, valid_parquet};
use super::source::{Cell, file_columns, max_rows, valid_csv, value};
use crate::dataset::Dataset;
use crate::validate::{Limits, UploadFormat, Values, validate};

/// Where the sections of a valid Parquet file are.
#[derive(Debug)]
pub(super) struct Layout {
    /// Every page (dictionary and data pages, header included), in file order.
    pub(super) pages: Vec<Range<usize>>,
    /// End of the last column chunk (page indexes may follow).
    pub(super) data_end: usize,
    /// Start of the footer (the Thrift file metadata).
    pub(super) footer_start: usize,
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
pub(super) struct ParquetBase {
    pub(super) dataset: Dataset,
    pub(super) shape: usize,
    /// Data rows written.
    pub(super) rows: usize,
    pub(super) bytes: Vec<u8>,
    pub(super) layout: Layout,
}

/// Every dataset in every shape, written once for all tests.
pub(super) fn parquet_corpus() -> &'static [ParquetBase] {
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
pub(super) struct CsvBase {
    pub(super) dataset: Dataset,
    pub(super) quoted: bool,
    pub(super) bytes: Vec<u8>,
}

pub(super) fn csv_corpus() -> &'static [CsvBase] {
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
