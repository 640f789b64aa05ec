//! The append-only access log (who did what: uploads, withdrawals, unredacted reads, token changes): one immutable object per event, named by time
//! so a listing returns events in order. Never holds a token or uploaded data.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use object_store::ObjectStoreExt;
use object_store::path::Path;
use serde::{Deserialize, Serialize};

use crate::store::Store;
use crate::{Result, layout};

/// Whether the logged action succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccessOutcome {
    Success,
    Rejected,
    Denied,
}

/// One logged action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEvent {
    pub at: DateTime<Utc>,
    /// Token id of the actor (never the token), `None` for the command line.
    pub actor: Option<String>,
    pub role: Option<String>,
    /// The actor's organisation, for submitters.
    pub organisation: Option<String>,
    /// What was done, e.g. `upload`, `withdraw`, `unredacted_read`.
    pub action: String,
    pub outcome: AccessOutcome,
    /// What it was done to (a path, submission or token id).
    pub target: Option<String>,
    pub submission_id: Option<String>,
    /// A short description (counts, not data).
    pub detail: Option<String>,
}

impl Store {
    /// Appends an event to the access log.
    pub async fn log_access(&self, event: &AccessEvent) -> Result<()> {
        let name = format!(
            "{}/{}/{}-{}.json",
            layout::ACCESS_LOG,
            event.at.format("%Y-%m-%d"),
            event.at.format("%Y%m%dT%H%M%S%.9fZ"),
            &crate::ledger::new_id()[..8]
        );
        let body = Bytes::from(serde_json::to_vec(event).unwrap_or_default());
        self.create(&Path::from(name), body).await?;
        Ok(())
    }

    /// Every access-log event, oldest first.
    pub async fn access_events(&self) -> Result<Vec<AccessEvent>> {
        let objects = self.objects();
        let mut paths: Vec<Path> =
            objects.list(Some(&Path::from(layout::ACCESS_LOG))).map_ok(|m| m.location).try_collect().await?;
        paths.sort();
        let mut out = Vec::with_capacity(paths.len());
        for p in paths {
            let bytes = objects.get(&p).await?.bytes().await?;
            if let Ok(e) = serde_json::from_slice(&bytes) {
                out.push(e);
            }
        }
        Ok(out)
    }
}
