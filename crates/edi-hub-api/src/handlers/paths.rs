//! Identifiers in paths and queries: an unknown organisation, dataset or
//! metric in a path is 404 (the lists are public); in a query it is 422.

use chrono::Utc;
use edi_hub_core::{Dataset, Organisation, Period};

use crate::error::{ApiError, ApiResult};

/// The current quarter (the latest a period may be).
pub fn latest_period() -> Period {
    Period::containing(Utc::now().date_naive())
}

pub fn organisation_in_path(s: &str) -> ApiResult<Organisation> {
    s.parse().map_err(|e: edi_hub_core::organisation::UnknownOrganisation| ApiError::not_found(e.to_string()))
}

/// A per-period dataset named in a path.
pub fn dataset_in_path(s: &str) -> ApiResult<Dataset> {
    match s.parse::<Dataset>() {
        Ok(d) if d != Dataset::Population => Ok(d),
        _ => Err(ApiError::not_found(format!(
            "'{}' is not a dataset; datasets are {}",
            s.chars().take(40).collect::<String>(),
            Dataset::SUBMITTED.map(Dataset::name).join(", ")
        ))),
    }
}

pub fn period_param(name: &str, s: &str) -> ApiResult<Period> {
    Period::parse_until(s, latest_period()).map_err(|e| ApiError::bad_parameter(name, e.to_string()))
}

pub fn organisation_param(name: &str, s: &str) -> ApiResult<Organisation> {
    s.parse().map_err(|e: edi_hub_core::organisation::UnknownOrganisation| ApiError::bad_parameter(name, e.to_string()))
}

pub fn dataset_param(name: &str, s: &str) -> ApiResult<Dataset> {
    dataset_in_path(s).map_err(|_| {
        ApiError::bad_parameter(name, format!("'{}' is not a dataset", s.chars().take(40).collect::<String>()))
    })
}
