//! The ledger on a real S3-compatible server (`moto_server`, installed from
//! PyPI by `scripts/test.sh` and started here on 127.0.0.1), so the S3 path
//! is proven, not just the local one.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use edi_hub_api::ServerConfig;
use edi_hub_core::Dataset;
use edi_hub_store::{NewSubmission, Store, StoreLocation};

use crate::fixtures;
use crate::support::TestHub;

/// A moto S3 server on a free loopback port, stopped on drop.
pub struct Moto {
    child: Child,
    pub endpoint: String,
}

fn moto_binary() -> PathBuf {
    if let Ok(p) = std::env::var("EDI_HUB_MOTO_SERVER") {
        return PathBuf::from(p);
    }
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/pyenv/bin/moto_server");
    assert!(
        local.exists(),
        "moto_server is needed for the S3 tests: run ./scripts/test.sh (it installs it), or set EDI_HUB_MOTO_SERVER"
    );
    local
}

impl Moto {
    pub async fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        // moto's own server, run one request at a time (tests/moto_serial.py):
        // its create-only writes are then atomic, as they are on real S3.
        let python = moto_binary().with_file_name("python3");
        let serial = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("moto_serial.py");
        let child = Command::new(python)
            .arg(serial)
            .args(["127.0.0.1", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let endpoint = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client.get(format!("{endpoint}/moto-api/")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Moto { child, endpoint }
    }

    /// A fresh bucket, as a store location with a prefix.
    pub async fn bucket(&self, name: &str) -> StoreLocation {
        let r = reqwest::Client::new().put(format!("{}/{name}", self.endpoint)).send().await.expect("create bucket");
        assert!(r.status().is_success(), "create bucket: {}", r.status());
        let options = [
            ("aws_access_key_id", "testing"),
            ("aws_secret_access_key", "testing"),
            ("aws_region", "us-east-1"),
            ("aws_endpoint", self.endpoint.as_str()),
            ("aws_allow_http", "true"),
        ];
        StoreLocation::UrlWithOptions(
            format!("s3://{name}/hub"),
            options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        )
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn hub_on(location: &StoreLocation) -> TestHub {
    TestHub::start_on(tempfile::tempdir().unwrap(), location, ServerConfig { rate_limit: 0, ..ServerConfig::default() })
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_works_on_s3() {
    let moto = Moto::start().await;
    let location = moto.bucket("ledger-history").await;
    let hub = hub_on(&location).await;
    let steward = hub.steward().await;
    let first = hub.submit_csv("E09000007", "casework", "2025-Q1", fixtures::CASEWORK).await;
    let second = hub.submit_csv("E09000007", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert_eq!(second["supersedes"], first["id"]);
    let r = hub.withdraw(second["id"].as_str().unwrap(), &steward).await;
    assert_eq!(r.status(), 204);
    let list = hub.get_json("/api/v1/submissions", &steward).await;
    let statuses: Vec<&str> =
        list["submissions"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["withdrawn", "superseded"]);
    // Benchmarks read the Parquet files from S3.
    hub.submit_csv("E09000012", "workforce", "2025-Q1", fixtures::WORKFORCE).await;
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &steward).await;
    let row = &a["rows"][0];
    assert_eq!(
        (row["organisation"].clone(), row["numerator"].clone()),
        (serde_json::json!("E09000012"), serde_json::json!(12))
    );
    assert_eq!(hub.client.get(hub.url("/readyz")).send().await.unwrap().status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_writers_and_a_crash_on_s3() {
    let moto = Moto::start().await;
    let location = moto.bucket("ledger-races").await;
    let one = Arc::new(Store::open(&location).unwrap());
    let two = Arc::new(Store::open(&location).unwrap());
    let new = NewSubmission {
        organisation: "E09000020".parse().unwrap(),
        dataset: Dataset::Pay,
        period: "2025-Q1".parse().unwrap(),
        parquet: bytes::Bytes::from_static(b"not read by the ledger"),
        rows: 1,
        checksum: "sha256:00".into(),
        by: None,
    };
    let mut tasks = Vec::new();
    for i in 0..12 {
        let store = if i % 2 == 0 { one.clone() } else { two.clone() };
        let new = new.clone();
        tasks.push(tokio::spawn(async move { store.submit(&new).await.unwrap().id }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    // A writer dies between the data file and the ledger slot.
    let orphan = one.write_data(&new).await.unwrap();
    let (a, b) = (one.refresh().await.unwrap(), two.refresh().await.unwrap());
    assert_eq!(a.submissions.len(), 12);
    assert!(a.get(&orphan.id).is_none(), "an uncommitted upload is invisible");
    let mut sequences: Vec<u64> = a.submissions.iter().map(|s| s.sequence).collect();
    sequences.sort();
    assert_eq!(sequences, (1..=12).collect::<Vec<_>>(), "no slot lost or doubled");
    assert_eq!(a.current().next().map(|s| s.id.clone()), b.current().next().map(|s| s.id.clone()));
    for id in ids {
        assert!(b.get(&id).is_some());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_while_the_store_is_unreachable() {
    // Nothing listens on this port: the store cannot be reached.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let options = [
        ("aws_access_key_id", "testing".to_string()),
        ("aws_secret_access_key", "testing".to_string()),
        ("aws_region", "us-east-1".to_string()),
        ("aws_endpoint", format!("http://127.0.0.1:{port}")),
        ("aws_allow_http", "true".to_string()),
    ];
    let location = StoreLocation::UrlWithOptions(
        "s3://nowhere/hub".into(),
        options.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
    );
    let store = Arc::new(Store::open(&location).unwrap());
    let app = edi_hub_api::App::new(store, ServerConfig::default()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum_serve(app, listener).await });
    let client = reqwest::Client::new();
    assert_eq!(client.get(format!("{base}/healthz")).send().await.unwrap().status(), 200);
    let r = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

async fn axum_serve(app: edi_hub_api::AppState, listener: tokio::net::TcpListener) {
    let _ = edi_hub_api::serve(app, listener, std::future::pending()).await;
}
