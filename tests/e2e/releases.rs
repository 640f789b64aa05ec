//! Collection rounds: a quarter is seen by analysts only through its
//! releases; a borough sees its own data at once as provisional; a
//! correction stays provisional until the next release, whose rows say they
//! were revised; a schedule publishes exactly once across hub processes.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::TestHub;

const PERIOD: &str = "2025-Q2";
const ORGS: [&str; 4] = ["E09000001", "E09000007", "E09000019", "E09000033"];

/// One pay band: white and black staff, some not stated.
fn table(black: u32, not_stated: u32) -> String {
    format!("ethnicity,pay_band,headcount\nwhite_british,4,60\nblack_african,4,{black}\nnot_stated,4,{not_stated}\n")
}

async fn share(hub: &TestHub, token: &str) -> Value {
    hub.get_json(&format!("/api/v1/benchmarks/workforce_share?period={PERIOD}&group=black&pay_band=4"), token).await
}

fn row<'a>(answer: &'a Value, org: &str) -> Option<&'a Value> {
    answer["rows"].as_array()?.iter().find(|r| r["organisation"] == org)
}

async fn publish(hub: &TestHub, steward: &str) -> reqwest::Response {
    hub.client
        .post(hub.url(&format!("/api/v1/periods/{PERIOD}/releases")))
        .bearer_auth(steward)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn analysts_see_a_quarter_only_through_its_releases() {
    let hub = TestHub::collecting().await;
    for org in ORGS {
        hub.submit_csv(org, "workforce", PERIOD, &table(20, 5)).await;
    }
    let (analyst, steward, own) = (hub.analyst().await, hub.steward().await, hub.submitter(ORGS[0]).await);

    // Collecting: analysts see no borough's rows, and the answer says why.
    let before = share(&hub, &analyst).await;
    assert_eq!(before["releases"][0]["state"], "collecting");
    assert!(row(&before, ORGS[0]).is_none() && row(&before, ORGS[1]).is_none());
    // A borough sees its own figures at once, provisional; not others'.
    let mine = share(&hub, &own).await;
    assert_eq!(row(&mine, ORGS[0]).expect("own row")["release"], Value::Null);
    assert!(row(&mine, ORGS[1]).is_none());

    // A steward publishes: 201 with the release; again at once: 409.
    let r = publish(&hub, &steward).await;
    assert_eq!(r.status(), 201);
    let release: Value = r.json().await.unwrap();
    assert_eq!((release["period"].as_str(), release["release"].as_u64()), (Some(PERIOD), Some(1)));
    assert_eq!(release["submissions"].as_array().unwrap().len(), ORGS.len());
    assert_eq!(publish(&hub, &steward).await.status(), 409);
    assert_eq!(publish(&hub, &analyst).await.status(), 403);

    let published = share(&hub, &analyst).await;
    assert_eq!(published["releases"][0]["state"], "published");
    assert_eq!(row(&published, ORGS[1]).expect("released row")["release"], 1);
    let first_value = row(&published, ORGS[0]).unwrap()["value"].clone();
    assert!(first_value.is_number());

    // A correction: provisional for its borough, invisible to analysts.
    hub.submit_csv(ORGS[0], "workforce", PERIOD, &table(30, 5)).await;
    let after = share(&hub, &analyst).await;
    assert_eq!(row(&after, ORGS[0]).unwrap()["value"], first_value, "analysts still see release 1");
    let mine = share(&hub, &own).await;
    let provisional = row(&mine, ORGS[0]).unwrap();
    assert_eq!((provisional["release"].clone(), provisional["revised"].clone()), (Value::Null, json!(true)));
    assert_ne!(provisional["value"], first_value);
    let periods = hub.get_json("/api/v1/periods", &analyst).await;
    let quarter = periods["periods"].as_array().unwrap().iter().find(|p| p["period"] == PERIOD).unwrap().clone();
    assert_eq!((quarter["state"].as_str(), quarter["unreleased_changes"].as_bool()), (Some("published"), Some(true)));

    // The next release shows the correction, marked revised.
    assert_eq!(publish(&hub, &steward).await.status(), 201);
    let revised = share(&hub, &analyst).await;
    let corrected = row(&revised, ORGS[0]).unwrap();
    assert_eq!((corrected["release"].clone(), corrected["revised"].clone()), (json!(2), json!(true)));
    assert_eq!(row(&revised, ORGS[1]).unwrap()["revised"], false);
    // CSV carries the release and the revision flag too.
    let csv = hub
        .get(&format!("/api/v1/benchmarks/workforce_share?period={PERIOD}&group=black&pay_band=4&format=csv"), &analyst)
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",release,revised"), "{csv}");
}

#[tokio::test]
async fn a_schedule_publishes_exactly_once_across_hub_processes() {
    let hub = TestHub::collecting().await;
    let replica = hub.replica().await;
    for org in ORGS {
        hub.submit_csv(org, "workforce", PERIOD, &table(20, 5)).await;
    }
    let steward = hub.steward().await;
    let now = chrono::Utc::now();
    let schedule = |deadline: chrono::DateTime<chrono::Utc>, release_at: chrono::DateTime<chrono::Utc>| {
        hub.client
            .put(hub.url(&format!("/api/v1/periods/{PERIOD}/schedule")))
            .bearer_auth(&steward)
            .json(&json!({"deadline": deadline, "release_at": release_at}))
            .send()
    };
    assert_eq!(schedule(now, now - chrono::Duration::hours(1)).await.unwrap().status(), 422);
    let r = schedule(now, now + chrono::Duration::seconds(1)).await.unwrap();
    assert_eq!(r.status(), 200);
    let info: Value = r.json().await.unwrap();
    assert_eq!(info["state"], "collecting");
    assert!(info["release_at"].is_string());

    let analyst = hub.analyst().await;
    let mut releases = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let periods = replica.get_json("/api/v1/periods", &analyst).await;
        // The replica may not have read the uploads yet.
        let Some(quarter) = periods["periods"].as_array().unwrap().iter().find(|p| p["period"] == PERIOD).cloned()
        else {
            continue;
        };
        releases = quarter["releases"].as_array().unwrap().len();
        if releases > 0 {
            assert_eq!(quarter["state"], "published");
            break;
        }
    }
    assert_eq!(releases, 1, "the scheduled release was not made");
    // Both processes keep checking; neither publishes it again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let periods = hub.get_json("/api/v1/periods", &analyst).await;
    let quarter = periods["periods"].as_array().unwrap().iter().find(|p| p["period"] == PERIOD).unwrap().clone();
    assert_eq!(quarter["releases"].as_array().unwrap().len(), 1);
    assert_eq!(quarter["scheduled_release_done"], true);
    assert!(row(&share(&replica, &analyst).await, ORGS[0]).is_some());
}

#[tokio::test]
async fn release_on_upload_publishes_every_accepted_change() {
    let hub = TestHub::start().await;
    hub.submit_csv(ORGS[0], "workforce", PERIOD, &table(20, 5)).await;
    let analyst = hub.analyst().await;
    assert_eq!(row(&share(&hub, &analyst).await, ORGS[0]).unwrap()["release"], 1);
    let second = hub.submit_csv(ORGS[0], "workforce", PERIOD, &table(25, 5)).await;
    assert_eq!(row(&share(&hub, &analyst).await, ORGS[0]).unwrap()["release"], 2);
    let r = hub.withdraw(second["id"].as_str().unwrap(), &hub.submitter(ORGS[0]).await).await;
    assert_eq!(r.status(), 204);
    let after = share(&hub, &analyst).await;
    assert!(row(&after, ORGS[0]).is_none(), "a withdrawal is released too");
    assert_eq!(after["releases"][0]["release"], 3);
    // Every release is in the access log.
    let log = hub.get_json("/api/v1/audit", &hub.steward().await).await;
    let releases = log["events"].as_array().unwrap().iter().filter(|e| e["action"] == "release_on_upload").count();
    assert_eq!(releases, 3, "{log}");
}

/// A hub restarted with another smallest count serves nothing of a quarter
/// released under the old one (503 saying what to do, never the old
/// pattern), and its steward can release the quarter again under the new one.
#[tokio::test]
async fn a_release_protected_for_another_k_is_not_served_until_released_again() {
    let hub = TestHub::collecting().await;
    for org in ORGS {
        hub.submit_csv(org, "workforce", PERIOD, &table(12, 5)).await;
    }
    let steward = hub.steward().await;
    assert_eq!(publish(&hub, &steward).await.status(), 201);
    let dir = hub.stop().await;
    let config = edi_hub_api::ServerConfig {
        rate_limit: 0,
        policy: edi_hub_core::disclosure::Policy { min_count: 15 },
        ..Default::default()
    };
    let hub = TestHub::start_in(dir, config).await;
    let (analyst, steward) = (hub.analyst().await, hub.steward().await);
    let path = format!("/api/v1/benchmarks/workforce_share?period={PERIOD}&group=black&pay_band=4");
    let refused = hub.get(&path, &analyst).await;
    assert_eq!(refused.status(), 503);
    let detail = refused.json::<Value>().await.unwrap()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("k = 10") && detail.contains("k = 15") && detail.contains("releases"), "{detail}");
    // Nothing changed but the rule: the steward may still publish, and release 2 is served.
    let r = publish(&hub, &steward).await;
    assert_eq!(r.status(), 201);
    let answer = share(&hub, &analyst).await;
    let shown = row(&answer, ORGS[1]).expect("released row");
    assert_eq!(shown["release"], 2);
    // Black staff (12) are now below k = 15: withheld.
    assert!(shown["value"].is_null(), "{shown}");
    assert_eq!(publish(&hub, &steward).await.status(), 409);
}
