//! The sign-in flow cookie: from `/auth/login` to `/auth/callback` the
//! browser carries the sign-in's `state`, `nonce` and PKCE verifier in a
//! short-lived, HttpOnly cookie, signed (HMAC-SHA256) with a key derived
//! from the client secret, so any hub process sharing the configuration
//! can finish a sign-in another started, and nothing is written to the
//! store before the provider has vouched for the person.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::Secret;

/// How long a sign-in may take at the provider.
pub const FLOW_SECONDS: i64 = 600;
/// Longest flow cookie value read.
const MAX_VALUE: usize = 2048;

/// What the callback checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// When the sign-in started (Unix seconds).
    pub started: i64,
}

/// Why a callback's flow cookie is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowError {
    /// No flow cookie: the sign-in was not started in this browser.
    Missing,
    /// Not signed by this hub, or not readable.
    Forged,
    /// Older than [`FLOW_SECONDS`].
    Expired,
    /// The `state` of the callback is not the sign-in's.
    WrongState,
}

fn key(secret: &Secret) -> Hmac<Sha256> {
    // The flow key is derived from the client secret; the secret itself signs nothing.
    let mut derive = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes()).expect(ANY_LENGTH);
    derive.update(b"edi-hub sign-in flow cookie v1");
    let derived = derive.finalize().into_bytes();
    Hmac::<Sha256>::new_from_slice(&derived).expect(ANY_LENGTH)
}

const ANY_LENGTH: &str = "HMAC-SHA256 takes a key of any length";

impl Flow {
    /// The cookie value: payload and signature, both base64url.
    pub fn seal(&self, secret: &Secret) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let mut mac = key(secret);
        mac.update(payload.as_bytes());
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }

    /// The flow of a cookie value, checked: signed by this hub, recent, and
    /// started with the `state` the provider sent back.
    pub fn open(value: Option<&str>, state: &str, secret: &Secret) -> Result<Flow, FlowError> {
        let value = value.ok_or(FlowError::Missing)?;
        if value.len() > MAX_VALUE {
            return Err(FlowError::Forged);
        }
        let (payload, signature) = value.split_once('.').ok_or(FlowError::Forged)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| FlowError::Forged)?;
        let mut mac = key(secret);
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).map_err(|_| FlowError::Forged)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| FlowError::Forged)?;
        let flow: Flow = serde_json::from_slice(&bytes).map_err(|_| FlowError::Forged)?;
        let age = Utc::now().timestamp() - flow.started;
        if !(0..=FLOW_SECONDS).contains(&age) {
            return Err(FlowError::Expired);
        }
        if !bool::from(flow.state.as_bytes().ct_eq(state.as_bytes())) {
            return Err(FlowError::WrongState);
        }
        Ok(flow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(started: i64) -> Flow {
        Flow { state: "s1".into(), nonce: "n1".into(), pkce_verifier: "v1".into(), started }
    }

    #[test]
    fn a_sealed_flow_opens_only_with_its_state_key_and_in_time() {
        let secret = Secret::new("client secret".into());
        let now = Utc::now().timestamp();
        let sealed = flow(now).seal(&secret);
        assert_eq!(Flow::open(Some(&sealed), "s1", &secret), Ok(flow(now)));
        assert_eq!(Flow::open(None, "s1", &secret), Err(FlowError::Missing));
        assert_eq!(Flow::open(Some(&sealed), "s2", &secret), Err(FlowError::WrongState));
        let other = Secret::new("another secret".into());
        assert_eq!(Flow::open(Some(&sealed), "s1", &other), Err(FlowError::Forged));
        let old = flow(now - FLOW_SECONDS - 1).seal(&secret);
        assert_eq!(Flow::open(Some(&old), "s1", &secret), Err(FlowError::Expired));
        for garbage in ["", ".", "abc", "abc.def", "%%%.%%%", &"a".repeat(5000)] {
            assert_eq!(Flow::open(Some(garbage), "s1", &secret), Err(FlowError::Forged), "{garbage}");
        }
        // A tampered payload fails the signature.
        let (payload, signature) = sealed.split_once('.').unwrap();
        let mut forged: Flow = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        forged.nonce = "attacker".into();
        let tampered = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap()));
        assert_eq!(Flow::open(Some(&tampered), "s1", &secret), Err(FlowError::Forged));
    }
}
