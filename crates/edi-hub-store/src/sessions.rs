//! Dashboard sessions of people signed in with single sign-on. The session
//! id is a random secret the browser keeps in a cookie; the store holds only
//! its SHA-256, as `sessions/{hash}.json` (create-only), and a sign-out
//! writes a create-only marker `sessions-ended/{hash}.json`, so every hub
//! process sharing the store refuses the session after its next refresh.
//! Sessions expire at a fixed time; expired records are pruned. An id with
//! no record is remembered as unknown for [`UNKNOWN_FOR`] (up to
//! [`UNKNOWN_IDS`] of them), so a flood of made-up cookies costs no store
//! reads (a real id is never asked for before its record is written).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Error, Result, layout};

/// How often the list of ended sessions is read again.
pub const SESSION_REFRESH: Duration = Duration::from_secs(2);
/// How often expired session records are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(600);
/// How long an id with no session record is answered from memory.
pub const UNKNOWN_FOR: Duration = Duration::from_secs(60);
/// Unknown ids remembered at most.
pub const UNKNOWN_IDS: usize = 10_000;
/// Largest number of role-claim values kept with a session.
pub const MAX_CLAIM_VALUES: usize = 200;

/// A stored session (never its id: the object's name is the id's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionRecord {
    /// The email address the provider vouched for (lowercase).
    pub email: String,
    /// The person's name, when the provider gave one.
    pub name: Option<String>,
    /// The values of the configured role claim in the ID token (e.g. group ids).
    pub claims: Vec<String>,
    /// The provider's issuer and the person's subject identifier there.
    pub issuer: String,
    pub subject: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What to create.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub email: String,
    pub name: Option<String>,
    pub claims: Vec<String>,
    pub issuer: String,
    pub subject: String,
    pub lifetime: Duration,
}

/// A session found by its id: the record and a short public handle for
/// logs and the access log (a prefix of the id's hash, never the id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub handle: String,
    pub record: SessionRecord,
}

#[derive(Debug, Default)]
struct Ended {
    hashes: HashSet<String>,
    refreshed: Option<Instant>,
}

/// The sessions in the store: records read on first use, ended sessions
/// listed at most every [`SESSION_REFRESH`].
#[derive(Debug)]
pub struct SessionRegistry {
    objects: Arc<dyn ObjectStore>,
    records: RwLock<HashMap<String, SessionRecord>>,
    ended: RwLock<Ended>,
    refreshing: tokio::sync::Mutex<()>,
    pruned: Mutex<Option<Instant>>,
    /// Hashes of ids found to have no (readable) record, and when.
    unknown: Mutex<HashMap<String, Instant>>,
}

fn hash(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// Whether `id` has the shape of an id this registry hands out (32 random bytes, base64url).
fn well_formed(id: &str) -> bool {
    id.len() == 43 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The public handle of a session id: the first 16 hex digits of its hash.
pub fn handle_of(id: &str) -> String {
    hash(id)[..16].to_string()
}

impl SessionRegistry {
    pub fn new(objects: Arc<dyn ObjectStore>) -> Self {
        SessionRegistry {
            objects,
            records: RwLock::new(HashMap::new()),
            ended: RwLock::new(Ended::default()),
            refreshing: tokio::sync::Mutex::new(()),
            pruned: Mutex::new(None),
            unknown: Mutex::new(HashMap::new()),
        }
    }

    /// Creates a session; returns it and its id (for the cookie; never stored).
    pub async fn create(&self, new: NewSession) -> Result<(Session, String)> {
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let id = URL_SAFE_NO_PAD.encode(secret);
        let now = Utc::now();
        let lifetime = chrono::Duration::from_std(new.lifetime).unwrap_or(chrono::Duration::hours(8));
        let mut claims = new.claims;
        claims.truncate(MAX_CLAIM_VALUES);
        let record = SessionRecord {
            email: new.email,
            name: new.name,
            claims,
            issuer: new.issuer,
            subject: new.subject,
            created_at: now,
            expires_at: now + lifetime,
        };
        let key = hash(&id);
        let body =
            serde_json::to_vec(&record).map_err(|e| Error::Corrupt { path: key.clone(), reason: e.to_string() })?;
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        self.objects.put_opts(&layout::session(&key), PutPayload::from(Bytes::from(body)), options).await?;
        if let Ok(mut r) = self.records.write() {
            r.insert(key, record.clone());
        }
        Ok((Session { handle: handle_of(&id), record }, id))
    }

    /// The live session of this id: known, not ended, not expired. A record
    /// that cannot be read counts as no session (fail closed).
    pub async fn authenticate(&self, id: &str) -> Result<Option<Session>> {
        if !well_formed(id) {
            return Ok(None);
        }
        let key = hash(id);
        if self.ended_is_stale() {
            self.refresh().await?;
        }
        if self.ended.read().map_err(|_| Error::Contended)?.hashes.contains(&key) {
            return Ok(None);
        }
        let cached = self.records.read().map_err(|_| Error::Contended)?.get(&key).cloned();
        let record = match cached {
            Some(r) => r,
            None if self.known_unknown(&key) => return Ok(None),
            None => match self.read_record(&key).await? {
                Some(r) => r,
                None => {
                    self.remember_unknown(key);
                    return Ok(None);
                }
            },
        };
        if record.expires_at <= Utc::now() {
            return Ok(None);
        }
        Ok(Some(Session { handle: key[..16].to_string(), record }))
    }

    /// Whether `key` was found to have no record within [`UNKNOWN_FOR`].
    fn known_unknown(&self, key: &str) -> bool {
        let unknown = self.unknown.lock().unwrap_or_else(|e| e.into_inner());
        unknown.get(key).is_some_and(|at| at.elapsed() < UNKNOWN_FOR)
    }

    fn remember_unknown(&self, key: String) {
        let mut unknown = self.unknown.lock().unwrap_or_else(|e| e.into_inner());
        if unknown.len() >= UNKNOWN_IDS {
            unknown.retain(|_, at| at.elapsed() < UNKNOWN_FOR);
            if unknown.len() >= UNKNOWN_IDS {
                unknown.clear();
            }
        }
        unknown.insert(key, Instant::now());
    }

    /// Reads a session record another process may have written.
    async fn read_record(&self, key: &str) -> Result<Option<SessionRecord>> {
        let path = layout::session(key);
        let bytes = match self.objects.get(&path).await {
            Ok(got) => got.bytes().await?,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        match serde_json::from_slice::<SessionRecord>(&bytes) {
            Ok(record) => {
                if let Ok(mut r) = self.records.write() {
                    r.insert(key.to_string(), record.clone());
                }
                Ok(Some(record))
            }
            Err(e) => {
                tracing::error!(path = %path, error = %e, "a session record cannot be read; the session is refused");
                Ok(None)
            }
        }
    }

    /// Ends the session of this id (sign-out); false when there was none.
    pub async fn end(&self, id: &str) -> Result<bool> {
        let Some(session) = self.authenticate(id).await? else {
            return Ok(false);
        };
        let key = hash(id);
        let marker = serde_json::json!({ "ended_at": Utc::now(), "expires_at": session.record.expires_at }).to_string();
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.objects.put_opts(&layout::session_end(&key), PutPayload::from(Bytes::from(marker)), options).await {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        if let Ok(mut e) = self.ended.write() {
            e.hashes.insert(key.clone());
        }
        if let Ok(mut r) = self.records.write() {
            r.remove(&key);
        }
        Ok(true)
    }

    fn ended_is_stale(&self) -> bool {
        self.ended.read().map(|e| e.refreshed.is_none_or(|t| t.elapsed() >= SESSION_REFRESH)).unwrap_or(true)
    }

    /// Lists the ended sessions; now and then prunes expired records.
    pub async fn refresh(&self) -> Result<()> {
        let _guard = self.refreshing.lock().await;
        let started = Instant::now();
        let listed: Vec<ObjectMeta> =
            self.objects.list(Some(&Path::from(layout::SESSIONS_ENDED))).try_collect().await?;
        let hashes: HashSet<String> =
            listed.iter().filter_map(|m| m.location.filename()?.strip_suffix(".json").map(str::to_string)).collect();
        {
            let mut e = self.ended.write().map_err(|_| Error::Contended)?;
            e.hashes = hashes;
            e.refreshed = Some(started);
        }
        if self.prune_due() {
            self.prune().await?;
        }
        Ok(())
    }

    fn prune_due(&self) -> bool {
        let Ok(mut last) = self.pruned.lock() else {
            return false;
        };
        if last.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            *last = Some(Instant::now());
            true
        } else {
            false
        }
    }

    /// Deletes the records (and end markers) of sessions that have expired.
    async fn prune(&self) -> Result<()> {
        let listed: Vec<ObjectMeta> = self.objects.list(Some(&Path::from(layout::SESSIONS))).try_collect().await?;
        let now = Utc::now();
        let mut expired = Vec::new();
        for meta in listed {
            let Some(key) = meta.location.filename().and_then(|n| n.strip_suffix(".json")).map(str::to_string) else {
                continue;
            };
            let cached = self.records.read().map_err(|_| Error::Contended)?.get(&key).cloned();
            let record = match cached {
                Some(r) => Some(r),
                None => self.read_record(&key).await?,
            };
            if record.is_some_and(|r| r.expires_at <= now) {
                expired.push(key);
            }
        }
        for key in expired {
            for path in [layout::session_end(&key), layout::session(&key)] {
                match self.objects.delete(&path).await {
                    Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
            if let Ok(mut r) = self.records.write() {
                r.remove(&key);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    fn new(lifetime: Duration) -> NewSession {
        NewSession {
            email: "alice@harrow.gov.uk".into(),
            name: Some("Alice".into()),
            claims: vec![],
            issuer: "https://login.example".into(),
            subject: "abc".into(),
            lifetime,
        }
    }

    #[tokio::test]
    async fn sessions_are_found_by_id_and_ended_everywhere() {
        let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let a = SessionRegistry::new(objects.clone());
        let (session, id) = a.create(new(Duration::from_secs(3600))).await.unwrap();
        // Only the hash is stored.
        let stored: Vec<ObjectMeta> = objects.list(None).try_collect().await.unwrap();
        assert!(stored.iter().all(|m| !m.location.as_ref().contains(&id)));
        let b = SessionRegistry::new(objects.clone());
        assert_eq!(b.authenticate(&id).await.unwrap().unwrap(), session);
        assert!(b.authenticate("x").await.unwrap().is_none());
        assert!(b.authenticate(&format!("{}A", &id[..42])).await.unwrap().is_none());
        assert!(a.end(&id).await.unwrap());
        assert!(a.authenticate(&id).await.unwrap().is_none());
        b.refresh().await.unwrap();
        assert!(b.authenticate(&id).await.unwrap().is_none());
        assert!(!a.end(&id).await.unwrap());
    }

    #[tokio::test]
    async fn expired_sessions_are_refused_and_pruned() {
        let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let a = SessionRegistry::new(objects.clone());
        let (_, id) = a.create(new(Duration::from_millis(1))).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(a.authenticate(&id).await.unwrap().is_none());
        a.prune().await.unwrap();
        let left: Vec<ObjectMeta> = objects.list(None).try_collect().await.unwrap();
        assert!(left.is_empty(), "{left:?}");
    }

    #[tokio::test]
    async fn a_damaged_record_is_no_session() {
        let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let a = SessionRegistry::new(objects.clone());
        let (_, id) = a.create(new(Duration::from_secs(3600))).await.unwrap();
        objects.put(&layout::session(&hash(&id)), PutPayload::from_static(b"[]")).await.unwrap();
        let b = SessionRegistry::new(objects);
        assert!(b.authenticate(&id).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_unknown_id_is_answered_from_memory_for_a_while() {
        let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let a = SessionRegistry::new(objects.clone());
        let made_up = "A".repeat(43);
        assert!(a.authenticate(&made_up).await.unwrap().is_none());
        // A record appearing under it afterwards (no real id is asked for
        // before its record exists) is not read again within the minute:
        // the store was not asked a second time.
        let record = SessionRecord {
            email: "mallory@example.org".into(),
            name: None,
            claims: vec![],
            issuer: "https://login.example".into(),
            subject: "m".into(),
            created_at: Utc::now(),
            expires_at: Utc::now() + chrono::Duration::hours(1),
        };
        let body = PutPayload::from(serde_json::to_vec(&record).unwrap());
        objects.put(&layout::session(&hash(&made_up)), body).await.unwrap();
        assert!(a.authenticate(&made_up).await.unwrap().is_none());
        // Another process, which never missed it, reads it.
        assert!(SessionRegistry::new(objects).authenticate(&made_up).await.unwrap().is_some());
        // Real sessions are unaffected.
        let (session, id) = a.create(new(Duration::from_secs(3600))).await.unwrap();
        assert_eq!(a.authenticate(&id).await.unwrap().unwrap(), session);
    }
}
