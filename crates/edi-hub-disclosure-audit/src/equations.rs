//! The disclosure audit, independent of how patterns are chosen: what is
//! actually published about an organisation and period, written as linear
//! constraints over its atoms (`A x = b`, `x >= 0`: every published count
//! is a sum of atoms, every published rate ties two sums together), and for
//! each sensitive count the smallest and largest value it can take, by
//! linear programming (`good_lp` with the pure-Rust `microlp` solver). A
//! count whose interval holds fewer than `protection + 1` whole numbers is
//! pinned down: a leak.

use std::collections::{BTreeMap, HashSet};

use good_lp::{Expression, ResolutionError, Solution, SolverModel, Variable, constraint, microlp, variable, variables};

use crate::blocks::{Blocks, Split, Sub, split};

/// `sum(coefficient * atom) = value`, within `tolerance` (rates are published
/// as decimals, so their equations hold up to rounding).
#[derive(Debug, Clone, PartialEq)]
pub struct Equation {
    pub terms: Vec<(usize, f64)>,
    pub value: f64,
    pub tolerance: f64,
}

impl Equation {
    /// A published count: the sum of `atoms` is `value`.
    pub fn count(atoms: &[usize], value: f64) -> Equation {
        Equation { terms: atoms.iter().map(|&a| (a, 1.0)).collect(), value, tolerance: 0.0 }
    }

    /// A published rate in percent: `100 * sum(part) - rate * sum(base) = 0`.
    pub fn rate(part: &[usize], base: &[usize], rate: f64) -> Equation {
        let mut terms: Vec<(usize, f64)> = part.iter().map(|&a| (a, 100.0)).collect();
        terms.extend(base.iter().map(|&a| (a, -rate)));
        Equation { terms, value: 0.0, tolerance: 1e-6 * (1.0 + rate.abs()) }
    }
}

/// Published equations, each kept once however many answers repeat it.
#[derive(Debug, Clone, Default)]
pub struct Equations {
    seen: HashSet<String>,
    pub list: Vec<Equation>,
}

impl Equations {
    pub fn add(&mut self, e: Equation) {
        if self.seen.insert(format!("{:?}", (&e.terms, e.value.to_bits()))) {
            self.list.push(e);
        }
    }
}

/// A count that must not be pinned down: the atoms it adds up and its true value.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub what: String,
    pub atoms: Vec<usize>,
    pub value: i64,
}

/// What an attacker holding every published number can tell about a count.
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub what: String,
    pub value: i64,
    pub low: f64,
    /// `None`: no upper bound.
    pub high: Option<f64>,
}

impl Interval {
    /// A pinned count as a report line.
    pub fn describe(&self) -> String {
        let high = self.high.map_or("unbounded".to_string(), |h| format!("{h:.2}"));
        format!("PINNED {} (value {}): between {:.2} and {high}", self.what, self.value, self.low)
    }

    /// Whether the count is pinned: fewer than `protection + 1` whole
    /// numbers fit (default protection 1: it cannot be narrowed to one value).
    pub fn pinned(&self, protection: u32) -> bool {
        let Some(high) = self.high else { return false };
        let (lo, hi) = ((self.low - 1e-6).ceil(), (high + 1e-6).floor());
        hi - lo < f64::from(protection)
    }
}

/// The audit could not be run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the published figures are inconsistent with each other: {0}")]
pub struct AuditError(pub String);

/// The feasible interval of each check under the published equations,
/// each solved over its own block ([`crate::blocks`]).
pub fn intervals(atoms: usize, equations: &[Equation], checks: &[Check]) -> Result<Vec<Interval>, AuditError> {
    let mut blocks = Blocks::new(atoms, equations);
    for c in checks {
        blocks.join(c.atoms.iter().copied());
    }
    let roots: Vec<Option<usize>> = checks.iter().map(|c| c.atoms.first().map(|&a| blocks.find(a))).collect();
    let subs = split(&mut blocks, atoms, equations, None);
    checks
        .iter()
        .zip(roots)
        .map(|(c, root)| match root.and_then(|r| subs.get(&r)) {
            Some(sub) => {
                let local = Check { atoms: sub.map_atoms(&c.atoms), ..c.clone() };
                Ok(whole_intervals(sub.unknowns, &sub.equations, std::slice::from_ref(&local))?.remove(0))
            }
            None => Ok(Interval { what: c.what.clone(), value: c.value, low: 0.0, high: Some(0.0) }),
        })
        .collect()
}

/// [`intervals`] over the whole system at once.
fn whole_intervals(atoms: usize, equations: &[Equation], checks: &[Check]) -> Result<Vec<Interval>, AuditError> {
    checks
        .iter()
        .map(|c| {
            let terms: Vec<(usize, f64)> = c.atoms.iter().map(|&a| (a, 1.0)).collect();
            let low = solve(atoms, equations, &terms, false)?.unwrap_or(0.0);
            let high = solve(atoms, equations, &terms, true)?;
            Ok(Interval { what: c.what.clone(), value: c.value, low, high })
        })
        .collect()
}

/// The smallest and largest values of `sum(coefficient * atom)` under the
/// published equations of an already split system (infinite when
/// unbounded): blocks are independent, so each block's part is bounded
/// over that block alone and the bounds add up.
pub fn bounds(split: &Split, terms: &[(usize, f64)]) -> Result<(f64, f64), AuditError> {
    let (mut low, mut high) = (0.0, 0.0);
    for (root, local) in split.by_block(terms) {
        let sub = split.sub(root);
        low += solve(sub.unknowns, &sub.equations, &local, false)?.unwrap_or(f64::NEG_INFINITY);
        high += solve(sub.unknowns, &sub.equations, &local, true)?.unwrap_or(f64::INFINITY);
    }
    Ok((low, high))
}

/// `n` feasible points of a block: vertices minimising, then maximising,
/// random positive weightings (a maximum that is unbounded gives none).
pub fn witness_points(sub: &Sub, n: usize) -> Result<Vec<Vec<f64>>, AuditError> {
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut points = Vec::with_capacity(n);
    for i in 0..n {
        let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
        let weights: Vec<f64> = random_weights(sub.unknowns, &mut seed).into_iter().map(|w| sign * w).collect();
        points.extend(vertex(sub.unknowns, &sub.equations, &weights)?);
    }
    Ok(points)
}

/// Weights from 1 to 2, from a small generator (the audit is reproducible).
fn random_weights(n: usize, seed: &mut u64) -> Vec<f64> {
    (0..n)
        .map(|_| {
            *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            1.0 + (*seed >> 33) as f64 / (1u64 << 31) as f64
        })
        .collect()
}

/// Feasible points sought before solving each check on its own.
const WITNESSES: usize = 12;

/// The checks whose interval is too narrow.
///
/// Shortcut: a handful of feasible points (vertices minimising random
/// positive weightings) are found first; a check whose values at those
/// points and at the true data already differ by `protection` or more
/// cannot be pinned (its interval contains them all). Only the rest get
/// their own two linear programs.
pub fn leaks(
    atoms: usize,
    equations: &[Equation],
    checks: &[Check],
    protection: u32,
) -> Result<Vec<Interval>, AuditError> {
    leaks_near(atoms, equations, checks, protection, None)
}

/// [`leaks`], block by block ([`crate::blocks`]); with `near`, only the
/// checks in the blocks of those unknowns (what a new equation over them
/// can change).
pub fn leaks_near(
    atoms: usize,
    equations: &[Equation],
    checks: &[Check],
    protection: u32,
    near: Option<&[usize]>,
) -> Result<Vec<Interval>, AuditError> {
    let mut blocks = Blocks::new(atoms, equations);
    for c in checks {
        blocks.join(c.atoms.iter().copied());
    }
    let wanted: Option<Vec<usize>> = near.map(|n| n.iter().map(|&u| blocks.find(u)).collect());
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, c) in checks.iter().enumerate() {
        let Some(&first) = c.atoms.first() else { continue };
        let root = blocks.find(first);
        if wanted.as_ref().is_none_or(|w| w.contains(&root)) {
            by_root.entry(root).or_default().push(i);
        }
    }
    let roots: Vec<usize> = by_root.keys().copied().collect();
    let subs = split(&mut blocks, atoms, equations, Some(&roots));
    let mut found: Vec<(usize, Interval)> = Vec::new();
    for (root, list) in by_root {
        let sub = &subs[&root];
        let local: Vec<Check> =
            list.iter().map(|&i| Check { atoms: sub.map_atoms(&checks[i].atoms), ..checks[i].clone() }).collect();
        for (i, interval) in whole_leaks(sub.unknowns, &sub.equations, &local, protection)? {
            found.push((list[i], interval));
        }
    }
    found.sort_by_key(|f| f.0);
    Ok(found.into_iter().map(|f| f.1).collect())
}

/// [`leaks`] over one system at once: (index of the check, its interval).
fn whole_leaks(
    atoms: usize,
    equations: &[Equation],
    checks: &[Check],
    protection: u32,
) -> Result<Vec<(usize, Interval)>, AuditError> {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut witnesses: Vec<Vec<f64>> = Vec::new();
    for _ in 0..WITNESSES {
        let weights = random_weights(atoms, &mut seed);
        if let Some(point) = vertex(atoms, equations, &weights)? {
            witnesses.push(point);
        }
    }
    let open: Vec<usize> = (0..checks.len())
        .filter(|&i| {
            let c = &checks[i];
            let values = witnesses.iter().map(|w| c.atoms.iter().map(|&a| w[a]).sum::<f64>());
            let (lo, hi) = values.fold((c.value as f64, c.value as f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
            hi - lo < f64::from(protection) + 1e-6
        })
        .collect();
    let list: Vec<Check> = open.iter().map(|&i| checks[i].clone()).collect();
    let found = whole_intervals(atoms, equations, &list)?;
    Ok(open.into_iter().zip(found).filter(|(_, i)| i.pinned(protection)).collect())
}

/// A feasible point minimising `weights . x` (`None` when that is unbounded).
fn vertex(atoms: usize, equations: &[Equation], weights: &[f64]) -> Result<Option<Vec<f64>>, AuditError> {
    let mut vars = variables!();
    let x: Vec<Variable> = (0..atoms).map(|_| vars.add(variable().min(0))).collect();
    let objective: Expression = x.iter().zip(weights).map(|(v, w)| *w * *v).sum();
    let model = constrained(vars.minimise(objective).using(microlp), &x, equations);
    match model.solve() {
        Ok(solution) => Ok(Some(x.iter().map(|v| solution.value(*v)).collect())),
        Err(ResolutionError::Unbounded) => Ok(None),
        Err(e) => Err(AuditError(e.to_string())),
    }
}

/// The model with every published equation added.
fn constrained<M: SolverModel>(mut model: M, x: &[Variable], equations: &[Equation]) -> M {
    for e in equations {
        let lhs: Expression = e.terms.iter().map(|&(a, c)| c * x[a]).sum();
        if e.tolerance == 0.0 {
            model = model.with(constraint!(lhs == e.value));
        } else {
            model = model.with(constraint!(lhs.clone() <= e.value + e.tolerance));
            model = model.with(constraint!(lhs >= e.value - e.tolerance));
        }
    }
    model
}

/// Minimises (or maximises) `sum(coefficient * atom)` over `target`; `None` when unbounded.
fn solve(
    atoms: usize,
    equations: &[Equation],
    target: &[(usize, f64)],
    maximise: bool,
) -> Result<Option<f64>, AuditError> {
    let mut vars = variables!();
    let x: Vec<Variable> = (0..atoms).map(|_| vars.add(variable().min(0))).collect();
    let objective: Expression = target.iter().map(|&(a, c)| c * x[a]).sum();
    let problem = if maximise { vars.maximise(objective.clone()) } else { vars.minimise(objective.clone()) };
    let model = constrained(problem.using(microlp), &x, equations);
    match model.solve() {
        Ok(solution) => Ok(Some(solution.eval(&objective))),
        Err(ResolutionError::Unbounded) => Ok(None),
        Err(e) => Err(AuditError(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(what: &str, atoms: &[usize], value: i64) -> Check {
        Check { what: what.into(), atoms: atoms.to_vec(), value }
    }

    #[test]
    fn finds_a_count_derived_by_subtraction() {
        // The worked example: band 6 has white 12, black 2, not stated 1;
        // the known-ethnicity total 14 is published beside white.
        let (white, black, not_stated) = (0, 1, 2);
        let eqs = vec![Equation::count(&[white], 12.0), Equation::count(&[white, black], 14.0)];
        let found = leaks(3, &eqs, &[check("black", &[black], 2), check("not stated", &[not_stated], 1)], 1).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].what, "black");
        assert!((found[0].low - 2.0).abs() < 1e-9);
        // With the all-staff total too, not stated is pinned as well.
        let mut eqs = eqs;
        eqs.push(Equation::count(&[white, black, not_stated], 15.0));
        let all = leaks(3, &eqs, &[check("black", &[black], 2), check("not stated", &[not_stated], 1)], 1).unwrap();
        assert_eq!(all.len(), 2);
    }

    #[test]
    fn a_withheld_pair_keeps_both_cells_open() {
        // Total 15 = white 12 + black 2 + not stated 1, only white and the total published.
        let eqs = vec![Equation::count(&[0], 12.0), Equation::count(&[0, 1, 2], 15.0)];
        let i = intervals(3, &eqs, &[check("black", &[1], 2)]).unwrap();
        assert_eq!((i[0].low, i[0].high), (0.0, Some(3.0)));
        assert!(!i[0].pinned(1));
        assert!(i[0].pinned(4));
    }

    #[test]
    fn rates_tie_counts_together() {
        // 25% of a published base of 40 pins the part to 10; unpublished base leaves it open.
        let eqs = vec![Equation::rate(&[0], &[0, 1], 25.0), Equation::count(&[0, 1], 40.0)];
        let i = intervals(2, &eqs, &[check("part", &[0], 10)]).unwrap();
        assert!(i[0].pinned(1));
        let i = intervals(2, &[Equation::rate(&[0], &[0, 1], 25.0)], &[check("part", &[0], 10)]).unwrap();
        assert!(!i[0].pinned(1));
        assert_eq!(i[0].high, None);
    }
}
