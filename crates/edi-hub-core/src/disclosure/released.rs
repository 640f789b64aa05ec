//! A release's protected pattern as persisted beside it in the store: what
//! it shows of every table and of every pooled row, worked out once when
//! the release is made, so every hub process serves the same figures.

use serde::{Deserialize, Serialize};

use super::Pattern;
use super::pooled::Pooled;
use crate::dataset::Dataset;
use crate::organisation::Organisation;
use crate::period::Period;

/// The pattern of one submission in a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TablePattern {
    pub submission: String,
    pub organisation: Organisation,
    pub dataset: Dataset,
    pub pattern: Pattern,
}

/// Everything a release shows, as chosen when it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasePattern {
    pub period: Period,
    pub release: u32,
    /// The smallest count shown (`k`) the pattern was chosen for.
    pub min_count: i64,
    pub tables: Vec<TablePattern>,
    /// Per dataset: the pooled sums shown.
    pub pooled: Vec<Pooled>,
}

impl ReleasePattern {
    /// The pattern of a submission of the release (`None`: not in it).
    pub fn table(&self, submission: &str) -> Option<&Pattern> {
        self.tables.iter().find(|t| t.submission == submission).map(|t| &t.pattern)
    }

    /// The pooled sums of a dataset (none shown when the release has none).
    pub fn pooled(&self, dataset: Dataset) -> Pooled {
        self.pooled.iter().find(|p| p.dataset == dataset).cloned().unwrap_or_else(|| Pooled::none(dataset))
    }
}
