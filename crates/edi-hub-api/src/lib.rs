//! The EDI Hub's HTTP API: an axum router over the store and the query
//! engine, every route documented by OpenAPI (utoipa), with authentication
//! and the access table, content negotiation and the encoded-answer cache,
//! problem documents for every error, rate limiting, telemetry and the
//! embedded dashboard.
//!
//! - [`app`]: shared state, the middleware stack, serving;
//! - [`handlers`]: one module per resource;
//! - [`access`] and [`auth`]: who may call each route, and who the caller is
//!   (a bearer token, or a session cookie of [`sign_in`], single sign-on);
//! - [`format`] and [`answer_cache`]: the four answer formats and their cache;
//! - [`upload`]: reading an uploaded file (media type, gzip, size, validation);
//! - [`error`]: `application/problem+json` for every error;
//! - [`rate_limit`], [`telemetry`], [`dashboard`], [`spec`].

pub mod access;
pub mod answer_cache;
pub mod app;
pub mod auth;
pub mod dashboard;
pub mod error;
pub mod format;
pub mod handlers;
pub mod rate_limit;
pub mod report;
pub mod scheduler;
pub mod sign_in;
pub mod spec;
pub mod telemetry;
pub mod upload;

pub use app::{App, AppState, DATA_HEADER, SYNTHETIC, ServerConfig, router, router_with, serve};
