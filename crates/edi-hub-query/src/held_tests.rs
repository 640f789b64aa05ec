//! Tables hold their codes as dictionaries: every metric's terms, planned
//! on the held layout, select the same rows and give the same values as on
//! the stored layout, and no condition casts a code column back to text.

use std::collections::BTreeMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, StringArray, UInt32Array};
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::prelude::SessionContext;
use edi_hub_core::dataset::Dataset;
use edi_hub_core::ethnicity;
use edi_hub_core::metrics::{CATALOGUE, MetricDef, Params};
use edi_hub_core::table::{stored_schema, to_record_batch};
use edi_hub_core::validate::{UploadFormat, validate};

use crate::plan;
use crate::tables::{held, held_schema};

/// The template's example rows of `dataset`, once per upload code.
fn stored_batch(dataset: Dataset) -> RecordBatch {
    let csv = edi_hub_core::template::csv(dataset);
    let table = validate(dataset, UploadFormat::Csv, bytes::Bytes::from(csv), &Default::default()).unwrap();
    let key = Some(("E09000001".parse().unwrap(), "2025-Q1".parse().unwrap()));
    let examples = to_record_batch(&table, key).unwrap();
    let codes = ethnicity::upload_codes();
    let n = examples.num_rows() as u32;
    let indices: UInt32Array = (0..codes.len() as u32).flat_map(|_| 0..n).collect();
    let schema = stored_schema(dataset);
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .zip(examples.columns())
        .map(|(f, c)| match f.name().as_str() {
            "ethnicity" => Arc::new(
                codes.iter().flat_map(|code| std::iter::repeat_n(Some(*code), n as usize)).collect::<StringArray>(),
            ) as ArrayRef,
            _ => take(c, &indices, None).unwrap(),
        })
        .collect();
    RecordBatch::try_new(schema, columns).unwrap()
}

/// Each metric's default parameters, and each with one parameter changed to
/// every value it allows.
fn every_params(metric: &MetricDef) -> Vec<Params> {
    let mut out = vec![metric.resolve(&BTreeMap::new()).unwrap()];
    for p in metric.params {
        for value in p.values() {
            let given = BTreeMap::from([(p.name.to_string(), value.to_string())]);
            if let Ok(params) = metric.resolve(&given) {
                out.push(params);
            }
        }
    }
    out
}

/// Each term's selected rows (null: not selected) and values, evaluated
/// on `batch` with the terms planned on its schema.
fn evaluate(ctx: &SessionContext, batch: &RecordBatch, terms: &[plan::Term]) -> Vec<(Vec<bool>, Vec<Option<f64>>)> {
    let schema = DFSchema::try_from(batch.schema()).unwrap();
    let rows = batch.num_rows();
    terms
        .iter()
        .map(|t| {
            let condition = ctx.create_physical_expr(t.condition.clone(), &schema).unwrap();
            let shown = condition.to_string();
            assert!(!shown.to_lowercase().contains("cast(ethnicity"), "{shown}");
            let selected = condition.evaluate(batch).unwrap().into_array(rows).unwrap();
            let selected = selected.as_boolean().clone();
            let value = ctx.create_physical_expr(t.value.clone(), &schema).unwrap();
            let values = value.evaluate(batch).unwrap().into_array(rows).unwrap();
            let values = cast(&values, &DataType::Float64).unwrap();
            let values = values.as_primitive::<Float64Type>().clone();
            (selected.iter().map(|b| b == Some(true)).collect(), values.iter().collect())
        })
        .collect()
}

#[test]
fn terms_on_the_held_layout_select_the_same_rows_as_on_the_stored_one() {
    let ctx = SessionContext::new();
    let mut checked = 0;
    for dataset in Dataset::ALL.into_iter().filter(|d| *d != Dataset::Population) {
        let stored = stored_batch(dataset);
        let held = held(&stored, dataset).unwrap();
        assert_eq!(held.schema(), held_schema(dataset));
        let ethnicity = held.schema().field_with_name("ethnicity").unwrap().data_type().clone();
        assert!(matches!(ethnicity, DataType::Dictionary(..)), "{ethnicity}");
        for metric in CATALOGUE.iter().filter(|m| m.datasets.contains(&dataset)) {
            let inputs: Vec<_> = metric.inputs().into_iter().filter(|i| i.dataset == dataset).collect();
            for params in every_params(metric) {
                let terms = plan::terms(dataset, &inputs, &params).unwrap();
                let a = evaluate(&ctx, &stored, &terms);
                let b = evaluate(&ctx, &held, &terms);
                assert_eq!(a, b, "{} {:?} on {dataset}", metric.id, params);
                // Not every condition selects nothing or everything.
                checked += a.iter().filter(|(s, _)| s.contains(&true) && s.contains(&false)).count();
            }
        }
    }
    assert!(checked > 100, "{checked} conditions selected some rows but not all");
}
