//! Operational telemetry in the Prometheus text format (`GET /metrics`):
//! requests by route and status, latency histograms, uploads accepted and
//! rejected, suppressed cells served and answer-cache hits. One registry per
//! hub (no process-global state), so several hubs can share a process.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry, TextEncoder};

use crate::app::AppState;

/// The hub's operational counters and histograms, exported at `GET /metrics`.
#[derive(Debug, Clone)]
pub struct Telemetry {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    uploads: IntCounterVec,
    suppressed: IntCounter,
    cache: IntCounterVec,
}

impl Telemetry {
    pub fn new() -> Result<Telemetry, prometheus::Error> {
        let registry = Registry::new_custom(Some("edi_hub".into()), None)?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route template, method and status"),
            &["route", "method", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route template")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0]),
            &["route"],
        )?;
        let uploads =
            IntCounterVec::new(Opts::new("uploads_total", "Uploads by outcome (accepted or rejected)"), &["outcome"])?;
        let suppressed =
            IntCounter::new("suppressed_cells_served_total", "Cells withheld by disclosure control in answers")?;
        let cache =
            IntCounterVec::new(Opts::new("answer_cache_total", "Benchmark answers by cache result"), &["result"])?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(uploads.clone()))?;
        registry.register(Box::new(suppressed.clone()))?;
        registry.register(Box::new(cache.clone()))?;
        for outcome in ["accepted", "rejected"] {
            uploads.with_label_values(&[outcome]);
        }
        for result in ["hit", "miss"] {
            cache.with_label_values(&[result]);
        }
        Ok(Telemetry { registry, requests, latency, uploads, suppressed, cache })
    }

    pub fn upload(&self, accepted: bool) {
        self.uploads.with_label_values(&[if accepted { "accepted" } else { "rejected" }]).inc();
    }

    pub fn suppressed_cells(&self, n: usize) {
        self.suppressed.inc_by(n as u64);
    }

    pub fn cache(&self, hit: bool) {
        self.cache.with_label_values(&[if hit { "hit" } else { "miss" }]).inc();
    }

    /// The registry in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }
}

/// Middleware counting every request by its route template.
pub async fn track(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_string();
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let m = &app.telemetry;
    m.latency.with_label_values(&[route.as_str()]).observe(started.elapsed().as_secs_f64());
    m.requests.with_label_values(&[route.as_str(), method.as_str(), response.status().as_str()]).inc();
    response
}
