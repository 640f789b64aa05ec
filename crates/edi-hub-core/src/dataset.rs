//! The datasets a borough uploads (and the steward's `population` reference
//! table), defined once as data: columns, value kinds, required or optional,
//! allowed codes and per-dataset rules. Validation, JSON Schema, the
//! normalised Parquet layout and the API documentation all read these tables.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// The kind of values a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// An ethnicity code at either level, or `not_stated` (section 3 of the spec).
    Ethnicity,
    /// One of a fixed list of codes.
    Code(&'static [&'static str]),
    /// The hub's common pay scale, 1 (lowest) to 6 (highest).
    PayBand,
    /// `true` or `false`.
    Flag,
    /// A whole number of people, 0 or more.
    Count,
    /// A decimal number, 0 or more (full-time equivalents).
    Decimal,
    /// An hourly pay figure in pounds, greater than 0.
    Pay,
    /// A London local authority GSS code.
    Organisation,
}

/// Whether a column describes who is counted or counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Dimension,
    Measure,
}

/// One column of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: &'static str,
    pub kind: ValueKind,
    pub role: Role,
    pub required: bool,
    pub description: &'static str,
}

/// A rule across the columns or rows of a dataset, beyond each value's own checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// `column` must not exceed `limit` in the same row (e.g. positive <= respondents).
    NotAbove { column: &'static str, limit: &'static str },
    /// For each combination of the other dimensions, `measure` must not grow
    /// along `stages` (e.g. appointed <= shortlisted <= applied).
    Nested { dimension: &'static str, stages: &'static [&'static str], measure: &'static str },
}

/// The kinds of dataset the hub holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dataset {
    Workforce,
    Pay,
    Recruitment,
    Casework,
    Progression,
    Survey,
    Population,
}

/// The dataset name is not one the hub knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a dataset (expected one of workforce, pay, recruitment, casework, progression, survey)")]
pub struct UnknownDataset(pub String);

pub const PAY_BANDS: [&str; 6] = ["1", "2", "3", "4", "5", "6"];
pub const SEX: &[&str] = &["female", "male", "not_stated"];
pub const AGE_BANDS: &[&str] = &["16_24", "25_34", "35_44", "45_54", "55_64", "65_plus", "not_stated"];
pub const DISABILITY: &[&str] = &["disabled", "not_disabled", "not_stated"];
pub const STAGES: &[&str] = &["applied", "shortlisted", "appointed"];
pub const CASE_TYPES: &[&str] = &["disciplinary", "grievance", "dignity_at_work", "capability", "whistleblowing"];
pub const EVENTS: &[&str] = &[
    "promotion",
    "acting_up",
    "secondment",
    "starter",
    "leaver",
    "non_mandatory_training",
    "development_programme",
    "mentoring",
];
pub const QUESTIONS: &[&str] = &[
    "race_equality_approach",
    "equal_opportunities_progression",
    "harassment_from_colleagues",
    "harassment_from_public",
    "discrimination_from_manager",
    "psychological_safety",
];

const fn dim(name: &'static str, kind: ValueKind, required: bool, description: &'static str) -> ColumnDef {
    ColumnDef { name, kind, role: Role::Dimension, required, description }
}

const fn measure(name: &'static str, kind: ValueKind, required: bool, description: &'static str) -> ColumnDef {
    ColumnDef { name, kind, role: Role::Measure, required, description }
}

const ETHNICITY: ColumnDef = dim(
    "ethnicity",
    ValueKind::Ethnicity,
    true,
    "Ethnic group (ONS Census 2021): a detailed or high-level code, or not_stated",
);
const PAY_BAND_OPTIONAL: ColumnDef = dim(
    "pay_band",
    ValueKind::PayBand,
    false,
    "Pay band on the hub's common scale, 1 (lowest) to 6 (highest); absent means all bands",
);
const COUNT: ColumnDef = measure("count", ValueKind::Count, true, "Number of people");

const WORKFORCE: &[ColumnDef] = &[
    ETHNICITY,
    PAY_BAND_OPTIONAL,
    dim("sex", ValueKind::Code(SEX), false, "Sex; absent means all"),
    dim("age_band", ValueKind::Code(AGE_BANDS), false, "Age band; absent means all"),
    dim("disability", ValueKind::Code(DISABILITY), false, "Disability status; absent means all"),
    dim("top_5_percent", ValueKind::Flag, false, "Whether the staff are among the top 5% of earners"),
    dim("senior_leadership", ValueKind::Flag, false, "Whether the staff are in the senior leadership tiers"),
    measure("headcount", ValueKind::Count, true, "Number of staff at the quarter's last day"),
    measure("fte", ValueKind::Decimal, false, "Full-time equivalent of those staff"),
];

const PAY: &[ColumnDef] = &[
    ETHNICITY,
    measure("headcount", ValueKind::Count, true, "Number of staff whose pay is summarised"),
    measure("mean_hourly_pay", ValueKind::Pay, true, "Mean hourly pay in pounds"),
    measure("median_hourly_pay", ValueKind::Pay, true, "Median hourly pay in pounds"),
];

const RECRUITMENT: &[ColumnDef] =
    &[ETHNICITY, dim("stage", ValueKind::Code(STAGES), true, "Recruitment stage reached"), PAY_BAND_OPTIONAL, COUNT];

const CASEWORK: &[ColumnDef] =
    &[ETHNICITY, dim("case_type", ValueKind::Code(CASE_TYPES), true, "Kind of formal case"), COUNT];

const PROGRESSION: &[ColumnDef] = &[
    ETHNICITY,
    dim("event", ValueKind::Code(EVENTS), true, "Progression or development event"),
    PAY_BAND_OPTIONAL,
    COUNT,
];

const SURVEY: &[ColumnDef] = &[
    ETHNICITY,
    dim("question", ValueKind::Code(QUESTIONS), true, "Staff survey question"),
    measure("respondents", ValueKind::Count, true, "Number of staff who answered the question"),
    measure("positive", ValueKind::Count, true, "Number who answered positively"),
];

const POPULATION: &[ColumnDef] = &[
    dim("organisation", ValueKind::Organisation, true, "GSS code of the local authority"),
    ETHNICITY,
    measure("residents", ValueKind::Count, true, "Usual residents (Census 2021)"),
];

impl Dataset {
    /// The six per-period datasets boroughs upload.
    pub const SUBMITTED: [Dataset; 6] = [
        Dataset::Workforce,
        Dataset::Pay,
        Dataset::Recruitment,
        Dataset::Casework,
        Dataset::Progression,
        Dataset::Survey,
    ];

    /// Every dataset, including the `population` reference table.
    pub const ALL: [Dataset; 7] = [
        Dataset::Workforce,
        Dataset::Pay,
        Dataset::Recruitment,
        Dataset::Casework,
        Dataset::Progression,
        Dataset::Survey,
        Dataset::Population,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dataset::Workforce => "workforce",
            Dataset::Pay => "pay",
            Dataset::Recruitment => "recruitment",
            Dataset::Casework => "casework",
            Dataset::Progression => "progression",
            Dataset::Survey => "survey",
            Dataset::Population => "population",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Dataset::Workforce => "Workforce composition",
            Dataset::Pay => "Hourly pay by ethnic group",
            Dataset::Recruitment => "Recruitment outcomes",
            Dataset::Casework => "Formal casework",
            Dataset::Progression => "Progression and development",
            Dataset::Survey => "Staff survey results",
            Dataset::Population => "Resident population (reference)",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Dataset::Workforce => {
                "Staff headcount (and FTE) by ethnic group, optionally by pay band, sex, age band, disability, top 5% of earners and senior leadership, at the quarter's last day."
            }
            Dataset::Pay => "Headcount, mean and median hourly pay by ethnic group, for the ethnicity pay gap.",
            Dataset::Recruitment => {
                "Applicants reaching each stage (applied, shortlisted, appointed) by ethnic group, optionally by pay band, over the quarter."
            }
            Dataset::Casework => "Formal cases opened in the quarter by type and ethnic group of the member of staff.",
            Dataset::Progression => {
                "Progression and development events in the quarter by ethnic group, optionally by pay band."
            }
            Dataset::Survey => "Staff survey respondents and positive answers by question and ethnic group.",
            Dataset::Population => {
                "Usual residents by ethnic group per local authority (Census 2021); uploaded by a data steward, not per period."
            }
        }
    }

    pub fn columns(self) -> &'static [ColumnDef] {
        match self {
            Dataset::Workforce => WORKFORCE,
            Dataset::Pay => PAY,
            Dataset::Recruitment => RECRUITMENT,
            Dataset::Casework => CASEWORK,
            Dataset::Progression => PROGRESSION,
            Dataset::Survey => SURVEY,
            Dataset::Population => POPULATION,
        }
    }

    pub fn rules(self) -> &'static [Rule] {
        match self {
            Dataset::Recruitment => &[Rule::Nested { dimension: "stage", stages: STAGES, measure: "count" }],
            Dataset::Survey => &[Rule::NotAbove { column: "positive", limit: "respondents" }],
            _ => &[],
        }
    }

    /// The column within which a code must not appear with its parent or
    /// child (`organisation` for population, the whole file otherwise).
    pub fn partition(self) -> Option<&'static str> {
        (self == Dataset::Population).then_some("organisation")
    }

    pub fn column(self, name: &str) -> Option<&'static ColumnDef> {
        self.columns().iter().find(|c| c.name == name)
    }
}

impl FromStr for Dataset {
    type Err = UnknownDataset;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dataset::ALL.into_iter().find(|d| d.name() == s).ok_or_else(|| UnknownDataset(s.chars().take(40).collect()))
    }
}

impl fmt::Display for Dataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

serde_as_text!(Dataset);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dataset_has_ethnicity_and_a_required_measure() {
        for d in Dataset::ALL {
            assert!(d.column("ethnicity").is_some_and(|c| c.required), "{d}");
            assert!(d.columns().iter().any(|c| c.role == Role::Measure && c.required), "{d}");
            assert_eq!(d.name().parse::<Dataset>().unwrap(), d);
        }
    }

    #[test]
    fn rules_name_real_columns() {
        for d in Dataset::ALL {
            for rule in d.rules() {
                let names: Vec<&str> = match rule {
                    Rule::NotAbove { column, limit } => vec![column, limit],
                    Rule::Nested { dimension, measure, .. } => vec![dimension, measure],
                };
                for n in names {
                    assert!(d.column(n).is_some(), "{d}: {n}");
                }
            }
        }
    }
}
