//! Physical shapes of a valid Parquet file (string, integer and pay types,
//! dictionaries, compression, page versions, row groups and pages, with or
//! without the Arrow schema), and valid files written in each.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, DictionaryArray, Float32Array, Float64Array, Int8Array, Int16Array,
    Int32Array, Int64Array, LargeStringArray, StringArray, StringViewArray, UInt8Array, UInt16Array, UInt32Array,
    UInt64Array,
};
use arrow::datatypes::{Field, Int32Type, Schema, UInt8Type};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};

use super::source::{Cell, cell_text, file_columns, max_rows, value};
use crate::dataset::{ColumnDef, Dataset, ValueKind};

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Text {
    Utf8,
    Large,
    View,
    Dict32,
    Dict8,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Int {
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
pub(super) enum Real {
    F32,
    F64,
    /// Decimal128 with this precision (scale 2): stored as INT32 up to 9,
    /// INT64 up to 18, fixed-length bytes above.
    Dec(u8),
}

#[derive(Debug, Clone)]
pub(super) struct Shape {
    pub(super) rows: usize,
    pub(super) text: Text,
    pub(super) int: Int,
    pub(super) real: Real,
    pub(super) pay_band_text: bool,
    pub(super) flags_text: bool,
    pub(super) optional: bool,
    pub(super) dictionary: bool,
    pub(super) compression: Compression,
    pub(super) v2: bool,
    pub(super) row_group: usize,
    pub(super) page_rows: usize,
    pub(super) statistics: EnabledStatistics,
    /// Whether the Arrow schema is stored in the footer (as the Arrow
    /// writers do; Spark, DuckDB and others do not).
    pub(super) arrow_schema: bool,
}

pub(super) fn shapes() -> Vec<Shape> {
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
pub(super) fn column_array(d: Dataset, def: &ColumnDef, rows: usize, shape: &Shape) -> ArrayRef {
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

pub(super) fn write_parquet(columns: Vec<(&str, ArrayRef)>, shape: &Shape) -> Vec<u8> {
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

pub(super) fn write_parquet_with(
    columns: Vec<(&str, ArrayRef)>,
    props: WriterProperties,
    arrow_schema: bool,
) -> Vec<u8> {
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

pub(super) fn valid_parquet(d: Dataset, shape: &Shape) -> Vec<u8> {
    let rows = shape.rows.min(max_rows(d, shape.optional));
    let columns =
        file_columns(d, shape.optional).into_iter().map(|def| (def.name, column_array(d, def, rows, shape))).collect();
    write_parquet(columns, shape)
}
