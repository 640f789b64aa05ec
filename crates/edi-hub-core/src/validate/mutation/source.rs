//! Valid source data: the values of every row of a valid file of each
//! dataset, and valid CSV files built from them.

use crate::dataset::{self, ColumnDef, Dataset};
use crate::ethnicity;
use crate::organisation::Organisation;

/// One source value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Cell {
    Text(&'static str),
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

/// Ethnicity codes that never clash as parent and child.
fn ethnicities() -> Vec<&'static str> {
    ethnicity::DETAILED.iter().map(|(c, _)| *c).chain([ethnicity::NOT_STATED]).collect()
}

/// How many distinct valid rows the generator below gives for a dataset
/// (with or without its optional columns).
pub(super) fn max_rows(d: Dataset, optional: bool) -> usize {
    match (d, optional) {
        (Dataset::Pay, _) | (Dataset::Workforce, false) => 20,
        (Dataset::Recruitment, false) => 60,
        _ => 100,
    }
}

/// Row `i` of a valid file: dimension combinations are unique, no code
/// appears with its parent, counts fit in an `i8`, recruitment stages nest
/// and `positive <= respondents`.
pub(super) fn value(d: Dataset, column: &str, i: usize) -> Cell {
    let e = ethnicities();
    let n = e.len();
    let (block, g) = (i / n, i / 3);
    let int = |x: usize| Cell::Int(x as i64);
    match (d, column) {
        (Dataset::Population, "organisation") => {
            Cell::Text(Organisation::all().nth(i % Organisation::COUNT).unwrap().code())
        }
        (Dataset::Population, "ethnicity") => Cell::Text(e[(i / Organisation::COUNT) % n]),
        (Dataset::Population, "residents") => int(i % 120),
        (Dataset::Recruitment, "ethnicity") => Cell::Text(e[g % n]),
        (Dataset::Recruitment, "stage") => Cell::Text(dataset::STAGES[i % 3]),
        (Dataset::Recruitment, "pay_band") => int(1 + (g / n) % 6),
        (Dataset::Recruitment, "count") => int([40 + g % 40, 20 + g % 20, g % 20][i % 3]),
        (_, "ethnicity") => Cell::Text(e[i % n]),
        (Dataset::Workforce, "pay_band") => int(1 + block % 6),
        (Dataset::Workforce, "sex") => Cell::Text(dataset::SEX[(i / (6 * n)) % 3]),
        (Dataset::Workforce, "age_band") => Cell::Text(dataset::AGE_BANDS[i % 7]),
        (Dataset::Workforce, "disability") => Cell::Text(dataset::DISABILITY[i % 3]),
        (Dataset::Workforce, "top_5_percent") => Cell::Bool(i.is_multiple_of(2)),
        (Dataset::Workforce, "senior_leadership") => Cell::Bool(i.is_multiple_of(5)),
        (Dataset::Workforce, "headcount") => int(i * 7 % 100),
        (Dataset::Workforce, "fte") if i % 4 == 3 => Cell::Null,
        (Dataset::Workforce, "fte") => Cell::Float((i * 7 % 100) as f64 * 0.75),
        (Dataset::Pay, "headcount") => int(1 + i),
        (Dataset::Pay, "mean_hourly_pay") => Cell::Float(12.5 + i as f64),
        (Dataset::Pay, "median_hourly_pay") => Cell::Float(11.25 + i as f64),
        (Dataset::Casework, "case_type") => Cell::Text(dataset::CASE_TYPES[block % 5]),
        (Dataset::Casework, "count") => int(i % 13),
        (Dataset::Progression, "event") => Cell::Text(dataset::EVENTS[block % 8]),
        (Dataset::Progression, "pay_band") => int(1 + i % 6),
        (Dataset::Progression, "count") => int(i % 17),
        (Dataset::Survey, "question") => Cell::Text(dataset::QUESTIONS[block % 6]),
        (Dataset::Survey, "respondents") => int(60 + i % 40),
        (Dataset::Survey, "positive") => int(i % 60),
        _ => panic!("no test values for {d} {column}"),
    }
}

/// The columns a file of this shape has (required ones, or all).
pub(super) fn file_columns(d: Dataset, optional: bool) -> Vec<&'static ColumnDef> {
    d.columns().iter().filter(|c| optional || c.required).collect()
}

pub(super) fn cell_text(c: &Cell) -> Option<String> {
    match c {
        Cell::Text(s) => Some((*s).to_string()),
        Cell::Int(n) => Some(n.to_string()),
        Cell::Float(x) => Some(x.to_string()),
        Cell::Bool(b) => Some(b.to_string()),
        Cell::Null => None,
    }
}

/// A valid CSV file; `quoted` quotes every field and adds a BOM and CRLF.
pub(super) fn valid_csv(d: Dataset, rows: usize, quoted: bool) -> Vec<u8> {
    let defs = file_columns(d, true);
    let rows = rows.min(max_rows(d, true));
    let (q, eol) = if quoted { ("\"", "\r\n") } else { ("", "\n") };
    let mut out = String::from(if quoted { "\u{feff}" } else { "" });
    let names: Vec<String> = defs.iter().map(|c| format!("{q}{}{q}", c.name)).collect();
    out.push_str(&names.join(","));
    out.push_str(eol);
    for i in 0..rows {
        let fields: Vec<String> = defs
            .iter()
            .map(|c| match cell_text(&value(d, c.name, i)) {
                Some(t) => format!("{q}{t}{q}"),
                None => String::new(),
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push_str(eol);
    }
    out.into_bytes()
}
