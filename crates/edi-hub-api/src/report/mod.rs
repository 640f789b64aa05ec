//! The printable borough report: one organisation and quarter as an HTML
//! document laid out for A4. Every figure in it is a cell of the benchmark
//! answers the caller gets from the profile (the same engine answers,
//! disclosure control and release rules): a withheld cell prints as `[c]`,
//! and nothing here works a figure out that the answers do not show.
//! Everything written into the document is escaped ([`html::esc`]).

mod chart;
mod html;
mod sentence;
mod targets;

use chrono::{DateTime, Utc};
use edi_hub_core::benchmark::{Column, Row, Scope};
use edi_hub_core::disclosure::Viewer;
use edi_hub_core::metrics::MetricDef;
use edi_hub_core::{Organisation, Period};
use edi_hub_query::{Answer, PeriodRelease};
use edi_hub_store::PeriodState;

use crate::handlers::Target;

pub use html::esc;

/// What a report is drawn from.
#[derive(Debug)]
pub struct Report<'a> {
    pub organisation: Organisation,
    pub period: Period,
    /// The profile's answers: every metric at its defaults, the
    /// organisation's row and its comparators', redacted for the caller.
    pub answers: &'a [Answer],
    /// The organisation's targets the caller may see, judged as of `period`.
    pub targets: &'a [Target],
    pub viewer: Viewer,
    /// The smallest count of people shown to others (`k`).
    pub min_count: i64,
    /// The hub serves the generated demo data set.
    pub synthetic: bool,
    pub generated_at: DateTime<Utc>,
}

/// A cell as the caller may see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shown {
    /// A number shown to the caller.
    Value(f64),
    /// Withheld by disclosure control: printed `[c]`.
    Withheld,
    /// No figure (no data, no row, or undefined such as a pooled median).
    Missing,
}

/// The cell `column` of `row` as the caller may see it. Fails closed: a
/// column listed as suppressed is withheld whatever the row holds.
pub fn shown(row: Option<&Row>, column: Column) -> Shown {
    let Some(row) = row else { return Shown::Missing };
    if row.withholds(column) {
        return Shown::Withheld;
    }
    let value = match column {
        Column::Value => row.value,
        Column::Numerator => row.numerator,
        Column::Denominator => row.denominator,
        Column::Min => row.min,
        Column::Q1 => row.q1,
        Column::Median => row.median,
        Column::Q3 => row.q3,
        Column::Max => row.max,
        Column::LowerCi => row.lower_ci,
        Column::UpperCi => row.upper_ci,
        Column::ComparedWithLondon => None,
    };
    match value {
        Some(v) if v.is_finite() => Shown::Value(v),
        _ => Shown::Missing,
    }
}

/// One measure of the report: a metric with the organisation's row and its comparators'.
#[derive(Debug)]
pub struct Measure<'a> {
    pub metric: &'static MetricDef,
    pub parameters: Vec<(&'static str, &'static str)>,
    pub own: Option<&'a Row>,
    pub london: Option<&'a Row>,
    /// Inner or outer London.
    pub area: Option<&'a Row>,
    /// The sub-regional partnership (none for the City of London).
    pub partnership: Option<&'a Row>,
}

/// The comparison groups of `organisation`, in the report's column order.
pub fn comparators(organisation: Organisation) -> Vec<Scope> {
    let area = if Scope::InnerLondon.includes(organisation) { Scope::InnerLondon } else { Scope::OuterLondon };
    let mut scopes = vec![Scope::London, area];
    scopes.extend(organisation.sub_region().map(Scope::SubRegion));
    scopes
}

impl<'a> Measure<'a> {
    fn of(answer: &'a Answer, organisation: Organisation) -> Measure<'a> {
        let row = |scope: Scope| answer.rows.iter().find(|r| r.scope == scope);
        let scopes = comparators(organisation);
        Measure {
            metric: answer.metric,
            parameters: answer.params.to_map().into_iter().collect(),
            own: answer.rows.iter().find(|r| r.scope == Scope::Organisation && r.organisation == Some(organisation)),
            london: row(Scope::London),
            area: row(scopes[1]),
            partnership: scopes.get(2).and_then(|s| row(*s)),
        }
    }

    /// The row of a comparison scope.
    pub fn summary(&self, scope: Scope) -> Option<&'a Row> {
        match scope {
            Scope::London => self.london,
            Scope::InnerLondon | Scope::OuterLondon => self.area,
            Scope::SubRegion(_) => self.partnership,
            Scope::Organisation => self.own,
        }
    }

    /// A parameter's value (defaults included).
    pub fn parameter(&self, name: &str) -> Option<&'static str> {
        self.parameters.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }
}

impl Report<'_> {
    /// The report's measures, in catalogue order.
    pub fn measures(&self) -> Vec<Measure<'_>> {
        self.answers.iter().map(|a| Measure::of(a, self.organisation)).collect()
    }

    /// Where the quarter stands (its latest release), as the answers say.
    pub fn release(&self) -> Option<&PeriodRelease> {
        self.answers.first().and_then(|a| a.releases.iter().find(|r| r.period == self.period))
    }

    /// Whether the quarter has been published.
    pub fn published(&self) -> bool {
        self.release().is_some_and(|r| r.state == PeriodState::Published)
    }

    /// Whether any figure of the report is provisional: not from a release
    /// (a borough's row, or a pool over any borough's figures; a pool with
    /// no member figures has no release and holds nothing).
    pub fn provisional(&self) -> bool {
        let provisional =
            |r: &Row| r.release.is_none() && (r.scope == Scope::Organisation || r.contributors.is_some_and(|n| n > 0));
        !self.published() || self.answers.iter().flat_map(|a| a.rows.iter()).any(provisional)
    }

    /// The whole document.
    pub fn render(&self) -> String {
        html::document(self)
    }
}

/// `x` with `places` decimals, a tie rounded away from zero, as the
/// dashboard's `toFixed` writes it (so the report and the dashboard agree).
pub fn fixed(x: f64, places: usize) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    // Far more digits than any tie needs: a double is a tie at `places`
    // only when its exact expansion ends in 5 right after them.
    let long = format!("{:.*}", places + 30, x.abs());
    let (int, frac) = long.split_once('.').unwrap_or((long.as_str(), ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes().take(places)).map(|b| b - b'0').collect();
    if frac.as_bytes().get(places).is_some_and(|d| *d >= b'5') {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, 1);
                break;
            }
            i -= 1;
            if digits[i] == 9 {
                digits[i] = 0;
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - places;
    let text = |ds: &[u8]| ds.iter().map(|d| char::from(b'0' + d)).collect::<String>();
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    out.push_str(&text(&digits[..split]));
    if places > 0 {
        out.push('.');
        out.push_str(&text(&digits[split..]));
    }
    out
}

/// A value in a metric's unit, as the dashboard writes it.
pub fn format_value(v: f64, unit: &str) -> String {
    match unit {
        "percent" => format!("{}%", fixed(v, 1)),
        "ratio" => fixed(v, 2),
        _ => fixed(v, 2),
    }
}

/// Display label of a parameter value.
pub fn parameter_label(name: &str, value: &str) -> String {
    match (name, value) {
        ("group", code) => edi_hub_core::ethnicity::label(code).unwrap_or(code).to_string(),
        ("pay_band", band) => format!("band {band}"),
        (_, "true") => "yes".into(),
        (_, "false") => "no".into(),
        (_, v) => v.replace('_', " "),
    }
}

/// Display name of a parameter.
pub fn parameter_name(name: &str) -> String {
    match name {
        "group" => "ethnic group".into(),
        "pay_band" => "pay band".into(),
        "senior_leadership" => "senior leadership".into(),
        "top_5_percent" => "top 5% of earners".into(),
        "case_type" => "case type".into(),
        "question" => "survey question".into(),
        other => other.replace('_', " "),
    }
}

/// The months a quarter covers and its snapshot day.
pub fn quarter_text(period: Period) -> String {
    let (months, day) = match period.quarter() {
        1 => ("January to March", "31 March"),
        2 => ("April to June", "30 June"),
        3 => ("July to September", "30 September"),
        _ => ("October to December", "31 December"),
    };
    format!("{months} {year}, staff at {day} {year}", year = period.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_rounds_ties_away_from_zero_like_to_fixed() {
        assert_eq!(fixed(0.25, 1), "0.3");
        assert_eq!(fixed(12.25, 1), "12.3");
        assert_eq!(fixed(-12.25, 1), "-12.3");
        assert_eq!(fixed(0.125, 2), "0.13");
        assert_eq!(fixed(99.96, 1), "100.0");
        assert_eq!(fixed(9.995, 2), "9.99"); // 9.995 is just below the tie as a double
        assert_eq!(fixed(44.1, 1), "44.1");
        assert_eq!(fixed(0.0, 2), "0.00");
        assert_eq!(fixed(-0.04, 1), "-0.0");
        assert_eq!(fixed(1.0 / 3.0, 2), "0.33");
        assert_eq!(fixed(f64::NAN, 1), "–");
        assert_eq!(format_value(48.9123, "percent"), "48.9%");
        assert_eq!(format_value(0.855, "ratio"), "0.85"); // 0.855 is below the tie as a double
    }

    #[test]
    fn quarters_in_words() {
        assert_eq!(quarter_text("2025-Q1".parse().unwrap()), "January to March 2025, staff at 31 March 2025");
        assert_eq!(quarter_text("2024-Q4".parse().unwrap()), "October to December 2024, staff at 31 December 2024");
    }
}
