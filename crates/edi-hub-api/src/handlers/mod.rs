//! The HTTP API: every route is registered with its OpenAPI description
//! (utoipa-axum), so the served spec is built from the routes served.

mod access_log;
mod answer_rows;
mod benchmarks;
mod catalogue;
mod coverage;
pub(crate) mod paths;
mod periods;
mod profile;
mod query;
mod reference;
mod report;
mod submissions;
mod system;
mod target_input;
mod targets;
mod tokens;
mod users;
mod validate;
mod whoami;

use axum::Router;
use axum::middleware::from_fn_with_state;
use chrono::Utc;
use edi_hub_store::{AccessEvent, AccessOutcome};
use utoipa::openapi::OpenApi as Spec;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

use crate::app::AppState;
use crate::auth::Caller;
use crate::sign_in::handlers as sign_in;

pub(crate) use periods::release_detail;
pub(crate) use targets::{Target, TargetStatus, TargetVisibility};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "EDI Hub API",
        description = "Benchmarking race equality in the workforces of London's local authorities.\n\nBoroughs upload quarterly, anonymised, aggregated datasets (CSV, Excel workbooks or Parquet); analysts query benchmarks of one borough against London, inner/outer London and its sub-regional partnership. Every answer passes statistical disclosure control: a suppressed value is null in JSON (its column is listed in `suppressed`), `[c]` in CSV and null in Arrow and Parquet. A borough always sees its own data in full.\n\nAll `/api/v1` routes need a bearer token (`Authorization: Bearer <token>`), or, on a hub with single sign-on, the session cookie of a person signed in through `/auth/login`: a session acts exactly like a token of the role and organisation its person is mapped to, and a request under it that changes something must carry the session's CSRF token (`X-CSRF-Token`, from `/api/v1/whoami`) and come from the hub's own origin. Each token (and session) is limited to the configured number of requests per second; over it the answer is 429 with `Retry-After`.",
        license(name = "Apache-2.0"),
        version = "1.0.0"
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "submissions", description = "Uploading, listing and withdrawing quarterly datasets"),
        (name = "validation", description = "Checking a file without storing it"),
        (name = "benchmarks", description = "The metric catalogue and benchmark answers"),
        (name = "targets", description = "Action-plan targets of an organisation and progress against them"),
        (name = "releases", description = "Collection rounds: each quarter's state, schedule and releases"),
        (name = "reference", description = "Reference data kept by data stewards"),
        (name = "tokens", description = "API tokens and the access log, for data stewards; who the caller is, for any token"),
        (name = "users", description = "Who may sign in with single sign-on, and as what, for data stewards"),
        (name = "sign-in", description = "Single sign-on for the dashboard with the council's OpenID provider"),
        (name = "system", description = "Health and documentation")
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut Spec) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

/// The API routes with the OpenAPI document describing them.
fn api(app: AppState) -> (Router<AppState>, Spec) {
    let v1 = OpenApiRouter::new()
        .routes(routes!(submissions::put_submission))
        .routes(routes!(submissions::list_submissions))
        .routes(routes!(submissions::withdraw_submission))
        .routes(routes!(validate::validate_file))
        .routes(routes!(coverage::coverage))
        .routes(routes!(periods::list_periods))
        .routes(routes!(periods::schedule_period))
        .routes(routes!(periods::publish_release))
        .routes(routes!(reference::put_population))
        .routes(routes!(catalogue::list_metrics))
        .routes(routes!(benchmarks::benchmark))
        .routes(routes!(profile::profile))
        .routes(routes!(report::report))
        .routes(routes!(targets::list_targets, targets::create_target))
        .routes(routes!(targets::delete_target))
        .routes(routes!(tokens::create_token, tokens::list_tokens))
        .routes(routes!(tokens::revoke_token))
        .routes(routes!(access_log::access_log))
        .routes(routes!(whoami::whoami))
        .routes(routes!(users::list_users))
        .routes(routes!(users::put_user, users::delete_user))
        .routes(routes!(users::put_role_claim, users::delete_role_claim))
        .route_layer(from_fn_with_state(app.clone(), crate::access::enforce))
        .layer(from_fn_with_state(app.clone(), crate::rate_limit::limit));
    let system = OpenApiRouter::new()
        .routes(routes!(system::healthz))
        .routes(routes!(system::readyz))
        .routes(routes!(system::prometheus_metrics))
        .route_layer(from_fn_with_state(app.clone(), crate::access::enforce));
    let sign_in = OpenApiRouter::new()
        .routes(routes!(sign_in::sign_in_options))
        .routes(routes!(sign_in::login))
        .routes(routes!(sign_in::callback))
        .routes(routes!(sign_in::logout))
        .route_layer(from_fn_with_state(app, crate::access::enforce));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).merge(v1).merge(system).merge(sign_in).split_for_parts()
}

/// The OpenAPI document of the API, as committed in `openapi/openapi.json`.
pub fn spec(app: AppState) -> Spec {
    api(app).1
}

/// The router with its state, plus the spec it serves at `/openapi.json`.
pub fn routes(app: AppState) -> (Router, Spec) {
    let (router, spec) = api(app.clone());
    let router = router
        .merge(SwaggerUi::new("/docs").url("/openapi.json", spec.clone()))
        .merge(crate::dashboard::routes())
        .fallback(not_found)
        .layer(from_fn_with_state(app.clone(), crate::telemetry::track))
        .with_state(app);
    (router, spec)
}

/// Unknown paths: a problem document like every other error.
async fn not_found(uri: axum::http::Uri) -> crate::error::ApiError {
    let path: String = uri.path().chars().take(100).collect();
    crate::error::ApiError::not_found(format!("nothing is served at {path}; see /docs/ for the API"))
}

/// Appends to the access log; a failure is logged, never shown to the caller.
pub(crate) async fn log_access(
    app: &AppState,
    caller: Option<&Caller>,
    action: &str,
    outcome: AccessOutcome,
    target: Option<String>,
    submission_id: Option<String>,
    detail: Option<String>,
) {
    if let Err(e) = write_access_event(app, caller, action, outcome, target, submission_id, detail).await {
        tracing::warn!(error = %e, action, "could not write the access log");
    }
}

/// Records an unredacted read before it is served; fails closed: when the
/// event cannot be written the figures are not served (503), never unaudited.
pub(crate) async fn log_unredacted(
    app: &AppState,
    caller: &Caller,
    target: String,
    detail: String,
) -> crate::error::ApiResult<()> {
    let outcome = AccessOutcome::Success;
    write_access_event(app, Some(caller), "unredacted_read", outcome, Some(target), None, Some(detail)).await.map_err(
        |e| {
            tracing::error!(error = %e, "could not write the access log; an unredacted read is refused");
            crate::error::ApiError::unavailable(
                "the access log cannot be written, so figures you would see unredacted are not served; try again later",
            )
        },
    )
}

async fn write_access_event(
    app: &AppState,
    caller: Option<&Caller>,
    action: &str,
    outcome: AccessOutcome,
    target: Option<String>,
    submission_id: Option<String>,
    detail: Option<String>,
) -> edi_hub_store::Result<()> {
    let event = AccessEvent {
        at: Utc::now(),
        actor: caller.map(|c| c.id().to_string()),
        role: caller.map(|c| c.role().name().to_string()),
        organisation: caller.and_then(|c| c.organisation()).map(|o| o.code().to_string()),
        action: action.to_string(),
        outcome,
        target,
        submission_id,
        detail,
    };
    app.store.log_access(&event).await
}
