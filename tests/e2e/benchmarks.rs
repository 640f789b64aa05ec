//! The workforce_share benchmark on a small fixture computed by hand.

use serde_json::{Value, json};

use crate::support::TestHub;

/// City of London (inner, Central London Forward): detailed codes, a small black_african cell.
const CITY: &str =
    "ethnicity,pay_band,headcount\nblack_african,6,2\nwhite_british,6,30\nasian_indian,3,12\nnot_stated,3,5\n";
/// Camden (inner, Central London Forward): high-level codes only.
const CAMDEN: &str = "ethnicity,pay_band,headcount\nblack,2,20\nwhite,2,60\nasian,2,0\nnot_stated,2,1\n";
/// Hackney (inner, Central London Forward): detailed codes in band 4.
const HACKNEY: &str =
    "ethnicity,pay_band,headcount\nblack_caribbean,4,15\nblack_african,4,15\nwhite_british,4,50\nwhite_irish,4,20\n";
/// Harrow (outer, West London Alliance): no pay band column.
const HARROW: &str = "ethnicity,headcount\nblack_other,0\nwhite_other,40\nmixed_other,10\n";

async fn fixture() -> TestHub {
    let hub = TestHub::start().await;
    for (org, csv) in [("E09000001", CITY), ("E09000007", CAMDEN), ("E09000012", HACKNEY), ("E09000015", HARROW)] {
        hub.submit_csv(org, "workforce", "2025-Q1", csv).await;
    }
    hub
}

fn row<'a>(answer: &'a Value, scope: &str, organisation: Option<&str>) -> &'a Value {
    answer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["scope"] == scope && organisation.is_none_or(|o| r["organisation"] == o))
        .unwrap_or_else(|| panic!("no row {scope} {organisation:?} in {answer}"))
}

fn close(v: &Value, expected: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - expected).abs() < 1e-9)
}

#[tokio::test]
async fn values_ranks_summaries_and_suppression_for_an_analyst() {
    let hub = fixture().await;
    let analyst = hub.analyst().await;
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &analyst).await;
    assert_eq!(a["metric"], "workforce_share");
    assert_eq!(a["period"], "2025-Q1");
    assert_eq!(a["unit"], "percent");
    assert_eq!(a["parameters"], json!({"group": "black"}));
    assert_eq!(a["rows"].as_array().unwrap().len(), 4 + 7);

    let city = row(&a, "organisation", Some("E09000001"));
    assert_eq!(city["name"], "City of London");
    assert!(city["value"].is_null() && city["numerator"].is_null() && city["rank"].is_null());
    assert_eq!(city["denominator"], 44);
    assert_eq!(city["suppressed"], json!(["numerator", "value", "lower_ci", "upper_ci", "compared_with_london"]));

    let camden = row(&a, "organisation", Some("E09000007"));
    assert!(close(&camden["value"], 25.0));
    assert_eq!(
        (camden["numerator"].clone(), camden["denominator"].clone(), camden["rank"].clone()),
        (json!(20), json!(80), json!(2))
    );
    let hackney = row(&a, "organisation", Some("E09000012"));
    assert!(close(&hackney["value"], 30.0));
    assert_eq!(hackney["rank"], 1);
    let harrow = row(&a, "organisation", Some("E09000015"));
    assert!(close(&harrow["value"], 0.0));
    assert_eq!((harrow["numerator"].clone(), harrow["rank"].clone()), (json!(0), json!(3)));
    assert_eq!(harrow["suppressed"], json!([]));
    assert!(harrow.get("contributors").is_none());

    let london = row(&a, "london", None);
    // City's black count is withheld, so London pools the three boroughs
    // whose figures are shown: London minus them gives nothing back.
    assert_eq!(london["contributors"], 3);
    assert_eq!((london["numerator"].clone(), london["denominator"].clone()), (json!(50), json!(274 - 44)));
    assert!(close(&london["value"], 50.0 / 230.0 * 100.0));
    assert_eq!(london["suppressed"], json!([]));
    assert_eq!(camden["compared_with_london"], "similar");
    // Distribution of the values shown: 0, 25, 30.
    for (k, v) in [("min", 0.0), ("q1", 12.5), ("median", 25.0), ("q3", 27.5), ("max", 30.0)] {
        assert!(close(&london[k], v), "{k}: {}", london[k]);
    }
    assert!(london.get("rank").is_none());
    // Inner London and Central London Forward: City, Camden and Hackney;
    // without City, two boroughs, too few for any number.
    for scope in ["inner_london", "central_london_forward"] {
        let pool = row(&a, scope, None);
        assert_eq!(pool["contributors"], 2, "{scope}");
        for k in ["value", "numerator", "denominator", "min", "q1", "median", "q3", "max"] {
            assert!(pool[k].is_null(), "{scope} {k}");
        }
    }
    let steward = hub.steward().await;
    let full = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &steward).await;
    let inner = row(&full, "inner_london", None);
    assert_eq!((inner["contributors"].clone(), inner["denominator"].clone()), (json!(3), json!(224)));
    assert_eq!(row(&full, "london", None)["numerator"], 52);
    // Fewer than three contributors: no numbers.
    let outer = row(&a, "outer_london", None);
    assert_eq!(outer["contributors"], 1);
    for k in ["value", "numerator", "denominator", "min", "q1", "median", "q3", "max"] {
        assert!(outer[k].is_null(), "{k}");
        assert!(outer["suppressed"].as_array().unwrap().contains(&json!(k)));
    }
    assert_eq!(row(&a, "west_london_alliance", None)["contributors"], 1);
    let south = row(&a, "south_london_partnership", None);
    assert_eq!(south["contributors"], 0);
    assert!(south["value"].is_null());
}

#[tokio::test]
async fn own_organisation_and_stewards_see_everything() {
    let hub = fixture().await;
    let city = hub.submitter("E09000001").await;
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &city).await;
    let own = row(&a, "organisation", Some("E09000001"));
    assert_eq!(
        (own["numerator"].clone(), own["denominator"].clone(), own["rank"].clone()),
        (json!(2), json!(44), json!(3))
    );
    assert!(close(&own["value"], 2.0 / 44.0 * 100.0));
    assert_eq!(own["suppressed"], json!([]));
    // London's distribution now includes City's value: 0, 4.55, 25, 30.
    assert!(close(&row(&a, "london", None)["q1"], 0.75 * (2.0 / 44.0 * 100.0)));
    // Another submitter sees City redacted.
    let harrow = hub.submitter("E09000015").await;
    let b = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &harrow).await;
    assert!(row(&b, "organisation", Some("E09000001"))["value"].is_null());

    let steward = hub.steward().await;
    let s = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black", &steward).await;
    assert_eq!(row(&s, "organisation", Some("E09000001"))["numerator"], 2);
    let london = row(&s, "london", None);
    assert_eq!((london["numerator"].clone(), london["denominator"].clone()), (json!(52), json!(274)));
    assert!(close(&london["value"], 52.0 / 274.0 * 100.0));
    assert!(close(&row(&s, "inner_london", None)["value"], 52.0 / 224.0 * 100.0));
    let outer = row(&s, "outer_london", None);
    assert_eq!((outer["numerator"].clone(), outer["denominator"].clone()), (json!(0), json!(50)));
    assert_eq!(outer["suppressed"], json!([]));
}

#[tokio::test]
async fn groups_and_filters_follow_what_each_organisation_reported() {
    let hub = fixture().await;
    let steward = hub.steward().await;
    let orgs = |a: &Value| -> Vec<String> {
        a["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["scope"] == "organisation")
            .map(|r| r["organisation"].as_str().unwrap().to_string())
            .collect()
    };
    // Camden reported only high-level codes: no value for a detailed group.
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black_african", &steward).await;
    assert_eq!(orgs(&a), ["E09000001", "E09000012", "E09000015"]);
    assert!(close(&row(&a, "organisation", Some("E09000012"))["value"], 15.0));
    // Only Hackney has band 4; Harrow has no pay bands at all.
    let b = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black&pay_band=4", &steward).await;
    assert_eq!(orgs(&b), ["E09000012"]);
    assert_eq!(b["parameters"], json!({"group": "black", "pay_band": "4"}));
    // Default group: Black, Asian and Multi-ethnic.
    let c = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1", &steward).await;
    assert_eq!(c["parameters"], json!({"group": "ethnic_minority"}));
    assert!(close(&row(&c, "organisation", Some("E09000001"))["value"], 14.0 / 44.0 * 100.0));
    assert!(close(&row(&c, "organisation", Some("E09000015"))["value"], 20.0));
    // white_minority needs detailed white codes: Camden reported `white`.
    let d = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=white_minority", &steward).await;
    assert_eq!(orgs(&d), ["E09000001", "E09000012", "E09000015"]);
    assert!(close(&row(&d, "organisation", Some("E09000015"))["value"], 80.0));
    // A period without data: summaries only.
    let e = hub.get_json("/api/v1/benchmarks/workforce_share?period=2024-Q1", &steward).await;
    assert_eq!(orgs(&e).len(), 0);
    assert_eq!(e["rows"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn csv_marks_suppressed_cells() {
    let hub = fixture().await;
    let analyst = hub.analyst().await;
    let r = hub.get("/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black&format=csv", &analyst).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "scope,organisation,name,period,value,numerator,denominator,rank,contributors,min,q1,median,q3,max,lower_ci,upper_ci,compared_with_london,release,revised"
    );
    assert_eq!(lines[1], "organisation,E09000001,City of London,2025-Q1,[c],[c],44,,,,,,,,[c],[c],[c],4,false");
    // Wilson 95% interval of 20/80, rounded outwards, against London's 50 of 230.
    assert_eq!(lines[2], "organisation,E09000007,Camden,2025-Q1,25.0,20,80,2,,,,,,,16.8,35.49,similar,4,false");
    assert!(
        lines
            .iter()
            .any(|l| { l.starts_with("outer_london,,Outer London,2025-Q1,[c],[c],[c],,1,[c],[c],[c],[c],[c]") })
    );
    // Accept header works too.
    let r = hub
        .client
        .get(hub.url("/api/v1/benchmarks/workforce_share?period=2025-Q1"))
        .bearer_auth(&analyst)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().starts_with("scope,"));
}

#[tokio::test]
async fn parameters_are_validated() {
    let hub = fixture().await;
    let analyst = hub.analyst().await;
    for (query, status, parameter) in [
        ("", 422, Some("period")),
        ("period=2025-Q9", 422, Some("period")),
        ("period=2025-Q1&group=not_stated", 422, Some("group")),
        ("period=2025-Q1&group=bame", 422, Some("group")),
        ("period=2025-Q1&pay_band=7", 422, Some("pay_band")),
        ("period=2025-Q1&senior_leadership=yes", 422, Some("senior_leadership")),
        ("period=2025-Q1&colour=red", 422, Some("colour")),
        ("period=2025-Q1&format=xml", 422, Some("format")),
        ("from=2025-Q1", 422, Some("to")),
        ("from=2025-Q2&to=2025-Q1", 422, Some("from")),
        ("period=2025-Q1&period=2025-Q2", 422, Some("period")),
    ] {
        let r = hub.get(&format!("/api/v1/benchmarks/workforce_share?{query}"), &analyst).await;
        assert_eq!(r.status(), status, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["parameter"].as_str(), parameter, "{query}");
    }
    assert_eq!(hub.get("/api/v1/benchmarks/happiness?period=2025-Q1", &analyst).await.status(), 404);
    let r = hub
        .client
        .get(hub.url("/api/v1/benchmarks/workforce_share?period=2025-Q1"))
        .bearer_auth(&analyst)
        .header("accept", "application/xml")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 406);
}

#[tokio::test]
async fn trends_list_every_period() {
    let hub = fixture().await;
    hub.submit_csv("E09000012", "workforce", "2024-Q4", HACKNEY).await;
    let steward = hub.steward().await;
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?from=2024-Q4&to=2025-Q1&group=black", &steward).await;
    assert_eq!((a["from"].clone(), a["to"].clone()), (json!("2024-Q4"), json!("2025-Q1")));
    let periods: Vec<&str> = a["rows"].as_array().unwrap().iter().map(|r| r["period"].as_str().unwrap()).collect();
    assert_eq!(periods.iter().filter(|p| **p == "2024-Q4").count(), 1 + 7);
    assert_eq!(periods.iter().filter(|p| **p == "2025-Q1").count(), 4 + 7);
}

#[tokio::test]
async fn cached_answers_follow_new_submissions() {
    let hub = fixture().await;
    let steward = hub.steward().await;
    let path = "/api/v1/benchmarks/workforce_share?period=2025-Q1&group=black";
    let before = hub.get_json(path, &steward).await;
    assert_eq!(hub.get_json(path, &steward).await, before, "a repeated question gets the same answer");
    hub.submit_csv("E09000012", "workforce", "2025-Q1", "ethnicity,headcount\nblack,50\nwhite,50\n").await;
    let after = hub.get_json(path, &steward).await;
    assert!(close(&row(&after, "organisation", Some("E09000012"))["value"], 50.0));
    let withdrawn = hub.get_json("/api/v1/submissions?organisation=E09000012&status=current", &steward).await;
    let id = withdrawn["submissions"][0]["id"].as_str().unwrap().to_string();
    let r = hub.withdraw(&id, &steward).await;
    assert_eq!(r.status(), 204);
    let gone = hub.get_json(path, &steward).await;
    assert!(gone["rows"].as_array().unwrap().iter().all(|r| r["organisation"] != "E09000012"));
}
