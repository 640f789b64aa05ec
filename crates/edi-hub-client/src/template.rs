//! `edi-hub template DATASET --format xlsx`: a ready-to-fill Excel workbook.
//! Its first sheet is named after the dataset (the sheet the hub reads)
//! and holds the column names in row 1, frozen, and the example rows of
//! [`edi_hub_core::template::examples`] from row 2; each column checks what
//! is typed into it (codes from a drop-down list, whole numbers for counts,
//! 1 to 6 for pay bands, positive pay) and explains itself when selected. A
//! second sheet, `codes`, lists every column's codes.

use anyhow::Context as _;
use edi_hub_core::dataset::{ColumnDef, ValueKind};
use edi_hub_core::template::{Example, examples};
use edi_hub_core::{Dataset, Organisation, ethnicity};
use rust_xlsxwriter::{
    DataValidation, DataValidationRule, DocProperties, ExcelDateTime, Format, FormatAlign, Formula, Workbook, Worksheet,
};

/// The last worksheet row (from 0) the column checks cover.
const LAST_ROW: u32 = 100_000;

/// The name of the sheet listing the codes.
const CODES_SHEET: &str = "codes";

/// The workbook's bytes.
pub fn workbook(dataset: Dataset) -> anyhow::Result<Vec<u8>> {
    build(dataset).context("writing the workbook")
}

/// The codes a column takes, for its drop-down list (none for other columns).
fn codes(def: &ColumnDef) -> Vec<&'static str> {
    match def.kind {
        ValueKind::Ethnicity => ethnicity::upload_codes(),
        ValueKind::Code(codes) => codes.to_vec(),
        ValueKind::Organisation => Organisation::all().map(Organisation::code).collect(),
        ValueKind::Flag => vec!["true", "false"],
        _ => Vec::new(),
    }
}

fn build(dataset: Dataset) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = Workbook::new();
    // A fixed creation time: the same dataset always gives the same file.
    let created = ExcelDateTime::from_ymd(2025, 1, 1)?;
    book.set_properties(
        &DocProperties::new()
            .set_title(format!("EDI Hub {dataset} upload"))
            .set_comment(format!("{}: {}", dataset.title(), dataset.description()))
            .set_creation_datetime(&created),
    );
    let columns = dataset.columns();
    let header = Format::new().set_bold().set_background_color("#DDEBF7").set_align(FormatAlign::Top);

    let sheet = book.add_worksheet();
    sheet.set_name(dataset.name())?;
    sheet.set_freeze_panes(1, 0)?;
    let mut list_column = 0u16;
    for (c, def) in columns.iter().enumerate() {
        let col = c as u16;
        sheet.write_string_with_format(0, col, def.name, &header)?;
        sheet.set_column_width(col, (def.name.len() as f64 + 4.0).max(16.0))?;
        // Codes as text (so nothing is turned into a date or number), counts
        // as whole numbers, pay to the penny.
        if !matches!(def.kind, ValueKind::Flag) {
            sheet.set_column_format(col, &format_of(def.kind))?;
        }
        let list = codes(def);
        let check = if list.is_empty() {
            rule(def)
        } else {
            list_column += 1;
            let letter = edi_hub_core::validate::column_letter(u32::from(list_column - 1));
            let range = format!("={CODES_SHEET}!${letter}$2:${letter}${}", list.len() + 1);
            DataValidation::new().allow_list_formula(Formula::new(range))
        };
        let required = if def.required { "Required" } else { "Optional (leave the whole column out to mean all)" };
        let check = check
            .set_input_title(def.name)?
            .set_input_message(shorten(&format!("{required}. {}", def.description), 255))?
            .set_error_title(format!("Not a valid {}", def.name))?
            .set_error_message(shorten(def.description, 225))?;
        sheet.add_data_validation(1, col, LAST_ROW, col, &check)?;
    }
    for (r, row) in examples(dataset).iter().enumerate() {
        let r = r as u32 + 1;
        for (c, value) in row.iter().enumerate() {
            write_example(sheet, r, c as u16, value, format_of(columns[c].kind))?;
        }
    }

    let list_sheet = book.add_worksheet();
    list_sheet.set_name(CODES_SHEET)?;
    let mut list_column = 0u16;
    for def in columns {
        let list = codes(def);
        if list.is_empty() {
            continue;
        }
        list_sheet.write_string_with_format(0, list_column, def.name, &header)?;
        list_sheet.set_column_width(list_column, 30)?;
        for (r, code) in list.iter().enumerate() {
            list_sheet.write_string(r as u32 + 1, list_column, *code)?;
        }
        list_column += 1;
    }
    book.save_to_buffer()
}

/// The check on a column without a list of codes.
fn rule(def: &ColumnDef) -> DataValidation {
    match def.kind {
        ValueKind::PayBand => DataValidation::new().allow_whole_number(DataValidationRule::Between(1, 6)),
        ValueKind::Count => DataValidation::new().allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0)),
        ValueKind::Decimal => DataValidation::new().allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
        ValueKind::Pay => DataValidation::new().allow_decimal_number(DataValidationRule::GreaterThan(0.0)),
        _ => DataValidation::new().allow_any_value(),
    }
}

/// The number format of an example value.
fn format_of(kind: ValueKind) -> Format {
    match kind {
        ValueKind::Decimal => Format::new().set_num_format("0.0"),
        ValueKind::Pay => Format::new().set_num_format("0.00"),
        ValueKind::PayBand | ValueKind::Count => Format::new().set_num_format("0"),
        _ => Format::new().set_num_format("@"),
    }
}

fn write_example(
    sheet: &mut Worksheet,
    r: u32,
    c: u16,
    value: &Example,
    format: Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    match value {
        Example::Text(s) => sheet.write_string_with_format(r, c, s, &format)?,
        Example::Whole(n) => sheet.write_number_with_format(r, c, *n as f64, &format)?,
        Example::Number(x, _) => sheet.write_number_with_format(r, c, *x, &format)?,
        Example::Flag(b) => sheet.write_boolean(r, c, *b)?,
    };
    Ok(())
}

/// Excel limits the text of a column check's messages.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 3).collect();
    out.push_str("...");
    out
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use edi_hub_core::validate::{Limits, UploadFormat, validate};

    use super::*;

    #[test]
    fn every_workbook_template_is_a_valid_file_with_the_csv_rows() {
        for dataset in Dataset::ALL {
            let book = workbook(dataset).unwrap();
            let from_excel = validate(dataset, UploadFormat::Xlsx, Bytes::from(book.clone()), &Limits::default())
                .unwrap_or_else(|p| panic!("{dataset}: {p:#?}"));
            let csv = edi_hub_core::template::csv(dataset);
            let from_csv = validate(dataset, UploadFormat::Csv, Bytes::from(csv), &Limits::default()).unwrap();
            assert_eq!(from_excel.rows, 4, "{dataset}");
            assert_eq!(from_excel.columns, from_csv.columns, "{dataset}");
            // The same dataset always gives the same bytes.
            assert_eq!(workbook(dataset).unwrap(), book, "{dataset}");
        }
    }
}
