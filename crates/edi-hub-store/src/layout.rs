//! Where each kind of object lives in the store.
//!
//! ```text
//! data/{dataset}/{period}/{organisation}/{submission id}.parquet   accepted uploads (normalised)
//! ledger/{organisation}/{dataset}/{period}/{sequence}.json         submission events, create-only
//! ledger-changes/{yyyymmddThhmm}/{ss.nnnnnnnnn}-{random}.json      a notice naming each ledger slot written
//! reference/population/data/{version id}.parquet                  population tables
//! reference/population/ledger/{sequence}.json                     which population table is current
//! tokens/{token id}.json, tokens/{token id}.revoked               API tokens (hash only) and revocations
//! users/{subject hash}/{sequence}.json                           sign-in mappings (person or claim value -> role), create-only
//! sessions/{session id hash}.json                                dashboard sessions (hash of the cookie's id only)
//! sessions-ended/{session id hash}.json                          sign-outs
//! audit/{yyyy-mm-dd}/{timestamp}-{random}.json                    the append-only audit log
//! targets/{organisation}/{id}.json, targets/{organisation}/{id}.deleted   action-plan targets and deletions
//! periods/{period}/{sequence}.json                                period events (schedules, releases), create-only
//! release-patterns/{period}/{random id}.json                     a release's disclosure pattern
//! ```

use edi_hub_core::{Dataset, Organisation, Period};
use object_store::path::Path;

pub const LEDGER: &str = "ledger";
pub const POPULATION_LEDGER: &str = "reference/population/ledger";
pub const TOKENS: &str = "tokens";
pub const USERS: &str = "users";
pub const SESSIONS: &str = "sessions";
pub const SESSIONS_ENDED: &str = "sessions-ended";
pub const ACCESS_LOG: &str = "audit";
pub const TARGETS: &str = "targets";
pub const PERIODS: &str = "periods";
pub const RELEASE_PATTERNS: &str = "release-patterns";
pub const LEDGER_CHANGES: &str = "ledger-changes";

pub fn data_file(dataset: Dataset, period: Period, organisation: Organisation, id: &str) -> Path {
    Path::from(format!("data/{dataset}/{period}/{organisation}/{id}.parquet"))
}

pub fn population_file(id: &str) -> Path {
    Path::from(format!("reference/population/data/{id}.parquet"))
}

pub fn submission_ledger(organisation: Organisation, dataset: Dataset, period: Period) -> Path {
    Path::from(format!("{LEDGER}/{organisation}/{dataset}/{period}"))
}

/// A ledger slot: sequence numbers are zero-padded so names sort in order.
pub fn slot(ledger: &Path, sequence: u64) -> Path {
    ledger.clone().join(format!("{sequence:012}.json"))
}

/// The sequence number of a ledger slot's file name.
pub fn slot_sequence(path: &Path) -> Option<u64> {
    path.filename()?.strip_suffix(".json")?.parse().ok()
}

/// Whether `path` is exactly the slot the hub writes for its sequence
/// number in `ledger` (not, say, a file with another name or a deeper path).
pub fn is_slot_of(ledger: &Path, path: &Path) -> bool {
    slot_sequence(path).is_some_and(|sequence| slot(ledger, sequence) == *path)
}

/// The key of a submission-ledger object: the organisation, dataset and
/// period its path names (`ledger/{organisation}/{dataset}/{period}/...`),
/// spelled as the hub spells them; `None` when the path names no key.
pub fn submission_key(path: &Path) -> Option<(Organisation, Dataset, Period)> {
    let parts: Vec<_> = path.parts().collect();
    if parts.len() != 5 || parts[0].as_ref() != LEDGER {
        return None;
    }
    let key: (Organisation, Dataset, Period) =
        (parts[1].as_ref().parse().ok()?, parts[2].as_ref().parse().ok()?, parts[3].as_ref().parse().ok()?);
    let parent = Path::from_iter(parts[..4].iter().cloned());
    (submission_ledger(key.0, key.1, key.2) == parent).then_some(key)
}

/// The ledger of one period's schedules and releases.
pub fn period_ledger(period: Period) -> Path {
    Path::from(format!("{PERIODS}/{period}"))
}

/// The period a period-ledger object's path names
/// (`periods/{period}/...`), spelled as the hub spells it; `None` when the
/// path names no period.
pub fn period_of(path: &Path) -> Option<Period> {
    let parts: Vec<_> = path.parts().collect();
    if parts.len() != 3 || parts[0].as_ref() != PERIODS {
        return None;
    }
    let period: Period = parts[1].as_ref().parse().ok()?;
    let parent = Path::from_iter(parts[..2].iter().cloned());
    (period_ledger(period) == parent).then_some(period)
}

/// A release's disclosure pattern, at a fresh path.
pub fn release_pattern(period: Period, id: &str) -> Path {
    Path::from(format!("{RELEASE_PATTERNS}/{period}/{id}.json"))
}

pub fn token(id: &str) -> Path {
    Path::from(format!("{TOKENS}/{id}.json"))
}

pub fn token_revocation(id: &str) -> Path {
    Path::from(format!("{TOKENS}/{id}.revoked"))
}

/// The folder of an organisation's targets.
pub fn targets_of(organisation: Organisation) -> Path {
    Path::from(format!("{TARGETS}/{organisation}"))
}

pub fn target(organisation: Organisation, id: &str) -> Path {
    Path::from(format!("{TARGETS}/{organisation}/{id}.json"))
}

pub fn target_deletion(organisation: Organisation, id: &str) -> Path {
    Path::from(format!("{TARGETS}/{organisation}/{id}.deleted"))
}

pub fn session(hash: &str) -> Path {
    Path::from(format!("{SESSIONS}/{hash}.json"))
}

pub fn session_end(hash: &str) -> Path {
    Path::from(format!("{SESSIONS_ENDED}/{hash}.json"))
}

/// Where the notices of the ledger writes of one minute are.
pub fn notices_of_minute(at: chrono::DateTime<chrono::Utc>) -> Path {
    Path::from(format!("{LEDGER_CHANGES}/{}", at.format("%Y%m%dT%H%M")))
}

/// The notice of a ledger write at `at` (`random` keeps notices of the same instant apart).
pub fn notice(at: chrono::DateTime<chrono::Utc>, random: &str) -> Path {
    notices_of_minute(at).join(format!("{}-{random}.json", at.format("%S%.9f")))
}
