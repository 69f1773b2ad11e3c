//! `medrecon run`.

use crate::cli::RunArgs;
use std::process::ExitCode;

pub fn execute(_args: &RunArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("medrecon run: not built yet")
}
