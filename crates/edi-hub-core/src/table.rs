//! The normalised Arrow layout in which accepted uploads are stored: every
//! column of the dataset (absent optional dimensions as nulls, meaning
//! "all"), preceded by `organisation` and `period` for per-period datasets.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use crate::dataset::{Dataset, ValueKind};
use crate::organisation::Organisation;
use crate::period::Period;
use crate::validate::{ValidTable, Values};

fn data_type(kind: ValueKind) -> DataType {
    match kind {
        ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => DataType::Utf8,
        ValueKind::PayBand | ValueKind::Count => DataType::Int64,
        ValueKind::Decimal | ValueKind::Pay => DataType::Float64,
        ValueKind::Flag => DataType::Boolean,
    }
}

/// The schema of a dataset's stored Parquet files.
pub fn stored_schema(dataset: Dataset) -> SchemaRef {
    let mut fields = Vec::new();
    if dataset != Dataset::Population {
        fields.push(Field::new("organisation", DataType::Utf8, false));
        fields.push(Field::new("period", DataType::Utf8, false));
    }
    fields.extend(dataset.columns().iter().map(|c| Field::new(c.name, data_type(c.kind), !c.required)));
    Arc::new(Schema::new(fields))
}

fn array(values: &Values) -> ArrayRef {
    match values {
        Values::Code(v) => Arc::new(v.iter().copied().collect::<StringArray>()),
        Values::Int(v) => Arc::new(v.iter().copied().collect::<Int64Array>()),
        Values::Float(v) => Arc::new(v.iter().copied().collect::<Float64Array>()),
        Values::Bool(v) => Arc::new(v.iter().copied().collect::<BooleanArray>()),
    }
}

/// The table as one record batch in the stored layout; `key` is the
/// submission's organisation and period (`None` for `population`).
pub fn to_record_batch(table: &ValidTable, key: Option<(Organisation, Period)>) -> Result<RecordBatch, ArrowError> {
    let mut columns: Vec<ArrayRef> = Vec::new();
    if let Some((organisation, period)) = key {
        let period = period.to_string();
        columns.push(Arc::new(StringArray::from(vec![organisation.code(); table.rows])));
        columns.push(Arc::new(StringArray::from(vec![period.as_str(); table.rows])));
    }
    columns.extend(table.columns.iter().map(|(_, _, v)| array(v)));
    RecordBatch::try_new(stored_schema(table.dataset), columns)
}
