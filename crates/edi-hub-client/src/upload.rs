//! `edi-hub upload`: sends a borough's quarterly files to a hub, with a
//! progress bar and a readable report for each file.
//!
//! Each file's dataset and quarter come from its name,
//! `{organisation}_{dataset}_{period}.csv` (e.g.
//! `E09000015_workforce_2025-Q1.csv`) or `{dataset}_{period}.csv` with
//! `--organisation`, or from `--dataset` and `--period`. `.parquet` files
//! are sent as Parquet, `.xlsx` files as Excel workbooks, and a further
//! `.gz` as gzip (see [`crate::naming`],
//! whose items are re-exported here).

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use edi_hub_core::{Dataset, Organisation, Period};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use serde_json::Value;

pub use crate::naming::{CONVENTION, Encoding, NameParts, Planned, encoding_of, parse_stem, plan};

/// Options of `edi-hub upload`.
#[derive(Debug, Clone, Args)]
pub struct UploadArgs {
    /// The hub's address, e.g. https://edi-hub.example.org
    #[arg(long, env = "EDI_HUB_URL")]
    pub url: String,
    /// A submitter token of the organisation; prefer the EDI_HUB_TOKEN
    /// variable (a command-line argument can be seen by other users).
    #[arg(long, env = "EDI_HUB_TOKEN", hide_env_values = true)]
    pub token: String,
    /// GSS code of the organisation, for files named {dataset}_{period}.
    #[arg(long)]
    pub organisation: Option<Organisation>,
    /// The dataset of every file (instead of taking it from the file names).
    #[arg(long)]
    pub dataset: Option<Dataset>,
    /// The quarter of every file, YYYY-Qn (instead of taking it from the file names).
    #[arg(long)]
    pub period: Option<Period>,
    /// The files: {organisation}_{dataset}_{period}.csv|.parquet|.xlsx[.gz], e.g.
    /// E09000015_workforce_2025-Q1.csv.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    Rejected,
    NotSent,
}

/// The report of an accepted upload (201).
fn accepted_report(label: &str, body: &Value) -> String {
    let text = |k: &str| body[k].as_str().unwrap_or("?").to_string();
    let mut out = format!(
        "{label}: accepted as {} {} {}: {} rows, id {}",
        text("organisation"),
        text("dataset"),
        text("period"),
        body["rows"].as_u64().map_or("?".to_string(), |r| r.to_string()),
        text("id")
    );
    if let Some(previous) = body["supersedes"].as_str() {
        let _ = write!(out, ", supersedes {previous}");
    }
    out
}

/// The report of a refused upload: every problem of a validation failure,
/// or the status and the hub's explanation.
pub fn rejected_report(label: &str, status: u16, body: &[u8]) -> String {
    let problem: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let title = problem["title"].as_str().unwrap_or("");
    let detail = problem["detail"].as_str().map(str::to_string).unwrap_or_else(|| {
        let text = String::from_utf8_lossy(body);
        text.trim().chars().take(300).collect()
    });
    let mut out = format!("{label}: REJECTED ({status}{}{title}): {detail}", if title.is_empty() { "" } else { " " });
    for e in problem["errors"].as_array().into_iter().flatten() {
        let mut place = Vec::new();
        if let Some(row) = e["row"].as_u64() {
            place.push(format!("row {row}"));
        }
        if let Some(column) = e["column"].as_str() {
            place.push(format!("column {column}"));
        }
        let place = if place.is_empty() { "file".to_string() } else { place.join(", ") };
        let _ = write!(out, "\n    {place}: {}", e["message"].as_str().unwrap_or(""));
    }
    out
}

/// Sends one file; the progress bar advances as its bytes go out.
async fn send(
    client: &reqwest::Client,
    base: &str,
    authorization: &HeaderValue,
    file: &Planned,
    bytes: Bytes,
    bar: &ProgressBar,
) -> (Outcome, String) {
    let label = file.path.display().to_string();
    let url = format!("{base}/api/v1/submissions/{}/{}/{}", file.organisation, file.dataset, file.period);
    let length = bytes.len();
    let progress = bar.clone();
    let chunks: Vec<Bytes> =
        (0..length).step_by(64 * 1024).map(|i| bytes.slice(i..length.min(i + 64 * 1024))).collect();
    let body = futures::stream::iter(chunks.into_iter().map(move |chunk| {
        progress.inc(chunk.len() as u64);
        Ok::<Bytes, std::io::Error>(chunk)
    }));
    let mut request = client
        .put(&url)
        .header(AUTHORIZATION, authorization.clone())
        .header(CONTENT_TYPE, file.encoding.content_type)
        .header(CONTENT_LENGTH, length)
        .body(reqwest::Body::wrap_stream(body));
    if file.encoding.gzip {
        request = request.header(CONTENT_ENCODING, "gzip");
    }
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return (Outcome::NotSent, format!("{label}: NOT SENT: {}", describe(&e))),
    };
    let status = response.status().as_u16();
    let body = match response.bytes().await {
        Ok(b) => b,
        Err(e) => return (Outcome::NotSent, format!("{label}: NOT SENT: no full answer ({status}): {}", describe(&e))),
    };
    if status == 201 {
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (Outcome::Accepted, accepted_report(&label, &json))
    } else {
        (Outcome::Rejected, rejected_report(&label, status, &body))
    }
}

/// A transport error's message with its causes (never a header, so never the token).
fn describe(e: &reqwest::Error) -> String {
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let _ = write!(out, ": {s}");
        source = s.source();
    }
    out
}

/// Runs `edi-hub upload`: the report on stdout, the progress bar on stderr
/// (only on a terminal). Fails when any file was not accepted.
pub async fn upload(args: &UploadArgs) -> anyhow::Result<()> {
    let base = args.url.trim().trim_end_matches('/').to_string();
    match url::Url::parse(&base) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => {}
        _ => anyhow::bail!("--url must be the hub's http(s) address, e.g. http://127.0.0.1:8080 (got '{base}')"),
    }
    let token = args.token.trim();
    if token.is_empty() {
        anyhow::bail!("no token: set EDI_HUB_TOKEN or give --token");
    }
    let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| anyhow::anyhow!("the token has characters no token has; check EDI_HUB_TOKEN"))?;
    authorization.set_sensitive(true);
    let mut outcomes = Vec::new();
    let mut ready = Vec::new();
    for path in &args.files {
        let size = |p: Planned| match std::fs::metadata(path) {
            Ok(m) if m.is_file() => Ok((p, m.len())),
            Ok(_) => Err("not a file".to_string()),
            Err(e) => Err(e.to_string()),
        };
        match plan(path, args).and_then(size) {
            Ok(file) => ready.push(file),
            Err(message) => {
                println!("{}: NOT SENT: {message}", path.display());
                outcomes.push(Outcome::NotSent);
            }
        }
    }
    let total: u64 = ready.iter().map(|(_, size)| size).sum();
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template("{msg:30!} [{bar:30}] {bytes}/{total_bytes} ({eta})")?.progress_chars("=> "),
    );
    let client = reqwest::Client::builder()
        .user_agent(concat!("edi-hub/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(600))
        .build()?;
    let (n, mut done) = (ready.len(), 0);
    // One file in memory at a time.
    for (i, (file, size)) in ready.into_iter().enumerate() {
        let name = file.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        bar.set_message(format!("{}/{n} {name}", i + 1));
        let (outcome, report) = match tokio::fs::read(&file.path).await {
            Ok(bytes) => send(&client, &base, &authorization, &file, Bytes::from(bytes), &bar).await,
            Err(e) => (Outcome::NotSent, format!("{}: NOT SENT: {e}", file.path.display())),
        };
        done += size;
        bar.set_position(done);
        bar.suspend(|| println!("{report}"));
        outcomes.push(outcome);
    }
    bar.finish_and_clear();
    let count = |o: Outcome| outcomes.iter().filter(|x| **x == o).count();
    let (accepted, rejected, not_sent) = (count(Outcome::Accepted), count(Outcome::Rejected), count(Outcome::NotSent));
    let plural = if outcomes.len() == 1 { "" } else { "s" };
    println!("{} file{plural}: {accepted} accepted, {rejected} rejected, {not_sent} not sent", outcomes.len());
    if accepted == outcomes.len() {
        Ok(())
    } else {
        anyhow::bail!("{} of {} file{plural} not accepted", rejected + not_sent, outcomes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_list_every_problem() {
        let body = br#"{"title":"The file did not pass validation","detail":"2 problems found; nothing was stored","errors":[{"row":1,"column":"ethnicity","message":"'Black' is not a code"},{"row":null,"column":null,"message":"empty"}]}"#;
        let r = rejected_report("a.csv", 422, body);
        assert!(r.starts_with("a.csv: REJECTED (422 The file did not pass validation): 2 problems found"), "{r}");
        assert!(r.contains("\n    row 1, column ethnicity: 'Black' is not a code"), "{r}");
        assert!(r.contains("\n    file: empty"), "{r}");
        let r = rejected_report("a.csv", 502, b"bad gateway");
        assert_eq!(r, "a.csv: REJECTED (502): bad gateway");
    }
}
