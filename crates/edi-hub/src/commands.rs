//! What each command does: logging set up, then a call into the crate that
//! does the work. One error type for every command (`anyhow`).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use edi_hub_api::{App, ServerConfig, serve};
use edi_hub_core::disclosure::Policy;
use edi_hub_core::{Organisation, Period};
use edi_hub_query::{Engine, Publication};
use edi_hub_store::{NewToken, Role, Store, StoreLocation, Trigger};

use crate::cli::{AuditArgs, Cli, Command, LogFormat, ServeArgs, TemplateFormat, TokenCommand, TokenCreateArgs};

/// Days a demo token lasts.
const DEMO_TOKEN_DAYS: i64 = 7;

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

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
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
        Command::User(command) => {
            init_logging(LogFormat::Text, false);
            crate::users::run(command).await
        }
        Command::Bench(args) => {
            init_logging(LogFormat::Text, false);
            edi_hub_bench::run(&args).await
        }
        Command::BenchStore(args) => {
            init_logging(LogFormat::Text, false);
            edi_hub_bench::run_store(&args).await
        }
        Command::BenchHttp(args) => {
            init_logging(LogFormat::Text, false);
            edi_hub_bench::run_http(&args).await
        }
        Command::Validate { dataset, file } => match edi_hub_client::validate_file(dataset, &file)? {
            edi_hub_client::Checked::Valid(report) => {
                println!("{report}");
                Ok(())
            }
            edi_hub_client::Checked::Invalid(report) => {
                print!("{report}");
                bail!("the file is not valid")
            }
        },
        Command::Upload(args) => edi_hub_client::upload(&args).await,
        Command::Template { dataset, format, out } => template(dataset, format, out.as_deref()),
        Command::DisclosureAudit(args) => {
            init_logging(LogFormat::Text, false);
            disclosure_audit(&args).await
        }
        Command::Spec { out } => {
            init_logging(LogFormat::Text, false);
            write_spec(&out)
        }
    }
}

/// `edi-hub template`: the example file, to `out` or standard output.
fn template(dataset: edi_hub_core::Dataset, format: TemplateFormat, out: Option<&Path>) -> anyhow::Result<()> {
    use std::io::{IsTerminal as _, Write as _};
    let bytes = match format {
        TemplateFormat::Csv => edi_hub_core::template::csv(dataset).into_bytes(),
        TemplateFormat::Xlsx => edi_hub_client::template::workbook(dataset)?,
    };
    match out {
        Some(path) => std::fs::write(path, bytes).with_context(|| path.display().to_string()),
        None if format == TemplateFormat::Xlsx && std::io::stdout().is_terminal() => {
            bail!(
                "a workbook is not written to a terminal: give --out {dataset}.xlsx, or redirect the output to a file"
            )
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(&bytes).and_then(|()| stdout.flush()).context("writing to standard output")
        }
    }
}

async fn serve_command(args: &ServeArgs) -> anyhow::Result<()> {
    let store = Arc::new(Store::open(&args.store.location())?);
    if let Err(e) = store.refresh().await {
        tracing::warn!(error = %e, "the object store is not reachable yet; /readyz answers 503 until it is");
    }
    // A store that holds the demo data set keeps saying so when served.
    let synthetic = store.has_note(edi_hub_synthetic::MARKER).await;
    if synthetic {
        tracing::warn!("this store holds the SYNTHETIC demo data set; every answer is labelled so");
    }
    run_server(store, ServerConfig { synthetic, sign_in: sign_in(args)?, ..args.config() }).await
}

/// The single sign-on settings of `serve` and `demo`, logged when on.
fn sign_in(args: &ServeArgs) -> anyhow::Result<Option<edi_hub_api::sign_in::SignInConfig>> {
    let config = args.sign_in.config().map_err(anyhow::Error::msg)?;
    if let Some(c) = &config {
        tracing::info!(
            issuer = %c.issuer,
            redirect_url = %c.redirect_url(),
            role_claim = c.role_claim.as_deref().unwrap_or("-"),
            "single sign-on is on"
        );
    }
    Ok(config)
}

async fn run_server(store: Arc<Store>, config: ServerConfig) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let app = App::new(store.clone(), config)?;
    tracing::info!("EDI Hub listening on http://{addr} (store: {})", store.describe());
    serve(app, listener, shutdown_signal()).await?;
    tracing::info!("EDI Hub stopped");
    Ok(())
}

async fn demo_command(args: &ServeArgs) -> anyhow::Result<()> {
    // Without a data directory or object store, a fresh temporary directory
    // (removed when the demo stops).
    let mut _temporary = None;
    let location = match (&args.store.object_store_url, &args.store.data_dir) {
        (Some(url), _) if !url.trim().is_empty() => StoreLocation::Url(url.clone()),
        (_, Some(dir)) => StoreLocation::Directory(dir.clone()),
        _ => {
            let dir = tempfile::Builder::new().prefix("edi-hub-demo-").tempdir()?;
            let location = StoreLocation::Directory(dir.path().to_path_buf());
            _temporary = Some(dir);
            location
        }
    };
    let store = Arc::new(Store::open(&location)?);
    let snapshot = store.refresh().await?;
    let synthetic = store.has_note(edi_hub_synthetic::MARKER).await;
    if !synthetic && (!snapshot.submissions.is_empty() || snapshot.population.is_some() || !snapshot.damaged.is_empty())
    {
        bail!(
            "{} already holds data that is not the demo's; the demo would label it synthetic and mint a steward \
             token for it. Use `edi-hub serve` for this store, or give the demo an empty --data-dir",
            store.describe()
        );
    }
    let current = edi_hub_core::Period::containing(chrono::Utc::now().date_naive());
    let periods = edi_hub_synthetic::last_quarters(current, 8);
    if snapshot.submissions.is_empty() && snapshot.damaged.is_empty() {
        eprintln!(
            "Generating the SYNTHETIC demo data set: 6 datasets x 33 authorities x {} quarters ({} to {})...",
            periods.len(),
            periods[0],
            periods[periods.len() - 1]
        );
        let latest = periods[periods.len() - 1];
        let missing: Vec<(Organisation, Period)> =
            DEMO_MISSING.iter().filter_map(|o| o.parse().ok()).map(|o| (o, latest)).collect();
        let n = edi_hub_synthetic::load_except(&store, &periods, 2026, &missing).await?;
        eprintln!("Stored {n} synthetic submissions and a synthetic population table.");
    }
    publish_demo_rounds(&store, &periods, args.config().policy).await?;
    // Demo tokens are for exploring: they expire after a week.
    let expires_at = chrono::Utc::now() + chrono::Duration::days(DEMO_TOKEN_DAYS);
    let mut tokens = Vec::new();
    for (role, organisation, label) in [
        (Role::Steward, None, "demo steward"),
        (Role::Analyst, None, "demo analyst"),
        (Role::Submitter, Some("E09000015"), "demo submitter (Harrow)"),
    ] {
        let organisation = organisation.and_then(|o| o.parse().ok());
        let new = NewToken { role, organisation, label: Some(label.into()), expires_at: Some(expires_at) };
        let (_, token) = store.tokens().create(new).await?;
        tokens.push((label, token));
    }
    let listen = args.listen;
    println!("EDI Hub DEMO: every figure is SYNTHETIC (generated, not real council data).");
    println!("Store: {}", store.describe());
    println!("Quarters: {} to {}", periods[0], periods[periods.len() - 1]);
    for (label, token) in &tokens {
        println!("  {label:<26} {token}");
    }
    println!("Tokens expire {} ({DEMO_TOKEN_DAYS} days).", expires_at.format("%Y-%m-%d %H:%M UTC"));
    println!(
        "Try: curl -H \"Authorization: Bearer <token>\" \"http://{listen}/api/v1/benchmarks/workforce_share?period={}\"",
        periods[periods.len() - 1]
    );
    let config = ServerConfig { synthetic: true, sign_in: sign_in(args)?, ..args.config() };
    run_server(store, config).await
}

/// Boroughs yet to submit in the demo's latest quarter.
const DEMO_MISSING: [&str; 4] = ["E09000002", "E09000010", "E09000027", "E09000031"];

/// The demo's collection rounds: every quarter but the latest is published;
/// the latest is still collecting, with a deadline and a release date.
async fn publish_demo_rounds(store: &Arc<Store>, periods: &[Period], policy: Policy) -> anyhow::Result<()> {
    let engine = Engine::new(store.clone(), policy, false)?;
    let (latest, earlier) = periods.split_last().context("the demo has quarters")?;
    for &period in earlier {
        let started = std::time::Instant::now();
        if let Publication::Released { record, .. } =
            engine.publish(period, Trigger::Steward, Some("demo".into())).await?
        {
            eprintln!("Published release {} of {period} ({} ms).", record.release, started.elapsed().as_millis());
        }
    }
    if store.snapshot().period(*latest).is_none_or(|p| p.schedule.is_none()) {
        let now = chrono::Utc::now();
        store
            .schedule_period(
                *latest,
                now + chrono::Duration::days(14),
                now + chrono::Duration::days(21),
                Some("demo".into()),
            )
            .await?;
    }
    Ok(())
}

async fn token_create(args: &TokenCreateArgs) -> anyhow::Result<()> {
    let organisation = match (args.role, args.organisation) {
        (Role::Submitter, None) => bail!("a submitter token needs --organisation"),
        (Role::Submitter, Some(o)) => Some(o),
        (_, Some(_)) => bail!("--organisation is only for submitter tokens"),
        (_, None) => None,
    };
    let store = Store::open(&args.store.location())?;
    let expires_at = args.expires_in_days.map(|d| chrono::Utc::now() + chrono::Duration::days(i64::from(d)));
    let new = NewToken { role: args.role, organisation, label: args.label.clone(), expires_at };
    let (_, token) = store.tokens().create(new).await?;
    println!("{token}");
    Ok(())
}

/// A released quarter is audited over all its releases together (pooled
/// rows included); one not yet released, as its current submissions would
/// be shown.
async fn disclosure_audit(args: &AuditArgs) -> anyhow::Result<()> {
    let store = Arc::new(Store::open(&args.store.location())?);
    let policy = Policy { min_count: args.min_count };
    let solve = !args.counts_only;
    let snapshot = store.refresh().await.context("reading the store's ledgers")?;
    let released = snapshot.period(args.period).is_some_and(|r| !r.releases.is_empty());
    if released && solve {
        let report = edi_hub_disclosure_audit::audit_releases_for(
            &store,
            args.period,
            policy,
            args.protection,
            args.organisation,
        )
        .await?;
        print!("{}", report.render());
        if !report.passed() {
            bail!("the audit found figures that can be worked out");
        }
        return Ok(());
    }
    if released {
        println!("{} is published: counting the current submissions' patterns only", args.period);
    } else {
        println!("{} is not yet published (no release): auditing its current submissions", args.period);
    }
    let report =
        edi_hub_disclosure_audit::audit_period(store, policy, args.period, args.organisation, args.protection, solve)
            .await?;
    print!("{}", report.render());
    if !report.passed() {
        bail!("the audit found figures that can be worked out");
    }
    Ok(())
}

/// Writes `openapi/openapi.json`, `schemas/*.json` and the README's access table under `out`.
fn write_spec(out: &Path) -> anyhow::Result<()> {
    for path in edi_hub_api::spec::write_generated_files(out).with_context(|| out.display().to_string())? {
        eprintln!("wrote {}", path.display());
    }
    Ok(())
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
