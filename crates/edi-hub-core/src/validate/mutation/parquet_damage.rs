//! Random damage to valid Parquet files: bytes flipped in pages and in the
//! footer, a wrong footer length, pages copied over or into other pages.

use std::cell::RefCell;

use proptest::prelude::*;

use super::corpus::{ParquetBase, parquet_corpus};
use super::judge::{Tally, check_case, finish, runner};
use crate::validate::UploadFormat;

#[derive(Debug, Clone)]
enum Damage {
    /// Bytes flipped (xor with a non-zero mask) in pages; `header` aims at
    /// the first bytes of a page (its Thrift header).
    FlipPages { header: bool, flips: Vec<(u64, u64, u8)> },
    /// Bytes flipped in the footer (the Thrift file metadata).
    FlipFooter(Vec<(u64, u8)>),
    /// The four-byte footer length overwritten.
    FooterLength(u8, u32),
    /// One page copied over (or inserted before) another, of this file or
    /// of the same dataset in another shape.
    Splice { from_base: Option<u64>, from: u64, to: u64, insert: bool },
}

impl Damage {
    fn kind(&self) -> &'static str {
        match self {
            Damage::FlipPages { header: true, .. } => "page header bytes flipped",
            Damage::FlipPages { header: false, .. } => "page bytes flipped",
            Damage::FlipFooter(_) => "footer bytes flipped",
            Damage::FooterLength(..) => "footer length overwritten",
            Damage::Splice { insert: false, from_base: None, .. } => "page copied over another",
            Damage::Splice { insert: false, .. } => "page of another shape copied over a page",
            Damage::Splice { insert: true, .. } => "page inserted",
        }
    }
}

pub(super) fn mask() -> impl Strategy<Value = u8> {
    prop_oneof![Just(0xff_u8), Just(0x80), Just(0x01), 1..=255u8]
}

fn damage() -> impl Strategy<Value = Damage> {
    let flips = proptest::collection::vec((any::<u64>(), any::<u64>(), mask()), 1..4);
    prop_oneof![
        3 => (any::<bool>(), flips).prop_map(|(header, flips)| Damage::FlipPages { header, flips }),
        2 => proptest::collection::vec((any::<u64>(), mask()), 1..4).prop_map(Damage::FlipFooter),
        1 => (0..12u8, any::<u32>()).prop_map(|(k, r)| Damage::FooterLength(k, r)),
        2 => (proptest::option::of(any::<u64>()), any::<u64>(), any::<u64>(), any::<bool>())
            .prop_map(|(from_base, from, to, insert)| Damage::Splice { from_base, from, to, insert }),
    ]
}

/// The damaged file; `None` when the damage changes nothing.
fn apply(base: &ParquetBase, damage: &Damage) -> Option<Vec<u8>> {
    let mut b = base.bytes.clone();
    let l = &base.layout;
    let len = b.len();
    let pick = |seed: u64, n: usize| (seed % n as u64) as usize;
    match damage {
        Damage::FlipPages { header, flips } => {
            for (page, at, m) in flips {
                let p = &l.pages[pick(*page, l.pages.len())];
                let span = if *header { (p.end - p.start).min(24) } else { p.end - p.start };
                b[p.start + pick(*at, span)] ^= m;
            }
        }
        Damage::FlipFooter(flips) => {
            for (at, m) in flips {
                b[l.footer_start + pick(*at, len - 8 - l.footer_start)] ^= m;
            }
        }
        Damage::FooterLength(k, random) => {
            let actual = (len - 8 - l.footer_start) as u32;
            let n = match k {
                0 => 0,
                1 => 1,
                2 => 7,
                3 => actual - 1,
                4 => actual + 1,
                5 => actual + 8,
                6 => (len - 8) as u32,
                7 => (len - 7) as u32,
                8 => len as u32,
                9 => u32::MAX,
                10 => i32::MAX as u32 + 1,
                _ => *random,
            };
            b[len - 8..len - 4].copy_from_slice(&n.to_le_bytes());
        }
        Damage::Splice { from_base, from, to, insert } => {
            let source = match from_base {
                None => base,
                Some(seed) => {
                    let same: Vec<&ParquetBase> = parquet_corpus()
                        .iter()
                        .filter(|o| o.dataset == base.dataset && o.shape != base.shape)
                        .collect();
                    same[pick(*seed, same.len())]
                }
            };
            let from = &source.layout.pages[pick(*from, source.layout.pages.len())];
            let to = l.pages[pick(*to, l.pages.len())].clone();
            let page = &source.bytes[from.clone()];
            if *insert {
                b.splice(to.start..to.start, page.iter().copied());
            } else {
                let n = page.len().min(to.end - to.start);
                b[to.start..to.start + n].copy_from_slice(&page[..n]);
            }
        }
    }
    (b != base.bytes).then_some(b)
}

#[test]
fn damaged_parquet_is_refused_or_valid() {
    let tally = RefCell::new(Tally::default());
    let corpus = parquet_corpus();
    let mut runner = runner(4000);
    let result = runner.run(&(0..corpus.len(), damage()), |(i, damage)| {
        let base = &corpus[i];
        let Some(bytes) = apply(base, &damage) else { return Ok(()) };
        check_case(&tally, damage.kind(), base.dataset, UploadFormat::Parquet, bytes, false, Some(base.rows))
    });
    finish(result, &tally, "damaged_parquet_is_refused_or_valid");
}
