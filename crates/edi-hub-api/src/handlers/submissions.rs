//! Uploading, listing and withdrawing submissions.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_store::checksum;
use edi_hub_store::{AccessOutcome, NewSubmission, Status, SubmissionRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::log_access;
use super::paths::{dataset_in_path, dataset_param, organisation_in_path, organisation_param, period_param};
use super::query::{QueryParams, page_limit};
use crate::app::AppState;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult, ProblemDetails};
use crate::upload::{read_body, to_parquet_off_runtime, upload_format, validate_upload};

/// A stored submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submission {
    /// Submission id.
    pub id: String,
    /// GSS code of the organisation.
    #[schema(example = "E09000015")]
    pub organisation: String,
    #[schema(example = "workforce")]
    pub dataset: String,
    #[schema(example = "2025-Q1")]
    pub period: String,
    /// Number of data rows stored. Derived from the uploaded file, so it is
    /// data: shown only to the submission's own organisation and to
    /// stewards (null for everyone else: it tells how many cells a borough
    /// reported).
    #[schema(nullable)]
    pub rows: Option<u64>,
    /// `sha256:<hex>` of the uploaded file (after any gzip decoding). Shown
    /// only to the submission's own organisation and to stewards (null for
    /// everyone else: a hash of a small file confirms guesses of its
    /// withheld cells).
    #[schema(nullable)]
    pub checksum: Option<String>,
    /// The submission this one replaced as current, if any.
    #[schema(nullable)]
    pub supersedes: Option<String>,
    pub received_at: DateTime<Utc>,
    /// `current`, `superseded` or `withdrawn`; `withheld` when it would be
    /// current but an entry of its key's ledger cannot be read (nothing of
    /// the key is used until a data steward repairs the store).
    #[schema(example = "current")]
    pub status: String,
}

impl Submission {
    /// A submission as `caller` may see it: what is derived from the
    /// uploaded file (`rows`, `checksum`) only for its own organisation's
    /// submitters and for stewards.
    pub fn seen_by(r: &SubmissionRecord, caller: &Caller) -> Self {
        let owner = caller.viewer().sees_unredacted(r.organisation);
        Submission {
            id: r.id.clone(),
            organisation: r.organisation.code().to_string(),
            dataset: r.dataset.name().to_string(),
            period: r.period.to_string(),
            rows: owner.then_some(r.rows),
            checksum: owner.then(|| r.checksum.clone()),
            supersedes: r.supersedes.clone(),
            received_at: r.received_at,
            status: r.status.name().to_string(),
        }
    }
}

/// A page of submissions, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubmissionList {
    pub submissions: Vec<Submission>,
    /// Pass as `page_token` for the next page; null on the last page.
    #[schema(nullable)]
    pub next_page_token: Option<String>,
}

/// Filters of the submission list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only this organisation (GSS code).
    #[param(pattern = r"^E090000(0[1-9]|[12][0-9]|3[0-3])$")]
    organisation: Option<String>,
    /// Only this dataset.
    #[param(pattern = r"^(workforce|pay|recruitment|casework|progression|survey)$")]
    dataset: Option<String>,
    /// Only this period (`YYYY-Qn`).
    #[param(pattern = r"^[0-9]{4}-Q[1-4]$")]
    period: Option<String>,
    /// Only this status: `current`, `superseded`, `withdrawn` or `withheld`.
    #[param(pattern = r"^(current|superseded|withdrawn|withheld)$")]
    status: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    limit: Option<String>,
    /// `next_page_token` of the previous page.
    page_token: Option<String>,
}

/// Upload a quarterly dataset.
///
/// Stores the file as the organisation's submission of the dataset for the
/// period, superseding any earlier one (which stays in the history). The
/// file is validated first; if anything is wrong the answer is 422 listing
/// every problem, and nothing is stored. `Content-Encoding: gzip` is
/// accepted; the size limit applies after decompression. An Excel
/// workbook's problems also name the sheet and cell as Excel shows them
/// (`column` `C (headcount)`, message `sheet 'workforce', cell C5: ...`),
/// and its parts may expand to no more than the size limit.
#[utoipa::path(
    put,
    path = "/api/v1/submissions/{organisation}/{dataset}/{period}",
    tag = "submissions",
    security(("bearer" = [])),
    params(
        ("organisation" = String, Path, description = "GSS code, E09000001 to E09000033", example = "E09000015", pattern = r"^E090000(0[1-9]|[12][0-9]|3[0-3])$"),
        ("dataset" = String, Path, description = "workforce, pay, recruitment, casework, progression or survey", example = "workforce", pattern = r"^(workforce|pay|recruitment|casework|progression|survey)$"),
        ("period" = String, Path, description = "Quarter, YYYY-Qn, from 2000-Q1 to the current quarter", example = "2025-Q1", pattern = r"^[0-9]{4}-Q[1-4]$"),
    ),
    request_body(
        description = "The file: CSV (UTF-8, header row), Parquet, or an Excel workbook (.xlsx: the sheet named after the dataset, else the first visible sheet; column names in row 1)",
        content(
            (String = "text/csv"),
            (Vec<u8> = "application/vnd.apache.parquet"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    ),
    responses(
        (status = 201, description = "Stored", body = Submission),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not a submitter of this organisation", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "Unknown organisation or dataset", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "An entry of this key's ledger cannot be read: nothing is accepted for the key until a data steward repairs the store (the detail names the object)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 415, description = "Not CSV, Parquet or an Excel workbook", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "Invalid period, or the file failed validation (every problem listed)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn put_submission(
    State(app): State<AppState>,
    caller: Caller,
    Path((organisation, dataset, period)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<Submission>)> {
    let organisation = organisation_in_path(&organisation)?;
    let dataset = dataset_in_path(&dataset)?;
    let period = period_param("period", &period)?;
    let format = upload_format(&headers)?;
    let bytes = read_body(&headers, body, app.config.max_upload_bytes).await?;
    let checksum = checksum(&bytes);
    let target = format!("{organisation}/{dataset}/{period}");
    let table = match validate_upload(dataset, format, bytes, app.config.max_upload_bytes).await {
        Ok(t) => t,
        Err(e) => {
            app.telemetry.upload(false);
            log_access(
                &app,
                Some(&caller),
                "upload",
                AccessOutcome::Rejected,
                Some(target),
                None,
                Some("validation failed".into()),
            )
            .await;
            return Err(e);
        }
    };
    let rows = table.rows as u64;
    let parquet = to_parquet_off_runtime(table, Some((organisation, period))).await?;
    let record = app
        .store
        .submit(&NewSubmission {
            organisation,
            dataset,
            period,
            parquet: parquet.clone(),
            rows,
            checksum,
            by: Some(caller.id().to_string()),
        })
        .await?;
    if app.config.release_on_upload {
        crate::scheduler::publish(&app, period, edi_hub_store::Trigger::Upload).await;
    }
    app.telemetry.upload(true);
    log_access(
        &app,
        Some(&caller),
        "upload",
        AccessOutcome::Success,
        Some(target),
        Some(record.id.clone()),
        Some(format!("{rows} rows")),
    )
    .await;
    Ok((StatusCode::CREATED, Json(Submission::seen_by(&record, &caller))))
}

/// List submissions.
///
/// All statuses unless filtered, newest first. A submitter sees only its
/// own organisation's submissions. `rows` and `checksum` describe the
/// uploaded file itself, so only the submission's own organisation and
/// stewards see them; everyone else gets them as null.
#[utoipa::path(
    get,
    path = "/api/v1/submissions",
    tag = "submissions",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of submissions, newest first", body = SubmissionList),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 422, description = "A filter is invalid (the problem names it)", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn list_submissions(
    State(app): State<AppState>,
    caller: Caller,
    query: QueryParams<ListQuery>,
) -> ApiResult<Json<SubmissionList>> {
    let filters = Filters::parse(&query.value)?;
    let own = caller.organisation();
    let snapshot = app.store.snapshot();
    let matching: Vec<&SubmissionRecord> = snapshot
        .submissions
        .iter()
        .filter(|s| own.is_none_or(|o| s.organisation == o))
        .filter(|s| filters.matches(s))
        .collect();
    let start = match &filters.page_token {
        None => 0,
        Some(token) => {
            matching.iter().position(|s| &s.id == token).ok_or_else(|| {
                ApiError::bad_parameter("page_token", "the page token is not valid (it may have expired)")
            })? + 1
        }
    };
    let page: Vec<Submission> =
        matching.iter().skip(start).take(filters.limit).map(|s| Submission::seen_by(s, &caller)).collect();
    let next_page_token = (start + page.len() < matching.len()).then(|| page.last().map(|s| s.id.clone())).flatten();
    Ok(Json(SubmissionList { submissions: page, next_page_token }))
}

struct Filters {
    organisation: Option<Organisation>,
    dataset: Option<Dataset>,
    period: Option<Period>,
    status: Option<Status>,
    limit: usize,
    page_token: Option<String>,
}

impl Filters {
    fn parse(q: &ListQuery) -> ApiResult<Filters> {
        let status = match q.status.as_deref() {
            None => None,
            Some("current") => Some(Status::Current),
            Some("superseded") => Some(Status::Superseded),
            Some("withdrawn") => Some(Status::Withdrawn),
            Some("withheld") => Some(Status::Withheld),
            Some(_) => {
                return Err(ApiError::bad_parameter(
                    "status",
                    "status must be current, superseded, withdrawn or withheld",
                ));
            }
        };
        let limit = page_limit(q.limit.as_deref())?;
        Ok(Filters {
            organisation: q.organisation.as_deref().map(|s| organisation_param("organisation", s)).transpose()?,
            dataset: q.dataset.as_deref().map(|s| dataset_param("dataset", s)).transpose()?,
            period: q.period.as_deref().map(|s| period_param("period", s)).transpose()?,
            status,
            limit,
            page_token: q.page_token.clone(),
        })
    }

    fn matches(&self, s: &SubmissionRecord) -> bool {
        self.organisation.is_none_or(|o| s.organisation == o)
            && self.dataset.is_none_or(|d| s.dataset == d)
            && self.period.is_none_or(|p| s.period == p)
            && self.status.is_none_or(|st| s.status == st)
    }
}

/// Withdraw a submission.
///
/// The submission stays in the history with status `withdrawn`; its key
/// then has no current submission until the next upload. Allowed for the
/// organisation's submitters and for data stewards.
#[utoipa::path(
    delete,
    path = "/api/v1/submissions/{id}",
    tag = "submissions",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Submission id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "No valid token", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 403, description = "Not this organisation's submitter or a steward", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 404, description = "No such submission", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 409, description = "Already withdrawn", body = ProblemDetails, content_type = "application/problem+json"),
        (status = 429, description = "Over the token's request rate", body = ProblemDetails, content_type = "application/problem+json"),
    )
)]
pub async fn withdraw_submission(
    State(app): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    // The access layer found the submission and checked who may withdraw it.
    let result = app.store.withdraw(&id, Some(caller.id().to_string())).await;
    let outcome = if result.is_ok() { AccessOutcome::Success } else { AccessOutcome::Rejected };
    log_access(&app, Some(&caller), "withdraw", outcome, None, Some(id), None).await;
    let record = result?;
    if app.config.release_on_upload {
        crate::scheduler::publish(&app, record.period, edi_hub_store::Trigger::Upload).await;
    }
    Ok(StatusCode::NO_CONTENT)
}
