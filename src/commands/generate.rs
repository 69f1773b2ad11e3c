//! `medrecon generate`: write realistic synthetic exports into a folder and say
//! what was written (see `crate::generate`).

use crate::cli::GenerateArgs;
use crate::generate::{GenerateOptions, generate, suggested_run};
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

pub fn execute(args: &GenerateArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let opts = GenerateOptions::from(args);
    let summary = generate(&args.out, &opts)?;
    let seconds = started.elapsed().as_secs_f64();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "wrote {} event rows ({} hires, {} separations, {} retirements) for {} persons at {} employers, seed {}, in {seconds:.2} s",
        summary.event_rows,
        summary.hires,
        summary.separations,
        summary.retirements,
        summary.persons,
        summary.employers,
        summary.seed
    )?;
    let total_bytes: u64 = summary.files.iter().map(|f| f.bytes).sum();
    match summary.files.as_slice() {
        [one] => writeln!(
            out,
            "  {}  {} rows, {}",
            args.out.join(&one.path).display(),
            one.rows,
            mib(one.bytes)
        )?,
        files => writeln!(
            out,
            "  {} files in {}, {}",
            files.len(),
            args.out.join("events").display(),
            mib(total_bytes)
        )?,
    }
    writeln!(
        out,
        "  bad rows: {} ({:.2}%, requested {:.2}%)",
        summary.bad_rows,
        summary.bad_rate * 100.0,
        summary.requested_bad_rate * 100.0
    )?;
    for (code, n) in &summary.bad_rows_by_code {
        writeln!(out, "    {code:<16} {n}")?;
    }
    if let Some(ledger) = &summary.ledger {
        writeln!(
            out,
            "  {}  {} rows, {} (of {} covered months: {} missing, {} underpaid, {} paid late; {} rows duplicated)",
            args.out.join(&ledger.path).display(),
            ledger.rows,
            mib(ledger.bytes),
            ledger.months,
            ledger.months_missing,
            ledger.months_underpaid,
            ledger.months_paid_late,
            ledger.rows_duplicated
        )?;
    }
    writeln!(
        out,
        "  summary: {}",
        args.out.join("generate.json").display()
    )?;
    writeln!(out, "try: {}", suggested_run(&args.out, &summary))?;
    Ok(ExitCode::SUCCESS)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}
