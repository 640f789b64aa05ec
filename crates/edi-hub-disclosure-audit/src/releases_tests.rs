use std::time::Instant;

use edi_hub_core::disclosure::release::{Earlier, History, Round, protect_round};

use super::*;
use crate::testing::{atoms, org, period, workforce};

/// A borough's workforce: eight detailed groups and not stated, six pay
/// bands, a few small cells in the senior bands.
const BEFORE: [(&str, [i64; 6]); 9] = [
    ("white_british", [120, 95, 80, 60, 35, 18]),
    ("white_other", [30, 25, 18, 12, 6, 3]),
    ("black_african", [45, 38, 25, 14, 7, 2]),
    ("black_caribbean", [28, 22, 15, 4, 3, 1]),
    ("asian_indian", [25, 20, 16, 11, 5, 2]),
    ("asian_bangladeshi", [18, 12, 8, 5, 0, 1]),
    ("mixed_other", [9, 8, 4, 3, 1, 0]),
    ("other_any", [6, 0, 3, 2, 0, 0]),
    ("not_stated", [15, 12, 5, 6, 3, 1]),
];

/// The table with `moved` staff of pay band `band` (1-based) moved from not stated to `to`.
fn corrected(to: &str, band: usize, moved: i64) -> Vec<(&'static str, [i64; 6])> {
    let mut rows = BEFORE.to_vec();
    for (code, bands) in rows.iter_mut() {
        if *code == to {
            bands[band - 1] += moved;
        }
        if *code == "not_stated" {
            bands[band - 1] -= moved;
        }
    }
    rows
}

fn csv(rows: &[(&str, [i64; 6])]) -> String {
    let rows: Vec<(&str, &[i64])> = rows.iter().map(|(c, b)| (*c, b.as_slice())).collect();
    workforce(&rows)
}

/// Release 1 shows `old`; release 2 shows `new` with the pattern `second`
/// gives it (from release 1's pattern): the audit of both together.
fn audit_revision(old: &Atoms, new: &Atoms, second: impl Fn(&Pattern) -> Pattern) -> (Linked, Vec<Interval>) {
    let policy = Policy::default();
    let first = protect_round(
        &Round {
            dataset: Dataset::Workforce,
            histories: vec![History { organisation: org(0), versions: vec![old] }],
            earlier: Vec::new(),
            current: vec![Some(0)],
        },
        policy,
    );
    let p1 = first.tables[0].clone().expect("release 1 shows the table");
    let p2 = second(&p1);
    let versions = vec![
        Version { submission: "old".into(), atoms: old.clone() },
        Version { submission: "new".into(), atoms: new.clone() },
    ];
    let releases = vec![Shown { release: 1, tables: vec![(0, p1)] }, Shown { release: 2, tables: vec![(1, p2)] }];
    let started = Instant::now();
    let linked = Linked::new(org(0), period(), versions, releases, policy);
    let read = started.elapsed();
    let found = linked.leaks(None, 1).expect("the audit runs");
    eprintln!(
        "revision audit: {} unknowns, {} published equations (read in {:.2} s), {} sensitive counts checked, {} pinned, in {:.2} s",
        linked.unknowns,
        linked.equations.len(),
        read.as_secs_f64(),
        linked.checks.len(),
        found.len(),
        (started.elapsed() - read).as_secs_f64()
    );
    (linked, found)
}

/// Release 2 worked out with release 1's pattern as history.
fn with_history(old: &Atoms, new: &Atoms) -> impl Fn(&Pattern) -> Pattern {
    move |p1: &Pattern| {
        let none = edi_hub_core::disclosure::Pooled::none(Dataset::Workforce);
        let round = Round {
            dataset: Dataset::Workforce,
            histories: vec![History { organisation: org(0), versions: vec![old, new] }],
            earlier: vec![Earlier { tables: vec![(0, 0, p1)], pooled: &none }],
            current: vec![Some(1)],
        };
        protect_round(&round, Policy::default()).tables[0].clone().expect("release 2 shows the table")
    }
}

#[test]
fn unchanged_cells_are_shared_and_changed_ones_are_new() {
    let old = atoms(&csv(&BEFORE));
    let new = atoms(&csv(&corrected("black_caribbean", 4, 2)));
    let versions = vec![
        Version { submission: "old".into(), atoms: old.clone() },
        Version { submission: "new".into(), atoms: new.clone() },
    ];
    let (maps, unknowns) = shared_unknowns(&versions);
    // Two cells changed: two new unknowns.
    assert_eq!(unknowns, old.atoms.len() + 2);
    let changed: Vec<usize> = (0..new.atoms.len()).filter(|&a| maps[1][a] >= old.atoms.len()).collect();
    let names: Vec<String> = changed.iter().map(|&a| new.describe(a)).collect();
    assert_eq!(names, ["black_caribbean, pay_band=4", "not_stated, pay_band=4"]);
}

#[test]
fn a_correction_published_with_history_pins_nothing() {
    // The correction moves 2 staff of band 2 from not stated (12 -> 10) to
    // Mixed (8 -> 10): the small group becomes publishable. Both releases
    // together pin nothing.
    let old = atoms(&csv(&BEFORE));
    let new = atoms(&csv(&corrected("mixed_other", 2, 2)));
    let (linked, found) = audit_revision(&old, &new, with_history(&old, &new));
    assert!(found.is_empty(), "pinned: {found:#?}");
    assert_eq!(linked.unknowns, old.atoms.len() + 2);
    // Both versions' small counts are checked.
    assert!(linked.checks.iter().any(|c| c.what.starts_with("version 1") && c.value == 8), "{:#?}", linked.checks);
    assert!(linked.checks.len() > 30, "{}", linked.checks.len());
}

#[test]
fn a_correction_between_two_small_cells_published_with_history_pins_nothing() {
    // Band 4: not stated 6 -> 4, Black Caribbean 4 -> 6.
    let old = atoms(&csv(&BEFORE));
    let new = atoms(&csv(&corrected("black_caribbean", 4, 2)));
    let (linked, found) = audit_revision(&old, &new, with_history(&old, &new));
    assert!(found.is_empty(), "pinned: {found:#?}");
    assert!(linked.checks.iter().any(|c| c.what.starts_with("version 2") && c.value == 6));
}

#[test]
fn the_same_correction_protected_without_history_is_caught() {
    // Release 2 chosen as if release 1 had never been seen: it shows the new
    // band 2 Mixed count (10) and both releases show the Mixed total over
    // all bands (25, then 27), so the old band 2 Mixed count is 10 - 2 = 8;
    // other small counts of the old version follow from it.
    let old = atoms(&csv(&BEFORE));
    let new = atoms(&csv(&corrected("mixed_other", 2, 2)));
    let (_, found) = audit_revision(&old, &new, |_| Pattern::of_atoms(&new, Policy::default()));
    let pinned: Vec<String> = found.iter().map(|i| format!("{} = {}", i.what, i.value)).collect();
    eprintln!("pinned without history: {pinned:#?}");
    assert!(
        pinned.iter().any(|p| p.starts_with("version 1") && p.contains("mixed") && p.ends_with("= 8")),
        "{pinned:#?}"
    );
}
