//! Every member part's bounds under its own organisation's published
//! figures (two linear programs each, [`Linked::bounds`]), worked out on
//! every core: parts are independent, and this is most of a pooled check's
//! time. Progress is logged every ten seconds.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::{Part, Tables};
use crate::equations::AuditError;
use crate::releases::Linked;

/// A part's bound, as one worker found it.
type Found = (Part, Result<(f64, f64), AuditError>);

/// `(low, high)` of each of `parts` (distinct).
pub(super) fn bounds_of(
    linked: &[Linked],
    tables: &Tables,
    parts: &[Part],
) -> Result<HashMap<Part, (f64, f64)>, AuditError> {
    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let found: Mutex<Vec<Found>> = Mutex::new(Vec::with_capacity(parts.len()));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(parts.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&p) = parts.get(i) else { break };
                        let bound = linked[p.org].bounds(&tables.terms(p));
                        let failed = bound.is_err();
                        mine.push((p, bound));
                        done.fetch_add(1, Ordering::Relaxed);
                        if failed {
                            // Stop everyone: the audit fails on the first error.
                            next.store(parts.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                    found.lock().unwrap_or_else(|e| e.into_inner()).extend(mine);
                })
            })
            .collect();
        let mut reported = Instant::now();
        while !handles.iter().all(|h| h.is_finished()) {
            std::thread::sleep(Duration::from_millis(200));
            if reported.elapsed() >= Duration::from_secs(10) {
                reported = Instant::now();
                let done = done.load(Ordering::Relaxed);
                tracing::info!(
                    done,
                    of = parts.len(),
                    seconds = started.elapsed().as_secs(),
                    "pooled counts: member parts bounded"
                );
            }
        }
    });
    let found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut bounds = HashMap::with_capacity(found.len());
    for (p, bound) in found {
        bounds.insert(p, bound?);
    }
    tracing::info!(
        parts = bounds.len(),
        seconds = started.elapsed().as_secs_f64(),
        "pooled counts: member parts bounded"
    );
    Ok(bounds)
}
