//! `medrecon explain`.

use crate::cli::ExplainArgs;
use std::process::ExitCode;

pub fn execute(_args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("medrecon explain: not built yet")
}
