//! Every count of people the API can publish about one submission, named by
//! a [`CountKey`]: what is summed (a measure, or a stage of recruitment),
//! whose people, and under which filters. The list is derived from the
//! metric catalogue (every metric, every parameter value), so a new metric
//! or parameter is covered by construction.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::dataset::Dataset;
use crate::ethnicity::{self, Group};
use crate::metrics::{CATALOGUE, Measure, ParamKind, Params, SumDef, Who};

/// Whose people a count adds up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum People {
    /// An ethnic group (a code, a high-level group or a derived grouping).
    Group(Group),
    /// Everyone whose ethnicity is known (not `not_stated`).
    Known,
    /// Everyone, including `not_stated`.
    Everyone,
}

impl std::fmt::Display for People {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            People::Group(g) => write!(f, "{g}"),
            People::Known => f.write_str("known ethnicity"),
            People::Everyone => f.write_str("everyone"),
        }
    }
}

/// One publishable count of one submission.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountKey {
    /// The measure column summed (`headcount`, `count`, `positive`, ...).
    pub measure: &'static str,
    /// Whose people.
    pub who: People,
    /// Equality filters on the dataset's dimension columns, by column name.
    pub filters: Vec<(&'static str, &'static str)>,
}

impl CountKey {
    /// The count an input of a metric reads under `params` (`None` for the
    /// population table, which is public).
    pub fn of(input: &SumDef, params: &Params) -> Option<CountKey> {
        if input.dataset == Dataset::Population {
            return None;
        }
        let measure = match input.measure {
            Measure::Column(c) | Measure::Product(c, _) => c,
            // The number of codes reported: published only through pay
            // figures, which follow the group's headcount.
            Measure::Rows => "headcount",
        };
        let reference = Group::parse(ethnicity::REFERENCE_GROUP)?;
        let who = match input.who {
            Who::Group => People::Group(params.group.unwrap_or(reference)),
            Who::Reference => People::Group(reference),
            Who::Known => People::Known,
            Who::Everyone => People::Everyone,
        };
        let mut filters: Vec<(&'static str, &'static str)> =
            params.filters.iter().copied().filter(|(name, _)| input.dataset.column(name).is_some()).collect();
        filters.extend(input.only.filter(|(name, _)| input.dataset.column(name).is_some()));
        filters.sort_unstable();
        Some(CountKey { measure, who, filters })
    }

    /// A readable name, e.g. `headcount of black, pay_band=6`.
    pub fn describe(&self) -> String {
        let mut s = format!("{} of {}", self.measure, self.who);
        for (name, value) in &self.filters {
            s.push_str(&format!(", {name}={value}"));
        }
        s
    }
}

/// The publishable counts of a dataset, in a fixed order, with their index.
#[derive(Debug)]
pub struct Counts {
    pub keys: Vec<CountKey>,
    index: HashMap<CountKey, usize>,
}

impl Counts {
    /// The counts of `dataset` (empty for `population`).
    pub fn of(dataset: Dataset) -> &'static Counts {
        static ALL: OnceLock<Vec<(Dataset, Counts)>> = OnceLock::new();
        let all = ALL.get_or_init(|| Dataset::ALL.into_iter().map(|d| (d, Counts::build(d))).collect());
        all.iter().find(|(d, _)| *d == dataset).map_or_else(empty, |(_, c)| c)
    }

    pub fn index(&self, key: &CountKey) -> Option<usize> {
        self.index.get(key).copied()
    }

    fn build(dataset: Dataset) -> Counts {
        let mut keys = Vec::new();
        for metric in CATALOGUE {
            for input in metric.inputs().iter().filter(|i| i.dataset == dataset) {
                for params in parameter_combinations(metric.params, input.who == Who::Group) {
                    keys.extend(CountKey::of(input, &params));
                }
            }
        }
        keys.sort_unstable();
        keys.dedup();
        let index = keys.iter().cloned().enumerate().map(|(i, k)| (k, i)).collect();
        Counts { keys, index }
    }
}

fn empty() -> &'static Counts {
    static EMPTY: OnceLock<Counts> = OnceLock::new();
    EMPTY.get_or_init(|| Counts { keys: Vec::new(), index: HashMap::new() })
}

/// Every parameter combination a request can make (groups only when the
/// input counts the requested group; each filter absent or any value).
pub fn parameter_combinations(params: &[crate::metrics::ParamDef], by_group: bool) -> Vec<Params> {
    let mut out = vec![Params { group: None, filters: Vec::new() }];
    for p in params {
        let mut next = Vec::new();
        for base in &out {
            match p.kind {
                ParamKind::Group if by_group => {
                    for g in Group::all().into_iter().filter(|g| !g.is_not_stated()) {
                        next.push(Params { group: Some(g), ..base.clone() });
                    }
                }
                ParamKind::Group => next.push(base.clone()),
                ParamKind::Filter(values) => {
                    if p.default.is_none() {
                        next.push(base.clone());
                    }
                    for v in values {
                        let mut with = base.clone();
                        with.filters.push((p.name, v));
                        next.push(with);
                    }
                }
            }
        }
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricDef;

    #[test]
    fn every_metric_input_has_a_count() {
        let m = MetricDef::find("workforce_share").unwrap();
        let params = Params { group: Group::parse("black"), filters: vec![("pay_band", "6")] };
        for input in m.inputs() {
            let key = CountKey::of(&input, &params).unwrap();
            assert!(Counts::of(Dataset::Workforce).index(&key).is_some(), "{key:?}");
        }
        let m = MetricDef::find("progression_rl").unwrap();
        let params = Params { group: Group::parse("asian"), filters: vec![("event", "leaver"), ("pay_band", "2")] };
        let keys: Vec<CountKey> = m.inputs().iter().filter_map(|i| CountKey::of(i, &params)).collect();
        assert_eq!(keys[2].describe(), "headcount of asian, pay_band=2");
        assert_eq!(keys[0].describe(), "count of asian, event=leaver, pay_band=2");
        for k in &keys {
            let d = if k.measure == "headcount" { Dataset::Workforce } else { Dataset::Progression };
            assert!(Counts::of(d).index(k).is_some(), "{k:?}");
        }
        assert!(Counts::of(Dataset::Population).keys.is_empty());
        assert!(Counts::of(Dataset::Workforce).keys.len() > 1000);
    }
}
