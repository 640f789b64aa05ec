//! The metric catalogue.

use axum::Json;
use edi_hub_core::metrics::{CATALOGUE, MetricDef};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::ProblemDetails;

/// A parameter of a metric.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricParameter {
    pub name: String,
    pub description: String,
    /// Allowed values.
    pub values: Vec<String>,
    /// Used when the parameter is absent; null means no filter (all).
    #[schema(nullable)]
    pub default: Option<String>,
}

/// A metric of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Metric {
    #[schema(example = "workforce_share")]
    pub id: String,
    pub title: String,
    /// What the metric measures, in words.
    pub definition: String,
    pub formula: String,
    /// Datasets the metric is computed from.
    pub datasets: Vec<String>,
    pub parameters: Vec<MetricParameter>,
    /// `percent` or `ratio`.
    pub unit: String,
    /// `higher_is_better`, `lower_is_better`, `closer_to_1` or `neutral`; rank 1 is the best value.
    pub direction: String,
    /// How `lower_ci` and `upper_ci` (95%) are computed; null when the
    /// metric has no interval (pay gaps). An organisation is `higher` or
    /// `lower` than London when its interval lies wholly above or below
    /// London's value, otherwise `similar`.
    #[schema(nullable)]
    pub confidence_interval: Option<String>,
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct MetricCatalogue {
    pub metrics: Vec<Metric>,
}

impl From<&MetricDef> for Metric {
    fn from(m: &MetricDef) -> Self {
        Metric {
            id: m.id.into(),
            title: m.title.into(),
            definition: m.definition.into(),
            formula: m.formula_text.into(),
            datasets: m.datasets.iter().map(|d| d.name().to_string()).collect(),
            confidence_interval: m.interval_method().map(String::from),
            parameters: m
                .params
                .iter()
                .map(|p| MetricParameter {
                    name: p.name.into(),
                    description: p.description.into(),
                    values: p.values().into_iter().map(String::from).collect(),
                    default: p.default.map(String::from),
                })
                .collect(),
            unit: m.unit.into(),
            direction: serde_json::to_value(m.direction)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
        }
    }
}

/// The metric catalogue.
///
/// Every metric with its definition, formula, source datasets, parameters
/// (allowed values and defaults), unit and direction. Any token may read it.
#[utoipa::path(
    get,
    path = "/api/v1/metrics",
    tag = "benchmarks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The metric catalogue", body = MetricCatalogue),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list_metrics(_caller: Caller) -> Json<MetricCatalogue> {
    Json(MetricCatalogue { metrics: CATALOGUE.iter().map(Metric::from).collect() })
}
