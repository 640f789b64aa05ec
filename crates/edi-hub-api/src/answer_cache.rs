//! The encoded-answer cache: a benchmark answer's bytes in each format and
//! shape, kept until the ledger moves on, so a repeated question costs one
//! lookup and no serialisation. Keyed by the ledger generation the answer
//! was computed from; the cache only ever moves forward (an answer from an
//! older generation is never stored over a newer one).

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;
use edi_hub_core::Period;
use edi_hub_core::disclosure::Viewer;
use edi_hub_core::metrics::Params;

use crate::format::Format;

/// Entries kept before the cache is emptied (bounds memory under hostile queries).
const MAX_ENTRIES: usize = 8192;

/// Whether an answer is for one quarter or a trend (their JSON differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    Period,
    Trend,
}

/// Everything that decides an answer's bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EncodedKey {
    pub metric: &'static str,
    pub params: Params,
    pub periods: Vec<Period>,
    pub viewer: Viewer,
    pub format: Format,
    pub shape: Shape,
}

#[derive(Debug, Default)]
struct Entries {
    generation: u64,
    bytes: HashMap<EncodedKey, Bytes>,
}

/// The cache; disabled, it keeps nothing (for measuring uncached answers).
#[derive(Debug)]
pub struct EncodedAnswers {
    enabled: bool,
    entries: Mutex<Entries>,
}

impl EncodedAnswers {
    pub fn new(enabled: bool) -> Self {
        EncodedAnswers { enabled, entries: Mutex::new(Entries::default()) }
    }

    /// The bytes of `key` encoded from generation `generation`, if kept.
    pub fn get(&self, generation: u64, key: &EncodedKey) -> Option<Bytes> {
        let e = self.entries.lock().ok()?;
        (self.enabled && e.generation == generation).then(|| e.bytes.get(key).cloned()).flatten()
    }

    /// Keeps `bytes`, encoded from an answer of `generation`; a newer
    /// generation empties the cache, an older one is not kept.
    pub fn put(&self, generation: u64, key: EncodedKey, bytes: Bytes) {
        let Ok(mut e) = self.entries.lock() else { return };
        if !self.enabled || generation < e.generation {
            return;
        }
        if generation > e.generation || e.bytes.len() >= MAX_ENTRIES {
            e.bytes.clear();
            e.generation = generation;
        }
        e.bytes.insert(key, bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(format: Format) -> EncodedKey {
        let metric = edi_hub_core::metrics::MetricDef::find("workforce_share").unwrap();
        EncodedKey {
            metric: metric.id,
            params: metric.resolve(&Default::default()).unwrap(),
            periods: vec!["2025-Q1".parse().unwrap()],
            viewer: Viewer::Public,
            format,
            shape: Shape::Period,
        }
    }

    #[test]
    fn the_cache_only_moves_forward() {
        let cache = EncodedAnswers::new(true);
        cache.put(2, key(Format::Csv), Bytes::from_static(b"two"));
        assert_eq!(cache.get(2, &key(Format::Csv)).as_deref(), Some(&b"two"[..]));
        assert_eq!(cache.get(2, &key(Format::Json)), None);
        cache.put(1, key(Format::Csv), Bytes::from_static(b"one"));
        assert_eq!(cache.get(2, &key(Format::Csv)).as_deref(), Some(&b"two"[..]), "an older answer is not kept");
        assert_eq!(cache.get(1, &key(Format::Csv)), None);
        cache.put(3, key(Format::Json), Bytes::from_static(b"three"));
        assert_eq!(cache.get(2, &key(Format::Csv)), None, "a newer generation empties the cache");
        assert_eq!(cache.get(3, &key(Format::Json)).as_deref(), Some(&b"three"[..]));
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let cache = EncodedAnswers::new(false);
        cache.put(1, key(Format::Csv), Bytes::from_static(b"x"));
        assert_eq!(cache.get(1, &key(Format::Csv)), None);
    }
}
