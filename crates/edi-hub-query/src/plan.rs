//! Turning a metric's inputs into one DataFusion aggregation per dataset:
//! per organisation (and period), each conditional sum, plus what decides
//! whether the organisation has a value at all (rows matching the filters,
//! and codes reported at a level the group cannot be counted from).

use datafusion::arrow::datatypes::DataType;
use datafusion::functions_aggregate::expr_fn::sum;
use datafusion::prelude::{Expr, cast, col, lit, when};
use edi_hub_core::dataset::{Dataset, ValueKind};
use edi_hub_core::ethnicity::{self, Group};
use edi_hub_core::metrics::{Measure, Params, SumDef, Who};

use crate::Result;

/// Name of the aggregate column counting rows that match the filters.
pub const MATCHED: &str = "matched_rows";
/// Name of the aggregate column counting rows with codes that straddle the group.
pub const STRADDLING: &str = "straddling_rows";

/// An equality filter on a dimension column, if the dataset has the column.
fn equals(dataset: Dataset, name: &str, value: &str) -> Option<Expr> {
    let def = dataset.column(name)?;
    let literal = match def.kind {
        ValueKind::PayBand | ValueKind::Count => lit(value.parse::<i64>().ok()?),
        ValueKind::Flag => lit(value == "true"),
        _ => lit(value.to_string()),
    };
    Some(col(name).eq(literal))
}

/// The filter expression of the request's parameters on `dataset`.
pub fn filters(dataset: Dataset, params: &Params) -> Expr {
    params.filters.iter().filter_map(|(name, value)| equals(dataset, name, value)).fold(lit(true), Expr::and)
}

fn codes(list: Vec<&'static str>) -> Vec<Expr> {
    list.into_iter().map(lit).collect()
}

/// Who an input counts, as an expression on `ethnicity`.
fn who(who: Who, group: Option<Group>) -> Expr {
    match (who, group) {
        (Who::Group, Some(g)) => col("ethnicity").in_list(codes(g.inside_codes()), false),
        (Who::Reference, _) | (Who::Group, None) => {
            let white = Group::parse(ethnicity::REFERENCE_GROUP).map(Group::inside_codes).unwrap_or_default();
            col("ethnicity").in_list(codes(white), false)
        }
        (Who::Known, _) => col("ethnicity").not_eq(lit(ethnicity::NOT_STATED)),
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

/// The aggregate expressions of `inputs` (all over `dataset`): `sum_{i}`
/// per input, then [`MATCHED`] and [`STRADDLING`].
pub fn aggregates(dataset: Dataset, inputs: &[SumDef], params: &Params) -> Result<Vec<Expr>> {
    let filter = filters(dataset, params);
    let mut out = Vec::with_capacity(inputs.len() + 2);
    for (i, s) in inputs.iter().enumerate() {
        let mut condition = filter.clone().and(who(s.who, params.group));
        if let Some((name, value)) = s.only
            && let Some(e) = equals(dataset, name, value)
        {
            condition = condition.and(e);
        }
        out.push(sum(when(condition, measure(s.measure)).otherwise(lit(0.0))?).alias(format!("sum_{i}")));
    }
    out.push(sum(when(filter, lit(1i64)).otherwise(lit(0i64))?).alias(MATCHED));
    let uses_group = inputs.iter().any(|s| s.who == Who::Group);
    let straddling =
        if uses_group { params.group.map(Group::straddling_codes).unwrap_or_default() } else { Vec::new() };
    let straddles = if straddling.is_empty() { lit(false) } else { col("ethnicity").in_list(codes(straddling), false) };
    out.push(sum(when(straddles, lit(1i64)).otherwise(lit(0i64))?).alias(STRADDLING));
    Ok(out)
}
