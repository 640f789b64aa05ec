//! Reference data kept by data stewards.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use edi_hub_core::Dataset;
use edi_hub_store::AccessOutcome;
use edi_hub_store::checksum;
use serde::Serialize;
use utoipa::ToSchema;

use super::log_access;
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiResult, ProblemDetails};
use crate::upload::{read_body, to_parquet_off_runtime, upload_format, validate_upload};

/// The stored population table.
#[derive(Debug, Serialize, ToSchema)]
pub struct PopulationStored {
    pub rows: u64,
    /// `sha256:<hex>` of the uploaded file.
    pub checksum: String,
}

/// Replace the population table.
///
/// Resident population by ethnic group per local authority (Census 2021),
/// with columns `organisation`, `ethnicity`, `residents`. Replaces the whole
/// table. Stewards only.
#[utoipa::path(
    put,
    path = "/api/v1/reference/population",
    tag = "reference",
    security(("bearer" = [])),
    request_body(
        description = "CSV, Parquet or an Excel workbook (.xlsx) with organisation, ethnicity, residents",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.apache.parquet"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 200, description = "Stored", body = PopulationStored),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "An entry of the population ledger cannot be read: no table is accepted until a data steward repairs the store (the detail names the object)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV, Parquet or an Excel workbook", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Every problem found in the file", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn put_population(
    State(app): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<PopulationStored>> {
    let format = upload_format(&headers)?;
    let bytes = read_body(&headers, body, app.config.max_upload_bytes).await?;
    let checksum = checksum(&bytes);
    let table = match validate_upload(Dataset::Population, format, bytes, app.config.max_upload_bytes).await {
        Ok(t) => t,
        Err(e) => {
            log_access(&app, Some(&caller), "population", AccessOutcome::Rejected, None, None, None).await;
            return Err(e);
        }
    };
    let rows = table.rows as u64;
    let parquet = to_parquet_off_runtime(table, None).await?;
    let record = app.store.replace_population(parquet, rows, checksum).await?;
    log_access(
        &app,
        Some(&caller),
        "population",
        AccessOutcome::Success,
        Some(record.id.clone()),
        None,
        Some(format!("{rows} rows")),
    )
    .await;
    Ok(Json(PopulationStored { rows: record.rows, checksum: record.checksum }))
}
