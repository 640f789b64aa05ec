//! One plain-English sentence per measure, from the figures the caller may
//! see. A withheld figure is written `[c]` and the sentence says nothing
//! about it: no comparison, no direction, no number.

use edi_hub_core::benchmark::Column;
use edi_hub_core::ethnicity;
use edi_hub_core::significance::Comparison;
use edi_hub_core::{Organisation, benchmark::Row};

use super::{Measure, Shown, format_value, shown};

/// The group a measure is about, as a phrase: "Black, Asian and Multi-ethnic groups".
pub fn group_phrase(code: &str) -> String {
    match code {
        ethnicity::ETHNIC_MINORITY => "Black, Asian and Multi-ethnic groups".into(),
        code => format!("the {} group", ethnicity::label(code).unwrap_or(code)),
    }
}

/// What the measure says, around its value `v` (already formatted).
fn clause(m: &Measure, value: f64, v: &str) -> String {
    let group = group_phrase(m.parameter("group").unwrap_or(ethnicity::ETHNIC_MINORITY));
    match m.metric.id {
        "declaration_rate" => format!("{v} of staff have a recorded ethnicity"),
        "workforce_share" => format!("{v} of staff with known ethnicity are from {group}"),
        "representation_ratio" => {
            format!(
                "Staff from {group} are represented at {v} times their share of the borough's residents (1 = representative)"
            )
        }
        "pay_gap_mean" | "pay_gap_median" => {
            let kind = if m.metric.id == "pay_gap_mean" { "mean" } else { "median" };
            let abs = format_value(value.abs(), m.metric.unit);
            let how = if v == format_value(0.0, m.metric.unit) || v == format_value(-0.0, m.metric.unit) {
                "the same per hour as".to_string()
            } else if value > 0.0 {
                format!("{abs} less per hour than")
            } else {
                format!("{abs} more per hour than")
            };
            format!("Staff from {group} are paid {how} White staff ({kind} pay gap {v})")
        }
        "appointment_rl" => format!(
            "Shortlisted applicants from {group} are {v} times as likely to be appointed as White shortlisted applicants (1 = equally likely)"
        ),
        "shortlisting_rl" => {
            format!(
                "Applicants from {group} are {v} times as likely to be shortlisted as White applicants (1 = equally likely)"
            )
        }
        "casework_rl" => {
            let case = m.parameter("case_type").unwrap_or("disciplinary").replace('_', " ");
            format!(
                "Staff from {group} are {v} times as likely as White staff to be in a formal {case} case (1 = equally likely)"
            )
        }
        "progression_rl" => {
            let event = match m.parameter("event").unwrap_or("promotion") {
                "promotion" => "be promoted".to_string(),
                "acting_up" => "act up".into(),
                "secondment" => "be seconded".into(),
                "starter" => "join".into(),
                "leaver" => "leave".into(),
                "non_mandatory_training" => "take non-mandatory training".into(),
                "development_programme" => "join a development programme".into(),
                "mentoring" => "be mentored".into(),
                other => format!("have a {} event", other.replace('_', " ")),
            };
            format!("Staff from {group} are {v} times as likely as White staff to {event} (1 = equally likely)")
        }
        "survey_positive_rate" => {
            let question = match m.parameter("question").unwrap_or("race_equality_approach") {
                "race_equality_approach" => "about the organisation's approach to race equality".to_string(),
                "equal_opportunities_progression" => "about equal opportunities for career progression".into(),
                other => format!("to the staff survey question on {}", other.replace('_', " ")),
            };
            format!("{v} of staff from {group} who answered the staff survey responded positively {question}")
        }
        other => format!("{} ({other}) is {v}", m.metric.title),
    }
}

/// The comparison with London's figure, when both are shown.
fn against_london(m: &Measure, own: f64, own_text: &str, own_row: Option<&Row>) -> String {
    let unit = m.metric.unit;
    let gap = m.metric.id.starts_with("pay_gap");
    let theirs = if gap { "London's gap of" } else { "London's" };
    match shown(m.london, Column::Value) {
        Shown::Value(london) => {
            let london_text = format_value(london, unit);
            if london_text == own_text {
                return format!(", the same as {theirs} {london_text}");
            }
            let word = if own > london { "higher" } else { "lower" };
            let flag =
                own_row.filter(|r| !r.withholds(Column::ComparedWithLondon)).and_then(|r| r.compared_with_london);
            match flag {
                Some(Comparison::Higher | Comparison::Lower) => {
                    format!(", {word} than {theirs} {london_text}, a difference larger than chance alone would give")
                }
                Some(Comparison::Similar) => {
                    format!(", {word} than {theirs} {london_text}, a difference that may be down to chance")
                }
                None => format!(", {word} than {theirs} {london_text}"),
            }
        }
        Shown::Withheld => "; London's figure is withheld [c]".into(),
        Shown::Missing => "; London has no figure to compare with".into(),
    }
}

/// London's figure alone, for a sentence without the borough's.
fn london_only(m: &Measure) -> String {
    match shown(m.london, Column::Value) {
        Shown::Value(l) => format!("; London's is {}", format_value(l, m.metric.unit)),
        Shown::Withheld => "; London's is withheld [c] too".into(),
        Shown::Missing => String::new(),
    }
}

/// The sentence for one measure.
pub fn sentence(m: &Measure, organisation: Organisation) -> String {
    let name = organisation.name();
    match shown(m.own, Column::Value) {
        Shown::Value(v) => {
            let text = format_value(v, m.metric.unit);
            format!("{}{}.", clause(m, v, &text), against_london(m, v, &text, m.own))
        }
        Shown::Withheld => format!("{name}'s figure is withheld [c] to protect individuals{}.", london_only(m)),
        Shown::Missing => format!("{name} has no figure for this quarter{}.", london_only(m)),
    }
}

#[cfg(test)]
mod tests {
    use edi_hub_core::benchmark::Scope;
    use edi_hub_core::metrics::MetricDef;
    use edi_hub_core::significance::Comparison;

    use super::*;

    fn row(scope: Scope, value: Option<f64>, suppressed: Vec<Column>) -> Row {
        Row {
            scope,
            organisation: None,
            name: String::new(),
            period: "2025-Q1".parse().unwrap(),
            value,
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
            suppressed,
            release: Some(1),
            revised: false,
        }
    }

    fn measure<'a>(id: &str, own: Option<&'a Row>, london: Option<&'a Row>) -> Measure<'a> {
        let metric = MetricDef::find(id).unwrap();
        let params = metric.resolve(&Default::default()).unwrap();
        Measure {
            metric,
            parameters: params.to_map().into_iter().collect(),
            own,
            london,
            area: None,
            partnership: None,
        }
    }

    const HARROW: &str = "E09000015";

    #[test]
    fn the_example_sentence() {
        let mut own = row(Scope::Organisation, Some(48.91), vec![]);
        own.compared_with_london = Some(Comparison::Higher);
        let london = row(Scope::London, Some(44.1), vec![]);
        let s = sentence(&measure("workforce_share", Some(&own), Some(&london)), HARROW.parse().unwrap());
        assert_eq!(
            s,
            "48.9% of staff with known ethnicity are from Black, Asian and Multi-ethnic groups, higher than London's 44.1%, a difference larger than chance alone would give."
        );
    }

    #[test]
    fn a_withheld_figure_is_never_described() {
        let own = row(Scope::Organisation, None, vec![Column::Value, Column::ComparedWithLondon]);
        let london = row(Scope::London, Some(61.0), vec![]);
        let s = sentence(&measure("survey_positive_rate", Some(&own), Some(&london)), HARROW.parse().unwrap());
        assert_eq!(s, "Harrow's figure is withheld [c] to protect individuals; London's is 61.0%.");
        // Even if a value slipped through beside its suppression flag, it is not used.
        let leaky = row(Scope::Organisation, Some(44.4), vec![Column::Value]);
        let s = sentence(&measure("survey_positive_rate", Some(&leaky), Some(&london)), HARROW.parse().unwrap());
        assert!(!s.contains("44.4") && !s.contains("higher") && !s.contains("lower"), "{s}");
        let own = row(Scope::Organisation, Some(0.8), vec![]);
        let hidden_london = row(Scope::London, None, vec![Column::Value]);
        let s = sentence(&measure("casework_rl", Some(&own), Some(&hidden_london)), HARROW.parse().unwrap());
        assert_eq!(
            s,
            "Staff from Black, Asian and Multi-ethnic groups are 0.80 times as likely as White staff to be in a formal disciplinary case (1 = equally likely); London's figure is withheld [c]."
        );
    }

    #[test]
    fn pay_gaps_say_which_way() {
        let london = row(Scope::London, Some(7.5), vec![]);
        let own = row(Scope::Organisation, Some(-3.25), vec![]);
        let s = sentence(&measure("pay_gap_mean", Some(&own), Some(&london)), HARROW.parse().unwrap());
        assert_eq!(
            s,
            "Staff from Black, Asian and Multi-ethnic groups are paid 3.3% more per hour than White staff (mean pay gap -3.3%), lower than London's gap of 7.5%."
        );
        let own = row(Scope::Organisation, Some(4.0), vec![]);
        let s = sentence(&measure("pay_gap_median", Some(&own), None), HARROW.parse().unwrap());
        assert_eq!(
            s,
            "Staff from Black, Asian and Multi-ethnic groups are paid 4.0% less per hour than White staff (median pay gap 4.0%); London has no figure to compare with."
        );
        let s = sentence(&measure("pay_gap_median", None, Some(&london)), HARROW.parse().unwrap());
        assert_eq!(s, "Harrow has no figure for this quarter; London's is 7.5%.");
    }
}
