//! Single sign-on for the dashboard with any standard OpenID Connect
//! provider (Microsoft Entra ID, Google, Keycloak, ...): discovery, the
//! authorization code flow with PKCE, `state` and `nonce`, and the ID token
//! checked (signature against the provider's JWKS, issuer, audience,
//! expiry, nonce). A person the stewards have mapped to a role gets a
//! session cookie that acts exactly like a token of that role and
//! organisation (the access table decides, [`crate::access`]); API tokens
//! stay for scripts.
//!
//! - [`provider`]: discovery (cached, re-read when the provider's keys
//!   change), the authorization URL, the code exchange and the ID token checks;
//! - [`flow`]: the short-lived signed cookie that carries `state`, `nonce`
//!   and the PKCE verifier from the sign-in's start to its callback;
//! - [`cookies`]: the session cookie, its CSRF token and the Origin check;
//! - [`handlers`]: `/auth/config`, `/auth/login`, `/auth/callback`, `/auth/logout`;
//! - [`pages`]: the few HTML pages a person sees at the callback.

pub mod cookies;
pub mod flow;
pub mod handlers;
pub mod pages;
pub mod provider;

use std::time::Duration;

use url::Url;

/// A secret read from a file, never printed (its `Debug` shows nothing of it).
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Single sign-on settings of a hub (`serve --oidc-issuer ...`).
#[derive(Debug, Clone)]
pub struct SignInConfig {
    /// The provider's issuer URL (its discovery document is under it).
    pub issuer: String,
    /// The hub's client id at the provider.
    pub client_id: String,
    /// The hub's client secret at the provider.
    pub client_secret: Secret,
    /// The hub's address as people's browsers reach it; the provider sends
    /// them back to `{public_url}/auth/callback`.
    pub public_url: Url,
    /// An ID token claim whose values (e.g. group ids) stewards may map to roles.
    pub role_claim: Option<String>,
    /// How long a session lasts from sign-in.
    pub session_lifetime: Duration,
}

/// Default session lifetime: a working day.
pub const DEFAULT_SESSION_HOURS: u64 = 8;

impl SignInConfig {
    /// The redirect URL to register at the provider.
    pub fn redirect_url(&self) -> String {
        format!("{}/auth/callback", self.public_url.as_str().trim_end_matches('/'))
    }

    /// Whether cookies must be `Secure` (the hub is reached over https).
    pub fn secure(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The origin browsers send in `Origin` for the hub's own pages.
    pub fn origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// Checks the settings before the hub starts.
    pub fn check(&self) -> Result<(), String> {
        let issuer = Url::parse(&self.issuer).map_err(|e| format!("--oidc-issuer '{}': {e}", self.issuer))?;
        if !matches!(issuer.scheme(), "https" | "http") {
            return Err("--oidc-issuer must be an https URL".into());
        }
        if !matches!(self.public_url.scheme(), "https" | "http") || self.public_url.host().is_none() {
            return Err("--public-url must be the hub's http(s) address, e.g. https://edi-hub.example.gov.uk".into());
        }
        if self.public_url.query().is_some() || self.public_url.fragment().is_some() {
            return Err("--public-url takes no query or fragment".into());
        }
        if self.client_id.trim().is_empty() {
            return Err("--oidc-client-id is empty".into());
        }
        if self.client_secret.expose().trim().is_empty() {
            return Err("the client secret file is empty".into());
        }
        if self.session_lifetime.is_zero() {
            return Err("a session must last more than no time".into());
        }
        Ok(())
    }
}
