//! The few pages a person sees at the end of a sign-in that did not end in
//! the dashboard: plain HTML with the dashboard's style sheet, nothing
//! else loaded, every value escaped.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

// One escape for every HTML page the hub writes.
use crate::report::esc as escape;

/// Nothing but the hub's own style sheet.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

/// A page with a title, paragraphs (escaped) and a link back to the dashboard when `back`.
pub fn page(status: StatusCode, title: &str, paragraphs: &[String], back: bool) -> Response {
    let body: String = paragraphs.iter().map(|p| format!("<p>{}</p>\n", escape(p))).collect();
    let link = if back { "<p><a href=\"/\">Back to the dashboard</a></p>\n" } else { "" };
    let html = format!(
        "<!doctype html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · EDI Hub</title>\n<link rel=\"stylesheet\" href=\"/dashboard/app.css\">\n</head>\n\
         <body>\n<main id=\"sign-in-result\" class=\"sign-in-page\" data-status=\"{status}\">\n<h1>{title}</h1>\n{body}{link}</main>\n\
         </body>\n</html>\n",
        title = escape(title),
        status = status.as_u16(),
    );
    let mut response = (status, html).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Signed in at the provider, but no steward has given this person access.
pub fn not_mapped(email: &str) -> Response {
    page(
        StatusCode::FORBIDDEN,
        "Ask the hub's steward for access",
        &[
            format!(
                "You signed in with your council account as {email}, but this hub has not given that account access."
            ),
            "Ask the hub's data steward to add you, with the role you need (submitter for your council, analyst or \
             steward). Then sign in again."
                .to_string(),
        ],
        false,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        assert_eq!(escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
    }
}
