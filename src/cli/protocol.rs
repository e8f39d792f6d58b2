//! `hipflex protocol show [--phase N] [--protocol FILE]`

use std::path::PathBuf;
use std::process::ExitCode;

use hipflex::analyze::load_protocol;
use hipflex::protocol::render_protocol;

#[derive(Debug, clap::Args)]
pub struct ProtocolArgs {
    #[command(subcommand)]
    pub action: ProtocolAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum ProtocolAction {
    /// Print the effective rules, with their sources and evidence grades.
    Show {
        /// Only this phase.
        #[arg(long)]
        phase: Option<u8>,
        /// Protocol file (default: the built-in PHT protocol).
        #[arg(long, value_name = "FILE")]
        protocol: Option<PathBuf>,
    },
    /// Print the built-in protocol file (a starting point for a clinic's own).
    Default,
}

pub fn run(a: ProtocolArgs) -> anyhow::Result<ExitCode> {
    match a.action {
        ProtocolAction::Show { phase, protocol } => {
            let (p, _) = load_protocol(protocol.as_deref())?;
            print!("{}", render_protocol(&p, phase)?);
        }
        ProtocolAction::Default => print!("{}", hipflex::protocol::DEFAULT_PHT_TOML),
    }
    Ok(ExitCode::SUCCESS)
}
