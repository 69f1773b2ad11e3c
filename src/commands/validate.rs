//! `medrecon validate`.

use crate::cli::ValidateArgs;
use std::process::ExitCode;

pub fn execute(_args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("medrecon validate: not built yet")
}
