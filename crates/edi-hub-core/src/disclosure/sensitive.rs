//! What must stay hidden in one submission, whatever the method: every
//! count of people from 1 to k-1 that its tables can express (DISCLOSURE
//! brief): each publishable count, each atom, and each difference of two
//! nested publishable counts (e.g. respondents minus positive answers, all
//! staff minus those of known ethnicity).

use std::collections::{HashMap, HashSet};

use super::Policy;
use super::atoms::Atoms;
use super::counts::Counts;
use crate::dataset::Dataset;

/// Publishable counts that add up the same non-zero atoms: one number.
#[derive(Debug, Clone)]
pub struct Class {
    /// The non-zero atoms counted.
    pub support: Vec<usize>,
    pub value: i64,
    /// Indices into [`Counts::of`] of the counts with this support.
    pub keys: Vec<usize>,
}

/// The submission's publishable counts grouped by what they add up, and
/// how many counts it has at all.
pub fn classes(atoms: &Atoms) -> (Vec<Class>, usize) {
    let counts = Counts::of(atoms.dataset);
    let mut class_of: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut classes: Vec<Class> = Vec::new();
    let mut available = 0;
    for (k, support) in atoms.supports(counts.keys.iter()).into_iter().enumerate() {
        let Some(support) = support else { continue };
        available += 1;
        let support: Vec<usize> = support.into_iter().filter(|&a| atoms.atoms[a].value > 0).collect();
        let c = *class_of.entry(support.clone()).or_insert_with(|| {
            let value = atoms.total(&support);
            classes.push(Class { support, value, keys: Vec::new() });
            classes.len() - 1
        });
        classes[c].keys.push(k);
    }
    (classes, available)
}

/// A count from 1 to k-1 the tables express.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sensitive {
    /// The non-zero atoms it adds up.
    pub support: Vec<usize>,
    pub value: i64,
    /// What it is, for people.
    pub what: String,
}

/// Every sensitive count of a submission, each support once.
pub fn sensitive(atoms: &Atoms, classes: &[Class], policy: Policy) -> Vec<Sensitive> {
    let mut found = Found::default();
    found.small_sums(atoms.dataset, classes, policy);
    for (i, a) in atoms.atoms.iter().enumerate().filter(|(_, a)| policy.is_small(a.value as f64)) {
        found.add(vec![i], a.value, format!("cell {}", atoms.describe(i)));
    }
    found.nested_differences(atoms.dataset, classes, policy);
    found.out
}

/// The sensitive counts that sums of one table (or of a pool of tables)
/// express: each small sum, and each small difference of two nested sums.
pub(super) fn of_classes(dataset: Dataset, classes: &[Class], policy: Policy) -> Vec<Sensitive> {
    let mut found = Found::default();
    found.small_sums(dataset, classes, policy);
    found.nested_differences(dataset, classes, policy);
    found.out
}

/// Sensitive counts found so far, each support once (the first name kept).
#[derive(Default)]
struct Found {
    seen: HashSet<Vec<usize>>,
    out: Vec<Sensitive>,
}

impl Found {
    fn add(&mut self, support: Vec<usize>, value: i64, what: String) {
        if self.seen.insert(support.clone()) {
            self.out.push(Sensitive { support, value, what });
        }
    }

    fn small_sums(&mut self, dataset: Dataset, classes: &[Class], policy: Policy) {
        let counts = Counts::of(dataset);
        for c in classes.iter().filter(|c| policy.is_small(c.value as f64)) {
            self.add(c.support.clone(), c.value, counts.keys[c.keys[0]].describe());
        }
    }

    /// Nested pairs with a small difference: by value, looking back less than k.
    fn nested_differences(&mut self, dataset: Dataset, classes: &[Class], policy: Policy) {
        let counts = Counts::of(dataset);
        let k = policy.min_count;
        let name = |c: &Class| counts.keys[c.keys[0]].describe();
        let mut by_value: Vec<usize> = (0..classes.len()).collect();
        by_value.sort_by_key(|&c| classes[c].value);
        let sets: Vec<HashSet<usize>> = classes.iter().map(|c| c.support.iter().copied().collect()).collect();
        for (pos, &outer) in by_value.iter().enumerate() {
            for &inner in by_value[..pos].iter().rev() {
                let diff = classes[outer].value - classes[inner].value;
                if diff >= k {
                    break;
                }
                if diff > 0 && classes[inner].support.iter().all(|a| sets[outer].contains(a)) {
                    let rest = classes[outer].support.iter().copied().filter(|a| !sets[inner].contains(a)).collect();
                    self.add(rest, diff, format!("{} minus {}", name(&classes[outer]), name(&classes[inner])));
                }
            }
        }
    }
}
