//! Publishes each scheduled quarter at its release time. Every hub process
//! sharing the store runs this; the release is a compare-and-set on the
//! quarter's ledger, so exactly one of them publishes it.

use chrono::Utc;
use edi_hub_core::Period;
use edi_hub_query::Publication;
use edi_hub_store::{AccessOutcome, Trigger};

use crate::app::AppState;
use crate::handlers::{log_access, release_detail};

/// Publishes every quarter whose release time has come and whose scheduled
/// release has not been made.
pub async fn publish_due(app: &AppState) {
    let snapshot = app.store.snapshot();
    let now = Utc::now();
    let due: Vec<(Period, chrono::DateTime<Utc>)> = snapshot
        .periods
        .values()
        .filter_map(|p| p.schedule.as_ref().map(|s| (p, s.release_at)))
        .filter(|(p, at)| *at <= now && !p.scheduled_release_done())
        .filter(|(p, at)| p.latest().is_none_or(|l| l.published_at < *at))
        .map(|(p, at)| (p.period, at))
        .collect();
    for (period, release_at) in due {
        publish(app, period, Trigger::Schedule { release_at }).await;
    }
}

/// Publishes a release of `period` on the hub's own account (a schedule, or
/// an upload when every change is released at once); the outcome goes to
/// the access log.
pub async fn publish(app: &AppState, period: Period, trigger: Trigger) {
    let action = match trigger {
        Trigger::Upload => "release_on_upload",
        _ => "scheduled_release",
    };
    match app.engine.publish(period, trigger, None).await {
        Ok(Publication::Released { record, stats }) => {
            tracing::info!(period = %period, release = record.release, "published a release");
            let detail = release_detail(&record, &stats);
            log_access(app, None, action, AccessOutcome::Success, Some(period.to_string()), None, Some(detail)).await;
        }
        Ok(Publication::Unchanged) => {}
        Err(e) => {
            tracing::error!(period = %period, error = %e, "could not publish a release");
            let detail = Some(e.to_string());
            log_access(app, None, action, AccessOutcome::Rejected, Some(period.to_string()), None, detail).await;
        }
    }
}
