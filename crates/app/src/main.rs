//! `ordo`: the binary. Reads configuration, wires the adapters to the domain, and runs the
//! command asked for. Thin on purpose: every rule lives in `ordo-domain`.

use clap::{Parser, Subcommand};
use ordo_store::{DatabaseUrl, Store, StoreOptions};
use std::process::ExitCode;

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
        global = true
    )]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run migrations, then serve the API.
    Serve {
        /// Load the demo data set into an empty database.
        #[arg(long)]
        demo: bool,
    },
    /// Run pending migrations and exit.
    Migrate,
    /// Audit log commands.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Check the audit log's hash chain; exit non-zero on a break.
    Verify,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("ordo: {message}");
            ExitCode::FAILURE
        }
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
        Command::Serve { .. } => Err(
            "the HTTP server arrives with issue 4 (the HTTP edge); `ordo migrate` and \
             `ordo audit verify` work today"
                .into(),
        ),
    }
}
