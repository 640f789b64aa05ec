//! Per-token rate limiting: a token bucket per token id, refilled at the
//! configured rate, with a burst of one second's worth. Over the rate the
//! answer is 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::ApiError;

/// Buckets kept before the idle ones are dropped.
const MAX_BUCKETS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by token id.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: u32,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        RateLimiter { per_second, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `key`'s bucket; `Err(seconds)` when empty.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        if self.per_second == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_second);
        let now = Instant::now();
        // A panic elsewhere cannot leave a bucket half-written (each is two
        // numbers), so a poisoned lock keeps limiting rather than letting
        // every request through.
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(key) {
            buckets.retain(|_, b| now.duration_since(b.at).as_secs_f64() < 1.0);
        }
        let bucket = buckets.entry(key.to_string()).or_insert(Bucket { tokens: rate, at: now });
        bucket.tokens = (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * rate).min(rate);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// The rate-limit key of a request: the token's id (its public part), or
/// a session's handle (a prefix of its id's hash); never a token or a session id.
fn key(app: &AppState, request: &Request) -> String {
    let headers = request.headers();
    if let Some(token) = crate::auth::bearer_token(headers) {
        return token
            .strip_prefix("edi_")
            .and_then(|t| t.split_once('_'))
            .map_or_else(|| "anonymous".to_string(), |(id, _)| id.chars().take(16).collect());
    }
    app.sign_in
        .as_ref()
        .and_then(|p| crate::sign_in::cookies::read(headers, crate::sign_in::cookies::session_name(p.config())))
        .map_or_else(|| "anonymous".to_string(), |id| format!("session:{}", edi_hub_store::session_handle(id)))
}

/// Middleware applying the limiter to every `/api/v1` request.
pub async fn limit(State(app): State<AppState>, request: Request, next: Next) -> Response {
    match app.limiter.check(&key(&app, &request)) {
        Ok(()) => next.run(request).await,
        Err(retry_after) => ApiError::too_many_requests(retry_after).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_and_refills() {
        let l = RateLimiter::new(5);
        for _ in 0..5 {
            assert!(l.check("a").is_ok());
        }
        assert_eq!(l.check("a"), Err(1));
        assert!(l.check("b").is_ok());
        let off = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(off.check("a").is_ok());
        }
    }
}
