//! The `edi-hub` command line: its commands and options (clap). What each
//! command does lives in [`crate::commands`] and in the crates it calls.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use edi_hub_api::ServerConfig;
use edi_hub_api::sign_in::{Secret, SignInConfig};
use edi_hub_core::disclosure::Policy;
use edi_hub_core::{Dataset, Organisation, Period};
use edi_hub_store::{Role, StoreLocation};

/// Benchmarking race equality in the workforces of London's local authorities.
#[derive(Debug, Parser)]
#[command(name = "edi-hub", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub's HTTP API.
    Serve(ServeArgs),
    /// Run the hub on a generated, clearly labelled SYNTHETIC data set (all
    /// six datasets, all 33 authorities, the last 8 quarters) and print a
    /// token for each role. Uses a fresh temporary directory unless a data
    /// directory or object store is given.
    Demo(ServeArgs),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage who may sign in to the dashboard with single sign-on, and as what.
    #[command(subcommand)]
    User(UserCommand),
    /// Measure benchmark latency (uncached, cached, direct DataFusion) and
    /// cached throughput against a hello-world route on a generated data set.
    Bench(edi_hub_bench::BenchArgs),
    /// Generate a SYNTHETIC store at London or national scale with every
    /// quarter published, and print the benchmark questions as JSON (for
    /// bench/compare.py).
    BenchStore(edi_hub_bench::BenchStoreArgs),
    /// Time requests against running hubs (latency percentiles, requests
    /// per second) and print them as JSON (for bench/compare.py).
    BenchHttp(edi_hub_bench::HttpArgs),
    /// Check a file offline with exactly the hub's upload validation; exits
    /// non-zero and lists every problem when it is not valid.
    Validate {
        /// workforce, pay, recruitment, casework, progression, survey or population.
        #[arg(long)]
        dataset: Dataset,
        /// The file: CSV, or Parquet when its name ends in .parquet, or an
        /// Excel workbook when it ends in .xlsx (.gz for gzip).
        file: PathBuf,
    },
    /// Upload quarterly files to a hub, with a progress bar and a report per
    /// file; exits non-zero if any file is rejected or cannot be sent.
    ///
    /// Each file's dataset and quarter come from its name,
    /// {organisation}_{dataset}_{period}.csv (e.g. E09000015_workforce_2025-Q1.csv)
    /// or {dataset}_{period}.csv with --organisation, or from --dataset and
    /// --period. .parquet files are sent as Parquet, .xlsx as an Excel
    /// workbook; a further .gz as gzip.
    Upload(edi_hub_client::UploadArgs),
    /// Print an example file for a dataset: its header and a few valid rows,
    /// as CSV, or as a ready-to-fill Excel workbook (--format xlsx).
    Template {
        /// workforce, pay, recruitment, casework, progression, survey or population.
        dataset: Dataset,
        /// csv, or xlsx: a workbook whose first sheet, named after the
        /// dataset, checks each column as it is filled in.
        #[arg(long, value_enum, default_value_t = TemplateFormat::Csv)]
        format: TemplateFormat,
        /// Write to this file instead of standard output (a workbook is
        /// never written to a terminal).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check, by linear programming, that nothing the hub publishes about a
    /// period lets anyone work out a withheld count (steward tool; reads
    /// the store directly). Exits non-zero when a count can be pinned down.
    DisclosureAudit(AuditArgs),
    /// Write the generated OpenAPI spec and dataset JSON Schemas.
    Spec {
        /// Project directory holding openapi/ and schemas/.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

/// The format of `edi-hub template`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TemplateFormat {
    Csv,
    Xlsx,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it, alone, on one line (it is not shown again).
    Create(TokenCreateArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Give a person (by the email their council account signs in with), or
    /// everyone with a value of the role claim (e.g. a group id), a role;
    /// replaces any earlier mapping.
    Add(UserAddArgs),
    /// Take a person's (or a role-claim value's) role away.
    Remove(UserWhoArgs),
    /// List every mapping.
    List(StoreArgs),
}

/// Whom a mapping is about: a person or a role-claim value.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct Who {
    /// The person's email address (as the OpenID provider sends it; any letter case).
    #[arg(long)]
    pub email: Option<String>,
    /// A value of the role claim (`serve --oidc-role-claim`), e.g. a group id.
    #[arg(long)]
    pub claim: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub who: Who,
    /// steward, analyst or submitter.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// GSS code of the organisation (submitters only, required for them).
    #[arg(long)]
    pub organisation: Option<Organisation>,
}

#[derive(Debug, Clone, Args)]
pub struct UserWhoArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub who: Who,
}

/// Single sign-on for the dashboard (OpenID Connect). Giving the issuer
/// turns it on; the client id, client secret file and public URL are then needed too.
#[derive(Debug, Clone, Args)]
pub struct SignInArgs {
    /// The OpenID provider's issuer URL (its discovery document is at
    /// {issuer}/.well-known/openid-configuration), e.g.
    /// https://login.microsoftonline.com/{tenant-id}/v2.0, https://accounts.google.com
    /// or https://keycloak.example/realms/{realm}.
    #[arg(long, env = "EDI_HUB_OIDC_ISSUER", requires_all = ["oidc_client_id", "oidc_client_secret_file", "public_url"])]
    pub oidc_issuer: Option<String>,
    /// The hub's client id at the provider.
    #[arg(long, env = "EDI_HUB_OIDC_CLIENT_ID", requires = "oidc_issuer")]
    pub oidc_client_id: Option<String>,
    /// A file holding the hub's client secret at the provider (the secret
    /// itself is never given on the command line).
    #[arg(long, env = "EDI_HUB_OIDC_CLIENT_SECRET_FILE", requires = "oidc_issuer")]
    pub oidc_client_secret_file: Option<PathBuf>,
    /// The hub's address as people's browsers reach it, e.g.
    /// https://edi-hub.example.gov.uk; the provider sends them back to
    /// {public-url}/auth/callback (register that redirect URL there).
    #[arg(long, env = "EDI_HUB_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// An ID token claim whose values stewards may map to roles (e.g.
    /// `groups`, holding group ids), beside mapping people by email.
    #[arg(long, env = "EDI_HUB_OIDC_ROLE_CLAIM", requires = "oidc_issuer")]
    pub oidc_role_claim: Option<String>,
    /// Hours a dashboard session lasts from sign-in.
    #[arg(long, env = "EDI_HUB_SESSION_HOURS", default_value_t = edi_hub_api::sign_in::DEFAULT_SESSION_HOURS,
          value_parser = clap::value_parser!(u64).range(1..=720))]
    pub session_hours: u64,
}

impl SignInArgs {
    /// The single sign-on settings (reading the client secret file), or none.
    pub fn config(&self) -> Result<Option<SignInConfig>, String> {
        let (Some(issuer), Some(client_id), Some(secret_file), Some(public_url)) =
            (&self.oidc_issuer, &self.oidc_client_id, &self.oidc_client_secret_file, &self.public_url)
        else {
            return Ok(None);
        };
        let secret = std::fs::read_to_string(secret_file)
            .map_err(|e| format!("cannot read the client secret file {}: {e}", secret_file.display()))?;
        let public_url = url::Url::parse(public_url.trim()).map_err(|e| format!("--public-url '{public_url}': {e}"))?;
        let config = SignInConfig {
            issuer: issuer.trim().to_string(),
            client_id: client_id.trim().to_string(),
            client_secret: Secret::new(secret.trim().to_string()),
            public_url,
            role_claim: self.oidc_role_claim.clone().filter(|c| !c.trim().is_empty()),
            session_lifetime: std::time::Duration::from_secs(self.session_hours * 3600),
        };
        config.check()?;
        Ok(Some(config))
    }
}

/// Where the hub keeps its data.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Local data directory, the embedded default store [default: ./data]
    #[arg(long, env = "EDI_HUB_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Object store URL, e.g. s3://bucket/prefix (configured by the standard
    /// AWS_* variables); when set it replaces the data directory.
    #[arg(long, env = "EDI_HUB_OBJECT_STORE_URL")]
    pub object_store_url: Option<String>,
}

impl StoreArgs {
    pub fn location(&self) -> StoreLocation {
        match &self.object_store_url {
            Some(url) if !url.trim().is_empty() => StoreLocation::Url(url.clone()),
            _ => StoreLocation::Directory(self.data_dir.clone().unwrap_or_else(|| PathBuf::from("./data"))),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Address to listen on.
    #[arg(long, env = "EDI_HUB_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Smallest non-zero count published to others (k).
    #[arg(long, env = "EDI_HUB_MIN_COUNT", default_value_t = 10, value_parser = clap::value_parser!(i64).range(1..))]
    pub min_count: i64,
    /// Requests per second per token; 0 turns rate limiting off.
    #[arg(long, env = "EDI_HUB_RATE_LIMIT", default_value_t = 100)]
    pub rate_limit: u32,
    /// Largest upload in bytes (after decompression).
    #[arg(long, env = "EDI_HUB_MAX_UPLOAD_BYTES", default_value_t = 50 * 1024 * 1024)]
    pub max_upload_bytes: usize,
    /// Log format.
    #[arg(long, env = "EDI_HUB_LOG_FORMAT", value_enum, default_value = "text")]
    pub log_format: LogFormat,
    /// Publish a new release of a quarter at every accepted upload or
    /// withdrawal (small deployments), instead of on a steward's request or schedule.
    #[arg(long, env = "EDI_HUB_RELEASE_ON_UPLOAD", default_value_t = false)]
    pub release_on_upload: bool,
    /// MiB of quarters' tables held in memory for queries; the least
    /// recently used are dropped beyond it (and read again when asked for).
    #[arg(long, env = "EDI_HUB_TABLE_CACHE_MB", default_value_t = edi_hub_query::DEFAULT_BUDGET_MB)]
    pub table_cache_mb: usize,
    #[command(flatten)]
    pub sign_in: SignInArgs,
}

impl ServeArgs {
    pub fn config(&self) -> ServerConfig {
        ServerConfig {
            listen: self.listen,
            policy: Policy { min_count: self.min_count },
            rate_limit: self.rate_limit,
            max_upload_bytes: self.max_upload_bytes,
            release_on_upload: self.release_on_upload,
            table_cache_bytes: self.table_cache_mb.saturating_mul(1024 * 1024),
            ..ServerConfig::default()
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// steward, analyst or submitter.
    #[arg(long, value_parser = parse_role)]
    pub role: Role,
    /// GSS code of the organisation (submitters only, required for them).
    #[arg(long)]
    pub organisation: Option<Organisation>,
    /// A note on who holds the token.
    #[arg(long)]
    pub label: Option<String>,
    /// Days until the token expires (no expiry when absent).
    #[arg(long)]
    pub expires_in_days: Option<u32>,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("'{s}' is not a role: use steward, analyst or submitter"))
}

/// Options of `edi-hub disclosure-audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The quarter to audit, e.g. 2025-Q1.
    #[arg(long)]
    pub period: Period,
    /// Only this organisation (all with data when absent).
    #[arg(long)]
    pub organisation: Option<Organisation>,
    /// Smallest non-zero count published to others (k), as the hub serves it.
    #[arg(long, env = "EDI_HUB_MIN_COUNT", default_value_t = 10, value_parser = clap::value_parser!(i64).range(1..))]
    pub min_count: i64,
    /// A sensitive count leaks when fewer than this many values beside its
    /// own remain possible (1: it cannot be pinned to one value).
    #[arg(long, default_value_t = 1)]
    pub protection: u32,
    /// Only count what the protected patterns withhold (no answers read,
    /// no linear programs): a quick measure of information loss.
    #[arg(long)]
    pub counts_only: bool,
}
