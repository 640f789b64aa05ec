//! Turning a metric's inputs into DataFusion expressions per dataset: the
//! per-row terms whose sums per organisation (and period) are each input,
//! plus what decides whether the organisation has a value at all (rows
//! matching the filters, and codes reported at a level the group cannot be
//! counted from).

use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{Expr, cast, col, lit};
use edi_hub_core::dataset::{Dataset, ValueKind};
use edi_hub_core::ethnicity::{self, Group};
use edi_hub_core::metrics::{Measure, Params, SumDef, Who};

use crate::{Error, Result};

/// An equality filter on a dimension column (`None` when the dataset has
/// no such column: the filter does not apply to it). A value the column
/// cannot hold is an error, never a dropped filter (which would widen the
/// answer to rows the question excludes).
fn equals(dataset: Dataset, name: &'static str, value: &'static str) -> Result<Option<Expr>> {
    let Some(def) = dataset.column(name) else { return Ok(None) };
    let bad = || Error::Filter { column: name, value };
    let literal = match def.kind {
        ValueKind::PayBand | ValueKind::Count => lit(value.parse::<i64>().map_err(|_| bad())?),
        ValueKind::Flag => match value {
            "true" => lit(true),
            "false" => lit(false),
            _ => return Err(bad()),
        },
        // A code: as a list of one, so it is evaluated per distinct code of
        // the table's dictionary, not per row.
        _ => return Ok(Some(col(name).in_list(vec![lit(value)], false))),
    };
    Ok(Some(col(name).eq(literal)))
}

/// The filter expression of the request's parameters on `dataset`.
pub fn filters(dataset: Dataset, params: &Params) -> Result<Expr> {
    let mut out = lit(true);
    for (name, value) in &params.filters {
        if let Some(e) = equals(dataset, name, value)? {
            out = out.and(e);
        }
    }
    Ok(out)
}

fn codes(list: Vec<&'static str>) -> Vec<Expr> {
    list.into_iter().map(lit).collect()
}

/// Who an input counts, as an expression on `ethnicity` (always a list of
/// codes, evaluated once per distinct code of a table's dictionary).
fn who(who: Who, group: Option<Group>) -> Expr {
    match (who, group) {
        (Who::Group, Some(g)) => col("ethnicity").in_list(codes(g.inside_codes()), false),
        (Who::Reference, _) | (Who::Group, None) => {
            let white = Group::parse(ethnicity::REFERENCE_GROUP).map(Group::inside_codes).unwrap_or_default();
            col("ethnicity").in_list(codes(white), false)
        }
        (Who::Known, _) => col("ethnicity").in_list(vec![lit(ethnicity::NOT_STATED)], true),
        (Who::Everyone, _) => lit(true),
    }
}

fn measure(m: Measure) -> Expr {
    let float = |c: &str| cast(col(c), DataType::Float64);
    match m {
        Measure::Column(c) => float(c),
        Measure::Product(a, b) => float(a) * float(b),
        Measure::Rows => lit(1.0),
    }
}

/// One per-row term: the row counts `value` where `filter` and `who` both
/// hold (as SQL's `SUM(CASE WHEN filter AND who THEN value END)`: a null
/// condition or value adds nothing). `who` reads the `ethnicity` column
/// alone, so it is evaluated once per distinct code of a table.
#[derive(Debug, Clone)]
pub struct Term {
    /// The conditions on the row's other columns (the request's filters,
    /// the input's own restriction).
    pub filter: Expr,
    /// The condition on the row's ethnicity code.
    pub who: Expr,
    pub value: Expr,
}

#[cfg(test)]
impl Term {
    /// The whole condition, as one expression over the row (what the sums
    /// per code are checked against).
    pub fn condition(&self) -> Expr {
        self.filter.clone().and(self.who.clone())
    }
}

/// The per-row terms of `inputs` (all over `dataset`), each summed per
/// organisation and period: the value of each input (Float64), then
/// whether the row matches the filters and whether its code straddles the
/// group (1.0 or nothing). Conditions and value stay apart so a term is
/// summed over the rows its conditions select, without building a
/// `CASE` column over every row.
pub fn terms(dataset: Dataset, inputs: &[SumDef], params: &Params) -> Result<Vec<Term>> {
    let filter = filters(dataset, params)?;
    let mut out = Vec::with_capacity(inputs.len() + 2);
    for s in inputs {
        let mut only = filter.clone();
        if let Some((name, value)) = s.only
            && let Some(e) = equals(dataset, name, value)?
        {
            only = only.and(e);
        }
        out.push(Term { filter: only, who: who(s.who, params.group), value: measure(s.measure) });
    }
    out.push(Term { filter, who: lit(true), value: lit(1.0) });
    let uses_group = inputs.iter().any(|s| s.who == Who::Group);
    let straddling =
        if uses_group { params.group.map(Group::straddling_codes).unwrap_or_default() } else { Vec::new() };
    let straddles = if straddling.is_empty() { lit(false) } else { col("ethnicity").in_list(codes(straddling), false) };
    out.push(Term { filter: lit(true), who: straddles, value: lit(1.0) });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use edi_hub_core::metrics::MetricDef;

    use super::*;

    #[test]
    fn a_filter_value_that_cannot_be_planned_is_an_error() {
        let metric = MetricDef::find("workforce_share").unwrap();
        let mut params = metric.resolve(&Default::default()).unwrap();
        assert!(terms(Dataset::Workforce, &metric.inputs(), &params).is_ok());
        params.filters.push(("pay_band", "band six"));
        let e = terms(Dataset::Workforce, &metric.inputs(), &params).unwrap_err();
        assert!(matches!(e, Error::Filter { column: "pay_band", .. }), "{e}");
        params.filters.pop();
        params.filters.push(("senior_leadership", "yes"));
        assert!(terms(Dataset::Workforce, &metric.inputs(), &params).is_err());
        // A filter on a column the dataset does not have does not apply to it.
        params.filters.pop();
        params.filters.push(("case_type", "grievance"));
        assert!(terms(Dataset::Workforce, &metric.inputs(), &params).is_ok());
    }
}
