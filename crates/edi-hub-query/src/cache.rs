//! Answers cached per (metric, parameters, periods, viewer class), and the
//! unredacted figures behind them per (metric, parameters, periods); both
//! dropped whenever the ledger changes (any new submission, withdrawal or
//! population table).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use edi_hub_core::Period;
use edi_hub_core::benchmark::Figure;
use edi_hub_core::disclosure::Viewer;
use edi_hub_core::metrics::Params;

use crate::engine::Answer;
use crate::sources::Source;
use crate::{Error, Result};

/// Entries kept before the cache is emptied (bounds memory under hostile queries).
const MAX_ENTRIES: usize = 4096;

/// What identifies a query, apart from the viewer.
pub type QueryKey = (&'static str, Params, Vec<Period>);

#[derive(Debug, Default)]
struct Entries {
    generation: u64,
    figures: HashMap<(QueryKey, Source), Arc<Vec<Figure>>>,
    answers: HashMap<(QueryKey, Viewer), Arc<Answer>>,
}

/// The cache; `enabled: false` turns it off (for benchmarking uncached answers).
#[derive(Debug)]
pub struct AnswerCache {
    enabled: bool,
    entries: Mutex<Entries>,
}

/// How a lookup went, for metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Hit,
    Miss,
}

impl AnswerCache {
    pub fn new(enabled: bool) -> Self {
        AnswerCache { enabled, entries: Mutex::new(Entries::default()) }
    }

    /// The entries for `generation`: emptied when the ledger has moved on
    /// to a newer generation; `None` for an older one (a request that read
    /// an earlier snapshot neither reads nor fills the cache, so the
    /// cache's generation never moves backwards). A poisoned lock is an
    /// error, never an empty cache.
    fn current(&self, generation: u64) -> Result<Option<MutexGuard<'_, Entries>>> {
        if !self.enabled {
            return Ok(None);
        }
        let mut e = self.entries.lock().map_err(|_| Error::Poisoned("the answer cache"))?;
        if generation < e.generation {
            return Ok(None);
        }
        if generation > e.generation {
            e.figures.clear();
            e.answers.clear();
            e.generation = generation;
        }
        Ok(Some(e))
    }

    pub fn answer(&self, generation: u64, key: &QueryKey, viewer: Viewer) -> Result<Option<Arc<Answer>>> {
        Ok(self.current(generation)?.and_then(|e| e.answers.get(&(key.clone(), viewer)).cloned()))
    }

    pub fn figures(&self, generation: u64, key: &QueryKey, source: Source) -> Result<Option<Arc<Vec<Figure>>>> {
        Ok(self.current(generation)?.and_then(|e| e.figures.get(&(key.clone(), source)).cloned()))
    }

    pub fn store_figures(
        &self,
        generation: u64,
        key: QueryKey,
        source: Source,
        figures: Arc<Vec<Figure>>,
    ) -> Result<()> {
        if let Some(mut e) = self.current(generation)? {
            if e.figures.len() >= MAX_ENTRIES {
                e.figures.clear();
            }
            e.figures.insert((key, source), figures);
        }
        Ok(())
    }

    pub fn store_answer(&self, generation: u64, key: QueryKey, viewer: Viewer, answer: Arc<Answer>) -> Result<()> {
        if let Some(mut e) = self.current(generation)? {
            if e.answers.len() >= MAX_ENTRIES {
                e.answers.clear();
            }
            e.answers.insert((key, viewer), answer);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> QueryKey {
        let metric = edi_hub_core::metrics::MetricDef::find("workforce_share").unwrap();
        (metric.id, metric.resolve(&Default::default()).unwrap(), vec!["2025-Q1".parse().unwrap()])
    }

    #[test]
    fn the_generation_never_moves_backwards() {
        let cache = AnswerCache::new(true);
        cache.store_figures(5, key(), Source::Current, Arc::new(Vec::new())).unwrap();
        assert!(cache.figures(5, &key(), Source::Current).unwrap().is_some());
        // A request that read an older snapshot neither reads nor empties the cache.
        assert!(cache.figures(4, &key(), Source::Current).unwrap().is_none());
        cache.store_figures(4, key(), Source::Current, Arc::new(Vec::new())).unwrap();
        assert!(cache.figures(5, &key(), Source::Current).unwrap().is_some());
        assert!(cache.figures(6, &key(), Source::Current).unwrap().is_none(), "a newer generation empties it");
        assert!(cache.figures(5, &key(), Source::Current).unwrap().is_none());
    }

    #[test]
    fn a_poisoned_cache_is_an_error_not_an_empty_cache() {
        let cache = AnswerCache::new(true);
        std::thread::scope(|scope| {
            let _ = scope
                .spawn(|| {
                    let _held = cache.entries.lock().unwrap();
                    panic!("a panic while the lock is held");
                })
                .join();
        });
        assert!(matches!(cache.figures(1, &key(), Source::Current), Err(Error::Poisoned(_))));
        assert!(cache.store_figures(1, key(), Source::Current, Arc::new(Vec::new())).is_err());
    }
}
