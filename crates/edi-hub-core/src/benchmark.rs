//! Benchmark answers: one row per organisation with data, then summary rows
//! for London, inner and outer London and each sub-regional partnership,
//! with ranks and quartiles, redacted for the viewer.

use crate::disclosure::{MIN_CONTRIBUTORS, Policy, Viewer};
use crate::metrics::{Direction, Evaluated, MetricDef, Redaction};
use crate::organisation::{InnerOuter, Organisation, SubRegion};
use crate::period::Period;
use crate::significance::Comparison;

/// The comparison a row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Organisation,
    London,
    InnerLondon,
    OuterLondon,
    SubRegion(SubRegion),
}

impl Scope {
    /// Every summary scope, in answer order.
    pub fn summaries() -> Vec<Scope> {
        let mut s = vec![Scope::London, Scope::InnerLondon, Scope::OuterLondon];
        s.extend(SubRegion::ALL.map(Scope::SubRegion));
        s
    }

    pub fn id(self) -> &'static str {
        match self {
            Scope::Organisation => "organisation",
            Scope::London => "london",
            Scope::InnerLondon => "inner_london",
            Scope::OuterLondon => "outer_london",
            Scope::SubRegion(r) => r.id(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Organisation => "",
            Scope::London => "London",
            Scope::InnerLondon => "Inner London",
            Scope::OuterLondon => "Outer London",
            Scope::SubRegion(r) => r.name(),
        }
    }

    /// Whether an organisation belongs to this comparison group.
    pub fn includes(self, o: Organisation) -> bool {
        match self {
            Scope::Organisation => false,
            Scope::London => true,
            Scope::InnerLondon => o.inner_outer() == InnerOuter::Inner,
            Scope::OuterLondon => o.inner_outer() == InnerOuter::Outer,
            Scope::SubRegion(r) => o.sub_region() == Some(r),
        }
    }
}

/// A column of an answer row that disclosure control can withhold. Named
/// by type, not by text: a misspelt column cannot compile, where a string
/// would silently publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Value,
    Numerator,
    Denominator,
    Min,
    Q1,
    Median,
    Q3,
    Max,
    LowerCi,
    UpperCi,
    ComparedWithLondon,
}

impl Column {
    /// Every column holding a number.
    pub const NUMBERS: [Column; 10] = [
        Column::Value,
        Column::Numerator,
        Column::Denominator,
        Column::Min,
        Column::Q1,
        Column::Median,
        Column::Q3,
        Column::Max,
        Column::LowerCi,
        Column::UpperCi,
    ];

    /// The column's name in every answer format.
    pub fn name(self) -> &'static str {
        match self {
            Column::Value => "value",
            Column::Numerator => "numerator",
            Column::Denominator => "denominator",
            Column::Min => "min",
            Column::Q1 => "q1",
            Column::Median => "median",
            Column::Q3 => "q3",
            Column::Max => "max",
            Column::LowerCi => "lower_ci",
            Column::UpperCi => "upper_ci",
            Column::ComparedWithLondon => "compared_with_london",
        }
    }
}

/// Per input of a metric, whether the owner's protected pattern withholds
/// it from other viewers. Fails closed: an input with no flag counts as
/// withheld, so a figure built without its flags publishes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Withheld(Vec<bool>);

impl Withheld {
    /// One flag per input, in the metric's input order.
    pub fn per_input(flags: Vec<bool>) -> Withheld {
        Withheld(flags)
    }

    /// Whether input `i` is withheld (true when there is no flag for it).
    pub fn input(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(true)
    }

    /// Whether any of the first `n` inputs is withheld.
    pub fn any(&self, n: usize) -> bool {
        (0..n).any(|i| self.input(i))
    }
}

/// One organisation's unredacted inputs of a metric for one period
/// (see [`MetricDef::inputs`]), and which of them its submission's
/// protected pattern withholds from other viewers.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub organisation: Organisation,
    pub period: Period,
    pub inputs: Vec<f64>,
    /// Per input: withheld by the submission's protected pattern.
    pub hidden: Withheld,
}

/// One row of a benchmark answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub scope: Scope,
    pub organisation: Option<Organisation>,
    pub name: String,
    pub period: Period,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub rank: Option<u32>,
    pub contributors: Option<u32>,
    pub min: Option<f64>,
    pub q1: Option<f64>,
    pub median: Option<f64>,
    pub q3: Option<f64>,
    pub max: Option<f64>,
    /// 95% confidence interval of the value (see [`crate::significance`]).
    pub lower_ci: Option<f64>,
    pub upper_ci: Option<f64>,
    /// Organisation rows: the value against London's (Fingertips convention).
    pub compared_with_london: Option<Comparison>,
    /// Columns whose value is withheld by disclosure control.
    pub suppressed: Vec<Column>,
}

impl Row {
    fn new(scope: Scope, organisation: Option<Organisation>, name: String, period: Period) -> Row {
        Row {
            scope,
            organisation,
            name,
            period,
            value: None,
            numerator: None,
            denominator: None,
            rank: None,
            contributors: None,
            min: None,
            q1: None,
            median: None,
            q3: None,
            max: None,
            lower_ci: None,
            upper_ci: None,
            compared_with_london: None,
            suppressed: Vec::new(),
        }
    }

    /// Withholds every number of a summary row (too few contributors).
    fn hide_numbers(&mut self) {
        for c in Column::NUMBERS {
            if self.cell(c).is_some_and(|v| v.is_some()) {
                self.hide(c);
            }
        }
    }

    /// The number in `column` (`None` for the flag, which is not a number).
    fn cell(&mut self, column: Column) -> Option<&mut Option<f64>> {
        Some(match column {
            Column::Value => &mut self.value,
            Column::Numerator => &mut self.numerator,
            Column::Denominator => &mut self.denominator,
            Column::Min => &mut self.min,
            Column::Q1 => &mut self.q1,
            Column::Median => &mut self.median,
            Column::Q3 => &mut self.q3,
            Column::Max => &mut self.max,
            Column::LowerCi => &mut self.lower_ci,
            Column::UpperCi => &mut self.upper_ci,
            Column::ComparedWithLondon => return None,
        })
    }

    /// Withholds one cell and lists it in `suppressed`.
    fn hide(&mut self, column: Column) {
        match self.cell(column) {
            Some(cell) => *cell = None,
            None => self.compared_with_london = None,
        }
        if !self.suppressed.contains(&column) {
            self.suppressed.push(column);
        }
    }

    /// Whether disclosure control withholds `column` in this row.
    pub fn withholds(&self, column: Column) -> bool {
        self.suppressed.contains(&column)
    }
}

/// Builds the answer rows for every period of `periods` from unredacted
/// figures, redacted for `viewer` under `policy`.
pub fn assemble(
    metric: &MetricDef,
    figures: &[Figure],
    periods: &[Period],
    viewer: Viewer,
    policy: Policy,
) -> Vec<Row> {
    let mut rows = Vec::new();
    for &period in periods {
        let mut these: Vec<&Figure> = figures.iter().filter(|f| f.period == period).collect();
        these.sort_by_key(|f| f.organisation);
        let (mut org_rows, intervals): (Vec<Row>, Vec<Option<(f64, f64)>>) =
            these.iter().map(|f| organisation_row(metric, f, viewer, policy)).unzip();
        rank(metric.direction, &mut org_rows);
        let summaries: Vec<Row> = Scope::summaries()
            .into_iter()
            .map(|scope| summary_row(metric, scope, period, &these, &org_rows, viewer, policy))
            .collect();
        let london = summaries.iter().find(|r| r.scope == Scope::London).and_then(|r| r.value);
        for (row, interval) in org_rows.iter_mut().zip(intervals) {
            compare_with_london(row, interval, london);
        }
        rows.extend(org_rows);
        rows.extend(summaries);
    }
    rows
}

/// Fills value, numerator, denominator and the value's interval from
/// `inputs`; returns the interval (unredacted).
fn fill(row: &mut Row, metric: &MetricDef, inputs: &[f64], pooled: bool) -> Option<(f64, f64)> {
    let e: Evaluated = metric.evaluate(inputs, pooled);
    row.value = e.value;
    row.numerator = e.numerator;
    row.denominator = e.denominator;
    let interval = e.value.and_then(|v| metric.interval(inputs, Some(v)));
    if let Some((lower, upper)) = interval {
        row.lower_ci = Some(lower);
        row.upper_ci = Some(upper);
    }
    interval
}

/// The organisation's flag from its unredacted `interval` against London's
/// value as shown; withheld with the organisation's value.
fn compare_with_london(row: &mut Row, interval: Option<(f64, f64)>, london: Option<f64>) {
    let Some((lower, upper)) = interval else { return };
    let Some(london) = london else { return };
    if row.value.is_some() {
        row.compared_with_london = Some(Comparison::of(lower, upper, london));
    } else {
        row.hide(Column::ComparedWithLondon);
    }
}

/// An organisation's row, redacted for `viewer`, and its unredacted interval.
fn organisation_row(metric: &MetricDef, f: &Figure, viewer: Viewer, policy: Policy) -> (Row, Option<(f64, f64)>) {
    let o = f.organisation;
    let mut row = Row::new(Scope::Organisation, Some(o), o.name().to_string(), f.period);
    let interval = fill(&mut row, metric, &f.inputs, false);
    if !viewer.sees_unredacted(o) {
        redact(&mut row, metric.redaction(&f.inputs, &f.hidden, policy));
    }
    (row, interval)
}

/// Withholds the cells disclosure control names (those that hold a number);
/// the interval goes with the value.
fn redact(row: &mut Row, r: Redaction) {
    for (column, withheld) in [
        (Column::Numerator, r.numerator),
        (Column::Denominator, r.denominator),
        (Column::Value, r.value),
        (Column::LowerCi, r.value),
        (Column::UpperCi, r.value),
    ] {
        if withheld && row.cell(column).is_some_and(|v| v.is_some()) {
            row.hide(column);
        }
    }
}

/// Competition ranking ("1224") of the values shown, best first.
fn rank(direction: Direction, rows: &mut [Row]) {
    let key = |v: f64| match direction {
        Direction::HigherIsBetter | Direction::Neutral => -v,
        Direction::LowerIsBetter => v,
        Direction::CloserTo1 => (v - 1.0).abs(),
    };
    let keys: Vec<Option<f64>> = rows.iter().map(|r| r.value.map(key)).collect();
    for (i, row) in rows.iter_mut().enumerate() {
        if let Some(k) = keys[i] {
            let better = keys.iter().flatten().filter(|o| **o < k).count();
            row.rank = Some(better as u32 + 1);
        }
    }
}

/// Linear-interpolation quantile (numpy's default, Excel's QUARTILE.INC) of sorted values.
pub fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let pos = p * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64))
}

fn summary_row(
    metric: &MetricDef,
    scope: Scope,
    period: Period,
    figures: &[&Figure],
    org_rows: &[Row],
    viewer: Viewer,
    policy: Policy,
) -> Row {
    let mut row = Row::new(scope, None, scope.name().to_string(), period);
    let members: Vec<&Figure> = figures.iter().copied().filter(|f| scope.includes(f.organisation)).collect();
    // Stewards see the whole pool. Everyone else sees a pool of the members
    // none of whose inputs is withheld from them: a sum of published member
    // figures, so "London minus the other boroughs" gives back nothing, in
    // any answer, before or after later uploads. (The viewer's own withheld
    // figures stay out too, so a borough and an analyst see the same pool.)
    let pooled_members: Vec<&Figure> = if viewer.is_steward() {
        members.clone()
    } else {
        members.iter().copied().filter(|f| metric.pools(&f.inputs, &f.hidden, policy)).collect()
    };
    let contributors = pooled_members.iter().filter(|f| metric.evaluate(&f.inputs, false).value.is_some()).count();
    row.contributors = Some(contributors as u32);
    if members.is_empty() {
        return row;
    }
    let enough = contributors >= MIN_CONTRIBUTORS;
    // Short of contributors every member is pooled, so that each figure the
    // whole pool has is marked withheld below rather than left blank.
    let pool = if enough || viewer.is_steward() { &pooled_members } else { &members };
    let width = metric.inputs().len();
    let pooled: Vec<f64> =
        (0..width).map(|i| pool.iter().map(|f| f.inputs.get(i).copied().unwrap_or(0.0)).sum()).collect();
    fill(&mut row, metric, &pooled, true);
    let mut shown: Vec<f64> =
        org_rows.iter().filter(|r| r.organisation.is_some_and(|o| scope.includes(o))).filter_map(|r| r.value).collect();
    shown.sort_by(f64::total_cmp);
    row.min = shown.first().copied();
    row.q1 = quantile(&shown, 0.25);
    row.median = quantile(&shown, 0.5);
    row.q3 = quantile(&shown, 0.75);
    row.max = shown.last().copied();
    if viewer.is_steward() {
        return row;
    }
    if !enough {
        row.hide_numbers();
    } else {
        // A pool sums only members none of whose inputs is withheld, so no
        // pooled input is withheld by a pattern; the base rules (a rate on
        // fewer than k) still apply to the pool.
        let published = Withheld::per_input(vec![false; pooled.len()]);
        redact(&mut row, metric.redaction(&pooled, &published, policy));
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fig(org: &str, num: f64, den: f64) -> Figure {
        Figure {
            organisation: org.parse().unwrap(),
            period: "2025-Q1".parse().unwrap(),
            inputs: vec![num, den],
            hidden: Withheld::per_input(vec![false; 4]),
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
            [Column::Value, Column::Numerator, Column::Denominator, Column::Median]
                .iter()
                .all(|c| rows[4].withholds(*c))
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
}
