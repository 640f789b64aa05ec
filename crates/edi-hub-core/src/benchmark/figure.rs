//! What an answer is built from: one organisation's unredacted inputs of a
//! metric, and which of them its protected pattern withholds.

use crate::organisation::Organisation;
use crate::period::Period;

/// Per input of a metric, whether the owner's protected pattern withholds
/// it from other viewers. Fails closed: an input with no flag counts as
/// withheld, so a figure built without its flags publishes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Withheld(Vec<bool>);

impl Withheld {
    /// One flag per input, in the metric's input order.
    pub fn per_input(flags: Vec<bool>) -> Withheld {
        Withheld(flags)
    }

    /// Whether input `i` is withheld (true when there is no flag for it).
    pub fn input(&self, i: usize) -> bool {
        self.0.get(i).copied().unwrap_or(true)
    }

    /// Whether any of the first `n` inputs is withheld.
    pub fn any(&self, n: usize) -> bool {
        (0..n).any(|i| self.input(i))
    }
}

/// One organisation's unredacted inputs of a metric for one period
/// (see [`MetricDef::inputs`]), and which of them its submission's
/// protected pattern withholds from other viewers.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub organisation: Organisation,
    pub period: Period,
    pub inputs: Vec<f64>,
    /// Per input: withheld by the submission's protected pattern.
    pub hidden: Withheld,
    /// The release the figure comes from (`None`: provisional, not yet released).
    pub release: Option<u32>,
    /// Whether it differs from the organisation's figure in the previous release.
    pub revised: bool,
}
