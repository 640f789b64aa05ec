//! The real `edi-hub` binary: killed with SIGKILL in the middle of 50
//! concurrent uploads, and two processes racing on one store.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;

use edi_hub_store::{NewToken, Role, Store, StoreLocation};

use crate::support::{all_submissions, upload_all};

/// The `edi-hub` binary next to this test binary (built by `cargo build --bins`, as `scripts/test.sh` does).
pub(crate) fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(Path::parent).expect("target directory");
    let bin = dir.join("edi-hub");
    assert!(bin.exists(), "{} is missing: run `cargo build --bins` first (scripts/test.sh does)", bin.display());
    bin
}

/// A running hub process and its base URL.
pub(crate) struct Process {
    child: Child,
    pub(crate) base: String,
}

impl Process {
    fn start(data: &Path) -> Process {
        let mut command = Command::new(binary());
        command.args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "0", "--data-dir"]).arg(data);
        Process::spawn(command)
    }

    /// `edi-hub serve` as `command` sets it up (store options and environment).
    pub(crate) fn spawn(mut command: Command) -> Process {
        let mut child = command
            .env("EDI_HUB_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start edi-hub");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = loop {
            let line = lines.next().expect("edi-hub exited before it was ready").expect("read stdout");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.split_whitespace().next().expect("address").to_string();
            }
        };
        // Keep draining stdout so the hub never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Process { child, base }
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn token(data: &Path, role: Role, organisation: Option<&str>) -> String {
    let store = Store::open(&StoreLocation::Directory(data.to_path_buf())).expect("store");
    let new =
        NewToken { role, organisation: organisation.map(|o| o.parse().expect("code")), label: None, expires_at: None };
    store.tokens().create(new).await.expect("token").1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_concurrent_uploads_loses_no_acknowledged_submission() {
    let dir = tempfile::tempdir().unwrap();
    let orgs: Vec<String> = (1..=10).map(|i| format!("E090000{i:02}")).collect();
    let mut tokens = Vec::new();
    for o in &orgs {
        tokens.push(token(dir.path(), Role::Submitter, Some(o)).await);
    }
    let steward = token(dir.path(), Role::Steward, None).await;
    let hub = Process::start(dir.path());
    let body = Arc::new(edi_hub_synthetic::files::large_workforce());
    let client = reqwest::Client::new();
    let acked = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (client, body, acked) = (client.clone(), body.clone(), acked.clone());
        let (org, token) = (orgs[i % 10].clone(), tokens[i % 10].clone());
        let url = format!("{}/api/v1/submissions/{org}/workforce/2025-Q{}", hub.base, 1 + i % 4);
        tasks.push(tokio::spawn(async move {
            let r = client
                .put(url)
                .bearer_auth(token)
                .header("content-type", "text/csv")
                .body(body.to_string())
                .send()
                .await
                .ok()?;
            if r.status() != 201 {
                return None;
            }
            let v: serde_json::Value = r.json().await.ok()?;
            acked.fetch_add(1, Ordering::SeqCst);
            v["id"].as_str().map(String::from)
        }));
    }
    let waited = std::time::Instant::now();
    while acked.load(Ordering::SeqCst) < 10 && waited.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    hub.kill();
    let mut acknowledged = Vec::new();
    for t in tasks {
        if let Ok(Some(id)) = t.await {
            acknowledged.push(id);
        }
    }
    assert!(
        acknowledged.len() >= 10 && acknowledged.len() < 50,
        "the kill landed mid-way: {} acknowledged",
        acknowledged.len()
    );

    let hub = Process::start(dir.path());
    let list = all_submissions(&client, &hub.base, &steward).await;
    let listed: Vec<&str> = list["submissions"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    for id in &acknowledged {
        assert!(listed.contains(&id.as_str()), "acknowledged submission {id} lost");
    }
    // Every visible submission is complete: its Parquet file reads back with all its rows.
    let store = Store::open(&StoreLocation::Directory(dir.path().to_path_buf())).unwrap();
    let snapshot = store.refresh().await.unwrap();
    for s in &snapshot.submissions {
        let bytes = store.read(&s.data_path).await.unwrap();
        let reader =
            parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes).unwrap().build().unwrap();
        let rows: usize = reader.map(|b| b.unwrap().num_rows()).sum();
        assert_eq!(rows as u64, s.rows, "submission {} is partial", s.id);
    }
    // The restarted hub takes uploads again.
    let r = client
        .put(format!("{}/api/v1/submissions/{}/workforce/2025-Q1", hub.base, orgs[0]))
        .bearer_auth(&tokens[0])
        .header("content-type", "text/csv")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    println!(
        "crash test: {} acknowledged, 0 lost, {} visible after restart, none partial",
        acknowledged.len(),
        listed.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_racing_on_one_store_agree() {
    let dir = tempfile::tempdir().unwrap();
    let token_a = token(dir.path(), Role::Submitter, Some("E09000020")).await;
    let steward = token(dir.path(), Role::Steward, None).await;
    let (one, two) = (Process::start(dir.path()), Process::start(dir.path()));
    let client = reqwest::Client::new();
    let urls = (0..30)
        .map(|i| {
            let base = if i % 2 == 0 { &one.base } else { &two.base };
            format!("{base}/api/v1/submissions/E09000020/casework/2025-Q1")
        })
        .collect();
    let ids = upload_all(&client, urls, &token_a, crate::fixtures::CASEWORK).await;
    // Within five seconds both processes show the same complete history.
    let started = std::time::Instant::now();
    loop {
        let mut views = Vec::new();
        for base in [&one.base, &two.base] {
            views.push(all_submissions(&client, base, &steward).await);
        }
        let complete = views.iter().all(|v| v["submissions"].as_array().unwrap().len() == 30);
        if complete && views[0] == views[1] {
            let subs = views[0]["submissions"].as_array().unwrap();
            assert_eq!(subs.iter().filter(|s| s["status"] == "current").count(), 1);
            for id in &ids {
                assert!(subs.iter().any(|s| s["id"] == id.as_str()));
            }
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "the processes disagree after 5 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--data-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let ready: serde_json::Value = serde_json::from_str(&rx.recv_timeout(Duration::from_secs(30)).unwrap()).unwrap();
    let message = ready["fields"]["message"].as_str().unwrap();
    let base = message.split("listening on ").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let r = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .header("x-request-id", "trace-me-42")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-me-42");
    let found = (0..50).find_map(|_| {
        let line = rx.recv_timeout(Duration::from_secs(5)).ok()?;
        let v: serde_json::Value = serde_json::from_str(&line).expect("every log line is JSON");
        (v["span"]["request_id"] == "trace-me-42").then_some(v)
    });
    let line = found.expect("a log line carries the request id");
    assert_eq!(line["span"]["path"], "/healthz");
    assert!(line["fields"]["status"].as_u64() == Some(200) || line["fields"]["status"] == "200");
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_uploads_in_flight() {
    let hub = crate::support::TestHub::start().await;
    let token = hub.submitter("E09000003").await;
    let steward = hub.steward().await;
    // The body arrives in two halves; the second only after shutdown has begun.
    let file = edi_hub_synthetic::files::large_workforce().into_bytes();
    let (first, second) = file.split_at(file.len() / 2);
    let (first, second) = (bytes::Bytes::copy_from_slice(first), bytes::Bytes::copy_from_slice(second));
    let (go, wait) = tokio::sync::oneshot::channel::<()>();
    let body =
        futures::stream::once(async move { Ok::<_, std::io::Error>(first) }).chain(futures::stream::once(async move {
            let _ = wait.await;
            Ok::<_, std::io::Error>(second)
        }));
    let (client, url) = (hub.client.clone(), hub.url("/api/v1/submissions/E09000003/workforce/2025-Q1"));
    let upload = tokio::spawn(async move {
        client
            .put(url)
            .bearer_auth(token)
            .header("content-type", "text/csv")
            .body(reqwest::Body::wrap_stream(body))
            .send()
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = tokio::spawn(hub.stop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!stopping.is_finished(), "the hub waits for the upload in flight");
    let _ = go.send(());
    let r = upload.await.unwrap().expect("the in-flight upload got an answer");
    assert_eq!(r.status(), 201);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_string();
    let dir = stopping.await.unwrap();
    let hub =
        crate::support::TestHub::start_in(dir, edi_hub_api::ServerConfig { rate_limit: 0, ..Default::default() }).await;
    let list = hub.get_json("/api/v1/submissions", &steward).await;
    assert_eq!(list["submissions"][0]["id"], id.as_str());
}
