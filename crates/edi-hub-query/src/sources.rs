//! Which submissions an answer reads, and with which protected pattern:
//! the latest release of each period (what analysts see), the release
//! before it (to mark revised rows), or the current submissions (a
//! borough's own provisional figures, and what stewards see).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use edi_hub_core::disclosure::{Pattern, ReleasePattern};
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_store::{ReleaseRecord, Snapshot, Store, SubmissionRecord};

use crate::{Error, Result};

/// Release patterns kept in memory before the cache is emptied.
const MAX_RELEASES: usize = 4096;

/// Where an answer's figures come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// Each period's latest release.
    Released,
    /// Each period's release before its latest (periods with one release have none).
    Previous,
    /// The current submissions, released or not.
    Current,
}

impl Source {
    /// The release of `period` this source reads (`None` for current data,
    /// or when there is no such release).
    pub fn release(self, snapshot: &Snapshot, period: Period) -> Option<&ReleaseRecord> {
        let releases = &snapshot.period(period)?.releases;
        match self {
            Source::Released => releases.last(),
            Source::Previous => releases.len().checked_sub(2).map(|i| &releases[i]),
            Source::Current => None,
        }
    }

    /// The submissions of one dataset and period this source reads. A
    /// release naming a submission the ledger no longer shows is read as
    /// nothing (fails closed).
    pub fn submissions(self, snapshot: &Snapshot, dataset: Dataset, period: Period) -> Vec<&SubmissionRecord> {
        match self {
            Source::Current => snapshot.current_for(dataset, period).collect(),
            _ => {
                let Some(release) = self.release(snapshot, period) else { return Vec::new() };
                let records: Option<Vec<&SubmissionRecord>> =
                    release.submissions.iter().map(|id| snapshot.get(id)).collect();
                records.unwrap_or_default().into_iter().filter(|r| r.dataset == dataset).collect()
            }
        }
    }

    /// The one submission of an organisation, dataset and period this source reads.
    pub fn submission(
        self,
        snapshot: &Snapshot,
        organisation: Organisation,
        dataset: Dataset,
        period: Period,
    ) -> Option<&SubmissionRecord> {
        match self {
            Source::Current => snapshot.current_of(organisation, dataset, period),
            _ => self.submissions(snapshot, dataset, period).into_iter().find(|r| r.organisation == organisation),
        }
    }
}

/// A release's pattern, indexed by submission.
#[derive(Debug)]
pub struct LoadedRelease {
    pub pattern: ReleasePattern,
    tables: HashMap<String, usize>,
}

impl LoadedRelease {
    pub fn table(&self, submission: &str) -> Option<&Pattern> {
        self.tables.get(submission).map(|&i| &self.pattern.tables[i].pattern)
    }
}

/// Release patterns read so far (a release never changes).
#[derive(Debug, Default)]
pub struct Releases {
    known: Mutex<HashMap<String, Arc<LoadedRelease>>>,
}

impl Releases {
    /// The pattern of `release`, read from the store when not yet known.
    pub async fn of(&self, store: &Store, release: &ReleaseRecord) -> Result<Arc<LoadedRelease>> {
        let path = &release.pattern_path;
        if let Some(r) = self.known.lock().map_err(|_| Error::Poisoned("the release patterns"))?.get(path) {
            return Ok(r.clone());
        }
        let bytes = store.read(path).await?;
        let pattern: ReleasePattern = serde_json::from_slice(&bytes).map_err(|e| {
            Error::Layout(format!(
                "the pattern of release {} of {} is unreadable: {e}",
                release.release, release.period
            ))
        })?;
        if pattern.period != release.period || pattern.release != release.release {
            return Err(Error::Layout(format!(
                "{path} is not the pattern of release {} of {}",
                release.release, release.period
            )));
        }
        let tables = pattern.tables.iter().enumerate().map(|(i, t)| (t.submission.clone(), i)).collect();
        let loaded = Arc::new(LoadedRelease { pattern, tables });
        let mut known = self.known.lock().map_err(|_| Error::Poisoned("the release patterns"))?;
        if known.len() >= MAX_RELEASES {
            known.clear();
        }
        known.insert(path.clone(), loaded.clone());
        Ok(loaded)
    }
}
