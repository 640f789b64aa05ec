//! Action-plan targets: recording, visibility, status from the real
//! benchmark figures, the profile, and no withheld value shown through a target.

use serde_json::{Value, json};

use crate::support::TestHub;

const HARROW: &str = "E09000015";

/// A workforce of `white` and `black` staff (ethnic minority share = black / total).
fn workforce(white: u32, black: u32) -> String {
    format!("ethnicity,headcount\nwhite,{white}\nblack,{black}\n")
}

async fn post(hub: &TestHub, org: &str, token: &str, body: &Value) -> reqwest::Response {
    hub.client
        .post(hub.url(&format!("/api/v1/organisations/{org}/targets")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn created(hub: &TestHub, org: &str, token: &str, body: Value) -> Value {
    let r = post(hub, org, token, &body).await;
    let status = r.status();
    let answer: Value = r.json().await.unwrap();
    assert_eq!(status, 201, "{body} -> {answer}");
    answer
}

async fn delete(hub: &TestHub, org: &str, id: &str, token: &str) -> u16 {
    let url = hub.url(&format!("/api/v1/organisations/{org}/targets/{id}"));
    hub.client.delete(url).bearer_auth(token).send().await.unwrap().status().as_u16()
}

/// (id, status, latest value) of each target listed for `token`.
async fn listed(hub: &TestHub, org: &str, token: &str) -> Vec<(String, String, Option<f64>)> {
    let list = hub.get_json(&format!("/api/v1/organisations/{org}/targets"), token).await;
    assert_eq!(list["organisation"], org);
    list["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (t["id"].as_str().unwrap().into(), t["status"].as_str().unwrap().into(), t["latest"]["value"].as_f64())
        })
        .collect()
}

fn ids(list: &[(String, String, Option<f64>)]) -> Vec<&str> {
    list.iter().map(|(id, _, _)| id.as_str()).collect()
}

#[tokio::test]
async fn targets_are_recorded_judged_shown_by_visibility_and_deleted() {
    let hub = TestHub::start().await;
    // Harrow's Black, Asian and Multi-ethnic share: 20%, 30%, 40%.
    for (period, black) in [("2025-Q1", 20), ("2025-Q2", 30), ("2025-Q3", 40)] {
        hub.submit_csv(HARROW, "workforce", period, &workforce(100 - black, black)).await;
    }
    let own = hub.submitter(HARROW).await;
    let other = hub.submitter("E09000001").await;
    let analyst = hub.analyst().await;
    let steward = hub.steward().await;

    // +10 points a quarter reaches 55 by 2026-Q1, not 90 by 2025-Q4; 35 is already met.
    let on_track = created(
        &hub,
        HARROW,
        &own,
        json!({"metric": "workforce_share", "parameters": {}, "target": 55.0, "by": "2026-Q1", "visibility": "private"}),
    )
    .await;
    assert_eq!(on_track["organisation"], HARROW);
    assert_eq!(on_track["parameters"], json!({"group": "ethnic_minority"}), "defaults filled in");
    assert_eq!(on_track["visibility"], "private");
    assert_eq!(on_track["by"], "2026-Q1");
    assert_eq!(on_track["latest"], json!({"period": "2025-Q3", "value": 40.0}));
    assert_eq!(on_track["status"], "on_track");
    assert!(on_track["created_at"].is_string());
    let achieved = created(
        &hub,
        HARROW,
        &own,
        json!({"metric": "workforce_share", "target": 35, "by": "2026-Q4", "visibility": "shared"}),
    )
    .await;
    assert_eq!(achieved["status"], "achieved");
    let off_track =
        created(&hub, HARROW, &steward, json!({"metric": "workforce_share", "target": 90, "by": "2025-Q4"})).await;
    assert_eq!((off_track["status"].clone(), off_track["visibility"].clone()), (json!("off_track"), json!("private")));
    // No pay data: no latest value.
    let no_data = created(
        &hub,
        HARROW,
        &own,
        json!({"metric": "pay_gap_mean", "parameters": {"group": "black"}, "target": 0, "by": "2027-Q4", "visibility": "shared"}),
    )
    .await;
    assert_eq!((no_data["latest"].clone(), no_data["status"].clone()), (Value::Null, json!("no_data")));

    // Who sees what: everything for the organisation and stewards, shared ones for everyone else.
    let all = [&on_track, &achieved, &off_track, &no_data];
    let all: Vec<&str> = all.iter().map(|t| t["id"].as_str().unwrap()).collect();
    let shared = vec![achieved["id"].as_str().unwrap(), no_data["id"].as_str().unwrap()];
    assert_eq!(ids(&listed(&hub, HARROW, &own).await), all);
    assert_eq!(ids(&listed(&hub, HARROW, &steward).await), all);
    assert_eq!(ids(&listed(&hub, HARROW, &other).await), shared);
    assert_eq!(ids(&listed(&hub, HARROW, &analyst).await), shared);
    assert_eq!(listed(&hub, "E09000001", &steward).await, vec![]);

    // Progress as of an earlier quarter: the latest value then, and no trend from one value.
    let then = hub.get_json(&format!("/api/v1/organisations/{HARROW}/targets?period=2025-Q1"), &own).await;
    let first = &then["targets"][0];
    assert_eq!(
        (first["latest"].clone(), first["status"].clone()),
        (json!({"period": "2025-Q1", "value": 20.0}), json!("off_track"))
    );
    assert_eq!(hub.get(&format!("/api/v1/organisations/{HARROW}/targets?period=2025-Q5"), &own).await.status(), 422);
    assert_eq!(hub.get(&format!("/api/v1/organisations/{HARROW}/targets?colour=red"), &own).await.status(), 422);
    assert_eq!(hub.get("/api/v1/organisations/E09000099/targets", &own).await.status(), 404);

    // The profile lists the targets the caller may see, judged as of its quarter.
    let profile = hub.get_json(&format!("/api/v1/organisations/{HARROW}/profile?period=2025-Q3"), &analyst).await;
    let in_profile: Vec<&str> =
        profile["targets"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(in_profile, shared);
    assert_eq!(profile["targets"][0]["status"], "achieved");
    let profile = hub.get_json(&format!("/api/v1/organisations/{HARROW}/profile?period=2025-Q2"), &own).await;
    assert_eq!(profile["targets"].as_array().unwrap().len(), 4);
    assert_eq!(profile["targets"][0]["latest"], json!({"period": "2025-Q2", "value": 30.0}));

    // Only the organisation's submitters and stewards record and delete.
    let body = json!({"metric": "workforce_share", "target": 50, "by": "2026-Q4"});
    assert_eq!(post(&hub, HARROW, &other, &body).await.status(), 403);
    assert_eq!(post(&hub, HARROW, &analyst, &body).await.status(), 403);
    assert_eq!(post(&hub, "E09000099", &steward, &body).await.status(), 404);
    let id = on_track["id"].as_str().unwrap();
    assert_eq!(delete(&hub, HARROW, id, &other).await, 403);
    assert_eq!(delete(&hub, HARROW, id, &analyst).await, 403);
    assert_eq!(delete(&hub, "E09000001", id, &steward).await, 404, "another organisation's target");
    assert_eq!(delete(&hub, HARROW, id, &own).await, 204);
    assert_eq!(delete(&hub, HARROW, id, &own).await, 404);
    assert_eq!(delete(&hub, HARROW, "0123", &steward).await, 404);
    assert_eq!(delete(&hub, HARROW, achieved["id"].as_str().unwrap(), &steward).await, 204);
    assert_eq!(listed(&hub, HARROW, &own).await.len(), 2);

    // Another hub process on the same store sees the same targets.
    let replica = hub.replica().await;
    let list = replica.get_json(&format!("/api/v1/organisations/{HARROW}/targets"), &steward).await;
    assert_eq!(list["targets"].as_array().unwrap().len(), 2);

    // Every change is in the audit log.
    let log = hub.get_json("/api/v1/audit", &steward).await;
    let count = |action: &str, outcome: &str| {
        log["events"].as_array().unwrap().iter().filter(|e| e["action"] == action && e["outcome"] == outcome).count()
    };
    assert_eq!(count("target_create", "success"), 4);
    assert_eq!(count("target_delete", "success"), 2);
}

#[tokio::test]
async fn bad_targets_are_refused_with_every_problem_named() {
    let hub = TestHub::start().await;
    let own = hub.submitter(HARROW).await;
    let body = json!({
        "metric": "workforce_share",
        "parameters": {"group": "not_stated", "pay_band": "7", "colour": "red", "senior_leadership": true},
        "target": 135,
        "by": "2026-Q5",
        "visibility": "public",
        "owner": "me"
    });
    let r = post(&hub, HARROW, &own, &body).await;
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let problem: Value = r.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["column"].as_str().unwrap()).collect();
    for field in ["owner", "parameters.senior_leadership", "target", "by", "visibility"] {
        assert!(fields.contains(&field), "{field} in {problem}");
    }
    // Parameters are checked like benchmark parameters once each is a text.
    let body = json!({"metric": "workforce_share", "parameters": {"group": "not_stated", "pay_band": "7", "colour": "red"}, "target": 35, "by": "2026-Q4"});
    let problem: Value = post(&hub, HARROW, &own, &body).await.json().await.unwrap();
    let fields: Vec<&str> =
        problem["errors"].as_array().unwrap().iter().map(|e| e["column"].as_str().unwrap()).collect();
    assert_eq!(fields.len(), 3, "{problem}");
    for field in ["parameters.colour", "parameters.group", "parameters.pay_band"] {
        assert!(fields.contains(&field), "{field} in {problem}");
    }
    for (body, field) in [
        (json!({"target": 35, "by": "2026-Q4"}), "metric"),
        (json!({"metric": "happiness", "target": 35, "by": "2026-Q4"}), "metric"),
        (json!({"metric": "workforce_share", "by": "2026-Q4"}), "target"),
        (json!({"metric": "workforce_share", "target": "35%", "by": "2026-Q4"}), "target"),
        (json!({"metric": "pay_gap_mean", "target": -101, "by": "2026-Q4"}), "target"),
        (json!({"metric": "casework_rl", "target": -1, "by": "2026-Q4"}), "target"),
        (json!({"metric": "casework_rl", "target": 0, "by": "2026-Q4"}), "target"),
        (json!({"metric": "workforce_share", "target": 35}), "by"),
        (json!({"metric": "workforce_share", "target": 35, "by": "1999-Q4"}), "by"),
        (json!({"metric": "workforce_share", "target": 35, "by": "2099-Q1"}), "by"),
        (json!({"metric": "workforce_share", "target": 35, "by": 2026}), "by"),
        (json!({"metric": "workforce_share", "target": 35, "by": "2026-Q4", "parameters": ["group"]}), "parameters"),
    ] {
        let r = post(&hub, HARROW, &own, &body).await;
        assert_eq!(r.status(), 422, "{body}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["parameter"], field, "{body}: {problem}");
        assert_eq!(problem["errors"][0]["column"], field, "{body}: {problem}");
    }
    let url = hub.url(&format!("/api/v1/organisations/{HARROW}/targets"));
    let r = hub.client.post(&url).bearer_auth(&own).header("content-type", "text/plain").body("{}").send().await;
    assert_eq!(r.unwrap().status(), 415);
    for text in ["{", "[]", "null", "\"x\""] {
        let r = hub.client.post(&url).bearer_auth(&own).header("content-type", "application/json").body(text);
        assert_eq!(r.send().await.unwrap().status(), 422, "{text}");
    }
    assert_eq!(hub.get(&format!("/api/v1/organisations/{HARROW}/targets"), &own).await.status(), 200);
    let listed = hub.get_json(&format!("/api/v1/organisations/{HARROW}/targets"), &own).await;
    assert_eq!(listed["targets"], json!([]), "nothing stored");
    let log = hub.get_json("/api/v1/audit?action=target_create&outcome=rejected", &hub.steward().await).await;
    assert!(!log["events"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_withheld_value_is_never_shown_through_a_target() {
    let hub = TestHub::start().await;
    // City of London: 5 then 6 Black staff, counts that are withheld from others.
    let city = "E09000001";
    hub.submit_csv(city, "workforce", "2025-Q1", &workforce(40, 5)).await;
    hub.submit_csv(city, "workforce", "2025-Q2", &workforce(40, 6)).await;
    let own = hub.submitter(city).await;
    let analyst = hub.analyst().await;
    let other = hub.submitter(HARROW).await;
    let target = created(
        &hub,
        city,
        &own,
        json!({"metric": "workforce_share", "parameters": {"group": "black"}, "target": 12, "by": "2026-Q4", "visibility": "shared"}),
    )
    .await;
    // The owner sees its own figures: 6 of 46.
    let value = target["latest"]["value"].as_f64().unwrap();
    assert!((value - 600.0 / 46.0).abs() < 1e-9);
    assert_eq!(target["status"], "achieved");

    // Everyone else: the benchmark withholds the value, and so does the target.
    let benchmark = hub.get_json("/api/v1/benchmarks/workforce_share?period=2025-Q2&group=black", &analyst).await;
    let row = benchmark["rows"].as_array().unwrap().iter().find(|r| r["organisation"] == city).unwrap();
    assert!(row["value"].is_null(), "{row}");
    for token in [&analyst, &other] {
        let list = hub.get_json(&format!("/api/v1/organisations/{city}/targets"), token).await;
        let t = &list["targets"][0];
        assert_eq!(t["latest"], json!({"period": "2025-Q2", "value": null}), "{list}");
        assert_eq!(t["status"], "no_data");
        let profile = hub.get_json(&format!("/api/v1/organisations/{city}/profile?period=2025-Q2"), token).await;
        assert_eq!(profile["targets"][0]["latest"]["value"], Value::Null);
        assert_eq!(profile["targets"][0]["status"], "no_data");
        let text = list.to_string() + &profile.to_string();
        for leak in ["13.04", "11.11", "\"achieved\""] {
            assert!(!text.contains(leak), "{leak} shown through a target: {text}");
        }
    }
}
