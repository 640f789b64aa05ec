use super::*;
use crate::disclosure::{Policy, Viewer};
use crate::metrics::MetricDef;
use crate::organisation::SubRegion;
use crate::significance::Comparison;

fn fig(org: &str, num: f64, den: f64) -> Figure {
    Figure {
        organisation: org.parse().unwrap(),
        period: "2025-Q1".parse().unwrap(),
        inputs: vec![num, den],
        hidden: Withheld::per_input(vec![false; 4]),
        release: Some(1),
        revised: false,
    }
}

fn share() -> &'static MetricDef {
    MetricDef::find("workforce_share").unwrap()
}

#[test]
fn quantiles_interpolate() {
    let v = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(quantile(&v, 0.25), Some(1.75));
    assert_eq!(quantile(&v, 0.5), Some(2.5));
    assert_eq!(quantile(&[5.0], 0.75), Some(5.0));
    assert_eq!(quantile(&[], 0.5), None);
}

#[test]
fn primary_suppression_and_own_view() {
    let figures = vec![
        fig("E09000001", 5.0, 50.0),
        fig("E09000002", 20.0, 80.0),
        fig("E09000003", 0.0, 40.0),
        fig("E09000004", 10.0, 200.0),
    ];
    let period = ["2025-Q1".parse().unwrap()];
    let rows = assemble(share(), &figures, &period, Viewer::Public, Policy::default());
    assert_eq!(rows[0].numerator, None);
    assert_eq!(rows[0].value, None);
    assert_eq!(rows[0].denominator, Some(50.0));
    assert_eq!(
        rows[0].suppressed,
        vec![Column::Numerator, Column::Value, Column::LowerCi, Column::UpperCi, Column::ComparedWithLondon]
    );
    assert_eq!(rows[0].rank, None);
    assert_eq!(rows[1].value, Some(25.0));
    assert_eq!(rows[1].rank, Some(1));
    // 20 of 80 against London's 30 of 320 (9.4%): Wilson 16.806..35.485 (checked in Python), higher.
    assert_eq!((rows[1].lower_ci, rows[1].upper_ci), (Some(16.8), Some(35.49)));
    assert_eq!(rows[1].compared_with_london, Some(Comparison::Higher));
    assert_eq!(rows[2].compared_with_london, Some(Comparison::Lower));
    assert_eq!(rows[2].value, Some(0.0));
    assert_eq!(rows[2].rank, Some(3));
    // London pools the boroughs whose figures are shown: City's 5 stays
    // out, so London minus the others gives nothing back.
    let london = &rows[4];
    assert_eq!(london.scope, Scope::London);
    assert_eq!(london.contributors, Some(3));
    assert_eq!(london.numerator, Some(30.0));
    assert_eq!(london.denominator, Some(320.0));
    assert_eq!(london.min, Some(0.0));
    assert_eq!(london.max, Some(25.0));
    let shown: f64 = rows[..4].iter().filter(|r| r.suppressed.is_empty()).filter_map(|r| r.numerator).sum();
    assert_eq!(london.numerator, Some(shown));

    let own = assemble(share(), &figures, &period, Viewer::Member("E09000001".parse().unwrap()), Policy::default());
    assert_eq!(own[0].value, Some(10.0));
    assert!(own[0].suppressed.is_empty());
    assert_eq!(own[1].rank, Some(1));
    assert_eq!(own[0].rank, Some(2));
    // The borough sees the same pool as everyone else.
    assert_eq!(own[4].numerator, Some(30.0));

    // A steward sees the whole pool.
    let steward = assemble(share(), &figures, &period, Viewer::Steward, Policy::default());
    assert_eq!(
        (steward[4].contributors, steward[4].numerator, steward[4].denominator),
        (Some(4), Some(35.0), Some(370.0))
    );
}

#[test]
fn a_pool_leaves_out_members_with_a_withheld_input() {
    // E09000002's denominator (80) is withheld by its protected pattern.
    let mut figures = vec![
        fig("E09000001", 50.0, 500.0),
        fig("E09000002", 20.0, 80.0),
        fig("E09000003", 30.0, 300.0),
        fig("E09000004", 40.0, 400.0),
    ];
    figures[1].hidden = Withheld::per_input(vec![false, true]);
    let period = ["2025-Q1".parse().unwrap()];
    let rows = assemble(share(), &figures, &period, Viewer::Public, Policy::default());
    assert_eq!(
        rows[1].suppressed,
        vec![Column::Denominator, Column::Value, Column::LowerCi, Column::UpperCi, Column::ComparedWithLondon]
    );
    let london = &rows[4];
    assert_eq!((london.contributors, london.numerator, london.denominator), (Some(3), Some(120.0), Some(1200.0)));
    assert_eq!(london.value, Some(10.0));
    // Fewer than three poolable members: no numbers at all.
    figures[2].hidden = Withheld::per_input(vec![true, false]);
    let rows = assemble(share(), &figures, &period, Viewer::Public, Policy::default());
    assert_eq!(rows[4].contributors, Some(2));
    assert_eq!((rows[4].value, rows[4].numerator, rows[4].median), (None, None, None));
    assert!(
        [Column::Value, Column::Numerator, Column::Denominator, Column::Median].iter().all(|c| rows[4].withholds(*c))
    );
    // No poolable member at all: still marked withheld, never blank.
    for f in &mut figures {
        f.hidden = Withheld::per_input(vec![true, true]);
    }
    let rows = assemble(share(), &figures, &period, Viewer::Public, Policy::default());
    assert_eq!(rows[4].contributors, Some(0));
    assert!(rows[4].value.is_none() && rows[4].withholds(Column::Value), "{:?}", rows[4]);
}

#[test]
fn small_summaries_show_no_numbers() {
    let figures = vec![fig("E09000001", 50.0, 500.0), fig("E09000007", 20.0, 80.0)];
    let period = ["2025-Q1".parse().unwrap()];
    let rows = assemble(share(), &figures, &period, Viewer::Public, Policy::default());
    let clf = rows.iter().find(|r| r.scope == Scope::SubRegion(SubRegion::CentralLondonForward)).unwrap();
    assert_eq!(clf.contributors, Some(2));
    assert_eq!(clf.value, None);
    assert_eq!(clf.median, None);
    assert!(clf.withholds(Column::Median));
    let steward = assemble(share(), &figures, &period, Viewer::Steward, Policy::default());
    let clf = steward.iter().find(|r| r.scope == Scope::SubRegion(SubRegion::CentralLondonForward)).unwrap();
    assert_eq!(clf.numerator, Some(70.0));
}
