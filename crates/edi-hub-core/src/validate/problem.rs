//! Validation problems: each names the data row (from 1; `None` for a
//! problem with the whole file), the column and says what is wrong in plain
//! English.

use serde::Serialize;

/// At most this many problems are listed for one file; a final problem says
/// how many more were found. Real files with real mistakes stay far below it;
/// it keeps a hostile file's answer small.
pub const MAX_LISTED_PROBLEMS: usize = 1000;

/// One thing wrong with an uploaded file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Data row, counted from 1 (the first row after a CSV header, the first
    /// Parquet row); `None` for a problem with the whole file.
    pub row: Option<u64>,
    /// The column concerned, when the problem is about one column.
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn file(message: impl Into<String>) -> Self {
        Problem { row: None, column: None, message: message.into() }
    }

    pub fn column(column: &str, message: impl Into<String>) -> Self {
        Problem { row: None, column: Some(shorten(column)), message: message.into() }
    }

    pub fn cell(row: u64, column: &str, message: impl Into<String>) -> Self {
        Problem { row: Some(row), column: Some(shorten(column)), message: message.into() }
    }

    pub fn row(row: u64, message: impl Into<String>) -> Self {
        Problem { row: Some(row), column: None, message: message.into() }
    }
}

/// Collects problems, keeping the first [`MAX_LISTED_PROBLEMS`].
#[derive(Debug, Default)]
pub struct Problems {
    list: Vec<Problem>,
    omitted: usize,
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        if self.list.len() < MAX_LISTED_PROBLEMS {
            self.list.push(p);
        } else {
            self.omitted += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// True once the list is full: further checks cannot add anything shown.
    pub fn is_full(&self) -> bool {
        self.list.len() >= MAX_LISTED_PROBLEMS
    }

    pub fn into_vec(mut self) -> Vec<Problem> {
        if self.omitted > 0 {
            self.list.push(Problem::file(format!(
                "{} further problems were found and are not listed; fix the ones above and validate again",
                self.omitted
            )));
        }
        self.list
    }
}

/// Shortens text quoted back to the user (a hostile file may hold huge values).
pub fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let head: String = s.chars().take(MAX).collect();
        format!("{head}...")
    }
}
