//! Excel workbooks (.xlsx) through the real router: stored and answered
//! exactly as the same table sent as CSV, refused with every problem placed
//! in the sheet, hostile ones refused with a 4xx, other types still 415.

use std::time::{Duration, Instant};

use edi_hub_api::ServerConfig;
use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::fixtures;
use crate::support::{TestHub, problems};

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The CSV `csv` as a workbook with one sheet, `sheet`: numbers as numbers,
/// `true`/`false` as booleans, the rest as text.
pub fn workbook_of_csv(csv: &str, sheet: &str) -> Vec<u8> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet).unwrap();
    for (r, line) in csv.lines().enumerate() {
        for (c, field) in line.split(',').enumerate() {
            let (r, c) = (r as u32, c as u16);
            if field.is_empty() {
                continue;
            }
            match (r, field.parse::<f64>(), field) {
                (1.., Ok(x), _) => ws.write_number(r, c, x).map(drop),
                (1.., _, "true" | "false") => ws.write_boolean(r, c, field == "true").map(drop),
                _ => ws.write_string(r, c, field).map(drop),
            }
            .unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// A steward's benchmark rows of `organisation`, without what differs by
/// borough or by when it was sent (each upload publishes a release here).
async fn figures(hub: &TestHub, token: &str, query: &str, organisation: &str) -> Vec<Value> {
    let answer = hub.get_json(&format!("/api/v1/benchmarks/{query}"), token).await;
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["organisation"] == organisation)
        .map(|r| {
            let mut r = r.clone();
            for k in ["organisation", "name", "rank", "release", "revised"] {
                r.as_object_mut().unwrap().remove(k);
            }
            r
        })
        .collect()
}

#[tokio::test]
async fn a_workbook_is_stored_and_answered_like_its_csv() {
    let hub = TestHub::start().await;
    let harrow = hub.submitter("E09000015").await;
    let hackney = hub.submitter("E09000012").await;
    for (dataset, csv, rows) in fixtures::ALL {
        let r = hub.upload_csv(&harrow, "E09000015", dataset, "2025-Q1", csv).await;
        assert_eq!(r.status(), 201, "{dataset}");
        let path = format!("/api/v1/submissions/E09000012/{dataset}/2025-Q1");
        let r = hub.put_file(&path, &hackney, XLSX, workbook_of_csv(csv, dataset)).await;
        let status = r.status();
        let body: Value = r.json().await.unwrap();
        assert_eq!(status, 201, "{dataset}: {body}");
        assert_eq!(body["rows"], rows, "{dataset}");
        assert_eq!(body["dataset"], dataset);
    }
    assert_eq!(hub.data_files(), 12);
    let steward = hub.steward().await;
    let mut compared = 0;
    for query in [
        "workforce_share?period=2025-Q1&group=black&pay_band=4",
        "declaration_rate?period=2025-Q1",
        "pay_gap_mean?period=2025-Q1",
        "appointment_rl?period=2025-Q1",
        "casework_rl?period=2025-Q1",
        "progression_rl?period=2025-Q1",
        "survey_positive_rate?period=2025-Q1",
    ] {
        let from_csv = figures(&hub, &steward, query, "E09000015").await;
        let from_excel = figures(&hub, &steward, query, "E09000012").await;
        assert_eq!(from_excel, from_csv, "{query}");
        compared += from_csv.len();
    }
    assert!(compared >= 5, "{compared} rows compared");
}

#[tokio::test]
async fn a_bad_workbook_is_422_with_every_problem_placed_and_nothing_stored() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000015").await;
    let book = workbook_of_csv("ethnicity,pay_band,headcount\nBlack,7,12\nblack,4,-3\nblack,4,5\n", "workforce");
    let r = hub.put_file("/api/v1/submissions/E09000015/workforce/2025-Q1", &token, XLSX, book.clone()).await;
    let found = problems(r).await;
    let expected = [
        (Some(1), "A (ethnicity)", "sheet 'workforce', cell A2: 'Black' is not an ethnicity code"),
        (Some(1), "B (pay_band)", "sheet 'workforce', cell B2: 7 is not a pay band"),
        (Some(2), "C (headcount)", "sheet 'workforce', cell C3: -3 is negative"),
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for ((row, column, message), (want_row, want_column, want_message)) in found.iter().zip(expected) {
        assert_eq!((*row, column.as_deref()), (want_row, Some(want_column)), "{found:#?}");
        assert!(message.starts_with(want_message), "{message}");
    }
    assert_eq!(hub.data_files(), 0);
    // The same through validation, which any token may use.
    let analyst = hub.analyst().await;
    let r = hub
        .client
        .post(hub.url("/api/v1/validate/workforce"))
        .bearer_auth(&analyst)
        .header("content-type", XLSX)
        .body(book)
        .send()
        .await
        .unwrap();
    assert_eq!(problems(r).await, found);
    let ok = hub
        .client
        .post(hub.url("/api/v1/validate/casework"))
        .bearer_auth(&analyst)
        .header("content-type", XLSX)
        .body(workbook_of_csv(fixtures::CASEWORK, "Casework"))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap(), serde_json::json!({"valid": true, "rows": 3}));
}

#[tokio::test]
async fn hostile_workbooks_get_a_4xx_quickly() {
    let hub =
        TestHub::start_with(ServerConfig { rate_limit: 0, max_upload_bytes: 60_000, ..ServerConfig::default() }).await;
    let token = hub.submitter("E09000015").await;
    let path = "/api/v1/submissions/E09000015/casework/2025-Q1";
    // A workbook that fits the body limit but whose parts expand past it.
    let mut csv = String::from("ethnicity,case_type,count\n");
    for i in 0..3000 {
        csv.push_str(&format!("white,grievance,{i}\n"));
    }
    let book = workbook_of_csv(&csv, "casework");
    assert!(book.len() < 60_000, "{}", book.len());
    let start = Instant::now();
    let found = problems(hub.put_file(path, &token, XLSX, book).await).await;
    assert!(found.iter().any(|(_, _, m)| m.contains("more than the 60000 allowed")), "{found:#?}");
    // Not a workbook at all, an old .xls, a zip of something else.
    for body in
        [b"ethnicity,case_type,count\n".to_vec(), b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1".to_vec(), b"PK\x03\x04".to_vec()]
    {
        let r = hub.put_file(path, &token, XLSX, body).await;
        assert_eq!(r.status(), 422);
    }
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());
    assert_eq!(hub.data_files(), 0);
}

#[tokio::test]
async fn other_media_types_are_still_415_and_name_the_excel_type() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000002").await;
    let path = "/api/v1/submissions/E09000002/casework/2025-Q1";
    for ct in ["application/vnd.ms-excel", "application/zip", "text/plain", ""] {
        let r = hub.put_file(path, &token, ct, workbook_of_csv(fixtures::CASEWORK, "casework")).await;
        assert_eq!(r.status(), 415, "{ct}");
        let body: Value = r.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains(XLSX), "{body}");
    }
    // The media type is matched without parameters and in any letter case.
    let ct = "Application/VND.openxmlformats-officedocument.spreadsheetml.sheet; charset=binary";
    let r = hub.put_file(path, &token, ct, workbook_of_csv(fixtures::CASEWORK, "casework")).await;
    assert_eq!(r.status(), 201);
}
