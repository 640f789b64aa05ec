//! Operational endpoints: Prometheus metrics.

use crate::fixtures;
use crate::support::TestHub;

/// The value of one sample line of a Prometheus text exposition.
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (series, value) = l.rsplit_once(' ')?;
        let matches = series.starts_with(&format!("{name}{{")) || series == name;
        let labelled = labels.iter().all(|(k, v)| series.contains(&format!("{k}=\"{v}\"")));
        (matches && labelled).then(|| value.parse().ok()).flatten()
    })
}

#[tokio::test]
async fn metrics_count_requests_uploads_cache_and_suppression() {
    let hub = TestHub::start().await;
    let analyst = hub.analyst().await;
    hub.submit_csv("E09000001", "workforce", "2025-Q1", "ethnicity,headcount\nblack_african,2\nwhite_british,30\n")
        .await;
    let token = hub.submitter("E09000001").await;
    let r = hub.upload_csv(&token, "E09000001", "casework", "2025-Q1", "ethnicity,case_type,count\nnobody,x,1\n").await;
    assert_eq!(r.status(), 422);
    let r = hub.upload_csv(&token, "E09000001", "casework", "2025-Q1", fixtures::CASEWORK).await;
    assert_eq!(r.status(), 201);
    for _ in 0..2 {
        let r = hub.get("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &analyst).await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(hub.get("/api/v1/nothing-here", &analyst).await.status(), 404);

    let r = hub.client.get(hub.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = r.text().await.unwrap();
    let route = "/api/v1/benchmarks/{metric}";
    assert_eq!(sample(&text, "edi_hub_http_requests_total", &[("route", route), ("status", "200")]), Some(2.0));
    assert_eq!(sample(&text, "edi_hub_http_requests_total", &[("route", "unmatched"), ("status", "404")]), Some(1.0));
    assert_eq!(sample(&text, "edi_hub_http_request_duration_seconds_count", &[("route", route)]), Some(2.0));
    assert_eq!(sample(&text, "edi_hub_uploads_total", &[("outcome", "accepted")]), Some(2.0));
    assert_eq!(sample(&text, "edi_hub_uploads_total", &[("outcome", "rejected")]), Some(1.0));
    assert_eq!(sample(&text, "edi_hub_answer_cache_total", &[("result", "miss")]), Some(1.0));
    assert_eq!(sample(&text, "edi_hub_answer_cache_total", &[("result", "hit")]), Some(1.0));
    // City's two Black African staff: numerator and value withheld, twice.
    assert!(sample(&text, "edi_hub_suppressed_cells_served_total", &[]).unwrap() >= 4.0);
}
