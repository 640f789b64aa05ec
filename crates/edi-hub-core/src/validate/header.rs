//! Matching a file's column names to a dataset's columns.

use super::problem::{Problem, Problems, shorten};
use crate::dataset::Dataset;

/// At most this many columns are read from a file; the widest dataset has nine.
pub const MAX_COLUMNS: usize = 64;

/// For each column of the file, the index of the dataset column it holds
/// (`None` for a column that is not read).
#[derive(Debug)]
pub struct HeaderMap {
    pub file_columns: Vec<Option<usize>>,
}

impl HeaderMap {
    /// Checks the names; reports unknown, duplicate and missing columns.
    pub fn check(dataset: Dataset, names: &[String], problems: &mut Problems) -> HeaderMap {
        let defs = dataset.columns();
        let mut seen = vec![false; defs.len()];
        let mut file_columns = Vec::with_capacity(names.len().min(MAX_COLUMNS));
        if names.len() > MAX_COLUMNS {
            problems.push(Problem::file(format!(
                "the file has {} columns; a {dataset} file has at most {} (see the schema for {dataset})",
                names.len(),
                defs.len()
            )));
        }
        for (file_column, name) in names.iter().enumerate() {
            let def = defs.iter().position(|d| d.name == name.as_str());
            match def {
                Some(i) if seen[i] => {
                    problems.push_at_column(
                        file_column,
                        Problem::column(name, format!("the column '{name}' appears more than once")),
                    );
                    file_columns.push(None);
                }
                Some(i) => {
                    seen[i] = true;
                    file_columns.push(Some(i));
                }
                None if names.len() <= MAX_COLUMNS => {
                    problems.push_at_column(file_column, Problem::column(name, unknown_column_message(dataset, name)));
                    file_columns.push(None);
                }
                None => file_columns.push(None),
            }
        }
        for (i, d) in defs.iter().enumerate() {
            if d.required && !seen[i] {
                problems.push(Problem::column(
                    d.name,
                    format!("the required column '{}' is missing ({})", d.name, d.description),
                ));
            }
        }
        HeaderMap { file_columns }
    }
}

fn unknown_column_message(dataset: Dataset, name: &str) -> String {
    let normalised = name.trim().to_lowercase().replace([' ', '-'], "_");
    let allowed: Vec<&str> = dataset.columns().iter().map(|c| c.name).collect();
    if name.is_empty() {
        return "a column has no name".to_string();
    }
    if normalised != name && allowed.contains(&normalised.as_str()) {
        return format!(
            "the column '{}' should be named '{normalised}' (column names are lowercase snake_case)",
            shorten(name)
        );
    }
    format!("'{}' is not a column of the {dataset} dataset; its columns are {}", shorten(name), allowed.join(", "))
}
