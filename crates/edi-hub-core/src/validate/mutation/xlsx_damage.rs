//! Damaged Excel workbooks: valid workbooks of every dataset (deflated as
//! Excel writes them, and stored, so that damage reaches the XML) with bytes
//! flipped or cut short anywhere in the package, and, re-packed so that the
//! zip itself stays sound, one XML part flipped, cut short, given a hostile
//! fragment (a cell at the far corner of the sheet, a huge number, a shared
//! string index past the table, a row out of order, a bad `dimension`) or
//! left out.

use std::cell::RefCell;
use std::io::{Cursor, Read, Write};
use std::sync::OnceLock;

use proptest::prelude::*;
use rust_xlsxwriter::Workbook;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use super::judge::{Tally, check_case, finish, runner, table_is_valid};
use super::parquet_damage::mask;
use super::source::{Cell, file_columns, max_rows, value};
use crate::dataset::Dataset;
use crate::validate::{Limits, UploadFormat, validate};

/// A valid workbook of `dataset`: every column, `rows` rows of source values.
pub(super) fn valid_workbook(d: Dataset, rows: usize) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(d.name()).unwrap();
    let defs = file_columns(d, true);
    for (c, def) in defs.iter().enumerate() {
        sheet.write_string(0, c as u16, def.name).unwrap();
    }
    for i in 0..rows.min(max_rows(d, true)) {
        for (c, def) in defs.iter().enumerate() {
            let (r, c) = (i as u32 + 1, c as u16);
            match value(d, def.name, i) {
                Cell::Text(s) => sheet.write_string(r, c, s).map(drop),
                Cell::Int(n) => sheet.write_number(r, c, n as f64).map(drop),
                Cell::Float(x) => sheet.write_number(r, c, x).map(drop),
                Cell::Bool(b) => sheet.write_boolean(r, c, b).map(drop),
                Cell::Null => Ok(()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// The parts of a package, in order.
fn parts(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut part = zip.by_index(i).unwrap();
            let mut data = Vec::new();
            part.read_to_end(&mut data).unwrap();
            (part.name().unwrap().to_string(), data)
        })
        .collect()
}

fn repack(parts: &[(String, Vec<u8>)], method: CompressionMethod) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        zip.start_file(name.as_str(), SimpleFileOptions::default().compression_method(method)).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

#[derive(Debug)]
struct Base {
    dataset: Dataset,
    stored: bool,
    bytes: Vec<u8>,
    parts: Vec<(String, Vec<u8>)>,
}

fn corpus() -> &'static [Base] {
    static CORPUS: OnceLock<Vec<Base>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut out = Vec::new();
        for d in Dataset::ALL {
            let deflated = valid_workbook(d, 12);
            let parts = parts(&deflated);
            let stored = repack(&parts, CompressionMethod::Stored);
            out.push(Base { dataset: d, stored: false, bytes: deflated, parts: parts.clone() });
            out.push(Base { dataset: d, stored: true, bytes: stored, parts });
        }
        out
    })
}

/// Hostile fragments put into a part's XML.
const FRAGMENTS: &[&str] = &[
    r#"<c r="XFD1048576"><v>1</v></c>"#,
    r#"<c r="A2"><v>1e999</v></c>"#,
    r#"<c r="B2" t="s"><v>4294967295</v></c>"#,
    r#"<row r="1"><c r="A1" t="inlineStr"><is><t>ethnicity</t></is></c></row>"#,
    r#"<dimension ref="A1:XFD1048576"/>"#,
    r#"<c r="A2" t="e"><v>#BOGUS!</v></c>"#,
    r#"<c r="A2" t="d"><v>2025-01-01</v></c>"#,
    r#"<c r="A2"><f t="shared" si="4294967295" ref="A2:A9">1</f><v>3</v></c>"#,
    r#"<sst uniqueCount="18446744073709551615">"#,
    "<row>",
    "</sheetData>",
    "&#0;",
];

#[derive(Debug, Clone)]
enum Damage {
    Flip(Vec<(u64, u8)>),
    Cut(u64),
    PartFlip(u64, Vec<(u64, u8)>),
    PartCut(u64, u64),
    PartInsert(u64, u64, usize),
    PartLeftOut(u64),
}

impl Damage {
    fn kind(&self, stored: bool) -> String {
        let kind = match self {
            Damage::Flip(_) => "package bytes flipped",
            Damage::Cut(_) => "package cut short",
            Damage::PartFlip(..) => "XML part bytes flipped",
            Damage::PartCut(..) => "XML part cut short",
            Damage::PartInsert(..) => "hostile XML put in a part",
            Damage::PartLeftOut(_) => "part left out",
        };
        format!("xlsx ({}) {kind}", if stored { "stored" } else { "deflated" })
    }
}

fn damage() -> impl Strategy<Value = Damage> {
    let flips = || proptest::collection::vec((any::<u64>(), mask()), 1..4);
    prop_oneof![
        2 => flips().prop_map(Damage::Flip),
        1 => any::<u64>().prop_map(Damage::Cut),
        3 => (any::<u64>(), flips()).prop_map(|(p, f)| Damage::PartFlip(p, f)),
        1 => (any::<u64>(), any::<u64>()).prop_map(|(p, at)| Damage::PartCut(p, at)),
        3 => (any::<u64>(), any::<u64>(), 0..FRAGMENTS.len()).prop_map(|(p, at, f)| Damage::PartInsert(p, at, f)),
        1 => any::<u64>().prop_map(Damage::PartLeftOut),
    ]
}

fn apply(base: &Base, damage: &Damage) -> Option<Vec<u8>> {
    let pick = |seed: u64, n: usize| (seed % n as u64) as usize;
    let method = if base.stored { CompressionMethod::Stored } else { CompressionMethod::Deflated };
    let mut parts = base.parts.clone();
    let n = parts.len();
    let out = match damage {
        Damage::Flip(flips) => {
            let mut b = base.bytes.clone();
            for (at, m) in flips {
                let i = pick(*at, b.len());
                b[i] ^= m;
            }
            b
        }
        Damage::Cut(at) => base.bytes[..pick(*at, base.bytes.len())].to_vec(),
        Damage::PartFlip(p, flips) => {
            let data = &mut parts[pick(*p, n)].1;
            for (at, m) in flips {
                let i = pick(*at, data.len().max(1));
                if let Some(b) = data.get_mut(i) {
                    *b ^= m;
                }
            }
            repack(&parts, method)
        }
        Damage::PartCut(p, at) => {
            let data = &mut parts[pick(*p, n)].1;
            data.truncate(pick(*at, data.len().max(1)));
            repack(&parts, method)
        }
        Damage::PartInsert(p, at, f) => {
            let data = &mut parts[pick(*p, n)].1;
            // Just before a tag, so the fragment lands between elements.
            let tags: Vec<usize> = data.iter().enumerate().filter(|(_, c)| **c == b'<').map(|(i, _)| i).collect();
            let i = if tags.is_empty() { 0 } else { tags[pick(*at, tags.len())] };
            data.splice(i..i, FRAGMENTS[*f].bytes());
            repack(&parts, method)
        }
        Damage::PartLeftOut(p) => {
            parts.remove(pick(*p, n));
            repack(&parts, method)
        }
    };
    (out != base.bytes).then_some(out)
}

#[test]
fn every_valid_workbook_is_accepted_as_its_csv() {
    for base in corpus() {
        let d = base.dataset;
        let t = validate(d, UploadFormat::Xlsx, bytes::Bytes::from(base.bytes.clone()), &Limits::default())
            .unwrap_or_else(|p| panic!("{d} (stored: {}): {p:#?}", base.stored));
        table_is_valid(&t).unwrap();
        let csv = super::source::valid_csv(d, 12, false);
        let from_csv = validate(d, UploadFormat::Csv, bytes::Bytes::from(csv), &Limits::default()).unwrap();
        assert_eq!(t.columns, from_csv.columns, "{d}");
    }
}

#[test]
fn damaged_workbooks_are_refused_or_valid() {
    let tally = RefCell::new(Tally::default());
    let corpus = corpus();
    let mut runner = runner(1500);
    let result = runner.run(&(0..corpus.len(), damage()), |(i, damage)| {
        let base = &corpus[i];
        let Some(bytes) = apply(base, &damage) else { return Ok(()) };
        let must_refuse = matches!(damage, Damage::Cut(_));
        check_case(&tally, &damage.kind(base.stored), base.dataset, UploadFormat::Xlsx, bytes, must_refuse, None)
    });
    finish(result, &tally, "damaged_workbooks_are_refused_or_valid");
}
