//! The property tests: random tables of each dataset, with the tables its
//! metrics also read, pin nothing and show no count from 1 to k-1.

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use edi_hub_core::dataset::{self, Dataset};

use super::raw::Raw;
use super::tables::{events_and_workforce, pay, recruitment, recruitment_with_missing_stages, survey, workforce};
use super::{Secondary, oracle};

/// Runs the oracle on random tables of one dataset (with the tables its
/// metrics also read), asserting nothing is pinned and no count from 1 to
/// k-1 is shown; prints what it checked.
fn run(name: &str, cases: u32, tables: impl Strategy<Value = Vec<Raw>>) {
    let totals = RefCell::new((0usize, 0usize, 0usize, 0usize, 0usize));
    // PROPTEST_CASES asks for a deeper run.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(cases);
    let mut runner = TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() });
    let started = std::time::Instant::now();
    let result = runner.run(&tables, |tables| {
        // Only what validation accepts is ever published.
        prop_assume!(tables.iter().all(Raw::is_valid));
        let out = oracle(&tables, Secondary::Pattern);
        {
            let mut t = totals.borrow_mut();
            t.0 += 1;
            t.1 += out.figures;
            t.2 += out.numbers;
            t.3 += out.checked;
            t.4 += out.pinned.len();
        }
        let csv: Vec<String> = tables.iter().map(Raw::csv).collect();
        prop_assert!(
            out.small_shown.is_empty(),
            "counts from 1 to k-1 shown: {:#?}\n{}",
            out.small_shown,
            csv.join("\n")
        );
        prop_assert!(out.pinned.is_empty(), "{}\n{}", out.report(), csv.join("\n"));
        Ok(())
    });
    let t = totals.borrow();
    eprintln!(
        "oracle {name}: {} tables checked, {} figures, {} published constraints, {} sensitive counts checked, {} pinned ({:.1?})",
        t.0,
        t.1,
        t.2,
        t.3,
        t.4,
        started.elapsed()
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

const CASES: u32 = 48;

#[test]
fn workforce_tables_pin_nothing() {
    run("workforce", CASES, workforce());
}

#[test]
fn pay_tables_pin_nothing() {
    run("pay", CASES, pay());
}

#[test]
fn recruitment_tables_pin_nothing() {
    run("recruitment", CASES, recruitment());
}

#[test]
fn casework_tables_pin_nothing() {
    run("casework", CASES, events_and_workforce(Dataset::Casework, "case_type", dataset::CASE_TYPES, false));
}

#[test]
fn progression_tables_pin_nothing() {
    run("progression", CASES, events_and_workforce(Dataset::Progression, "event", dataset::EVENTS, true));
}

#[test]
fn survey_tables_pin_nothing() {
    run("survey", CASES, survey());
}

/// Stage rows dropped at random: files that no longer nest are refused by
/// validation (a stage with no row counts no one); the rest pin nothing.
#[test]
fn recruitment_tables_with_missing_stages_pin_nothing() {
    run("recruitment with stage rows missing", CASES, recruitment_with_missing_stages());
}
