//! Answers cached per (metric, parameters, periods, viewer class), and the
//! unredacted figures behind them per (metric, parameters, periods); both
//! dropped whenever the ledger changes (any new submission, withdrawal or
//! population table).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use edi_hub_core::Period;
use edi_hub_core::benchmark::Figure;
use edi_hub_core::disclosure::Viewer;
use edi_hub_core::metrics::Params;

use crate::engine::Answer;

/// Entries kept before the cache is emptied (bounds memory under hostile queries).
const MAX_ENTRIES: usize = 4096;

/// What identifies a query, apart from the viewer.
pub type QueryKey = (&'static str, Params, Vec<Period>);

#[derive(Debug, Default)]
struct Entries {
    generation: u64,
    figures: HashMap<QueryKey, Arc<Vec<Figure>>>,
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

    /// Empties the cache when the ledger has moved on to `generation`.
    fn current(&self, generation: u64) -> Option<std::sync::MutexGuard<'_, Entries>> {
        if !self.enabled {
            return None;
        }
        let mut e = self.entries.lock().ok()?;
        if e.generation != generation {
            e.figures.clear();
            e.answers.clear();
            e.generation = generation;
        }
        Some(e)
    }

    pub fn answer(&self, generation: u64, key: &QueryKey, viewer: Viewer) -> Option<Arc<Answer>> {
        self.current(generation)?.answers.get(&(key.clone(), viewer)).cloned()
    }

    pub fn figures(&self, generation: u64, key: &QueryKey) -> Option<Arc<Vec<Figure>>> {
        self.current(generation)?.figures.get(key).cloned()
    }

    pub fn store_figures(&self, generation: u64, key: QueryKey, figures: Arc<Vec<Figure>>) {
        if let Some(mut e) = self.current(generation) {
            if e.figures.len() >= MAX_ENTRIES {
                e.figures.clear();
            }
            e.figures.insert(key, figures);
        }
    }

    pub fn store_answer(&self, generation: u64, key: QueryKey, viewer: Viewer, answer: Arc<Answer>) {
        if let Some(mut e) = self.current(generation) {
            if e.answers.len() >= MAX_ENTRIES {
                e.answers.clear();
            }
            e.answers.insert((key, viewer), answer);
        }
    }
}
