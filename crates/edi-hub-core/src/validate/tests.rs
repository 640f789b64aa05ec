use bytes::Bytes;
use proptest::prelude::*;

use super::*;

fn csv(dataset: Dataset, text: &str) -> Result<ValidTable, Vec<Problem>> {
    validate(dataset, UploadFormat::Csv, Bytes::from(text.to_string()), &Limits::default())
}

fn problems(dataset: Dataset, text: &str) -> Vec<Problem> {
    csv(dataset, text).expect_err("the file should be rejected")
}

fn has(ps: &[Problem], row: Option<u64>, column: Option<&str>, needle: &str) -> bool {
    ps.iter().any(|p| p.row == row && p.column.as_deref() == column && p.message.contains(needle))
}

#[test]
fn accepts_a_good_workforce_file_with_bom_and_crlf() {
    let t = csv(
        Dataset::Workforce,
        "\u{feff}ethnicity,pay_band,headcount\r\nblack_african,4,12\r\nwhite_british,4,30\r\nnot_stated,4,0\r\n",
    )
    .unwrap();
    assert_eq!(t.rows, 3);
    assert!(t.has_column("pay_band"));
    assert!(!t.has_column("sex"));
    assert_eq!(t.values("headcount").unwrap().int(0), Some(12));
    assert_eq!(t.values("ethnicity").unwrap().code(1), Some("white_british"));
}

#[test]
fn header_problems_are_all_listed() {
    let ps = problems(Dataset::Workforce, "Ethnicity,colour,headcount,headcount\nwhite,1,2,3\n");
    assert!(has(&ps, None, Some("Ethnicity"), "should be named 'ethnicity'"));
    assert!(has(&ps, None, Some("colour"), "not a column of the workforce dataset"));
    assert!(has(&ps, None, Some("headcount"), "more than once"));
    assert!(has(&ps, None, Some("ethnicity"), "required column 'ethnicity' is missing"));
}

#[test]
fn value_problems_name_row_and_column() {
    let ps = problems(
        Dataset::Workforce,
        "ethnicity,pay_band,senior_leadership,headcount,fte\nBlack,7,yes,-1,x\nblack_african,,true,2.5,1\n",
    );
    assert!(has(&ps, Some(1), Some("ethnicity"), "did you mean 'black'"));
    assert!(has(&ps, Some(1), Some("pay_band"), "not a pay band"));
    assert!(has(&ps, Some(1), Some("senior_leadership"), "not true or false"));
    assert!(has(&ps, Some(1), Some("headcount"), "negative"));
    assert!(has(&ps, Some(1), Some("fte"), "not a number"));
    assert!(has(&ps, Some(2), Some("pay_band"), "missing"));
    assert!(has(&ps, Some(2), Some("headcount"), "not a whole number"));
}

#[test]
fn duplicates_and_parent_child_codes() {
    let ps = problems(
        Dataset::Casework,
        "ethnicity,case_type,count\nblack,disciplinary,1\nblack,disciplinary,2\nblack_african,grievance,3\n",
    );
    assert!(has(&ps, Some(2), None, "appears more than once (first in row 1)"));
    assert!(has(&ps, Some(3), Some("ethnicity"), "together with its high-level group 'black'"));
}

#[test]
fn survey_positive_not_above_respondents() {
    let ps = problems(Dataset::Survey, "ethnicity,question,respondents,positive\nasian,psychological_safety,10,11\n");
    assert!(has(&ps, Some(1), Some("positive"), "more than respondents"));
}

#[test]
fn recruitment_stages_nest() {
    let ps = problems(
        Dataset::Recruitment,
        "ethnicity,stage,count\nwhite,applied,10\nwhite,shortlisted,12\nwhite,appointed,3\nasian,applied,5\nasian,appointed,6\n",
    );
    assert!(has(&ps, Some(2), Some("count"), "shortlisted count (12) is more than applied (10)"));
    assert!(has(&ps, Some(5), Some("count"), "appointed count (6) is more than shortlisted (no row, so 0)"));
    assert_eq!(ps.len(), 2, "{ps:?}");
}

/// A stage with no row counts no one: appointing someone never shortlisted
/// does not nest (the disclosure oracle found that taking the missing row
/// as "unknown" let published totals disagree with the file's cells).
#[test]
fn a_missing_stage_counts_as_zero() {
    let ps = problems(
        Dataset::Recruitment,
        "ethnicity,stage,count
mixed,applied,20
mixed,appointed,1
",
    );
    assert!(has(&ps, Some(2), Some("count"), "appointed count (1) is more than shortlisted (no row, so 0)"), "{ps:?}");
    assert_eq!(ps.len(), 1);
    let ok = "ethnicity,stage,count
white,applied,20
white,appointed,0
black,shortlisted,0
";
    assert!(validate(Dataset::Recruitment, UploadFormat::Csv, Bytes::from(ok), &Limits::default()).is_ok());
}

#[test]
fn empty_files_and_bad_text() {
    assert!(has(&problems(Dataset::Pay, ""), None, None, "empty"));
    assert!(has(
        &problems(Dataset::Pay, "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\n"),
        None,
        None,
        "no data rows"
    ));
    let ps = validate(
        Dataset::Casework,
        UploadFormat::Csv,
        Bytes::from_static(b"ethnicity,case_type,count\nwhite,disciplinary,1\nwh\xffte,grievance,2\n"),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(has(&ps, Some(2), Some("ethnicity"), "not valid UTF-8"));
}

#[test]
fn pay_must_be_positive() {
    let ps = problems(Dataset::Pay, "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nwhite,10,0,-2\n");
    assert!(has(&ps, Some(1), Some("mean_hourly_pay"), "greater than 0"));
    assert!(has(&ps, Some(1), Some("median_hourly_pay"), "greater than 0"));
}

#[test]
fn ragged_rows_and_blank_lines() {
    let ps = problems(Dataset::Casework, "ethnicity,case_type,count\nwhite,disciplinary\n\nasian,grievance,1,9\n");
    assert!(has(&ps, Some(1), None, "2 values but the header has 3"));
    assert!(has(&ps, Some(2), None, "4 values"));
}

#[test]
fn population_checks_parent_child_per_organisation() {
    let ok =
        csv(Dataset::Population, "organisation,ethnicity,residents\nE09000001,black,10\nE09000002,black_african,5\n");
    assert!(ok.is_ok(), "{ok:?}");
    let ps = problems(
        Dataset::Population,
        "organisation,ethnicity,residents\nE09000001,black,10\nE09000001,black_african,5\nE09000099,white,1\n",
    );
    assert!(has(&ps, Some(2), Some("ethnicity"), "for E09000001"));
    assert!(has(&ps, Some(3), Some("organisation"), "not the GSS code"));
}

#[test]
fn population_without_its_organisation_column_lists_the_problem() {
    // The parent/child check read the absent organisation column and
    // panicked (index out of bounds) instead of listing the problem.
    let ps = problems(Dataset::Population, "ethnicity,residents\nblack,10\nblack_african,5\n");
    assert!(has(&ps, None, Some("organisation"), "required column 'organisation' is missing"), "{ps:?}");
    let ps = problems(Dataset::Population, "organisatoin,ethnicity,residents\nE09000001,black,10\n");
    assert!(has(&ps, None, Some("organisation"), "required column 'organisation' is missing"), "{ps:?}");
}

#[test]
fn problem_list_is_capped() {
    let mut text = String::from("ethnicity,case_type,count\n");
    for _ in 0..3000 {
        text.push_str("nobody,none,-1\n");
    }
    let ps = problems(Dataset::Casework, &text);
    assert_eq!(ps.len(), MAX_LISTED_PROBLEMS + 1);
    assert!(ps.last().unwrap().message.contains("further problems"));
}

#[test]
fn thousands_of_columns_is_one_problem() {
    let header: Vec<String> = (0..5000).map(|i| format!("c{i}")).collect();
    let ps = problems(Dataset::Casework, &format!("{}\n{}\n", header.join(","), vec!["1"; 5000].join(",")));
    assert!(ps.len() < 10, "{}", ps.len());
    assert!(has(&ps, None, None, "5000 columns"));
}

#[test]
fn parquet_magic_is_checked() {
    let ps =
        validate(Dataset::Pay, UploadFormat::Parquet, Bytes::from_static(b"ethnicity,headcount\n"), &Limits::default())
            .unwrap_err();
    assert!(has(&ps, None, None, "not a Parquet file"));
    let ps = validate(
        Dataset::Pay,
        UploadFormat::Parquet,
        Bytes::from_static(b"PAR1\0\0\0\0\0\0\0\0\0\0PAR1"),
        &Limits::default(),
    )
    .unwrap_err();
    assert!(has(&ps, None, None, "could not be read"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), parquet in any::<bool>()) {
        let format = if parquet { UploadFormat::Parquet } else { UploadFormat::Csv };
        let _ = validate(Dataset::Workforce, format, Bytes::from(bytes), &Limits::default());
    }

    #[test]
    fn csv_like_text_never_panics(lines in proptest::collection::vec("[a-z_0-9,\\-\\.\" ]{0,40}", 0..20)) {
        let text = format!("ethnicity,pay_band,headcount,fte\n{}", lines.join("\n"));
        match csv(Dataset::Workforce, &text) {
            Ok(t) => prop_assert!(t.rows > 0),
            Err(ps) => prop_assert!(!ps.is_empty()),
        }
    }
}
