//! `medrecon policy`: list the policy packs (shipped and `--policy FILE`s), or
//! show one region's dated values with the source of each.

use crate::cli::{PolicyAction, PolicyArgs};
use crate::model::RegionLookup;
use crate::policy::PolicySet;
use std::io::Write;
use std::process::ExitCode;

pub fn execute(args: &PolicyArgs) -> anyhow::Result<ExitCode> {
    let set = PolicySet::load(&args.policies)?;
    let text = match &args.action {
        PolicyAction::List => set.render_list(),
        PolicyAction::Show { region } => {
            let Some(id) = set.lookup(region) else {
                let codes: Vec<&str> = set.packs().iter().map(|p| p.code.as_str()).collect();
                anyhow::bail!(
                    "no policy pack for region `{region}` (packs: {})",
                    codes.join(", ")
                );
            };
            set.render_show(id)
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
