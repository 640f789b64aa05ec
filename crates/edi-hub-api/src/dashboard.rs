//! The web dashboard: a static single page at `/` and its assets under
//! `/dashboard/`, all embedded in the binary (no CDN, no network), plus
//! `/dashboard/reference.json`, the reference lists the page needs
//! (authorities with their comparison groups, ethnic group labels, datasets),
//! generated from the core crate. The page reads everything else from the
//! `/api/v1` routes with the token the user pastes in.
//!
//! Caching: the vendored chart libraries have versioned file names and are
//! cached for a year; the page and its own scripts are revalidated on every
//! load (`no-cache` with an `ETag`, answered by 304 when unchanged), so an
//! upgraded hub is picked up at once. Text assets are sent gzip-compressed
//! to clients that accept it (compressed once, on first use).

use std::io::Write;
use std::sync::OnceLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use edi_hub_core::benchmark::Scope;
use edi_hub_core::{Dataset, Organisation, Period, ethnicity};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::error::ApiError;

/// Content security policy of the page: nothing from other origins. Inline
/// styles are allowed because the chart library styles its SVG inline.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
                   connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// How an asset may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caching {
    /// Revalidate each time (ETag).
    Revalidate,
    /// Versioned file name: keep for a year.
    Immutable,
}

struct Asset {
    path: &'static str,
    content_type: &'static str,
    caching: Caching,
    bytes: &'static [u8],
}

macro_rules! asset {
    ($path:literal, $type:expr, $caching:expr) => {
        Asset {
            path: $path,
            content_type: $type,
            caching: $caching,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/dashboard/", $path)),
        }
    };
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file of the dashboard (paths under `/dashboard/`, except the page itself).
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8", Caching::Revalidate),
    asset!("app.css", "text/css; charset=utf-8", Caching::Revalidate),
    asset!("app.js", JS, Caching::Revalidate),
    asset!("api.js", JS, Caching::Revalidate),
    asset!("ui.js", JS, Caching::Revalidate),
    asset!("charts.js", JS, Caching::Revalidate),
    asset!("views/metric.js", JS, Caching::Revalidate),
    asset!("views/trend.js", JS, Caching::Revalidate),
    asset!("views/payband.js", JS, Caching::Revalidate),
    asset!("views/profile.js", JS, Caching::Revalidate),
    asset!("views/report.js", JS, Caching::Revalidate),
    asset!("views/coverage.js", JS, Caching::Revalidate),
    asset!("views/upload.js", JS, Caching::Revalidate),
    asset!("favicon.svg", "image/svg+xml", Caching::Revalidate),
    asset!("vendor/d3-7.9.0.min.js", JS, Caching::Immutable),
    asset!("vendor/plot-0.6.17.umd.min.js", JS, Caching::Immutable),
    asset!("vendor/LICENSES.txt", "text/plain; charset=utf-8", Caching::Revalidate),
];

/// An asset ready to send: its bytes, gzip-compressed bytes and ETag.
struct Prepared {
    content_type: &'static str,
    caching: Caching,
    plain: &'static [u8],
    gzip: Option<Vec<u8>>,
    etag: HeaderValue,
}

fn prepare(content_type: &'static str, caching: Caching, plain: &'static [u8]) -> Prepared {
    let digest = Sha256::digest(plain);
    let etag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..12])))
        .unwrap_or_else(|_| HeaderValue::from_static("\"0\""));
    let gzip = (plain.len() > 512).then(|| gzip(plain)).flatten().filter(|g| g.len() < plain.len());
    Prepared { content_type, caching, plain, gzip, etag }
}

fn gzip(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).ok()?;
    encoder.finish().ok()
}

/// The prepared assets (index-aligned with [`ASSETS`]) and the reference list.
fn prepared() -> &'static (Vec<Prepared>, Prepared) {
    static PREPARED: OnceLock<(Vec<Prepared>, Prepared)> = OnceLock::new();
    PREPARED.get_or_init(|| {
        let assets = ASSETS.iter().map(|a| prepare(a.content_type, a.caching, a.bytes)).collect();
        let reference: &'static [u8] = serde_json::to_vec(&reference()).unwrap_or_default().leak();
        (assets, prepare("application/json", Caching::Revalidate, reference))
    })
}

/// The reference lists the page needs, from the core crate.
fn reference() -> serde_json::Value {
    let organisations: Vec<_> = Organisation::all()
        .map(|o| {
            json!({
                "code": o.code(),
                "name": o.name(),
                "inner_outer": if Scope::InnerLondon.includes(o) { "inner_london" } else { "outer_london" },
                "sub_region": o.sub_region().map(|r| r.id()),
            })
        })
        .collect();
    let scopes: serde_json::Map<_, _> =
        Scope::summaries().into_iter().map(|s| (s.id().to_string(), json!(s.name()))).collect();
    let mut groups = serde_json::Map::new();
    for code in [ethnicity::ETHNIC_MINORITY, ethnicity::WHITE_MINORITY]
        .into_iter()
        .chain(ethnicity::HIGH_LEVEL)
        .chain(ethnicity::DETAILED.iter().map(|(c, _)| *c))
        .chain([ethnicity::NOT_STATED])
    {
        groups.insert(code.to_string(), json!(ethnicity::label(code).unwrap_or(code)));
    }
    let datasets: Vec<_> = Dataset::SUBMITTED.iter().map(|d| json!({"name": d.name(), "title": d.title()})).collect();
    json!({
        "organisations": organisations,
        "scopes": scopes,
        "groups": groups,
        "high_level": ethnicity::HIGH_LEVEL,
        "datasets": datasets,
        "current_period": Period::containing(chrono::Utc::now().date_naive()).to_string(),
    })
}

/// The dashboard's routes: `/` and `/dashboard/{*file}`.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(page)).route("/dashboard/", get(page)).route("/dashboard/{*file}", get(file))
}

async fn page(headers: HeaderMap) -> Response {
    let (assets, _) = prepared();
    match ASSETS.iter().position(|a| a.path == "index.html") {
        Some(i) => send(&assets[i], &headers),
        None => ApiError::not_found("the dashboard is not built into this hub").into_response(),
    }
}

async fn file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let (assets, reference) = prepared();
    if file == "reference.json" {
        return send(reference, &headers);
    }
    match ASSETS.iter().position(|a| a.path == file) {
        Some(i) => send(&assets[i], &headers),
        None => {
            let shown: String = file.chars().take(100).collect();
            ApiError::not_found(format!("the dashboard has no file {shown}")).into_response()
        }
    }
}

/// Whether the client accepts gzip (`Accept-Encoding`, any q above 0).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(',')).any(
        |item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or("");
            let q = parts.find_map(|p| p.strip_prefix("q=")).and_then(|q| q.parse::<f32>().ok()).unwrap_or(1.0);
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && q > 0.0
        },
    )
}

fn send(asset: &Prepared, request: &HeaderMap) -> Response {
    let cache = match asset.caching {
        Caching::Revalidate => "no-cache",
        Caching::Immutable => "public, max-age=31536000, immutable",
    };
    let mut response = if request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim().trim_start_matches("W/") == asset.etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        match &asset.gzip {
            Some(gz) if accepts_gzip(request) => {
                ([(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))], gz.clone()).into_response()
            }
            _ => asset.plain.into_response(),
        }
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::ETAG, asset.etag.clone());
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    response
}

/// Total size of the embedded dashboard files, plain and as sent to a client
/// accepting gzip (the end-to-end tests print it).
pub fn asset_sizes() -> (usize, usize) {
    let (assets, _) = prepared();
    assets
        .iter()
        .fold((0, 0), |(plain, gz), a| (plain + a.plain.len(), gz + a.gzip.as_ref().map_or(a.plain.len(), Vec::len)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br"));
        assert!(accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("br, gzip;q=0"));
        assert!(!accepts_gzip(&h));
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("identity, *;q=0.5"));
        assert!(accepts_gzip(&h));
    }

    #[test]
    fn every_page_reference_is_embedded() {
        let index = std::str::from_utf8(ASSETS[0].bytes).unwrap();
        for part in index.split("/dashboard/").skip(1) {
            let path: String = part.chars().take_while(|c| !matches!(c, '"' | '\'' | '?' | '#')).collect();
            assert!(path == "reference.json" || ASSETS.iter().any(|a| a.path == path), "{path} is not embedded");
        }
        assert!(!index.contains("http://") && !index.contains("https://"), "the page loads nothing from elsewhere");
    }

    #[test]
    fn reference_lists_every_authority() {
        let r = reference();
        assert_eq!(r["organisations"].as_array().unwrap().len(), 33);
        assert_eq!(r["groups"]["ethnic_minority"], "Black, Asian and Multi-ethnic");
    }
}
