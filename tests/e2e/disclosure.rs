//! Differencing attacks through the HTTP API recover nothing, and the LP
//! audit of everything an analyst is shown finds no count pinned down.

use serde_json::Value;

use crate::support::TestHub;

/// Camden (inner, Central London Forward): the DISCLOSURE brief's band 6
/// (white 12, black 2, not stated 1) beside a larger band 5.
const CAMDEN: &str = "ethnicity,pay_band,headcount\n\
white,6,12\nblack,6,2\nasian,6,0\nmixed,6,0\nother,6,0\nnot_stated,6,1\n\
white,5,40\nblack,5,25\nasian,5,30\nmixed,5,11\nother,5,12\nnot_stated,5,3\n";

/// Three more Central London Forward boroughs with larger bands.
fn borough(scale: i64) -> String {
    let mut csv = String::from("ethnicity,pay_band,headcount\n");
    for band in [5, 6] {
        for (code, n) in [("white", 60), ("black", 30), ("asian", 25), ("mixed", 12), ("other", 14), ("not_stated", 11)]
        {
            csv.push_str(&format!("{code},{band},{}\n", n * scale));
        }
    }
    csv
}

const OTHERS: [&str; 3] = ["E09000001", "E09000012", "E09000019"];
const CAMDEN_CODE: &str = "E09000007";

async fn fixture() -> TestHub {
    fixture_with(TestHub::start().await).await
}

async fn fixture_with(hub: TestHub) -> TestHub {
    hub.submit_csv(CAMDEN_CODE, "workforce", "2025-Q1", CAMDEN).await;
    for (i, org) in OTHERS.iter().enumerate() {
        hub.submit_csv(org, "workforce", "2025-Q1", &borough(i as i64 + 1)).await;
    }
    hub
}

fn org_row<'a>(answer: &'a Value, org: &str) -> &'a Value {
    answer["rows"].as_array().unwrap().iter().find(|r| r["organisation"] == org).unwrap()
}

fn scope_row<'a>(answer: &'a Value, scope: &str) -> &'a Value {
    answer["rows"].as_array().unwrap().iter().find(|r| r["scope"] == scope).unwrap()
}

#[tokio::test]
async fn band_total_minus_the_other_groups_recovers_nothing() {
    let hub = fixture().await;
    let analyst = hub.analyst().await;
    let ask = |q: String| {
        let hub = &hub;
        let analyst = analyst.clone();
        async move { hub.get_json(&format!("/api/v1/benchmarks/{q}&period=2025-Q1"), &analyst).await }
    };
    let mut numerators = std::collections::BTreeMap::new();
    let mut known = Vec::new();
    for group in ["white", "black", "asian", "mixed", "other", "ethnic_minority"] {
        let a = ask(format!("workforce_share?group={group}&pay_band=6")).await;
        let row = org_row(&a, CAMDEN_CODE);
        numerators.insert(group, row["numerator"].as_i64());
        known.push(row["denominator"].as_i64());
    }
    assert_eq!(numerators["black"], None, "the small cell itself is withheld");
    // The known-ethnicity total of band 6 is the same number in every answer.
    assert!(known.windows(2).all(|w| w[0] == w[1]), "one pattern for every query: {known:?}");
    let known = known[0];
    // Attack 1: band total minus the other groups.
    let others: Option<i64> = ["white", "asian", "mixed", "other"].iter().map(|g| numerators[g]).sum();
    assert!(known.is_none() || others.is_none(), "black = {known:?} - {others:?} would be recovered");
    // Attack 2: ethnic minority total minus its other groups.
    let em_others: Option<i64> = ["asian", "mixed", "other"].iter().map(|g| numerators[g]).sum();
    assert!(numerators["ethnic_minority"].is_none() || em_others.is_none());
    // Attack 3: all staff minus known ethnicity (not stated, 1).
    let d = ask("declaration_rate?pay_band=6".into()).await;
    let d = org_row(&d, CAMDEN_CODE);
    let everyone = d["denominator"].as_i64();
    assert!(everyone.is_none() || known.is_none(), "not stated = {everyone:?} - {known:?}");
    assert!(d["value"].is_null());
    // Attack 4: the same through the declaration rate's own numerator.
    assert!(d["numerator"].is_null() || everyone.is_none());
    // The owner still sees everything.
    let own = hub.submitter(CAMDEN_CODE).await;
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?group=black&pay_band=6&period=2025-Q1", &own).await;
    let row = org_row(&a, CAMDEN_CODE);
    assert_eq!((row["numerator"].as_i64(), row["denominator"].as_i64()), (Some(2), Some(14)));
    assert_eq!(row["suppressed"], serde_json::json!([]));
}

#[tokio::test]
async fn london_pool_minus_the_other_boroughs_recovers_nothing() {
    let hub = fixture().await;
    let analyst = hub.analyst().await;
    // The four boroughs are all in London, inner London and Central London Forward.
    for query in ["group=black&pay_band=6", "group=black", "group=ethnic_minority&pay_band=6", "group=ethnic_minority"]
    {
        let a = hub.get_json(&format!("/api/v1/benchmarks/workforce_share?{query}&period=2025-Q1"), &analyst).await;
        let boroughs: Vec<&Value> =
            a["rows"].as_array().unwrap().iter().filter(|r| r["scope"] == "organisation").collect();
        let shown: Vec<&&Value> =
            boroughs.iter().filter(|r| r["numerator"].is_number() && r["denominator"].is_number()).collect();
        for scope in ["london", "inner_london", "central_london_forward"] {
            let pool = scope_row(&a, scope);
            assert_eq!(pool["contributors"].as_u64(), Some(shown.len() as u64), "{query}: {scope}");
            for column in ["numerator", "denominator"] {
                // The pool is the sum of the figures shown beside it, so the
                // pool minus the other boroughs is 0, never a withheld figure.
                let sum: i64 = shown.iter().map(|r| r[column].as_i64().unwrap()).sum();
                assert!(
                    pool[column].is_null() || pool[column].as_i64() == Some(sum),
                    "{query}: {scope} {column} {} is not the sum {sum} of the boroughs shown",
                    pool[column]
                );
            }
        }
    }
    // Camden's band 6 black count (2) is withheld; London pools the other
    // three boroughs and is shown, with Camden's flag withheld.
    let a = hub.get_json("/api/v1/benchmarks/workforce_share?group=black&pay_band=6&period=2025-Q1", &analyst).await;
    let london = scope_row(&a, "london");
    assert_eq!(london["contributors"], 3);
    assert!(london["numerator"].is_number() && london["value"].is_number(), "{a}");
    assert!(org_row(&a, CAMDEN_CODE)["numerator"].is_null());
    // A steward sees the whole pool, Camden included.
    let steward = hub.steward().await;
    let full = hub.get_json("/api/v1/benchmarks/workforce_share?group=black&pay_band=6&period=2025-Q1", &steward).await;
    assert_eq!(scope_row(&full, "london")["contributors"], 4);
    assert_eq!(scope_row(&full, "london")["numerator"].as_i64(), london["numerator"].as_i64().map(|n| n + 2));
}

#[tokio::test]
async fn the_lp_audit_finds_nothing_pinned() {
    let hub = fixture().await;
    let report = edi_hub_disclosure_audit::audit_period(
        hub.store.clone(),
        edi_hub_core::disclosure::Policy::default(),
        "2025-Q1".parse().unwrap(),
        None,
        1,
        true,
    )
    .await
    .unwrap();
    assert!(report.passed(), "{}", report.render());
    assert_eq!(report.organisations.len(), 4);
    let camden = report.organisations.iter().find(|o| o.organisation.code() == CAMDEN_CODE).unwrap();
    assert!(camden.primary > 0 && camden.secondary > 0, "{}", report.render());
    assert!(camden.checked > 0 && camden.published > 0);
    assert!(report.answers > 0);
}

/// The audit's negative control, end to end: answers served with a smaller
/// k publish counts the audit (at the default k) must find pinned.
#[tokio::test]
async fn the_lp_audit_finds_what_a_weaker_hub_gives_away() {
    // A hub whose releases are worked out with k = 2.
    let weak = edi_hub_core::disclosure::Policy { min_count: 2 };
    let config =
        edi_hub_api::ServerConfig { rate_limit: 0, release_on_upload: true, policy: weak, ..Default::default() };
    let hub = fixture_with(TestHub::start_with(config).await).await;
    let report = edi_hub_disclosure_audit::audit_period_served(
        hub.store.clone(),
        weak,
        edi_hub_core::disclosure::Policy::default(),
        "2025-Q1".parse().unwrap(),
        Some(CAMDEN_CODE.parse().unwrap()),
        1,
        true,
    )
    .await
    .unwrap();
    assert!(!report.passed());
    let camden = &report.organisations[0];
    assert!(!camden.leaks.is_empty(), "{}", report.render());
    // Camden's band 6 black (2) is among what a hub with k = 2 publishes.
    assert!(camden.leaks.iter().any(|l| l.value == 2 && l.what.contains("black")), "{}", report.render());
}
