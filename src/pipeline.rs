//! The stages of `medrecon run` in order: policies → ingest (events, UI months,
//! ledger) → group by person → engine (rayon over persons) → employer summary →
//! reports, with stage timings. `explain` and the benches reuse the same loading.

use crate::cli::{InputArgs, RuleArgs};
use crate::columnar::{self, LedgerBatch, LedgerOptions};
use crate::engine::{self, EngineContext, PersonInput};
use crate::ingest::{self, EventBatch, IngestOptions, UiBatch};
use crate::model::{
    EmployerRow, Event, EventKind, Flag, GapKind, InputReport, LedgerEntry, Month, PersonId,
    PersonResult, Reject, UiSpan,
};
use crate::policy::{PolicyError, PolicySet};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Instant;

/// Seconds spent per stage, in order.
#[derive(Debug, Default, Clone)]
pub struct Timings(pub Vec<(String, f64)>);

impl Timings {
    fn time<T>(&mut self, stage: &str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.0
            .push((stage.to_string(), start.elapsed().as_secs_f64()));
        out
    }
}

/// Everything read for a run, with every input's accounting and every reject in
/// one list (`SourceRef::input` indexes `inputs`).
#[derive(Debug)]
pub struct Loaded {
    pub policies: PolicySet,
    pub as_of: NaiveDate,
    /// Events in force and future ones, sorted by person then source order.
    pub events: Vec<Event>,
    pub ui: Vec<UiSpan>,
    pub ledger: Vec<LedgerEntry>,
    pub has_ledger: bool,
    pub ledger_merged_rows: u64,
    pub inputs: Vec<InputReport>,
    pub rejects: Vec<Reject>,
    /// Events dated after the as-of date (accepted, ignored by the rules).
    pub future_events: u64,
    pub carry_forward: bool,
}

/// A progress bar on stderr, drawn only on a terminal and when not quiet.
pub fn progress_bar(len: u64, what: &str, quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if quiet || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    if let Ok(style) =
        ProgressStyle::with_template("{msg:>10} [{elapsed_precise}] {wide_bar} {pos}/{len}")
    {
        bar.set_style(style);
    }
    bar.set_message(what.to_string());
    bar
}

/// Reads policies, events, UI months and the ledger.
pub fn load(
    input: &InputArgs,
    rules: &RuleArgs,
    as_of: NaiveDate,
    timings: &mut Timings,
) -> Result<Loaded> {
    let policies = timings.time("policies", || PolicySet::load(&input.policies))?;
    let default_region = match &input.region {
        None => policies.national(),
        Some(raw) => crate::model::RegionLookup::lookup(&policies, raw).with_context(|| {
            format!("--region {raw}: no policy pack knows this region (see `medrecon policy list`)")
        })?,
    };
    let opts = IngestOptions {
        default_region,
        default_employer: input.employer.clone(),
        columns: input.columns.clone(),
    };
    let EventBatch {
        mut events,
        rejects: event_rejects,
        inputs: event_inputs,
    } = timings.time("read_events", || {
        ingest::read_events(&input.paths, &opts, &policies)
    })?;

    let UiBatch {
        spans: mut ui,
        rejects: ui_rejects,
        inputs: ui_inputs,
    } = if rules.ui.is_empty() {
        UiBatch::default()
    } else {
        timings.time("read_ui", || ingest::read_ui(&rules.ui))?
    };

    let has_ledger = !rules.ledgers.is_empty();
    let LedgerBatch {
        entries: ledger,
        rejects: ledger_rejects,
        inputs: ledger_inputs,
        merged_rows,
    } = if has_ledger {
        let opts = LedgerOptions {
            default_employer: input.employer.clone(),
        };
        timings.time("read_ledger", || {
            columnar::read_ledger(&rules.ledgers, &opts)
        })?
    } else {
        LedgerBatch::default()
    };

    // One numbering of inputs for the whole run: events, then UI, then ledger.
    let mut inputs = event_inputs;
    let mut rejects = event_rejects;
    for (batch_inputs, mut batch_rejects) in
        [(ui_inputs, ui_rejects), (ledger_inputs, ledger_rejects)]
    {
        let offset = inputs.len() as u32;
        for r in &mut batch_rejects {
            r.source.input += offset;
        }
        inputs.extend(batch_inputs);
        rejects.extend(batch_rejects);
    }
    rejects.sort_by_key(|r| r.source);

    timings.time("group", || {
        // Unique key (person, source, kind): a roster row yields a hire and a separation.
        events.par_sort_unstable_by(|a, b| {
            (a.person_id, a.source, a.kind).cmp(&(b.person_id, b.source, b.kind))
        });
        ui.par_sort_unstable_by_key(|s| (s.person_id, s.from, s.to));
    });
    // Rule 1: events after the as-of date are accepted and counted, never applied.
    let future_events = events.iter().filter(|e| e.date > as_of).count() as u64;
    events.retain(|e| e.date <= as_of);

    Ok(Loaded {
        policies,
        as_of,
        events,
        ui,
        ledger,
        has_ledger,
        ledger_merged_rows: merged_rows,
        inputs,
        rejects,
        future_events,
        carry_forward: rules.carry_forward,
    })
}

impl Loaded {
    /// The earliest month of an event in force (opens orphan separations' spells).
    pub fn batch_first_month(&self) -> Month {
        self.events
            .iter()
            .filter(|e| e.date <= self.as_of)
            .map(|e| Month::of(e.date))
            .min()
            .unwrap_or_else(|| Month::of(self.as_of))
    }

    pub fn context(&self) -> EngineContext<'_> {
        EngineContext {
            policies: &self.policies,
            as_of: self.as_of,
            batch_first_month: self.batch_first_month(),
            carry_forward: self.carry_forward,
            has_ledger: self.has_ledger,
        }
    }

    /// Run-level warnings: regions whose last policy version is carried forward
    /// (`--carry-forward`) to reach the as-of month.
    pub fn warnings(&self) -> Vec<String> {
        let regions: BTreeSet<crate::model::RegionId> =
            self.events.iter().map(|e| e.region).collect();
        let as_of_month = Month::of(self.as_of);
        regions
            .into_iter()
            .filter_map(|region| match self.policies.resolve(region, as_of_month, self.carry_forward) {
                Ok(r) if r.carried => Some(format!(
                    "policy {}: no version covers {as_of_month}; the version from {} is carried forward (--carry-forward)",
                    self.policies.code(region),
                    r.version.from
                )),
                _ => None,
            })
            .collect()
    }

    /// Every person with events or ledger entries, in person order, with their slices.
    pub fn person_inputs(&self) -> Vec<PersonInput<'_>> {
        let mut out = Vec::new();
        let (ev, ui, led) = (&self.events[..], &self.ui[..], &self.ledger[..]);
        let (mut i, mut j, mut k) = (0, 0, 0);
        loop {
            let next = [
                ev.get(i).map(|e| e.person_id),
                ui.get(j).map(|s| s.person_id),
                led.get(k).map(|l| l.person_id),
            ]
            .into_iter()
            .flatten()
            .min();
            let Some(pid) = next else { break };
            let take = |start: usize, len: usize, key: &dyn Fn(usize) -> PersonId| {
                let mut end = start;
                while end < len && key(end) == pid {
                    end += 1;
                }
                end
            };
            let ie = take(i, ev.len(), &|x| ev[x].person_id);
            let je = take(j, ui.len(), &|x| ui[x].person_id);
            let ke = take(k, led.len(), &|x| led[x].person_id);
            // A person known only from UI months has no timeline to compute.
            if ie > i || ke > k {
                out.push(PersonInput {
                    person_id: pid,
                    events: &ev[i..ie],
                    ui: &ui[j..je],
                    ledger: &led[k..ke],
                });
            }
            (i, j, k) = (ie, je, ke);
        }
        out
    }
}

/// The engine's output for a run.
#[derive(Debug, Default)]
pub struct Evaluated {
    /// One per person, in person order.
    pub results: Vec<PersonResult>,
    /// Persons whose timeline needs a month no policy version covers: their rows
    /// become rejects (`POLICY_NOT_COVERED`) instead of stopping the run.
    pub unpriced: Vec<(PersonId, PolicyError)>,
}

/// Runs the engine over every person, in parallel, results in person order.
pub fn evaluate(loaded: &Loaded, quiet: bool) -> Result<Evaluated> {
    let ctx = loaded.context();
    let persons = loaded.person_inputs();
    let bar = progress_bar(persons.len() as u64, "persons", quiet);
    let outcomes: Vec<Result<PersonResult, PolicyError>> = persons
        .par_chunks(4096)
        .flat_map_iter(|chunk| {
            let out: Vec<_> = chunk.iter().map(|p| engine::evaluate(p, &ctx)).collect();
            bar.inc(chunk.len() as u64);
            out
        })
        .collect();
    bar.finish_and_clear();
    let mut evaluated = Evaluated::default();
    evaluated.results.reserve(outcomes.len());
    for (person, outcome) in persons.iter().zip(outcomes) {
        match outcome {
            Ok(r) => evaluated.results.push(r),
            Err(e @ PolicyError::NotCovered { .. }) => {
                evaluated.unpriced.push((person.person_id, e))
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(evaluated)
}

impl Loaded {
    /// Sets aside every row of the persons the policies could not price: each
    /// becomes a `POLICY_NOT_COVERED` reject (moved from accepted to rejected in
    /// its sheet's accounting) and its events leave the batch.
    pub fn reject_unpriced(&mut self, unpriced: &[(PersonId, PolicyError)]) {
        if unpriced.is_empty() {
            return;
        }
        let why: std::collections::HashMap<PersonId, &PolicyError> =
            unpriced.iter().map(|(p, e)| (*p, e)).collect();
        let mut rows: BTreeMap<crate::model::SourceRef, PersonId> = BTreeMap::new();
        for e in self
            .events
            .iter()
            .filter(|e| why.contains_key(&e.person_id))
        {
            rows.insert(e.source, e.person_id);
        }
        for (source, person) in rows {
            let err = why[&person];
            self.rejects.push(Reject {
                source,
                column: String::new(),
                value: person.to_string(),
                code: crate::model::RejectCode::PolicyNotCovered,
                message: format!(
                    "{err}: this person's rows are set aside; add a policy version for that month (--policy FILE), or --carry-forward when the month is after the pack's last version"
                ),
            });
            if let Some(sheet) = self
                .inputs
                .get_mut(source.input as usize)
                .and_then(|i| i.sheets.get_mut(source.sheet as usize))
            {
                sheet.accepted = sheet.accepted.saturating_sub(1);
                sheet.rejected += 1;
            }
        }
        self.rejects.sort_by_key(|r| r.source);
        self.events.retain(|e| !why.contains_key(&e.person_id));
    }
}

/// Per employer: persons, hires, separations, late stops, overlaps, long gaps,
/// arrears, late fees and overpaid, from the events in force and the results.
pub fn summarize_employers(loaded: &Loaded, results: &[PersonResult]) -> Vec<EmployerRow> {
    let mut rows: BTreeMap<Arc<str>, EmployerRow> = BTreeMap::new();
    let mut persons: BTreeMap<Arc<str>, BTreeSet<PersonId>> = BTreeMap::new();
    for e in loaded.events.iter().filter(|e| e.date <= loaded.as_of) {
        let row = rows
            .entry(e.employer_id.clone())
            .or_insert_with(|| EmployerRow {
                employer_id: e.employer_id.to_string(),
                ..EmployerRow::default()
            });
        match e.kind {
            EventKind::Hire => row.hires += 1,
            EventKind::Separation => row.separations += 1,
        }
        persons
            .entry(e.employer_id.clone())
            .or_default()
            .insert(e.person_id);
    }
    fn get<'m>(
        rows: &'m mut BTreeMap<Arc<str>, EmployerRow>,
        id: &Arc<str>,
    ) -> &'m mut EmployerRow {
        rows.entry(id.clone()).or_insert_with(|| EmployerRow {
            employer_id: id.to_string(),
            ..EmployerRow::default()
        })
    }
    for r in results {
        for s in r.stops.iter().filter(|s| s.late_stop) {
            get(&mut rows, &s.employer_id).late_stops += 1;
        }
        // An overlap run counts once for every employer it involves.
        for f in r.flags.iter().filter(|f| f.flag == Flag::Overlap) {
            for emp in f.employer_id.iter().chain(&f.other_employers) {
                get(&mut rows, emp).overlaps += 1;
            }
        }
        for g in &r.gaps {
            let long = g.kind == GapKind::Long || (g.kind == GapKind::Open && g.catch_up.is_none());
            if let (true, Some(emp)) = (long, &g.employer_before) {
                get(&mut rows, emp).long_gaps += 1;
            }
        }
        for a in &r.arrears {
            let row = get(&mut rows, &a.employer_id);
            row.arrears_total += a.shortfall;
            row.late_fee_total += a.late_fee;
        }
        for o in &r.overpaid {
            get(&mut rows, &o.employer_id).overpaid_total += o.paid;
        }
    }
    for (id, set) in persons {
        get(&mut rows, &id).persons = set.len() as u64;
    }
    // Sums of two-decimal amounts are exact: no rounding needed here.
    rows.into_values().collect()
}

/// Sum of a money column over results.
pub fn total(results: &[PersonResult], f: impl Fn(&PersonResult) -> Decimal) -> Decimal {
    results.iter().map(f).sum()
}

/// What `run` tells its caller.
#[derive(Debug)]
pub struct RunOutcome {
    /// Rows rejected across all inputs (for `--strict`).
    pub rejected: u64,
    /// The one-screen summary printed at the end.
    pub summary: String,
}

/// `medrecon run`: every stage, then the reports (written atomically), then the
/// stage timings (`timings.json`, the one file that is not deterministic).
pub fn run(
    args: &crate::cli::RunArgs,
    as_of: NaiveDate,
    timings: &mut Timings,
) -> Result<RunOutcome> {
    use crate::report::{self, Manifest, ReportData, ReportOptions, RunCounts, RunSummary};
    let mut loaded = load(&args.input, &args.rules, as_of, timings)?;
    let start = Instant::now();
    let Evaluated { results, unpriced } = evaluate(&loaded, args.quiet)?;
    loaded.reject_unpriced(&unpriced);
    timings
        .0
        .push(("engine".to_string(), start.elapsed().as_secs_f64()));
    let employers = timings.time("employers", || summarize_employers(&loaded, &results));

    let mut manifest = Manifest::new(std::env::args().collect(), as_of);
    manifest.policies = loaded.policies.manifest_entries();
    let event_inputs: Vec<&InputReport> = loaded
        .inputs
        .iter()
        .filter(|i| i.role == crate::model::InputRole::Events)
        .collect();
    let ledger_inputs: Vec<&InputReport> = loaded
        .inputs
        .iter()
        .filter(|i| i.role == crate::model::InputRole::Ledger)
        .collect();
    let sum = |inputs: &[&InputReport], f: fn(&crate::model::SheetReport) -> u64| -> u64 {
        inputs.iter().flat_map(|i| &i.sheets).map(f).sum()
    };
    manifest.counts = RunCounts {
        events_accepted: sum(&event_inputs, |s| s.accepted),
        future_events: loaded.future_events,
        duplicates: loaded
            .inputs
            .iter()
            .flat_map(|i| &i.sheets)
            .map(|s| s.duplicates)
            .sum(),
        ledger_rows: sum(&ledger_inputs, |s| s.accepted),
        ledger_entries: loaded.ledger.len() as u64,
        ui_spans: loaded.ui.len() as u64,
    };
    manifest.warnings = loaded.warnings();
    let data = ReportData {
        results: &results,
        employers: &employers,
        rejects: &loaded.rejects,
        inputs: &loaded.inputs,
        manifest: &manifest,
    };
    let opts = ReportOptions::from_run_args(args);
    let start = Instant::now();
    report::write_reports(&args.out, &data, &opts)?;
    timings
        .0
        .push(("reports".to_string(), start.elapsed().as_secs_f64()));
    report::write_timings(&args.out, &timings.0)?;
    let summary =
        RunSummary::compute(&results, &employers, loaded.rejects.len()).to_text(&args.out);
    Ok(RunOutcome {
        rejected: loaded.rejects.len() as u64,
        summary,
    })
}
