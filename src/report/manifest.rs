//! `manifest.json`: what a run read, with which rules, and what it wrote, so an
//! auditor can tie every report back to its inputs (SPEC §4).
//!
//! Deterministic by design: no wall-clock time, no timings, no absolute paths
//! beyond those given on the command line. Stage timings go to a separate
//! `timings.json` ([`write_timings`](super::write_timings)), so every other
//! file of a run is byte-identical on rerun. When masking, IDs inside the
//! command line, input paths and sheet names are masked too.

use super::mask::maybe_mask;
use super::summary::RunSummary;
use super::table::format_money;
use crate::cli::{Lang, OutputFormat};
use crate::model::{InputReport, PolicyManifestEntry};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Counts only the pipeline knows (the report derives the rest from the results).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RunCounts {
    /// Event rows accepted by ingest (all inputs, after duplicates collapsed).
    pub events_accepted: u64,
    /// Accepted events dated after the as-of date: counted, not applied.
    pub future_events: u64,
    /// Exact duplicate rows collapsed (all inputs).
    pub duplicates: u64,
    /// Ledger rows read and accepted.
    pub ledger_rows: u64,
    /// Ledger entries after summing rows by person·employer·month·paid date
    /// (and insurance and payment kind): one per payment.
    pub ledger_entries: u64,
    /// Ledger rows identical to another (person, employer, month, amount,
    /// paid date): counted once (also in `duplicates`).
    pub ledger_duplicates: u64,
    /// Ledger rows with a negative amount, kept as refunds.
    pub refund_rows: u64,
    /// Ledger rows of another insurance (pension, unemployment, …): set
    /// aside as `OTHER_INSURANCE`, never summed (per sheet in `inputs`).
    pub ledger_other_insurance: u64,
    /// Unemployment-benefit spans (失业保险金期间) read.
    pub ui_spans: u64,
}

/// The run facts the pipeline hands to the reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    /// The command line as given (`std::env::args()`), masked on output.
    pub command_line: Vec<String>,
    pub as_of: NaiveDate,
    pub policies: Vec<PolicyManifestEntry>,
    pub counts: RunCounts,
    /// Run-level warnings (e.g. a policy version carried forward): English
    /// in manifest.json, the workbook's language on its summary sheet.
    pub warnings: Vec<crate::text::Text>,
    /// Policy values below `official` that priced some figure, with their months.
    pub policy_grades: Vec<crate::policy::usage::GradeUse>,
}

impl Manifest {
    pub fn new(command_line: Vec<String>, as_of: NaiveDate) -> Self {
        Manifest {
            command_line,
            as_of,
            policies: Vec::new(),
            counts: RunCounts::default(),
            warnings: Vec::new(),
            policy_grades: Vec::new(),
        }
    }
}

pub const TOOL: &str = "medrecon";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One report file written, with its size and SHA-256.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OutputEntry {
    pub file: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Serialize)]
struct OptionsOut {
    formats: Vec<&'static str>,
    mask: bool,
    lang: &'static str,
    csv_bom: bool,
}

#[derive(Serialize)]
struct CountsOut<'a> {
    #[serde(flatten)]
    run: &'a RunCounts,
    persons: u64,
    gaps: u64,
    long_gaps: u64,
    stops: u64,
    late_stops: u64,
    arrears_rows: u64,
    overpaid_rows: u64,
    flag_rows: u64,
    rejects: u64,
}

#[derive(Serialize)]
struct TotalsOut {
    catch_up: String,
    arrears: String,
    late_fee: String,
    overpaid: String,
}

#[derive(Serialize)]
struct ManifestOut<'a> {
    tool: &'static str,
    version: &'static str,
    command_line: Vec<String>,
    as_of: String,
    options: OptionsOut,
    policies: &'a [PolicyManifestEntry],
    inputs: Vec<InputReport>,
    counts: CountsOut<'a>,
    statuses: BTreeMap<&'static str, u64>,
    /// Persons carrying each flag.
    flags: BTreeMap<&'static str, u64>,
    totals: TotalsOut,
    warnings: Vec<String>,
    policy_grades: &'a [crate::policy::usage::GradeUse],
    outputs: &'a [OutputEntry],
}

pub fn format_name(f: OutputFormat) -> &'static str {
    match f {
        OutputFormat::Csv => "csv",
        OutputFormat::Xlsx => "xlsx",
        OutputFormat::Parquet => "parquet",
    }
}

pub fn lang_name(l: Lang) -> &'static str {
    match l {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// Inputs as reported: paths and sheet names masked when asked.
pub fn masked_inputs(inputs: &[InputReport], mask: bool) -> Vec<InputReport> {
    inputs
        .iter()
        .map(|i| {
            let mut i = i.clone();
            i.path = maybe_mask(&i.path, mask).into_owned();
            for s in &mut i.sheets {
                s.name = maybe_mask(&s.name, mask).into_owned();
                if let Some(reason) = &mut s.skipped {
                    *reason = maybe_mask(reason, mask).into_owned();
                }
                for note in &mut s.notes {
                    *note = maybe_mask(note, mask).into_owned();
                }
            }
            i
        })
        .collect()
}

/// Everything `manifest.json` records about the run.
pub struct ManifestContext<'a> {
    pub manifest: &'a Manifest,
    pub inputs: &'a [InputReport],
    pub summary: &'a RunSummary,
    pub formats: &'a [OutputFormat],
    pub mask: bool,
    pub lang: Lang,
    pub csv_bom: bool,
    pub outputs: &'a [OutputEntry],
}

/// `manifest.json`'s bytes: pretty JSON, keys in a fixed order, final newline.
pub fn manifest_json(ctx: &ManifestContext) -> serde_json::Result<Vec<u8>> {
    let m = ctx.manifest;
    let s = ctx.summary;
    let mask = ctx.mask;
    let mut statuses = BTreeMap::new();
    statuses.insert("covered", s.covered);
    statuses.insert("open_gap", s.open_gap);
    statuses.insert("lapsed", s.lapsed);
    statuses.insert("retired", s.retired);
    let out = ManifestOut {
        tool: TOOL,
        version: VERSION,
        command_line: m
            .command_line
            .iter()
            .map(|a| maybe_mask(a, mask).into_owned())
            .collect(),
        as_of: m.as_of.format("%Y-%m-%d").to_string(),
        options: OptionsOut {
            formats: ctx.formats.iter().map(|f| format_name(*f)).collect(),
            mask,
            lang: lang_name(ctx.lang),
            csv_bom: ctx.csv_bom,
        },
        policies: &m.policies,
        inputs: masked_inputs(ctx.inputs, mask),
        counts: CountsOut {
            run: &m.counts,
            persons: s.persons,
            gaps: s.gaps,
            long_gaps: s.long_gaps,
            stops: s.stops,
            late_stops: s.late_stops,
            arrears_rows: s.arrears_rows,
            overpaid_rows: s.overpaid_rows,
            flag_rows: s.flag_rows,
            rejects: s.rejects,
        },
        statuses,
        flags: s
            .flags
            .iter()
            .map(|f| (f.flag.as_str(), f.persons))
            .collect(),
        totals: TotalsOut {
            catch_up: format_money(s.catch_up_total),
            arrears: format_money(s.arrears_total),
            late_fee: format_money(s.late_fee_total),
            overpaid: format_money(s.overpaid_total),
        },
        warnings: m
            .warnings
            .iter()
            .map(|w| maybe_mask(&w.en(), mask).into_owned())
            .collect(),
        policy_grades: &m.policy_grades,
        outputs: ctx.outputs,
    };
    let mut bytes = serde_json::to_vec_pretty(&out)?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// `timings.json`'s bytes: seconds per stage in the order given, and their sum.
/// Kept out of `manifest.json` because timings differ on every run.
pub fn timings_json(stages: &[(String, f64)]) -> serde_json::Result<Vec<u8>> {
    #[derive(Serialize)]
    struct Stage<'a> {
        stage: &'a str,
        seconds: f64,
    }
    #[derive(Serialize)]
    struct Timings<'a> {
        stages: Vec<Stage<'a>>,
        total_seconds: f64,
    }
    let t = Timings {
        stages: stages
            .iter()
            .map(|(stage, seconds)| Stage {
                stage,
                seconds: *seconds,
            })
            .collect(),
        total_seconds: stages.iter().map(|(_, s)| s).sum(),
    };
    let mut bytes = serde_json::to_vec_pretty(&t)?;
    bytes.push(b'\n');
    Ok(bytes)
}
