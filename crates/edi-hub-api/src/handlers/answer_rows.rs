//! A benchmark answer's rows as JSON and as a table (CSV, Arrow, Parquet):
//! shared by the benchmark and profile routes.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
use edi_hub_core::benchmark::{Row, Scope};
use edi_hub_query::Answer;

use super::benchmarks::{AnswerPeriod, BenchmarkAnswer, BenchmarkRow};
use crate::error::ApiResult;
use crate::format::{Table, batch};

fn number(x: Option<f64>, integer: bool) -> Option<serde_json::Number> {
    let x = x?;
    if integer && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Some(serde_json::Number::from(x as i64))
    } else {
        serde_json::Number::from_f64(x)
    }
}

fn row_json(r: &Row, integer: bool) -> BenchmarkRow {
    let summary = r.scope != Scope::Organisation;
    let dist = |v: Option<f64>| summary.then_some(v);
    BenchmarkRow {
        scope: r.scope.id().to_string(),
        organisation: r.organisation.map(|o| o.code().to_string()),
        name: r.name.clone(),
        period: r.period.to_string(),
        value: r.value,
        numerator: number(r.numerator, integer),
        denominator: number(r.denominator, integer),
        rank: (!summary).then_some(r.rank),
        contributors: if summary { r.contributors } else { None },
        min: dist(r.min),
        q1: dist(r.q1),
        median: dist(r.median),
        q3: dist(r.q3),
        max: dist(r.max),
        lower_ci: r.lower_ci,
        upper_ci: r.upper_ci,
        compared_with_london: (!summary).then(|| r.compared_with_london.map(|c| c.id().to_string())),
        suppressed: r.suppressed.iter().map(|c| c.name().to_string()).collect(),
        release: r.release,
        revised: r.revised,
    }
}

/// The JSON form of an answer.
pub fn answer_json(answer: &Answer, single: bool) -> BenchmarkAnswer {
    let integer = answer.metric.integer_parts();
    let first = answer.periods.first().map(ToString::to_string);
    let last = answer.periods.last().map(ToString::to_string);
    BenchmarkAnswer {
        metric: answer.metric.id.to_string(),
        period: if single { first.clone() } else { None },
        from: if single { None } else { first },
        to: if single { None } else { last },
        parameters: answer.params.to_map().into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        unit: answer.metric.unit.to_string(),
        releases: answer
            .releases
            .iter()
            .map(|p| AnswerPeriod {
                period: p.period.to_string(),
                state: p.state.name().to_string(),
                release: p.release,
                published_at: p.published_at,
            })
            .collect(),
        rows: answer.rows.iter().map(|r| row_json(r, integer)).collect(),
    }
}

/// The flat form of an answer (CSV, Arrow, Parquet).
pub fn answer_table(answer: &Answer) -> ApiResult<Table> {
    let rows: Vec<(&str, &Row)> = answer.rows.iter().map(|r| (answer.metric.id, r)).collect();
    rows_table(&rows, answer.metric.integer_parts(), false)
}

/// Rows of one or more metrics as a flat table; `with_metric` adds the
/// metric id as the first column; `integer` stores numerators and
/// denominators as integers (counts of people).
pub fn rows_table(rows: &[(&str, &Row)], integer: bool, with_metric: bool) -> ApiResult<Table> {
    let text = |f: &dyn Fn(&Row) -> Option<String>| -> ArrayRef {
        Arc::new(rows.iter().map(|(_, r)| f(r)).collect::<StringArray>())
    };
    let float = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        Arc::new(rows.iter().map(|(_, r)| f(r)).collect::<Float64Array>())
    };
    let int = |f: &dyn Fn(&Row) -> Option<i64>| -> ArrayRef {
        Arc::new(rows.iter().map(|(_, r)| f(r)).collect::<Int64Array>())
    };
    let part = |f: &dyn Fn(&Row) -> Option<f64>| -> ArrayRef {
        if integer { int(&|r| f(r).map(|x| x.round() as i64)) } else { float(f) }
    };
    let mut columns: Vec<(&str, ArrayRef)> = Vec::with_capacity(15);
    if with_metric {
        columns.push(("metric", Arc::new(rows.iter().map(|(m, _)| Some(*m)).collect::<StringArray>())));
    }
    columns.extend([
        ("scope", text(&|r| Some(r.scope.id().to_string()))),
        ("organisation", text(&|r| r.organisation.map(|o| o.code().to_string()))),
        ("name", text(&|r| Some(r.name.clone()))),
        ("period", text(&|r| Some(r.period.to_string()))),
        ("value", float(&|r| r.value)),
        ("numerator", part(&|r| r.numerator)),
        ("denominator", part(&|r| r.denominator)),
        ("rank", int(&|r| r.rank.map(i64::from))),
        ("contributors", int(&|r| r.contributors.map(i64::from))),
        ("min", float(&|r| r.min)),
        ("q1", float(&|r| r.q1)),
        ("median", float(&|r| r.median)),
        ("q3", float(&|r| r.q3)),
        ("max", float(&|r| r.max)),
        ("lower_ci", float(&|r| r.lower_ci)),
        ("upper_ci", float(&|r| r.upper_ci)),
        ("compared_with_london", text(&|r| r.compared_with_london.map(|c| c.id().to_string()))),
        ("release", int(&|r| r.release.map(i64::from))),
        ("revised", Arc::new(rows.iter().map(|(_, r)| Some(r.revised)).collect::<BooleanArray>())),
    ]);
    let suppressed = rows.iter().map(|(_, r)| r.suppressed.iter().map(|c| c.name()).collect()).collect();
    Ok(Table { batch: batch(columns)?, suppressed })
}
