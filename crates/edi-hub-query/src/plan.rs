//! Turning a metric's conditional sums into one DataFusion aggregation per
//! dataset: per organisation and period, each sum, plus what decides whether
//! the organisation has a value at all (rows matching the filters, and codes
//! reported at a level the group cannot be counted from).

use datafusion::arrow::datatypes::DataType;
use datafusion::functions_aggregate::expr_fn::sum;
use datafusion::prelude::{Expr, cast, col, lit, when};
use edi_hub_core::dataset::{Dataset, ValueKind};
use edi_hub_core::ethnicity::{self, Group};
use edi_hub_core::metrics::{Params, SumDef, Who};

use crate::Result;

/// Name of the aggregate column counting rows that match the filters.
pub const MATCHED: &str = "matched_rows";
/// Name of the aggregate column counting rows with codes that straddle the group.
pub const STRADDLING: &str = "straddling_rows";

/// The filter expression of the request's parameters on `dataset`.
pub fn filters(dataset: Dataset, params: &Params) -> Expr {
    params
        .filters
        .iter()
        .filter_map(|(name, value)| {
            let def = dataset.column(name)?;
            let literal = match def.kind {
                ValueKind::PayBand | ValueKind::Count => lit(value.parse::<i64>().ok()?),
                ValueKind::Flag => lit(*value == "true"),
                _ => lit(*value),
            };
            Some(col(*name).eq(literal))
        })
        .fold(lit(true), Expr::and)
}

fn codes(list: Vec<&'static str>) -> Vec<Expr> {
    list.into_iter().map(lit).collect()
}

/// Who a sum counts, as an expression on `ethnicity`.
fn who(who: Who, group: Option<Group>) -> Expr {
    match (who, group) {
        (Who::Group, Some(g)) => col("ethnicity").in_list(codes(g.inside_codes()), false),
        (Who::Group, None) | (Who::Known, _) => col("ethnicity").not_eq(lit(ethnicity::NOT_STATED)),
        (Who::Everyone, _) => lit(true),
    }
}

/// The aggregate expressions: one per sum, then [`MATCHED`] and [`STRADDLING`].
pub fn aggregates(dataset: Dataset, sums: &[SumDef], params: &Params) -> Result<Vec<Expr>> {
    let filter = filters(dataset, params);
    let mut out = Vec::with_capacity(sums.len() + 2);
    for (i, s) in sums.iter().enumerate() {
        let counted = when(
            filter.clone().and(who(s.who, params.group)),
            cast(col(s.measure), DataType::Float64),
        )
        .otherwise(lit(0.0))?;
        out.push(sum(counted).alias(format!("sum_{i}")));
    }
    out.push(sum(when(filter, lit(1i64)).otherwise(lit(0i64))?).alias(MATCHED));
    let straddling = params
        .group
        .map(Group::straddling_codes)
        .unwrap_or_default();
    let straddles = if straddling.is_empty() {
        lit(false)
    } else {
        col("ethnicity").in_list(codes(straddling), false)
    };
    out.push(sum(when(straddles, lit(1i64)).otherwise(lit(0i64))?).alias(STRADDLING));
    Ok(out)
}
