//! Checking a file without storing it.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use edi_hub_core::Dataset;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::upload::{read_body, upload_format, validate_upload};

/// A file that passed validation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Validated {
    /// Always true (a failing file gets a 422).
    pub valid: bool,
    /// Number of data rows.
    pub rows: u64,
}

/// Validate a file.
///
/// Runs exactly the checks of an upload and stores nothing. Any token may
/// validate. `dataset` may also be `population`. An Excel workbook's
/// problems also name the sheet and cell as Excel shows them.
#[utoipa::path(
    post,
    path = "/api/v1/validate/{dataset}",
    tag = "validation",
    security(("bearer" = [])),
    params(("dataset" = String, Path, description = "workforce, pay, recruitment, casework, progression, survey or population", example = "workforce", pattern = r"^(workforce|pay|recruitment|casework|progression|survey|population)$")),
    request_body(
        description = "The file: CSV (UTF-8, header row), Parquet, or an Excel workbook (.xlsx: the sheet named after the dataset, else the first visible sheet; column names in row 1)",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.apache.parquet"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 200, description = "The file is valid", body = Validated),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown dataset", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV, Parquet or an Excel workbook", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Every problem found in the file", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn validate_file(
    State(app): State<AppState>,
    _caller: Caller,
    Path(dataset): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Json<Validated>> {
    let dataset: Dataset =
        dataset.parse().map_err(|e: edi_hub_core::dataset::UnknownDataset| ApiError::not_found(e.to_string()))?;
    let format = upload_format(&headers)?;
    let bytes = read_body(&headers, body, app.config.max_upload_bytes).await?;
    let table = validate_upload(dataset, format, bytes, app.config.max_upload_bytes).await?;
    Ok(Json(Validated { valid: true, rows: table.rows as u64 }))
}
