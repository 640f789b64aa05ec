//! Hostile workbooks (zip bombs, huge shared-strings tables, thousands of
//! sheets, oversized or damaged sheets): each refused quickly with a problem.

use zip::CompressionMethod;

use super::*;

/// Hundreds of megabytes of zeros in one sheet part, compressed.
fn zip_bomb() -> Vec<u8> {
    let mut zeros =
        b"<?xml version=\"1.0\"?><worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>".to_vec();
    zeros.resize(300 * 1024 * 1024, b'0');
    package(&zeros, None, CompressionMethod::Deflated)
}

/// Sets the uncompressed size the zip directory declares for `part`.
fn declare_size(bytes: &mut [u8], part: &str, size: u32) {
    let name = part.as_bytes();
    // Local file headers (signature PK\3\4: size at 22, name at 30) and
    // central directory headers (PK\1\2: size at 24, name at 46).
    for (signature, size_at, name_at) in [(b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)] {
        let mut i = 0;
        while i + name_at + name.len() <= bytes.len() {
            if &bytes[i..i + 4] == signature && &bytes[i + name_at..i + name_at + name.len()] == name {
                bytes[i + size_at..i + size_at + 4].copy_from_slice(&size.to_le_bytes());
            }
            i += 1;
        }
    }
}

#[test]
fn a_zip_bomb_is_refused_before_and_while_decompressing() {
    let bomb = zip_bomb();
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let ps = refused_quickly(Dataset::Workforce, bomb.clone());
    assert!(
        has(&ps, None, None, "the workbook expands to 3145") && has(&ps, None, None, "more than the 52428800 allowed"),
        "{ps:?}"
    );
    // A bomb that declares a small size is stopped once it decompresses past it.
    let mut lying = bomb;
    declare_size(&mut lying, "xl/worksheets/sheet1.xml", 4096);
    let ps = refused_quickly(Dataset::Workforce, lying);
    assert!(has(&ps, None, None, "sheet 'workforce'") && has(&ps, None, None, "damaged"), "{ps:?}");
    // The limit is the hub's upload limit.
    let small = Limits { max_workbook_bytes: 1000, ..Limits::default() };
    let book = workbook(&[("workforce", vec![header(&["ethnicity", "headcount"])])]);
    let ps = validate(Dataset::Workforce, UploadFormat::Xlsx, Bytes::from(book), &small).unwrap_err();
    assert!(has(&ps, None, None, "more than the 1000 allowed"), "{ps:?}");
}

#[test]
fn thousands_of_sheets_are_refused() {
    let mut book = Workbook::new();
    for _ in 0..5000 {
        book.add_worksheet();
    }
    let ps = refused_quickly(Dataset::Workforce, book.save_to_buffer().unwrap());
    assert!(has(&ps, None, None, "the workbook has 5000 sheets, more than the 200 read"), "{ps:?}");
}

#[test]
fn a_huge_shared_strings_table_is_refused() {
    let rows = [r#"<c r="A1" t="s"><v>0</v></c>"#];
    let sheet = sheet_xml(&rows);
    // One that declares billions of strings (the reader would reserve room for them).
    let declared = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="4000000000"><si><t>ethnicity</t></si></sst>"#;
    let ps = refused_quickly(Dataset::Workforce, package(&sheet, Some(declared), CompressionMethod::Deflated));
    assert!(
        has(&ps, None, None, "shared strings table holds 4000000000 strings, more than the 1000000 allowed"),
        "{ps:?}"
    );
    // Strings used more than a million times are fine.
    let used = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4000000000" uniqueCount="1"><si><t>ethnicity</t></si></sst>"#;
    let ps = xlsx(Dataset::Workforce, package(&sheet, Some(used), CompressionMethod::Deflated)).unwrap_err();
    assert!(has(&ps, None, Some("headcount"), "the required column 'headcount' is missing"), "{ps:?}");
    assert!(!has(&ps, None, None, "shared strings"), "{ps:?}");
    // One that holds too many.
    let mut many =
        br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#.to_vec();
    for _ in 0..=MAX_SHARED_STRINGS {
        many.extend_from_slice(b"<si><t>x</t></si>");
    }
    many.extend_from_slice(b"</sst>");
    let ps = refused_quickly(Dataset::Workforce, package(&sheet, Some(&many), CompressionMethod::Deflated));
    assert!(has(&ps, None, None, "shared strings table holds 1000001 strings"), "{ps:?}");
}

#[test]
fn a_sheet_of_too_many_cells_or_rows_is_refused() {
    // Empty cells count: 10,001,000 of them in a small package.
    let mut xml = br#"<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ethnicity</t></is></c></row>"#.to_vec();
    let row = format!("<row>{}</row>", "<c/>".repeat(1000));
    for _ in 0..=MAX_CELLS / 1000 {
        xml.extend_from_slice(row.as_bytes());
    }
    xml.extend_from_slice(b"</sheetData></worksheet>");
    let ps = refused_quickly(Dataset::Workforce, package(&xml, None, CompressionMethod::Deflated));
    assert!(has(&ps, None, None, "the sheet has more than 10000000 cells"), "{ps:?}");
    let few = Limits { max_rows: 2, ..Limits::default() };
    let book = workbook(&[(
        "casework",
        vec![
            header(&["ethnicity", "case_type", "count"]),
            vec![X::S("white"), X::S("grievance"), X::N(1.0)],
            vec![X::S("black"), X::S("grievance"), X::N(1.0)],
            vec![X::S("asian"), X::S("grievance"), X::N(1.0)],
        ],
    )]);
    let ps = validate(Dataset::Casework, UploadFormat::Xlsx, Bytes::from(book), &few).unwrap_err();
    assert!(has(&ps, None, None, "more than 2 data rows"), "{ps:?}");
}

#[test]
fn cells_out_of_order_are_a_damaged_workbook() {
    let rows = [[s("A1", "ethnicity"), s("B1", "headcount")].concat(), [s("B2", "1"), s("A2", "white")].concat()];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let ps = xlsx(Dataset::Workforce, package(&sheet_xml(&rows), None, CompressionMethod::Deflated)).unwrap_err();
    assert!(has(&ps, None, None, "cell A2 comes after cell B2"), "{ps:?}");
}
