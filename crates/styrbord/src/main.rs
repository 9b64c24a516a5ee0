//! The `styrbord` binary: the server and the operator's commands (CONTRACT.md §1).

mod bench;
mod bench_budget;
mod bench_plan;
mod bench_report;
mod config;

use anyhow::{Context, Result, bail};
use app::{App, SystemClock};
use clap::{Parser, Subcommand};
use config::Config;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "styrbord", version, about = "Styrbord – verksamhets- och målstyrning")]
struct Cli {
    /// Directory for the embedded database and other files.
    #[arg(long, global = true, env = "STYRBORD_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// A TOML configuration file.
    #[arg(long, global = true, env = "STYRBORD_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Address to listen on.
        #[arg(long)]
        listen: Option<String>,
        /// Load the demo organisation into an empty database first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Load the demo organisation into an empty database and exit.
    Demo,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Import a plan file (styrbord-plan/1): all of it or nothing.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Export a plan file (styrbord-plan/1).
    Export {
        #[command(subcommand)]
        command: ExportCommand,
    },
    /// Validate configuration and connectivity.
    CheckConfig,
    /// Measure on an empty, throwaway database (BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        command: bench::BenchCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a local user; the password comes from STYRBORD_PASSWORD or standard input.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Home unit key.
        #[arg(long)]
        home_unit: Option<String>,
        /// A role to grant (repeatable, each with a following --unit).
        #[arg(long = "role")]
        roles: Vec<String>,
        /// The unit key of the preceding --role.
        #[arg(long = "unit")]
        units: Vec<String>,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Create or update units, objects and follow-ups by key from a plan file ("-" = standard input).
    Plan { file: PathBuf },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Write the plan of a unit and its subtree for a year.
    Plan {
        /// The unit's key.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i64,
        /// Only this module (default: all).
        #[arg(long)]
        module: Option<String>,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Render a document from a report template for a unit and year (DOCX, PDF or XLSX).
    Document {
        /// The unit's key.
        #[arg(long)]
        unit: String,
        #[arg(long)]
        year: i32,
        /// A follow-up report's period within the year: `2020-T1` (tertial), `2020-H1`, `2020-05`.
        /// Plans and annual reports are for the year.
        #[arg(long)]
        period: Option<String>,
        /// The template's key: `forvaltningsplan`, `delarsrapport` and `arsredovisning` ship by
        /// default.
        #[arg(long)]
        template: String,
        /// docx, pdf or xlsx.
        #[arg(long)]
        format: String,
        /// The document's language: sv (default) or en.
        #[arg(long, default_value = "sv")]
        lang: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Print a new API token for the user (shown once, stored hashed).
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("styrbord: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    let config = Config::load(cli.config.as_deref(), cli.data_dir.as_deref())?;
    init_logging(&config);
    match cli.command {
        Command::Serve { listen, demo } => {
            let app = open(&config).await?;
            if demo {
                if app.store().is_empty().await? {
                    app.load_demo().await.map_err(app_error)?;
                    tracing::info!("demo organisation loaded");
                } else {
                    tracing::info!("database not empty; demo not loaded");
                }
            }
            let listen = listen.unwrap_or_else(|| config.listen.clone());
            serve(app, &config, &listen).await
        }
        Command::Migrate => {
            open(&config).await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Demo => {
            let app = open(&config).await?;
            if !app.store().is_empty().await? {
                bail!("the database is not empty; the demo loads only into an empty database");
            }
            app.load_demo().await.map_err(app_error)?;
            eprintln!("demo organisation loaded");
            Ok(())
        }
        Command::User { command: UserCommand::Create { email, name, home_unit, roles, units } } => {
            if roles.len() != units.len() {
                bail!("give each --role a --unit (got {} roles and {} units)", roles.len(), units.len());
            }
            let password = read_password()?;
            let mut grants = Vec::new();
            for (role, unit) in roles.iter().zip(units) {
                let role = role.parse().map_err(|_| anyhow::anyhow!("unknown role {role:?}; use one of view, user, manager, business-support, module-owner, super-user, local-admin, system-admin"))?;
                grants.push((role, unit));
            }
            let app = open(&config).await?;
            let input = app::users::NewUser {
                email,
                name,
                home_unit,
                licence: None,
                locale: None,
                password: Some(password),
            };
            let user = app.create_user_with_roles(input, &grants).await.map_err(app_error)?;
            eprintln!("created user {} ({})", user.email, user.id);
            Ok(())
        }
        Command::Token { command: TokenCommand::Create { email, name } } => {
            let app = open(&config).await?;
            let created = app.create_token_for_email(&email, &name).await.map_err(app_error)?;
            println!("{}", created.secret);
            Ok(())
        }
        Command::Import { command: ImportCommand::Plan { file } } => {
            let text = if file.as_os_str() == "-" {
                let mut text = String::new();
                std::io::stdin().read_to_string(&mut text).context("reading the plan file from standard input")?;
                text
            } else {
                std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?
            };
            let app = open(&config).await?;
            match app.import_plan(&app::Actor::system(), &text).await {
                Ok(s) => {
                    if !s.ignored.is_empty() {
                        eprintln!("not imported (unknown fields): {}", s.ignored.join(", "));
                    }
                    eprintln!(
                        "imported: {} units created, {} objects created, {} objects updated, {} follow-ups saved, \
                         {} budget frames saved, {} budget lines saved",
                        s.units_created,
                        s.objects_created,
                        s.objects_updated,
                        s.follow_ups_saved,
                        s.budget_frames_saved,
                        s.budget_lines_saved
                    );
                    Ok(())
                }
                Err(app::AppError::Validation(problems)) => {
                    for p in &problems {
                        eprintln!("  {}: {}", p.field, p.code.as_str().replace('_', " "));
                    }
                    bail!("the plan file has {} problem(s) (listed above); nothing was imported", problems.len())
                }
                Err(e) => Err(app_error(e)),
            }
        }
        Command::Export { command: ExportCommand::Plan { unit, year, module, out } } => {
            let app = open(&config).await?;
            let doc = app.export_plan(&app::Actor::system(), &unit, year, module.as_deref()).await.map_err(app_error)?;
            let text = serde_json::to_string_pretty(&doc).context("writing JSON")? + "\n";
            match out {
                Some(path) => std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(())
        }
        Command::Export { command: ExportCommand::Document { unit, year, period, template, format, lang, out } } => {
            let format = web::documents::Format::parse(&format).with_context(|| format!("unknown format {format:?}; use docx, pdf or xlsx"))?;
            let lang = web::Lang::parse(&lang).with_context(|| format!("unknown language {lang:?}; use sv or en"))?;
            let app = open(&config).await?;
            let file = match web::documents::export(&app, &app::Actor::system(), &unit, year, period.as_deref(), &template, format, lang).await {
                Ok(file) => file,
                Err(web::documents::ExportError::App(e)) => return Err(app_error(e)),
                Err(e) => return Err(e.into()),
            };
            std::fs::write(&out, &file.bytes).with_context(|| format!("writing {}", out.display()))?;
            eprintln!("wrote {} ({} bytes)", out.display(), file.bytes.len());
            Ok(())
        }
        Command::CheckConfig => {
            let app = open(&config).await?;
            if !app.healthy().await {
                bail!("the database does not answer");
            }
            let addr: std::net::SocketAddr = config.listen.parse().with_context(|| format!("listen address {:?} is not host:port", config.listen))?;
            eprintln!("configuration ok: database {}, listen {addr}", config.database_url_redacted());
            Ok(())
        }
        Command::Bench { command } => bench::run(&config, command).await,
    }
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("STYRBORD_PASSWORD") {
        return Ok(p);
    }
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input).context("reading the password from standard input")?;
    let password = input.lines().next().unwrap_or("").to_owned();
    if password.is_empty() {
        bail!("no password: set STYRBORD_PASSWORD or pipe it on standard input");
    }
    Ok(password)
}

/// One line for the operator: the field and the problem, not a debug dump.
fn app_error(e: app::AppError) -> anyhow::Error {
    match e {
        app::AppError::Validation(problems) => anyhow::anyhow!(
            "invalid input: {}",
            problems.iter().map(|p| format!("{} ({})", p.field, p.code.as_str())).collect::<Vec<_>>().join(", ")
        ),
        app::AppError::Conflict(app::ConflictKind::TemplatePartBroken { section, reference }) => {
            anyhow::anyhow!("the template's section \"{section}\" reads from {reference}, which does not exist")
        }
        app::AppError::Conflict(kind) => anyhow::anyhow!("conflict: {kind:?}"),
        app::AppError::NotFound => anyhow::anyhow!("not found"),
        app::AppError::Internal(source) => anyhow::anyhow!("database error: {source}"),
        other => anyhow::anyhow!("{other}"),
    }
}

async fn open(config: &Config) -> Result<App> {
    let url = config.database_url()?;
    let store = store::Store::connect(&url).await.with_context(|| format!("connecting to {}", config.database_url_redacted()))?;
    store.migrate().await.context("applying migrations")?;
    let app = App::new(store, Arc::new(SystemClock), app::Settings::default());
    // The templates that ship with Styrbord, so `export document --template forvaltningsplan`
    // works on any database; templates an owner has edited are left as they are.
    app.install_default_templates().await.map_err(app_error)?;
    Ok(app)
}

async fn serve(app: App, config: &Config, listen: &str) -> Result<()> {
    let router = web::router(app.clone(), web::WebConfig { secure_cookies: config.secure_cookies, public_url: config.public_url.clone() });
    let listener = tokio::net::TcpListener::bind(listen).await.with_context(|| format!("listening on {listen}"))?;
    tracing::info!(address = %listener.local_addr()?, database = %config.database_url_redacted(), "Styrbord is running");
    eprintln!("Styrbord listens on http://{}", listener.local_addr()?);
    let worker = start_worker(&app, config, listener.local_addr()?)?;
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    if let Some(worker) = worker {
        worker.abort();
    }
    app.store().close().await;
    Ok(())
}

/// With an SMTP server configured: a background task that queues due reminder digests and runs
/// due jobs every `worker_interval_ms`. Every server of a shared PostgreSQL runs one; the queue
/// sends each digest once (see `app::reminders`).
fn start_worker(app: &App, config: &Config, address: std::net::SocketAddr) -> Result<Option<tokio::task::JoinHandle<()>>> {
    let Some(smtp_url) = config.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
        tracing::info!("no smtp_url configured: reminders are not sent");
        return Ok(None);
    };
    let public_url = config.public_url.clone().unwrap_or_else(|| format!("http://{address}"));
    let mailer = mail::Mailer::new(smtp_url, &config.mail_from, &public_url).map_err(|e| anyhow::anyhow!("{e}"))?;
    let sender = mail::DigestSender { app: app.clone(), mailer };
    let app = app.clone();
    let worker_id = format!("{}-{}-{}", hostname(), std::process::id(), uuid::Uuid::now_v7());
    let interval = std::time::Duration::from_millis(config.worker_interval_ms.max(100));
    tracing::info!(smtp = %config.smtp_url_redacted().unwrap_or_default(), worker = %worker_id, "reminders are sent by e-mail");
    Ok(Some(tokio::spawn(async move {
        loop {
            match app.schedule_digests().await {
                Ok(0) => {}
                Ok(queued) => tracing::info!(queued, "reminder digests queued"),
                Err(e) => tracing::warn!(error = %e, "queueing reminder digests failed"),
            }
            if let Err(e) = app.run_due_jobs(&worker_id, &sender, 100).await {
                tracing::warn!(error = %e, "running jobs failed");
            }
            tokio::time::sleep(interval).await;
        }
    })))
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_owned()).ok().filter(|h| !h.is_empty()).unwrap_or_else(|| "styrbord".into())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if config.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}
