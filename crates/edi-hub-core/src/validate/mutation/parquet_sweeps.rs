//! Deterministic Parquet sweeps: truncation at every section boundary,
//! and every footer and page header byte flipped in turn, so whatever they
//! find is found on every run.

use std::cell::RefCell;

use proptest::prelude::*;

use super::corpus::{ParquetBase, parquet_corpus};
use super::judge::{Tally, check_case, finish, runner};
use super::shapes::shapes;
use crate::validate::UploadFormat;

/// The offsets at which a file's sections begin and end, and points inside them.
fn boundaries(base: &ParquetBase) -> Vec<usize> {
    let l = &base.layout;
    let len = base.bytes.len();
    let mut cuts = vec![0, 1, 4, 5, 8];
    for p in &l.pages {
        let n = p.end - p.start;
        cuts.extend([p.start, p.start + 1, p.start + 2, p.start + 6, p.start + n / 2, p.end - 1]);
    }
    let f = l.footer_start;
    cuts.extend([l.data_end, f - 1, f, f + 1, f + 2, f + (len - 8 - f) / 2, len - 9]);
    cuts.extend((len - 8)..len);
    cuts.retain(|c| *c < len);
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

#[test]
fn truncated_parquet_is_never_accepted() {
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let result = runner.run(&Just(()), |()| {
        for base in parquet_corpus() {
            let bytes = &base.bytes;
            let l = &base.layout;
            let footer = &bytes[l.footer_start..];
            for cut in boundaries(base) {
                let d = base.dataset;
                // Cut off: the end marker is gone.
                check_case(&tally, "truncated", d, UploadFormat::Parquet, bytes[..cut].to_vec(), true, None)?;
                // Cut off, then the end marker put back: the last four bytes
                // before it are read as the footer length.
                if cut >= 4 && cut < bytes.len() - 4 {
                    let sealed = [&bytes[..cut], b"PAR1".as_slice()].concat();
                    check_case(&tally, "truncated, marker put back", d, UploadFormat::Parquet, sealed, true, None)?;
                }
                // Pages cut off, the whole footer put back: the footer
                // parses and points at pages that are not there.
                if (4..l.data_end).contains(&cut) {
                    let sealed = [&bytes[..cut], footer].concat();
                    check_case(&tally, "pages cut, footer put back", d, UploadFormat::Parquet, sealed, true, None)?;
                }
                // The footer cut short, its length and marker put back.
                if cut > l.footer_start && cut < bytes.len() - 8 {
                    let thrift = &bytes[l.footer_start..cut];
                    let short =
                        [&bytes[..l.footer_start], thrift, &(thrift.len() as u32).to_le_bytes(), b"PAR1".as_slice()]
                            .concat();
                    check_case(&tally, "footer cut, length fixed", d, UploadFormat::Parquet, short, true, None)?;
                }
            }
        }
        Ok(())
    });
    finish(result, &tally, "truncated_parquet_is_never_accepted");
}

/// One shape of each dataset (a different one for each), for the
/// exhaustive sweeps.
fn sweep_bases() -> impl Iterator<Item = &'static ParquetBase> {
    parquet_corpus().iter().filter(|b| b.shape == (b.dataset as usize) % shapes().len())
}

#[test]
fn every_footer_byte_flipped() {
    // Deterministic: each byte of the footer and of its length field, so
    // whatever this finds is found on every run.
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let result = runner.run(&Just(()), |()| {
        for base in sweep_bases() {
            let len = base.bytes.len();
            for at in base.layout.footer_start..len - 4 {
                let mut b = base.bytes.clone();
                b[at] ^= 0xff;
                check_case(
                    &tally,
                    "footer byte flipped (sweep)",
                    base.dataset,
                    UploadFormat::Parquet,
                    b,
                    false,
                    Some(base.rows),
                )?;
            }
        }
        Ok(())
    });
    finish(result, &tally, "every_footer_byte_flipped");
}

#[test]
fn every_page_header_byte_flipped() {
    // Deterministic: the first bytes of every page (its Thrift header:
    // type, sizes, value count, encodings), each inverted in turn.
    let tally = RefCell::new(Tally::default());
    let mut runner = runner(1);
    let result = runner.run(&Just(()), |()| {
        for base in sweep_bases() {
            for page in &base.layout.pages {
                for at in page.start..(page.start + 16).min(page.end) {
                    let mut b = base.bytes.clone();
                    b[at] ^= 0xff;
                    check_case(
                        &tally,
                        "page header byte flipped (sweep)",
                        base.dataset,
                        UploadFormat::Parquet,
                        b,
                        false,
                        Some(base.rows),
                    )?;
                }
            }
        }
        Ok(())
    });
    finish(result, &tally, "every_page_header_byte_flipped");
}
