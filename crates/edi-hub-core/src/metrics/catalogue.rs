//! The ten metrics of the catalogue, each defined once as data.

use super::{Formula, Measure, MetricDef, ParamDef, ParamKind, SumDef, Who};
use crate::dataset::{CASE_TYPES, Dataset, EVENTS, PAY_BANDS, QUESTIONS};
use crate::ethnicity;
use crate::metrics::Direction;

const GROUP: ParamDef = ParamDef {
    name: "group",
    kind: ParamKind::Group,
    default: Some(ethnicity::ETHNIC_MINORITY),
    description: "Ethnic group: any ethnicity code, ethnic_minority (Black, Asian and Multi-ethnic) or white_minority",
};
const PAY_BAND: ParamDef = ParamDef {
    name: "pay_band",
    kind: ParamKind::Filter(&PAY_BANDS),
    default: None,
    description: "Pay band 1 (lowest) to 6 (highest); all bands when absent",
};
const SENIOR_LEADERSHIP: ParamDef = ParamDef {
    name: "senior_leadership",
    kind: ParamKind::Filter(&["true", "false"]),
    default: None,
    description: "Only staff in (true) or outside (false) the senior leadership tiers; everyone when absent",
};
const TOP_5_PERCENT: ParamDef = ParamDef {
    name: "top_5_percent",
    kind: ParamKind::Filter(&["true", "false"]),
    default: None,
    description: "Only staff among (true) or outside (false) the top 5% of earners; everyone when absent",
};
const CASE_TYPE: ParamDef = ParamDef {
    name: "case_type",
    kind: ParamKind::Filter(CASE_TYPES),
    default: Some("disciplinary"),
    description: "Kind of formal case",
};
const EVENT: ParamDef = ParamDef {
    name: "event",
    kind: ParamKind::Filter(EVENTS),
    default: Some("promotion"),
    description: "Progression or development event",
};
const QUESTION: ParamDef = ParamDef {
    name: "question",
    kind: ParamKind::Filter(QUESTIONS),
    default: Some("race_equality_approach"),
    description: "Staff survey question",
};

const fn sum(dataset: Dataset, column: &'static str, who: Who) -> SumDef {
    SumDef { dataset, measure: Measure::Column(column), who, only: None }
}

const fn at_stage(stage: &'static str, who: Who) -> SumDef {
    SumDef { dataset: Dataset::Recruitment, measure: Measure::Column("count"), who, only: Some(("stage", stage)) }
}

const HEADCOUNT_GROUP: SumDef = sum(Dataset::Workforce, "headcount", Who::Group);
const HEADCOUNT_KNOWN: SumDef = sum(Dataset::Workforce, "headcount", Who::Known);

/// Every metric, in catalogue order.
pub const CATALOGUE: &[MetricDef] = &[
    MetricDef {
        id: "declaration_rate",
        title: "Ethnicity declaration rate",
        definition: "The share of staff whose ethnicity is known (not 'not stated'). A low rate makes every other figure less reliable.",
        formula_text: "headcount with known ethnicity / all headcount x 100",
        datasets: &[Dataset::Workforce],
        params: &[PAY_BAND],
        unit: "percent",
        direction: Direction::HigherIsBetter,
        formula: Formula::Share {
            numerator: HEADCOUNT_KNOWN,
            denominator: sum(Dataset::Workforce, "headcount", Who::Everyone),
        },
    },
    MetricDef {
        id: "workforce_share",
        title: "Workforce share",
        definition: "The group's share of staff whose ethnicity is known, optionally within a pay band, the senior leadership tiers or the top 5% of earners. Staff whose ethnicity is not stated are left out of the denominator.",
        formula_text: "headcount in group / headcount with known ethnicity x 100",
        datasets: &[Dataset::Workforce],
        params: &[GROUP, PAY_BAND, SENIOR_LEADERSHIP, TOP_5_PERCENT],
        unit: "percent",
        direction: Direction::Neutral,
        formula: Formula::Share { numerator: HEADCOUNT_GROUP, denominator: HEADCOUNT_KNOWN },
    },
    MetricDef {
        id: "representation_ratio",
        title: "Representation ratio",
        definition: "The group's workforce share divided by its share of the borough's residents (Census 2021, from the population reference table). 1.0 is representative; below 1 the group is under-represented. Numerator and denominator are those of the workforce share.",
        formula_text: "(headcount in group / headcount with known ethnicity) / (residents in group / residents with known ethnicity)",
        datasets: &[Dataset::Workforce, Dataset::Population],
        params: &[GROUP, PAY_BAND, SENIOR_LEADERSHIP, TOP_5_PERCENT],
        unit: "ratio",
        direction: Direction::CloserTo1,
        formula: Formula::Representation { numerator: HEADCOUNT_GROUP, denominator: HEADCOUNT_KNOWN },
    },
    MetricDef {
        id: "pay_gap_mean",
        title: "Ethnicity pay gap (mean)",
        definition: "The difference between the mean hourly pay of White staff and of the group, as a percentage of White staff's mean. Positive: the group is paid less. A group's mean is the headcount-weighted mean of its codes' means. Numerator: the group's mean hourly pay; denominator: White staff's.",
        formula_text: "(mean hourly pay of white - mean hourly pay of group) / mean hourly pay of white x 100",
        datasets: &[Dataset::Pay],
        params: &[GROUP],
        unit: "percent",
        direction: Direction::LowerIsBetter,
        formula: Formula::PayGap { column: "mean_hourly_pay", median: false },
    },
    MetricDef {
        id: "pay_gap_median",
        title: "Ethnicity pay gap (median)",
        definition: "The same gap with median hourly pay. A median cannot be combined from several codes' medians, so an organisation has a value only when it reported the group, and White staff, as one row each (e.g. the high-level codes black and white); summary rows have no pooled value.",
        formula_text: "(median hourly pay of white - median hourly pay of group) / median hourly pay of white x 100",
        datasets: &[Dataset::Pay],
        params: &[GROUP],
        unit: "percent",
        direction: Direction::LowerIsBetter,
        formula: Formula::PayGap { column: "median_hourly_pay", median: true },
    },
    MetricDef {
        id: "appointment_rl",
        title: "Relative likelihood of appointment from shortlisting",
        definition: "The rate of appointment from shortlisting in the group divided by the rate for White applicants. 1.0 is equal; above 1 the group is more likely to be appointed. Numerator: the group's rate (percent); denominator: White applicants' rate.",
        formula_text: "(appointed / shortlisted in group) / (appointed / shortlisted in white)",
        datasets: &[Dataset::Recruitment],
        params: &[GROUP, PAY_BAND],
        unit: "ratio",
        direction: Direction::CloserTo1,
        formula: Formula::RelativeLikelihood {
            outcome: at_stage("appointed", Who::Group),
            base: at_stage("shortlisted", Who::Group),
        },
    },
    MetricDef {
        id: "shortlisting_rl",
        title: "Relative likelihood of shortlisting from application",
        definition: "The rate of shortlisting from application in the group divided by the rate for White applicants. 1.0 is equal; above 1 the group is more likely to be shortlisted. Numerator: the group's rate (percent); denominator: White applicants' rate.",
        formula_text: "(shortlisted / applied in group) / (shortlisted / applied in white)",
        datasets: &[Dataset::Recruitment],
        params: &[GROUP, PAY_BAND],
        unit: "ratio",
        direction: Direction::CloserTo1,
        formula: Formula::RelativeLikelihood {
            outcome: at_stage("shortlisted", Who::Group),
            base: at_stage("applied", Who::Group),
        },
    },
    MetricDef {
        id: "casework_rl",
        title: "Relative likelihood of formal casework",
        definition: "Cases of the chosen type per member of staff in the group, divided by the same rate for White staff. 1.0 is equal; above 1 the group is more likely to be subject to the process. Numerator: the group's rate (cases per 100 staff); denominator: White staff's.",
        formula_text: "(cases / headcount in group) / (cases / headcount in white)",
        datasets: &[Dataset::Casework, Dataset::Workforce],
        params: &[GROUP, CASE_TYPE],
        unit: "ratio",
        direction: Direction::CloserTo1,
        formula: Formula::RelativeLikelihood {
            outcome: sum(Dataset::Casework, "count", Who::Group),
            base: HEADCOUNT_GROUP,
        },
    },
    MetricDef {
        id: "progression_rl",
        title: "Relative likelihood of a progression event",
        definition: "Events of the chosen kind (promotion by default) per member of staff in the group, divided by the same rate for White staff, optionally within a pay band. 1.0 is equal; above 1 the group is more likely to have the event. Numerator: the group's rate (events per 100 staff); denominator: White staff's.",
        formula_text: "(events / headcount in group) / (events / headcount in white)",
        datasets: &[Dataset::Progression, Dataset::Workforce],
        params: &[GROUP, EVENT, PAY_BAND],
        unit: "ratio",
        direction: Direction::CloserTo1,
        formula: Formula::RelativeLikelihood {
            outcome: sum(Dataset::Progression, "count", Who::Group),
            base: HEADCOUNT_GROUP,
        },
    },
    MetricDef {
        id: "survey_positive_rate",
        title: "Staff survey positive rate",
        definition: "The share of the group's respondents who answered the chosen staff survey question positively.",
        formula_text: "positive / respondents in group x 100",
        datasets: &[Dataset::Survey],
        params: &[GROUP, QUESTION],
        unit: "percent",
        direction: Direction::HigherIsBetter,
        formula: Formula::Share {
            numerator: sum(Dataset::Survey, "positive", Who::Group),
            denominator: sum(Dataset::Survey, "respondents", Who::Group),
        },
    },
];

/// The reference group's version of a group input.
pub(super) const fn for_reference(s: SumDef) -> SumDef {
    SumDef { who: Who::Reference, ..s }
}

/// The inputs of the pay gap on `column`.
pub(super) fn pay_inputs(column: &'static str) -> Vec<SumDef> {
    let weighted =
        |who| SumDef { dataset: Dataset::Pay, measure: Measure::Product("headcount", column), who, only: None };
    let headcount = |who| sum(Dataset::Pay, "headcount", who);
    let rows = |who| SumDef { dataset: Dataset::Pay, measure: Measure::Rows, who, only: None };
    vec![
        weighted(Who::Group),
        headcount(Who::Group),
        rows(Who::Group),
        weighted(Who::Reference),
        headcount(Who::Reference),
        rows(Who::Reference),
    ]
}

/// The two population inputs of the representation ratio.
pub(super) fn population_inputs() -> [SumDef; 2] {
    [sum(Dataset::Population, "residents", Who::Group), sum(Dataset::Population, "residents", Who::Known)]
}
