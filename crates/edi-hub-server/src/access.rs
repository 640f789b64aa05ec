//! Who may call each route: the one authorisation table. The handlers
//! enforce it (after checking the identifiers in the path, which are
//! public), the end-to-end matrix test walks it against the live router,
//! and the README's table is generated from it (`edi-hub spec`).

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token needed (health, metrics, documentation).
    Open,
    /// Any valid token.
    AnyToken,
    /// A data steward.
    Steward,
    /// A submitter of the organisation concerned.
    Submitter,
    /// A submitter of the organisation concerned, or a data steward.
    SubmitterOrSteward,
}

/// The callers the matrix distinguishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    NoToken,
    BadToken,
    RevokedToken,
    OwnSubmitter,
    OtherSubmitter,
    Analyst,
    Steward,
}

impl Caller {
    pub const ALL: [Caller; 7] = [
        Caller::NoToken,
        Caller::BadToken,
        Caller::RevokedToken,
        Caller::OwnSubmitter,
        Caller::OtherSubmitter,
        Caller::Analyst,
        Caller::Steward,
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
    route("PUT", "/api/v1/submissions/{organisation}/{dataset}/{period}", Access::Submitter, 201),
    route("DELETE", "/api/v1/submissions/{id}", Access::SubmitterOrSteward, 204),
    route("GET", "/api/v1/submissions", Access::AnyToken, 200),
    route("POST", "/api/v1/validate/{dataset}", Access::AnyToken, 200),
    route("GET", "/api/v1/coverage", Access::AnyToken, 200),
    route("GET", "/api/v1/metrics", Access::AnyToken, 200),
    route("GET", "/api/v1/benchmarks/{metric}", Access::AnyToken, 200),
    route("GET", "/api/v1/organisations/{organisation}/profile", Access::AnyToken, 200),
    route("GET", "/api/v1/organisations/{organisation}/targets", Access::AnyToken, 200),
    route("POST", "/api/v1/organisations/{organisation}/targets", Access::SubmitterOrSteward, 201),
    route("DELETE", "/api/v1/organisations/{organisation}/targets/{id}", Access::SubmitterOrSteward, 204),
    route("PUT", "/api/v1/reference/population", Access::Steward, 200),
    route("POST", "/api/v1/tokens", Access::Steward, 201),
    route("GET", "/api/v1/tokens", Access::Steward, 200),
    route("DELETE", "/api/v1/tokens/{id}", Access::Steward, 204),
    route("GET", "/api/v1/audit", Access::Steward, 200),
    route("GET", "/api/v1/whoami", Access::AnyToken, 200),
    route("GET", "/healthz", Access::Open, 200),
    route("GET", "/readyz", Access::Open, 200),
    route("GET", "/metrics", Access::Open, 200),
    route("GET", "/openapi.json", Access::Open, 200),
    route("GET", "/docs/", Access::Open, 200),
    route("GET", "/", Access::Open, 200),
];

impl Route {
    /// The status `caller` gets from this route (with valid input).
    pub fn expected(&self, caller: Caller) -> u16 {
        use Caller as C;
        let allowed = match (self.access, caller) {
            (Access::Open, _) => return self.success,
            (_, C::NoToken | C::BadToken | C::RevokedToken) => return 401,
            (Access::AnyToken, _) => true,
            (Access::Steward, c) => c == C::Steward,
            (Access::Submitter, c) => c == C::OwnSubmitter,
            (Access::SubmitterOrSteward, c) => matches!(c, C::OwnSubmitter | C::Steward),
        };
        if allowed { self.success } else { 403 }
    }
}

fn cell(route: &Route, caller: Caller) -> String {
    match route.expected(caller) {
        401 => "401".into(),
        403 => "403".into(),
        s if matches!(caller, Caller::OwnSubmitter | Caller::OtherSubmitter) && route.path == "/api/v1/submissions" => {
            format!("{s} (its own organisation's only)")
        }
        s if caller == Caller::OwnSubmitter && route.path.starts_with("/api/v1/benchmarks") => {
            format!("{s} (its own rows unredacted)")
        }
        s if caller == Caller::Steward && route.path.starts_with("/api/v1/benchmarks") => format!("{s} (unredacted)"),
        s if matches!(caller, Caller::OtherSubmitter | Caller::Analyst)
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
        let cells: Vec<String> =
            [Caller::NoToken, Caller::OwnSubmitter, Caller::OtherSubmitter, Caller::Analyst, Caller::Steward]
                .iter()
                .map(|c| cell(r, *c))
                .collect();
        out.push_str(&format!("| `{} {}` | {} |\n", r.method, r.path, cells.join(" | ")));
    }
    out
}

/// Markers around the generated table in the README.
pub const README_START: &str =
    "<!-- access table: generated by `edi-hub spec` from crates/edi-hub-server/src/access.rs -->";
pub const README_END: &str = "<!-- end of access table -->";

/// The README with its access table replaced by the generated one.
pub fn readme_with_table(readme: &str) -> Option<String> {
    let start = readme.find(README_START)?;
    let end = readme.find(README_END)?;
    Some(format!("{}{README_START}\n{}{}", &readme[..start], markdown(), &readme[end..]))
}
