//! The `edi-hub` binary.

use clap::Parser;
use edi_hub_server::cli::{Cli, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("edi-hub: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
