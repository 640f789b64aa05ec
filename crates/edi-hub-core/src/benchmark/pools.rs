//! The pooled sums a release shows exactly (see
//! [`crate::disclosure::release`]): a summary row pools every member when
//! the release showed each of its inputs summed over exactly those members.

use std::collections::HashMap;
use std::sync::Arc;

use super::Scope;
use crate::dataset::Dataset;
use crate::disclosure::{CountKey, Pooled};
use crate::metrics::{Formula, MetricDef, Params};
use crate::organisation::Organisation;
use crate::period::Period;

/// Per period and dataset, the pooled sums its release shows.
#[derive(Debug, Clone)]
pub struct ExactPools {
    params: Params,
    pooled: HashMap<(Period, Dataset), Arc<Pooled>>,
}

impl ExactPools {
    /// No pooled sum is known to be shown: summaries pool only what their
    /// members show (fails closed).
    pub fn none(params: &Params) -> ExactPools {
        ExactPools { params: params.clone(), pooled: HashMap::new() }
    }

    /// Adds what a release of `period` shows of a dataset's pooled sums.
    pub fn insert(&mut self, period: Period, pooled: Arc<Pooled>) {
        self.pooled.insert((period, pooled.dataset), pooled);
    }

    /// Whether every input of `metric` may be shown summed over exactly
    /// `members` (sorted) of `scope`. Pay is never pooled this way: a pay
    /// sum of a withheld group is not a count the release protects.
    pub fn exact(&self, metric: &MetricDef, period: Period, scope: Scope, members: &[Organisation]) -> bool {
        if matches!(metric.formula, Formula::PayGap { .. }) || members.is_empty() {
            return false;
        }
        metric.inputs().iter().all(|input| match CountKey::of(input, &self.params) {
            // The population table is public.
            None => true,
            Some(key) => self.pooled.get(&(period, input.dataset)).is_some_and(|p| p.publishes(scope, &key, members)),
        })
    }
}
