//! `medrecon generate`.

use crate::cli::GenerateArgs;
use std::process::ExitCode;

pub fn execute(_args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("medrecon generate: not built yet")
}
