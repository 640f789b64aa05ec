//! From a metric's inputs to its value, numerator and denominator, pooled
//! over organisations for summaries, and the primary disclosure rules that
//! apply to each kind of metric.

use super::catalogue::{for_reference, pay_inputs, population_inputs};
use super::{Formula, MetricDef, SumDef};
use crate::benchmark::Withheld;
use crate::disclosure::Policy;

/// A metric's figures for one organisation or one pool of organisations.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Evaluated {
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
}

/// Which published figures primary suppression withholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Redaction {
    pub value: bool,
    pub numerator: bool,
    pub denominator: bool,
}

/// Input `i` of `x` (0 when absent).
fn input(x: &[f64], i: usize) -> f64 {
    x.get(i).copied().unwrap_or(0.0)
}

/// Whether input `i` is withheld from viewers who are not its owner: a count
/// from 1 to k-1, or one the protected pattern withholds (`hidden`).
fn withheld(x: &[f64], hidden: &Withheld, policy: Policy, i: usize) -> bool {
    policy.is_small(input(x, i)) || hidden.input(i)
}

fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b)
}

impl MetricDef {
    /// The sums the metric is computed from, in the order the formula reads them.
    pub fn inputs(&self) -> Vec<SumDef> {
        match self.formula {
            Formula::Share { numerator, denominator } => vec![numerator, denominator],
            Formula::Representation { numerator, denominator } => {
                let [g, k] = population_inputs();
                vec![numerator, denominator, g, k]
            }
            Formula::PayGap { column, .. } => pay_inputs(column),
            Formula::RelativeLikelihood { outcome, base } => {
                vec![outcome, for_reference(outcome), base, for_reference(base)]
            }
        }
    }

    /// Whether numerators and denominators are whole numbers of people.
    pub fn integer_parts(&self) -> bool {
        matches!(self.formula, Formula::Share { .. } | Formula::Representation { .. })
    }

    /// Whether summary rows pool the organisations' inputs.
    pub fn poolable(&self) -> bool {
        !matches!(self.formula, Formula::PayGap { median: true, .. })
    }

    /// Value, numerator and denominator from the inputs (`pooled`: summed
    /// over several organisations).
    pub fn evaluate(&self, x: &[f64], pooled: bool) -> Evaluated {
        let get = |i: usize| input(x, i);
        match self.formula {
            Formula::Share { .. } => Evaluated {
                value: ratio(get(0), get(1)).map(|r| r * 100.0),
                numerator: Some(get(0)),
                denominator: Some(get(1)),
            },
            Formula::Representation { .. } => {
                let share = ratio(get(0), get(1));
                let residents = ratio(get(2), get(3));
                Evaluated {
                    value: share.zip(residents).and_then(|(s, r)| ratio(s, r)),
                    numerator: Some(get(0)),
                    denominator: Some(get(1)),
                }
            }
            Formula::PayGap { median, .. } => {
                if median && (pooled || get(2) != 1.0 || get(5) != 1.0) {
                    return Evaluated::default();
                }
                let group = ratio(get(0), get(1));
                let reference = ratio(get(3), get(4));
                Evaluated {
                    value: group.zip(reference).and_then(|(g, w)| ratio(w - g, w)).map(|r| r * 100.0),
                    numerator: group,
                    denominator: reference,
                }
            }
            Formula::RelativeLikelihood { .. } => {
                let group = ratio(get(0), get(2));
                let reference = ratio(get(1), get(3));
                Evaluated {
                    value: group.zip(reference).and_then(|(g, w)| ratio(g, w)),
                    numerator: group.map(|r| r * 100.0),
                    denominator: reference.map(|r| r * 100.0),
                }
            }
        }
    }

    /// What to withhold: counts from 1 to k-1 (primary), inputs the
    /// protected pattern withholds (`hidden`, one flag per input: secondary
    /// suppression), a rate, share, ratio or gap with a withheld part or a
    /// base below k, pay figures when their headcount is below k.
    /// Whether an organisation's inputs may go into a pooled figure shown
    /// to viewers who are not stewards: none of them is withheld from such
    /// viewers (a count from 1 to k-1, an input the protected pattern
    /// withholds, pay of fewer than k staff). A pooled figure is then a sum
    /// of published figures, so the pool minus the other organisations
    /// gives back nothing, at any time.
    pub fn pools(&self, x: &[f64], hidden: &Withheld, policy: Policy) -> bool {
        let withheld = |i: usize| withheld(x, hidden, policy, i);
        match self.formula {
            Formula::Share { .. } | Formula::Representation { .. } => !withheld(0) && !withheld(1),
            Formula::PayGap { .. } => {
                let r = self.redaction(x, hidden, policy);
                !r.numerator && !r.denominator && !hidden.any(x.len())
            }
            Formula::RelativeLikelihood { .. } => !(0..4).any(withheld),
        }
    }

    pub fn redaction(&self, x: &[f64], hidden: &Withheld, policy: Policy) -> Redaction {
        let withheld = |i: usize| withheld(x, hidden, policy, i);
        let thin = |i: usize| policy.base_too_small(input(x, i));
        match self.formula {
            Formula::Share { .. } | Formula::Representation { .. } => {
                let (numerator, denominator) = (withheld(0), withheld(1));
                Redaction { value: numerator || denominator || thin(1), numerator, denominator }
            }
            Formula::PayGap { .. } => {
                let group = thin(1) || withheld(1);
                let reference = thin(4) || withheld(4);
                Redaction { value: group || reference, numerator: group, denominator: reference }
            }
            Formula::RelativeLikelihood { .. } => {
                let hide = (0..4).any(withheld) || thin(2) || thin(3);
                Redaction { value: hide, numerator: hide, denominator: hide }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nothing withheld by a pattern (six flags: enough for every metric).
    fn none() -> Withheld {
        Withheld::per_input(vec![false; 6])
    }

    fn metric(id: &str) -> &'static MetricDef {
        MetricDef::find(id).expect("metric")
    }

    #[test]
    fn catalogue_is_complete() {
        let ids: Vec<&str> = crate::metrics::CATALOGUE.iter().map(|m| m.id).collect();
        assert_eq!(
            ids,
            [
                "declaration_rate",
                "workforce_share",
                "representation_ratio",
                "pay_gap_mean",
                "pay_gap_median",
                "appointment_rl",
                "shortlisting_rl",
                "casework_rl",
                "progression_rl",
                "survey_positive_rate"
            ]
        );
    }

    #[test]
    fn formulas() {
        let e = metric("workforce_share").evaluate(&[20.0, 80.0], false);
        assert_eq!(e.value, Some(25.0));
        let e = metric("representation_ratio").evaluate(&[20.0, 80.0, 50.0, 100.0], false);
        assert_eq!(e.value, Some(0.5));
        // Group mean 18, white mean 20: gap 10%.
        let e = metric("pay_gap_mean").evaluate(&[180.0, 10.0, 2.0, 400.0, 20.0, 1.0], false);
        assert_eq!((e.numerator, e.denominator), (Some(18.0), Some(20.0)));
        assert!((e.value.unwrap() - 10.0).abs() < 1e-12);
        assert_eq!(metric("pay_gap_median").evaluate(&[180.0, 10.0, 2.0, 400.0, 20.0, 1.0], false).value, None);
        assert!(metric("pay_gap_median").evaluate(&[180.0, 10.0, 1.0, 400.0, 20.0, 1.0], false).value.is_some());
        assert_eq!(metric("pay_gap_median").evaluate(&[180.0, 10.0, 1.0, 400.0, 20.0, 1.0], true).value, None);
        // Group 4/20 = 20%, white 10/40 = 25%: RL 0.8.
        let e = metric("appointment_rl").evaluate(&[4.0, 10.0, 20.0, 40.0], false);
        assert!((e.value.unwrap() - 0.8).abs() < 1e-12);
        assert_eq!(e.numerator, Some(20.0));
        assert_eq!(metric("appointment_rl").evaluate(&[4.0, 0.0, 20.0, 40.0], false).value, None);
    }

    #[test]
    fn suppression_rules() {
        let p = Policy::default();
        let r = metric("workforce_share").redaction(&[5.0, 80.0], &none(), p);
        assert_eq!(r, Redaction { value: true, numerator: true, denominator: false });
        let r = metric("workforce_share").redaction(&[0.0, 8.0], &none(), p);
        assert_eq!(r, Redaction { value: true, numerator: false, denominator: true });
        let r = metric("pay_gap_mean").redaction(&[90.0, 9.0, 1.0, 400.0, 20.0, 1.0], &none(), p);
        assert!(r.value && r.numerator && !r.denominator);
        let r = metric("appointment_rl").redaction(&[12.0, 3.0, 20.0, 40.0], &none(), p);
        assert!(r.value && r.numerator && r.denominator);
        let r = metric("appointment_rl").redaction(&[0.0, 10.0, 20.0, 40.0], &none(), p);
        assert!(!r.value);
        // Withheld by the protected pattern though not small.
        let r = metric("appointment_rl").redaction(
            &[10.0, 10.0, 20.0, 40.0],
            &Withheld::per_input(vec![false, true, false, false]),
            p,
        );
        assert!(r.value && r.numerator);
        let r = metric("workforce_share").redaction(&[50.0, 80.0], &Withheld::per_input(vec![false, true]), p);
        assert_eq!(r, Redaction { value: true, numerator: false, denominator: true });
    }
}
