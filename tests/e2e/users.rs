//! Who may sign in, for stewards: people and role-claim values mapped
//! through the API and the `edi-hub user` command (on a serving hub), every
//! field checked, and a damaged mapping failing closed.

use edi_hub_store::Role;
use serde_json::Value;

use crate::oidc::{Account, Provider, sign_in};
use crate::sign_in::{audit, map};
use crate::support::TestHub;

#[tokio::test]
async fn stewards_map_people_through_the_api() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    let steward = hub.steward().await;
    let analyst = hub.analyst().await;
    let put = |token: &str, email: &str, body: Value| {
        hub.client.put(hub.url(&format!("/api/v1/users/{email}"))).bearer_auth(token).json(&body).send()
    };
    let r = put(
        &steward,
        "Alex.Jones@Harrow.gov.uk",
        serde_json::json!({"role": "submitter", "organisation": "E09000015"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 200);
    let stored: Value = r.json().await.unwrap();
    assert_eq!(stored["email"], "alex.jones@harrow.gov.uk");
    assert_eq!(stored["organisation"], "E09000015");
    for (email, body, parameter) in [
        ("not-an-email", serde_json::json!({"role": "analyst"}), Some("email")),
        ("a@b.uk", serde_json::json!({"role": "owner"}), Some("role")),
        ("a@b.uk", serde_json::json!({"role": "submitter"}), Some("organisation")),
        ("a@b.uk", serde_json::json!({"role": "analyst", "organisation": "E09000001"}), Some("organisation")),
        ("a@b.uk", serde_json::json!({"role": "submitter", "organisation": "E09000099"}), Some("organisation")),
        ("a@b.uk", serde_json::json!({"role": "analyst", "extra": 1}), None),
    ] {
        let r = put(&steward, email, body.clone()).await.unwrap();
        assert_eq!(r.status(), 422, "{email} {body}");
        let problem: Value = r.json().await.unwrap();
        assert_eq!(problem["parameter"].as_str(), parameter, "{email} {body}");
    }
    assert_eq!(put(&analyst, "a@b.uk", serde_json::json!({"role": "steward"})).await.unwrap().status(), 403);
    let list = hub.get_json("/api/v1/users", &steward).await;
    assert_eq!(list["users"].as_array().unwrap().len(), 1);
    assert_eq!(list["users"][0]["email"], "alex.jones@harrow.gov.uk");
    assert!(list["damaged"].as_array().unwrap().is_empty());
    let delete =
        |email: &str| hub.client.delete(hub.url(&format!("/api/v1/users/{email}"))).bearer_auth(&steward).send();
    assert_eq!(delete("alex.jones%40harrow.gov.uk").await.unwrap().status(), 204);
    assert_eq!(delete("alex.jones@harrow.gov.uk").await.unwrap().status(), 404);
    assert_eq!(delete("%FF").await.unwrap().status(), 400, "not UTF-8");
    assert_eq!(delete("nobody").await.unwrap().status(), 422, "not an email address");
    assert!(audit(&hub, "user_set").await.iter().any(|e| e["target"] == "alex.jones@harrow.gov.uk"));
}

#[tokio::test]
async fn a_damaged_mapping_fails_closed() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    map(&hub, "bob@camden.gov.uk", Role::Steward, None).await;
    // Damage the person's latest entry in the store.
    let users = hub.dir.path().join("users");
    let ledger = std::fs::read_dir(&users).unwrap().next().unwrap().unwrap().path();
    std::fs::write(ledger.join("000000000002.json"), b"{\"subject\": 12").unwrap();
    hub.store.users().refresh().await.unwrap();
    let signed = sign_in(&hub.base, &provider, &Account::new("bob@camden.gov.uk")).await;
    assert_eq!(signed.status, 403, "{}", signed.body);
    assert!(signed.session().is_none());
    let steward = hub.steward().await;
    let list = hub.get_json("/api/v1/users", &steward).await;
    assert_eq!(list["damaged"].as_array().unwrap().len(), 1, "{list}");
}

/// Runs `edi-hub user ...` (the real binary) on a hub's store.
async fn user_command(hub: &TestHub, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new(crate::process::binary())
        .arg("user")
        .args(args)
        .args(["--data-dir", hub.dir.path().to_str().unwrap()])
        .env_remove("EDI_HUB_OBJECT_STORE_URL")
        .output()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_user_command_maps_people_while_the_hub_serves() {
    let provider = Provider::start().await;
    let hub = TestHub::start_with(provider.hub_config()).await;
    let out = user_command(
        &hub,
        &["add", "--email", "Alex.Jones@Harrow.gov.uk", "--role", "submitter", "--organisation", "E09000015"],
    )
    .await;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "alex.jones@harrow.gov.uk: submitter of E09000015 (Harrow)"
    );
    let out = user_command(&hub, &["add", "--claim", "dtg-group-id", "--role", "analyst"]).await;
    assert!(out.status.success(), "{out:?}");
    // The serving hub signs the person in at once (a sign-in reads the mappings afresh).
    let signed = sign_in(&hub.base, &provider, &Account::new("alex.jones@harrow.gov.uk")).await;
    assert_eq!(signed.status, 303, "{}", signed.body);
    let listed = String::from_utf8_lossy(&user_command(&hub, &["list"]).await.stdout).into_owned();
    assert!(listed.contains("alex.jones@harrow.gov.uk: submitter of E09000015 (Harrow)"), "{listed}");
    assert!(listed.contains("role-claim value dtg-group-id: analyst"), "{listed}");
    for (args, message) in [
        (vec!["add", "--email", "x@y.uk", "--role", "submitter"], "a submitter needs an organisation"),
        (vec!["add", "--email", "x@y.uk", "--role", "analyst", "--organisation", "E09000001"], "only submitters"),
        (vec!["add", "--email", "nobody", "--role", "analyst"], "not an email address"),
        (vec!["remove", "--email", "x@y.uk"], "has no mapping"),
    ] {
        let out = user_command(&hub, &args).await;
        assert!(!out.status.success(), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(message), "{args:?}: {out:?}");
    }
    let both = user_command(&hub, &["add", "--email", "x@y.uk", "--claim", "g", "--role", "analyst"]).await;
    assert!(!both.status.success(), "an email or a claim value, not both");
    let out = user_command(&hub, &["remove", "--email", "ALEX.JONES@harrow.gov.uk"]).await;
    assert!(out.status.success(), "{out:?}");
    let signed = sign_in(&hub.base, &provider, &Account::new("alex.jones@harrow.gov.uk")).await;
    assert_eq!(signed.status, 403, "removed: told to ask the steward");
}
