//! `ordo`: the binary. Reads configuration, wires the adapters to the domain, and runs the
//! command asked for. Thin on purpose: every rule lives in `ordo-domain`.

mod background;
mod config;
mod demo;
mod dispatcher;
mod senders;
mod system;
mod wiring;

use clap::{Parser, Subcommand};
use config::Config;
use ordo_domain::people::{NewUser, RawUser};
use ordo_http::AppState;
use ordo_store::{DatabaseUrl, Store, StoreOptions};
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Parser)]
#[command(
    name = "ordo",
    version,
    about = "Order management for healthcare supply and service providers"
)]
struct Cli {
    /// `sqlite://PATH` or `postgres://…`.
    #[arg(
        long,
        env = "ORDO_DATABASE_URL",
        default_value = "sqlite://./data/ordo.db",
        global = true,
        hide_env_values = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run migrations, then serve the API.
    Serve {
        /// Load the demo data set into an empty database, and print its log-ins.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending migrations and exit.
    Migrate,
    /// Load the demo data set into an empty database.
    Demo,
    /// User administration.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Audit log commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Create a user.
    Add {
        #[arg(long)]
        email: String,
        /// admin, staff or customer.
        #[arg(long)]
        role: String,
        /// A territory the user works in (repeatable).
        #[arg(long = "territory")]
        territories: Vec<String>,
        /// A customer's patient.
        #[arg(long)]
        patient_id: Option<String>,
        /// Read the password from standard input (one trailing newline is stripped).
        #[arg(long, conflicts_with = "password")]
        password_stdin: bool,
        /// The password (visible in the process list: prefer --password-stdin).
        #[arg(long)]
        password: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain; exit 3 and name the first broken link on a break.
    Verify,
}

fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("ordo: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Structured logs: `ORDO_LOG` filters (default `info`), `ORDO_LOG_FORMAT=json` for JSON.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ORDO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("ORDO_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let url = DatabaseUrl::parse(&cli.database_url).map_err(|e| e.to_string())?;
    match cli.command {
        Command::Migrate => {
            let applied = ordo_store::migrate(&url).map_err(|e| e.to_string())?;
            println!(
                "{applied} migration(s) applied to the {} database",
                url.kind()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = Store::open(&url, StoreOptions::default()).map_err(|e| e.to_string())?;
            match store.ports().audit.verify().map_err(|e| e.to_string())? {
                Ok(n) => {
                    println!("audit chain intact: {n} entries");
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    eprintln!("{broken}");
                    Ok(ExitCode::from(3))
                }
            }
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    role,
                    territories,
                    patient_id,
                    password_stdin,
                    password,
                },
        } => {
            let password = match (password_stdin, password) {
                (true, _) => {
                    let mut s = String::new();
                    std::io::stdin()
                        .read_to_string(&mut s)
                        .map_err(|e| e.to_string())?;
                    s.strip_suffix('\n')
                        .map(|s| s.strip_suffix('\r').unwrap_or(s).to_owned())
                        .unwrap_or(s)
                }
                (false, Some(p)) => p,
                (false, None) => return Err("give --password-stdin or --password".into()),
            };
            let config = Config::from_env(url)?;
            let (_, ordo) = wiring::build(&config)?;
            let new = NewUser::parse(RawUser {
                email: Some(email),
                password: Some(password),
                role: Some(role),
                territories: Some(territories),
                patient_id,
                phone: None,
            })
            .map_err(|e| e.to_string())?;
            let user = ordo.create_user(None, new).map_err(|e| e.to_string())?;
            println!("created {} user {}", user.role, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo => {
            let config = Config::from_env(url)?;
            let (_, ordo) = wiring::build(&config)?;
            if demo::load(&ordo)? {
                demo::print_logins();
            } else {
                println!("the database already has users: demo data not loaded");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { demo } => serve(url, demo),
    }
}

fn serve(url: DatabaseUrl, demo: bool) -> Result<ExitCode, String> {
    let config = Config::from_env(url)?;
    // Before the store opens: a misconfigured gateway stops the start, not the first delivery.
    let delivery = senders::from_env()?;
    let (store, ordo) = wiring::build(&config)?;
    let mut background = background::Background::new(store.clone());
    let (hub, event_watch) = wiring::realtime(&store, &ordo, config.ws.clone())?;
    background.realtime(hub.clone(), event_watch);
    if demo {
        if demo::load(&ordo)? {
            tracing::info!("demo data loaded");
        }
        demo::print_logins();
    }
    let dispatcher = dispatcher::spawn(
        ordo.clone(),
        Arc::new(delivery.senders),
        delivery.lease,
        ordo_domain::notification::RetryPolicy {
            max_attempts: config.notify_max_attempts,
            base_ms: config.notify_backoff_ms,
        },
    );
    let heartbeat = dispatcher.heartbeat();
    background.dispatcher(dispatcher);
    let ready: ordo_http::ReadinessProbe = Arc::new(move || {
        store.ping().map_err(|e| e.to_string())?;
        if !heartbeat.alive(std::time::Duration::from_secs(30)) {
            return Err("the outbox dispatcher has not completed a step for 30 s".into());
        }
        match store.migrations_pending() {
            Ok(false) => Ok(()),
            Ok(true) => Err("migrations pending".into()),
            Err(e) => Err(e.to_string()),
        }
    });
    let rate_limits = config.rate_limits.clone();
    let login_throttle = ordo_http::LoginThrottle::new(
        config.login_failures_per_account,
        config.login_failures_per_address,
    );
    let listener = std::net::TcpListener::bind(&config.bind)
        .map_err(|e| format!("cannot bind {}: {e}", config.bind))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(%addr, database = config.database.kind(), "ordo listening");
    println!("ordo listening on http://{addr}");
    let served = actix_web::rt::System::new().block_on(async move {
        let state = AppState {
            ordo,
            ready,
            login_throttle: Arc::new(login_throttle),
            limiter: Arc::new(ordo_http::limits::Limiter::new(&rate_limits)),
            hub,
            // The same bound as another instance's log-out (docs/OPERATIONS.md).
            sessions: Arc::new(ordo_http::SessionCache::new(wiring::REVOCATION_STALENESS)),
        };
        let server = ordo_http::server(state, listener)?;
        server.await
    });
    // Off the executor, now that it has stopped: the threads end and the store closes.
    drop(background);
    served.map_err(|e| e.to_string())?;
    Ok(ExitCode::SUCCESS)
}
