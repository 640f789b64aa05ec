//! Statistical disclosure control: who sees what unredacted, the rules of
//! the spec (counts from 1 to k-1 hidden, zero shown; rates hidden with
//! their parts or when their denominator is below k; pay figures hidden
//! when their headcount is below k; summaries over fewer than three
//! organisations show no numbers), the protected pattern of each
//! submission (secondary suppression over its linked tables). The audit
//! that checks what is published by linear programming lives in its own
//! crate (`edi-hub-disclosure-audit`), apart from the code it checks.
//!
//! Flow: a submission's table -> [`atoms::Atoms`] -> [`sensitive`] counts
//! -> [`pattern::Pattern`] (computed once per submission) -> read by
//! [`crate::benchmark::assemble`] for every answer.

pub mod atoms;
mod bits;
pub mod counts;
pub mod pattern;
pub mod pooled;
pub mod release;
pub mod released;
pub mod sensitive;
mod span;
mod views;

pub use counts::CountKey;
pub use pattern::Pattern;
pub use pooled::Pooled;
pub use released::{ReleasePattern, TablePattern};

use crate::organisation::Organisation;

/// The default minimum count shown (`--min-count`).
pub const DEFAULT_MIN_COUNT: i64 = 10;
/// Summary rows need at least this many contributing organisations.
pub const MIN_CONTRIBUTORS: usize = 3;

/// Who is asking, as far as disclosure control is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// A data steward: sees everything.
    Steward,
    /// A borough's submitter: sees its own organisation unredacted.
    Member(Organisation),
    /// Anyone else (analysts): redacted output.
    Public,
}

impl Viewer {
    /// Whether this viewer sees `organisation`'s figures unredacted.
    pub fn sees_unredacted(self, organisation: Organisation) -> bool {
        match self {
            Viewer::Steward => true,
            Viewer::Member(own) => own == organisation,
            Viewer::Public => false,
        }
    }

    /// Whether summaries are shown without the contributor threshold.
    pub fn is_steward(self) -> bool {
        self == Viewer::Steward
    }
}

/// The deployment's disclosure settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Smallest non-zero count published (`k`).
    pub min_count: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy { min_count: DEFAULT_MIN_COUNT }
    }
}

impl Policy {
    /// A count of people that must not be published (1 to k-1; zero is shown).
    pub fn is_small(self, count: f64) -> bool {
        count > 0.0 && count < self.min_count as f64
    }

    /// Whether a base (denominator or headcount) is too small for a rate.
    pub fn base_too_small(self, base: f64) -> bool {
        base < self.min_count as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts() {
        let p = Policy::default();
        assert!(!p.is_small(0.0));
        assert!(p.is_small(1.0));
        assert!(p.is_small(9.0));
        assert!(!p.is_small(10.0));
        assert!(p.base_too_small(9.0));
        assert!(p.base_too_small(0.0));
    }

    #[test]
    fn viewers() {
        let a: Organisation = "E09000001".parse().unwrap();
        let b: Organisation = "E09000002".parse().unwrap();
        assert!(Viewer::Steward.sees_unredacted(a));
        assert!(Viewer::Member(a).sees_unredacted(a));
        assert!(!Viewer::Member(a).sees_unredacted(b));
        assert!(!Viewer::Public.sees_unredacted(a));
    }
}
