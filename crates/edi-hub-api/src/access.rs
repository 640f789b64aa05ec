//! Who may call each route: the one authorisation table. The [`enforce`]
//! layer reads it for every request (authentication, then the organisation
//! the route acts on, then the caller's role), so what the table says is
//! what is enforced; handlers take the [`Caller`](crate::auth::Caller) it
//! admitted and hold no access rules of their own. The end-to-end matrix
//! test walks the table against the live router, and the README's table is
//! generated from it (`edi-hub spec`).

use axum::extract::{FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use edi_hub_core::Organisation;
use edi_hub_store::Role;

use crate::app::AppState;
use crate::auth::{Caller, authenticate};
use crate::error::ApiError;

/// Who may call a route. A signed-in person's session cookie counts as a
/// token of the role (and organisation) the person is mapped to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed (health, metrics, documentation, signing in and out).
    Open,
    /// Any valid token.
    AnyToken,
    /// A data steward.
    Steward,
    /// A submitter of the organisation the route acts on.
    Submitter(Subject),
    /// A submitter of the organisation the route acts on, or a data steward.
    SubmitterOrSteward(Subject),
}

/// Where the organisation a route acts on comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The `{organisation}` in the path (an unknown code is 404: the list is public).
    PathOrganisation,
    /// The organisation of the submission `{id}` in the path (unknown: 404).
    Submission,
}

/// The kinds of caller the matrix distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallerKind {
    NoToken,
    BadToken,
    RevokedToken,
    OwnSubmitter,
    OtherSubmitter,
    Analyst,
    Steward,
}

impl CallerKind {
    pub const ALL: [CallerKind; 7] = [
        CallerKind::NoToken,
        CallerKind::BadToken,
        CallerKind::RevokedToken,
        CallerKind::OwnSubmitter,
        CallerKind::OtherSubmitter,
        CallerKind::Analyst,
        CallerKind::Steward,
    ];
}

/// One route: method, path template, who may call it, and its success status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub success: u16,
}

const fn route(method: &'static str, path: &'static str, access: Access, success: u16) -> Route {
    Route { method, path, access, success }
}

/// Every route the hub serves.
pub const TABLE: &[Route] = &[
    route(
        "PUT",
        "/api/v1/submissions/{organisation}/{dataset}/{period}",
        Access::Submitter(Subject::PathOrganisation),
        201,
    ),
    route("DELETE", "/api/v1/submissions/{id}", Access::SubmitterOrSteward(Subject::Submission), 204),
    route("GET", "/api/v1/submissions", Access::AnyToken, 200),
    route("POST", "/api/v1/validate/{dataset}", Access::AnyToken, 200),
    route("GET", "/api/v1/coverage", Access::AnyToken, 200),
    route("GET", "/api/v1/periods", Access::AnyToken, 200),
    route("PUT", "/api/v1/periods/{period}/schedule", Access::Steward, 200),
    route("POST", "/api/v1/periods/{period}/releases", Access::Steward, 201),
    route("GET", "/api/v1/metrics", Access::AnyToken, 200),
    route("GET", "/api/v1/benchmarks/{metric}", Access::AnyToken, 200),
    route("GET", "/api/v1/organisations/{organisation}/profile", Access::AnyToken, 200),
    route("GET", "/api/v1/organisations/{organisation}/report", Access::AnyToken, 200),
    route("GET", "/api/v1/organisations/{organisation}/targets", Access::AnyToken, 200),
    route(
        "POST",
        "/api/v1/organisations/{organisation}/targets",
        Access::SubmitterOrSteward(Subject::PathOrganisation),
        201,
    ),
    route(
        "DELETE",
        "/api/v1/organisations/{organisation}/targets/{id}",
        Access::SubmitterOrSteward(Subject::PathOrganisation),
        204,
    ),
    route("PUT", "/api/v1/reference/population", Access::Steward, 200),
    route("POST", "/api/v1/tokens", Access::Steward, 201),
    route("GET", "/api/v1/tokens", Access::Steward, 200),
    route("DELETE", "/api/v1/tokens/{id}", Access::Steward, 204),
    route("GET", "/api/v1/audit", Access::Steward, 200),
    route("GET", "/api/v1/whoami", Access::AnyToken, 200),
    route("GET", "/api/v1/users", Access::Steward, 200),
    route("PUT", "/api/v1/users/{email}", Access::Steward, 200),
    route("DELETE", "/api/v1/users/{email}", Access::Steward, 204),
    route("PUT", "/api/v1/role-claims/{value}", Access::Steward, 200),
    route("DELETE", "/api/v1/role-claims/{value}", Access::Steward, 204),
    route("GET", "/auth/config", Access::Open, 200),
    route("GET", "/auth/login", Access::Open, 303),
    route("GET", "/auth/callback", Access::Open, 303),
    route("POST", "/auth/logout", Access::Open, 204),
    route("GET", "/healthz", Access::Open, 200),
    route("GET", "/readyz", Access::Open, 200),
    route("GET", "/metrics", Access::Open, 200),
    route("GET", "/openapi.json", Access::Open, 200),
    route("GET", "/docs/", Access::Open, 200),
    route("GET", "/", Access::Open, 200),
];

impl Route {
    /// The status `caller` gets from this route (with valid input).
    pub fn expected(&self, caller: CallerKind) -> u16 {
        use CallerKind as C;
        let allowed = match (self.access, caller) {
            (Access::Open, _) => return self.success,
            (_, C::NoToken | C::BadToken | C::RevokedToken) => return 401,
            (Access::AnyToken, _) => true,
            (Access::Steward, c) => c == C::Steward,
            (Access::Submitter(_), c) => c == C::OwnSubmitter,
            (Access::SubmitterOrSteward(_), c) => matches!(c, C::OwnSubmitter | C::Steward),
        };
        if allowed { self.success } else { 403 }
    }
}

fn cell(route: &Route, caller: CallerKind) -> String {
    match route.expected(caller) {
        401 => "401".into(),
        403 => "403".into(),
        s if matches!(caller, CallerKind::OwnSubmitter | CallerKind::OtherSubmitter)
            && route.path == "/api/v1/submissions" =>
        {
            format!("{s} (its own organisation's only)")
        }
        s if caller == CallerKind::OwnSubmitter && route.path.starts_with("/api/v1/benchmarks") => {
            format!("{s} (its own rows unredacted)")
        }
        s if caller == CallerKind::Steward && route.path.starts_with("/api/v1/benchmarks") => {
            format!("{s} (unredacted)")
        }
        s if route.path.ends_with("/report") => match caller {
            CallerKind::OwnSubmitter => format!("{s} (its own figures in full, provisional ones too)"),
            CallerKind::Steward => format!("{s} (unredacted, provisional ones too)"),
            _ => format!("{s} (published quarters only)"),
        },
        s if matches!(caller, CallerKind::OtherSubmitter | CallerKind::Analyst)
            && route.method == "GET"
            && route.path.ends_with("/targets") =>
        {
            format!("{s} (shared targets only)")
        }
        s => s.to_string(),
    }
}

/// The table as Markdown, for the README.
pub fn markdown() -> String {
    let mut out = String::from(
        "| route | no token, bad or revoked token | submitter of the organisation | submitter of another | analyst | steward |\n|---|---|---|---|---|---|\n",
    );
    for r in TABLE {
        let cells: Vec<String> = [
            CallerKind::NoToken,
            CallerKind::OwnSubmitter,
            CallerKind::OtherSubmitter,
            CallerKind::Analyst,
            CallerKind::Steward,
        ]
        .iter()
        .map(|c| cell(r, *c))
        .collect();
        out.push_str(&format!("| `{} {}` | {} |\n", r.method, r.path, cells.join(" | ")));
    }
    out
}

/// The table's entry for a request's method and route template.
pub fn lookup(method: &axum::http::Method, path: &str) -> Option<&'static Route> {
    // HEAD is answered by the GET handler, under the GET rule.
    let method = if method == axum::http::Method::HEAD { "GET" } else { method.as_str() };
    TABLE.iter().find(|r| r.method == method && r.path == path)
}

/// Middleware: admits a request only as the table allows. Fails closed: a
/// route missing from the table is refused.
pub async fn enforce(State(app): State<AppState>, request: Request, next: Next) -> Response {
    match admit(&app, request).await {
        Ok(request) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}

async fn admit(app: &AppState, request: Request) -> Result<Request, ApiError> {
    let (mut parts, body) = request.into_parts();
    let template = parts.extensions.get::<MatchedPath>().map(|p| p.as_str().to_string()).unwrap_or_default();
    let Some(route) = lookup(&parts.method, &template) else {
        return Err(unlisted(&parts.method, &template));
    };
    if route.access == Access::Open {
        return Ok(Request::from_parts(parts, body));
    }
    let caller = authenticate(&parts, app).await?;
    let params = RawPathParams::from_request_parts(&mut parts, app)
        .await
        .map_err(|_| ApiError::bad_request("the path could not be read"))?;
    let param = |name: &str| params.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()).unwrap_or_default();
    let (organisation, id) = (param("organisation"), param("id"));
    drop(params);
    match route.access {
        Access::Open | Access::AnyToken => {}
        Access::Steward => require_steward(&caller)?,
        Access::Submitter(subject) => {
            let organisation = subject_of(app, subject, &organisation, &id).await?;
            require_submitter_for(&caller, organisation)?;
        }
        Access::SubmitterOrSteward(subject) => {
            let organisation = subject_of(app, subject, &organisation, &id).await?;
            if caller.role() != Role::Steward {
                require_submitter_for(&caller, organisation)?;
            }
        }
    }
    parts.extensions.insert(caller);
    Ok(Request::from_parts(parts, body))
}

/// A request the table has no rule for: 405 when the path takes other
/// methods (with `Allow`), otherwise refused as an internal fault.
fn unlisted(method: &axum::http::Method, template: &str) -> ApiError {
    let allowed: Vec<&str> = TABLE.iter().filter(|r| r.path == template).map(|r| r.method).collect();
    if allowed.is_empty() {
        ApiError::internal(format!("{method} {template} has no access rule"))
    } else {
        ApiError::method_not_allowed(&allowed)
    }
}

/// The organisation a route acts on.
async fn subject_of(app: &AppState, subject: Subject, organisation: &str, id: &str) -> Result<Organisation, ApiError> {
    match subject {
        Subject::PathOrganisation => crate::handlers::paths::organisation_in_path(organisation),
        Subject::Submission => {
            let snapshot = app.store.refresh_recent().await?;
            snapshot.get(id).map(|r| r.organisation).ok_or_else(|| {
                ApiError::not_found(format!("no submission has the id '{}'", id.chars().take(40).collect::<String>()))
            })
        }
    }
}

fn require_steward(caller: &Caller) -> Result<(), ApiError> {
    if caller.role() == Role::Steward {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!("this needs a steward token; this token's role is {}", caller.role().name())))
    }
}

fn require_submitter_for(caller: &Caller, organisation: Organisation) -> Result<(), ApiError> {
    match (caller.role(), caller.organisation()) {
        (Role::Submitter, Some(own)) if own == organisation => Ok(()),
        (Role::Submitter, Some(own)) => {
            Err(ApiError::forbidden(format!("this token submits for {own} ({}), not for {organisation}", own.name())))
        }
        (role, _) => Err(ApiError::forbidden(format!(
            "only a submitter token of {organisation} may do this; this token's role is {}",
            role.name()
        ))),
    }
}

/// Markers around the generated table in the README.
pub const README_START: &str =
    "<!-- access table: generated by `edi-hub spec` from crates/edi-hub-api/src/access.rs -->";
pub const README_END: &str = "<!-- end of access table -->";

/// The README with its access table replaced by the generated one.
pub fn readme_with_table(readme: &str) -> Option<String> {
    let start = readme.find(README_START)?;
    let end = readme.find(README_END)?;
    Some(format!("{}{README_START}\n{}{}", &readme[..start], markdown(), &readme[end..]))
}
