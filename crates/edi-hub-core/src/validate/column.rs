//! Typed column values built from text (CSV, Parquet strings) or from typed
//! Parquet values, with a problem for every value that does not fit.

use super::problem::{Problem, Problems, shorten};
use crate::dataset::{ColumnDef, ValueKind};
use crate::ethnicity;
use crate::organisation::Organisation;

/// The values of one column after checking, one entry per data row
/// (`None` where the value is missing or was rejected).
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Code(Vec<Option<&'static str>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl Values {
    fn for_kind(kind: ValueKind) -> Self {
        match kind {
            ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => Values::Code(Vec::new()),
            ValueKind::PayBand | ValueKind::Count => Values::Int(Vec::new()),
            ValueKind::Decimal | ValueKind::Pay => Values::Float(Vec::new()),
            ValueKind::Flag => Values::Bool(Vec::new()),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Values::Code(v) => v.len(),
            Values::Int(v) => v.len(),
            Values::Float(v) => v.len(),
            Values::Bool(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn code(&self, i: usize) -> Option<&'static str> {
        match self {
            Values::Code(v) => v.get(i).copied().flatten(),
            _ => None,
        }
    }

    pub fn int(&self, i: usize) -> Option<i64> {
        match self {
            Values::Int(v) => v.get(i).copied().flatten(),
            _ => None,
        }
    }

    fn push_none(&mut self) {
        match self {
            Values::Code(v) => v.push(None),
            Values::Int(v) => v.push(None),
            Values::Float(v) => v.push(None),
            Values::Bool(v) => v.push(None),
        }
    }
}

/// The physical class of a typed (Parquet) column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Physical {
    Text,
    Integer,
    Float,
    Decimal,
    Boolean,
}

/// Builds one checked column, row by row.
#[derive(Debug)]
pub struct ColumnBuilder {
    pub def: &'static ColumnDef,
    pub values: Values,
    /// Rows (0-based) whose value was rejected or missing where required.
    pub bad_rows: Vec<usize>,
}

impl ColumnBuilder {
    pub fn new(def: &'static ColumnDef) -> Self {
        ColumnBuilder { def, values: Values::for_kind(def.kind), bad_rows: Vec::new() }
    }

    /// Whether values of this physical class can be stored in the column;
    /// otherwise the message to report once for the column.
    pub fn accepts(&self, physical: Physical) -> Result<(), String> {
        let ok = match self.def.kind {
            ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => physical == Physical::Text,
            ValueKind::PayBand => matches!(physical, Physical::Integer | Physical::Text),
            ValueKind::Count => physical == Physical::Integer,
            ValueKind::Flag => matches!(physical, Physical::Boolean | Physical::Text),
            ValueKind::Decimal | ValueKind::Pay => {
                matches!(physical, Physical::Float | Physical::Decimal | Physical::Integer)
            }
        };
        if ok {
            return Ok(());
        }
        let expected = match self.def.kind {
            ValueKind::Ethnicity | ValueKind::Code(_) | ValueKind::Organisation => {
                "text codes (plain or dictionary strings)"
            }
            ValueKind::PayBand => "an integer from 1 to 6",
            ValueKind::Count => "an integer type (counts are whole numbers)",
            ValueKind::Flag => "booleans",
            ValueKind::Decimal | ValueKind::Pay => "a floating point or decimal number",
        };
        let found = match physical {
            Physical::Text => "text",
            Physical::Integer => "integers",
            Physical::Float => "floating point numbers",
            Physical::Decimal => "decimals",
            Physical::Boolean => "booleans",
        };
        Err(format!("the column holds {found}; it must hold {expected}"))
    }

    fn reject(&mut self, row: usize, problems: &mut Problems, message: String) {
        problems.push(Problem::cell(row as u64 + 1, self.def.name, message));
        self.bad_rows.push(row);
        self.values.push_none();
    }

    /// A missing value (empty CSV cell, Parquet null).
    pub fn push_missing(&mut self, row: usize, problems: &mut Problems) {
        if self.def.required || self.def.role == crate::dataset::Role::Dimension {
            let msg = if self.def.required {
                format!("the value is missing; every row needs a {}", self.def.name)
            } else {
                format!(
                    "the value is missing; once the {} column is present every row needs a value (leave the column out to mean all)",
                    self.def.name
                )
            };
            self.reject(row, problems, msg);
        } else {
            self.values.push_none();
        }
    }

    /// A value rejected before it could be read (e.g. text that is not UTF-8).
    pub fn push_unreadable(&mut self, row: usize, problems: &mut Problems, message: &str) {
        self.reject(row, problems, message.to_string());
    }

    pub fn push_text(&mut self, row: usize, raw: &str, problems: &mut Problems) {
        let s = raw.trim();
        if s.is_empty() {
            return self.push_missing(row, problems);
        }
        match self.def.kind {
            ValueKind::Ethnicity => match ethnicity::upload_codes().into_iter().find(|c| *c == s) {
                Some(c) => self.push_code(c),
                None => {
                    let hint = lowercase_hint(s, ethnicity::is_upload_code);
                    self.reject(row, problems, format!(
                        "'{}' is not an ethnicity code{hint}; use a detailed code (e.g. black_african), a high-level code (asian, black, mixed, white, other) or not_stated",
                        shorten(s)
                    ));
                }
            },
            ValueKind::Code(codes) => match codes.iter().find(|c| **c == s) {
                Some(c) => self.push_code(c),
                None => {
                    let hint = lowercase_hint(s, |x| codes.contains(&x));
                    self.reject(
                        row,
                        problems,
                        format!(
                            "'{}' is not a {} code{hint}; allowed: {}",
                            shorten(s),
                            self.def.name,
                            codes.join(", ")
                        ),
                    );
                }
            },
            ValueKind::Organisation => match s.parse::<Organisation>() {
                Ok(o) => self.push_code(o.code()),
                Err(e) => self.reject(row, problems, e.to_string()),
            },
            ValueKind::PayBand => match s.parse::<i64>() {
                Ok(n) => self.push_int(row, i128::from(n), problems),
                Err(_) => self.reject(
                    row,
                    problems,
                    format!("'{}' is not a pay band; use 1 (lowest) to 6 (highest)", shorten(s)),
                ),
            },
            ValueKind::Count => match s.parse::<i64>() {
                Ok(n) => self.push_int(row, i128::from(n), problems),
                Err(_) => {
                    let msg = if s.parse::<f64>().is_ok() {
                        format!("'{}' is not a whole number; counts are whole numbers of people", shorten(s))
                    } else {
                        format!("'{}' is not a number", shorten(s))
                    };
                    self.reject(row, problems, msg);
                }
            },
            ValueKind::Flag => match s.to_ascii_lowercase().as_str() {
                "true" => self.push_bool(true),
                "false" => self.push_bool(false),
                _ => self.reject(row, problems, format!("'{}' is not true or false", shorten(s))),
            },
            ValueKind::Decimal | ValueKind::Pay => match s.parse::<f64>() {
                Ok(x) if x.is_finite() && !s.contains(['i', 'I', 'n', 'N']) => self.push_float(row, x, problems),
                _ => self.reject(row, problems, format!("'{}' is not a number", shorten(s))),
            },
        }
    }

    fn push_code(&mut self, code: &'static str) {
        if let Values::Code(v) = &mut self.values {
            v.push(Some(code));
        }
    }

    fn push_bool(&mut self, b: bool) {
        if let Values::Bool(v) = &mut self.values {
            v.push(Some(b));
        }
    }

    pub fn push_int(&mut self, row: usize, n: i128, problems: &mut Problems) {
        match self.def.kind {
            ValueKind::PayBand => {
                if (1..=6).contains(&n) {
                    self.push_i64(n as i64);
                } else {
                    self.reject(row, problems, format!("{n} is not a pay band; use 1 (lowest) to 6 (highest)"));
                }
            }
            ValueKind::Count => {
                if n < 0 {
                    self.reject(row, problems, format!("{n} is negative; counts must be 0 or more"));
                } else if n > i128::from(i64::MAX) {
                    self.reject(row, problems, format!("{n} is too large"));
                } else {
                    self.push_i64(n as i64);
                }
            }
            ValueKind::Decimal | ValueKind::Pay => self.push_float(row, n as f64, problems),
            _ => self.reject(row, problems, format!("{n} is a number; this column holds codes")),
        }
    }

    fn push_i64(&mut self, n: i64) {
        if let Values::Int(v) = &mut self.values {
            v.push(Some(n));
        }
    }

    pub fn push_float(&mut self, row: usize, x: f64, problems: &mut Problems) {
        if !x.is_finite() {
            return self.reject(row, problems, "the value is not a finite number".to_string());
        }
        match self.def.kind {
            ValueKind::Pay if x <= 0.0 => {
                self.reject(row, problems, format!("{x} is not a valid hourly pay; pay must be greater than 0"))
            }
            ValueKind::Decimal if x < 0.0 => {
                self.reject(row, problems, format!("{x} is negative; {} must be 0 or more", self.def.name))
            }
            ValueKind::Decimal | ValueKind::Pay => {
                if let Values::Float(v) = &mut self.values {
                    v.push(Some(x));
                }
            }
            _ => self.reject(row, problems, format!("{x} is not a whole number")),
        }
    }

    pub fn push_boolean(&mut self, row: usize, b: bool, problems: &mut Problems) {
        match self.def.kind {
            ValueKind::Flag => self.push_bool(b),
            _ => self.reject(row, problems, "a true/false value is not allowed here".to_string()),
        }
    }

    /// Marks every row rejected (the whole column has the wrong type).
    pub fn reject_all(&mut self, rows: usize) {
        for r in self.values.len()..rows {
            self.bad_rows.push(r);
            self.values.push_none();
        }
    }
}

fn lowercase_hint(s: &str, valid: impl Fn(&str) -> bool) -> String {
    let lower = s.to_lowercase().replace([' ', '-'], "_");
    if lower != s && valid(&lower) {
        format!(" (did you mean '{lower}'? codes are lowercase snake_case)")
    } else {
        String::new()
    }
}
