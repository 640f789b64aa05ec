//! The metric catalogue: each metric defined once, as data. A metric's
//! value is built from conditional sums over one dataset (who is counted,
//! under which parameter filters); the query crate turns these definitions
//! into DataFusion plans, and the API documents them from the same data.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::benchmark::{Direction, Shape};
use crate::dataset::{Dataset, PAY_BANDS};
use crate::ethnicity::{self, Group};

/// A parameter a metric accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// An ethnic group (any code, `ethnic_minority`, `white_minority`).
    Group,
    /// A filter on a dataset dimension column of the same name.
    Filter(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamDef {
    pub name: &'static str,
    pub kind: ParamKind,
    /// Default value; `None` means "all" (no filter).
    pub default: Option<&'static str>,
    pub description: &'static str,
}

impl ParamDef {
    pub fn values(&self) -> Vec<&'static str> {
        match self.kind {
            ParamKind::Group => Group::all().into_iter().map(Group::id).collect(),
            ParamKind::Filter(values) => values.to_vec(),
        }
    }
}

/// Whose people a sum counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The requested `group`.
    Group,
    /// Everyone whose ethnicity is known (not `not_stated`).
    Known,
    /// Everyone, including `not_stated`.
    Everyone,
}

/// A sum of a measure column over the people `who`, under the metric's filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumDef {
    pub dataset: Dataset,
    pub measure: &'static str,
    pub who: Who,
}

/// How the value is computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Formula {
    /// numerator / denominator x scale.
    Ratio {
        numerator: SumDef,
        denominator: SumDef,
        scale: f64,
    },
}

/// One metric of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MetricDef {
    pub id: &'static str,
    pub title: &'static str,
    pub definition: &'static str,
    pub formula_text: &'static str,
    pub datasets: &'static [Dataset],
    pub params: &'static [ParamDef],
    pub unit: &'static str,
    pub direction: Direction,
    pub formula: Formula,
}

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

const fn workforce(measure: &'static str, who: Who) -> SumDef {
    SumDef {
        dataset: Dataset::Workforce,
        measure,
        who,
    }
}

/// Every metric, in catalogue order.
pub const CATALOGUE: &[MetricDef] = &[MetricDef {
    id: "workforce_share",
    title: "Workforce share",
    definition: "The group's share of staff whose ethnicity is known, optionally within a pay band, the senior leadership tiers or the top 5% of earners. Staff whose ethnicity is not stated are left out of the denominator.",
    formula_text: "headcount in group / headcount with known ethnicity x 100",
    datasets: &[Dataset::Workforce],
    params: &[GROUP, PAY_BAND, SENIOR_LEADERSHIP, TOP_5_PERCENT],
    unit: "percent",
    direction: Direction::Neutral,
    formula: Formula::Ratio {
        numerator: workforce("headcount", Who::Group),
        denominator: workforce("headcount", Who::Known),
        scale: 100.0,
    },
}];

impl MetricDef {
    pub fn find(id: &str) -> Option<&'static MetricDef> {
        CATALOGUE.iter().find(|m| m.id == id)
    }

    /// Whether numerators and denominators are whole numbers of people.
    pub fn integer_parts(&self) -> bool {
        matches!(self.formula, Formula::Ratio { .. })
    }

    pub fn shape(&self) -> Shape {
        match self.formula {
            Formula::Ratio { scale, .. } => Shape {
                direction: self.direction,
                scale,
                poolable: true,
            },
        }
    }

    /// Checks and completes the parameters: every name known, every value
    /// allowed; defaults filled in.
    pub fn resolve(&self, given: &BTreeMap<String, String>) -> Result<Params, ParamError> {
        for name in given.keys() {
            if !self.params.iter().any(|p| p.name == name) {
                let known: Vec<&str> = self.params.iter().map(|p| p.name).collect();
                return Err(ParamError {
                    parameter: name.clone(),
                    message: format!(
                        "'{name}' is not a parameter of {} (its parameters: {})",
                        self.id,
                        known.join(", ")
                    ),
                });
            }
        }
        let mut params = Params {
            group: None,
            filters: Vec::new(),
        };
        for p in self.params {
            let Some(value) = given.get(p.name).map(String::as_str).or(p.default) else {
                continue;
            };
            let bad = || ParamError {
                parameter: p.name.to_string(),
                message: format!(
                    "'{}' is not allowed for {}; allowed: {}",
                    crate::validate::shorten_for_message(value),
                    p.name,
                    p.values().join(", ")
                ),
            };
            match p.kind {
                ParamKind::Group => {
                    let g = Group::parse(value).ok_or_else(bad)?;
                    if g.is_not_stated() {
                        return Err(ParamError {
                            parameter: "group".into(),
                            message: "group=not_stated is not allowed here: staff whose ethnicity is not stated are measured by declaration_rate".into(),
                        });
                    }
                    params.group = Some(g);
                }
                ParamKind::Filter(values) => {
                    let v = values.iter().find(|v| **v == value).ok_or_else(bad)?;
                    params.filters.push((p.name, v));
                }
            }
        }
        Ok(params)
    }
}

/// Resolved parameters of a benchmark request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Params {
    pub group: Option<Group>,
    /// Equality filters on dimension columns, in catalogue order.
    pub filters: Vec<(&'static str, &'static str)>,
}

impl Params {
    /// The parameters as shown in an answer.
    pub fn to_map(&self) -> BTreeMap<&'static str, &'static str> {
        let mut m: BTreeMap<&'static str, &'static str> = self.filters.iter().copied().collect();
        if let Some(g) = self.group {
            m.insert("group", g.id());
        }
        m
    }
}

/// A parameter was missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{message}")]
pub struct ParamError {
    pub parameter: String,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn resolves_defaults_and_checks_values() {
        let m = MetricDef::find("workforce_share").unwrap();
        let p = m.resolve(&given(&[])).unwrap();
        assert_eq!(p.group.unwrap().id(), "ethnic_minority");
        assert!(p.filters.is_empty());
        let p = m
            .resolve(&given(&[("group", "black"), ("pay_band", "4")]))
            .unwrap();
        assert_eq!(p.filters, vec![("pay_band", "4")]);
        assert_eq!(
            m.resolve(&given(&[("pay_band", "7")]))
                .unwrap_err()
                .parameter,
            "pay_band"
        );
        assert_eq!(
            m.resolve(&given(&[("group", "not_stated")]))
                .unwrap_err()
                .parameter,
            "group"
        );
        assert_eq!(
            m.resolve(&given(&[("colour", "x")])).unwrap_err().parameter,
            "colour"
        );
    }
}
