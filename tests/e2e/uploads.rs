//! Good files of every dataset are accepted, as CSV and as Parquet.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Decimal128Array, DictionaryArray, Float32Array, Int8Array, Int32Array, StringArray,
    UInt16Array,
};
use arrow::datatypes::Int32Type;
use edi_hub_api::ServerConfig;

use crate::fixtures;
use crate::support::{PARQUET, TestHub, parquet_of};

#[tokio::test]
async fn every_dataset_is_accepted_as_csv() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000015").await;
    for (dataset, csv, rows) in fixtures::ALL {
        let r = hub.upload_csv(&token, "E09000015", dataset, "2025-Q1", csv).await;
        assert_eq!(r.status(), 201, "{dataset}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["organisation"], "E09000015");
        assert_eq!(body["dataset"], dataset);
        assert_eq!(body["period"], "2025-Q1");
        assert_eq!(body["rows"], rows, "{dataset}");
        assert!(body["checksum"].as_str().unwrap().starts_with("sha256:"));
        assert!(body["supersedes"].is_null());
        assert!(body["received_at"].is_string());
        assert_eq!(body["id"].as_str().unwrap().len(), 32);
    }
    assert_eq!(hub.data_files(), 6);
}

#[tokio::test]
async fn bom_crlf_and_gzip_are_accepted() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000001").await;
    let crlf = format!("\u{feff}{}", fixtures::CASEWORK.replace('\n', "\r\n"));
    let r = hub.upload_csv(&token, "E09000001", "casework", "2024-Q4", &crlf).await;
    assert_eq!(r.status(), 201);
    let r = hub.put_gzip("/api/v1/submissions/E09000001/survey/2024-Q4", &token, fixtures::SURVEY.as_bytes()).await;
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["rows"], 3);
}

fn dict(values: &[&str]) -> ArrayRef {
    Arc::new(values.iter().copied().collect::<DictionaryArray<Int32Type>>())
}

fn text(values: &[&str]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

#[tokio::test]
async fn every_dataset_is_accepted_as_parquet_with_any_integer_type() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000030").await;
    let files: Vec<(&str, Vec<u8>, u64)> = vec![
        (
            "workforce",
            parquet_of(vec![
                ("ethnicity", dict(&["black_african", "white_british", "not_stated"])),
                ("pay_band", Arc::new(Int8Array::from(vec![4, 4, 1]))),
                ("senior_leadership", Arc::new(BooleanArray::from(vec![false, true, false]))),
                ("headcount", Arc::new(UInt16Array::from(vec![12, 30, 3]))),
                ("fte", Arc::new(Float32Array::from(vec![11.5, 30.0, 2.5]))),
            ]),
            3,
        ),
        (
            "pay",
            parquet_of(vec![
                ("ethnicity", text(&["white", "black"])),
                ("headcount", Arc::new(Int32Array::from(vec![120, 45]))),
                (
                    "mean_hourly_pay",
                    Arc::new(Decimal128Array::from(vec![2150, 1820]).with_precision_and_scale(10, 2).unwrap()),
                ),
                ("median_hourly_pay", Arc::new(Float32Array::from(vec![19.75, 17.1]))),
            ]),
            2,
        ),
        (
            "recruitment",
            parquet_of(vec![
                ("ethnicity", text(&["white", "white", "white"])),
                ("stage", dict(&["applied", "shortlisted", "appointed"])),
                ("count", Arc::new(Int32Array::from(vec![100, 40, 10]))),
            ]),
            3,
        ),
        (
            "casework",
            parquet_of(vec![
                ("ethnicity", text(&["white", "black"])),
                ("case_type", text(&["disciplinary", "whistleblowing"])),
                ("count", Arc::new(Int8Array::from(vec![5, 0]))),
            ]),
            2,
        ),
        (
            "progression",
            parquet_of(vec![
                ("ethnicity", text(&["asian_chinese"])),
                ("event", text(&["secondment"])),
                ("pay_band", Arc::new(Int32Array::from(vec![6]))),
                ("count", Arc::new(Int32Array::from(vec![2]))),
            ]),
            1,
        ),
        (
            "survey",
            parquet_of(vec![
                ("ethnicity", text(&["mixed"])),
                ("question", text(&["harassment_from_public"])),
                ("respondents", Arc::new(Int32Array::from(vec![30]))),
                ("positive", Arc::new(Int32Array::from(vec![12]))),
            ]),
            1,
        ),
    ];
    for (dataset, bytes, rows) in files {
        let r = hub.put_file(&format!("/api/v1/submissions/E09000030/{dataset}/2025-Q2"), &token, PARQUET, bytes).await;
        let status = r.status();
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{dataset}: {body}");
        assert_eq!(body["rows"], rows);
    }
}

#[tokio::test]
async fn other_media_types_are_415_and_big_bodies_413() {
    let hub =
        TestHub::start_with(ServerConfig { rate_limit: 0, max_upload_bytes: 1000, ..ServerConfig::default() }).await;
    let token = hub.submitter("E09000002").await;
    let path = "/api/v1/submissions/E09000002/casework/2025-Q1";
    for ct in ["application/json", "text/plain", "application/octet-stream", ""] {
        let r = hub.put_file(path, &token, ct, fixtures::CASEWORK.as_bytes().to_vec()).await;
        assert_eq!(r.status(), 415, "{ct}");
    }
    let big = format!("{}{}", fixtures::CASEWORK, "white,capability,1\n".repeat(100));
    let r = hub.upload_csv(&token, "E09000002", "casework", "2025-Q1", &big).await;
    assert_eq!(r.status(), 413);
    // A small gzip body that expands past the limit is also 413.
    assert_eq!(hub.put_gzip(path, &token, big.as_bytes()).await.status(), 413);
    let r = hub
        .client
        .put(hub.url(path))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .header("content-encoding", "gzip")
        .body("not gzip at all")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(hub.data_files(), 0);
}

#[tokio::test]
async fn path_identifiers_are_checked() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000002").await;
    let cases = [
        ("/api/v1/submissions/E09000099/casework/2025-Q1", 404),
        ("/api/v1/submissions/E09000002/payroll/2025-Q1", 404),
        ("/api/v1/submissions/E09000002/population/2025-Q1", 404),
        ("/api/v1/submissions/E09000002/casework/2025-Q5", 422),
        ("/api/v1/submissions/E09000002/casework/1999-Q4", 422),
        ("/api/v1/submissions/E09000002/casework/2099-Q1", 422),
    ];
    for (path, status) in cases {
        let r = hub.put_file(path, &token, "text/csv", fixtures::CASEWORK.as_bytes().to_vec()).await;
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
    }
}
