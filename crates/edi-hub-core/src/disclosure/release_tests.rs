use bytes::Bytes;

use super::*;
use crate::disclosure::counts::{CountKey, People};
use crate::ethnicity::Group;
use crate::table::to_record_batch;
use crate::validate::{Limits, UploadFormat, validate};

fn atoms(text: &str) -> Atoms {
    let table = validate(Dataset::Workforce, UploadFormat::Csv, Bytes::from(text.to_string()), &Limits::default())
        .expect("a valid table");
    let key = Some((org(0), "2026-Q1".parse().unwrap()));
    Atoms::of(Dataset::Workforce, &to_record_batch(&table, key).unwrap()).unwrap()
}

fn org(i: usize) -> Organisation {
    // Inner London boroughs from E09000001 on; enough for every test here.
    format!("E09{:06}", i + 1).parse().unwrap()
}

/// A borough's pay band 1 to 3: white, black and not stated.
fn table(black: [i64; 3], not_stated: [i64; 3]) -> String {
    let mut s = String::from("ethnicity,pay_band,headcount\n");
    for band in 0..3 {
        s.push_str(&format!("white_british,{},{}\n", band + 1, 40 + band * 7));
        s.push_str(&format!("black_african,{},{}\n", band + 1, black[band]));
        s.push_str(&format!("not_stated,{},{}\n", band + 1, not_stated[band]));
    }
    s
}

fn key(group: &str, band: Option<&'static str>) -> CountKey {
    CountKey {
        measure: "headcount",
        who: People::Group(Group::parse(group).unwrap()),
        filters: band.map(|b| vec![("pay_band", b)]).unwrap_or_default(),
    }
}

fn first_release<'a>(all: &'a [Atoms]) -> Round<'a> {
    Round {
        dataset: Dataset::Workforce,
        histories: all.iter().enumerate().map(|(i, a)| History { organisation: org(i), versions: vec![a] }).collect(),
        earlier: Vec::new(),
        current: vec![Some(0); all.len()],
    }
}

#[test]
fn one_table_alone_gets_the_same_pattern_as_by_itself() {
    let a = atoms(&table([3, 20, 12], [1, 0, 11]));
    let round = first_release(std::slice::from_ref(&a));
    let got = protect_round(&round, Policy::default());
    assert_eq!(got.tables[0].as_ref().unwrap(), &Pattern::of_atoms(&a, Policy::default()));
}

#[test]
fn london_is_the_exact_sum_when_withheld_parts_span_three_boroughs() {
    // Every borough withholds its band-1 black count (3): London's band-1
    // black count (15) adds a sum over five boroughs' withheld counts.
    let all: Vec<Atoms> = (0..5).map(|_| atoms(&table([3, 20, 12], [0, 0, 0]))).collect();
    let got = protect_round(&first_release(&all), Policy::default());
    let members: Vec<Organisation> = (0..5).map(org).collect();
    let band1 = key("black_african", Some("1"));
    for t in &got.tables {
        assert!(!t.as_ref().unwrap().is_published(&band1));
    }
    assert!(got.pooled.publishes(Scope::London, &band1, &members));
    // All bands of a borough together are shown where nothing is withheld.
    assert!(got.pooled.publishes(Scope::London, &key("white", None), &members));
}

#[test]
fn a_pool_with_two_withheld_boroughs_is_not_shown() {
    // Only two boroughs withhold the count: either could subtract its own
    // and learn the other's, so the pooled count is withheld.
    let mut all: Vec<Atoms> = (0..2).map(|_| atoms(&table([3, 20, 12], [0, 0, 0]))).collect();
    all.extend((0..3).map(|_| atoms(&table([15, 20, 12], [0, 0, 0]))));
    let got = protect_round(&first_release(&all), Policy::default());
    let members: Vec<Organisation> = (0..5).map(org).collect();
    assert!(!got.pooled.publishes(Scope::London, &key("black_african", Some("1")), &members));
    assert!(got.pooled.withheld > 0 && got.pooled.candidates > got.pooled.withheld);
}

#[test]
fn a_small_pooled_count_is_never_shown() {
    let all: Vec<Atoms> = (0..3).map(|_| atoms(&table([1, 20, 12], [0, 0, 0]))).collect();
    let got = protect_round(&first_release(&all), Policy::default());
    let members: Vec<Organisation> = (0..3).map(org).collect();
    assert!(!got.pooled.publishes(Scope::London, &key("black_african", Some("1")), &members));
}

#[test]
fn a_revision_never_lets_old_and_new_totals_be_differenced() {
    // Release 1: band 2 has 20 black and 12 not stated. The correction moves
    // 2 staff from not stated to a small group in band 1 (3 -> 5 black).
    let old = atoms(&table([3, 20, 12], [4, 0, 12]));
    let new = atoms(&table([5, 20, 12], [2, 0, 12]));
    let policy = Policy::default();
    let first = protect_round(
        &Round {
            dataset: Dataset::Workforce,
            histories: vec![History { organisation: org(0), versions: vec![&old] }],
            earlier: Vec::new(),
            current: vec![Some(0)],
        },
        policy,
    );
    let old_pattern = first.tables[0].clone().unwrap();
    let round = Round {
        dataset: Dataset::Workforce,
        histories: vec![History { organisation: org(0), versions: vec![&old, &new] }],
        earlier: vec![Earlier { tables: vec![(0, 0, &old_pattern)], pooled: &first.pooled }],
        current: vec![Some(1)],
    };
    let second = protect_round(&round, policy).tables[0].clone().unwrap();
    // Alone, the new version would show its band-1 known-ethnicity and
    // all-staff totals (45 and 47: the 2 not stated are hidden only as a
    // pair). Beside the old version's published counts it must withhold
    // more: the old and new versions share every unchanged cell. (The LP
    // audit over both releases, in the disclosure-audit crate, checks that
    // nothing is pinned.)
    let alone = Pattern::of_atoms(&new, policy);
    assert!(second.secondary >= alone.secondary, "{} vs {}", second.secondary, alone.secondary);
    assert_eq!(second.available, alone.available);
}
