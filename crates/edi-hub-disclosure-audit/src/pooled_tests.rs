use edi_hub_core::disclosure::pattern::Pattern;
use edi_hub_core::disclosure::release::{Earlier, History, Round, RoundPattern, protect_round};

use super::*;
use crate::releases::{Shown, Version};
use crate::testing::{atoms, headcount, org, period, workforce};

/// A borough's pay bands 1 to 3: White British, Black African (band 1:
/// `black`) and not stated.
fn borough(black: i64) -> String {
    workforce(&[("white_british", &[40, 47, 54]), ("black_african", &[black, 20, 12]), ("not_stated", &[0, 0, 0])])
}

/// The first release of the boroughs' tables, as the hub works it out.
fn first_release(all: &[edi_hub_core::disclosure::atoms::Atoms]) -> RoundPattern {
    let round = Round {
        dataset: Dataset::Workforce,
        histories: all.iter().enumerate().map(|(i, a)| History { organisation: org(i), versions: vec![a] }).collect(),
        earlier: Vec::new(),
        current: vec![Some(0); all.len()],
    };
    protect_round(&round, Policy::default())
}

/// Each borough's single table, as shown by release 1.
fn linked(all: &[edi_hub_core::disclosure::atoms::Atoms], patterns: &[Option<Pattern>]) -> Vec<Linked> {
    all.iter()
        .zip(patterns)
        .enumerate()
        .map(|(i, (a, p))| {
            let shown = Shown { release: 1, tables: vec![(0, p.clone().expect("shown"))] };
            let versions = vec![Version { submission: format!("s{i}"), atoms: a.clone() }];
            Linked::new(org(i), period(), versions, vec![shown], Policy::default())
        })
        .collect()
}

#[test]
fn five_boroughs_pooled_over_their_withheld_counts_pin_nothing() {
    // Each borough withholds its band 1 Black African count (3); London's
    // (15) is the exact sum over five boroughs' withheld counts.
    let all: Vec<_> = (0..5).map(|_| atoms(&borough(3))).collect();
    let release = first_release(&all);
    let members: Vec<Organisation> = (0..5).map(org).collect();
    let band1 = headcount("black_african", Some("1"));
    assert!(release.pooled.publishes(edi_hub_core::benchmark::Scope::London, &band1, &members));
    let linked = linked(&all, &release.tables);
    for l in &linked {
        assert!(l.leaks(None, 1).unwrap().is_empty());
    }
    let audit = audit_pools(&linked, &[(1, vec![release.pooled.clone()])], Policy::default(), 1, None).unwrap();
    assert!(audit.shown > 0);
    assert!(audit.findings.is_empty(), "{:#?}", audit.findings);
}

#[test]
fn a_pool_of_two_boroughs_withholding_the_count_is_caught() {
    // Hand-made: London's band 1 Black African count shown over two
    // boroughs that both withhold theirs (3 each). Either borough takes its
    // own 3 away from 6 and has the other's.
    let all: Vec<_> = (0..2).map(|_| atoms(&borough(3))).collect();
    let mut release = first_release(&all);
    let band1 = headcount("black_african", Some("1"));
    let k = Counts::of(Dataset::Workforce).index(&band1).unwrap();
    let london = release.pooled.scopes.iter_mut().find(|s| s.scope == "london").unwrap();
    assert_eq!(london.members.len(), 2);
    assert!(!london.published.get(k), "the hub itself never shows it");
    london.published.set(k);
    let linked = linked(&all, &release.tables);
    let audit = audit_pools(&linked, &[(1, vec![release.pooled.clone()])], Policy::default(), 1, None).unwrap();
    let caught: Vec<&String> =
        audit.findings.iter().filter(|f| f.contains("london") && f.contains("member E0900000")).collect();
    assert_eq!(caught.len(), 2, "{:#?}", audit.findings);
    assert!(caught.iter().all(|f| f.contains("pay_band=1 (value 3)")), "{caught:#?}");
}

#[test]
fn a_pooled_count_below_k_is_a_finding() {
    let all: Vec<_> = (0..3).map(|_| atoms(&borough(1))).collect();
    let mut release = first_release(&all);
    let k = Counts::of(Dataset::Workforce).index(&headcount("black_african", Some("1"))).unwrap();
    release.pooled.scopes.iter_mut().find(|s| s.scope == "london").unwrap().published.set(k);
    let linked = linked(&all, &release.tables);
    let audit = audit_pools(&linked, &[(1, vec![release.pooled.clone()])], Policy::default(), 1, None).unwrap();
    assert!(audit.findings.iter().any(|f| f.contains("a pooled count of 3 is shown")), "{:#?}", audit.findings);
}

#[test]
fn a_group_nested_in_another_is_differenced() {
    // Hand-made: London's and Outer London's band 1 Black African counts
    // both shown. Each pools at least four withheld counts, but London minus
    // Outer London is the City of London's alone.
    let all: Vec<_> = (0..5).map(|_| atoms(&borough(3))).collect();
    let mut release = first_release(&all);
    let k = Counts::of(Dataset::Workforce).index(&headcount("black_african", Some("1"))).unwrap();
    let mut shown = 0;
    for s in release.pooled.scopes.iter_mut().filter(|s| s.scope == "london" || s.scope == "outer_london") {
        shown += usize::from(s.published.get(k));
        s.published.set(k);
    }
    assert!(shown < 2, "the hub itself never shows both");
    let linked = linked(&all, &release.tables);
    let audit = audit_pools(&linked, &[(1, vec![release.pooled.clone()])], Policy::default(), 1, None).unwrap();
    assert!(audit.derived > 0);
    assert!(
        audit.findings.iter().any(|f| f.contains("london")
            && f.contains("minus")
            && f.contains("an analyst narrows E09000001's part to [3.00, 3.00]")
            && f.contains("the part itself (value 3)")),
        "{:#?}",
        audit.findings
    );
}

#[test]
fn a_revised_quarter_pooled_as_the_hub_chooses_pins_nothing() {
    // Five boroughs; the first corrects band 1 (2 staff from not stated to
    // Black African, 8 -> 10) before release 2, which is worked out with
    // release 1 as history. London's pooled counts of both releases are
    // differenced (the other boroughs' parts cancel).
    let policy = Policy::default();
    let table = |black: i64, not_stated: i64| {
        workforce(&[
            ("white_british", &[40, 47, 54]),
            ("black_african", &[black, 20, 12]),
            ("not_stated", &[not_stated, 3, 11]),
        ])
    };
    let mut all: Vec<_> = (0..5).map(|_| atoms(&table(8, 12))).collect();
    let first = first_release(&all);
    all.push(atoms(&table(10, 10)));
    let new = &all[5];
    let mut histories: Vec<History> =
        (0..5).map(|i| History { organisation: org(i), versions: vec![&all[i]] }).collect();
    histories[0].versions.push(new);
    let earlier: Vec<(usize, usize, &Pattern)> =
        first.tables.iter().enumerate().map(|(i, p)| (i, 0, p.as_ref().unwrap())).collect();
    let mut current = vec![Some(0); 5];
    current[0] = Some(1);
    let round = Round {
        dataset: Dataset::Workforce,
        histories,
        earlier: vec![Earlier { tables: earlier, pooled: &first.pooled }],
        current,
    };
    let second = protect_round(&round, policy);
    let mut linked = linked(&all[..5], &first.tables);
    for (i, l) in linked.iter_mut().enumerate() {
        let mut versions = l.versions.clone();
        if i == 0 {
            versions.push(Version { submission: "s0b".into(), atoms: new.clone() });
        }
        let again = Shown { release: 2, tables: vec![(versions.len() - 1, second.tables[i].clone().unwrap())] };
        *l = Linked::new(org(i), period(), versions, vec![l.releases[0].clone(), again], policy);
        assert!(l.leaks(None, 1).unwrap().is_empty(), "{i}");
    }
    let pooled = [(1, vec![first.pooled.clone()]), (2, vec![second.pooled.clone()])];
    let audit = audit_pools(&linked, &pooled, policy, 1, None).unwrap();
    assert!(audit.derived > 0 && audit.narrowed > 0, "{audit:#?}");
    assert!(audit.findings.is_empty(), "{:#?}", audit.findings);
}
