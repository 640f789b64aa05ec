//! API errors as `application/problem+json` (RFC 9457), with one mapping
//! from every internal error to an HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use edi_hub_core::validate::Problem;
use serde::Serialize;
use utoipa::ToSchema;

/// One problem found in an uploaded file. In an Excel workbook the problem
/// also says where Excel shows it: `column` is the column letter and name,
/// `C (headcount)`, and `message` starts with the sheet and the cell or row
/// as Excel numbers them (the header is row 1), `sheet 'workforce', cell
/// C5: ...`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemItem {
    /// Data row counted from 1 (the first row after a CSV header or after an
    /// Excel sheet's header row, skipping blank rows; the first Parquet
    /// row); null for a problem with the whole file.
    #[schema(nullable)]
    pub row: Option<u64>,
    /// The column concerned (for a request body, the field; in an Excel
    /// workbook, its letter and name, `C (headcount)`); null when the
    /// problem is not about one column.
    #[schema(nullable)]
    pub column: Option<String>,
    /// What is wrong, in plain English (in an Excel workbook, after the
    /// sheet and cell, `sheet 'workforce', cell C5: `).
    pub message: String,
}

/// An error answer (RFC 9457 problem details).
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemDetails {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// What went wrong in this case.
    pub detail: String,
    /// For validation failures: every problem found in the file (for a
    /// request body such as a target, in its fields: `column` names the field).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemItem>>,
    /// For a bad parameter: its name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parameter: Option<String>,
}

/// An error to send to the client (boxed: errors are rare, results stay small).
#[derive(Debug)]
pub struct ApiError(Box<Inner>);

#[derive(Debug)]
struct Inner {
    status: StatusCode,
    slug: &'static str,
    title: &'static str,
    detail: String,
    errors: Option<Vec<Problem>>,
    parameter: Option<String>,
    retry_after: Option<u64>,
    /// The methods a path takes (405).
    allow: Option<String>,
}

impl ApiError {
    fn new(status: StatusCode, slug: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        ApiError(Box::new(Inner {
            status,
            slug,
            title,
            detail: detail.into(),
            errors: None,
            parameter: None,
            retry_after: None,
            allow: None,
        }))
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "Not allowed", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }

    pub fn bad_parameter(parameter: &str, detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid-parameter", "Invalid parameter", detail);
        e.0.parameter = Some(parameter.to_string());
        e
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", "Unprocessable request", detail)
    }

    pub fn invalid_file(problems: Vec<Problem>) -> Self {
        let n = problems.len();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
            "The file did not pass validation",
            format!("{n} problem{} found; nothing was stored", if n == 1 { "" } else { "s" }),
        );
        e.0.errors = Some(problems);
        e
    }

    /// A request body with problems in named fields: every problem is
    /// listed in `errors` (its `column` names the field, `row` is null) and
    /// `parameter` names the first field.
    pub fn invalid_fields(problems: Vec<Problem>) -> Self {
        let n = problems.len();
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid-request",
            "The request is not valid",
            format!("{n} problem{} found; nothing was stored", if n == 1 { "" } else { "s" }),
        );
        e.0.parameter = problems.first().and_then(|p| p.column.clone());
        e.0.errors = Some(problems);
        e
    }

    pub fn unsupported_media_type(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type", detail)
    }

    pub fn not_acceptable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_ACCEPTABLE, "not-acceptable", "Not acceptable", detail)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            "Upload too large",
            format!("the upload is larger than the limit of {limit} bytes (after decompression)"),
        )
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "Bad request", detail)
    }

    pub fn too_many_requests(retry_after: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            "Too many requests",
            format!("this token is over its request rate; retry after {retry_after} s"),
        );
        e.0.retry_after = Some(retry_after);
        e
    }

    /// 405, naming the methods the path takes (also in `Allow`).
    pub fn method_not_allowed(allowed: &[&str]) -> Self {
        let allow = allowed.join(", ");
        let mut e = Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            "Method not allowed",
            format!("this path takes {allow}"),
        );
        e.0.allow = Some(allow);
        e
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable", detail)
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            "the hub could not complete the request; it has been logged",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }
}

impl From<edi_hub_store::Error> for ApiError {
    fn from(e: edi_hub_store::Error) -> Self {
        use edi_hub_store::Error as E;
        match e {
            E::NotFound(what) => ApiError::not_found(format!("{what} does not exist")),
            E::AlreadyWithdrawn(id) => ApiError::conflict(format!("submission {id} is already withdrawn")),
            E::Withheld(detail) => ApiError::conflict(detail),
            E::Conflict(detail) => ApiError::conflict(detail),
            E::Contended => ApiError::unavailable("the submission ledger is busy; try again"),
            E::ObjectStore(e) => ApiError::unavailable(format!("the object store is not available: {e}")),
            other => ApiError::internal(other),
        }
    }
}

impl From<edi_hub_query::Error> for ApiError {
    fn from(e: edi_hub_query::Error) -> Self {
        match e {
            edi_hub_query::Error::Store(s) => s.into(),
            e @ edi_hub_query::Error::ReleasePolicy { .. } => ApiError::unavailable(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = *self.0;
        let body = ProblemDetails {
            kind: format!("https://edi-hub.london/problems/{}", e.slug),
            title: e.title.to_string(),
            status: e.status.as_u16(),
            detail: e.detail,
            errors: e.errors.map(|ps| {
                ps.into_iter().map(|p| ProblemItem { row: p.row, column: p.column, message: p.message }).collect()
            }),
            parameter: e.parameter,
        };
        let json = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (e.status, json).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(s) = e.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if let Some(v) = e.allow.as_deref().and_then(|a| HeaderValue::from_str(a).ok()) {
            headers.insert(header::ALLOW, v);
        }
        if e.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"edi-hub\""));
        }
        response
    }
}

/// Result of handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// Turns any error answer that is not yet a problem document (axum's own
/// 405, 400 for an undecodable query, the 408 of the time limit) into one,
/// keeping its status and headers such as `Allow`.
pub async fn problem_for_every_error(response: Response) -> Response {
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    // The sign-in pages a browser is shown are HTML on purpose.
    let is_page = response.headers().get(header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if !(status.is_client_error() || status.is_server_error()) || is_problem || is_page {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let detail = match String::from_utf8_lossy(&text).trim() {
        "" => match status {
            StatusCode::METHOD_NOT_ALLOWED => "this path does not take that method (see the Allow header)".to_string(),
            StatusCode::REQUEST_TIMEOUT => "the request took longer than the hub's time limit".to_string(),
            _ => status.canonical_reason().unwrap_or("error").to_string(),
        },
        t => t.to_string(),
    };
    let slug = status.canonical_reason().unwrap_or("error").to_ascii_lowercase().replace(' ', "-");
    let body = ProblemDetails {
        kind: format!("https://edi-hub.london/problems/{slug}"),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail,
        errors: None,
        parameter: None,
    };
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(serde_json::to_vec(&body).unwrap_or_default()))
}
