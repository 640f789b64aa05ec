//! `edi-hub upload`, the real binary, against a live hub: files named by the
//! convention are stored, a bad file exits 1 with every problem listed, and
//! the token is never printed.

use std::path::Path;
use std::process::Output;

use arrow::array::{ArrayRef, Int64Array, StringArray};
use serde_json::Value;
use std::sync::Arc;

use crate::fixtures;
use crate::support::{TestHub, all_submissions, parquet_of, token_secret};

/// Runs `edi-hub upload` with the token in `EDI_HUB_TOKEN`.
async fn upload(hub_url: &str, token: &str, extra: &[&str], dir: &Path, files: &[&str]) -> Output {
    tokio::process::Command::new(crate::process::binary())
        .arg("upload")
        .args(["--url", hub_url])
        .args(extra)
        .args(files.iter().map(|f| dir.join(f)))
        .env("EDI_HUB_TOKEN", token)
        .env_remove("EDI_HUB_URL")
        .output()
        .await
        .expect("run edi-hub upload")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(data).unwrap();
    gz.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_sends_files_named_by_the_convention() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000015").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("E09000015_workforce_2025-Q1.csv"), fixtures::WORKFORCE).unwrap();
    std::fs::write(dir.path().join("casework_2025-Q2.csv.gz"), gzip(fixtures::CASEWORK.as_bytes())).unwrap();
    let survey = parquet_of(vec![
        ("ethnicity", Arc::new(StringArray::from(vec!["white", "black"])) as ArrayRef),
        ("question", Arc::new(StringArray::from(vec!["race_equality_approach"; 2])) as ArrayRef),
        ("respondents", Arc::new(Int64Array::from(vec![200, 60])) as ArrayRef),
        ("positive", Arc::new(Int64Array::from(vec![150, 30])) as ArrayRef),
    ]);
    std::fs::write(dir.path().join("e09000015_Survey_2025-q1.parquet"), survey).unwrap();
    let files = ["E09000015_workforce_2025-Q1.csv", "casework_2025-Q2.csv.gz", "e09000015_Survey_2025-q1.parquet"];

    let out = upload(&hub.base, &token, &["--organisation", "E09000015"], dir.path(), &files).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("E09000015_workforce_2025-Q1.csv: accepted as E09000015 workforce 2025-Q1: 4 rows"),
        "{stdout}"
    );
    assert!(stdout.contains("casework_2025-Q2.csv.gz: accepted as E09000015 casework 2025-Q2: 3 rows"), "{stdout}");
    assert!(
        stdout.contains("e09000015_Survey_2025-q1.parquet: accepted as E09000015 survey 2025-Q1: 2 rows"),
        "{stdout}"
    );
    assert!(stdout.contains("3 files: 3 accepted, 0 rejected, 0 not sent"), "{stdout}");
    let secret = token_secret(&token);
    assert!(!stdout.contains(secret) && !stderr.contains(secret), "the token was printed");

    // The ledger holds them.
    let steward = hub.steward().await;
    let list = all_submissions(&hub.client, &hub.base, &steward).await;
    let mut stored: Vec<(String, String, String)> = list["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["dataset"].as_str().unwrap().into(),
                s["period"].as_str().unwrap().into(),
                s["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    stored.sort();
    assert_eq!(
        stored,
        [("casework", "2025-Q2", "current"), ("survey", "2025-Q1", "current"), ("workforce", "2025-Q1", "current")]
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    let first_id = list["submissions"].as_array().unwrap().iter().find(|s| s["dataset"] == "workforce").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Sending again supersedes, and says so; flags stand in for a free-form name.
    std::fs::write(dir.path().join("Workforce Q1 final.csv"), fixtures::WORKFORCE).unwrap();
    let flags = ["--organisation", "E09000015", "--dataset", "workforce", "--period", "2025-Q1"];
    let out = upload(&hub.base, &token, &flags, dir.path(), &["Workforce Q1 final.csv"]).await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(&format!("supersedes {first_id}")), "{stdout}");
    assert!(stdout.contains("1 file: 1 accepted"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_file_exits_1_with_every_problem_listed() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000015").await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("E09000015_workforce_2025-Q1.csv"),
        "ethnicity,pay_band,headcount\nBlack,7,12\nblack,4,-3\nblack,4,5\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("E09000015_pay_2025-Q1.csv"), fixtures::PAY).unwrap();
    let files = ["E09000015_workforce_2025-Q1.csv", "E09000015_pay_2025-Q1.csv"];
    let out = upload(&hub.base, &token, &[], dir.path(), &files).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("E09000015_workforce_2025-Q1.csv: REJECTED (422 The file did not pass validation)"),
        "{stdout}"
    );
    for line in ["row 1, column ethnicity: ", "row 1, column pay_band: ", "row 2, column headcount: "] {
        assert!(stdout.contains(&format!("\n    {line}")), "{line} in {stdout}");
    }
    assert!(stdout.contains("E09000015_pay_2025-Q1.csv: accepted"), "{stdout}");
    assert!(stdout.contains("2 files: 1 accepted, 1 rejected, 0 not sent"), "{stdout}");
    assert!(stderr.contains("1 of 2 files not accepted"), "{stderr}");

    // Refusals that are not about the file: the status and the hub's reason.
    let other = hub.submitter("E09000001").await;
    let out = upload(&hub.base, &other, &[], dir.path(), &["E09000015_pay_2025-Q1.csv"]).await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout.contains("REJECTED (403 Not allowed): this token submits for E09000001"), "{stdout}");
    let bad = "edi_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let out = upload(&hub.base, bad, &[], dir.path(), &["E09000015_pay_2025-Q1.csv"]).await;
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("REJECTED (401"), "{stdout}");
    assert!(!stdout.contains("AAAAAAAAAAAA") && !stderr.contains("AAAAAAAAAAAA"), "the token was printed");
}

/// `edi-hub template --format xlsx` writes a workbook that `edi-hub
/// validate` passes and `edi-hub upload` sends as an Excel workbook; a bad
/// workbook's problems name the sheet, cell and column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workbooks_are_written_checked_and_uploaded() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000015").await;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let mut command = tokio::process::Command::new(crate::process::binary());
        command.args(args).current_dir(dir.path());
        command.output()
    };
    let out =
        run(&["template", "workforce", "--format", "xlsx", "--out", "E09000015_workforce_2025-Q1.xlsx"]).await.unwrap();
    assert!(out.status.success(), "{:?}", text(&out));
    // To standard output when it is not a terminal: the same bytes.
    let piped = run(&["template", "workforce", "--format", "xlsx"]).await.unwrap();
    let written = std::fs::read(dir.path().join("E09000015_workforce_2025-Q1.xlsx")).unwrap();
    assert!(written.starts_with(b"PK"));
    assert_eq!(piped.stdout, written);

    let out = run(&["validate", "--dataset", "workforce", "E09000015_workforce_2025-Q1.xlsx"]).await.unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("valid workforce file, 4 rows"), "{stdout}");
    // Checked as another dataset, its first sheet is read.
    let out = run(&["validate", "--dataset", "casework", "E09000015_workforce_2025-Q1.xlsx"]).await.unwrap();
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("B (pay_band)") && stdout.contains("sheet 'workforce', cell B1: 'pay_band' is not a column"),
        "{stdout}"
    );

    std::fs::write(
        dir.path().join("E09000015_pay_2025-Q2.xlsx"),
        crate::excel::workbook_of_csv("ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nwhite,40,-2,12\n", "pay"),
    )
    .unwrap();
    let files = ["E09000015_workforce_2025-Q1.xlsx", "E09000015_pay_2025-Q2.xlsx"];
    let out = upload(&hub.base, &token, &[], dir.path(), &files).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("E09000015_workforce_2025-Q1.xlsx: accepted as E09000015 workforce 2025-Q1: 4 rows"),
        "{stdout}"
    );
    assert!(
        stdout.contains("row 1, column C (mean_hourly_pay): sheet 'pay', cell C2: -2 is not a valid hourly pay"),
        "{stdout}"
    );
    assert!(stdout.contains("2 files: 1 accepted, 1 rejected, 0 not sent"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_file_names_and_unreachable_hubs_are_explained() {
    let hub = TestHub::start().await;
    let token = hub.submitter("E09000015").await;
    let dir = tempfile::tempdir().unwrap();
    for name in ["staff.csv", "E09000015_staff_2025-Q1.csv", "notes.txt", "workforce_2025-Q1.csv"] {
        std::fs::write(dir.path().join(name), fixtures::WORKFORCE).unwrap();
    }
    let out = upload(
        &hub.base,
        &token,
        &[],
        dir.path(),
        &[
            "staff.csv",
            "E09000015_staff_2025-Q1.csv",
            "notes.txt",
            "workforce_2025-Q1.csv",
            "E09000015_survey_2025-Q1.csv",
        ],
    )
    .await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("staff.csv: NOT SENT: 'staff' does not follow the naming convention"), "{stdout}");
    assert!(stdout.contains("E09000015_workforce_2025-Q1.csv"), "the convention is shown: {stdout}");
    assert!(stdout.contains("'staff' is not a dataset"), "{stdout}");
    assert!(stdout.contains("notes.txt: NOT SENT: not a file the hub takes"), "{stdout}");
    assert!(stdout.contains("workforce_2025-Q1.csv: NOT SENT: which organisation?"), "{stdout}");
    assert!(stdout.contains("E09000015_survey_2025-Q1.csv: NOT SENT: "), "a missing file: {stdout}");
    assert!(stdout.contains("5 files: 0 accepted, 0 rejected, 5 not sent"), "{stdout}");
    assert_eq!(hub.data_files(), 0, "nothing was stored");

    // A hub that does not answer.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    std::fs::write(dir.path().join("E09000015_workforce_2025-Q1.csv"), fixtures::WORKFORCE).unwrap();
    let out = upload(&url, &token, &[], dir.path(), &["E09000015_workforce_2025-Q1.csv"]).await;
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("E09000015_workforce_2025-Q1.csv: NOT SENT: "), "{stdout}");
    let out = upload("ftp://example", &token, &[], dir.path(), &["E09000015_workforce_2025-Q1.csv"]).await;
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("--url must be the hub's http(s) address"), "{stderr}");
    let parsed: Value = serde_json::from_str(&hub.get("/api/v1/coverage", &token).await.text().await.unwrap()).unwrap();
    assert_eq!(parsed["coverage"], serde_json::json!([]));
}

/// `edi-hub demo` on a store holding real data refuses (it would label it
/// synthetic and mint a steward token); on an empty store its tokens expire
/// within a week, and it says when.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_refuses_real_data_and_its_tokens_expire() {
    use tokio::io::AsyncBufReadExt;
    let hub = TestHub::start().await;
    hub.submit_csv("E09000015", "casework", "2025-Q1", fixtures::CASEWORK).await;
    let tokens_before = hub.store.tokens().list().await.unwrap().len();
    let refused = tokio::process::Command::new(crate::process::binary())
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(hub.dir.path())
        .output()
        .await
        .unwrap();
    let (_, stderr) = text(&refused);
    assert!(!refused.status.success());
    assert!(stderr.contains("not the demo's"), "{stderr}");
    assert!(!hub.dir.path().join("DEMO-SYNTHETIC-DATA.txt").exists(), "nothing labelled synthetic");
    assert_eq!(hub.store.tokens().list().await.unwrap().len(), tokens_before, "no token minted");

    let dir = tempfile::tempdir().unwrap();
    let mut demo = tokio::process::Command::new(crate::process::binary())
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(demo.stdout.take().unwrap()).lines();
    let said = tokio::time::timeout(std::time::Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if line.starts_with("Tokens expire") {
                return line;
            }
        }
        String::new()
    })
    .await
    .unwrap();
    assert!(said.contains("(7 days)"), "{said}");
    demo.kill().await.unwrap();
    let store = edi_hub_store::Store::open(&edi_hub_store::StoreLocation::Directory(dir.path().to_path_buf())).unwrap();
    let tokens = store.tokens().list().await.unwrap();
    assert_eq!(tokens.len(), 3);
    let week = chrono::Utc::now() + chrono::Duration::days(7);
    assert!(tokens.iter().all(|t| t.expires_at.is_some_and(|e| e <= week)), "every demo token expires within a week");
}
