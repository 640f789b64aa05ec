//! People who sign in with single sign-on (OpenID Connect), and what the
//! hub lets them do: a steward maps a person (by email) or a value of the
//! provider's role claim (such as a group id) to a role and, for
//! submitters, an organisation.
//!
//! Each person or claim value has its own little ledger of create-only
//! entries, `users/{key}/{sequence}.json` (the key a hash of the subject,
//! so no email appears in an object name); the entry with the highest
//! sequence is the current mapping, and a removal is an entry without a
//! role. Several hub processes on one store therefore agree after their
//! next refresh, and nothing is updated in place. An entry that cannot be
//! read fails closed: the person or claim value it governs is refused
//! until a steward writes a new mapping.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use edi_hub_core::Organisation;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::tokens::Role;
use crate::{Error, Result, layout};

/// How long a process trusts its list of mappings before listing the store again.
pub const USER_REFRESH: Duration = Duration::from_secs(2);

/// Longest email address accepted (RFC 5321's path limit).
const MAX_EMAIL: usize = 254;
/// Longest claim value accepted.
const MAX_CLAIM_VALUE: usize = 256;

/// Whom a mapping is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// A person, by the email address the provider vouches for (lowercase).
    Email(String),
    /// Everyone whose ID token's role claim holds this value (e.g. a group id).
    Claim(String),
}

impl Subject {
    /// A person by email: trimmed and lowercased, checked for shape.
    pub fn email(email: &str) -> std::result::Result<Subject, String> {
        let email = email.trim().to_lowercase();
        let ok_chars = email.chars().all(|c| !c.is_whitespace() && !c.is_control() && c != '/');
        match email.split_once('@') {
            _ if email.len() > MAX_EMAIL => Err(format!("an email address has at most {MAX_EMAIL} characters")),
            Some((local, domain)) if ok_chars && !local.is_empty() && !domain.is_empty() && !domain.contains('@') => {
                Ok(Subject::Email(email))
            }
            _ => Err("this is not an email address (name@example.gov.uk)".to_string()),
        }
    }

    /// A role-claim value (kept exactly as the provider sends it).
    pub fn claim(value: &str) -> std::result::Result<Subject, String> {
        if value.is_empty() || value.len() > MAX_CLAIM_VALUE || value.chars().any(char::is_control) {
            return Err(format!("a claim value has 1 to {MAX_CLAIM_VALUE} characters and no control characters"));
        }
        Ok(Subject::Claim(value.to_string()))
    }

    /// The folder name of this subject's ledger: a hash, so no email shows in object names.
    fn key(&self) -> String {
        let text = match self {
            Subject::Email(e) => format!("email:{e}"),
            Subject::Claim(v) => format!("claim:{v}"),
        };
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// What a mapped person may do: exactly what a token of this role (and
/// organisation) may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub organisation: Option<Organisation>,
}

impl Grant {
    /// A grant as the hub accepts it: submitters have an organisation, other roles none.
    pub fn new(role: Role, organisation: Option<Organisation>) -> std::result::Result<Grant, String> {
        match (role, organisation) {
            (Role::Submitter, None) => Err("a submitter needs an organisation".into()),
            (Role::Submitter, Some(o)) => Ok(Grant { role, organisation: Some(o) }),
            (_, Some(_)) => Err("only submitters have an organisation".into()),
            (_, None) => Ok(Grant { role, organisation: None }),
        }
    }
}

/// One stored entry of a subject's ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    subject: Subject,
    /// The role and organisation; absent when the mapping was removed.
    grant: Option<Grant>,
    at: DateTime<Utc>,
    /// Who wrote it (a token id, a person's email, or null for the command line).
    by: Option<String>,
}

/// A current mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub subject: Subject,
    pub grant: Grant,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

/// The state of one subject's ledger.
#[derive(Debug, Clone, PartialEq)]
enum Current {
    Mapped(UserRecord),
    Removed,
    /// Its latest entry cannot be read (the object's path and why).
    Damaged(String),
}

/// What the hub lets a signed-in person do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Mapped (by email, or by one of the role claim's values).
    Mapped(UserRecord),
    /// Nobody mapped this person or any of their claim values.
    Unmapped,
    /// A mapping that would decide cannot be read (fail closed); the object's path.
    Damaged(String),
    /// The person's claim values map to different roles or organisations.
    Conflict,
}

#[derive(Debug, Default)]
struct Cache {
    /// Subject key -> its current state.
    current: HashMap<String, Current>,
    /// Subject key -> the latest entry read.
    latest: HashMap<String, Path>,
    refreshed: Option<Instant>,
}

/// The mappings in the store, cached and refreshed at most every [`USER_REFRESH`].
#[derive(Debug)]
pub struct UserRegistry {
    objects: Arc<dyn ObjectStore>,
    cache: RwLock<Cache>,
    refreshing: tokio::sync::Mutex<()>,
}

/// Attempts at a free ledger slot before giving up (concurrent writers).
const ATTEMPTS: usize = 8;

impl UserRegistry {
    pub fn new(objects: Arc<dyn ObjectStore>) -> Self {
        UserRegistry { objects, cache: RwLock::new(Cache::default()), refreshing: tokio::sync::Mutex::new(()) }
    }

    /// Maps `subject` to `grant` (replacing any earlier mapping); `by` is who did it.
    pub async fn set(&self, subject: Subject, grant: Grant, by: Option<String>) -> Result<UserRecord> {
        let entry = Entry { subject, grant: Some(grant), at: Utc::now(), by };
        self.append(&entry).await?;
        Ok(UserRecord { subject: entry.subject, grant, updated_at: entry.at, updated_by: entry.by })
    }

    /// Removes `subject`'s mapping; false when it had none.
    pub async fn remove(&self, subject: &Subject, by: Option<String>) -> Result<bool> {
        self.refresh().await?;
        let key = subject.key();
        let mapped = self.cache.read().map_err(|_| Error::Contended)?.current.get(&key).cloned();
        match mapped {
            None | Some(Current::Removed) => return Ok(false),
            Some(Current::Mapped(_) | Current::Damaged(_)) => {}
        }
        let entry = Entry { subject: subject.clone(), grant: None, at: Utc::now(), by };
        self.append(&entry).await?;
        Ok(true)
    }

    /// Writes `entry` to the next free slot of its subject's ledger.
    async fn append(&self, entry: &Entry) -> Result<()> {
        let key = entry.subject.key();
        let ledger = Path::from(format!("{}/{key}", layout::USERS));
        let body = Bytes::from(
            serde_json::to_vec(entry)
                .map_err(|e| Error::Corrupt { path: ledger.to_string(), reason: e.to_string() })?,
        );
        for _ in 0..ATTEMPTS {
            let last = self
                .objects
                .list(Some(&ledger))
                .try_fold(0u64, |max, m| async move { Ok(max.max(layout::slot_sequence(&m.location).unwrap_or(0))) })
                .await?;
            let path = layout::slot(&ledger, last + 1);
            let options = PutOptions { mode: PutMode::Create, ..Default::default() };
            match self.objects.put_opts(&path, PutPayload::from(body.clone()), options).await {
                Ok(_) => {
                    let current = match entry.grant {
                        Some(grant) => Current::Mapped(UserRecord {
                            subject: entry.subject.clone(),
                            grant,
                            updated_at: entry.at,
                            updated_by: entry.by.clone(),
                        }),
                        None => Current::Removed,
                    };
                    let mut c = self.cache.write().map_err(|_| Error::Contended)?;
                    c.current.insert(key.clone(), current);
                    c.latest.insert(key, path);
                    return Ok(());
                }
                Err(object_store::Error::AlreadyExists { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(Error::Contended)
    }

    /// Every current mapping (people first, by email; then claim values),
    /// and the paths of ledgers whose latest entry cannot be read.
    pub async fn list(&self) -> Result<(Vec<UserRecord>, Vec<String>)> {
        self.refresh().await?;
        let c = self.cache.read().map_err(|_| Error::Contended)?;
        let mut mapped = Vec::new();
        let mut damaged = Vec::new();
        for current in c.current.values() {
            match current {
                Current::Mapped(r) => mapped.push(r.clone()),
                Current::Damaged(path) => damaged.push(path.clone()),
                Current::Removed => {}
            }
        }
        mapped.sort_by(|a, b| a.subject.cmp_key().cmp(&b.subject.cmp_key()));
        damaged.sort();
        Ok((mapped, damaged))
    }

    /// The current mapping of one subject, if any.
    pub async fn get(&self, subject: &Subject) -> Result<Option<UserRecord>> {
        self.refresh_if_stale().await?;
        let c = self.cache.read().map_err(|_| Error::Contended)?;
        Ok(match c.current.get(&subject.key()) {
            Some(Current::Mapped(r)) => Some(r.clone()),
            _ => None,
        })
    }

    /// What a person with this email and these role-claim values may do. A
    /// person's own mapping wins over their claim values'; a removed one
    /// leaves the claim values to decide.
    pub async fn resolve(&self, email: &str, claims: &[String]) -> Result<Resolution> {
        self.refresh_if_stale().await?;
        let c = self.cache.read().map_err(|_| Error::Contended)?;
        if let Ok(subject) = Subject::email(email) {
            match c.current.get(&subject.key()) {
                Some(Current::Mapped(r)) => return Ok(Resolution::Mapped(r.clone())),
                Some(Current::Damaged(path)) => return Ok(Resolution::Damaged(path.clone())),
                Some(Current::Removed) | None => {}
            }
        }
        let mut found: Option<UserRecord> = None;
        for value in claims {
            let Ok(subject) = Subject::claim(value) else {
                continue;
            };
            match c.current.get(&subject.key()) {
                Some(Current::Mapped(r)) => match &found {
                    Some(f) if f.grant != r.grant => return Ok(Resolution::Conflict),
                    Some(_) => {}
                    None => found = Some(r.clone()),
                },
                Some(Current::Damaged(path)) => return Ok(Resolution::Damaged(path.clone())),
                Some(Current::Removed) | None => {}
            }
        }
        Ok(found.map_or(Resolution::Unmapped, Resolution::Mapped))
    }

    async fn refresh_if_stale(&self) -> Result<()> {
        let stale = self.cache.read().map(|c| c.refreshed.is_none_or(|t| t.elapsed() >= USER_REFRESH)).unwrap_or(true);
        if stale { self.refresh().await } else { Ok(()) }
    }

    /// Lists the mapping ledgers and reads each one's latest entry not read yet.
    pub async fn refresh(&self) -> Result<()> {
        let _guard = self.refreshing.lock().await;
        let started = Instant::now();
        let listed: Vec<ObjectMeta> = self.objects.list(Some(&Path::from(layout::USERS))).try_collect().await?;
        let mut latest: HashMap<String, (u64, Path)> = HashMap::new();
        for meta in listed {
            let parts: Vec<String> = meta.location.parts().map(|p| p.as_ref().to_string()).collect();
            let (Some(key), Some(sequence)) = (parts.get(1), layout::slot_sequence(&meta.location)) else {
                continue;
            };
            if parts.len() != 3 {
                continue;
            }
            let slot = latest.entry(key.clone()).or_insert((0, meta.location.clone()));
            if sequence >= slot.0 {
                *slot = (sequence, meta.location.clone());
            }
        }
        let known: HashMap<String, Path> = self.cache.read().map_err(|_| Error::Contended)?.latest.clone();
        let mut read = Vec::new();
        for (key, (_, path)) in latest {
            if known.get(&key) == Some(&path) {
                continue;
            }
            let current = match self.objects.get(&path).await {
                Ok(got) => match got.bytes().await {
                    Ok(bytes) => decode(&key, &path, &bytes),
                    Err(e) => return Err(e.into()),
                },
                Err(e) => return Err(e.into()),
            };
            read.push((key, path, current));
        }
        let mut c = self.cache.write().map_err(|_| Error::Contended)?;
        for (key, path, current) in read {
            c.current.insert(key.clone(), current);
            c.latest.insert(key, path);
        }
        c.refreshed = Some(started);
        Ok(())
    }
}

/// An entry as read: damaged unless it parses, belongs in this ledger and grants a valid role.
fn decode(key: &str, path: &Path, bytes: &[u8]) -> Current {
    let damaged = |reason: String| {
        tracing::error!(path = %path, reason, "a sign-in mapping cannot be read; it is refused until a steward rewrites it");
        Current::Damaged(path.to_string())
    };
    let entry: Entry = match serde_json::from_slice(bytes) {
        Ok(e) => e,
        Err(e) => return damaged(e.to_string()),
    };
    if entry.subject.key() != key {
        return damaged("the entry names another person or claim value than its ledger's".into());
    }
    match entry.grant {
        None => Current::Removed,
        Some(grant) => match Grant::new(grant.role, grant.organisation) {
            Ok(grant) => Current::Mapped(UserRecord {
                subject: entry.subject,
                grant,
                updated_at: entry.at,
                updated_by: entry.by,
            }),
            Err(reason) => damaged(reason),
        },
    }
}

impl Subject {
    /// People before claim values, each alphabetically.
    fn cmp_key(&self) -> (u8, &str) {
        match self {
            Subject::Email(e) => (0, e),
            Subject::Claim(v) => (1, v),
        }
    }
}

#[cfg(test)]
#[path = "users_tests.rs"]
mod tests;
