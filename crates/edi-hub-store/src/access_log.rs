//! The append-only access log (who did what: uploads, withdrawals, unredacted reads, token changes): one immutable object per event, named by time
//! so a listing returns events in order. Never holds a token or uploaded data.

use bytes::Bytes;
use chrono::{DateTime, NaiveDate, Utc};
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

    /// One page of the access log, oldest first: events of the days from
    /// `from` to `to` (inclusive; open ends when `None`) that `keep`
    /// accepts, after the event named by `after` (a page token), at most
    /// `limit`. Only the days asked for are listed and only the events up
    /// to the page's end are read. Returns the page and, when more events
    /// may follow, the token of the next page.
    pub async fn access_events(
        &self,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        after: Option<&str>,
        limit: usize,
        keep: impl Fn(&AccessEvent) -> bool,
    ) -> Result<(Vec<AccessEvent>, Option<String>)> {
        let objects = self.objects();
        let root = Path::from(layout::ACCESS_LOG);
        let mut days: Vec<(NaiveDate, Path)> = objects
            .list_with_delimiter(Some(&root))
            .await?
            .common_prefixes
            .into_iter()
            .filter_map(|p| Some((p.filename()?.parse::<NaiveDate>().ok()?, p)))
            .filter(|(d, _)| from.is_none_or(|f| *d >= f) && to.is_none_or(|t| *d <= t))
            .collect();
        days.sort();
        let after = after.map(|a| format!("{}/{a}", layout::ACCESS_LOG));
        let mut page: Vec<(Path, AccessEvent)> = Vec::new();
        for (_, day) in days {
            if after.as_deref().is_some_and(|a| !a.starts_with(day.as_ref()) && a > day.as_ref()) {
                continue;
            }
            let mut paths: Vec<Path> = objects.list(Some(&day)).map_ok(|m| m.location).try_collect().await?;
            paths.sort();
            for p in paths.into_iter().filter(|p| after.as_deref().is_none_or(|a| p.as_ref() > a)) {
                if page.len() == limit {
                    // The next page starts after the last event of this one.
                    let prefix = format!("{}/", layout::ACCESS_LOG);
                    let last = page.last().and_then(|(p, _)| p.as_ref().strip_prefix(&prefix).map(str::to_string));
                    return Ok((page.into_iter().map(|(_, e)| e).collect(), last));
                }
                let bytes = objects.get(&p).await?.bytes().await?;
                match serde_json::from_slice::<AccessEvent>(&bytes) {
                    Ok(e) if keep(&e) => page.push((p, e)),
                    Ok(_) => {}
                    Err(e) => tracing::error!(path = %p, error = %e, "an access-log event cannot be read"),
                }
            }
        }
        Ok((page.into_iter().map(|(_, e)| e).collect(), None))
    }
}
