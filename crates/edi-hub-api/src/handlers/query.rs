//! Query strings read through the parameter structs the OpenAPI document
//! describes: one definition of what each route accepts. Every parameter
//! arrives as text (the handler checks its value and names it in a 422);
//! a parameter the struct does not declare, a repeated one or a missing
//! required one is a 422 naming it.

use std::collections::BTreeMap;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::ParameterIn;

use crate::error::ApiError;

/// The query of a request as `T`, the struct that documents its parameters.
#[derive(Debug)]
pub struct QueryParams<T> {
    pub value: T,
}

/// The query parameters `T` declares: (name, required).
pub fn declared<T: IntoParams>() -> Vec<(String, bool)> {
    T::into_params(|| Some(ParameterIn::Query))
        .into_iter()
        .map(|p| (p.name, matches!(p.required, Required::True)))
        .collect()
}

impl<T, S> FromRequestParts<S> for QueryParams<T>
where
    T: IntoParams + DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let declared = declared::<T>();
        let names = || declared.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ");
        let mut given = BTreeMap::new();
        for (name, value) in url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()) {
            let name = name.into_owned();
            let shown: String = name.chars().take(40).collect();
            if !declared.iter().any(|(n, _)| *n == name) {
                return Err(ApiError::bad_parameter(
                    &shown,
                    format!("'{shown}' is not a parameter here ({})", names()),
                ));
            }
            if given.insert(name, value.into_owned()).is_some() {
                return Err(ApiError::bad_parameter(&shown, format!("'{shown}' is given more than once")));
            }
        }
        if let Some((missing, _)) = declared.iter().find(|(n, required)| *required && !given.contains_key(n)) {
            return Err(ApiError::bad_parameter(missing, format!("{missing} is required")));
        }
        let object = given.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        let value = T::deserialize(serde_json::Value::Object(object))
            .map_err(|e| ApiError::unprocessable(format!("the query could not be read: {e}")))?;
        Ok(QueryParams { value })
    }
}

/// A page size: 1 to 1000, 100 when absent.
pub fn page_limit(limit: Option<&str>) -> Result<usize, ApiError> {
    match limit {
        None => Ok(100),
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::bad_parameter("limit", "limit must be a whole number from 1 to 1000")),
    }
}
