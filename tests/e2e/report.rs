//! The printable borough report: its figures are exactly the profile's
//! for the same caller (disclosure control and release rules included), a
//! withheld figure prints as [c] and no sentence gives it away, a quarter
//! not yet published is provisional for its borough and 404 for others,
//! and bad requests are 4xx.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::metric_values::{ISLINGTON, fixture};
use crate::support::TestHub;

/// One `<td>` of the report: its attributes and its text (tags removed).
#[derive(Debug)]
struct Cell {
    attrs: BTreeMap<String, String>,
    text: String,
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&#39;", "'").replace("&amp;", "&")
}

fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = tag;
    while let Some(eq) = rest.find("=\"") {
        let name = rest[..eq].rsplit(|c: char| c.is_whitespace()).next().unwrap_or("").to_string();
        let after = &rest[eq + 2..];
        let end = after.find('"').unwrap();
        out.insert(name, unescape(&after[..end]));
        rest = &after[end + 1..];
    }
    out
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
}

/// Every `<td>` of the document.
fn cells(html: &str) -> Vec<Cell> {
    html.split("<td")
        .skip(1)
        .filter(|part| part.starts_with(' ') || part.starts_with('>'))
        .map(|part| {
            let open_end = part.find('>').unwrap();
            let inner = &part[open_end + 1..part.find("</td>").unwrap()];
            Cell { attrs: attributes(&part[..open_end]), text: strip_tags(inner).trim().to_string() }
        })
        .collect()
}

fn cell<'a>(cells: &'a [Cell], metric: &str, scope: &str, column: &str) -> &'a Cell {
    cells
        .iter()
        .find(|c| {
            c.attrs.get("data-metric").map(String::as_str) == Some(metric)
                && c.attrs.get("data-scope").map(String::as_str) == Some(scope)
                && c.attrs.get("data-column").map(String::as_str) == Some(column)
        })
        .unwrap_or_else(|| panic!("no cell for {metric} {scope} {column}"))
}

/// The `<li>` sentence of a metric.
fn sentence(html: &str, metric: &str) -> String {
    let start =
        html.find(&format!("<li data-metric=\"{metric}\">")).unwrap_or_else(|| panic!("no sentence for {metric}"));
    let end = start + html[start..].find("</li>").unwrap();
    strip_tags(&html[start..end])
}

async fn report(hub: &TestHub, organisation: &str, query: &str, token: &str) -> reqwest::Response {
    hub.get(&format!("/api/v1/organisations/{organisation}/report?{query}"), token).await
}

async fn report_html(hub: &TestHub, organisation: &str, period: &str, token: &str) -> String {
    let r = report(hub, organisation, &format!("period={period}"), token).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert!(r.headers()["content-security-policy"].to_str().unwrap().starts_with("default-src 'none'"));
    r.text().await.unwrap()
}

/// The same double, allowing for serde_json's reading of a decimal (which
/// may land one unit in the last place away from the exact parse).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0)
}

/// How a cell compares with the JSON row's column: "value", "suppressed" or "empty".
#[track_caller]
fn same_figure(c: &Cell, row: Option<&Value>, column: &str) -> &'static str {
    let Some(row) = row else {
        assert!(!c.attrs.contains_key("data-value") && !c.attrs.contains_key("data-suppressed"), "{c:?}");
        return "empty";
    };
    let suppressed = row["suppressed"].as_array().unwrap().iter().any(|s| s == column);
    if suppressed {
        assert_eq!(c.attrs.get("data-suppressed").map(String::as_str), Some("true"), "{c:?} {row}");
        assert!(!c.attrs.contains_key("data-value"), "a withheld figure has no value: {c:?}");
        assert_eq!(c.text, "[c]");
        return "suppressed";
    }
    match row[column].as_f64() {
        None => {
            assert!(!c.attrs.contains_key("data-value"), "{c:?} {row}");
            assert_eq!(c.text, "–");
            "empty"
        }
        Some(v) => {
            let shown: f64 = c.attrs["data-value"].parse().unwrap();
            assert!(same(shown, v), "{column} of {row}: {shown}");
            "value"
        }
    }
}

/// Checks every figure of `organisation`'s report against its profile, for one caller; counts what was seen.
async fn check_against_profile(hub: &TestHub, organisation: &str, token: &str) -> (BTreeMap<String, usize>, String) {
    let profile = hub.get_json(&format!("/api/v1/organisations/{organisation}/profile?period=2025-Q1"), token).await;
    let html = report_html(hub, organisation, "2025-Q1", token).await;
    let cells = cells(&html);
    let metrics = profile["metrics"].as_array().unwrap();
    assert_eq!(metrics.len(), 10, "every measure of the catalogue");
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for answer in metrics {
        let metric = answer["metric"].as_str().unwrap();
        let rows = answer["rows"].as_array().unwrap();
        let scopes = ["organisation", "london", "inner_london", "central_london_forward"];
        for scope in scopes {
            let row = rows.iter().find(|r| r["scope"] == scope);
            let seen_as = same_figure(cell(&cells, metric, scope, "value"), row, "value");
            let key = if scope == "organisation" { format!("own {seen_as}") } else { format!("others {seen_as}") };
            *seen.entry(key).or_default() += 1;
        }
        assert!(!cells.iter().any(|c| c.attrs.get("data-scope").is_some_and(|s| s == "outer_london")));
        let own = rows.iter().find(|r| r["scope"] == "organisation");
        let rank = cell(&cells, metric, "organisation", "rank");
        assert_eq!(
            rank.attrs.get("data-value").and_then(|v| v.parse::<u64>().ok()),
            own.and_then(|r| r["rank"].as_u64())
        );
        let ci = cell(&cells, metric, "organisation", "ci");
        match own {
            Some(r)
                if ["value", "lower_ci", "upper_ci"]
                    .iter()
                    .any(|c| r["suppressed"].as_array().unwrap().iter().any(|s| s == c)) =>
            {
                assert_eq!(ci.text, "[c]")
            }
            Some(r) if r["lower_ci"].is_f64() => {
                assert!(same(ci.attrs["data-lower"].parse::<f64>().unwrap(), r["lower_ci"].as_f64().unwrap()));
                assert!(same(ci.attrs["data-upper"].parse::<f64>().unwrap(), r["upper_ci"].as_f64().unwrap()));
            }
            _ => assert_eq!(ci.text, "–"),
        }
        let flag = cell(&cells, metric, "organisation", "compared_with_london");
        match own
            .map(|r| (&r["compared_with_london"], r["suppressed"].as_array().unwrap().iter().any(|s| s == "value")))
        {
            Some((_, true)) => assert_eq!(flag.text, "[c]"),
            Some((Value::String(f), false)) => assert_eq!(&flag.text, f),
            _ => assert_eq!(flag.text, "–"),
        }
        // The sentence: a shown value is written as the table writes it; a withheld one is never described.
        let text = sentence(&html, metric);
        let own_cell = cell(&cells, metric, "organisation", "value");
        match own_cell.attrs.get("data-suppressed") {
            Some(_) => {
                assert!(text.contains("withheld [c]"), "{text}");
                for word in ["higher", "lower", "same as", "times", "paid"] {
                    assert!(!text.contains(word), "{metric}: a withheld figure is described: {text}");
                }
            }
            None if own_cell.attrs.contains_key("data-value") => {
                assert!(text.contains(&own_cell.text), "{text} should give {}", own_cell.text)
            }
            None => assert!(text.contains("has no figure"), "{text}"),
        }
    }
    // Ten charts, each an image with a text alternative.
    assert_eq!(html.matches("<figure class=\"measure-chart\"").count(), 10);
    assert_eq!(html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"").count(), 10);
    assert!(html.contains("id=\"report-c-note\""), "the report says what [c] means");
    // The release the figures come from.
    let release = profile["metrics"][0]["releases"][0]["release"].as_u64().unwrap();
    assert!(html.contains(&format!("data-release=\"{release}\"")), "figures from release {release}");
    assert!(html.contains(&format!("Release {release} of 2025-Q1")));
    (seen, html)
}

#[tokio::test]
async fn the_report_shows_the_profiles_figures_for_each_caller() {
    let f = fixture().await;
    let own = f.hub.submitter(ISLINGTON).await;
    let other = f.hub.submitter("E09000007").await;
    let (analyst, analyst_html) = check_against_profile(&f.hub, ISLINGTON, &f.analyst).await;
    let (member, member_html) = check_against_profile(&f.hub, ISLINGTON, &own).await;
    let (steward, _) = check_against_profile(&f.hub, ISLINGTON, &f.steward).await;
    let (other_member, _) = check_against_profile(&f.hub, ISLINGTON, &other).await;
    println!(
        "report figures checked against the profile: analyst {analyst:?}, Islington {member:?}, steward {steward:?}, Camden {other_member:?}"
    );
    assert!(
        analyst.get("own suppressed").is_some_and(|n| *n > 0),
        "the analyst's report withholds some of Islington's figures"
    );
    assert!(!member.contains_key("own suppressed"), "Islington sees its own figures in full");
    assert!(steward.keys().all(|k| !k.ends_with("suppressed")), "a steward sees every figure");
    assert!(member["own value"] > analyst["own value"]);

    // Islington's survey figure (4 of 9 positive): Islington sees it, an analyst sees [c] and nothing of it.
    let survey = |html: &str| {
        cells(html).into_iter().find(|c| {
            c.attrs.get("data-metric").is_some_and(|m| m == "survey_positive_rate")
                && c.attrs.get("data-scope").is_some_and(|s| s == "organisation")
                && c.attrs.get("data-column").is_some_and(|c| c == "value")
        })
    };
    let theirs = survey(&member_html).unwrap();
    assert_eq!(theirs.text, "44.4%");
    assert_eq!(survey(&analyst_html).unwrap().text, "[c]");
    let analyst_sentence = sentence(&analyst_html, "survey_positive_rate");
    assert!(
        analyst_sentence
            .starts_with("Staff survey positive rate. Islington's figure is withheld [c] to protect individuals"),
        "{analyst_sentence}"
    );
    assert!(
        !analyst_sentence.contains("44.4") && !analyst_html.contains("data-value=\"44.4"),
        "the withheld figure appears nowhere"
    );
    assert!(
        sentence(&member_html, "survey_positive_rate")
            .contains("44.4% of staff from Black, Asian and Multi-ethnic groups")
    );
    assert!(member_html.contains("<dd id=\"report-viewer\">Islington: its own figures in full"));
    assert!(analyst_html.contains("<dd id=\"report-viewer\">an analyst: figures pass disclosure control</dd>"));
    assert!(!analyst_html.contains("<script"), "the report runs nothing");

    // The unredacted reads are in the access log.
    let audit = f.hub.get_json("/api/v1/audit?action=unredacted_read", &f.steward).await;
    let targets: Vec<&str> = audit["events"].as_array().unwrap().iter().filter_map(|e| e["target"].as_str()).collect();
    assert!(targets.contains(&"report/E09000019"), "{targets:?}");
}

#[tokio::test]
async fn a_quarter_not_yet_published_is_provisional_for_its_borough_and_404_for_others() {
    let hub = TestHub::collecting().await;
    for org in ["E09000015", "E09000005", "E09000009"] {
        hub.submit_csv(
            org,
            "workforce",
            "2025-Q1",
            "ethnicity,headcount\nwhite,120\nblack,45\nasian,30\nnot_stated,5\n",
        )
        .await;
    }
    let (harrow, brent, analyst, steward) =
        (hub.submitter("E09000015").await, hub.submitter("E09000005").await, hub.analyst().await, hub.steward().await);
    for token in [&analyst, &brent] {
        let r = report(&hub, "E09000015", "period=2025-Q1", token).await;
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let problem: Value = r.json().await.unwrap();
        assert!(problem["detail"].as_str().unwrap().contains("has not been published yet"), "{problem}");
    }
    for token in [&harrow, &steward] {
        let html = report_html(&hub, "E09000015", "2025-Q1", token).await;
        assert!(html.contains("data-release=\"provisional\""));
        assert!(html.contains("Provisional: 2025-Q1 has not been released yet."));
        let cells = cells(&html);
        let share = cell(&cells, "workforce_share", "organisation", "value");
        assert_eq!(share.text, "38.5%", "(45 + 30) / 195");
    }
    let r = hub.client.post(hub.url("/api/v1/periods/2025-Q1/releases")).bearer_auth(&steward).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let html = report_html(&hub, "E09000015", "2025-Q1", &analyst).await;
    assert!(html.contains("data-release=\"1\""));
    // A correction after the release: provisional for Harrow, the release for everyone else.
    hub.submit_csv(
        "E09000015",
        "workforce",
        "2025-Q1",
        "ethnicity,headcount\nwhite,100\nblack,45\nasian,30\nnot_stated,5\n",
    )
    .await;
    let html = report_html(&hub, "E09000015", "2025-Q1", &harrow).await;
    assert!(html.contains("data-release=\"provisional\"") && html.contains("beside figures from release 1 of 2025-Q1"));
    assert_eq!(cell(&cells(&html), "workforce_share", "organisation", "value").text, "42.9%", "75 / 175");
    let html = report_html(&hub, "E09000015", "2025-Q1", &analyst).await;
    assert!(html.contains("data-release=\"1\""));
}

#[tokio::test]
async fn bad_report_requests_are_4xx_never_500() {
    let hub = TestHub::start().await;
    hub.submit_csv("E09000015", "workforce", "2025-Q1", "ethnicity,headcount\nwhite,120\nblack,45\n").await;
    let analyst = hub.analyst().await;
    let cases: &[(&str, &str, u16)] = &[
        ("E09000099", "period=2025-Q1", 404),
        ("harrow", "period=2025-Q1", 404),
        ("E09000015", "period=2025-Q5", 422),
        ("E09000015", "period=2025Q1", 422),
        ("E09000015", "period=1999-Q4", 422),
        ("E09000015", "period=2999-Q1", 422),
        ("E09000015", "", 422),
        ("E09000015", "period=2025-Q1&group=black", 422),
        ("E09000015", "period=2025-Q1&period=2025-Q1", 422),
        ("E09000015", "period=2024-Q1", 404),
    ];
    for (organisation, query, status) in cases {
        let r = report(&hub, organisation, query, &analyst).await;
        assert_eq!(r.status().as_u16(), *status, "{organisation}?{query}");
        assert_eq!(r.headers()["content-type"], "application/problem+json", "{organisation}?{query}");
    }
    let url = hub.url("/api/v1/organisations/E09000015/report?period=2025-Q1");
    let r = hub.client.get(&url).bearer_auth(&analyst).header("accept", "application/json").send().await.unwrap();
    assert_eq!(r.status(), 406);
    let r = hub.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = hub.client.get(&url).bearer_auth(&analyst).header("accept", "text/html,*/*;q=0.8").send().await.unwrap();
    assert_eq!(r.status(), 200);
}
