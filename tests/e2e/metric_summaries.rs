//! What the metric answers show around each value, on the fixture of
//! [`crate::metric_values`]: the catalogue's description of every metric,
//! the organisation profile, summary rows against their members, and
//! confidence intervals with the flag against London.

use serde_json::json;

use crate::metric_values::{CAMDEN, ISLINGTON, approx, check, fixture, org, summary};

#[tokio::test]
async fn the_catalogue_describes_every_metric() {
    let f = fixture().await;
    let c = f.hub.get_json("/api/v1/metrics", &f.analyst).await;
    let metrics = c["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 10);
    for m in metrics {
        for key in ["id", "title", "definition", "formula", "datasets", "parameters", "unit", "direction"] {
            assert!(!m[key].is_null(), "{key} of {}", m["id"]);
        }
        // Every metric answers at its defaults.
        let r =
            f.hub.get(&format!("/api/v1/benchmarks/{}?period=2025-Q1", m["id"].as_str().unwrap()), &f.analyst).await;
        assert_eq!(r.status(), 200, "{}", m["id"]);
    }
    let casework = metrics.iter().find(|m| m["id"] == "casework_rl").unwrap();
    assert_eq!(casework["direction"], "closer_to_1");
    assert_eq!(casework["datasets"], json!(["casework", "workforce"]));
    let case_type = casework["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "case_type").unwrap();
    assert_eq!(case_type["default"], "disciplinary");
    assert_eq!(case_type["values"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn the_profile_shows_every_metric_beside_comparators() {
    let f = fixture().await;
    let camden = f.hub.submitter(CAMDEN).await;
    let p = f.hub.get_json(&format!("/api/v1/organisations/{CAMDEN}/profile?period=2025-Q1"), &camden).await;
    assert_eq!((p["organisation"].clone(), p["period"].clone()), (json!(CAMDEN), json!("2025-Q1")));
    let metrics = p["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 10);
    for m in metrics {
        let scopes: Vec<&str> = m["rows"].as_array().unwrap().iter().map(|r| r["scope"].as_str().unwrap()).collect();
        assert!(
            scopes.iter().all(|s| ["organisation", "london", "inner_london", "central_london_forward"].contains(s)),
            "{scopes:?}"
        );
        assert_eq!(scopes.iter().filter(|s| **s != "organisation").count(), 3);
    }
    // Camden sees its own appointment figures unredacted, with its rank among all boroughs.
    let appointment = metrics.iter().find(|m| m["metric"] == "appointment_rl").unwrap();
    check(appointment, CAMDEN, Some(0.5), Some(25.0), Some(50.0), Some(1));
    let r = f.hub.get("/api/v1/organisations/E09000099/profile?period=2025-Q1", &f.analyst).await;
    assert_eq!(r.status(), 404);
    let r = f.hub.get(&format!("/api/v1/organisations/{CAMDEN}/profile"), &f.analyst).await;
    assert_eq!(r.status(), 422);
    let csv = f.hub.get(&format!("/api/v1/organisations/{CAMDEN}/profile?period=2025-Q1&format=csv"), &f.analyst).await;
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("metric,scope,organisation,"));
    assert!(
        text.lines().any(|l| { l.starts_with("appointment_rl,organisation,E09000007,Camden,2025-Q1,[c],[c],[c]") })
    );
}

/// Interpolated quantile of sorted values, written out independently of the hub.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let pos = p * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

#[tokio::test]
async fn every_summary_row_summarises_its_members() {
    use edi_hub_core::organisation::{InnerOuter, Organisation};
    let f = fixture().await;
    let c = f.hub.get_json("/api/v1/metrics", &f.analyst).await;
    for m in c["metrics"].as_array().unwrap() {
        let id = m["id"].as_str().unwrap();
        let takes_group = m["parameters"].as_array().unwrap().iter().any(|p| p["name"] == "group");
        let group = if takes_group { "&group=black" } else { "" };
        let a = f.hub.get_json(&format!("/api/v1/benchmarks/{id}?period=2025-Q1{group}"), &f.steward).await;
        let orgs: Vec<(Organisation, Option<f64>)> = a["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["scope"] == "organisation")
            .map(|r| (r["organisation"].as_str().unwrap().parse().unwrap(), r["value"].as_f64()))
            .collect();
        for row in a["rows"].as_array().unwrap().iter().filter(|r| r["scope"] != "organisation") {
            let scope = row["scope"].as_str().unwrap();
            let member = |o: &Organisation| match scope {
                "london" => true,
                "inner_london" => o.inner_outer() == InnerOuter::Inner,
                "outer_london" => o.inner_outer() == InnerOuter::Outer,
                region => o.sub_region().is_some_and(|r| r.id() == region),
            };
            let mut values: Vec<f64> = orgs.iter().filter(|(o, _)| member(o)).filter_map(|(_, v)| *v).collect();
            values.sort_by(f64::total_cmp);
            assert_eq!(row["contributors"].as_u64(), Some(values.len() as u64), "{id} {scope}");
            if values.is_empty() {
                assert!(row["median"].is_null(), "{id} {scope}");
                continue;
            }
            for (k, p) in [("min", 0.0), ("q1", 0.25), ("median", 0.5), ("q3", 0.75), ("max", 1.0)] {
                approx(&row[k], quantile(&values, p));
            }
        }
    }
}

/// The Wilson score interval in percent, written out independently.
fn wilson_percent(x: f64, n: f64) -> (f64, f64) {
    let z = 1.959_963_984_540_054_f64;
    let p = x / n;
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let d = 1.0 + z * z / n;
    (100.0 * (centre - spread) / d, 100.0 * (centre + spread) / d)
}

#[tokio::test]
async fn intervals_and_flags_against_london() {
    let f = fixture().await;
    let mut flagged = 0;
    for metric in ["workforce_share", "declaration_rate", "representation_ratio"] {
        let a = f.ask(&f.steward, &format!("{metric}?")).await;
        let london = summary(&a, "london")["value"].as_f64().unwrap();
        for r in a["rows"].as_array().unwrap().iter().filter(|r| r["scope"] == "organisation") {
            let (Some(x), Some(n)) = (r["numerator"].as_f64(), r["denominator"].as_f64()) else { continue };
            if n == 0.0 || (metric == "representation_ratio" && x == 0.0) {
                // No value (zero denominator), or the log method needs a count above zero.
                assert!(r["lower_ci"].is_null() && r["compared_with_london"].is_null(), "{r}");
                continue;
            }
            let (Some(lo), Some(hi)) = (r["lower_ci"].as_f64(), r["upper_ci"].as_f64()) else {
                panic!("{metric}: no interval in {r}")
            };
            let (exact_lo, exact_hi) = if metric == "representation_ratio" {
                let v = r["value"].as_f64().unwrap();
                let se = (1.0 / x - 1.0 / n).sqrt();
                (v * (-1.959_963_984_540_054 * se).exp(), v * (1.959_963_984_540_054 * se).exp())
            } else {
                wilson_percent(x, n)
            };
            let step = if metric == "representation_ratio" { 0.001 } else { 0.01 };
            // Rounded outwards to the published precision.
            assert!(lo <= exact_lo + 1e-9 && exact_lo - lo < step + 1e-9, "{metric} {r}");
            assert!(hi >= exact_hi - 1e-9 && hi - exact_hi < step + 1e-9, "{metric} {r}");
            let expected = if lo > london {
                "higher"
            } else if hi < london {
                "lower"
            } else {
                "similar"
            };
            assert_eq!(r["compared_with_london"], expected, "{metric} {r} against {london}");
            flagged += 1;
        }
    }
    assert!(flagged >= 6);
    // Withheld with the value, for everyone but the owner and stewards.
    let a = f.ask(&f.analyst, "survey_positive_rate?question=race_equality_approach").await;
    let islington = org(&a, ISLINGTON).unwrap();
    assert!(islington["lower_ci"].is_null() && islington["upper_ci"].is_null());
    // Pay gaps have no interval; the catalogue says how each is built.
    let p = f.ask(&f.steward, "pay_gap_mean?").await;
    assert!(p["rows"][0]["lower_ci"].is_null());
    let c = f.hub.get_json("/api/v1/metrics", &f.analyst).await;
    for m in c["metrics"].as_array().unwrap() {
        let has = !m["confidence_interval"].is_null();
        assert_eq!(has, !m["id"].as_str().unwrap().starts_with("pay_gap"), "{m}");
    }
    // The profile carries the flag on the organisation's rows.
    let profile = f.hub.get_json(&format!("/api/v1/organisations/{CAMDEN}/profile?period=2025-Q1"), &f.steward).await;
    let share = profile["metrics"].as_array().unwrap().iter().find(|m| m["metric"] == "workforce_share").unwrap();
    assert!(share["rows"][0]["compared_with_london"].is_string(), "{share}");
}
