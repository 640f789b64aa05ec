//! The four answer formats carry the same answer: Arrow and Parquet read
//! back with arrow-rs equal the JSON rows, suppressed cells null.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use bytes::Bytes;
use serde_json::{Value, json};

use crate::support::TestHub;

const COLUMNS: [&str; 19] = [
    "scope",
    "organisation",
    "name",
    "period",
    "value",
    "numerator",
    "denominator",
    "rank",
    "contributors",
    "min",
    "q1",
    "median",
    "q3",
    "max",
    "lower_ci",
    "upper_ci",
    "compared_with_london",
    "release",
    "revised",
];

async fn fixture() -> (TestHub, String) {
    let hub = TestHub::start().await;
    for (org, csv) in [
        ("E09000001", "ethnicity,headcount\nblack_african,2\nwhite_british,30\nnot_stated,5\n"),
        ("E09000007", "ethnicity,headcount\nblack,20\nwhite,60\n"),
        ("E09000012", "ethnicity,headcount\nblack_caribbean,15\nwhite_irish,20\nwhite_british,50\n"),
        ("E09000015", "ethnicity,headcount\nblack_other,0\nwhite_other,40\n"),
    ] {
        hub.submit_csv(org, "workforce", "2025-Q1", csv).await;
    }
    let analyst = hub.analyst().await;
    (hub, analyst)
}

/// One cell of a batch as JSON (null for a null).
fn cell(batch: &RecordBatch, column: &str, row: usize) -> Value {
    let c = batch.column_by_name(column).unwrap_or_else(|| panic!("no column {column}"));
    if c.is_null(row) {
        return Value::Null;
    }
    match c.data_type() {
        DataType::Utf8 => json!(c.as_string::<i32>().value(row)),
        DataType::Int64 => json!(c.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => json!(c.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => json!(c.as_boolean().value(row)),
        other => panic!("unexpected type {other}"),
    }
}

fn same_number(a: &Value, b: &Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

fn assert_matches_json(batches: &[RecordBatch], answer: &Value) {
    let rows = answer["rows"].as_array().unwrap();
    let total: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(total, rows.len());
    let mut i = 0;
    for batch in batches {
        let schema = batch.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, COLUMNS);
        for r in 0..batch.num_rows() {
            for column in COLUMNS {
                let expected = rows[i].get(column).cloned().unwrap_or(Value::Null);
                let got = cell(batch, column, r);
                assert!(same_number(&got, &expected), "row {i} {column}: {got} != {expected}");
            }
            i += 1;
        }
    }
}

#[tokio::test]
async fn arrow_and_parquet_equal_json() {
    let (hub, analyst) = fixture().await;
    let base = "/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black";
    let answer = hub.get_json(base, &analyst).await;
    assert_eq!(
        answer["rows"][0]["suppressed"],
        json!(["numerator", "value", "lower_ci", "upper_ci", "compared_with_london"]),
        "the fixture has suppressed cells"
    );

    let r = hub.get(&format!("{base}&format=arrow"), &analyst).await;
    assert_eq!(r.headers()["content-type"], "application/vnd.apache.arrow.stream");
    let bytes = r.bytes().await.unwrap();
    let reader = arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes.to_vec()), None).unwrap();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    assert_matches_json(&batches, &answer);

    let r = hub
        .client
        .get(hub.url(base))
        .bearer_auth(&analyst)
        .header("accept", "application/vnd.apache.parquet")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/vnd.apache.parquet");
    let bytes: Bytes = r.bytes().await.unwrap();
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap().build().unwrap();
    let batches: Vec<RecordBatch> = reader.collect::<Result<_, _>>().unwrap();
    assert_matches_json(&batches, &answer);

    // CSV: the same cells, [c] where suppressed.
    let csv = hub.get(&format!("{base}&format=csv"), &analyst).await.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + answer["rows"].as_array().unwrap().len());
    for (line, row) in lines[1..].iter().zip(answer["rows"].as_array().unwrap()) {
        let cells: Vec<&str> = line.split(',').collect();
        for (c, column) in COLUMNS.iter().enumerate() {
            let suppressed = row["suppressed"].as_array().unwrap().contains(&json!(column));
            match row.get(*column) {
                _ if suppressed => assert_eq!(cells[c], "[c]"),
                None | Some(Value::Null) => assert_eq!(cells[c], ""),
                Some(Value::String(s)) => assert_eq!(cells[c], s),
                Some(Value::Bool(b)) => assert_eq!(cells[c], b.to_string()),
                Some(v) => assert!(same_number(&json!(cells[c].parse::<f64>().unwrap()), v), "{column}"),
            }
        }
    }
}

#[tokio::test]
async fn own_and_steward_views_are_unredacted_in_every_format() {
    let (hub, analyst) = fixture().await;
    let base = "/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black";
    let city = hub.submitter("E09000001").await;
    let steward = hub.steward().await;
    for token in [&city, &steward] {
        let answer = hub.get_json(base, token).await;
        assert_eq!(answer["rows"][0]["numerator"], 2);
        let bytes = hub.get(&format!("{base}&format=arrow"), token).await.bytes().await.unwrap();
        let batches: Vec<RecordBatch> =
            arrow::ipc::reader::StreamReader::try_new(std::io::Cursor::new(bytes.to_vec()), None)
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
        assert_eq!(cell(&batches[0], "numerator", 0), json!(2));
        assert_matches_json(&batches, &answer);
        let csv = hub.get(&format!("{base}&format=csv"), token).await.text().await.unwrap();
        assert!(csv.lines().nth(1).unwrap().starts_with("organisation,E09000001,City of London,2025-Q1,6.25,2,32,"));
    }
    let csv = hub.get(&format!("{base}&format=csv"), &analyst).await.text().await.unwrap();
    assert!(csv.lines().nth(1).unwrap().starts_with("organisation,E09000001,City of London,2025-Q1,[c],[c],32,"));
}

#[tokio::test]
async fn trends_use_each_periods_current_submission() {
    let hub = TestHub::start().await;
    let steward = hub.steward().await;
    // 2025-Q1: Camden uploads twice (the second supersedes the first).
    hub.submit_csv("E09000007", "workforce", "2025-Q1", "ethnicity,headcount\nblack,10\nwhite,90\n").await;
    hub.submit_csv("E09000007", "workforce", "2025-Q1", "ethnicity,headcount\nblack,20\nwhite,80\n").await;
    // 2025-Q2: Camden's upload is withdrawn; Hackney's stays.
    let q2 = hub.submit_csv("E09000007", "workforce", "2025-Q2", "ethnicity,headcount\nblack,30\nwhite,70\n").await;
    hub.submit_csv("E09000012", "workforce", "2025-Q2", "ethnicity,headcount\nblack,40\nwhite,60\n").await;
    let r = hub.withdraw(q2["id"].as_str().unwrap(), &steward).await;
    assert_eq!(r.status(), 204);
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?from=2025-Q1&to=2025-Q3&group=black", &steward).await;
    let orgs: Vec<(String, String, f64)> = a["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["scope"] == "organisation")
        .map(|r| {
            (
                r["period"].as_str().unwrap().into(),
                r["organisation"].as_str().unwrap().into(),
                r["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(orgs, [("2025-Q1".into(), "E09000007".into(), 20.0), ("2025-Q2".into(), "E09000012".into(), 40.0)]);
    let periods: std::collections::BTreeSet<&str> =
        a["rows"].as_array().unwrap().iter().map(|r| r["period"].as_str().unwrap()).collect();
    assert_eq!(periods.into_iter().collect::<Vec<_>>(), ["2025-Q1", "2025-Q2", "2025-Q3"]);
}
