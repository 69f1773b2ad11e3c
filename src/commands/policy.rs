//! `medrecon policy`.

use crate::cli::PolicyArgs;
use std::process::ExitCode;

pub fn execute(_args: &PolicyArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("medrecon policy: not built yet")
}
