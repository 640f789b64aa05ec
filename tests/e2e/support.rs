//! A real hub for each test: the production router served over TCP on port
//! 0, on a fresh temporary data directory, with real tokens.

use std::sync::Arc;

use edi_hub_api::{App, ServerConfig};
use edi_hub_store::{NewToken, Role, Store, StoreLocation};
use reqwest::{Client, Response};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestHub {
    pub dir: TempDir,
    pub base: String,
    pub client: Client,
    pub store: Arc<Store>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestHub {
    /// A hub that publishes a release at every upload, so an answer shows
    /// what analysts see once a quarter is published (the collection cycle
    /// itself is tested with [`TestHub::collecting`]).
    pub async fn start() -> TestHub {
        Self::start_with(ServerConfig { rate_limit: 0, release_on_upload: true, ..ServerConfig::default() }).await
    }

    /// A hub whose quarters are published only by a steward or a schedule.
    pub async fn collecting() -> TestHub {
        Self::start_with(ServerConfig {
            rate_limit: 0,
            refresh_interval: std::time::Duration::from_millis(200),
            ..ServerConfig::default()
        })
        .await
    }

    pub async fn start_with(config: ServerConfig) -> TestHub {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::start_in(dir, config).await
    }

    /// Starts a hub on an existing data directory (e.g. after a simulated crash).
    pub async fn start_in(dir: TempDir, config: ServerConfig) -> TestHub {
        let path = dir.path().to_path_buf();
        Self::serve_on(dir, &path, config).await
    }

    /// A second hub process on the same store (its own caches and tokens view).
    pub async fn replica(&self) -> TestHub {
        let unused = tempfile::tempdir().expect("temp dir");
        let location = StoreLocation::Directory(self.dir.path().to_path_buf());
        Self::start_on(unused, &location, ServerConfig { rate_limit: 0, ..ServerConfig::default() }).await
    }

    /// A second hub process on the same store with its own configuration.
    pub async fn replica_with(&self, config: ServerConfig) -> TestHub {
        let unused = tempfile::tempdir().expect("temp dir");
        let location = StoreLocation::Directory(self.dir.path().to_path_buf());
        Self::start_on(unused, &location, config).await
    }

    async fn serve_on(dir: TempDir, store_path: &std::path::Path, config: ServerConfig) -> TestHub {
        Self::start_on(dir, &StoreLocation::Directory(store_path.to_path_buf()), config).await
    }

    /// A hub on any store location (`dir` is only kept alive with it).
    pub async fn start_on(dir: TempDir, location: &StoreLocation, config: ServerConfig) -> TestHub {
        capture_logs();
        let store = Arc::new(Store::open(location).expect("store"));
        store.refresh().await.expect("refresh");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let app = App::new(store.clone(), config).expect("app");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = edi_hub_api::serve(app, listener, async move {
                let _ = stopped.await;
            })
            .await;
        });
        TestHub { dir, base, client: Client::new(), store, stop: Some(stop), task: Some(task) }
    }

    /// Stops serving and hands back the data directory.
    pub async fn stop(mut self) -> TempDir {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        std::mem::replace(&mut self.dir, dir)
    }

    pub async fn token(&self, role: Role, organisation: Option<&str>) -> String {
        let (_, token) = self
            .store
            .tokens()
            .create(NewToken {
                role,
                organisation: organisation.map(|o| o.parse().expect("organisation")),
                label: Some("test".into()),
                expires_at: None,
            })
            .await
            .expect("token");
        token
    }

    pub async fn submitter(&self, organisation: &str) -> String {
        self.token(Role::Submitter, Some(organisation)).await
    }

    pub async fn analyst(&self) -> String {
        self.token(Role::Analyst, None).await
    }

    pub async fn steward(&self) -> String {
        self.token(Role::Steward, None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client.get(self.url(path)).bearer_auth(token).send().await.expect("request")
    }

    pub async fn get_json(&self, path: &str, token: &str) -> serde_json::Value {
        let r = self.get(path, token).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.json().await.expect("json")
    }

    pub async fn put_file(&self, path: &str, token: &str, content_type: &str, body: Vec<u8>) -> Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// `DELETE /api/v1/submissions/{id}`.
    pub async fn withdraw(&self, id: &str, token: &str) -> Response {
        self.client
            .delete(self.url(&format!("/api/v1/submissions/{id}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// A gzip-encoded CSV upload (or any PUT) to `path`.
    pub async fn put_gzip(&self, path: &str, token: &str, body: &[u8]) -> Response {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(body).expect("gzip");
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .header("content-type", "text/csv; charset=utf-8")
            .header("content-encoding", "gzip")
            .body(gz.finish().expect("gzip"))
            .send()
            .await
            .expect("request")
    }

    pub async fn upload_csv(&self, token: &str, org: &str, dataset: &str, period: &str, csv: &str) -> Response {
        self.put_file(
            &format!("/api/v1/submissions/{org}/{dataset}/{period}"),
            token,
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await
    }

    /// Uploads and insists on 201; returns the answer.
    pub async fn submit_csv(&self, org: &str, dataset: &str, period: &str, csv: &str) -> serde_json::Value {
        let token = self.submitter(org).await;
        let r = self.upload_csv(&token, org, dataset, period, csv).await;
        let status = r.status();
        let body: serde_json::Value = r.json().await.expect("json");
        assert_eq!(status, 201, "{body}");
        body
    }

    /// Number of Parquet data files in the store directory.
    pub fn data_files(&self) -> usize {
        count_files(&self.dir.path().join("data"))
    }
}

impl Drop for TestHub {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Everything any hub in this test binary logs, at every level.
pub fn logs() -> String {
    LOGS.get()
        .map(|b| String::from_utf8_lossy(&b.lock().map(|v| v.clone()).unwrap_or_default()).into_owned())
        .unwrap_or_default()
}

static LOGS: std::sync::OnceLock<Arc<std::sync::Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

#[derive(Clone)]
struct Capture(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends every log line of the hub (trace level) to a buffer the tests read.
fn capture_logs() {
    LOGS.get_or_init(|| {
        let buffer = Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = Capture(buffer.clone());
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("trace,hyper=debug,hyper_util=debug,reqwest=debug"))
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init();
        buffer
    });
}

/// The secret part of a token `edi_{id}_{secret}` (the secret itself may contain `_`).
pub fn token_secret(token: &str) -> &str {
    token.splitn(3, '_').nth(2).expect("a token edi_{id}_{secret}")
}

pub fn count_files(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() { count_files(&p) } else { 1 }
        })
        .sum()
}

/// Writes columns as a Parquet file.
pub fn parquet_of(columns: Vec<(&str, arrow::array::ArrayRef)>) -> Vec<u8> {
    use arrow::datatypes::{Field, Schema};
    let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    let batch = arrow::record_batch::RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("batch");
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), None).expect("writer");
    w.write(&batch).expect("write");
    w.close().expect("close");
    out
}

pub const PARQUET: &str = "application/vnd.apache.parquet";

/// PUTs the same CSV to every URL at once; insists on 201 for each and
/// returns the submission ids.
pub async fn upload_all(client: &Client, urls: Vec<String>, token: &str, csv: &'static str) -> Vec<String> {
    let uploads = urls.into_iter().map(|url| {
        let request = client.put(url).bearer_auth(token).header("content-type", "text/csv").body(csv);
        async move {
            let r = request.send().await.expect("request");
            assert_eq!(r.status(), 201);
            r.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_string()
        }
    });
    futures::future::join_all(uploads).await
}

/// `GET {base}/api/v1/submissions?limit=1000`.
pub async fn all_submissions(client: &Client, base: &str, token: &str) -> serde_json::Value {
    let r =
        client.get(format!("{base}/api/v1/submissions?limit=1000")).bearer_auth(token).send().await.expect("request");
    r.json().await.expect("json")
}

/// Problems of a 422 answer as (row, column, message).
pub async fn problems(r: Response) -> Vec<(Option<u64>, Option<String>, String)> {
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = r.json().await.expect("json");
    body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|p| {
            (
                p["row"].as_u64(),
                p["column"].as_str().map(String::from),
                p["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}
