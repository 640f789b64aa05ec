//! Damaged CSV files: bytes flipped, rows and quotes cut short, NUL and
//! invalid UTF-8, a repeated header, other delimiters and line endings.

use std::cell::RefCell;

use proptest::prelude::*;

use super::corpus::{CsvBase, csv_corpus};
use super::judge::{Tally, check_case, finish, runner};
use super::parquet_damage::mask;
use crate::validate::UploadFormat;

#[derive(Debug, Clone)]
enum CsvDamage {
    Flip(Vec<(u64, u8)>),
    /// Cut anywhere (mid-row, mid-field; mid-quote in a quoted file).
    Cut(u64),
    /// Cut just after an opening quote (quoted files).
    CutInQuote(u64),
    Nul(u64),
    InvalidUtf8(u64, u8),
    /// The header line again as a data row.
    HeaderAgain(u64),
    /// Every comma replaced by another delimiter.
    Delimiter(u8),
    /// One row with another delimiter.
    RowDelimiter(u64, u8),
    /// Line endings as bare carriage returns.
    BareCr,
    /// An unbalanced quote inserted.
    StrayQuote(u64),
}

impl CsvDamage {
    fn kind(&self) -> &'static str {
        match self {
            CsvDamage::Flip(_) => "csv bytes flipped",
            CsvDamage::Cut(_) => "csv cut short",
            CsvDamage::CutInQuote(_) => "csv cut inside a quote",
            CsvDamage::Nul(_) => "csv NUL injected",
            CsvDamage::InvalidUtf8(..) => "csv invalid UTF-8 injected",
            CsvDamage::HeaderAgain(_) => "csv header repeated as a row",
            CsvDamage::Delimiter(_) => "csv other delimiter",
            CsvDamage::RowDelimiter(..) => "csv one row with another delimiter",
            CsvDamage::BareCr => "csv bare CR line endings",
            CsvDamage::StrayQuote(_) => "csv stray quote",
        }
    }

    /// Damage that always leaves a file that must be refused.
    fn must_refuse(&self) -> bool {
        matches!(
            self,
            CsvDamage::Nul(_)
                | CsvDamage::InvalidUtf8(..)
                | CsvDamage::HeaderAgain(_)
                | CsvDamage::Delimiter(_)
                | CsvDamage::RowDelimiter(..)
        )
    }
}

fn csv_damage() -> impl Strategy<Value = CsvDamage> {
    let delimiter = prop_oneof![Just(b';'), Just(b'\t'), Just(b'|')];
    prop_oneof![
        proptest::collection::vec((any::<u64>(), mask()), 1..4).prop_map(CsvDamage::Flip),
        any::<u64>().prop_map(CsvDamage::Cut),
        any::<u64>().prop_map(CsvDamage::CutInQuote),
        any::<u64>().prop_map(CsvDamage::Nul),
        (any::<u64>(), prop_oneof![Just(0xff_u8), Just(0xc3), Just(0x80), Just(0xed), Just(0xfe)])
            .prop_map(|(at, b)| CsvDamage::InvalidUtf8(at, b)),
        any::<u64>().prop_map(CsvDamage::HeaderAgain),
        delimiter.clone().prop_map(CsvDamage::Delimiter),
        (any::<u64>(), delimiter).prop_map(|(r, d)| CsvDamage::RowDelimiter(r, d)),
        Just(CsvDamage::BareCr),
        any::<u64>().prop_map(CsvDamage::StrayQuote),
    ]
}

fn apply_csv(base: &CsvBase, damage: &CsvDamage) -> Option<Vec<u8>> {
    let mut b = base.bytes.clone();
    let pick = |seed: u64, n: usize| (seed % n as u64) as usize;
    // Byte offsets at which each line starts (header first).
    let line_starts: Vec<usize> =
        std::iter::once(0).chain(b.iter().enumerate().filter(|(_, c)| **c == b'\n').map(|(i, _)| i + 1)).collect();
    let lines = line_starts.len() - 1;
    match damage {
        CsvDamage::Flip(flips) => {
            for (at, m) in flips {
                let i = pick(*at, b.len());
                b[i] ^= m;
            }
        }
        CsvDamage::Cut(at) => b.truncate(pick(*at, b.len())),
        CsvDamage::CutInQuote(at) => {
            let quotes: Vec<usize> = b.iter().enumerate().filter(|(_, c)| **c == b'"').map(|(i, _)| i).collect();
            // Opening quotes are the even-numbered ones.
            let opening: Vec<usize> = quotes.into_iter().step_by(2).collect();
            if opening.is_empty() {
                return None;
            }
            b.truncate(opening[pick(*at, opening.len())] + 1 + (*at % 3) as usize);
        }
        CsvDamage::Nul(at) => {
            let i = pick(*at, b.len() + 1);
            b.insert(i, 0);
        }
        CsvDamage::InvalidUtf8(at, byte) => {
            // Not inside the BOM (the BOM is checked byte for byte).
            let from = if base.quoted { 3 } else { 0 };
            let i = from + pick(*at, b.len() + 1 - from);
            b.insert(i, *byte);
        }
        CsvDamage::HeaderAgain(row) => {
            let header = base.bytes[..line_starts[1]]
                .strip_prefix(b"\xEF\xBB\xBF".as_slice())
                .unwrap_or(&base.bytes[..line_starts[1]]);
            let at = line_starts[1 + pick(*row, lines)];
            b.splice(at..at, header.iter().copied());
        }
        CsvDamage::Delimiter(d) => {
            b.iter_mut().filter(|c| **c == b',').for_each(|c| *c = *d);
        }
        CsvDamage::RowDelimiter(row, d) => {
            let r = 1 + pick(*row, lines - 1);
            b[line_starts[r]..line_starts[r + 1]].iter_mut().filter(|c| **c == b',').for_each(|c| *c = *d);
        }
        CsvDamage::BareCr => {
            b = b.into_iter().filter(|c| *c != b'\r').map(|c| if c == b'\n' { b'\r' } else { c }).collect();
        }
        CsvDamage::StrayQuote(at) => {
            let i = pick(*at, b.len() + 1);
            b.insert(i, b'"');
        }
    }
    (b != base.bytes).then_some(b)
}

#[test]
fn damaged_csv_is_refused_or_valid() {
    let tally = RefCell::new(Tally::default());
    let corpus = csv_corpus();
    let mut runner = runner(3000);
    let result = runner.run(&(0..corpus.len(), csv_damage()), |(i, damage)| {
        let base = &corpus[i];
        let Some(bytes) = apply_csv(base, &damage) else { return Ok(()) };
        check_case(&tally, damage.kind(), base.dataset, UploadFormat::Csv, bytes, damage.must_refuse(), None)
    });
    finish(result, &tally, "damaged_csv_is_refused_or_valid");
}
