//! One organisation over every release of a quarter, as one linear system
//! (DISCLOSURE brief, "Revisions"): what an analyst could have saved from
//! each release stays known, so every release's published figures are
//! equations over the version of each table that release showed.
//!
//! Unknowns: the atoms of each version of each table. An atom whose cell
//! (ethnicity, dimension values, part) has the same value as in the
//! previous version of the table is the same unknown; a changed or new
//! cell is a new unknown. Equations: per release, everything
//! [`crate::published::published`] reads from every answer about the
//! tables it shows (their atoms mapped into the shared unknowns). Checks:
//! every sensitive count (1 to k-1) of every version, each kept once.

use std::collections::HashMap;
use std::sync::OnceLock;

use edi_hub_core::dataset::Dataset;
use edi_hub_core::disclosure::Policy;
use edi_hub_core::disclosure::atoms::Atoms;
use edi_hub_core::disclosure::pattern::Pattern;
use edi_hub_core::organisation::Organisation;
use edi_hub_core::period::Period;

use crate::blocks::Split;
use crate::equations::{AuditError, Check, Equation, Equations, Interval, bounds, leaks, leaks_near, witness_points};
use crate::outer::outer_boxes;
use crate::published::{ProtectedSubmission, published, sensitive_checks};

/// One version of one of the organisation's tables (a submission).
#[derive(Debug, Clone)]
pub struct Version {
    pub submission: String,
    pub atoms: Atoms,
}

/// What one release showed of the organisation: per table, the version
/// (index into the versions) and the pattern it was shown with.
#[derive(Debug, Clone)]
pub struct Shown {
    pub release: u32,
    pub tables: Vec<(usize, Pattern)>,
}

/// A linear expression over one organisation's unknowns.
pub type Terms = Vec<(usize, f64)>;

/// What someone knows of a linear expression besides the published figures:
/// it lies within `[low, high]` (either end may be infinite).
#[derive(Debug, Clone, Copy)]
pub struct Bound<'a> {
    pub terms: &'a [(usize, f64)],
    pub low: f64,
    pub high: f64,
}

/// An organisation's tables over a quarter's releases, as one linear system.
#[derive(Debug, Clone)]
pub struct Linked {
    pub organisation: Organisation,
    /// Its distinct versions, in the order releases first showed them.
    pub versions: Vec<Version>,
    /// Per release of the quarter, in order (empty when it showed none).
    pub releases: Vec<Shown>,
    /// Per version: atom -> unknown.
    pub maps: Vec<Vec<usize>>,
    pub unknowns: usize,
    /// Everything every release published about the organisation.
    pub equations: Vec<Equation>,
    /// Every sensitive count of every version, over the unknowns.
    pub checks: Vec<Check>,
    /// Published counts by their (sorted) unknowns: their value is known.
    counts: HashMap<Vec<usize>, f64>,
    /// The system's blocks, and each unknown's outer bounds, when first asked for.
    split: OnceLock<Split>,
    boxes: OnceLock<Vec<(f64, f64)>>,
}

impl Linked {
    pub fn new(
        organisation: Organisation,
        period: Period,
        versions: Vec<Version>,
        releases: Vec<Shown>,
        policy: Policy,
    ) -> Linked {
        let (maps, unknowns) = shared_unknowns(&versions);
        let mut equations = Equations::default();
        for shown in &releases {
            let tables: Vec<ProtectedSubmission> = shown
                .tables
                .iter()
                .map(|(v, pattern)| ProtectedSubmission { atoms: versions[*v].atoms.clone(), pattern: pattern.clone() })
                .collect();
            // `published` numbers the tables' atoms one after another.
            let joint: Vec<usize> = shown.tables.iter().flat_map(|(v, _)| maps[*v].iter().copied()).collect();
            for e in published(organisation, period, &tables, policy) {
                let terms = e.terms.iter().map(|&(a, c)| (joint[a], c)).collect();
                equations.add(Equation { terms, ..e });
            }
        }
        let mut checks: Vec<Check> = Vec::new();
        let mut seen: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut number: HashMap<Dataset, usize> = HashMap::new();
        for (v, version) in versions.iter().enumerate() {
            let n = number.entry(version.atoms.dataset).or_default();
            *n += 1;
            for c in sensitive_checks(&version.atoms, policy) {
                let mut atoms: Vec<usize> = c.atoms.iter().map(|&a| maps[v][a]).collect();
                atoms.sort_unstable();
                // The same count over unchanged cells is one check.
                if seen.insert(atoms.clone(), checks.len()).is_none() {
                    checks.push(Check { what: format!("version {n}, {}", c.what), atoms, value: c.value });
                }
            }
        }
        let counts = equations
            .list
            .iter()
            .filter(|e| e.tolerance == 0.0 && e.terms.iter().all(|&(_, c)| c == 1.0))
            .map(|e| {
                let mut u: Vec<usize> = e.terms.iter().map(|t| t.0).collect();
                u.sort_unstable();
                (u, e.value)
            })
            .collect();
        let (split, boxes) = (OnceLock::new(), OnceLock::new());
        Linked {
            organisation,
            versions,
            releases,
            maps,
            unknowns,
            equations: equations.list,
            checks,
            counts,
            split,
            boxes,
        }
    }

    /// The version of `dataset` that release `r` (index) showed.
    pub fn shown(&self, r: usize, dataset: Dataset) -> Option<usize> {
        let shown = self.releases.get(r)?;
        shown.tables.iter().map(|t| t.0).find(|&v| self.versions[v].atoms.dataset == dataset)
    }

    /// The smallest and largest values of `terms` under what the releases
    /// published about the organisation (infinite when unbounded).
    pub fn bounds(&self, terms: &[(usize, f64)]) -> Result<(f64, f64), AuditError> {
        match self.published(terms) {
            Some(v) => Ok((v, v)),
            None => bounds(self.split(), terms),
        }
    }

    /// Bounds holding the smallest and largest values of `terms` (exact
    /// for a published count), found without linear programming: from
    /// each unknown's bounds ([`crate::outer`]).
    pub fn outer_bounds(&self, terms: &[(usize, f64)]) -> (f64, f64) {
        if let Some(v) = self.published(terms) {
            return (v, v);
        }
        let boxes = self.boxes.get_or_init(|| outer_boxes(self.unknowns, &self.equations));
        terms.iter().fold((0.0, 0.0), |(low, high), &(u, c)| {
            let (l, h) = (c * boxes[u].0, c * boxes[u].1);
            (low + l.min(h), high + l.max(h))
        })
    }

    /// The value of `terms` when it is a count the releases published.
    fn published(&self, terms: &[(usize, f64)]) -> Option<f64> {
        if terms.is_empty() {
            return Some(0.0);
        }
        if !terms.iter().all(|&(_, c)| c == 1.0) {
            return None;
        }
        let mut u: Vec<usize> = terms.iter().map(|t| t.0).collect();
        u.sort_unstable();
        self.counts.get(&u).copied()
    }

    /// The system's blocks (worked out once).
    pub fn split(&self) -> &Split {
        self.split.get_or_init(|| Split::new(self.unknowns, &self.equations))
    }

    /// `n` feasible points of block `root` ([`witness_points`]).
    pub fn witnesses(&self, root: usize, n: usize) -> Result<Vec<Vec<f64>>, AuditError> {
        witness_points(self.split().sub(root), n)
    }

    /// The sensitive counts pinned down by what the releases published,
    /// and, when given, by knowing `extra` too (then only counts in the
    /// blocks of `extra`'s unknowns are checked: it changes nothing else).
    pub fn leaks(&self, extra: Option<Bound>, protection: u32) -> Result<Vec<Interval>, AuditError> {
        let Some(Bound { terms, low, high }) = extra else {
            return leaks(self.unknowns, &self.equations, &self.checks, protection);
        };
        let mut equations = self.equations.clone();
        let mut unknowns = self.unknowns;
        let mut with = |slack: f64, value: f64| {
            // terms + slack * s = value, with a fresh s >= 0: a one-sided bound.
            let mut t = terms.to_vec();
            t.push((unknowns, slack));
            unknowns += 1;
            equations.push(Equation { terms: t, value, tolerance: 0.0 });
        };
        match (low.is_finite(), high.is_finite()) {
            (true, true) => {
                let (value, tolerance) = ((low + high) / 2.0, (high - low).max(0.0) / 2.0);
                equations.push(Equation { terms: terms.to_vec(), value, tolerance });
            }
            (true, false) => with(-1.0, low),
            (false, true) => with(1.0, high),
            (false, false) => {}
        }
        let near: Vec<usize> = terms.iter().map(|t| t.0).collect();
        leaks_near(unknowns, &equations, &self.checks, protection, Some(&near))
    }
}

/// Per version, its atoms' unknowns: the previous version's (of the same
/// dataset) for a cell with the same value, a new one otherwise.
fn shared_unknowns(versions: &[Version]) -> (Vec<Vec<usize>>, usize) {
    type Cell<'a> = (&'a str, &'a [Option<String>], usize);
    let mut previous: HashMap<Dataset, HashMap<Cell, (i64, usize)>> = HashMap::new();
    let mut next = 0;
    let mut maps = Vec::with_capacity(versions.len());
    for v in versions {
        let before = previous.remove(&v.atoms.dataset).unwrap_or_default();
        let mut this = HashMap::new();
        let map = v
            .atoms
            .atoms
            .iter()
            .map(|a| {
                let cell = (a.ethnicity.as_str(), a.dims.as_slice(), a.part);
                let u = match before.get(&cell) {
                    Some(&(value, u)) if value == a.value => u,
                    _ => {
                        next += 1;
                        next - 1
                    }
                };
                this.insert(cell, (a.value, u));
                u
            })
            .collect();
        previous.insert(v.atoms.dataset, this);
        maps.push(map);
    }
    (maps, next)
}

#[cfg(test)]
#[path = "releases_tests.rs"]
mod tests;
