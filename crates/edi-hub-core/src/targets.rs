//! Action-plan targets: a borough's aim for one metric (at given
//! parameters) by a quarter, and how its figures stand against it.
//!
//! The status is judged from the values a viewer is shown, never from
//! withheld ones: `no_data` when the latest value is missing or withheld;
//! `achieved` when it already meets the target in the metric's direction;
//! `on_track` when a least-squares line through the values reaches the
//! target by the target's quarter; `off_track` otherwise (a single value
//! has no trend).
//!
//! What "meets" means follows the metric's direction: at or above the target
//! (`higher_is_better`), at or below it (`lower_is_better`), reached from
//! where the first value started (`neutral`, e.g. a share to grow from 20%
//! to 35%), and, for `closer_to_1` ratios, at least as close to 1 as the
//! target on the ratio scale: a target of 0.8 or 1.25 is met anywhere from
//! 0.8 to 1.25 (the "four-fifths" band), a target of 1 by a value that
//! shows as 1.00. Overshooting 1 is not meeting it.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::metrics::Direction;
use crate::metrics::{Formula, MetricDef};
use crate::period::Period;

/// Who may see a target besides its organisation's submitters and the stewards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Visibility {
    /// Only the organisation's submitters and data stewards.
    #[default]
    Private,
    /// Every authenticated caller.
    Shared,
}

impl Visibility {
    pub const ALL: [Visibility; 2] = [Visibility::Private, Visibility::Shared];

    pub fn name(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Shared => "shared",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Visibility {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Visibility::ALL.into_iter().find(|v| v.name() == s).ok_or_else(|| {
            format!("'{}' is not a visibility: use private or shared", crate::validate::shorten_for_message(s))
        })
    }
}

serde_as_text!(Visibility);

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The latest value already meets the target.
    Achieved,
    /// The trend of the values reaches the target by its quarter.
    OnTrack,
    /// Neither achieved nor on track.
    OffTrack,
    /// No latest value the viewer may see.
    NoData,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Achieved => "achieved",
            Status::OnTrack => "on_track",
            Status::OffTrack => "off_track",
            Status::NoData => "no_data",
        }
    }
}

/// The latest figure and the status of a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The most recent quarter with data, and its value as shown to the
    /// viewer (`None` when withheld or undefined).
    pub latest: Option<(Period, Option<f64>)>,
    pub status: Status,
}

/// How far ahead a target's quarter may be set, in quarters (ten years).
pub const MAX_QUARTERS_AHEAD: u32 = 40;

/// The values a target of `metric` may take: percentages of people 0 to
/// 100, pay gaps -100 to 100, ratios 0.001 to 1000 (a ratio target is a
/// distance from 1, which a ratio of 0 does not have).
pub fn target_range(metric: &MetricDef) -> (f64, f64) {
    match metric.formula {
        Formula::Share { .. } => (0.0, 100.0),
        Formula::PayGap { .. } => (-100.0, 100.0),
        Formula::Representation { .. } | Formula::RelativeLikelihood { .. } => (RATIO_FLOOR, 1000.0),
    }
}

/// Quarters since 2000-Q1 (the x axis of trends).
fn ordinal(p: Period) -> f64 {
    f64::from(p.year()) * 4.0 + f64::from(p.quarter()) - 1.0
}

/// Closer-to-1 scores: ratios shown to two decimals count as equal to the
/// target within half of the last digit.
const RATIO_TOLERANCE: f64 = 0.005;

/// The smallest ratio scored (a ratio of 0 is as far from 1 as this).
const RATIO_FLOOR: f64 = 1e-3;

/// A scale on which higher is better, for comparing values with a target.
#[derive(Debug, Clone, Copy)]
enum Scale {
    Up,
    Down,
    /// Minus the distance from 1 on the log scale (0.5 and 2 are as far).
    TowardsOne,
}

impl Scale {
    fn new(direction: Direction, first: f64, target: f64) -> Scale {
        match direction {
            Direction::HigherIsBetter => Scale::Up,
            Direction::LowerIsBetter => Scale::Down,
            Direction::Neutral if first <= target => Scale::Up,
            Direction::Neutral => Scale::Down,
            Direction::CloserTo1 => Scale::TowardsOne,
        }
    }

    fn score(self, value: f64) -> f64 {
        match self {
            Scale::Up => value,
            Scale::Down => -value,
            Scale::TowardsOne => -value.max(RATIO_FLOOR).ln().abs(),
        }
    }

    /// The lowest score that meets `target`.
    fn goal(self, target: f64) -> f64 {
        let tolerance = match self {
            Scale::TowardsOne => RATIO_TOLERANCE,
            Scale::Up | Scale::Down => 0.0,
        };
        self.score(target) - tolerance
    }
}

/// Least-squares line through `(x, y)` points: `(intercept, slope)`;
/// `None` with fewer than two distinct x.
pub fn least_squares(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    let n = points.len() as f64;
    if points.len() < 2 {
        return None;
    }
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = points.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let slope = sxy / sxx;
    Some((my - slope * mx, slope))
}

/// The progress of a target of `target` by `by` for a metric going
/// `direction`, from the organisation's series (one entry per quarter with
/// data, each value as shown to the viewer).
pub fn progress(direction: Direction, target: f64, by: Period, series: &[(Period, Option<f64>)]) -> Progress {
    let mut series: Vec<(Period, Option<f64>)> = series.to_vec();
    series.sort_by_key(|(p, _)| *p);
    let latest = series.last().copied();
    let Some((latest_period, Some(latest_value))) = latest else {
        return Progress { latest, status: Status::NoData };
    };
    // Quarters counted from the latest one keep the fit's numbers small.
    let x = |p: Period| ordinal(p) - ordinal(latest_period);
    let shown: Vec<(f64, f64)> =
        series.iter().filter_map(|(p, v)| v.filter(|v| v.is_finite()).map(|v| (x(*p), v))).collect();
    let first = shown.first().map_or(latest_value, |p| p.1);
    let scale = Scale::new(direction, first, target);
    let goal = scale.goal(target);
    let scores: Vec<(f64, f64)> = shown.iter().map(|&(x, v)| (x, scale.score(v))).collect();
    let status = if scale.score(latest_value) >= goal {
        Status::Achieved
    } else if latest_period > by {
        Status::OffTrack
    } else {
        match least_squares(&scores) {
            Some((a, b)) if a + b * x(by) >= goal => Status::OnTrack,
            _ => Status::OffTrack,
        }
    };
    Progress { latest, status }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: &str) -> Period {
        s.parse().unwrap()
    }

    fn series(values: &[(&str, Option<f64>)]) -> Vec<(Period, Option<f64>)> {
        values.iter().map(|(p, v)| (q(p), *v)).collect()
    }

    #[test]
    fn no_data_without_a_visible_latest_value() {
        let p = progress(Direction::HigherIsBetter, 35.0, q("2026-Q4"), &[]);
        assert_eq!(p, Progress { latest: None, status: Status::NoData });
        // A withheld latest value: the earlier ones do not stand in for it.
        let s = series(&[("2025-Q1", Some(20.0)), ("2025-Q2", None)]);
        let p = progress(Direction::HigherIsBetter, 35.0, q("2026-Q4"), &s);
        assert_eq!(p.latest, Some((q("2025-Q2"), None)));
        assert_eq!(p.status, Status::NoData);
    }

    #[test]
    fn achieved_in_the_metric_direction() {
        let s = series(&[("2025-Q1", Some(30.0)), ("2025-Q2", Some(36.0))]);
        assert_eq!(progress(Direction::HigherIsBetter, 35.0, q("2026-Q4"), &s).status, Status::Achieved);
        let s = series(&[("2025-Q1", Some(8.0)), ("2025-Q2", Some(4.5))]);
        assert_eq!(progress(Direction::LowerIsBetter, 5.0, q("2026-Q4"), &s).status, Status::Achieved);
        // Achieved stays achieved after the target's quarter.
        assert_eq!(progress(Direction::LowerIsBetter, 5.0, q("2024-Q4"), &s).status, Status::Achieved);
    }

    #[test]
    fn closer_to_1_targets_are_bands_around_1() {
        let status = |target: f64, values: &[f64]| {
            let quarters = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"];
            let s: Vec<(&str, Option<f64>)> = quarters.iter().zip(values).map(|(q, v)| (*q, Some(*v))).collect();
            progress(Direction::CloserTo1, target, q("2026-Q4"), &series(&s)).status
        };
        // 1.25 and 0.8 both mean "from 0.8 to 1.25", from either side.
        for target in [1.25, 0.8] {
            assert_eq!(status(target, &[1.6, 1.2]), Status::Achieved);
            assert_eq!(status(target, &[0.5, 0.82]), Status::Achieved);
            assert_eq!(status(target, &[0.5, 0.78]), Status::OnTrack);
            assert_eq!(status(target, &[1.6, 1.7]), Status::OffTrack);
        }
        // Overshooting 1 is not reaching a target of 1: 0.7 then 1.14 is not
        // achieved; its distance from 1 shrinks, so it is on track, while
        // 0.9 then 1.3 moves away.
        assert_eq!(status(1.0, &[0.7, 1.14]), Status::OnTrack);
        assert_eq!(status(1.0, &[0.9, 1.3]), Status::OffTrack);
        assert_eq!(status(1.0, &[1.6, 1.3, 1.1]), Status::OnTrack);
        // A target of 1 is met by a value that shows as 1.00.
        assert_eq!(status(1.0, &[1.3, 1.004]), Status::Achieved);
        assert_eq!(status(1.0, &[1.3, 0.996]), Status::Achieved);
        assert_eq!(status(1.0, &[1.3, 1.01]), Status::OnTrack);
        // A ratio of 0 (nobody in the group appointed) is far from 1, not an error.
        assert_eq!(status(0.8, &[0.0, 0.0]), Status::OffTrack);
        assert_eq!(status(0.8, &[0.0, 0.9]), Status::Achieved);
    }

    #[test]
    fn neutral_metrics_are_judged_from_where_they_started() {
        // From below towards a share.
        let s = series(&[("2025-Q1", Some(20.0)), ("2025-Q2", Some(25.0))]);
        assert_eq!(progress(Direction::Neutral, 24.0, q("2026-Q4"), &s).status, Status::Achieved);
        assert_eq!(progress(Direction::Neutral, 30.0, q("2025-Q3"), &s).status, Status::OnTrack);
        assert_eq!(progress(Direction::Neutral, 40.0, q("2025-Q3"), &s).status, Status::OffTrack);
    }

    #[test]
    fn on_track_when_the_trend_reaches_the_target_in_time() {
        // +1 point a quarter from 20 in 2025-Q1: 27 by 2026-Q4.
        let s = series(&[("2025-Q1", Some(20.0)), ("2025-Q2", Some(21.0)), ("2025-Q3", Some(22.0))]);
        assert_eq!(progress(Direction::HigherIsBetter, 27.0, q("2026-Q4"), &s).status, Status::OnTrack);
        assert_eq!(progress(Direction::HigherIsBetter, 27.5, q("2026-Q4"), &s).status, Status::OffTrack);
        // Falling values never reach a higher target.
        let s = series(&[("2025-Q1", Some(22.0)), ("2025-Q2", Some(21.0))]);
        assert_eq!(progress(Direction::HigherIsBetter, 25.0, q("2030-Q4"), &s).status, Status::OffTrack);
        // A single value has no trend; a passed quarter cannot be reached.
        let s = series(&[("2025-Q1", Some(20.0))]);
        assert_eq!(progress(Direction::HigherIsBetter, 25.0, q("2030-Q4"), &s).status, Status::OffTrack);
        let s = series(&[("2025-Q1", Some(20.0)), ("2025-Q2", Some(24.0))]);
        assert_eq!(progress(Direction::HigherIsBetter, 25.0, q("2025-Q1"), &s).status, Status::OffTrack);
    }

    #[test]
    fn the_trend_uses_only_the_values_shown() {
        // The withheld middle value is left out of the line, not taken as 0.
        let s = series(&[("2025-Q1", Some(20.0)), ("2025-Q2", None), ("2025-Q3", Some(22.0))]);
        let p = progress(Direction::HigherIsBetter, 24.0, q("2026-Q1"), &s);
        assert_eq!(p.latest, Some((q("2025-Q3"), Some(22.0))));
        assert_eq!(p.status, Status::OnTrack);
        // Gaps between quarters count as time.
        let s = series(&[("2024-Q1", Some(20.0)), ("2025-Q1", Some(24.0))]);
        assert_eq!(progress(Direction::HigherIsBetter, 25.0, q("2025-Q2"), &s).status, Status::OnTrack);
        assert_eq!(progress(Direction::HigherIsBetter, 25.0, q("2025-Q1"), &s).status, Status::OffTrack);
    }

    #[test]
    fn least_squares_fits_a_line() {
        let (a, b) = least_squares(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]).unwrap();
        assert!((a - 1.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12);
        assert_eq!(least_squares(&[(1.0, 1.0), (1.0, 2.0)]), None);
        assert_eq!(least_squares(&[(1.0, 1.0)]), None);
    }

    #[test]
    fn visibility_and_ranges() {
        assert_eq!("shared".parse::<Visibility>(), Ok(Visibility::Shared));
        assert!("public".parse::<Visibility>().unwrap_err().contains("private or shared"));
        assert_eq!(Visibility::default(), Visibility::Private);
        assert_eq!(target_range(MetricDef::find("workforce_share").unwrap()), (0.0, 100.0));
        assert_eq!(target_range(MetricDef::find("pay_gap_mean").unwrap()), (-100.0, 100.0));
        assert_eq!(target_range(MetricDef::find("casework_rl").unwrap()), (0.001, 1000.0));
        assert_eq!(Status::OnTrack.name(), "on_track");
    }
}
