//! Content negotiation and the four answer formats. Every answer that can
//! be sent in several formats is [`Tabular`]: a JSON document, and one
//! Arrow `RecordBatch` plus the suppressed cells of each row, from which
//! CSV, the Arrow IPC stream and Parquet are encoded (a suppressed cell is
//! `null`, and `[c]` in CSV). [`encode`] is the one path for all four.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::datatypes::Schema;
use arrow::ipc::writer::StreamWriter;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use parquet::arrow::ArrowWriter;

use crate::error::{ApiError, ApiResult};

/// A format an answer can be sent in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Csv,
    Arrow,
    Parquet,
}

pub const JSON_TYPE: &str = "application/json";
pub const CSV_TYPE: &str = "text/csv";
pub const ARROW_TYPE: &str = "application/vnd.apache.arrow.stream";
pub const PARQUET_TYPE: &str = "application/vnd.apache.parquet";

impl Format {
    fn from_name(s: &str) -> Option<Format> {
        Some(match s {
            "json" => Format::Json,
            "csv" => Format::Csv,
            "arrow" => Format::Arrow,
            "parquet" => Format::Parquet,
            _ => return None,
        })
    }

    fn from_media_type(s: &str) -> Option<Format> {
        Some(match s {
            JSON_TYPE | "application/*" | "*/*" => Format::Json,
            CSV_TYPE | "text/*" => Format::Csv,
            ARROW_TYPE => Format::Arrow,
            PARQUET_TYPE => Format::Parquet,
            _ => return None,
        })
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON_TYPE,
            Format::Csv => "text/csv; charset=utf-8",
            Format::Arrow => ARROW_TYPE,
            Format::Parquet => PARQUET_TYPE,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Arrow => "arrows",
            Format::Parquet => "parquet",
        }
    }
}

/// Picks the format: `?format=` wins over `Accept`; JSON by default.
pub fn negotiate(format: Option<&str>, headers: &HeaderMap) -> ApiResult<Format> {
    if let Some(name) = format {
        return Format::from_name(name)
            .ok_or_else(|| ApiError::bad_parameter("format", "format must be one of json, csv, arrow, parquet"));
    }
    let Some(accept) = headers.get(ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Ok(Format::Json);
    };
    if accept.trim().is_empty() {
        return Ok(Format::Json);
    }
    let mut offered: Vec<(f32, usize, &str)> = accept
        .split(',')
        .enumerate()
        .filter_map(|(i, part)| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim();
            let q = pieces
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (q > 0.0).then_some((q, i, media))
        })
        .collect();
    offered.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    offered.iter().find_map(|(_, _, m)| Format::from_media_type(&m.to_ascii_lowercase())).ok_or_else(|| {
        ApiError::not_acceptable(format!(
            "this answer is available as {JSON_TYPE}, {CSV_TYPE}, {ARROW_TYPE} or {PARQUET_TYPE}"
        ))
    })
}

/// A table answer: the batch, and per row the names of suppressed columns.
#[derive(Debug)]
pub struct Table {
    pub batch: RecordBatch,
    pub suppressed: Vec<Vec<&'static str>>,
}

/// Marks a suppressed cell in CSV (the ONS convention).
pub const SUPPRESSED_MARK: &str = "[c]";

/// An answer that can be sent in every format: its JSON document and its
/// flat table (built only when a flat format is asked for).
pub trait Tabular {
    /// The JSON document's type.
    type Json<'a>: serde::Serialize
    where
        Self: 'a;
    /// The JSON document.
    fn json(&self) -> Self::Json<'_>;
    /// The flat form: one row per answer row, suppressed cells listed.
    fn table(&self) -> ApiResult<Table>;
}

/// The answer's bytes in `format`.
pub fn encode(answer: &impl Tabular, format: Format) -> ApiResult<Bytes> {
    match format {
        Format::Json => serde_json::to_vec(&answer.json()).map(Bytes::from).map_err(ApiError::internal),
        Format::Csv => answer.table()?.csv(),
        Format::Arrow => answer.table()?.arrow(),
        Format::Parquet => answer.table()?.parquet(),
    }
}

/// The answer as a response in `format`, offered for download as `name`.
pub fn respond(answer: &impl Tabular, format: Format, name: &str) -> ApiResult<Response> {
    Ok(binary(format, name, encode(answer, format)?))
}

impl Table {
    fn csv(&self) -> ApiResult<Bytes> {
        let schema = self.batch.schema();
        let mut out = String::new();
        let header: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        let options = FormatOptions::default().with_null("");
        let formatters: Vec<ArrayFormatter> = self
            .batch
            .columns()
            .iter()
            .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<_, _>>()
            .map_err(ApiError::internal)?;
        for row in 0..self.batch.num_rows() {
            let cells: Vec<String> = formatters
                .iter()
                .enumerate()
                .map(|(c, f)| {
                    if self.suppressed[row].contains(&header[c]) {
                        SUPPRESSED_MARK.to_string()
                    } else {
                        csv_escape(&f.value(row).to_string())
                    }
                })
                .collect();
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        Ok(Bytes::from(out))
    }

    fn arrow(&self) -> ApiResult<Bytes> {
        let mut out = Vec::new();
        let mut w = StreamWriter::try_new(&mut out, &self.batch.schema()).map_err(ApiError::internal)?;
        w.write(&self.batch).map_err(ApiError::internal)?;
        w.finish().map_err(ApiError::internal)?;
        drop(w);
        Ok(Bytes::from(out))
    }

    fn parquet(&self) -> ApiResult<Bytes> {
        let mut out = Vec::new();
        let mut w = ArrowWriter::try_new(&mut out, self.batch.schema(), None).map_err(ApiError::internal)?;
        w.write(&self.batch).map_err(ApiError::internal)?;
        w.close().map_err(ApiError::internal)?;
        Ok(Bytes::from(out))
    }
}

fn csv_escape(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// A response holding an encoded answer.
pub fn binary(format: Format, name: &str, bytes: Bytes) -> Response {
    let mut r = bytes.into_response();
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{name}.{}\"", format.extension())) {
        r.headers_mut().insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Builds a batch from named columns.
pub fn batch(columns: Vec<(&str, ArrayRef)>) -> ApiResult<RecordBatch> {
    let fields: Vec<arrow::datatypes::Field> =
        columns.iter().map(|(n, a)| arrow::datatypes::Field::new(*n, a.data_type().clone(), true)).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns.into_iter().map(|(_, a)| a).collect())
        .map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(None, &HeaderMap::new()).unwrap(), Format::Json);
        assert_eq!(negotiate(Some("csv"), &accept(ARROW_TYPE)).unwrap(), Format::Csv);
        assert_eq!(negotiate(None, &accept("text/csv")).unwrap(), Format::Csv);
        assert_eq!(negotiate(None, &accept("text/html, */*;q=0.1")).unwrap(), Format::Json);
        assert_eq!(
            negotiate(None, &accept("application/xml;q=1, application/vnd.apache.parquet;q=0.5")).unwrap(),
            Format::Parquet
        );
        assert_eq!(negotiate(None, &accept("application/xml")).unwrap_err().status().as_u16(), 406);
        assert_eq!(negotiate(Some("xml"), &HeaderMap::new()).unwrap_err().status().as_u16(), 422);
    }
}
