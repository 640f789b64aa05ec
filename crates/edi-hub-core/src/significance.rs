//! Whether a difference is real: 95% confidence intervals and the
//! comparison with London, as Public Health England's Fingertips tools
//! present them.
//!
//! - Proportions (declaration rate, workforce share, survey positive rate):
//!   the Wilson score interval of numerator / denominator.
//! - Ratios (representation ratio, relative likelihoods): the log method,
//!   `exp(ln R +- 1.96 SE)`, with `SE = sqrt(1/a - 1/b + 1/c - 1/d)` for a
//!   relative likelihood `(a/b)/(c/d)` and `SE = sqrt(1/a - 1/b)` for the
//!   representation ratio (the Census population is taken as exact).
//! - Pay gaps: none (the hub holds no spread of pay).
//!
//! Bounds are rounded outwards (percent to 2 decimal places, ratios to 3),
//! which keeps them readable and keeps them from telling more about the
//! underlying counts than the figures shown. An organisation is `higher`
//! than London when its interval lies wholly above London's value, `lower`
//! when wholly below, and `similar` otherwise.

use serde::Serialize;

use crate::metrics::{Formula, MetricDef};

/// The normal quantile of a two-sided 95% interval.
const Z: f64 = 1.959_963_984_540_054;

/// An organisation's value against London's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Higher,
    Similar,
    Lower,
}

impl Comparison {
    pub fn id(self) -> &'static str {
        match self {
            Comparison::Higher => "higher",
            Comparison::Similar => "similar",
            Comparison::Lower => "lower",
        }
    }

    /// Compares an interval with a benchmark value.
    pub fn of(lower: f64, upper: f64, benchmark: f64) -> Comparison {
        if lower > benchmark {
            Comparison::Higher
        } else if upper < benchmark {
            Comparison::Lower
        } else {
            Comparison::Similar
        }
    }
}

/// The Wilson score interval of `x` successes in `n` trials, as proportions.
pub fn wilson(x: f64, n: f64) -> Option<(f64, f64)> {
    if n <= 0.0 || x < 0.0 || x > n {
        return None;
    }
    let p = x / n;
    let z2 = Z * Z;
    let centre = p + z2 / (2.0 * n);
    let spread = Z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let denominator = 1.0 + z2 / n;
    Some((((centre - spread) / denominator).max(0.0), ((centre + spread) / denominator).min(1.0)))
}

/// The log-method interval of a ratio with the given variance of its log.
fn log_interval(ratio: f64, variance: f64) -> Option<(f64, f64)> {
    let usable = ratio > 0.0 && ratio.is_finite() && variance >= 0.0 && variance.is_finite();
    if !usable {
        return None;
    }
    let se = variance.sqrt();
    Some((ratio * (-Z * se).exp(), ratio * (Z * se).exp()))
}

fn outwards(bounds: (f64, f64), decimals: i32) -> (f64, f64) {
    let scale = 10f64.powi(decimals);
    ((bounds.0 * scale).floor() / scale, (bounds.1 * scale).ceil() / scale)
}

impl MetricDef {
    /// How the metric's 95% interval is built, for the catalogue.
    pub fn interval_method(&self) -> Option<&'static str> {
        match self.formula {
            Formula::Share { .. } => Some("95% Wilson score interval of numerator / denominator"),
            Formula::Representation { .. } => Some(
                "95% log-method interval: exp(ln R +- 1.96 sqrt(1/numerator - 1/denominator)); residents taken as exact",
            ),
            Formula::RelativeLikelihood { .. } => Some(
                "95% log-method interval: exp(ln RL +- 1.96 sqrt(1/a - 1/b + 1/c - 1/d)), a and c the outcome counts, b and d their bases",
            ),
            Formula::PayGap { .. } => None,
        }
    }

    /// The 95% interval of the value built from `inputs` (unredacted; see
    /// [`MetricDef::inputs`]), in the metric's unit, rounded outwards.
    pub fn interval(&self, x: &[f64], value: Option<f64>) -> Option<(f64, f64)> {
        let get = |i: usize| x.get(i).copied().unwrap_or(0.0);
        let positive = |i: usize| get(i) > 0.0;
        match self.formula {
            Formula::Share { .. } => wilson(get(0), get(1)).map(|(l, u)| outwards((l * 100.0, u * 100.0), 2)),
            Formula::Representation { .. } if positive(0) && positive(1) => {
                log_interval(value?, 1.0 / get(0) - 1.0 / get(1)).map(|b| outwards(b, 3))
            }
            Formula::RelativeLikelihood { .. } if (0..4).all(positive) => {
                let variance = 1.0 / get(0) - 1.0 / get(2) + 1.0 / get(1) - 1.0 / get(3);
                log_interval(value?, variance).map(|b| outwards(b, 3))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // 81 of 263: 0.2553 to 0.3662 (Newcombe 1998, example).
        let (l, u) = wilson(81.0, 263.0).unwrap();
        assert!((l - 0.2553).abs() < 1e-4 && (u - 0.3662).abs() < 1e-4, "{l} {u}");
        let (l, u) = wilson(0.0, 10.0).unwrap();
        assert_eq!(l, 0.0);
        assert!((u - 0.2775).abs() < 1e-4);
        assert_eq!(wilson(1.0, 0.0), None);
    }

    #[test]
    fn intervals_by_metric() {
        let share = MetricDef::find("workforce_share").unwrap();
        let (l, u) = share.interval(&[81.0, 263.0], Some(30.8)).unwrap();
        assert_eq!((l, u), (25.52, 36.63), "rounded outwards from 25.53..36.62");
        // RL of (20/100)/(10/100) = 2: SE = sqrt(1/20 - 1/100 + 1/10 - 1/100) = 0.3606,
        // 0.98656..4.05448 (checked in Python), rounded outwards.
        let rl = MetricDef::find("casework_rl").unwrap();
        assert_eq!(rl.interval(&[20.0, 10.0, 100.0, 100.0], Some(2.0)), Some((0.986, 4.055)));
        assert_eq!(rl.interval(&[0.0, 10.0, 100.0, 100.0], Some(0.0)), None);
        assert_eq!(MetricDef::find("pay_gap_mean").unwrap().interval(&[1.0; 6], Some(1.0)), None);
        assert_eq!(Comparison::of(25.5, 36.6, 20.0), Comparison::Higher);
        assert_eq!(Comparison::of(25.5, 36.6, 30.0), Comparison::Similar);
        assert_eq!(Comparison::of(25.5, 36.6, 40.0), Comparison::Lower);
    }
}
