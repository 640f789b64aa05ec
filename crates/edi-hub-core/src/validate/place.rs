//! Where a problem is in an Excel sheet. A problem keeps the shape it has
//! for CSV (`row` counts data rows from 1, the first row after the header),
//! and adds where Excel shows it: `column` is the column letter and header,
//! `C (headcount)`, and the message starts with the sheet and cell (or row),
//! `sheet 'workforce', cell C5: ...`; row numbers inside the message are
//! Excel's too (the header is row 1, so the first data row is row 2).

use super::problem::{Problem, shorten};

/// The sheet being read: its name, its named columns and, for each data row
/// read so far, the worksheet row it came from.
#[derive(Debug, Clone)]
pub struct SheetPlace {
    sheet: String,
    /// Each column of the file: its header and its worksheet column (from 0).
    columns: Vec<(String, u32)>,
    /// The worksheet row (from 1) of each data row read so far.
    rows: Vec<u32>,
}

impl SheetPlace {
    pub fn new(sheet: &str) -> Self {
        SheetPlace { sheet: shorten(sheet), columns: Vec::new(), rows: Vec::new() }
    }

    /// The file's columns: each header with its worksheet column (from 0).
    pub fn set_columns(&mut self, columns: Vec<(String, u32)>) {
        self.columns = columns;
    }

    /// The next data row comes from worksheet row `excel_row` (from 1).
    pub fn push_row(&mut self, excel_row: u32) {
        self.rows.push(excel_row);
    }

    /// How the sheet is named in messages.
    pub fn label(&self) -> String {
        format!("sheet '{}'", self.sheet)
    }

    /// The worksheet row of data row `index` (from 0).
    pub fn excel_row(&self, index: usize) -> u64 {
        self.rows.get(index).map_or(index as u64 + 2, |r| u64::from(*r))
    }

    /// `problem` with its place in the sheet: the column letter beside the
    /// header in `column`, and the sheet and cell or row before the message.
    pub fn locate(&self, mut problem: Problem, file_column: Option<usize>) -> Problem {
        let column = file_column.or_else(|| {
            let name = problem.column.as_deref()?;
            self.columns.iter().position(|(header, _)| shorten(header) == name)
        });
        let letter = column.and_then(|c| self.columns.get(c)).map(|(_, excel)| column_letter(*excel));
        if let (Some(letter), Some(name)) = (&letter, &problem.column) {
            problem.column = Some(format!("{letter} ({name})"));
        }
        let sheet = self.label();
        let at = match (problem.row, &letter) {
            (Some(row), Some(letter)) => {
                format!("{sheet}, cell {letter}{}", self.excel_row(row.saturating_sub(1) as usize))
            }
            (Some(row), None) => format!("{sheet}, row {}", self.excel_row(row.saturating_sub(1) as usize)),
            // A header cell.
            (None, Some(letter)) => format!("{sheet}, cell {letter}1"),
            // A column the header lacks.
            (None, None) if problem.column.is_some() => format!("{sheet}, row 1"),
            (None, None) => sheet,
        };
        problem.message = format!("{at}: {}", problem.message);
        problem
    }
}

/// The letters Excel shows for worksheet column `index` (from 0): A to Z,
/// then AA, AB, ...
pub fn column_letter(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_are_excels() {
        let letters: Vec<String> = [0, 2, 25, 26, 27, 51, 52, 701, 702, 16383].map(column_letter).to_vec();
        assert_eq!(letters, ["A", "C", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD"]);
    }

    #[test]
    fn problems_are_placed_in_the_sheet() {
        let mut place = SheetPlace::new("workforce");
        place.set_columns(vec![("ethnicity".into(), 0), ("colour".into(), 1), ("headcount".into(), 2)]);
        place.push_row(2);
        place.push_row(5);
        let cell = place.locate(Problem::cell(2, "headcount", "-1 is negative"), None);
        assert_eq!(cell.row, Some(2));
        assert_eq!(cell.column.as_deref(), Some("C (headcount)"));
        assert_eq!(cell.message, "sheet 'workforce', cell C5: -1 is negative");
        let row = place.locate(Problem::row(1, "a repeated combination"), None);
        assert_eq!(row.message, "sheet 'workforce', row 2: a repeated combination");
        let header = place.locate(Problem::column("colour", "not a column"), Some(1));
        assert_eq!(
            (header.column.as_deref(), header.message.as_str()),
            (Some("B (colour)"), "sheet 'workforce', cell B1: not a column")
        );
        let missing = place.locate(Problem::column("pay_band", "missing"), None);
        assert_eq!(
            (missing.column.as_deref(), missing.message.as_str()),
            (Some("pay_band"), "sheet 'workforce', row 1: missing")
        );
        let file = place.locate(Problem::file("no data rows"), None);
        assert_eq!(file.message, "sheet 'workforce': no data rows");
    }
}
