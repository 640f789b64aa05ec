//! Data safety: what is derived from an uploaded file is data (no side
//! channel), one scheme name for authentication and rate limiting, and the
//! access log read in pages.

use crate::fixtures;
use crate::support::TestHub;

/// `rows` and `checksum` describe the uploaded file: only its organisation
/// and stewards see them (a hash of a small file confirms guesses of its
/// withheld cells; a row count tells how many cells were reported).
#[tokio::test]
async fn rows_and_checksum_go_only_to_the_owner_and_stewards() {
    let hub = TestHub::start().await;
    let own = hub.submitter("E09000015").await;
    let upload: serde_json::Value =
        hub.upload_csv(&own, "E09000015", "casework", "2025-Q1", fixtures::CASEWORK).await.json().await.unwrap();
    assert_eq!(upload["rows"], 3, "the uploader's 201 answer has the file's rows");
    assert!(upload["checksum"].as_str().unwrap().starts_with("sha256:"));
    let (analyst, other, steward) = (hub.analyst().await, hub.submitter("E09000001").await, hub.steward().await);
    let listed = |body: serde_json::Value| body["submissions"].as_array().unwrap().clone();
    for token in [&analyst, &steward, &own] {
        let list = listed(hub.get_json("/api/v1/submissions", token).await);
        assert_eq!(list.len(), 1);
        let s = &list[0];
        assert_eq!(
            (s["id"].clone(), s["organisation"].clone(), s["dataset"].clone()),
            (upload["id"].clone(), "E09000015".into(), "casework".into())
        );
        assert_eq!((s["period"].clone(), s["status"].clone()), ("2025-Q1".into(), "current".into()));
        assert!(s["received_at"].is_string());
        if token == &analyst {
            assert!(s["rows"].is_null() && s["checksum"].is_null(), "an analyst sees neither: {s}");
        } else {
            assert_eq!(s["rows"], 3);
            assert_eq!(s["checksum"], upload["checksum"]);
        }
    }
    // Another borough's submitter sees only its own organisation's (none).
    assert!(listed(hub.get_json("/api/v1/submissions", &other).await).is_empty());
    // Nor anywhere else an analyst can read.
    for path in ["/api/v1/coverage", "/api/v1/submissions?format=csv"] {
        let text = hub.get(path, &analyst).await.text().await.unwrap();
        assert!(!text.contains(upload["checksum"].as_str().unwrap()), "{path}");
    }
}

/// The scheme name is case-insensitive (RFC 9110) for authentication and for
/// the rate limiter alike, so a lowercase client has its own bucket.
#[tokio::test]
async fn the_bearer_scheme_is_case_insensitive_everywhere() {
    let config = edi_hub_api::ServerConfig { rate_limit: 3, ..Default::default() };
    let hub = TestHub::start_with(config).await;
    let (one, two) = (hub.analyst().await, hub.analyst().await);
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let r = hub
            .client
            .get(hub.url("/api/v1/whoami"))
            .header("authorization", format!("{scheme} {one}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{scheme}");
    }
    // The first token's bucket is now empty (3 a second, burst 3) ...
    let r = hub
        .client
        .get(hub.url("/api/v1/whoami"))
        .header("authorization", format!("bearer {one}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429, "lowercase requests count against their own token");
    // ... and a second lowercase client is not in the same (anonymous) bucket.
    let r = hub
        .client
        .get(hub.url("/api/v1/whoami"))
        .header("authorization", format!("bearer {two}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// The access log answers in pages, oldest first, and a page token carries
/// on where the last page ended; the days asked for bound what is read.
#[tokio::test]
async fn the_access_log_pages() {
    let hub = TestHub::start().await;
    let (steward, analyst) = (hub.steward().await, hub.analyst().await);
    for i in 0..5 {
        let r =
            hub.get(&format!("/api/v1/benchmarks/workforce_share?period=2025-Q1&pay_band={}", i + 1), &steward).await;
        assert_eq!(r.status(), 200);
        let _ = hub.client.delete(hub.url("/api/v1/tokens/0000000000000000")).bearer_auth(&analyst).send().await;
    }
    for i in 0..7 {
        let csv = fixtures::CASEWORK.replace("5", &(10 + i).to_string());
        let submitter = hub.submitter("E09000001").await;
        assert_eq!(hub.upload_csv(&submitter, "E09000001", "casework", "2025-Q1", &csv).await.status(), 201);
    }
    let all = hub.get_json("/api/v1/audit?action=upload&limit=1000", &steward).await;
    let all: Vec<serde_json::Value> = all["events"].as_array().unwrap().clone();
    assert_eq!(all.len(), 7);
    let mut paged = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            None => "/api/v1/audit?action=upload&limit=3".to_string(),
            Some(t) => format!("/api/v1/audit?action=upload&limit=3&page_token={t}"),
        };
        let page = hub.get_json(&path, &steward).await;
        pages += 1;
        paged.extend(page["events"].as_array().unwrap().iter().cloned());
        match page["next_page_token"].as_str() {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(paged, all, "three pages of 3, 3 and 1 give the whole log in order");
    assert!(pages >= 3);
    // The flat formats carry the next page's token in a header.
    let r = hub.get("/api/v1/audit?action=upload&limit=2&format=csv", &steward).await;
    assert!(r.headers().contains_key("x-next-page-token"));
    // Only the days asked for: a day with no events gives an empty page.
    let empty = hub.get_json("/api/v1/audit?from=2001-01-01&to=2001-01-31", &steward).await;
    assert!(empty["events"].as_array().unwrap().is_empty() && empty["next_page_token"].is_null());
    for bad in ["limit=0", "limit=1001", "limit=x", "page_token=..%2F..%2Ftokens", "page_token=x"] {
        assert_eq!(hub.get(&format!("/api/v1/audit?{bad}"), &steward).await.status(), 422, "{bad}");
    }
}

/// Re-uploads race queries: every answer is exactly the answer of one
/// ledger state (values, suppressions and summaries together), never one
/// borough's values with another version's protected pattern.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answer_reads_one_ledger_state() {
    let hub = TestHub::start().await;
    let table = |black: u32, white: u32, black5: u32| {
        format!(
            "ethnicity,pay_band,headcount\nwhite,6,{white}\nblack,6,{black}\nasian,6,12\nnot_stated,6,1\nwhite,5,80\nblack,5,{black5}\n"
        )
    };
    for org in ["E09000001", "E09000002", "E09000003"] {
        hub.submit_csv(org, "workforce", "2025-Q1", &table(25, 40, 20)).await;
    }
    // Two versions that analysts can tell apart (band 5 changes; band 6
    // holds a small count in one version only, withheld in both releases).
    let versions = [table(2, 41, 20), table(30, 13, 45)];
    let camden = hub.submitter("E09000007").await;
    let analyst = hub.analyst().await;
    let paths = [
        "/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black&pay_band=6",
        "/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black&pay_band=5",
        "/api/v1/benchmarks/declaration_rate?period=2025-Q1&pay_band=6",
    ];
    // The answer of each state, read while nothing else happens.
    // Rows without their release number (it changes with every upload here).
    let rows_of = |answer: serde_json::Value| -> serde_json::Value {
        let mut rows = answer["rows"].clone();
        for r in rows.as_array_mut().into_iter().flatten() {
            if let Some(r) = r.as_object_mut() {
                r.remove("release");
                r.remove("revised");
            }
        }
        rows
    };
    let mut expected = Vec::new();
    for v in &versions {
        assert_eq!(hub.upload_csv(&camden, "E09000007", "workforce", "2025-Q1", v).await.status(), 201);
        let mut answers = Vec::new();
        for p in paths {
            answers.push(rows_of(hub.get_json(p, &analyst).await));
        }
        expected.push(answers);
    }
    assert_ne!(expected[0], expected[1], "the two states answer differently");
    let uploads = {
        let (client, url, token) =
            (hub.client.clone(), hub.url("/api/v1/submissions/E09000007/workforce/2025-Q1"), camden.clone());
        let versions = versions.clone();
        tokio::spawn(async move {
            for i in 0..60 {
                let r = client
                    .put(&url)
                    .bearer_auth(&token)
                    .header("content-type", "text/csv")
                    .body(versions[i % 2].clone())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        })
    };
    let mut answers = 0;
    while !uploads.is_finished() {
        for (i, p) in paths.iter().enumerate() {
            let rows = rows_of(hub.get_json(p, &analyst).await);
            assert!(rows == expected[0][i] || rows == expected[1][i], "{p}: an answer of no ledger state: {rows}");
            answers += 1;
        }
    }
    uploads.await.unwrap();
    assert!(answers >= 10, "{answers} answers raced the uploads");
}

/// An unredacted read whose access-log event cannot be written is refused
/// (503), never served unaudited; redacted answers need no event.
#[tokio::test]
async fn an_unredacted_read_that_cannot_be_logged_is_refused() {
    let hub = TestHub::start().await;
    hub.submit_csv("E09000015", "workforce", "2025-Q1", fixtures::WORKFORCE).await;
    let (steward, own, analyst) = (hub.steward().await, hub.submitter("E09000015").await, hub.analyst().await);
    // The access log's place in the store becomes unwritable: a plain file
    // where its folder should be.
    let log = hub.dir.path().join("audit");
    let _ = std::fs::remove_dir_all(&log);
    std::fs::write(&log, b"not a folder").unwrap();
    let path = "/api/v1/benchmarks/workforce_share?period=2025-Q1";
    for token in [&steward, &own] {
        for p in [
            path.to_string(),
            format!("{path}&format=csv"),
            "/api/v1/organisations/E09000015/profile?period=2025-Q1".into(),
        ] {
            let r = hub.get(&p, token).await;
            assert_eq!(r.status(), 503, "{p}");
            assert_eq!(r.headers()["content-type"], "application/problem+json");
            let body = r.text().await.unwrap();
            assert!(!body.contains("E09000015\",\"name\""), "no figures in the refusal");
        }
    }
    assert_eq!(hub.get(path, &analyst).await.status(), 200, "redacted answers are served");
    // Once the log can be written again, so are unredacted ones.
    std::fs::remove_file(&log).unwrap();
    assert_eq!(hub.get(path, &steward).await.status(), 200);
}
