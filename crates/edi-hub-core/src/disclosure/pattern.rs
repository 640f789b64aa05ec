//! The protected pattern of one submission: which of its publishable counts
//! are published and which are withheld, computed once per submission and
//! read by every query, so every endpoint, format and parameter choice sees
//! the same pattern.
//!
//! Method: Gaussian-elimination secondary suppression (after Langsrud's
//! GaussSuppression, Statistics Norway). The counts are rows over the
//! submission's atoms (see [`super::atoms`]). Protected: every count from 1
//! to k-1 the tables can express: each publishable count, each atom, and
//! each difference of two nested publishable counts (e.g. all staff minus
//! those of known ethnicity). Zero atoms are taken as known to everyone (a
//! safe over-statement of what an attacker knows). Counts from 1 to k-1 are
//! withheld (primary); the others are published greedily, largest first
//! (totals before details; counts of everyone, read only by the declaration
//! rate, after all others), unless publishing one would determine a
//! protected count, in which case it is withheld too (secondary).

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::Policy;
use super::atoms::{Atoms, LayoutError};
use super::bits::Bits;
use super::counts::{CountKey, Counts, People};
use super::sensitive::{Class, classes, sensitive};
use super::span::{Effect, Span, Vector, mapped};
use crate::dataset::Dataset;
use crate::metrics::{Params, SumDef};

/// Which publishable counts of one submission may be shown to people who
/// are not its owner or a steward (persisted with the release that chose it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pattern {
    pub dataset: Dataset,
    /// One bit per count of [`Counts::of`]`(dataset)`: set when published.
    published: Bits,
    /// Counts withheld as 1 to k-1 (primary suppression).
    pub primary: usize,
    /// Counts withheld further so that no protected count can be worked out.
    pub secondary: usize,
    /// Counts the submission has at all (a group it cannot be counted for has none).
    pub available: usize,
}

impl Pattern {
    /// Whether `key` may be shown. Anything not known to be published is not.
    pub fn is_published(&self, key: &CountKey) -> bool {
        Counts::of(self.dataset).index(key).is_some_and(|i| self.published.get(i))
    }

    /// Whether an input of a metric under `params` is withheld from other
    /// viewers, given the pattern of the submission it reads (`None`: there
    /// is none, so nothing of it is shown). Population inputs are public.
    pub fn withholds(pattern: Option<&Pattern>, input: &SumDef, params: &Params) -> bool {
        CountKey::of(input, params).is_some_and(|key| pattern.is_none_or(|p| !p.is_published(&key)))
    }

    /// The protected pattern of a submission's table (stored layout).
    pub fn protect(dataset: Dataset, batch: &RecordBatch, policy: Policy) -> Result<Pattern, LayoutError> {
        let atoms = Atoms::of(dataset, batch)?;
        Ok(Self::of_atoms(&atoms, policy))
    }

    pub fn of_atoms(atoms: &Atoms, policy: Policy) -> Pattern {
        let (classes, available) = classes(atoms);
        let map: Vec<u32> = (0..atoms.atoms.len() as u32).collect();
        let mut span = Span::default();
        for s in sensitive(atoms, &classes, policy) {
            span.protect(&mapped(&s.support, &map));
        }
        Self::choose(atoms.dataset, &classes, available, &map, &mut span, policy)
    }

    /// Chooses what to publish of one table (its `classes`, with atoms
    /// mapped to the span's unknowns by `map`) into `span`, which already
    /// holds what must stay hidden and what is published already.
    pub(super) fn choose(
        dataset: Dataset,
        classes: &[Class],
        available: usize,
        map: &[u32],
        span: &mut Span,
        policy: Policy,
    ) -> Pattern {
        let counts = Counts::of(dataset);
        let small = |v: i64| v > 0 && v < policy.min_count;
        // Counts of everyone (read only by the declaration rate) give way to
        // counts of known ethnicity (the base of every share).
        let everyone_only = |c: &Class| c.keys.iter().all(|&k| counts.keys[k].who == People::Everyone);
        let mut order: Vec<usize> = (0..classes.len()).filter(|&c| !small(classes[c].value)).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&classes[a], &classes[b]);
            (everyone_only(a), b.value, b.support.len(), &a.keys).cmp(&(
                everyone_only(b),
                a.value,
                a.support.len(),
                &b.keys,
            ))
        });
        let mut published = Bits::new(counts.keys.len());
        let mut secondary = 0;
        for c in order {
            let class = &classes[c];
            let v: Vector = mapped(&class.support, map);
            let publish = match span.effect(&v) {
                Effect::Redundant => true,
                Effect::Safe => {
                    span.publish(&v);
                    true
                }
                Effect::Reveals => false,
            };
            if publish {
                for &k in &class.keys {
                    published.set(k);
                }
            } else {
                secondary += class.keys.len();
            }
        }
        let primary = classes.iter().filter(|c| small(c.value)).map(|c| c.keys.len()).sum();
        Pattern { dataset, published, primary, secondary, available }
    }

    /// Whether the count with index `k` in [`Counts::of`] is published.
    pub fn publishes(&self, k: usize) -> bool {
        self.published.get(k)
    }

    /// Primary suppression alone (no secondary): the disclosure audit's negative
    /// control, which must find a leak in it. Never used to publish.
    pub fn primary_only(atoms: &Atoms, policy: Policy) -> Pattern {
        let counts = Counts::of(atoms.dataset);
        let (classes, available) = classes(atoms);
        let mut published = Bits::new(counts.keys.len());
        let mut primary = 0;
        for c in &classes {
            if policy.is_small(c.value as f64) {
                primary += c.keys.len();
                continue;
            }
            for &k in &c.keys {
                published.set(k);
            }
        }
        Pattern { dataset: atoms.dataset, published, primary, secondary: 0, available }
    }
}
