//! The metric catalogue: each metric defined once, as data. A metric's
//! value is built from conditional sums over one dataset (who is counted,
//! under which parameter filters); the query crate turns these definitions
//! into DataFusion plans, and the API documents them from the same data.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dataset::Dataset;
use crate::ethnicity::Group;

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

/// Which way is better for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    #[serde(rename = "closer_to_1")]
    CloserTo1,
    Neutral,
}

/// Whose people a sum counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// The requested `group`.
    Group,
    /// The reference group, `white`.
    Reference,
    /// Everyone whose ethnicity is known (not `not_stated`).
    Known,
    /// Everyone, including `not_stated`.
    Everyone,
}

/// What a sum adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A measure column.
    Column(&'static str),
    /// The product of two columns (e.g. headcount x mean pay, for weighted means).
    Product(&'static str, &'static str),
    /// The number of rows (e.g. how many codes make up a group).
    Rows,
}

/// One input of a metric: a sum over one dataset of the people `who`,
/// under the request's filters (each applied where the dataset has that
/// column) and an optional fixed filter (e.g. `stage = appointed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SumDef {
    pub dataset: Dataset,
    pub measure: Measure,
    pub who: Who,
    pub only: Option<(&'static str, &'static str)>,
}

/// How a metric's value is built from its inputs (see [`MetricDef::inputs`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Formula {
    /// numerator / denominator x 100: inputs `[numerator, denominator]`.
    Share { numerator: SumDef, denominator: SumDef },
    /// The workforce share over the group's share of residents: inputs
    /// `[numerator, denominator, group residents, known residents]`.
    Representation { numerator: SumDef, denominator: SumDef },
    /// (reference pay - group pay) / reference pay x 100, with pay the
    /// headcount-weighted `column` of the pay dataset: inputs
    /// `[sum h*pay group, h group, rows group, sum h*pay reference, h reference, rows reference]`.
    /// A median can only be taken from a single reported row, and not pooled.
    PayGap { column: &'static str, median: bool },
    /// (outcome / base in group) / (outcome / base in reference): inputs
    /// `[outcome group, outcome reference, base group, base reference]`.
    RelativeLikelihood { outcome: SumDef, base: SumDef },
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

mod catalogue;
mod evaluate;

pub use catalogue::CATALOGUE;
pub use evaluate::{Evaluated, Redaction};

impl MetricDef {
    pub fn find(id: &str) -> Option<&'static MetricDef> {
        CATALOGUE.iter().find(|m| m.id == id)
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
        let mut params = Params { group: None, filters: Vec::new() };
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
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn resolves_defaults_and_checks_values() {
        let m = MetricDef::find("workforce_share").unwrap();
        let p = m.resolve(&given(&[])).unwrap();
        assert_eq!(p.group.unwrap().id(), "ethnic_minority");
        assert!(p.filters.is_empty());
        let p = m.resolve(&given(&[("group", "black"), ("pay_band", "4")])).unwrap();
        assert_eq!(p.filters, vec![("pay_band", "4")]);
        assert_eq!(m.resolve(&given(&[("pay_band", "7")])).unwrap_err().parameter, "pay_band");
        assert_eq!(m.resolve(&given(&[("group", "not_stated")])).unwrap_err().parameter, "group");
        assert_eq!(m.resolve(&given(&[("colour", "x")])).unwrap_err().parameter, "colour");
    }
}
