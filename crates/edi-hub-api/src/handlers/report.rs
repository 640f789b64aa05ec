//! The printable borough report: the profile's figures as one HTML document
//! laid out for A4.

use axum::extract::{Path, State};
use axum::http::header::{ACCEPT, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use edi_hub_query::Answer;
use edi_hub_store::PeriodState;
use serde::Deserialize;
use utoipa::IntoParams;

use super::benchmarks::log_unredacted_read;
use super::paths::{organisation_in_path, period_param};
use super::profile::profile_answers;
use super::query::QueryParams;
use super::targets::visible_targets;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::report::Report;

/// The report's media type.
pub const HTML_TYPE: &str = "text/html; charset=utf-8";

/// The document loads nothing and runs nothing: inline styles only.
const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/// Query of the report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The quarter, `YYYY-Qn`.
    #[param(pattern = r"^[0-9]{4}-Q[1-4]$", example = "2025-Q1")]
    period: String,
}

/// Whether `Accept` admits HTML (absent, empty, `text/html`, `text/*` or `*/*`).
fn accepts_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else { return true };
    if accept.trim().is_empty() {
        return true;
    }
    accept.split(',').any(|part| {
        let mut pieces = part.split(';');
        let media = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        q > 0.0 && matches!(media.as_str(), "text/html" | "text/*" | "*/*")
    })
}

/// A printable report of one borough for one quarter (HTML, for A4).
///
/// Every measure of the catalogue at its default settings beside London,
/// the borough's inner/outer London group and its sub-regional
/// partnership, with a plain-English sentence each, a chart each (inline
/// SVG with a text alternative), the 95% interval and the flag against
/// London, the action-plan targets you may see (five at most, those off
/// track or without data first), what `[c]` means and the
/// release the figures come from (or that they are provisional). The
/// figures are exactly the profile's for the same caller (`GET
/// /api/v1/organisations/{organisation}/profile?period=`): the same
/// disclosure control and release rules; a withheld figure prints as `[c]`.
/// Print it, or save it as PDF, from a browser: it is laid out for A4
/// (three pages). A quarter not yet published is 404 unless you may see the
/// borough's provisional figures (its own submitters and data stewards).
#[utoipa::path(
    get,
    path = "/api/v1/organisations/{organisation}/report",
    tag = "benchmarks",
    security(("bearer" = [])),
    params(("organisation" = String, Path, description = "GSS code", example = "E09000015", pattern = r"^E090000(0[1-9]|[12][0-9]|3[0-3])$"), ReportQuery),
    responses(
        (status = 200, description = "The report, an HTML document laid out for A4", content_type = "text/html", body = String),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organisation, or a quarter not yet published that you may not see provisionally", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 406, description = "`Accept` does not admit text/html", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "The period is missing or wrong (the problem names it)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 503, description = "The access log cannot be written, so figures you would see unredacted are not served", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn report(
    State(app): State<AppState>,
    caller: Caller,
    Path(organisation): Path<String>,
    query: QueryParams<ReportQuery>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let organisation = organisation_in_path(&organisation)?;
    let period = period_param("period", &query.value.period)?;
    if !accepts_html(&headers) {
        return Err(ApiError::not_acceptable("the report is available as text/html"));
    }
    let viewer = caller.viewer();
    let answers = profile_answers(&app, viewer, organisation, period).await?;
    let collecting = answers
        .first()
        .and_then(|a| a.releases.iter().find(|r| r.period == period))
        .is_none_or(|r| r.state == PeriodState::Collecting);
    if collecting && !viewer.sees_unredacted(organisation) {
        return Err(ApiError::not_found(format!(
            "{period} has not been published yet: its figures are shown once a data steward releases the quarter \
             (until then only {}'s submitters and data stewards see them, as provisional)",
            organisation.name()
        )));
    }
    let read: Vec<&Answer> = answers.iter().collect();
    log_unredacted_read(&app, &caller, viewer, format!("report/{organisation}"), &read).await?;
    let targets = visible_targets(&app, &caller, organisation, Some(period)).await?;
    let document = Report {
        organisation,
        period,
        answers: &answers,
        targets: &targets,
        viewer,
        min_count: app.engine.policy().min_count,
        synthetic: app.config.synthetic,
        generated_at: Utc::now(),
    }
    .render();
    let mut response = document.into_response();
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(HTML_TYPE));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(REPORT_CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"report-{organisation}-{period}.html\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn html_negotiation() {
        assert!(accepts_html(&HeaderMap::new()));
        assert!(accepts_html(&accept("text/html,application/xhtml+xml,*/*;q=0.8")));
        assert!(accepts_html(&accept("*/*")));
        assert!(!accepts_html(&accept("application/json")));
        assert!(!accepts_html(&accept("text/html;q=0, application/json")));
    }
}
