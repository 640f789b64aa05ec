//! Scheduling and publishing a period's releases.
//!
//! A schedule is appended like any ledger event (the next free slot). A
//! release is a compare-and-set: its publisher names the `last_sequence` of
//! the period record it planned from, and the release is written to exactly
//! the next slot, create-only. If anything was written to the period's
//! ledger since (a release by another hub process, a new schedule), that
//! slot is taken or the view is stale, and the publisher is told to plan
//! again ([`Error::Conflict`]) instead of publishing twice.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use edi_hub_core::Period;

use crate::layout;
use crate::ledger::{new_id, refuse_if_damaged};
use crate::periods::{PeriodEvent, ReleaseRecord, Schedule, Trigger};
use crate::store::Store;
use crate::{Error, Result};

fn changed(period: Period) -> Error {
    Error::Conflict(format!("period {period} changed while the release was prepared; try again"))
}

impl Store {
    /// Sets a period's deadline and release time (replacing any earlier
    /// schedule). Refused while the period's ledger has a damaged entry.
    pub async fn schedule_period(
        &self,
        period: Period,
        deadline: DateTime<Utc>,
        release_at: DateTime<Utc>,
        by: Option<String>,
    ) -> Result<Schedule> {
        refuse_if_damaged(&format!("period {period}"), self.snapshot().period_damage(period))?;
        let at = Utc::now();
        let event = PeriodEvent::Scheduled { period, deadline, release_at, at, by: by.clone() };
        let slot = self.append(&layout::period_ledger(period), &event).await?;
        self.refresh_written(&[slot]).await?;
        Ok(Schedule { deadline, release_at, set_at: at, by })
    }

    /// Publishes the next release of a period, planned from the period
    /// record whose `last_sequence` is `seen` (0 when the period had no
    /// events): it publishes `submissions` with disclosure pattern
    /// `pattern` (stored as given) and is numbered one more than that
    /// record's releases.
    ///
    /// [`Error::Conflict`] (nothing published) when the period's ledger no
    /// longer ends at `seen`, as this process last read it or as the store
    /// holds it: the caller reads the store again and plans afresh. So of
    /// several hub processes publishing from one view, exactly one
    /// succeeds. Refused ([`Error::Withheld`]) while the period's ledger has
    /// a damaged entry.
    pub async fn publish_release(
        &self,
        period: Period,
        seen: u64,
        submissions: Vec<String>,
        pattern: Bytes,
        trigger: Trigger,
        by: Option<String>,
    ) -> Result<ReleaseRecord> {
        let snapshot = self.snapshot();
        refuse_if_damaged(&format!("period {period}"), snapshot.period_damage(period))?;
        let record = snapshot.period(period);
        if record.map_or(0, |r| r.last_sequence) != seen {
            return Err(changed(period));
        }
        let release = record.and_then(|r| r.latest()).map_or(0, |r| r.release).saturating_add(1);
        let ledger = layout::period_ledger(period);
        let slot = layout::slot(&ledger, seen.saturating_add(1));

        // The pattern first, at a fresh path: until the ledger slot names
        // it, nothing reads it (a lost race leaves it unreferenced).
        let pattern_path = layout::release_pattern(period, &new_id());
        self.create(&pattern_path, pattern).await?;
        let record = ReleaseRecord {
            period,
            release,
            published_at: Utc::now(),
            submissions,
            pattern_path: pattern_path.to_string(),
            trigger,
        };
        let event = PeriodEvent::Released {
            period,
            release,
            published_at: record.published_at,
            submissions: record.submissions.clone(),
            pattern_path: record.pattern_path.clone(),
            trigger: record.trigger.clone(),
            by,
        };
        let body =
            serde_json::to_vec(&event).map_err(|e| Error::Corrupt { path: slot.to_string(), reason: e.to_string() })?;
        match self.create_slot(&slot, Bytes::from(body)).await {
            Ok(()) => {}
            Err(object_store::Error::AlreadyExists { .. }) => return Err(changed(period)),
            Err(e) => return Err(e.into()),
        }
        self.refresh_written(&[slot]).await?;
        Ok(record)
    }
}

#[cfg(test)]
#[path = "releases_tests.rs"]
mod tests;
