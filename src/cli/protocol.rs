//! `hipflex protocol show [--phase N] [--protocol FILE]`, `protocol default`,
//! `protocol rules`, `protocol explain CODE`.

use std::path::PathBuf;
use std::process::ExitCode;

use hipflex::analyze::load_protocol;
use hipflex::protocol::render_protocol;
use hipflex::protocol::rules::docs;

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
    /// List the flag rules: code, level, severity range and a one-line summary.
    Rules,
    /// Print one flag rule's doc: what it flags, why it matters for the tendon, the protocol
    /// keys it reads, its evidence grade.
    Explain {
        /// The flag code, e.g. early_compression (see `hipflex protocol rules`).
        code: String,
    },
}

pub fn run(a: ProtocolArgs) -> anyhow::Result<ExitCode> {
    match a.action {
        ProtocolAction::Show { phase, protocol } => {
            let (p, _) = load_protocol(protocol.as_deref())?;
            print!("{}", render_protocol(&p, phase)?);
        }
        ProtocolAction::Default => print!("{}", hipflex::protocol::DEFAULT_PHT_TOML),
        ProtocolAction::Rules => print!("{}", docs::rules_table()),
        ProtocolAction::Explain { code } => match hipflex::protocol::find_rule(code.trim()) {
            Some(rule) => print!("{}", docs::explain(rule)),
            None => anyhow::bail!(
                "`{code}` is not a hipflex flag rule. The rules are {}; `hipflex protocol rules` lists them with a summary.",
                docs::codes()
            ),
        },
    }
    Ok(ExitCode::SUCCESS)
}
