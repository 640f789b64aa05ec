//! Linear programming: the interval of each sensitive count under what is
//! published and known (`good_lp` with the `microlp` solver).

use std::collections::BTreeMap;

use good_lp::{Expression, ResolutionError, Solution, SolverModel, Variable, constraint, microlp, variable, variables};

use super::publish::Linear;
use super::sensitive::Check;

pub(super) fn model<M: SolverModel>(mut model: M, x: &[Variable], constraints: &[Linear]) -> M {
    for c in constraints {
        let lhs: Expression = c.terms.iter().map(|(&u, &k)| k * x[u]).sum();
        if c.low == c.high {
            model = model.with(constraint!(lhs == c.low));
            continue;
        }
        if c.low.is_finite() {
            model = model.with(constraint!(lhs.clone() >= c.low));
        }
        if c.high.is_finite() {
            model = model.with(constraint!(lhs <= c.high));
        }
    }
    model
}

/// The smallest (or largest) value of `objective` (`None`: unbounded).
pub(super) fn optimum(
    n: usize,
    constraints: &[Linear],
    objective: &BTreeMap<usize, f64>,
    maximise: bool,
) -> Option<f64> {
    let mut vars = variables!();
    let x: Vec<Variable> = (0..n).map(|_| vars.add(variable().min(0))).collect();
    let goal: Expression = objective.iter().map(|(&u, &k)| k * x[u]).sum();
    let problem = if maximise { vars.maximise(goal.clone()) } else { vars.minimise(goal.clone()) };
    match model(problem.using(microlp), &x, constraints).solve() {
        Ok(s) => Some(s.eval(&goal)),
        Err(ResolutionError::Unbounded) => None,
        Err(e) => panic!("the published figures and the raw table disagree: {e}"),
    }
}

/// A feasible point minimising a positive weighting.
pub(super) fn vertex(n: usize, constraints: &[Linear], weights: &[f64]) -> Vec<f64> {
    let mut vars = variables!();
    let x: Vec<Variable> = (0..n).map(|_| vars.add(variable().min(0))).collect();
    let goal: Expression = x.iter().zip(weights).map(|(v, w)| *w * *v).sum();
    match model(vars.minimise(goal).using(microlp), &x, constraints).solve() {
        Ok(s) => x.iter().map(|v| s.value(*v)).collect(),
        Err(e) => panic!("the published figures and the raw table disagree: {e}"),
    }
}

/// Fewer than two whole numbers in `[low, high]`.
pub(super) fn pinned(low: f64, high: Option<f64>) -> bool {
    let Some(high) = high else { return false };
    (high + 1e-6).floor() - (low - 1e-6).ceil() < 1.0
}

#[derive(Debug, Clone)]
pub(super) struct Finding {
    pub(super) check: Check,
    pub(super) low: f64,
    pub(super) high: Option<f64>,
}

pub(super) fn interval(n: usize, constraints: &[Linear], check: &Check) -> (f64, Option<f64>) {
    let objective: BTreeMap<usize, f64> = check.terms.iter().map(|(&u, &c)| (u, c as f64)).collect();
    let low = optimum(n, constraints, &objective, false).expect("bounded below");
    (low, optimum(n, constraints, &objective, true))
}

/// The checks pinned by the constraints. Shortcut (sound): a check whose
/// values at the true table and at a few feasible vertices already span two
/// whole numbers is open; only the rest get their own two programs.
pub(super) fn pinned_checks(n: usize, constraints: &[Linear], checks: &[Check], truth: &[f64]) -> Vec<Finding> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut points = vec![truth.to_vec()];
    for _ in 0..8 {
        let weights: Vec<f64> = (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                0.5 + (seed >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect();
        points.push(vertex(n, constraints, &weights));
    }
    checks
        .iter()
        .filter(|c| {
            let at = |p: &Vec<f64>| c.terms.iter().map(|(&u, &k)| k as f64 * p[u]).sum::<f64>();
            let (lo, hi) =
                points.iter().map(at).fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
            pinned(lo, Some(hi))
        })
        .filter_map(|c| {
            let (low, high) = interval(n, constraints, c);
            pinned(low, high).then(|| Finding { check: c.clone(), low, high })
        })
        .collect()
}

/// A smallest-found set of published constraints that still pins `check`
/// (the attacker's knowledge of raw tables always kept): greedy deletion.
pub(super) fn explain(n: usize, published: &[Linear], known: &[Linear], check: &Check) -> Vec<String> {
    // Rates and inequalities are tried first, so counts explain when they can.
    let mut keep: Vec<Linear> = published.to_vec();
    keep.sort_by_key(|c| c.low == c.high);
    let mut i = 0;
    while i < keep.len() {
        let mut without = keep.clone();
        without.remove(i);
        let all: Vec<Linear> = without.iter().chain(known).cloned().collect();
        let (low, high) = interval(n, &all, check);
        if pinned(low, high) {
            keep = without;
        } else {
            i += 1;
        }
    }
    keep.into_iter().map(|c| c.what).collect()
}
