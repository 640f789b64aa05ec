//! The OpenID provider, through the `openidconnect` crate: its discovery
//! document and keys (cached for an hour, and read again at once when an
//! ID token names a key the hub does not know: the provider rotated its
//! keys), the authorization URL of a new sign-in, and the callback's code
//! exchange with the ID token checks.

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet,
    EndpointSet, IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, TokenResponse,
};
use tokio::sync::RwLock;

use super::SignInConfig;

/// How long discovered metadata and keys are trusted.
const METADATA_TTL: Duration = Duration::from_secs(3600);
/// The shortest time between two discoveries forced by an unknown key.
const FORCED_GAP: Duration = Duration::from_secs(10);
/// How long a call to the provider may take.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(15);

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// Why a sign-in failed at the provider's end or its ID token was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider could not be reached or answered nonsense (discovery, keys, token endpoint).
    #[error("the sign-in provider could not be used: {0}")]
    Unavailable(String),
    /// The provider refused the authorization code (e.g. used twice or expired).
    #[error("the sign-in provider refused the sign-in code: {0}")]
    CodeRefused(String),
    /// The ID token failed a check (signature, issuer, audience, expiry, nonce, ...).
    #[error("the ID token was refused: {0}")]
    InvalidIdToken(String),
    /// The ID token holds no usable email address.
    #[error("{0}")]
    NoEmail(String),
}

/// Who the provider says signed in (from a checked ID token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// Lowercase.
    pub email: String,
    pub name: Option<String>,
    /// The values of the configured role claim (strings; a single string counts as one).
    pub claims: Vec<String>,
}

/// A new sign-in: where to send the browser, and what the callback must check.
#[derive(Debug)]
pub struct Started {
    pub authorize_url: url::Url,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The provider: its settings and its discovered metadata.
#[derive(Debug)]
pub struct Provider {
    config: SignInConfig,
    http: reqwest::Client,
    metadata: RwLock<Option<(CoreProviderMetadata, Instant)>>,
}

impl Provider {
    pub fn new(config: SignInConfig) -> Provider {
        // No redirects: a provider's endpoints answer directly (and a
        // redirect could point the hub's requests anywhere).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(PROVIDER_TIMEOUT)
            .build()
            .unwrap_or_default();
        Provider { config, http, metadata: RwLock::new(None) }
    }

    pub fn config(&self) -> &SignInConfig {
        &self.config
    }

    /// The provider's metadata and keys: cached, or discovered again when
    /// older than an hour or when `force` (an unknown key) and the last
    /// discovery is more than a few seconds old.
    async fn metadata(&self, force: bool) -> Result<CoreProviderMetadata, ProviderError> {
        if let Some((m, at)) = self.metadata.read().await.as_ref()
            && at.elapsed() < METADATA_TTL
            && !(force && at.elapsed() >= FORCED_GAP)
        {
            return Ok(m.clone());
        }
        let mut slot = self.metadata.write().await;
        if let Some((m, at)) = slot.as_ref()
            && at.elapsed() < METADATA_TTL
            && !(force && at.elapsed() >= FORCED_GAP)
        {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone())
            .map_err(|e| ProviderError::Unavailable(format!("the issuer URL is not valid: {e}")))?;
        let discovered = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|e| ProviderError::Unavailable(format!("discovery at {}: {}", self.config.issuer, chain(&e))))?;
        tracing::info!(
            issuer = %self.config.issuer,
            keys = discovered.jwks().keys().len(),
            "read the sign-in provider's discovery document and keys"
        );
        *slot = Some((discovered.clone(), Instant::now()));
        Ok(discovered)
    }

    /// Reads the discovery document now (at start-up, so a misconfiguration shows in the log).
    pub async fn discover(&self) -> Result<(), ProviderError> {
        self.metadata(false).await.map(|_| ())
    }

    fn client(&self, metadata: CoreProviderMetadata) -> Result<Client, ProviderError> {
        let redirect = RedirectUrl::new(self.config.redirect_url())
            .map_err(|e| ProviderError::Unavailable(format!("the redirect URL is not valid: {e}")))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(self.config.client_secret.expose().to_string())),
        )
        .set_redirect_uri(redirect))
    }

    /// Starts a sign-in: the authorization URL with a fresh `state`, `nonce`
    /// and PKCE challenge (S256), asking for the `openid email profile` scopes.
    pub async fn start(&self) -> Result<Started, ProviderError> {
        let client = self.client(self.metadata(false).await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (authorize_url, state, nonce) = client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(challenge)
            .url();
        Ok(Started {
            authorize_url,
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the callback's code (with the PKCE verifier) and checks the
    /// ID token: signature against the provider's keys, issuer, audience,
    /// expiry and the sign-in's nonce.
    pub async fn finish(&self, code: &str, pkce_verifier: &str, nonce: &str) -> Result<Identity, ProviderError> {
        let client = self.client(self.metadata(false).await?)?;
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|e| ProviderError::Unavailable(format!("the provider has no token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()));
        let response = request.request_async(&self.http).await.map_err(|e| match e {
            RequestTokenError::ServerResponse(r) => ProviderError::CodeRefused(r.to_string()),
            other => ProviderError::Unavailable(format!("the token endpoint: {}", chain(&other))),
        })?;
        let id_token = response
            .id_token()
            .ok_or_else(|| ProviderError::Unavailable("the token endpoint sent no ID token".into()))?
            .to_string();
        match self.verify(&client, &id_token, nonce) {
            Err(ProviderError::InvalidIdToken(reason)) if reason.starts_with(UNKNOWN_KEY) => {
                // The provider may have rotated its keys: read them again, once.
                let client = self.client(self.metadata(true).await?)?;
                self.verify(&client, &id_token, nonce)
            }
            other => other,
        }
    }

    /// Checks an ID token (compact JWS) with `client`'s keys, issuer and client id.
    fn verify(&self, client: &Client, id_token: &str, nonce: &str) -> Result<Identity, ProviderError> {
        verify_id_token(client, id_token, nonce, self.config.role_claim.as_deref())
    }
}

/// The start of the reason given for a token signed with a key the hub does not know.
const UNKNOWN_KEY: &str = "no key of the provider matches";

fn verify_id_token(
    client: &Client,
    id_token: &str,
    nonce: &str,
    role_claim: Option<&str>,
) -> Result<Identity, ProviderError> {
    let token: openidconnect::core::CoreIdToken =
        id_token.parse().map_err(|e| ProviderError::InvalidIdToken(format!("not a JSON web token: {e}")))?;
    let verifier = client.id_token_verifier();
    let claims = token.claims(&verifier, &Nonce::new(nonce.to_string())).map_err(|e| {
        ProviderError::InvalidIdToken(match e {
            ClaimsVerificationError::SignatureVerification(SignatureVerificationError::NoMatchingKey) => {
                format!("{UNKNOWN_KEY} the token's key id")
            }
            ClaimsVerificationError::SignatureVerification(s) => format!("the signature does not verify: {s}"),
            ClaimsVerificationError::Expired(s) => format!("it has expired: {s}"),
            ClaimsVerificationError::InvalidAudience(s) => format!("it is not for this hub (audience): {s}"),
            ClaimsVerificationError::InvalidIssuer(s) => format!("it is from another issuer: {s}"),
            ClaimsVerificationError::InvalidNonce(s) => format!("its nonce is not this sign-in's: {s}"),
            other => other.to_string(),
        })
    })?;
    if claims.email_verified() == Some(false) {
        return Err(ProviderError::NoEmail("the provider says this account's email address is not verified".into()));
    }
    let email = claims
        .email()
        .map(|e| e.as_str().trim().to_lowercase())
        .filter(|e| edi_hub_store::Subject::email(e).is_ok())
        .ok_or_else(|| {
            ProviderError::NoEmail("the provider sent no email address for this account (the 'email' claim)".into())
        })?;
    let name = claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().chars().take(200).collect());
    let values = match role_claim {
        Some(claim) => claim_values(id_token, claim),
        None => Vec::new(),
    };
    Ok(Identity {
        issuer: claims.issuer().as_str().to_string(),
        subject: claims.subject().as_str().to_string(),
        email,
        name,
        claims: values,
    })
}

/// The string values of `claim` in a (checked) ID token's payload: an array's
/// strings, or a single string.
fn claim_values(id_token: &str, claim: &str) -> Vec<String> {
    let payload = id_token.split('.').nth(1).unwrap_or_default();
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')) else {
        return Vec::new();
    };
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return Vec::new();
    };
    match json.get(claim) {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => {
            items.iter().filter_map(|v| v.as_str().map(str::to_string)).take(edi_hub_store::MAX_CLAIM_VALUES).collect()
        }
        _ => Vec::new(),
    }
}

/// An error with its sources, for logs and pages (never holds a secret: the
/// provider's answers are about the code, not the client secret).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
