//! The `edi-hub` command line: `serve`, `demo`, `token create`, `bench`,
//! `validate`, `upload`, `template`, `spec`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use edi_hub_core::disclosure::Policy;
use edi_hub_core::{Dataset, Organisation};
use edi_hub_store::{NewToken, Role, Store, StoreLocation};

use crate::app::{App, ServerConfig, serve};

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
    /// Measure benchmark latency (uncached, cached, direct DataFusion) and
    /// cached throughput against a hello-world route on a generated data set.
    Bench(crate::bench::BenchArgs),
    /// Check a file offline with exactly the hub's upload validation; exits
    /// non-zero and lists every problem when it is not valid.
    Validate {
        /// workforce, pay, recruitment, casework, progression, survey or population.
        #[arg(long)]
        dataset: Dataset,
        /// The file: CSV, or Parquet when its name ends in .parquet (.gz for gzip).
        file: PathBuf,
    },
    /// Upload quarterly files to a hub, with a progress bar and a report per
    /// file; exits non-zero if any file is rejected or cannot be sent.
    ///
    /// Each file's dataset and quarter come from its name,
    /// {organisation}_{dataset}_{period}.csv (e.g. E09000015_workforce_2025-Q1.csv)
    /// or {dataset}_{period}.csv with --organisation, or from --dataset and
    /// --period. .parquet files are sent as Parquet; a further .gz as gzip.
    Upload(crate::client::UploadArgs),
    /// Print an example CSV for a dataset: its header and a few valid rows.
    Template {
        /// workforce, pay, recruitment, casework, progression, survey or population.
        dataset: Dataset,
    },
    /// Check, by linear programming, that nothing the hub publishes about a
    /// period lets anyone work out a withheld count (steward tool; reads
    /// the store directly). Exits non-zero when a count can be pinned down.
    DisclosureAudit(crate::disclosure_audit::AuditArgs),
    /// Write the generated OpenAPI spec and dataset JSON Schemas.
    Spec {
        /// Project directory holding openapi/ and schemas/.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it, alone, on one line (it is not shown again).
    Create(TokenCreateArgs),
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
}

impl ServeArgs {
    pub fn config(&self) -> ServerConfig {
        ServerConfig {
            listen: self.listen,
            policy: Policy { min_count: self.min_count },
            rate_limit: self.rate_limit,
            max_upload_bytes: self.max_upload_bytes,
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

fn init_logging(format: LogFormat, to_stdout: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("EDI_HUB_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let terminal = if to_stdout {
        std::io::IsTerminal::is_terminal(&std::io::stdout())
    } else {
        std::io::IsTerminal::is_terminal(&std::io::stderr())
    };
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(terminal);
    let result = match (format, to_stdout) {
        (LogFormat::Json, true) => builder.json().try_init(),
        (LogFormat::Json, false) => builder.json().with_writer(std::io::stderr).try_init(),
        (LogFormat::Text, true) => builder.try_init(),
        (LogFormat::Text, false) => builder.with_writer(std::io::stderr).try_init(),
    };
    let _ = result;
}

/// Runs the command line; returns the process exit code.
pub async fn run(cli: Cli) -> anyhow_free::Result {
    match cli.command {
        Command::Serve(args) => {
            init_logging(args.log_format, true);
            serve_command(&args).await
        }
        Command::Demo(args) => {
            init_logging(args.log_format, true);
            demo_command(&args).await
        }
        Command::Token(TokenCommand::Create(args)) => {
            init_logging(LogFormat::Text, false);
            token_create(&args).await
        }
        Command::Bench(args) => {
            init_logging(LogFormat::Text, false);
            crate::bench::run(&args).await
        }
        Command::Validate { dataset, file } => match crate::offline::validate_file(dataset, &file) {
            Ok(report) => {
                println!("{report}");
                Ok(())
            }
            Err(report) => {
                print!("{report}");
                Err("the file is not valid".into())
            }
        },
        Command::Upload(args) => crate::client::upload(&args).await,
        Command::Template { dataset } => {
            print!("{}", crate::offline::template(dataset));
            Ok(())
        }
        Command::DisclosureAudit(args) => {
            init_logging(LogFormat::Text, false);
            crate::disclosure_audit::run(&args).await
        }
        Command::Spec { out } => {
            init_logging(LogFormat::Text, false);
            write_spec(&out)
        }
    }
}

async fn serve_command(args: &ServeArgs) -> anyhow_free::Result {
    let store = Arc::new(Store::open(&args.store.location()).map_err(|e| e.to_string())?);
    if let Err(e) = store.refresh().await {
        tracing::warn!(error = %e, "the object store is not reachable yet; /readyz answers 503 until it is");
    }
    // A store that holds the demo data set keeps saying so when served.
    let synthetic = store.has_note(crate::demo::MARKER).await;
    if synthetic {
        tracing::warn!("this store holds the SYNTHETIC demo data set; every answer is labelled so");
    }
    run_server(store, ServerConfig { synthetic, ..args.config() }).await
}

async fn run_server(store: Arc<Store>, config: ServerConfig) -> anyhow_free::Result {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let app = App::new(store.clone(), config).map_err(|e| e.to_string())?;
    tracing::info!("EDI Hub listening on http://{addr} (store: {})", store.describe());
    serve(app, listener, shutdown_signal()).await.map_err(|e| e.to_string())?;
    tracing::info!("EDI Hub stopped");
    Ok(())
}

async fn demo_command(args: &ServeArgs) -> anyhow_free::Result {
    // Without a data directory or object store, a fresh temporary directory
    // (removed when the demo stops).
    let mut _temporary = None;
    let location = match (&args.store.object_store_url, &args.store.data_dir) {
        (Some(url), _) if !url.trim().is_empty() => StoreLocation::Url(url.clone()),
        (_, Some(dir)) => StoreLocation::Directory(dir.clone()),
        _ => {
            let dir = tempfile::Builder::new().prefix("edi-hub-demo-").tempdir().map_err(|e| e.to_string())?;
            let location = StoreLocation::Directory(dir.path().to_path_buf());
            _temporary = Some(dir);
            location
        }
    };
    let store = Arc::new(Store::open(&location).map_err(|e| e.to_string())?);
    store.refresh().await.map_err(|e| e.to_string())?;
    let current = edi_hub_core::Period::containing(chrono::Utc::now().date_naive());
    let periods = crate::demo::last_quarters(current, 8);
    if store.snapshot().submissions.is_empty() {
        eprintln!(
            "Generating the SYNTHETIC demo data set: 6 datasets x 33 authorities x {} quarters ({} to {})...",
            periods.len(),
            periods[0],
            periods[periods.len() - 1]
        );
        let n = crate::demo::load(&store, &periods, 2026).await?;
        eprintln!("Stored {n} synthetic submissions and a synthetic population table.");
    }
    let mut tokens = Vec::new();
    for (role, organisation, label) in [
        (Role::Steward, None, "demo steward"),
        (Role::Analyst, None, "demo analyst"),
        (Role::Submitter, Some("E09000015"), "demo submitter (Harrow)"),
    ] {
        let organisation = organisation.and_then(|o| o.parse().ok());
        let (_, token) = store
            .tokens()
            .create(NewToken { role, organisation, label: Some(label.into()), expires_at: None })
            .await
            .map_err(|e| e.to_string())?;
        tokens.push((label, token));
    }
    let listen = args.listen;
    println!("EDI Hub DEMO: every figure is SYNTHETIC (generated, not real council data).");
    println!("Store: {}", store.describe());
    println!("Quarters: {} to {}", periods[0], periods[periods.len() - 1]);
    for (label, token) in &tokens {
        println!("  {label:<26} {token}");
    }
    println!(
        "Try: curl -H \"Authorization: Bearer <token>\" \"http://{listen}/api/v1/benchmarks/workforce_share?period={}\"",
        periods[periods.len() - 1]
    );
    let config = ServerConfig { synthetic: true, ..args.config() };
    run_server(store, config).await
}

async fn token_create(args: &TokenCreateArgs) -> anyhow_free::Result {
    let organisation = match (args.role, args.organisation) {
        (Role::Submitter, None) => return Err("a submitter token needs --organisation".into()),
        (Role::Submitter, Some(o)) => Some(o),
        (_, Some(_)) => return Err("--organisation is only for submitter tokens".into()),
        (_, None) => None,
    };
    let store = Store::open(&args.store.location()).map_err(|e| e.to_string())?;
    let expires_at = args.expires_in_days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
    let (_, token) = store
        .tokens()
        .create(NewToken { role: args.role, organisation, label: args.label.clone(), expires_at })
        .await
        .map_err(|e| e.to_string())?;
    println!("{token}");
    Ok(())
}

/// Writes `openapi/openapi.json` and `schemas/*.json` under `out`.
fn write_spec(out: &std::path::Path) -> anyhow_free::Result {
    for (path, text) in generated_files(out) {
        let target = out.join(&path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        }
        std::fs::write(&target, text).map_err(|e| format!("{}: {e}", target.display()))?;
        eprintln!("wrote {}", target.display());
    }
    Ok(())
}

/// Every generated file under the project directory `root` (relative path,
/// content): the OpenAPI spec, the dataset schemas and the README's access
/// table. A test checks the committed copies equal these.
pub fn generated_files(root: &std::path::Path) -> Vec<(String, String)> {
    let store = Arc::new(Store::open(&StoreLocation::Memory).unwrap_or_else(|e| panic!("in-memory store: {e}")));
    let app = App::new(store, ServerConfig::default()).unwrap_or_else(|e| panic!("query engine: {e}"));
    let spec = crate::api::spec(app);
    let mut files =
        vec![("openapi/openapi.json".to_string(), format!("{}\n", spec.to_pretty_json().unwrap_or_default()))];
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    if let Some(updated) = crate::access::readme_with_table(&readme) {
        files.push(("README.md".to_string(), updated));
    }
    for (name, schema) in edi_hub_core::schema::all_schemas() {
        files.push((
            format!("schemas/{name}"),
            format!("{}\n", serde_json::to_string_pretty(&schema).unwrap_or_default()),
        ));
    }
    files
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A tiny error type for the command line: a message for the user.
pub mod anyhow_free {
    /// Result of a command: `Err` holds the message printed before exiting with status 1.
    pub type Result = std::result::Result<(), String>;
}
