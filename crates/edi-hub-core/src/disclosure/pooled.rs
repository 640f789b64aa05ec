//! What a release publishes of the pooled rows (London, inner and outer
//! London, the sub-regional partnerships): per comparison group, the
//! members the pool was worked out over and which of the dataset's counts
//! may be shown as the exact sum over all of them.

use serde::{Deserialize, Serialize};

use super::bits::Bits;
use super::counts::{CountKey, Counts};
use crate::benchmark::Scope;
use crate::dataset::Dataset;
use crate::organisation::Organisation;

/// One comparison group's pooled counts in a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PooledScope {
    /// The group's id (`london`, `inner_london`, ...).
    pub scope: String,
    /// The members with a table of the dataset in the release, sorted.
    pub members: Vec<Organisation>,
    /// One flag per count of [`Counts::of`]: the sum over every member is shown.
    pub published: Bits,
}

/// The pooled counts of one dataset in a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pooled {
    pub dataset: Dataset,
    pub scopes: Vec<PooledScope>,
    /// Pooled counts that could be shown (every member can count them).
    pub candidates: usize,
    /// Of those, the ones withheld so that no small count can be worked out.
    pub withheld: usize,
}

impl Pooled {
    /// Nothing pooled is shown (fails closed).
    pub fn none(dataset: Dataset) -> Pooled {
        Pooled { dataset, scopes: Vec::new(), candidates: 0, withheld: 0 }
    }

    /// Whether the count `key`, summed over exactly `members` (sorted) of
    /// `scope`, may be shown. Anything not known to be published is not.
    pub fn publishes(&self, scope: Scope, key: &CountKey, members: &[Organisation]) -> bool {
        let Some(k) = Counts::of(self.dataset).index(key) else { return false };
        self.scopes.iter().any(|s| s.scope == scope.id() && s.members == members && s.published.get(k))
    }

    /// How many pooled counts are shown, over all groups.
    pub fn shown(&self) -> usize {
        self.scopes.iter().map(|s| s.published.count()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fails_closed_for_other_members_and_unknown_groups() {
        let counts = Counts::of(Dataset::Workforce);
        let key = counts.keys[3].clone();
        let a: Organisation = "E09000001".parse().unwrap();
        let b: Organisation = "E09000002".parse().unwrap();
        let mut published = Bits::new(counts.keys.len());
        published.set(3);
        let pooled = Pooled {
            dataset: Dataset::Workforce,
            scopes: vec![PooledScope { scope: "london".into(), members: vec![a, b], published }],
            candidates: 1,
            withheld: 0,
        };
        assert!(pooled.publishes(Scope::London, &key, &[a, b]));
        assert!(!pooled.publishes(Scope::London, &key, &[a]));
        assert!(!pooled.publishes(Scope::InnerLondon, &key, &[a, b]));
        assert!(!pooled.publishes(Scope::London, &counts.keys[4], &[a, b]));
        assert!(!Pooled::none(Dataset::Workforce).publishes(Scope::London, &key, &[a, b]));
    }
}
