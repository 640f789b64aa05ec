//! Every metric of the catalogue against values computed by hand on a small
//! fixture: a detailed-code borough (Camden), a high-level-only borough
//! (Hackney), a borough without White staff in some datasets (Islington:
//! the reference group is missing) and a borough with only not-stated
//! staff (Newham: zero denominators). The fixture and its helpers are
//! shared with [`crate::metric_summaries`].

use serde_json::{Value, json};

use crate::support::TestHub;

pub(crate) const CAMDEN: &str = "E09000007";
const HACKNEY: &str = "E09000012";
pub(crate) const ISLINGTON: &str = "E09000019";
const NEWHAM: &str = "E09000025";

const FILES: &[(&str, &str, &str)] = &[
    (
        CAMDEN,
        "workforce",
        "ethnicity,pay_band,headcount\nblack_african,1,30\nblack_caribbean,1,20\nwhite_british,1,100\nwhite_irish,1,10\nasian_indian,2,40\nwhite_british,2,60\nnot_stated,2,40\n",
    ),
    (HACKNEY, "workforce", "ethnicity,pay_band,headcount\nblack,1,60\nwhite,1,120\nasian,2,20\nnot_stated,1,0\n"),
    (
        ISLINGTON,
        "workforce",
        "ethnicity,pay_band,headcount\nblack_african,1,25\nasian_bangladeshi,1,25\nnot_stated,1,10\n",
    ),
    (NEWHAM, "workforce", "ethnicity,pay_band,headcount\nnot_stated,1,15\n"),
    (
        CAMDEN,
        "pay",
        "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nblack_african,30,18,17\nblack_caribbean,20,20,19\nwhite_british,100,25,23\nwhite_irish,10,22,21\nasian_indian,40,21,20\n",
    ),
    (
        HACKNEY,
        "pay",
        "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nblack,60,19,18\nwhite,120,24,22\nasian,20,22,21\n",
    ),
    (
        ISLINGTON,
        "pay",
        "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nblack_african,25,17,16\nasian_bangladeshi,25,18,17\n",
    ),
    (NEWHAM, "pay", "ethnicity,headcount,mean_hourly_pay,median_hourly_pay\nblack,5,15,15\nwhite,50,20,19\n"),
    (
        CAMDEN,
        "recruitment",
        "ethnicity,stage,count\nwhite_british,applied,100\nwhite_british,shortlisted,40\nwhite_british,appointed,20\nblack_african,applied,80\nblack_african,shortlisted,20\nblack_african,appointed,5\n",
    ),
    (
        HACKNEY,
        "recruitment",
        "ethnicity,stage,count\nwhite,applied,200\nwhite,shortlisted,50\nwhite,appointed,10\nblack,applied,150\nblack,shortlisted,30\nblack,appointed,10\n",
    ),
    (
        ISLINGTON,
        "recruitment",
        "ethnicity,stage,count\nblack_african,applied,50\nblack_african,shortlisted,20\nblack_african,appointed,10\n",
    ),
    (
        CAMDEN,
        "casework",
        "ethnicity,case_type,count\nblack_african,disciplinary,6\nblack_caribbean,disciplinary,4\nwhite_british,disciplinary,10\nwhite_british,grievance,3\n",
    ),
    (HACKNEY, "casework", "ethnicity,case_type,count\nblack,disciplinary,12\nwhite,disciplinary,12\n"),
    (ISLINGTON, "casework", "ethnicity,case_type,count\nblack_african,disciplinary,2\n"),
    (
        CAMDEN,
        "progression",
        "ethnicity,event,pay_band,count\nblack_african,promotion,1,3\nwhite_british,promotion,1,12\nwhite_british,promotion,2,6\n",
    ),
    (HACKNEY, "progression", "ethnicity,event,pay_band,count\nblack,promotion,1,12\nwhite,promotion,1,24\n"),
    (
        CAMDEN,
        "survey",
        "ethnicity,question,respondents,positive\nblack_african,race_equality_approach,40,20\nwhite_british,race_equality_approach,100,70\nblack_caribbean,race_equality_approach,10,8\n",
    ),
    (
        HACKNEY,
        "survey",
        "ethnicity,question,respondents,positive\nblack,race_equality_approach,30,12\nasian,race_equality_approach,20,15\n",
    ),
    (ISLINGTON, "survey", "ethnicity,question,respondents,positive\nblack_african,race_equality_approach,9,4\n"),
    (NEWHAM, "survey", "ethnicity,question,respondents,positive\nwhite,race_equality_approach,50,30\n"),
];

const POPULATION: &str = "organisation,ethnicity,residents\n\
E09000007,black_african,3000\nE09000007,black_caribbean,2000\nE09000007,white_british,10000\nE09000007,asian_indian,4000\nE09000007,white_irish,1000\n\
E09000012,black,8000\nE09000012,white,10000\nE09000012,asian,2000\n\
E09000019,black_african,5000\nE09000019,asian_bangladeshi,5000\nE09000019,white_british,10000\n\
E09000025,black,2000\nE09000025,white,8000\n";

pub(crate) struct Fixture {
    pub(crate) hub: TestHub,
    pub(crate) steward: String,
    pub(crate) analyst: String,
}

pub(crate) async fn fixture() -> Fixture {
    let hub = TestHub::start().await;
    for (org, dataset, csv) in FILES {
        hub.submit_csv(org, dataset, "2025-Q1", csv).await;
    }
    let steward = hub.steward().await;
    let r = hub.put_file("/api/v1/reference/population", &steward, "text/csv", POPULATION.as_bytes().to_vec()).await;
    assert_eq!(r.status(), 200);
    let analyst = hub.analyst().await;
    Fixture { hub, steward, analyst }
}

impl Fixture {
    pub(crate) async fn ask(&self, token: &str, query: &str) -> Value {
        self.hub.get_json(&format!("/api/v1/benchmarks/{query}&period=2025-Q1"), token).await
    }
}

pub(crate) fn org<'a>(a: &'a Value, code: &str) -> Option<&'a Value> {
    a["rows"].as_array().unwrap().iter().find(|r| r["scope"] == "organisation" && r["organisation"] == code)
}

pub(crate) fn summary<'a>(a: &'a Value, scope: &str) -> &'a Value {
    a["rows"].as_array().unwrap().iter().find(|r| r["scope"] == scope).unwrap()
}

#[track_caller]
pub(crate) fn approx(v: &Value, expected: f64) {
    let x = v.as_f64().unwrap_or_else(|| panic!("expected {expected}, got {v}"));
    assert!((x - expected).abs() < 1e-9, "expected {expected}, got {x}");
}

/// (value, numerator, denominator, rank) of an organisation row.
#[track_caller]
pub(crate) fn check(
    a: &Value,
    code: &str,
    value: Option<f64>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    rank: Option<u64>,
) {
    let r = org(a, code).unwrap_or_else(|| panic!("no row for {code} in {a}"));
    for (name, expected) in [("value", value), ("numerator", numerator), ("denominator", denominator)] {
        match expected {
            Some(x) => approx(&r[name], x),
            None => assert!(r[name].is_null(), "{code} {name}: {}", r[name]),
        }
    }
    assert_eq!(r["rank"].as_u64(), rank, "{code} rank");
}

#[tokio::test]
async fn declaration_rate() {
    let f = fixture().await;
    let a = f.hub.get_json("/api/v1/benchmarks/declaration_rate?period=2025-Q1", &f.analyst).await;
    assert_eq!(a["parameters"], json!({}));
    check(&a, CAMDEN, Some(260.0 / 300.0 * 100.0), Some(260.0), Some(300.0), Some(2));
    check(&a, HACKNEY, Some(100.0), Some(200.0), Some(200.0), Some(1));
    check(&a, ISLINGTON, Some(50.0 / 60.0 * 100.0), Some(50.0), Some(60.0), Some(3));
    check(&a, NEWHAM, Some(0.0), Some(0.0), Some(15.0), Some(4));
    let london = summary(&a, "london");
    approx(&london["value"], 510.0 / 575.0 * 100.0);
    assert_eq!(
        (london["numerator"].clone(), london["denominator"].clone(), london["contributors"].clone()),
        (json!(510), json!(575), json!(4))
    );
    approx(&london["min"], 0.0);
    approx(&london["q1"], 0.75 * (50.0 / 60.0 * 100.0));
    approx(&london["median"], (50.0 / 60.0 * 100.0 + 260.0 / 300.0 * 100.0) / 2.0);
    approx(&london["q3"], 260.0 / 300.0 * 100.0 + 0.25 * (100.0 - 260.0 / 300.0 * 100.0));
    approx(&london["max"], 100.0);
    let band = f.ask(&f.analyst, "declaration_rate?pay_band=1").await;
    check(&band, CAMDEN, Some(100.0), Some(160.0), Some(160.0), Some(1));
    check(&band, HACKNEY, Some(100.0), Some(180.0), Some(180.0), Some(1));
}

#[tokio::test]
async fn workforce_share() {
    let f = fixture().await;
    let a = f.ask(&f.analyst, "workforce_share?group=black").await;
    check(&a, CAMDEN, Some(50.0 / 260.0 * 100.0), Some(50.0), Some(260.0), Some(3));
    check(&a, HACKNEY, Some(30.0), Some(60.0), Some(200.0), Some(2));
    check(&a, ISLINGTON, Some(50.0), Some(25.0), Some(50.0), Some(1));
    // Newham: nobody of known ethnicity, so no value (zero denominator) and no rank.
    check(&a, NEWHAM, None, Some(0.0), Some(0.0), None);
    assert_eq!(org(&a, NEWHAM).unwrap()["suppressed"], json!([]));
    let london = summary(&a, "london");
    assert_eq!(london["contributors"], 3);
    approx(&london["value"], 135.0 / 510.0 * 100.0);
    let detailed = f.ask(&f.analyst, "workforce_share?group=black_african").await;
    assert!(org(&detailed, HACKNEY).is_none(), "high-level-only borough has no detailed value");
    check(&detailed, CAMDEN, Some(30.0 / 260.0 * 100.0), Some(30.0), Some(260.0), Some(2));
    let minority = f.ask(&f.analyst, "workforce_share?group=white_minority").await;
    check(&minority, CAMDEN, Some(10.0 / 260.0 * 100.0), Some(10.0), Some(260.0), Some(1));
    assert!(org(&minority, HACKNEY).is_none());
}

#[tokio::test]
async fn representation_ratio() {
    let f = fixture().await;
    let a = f.ask(&f.analyst, "representation_ratio?group=black").await;
    assert_eq!(a["unit"], "ratio");
    check(&a, CAMDEN, Some((50.0 / 260.0) / 0.25), Some(50.0), Some(260.0), Some(1));
    check(&a, HACKNEY, Some(0.3 / 0.4), Some(60.0), Some(200.0), Some(2));
    check(&a, ISLINGTON, Some(2.0), Some(25.0), Some(50.0), Some(3));
    check(&a, NEWHAM, None, Some(0.0), Some(0.0), None);
    approx(&summary(&a, "london")["value"], (135.0 / 510.0) / (20000.0 / 70000.0));
    let detailed = f.ask(&f.analyst, "representation_ratio?group=black_african").await;
    assert!(org(&detailed, HACKNEY).is_none());
    assert!(org(&detailed, NEWHAM).is_none(), "population reported at high level");
    check(&detailed, ISLINGTON, Some(2.0), Some(25.0), Some(50.0), Some(2));
}

#[tokio::test]
async fn pay_gaps() {
    let f = fixture().await;
    let white_camden = (2500.0 + 220.0) / 110.0;
    let s = f.ask(&f.steward, "pay_gap_mean?group=black").await;
    check(&s, CAMDEN, Some((white_camden - 18.8) / white_camden * 100.0), Some(18.8), Some(white_camden), Some(2));
    check(&s, HACKNEY, Some(5.0 / 24.0 * 100.0), Some(19.0), Some(24.0), Some(1));
    check(&s, ISLINGTON, None, Some(17.0), None, None);
    check(&s, NEWHAM, Some(25.0), Some(15.0), Some(20.0), Some(3));
    let london = summary(&s, "london");
    let (g, w) = (2580.0 / 140.0, 6600.0 / 280.0);
    approx(&london["value"], (w - g) / w * 100.0);
    approx(&london["numerator"], g);
    // An analyst: Newham's Black headcount (5) is below k, so its pay figures are withheld.
    let a = f.ask(&f.analyst, "pay_gap_mean?group=black").await;
    check(&a, NEWHAM, None, None, Some(20.0), None);
    assert_eq!(org(&a, NEWHAM).unwrap()["suppressed"], json!(["numerator", "value"]));
    check(&a, HACKNEY, Some(5.0 / 24.0 * 100.0), Some(19.0), Some(24.0), Some(1));

    let m = f.ask(&f.steward, "pay_gap_median?group=black").await;
    check(&m, CAMDEN, None, None, None, None);
    check(&m, HACKNEY, Some(4.0 / 22.0 * 100.0), Some(18.0), Some(22.0), Some(1));
    check(&m, NEWHAM, Some(4.0 / 19.0 * 100.0), Some(15.0), Some(19.0), Some(2));
    assert!(summary(&m, "london")["value"].is_null(), "medians are not pooled");
}

#[tokio::test]
async fn recruitment_relative_likelihoods() {
    let f = fixture().await;
    let s = f.ask(&f.steward, "appointment_rl?group=black").await;
    check(&s, CAMDEN, Some(0.5), Some(25.0), Some(50.0), Some(1));
    check(&s, HACKNEY, Some((10.0 / 30.0) / 0.2), Some(100.0 / 3.0), Some(20.0), Some(2));
    check(&s, ISLINGTON, None, Some(50.0), None, None);
    assert!(org(&s, NEWHAM).is_none());
    approx(&summary(&s, "london")["value"], (25.0 / 70.0) / (30.0 / 90.0));
    let a = f.ask(&f.analyst, "appointment_rl?group=black").await;
    let camden = org(&a, CAMDEN).unwrap();
    assert!(camden["value"].is_null() && camden["numerator"].is_null() && camden["denominator"].is_null());
    assert_eq!(org(&a, HACKNEY).unwrap()["rank"], 1);
    assert!(summary(&a, "london")["value"].is_null(), "two contributors");

    let s = f.ask(&f.steward, "shortlisting_rl?group=black").await;
    check(&s, CAMDEN, Some(0.625), Some(25.0), Some(40.0), Some(2));
    check(&s, HACKNEY, Some(0.8), Some(20.0), Some(25.0), Some(1));
    approx(&summary(&s, "london")["value"], 0.25 / 0.3);
    let a = f.ask(&f.analyst, "shortlisting_rl?group=black").await;
    check(&a, CAMDEN, Some(0.625), Some(25.0), Some(40.0), Some(2));
}

#[tokio::test]
async fn casework_and_progression_relative_likelihoods() {
    let f = fixture().await;
    let a = f.ask(&f.analyst, "casework_rl?group=black").await;
    assert_eq!(a["parameters"], json!({"group": "black", "case_type": "disciplinary"}));
    check(&a, CAMDEN, Some(0.2 / (10.0 / 170.0)), Some(20.0), Some(1000.0 / 170.0), Some(2));
    check(&a, HACKNEY, Some(2.0), Some(20.0), Some(10.0), Some(1));
    let s = f.ask(&f.steward, "casework_rl?group=black").await;
    approx(&summary(&s, "london")["value"], (24.0 / 135.0) / (22.0 / 290.0));
    // Grievance: Hackney has no grievance rows, so no value; Camden's three White cases are withheld.
    let g = f.ask(&f.analyst, "casework_rl?group=black&case_type=grievance").await;
    assert!(org(&g, HACKNEY).is_none());
    assert!(org(&g, CAMDEN).unwrap()["value"].is_null());
    let g = f.ask(&f.steward, "casework_rl?group=black&case_type=grievance").await;
    check(&g, CAMDEN, Some(0.0), Some(0.0), Some(300.0 / 170.0), Some(1));

    let s = f.ask(&f.steward, "progression_rl?group=black").await;
    assert_eq!(s["parameters"], json!({"group": "black", "event": "promotion"}));
    check(&s, CAMDEN, Some(0.06 / (18.0 / 170.0)), Some(6.0), Some(1800.0 / 170.0), Some(2));
    check(&s, HACKNEY, Some(1.0), Some(20.0), Some(20.0), Some(1));
    let band = f.ask(&f.steward, "progression_rl?group=black&pay_band=1").await;
    check(&band, CAMDEN, Some(0.06 / (12.0 / 110.0)), Some(6.0), Some(1200.0 / 110.0), Some(2));
    let a = f.ask(&f.analyst, "progression_rl?group=black").await;
    assert!(org(&a, CAMDEN).unwrap()["value"].is_null(), "three promotions");
}

#[tokio::test]
async fn survey_positive_rate() {
    let f = fixture().await;
    let a = f.ask(&f.analyst, "survey_positive_rate?question=race_equality_approach").await;
    assert_eq!(a["parameters"], json!({"group": "ethnic_minority", "question": "race_equality_approach"}));
    check(&a, CAMDEN, Some(56.0), Some(28.0), Some(50.0), Some(1));
    check(&a, HACKNEY, Some(54.0), Some(27.0), Some(50.0), Some(2));
    check(&a, ISLINGTON, None, None, None, None);
    assert_eq!(
        org(&a, ISLINGTON).unwrap()["suppressed"],
        json!(["numerator", "denominator", "value", "lower_ci", "upper_ci"])
    );
    check(&a, NEWHAM, None, Some(0.0), Some(0.0), None);
    let london = summary(&a, "london");
    // Islington's counts are withheld, so London pools the others: Camden,
    // Hackney and Newham (no respondents, no value): two values, too few
    // for any number.
    assert_eq!(london["contributors"], 2);
    assert!(london["value"].is_null() && london["numerator"].is_null() && london["denominator"].is_null());
    let steward = f.ask(&f.steward, "survey_positive_rate?question=race_equality_approach").await;
    approx(&summary(&steward, "london")["value"], 59.0 / 109.0 * 100.0);
    for column in ["min", "median", "max"] {
        assert!(london[column].is_null(), "{column}");
    }
    assert!(summary(&steward, "london")["median"].is_number());
}
