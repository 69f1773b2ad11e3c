//! `medrecon policy`: list the policy packs (shipped and `--policy FILE`s),
//! show one region's dated values with the source and grade of each, or check
//! which values are below `official`.

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
        PolicyAction::Check => {
            let lines = set.below_official();
            let mut text = String::new();
            for l in &lines {
                text.push_str(l);
                text.push('\n');
            }
            text.push_str(&format!(
                "{} value(s) below official in {} pack(s)\n",
                lines.len(),
                set.packs().len()
            ));
            text
        }
    };
    std::io::stdout().lock().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
