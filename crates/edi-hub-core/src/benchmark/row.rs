//! One row of a benchmark answer, and the columns disclosure control can
//! withhold in it.

use super::Scope;
use crate::organisation::Organisation;
use crate::period::Period;
use crate::significance::Comparison;

/// A column of an answer row that disclosure control can withhold. Named
/// by type, not by text: a misspelt column cannot compile, where a string
/// would silently publish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Value,
    Numerator,
    Denominator,
    Min,
    Q1,
    Median,
    Q3,
    Max,
    LowerCi,
    UpperCi,
    ComparedWithLondon,
}

impl Column {
    /// Every column holding a number.
    pub const NUMBERS: [Column; 10] = [
        Column::Value,
        Column::Numerator,
        Column::Denominator,
        Column::Min,
        Column::Q1,
        Column::Median,
        Column::Q3,
        Column::Max,
        Column::LowerCi,
        Column::UpperCi,
    ];

    /// The column's name in every answer format.
    pub fn name(self) -> &'static str {
        match self {
            Column::Value => "value",
            Column::Numerator => "numerator",
            Column::Denominator => "denominator",
            Column::Min => "min",
            Column::Q1 => "q1",
            Column::Median => "median",
            Column::Q3 => "q3",
            Column::Max => "max",
            Column::LowerCi => "lower_ci",
            Column::UpperCi => "upper_ci",
            Column::ComparedWithLondon => "compared_with_london",
        }
    }
}

/// One row of a benchmark answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub scope: Scope,
    pub organisation: Option<Organisation>,
    pub name: String,
    pub period: Period,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub rank: Option<u32>,
    pub contributors: Option<u32>,
    pub min: Option<f64>,
    pub q1: Option<f64>,
    pub median: Option<f64>,
    pub q3: Option<f64>,
    pub max: Option<f64>,
    /// 95% confidence interval of the value (see [`crate::significance`]).
    pub lower_ci: Option<f64>,
    pub upper_ci: Option<f64>,
    /// Organisation rows: the value against London's (Fingertips convention).
    pub compared_with_london: Option<Comparison>,
    /// Columns whose value is withheld by disclosure control.
    pub suppressed: Vec<Column>,
    /// The release the row comes from (`None`: provisional).
    pub release: Option<u32>,
    /// Whether the row differs from the previous release's.
    pub revised: bool,
}

impl Row {
    pub(super) fn new(scope: Scope, organisation: Option<Organisation>, name: String, period: Period) -> Row {
        Row {
            scope,
            organisation,
            name,
            period,
            value: None,
            numerator: None,
            denominator: None,
            rank: None,
            contributors: None,
            min: None,
            q1: None,
            median: None,
            q3: None,
            max: None,
            lower_ci: None,
            upper_ci: None,
            compared_with_london: None,
            suppressed: Vec::new(),
            release: None,
            revised: false,
        }
    }

    /// Withholds every number of a summary row (too few contributors).
    pub(super) fn hide_numbers(&mut self) {
        for c in Column::NUMBERS {
            if self.cell(c).is_some_and(|v| v.is_some()) {
                self.hide(c);
            }
        }
    }

    /// The number in `column` (`None` for the flag, which is not a number).
    pub(super) fn cell(&mut self, column: Column) -> Option<&mut Option<f64>> {
        Some(match column {
            Column::Value => &mut self.value,
            Column::Numerator => &mut self.numerator,
            Column::Denominator => &mut self.denominator,
            Column::Min => &mut self.min,
            Column::Q1 => &mut self.q1,
            Column::Median => &mut self.median,
            Column::Q3 => &mut self.q3,
            Column::Max => &mut self.max,
            Column::LowerCi => &mut self.lower_ci,
            Column::UpperCi => &mut self.upper_ci,
            Column::ComparedWithLondon => return None,
        })
    }

    /// Withholds one cell and lists it in `suppressed`.
    pub(super) fn hide(&mut self, column: Column) {
        match self.cell(column) {
            Some(cell) => *cell = None,
            None => self.compared_with_london = None,
        }
        if !self.suppressed.contains(&column) {
            self.suppressed.push(column);
        }
    }

    /// Whether disclosure control withholds `column` in this row.
    pub fn withholds(&self, column: Column) -> bool {
        self.suppressed.contains(&column)
    }
}
