//! Collection rounds and releases: each period (quarter) has a ledger of
//! create-only events, `periods/{period}/{sequence}.json`, recording its
//! schedule and its numbered releases. Replaying it gives the period's
//! record in the snapshot: the latest schedule, and the releases 1, 2, 3...
//! in order, each naming the submissions it published and where its
//! disclosure pattern is stored.
//!
//! A release is written to exactly the slot after the last one its
//! publisher read (see [`crate::Store::publish_release`]), so of several
//! hub processes publishing from one view, exactly one succeeds.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use edi_hub_core::Period;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use crate::layout;
use crate::snapshot::{DamagedEntry, DamagedLedger, Snapshot, SubmissionRecord};

/// An event in a period's ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PeriodEvent {
    /// A steward set (or changed) the period's deadline and release time.
    Scheduled {
        period: Period,
        deadline: DateTime<Utc>,
        release_at: DateTime<Utc>,
        at: DateTime<Utc>,
        /// Token id of the steward (never the token itself).
        by: Option<String>,
    },
    /// A release of the period was published.
    Released {
        period: Period,
        /// 1 for the period's first release, then 2, 3... without gaps.
        release: u32,
        published_at: DateTime<Utc>,
        /// Ids of the submissions the release publishes.
        submissions: Vec<String>,
        /// Where the release's disclosure pattern is stored.
        pattern_path: String,
        trigger: Trigger,
        /// Token id of the steward or uploader, if any.
        by: Option<String>,
    },
}

impl PeriodEvent {
    /// The period the event belongs to.
    pub fn period(&self) -> Period {
        match self {
            PeriodEvent::Scheduled { period, .. } | PeriodEvent::Released { period, .. } => *period,
        }
    }
}

/// What caused a release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Trigger {
    /// A steward asked for it.
    Steward,
    /// The schedule's release time came (the schedule's `release_at`).
    Schedule { release_at: DateTime<Utc> },
    /// An accepted upload or withdrawal, when every change is released at once.
    Upload,
}

/// A period's deadline and release time, as last set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub deadline: DateTime<Utc>,
    pub release_at: DateTime<Utc>,
    /// When it was set.
    pub set_at: DateTime<Utc>,
    /// Token id of the steward who set it.
    pub by: Option<String>,
}

/// One published release of a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    pub period: Period,
    pub release: u32,
    pub published_at: DateTime<Utc>,
    /// Ids of the submissions it publishes (they stay in the history when
    /// superseded or withdrawn later).
    pub submissions: Vec<String>,
    /// Where its disclosure pattern is stored.
    pub pattern_path: String,
    pub trigger: Trigger,
}

/// Where a period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodState {
    /// No release yet: analysts see nothing of it.
    Collecting,
    /// Released at least once: analysts see its latest release.
    Published,
}

impl PeriodState {
    pub fn name(self) -> &'static str {
        match self {
            PeriodState::Collecting => "collecting",
            PeriodState::Published => "published",
        }
    }
}

/// A period's ledger, replayed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodRecord {
    pub period: Period,
    /// The latest schedule set.
    pub schedule: Option<Schedule>,
    /// Its releases by number (1, 2, 3...).
    pub releases: Vec<ReleaseRecord>,
    /// The highest slot of its ledger read (damaged ones too): what a
    /// release planned from this record passes as `seen`.
    pub last_sequence: u64,
}

impl PeriodRecord {
    fn new(period: Period) -> PeriodRecord {
        PeriodRecord { period, schedule: None, releases: Vec::new(), last_sequence: 0 }
    }

    pub fn state(&self) -> PeriodState {
        if self.releases.is_empty() { PeriodState::Collecting } else { PeriodState::Published }
    }

    /// The latest release, if any.
    pub fn latest(&self) -> Option<&ReleaseRecord> {
        self.releases.last()
    }

    /// Whether the release the current schedule asks for has been made (a
    /// release triggered by a schedule with the same `release_at`).
    pub fn scheduled_release_done(&self) -> bool {
        self.schedule.as_ref().is_some_and(|schedule| {
            self.releases
                .iter()
                .any(|r| matches!(r.trigger, Trigger::Schedule { release_at } if release_at == schedule.release_at))
        })
    }
}

/// Replays the period ledgers from their slots as read (`None`: damaged).
/// Each damaged slot is recorded in `damaged`, as is a release numbered
/// other than one more than the releases before it in its ledger; their
/// periods are then withheld by [`Snapshot::build`].
pub(crate) fn replay<'a>(
    slots: impl Iterator<Item = (&'a Path, Option<&'a PeriodEvent>)>,
    damaged: &mut Vec<DamagedEntry>,
) -> BTreeMap<Period, PeriodRecord> {
    let mut ledgers: BTreeMap<Period, Vec<_>> = BTreeMap::new();
    for (path, event) in slots {
        let period = layout::period_of(path);
        if event.is_none() {
            let ledger = period.map_or(DamagedLedger::UnknownPeriod, DamagedLedger::Period);
            damaged.push(DamagedEntry { path: path.to_string(), ledger });
        }
        if let Some(period) = period {
            let sequence = layout::slot_sequence(path).unwrap_or(0);
            ledgers.entry(period).or_default().push((sequence, path.to_string(), event));
        }
    }
    let mut records = BTreeMap::new();
    for (period, mut slots) in ledgers {
        slots.sort_by_key(|(sequence, _, _)| *sequence);
        let mut record = PeriodRecord::new(period);
        let mut released = 0u32;
        for (sequence, path, event) in slots {
            record.last_sequence = record.last_sequence.max(sequence);
            match event {
                None => {}
                Some(PeriodEvent::Scheduled { deadline, release_at, at, by, .. }) => {
                    record.schedule =
                        Some(Schedule { deadline: *deadline, release_at: *release_at, set_at: *at, by: by.clone() });
                }
                Some(PeriodEvent::Released { release, published_at, submissions, pattern_path, trigger, .. }) => {
                    released = released.saturating_add(1);
                    if *release != released {
                        tracing::error!(
                            path = %path,
                            release = *release,
                            expected = released,
                            "a release is numbered out of turn: the period is withheld until a steward \
                             removes or restores the object in the store"
                        );
                        damaged.push(DamagedEntry { path, ledger: DamagedLedger::Period(period) });
                        continue;
                    }
                    record.releases.push(ReleaseRecord {
                        period,
                        release: *release,
                        published_at: *published_at,
                        submissions: submissions.clone(),
                        pattern_path: pattern_path.clone(),
                        trigger: trigger.clone(),
                    });
                }
            }
        }
        records.insert(period, record);
    }
    records
}

impl Snapshot {
    /// A period's record (`None` when its ledger has no entry).
    pub fn period(&self, period: Period) -> Option<&PeriodRecord> {
        self.periods.get(&period)
    }

    /// The damaged entries that withhold this period's schedule and
    /// releases (analysts see nothing of it while there are any).
    pub fn period_damage(&self, period: Period) -> impl Iterator<Item = &DamagedEntry> {
        self.damaged.iter().filter(move |d| d.withholds_period(period))
    }

    /// The latest release of a period: its number and the submissions it
    /// publishes, in the order it names them, whatever their status now.
    /// `None` when the period has no release, or when a submission the
    /// release names is not in the snapshot (its ledger entry cannot be
    /// read): a release is served whole or not at all.
    pub fn released_submissions(&self, period: Period) -> Option<(u32, Vec<&SubmissionRecord>)> {
        let latest = self.period(period)?.latest()?;
        let records = latest.submissions.iter().map(|id| self.get(id)).collect::<Option<Vec<_>>>()?;
        Some((latest.release, records))
    }

    /// Every period with a submission (of any status) or a period-ledger entry.
    pub fn periods_known(&self) -> BTreeSet<Period> {
        self.submissions.iter().map(|s| s.period).chain(self.periods.keys().copied()).collect()
    }
}
