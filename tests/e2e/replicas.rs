//! Several `edi-hub serve` processes on one S3 store (a local `moto_server`):
//! they answer the same figures, and an upload or release made on one is
//! served by every other once it has re-read the ledger (every two seconds;
//! how soon is measured by `bench/compare.py`, not asserted here).

use std::process::Command;
use std::time::{Duration, Instant};

use edi_hub_core::{Dataset, Period};
use edi_hub_store::{NewToken, Role, Store, StoreLocation};

use crate::process::{Process, binary};
use crate::s3::Moto;

/// `edi-hub serve` on `s3://{bucket}/hub` of the moto server, configured by
/// the standard `AWS_*` variables as in production.
fn s3_process(moto: &Moto, bucket: &str) -> Process {
    let mut command = Command::new(binary());
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "0", "--object-store-url"])
        .arg(format!("s3://{bucket}/hub"))
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT", &moto.endpoint)
        .env("AWS_ALLOW_HTTP", "true");
    Process::spawn(command)
}

async fn token(location: &StoreLocation, role: Role, organisation: Option<&str>) -> String {
    let store = Store::open(location).expect("store");
    let new =
        NewToken { role, organisation: organisation.map(|o| o.parse().expect("code")), label: None, expires_at: None };
    store.tokens().create(new).await.expect("token").1
}

async fn answer(client: &reqwest::Client, base: &str, path: &str, token: &str) -> (u16, String) {
    let r = client.get(format!("{base}{path}")).bearer_auth(token).send().await.expect("request");
    (r.status().as_u16(), r.text().await.expect("body"))
}

/// Waits until every process gives the same 200 answer to each question
/// and `served` holds for it; the answers, and how long it took.
async fn agreed(
    client: &reqwest::Client,
    processes: &[&Process],
    questions: &[&str],
    token: &str,
    served: impl Fn(&serde_json::Value) -> bool,
) -> (Vec<String>, Duration) {
    let started = Instant::now();
    loop {
        let mut answers = Vec::new();
        let mut same = true;
        for q in questions {
            let mut seen = Vec::new();
            for p in processes {
                seen.push(answer(client, &p.base, q, token).await);
            }
            same &= seen.iter().all(|a| a.0 == 200 && *a == seen[0]);
            answers.push(seen.swap_remove(0).1);
        }
        // A CSV answer is compared as text only.
        let json: Vec<serde_json::Value> =
            answers.iter().map(|a| serde_json::from_str(a).unwrap_or(serde_json::Value::Null)).collect();
        if same && json.iter().all(&served) {
            return (answers, started.elapsed());
        }
        // A liveness bound, far above the refresh interval: not a timing assertion.
        assert!(started.elapsed() < Duration::from_secs(60), "the processes still disagree after 60 s: {answers:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether an answer (JSON; a CSV answer is taken as it is) shows release
/// `release` of its quarter in every organisation row.
fn released(answer: &serde_json::Value, release: u32) -> bool {
    let Some(rows) = answer["rows"].as_array() else { return true };
    answer["releases"][0]["release"] == release
        && rows.iter().filter(|r| r["scope"] == "organisation").all(|r| r["release"] == release)
}

/// The organisation row of `organisation` in an answer.
fn row<'a>(answer: &'a serde_json::Value, organisation: &str) -> Option<&'a serde_json::Value> {
    answer["rows"].as_array()?.iter().find(|r| r["organisation"] == organisation)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_s3_store_serve_the_same_figures_and_each_others_releases() {
    let moto = Moto::start().await;
    let location = moto.bucket("replicas").await;
    let period: Period = "2025-Q1".parse().unwrap();
    let (steward, analyst) = (token(&location, Role::Steward, None).await, token(&location, Role::Analyst, None).await);
    let files: Vec<_> = edi_hub_synthetic::submissions(&[period], 11)
        .into_iter()
        .filter(|f| f.dataset == Dataset::Workforce)
        .take(12)
        .collect();
    let mut submitters = Vec::new();
    for f in &files {
        submitters.push(token(&location, Role::Submitter, Some(f.organisation.code())).await);
    }
    // Both processes start with every token in the store.
    let (one, two) = (s3_process(&moto, "replicas"), s3_process(&moto, "replicas"));
    let client = reqwest::Client::new();

    // Twelve boroughs upload their workforce, alternately through each process.
    for (i, (f, submitter)) in files.iter().zip(&submitters).enumerate() {
        let code = f.organisation.code();
        let base = if i % 2 == 0 { &one.base } else { &two.base };
        let r = client
            .put(format!("{base}/api/v1/submissions/{code}/workforce/{period}"))
            .bearer_auth(submitter)
            .header("content-type", "text/csv")
            .body(f.csv.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    }

    // A steward publishes the quarter on the second process; both serve it, the same.
    let published = |base: &str| client.post(format!("{base}/api/v1/periods/{period}/releases")).bearer_auth(&steward);
    let r = published(&two.base).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let questions = [
        format!("/api/v1/benchmarks/workforce_share?period={period}"),
        format!("/api/v1/benchmarks/workforce_share?period={period}&group=black&pay_band=2"),
        format!("/api/v1/benchmarks/workforce_share?period={period}&group=asian_indian&format=csv"),
        format!("/api/v1/benchmarks/declaration_rate?period={period}"),
    ];
    let questions: Vec<&str> = questions.iter().map(String::as_str).collect();
    let first = |a: &serde_json::Value| released(a, 1);
    let (answers, took) = agreed(&client, &[&one, &two], &questions, &analyst, first).await;
    let shown: serde_json::Value = serde_json::from_str(&answers[0]).unwrap();
    assert_eq!(shown["releases"][0]["release"], 1);
    assert_eq!(shown["rows"].as_array().unwrap().iter().filter(|r| r["scope"] == "organisation").count(), 12);
    println!("release 1 made on one process: both serve it, the same, after {took:?}");

    // A borough revises its file through the first process and a steward
    // publishes it there: the second serves the revision too.
    let (code, submitter) = (files[2].organisation.code(), &submitters[2]);
    let revised = "ethnicity,headcount\nblack_african,55\nwhite_british,300\nnot_stated,5\n";
    let r = client
        .put(format!("{}/api/v1/submissions/{code}/workforce/{period}", one.base))
        .bearer_auth(submitter)
        .header("content-type", "text/csv")
        .body(revised)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = published(&one.base).send().await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let black = [format!("/api/v1/benchmarks/workforce_share?period={period}&group=black")];
    let black: Vec<&str> = black.iter().map(String::as_str).collect();
    let revision = |a: &serde_json::Value| {
        row(a, code).is_some_and(|r| r["release"] == 2 && r["numerator"] == 55 && r["denominator"] == 355)
    };
    let (_, took) = agreed(&client, &[&one, &two], &black, &steward, revision).await;
    println!("an upload and release 2 made on the other process: both serve it after {took:?}");
    let second = |a: &serde_json::Value| released(a, 2);
    let json = [&questions[0], &questions[1], &questions[3]].map(|q| *q);
    let (answers, _) = agreed(&client, &[&one, &two], &json, &analyst, second).await;
    let shown: serde_json::Value = serde_json::from_str(&answers[0]).unwrap();
    assert_eq!(row(&shown, code).unwrap()["revised"], true, "the revised borough is marked revised");
    assert_eq!(row(&shown, files[0].organisation.code()).unwrap()["revised"], false, "the others are not");
}
