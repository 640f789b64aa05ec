//! Tables hold their codes as dictionaries and terms are summed per code:
//! every metric's sums equal those of its whole conditions evaluated row by
//! row on the stored layout.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray, UInt32Array};
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

use crate::figures::{Planned, sum_terms};
use crate::plan;
use crate::tables::{Table, held_schema};

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
            // Three organisations, so sums are kept apart per group.
            "organisation" => Arc::new(
                (0..indices.len())
                    .map(|i| Some(["E09000001", "E09000002", "E09000003"][i % 3]))
                    .collect::<StringArray>(),
            ) as ArrayRef,
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

/// Each term's sum per organisation of `batch` (stored layout), row by
/// row, with each term's whole condition evaluated by DataFusion: what
/// `sum_terms` must give.
fn reference(ctx: &SessionContext, batch: &RecordBatch, terms: &[plan::Term]) -> BTreeMap<String, Vec<f64>> {
    let schema = DFSchema::try_from(batch.schema()).unwrap();
    let rows = batch.num_rows();
    let organisations = batch.column_by_name("organisation").unwrap().as_string::<i32>().clone();
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for (i, t) in terms.iter().enumerate() {
        let condition = ctx.create_physical_expr(t.condition(), &schema).unwrap();
        let selected = condition.evaluate(batch).unwrap().into_array(rows).unwrap();
        let selected = selected.as_boolean().clone();
        let value = ctx.create_physical_expr(t.value.clone(), &schema).unwrap();
        let values = value.evaluate(batch).unwrap().into_array(rows).unwrap();
        let values = cast(&values, &DataType::Float64).unwrap();
        let values = values.as_primitive::<Float64Type>().clone();
        for r in 0..rows {
            let sums = out.entry(organisations.value(r).to_string()).or_insert_with(|| vec![0.0; terms.len()]);
            if selected.is_valid(r) && selected.value(r) && values.is_valid(r) {
                sums[i] += values.value(r);
            }
        }
    }
    out
}

#[test]
fn terms_summed_per_code_on_the_held_layout_equal_row_by_row_sums() {
    let ctx = SessionContext::new();
    let mut checked = 0;
    for dataset in Dataset::ALL.into_iter().filter(|d| *d != Dataset::Population) {
        let stored = stored_batch(dataset);
        let table = Table::new(&stored, dataset).unwrap();
        assert_eq!(table.batch.schema(), held_schema(dataset));
        let ethnicity = table.batch.schema().field_with_name("ethnicity").unwrap().data_type().clone();
        assert!(matches!(ethnicity, DataType::Dictionary(..)), "{ethnicity}");
        for metric in CATALOGUE.iter().filter(|m| m.datasets.contains(&dataset)) {
            let inputs: Vec<_> = metric.inputs().into_iter().filter(|i| i.dataset == dataset).collect();
            for params in every_params(metric) {
                let terms = plan::terms(dataset, &inputs, &params).unwrap();
                let expected = reference(&ctx, &stored, &terms);
                let planned = Planned::new(&ctx, dataset, &terms).unwrap();
                let mut sums = HashMap::new();
                sum_terms(&table, &planned, inputs.len(), &mut sums).unwrap();
                let n = inputs.len();
                for ((organisation, _), got) in &sums {
                    let want = &expected[organisation.code()];
                    let context = format!("{} {:?} on {dataset}, {organisation}", metric.id, params);
                    assert_eq!(got.values, want[..n], "{context}");
                    assert_eq!(got.matched, want[n] > 0.0, "{context}");
                    assert_eq!(got.countable, want[n + 1] == 0.0, "{context}");
                    checked += usize::from(want[..n].iter().any(|v| *v > 0.0));
                }
                assert_eq!(sums.len(), expected.len());
            }
        }
    }
    assert!(checked > 100, "{checked} sums were more than 0");
}
