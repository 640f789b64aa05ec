//! Reading an uploaded Excel workbook (.xlsx): the sheet named after the
//! dataset (in any letter case), else the first visible worksheet; column
//! names in row 1, data from row 2. Numbers stored as `12.0` are whole numbers, formulas
//! count by the result Excel saved, blank rows are skipped. The package is
//! checked first ([`super::xlsx_package`]) and the sheet is read cell by
//! cell as it decompresses, never as a whole grid. A reader panic on a
//! damaged workbook is one problem.

use std::collections::HashSet;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{DataRef, Reader, Sheet, SheetType, SheetVisible, Xlsx, XlsxError};

use super::column::ColumnBuilder;
use super::header::HeaderMap;
use super::place::{SheetPlace, column_letter};
use super::problem::{Problem, Problems, shorten};
use super::xlsx_package::{self, MAX_CELLS, MAX_SHEETS};
use super::{Limits, Read};
use crate::dataset::{Dataset, ValueKind};

/// The start of the message for a workbook the reader panicked on.
pub const DECODER_FAILED: &str = "the Excel workbook could not be decoded: the file is damaged";

pub fn read(dataset: Dataset, bytes: &[u8], limits: &Limits, problems: &mut Problems) -> Option<Read> {
    if let Err(p) = xlsx_package::check(bytes, limits) {
        problems.push(p);
        return None;
    }
    match catch_unwind(AssertUnwindSafe(|| read_workbook(dataset, bytes, limits, problems))) {
        Ok(read) => read,
        Err(panic) => {
            let detail = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no detail");
            problems
                .push_as_is(Problem::file(format!("{DECODER_FAILED} ({}); save it again from Excel", shorten(detail))));
            None
        }
    }
}

fn read_workbook(dataset: Dataset, bytes: &[u8], limits: &Limits, problems: &mut Problems) -> Option<Read> {
    let mut workbook: Xlsx<_> = match Xlsx::new(Cursor::new(bytes)) {
        Ok(w) => w,
        Err(XlsxError::Password) => {
            problems.push(Problem::file("the workbook is password-protected; save a copy without a password"));
            return None;
        }
        Err(e) => {
            problems.push(Problem::file(format!(
                "the file could not be read as an Excel workbook (.xlsx): {}",
                shorten(&e.to_string())
            )));
            return None;
        }
    };
    let sheets = workbook.sheets_metadata();
    if sheets.len() > MAX_SHEETS {
        problems.push(Problem::file(format!(
            "the workbook has {} sheets, more than the {MAX_SHEETS} read; save the {dataset} sheet in a workbook of its own",
            sheets.len()
        )));
        return None;
    }
    let Some(sheet) = choose_sheet(dataset, sheets) else {
        problems.push(Problem::file("the workbook has no sheets"));
        return None;
    };
    problems.set_place(SheetPlace::new(&sheet));
    let cells = match workbook.worksheet_cells_reader(&sheet) {
        Ok(c) => c,
        Err(XlsxError::NotAWorksheet(_)) => {
            problems.push(Problem::file("the sheet is not a worksheet (a chart?); put the data in a worksheet"));
            return None;
        }
        Err(e) => {
            problems.push(Problem::file(unreadable(&e)));
            return None;
        }
    };
    SheetReader::new(dataset, limits).read(cells, problems)
}

/// The sheet named after the dataset (any letter case), else the first
/// visible worksheet (the first tab a person sees), else the first sheet.
fn choose_sheet(dataset: Dataset, sheets: &[Sheet]) -> Option<String> {
    let visible_worksheet = |s: &&Sheet| s.typ == SheetType::WorkSheet && s.visible == SheetVisible::Visible;
    sheets
        .iter()
        .find(|s| s.name.trim().eq_ignore_ascii_case(dataset.name()))
        .or_else(|| sheets.iter().find(visible_worksheet))
        .or_else(|| sheets.first())
        .map(|s| s.name.clone())
}

fn unreadable(e: &XlsxError) -> String {
    format!(
        "the sheet could not be read, the workbook is damaged ({}); save it again from Excel",
        shorten(&e.to_string())
    )
}

/// One cell's value, as the reader gives it, and whether it holds a formula.
struct Value<'a> {
    data: DataRef<'a>,
    formula: bool,
}

impl Value<'_> {
    fn is_blank(&self) -> bool {
        match &self.data {
            DataRef::Empty => !self.formula,
            DataRef::String(s) => s.trim().is_empty(),
            DataRef::SharedString(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// Excel's last column (XFD) and row, from 0.
const LAST_COLUMN: u32 = 16_383;
const LAST_ROW: u32 = 1_048_575;

/// The cells of the worksheet row being read, kept only as far as they
/// matter: the named ones (row 1: the names), and the columns without a
/// name that hold a value.
#[derive(Default)]
struct RowCells<'a> {
    /// Before the header is read: the non-blank cells of the row.
    names: Vec<(u32, String)>,
    /// Once it is: the value of each file column (by position).
    values: Vec<Option<Value<'a>>>,
    /// Worksheet columns without a name holding a value (new ones only).
    unnamed: Vec<u32>,
    /// Whether any cell of the row holds a value.
    any: bool,
}

/// The state of reading one sheet.
struct SheetReader<'l> {
    dataset: Dataset,
    limits: &'l Limits,
    /// For each worksheet column (from 0) up to the last named one, the
    /// file column it is (`None`: no name in row 1).
    by_excel_column: Vec<Option<usize>>,
    header: Option<HeaderMap>,
    builders: Vec<ColumnBuilder>,
    rows: usize,
    /// Worksheet columns with values but no name (listed once each).
    unnamed: HashSet<u32>,
}

impl<'l> SheetReader<'l> {
    fn new(dataset: Dataset, limits: &'l Limits) -> Self {
        SheetReader {
            dataset,
            limits,
            by_excel_column: Vec::new(),
            header: None,
            builders: dataset.columns().iter().map(ColumnBuilder::new).collect(),
            rows: 0,
            unnamed: HashSet::new(),
        }
    }

    fn read<RS: std::io::Read + std::io::Seek>(
        mut self,
        mut cells: calamine::XlsxCellReader<'_, RS>,
        problems: &mut Problems,
    ) -> Option<Read> {
        let mut row = RowCells::default();
        let mut at: Option<(u32, u32)> = None;
        let mut count = 0u64;
        loop {
            let cell = match cells.next_cell_with_formula_metadata() {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => {
                    problems.push(Problem::file(unreadable(&e)));
                    return None;
                }
            };
            count += 1;
            if count > MAX_CELLS {
                problems.push(Problem::file(format!("the sheet has more than {MAX_CELLS} cells")));
                return None;
            }
            let (r, c) = cell.pos;
            if r > LAST_ROW || c > LAST_COLUMN {
                problems.push(Problem::file(
                    "the workbook is damaged: a cell lies beyond Excel's last row or column; save it again from Excel",
                ));
                return None;
            }
            if let Some(previous) = at.filter(|previous| (r, c) <= *previous) {
                problems.push(Problem::file(format!(
                    "the workbook is damaged: cell {} comes after cell {} in the sheet; save it again from Excel",
                    cell_name(r, c),
                    cell_name(previous.0, previous.1)
                )));
                return None;
            }
            if let Some((previous, _)) = at.filter(|(previous, _)| *previous != r)
                && !self.row_done(previous, std::mem::take(&mut row), problems)
            {
                return None;
            }
            at = Some((r, c));
            self.take_cell(&mut row, c, Value { data: cell.value, formula: cell.formula.is_some() });
        }
        if let Some((r, _)) = at
            && !self.row_done(r, row, problems)
        {
            return None;
        }
        let Some(header) = self.header else {
            problems
                .push(Problem::file("the sheet is empty; it needs the column names in row 1 and the data from row 2"));
            return None;
        };
        Read::finish(
            self.rows,
            self.builders,
            &header,
            Vec::new(),
            problems,
            "the sheet has no data rows (a header in row 1 alone is an empty file)",
        )
    }

    /// Keeps what matters of one cell of the row being read.
    fn take_cell<'a>(&mut self, row: &mut RowCells<'a>, c: u32, value: Value<'a>) {
        if value.is_blank() {
            return;
        }
        row.any = true;
        if self.header.is_none() {
            row.names.push((c, text_of(&value.data)));
            return;
        }
        match self.by_excel_column.get(c as usize).copied().flatten() {
            Some(f) => {
                if row.values.is_empty() {
                    row.values.resize_with(self.by_excel_column.len(), || None);
                }
                row.values[f] = Some(value);
            }
            None => {
                if self.unnamed.insert(c) {
                    row.unnamed.push(c);
                }
            }
        }
    }

    /// Takes in one worksheet row (`r` from 0); false to stop reading.
    fn row_done(&mut self, r: u32, cells: RowCells<'_>, problems: &mut Problems) -> bool {
        if self.header.is_none() {
            return self.header_row(r, cells.names, problems);
        }
        if !cells.any {
            return true;
        }
        if self.rows >= self.limits.max_rows {
            problems.push(Problem::file(format!("the sheet has more than {} data rows", self.limits.max_rows)));
            return false;
        }
        let index = self.rows;
        self.rows += 1;
        if let Some(place) = problems.place_mut() {
            place.push_row(r.saturating_add(1));
        }
        let Some(header) = &self.header else { return false };
        let mut values = cells.values.into_iter();
        for def in &header.file_columns {
            let value = values.next().flatten();
            if let Some(def) = def {
                match value {
                    Some(value) => push_value(&mut self.builders[*def], index, &value, problems),
                    None => self.builders[*def].push_missing(index, problems),
                }
            }
        }
        for c in cells.unnamed {
            let letter = column_letter(c);
            let sheet = problems.place_mut().map(|p| p.label()).unwrap_or_default();
            problems.push_as_is(Problem {
                row: Some(index as u64 + 1),
                column: Some(letter.clone()),
                message: format!(
                    "{sheet}, cell {}: the cell holds a value but column {letter} has no name in row 1; name the column or clear it",
                    cell_name(r, c)
                ),
            });
        }
        true
    }

    /// Reads the column names in row 1.
    fn header_row(&mut self, r: u32, named: Vec<(u32, String)>, problems: &mut Problems) -> bool {
        if r != 0 || named.is_empty() {
            let columns: Vec<&str> = self.dataset.columns().iter().map(|c| c.name).collect();
            problems.push(Problem::file(format!(
                "row 1 holds no column names; the {} sheet needs its column names ({}) in row 1 and the data from row 2",
                self.dataset,
                columns.join(", ")
            )));
            return false;
        }
        let last = named.last().map_or(0, |(c, _)| *c as usize);
        self.by_excel_column = vec![None; last + 1];
        for (f, (c, _)) in named.iter().enumerate() {
            self.by_excel_column[*c as usize] = Some(f);
        }
        let names: Vec<String> = named.iter().map(|(_, n)| n.clone()).collect();
        if let Some(place) = problems.place_mut() {
            place.set_columns(named.into_iter().map(|(c, n)| (n, c)).collect());
        }
        self.header = Some(HeaderMap::check(self.dataset, &names, problems));
        true
    }
}

/// A cell as Excel names it, `C5`.
fn cell_name(r: u32, c: u32) -> String {
    format!("{}{}", column_letter(c), u64::from(r) + 1)
}

/// A cell's value as text (column names, values quoted back).
fn text_of(data: &DataRef<'_>) -> String {
    match data {
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(n) => n.to_string(),
        DataRef::Float(x) => number_text(*x),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// A number as a person typed it: `12` for 12.0.
fn number_text(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { format!("{x}") }
}

/// Checks one cell's value into its column.
fn push_value(builder: &mut ColumnBuilder, row: usize, value: &Value<'_>, problems: &mut Problems) {
    let kind = builder.def.kind;
    match &value.data {
        DataRef::Empty if value.formula => builder.push_unreadable(
            row,
            problems,
            "the cell holds a formula with no saved result; open the workbook in Excel and save it, so that the result is saved",
        ),
        DataRef::Empty => builder.push_missing(row, problems),
        DataRef::String(s) => builder.push_text(row, s, problems),
        DataRef::SharedString(s) => builder.push_text(row, s, problems),
        DataRef::Int(n) => push_number(builder, row, *n as f64, problems),
        DataRef::Float(x) => push_number(builder, row, *x, problems),
        DataRef::Bool(b) => match kind {
            ValueKind::Flag => builder.push_boolean(row, *b, problems),
            _ => builder.push_text(row, &b.to_string(), problems),
        },
        DataRef::DateTime(_) | DataRef::DateTimeIso(_) | DataRef::DurationIso(_) => builder.push_unreadable(
            row,
            problems,
            "the cell holds a date or time; format the cell as a number or as text",
        ),
        DataRef::Error(e) => builder.push_unreadable(
            row,
            problems,
            &format!("the cell holds the error {e}; correct the formula or type the value"),
        ),
    }
}

/// A number cell: whole numbers (`12` or `12.0`) for counts and pay bands,
/// any number for decimals and pay, and its text for codes and flags.
fn push_number(builder: &mut ColumnBuilder, row: usize, x: f64, problems: &mut Problems) {
    match builder.def.kind {
        ValueKind::Count | ValueKind::PayBand if x.fract() == 0.0 && x.is_finite() => {
            builder.push_int(row, x as i128, problems)
        }
        ValueKind::Decimal | ValueKind::Pay => builder.push_float(row, x, problems),
        _ => builder.push_text(row, &number_text(x), problems),
    }
}
