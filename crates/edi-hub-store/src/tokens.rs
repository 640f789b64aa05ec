//! API tokens. A token is `edi_<id>_<secret>`: the id finds the record, and
//! only the SHA-256 of the whole token is stored, compared in constant time.
//! Records are create-only objects; revocation is a separate create-only
//! marker, so every process sees the same set after its next refresh.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use edi_hub_core::Organisation;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{Error, Result, layout};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Uploads and withdraws its own organisation's data; sees its own data unredacted.
    Submitter,
    /// Reads redacted benchmarks.
    Analyst,
    /// Manages reference data, tokens and the audit log; reads unredacted.
    Steward,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Submitter => "submitter",
            Role::Analyst => "analyst",
            Role::Steward => "steward",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        [Role::Submitter, Role::Analyst, Role::Steward].into_iter().find(|r| r.name() == s)
    }
}

/// A stored token: never the token itself, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: String,
    pub role: Role,
    pub organisation: Option<Organisation>,
    pub label: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Hex SHA-256 of the whole token.
    pub hash: String,
    /// Set when the token has been revoked (derived from the revocation marker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What to create.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub role: Role,
    pub organisation: Option<Organisation>,
    pub label: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// How long a process trusts its token list before listing the store again.
pub const TOKEN_REFRESH: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
struct Cache {
    records: HashMap<String, TokenRecord>,
    /// Revoked token ids with when the revocation was written.
    revoked: HashMap<String, DateTime<Utc>>,
    refreshed: Option<Instant>,
}

/// The tokens in the store, cached and refreshed at most every [`TOKEN_REFRESH`].
#[derive(Debug)]
pub struct TokenRegistry {
    objects: Arc<dyn ObjectStore>,
    cache: RwLock<Cache>,
    refreshing: tokio::sync::Mutex<()>,
    forced: Mutex<Option<Instant>>,
}

fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The id part of a well-formed token.
fn token_id(token: &str) -> Option<&str> {
    let rest = token.strip_prefix("edi_")?;
    let (id, secret) = rest.split_once('_')?;
    (id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) && secret.len() == 43).then_some(id)
}

impl TokenRegistry {
    pub fn new(objects: Arc<dyn ObjectStore>) -> Self {
        TokenRegistry {
            objects,
            cache: RwLock::new(Cache::default()),
            refreshing: tokio::sync::Mutex::new(()),
            forced: Mutex::new(None),
        }
    }

    /// Creates a token; returns its record and the token (shown once, never stored).
    pub async fn create(&self, new: NewToken) -> Result<(TokenRecord, String)> {
        let mut id_bytes = [0u8; 8];
        let mut secret = [0u8; 32];
        rand::rng().fill_bytes(&mut id_bytes);
        rand::rng().fill_bytes(&mut secret);
        let id = hex::encode(id_bytes);
        let token = format!("edi_{id}_{}", URL_SAFE_NO_PAD.encode(secret));
        let record = TokenRecord {
            id: id.clone(),
            role: new.role,
            organisation: new.organisation,
            label: new.label,
            created_at: Utc::now(),
            expires_at: new.expires_at,
            hash: hash(&token),
            revoked_at: None,
        };
        let body =
            serde_json::to_vec(&record).map_err(|e| Error::Corrupt { path: id.clone(), reason: e.to_string() })?;
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        self.objects.put_opts(&layout::token(&id), PutPayload::from(Bytes::from(body)), options).await?;
        if let Ok(mut c) = self.cache.write() {
            c.records.insert(id, record.clone());
        }
        Ok((record, token))
    }

    /// Revokes a token; returns false when no such token exists.
    pub async fn revoke(&self, id: &str) -> Result<bool> {
        self.refresh().await?;
        if !self.cache.read().map(|c| c.records.contains_key(id)).unwrap_or(false) {
            return Ok(false);
        }
        let marker = serde_json::json!({ "revoked_at": Utc::now() }).to_string();
        let options = PutOptions { mode: PutMode::Create, ..Default::default() };
        match self.objects.put_opts(&layout::token_revocation(id), PutPayload::from(Bytes::from(marker)), options).await
        {
            Ok(_) | Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(e.into()),
        }
        if let Ok(mut c) = self.cache.write() {
            c.revoked.insert(id.to_string(), Utc::now());
        }
        Ok(true)
    }

    /// Every token record, with revocations applied, newest first.
    pub async fn list(&self) -> Result<Vec<TokenRecord>> {
        self.refresh().await?;
        let c = self.cache.read().map_err(|_| Error::Contended)?;
        let mut all: Vec<TokenRecord> = c
            .records
            .values()
            .map(|r| TokenRecord { revoked_at: c.revoked.get(&r.id).copied(), ..r.clone() })
            .collect();
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        Ok(all)
    }

    /// The record of a valid, unrevoked, unexpired token, or `None`.
    pub async fn authenticate(&self, token: &str) -> Result<Option<TokenRecord>> {
        let Some(id) = token_id(token) else {
            return Ok(None);
        };
        if self.is_stale() {
            self.refresh().await?;
        } else if !self.knows(id) && self.may_force() {
            // A token created moments ago by another process: look once more.
            self.refresh().await?;
        }
        let c = self.cache.read().map_err(|_| Error::Contended)?;
        let Some(record) = c.records.get(id) else {
            return Ok(None);
        };
        let presented = hash(token);
        let matches: bool = presented.as_bytes().ct_eq(record.hash.as_bytes()).into();
        let live = !c.revoked.contains_key(id) && record.expires_at.is_none_or(|t| t > Utc::now());
        Ok((matches && live).then(|| record.clone()))
    }

    fn knows(&self, id: &str) -> bool {
        self.cache.read().map(|c| c.records.contains_key(id)).unwrap_or(false)
    }

    fn is_stale(&self) -> bool {
        self.cache.read().map(|c| c.refreshed.is_none_or(|t| t.elapsed() >= TOKEN_REFRESH)).unwrap_or(true)
    }

    /// Unknown ids trigger at most one extra listing per second.
    fn may_force(&self) -> bool {
        let Ok(mut last) = self.forced.lock() else {
            return false;
        };
        if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            *last = Some(Instant::now());
            true
        } else {
            false
        }
    }

    /// Lists the token objects and reads any record not seen yet.
    pub async fn refresh(&self) -> Result<()> {
        let _guard = self.refreshing.lock().await;
        let started = Instant::now();
        let listed: Vec<ObjectMeta> = self.objects.list(Some(&Path::from(layout::TOKENS))).try_collect().await?;
        let mut revoked = HashMap::new();
        let mut missing = Vec::new();
        for meta in &listed {
            let path = &meta.location;
            let Some(name) = path.filename() else {
                continue;
            };
            if let Some(id) = name.strip_suffix(".revoked") {
                revoked.insert(id.to_string(), meta.last_modified);
            } else if let Some(id) = name.strip_suffix(".json")
                && !self.knows(id)
            {
                missing.push(path.clone());
            }
        }
        let mut records = Vec::new();
        for path in missing {
            let bytes = self.objects.get(&path).await?.bytes().await?;
            match serde_json::from_slice::<TokenRecord>(&bytes) {
                Ok(r) => records.push(r),
                Err(e) => {
                    tracing::warn!(path = %path, error = %e, "ignoring an unreadable token record")
                }
            }
        }
        let mut c = self.cache.write().map_err(|_| Error::Contended)?;
        for r in records {
            c.records.insert(r.id.clone(), r);
        }
        c.revoked.extend(revoked);
        c.refreshed = Some(started);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn create_authenticate_revoke() {
        let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let a = TokenRegistry::new(objects.clone());
        let (record, token) = a
            .create(NewToken { role: Role::Analyst, organisation: None, label: Some("t".into()), expires_at: None })
            .await
            .unwrap();
        assert!(!serde_json::to_string(&record).unwrap().contains(&token));
        assert_eq!(a.authenticate(&token).await.unwrap().unwrap().id, record.id);
        assert!(a.authenticate(&format!("{token}x")).await.unwrap().is_none());
        assert!(a.authenticate("edi_0000000000000000_xxx").await.unwrap().is_none());

        // A second process sees the token at once and its revocation after a refresh.
        let b = TokenRegistry::new(objects);
        assert!(b.authenticate(&token).await.unwrap().is_some());
        assert!(a.revoke(&record.id).await.unwrap());
        assert!(a.authenticate(&token).await.unwrap().is_none());
        b.refresh().await.unwrap();
        assert!(b.authenticate(&token).await.unwrap().is_none());
        assert!(!a.revoke("ffffffffffffffff").await.unwrap());
    }

    #[tokio::test]
    async fn expired_tokens_are_refused() {
        let objects: Arc<dyn ObjectStore> = Arc::new(InMemory::new());
        let a = TokenRegistry::new(objects);
        let (_, token) = a
            .create(NewToken {
                role: Role::Steward,
                organisation: None,
                label: None,
                expires_at: Some(Utc::now() - chrono::Duration::seconds(1)),
            })
            .await
            .unwrap();
        assert!(a.authenticate(&token).await.unwrap().is_none());
    }
}
