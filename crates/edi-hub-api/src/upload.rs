//! Reading an upload: media type (415: CSV, Parquet or an Excel workbook),
//! gzip content encoding, the body limit (413, counted after decompression;
//! a workbook's parts may expand to no more than it either), and validation
//! on a blocking thread where a panic in a decoder becomes a 422, never a
//! crash.

use std::io::Read;

use axum::body::Body;
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE};
use bytes::Bytes;
use edi_hub_core::validate::{Limits, Problem, UploadFormat, ValidTable, validate};
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_store::stored_parquet;

use crate::error::{ApiError, ApiResult};

pub const CSV: &str = "text/csv";
pub const PARQUET: &str = "application/vnd.apache.parquet";
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The media type of `Content-Type`, lowercase and without parameters ("" when absent).
fn media_type(headers: &HeaderMap) -> String {
    let value = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// A JSON request body: any other `Content-Type` is 415, naming `what` is sent.
pub fn require_json(headers: &HeaderMap, what: &str) -> ApiResult<()> {
    if media_type(headers) == "application/json" {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type(format!("send {what} as application/json")))
    }
}

/// The upload format named by `Content-Type`.
pub fn upload_format(headers: &HeaderMap) -> ApiResult<UploadFormat> {
    match media_type(headers).as_str() {
        CSV => Ok(UploadFormat::Csv),
        PARQUET => Ok(UploadFormat::Parquet),
        XLSX => Ok(UploadFormat::Xlsx),
        "" => Err(ApiError::unsupported_media_type(format!(
            "send a Content-Type header: {CSV} for CSV, {PARQUET} for Parquet or {XLSX} for an Excel workbook (.xlsx)"
        ))),
        other => Err(ApiError::unsupported_media_type(format!(
            "'{}' is not accepted; send {CSV} for CSV, {PARQUET} for Parquet or {XLSX} for an Excel workbook (.xlsx)",
            other.chars().take(60).collect::<String>()
        ))),
    }
}

/// Reads the whole body (at most `limit` bytes once decompressed).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> ApiResult<Bytes> {
    let encoding = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let gzip = match encoding.as_str() {
        "" | "identity" => false,
        "gzip" | "x-gzip" => true,
        other => {
            return Err(ApiError::unsupported_media_type(format!(
                "Content-Encoding '{}' is not accepted; use gzip or none",
                other.chars().take(40).collect::<String>()
            )));
        }
    };
    let raw = axum::body::to_bytes(body, limit).await.map_err(|_| ApiError::too_large(limit))?;
    if !gzip {
        return Ok(raw);
    }
    tokio::task::spawn_blocking(move || gunzip(&raw, limit))
        .await
        .map_err(|_| ApiError::bad_request("the gzip body could not be decompressed"))?
}

fn gunzip(raw: &[u8], limit: usize) -> ApiResult<Bytes> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(raw)
        .take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid gzip: {e}")))?;
    if out.len() > limit {
        return Err(ApiError::too_large(limit));
    }
    Ok(Bytes::from(out))
}

/// Validates on a blocking thread; a panic inside a decoder is reported as
/// a problem with the file. An Excel workbook may expand to at most
/// `max_upload_bytes`, the body limit.
pub async fn validate_upload(
    dataset: Dataset,
    format: UploadFormat,
    bytes: Bytes,
    max_upload_bytes: usize,
) -> ApiResult<ValidTable> {
    let limits = Limits::for_upload_limit(max_upload_bytes);
    let outcome = tokio::task::spawn_blocking(move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || validate(dataset, format, bytes, &limits)))
    })
    .await;
    match outcome {
        Ok(Ok(Ok(table))) => Ok(table),
        Ok(Ok(Err(problems))) => Err(ApiError::invalid_file(problems)),
        Ok(Err(_)) | Err(_) => Err(ApiError::invalid_file(vec![Problem::file(
            "the file could not be decoded (it is malformed); check it opens in a spreadsheet or Parquet reader and save it again",
        )])),
    }
}

/// The stored Parquet file of a validated table, encoded on a blocking thread.
pub async fn to_parquet_off_runtime(table: ValidTable, key: Option<(Organisation, Period)>) -> ApiResult<Bytes> {
    let encoded = tokio::task::spawn_blocking(move || stored_parquet(&table, key)).await.map_err(ApiError::internal)?;
    encoded.map_err(ApiError::from)
}
