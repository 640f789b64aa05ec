//! The sensitive counts, enumerated from the raw rows alone.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use edi_hub_core::disclosure::Policy;

use super::unknowns::Unknowns;

/// A sensitive count: a sum of unknowns with whole coefficients.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Check {
    pub(super) what: String,
    pub(super) terms: BTreeMap<usize, i64>,
    pub(super) value: i64,
}

/// Every count from 1 to k-1 the tables express: raw cells, the sums the
/// figures are built from, and the difference of two of these where one's
/// people include the other's.
pub(super) fn sensitive(unknowns: &Unknowns, sums: &[(BTreeSet<usize>, String)], policy: Policy) -> Vec<Check> {
    let small = |v: i64| v > 0 && v < policy.min_count;
    let mut pool: Vec<(BTreeSet<usize>, String)> = Vec::new();
    let mut in_pool: HashSet<BTreeSet<usize>> = HashSet::new();
    let people = (0..unknowns.cells.len()).filter(|&u| unknowns.cells[u].times.is_none());
    for (set, what) in
        people.map(|u| (BTreeSet::from([u]), format!("cell: {}", unknowns.describe(u)))).chain(sums.iter().cloned())
    {
        if in_pool.insert(set.clone()) {
            pool.push((set, what));
        }
    }
    let ones = |set: &BTreeSet<usize>| -> BTreeMap<usize, i64> { set.iter().map(|&u| (u, 1)).collect() };
    let values: Vec<i64> = pool.iter().map(|(s, _)| unknowns.value(&ones(s))).collect();
    let mut out = Vec::new();
    let mut seen: HashSet<Vec<(usize, i64)>> = HashSet::new();
    let mut add = |terms: BTreeMap<usize, i64>, value: i64, what: String| {
        if seen.insert(terms.iter().map(|(u, c)| (*u, *c)).collect()) {
            out.push(Check { what, terms, value });
        }
    };
    for (i, (set, what)) in pool.iter().enumerate() {
        if small(values[i]) {
            add(ones(set), values[i], what.clone());
        }
    }
    for (a, (outer, outer_what)) in pool.iter().enumerate() {
        for (b, (inner, inner_what)) in pool.iter().enumerate() {
            let diff = values[a] - values[b];
            if a == b || !small(diff) || !contains(unknowns, outer, inner) {
                continue;
            }
            let mut terms = ones(outer);
            for u in inner {
                *terms.entry(*u).or_insert(0) -= 1;
            }
            terms.retain(|_, c| *c != 0);
            add(terms, diff, format!("{outer_what} minus {inner_what}"));
        }
    }
    out
}

/// Whether the people of `outer` include those of `inner`: each unknown of
/// `inner` is covered by its own unknown of `outer`.
pub(super) fn contains(unknowns: &Unknowns, outer: &BTreeSet<usize>, inner: &BTreeSet<usize>) -> bool {
    let mut used = HashSet::new();
    inner.iter().all(|&b| match outer.iter().find(|&&a| !used.contains(&a) && unknowns.covers(a, b)) {
        Some(&a) => used.insert(a),
        None => false,
    })
}
