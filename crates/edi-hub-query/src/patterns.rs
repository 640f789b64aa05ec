//! Protected patterns of submissions (secondary suppression, see
//! `edi_hub_core::disclosure::pattern`): one per submission version,
//! computed from its stored table when it is uploaded (by the hub that took
//! it) or first needed (by any other hub process), then kept in memory. A
//! submission never changes, so neither does its pattern: every answer,
//! today's or a later one, reads the same one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use edi_hub_core::Dataset;
use edi_hub_core::disclosure::{Pattern, Policy};
use edi_hub_store::{Store, SubmissionRecord, decode_parquet};

use crate::{Error, Result};

/// Patterns kept before the cache is emptied (each is a few hundred bytes).
const MAX_PATTERNS: usize = 200_000;

/// The patterns of the submissions answered so far.
#[derive(Debug)]
pub struct Patterns {
    policy: Policy,
    known: Mutex<HashMap<String, Arc<Pattern>>>,
}

impl Patterns {
    pub fn new(policy: Policy) -> Self {
        Patterns { policy, known: Mutex::new(HashMap::new()) }
    }

    fn cached(&self, id: &str) -> Option<Arc<Pattern>> {
        self.known.lock().ok()?.get(id).cloned()
    }

    fn keep(&self, id: &str, pattern: Arc<Pattern>) {
        if let Ok(mut known) = self.known.lock() {
            if known.len() >= MAX_PATTERNS {
                known.clear();
            }
            known.insert(id.to_string(), pattern);
        }
    }

    /// The pattern of a submission whose stored Parquet file is `parquet`.
    pub async fn compute(&self, record: &SubmissionRecord, parquet: Bytes) -> Result<Arc<Pattern>> {
        if let Some(p) = self.cached(&record.id) {
            return Ok(p);
        }
        let (dataset, policy) = (record.dataset, self.policy);
        let pattern = tokio::task::spawn_blocking(move || protect(dataset, parquet, policy))
            .await
            .map_err(|e| Error::Layout(format!("pattern computation stopped: {e}")))??;
        let pattern = Arc::new(pattern);
        self.keep(&record.id, pattern.clone());
        Ok(pattern)
    }

    /// The pattern of a stored submission, reading its file when not yet known.
    pub async fn of(&self, store: &Store, record: &SubmissionRecord) -> Result<Arc<Pattern>> {
        if let Some(p) = self.cached(&record.id) {
            return Ok(p);
        }
        let parquet = store.read(&record.data_path).await?;
        self.compute(record, parquet).await
    }
}

fn protect(dataset: Dataset, parquet: Bytes, policy: Policy) -> Result<Pattern> {
    let batch = decode_parquet(parquet)?;
    Pattern::protect(dataset, &batch, policy).map_err(|e| Error::Layout(e.to_string()))
}
