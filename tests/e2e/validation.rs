//! Every validation rule rejects the file with its row and column, lists
//! every problem, and stores nothing; hostile files get a 4xx.

use std::sync::Arc;

use arrow::array::{Float64Array, Int32Array, StringArray};

use crate::fixtures;
use crate::support::{PARQUET, TestHub, parquet_of, problems};

/// (rule, dataset, file, expected row, expected column, part of the message)
type Rule = (&'static str, &'static str, &'static str, Option<u64>, Option<&'static str>, &'static str);

const RULES: &[Rule] = &[
    (
        "unknown column",
        "casework",
        "ethnicity,case_type,count,colour\nwhite,grievance,1,red\n",
        None,
        Some("colour"),
        "not a column",
    ),
    (
        "missing required column",
        "casework",
        "ethnicity,count\nwhite,1\n",
        None,
        Some("case_type"),
        "required column 'case_type' is missing",
    ),
    (
        "wrong type",
        "casework",
        "ethnicity,case_type,count\nwhite,grievance,many\n",
        Some(1),
        Some("count"),
        "not a number",
    ),
    (
        "not a whole number",
        "workforce",
        "ethnicity,headcount\nwhite,2.5\n",
        Some(1),
        Some("headcount"),
        "not a whole number",
    ),
    (
        "unknown code",
        "casework",
        "ethnicity,case_type,count\nwhite,grievance,1\nbame,grievance,2\n",
        Some(2),
        Some("ethnicity"),
        "not an ethnicity code",
    ),
    (
        "unknown dimension code",
        "progression",
        "ethnicity,event,count\nwhite,promoted,1\n",
        Some(1),
        Some("event"),
        "not a event code",
    ),
    (
        "pay band out of range",
        "workforce",
        "ethnicity,pay_band,headcount\nwhite,0,5\n",
        Some(1),
        Some("pay_band"),
        "not a pay band",
    ),
    (
        "bad flag",
        "workforce",
        "ethnicity,top_5_percent,headcount\nwhite,yes,5\n",
        Some(1),
        Some("top_5_percent"),
        "not true or false",
    ),
    (
        "negative count",
        "casework",
        "ethnicity,case_type,count\nwhite,grievance,-1\n",
        Some(1),
        Some("count"),
        "negative",
    ),
    (
        "pay not above zero",
        "pay",
        "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nwhite,10,0,12\n",
        Some(1),
        Some("mean_hourly_pay"),
        "greater than 0",
    ),
    (
        "duplicate combination",
        "casework",
        "ethnicity,case_type,count\nwhite,grievance,1\nblack,grievance,2\nwhite,grievance,3\n",
        Some(3),
        None,
        "more than once (first in row 1)",
    ),
    (
        "parent with child",
        "workforce",
        "ethnicity,headcount\nblack,5\nblack_african,2\n",
        Some(2),
        Some("ethnicity"),
        "together with its high-level group 'black'",
    ),
    (
        "positive above respondents",
        "survey",
        "ethnicity,question,respondents,positive\nwhite,psychological_safety,10,11\n",
        Some(1),
        Some("positive"),
        "more than respondents",
    ),
    (
        "stages do not nest",
        "recruitment",
        "ethnicity,stage,count\nwhite,applied,5\nwhite,shortlisted,6\nwhite,appointed,1\n",
        Some(2),
        Some("count"),
        "shortlisted count (6) is more than applied (5)",
    ),
    ("empty file", "survey", "", None, None, "empty"),
    ("header only", "survey", "ethnicity,question,respondents,positive\n", None, None, "no data rows"),
    ("missing value", "casework", "ethnicity,case_type,count\nwhite,,1\n", Some(1), Some("case_type"), "missing"),
    (
        "ragged row",
        "casework",
        "ethnicity,case_type,count\nwhite,grievance\n",
        Some(1),
        None,
        "2 values but the header has 3",
    ),
];

#[tokio::test]
async fn each_rule_is_reported_with_row_and_column_and_nothing_is_stored() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000005").await;
    let steward = hub.steward().await;
    for (rule, dataset, file, row, column, needle) in RULES {
        let r = hub.upload_csv(&token, "E09000005", dataset, "2025-Q1", file).await;
        let found = problems(r).await;
        assert!(
            found.iter().any(|(r, c, m)| r == row && c.as_deref() == *column && m.contains(needle)),
            "{rule}: {found:?}"
        );
        // The validate endpoint gives the same answer.
        let r = hub
            .client
            .post(hub.url(&format!("/api/v1/validate/{dataset}")))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(file.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(problems(r).await, found, "{rule}");
    }
    assert_eq!(hub.data_files(), 0);
    let list = hub.get_json("/api/v1/submissions", &steward).await;
    assert_eq!(list["submissions"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn invalid_utf8_is_reported_per_row() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000005").await;
    let mut file = b"ethnicity,case_type,count\nwhite,grievance,1\n".to_vec();
    file.extend_from_slice(b"bl\xe9ck,grievance,2\n");
    let r = hub.put_file("/api/v1/submissions/E09000005/casework/2025-Q1", &token, "text/csv", file).await;
    let found = problems(r).await;
    assert!(found.iter().any(|(r, c, m)| *r == Some(2) && c.as_deref() == Some("ethnicity") && m.contains("UTF-8")));
    assert_eq!(hub.data_files(), 0);
}

#[tokio::test]
async fn a_file_with_several_problems_lists_them_all() {
    let hub = TestHub::start().await;
    let token = hub.analyst().await;
    let file = "ethnicity,pay_band,headcount,Sex\nblack,9,x,female\nblack_african,2,-4,male\nwhite,2,10,male\nwhite,2,11,female\n";
    let r = hub
        .client
        .post(hub.url("/api/v1/validate/workforce"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(file)
        .send()
        .await
        .unwrap();
    let found = problems(r).await;
    let expect = [
        (None, Some("Sex"), "should be named 'sex'"),
        (Some(1), Some("pay_band"), "not a pay band"),
        (Some(1), Some("headcount"), "not a number"),
        (Some(2), Some("headcount"), "negative"),
        (Some(4), None, "more than once (first in row 3)"),
    ];
    for (row, column, needle) in expect {
        assert!(
            found.iter().any(|(r, c, m)| *r == row && c.as_deref() == column && m.contains(needle)),
            "{needle}: {found:?}"
        );
    }
}

#[tokio::test]
async fn validate_answers_valid_files() {
    let hub = TestHub::start().await;
    let token = hub.analyst().await;
    for (dataset, csv, rows) in fixtures::ALL {
        let r = hub
            .client
            .post(hub.url(&format!("/api/v1/validate/{dataset}")))
            .bearer_auth(&token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"valid": true, "rows": rows}));
    }
    let r = hub
        .client
        .post(hub.url("/api/v1/validate/nonsense"))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body("a\n1\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(hub.data_files(), 0);
}

#[tokio::test]
async fn parquet_with_wrong_types_is_rejected() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000005").await;
    let bytes = parquet_of(vec![
        ("ethnicity", Arc::new(Int32Array::from(vec![1, 2]))),
        ("case_type", Arc::new(StringArray::from(vec!["grievance", "grievance"]))),
        ("count", Arc::new(Float64Array::from(vec![1.0, 2.0]))),
    ]);
    let r = hub.put_file("/api/v1/submissions/E09000005/casework/2025-Q1", &token, PARQUET, bytes).await;
    let found = problems(r).await;
    assert!(found.iter().any(|(r, c, m)| r.is_none() && c.as_deref() == Some("ethnicity") && m.contains("text codes")));
    assert!(found.iter().any(|(r, c, m)| r.is_none() && c.as_deref() == Some("count") && m.contains("integer type")));
}

#[tokio::test]
async fn parquet_rows_are_reported_from_one() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000005").await;
    let bytes = parquet_of(vec![
        ("ethnicity", Arc::new(StringArray::from(vec!["white", "asian"]))),
        ("question", Arc::new(StringArray::from(vec!["psychological_safety", "psychological_safety"]))),
        ("respondents", Arc::new(Int32Array::from(vec![10, 5]))),
        ("positive", Arc::new(Int32Array::from(vec![3, 6]))),
    ]);
    let r = hub.put_file("/api/v1/submissions/E09000005/survey/2025-Q1", &token, PARQUET, bytes).await;
    let found = problems(r).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Some(2));
    assert_eq!(found[0].1.as_deref(), Some("positive"));
}

#[tokio::test]
async fn hostile_files_get_a_4xx_and_nothing_is_stored() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000005").await;
    let good = parquet_of(vec![
        ("ethnicity", Arc::new(StringArray::from(vec!["white"]))),
        ("case_type", Arc::new(StringArray::from(vec!["grievance"]))),
        ("count", Arc::new(Int32Array::from(vec![1]))),
    ]);
    let mut truncated = good.clone();
    truncated.truncate(good.len() - 20);
    let mut wrong_footer = good.clone();
    let n = wrong_footer.len();
    wrong_footer[n - 8] ^= 0xff; // corrupt the footer length
    let mut garbage_middle = good.clone();
    for b in garbage_middle.iter_mut().skip(8).take(40) {
        *b = 0xAB;
    }
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("truncated parquet", PARQUET, truncated),
        ("wrong magic", PARQUET, b"PK\x03\x04 this is a zip file, not parquet".to_vec()),
        ("csv sent as parquet", PARQUET, fixtures::CASEWORK.as_bytes().to_vec()),
        ("parquet sent as csv", "text/csv", good.clone()),
        ("corrupt footer", PARQUET, wrong_footer),
        ("corrupt pages", PARQUET, garbage_middle),
        ("one huge line", "text/csv", vec![b'a'; 45 * 1024 * 1024]),
        ("thousands of columns", "text/csv", {
            let header: Vec<String> = (0..20_000).map(|i| format!("column_{i}")).collect();
            format!("{}\n{}\n", header.join(","), vec!["1"; 20_000].join(",")).into_bytes()
        }),
        ("binary noise", "text/csv", (0..100_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()),
    ];
    for (name, content_type, body) in cases {
        let r = hub.put_file("/api/v1/submissions/E09000005/casework/2025-Q1", &token, content_type, body).await;
        let status = r.status().as_u16();
        assert!((400..500).contains(&status), "{name}: {status}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["detail"].is_string(), "{name}");
    }
    assert_eq!(hub.data_files(), 0);
    // The hub still works.
    let r = hub.upload_csv(&token, "E09000005", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert_eq!(r.status(), 201);
}
