//! Validation problems: each names the data row (from 1; `None` for a
//! problem with the whole file), the column and says what is wrong in plain
//! English. In an Excel workbook each problem also says where Excel shows it
//! (see [`SheetPlace`]).

use serde::Serialize;

pub use super::place::SheetPlace;

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
    /// The sheet being read, when the file is an Excel workbook: every
    /// problem pushed is then placed in it.
    place: Option<SheetPlace>,
}

impl Problems {
    pub fn push(&mut self, p: Problem) {
        let p = match &self.place {
            Some(place) => place.locate(p, None),
            None => p,
        };
        self.push_as_is(p);
    }

    /// A problem about the file's column at `file_column` (its position
    /// among the file's columns), which may share its name with another.
    pub fn push_at_column(&mut self, file_column: usize, p: Problem) {
        let p = match &self.place {
            Some(place) => place.locate(p, Some(file_column)),
            None => p,
        };
        self.push_as_is(p);
    }

    /// A problem already worded with its place.
    pub fn push_as_is(&mut self, p: Problem) {
        if self.list.len() < MAX_LISTED_PROBLEMS {
            self.list.push(p);
        } else {
            self.omitted += 1;
        }
    }

    /// From now on, problems are placed in this Excel sheet.
    pub fn set_place(&mut self, place: SheetPlace) {
        self.place = Some(place);
    }

    pub fn place_mut(&mut self) -> Option<&mut SheetPlace> {
        self.place.as_mut()
    }

    /// The number a person sees for data row `index` (from 0): the data row
    /// from 1, or the worksheet row as Excel shows it. Messages that refer
    /// to another row use it.
    pub fn shown_row(&self, index: usize) -> u64 {
        match &self.place {
            Some(place) => place.excel_row(index),
            None => index as u64 + 1,
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
