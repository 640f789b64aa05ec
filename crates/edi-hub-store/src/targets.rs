//! Action-plan targets: one create-only object per target, and deletion a
//! separate create-only marker (as for token revocations), so every process
//! sharing the store sees the same targets and nothing is updated in place.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use edi_hub_core::targets::Visibility;
use edi_hub_core::{Organisation, Period};
use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use crate::store::Store;
use crate::{Error, Result, layout};

/// A stored target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetRecord {
    pub id: String,
    pub organisation: Organisation,
    /// A metric id of the catalogue.
    pub metric: String,
    /// The metric's parameters, defaults filled in.
    pub parameters: BTreeMap<String, String>,
    pub target: f64,
    /// The quarter by which the target is to be met.
    pub by: Period,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
    /// Token id of whoever recorded it (never the token).
    pub created_by: Option<String>,
}

/// What to record.
#[derive(Debug, Clone)]
pub struct NewTarget {
    pub organisation: Organisation,
    pub metric: String,
    pub parameters: BTreeMap<String, String>,
    pub target: f64,
    pub by: Period,
    pub visibility: Visibility,
    pub created_by: Option<String>,
}

/// Target records read so far, by id (records never change once written).
#[derive(Debug, Default)]
pub(crate) struct TargetCache(Mutex<HashMap<String, TargetRecord>>);

impl TargetCache {
    fn get(&self, id: &str) -> Option<TargetRecord> {
        self.0.lock().ok()?.get(id).cloned()
    }

    fn put(&self, record: &TargetRecord) {
        if let Ok(mut m) = self.0.lock() {
            m.insert(record.id.clone(), record.clone());
        }
    }
}

/// Whether `id` looks like an id the store hands out (32 hex digits).
fn well_formed(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Store {
    /// Records a new target.
    pub async fn create_target(&self, new: NewTarget) -> Result<TargetRecord> {
        let record = TargetRecord {
            id: crate::ledger::new_id(),
            organisation: new.organisation,
            metric: new.metric,
            parameters: new.parameters,
            target: new.target,
            by: new.by,
            visibility: new.visibility,
            created_at: Utc::now(),
            created_by: new.created_by,
        };
        let path = layout::target(record.organisation, &record.id);
        let body = serde_json::to_vec(&record)
            .map_err(|e| Error::Corrupt { path: path.to_string(), reason: e.to_string() })?;
        self.create(&path, Bytes::from(body)).await?;
        self.target_cache().put(&record);
        Ok(record)
    }

    /// The organisation's targets that are not deleted, oldest first.
    pub async fn targets(&self, organisation: Organisation) -> Result<Vec<TargetRecord>> {
        let objects = self.objects();
        let listed: Vec<Path> =
            objects.list(Some(&layout::targets_of(organisation))).map_ok(|m| m.location).try_collect().await?;
        let deleted: HashSet<&str> = listed.iter().filter_map(|p| p.filename()?.strip_suffix(".deleted")).collect();
        let mut out = Vec::new();
        for path in &listed {
            let Some(id) = path.filename().and_then(|f| f.strip_suffix(".json")) else {
                continue;
            };
            if deleted.contains(id) {
                continue;
            }
            if let Some(record) = self.target_cache().get(id) {
                out.push(record);
                continue;
            }
            let bytes = objects.get(path).await?.bytes().await?;
            match serde_json::from_slice::<TargetRecord>(&bytes) {
                Ok(record) if record.id == id && record.organisation == organisation => {
                    self.target_cache().put(&record);
                    out.push(record);
                }
                Ok(_) => tracing::warn!(path = %path, "ignoring a target record stored under another name"),
                Err(e) => tracing::warn!(path = %path, error = %e, "ignoring an unreadable target record"),
            }
        }
        out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Deletes a target of `organisation`; `Ok(false)` when it has no
    /// target with this id (or it is already deleted).
    pub async fn delete_target(&self, organisation: Organisation, id: &str, by: Option<String>) -> Result<bool> {
        if !well_formed(id) {
            return Ok(false);
        }
        let objects = self.objects();
        let marker = layout::target_deletion(organisation, id);
        match objects.head(&layout::target(organisation, id)).await {
            Ok(_) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        let body = serde_json::json!({ "deleted_at": Utc::now(), "by": by }).to_string();
        match self.create(&marker, Bytes::from(body)).await {
            Ok(()) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StoreLocation;

    fn new(org: &str, target: f64) -> NewTarget {
        NewTarget {
            organisation: org.parse().unwrap(),
            metric: "workforce_share".into(),
            parameters: BTreeMap::from([("group".to_string(), "ethnic_minority".to_string())]),
            target,
            by: "2026-Q4".parse().unwrap(),
            visibility: Visibility::Shared,
            created_by: Some("abc".into()),
        }
    }

    #[tokio::test]
    async fn create_list_delete() {
        let dir = tempfile::tempdir().unwrap();
        let location = StoreLocation::Directory(dir.path().to_path_buf());
        let a = Store::open(&location).unwrap();
        let harrow: Organisation = "E09000015".parse().unwrap();
        let first = a.create_target(new("E09000015", 35.0)).await.unwrap();
        let second = a.create_target(new("E09000015", 40.0)).await.unwrap();
        a.create_target(new("E09000001", 10.0)).await.unwrap();
        assert_eq!(a.targets(harrow).await.unwrap(), vec![first.clone(), second.clone()]);

        // Another process reads the same records, and sees a deletion at once.
        let b = Store::open(&location).unwrap();
        assert_eq!(b.targets(harrow).await.unwrap().len(), 2);
        assert!(a.delete_target(harrow, &first.id, None).await.unwrap());
        assert_eq!(b.targets(harrow).await.unwrap(), vec![second.clone()]);
        assert!(!b.delete_target(harrow, &first.id, None).await.unwrap(), "deleting twice");
        assert!(!b.delete_target("E09000001".parse().unwrap(), &second.id, None).await.unwrap(), "another org's");
        assert!(!b.delete_target(harrow, "../tokens/x", None).await.unwrap());
        assert!(!b.delete_target(harrow, &"0".repeat(32), None).await.unwrap());
    }
}
