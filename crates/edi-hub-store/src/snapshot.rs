//! The state of every submission, derived by replaying the ledger: each
//! ledger (one per organisation x dataset x period) is a gap-free sequence
//! of create-only events, so every process that reads it derives the same
//! history, statuses and current submissions.
//!
//! A ledger entry that cannot be read is never skipped (a lost withdrawal
//! would bring withdrawn data back): its key is withheld, with no current
//! submission, until the object is removed or restored in the store.
//!
//! The period ledgers (one per quarter: its schedule and numbered releases,
//! see [`crate::PeriodRecord`]) are replayed into the same snapshot, so one
//! request sees submissions and releases from one moment.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use edi_hub_core::{Dataset, Organisation, Period};
use serde::{Deserialize, Serialize};

use crate::periods::PeriodRecord;

/// Where a submission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The latest upload for its key, not withdrawn: used by benchmarks.
    Current,
    /// A later upload for the same key replaced it (kept in the history).
    Superseded,
    /// Withdrawn by its organisation or a steward (kept in the history).
    Withdrawn,
    /// Would be current, but an entry of its key's ledger cannot be read, so
    /// whether it was superseded or withdrawn is unknown: not used until a
    /// steward repairs the ledger in the store.
    Withheld,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Current => "current",
            Status::Superseded => "superseded",
            Status::Withdrawn => "withdrawn",
            Status::Withheld => "withheld",
        }
    }
}

/// One accepted upload, as the ledger records it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionRecord {
    pub id: String,
    pub organisation: Organisation,
    pub dataset: Dataset,
    pub period: Period,
    pub rows: u64,
    pub checksum: String,
    pub supersedes: Option<String>,
    pub received_at: DateTime<Utc>,
    pub status: Status,
    /// Path of the normalised Parquet file in the store.
    pub data_path: String,
    /// Position in its key's ledger.
    pub sequence: u64,
}

/// The population reference table in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopulationRecord {
    pub id: String,
    pub rows: u64,
    pub checksum: String,
    pub received_at: DateTime<Utc>,
    pub data_path: String,
}

/// An event in a submission ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LedgerEvent {
    Submitted {
        id: String,
        organisation: Organisation,
        dataset: Dataset,
        period: Period,
        rows: u64,
        checksum: String,
        received_at: DateTime<Utc>,
        data_path: String,
        /// Token id of the uploader (never the token itself).
        by: Option<String>,
    },
    Withdrawn {
        id: String,
        at: DateTime<Utc>,
        by: Option<String>,
    },
}

/// The ledger a damaged entry belongs to: what is withheld because of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DamagedLedger {
    /// One key's submission ledger: the key has no current submission.
    Submission { organisation: Organisation, dataset: Dataset, period: Period },
    /// The population ledger: no population table is in force.
    Population,
    /// A slot under `ledger/` whose path names no key: it could belong to
    /// any key, so no key has a current submission.
    Unknown,
    /// One period's ledger (unreadable, contradicting its path, or a
    /// release numbered out of turn): the period has no schedule and no
    /// releases, so analysts see nothing of it. Submission keys are not
    /// withheld: the period ledger records no submission's status.
    Period(Period),
    /// A slot under `periods/` whose path names no period: it could belong
    /// to any period, so no period has a schedule or releases (submission
    /// keys are not withheld).
    UnknownPeriod,
}

/// A ledger entry that cannot be read, parsed, or contradicts its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DamagedEntry {
    /// The object's path in the store (public identifiers only).
    pub path: String,
    pub ledger: DamagedLedger,
}

impl DamagedEntry {
    /// Whether this damage withholds a submission ledger's key.
    pub fn withholds(&self, key: Key) -> bool {
        match self.ledger {
            DamagedLedger::Submission { organisation, dataset, period } => (organisation, dataset, period) == key,
            DamagedLedger::Population | DamagedLedger::Period(_) | DamagedLedger::UnknownPeriod => false,
            DamagedLedger::Unknown => true,
        }
    }

    /// Whether this damage withholds a period's schedule and releases.
    pub fn withholds_period(&self, period: Period) -> bool {
        match self.ledger {
            DamagedLedger::Period(p) => p == period,
            DamagedLedger::UnknownPeriod => true,
            DamagedLedger::Submission { .. } | DamagedLedger::Population | DamagedLedger::Unknown => false,
        }
    }
}

/// A submission ledger's key: organisation, dataset and period.
pub type Key = (Organisation, Dataset, Period);

/// Everything the ledger says, at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// All submissions, newest first.
    pub submissions: Vec<SubmissionRecord>,
    by_id: HashMap<String, usize>,
    current: BTreeMap<(Dataset, Period, Organisation), usize>,
    pub population: Option<PopulationRecord>,
    /// Every period with a period-ledger entry: its schedule and releases.
    pub periods: BTreeMap<Period, PeriodRecord>,
    /// Ledger entries that cannot be read, by path; while any is here the
    /// hub is not ready and their keys are withheld.
    pub damaged: Vec<DamagedEntry>,
    /// Changes whenever the ledger read changes (only within one process).
    pub generation: u64,
}

impl Snapshot {
    /// Replays ledgers: each key's events in sequence order. A key with a
    /// damaged entry (every key, for a damaged entry of no known key) has
    /// no current submission, and no population table is in force while a
    /// population-ledger entry is damaged. A period whose ledger has a
    /// damaged entry (every period, for a damaged entry of no known period)
    /// keeps only its `last_sequence`: no schedule and no releases.
    pub fn build<'a, E: Iterator<Item = (u64, &'a LedgerEvent)>>(
        ledgers: impl Iterator<Item = (Key, E)>,
        population: Option<PopulationRecord>,
        mut periods: BTreeMap<Period, PeriodRecord>,
        mut damaged: Vec<DamagedEntry>,
        generation: u64,
    ) -> Snapshot {
        damaged.sort_by(|a, b| a.path.cmp(&b.path));
        let withheld = |key: Key| damaged.iter().any(|e| e.withholds(key));
        let population = population.filter(|_| damaged.iter().all(|d| d.ledger != DamagedLedger::Population));
        for (period, record) in &mut periods {
            if damaged.iter().any(|d| d.withholds_period(*period)) {
                record.schedule = None;
                record.releases.clear();
            }
        }
        let mut all: Vec<SubmissionRecord> = Vec::new();
        for (key, events) in ledgers {
            let start = all.len();
            let mut current: Option<usize> = None;
            for (sequence, event) in events {
                match event {
                    LedgerEvent::Submitted {
                        id,
                        organisation,
                        dataset,
                        period,
                        rows,
                        checksum,
                        received_at,
                        data_path,
                        ..
                    } => {
                        let supersedes = current.map(|c| {
                            all[c].status = Status::Superseded;
                            all[c].id.clone()
                        });
                        current = Some(all.len());
                        all.push(SubmissionRecord {
                            id: id.clone(),
                            organisation: *organisation,
                            dataset: *dataset,
                            period: *period,
                            rows: *rows,
                            checksum: checksum.clone(),
                            supersedes,
                            received_at: *received_at,
                            status: Status::Current,
                            data_path: data_path.clone(),
                            sequence,
                        });
                    }
                    LedgerEvent::Withdrawn { id, .. } => {
                        if let Some(i) = (start..all.len()).find(|&i| all[i].id == *id) {
                            all[i].status = Status::Withdrawn;
                            if current == Some(i) {
                                current = None;
                            }
                        }
                    }
                }
            }
            if let Some(c) = current.filter(|_| withheld(key)) {
                all[c].status = Status::Withheld;
            }
        }
        all.sort_by(|a, b| b.received_at.cmp(&a.received_at).then(b.sequence.cmp(&a.sequence)).then(b.id.cmp(&a.id)));
        let by_id = all.iter().enumerate().map(|(i, s)| (s.id.clone(), i)).collect();
        let current = all
            .iter()
            .enumerate()
            .filter(|(_, s)| s.status == Status::Current)
            .map(|(i, s)| ((s.dataset, s.period, s.organisation), i))
            .collect();
        Snapshot { submissions: all, by_id, current, population, periods, damaged, generation }
    }

    /// The damaged entries that withhold this submission key (nothing of
    /// it is served while there are any).
    pub fn damage_of(&self, key: Key) -> impl Iterator<Item = &DamagedEntry> {
        self.damaged.iter().filter(move |e| e.withholds(key))
    }

    /// The damaged population-ledger entries (no population table is in
    /// force while there are any).
    pub fn population_damage(&self) -> impl Iterator<Item = &DamagedEntry> {
        self.damaged.iter().filter(|e| e.ledger == DamagedLedger::Population)
    }

    pub fn get(&self, id: &str) -> Option<&SubmissionRecord> {
        self.by_id.get(id).map(|&i| &self.submissions[i])
    }

    /// Current submissions, ordered by dataset, period and organisation.
    pub fn current(&self) -> impl Iterator<Item = &SubmissionRecord> {
        self.current.values().map(|&i| &self.submissions[i])
    }

    /// The current submissions of one dataset and period.
    pub fn current_for(&self, dataset: Dataset, period: Period) -> impl Iterator<Item = &SubmissionRecord> {
        let lo = (dataset, period, Organisation::FIRST);
        self.current
            .range(lo..)
            .take_while(move |((d, p, _), _)| *d == dataset && *p == period)
            .map(|(_, &i)| &self.submissions[i])
    }

    /// The current submission for one key.
    pub fn current_of(
        &self,
        organisation: Organisation,
        dataset: Dataset,
        period: Period,
    ) -> Option<&SubmissionRecord> {
        self.current.get(&(dataset, period, organisation)).map(|&i| &self.submissions[i])
    }
}
