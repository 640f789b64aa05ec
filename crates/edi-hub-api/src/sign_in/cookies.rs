//! The session cookie and what protects requests made with it.
//!
//! - The cookie holds a random session id (the store keeps only its hash):
//!   `HttpOnly`, `SameSite=Lax`, `Path=/`, `Max-Age` the session's
//!   lifetime, and `Secure` (with the `__Host-` name prefix) when the hub's
//!   public URL is https.
//! - A request that changes state (any method but GET, HEAD and OPTIONS)
//!   under a cookie session must come from the hub's own origin (`Origin`
//!   equal to the public URL's) and carry the session's CSRF token in
//!   `X-CSRF-Token`. The token is derived from the session id (so every hub
//!   process can check it and nothing more is stored); the dashboard reads
//!   it from `GET /api/v1/whoami`, which a page of another origin cannot read.

use axum::http::header::{COOKIE, ORIGIN};
use axum::http::{HeaderMap, HeaderValue, Method};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::SignInConfig;
use super::flow::FLOW_SECONDS;

/// The header the dashboard sends the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The session cookie's name (`__Host-` prefixed when Secure).
pub fn session_name(config: &SignInConfig) -> &'static str {
    if config.secure() { "__Host-edi-hub-session" } else { "edi-hub-session" }
}

/// The sign-in flow cookie's name.
pub fn flow_name(config: &SignInConfig) -> &'static str {
    if config.secure() { "__Host-edi-hub-sign-in" } else { "edi-hub-sign-in" }
}

/// A `Set-Cookie` value with the hub's attributes; `max_age` 0 deletes the cookie.
fn set_cookie(config: &SignInConfig, name: &str, value: &str, max_age: u64) -> HeaderValue {
    let secure = if config.secure() { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("edi-hub-invalid=; Max-Age=0"))
}

/// Sets the session cookie for a new session.
pub fn session_cookie(config: &SignInConfig, session_id: &str) -> HeaderValue {
    set_cookie(config, session_name(config), session_id, config.session_lifetime.as_secs())
}

/// Deletes the session cookie.
pub fn clear_session(config: &SignInConfig) -> HeaderValue {
    set_cookie(config, session_name(config), "", 0)
}

/// Sets the flow cookie of a sign-in in progress.
pub fn flow_cookie(config: &SignInConfig, sealed: &str) -> HeaderValue {
    set_cookie(config, flow_name(config), sealed, FLOW_SECONDS.unsigned_abs())
}

/// Deletes the flow cookie.
pub fn clear_flow(config: &SignInConfig) -> HeaderValue {
    set_cookie(config, flow_name(config), "", 0)
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn read<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The CSRF token of a session id.
pub fn csrf_token(session_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(format!("edi-hub csrf token v1:{session_id}").as_bytes()))
}

/// Whether a method changes state (and so needs the CSRF checks under a cookie session).
pub fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Why a state-changing request under a cookie session is refused.
pub fn csrf_refusal(config: &SignInConfig, headers: &HeaderMap, session_id: &str) -> Option<&'static str> {
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    if origin != Some(config.origin().as_str()) {
        return Some("a request that changes something must come from the hub's own pages (Origin)");
    }
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("");
    let expected = csrf_token(session_id);
    if sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
        return Some("a request that changes something must carry the session's CSRF token (X-CSRF-Token)");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign_in::Secret;

    fn config(public_url: &str) -> SignInConfig {
        SignInConfig {
            issuer: "https://login.example".into(),
            client_id: "hub".into(),
            client_secret: Secret::new("s".into()),
            public_url: public_url.parse().unwrap(),
            role_claim: None,
            session_lifetime: std::time::Duration::from_secs(3600),
        }
    }

    #[test]
    fn cookies_carry_the_attributes() {
        let https = config("https://hub.example.gov.uk");
        let c = session_cookie(&https, "abc").to_str().unwrap().to_string();
        assert_eq!(c, "__Host-edi-hub-session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600; Secure");
        let http = config("http://127.0.0.1:8080");
        let c = session_cookie(&http, "abc").to_str().unwrap().to_string();
        assert_eq!(c, "edi-hub-session=abc; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600");
        assert!(clear_session(&http).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn cookies_are_read_from_any_cookie_header() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; edi-hub-session=xyz"));
        h.append(COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(read(&h, "edi-hub-session"), Some("xyz"));
        assert_eq!(read(&h, "b"), Some("2"));
        assert_eq!(read(&h, "c"), None);
    }

    #[test]
    fn csrf_needs_the_origin_and_the_token() {
        let c = config("http://127.0.0.1:8080/");
        let mut h = HeaderMap::new();
        assert!(csrf_refusal(&c, &h, "sid").is_some());
        h.insert(ORIGIN, HeaderValue::from_static("http://127.0.0.1:8080"));
        assert!(csrf_refusal(&c, &h, "sid").is_some(), "no token");
        h.insert(CSRF_HEADER, HeaderValue::from_str(&csrf_token("other")).unwrap());
        assert!(csrf_refusal(&c, &h, "sid").is_some(), "another session's token");
        h.insert(CSRF_HEADER, HeaderValue::from_str(&csrf_token("sid")).unwrap());
        assert_eq!(csrf_refusal(&c, &h, "sid"), None);
        h.insert(ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(csrf_refusal(&c, &h, "sid").is_some(), "another origin");
    }
}
