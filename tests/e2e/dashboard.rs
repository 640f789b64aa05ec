//! The web dashboard: the page and every asset it loads are served from the
//! binary, with content types, caching and gzip; `/whoami` tells the page
//! who its token is. (The views themselves are tested in a real browser by
//! `scripts/browser-test.sh`.)

use std::io::Read;

use crate::support::TestHub;

/// Every `/dashboard/...` path named in `text` (the page's and the scripts' references).
fn referenced(text: &str) -> Vec<String> {
    text.split("/dashboard/")
        .skip(1)
        .map(|rest| rest.chars().take_while(|c| !matches!(c, '"' | '\'' | '`' | '?' | '#' | ')')).collect())
        .filter(|p: &String| !p.is_empty())
        .collect()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_from_the_binary() {
    let hub = TestHub::start().await;
    let page = hub.client.get(hub.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let html = page.text().await.unwrap();
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from the network");
    let mut assets = referenced(&html);
    assert!(assets.len() >= 4, "{assets:?}");
    // The entry module imports the views by relative path.
    for module in ["app.js", "ui.js", "api.js", "charts.js"] {
        let r = hub.client.get(hub.url(&format!("/dashboard/{module}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{module}");
        assert_eq!(r.headers()["content-type"], "text/javascript; charset=utf-8");
        // The SVG namespace is a name, not an address.
        let js = r.text().await.unwrap().replace("http://www.w3.org/2000/svg", "");
        assert!(!js.contains("https://") && !js.contains("http://"), "{module} loads nothing from the network");
        for import in js.split("from \"./").skip(1) {
            let path: String = import.chars().take_while(|c| *c != '"').collect();
            assets.push(path);
        }
    }
    assets.push("reference.json".into());
    for asset in &assets {
        let r = hub.client.get(hub.url(&format!("/dashboard/{asset}"))).send().await.unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        let etag = r.headers()["etag"].clone();
        let immutable = r.headers()["cache-control"].to_str().unwrap().contains("immutable");
        assert_eq!(immutable, asset.starts_with("vendor/"), "{asset}: only versioned files are cached for long");
        let again = hub.client.get(hub.url(&format!("/dashboard/{asset}"))).header("if-none-match", etag).send().await;
        assert_eq!(again.unwrap().status(), 304, "{asset} revalidates");
    }
    let missing = hub.client.get(hub.url("/dashboard/nope.js")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn assets_are_gzip_compressed_for_clients_that_accept_it() {
    let hub = TestHub::start().await;
    let path = "/dashboard/vendor/d3-7.9.0.min.js";
    let plain = hub.client.get(hub.url(path)).send().await.unwrap().bytes().await.unwrap();
    let r = hub.client.get(hub.url(path)).header("accept-encoding", "gzip, br").send().await.unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["vary"], "accept-encoding");
    let compressed = r.bytes().await.unwrap();
    assert!(compressed.len() * 2 < plain.len(), "{} of {}", compressed.len(), plain.len());
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut unzipped).unwrap();
    assert_eq!(unzipped, plain);
    let (total, gzipped) = edi_hub_api::dashboard::asset_sizes();
    println!("dashboard assets: {total} bytes, {gzipped} bytes gzip-compressed");
}

#[tokio::test]
async fn the_reference_lists_and_whoami_describe_the_caller() {
    let hub = TestHub::start().await;
    let reference: serde_json::Value =
        hub.client.get(hub.url("/dashboard/reference.json")).send().await.unwrap().json().await.unwrap();
    assert_eq!(reference["organisations"].as_array().unwrap().len(), 33);
    assert_eq!(reference["scopes"]["west_london_alliance"], "West London Alliance");
    let harrow = hub.submitter("E09000015").await;
    let me = hub.get_json("/api/v1/whoami", &harrow).await;
    assert_eq!(me["role"], "submitter");
    assert_eq!(me["organisation"], "E09000015");
    assert_eq!(me["organisation_name"], "Harrow");
    assert_eq!(me["sees_all_unredacted"], false);
    let steward = hub.steward().await;
    let me = hub.get_json("/api/v1/whoami", &steward).await;
    assert_eq!(me["role"], "steward");
    assert!(me["organisation"].is_null());
    assert_eq!(me["sees_all_unredacted"], true);
    assert!(!me.to_string().contains(&steward), "the token itself is never echoed");
    let r = hub.client.get(hub.url("/api/v1/whoami")).send().await.unwrap();
    assert_eq!(r.status(), 401);
}
