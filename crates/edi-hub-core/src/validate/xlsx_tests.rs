//! Excel workbooks: read like the same table as CSV, every problem placed in
//! the sheet, and hostile workbooks refused quickly with a problem.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rust_xlsxwriter::{Format, Formula, Workbook};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;

/// One cell written into a test workbook.
#[derive(Debug, Clone)]
pub(crate) enum X {
    S(&'static str),
    N(f64),
    B(bool),
    /// A formula with the result Excel saved.
    F(&'static str, &'static str),
    /// A number formatted as a date.
    Date(f64),
    Blank,
}

/// A workbook of `sheets`, each a name and its rows (row 1 first).
pub(crate) fn workbook(sheets: &[(&str, Vec<Vec<X>>)]) -> Vec<u8> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    X::S(s) => sheet.write_string(r, c, *s).map(drop),
                    X::N(x) => sheet.write_number(r, c, *x).map(drop),
                    X::B(b) => sheet.write_boolean(r, c, *b).map(drop),
                    X::F(f, result) => sheet.write_formula(r, c, Formula::new(*f).set_result(*result)).map(drop),
                    X::Date(x) => sheet.write_number_with_format(r, c, *x, &date).map(drop),
                    X::Blank => Ok(()),
                }
                .unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

/// A workbook package written part by part (for what Excel never writes).
pub(crate) fn package(sheet_xml: &[u8], shared_strings: Option<&[u8]>, method: CompressionMethod) -> Vec<u8> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(method);
    let mut part = |name: &str, data: &[u8]| {
        zip.start_file(name, options).unwrap();
        zip.write_all(data).unwrap();
    };
    part(
        "[Content_Types].xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
    );
    part(
        "_rels/.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
    );
    part(
        "xl/workbook.xml",
        br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="workforce" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
    );
    part(
        "xl/_rels/workbook.xml.rels",
        br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
    );
    if let Some(sst) = shared_strings {
        part("xl/sharedStrings.xml", sst);
    }
    part("xl/worksheets/sheet1.xml", sheet_xml);
    zip.finish().unwrap().into_inner()
}

/// A worksheet part holding `rows` (the XML of each `<row>`'s cells).
pub(crate) fn sheet_xml(rows: &[&str]) -> Vec<u8> {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (i, cells) in rows.iter().enumerate() {
        xml.push_str(&format!(r#"<row r="{}">{cells}</row>"#, i + 1));
    }
    xml.push_str("</sheetData></worksheet>");
    xml.into_bytes()
}

/// An inline string cell.
fn s(at: &str, text: &str) -> String {
    format!(r#"<c r="{at}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn xlsx(dataset: Dataset, bytes: Vec<u8>) -> Result<ValidTable, Vec<Problem>> {
    validate(dataset, UploadFormat::Xlsx, Bytes::from(bytes), &Limits::default())
}

fn csv(dataset: Dataset, text: &str) -> Result<ValidTable, Vec<Problem>> {
    validate(dataset, UploadFormat::Csv, Bytes::from(text.to_string()), &Limits::default())
}

/// Runs a hostile case: refused with a problem, within a bound that only a
/// hang (or reading hundreds of megabytes) would break.
fn refused_quickly(dataset: Dataset, bytes: Vec<u8>) -> Vec<Problem> {
    let start = Instant::now();
    let problems = xlsx(dataset, bytes).expect_err("a hostile workbook was accepted");
    let elapsed = start.elapsed();
    eprintln!("refused in {elapsed:?}: {}", problems[0].message);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}: {problems:?}");
    assert!(!problems.is_empty());
    problems
}

fn has(ps: &[Problem], row: Option<u64>, column: Option<&str>, message: &str) -> bool {
    ps.iter().any(|p| p.row == row && p.column.as_deref() == column && p.message.contains(message))
}

fn header(names: &[&'static str]) -> Vec<X> {
    names.iter().map(|n| X::S(n)).collect()
}

#[test]
fn a_workbook_is_read_as_the_same_table_as_its_csv() {
    use X::*;
    let book = workbook(&[(
        "workforce",
        vec![
            header(&["ethnicity", "pay_band", "sex", "top_5_percent", "headcount", "fte"]),
            vec![S("black_african"), N(4.0), S("female"), B(false), N(12.0), N(10.5)],
            // A formula counts by the result Excel saved; text numbers are numbers.
            vec![S("white_british"), S("4"), S("male"), S("TRUE"), F("=E2*3", "36"), F("=F2*3", "31.5")],
            vec![Blank, Blank, Blank, Blank, Blank, Blank],
            vec![S(" not_stated "), N(4.0), S("not_stated"), B(true), N(0.0), Blank],
        ],
    )]);
    let from_excel = xlsx(Dataset::Workforce, book).unwrap();
    let from_csv = csv(
        Dataset::Workforce,
        "ethnicity,pay_band,sex,top_5_percent,headcount,fte\nblack_african,4,female,false,12,10.5\nwhite_british,4,male,true,36,31.5\nnot_stated,4,not_stated,true,0,\n",
    )
    .unwrap();
    assert_eq!(from_excel.rows, 3);
    assert_eq!(from_excel.columns, from_csv.columns);
}

#[test]
fn numbers_stored_with_a_decimal_point_are_whole_numbers() {
    let rows = [
        [s("A1", "ethnicity"), s("B1", "pay_band"), s("C1", "headcount")].concat(),
        [s("A2", "black"), r#"<c r="B2"><v>4.0</v></c><c r="C2"><v>12.0</v></c>"#.into()].concat(),
        [s("A3", "white"), r#"<c r="B3" t="n"><v>4</v></c><c r="C3"><v>1.2E1</v></c>"#.into()].concat(),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let t = xlsx(Dataset::Workforce, package(&sheet_xml(&rows), None, CompressionMethod::Deflated)).unwrap();
    assert_eq!(t.values("headcount"), Some(&Values::Int(vec![Some(12), Some(12)])));
    assert_eq!(t.values("pay_band"), Some(&Values::Int(vec![Some(4), Some(4)])));
}

#[test]
fn the_sheet_named_after_the_dataset_is_read_else_the_first() {
    use X::*;
    let notes = ("Notes", vec![vec![S("Quarterly return, see the guidance")]]);
    let data = vec![header(&["ethnicity", "case_type", "count"]), vec![S("white"), S("grievance"), N(3.0)]];
    let book = workbook(&[notes.clone(), ("Casework", data.clone())]);
    assert_eq!(xlsx(Dataset::Casework, book).map(|t| t.rows).ok(), Some(1));
    // Without a sheet named after the dataset, the first is read.
    let book = workbook(&[notes.clone(), ("Data", data.clone())]);
    let ps = xlsx(Dataset::Casework, book).unwrap_err();
    assert!(
        has(&ps, None, Some("A (Quarterly return, see the guidance)"), "sheet 'Notes', cell A1: 'Quarterly return"),
        "{ps:#?}"
    );
    let book = workbook(&[("Data", data.clone()), notes.clone()]);
    assert_eq!(xlsx(Dataset::Casework, book).map(|t| t.rows).ok(), Some(1));
    // A hidden first sheet is passed over for the first one a person sees.
    let mut book = Workbook::new();
    let hidden = book.add_worksheet().set_name("Lookups").unwrap();
    hidden.write_string(0, 0, "not data").unwrap();
    hidden.set_hidden(true);
    let sheet = book.add_worksheet().set_name("Q1 return").unwrap().set_active(true);
    for (r, row) in data.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                S(s) => sheet.write_string(r as u32, c as u16, *s).map(drop),
                N(x) => sheet.write_number(r as u32, c as u16, *x).map(drop),
                _ => Ok(()),
            }
            .unwrap();
        }
    }
    assert_eq!(xlsx(Dataset::Casework, book.save_to_buffer().unwrap()).map(|t| t.rows).ok(), Some(1));
}

#[test]
fn every_problem_names_the_sheet_the_excel_row_and_the_column() {
    use X::*;
    let book = workbook(&[(
        "workforce",
        vec![
            header(&["ethnicity", "colour", "pay_band", "headcount", "fte"]),
            vec![S("Black"), S("red"), N(4.0), N(-1.0), N(1.0)],
            vec![Blank, Blank, Blank, Blank, Blank],
            vec![S("white"), Blank, N(4.5), N(12.5), Date(45000.0)],
            vec![S("black"), Blank, N(4.0), F("=1/0", "#DIV/0!"), N(2.0)],
            vec![S("white"), Blank, N(4.5), N(3.0), N(1.0), Blank, S("note")],
            vec![S("black"), Blank, N(4.0), N(5.0), N(1.0)],
            vec![S("black"), Blank, N(4.0), N(6.0), N(1.0)],
        ],
    )]);
    let ps = xlsx(Dataset::Workforce, book).unwrap_err();
    let expected: &[(Option<u64>, Option<&str>, &str)] = &[
        (None, Some("B (colour)"), "sheet 'workforce', cell B1: 'colour' is not a column of the workforce dataset"),
        (
            Some(1),
            Some("A (ethnicity)"),
            "sheet 'workforce', cell A2: 'Black' is not an ethnicity code (did you mean 'black'?",
        ),
        (Some(1), Some("D (headcount)"), "sheet 'workforce', cell D2: -1 is negative"),
        // Row 3 of the sheet is blank: data row 2 is the sheet's row 4.
        (Some(2), Some("C (pay_band)"), "sheet 'workforce', cell C4: '4.5' is not a pay band"),
        (Some(2), Some("D (headcount)"), "sheet 'workforce', cell D4: '12.5' is not a whole number"),
        (Some(2), Some("E (fte)"), "sheet 'workforce', cell E4: the cell holds a date or time"),
        (Some(3), Some("D (headcount)"), "sheet 'workforce', cell D5: the cell holds the error #DIV/0!"),
        (Some(4), Some("C (pay_band)"), "sheet 'workforce', cell C6: '4.5' is not a pay band"),
        (Some(4), Some("G"), "sheet 'workforce', cell G6: the cell holds a value but column G has no name in row 1"),
        (
            Some(6),
            None,
            "sheet 'workforce', row 8: the combination ethnicity=black, pay_band=4 appears more than once (first in row 7)",
        ),
    ];
    for (row, column, message) in expected {
        assert!(has(&ps, *row, *column, message), "missing {row:?} {column:?} {message}\n{ps:#?}");
    }
    assert_eq!(ps.len(), expected.len(), "{ps:#?}");
}

#[test]
fn header_and_sheet_problems_are_placed() {
    use X::*;
    let book = workbook(&[(
        "workforce",
        vec![header(&["Ethnicity", "headcount", "headcount"]), vec![S("white"), N(1.0), N(2.0)]],
    )]);
    let ps = xlsx(Dataset::Workforce, book).unwrap_err();
    assert!(
        has(
            &ps,
            None,
            Some("A (Ethnicity)"),
            "sheet 'workforce', cell A1: the column 'Ethnicity' should be named 'ethnicity'"
        ),
        "{ps:#?}"
    );
    assert!(
        has(
            &ps,
            None,
            Some("C (headcount)"),
            "sheet 'workforce', cell C1: the column 'headcount' appears more than once"
        ),
        "{ps:#?}"
    );
    assert!(
        has(&ps, None, Some("ethnicity"), "sheet 'workforce', row 1: the required column 'ethnicity' is missing"),
        "{ps:#?}"
    );

    let only_header =
        workbook(&[("pay", vec![header(&["ethnicity", "headcount", "mean_hourly_pay", "median_hourly_pay"])])]);
    let ps = xlsx(Dataset::Pay, only_header).unwrap_err();
    assert!(has(&ps, None, None, "sheet 'pay': the sheet has no data rows"), "{ps:#?}");
    let empty = workbook(&[("pay", vec![])]);
    assert!(has(&xlsx(Dataset::Pay, empty).unwrap_err(), None, None, "sheet 'pay': the sheet is empty"));
    let low = workbook(&[("pay", vec![vec![], vec![], header(&["ethnicity", "headcount"])])]);
    assert!(has(&xlsx(Dataset::Pay, low).unwrap_err(), None, None, "sheet 'pay': row 1 holds no column names"));
}

#[test]
fn a_formula_without_a_saved_result_is_a_problem() {
    let rows = [
        [s("A1", "ethnicity"), s("B1", "headcount")].concat(),
        [s("A2", "white"), r#"<c r="B2"><f>SUM(C2:C9)</f></c>"#.into()].concat(),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let ps = xlsx(Dataset::Workforce, package(&sheet_xml(&rows), None, CompressionMethod::Deflated)).unwrap_err();
    assert!(
        has(&ps, Some(1), Some("B (headcount)"), "cell B2: the cell holds a formula with no saved result"),
        "{ps:#?}"
    );
}

#[test]
fn files_that_are_not_workbooks_are_one_problem() {
    let ps = xlsx(Dataset::Workforce, b"ethnicity,headcount\nwhite,1\n".to_vec()).unwrap_err();
    assert!(has(&ps, None, None, "not an Excel workbook"), "{ps:?}");
    let ps = xlsx(Dataset::Workforce, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest of an old workbook".to_vec()).unwrap_err();
    assert!(has(&ps, None, None, "Excel 97-2003 workbook (.xls) or a password-protected workbook"), "{ps:?}");
    let ps = xlsx(Dataset::Workforce, b"PK\x03\x04 cut short".to_vec()).unwrap_err();
    assert!(has(&ps, None, None, "could not be read as an Excel workbook"), "{ps:?}");
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("hello.txt", SimpleFileOptions::default()).unwrap();
    zip.write_all(b"hello").unwrap();
    let ps = xlsx(Dataset::Workforce, zip.finish().unwrap().into_inner()).unwrap_err();
    assert!(has(&ps, None, None, "could not be read as an Excel workbook"), "{ps:?}");
}

#[path = "xlsx_hostile_tests.rs"]
mod hostile;
