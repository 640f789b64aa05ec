//! The evaluator: from a metric input's definition to the raw rows it adds
//! up, and the input's true value.

use std::collections::BTreeSet;

use edi_hub_core::dataset::Dataset;
use edi_hub_core::metrics::{Measure, MetricDef, Params, SumDef, Who};

use super::raw::{CLASSIFICATION, Raw, Relation, finest, relation};

/// Whether a row passes equality filters on the columns its dataset has (a
/// column the file left out matches no value).
pub(super) fn passes(raw: &Raw, row: usize, filters: &[(&str, &str)]) -> bool {
    filters
        .iter()
        .filter(|(name, _)| raw.dataset.column(name).is_some())
        .all(|(name, v)| raw.dim(row, name) == Some(*v))
}

/// Whether an input counts the people of a row's code.
pub(super) fn counts_code(who: Who, params: &Params, code: &str) -> bool {
    match who {
        Who::Group => relation(code, params.group.map_or("white", |g| g.id())) == Relation::Inside,
        Who::Reference => relation(code, "white") == Relation::Inside,
        Who::Known => code != "not_stated",
        Who::Everyone => true,
    }
}

/// The rows of `raw` an input adds up under `params`.
pub(super) fn rows_summed(raw: &Raw, input: &SumDef, params: &Params) -> Vec<usize> {
    (0..raw.rows.len())
        .filter(|&r| counts_code(input.who, params, raw.rows[r].code))
        .filter(|&r| passes(raw, r, &params.filters))
        .filter(|&r| input.only.is_none_or(|f| passes(raw, r, &[f])))
        .collect()
}

/// Whether the organisation has a figure at all: every table the metric
/// reads has rows matching the request's filters, and none reports a code
/// the requested group cannot be counted from.
pub(super) fn has_figure(metric: &MetricDef, params: &Params, tables: &[Raw]) -> bool {
    let inputs = metric.inputs();
    let datasets: BTreeSet<Dataset> = inputs.iter().map(|i| i.dataset).filter(|d| *d != Dataset::Population).collect();
    datasets.into_iter().all(|d| {
        let Some(raw) = tables.iter().find(|t| t.dataset == d) else { return false };
        let matched = (0..raw.rows.len()).any(|r| passes(raw, r, &params.filters));
        let by_group = inputs.iter().any(|i| i.dataset == d && i.who == Who::Group);
        let straddles = by_group
            && params.group.is_some_and(|g| raw.rows.iter().any(|r| relation(r.code, g.id()) == Relation::Straddles));
        matched && !straddles
    })
}

/// A synthetic Census: the i-th detailed code has 1000 + 150 i residents
/// (public, so any constants will do).
pub(super) fn residents(who: Who, params: &Params) -> f64 {
    let people = match who {
        Who::Group => finest(params.group.map_or("white", |g| g.id())),
        Who::Reference => finest("white"),
        Who::Known | Who::Everyone => finest("ethnic_minority").union(&finest("white")).copied().collect(),
    };
    CLASSIFICATION
        .iter()
        .flat_map(|(_, c)| c.iter())
        .enumerate()
        .filter(|(_, c)| people.contains(*c))
        .map(|(i, _)| 1000.0 + 150.0 * i as f64)
        .sum()
}

/// The true value of an input (what the query engine sums).
pub(super) fn input_value(tables: &[Raw], input: &SumDef, params: &Params) -> f64 {
    if input.dataset == Dataset::Population {
        return residents(input.who, params);
    }
    let raw = tables.iter().find(|t| t.dataset == input.dataset).expect("table of the input");
    let rows = rows_summed(raw, input, params);
    let total: f64 = match input.measure {
        Measure::Column(c) => rows.iter().map(|&r| raw.value(r, c)).sum(),
        Measure::Product(a, b) => rows.iter().map(|&r| raw.value(r, a) * raw.value(r, b)).sum(),
        Measure::Rows => rows.len() as f64,
    };
    // An empty float sum is -0.
    total + 0.0
}
