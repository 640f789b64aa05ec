//! The `edi-hub` binary: the command line of the EDI Hub.

mod cli;
mod commands;
mod users;

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match commands::run(cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("edi-hub: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
