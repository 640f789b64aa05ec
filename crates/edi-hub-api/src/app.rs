//! The application: shared state, the middleware stack, and serving with
//! graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use edi_hub_core::disclosure::Policy;
use edi_hub_query::Engine;
use edi_hub_store::Store;
use tokio::net::TcpListener;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::{SetSensitiveRequestHeadersLayer, SetSensitiveResponseHeadersLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::answer_cache::EncodedAnswers;
use crate::error::ApiError;
use crate::rate_limit::RateLimiter;
use crate::sign_in::SignInConfig;
use crate::sign_in::provider::Provider;
use crate::telemetry::Telemetry;

/// Marks every answer of a hub serving the synthetic demo data set.
pub const DATA_HEADER: &str = "x-edi-hub-data";
/// The header's value.
pub const SYNTHETIC: &str = "synthetic-demo";

/// Settings of a running hub.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    pub policy: Policy,
    /// Requests per second per token; 0 turns rate limiting off.
    pub rate_limit: u32,
    /// Largest upload, in bytes, after decompression.
    pub max_upload_bytes: usize,
    /// Longest time a request may take.
    pub request_timeout: Duration,
    /// How often the ledger is re-read for other processes' writes.
    pub refresh_interval: Duration,
    /// The store holds the generated demo data set: every answer says so.
    pub synthetic: bool,
    /// Keep benchmark answers until the ledger changes.
    pub caching: bool,
    /// Every accepted upload or withdrawal publishes a new release of its quarter at once.
    pub release_on_upload: bool,
    /// Bytes of tables (quarters' data) held in memory for queries; the
    /// least recently used are dropped beyond it.
    pub table_cache_bytes: usize,
    /// Single sign-on for the dashboard (OpenID Connect); tokens only when absent.
    pub sign_in: Option<SignInConfig>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            policy: Policy::default(),
            rate_limit: 100,
            max_upload_bytes: 50 * 1024 * 1024,
            request_timeout: Duration::from_secs(120),
            refresh_interval: Duration::from_secs(2),
            synthetic: false,
            caching: true,
            release_on_upload: false,
            table_cache_bytes: edi_hub_query::DEFAULT_BUDGET_MB * 1024 * 1024,
            sign_in: None,
        }
    }
}

/// Everything a request handler needs.
#[derive(Debug)]
pub struct App {
    pub store: Arc<Store>,
    pub engine: Engine,
    pub config: ServerConfig,
    pub limiter: RateLimiter,
    pub telemetry: Telemetry,
    /// Benchmark answers' bytes per format, until the ledger moves on.
    pub encoded: EncodedAnswers,
    /// The OpenID provider, when the hub offers single sign-on.
    pub sign_in: Option<Provider>,
}

/// Why the application could not be built.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Query(#[from] edi_hub_query::Error),
    #[error("telemetry registry: {0}")]
    Telemetry(#[from] prometheus::Error),
}

/// Shared application state.
pub type AppState = Arc<App>;

impl App {
    pub fn new(store: Arc<Store>, config: ServerConfig) -> Result<AppState, StartError> {
        let engine =
            Engine::new(store.clone(), config.policy, config.caching)?.with_table_budget(config.table_cache_bytes);
        let limiter = RateLimiter::new(config.rate_limit);
        let encoded = EncodedAnswers::new(config.caching);
        let sign_in = config.sign_in.clone().map(Provider::new);
        Ok(Arc::new(App { store, engine, config, limiter, telemetry: Telemetry::new()?, encoded, sign_in }))
    }
}

/// The full router: API routes, docs, and every middleware layer.
pub fn router(app: AppState) -> Router {
    router_with(app, Router::new())
}

/// The full router with `extra` routes behind the same middleware (the
/// benchmark's hello-world route).
pub fn router_with(app: AppState, extra: Router) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let (api, _spec) = crate::handlers::routes(app.clone());
    let mut api = api.merge(extra);
    if app.config.synthetic {
        api = api.layer(axum::middleware::map_response(|mut r: Response| async move {
            r.headers_mut().insert(DATA_HEADER, axum::http::HeaderValue::from_static(SYNTHETIC));
            r
        }));
    }
    api.layer(DefaultBodyLimit::max(app.config.max_upload_bytes.saturating_add(1024)))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, app.config.request_timeout))
        .layer(axum::middleware::map_response(crate::error::problem_for_every_error))
        .layer(CatchPanicLayer::custom(|_| -> Response {
            ApiError::internal("a request handler panicked").into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-").to_string();
                    tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
                })
                // One line per answered request: status and latency, in the request's span.
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Millis)),
        )
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(SetSensitiveRequestHeadersLayer::new([axum::http::header::AUTHORIZATION, axum::http::header::COOKIE]))
        .layer(SetSensitiveResponseHeadersLayer::new([axum::http::header::SET_COOKIE]))
}

/// Serves until `shutdown` completes, finishing in-flight requests.
pub async fn serve(
    app: AppState,
    listener: TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = spawn_refresher(app.clone());
    let scheduler = spawn_scheduler(app.clone());
    if app.sign_in.is_some() {
        // Read the provider's discovery document now, so a misconfiguration shows in the log at start-up.
        let app = app.clone();
        tokio::spawn(async move {
            if let Some(provider) = app.sign_in.as_ref()
                && let Err(e) = provider.discover().await
            {
                tracing::warn!(error = %e, "single sign-on is not usable yet; sign-ins retry the provider");
            }
        });
    }
    let result = axum::serve(listener, router(app)).with_graceful_shutdown(shutdown).await;
    refresher.abort();
    scheduler.abort();
    result
}

/// Runs `work` every `period` (a late tick waits rather than bunching up).
fn spawn_every<F, Fut>(period: std::time::Duration, mut work: F) -> tokio::task::JoinHandle<()>
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            work().await;
        }
    })
}

/// Publishes scheduled quarters when their release time comes.
fn spawn_scheduler(app: AppState) -> tokio::task::JoinHandle<()> {
    spawn_every(app.config.refresh_interval, move || {
        let app = app.clone();
        async move { crate::scheduler::publish_due(&app).await }
    })
}

/// Re-reads the ledger and tokens regularly, so writes by other processes
/// sharing the store are seen within a few seconds.
fn spawn_refresher(app: AppState) -> tokio::task::JoinHandle<()> {
    spawn_every(app.config.refresh_interval, move || {
        let app = app.clone();
        async move {
            if let Err(e) = app.store.refresh_recent().await {
                tracing::warn!(error = %e, "could not refresh the submission ledger");
            }
            if let Err(e) = app.store.tokens().refresh().await {
                tracing::warn!(error = %e, "could not refresh the tokens");
            }
            if app.sign_in.is_some() {
                if let Err(e) = app.store.users().refresh().await {
                    tracing::warn!(error = %e, "could not refresh the sign-in mappings");
                }
                if let Err(e) = app.store.sessions().refresh().await {
                    tracing::warn!(error = %e, "could not refresh the sessions");
                }
            }
        }
    })
}
