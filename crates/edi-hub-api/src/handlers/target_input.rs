//! Reading a target from a request body: every field checked, every
//! problem listed (each naming its field), parameters resolved exactly as
//! benchmark parameters are.

use std::collections::BTreeMap;

use edi_hub_core::Period;
use edi_hub_core::metrics::MetricDef;
use edi_hub_core::period::PeriodError;
use edi_hub_core::targets::{MAX_QUARTERS_AHEAD, Visibility, target_range};
use edi_hub_core::validate::{Problem, shorten_for_message};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

use super::paths::latest_period;
use super::targets::TargetVisibility;
use crate::error::{ApiError, ApiResult};

/// A target to record: the request body as the OpenAPI document describes
/// it. Each field is taken as given (any JSON) so that every problem can be
/// listed, each naming its field; fields it does not declare are problems.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TargetRequest {
    /// A metric id of the catalogue.
    #[schema(
        value_type = String,
        required = true,
        example = "workforce_share",
        pattern = r"^(declaration_rate|workforce_share|representation_ratio|pay_gap_mean|pay_gap_median|appointment_rl|shortlisting_rl|casework_rl|progression_rl|survey_positive_rate)$"
    )]
    metric: Option<Value>,
    /// The metric's parameters as in benchmarks (texts); defaults fill the rest.
    #[schema(value_type = Option<BTreeMap<String, String>>, example = json!({"group": "ethnic_minority", "senior_leadership": "true"}))]
    parameters: Option<Value>,
    /// The value aimed for, in the metric's unit: 0 to 100 for percentages,
    /// -100 to 100 for pay gaps, 0.001 to 1000 for ratios.
    #[schema(value_type = f64, required = true, example = 35.0)]
    target: Option<Value>,
    /// The quarter by which to reach it, `YYYY-Qn` (up to ten years ahead).
    #[schema(value_type = String, required = true, example = "2026-Q4", pattern = r"^[0-9]{4}-Q[1-4]$")]
    by: Option<Value>,
    /// `private` (default) or `shared`.
    #[schema(value_type = Option<TargetVisibility>)]
    visibility: Option<Value>,
    /// Fields the request does not declare (each one a problem).
    #[serde(flatten)]
    #[schema(ignore)]
    undeclared: BTreeMap<String, Value>,
}

/// The fields a target request declares, from its OpenAPI schema.
fn declared_fields() -> Vec<String> {
    match <TargetRequest as utoipa::PartialSchema>::schema() {
        RefOr::T(Schema::Object(object)) => object.properties.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// A checked target request.
#[derive(Debug, Clone)]
pub struct TargetInput {
    pub metric: &'static MetricDef,
    /// The parameters with defaults filled in, as benchmark answers show them.
    pub parameters: BTreeMap<String, String>,
    pub target: f64,
    pub by: Period,
    pub visibility: Visibility,
}

/// The latest quarter a target may be set for.
pub fn latest_by() -> Period {
    (0..MAX_QUARTERS_AHEAD).fold(latest_period(), |p, _| p.next())
}

/// Parses and checks a JSON target request; 422 listing every problem.
pub fn parse(body: &[u8]) -> ApiResult<TargetInput> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::unprocessable(format!("the target is not valid JSON: {e}")))?;
    let declared = declared_fields().join(", ");
    if !value.is_object() {
        return Err(ApiError::unprocessable(format!("a target is a JSON object with {declared}")));
    }
    let request: TargetRequest = serde_json::from_value(value)
        .map_err(|e| ApiError::unprocessable(format!("the target could not be read: {e}")))?;
    let mut problems = Vec::new();
    for name in request.undeclared.keys() {
        problems.push(Problem::column(
            name,
            format!("'{}' is not a field of a target (fields: {declared})", shorten_for_message(name)),
        ));
    }
    let metric = metric(request.metric.as_ref(), &mut problems);
    let given = parameters(request.parameters.as_ref(), &mut problems);
    let parameters = match (metric, given) {
        (Some(m), Some(given)) => resolve(m, given, &mut problems),
        _ => None,
    };
    let target = target(request.target.as_ref(), metric, &mut problems);
    let by = by(request.by.as_ref(), &mut problems);
    let visibility = match request.visibility.as_ref() {
        None | Some(Value::Null) => Some(Visibility::default()),
        Some(Value::String(s)) => s.parse().map_err(|m| problems.push(Problem::column("visibility", m))).ok(),
        Some(_) => {
            problems.push(Problem::column("visibility", "visibility must be the text private or shared"));
            None
        }
    };
    match (metric, parameters, target, by, visibility) {
        (Some(metric), Some(parameters), Some(target), Some(by), Some(visibility)) if problems.is_empty() => {
            Ok(TargetInput { metric, parameters, target, by, visibility })
        }
        _ => Err(ApiError::invalid_fields(problems)),
    }
}

fn metric(v: Option<&Value>, problems: &mut Vec<Problem>) -> Option<&'static MetricDef> {
    let message = match v {
        None => "metric is required: a metric id such as workforce_share (see /api/v1/metrics)".to_string(),
        Some(Value::String(id)) => match MetricDef::find(id) {
            Some(m) => return Some(m),
            None => format!("'{}' is not a metric; see /api/v1/metrics", shorten_for_message(id)),
        },
        Some(_) => "metric must be the text id of a metric, such as workforce_share".to_string(),
    };
    problems.push(Problem::column("metric", message));
    None
}

/// The given parameters: an object of texts (absent or null: the defaults).
fn parameters(v: Option<&Value>, problems: &mut Vec<Problem>) -> Option<BTreeMap<String, String>> {
    let object = match v {
        None | Some(Value::Null) => return Some(BTreeMap::new()),
        Some(Value::Object(o)) => o,
        Some(_) => {
            problems.push(Problem::column(
                "parameters",
                "parameters must be an object of texts, such as {\"group\": \"black\", \"pay_band\": \"4\"}",
            ));
            return None;
        }
    };
    let mut given = BTreeMap::new();
    let mut ok = true;
    for (name, value) in object {
        match value {
            Value::String(s) => {
                given.insert(name.clone(), s.clone());
            }
            other => {
                ok = false;
                problems.push(Problem::column(
                    &format!("parameters.{name}"),
                    format!("a parameter value is text: write \"{}\"", shorten_for_message(&other.to_string())),
                ));
            }
        }
    }
    ok.then_some(given)
}

/// Resolves the parameters as benchmarks do, collecting every problem
/// (each bad one is set aside and the rest checked again).
fn resolve(
    metric: &MetricDef,
    mut given: BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Option<BTreeMap<String, String>> {
    let before = problems.len();
    for _ in 0..=given.len() {
        match metric.resolve(&given) {
            Ok(params) if problems.len() == before => {
                return Some(params.to_map().into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
            }
            Ok(_) => return None,
            Err(e) => {
                problems.push(Problem::column(&format!("parameters.{}", e.parameter), e.message));
                // A problem with no parameter to set aside ends the checks.
                given.remove(&e.parameter)?;
            }
        }
    }
    None
}

fn target(v: Option<&Value>, metric: Option<&MetricDef>, problems: &mut Vec<Problem>) -> Option<f64> {
    let x = match v {
        Some(Value::Number(n)) => n.as_f64().filter(|x| x.is_finite()),
        _ => None,
    };
    let Some(x) = x else {
        let message = if v.is_none() { "target is required" } else { "target must be a number" };
        problems.push(Problem::column("target", format!("{message}, in the metric's unit (e.g. 35 for 35%)")));
        return None;
    };
    if let Some(m) = metric {
        let (lo, hi) = target_range(m);
        if !(lo..=hi).contains(&x) {
            problems.push(Problem::column(
                "target",
                format!("a target for {} ({}) is from {lo} to {hi}; {x} is outside", m.id, m.unit),
            ));
            return None;
        }
    }
    Some(x)
}

fn by(v: Option<&Value>, problems: &mut Vec<Problem>) -> Option<Period> {
    let message = match v {
        None => "by is required: the quarter the target is for, YYYY-Qn".to_string(),
        Some(Value::String(s)) => match Period::parse_until(s, latest_by()) {
            Ok(p) => return Some(p),
            Err(PeriodError::Future(p, last)) => {
                format!("{p} is too far ahead: a target may be set up to {MAX_QUARTERS_AHEAD} quarters ahead ({last})")
            }
            Err(e) => e.to_string(),
        },
        Some(_) => "by must be a quarter as text, YYYY-Qn (for example 2026-Q4)".to_string(),
    };
    problems.push(Problem::column("by", message));
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The (field, message) of each problem of a refused request.
    async fn problems(body: &str) -> Vec<(String, String)> {
        let e = parse(body.as_bytes()).unwrap_err();
        assert_eq!(e.status(), 422);
        let response = axum::response::IntoResponse::into_response(e);
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        json["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| (p["column"].as_str().unwrap().to_string(), p["message"].as_str().unwrap().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn a_good_target_is_completed_with_defaults() {
        let t = parse(
            br#"{"metric":"workforce_share","parameters":{"senior_leadership":"true"},"target":35,"by":"2026-Q4"}"#,
        )
        .unwrap();
        assert_eq!(t.metric.id, "workforce_share");
        assert_eq!(t.parameters.get("group").map(String::as_str), Some("ethnic_minority"));
        assert_eq!(t.parameters.get("senior_leadership").map(String::as_str), Some("true"));
        assert_eq!(t.visibility, Visibility::Private);
        assert_eq!(t.by.to_string(), "2026-Q4");
    }

    #[tokio::test]
    async fn every_problem_is_listed_with_its_field() {
        let p = problems(
            r#"{"metric":"workforce_share","parameters":{"group":"not_stated","pay_band":"9","colour":"x"},"target":135,"by":"2026-Q5","visibility":"public","extra":1}"#,
        )
        .await;
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        for f in ["extra", "parameters.colour", "parameters.group", "parameters.pay_band", "target", "by", "visibility"]
        {
            assert!(fields.contains(&f), "{f} in {p:?}");
        }
        let p = problems(r#"{"metric":"no_such","target":"x"}"#).await;
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["metric", "target", "by"]);
        let p = problems(r#"{"metric":"pay_gap_mean","parameters":{"group":4},"target":-150,"by":"2999-Q1"}"#).await;
        let fields: Vec<&str> = p.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["parameters.group", "target", "by"]);
        assert!(parse(b"[1]").is_err());
        assert!(parse(b"{").is_err());
    }
}
