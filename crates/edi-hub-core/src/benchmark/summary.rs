//! Summary rows: a pool of the members whose figures are published to the
//! viewer, quartiles of the values shown, and no numbers at all below the
//! contributor threshold.

use super::assemble::{fill, redact};
use super::{ExactPools, Figure, Row, Scope, Withheld};
use crate::disclosure::{MIN_CONTRIBUTORS, Policy, Viewer};
use crate::metrics::MetricDef;
use crate::period::Period;

/// Linear-interpolation quantile (numpy's default, Excel's QUARTILE.INC) of sorted values.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

#[allow(clippy::too_many_arguments)]
pub(super) fn summary_row(
    metric: &MetricDef,
    scope: Scope,
    period: Period,
    figures: &[&Figure],
    org_rows: &[Row],
    exact: &ExactPools,
    viewer: Viewer,
    policy: Policy,
) -> Row {
    let mut row = Row::new(scope, None, scope.name().to_string(), period);
    let members: Vec<&Figure> = figures.iter().copied().filter(|f| scope.includes(f.organisation)).collect();
    let organisations: Vec<_> = members.iter().map(|f| f.organisation).collect();
    // Stewards see the whole pool; so does everyone when the release showed
    // each input summed over exactly these members (worked out over the
    // whole quarter). Otherwise the pool holds only the members none of
    // whose inputs is withheld: a sum of published member figures, so "the
    // pool minus the other boroughs" gives back nothing, in any answer.
    // (The viewer's own withheld figures stay out too, so a borough and an
    // analyst see the same pool.)
    let pooled_members: Vec<&Figure> = if viewer.is_steward() || exact.exact(metric, period, scope, &organisations) {
        members.clone()
    } else {
        members.iter().copied().filter(|f| metric.pools(&f.inputs, &f.hidden, policy)).collect()
    };
    let first = pooled_members.first().and_then(|f| f.release);
    row.release = first.filter(|_| pooled_members.iter().all(|f| f.release == first));
    row.revised = pooled_members.iter().any(|f| f.revised);
    let contributors = pooled_members.iter().filter(|f| metric.evaluate(&f.inputs, false).value.is_some()).count();
    row.contributors = Some(contributors as u32);
    if members.is_empty() {
        return row;
    }
    let enough = contributors >= MIN_CONTRIBUTORS;
    // Short of contributors every member is pooled, so that each figure the
    // whole pool has is marked withheld below rather than left blank.
    let pool = if enough || viewer.is_steward() { &pooled_members } else { &members };
    let width = metric.inputs().len();
    let pooled: Vec<f64> =
        (0..width).map(|i| pool.iter().map(|f| f.inputs.get(i).copied().unwrap_or(0.0)).sum()).collect();
    fill(&mut row, metric, &pooled, true);
    let mut shown: Vec<f64> =
        org_rows.iter().filter(|r| r.organisation.is_some_and(|o| scope.includes(o))).filter_map(|r| r.value).collect();
    shown.sort_by(f64::total_cmp);
    row.min = shown.first().copied();
    row.q1 = quantile(&shown, 0.25);
    row.median = quantile(&shown, 0.5);
    row.q3 = quantile(&shown, 0.75);
    row.max = shown.last().copied();
    if viewer.is_steward() {
        return row;
    }
    if !enough {
        row.hide_numbers();
    } else {
        // A pool sums only members none of whose inputs is withheld, so no
        // pooled input is withheld by a pattern; the base rules (a rate on
        // fewer than k) still apply to the pool.
        let published = Withheld::per_input(vec![false; pooled.len()]);
        redact(&mut row, metric.redaction(&pooled, &published, policy));
    }
    row
}
