//! Running the validator on a case and judging what it did: a table whose
//! every row passes the dataset's rules (checked here independently of the
//! validator) or a non-empty list of problems, in time and without a panic.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use bytes::Bytes;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::dataset::{Dataset, Role, Rule, ValueKind};
use crate::ethnicity;
use crate::organisation::Organisation;
use crate::validate::{Limits, Problem, UploadFormat, ValidTable, Values, parquet_input, validate, xlsx_input};

/// A case taking longer than this is a failure (debug build, slow machine).
const TIME_BOUND: Duration = Duration::from_secs(5);

/// What a validation did.
pub(super) enum Outcome {
    Panicked(String),
    Done(Result<ValidTable, Vec<Problem>>),
}

pub(super) fn run(dataset: Dataset, format: UploadFormat, bytes: Vec<u8>) -> (Outcome, Duration) {
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| validate(dataset, format, Bytes::from(bytes), &Limits::default())));
    let elapsed = start.elapsed();
    let outcome = match result {
        Ok(r) => Outcome::Done(r),
        Err(p) => Outcome::Panicked(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_default(),
        ),
    };
    (outcome, elapsed)
}

/// How far a case got, from the problems the validator listed.
fn stage(outcome: &Outcome) -> &'static str {
    let problems = match outcome {
        Outcome::Panicked(_) => return "PANIC",
        Outcome::Done(Ok(_)) => return "accepted (pages decoded)",
        Outcome::Done(Err(p)) => p,
    };
    let any = |needle: &str| problems.iter().any(|p| p.row.is_none() && p.message.contains(needle));
    if any("not a Parquet file") || any("not an Excel workbook") {
        "refused at the marker"
    } else if any("could not be read as an Excel workbook") {
        "refused: not a readable workbook package"
    } else if any("the workbook is damaged: the shared strings") || any("the workbook is damaged: its part") {
        "refused by the package checks"
    } else if any(xlsx_input::DECODER_FAILED) {
        "refused: the workbook reader panicked (caught by the validator)"
    } else if any("the sheet could not be read") || any("comes after cell") {
        "refused: the sheet's XML could not be read"
    } else if any("Parquet file could not be read") {
        "refused at the footer"
    } else if any("more than 1000000 data rows") || any("the file expands to") {
        "refused by size limits (footer parsed)"
    } else if any("row groups do not add up") {
        "refused: row counts do not add up (footer parsed)"
    } else if any("rows but its pages hold") {
        "refused: pages hold another row count (pages decoded)"
    } else if any("is not where its footer says") {
        "refused: chunks outside the data section (footer parsed)"
    } else if any(parquet_input::DECODER_FAILED) && any("failed decoding the pages") {
        "refused: the reader panicked in page decoding (caught by the validator)"
    } else if any(parquet_input::DECODER_FAILED) {
        "refused: the reader panicked reading the footer (caught by the validator)"
    } else if any("Parquet data could not be decoded") {
        "refused in page decoding"
    } else if any("could not be read as CSV") {
        "refused by the CSV reader"
    } else if problems.iter().all(|p| p.row.is_none()) {
        "refused for the file or columns (pages decoded)"
    } else {
        "refused for values or rules (pages decoded)"
    }
}

/// Tallies of stages per mutation kind, printed at the end of a test.
#[derive(Default)]
pub(super) struct Tally {
    stages: BTreeMap<(String, &'static str), usize>,
    slowest: Duration,
    panics: Vec<String>,
    /// Reader panics the validator caught, by kind and message.
    caught: BTreeMap<String, usize>,
}

impl Tally {
    fn print(&self, test: &str) {
        let mut by_kind: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
        for ((kind, stage), n) in &self.stages {
            by_kind.entry(kind).or_default().push((stage, *n));
        }
        let mut text = format!("{test}: slowest case {:?}\n", self.slowest);
        for (kind, stages) in by_kind {
            let total: usize = stages.iter().map(|(_, n)| n).sum();
            let count = |f: &dyn Fn(&str) -> bool| stages.iter().filter(|(s, _)| f(s)).map(|(_, n)| n).sum::<usize>();
            let past_footer = count(&|s| !matches!(s, "refused at the marker" | "refused at the footer" | "PANIC"));
            let pages = count(&|s| s.contains("page"));
            if kind.starts_with("csv") || kind.starts_with("xlsx") {
                text.push_str(&format!("  {kind}: {total} cases\n"));
            } else {
                text.push_str(&format!(
                    "  {kind}: {total} cases, {past_footer} past the footer, {pages} reached page decoding\n"
                ));
            }
            for (stage, n) in stages {
                text.push_str(&format!("      {n:>5}  {stage}\n"));
            }
        }
        for p in &self.panics {
            text.push_str(&format!("  PANIC: {p}\n"));
        }
        for (p, n) in &self.caught {
            text.push_str(&format!("  reader panic caught {n} times: {p}\n"));
        }
        eprintln!("{text}");
    }
}

/// Runs one case and checks the properties every outcome must have.
pub(super) fn check_case(
    tally: &RefCell<Tally>,
    kind: &str,
    dataset: Dataset,
    format: UploadFormat,
    bytes: Vec<u8>,
    must_refuse: bool,
    written_rows: Option<usize>,
) -> Result<(), TestCaseError> {
    let size = bytes.len();
    let (outcome, elapsed) = run(dataset, format, bytes);
    {
        let mut t = tally.borrow_mut();
        let stage = match (&outcome, written_rows) {
            (Outcome::Done(Ok(table)), Some(n)) if table.rows < n => "accepted with fewer rows than written",
            (Outcome::Done(Ok(table)), Some(n)) if table.rows > n => "accepted with more rows than written",
            _ if format != UploadFormat::Parquet => stage(&outcome).trim_end_matches(" (pages decoded)"),
            _ => stage(&outcome),
        };
        *t.stages.entry((kind.to_string(), stage)).or_default() += 1;
        t.slowest = t.slowest.max(elapsed);
        if let Outcome::Panicked(msg) = &outcome {
            t.panics.push(format!("{kind} {dataset} ({size} bytes): {msg}"));
        }
        if let Outcome::Done(Err(problems)) = &outcome {
            let caught = |p: &&Problem| {
                p.message.starts_with(parquet_input::DECODER_FAILED)
                    || p.message.starts_with(xlsx_input::DECODER_FAILED)
            };
            for p in problems.iter().filter(caught) {
                let detail = p.message.split_once("reader failed ").map_or(p.message.as_str(), |(_, d)| d);
                let detail = detail.rsplit_once(')').map_or(detail, |(d, _)| d);
                *t.caught.entry(format!("{kind}: {detail}")).or_default() += 1;
            }
        }
    }
    prop_assert!(elapsed < TIME_BOUND, "{kind} {dataset}: validation took {elapsed:?}");
    match outcome {
        Outcome::Panicked(msg) => {
            prop_assert!(false, "{kind} {dataset}: the validator panicked: {msg}");
        }
        Outcome::Done(Ok(table)) => {
            prop_assert!(!must_refuse, "{kind} {dataset}: a damaged file was accepted ({} rows)", table.rows);
            if let Err(e) = table_is_valid(&table) {
                prop_assert!(false, "{kind} {dataset}: accepted a table that breaks the rules: {e}");
            }
        }
        Outcome::Done(Err(problems)) => {
            prop_assert!(!problems.is_empty(), "{kind} {dataset}: refused without a problem");
            for p in &problems {
                prop_assert!(!p.message.is_empty() && p.row != Some(0), "{kind} {dataset}: bad problem {p:?}");
            }
        }
    }
    Ok(())
}

/// Checks an accepted table against the dataset definition, independently of
/// the validator: every value in range, required values present, dimension
/// combinations unique, no code with its parent, and the dataset's rules.
pub(super) fn table_is_valid(t: &ValidTable) -> Result<(), String> {
    let d = t.dataset;
    if t.rows == 0 {
        return Err("no rows".into());
    }
    if t.columns.len() != d.columns().len() {
        return Err("not one value list per column".into());
    }
    for (def, present, values) in &t.columns {
        if values.len() != t.rows {
            return Err(format!("{}: {} values for {} rows", def.name, values.len(), t.rows));
        }
        if def.required && !present {
            return Err(format!("{} is required", def.name));
        }
        for i in 0..t.rows {
            let needed = *present && (def.required || def.role == Role::Dimension);
            let ok = match (def.kind, values) {
                (ValueKind::Ethnicity, Values::Code(v)) => v[i].map_or(!needed, ethnicity::is_upload_code),
                (ValueKind::Code(codes), Values::Code(v)) => v[i].map_or(!needed, |c| codes.contains(&c)),
                (ValueKind::Organisation, Values::Code(v)) => {
                    v[i].map_or(!needed, |c| c.parse::<Organisation>().is_ok())
                }
                (ValueKind::PayBand, Values::Int(v)) => v[i].map_or(!needed, |n| (1..=6).contains(&n)),
                (ValueKind::Count, Values::Int(v)) => v[i].map_or(!needed, |n| n >= 0),
                (ValueKind::Decimal, Values::Float(v)) => v[i].map_or(!needed, |x| x.is_finite() && x >= 0.0),
                (ValueKind::Pay, Values::Float(v)) => v[i].map_or(!needed, |x| x.is_finite() && x > 0.0),
                (ValueKind::Flag, Values::Bool(v)) => v[i].is_some() || !needed,
                _ => false,
            };
            if !ok {
                return Err(format!("row {}: {} is not valid", i + 1, def.name));
            }
        }
    }
    let key = |i: usize, skip: Option<&str>| -> String {
        t.columns
            .iter()
            .filter(|(def, present, _)| *present && def.role == Role::Dimension && Some(def.name) != skip)
            .map(|(_, _, v)| match v {
                Values::Code(v) => format!("{:?}", v[i]),
                Values::Int(v) => format!("{:?}", v[i]),
                Values::Bool(v) => format!("{:?}", v[i]),
                Values::Float(v) => format!("{:?}", v[i]),
            })
            .collect::<Vec<_>>()
            .join("|")
    };
    let mut seen = HashSet::new();
    for i in 0..t.rows {
        if !seen.insert(key(i, None)) {
            return Err(format!("row {}: a repeated combination", i + 1));
        }
    }
    let eth = t.values("ethnicity").ok_or("no ethnicity")?;
    let part = d.partition().and_then(|p| t.values(p));
    let codes: HashSet<(Option<&str>, &str)> =
        (0..t.rows).filter_map(|i| Some((part.and_then(|p| p.code(i)), eth.code(i)?))).collect();
    for (p, c) in &codes {
        if let Some(parent) = ethnicity::parent(c)
            && codes.contains(&(*p, parent))
        {
            return Err(format!("{c} with its parent {parent}"));
        }
    }
    for rule in d.rules() {
        match *rule {
            Rule::NotAbove { column, limit } => {
                let (a, b) = (t.values(column).ok_or(column)?, t.values(limit).ok_or(limit)?);
                for i in 0..t.rows {
                    if let (Some(x), Some(y)) = (a.int(i), b.int(i))
                        && x > y
                    {
                        return Err(format!("row {}: {column} above {limit}", i + 1));
                    }
                }
            }
            Rule::Nested { dimension, stages, measure } => {
                let (s, m) = (t.values(dimension).ok_or(dimension)?, t.values(measure).ok_or(measure)?);
                let mut groups: HashMap<String, Vec<Option<i64>>> = HashMap::new();
                for i in 0..t.rows {
                    let Some(stage) = s.code(i) else { continue };
                    let at = stages.iter().position(|x| *x == stage).ok_or("unknown stage")?;
                    groups.entry(key(i, Some(dimension))).or_insert_with(|| vec![None; stages.len()])[at] = m.int(i);
                }
                for per_stage in groups.values() {
                    let reported: Vec<i64> = per_stage.iter().flatten().copied().collect();
                    if reported.windows(2).any(|w| w[1] > w[0]) {
                        return Err(format!("{measure} grows along {dimension}"));
                    }
                }
            }
        }
    }
    Ok(())
}

pub(super) fn runner(cases: u32) -> TestRunner {
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

pub(super) fn finish(
    result: Result<(), proptest::test_runner::TestError<impl std::fmt::Debug>>,
    tally: &RefCell<Tally>,
    test: &str,
) {
    tally.borrow().print(test);
    if let Err(e) = result {
        panic!("{test}: {e}");
    }
}
