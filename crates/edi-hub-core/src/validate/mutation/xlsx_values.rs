//! A workbook is judged exactly as the same table saved as CSV: random
//! values (codes and near misses, whole numbers typed as `12` or `12.0`,
//! fractions, negatives, booleans, text numbers, blanks) in random columns
//! give the same table, or the same problems on the same rows, their
//! messages the CSV's once the sheet and cell are taken off (and row numbers
//! inside them counted as Excel counts, from the header row).

use proptest::prelude::*;
use rust_xlsxwriter::Workbook;

use super::judge::runner;
use crate::dataset::Dataset;
use crate::validate::{Limits, Problem, UploadFormat, ValidTable, validate};

/// One generated cell: how Excel holds it, and its CSV text.
#[derive(Debug, Clone)]
enum V {
    Text(String),
    Number(f64),
    Bool(bool),
    Blank,
}

impl V {
    fn csv(&self) -> String {
        match self {
            V::Text(s) => s.clone(),
            V::Number(x) if x.fract() == 0.0 => format!("{}", *x as i64),
            V::Number(x) => format!("{x}"),
            V::Bool(b) => b.to_string(),
            V::Blank => String::new(),
        }
    }
}

const COLUMNS: &[&str] = &["ethnicity", "pay_band", "sex", "top_5_percent", "headcount", "fte", "colour"];

fn cell(column: &'static str) -> impl Strategy<Value = V> {
    let text = match column {
        "ethnicity" => vec!["black", "white", "asian_indian", "Black", "bame", "black_african", "12"],
        "sex" => vec!["female", "male", "not_stated", "Female", "x"],
        "top_5_percent" => vec!["true", "false", "TRUE", "yes", "1"],
        _ => vec!["4", "12", "-3", "2.5", "many", "1e3"],
    };
    let number = prop_oneof![0..8i64, -2..60i64].prop_map(|n| n as f64);
    prop_oneof![
        4 => proptest::sample::select(text).prop_map(|s| V::Text(s.to_string())),
        4 => number.clone().prop_map(V::Number),
        1 => number.prop_map(|n| V::Number(n + 0.5)),
        1 => any::<bool>().prop_map(V::Bool),
        1 => Just(V::Blank),
    ]
}

fn table() -> impl Strategy<Value = (Vec<&'static str>, Vec<Vec<V>>)> {
    proptest::sample::subsequence(COLUMNS.to_vec(), 2..=COLUMNS.len()).prop_flat_map(|columns| {
        let row: Vec<_> = columns.iter().map(|c| cell(c)).collect();
        // No row is blank all through (a blank CSV line is skipped, but a
        // line of empty fields is not).
        let rows = proptest::collection::vec(row, 1..8)
            .prop_filter("a blank row", |rows| rows.iter().all(|r| r.iter().any(|v| !matches!(v, V::Blank))));
        (Just(columns), rows)
    })
}

fn workbook(columns: &[&str], rows: &[Vec<V>]) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("workforce").unwrap();
    for (c, name) in columns.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match v {
                V::Text(s) => sheet.write_string(r, c, s).map(drop),
                V::Number(x) => sheet.write_number(r, c, *x).map(drop),
                V::Bool(b) => sheet.write_boolean(r, c, *b).map(drop),
                V::Blank => Ok(()),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// An Excel problem as the CSV's: without the sheet and cell, the column
/// without its letter, and row numbers in the message counted from the
/// first data row.
fn as_csv(p: &Problem) -> Problem {
    let message = p.message.strip_prefix("sheet 'workforce'").unwrap_or(&p.message);
    let message = message.split_once(": ").map_or(message, |(_, rest)| rest);
    let mut text = String::new();
    let mut rest = message;
    while let Some(i) = rest.find("row ") {
        text.push_str(&rest[..i + 4]);
        rest = &rest[i + 4..];
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if let Ok(n) = rest[..digits].parse::<u64>() {
            text.push_str(&(n - 1).to_string());
            rest = &rest[digits..];
        }
    }
    text.push_str(rest);
    let column = p.column.as_ref().map(|c| match c.split_once(" (") {
        Some((_, name)) => name.trim_end_matches(')').to_string(),
        None => c.clone(),
    });
    Problem { row: p.row, column, message: text }
}

fn same(excel: &Result<ValidTable, Vec<Problem>>, csv: &Result<ValidTable, Vec<Problem>>) -> Result<(), String> {
    match (excel, csv) {
        (Ok(x), Ok(c)) if x.columns == c.columns => Ok(()),
        (Err(x), Err(c)) => {
            let x: Vec<Problem> = x.iter().map(as_csv).collect();
            if &x == c { Ok(()) } else { Err(format!("excel {x:#?}\ncsv {c:#?}")) }
        }
        _ => Err(format!("excel {excel:#?}\ncsv {csv:#?}")),
    }
}

/// Validates the table as a workbook and as CSV: the same judgement, or why not.
fn judged_alike(columns: &[&str], rows: &[Vec<V>]) -> Result<(), String> {
    let mut csv = columns.join(",");
    for row in rows {
        csv.push('\n');
        csv.push_str(&row.iter().map(V::csv).collect::<Vec<_>>().join(","));
    }
    csv.push('\n');
    let limits = Limits::default();
    let from_csv = validate(Dataset::Workforce, UploadFormat::Csv, bytes::Bytes::from(csv.clone()), &limits);
    let book = workbook(columns, rows);
    let from_excel = validate(Dataset::Workforce, UploadFormat::Xlsx, bytes::Bytes::from(book), &limits);
    same(&from_excel, &from_csv).map_err(|e| format!("{csv}\n{e}"))
}

#[test]
fn a_workbook_is_judged_as_its_csv() {
    let mut runner = runner(300);
    let result = runner.run(&table(), |(columns, rows)| {
        if let Err(e) = judged_alike(&columns, &rows) {
            prop_assert!(false, "{e}");
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn cases_found_before_are_judged_as_their_csv() {
    let cases: Vec<(Vec<&'static str>, Vec<Vec<V>>)> = vec![
        (vec!["headcount", "fte"], vec![vec![V::Blank, V::Bool(false)]]),
        (
            vec!["ethnicity", "headcount"],
            vec![vec![V::Number(12.0), V::Text("12".into())], vec![V::Bool(true), V::Number(-0.5)]],
        ),
    ];
    for (columns, rows) in cases {
        judged_alike(&columns, &rows).unwrap_or_else(|e| panic!("{e}"));
    }
}
