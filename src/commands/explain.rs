//! `medrecon explain PERSON_ID PATH... --as-of DATE`: one person's timeline month
//! by month — covered by whom, gap months, each month's base, rate and amount, and
//! the rule and input rows behind every flag. What an auditor asks for when a
//! figure looks wrong.

use crate::cli::ExplainArgs;
use crate::engine;
use crate::model::{PersonId, SourceRef};
use crate::pipeline::{self, Timings};
use anyhow::Context;
use std::process::ExitCode;

pub fn execute(args: &ExplainArgs) -> anyhow::Result<ExitCode> {
    let person_id = PersonId::parse_text(&args.person_id).map_err(|e| {
        anyhow::anyhow!(
            "PERSON_ID is not a valid resident ID or document (`passport:E12345678`): {e}"
        )
    })?;
    let as_of = args
        .rules
        .as_of
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let loaded = pipeline::load(&args.input, &args.rules, as_of, &mut Timings::default())?;
    loaded.print_skipped(args.lang);
    let persons = loaded.person_inputs();
    let input = persons
        .iter()
        .find(|p| p.person_id == person_id)
        .with_context(|| {
            format!(
                "{} has no events or ledger rows in the inputs",
                person_id.masked()
            )
        })?;
    let ctx = loaded.context();
    let name_of = |s: SourceRef| -> String {
        let file = loaded
            .inputs
            .get(s.input as usize)
            .map(|i| i.path.as_str())
            .unwrap_or("?");
        let sheet = loaded
            .inputs
            .get(s.input as usize)
            .and_then(|i| i.sheets.get(s.sheet as usize))
            .map(|sh| sh.name.as_str())
            .unwrap_or("");
        if sheet.is_empty()
            || loaded.inputs[s.input as usize].format == crate::model::InputFormat::Csv
        {
            format!("{file}:{}", s.row)
        } else {
            format!("{file}[{sheet}]:{}", s.row)
        }
    };
    let text = engine::explain::explain_person(input, &ctx, &name_of, args.lang);
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}
