//! Assembly: the organisation rows of every period, redacted for the
//! viewer, ranked and compared with London, then the summary rows.

use super::summary::summary_row;
use super::{Column, ExactPools, Figure, Row, Scope};
use crate::disclosure::{Policy, Viewer};
use crate::metrics::{Direction, Evaluated, MetricDef, Redaction};
use crate::period::Period;
use crate::significance::Comparison;

/// What an answer is built from.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    /// The organisation rows shown to the viewer.
    pub shown: &'a [Figure],
    /// What the summary rows pool (the released figures, for everyone but stewards).
    pub pooled: &'a [Figure],
    /// The pooled sums the releases show exactly.
    pub exact: &'a ExactPools,
}

/// Builds the answer rows for every period of `periods` from unredacted
/// figures, redacted for `viewer` under `policy`, with summaries pooling
/// only what members show.
pub fn assemble(
    metric: &MetricDef,
    figures: &[Figure],
    periods: &[Period],
    viewer: Viewer,
    policy: Policy,
) -> Vec<Row> {
    let exact = ExactPools::none(&crate::metrics::Params { group: None, filters: Vec::new() });
    assemble_from(metric, Sources { shown: figures, pooled: figures, exact: &exact }, periods, viewer, policy)
}

/// Builds the answer rows for every period of `periods`, redacted for `viewer`.
pub fn assemble_from(
    metric: &MetricDef,
    sources: Sources,
    periods: &[Period],
    viewer: Viewer,
    policy: Policy,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for &period in periods {
        let (shown, pooled) = (in_period(sources.shown, period), in_period(sources.pooled, period));
        let (mut org_rows, intervals): (Vec<Row>, Vec<Option<(f64, f64)>>) =
            shown.iter().map(|f| organisation_row(metric, f, viewer, policy)).unzip();
        rank(metric.direction, &mut org_rows);
        let summaries: Vec<Row> = Scope::summaries()
            .into_iter()
            .map(|scope| summary_row(metric, scope, period, &pooled, &org_rows, sources.exact, viewer, policy))
            .collect();
        let london = summaries.iter().find(|r| r.scope == Scope::London).and_then(|r| r.value);
        for (row, interval) in org_rows.iter_mut().zip(intervals) {
            compare_with_london(row, interval, london);
        }
        rows.extend(org_rows);
        rows.extend(summaries);
    }
    rows
}

/// The figures of one period, by organisation.
fn in_period(all: &[Figure], period: Period) -> Vec<&Figure> {
    let mut these: Vec<&Figure> = all.iter().filter(|f| f.period == period).collect();
    these.sort_by_key(|f| f.organisation);
    these
}

/// Fills value, numerator, denominator and the value's interval from
/// `inputs`; returns the interval (unredacted).
pub(super) fn fill(row: &mut Row, metric: &MetricDef, inputs: &[f64], pooled: bool) -> Option<(f64, f64)> {
    let e: Evaluated = metric.evaluate(inputs, pooled);
    row.value = e.value;
    row.numerator = e.numerator;
    row.denominator = e.denominator;
    let interval = e.value.and_then(|v| metric.interval(inputs, Some(v)));
    if let Some((lower, upper)) = interval {
        row.lower_ci = Some(lower);
        row.upper_ci = Some(upper);
    }
    interval
}

/// The organisation's flag from its unredacted `interval` against London's
/// value as shown; withheld with the organisation's value.
fn compare_with_london(row: &mut Row, interval: Option<(f64, f64)>, london: Option<f64>) {
    let Some((lower, upper)) = interval else { return };
    let Some(london) = london else { return };
    if row.value.is_some() {
        row.compared_with_london = Some(Comparison::of(lower, upper, london));
    } else {
        row.hide(Column::ComparedWithLondon);
    }
}

/// An organisation's row, redacted for `viewer`, and its unredacted interval.
fn organisation_row(metric: &MetricDef, f: &Figure, viewer: Viewer, policy: Policy) -> (Row, Option<(f64, f64)>) {
    let o = f.organisation;
    let mut row = Row::new(Scope::Organisation, Some(o), o.name().to_string(), f.period);
    row.release = f.release;
    row.revised = f.revised;
    let interval = fill(&mut row, metric, &f.inputs, false);
    if !viewer.sees_unredacted(o) {
        redact(&mut row, metric.redaction(&f.inputs, &f.hidden, policy));
    }
    (row, interval)
}

/// Withholds the cells disclosure control names (those that hold a number);
/// the interval goes with the value.
pub(super) fn redact(row: &mut Row, r: Redaction) {
    for (column, withheld) in [
        (Column::Numerator, r.numerator),
        (Column::Denominator, r.denominator),
        (Column::Value, r.value),
        (Column::LowerCi, r.value),
        (Column::UpperCi, r.value),
    ] {
        if withheld && row.cell(column).is_some_and(|v| v.is_some()) {
            row.hide(column);
        }
    }
}

/// Competition ranking ("1224") of the values shown, best first.
fn rank(direction: Direction, rows: &mut [Row]) {
    let key = |v: f64| match direction {
        Direction::HigherIsBetter | Direction::Neutral => -v,
        Direction::LowerIsBetter => v,
        Direction::CloserTo1 => (v - 1.0).abs(),
    };
    let keys: Vec<Option<f64>> = rows.iter().map(|r| r.value.map(key)).collect();
    for (i, row) in rows.iter_mut().enumerate() {
        if let Some(k) = keys[i] {
            let better = keys.iter().flatten().filter(|o| **o < k).count();
            row.rank = Some(better as u32 + 1);
        }
    }
}
