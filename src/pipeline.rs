//! The stages of `medrecon run` in order: policies → ingest (events, UI months,
//! ledger) → group by person → engine (rayon over persons) → employer summary →
//! reports, with stage timings. `explain` and the benches reuse the same loading.

use crate::cli::{InputArgs, RuleArgs};
use crate::columnar::{self, LedgerBatch, LedgerOptions};
use crate::engine::{self, EngineContext, PersonInput};
use crate::ingest::{self, EventBatch, IngestOptions, UiBatch};
use crate::model::{
    ChangeRow, Code, EmployerRow, Event, EventKind, Flag, GapKind, InputReport, LedgerEntry, Month,
    PersonId, PersonResult, Reject, UiSpan,
};
use crate::policy::PolicySet;
use crate::policy::usage::PolicyUse;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use rust_decimal::Decimal;
use std::io::IsTerminal;
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
    /// Ledger rows identical to another, kept once.
    pub ledger_duplicate_rows: u64,
    /// Ledger rows with a negative amount, kept as refunds.
    pub refund_rows: u64,
    pub inputs: Vec<InputReport>,
    pub rejects: Vec<Reject>,
    /// Events dated after the as-of date (accepted, ignored by the rules).
    pub future_events: u64,
    pub carry_forward: bool,
    /// `--ledger-from`: arrears are judged from this month (default: the ledger's first).
    pub ledger_from: Option<Month>,
    /// `--tier` as a tier number (0: each pack's default tier).
    pub default_tier: u8,
    /// Files and folders met in the PATHs and not read (owner, hidden, given
    /// to another option…), one line each: on stderr and in the manifest.
    pub skipped: Vec<crate::text::Text>,
    /// 单位名称 of the employer codes, from the event files.
    pub employer_names: crate::model::EmployerNames,
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

/// Only regular files (and folders of them) are read: a FIFO would block
/// forever and a device such as `/dev/zero` never ends. A path that does not
/// exist is left to the reader's own message.
pub fn check_regular(path: &std::path::Path, what: &str) -> std::result::Result<(), String> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let ft = meta.file_type();
    if ft.is_file() || ft.is_dir() {
        return Ok(());
    }
    Err(format!(
        "{what} {} is not a regular file (a FIFO, socket or device): medrecon reads only regular files and folders",
        path.display()
    ))
}

/// Reads policies, events, UI months and the ledger.
pub fn load(
    input: &InputArgs,
    rules: &RuleArgs,
    as_of: NaiveDate,
    timings: &mut Timings,
) -> Result<Loaded> {
    let named = (input.paths.iter().map(|p| (p, "input")))
        .chain(input.policies.iter().map(|p| (p, "--policy")))
        .chain(input.columns.iter().map(|p| (p, "--columns")))
        .chain(rules.ledgers.iter().map(|p| (p, "--ledger")))
        .chain(rules.ui.iter().map(|p| (p, "--ui")));
    for (path, what) in named {
        check_regular(path, what).map_err(anyhow::Error::msg)?;
    }
    let policies = timings.time("policies", || PolicySet::load(&input.policies))?;
    let default_region = match &input.region {
        None => policies.national(),
        Some(raw) => crate::model::RegionLookup::lookup(&policies, raw).with_context(|| {
            format!("--region {raw}: no policy pack knows this region (see `medrecon policy list`)")
        })?,
    };
    let default_tier = match &rules.tier {
        None => 0,
        Some(raw) => crate::model::RegionLookup::tier(&policies, raw).with_context(|| {
            format!(
                "--tier {raw}: no policy pack defines this tier (see `medrecon policy show REGION`)"
            )
        })?,
    };
    let opts = IngestOptions {
        default_region,
        default_employer: input.employer.clone(),
        columns: input.columns.clone(),
    };
    // A folder given as --ledger or --ui inside an events folder is not events.
    let elsewhere: Vec<(std::path::PathBuf, String)> = (rules.ledgers.iter())
        .map(|p| (p.clone(), "--ledger".to_string()))
        .chain(rules.ui.iter().map(|p| (p.clone(), "--ui".to_string())))
        .filter(|(p, _)| p.is_dir())
        .collect();
    let EventBatch {
        mut events,
        rejects: event_rejects,
        inputs: event_inputs,
        mut skipped,
        employer_names,
    } = timings.time("read_events", || {
        ingest::read_events_excluding(&input.paths, &elsewhere, &opts, &policies)
    })?;

    let UiBatch {
        spans: mut ui,
        rejects: ui_rejects,
        inputs: ui_inputs,
        skipped: ui_skipped,
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
        duplicate_rows: ledger_duplicate_rows,
        refund_rows,
        skipped: ledger_skipped,
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
    let ledger_rows_read: u64 = (ledger_inputs.iter())
        .flat_map(|i| &i.sheets)
        .map(|s| s.rows_read)
        .sum();
    if has_ledger && ledger_rows_read == 0 && !rules.ledger_empty_ok {
        anyhow::bail!(
            "--ledger: the ledger has no rows (its files hold a header at most): every covered month would count as arrears; check the export, or pass --ledger-empty-ok if nothing was paid"
        );
    }

    skipped.extend(ui_skipped);
    skipped.extend(ledger_skipped);

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

    // Events come grouped by person from ingest (timed in `read_events`);
    // this stage now orders the unemployment-benefit months.
    timings.time("group", || {
        ui.par_sort_unstable_by_key(|s| (s.person_id, s.from, s.to));
    });
    // Rule 1: events after the as-of date are accepted and counted, never applied.
    let future_events = events.par_iter().filter(|e| !e.in_force(as_of)).count() as u64;
    if future_events > 0 {
        events.retain(|e| e.in_force(as_of));
    }

    Ok(Loaded {
        policies,
        as_of,
        events,
        ui,
        ledger,
        has_ledger,
        ledger_merged_rows: merged_rows,
        ledger_duplicate_rows,
        refund_rows,
        inputs,
        rejects,
        future_events,
        carry_forward: rules.carry_forward,
        ledger_from: rules.ledger_from,
        default_tier,
        skipped,
        employer_names,
    })
}

impl Loaded {
    /// The earliest month of an event in force (opens orphan separations' spells).
    pub fn batch_first_month(&self) -> Month {
        self.events
            .par_iter()
            .filter(|e| e.in_force(self.as_of))
            .map(|e| Month::of(e.date))
            .min()
            .unwrap_or_else(|| Month::of(self.as_of))
    }

    /// The context of the evaluation as of `since` (`--since`): the same
    /// run, as of the earlier date, its first month from the events known then.
    pub fn context_since(&self, since: NaiveDate) -> EngineContext<'_> {
        let first = self
            .events
            .par_iter()
            .filter(|e| engine::changes::event_known(e, since))
            .map(|e| Month::of(e.date))
            .min()
            .unwrap_or_else(|| Month::of(since));
        EngineContext {
            as_of: since,
            batch_first_month: first,
            ..self.context()
        }
    }

    pub fn context(&self) -> EngineContext<'_> {
        EngineContext {
            policies: &self.policies,
            as_of: self.as_of,
            batch_first_month: self.batch_first_month(),
            carry_forward: self.carry_forward,
            has_ledger: self.has_ledger,
            default_tier: self.default_tier,
            ledger_from: self
                .ledger_from
                .or_else(|| self.ledger.par_iter().map(|l| l.month).min()),
        }
    }

    /// The files and folders skipped in the PATHs, one line each on stderr
    /// (`medrecon: PATH: skipped (reason)`), in `lang`.
    pub fn print_skipped(&self, lang: crate::cli::Lang) {
        for line in &self.skipped {
            eprintln!("medrecon: {}", line.render(lang));
        }
    }

    /// Run-level warnings: regions whose last policy version is carried forward
    /// (`--carry-forward`) to reach the as-of month, the ledger's refund,
    /// other-insurance and duplicate counts, and the event rows skipped as
    /// not persons (only when there are any). The files and folders skipped in the PATHs are
    /// not among them: they are printed by [`Loaded::print_skipped`].
    pub fn warnings(&self) -> Vec<crate::text::Text> {
        // Which regions the events name: a flag per region id (an ordered
        // set of 3M inserts cost more than the warnings are worth).
        let seen: Vec<bool> = self
            .events
            .par_iter()
            .fold(Vec::new, |mut seen: Vec<bool>, e| {
                let i = usize::from(e.region.0);
                if seen.len() <= i {
                    seen.resize(i + 1, false);
                }
                seen[i] = true;
                seen
            })
            .reduce(Vec::new, |mut a, b| {
                if a.len() < b.len() {
                    a.resize(b.len(), false);
                }
                for (x, y) in a.iter_mut().zip(b) {
                    *x |= y;
                }
                a
            });
        let regions = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| **s)
            .filter_map(|(i, _)| u16::try_from(i).ok().map(crate::model::RegionId));
        let as_of_month = Month::of(self.as_of);
        regions
            .into_iter()
            .filter_map(|region| {
                match self
                    .policies
                    .money(region, as_of_month, None, self.carry_forward)
                {
                    Some(p) if p.carried => Some(crate::text!(
                        warn_carried_forward,
                        self.policies.code(region),
                        as_of_month,
                        p.money.from
                    )),
                    _ => None,
                }
            })
            .chain(
                (self.refund_rows > 0)
                    .then(|| crate::text!(warn_refund_rows, self.refund_rows as i64)),
            )
            .chain({
                let other: u64 = self
                    .inputs
                    .iter()
                    .filter(|i| i.role == crate::model::InputRole::Ledger)
                    .flat_map(|i| &i.sheets)
                    .map(|s| s.other_insurance)
                    .sum();
                (other > 0).then(|| crate::text!(warn_other_insurance, other as i64))
            })
            .chain(
                [
                    (
                        crate::text::Msg::warn_skipped_rows,
                        crate::model::InputRole::Events,
                    ),
                    (
                        crate::text::Msg::warn_skipped_ledger_rows,
                        crate::model::InputRole::Ledger,
                    ),
                ]
                .into_iter()
                .filter_map(|(msg, role)| {
                    let skipped: u64 = self
                        .inputs
                        .iter()
                        .filter(|i| i.role == role)
                        .flat_map(|i| &i.sheets)
                        .map(|s| s.skipped_rows)
                        .sum();
                    (skipped > 0).then(|| {
                        crate::text::Text::new(msg, [crate::text::Arg::from(skipped as i64)])
                    })
                }),
            )
            .chain(
                (self.ledger_duplicate_rows > 0).then(|| {
                    crate::text!(warn_ledger_duplicates, self.ledger_duplicate_rows as i64)
                }),
            )
            .collect()
    }

    /// Every person with events or ledger entries, in person order, with their
    /// slices.
    ///
    /// The events are cut into pieces of whole persons; each piece takes the
    /// UI months and ledger entries of its persons' key range (the first
    /// piece from the start, the last to the end) and lists its persons on
    /// its own, the pieces side by side.
    pub fn person_inputs(&self) -> Vec<PersonInput<'_>> {
        person_inputs_in_pieces(&self.events, &self.ui, &self.ledger, 1 << 15)
    }
}

/// [`Loaded::person_inputs`] with pieces of about `size` events.
fn person_inputs_in_pieces<'a>(
    ev: &'a [Event],
    ui: &'a [UiSpan],
    led: &'a [LedgerEntry],
    size: usize,
) -> Vec<PersonInput<'a>> {
    let pieces = person_pieces(ev, size);
    // Piece i holds the persons from starts[i] up to starts[i + 1].
    let starts: Vec<PersonId> = pieces.iter().skip(1).map(|p| p[0].person_id).collect();
    // Where each piece's persons start and end in a list.
    let cut = |len: usize, below: &dyn Fn(PersonId) -> usize| -> Vec<usize> {
        let mut at = vec![0];
        at.extend(starts.iter().map(|&s| below(s)));
        at.push(len);
        at
    };
    let ui_at = cut(ui.len(), &|s| ui.partition_point(|u| u.person_id < s));
    let led_at = cut(led.len(), &|s| led.partition_point(|l| l.person_id < s));
    let count = pieces.len().max(1);
    let lists: Vec<Vec<PersonInput<'a>>> = (0..count)
        .into_par_iter()
        .map(|i| {
            merge_persons(
                pieces.get(i).copied().unwrap_or_default(),
                &ui[ui_at[i]..ui_at[i + 1]],
                &led[led_at[i]..led_at[i + 1]],
            )
        })
        .collect();
    lists.concat()
}

/// The persons of events, UI months and ledger entries (each grouped by
/// person in person order) with their slices: a person known only from UI
/// months has no timeline to compute and is left out.
fn merge_persons<'a>(
    ev: &'a [Event],
    ui: &'a [UiSpan],
    led: &'a [LedgerEntry],
) -> Vec<PersonInput<'a>> {
    /// Where the run of `pid` starting at `start` ends.
    fn run_end<T>(items: &[T], start: usize, pid: PersonId, key: fn(&T) -> PersonId) -> usize {
        let mut end = start;
        while end < items.len() && key(&items[end]) == pid {
            end += 1;
        }
        end
    }
    let mut out = Vec::new();
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
        let ie = run_end(ev, i, pid, |e| e.person_id);
        let je = run_end(ui, j, pid, |s| s.person_id);
        let ke = run_end(led, k, pid, |l| l.person_id);
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

/// The engine's output for a run.
#[derive(Debug, Default)]
pub struct Evaluated {
    /// One per person, in person order.
    pub results: Vec<PersonResult>,
    /// With `--since`: what changed for these persons, in person order.
    pub changes: Vec<ChangeRow>,
}

/// One person's result as of the run's date and, with `--since`, its changes
/// from the evaluation as of the earlier date (appended to `changes`).
fn evaluate_one<'a>(
    evaluator: &mut engine::Evaluator<'a>,
    known: &mut engine::changes::KnownThen,
    p: &PersonInput<'a>,
    ctx: &EngineContext<'_>,
    since: Option<&EngineContext<'_>>,
    changes: &mut Vec<ChangeRow>,
) -> PersonResult {
    let after = evaluator.evaluate(p, ctx);
    if let Some(since) = since {
        // Its own evaluator: the inputs as known then live only here.
        let before = known
            .input(p, since.as_of)
            .map(|then| engine::Evaluator::default().evaluate(&then, since));
        engine::changes::diff(before.as_ref(), &after, changes);
    }
    after
}

/// Runs the engine over every person, in parallel, results in person order.
pub fn evaluate(loaded: &Loaded, quiet: bool) -> Result<Evaluated> {
    let ctx = loaded.context();
    let persons = loaded.person_inputs();
    let bar = progress_bar(persons.len() as u64, "persons", quiet);
    let evaluated = evaluate_persons(&persons, &ctx, None, &bar);
    bar.finish_and_clear();
    evaluated
}

/// The engine over some persons, in parallel, results in their order. The
/// results are held to the end of the run, so their lists give back their
/// spare capacity.
pub fn evaluate_persons(
    persons: &[PersonInput<'_>],
    ctx: &EngineContext<'_>,
    since: Option<&EngineContext<'_>>,
    bar: &ProgressBar,
) -> Result<Evaluated> {
    // Each chunk's changes, by chunk number (put in order at the end).
    let changes: std::sync::Mutex<Vec<(usize, Vec<ChangeRow>)>> = Default::default();
    let results: Vec<PersonResult> = persons
        .par_chunks(4096)
        .enumerate()
        .flat_map_iter(|(n, chunk)| {
            let mut evaluator = engine::Evaluator::default();
            let mut known = engine::changes::KnownThen::default();
            let mut found = Vec::new();
            let out: Vec<_> = match since {
                None => chunk
                    .iter()
                    .map(|p| {
                        let mut r = evaluator.evaluate(p, ctx);
                        r.shrink_to_fit();
                        r
                    })
                    .collect(),
                Some(_) => chunk
                    .iter()
                    .map(|p| {
                        let mut r =
                            evaluate_one(&mut evaluator, &mut known, p, ctx, since, &mut found);
                        r.shrink_to_fit();
                        r
                    })
                    .collect(),
            };
            if !found.is_empty()
                && let Ok(mut all) = changes.lock()
            {
                all.push((n, found));
            }
            bar.inc(chunk.len() as u64);
            out
        })
        .collect();
    let mut parts = changes.into_inner().unwrap_or_default();
    parts.sort_unstable_by_key(|(n, _)| *n);
    Ok(Evaluated {
        results,
        changes: parts.into_iter().flat_map(|(_, c)| c).collect(),
    })
}

/// Events grouped by person cut into pieces of about `size` events, never
/// between two events of one person.
fn person_pieces(events: &[Event], size: usize) -> Vec<&[Event]> {
    let mut pieces = Vec::new();
    let mut rest = events;
    while !rest.is_empty() {
        let mut end = size.min(rest.len());
        while end < rest.len() && rest[end].person_id == rest[end - 1].person_id {
            end += 1;
        }
        let (piece, tail) = rest.split_at(end);
        pieces.push(piece);
        rest = tail;
    }
    pieces
}

/// Per employer: persons, hires, separations, late stops, overlaps, long gaps,
/// arrears, late fees and overpaid, from the events in force and the results.
pub fn summarize_employers(loaded: &Loaded, results: &[PersonResult]) -> Vec<EmployerRow> {
    let mut rows = EmployerRows::default();
    rows.add_events(loaded);
    rows.add_results(results);
    rows.finish()
}

/// Employer rows by employer code, found by the code's address (a few
/// hundred employers, millions of lookups: no hashing of the text), summed
/// from events and from batches of results.
#[derive(Default)]
pub struct EmployerRows {
    index: std::collections::HashMap<usize, usize, crate::ingest::dedupe::FxBuild>,
    /// The code of each row (its `employer_id` text is filled in by `finish`).
    codes: Vec<Code>,
    rows: Vec<EmployerRow>,
}

impl EmployerRows {
    fn index(&mut self, id: &Code) -> usize {
        if let Some(&i) = self.index.get(&id.addr()) {
            return i;
        }
        self.rows.push(EmployerRow::default());
        self.codes.push(*id);
        self.index.insert(id.addr(), self.rows.len() - 1);
        self.rows.len() - 1
    }

    fn get(&mut self, id: &Code) -> &mut EmployerRow {
        let i = self.index(id);
        &mut self.rows[i]
    }

    /// Persons, hires and separations from the events in force.
    pub fn add_events(&mut self, loaded: &Loaded) {
        // Pieces of whole persons, counted in parallel and merged.
        let parts: Vec<EmployerRows> = person_pieces(&loaded.events, 1 << 16)
            .par_iter()
            .map(|events| {
                let mut part = EmployerRows::default();
                part.add_person_events(events, loaded.as_of);
                part
            })
            .collect();
        for p in parts {
            self.merge(p);
        }
    }

    fn add_person_events(&mut self, events: &[Event], as_of: NaiveDate) {
        // Events are grouped by person: count each person once per employer by
        // de-duplicating the employers of one person's events.
        let mut seen: Vec<usize> = Vec::new();
        for person in events.chunk_by(|a, b| a.person_id == b.person_id) {
            seen.clear();
            for e in person.iter().filter(|e| e.in_force(as_of)) {
                let i = self.index(&e.employer_id);
                let row = &mut self.rows[i];
                match e.kind {
                    EventKind::Hire => row.hires += 1,
                    EventKind::Separation => row.separations += 1,
                }
                if !seen.contains(&i) {
                    seen.push(i);
                    row.persons += 1;
                }
            }
        }
    }

    /// Late stops, overlaps, long gaps, arrears, late fees and overpaid.
    pub fn add_results(&mut self, results: &[PersonResult]) {
        for r in results {
            for s in r.stops.iter().filter(|s| s.late_stop) {
                self.get(&s.employer_id).late_stops += 1;
            }
            // An overlap run counts once for every employer it involves.
            for f in r.flags.iter().filter(|f| f.flag == Flag::Overlap) {
                for emp in f.employer_id.iter().chain(&f.other_employers) {
                    self.get(emp).overlaps += 1;
                }
            }
            for g in &r.gaps {
                let long =
                    g.kind == GapKind::Long || (g.kind == GapKind::Open && g.catch_up.is_none());
                if let (true, Some(emp)) = (long, &g.employer_before) {
                    self.get(emp).long_gaps += 1;
                }
            }
            for a in &r.arrears {
                let row = self.get(&a.employer_id);
                row.arrears_total += a.shortfall;
                row.late_fee_total += a.late_fee;
                if let Some(billed) = a.late_fee_billed {
                    row.late_fee_billed_total =
                        Some(row.late_fee_billed_total.unwrap_or_default() + billed);
                    row.late_fee_difference =
                        Some(row.late_fee_difference.unwrap_or_default() + (a.late_fee - billed));
                }
            }
            for o in &r.overpaid {
                self.get(&o.employer_id).overpaid_total += o.paid;
            }
        }
    }

    /// Adds another part's figures (other persons' results or events).
    pub fn merge(&mut self, mut other: EmployerRows) {
        for (i, code) in other.codes.iter().enumerate() {
            // Every field named: one added to the row cannot be missed here.
            let EmployerRow {
                employer_id: _,
                persons,
                hires,
                separations,
                late_stops,
                overlaps,
                long_gaps,
                arrears_total,
                late_fee_total,
                overpaid_total,
                late_fee_billed_total,
                late_fee_difference,
            } = std::mem::take(&mut other.rows[i]);
            let row = self.get(code);
            row.persons += persons;
            row.hires += hires;
            row.separations += separations;
            row.late_stops += late_stops;
            row.overlaps += overlaps;
            row.long_gaps += long_gaps;
            row.arrears_total += arrears_total;
            row.late_fee_total += late_fee_total;
            row.overpaid_total += overpaid_total;
            let add = |a: Option<Decimal>, b: Option<Decimal>| match (a, b) {
                (None, None) => None,
                (a, b) => Some(a.unwrap_or_default() + b.unwrap_or_default()),
            };
            row.late_fee_billed_total = add(row.late_fee_billed_total, late_fee_billed_total);
            row.late_fee_difference = add(row.late_fee_difference, late_fee_difference);
        }
    }

    /// The rows, by employer code. Sums of two-decimal amounts are exact: no
    /// rounding needed here.
    pub fn finish(self) -> Vec<EmployerRow> {
        let mut out = self.rows;
        for (row, code) in out.iter_mut().zip(&self.codes) {
            row.employer_id = code.to_string();
        }
        out.sort_unstable_by(|a, b| a.employer_id.cmp(&b.employer_id));
        out
    }
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
    /// The run's events, results and rejects, handed back instead of dropped:
    /// a caller about to exit can skip freeing millions of small allocations
    /// one by one (≈1 s at a million persons) with `std::mem::forget`.
    pub retained: Retained,
}

/// Everything a run held in memory (see [`RunOutcome::retained`]).
pub struct Retained(#[allow(dead_code)] Box<dyn std::any::Any + Send>);

impl std::fmt::Debug for Retained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Retained")
    }
}

/// `medrecon run`: every stage, then the reports (written atomically), then the
/// stage timings (`timings.json`, the one file that is not deterministic).
pub fn run(
    args: &crate::cli::RunArgs,
    as_of: NaiveDate,
    timings: &mut Timings,
) -> Result<RunOutcome> {
    use crate::report::{self, CsvStream, Manifest, ReportData, ReportOptions, RunCounts};
    let inputs: Vec<&std::path::Path> = (args.input.paths.iter())
        .chain(&args.rules.ledgers)
        .chain(&args.rules.ui)
        .map(|p| p.as_path())
        .collect();
    report::check_out_apart(&args.out, &inputs).map_err(anyhow::Error::msg)?;
    if let Some(since) = args.since
        && since >= as_of
    {
        anyhow::bail!(
            "--since {since} is not before --as-of {as_of}: the changes are from the earlier date to the later"
        );
    }
    // Held to the end of the run: a second run into the same folder fails now.
    let _lock = report::OutLock::acquire(&args.out)?;
    let loaded = load(&args.input, &args.rules, as_of, timings)?;
    loaded.print_skipped(args.lang);
    let mut opts = ReportOptions::from_run_args(args);
    opts.employer_names = std::sync::Arc::new(loaded.employer_names.clone());
    // CSV alone is written while the engine runs, batch by batch, and each
    // batch's results are dropped once written: memory follows the events.
    // The workbook and Parquet need every row at once.
    let mut stream = if opts.formats == [crate::cli::OutputFormat::Csv] {
        Some(CsvStream::begin(&args.out, &opts)?)
    } else {
        None
    };
    let mut results: Vec<PersonResult> = Vec::new();
    let mut changes: Vec<ChangeRow> = Vec::new();
    let mut calendar: Option<crate::model::Calendar> = None;
    let mut employer_rows = EmployerRows::default();
    let mut policy_use = PolicyUse::default();
    let start = Instant::now();
    {
        let ctx = loaded.context();
        let since_ctx = args.since.map(|since| loaded.context_since(since));
        let since = since_ctx.as_ref();
        let persons = loaded.person_inputs();
        let bar = progress_bar(persons.len() as u64, "persons", args.quiet);
        match stream.as_mut() {
            // Streaming: each batch's persons are evaluated and their rows
            // formatted in parallel pieces (results dropped there), while the
            // previous batch's pieces are written.
            Some(stream) => {
                let format = stream.piece_format();
                let mut to_write: Option<StreamedBatch> = None;
                for batch in persons.chunks(batch_persons()) {
                    let (formatted, wrote) = rayon::join(
                        || evaluate_and_format(batch, &ctx, since, &bar, &format),
                        || {
                            write_streamed(
                                stream,
                                to_write.take(),
                                &mut employer_rows,
                                &mut policy_use,
                                &mut changes,
                            )
                        },
                    );
                    wrote?;
                    to_write = Some(formatted?);
                }
                write_streamed(
                    stream,
                    to_write.take(),
                    &mut employer_rows,
                    &mut policy_use,
                    &mut changes,
                )?;
            }
            None => {
                // While one batch is taken in, the next is evaluated.
                let mut to_keep: Option<Evaluated> = None;
                for batch in persons.chunks(batch_persons()) {
                    let (evaluated, kept) = rayon::join(
                        || evaluate_persons(batch, &ctx, since, &bar),
                        || {
                            keep_batch(
                                to_keep.take(),
                                &loaded.policies,
                                &mut employer_rows,
                                &mut policy_use,
                                &mut changes,
                            )
                        },
                    );
                    results.extend(kept);
                    to_keep = Some(evaluated?);
                }
                results.extend(keep_batch(
                    to_keep.take(),
                    &loaded.policies,
                    &mut employer_rows,
                    &mut policy_use,
                    &mut changes,
                ));
            }
        }
        bar.finish_and_clear();
        if stream.is_none() && opts.formats.contains(&crate::cli::OutputFormat::Xlsx) {
            calendar = Some(timings.time("calendar", || {
                build_calendar(&persons, &results, &ctx, args.calendar_limit)
            }));
        }
    }
    // Streaming, the engine and the writing of the per-person reports overlap.
    let stage = if stream.is_some() {
        "engine+reports"
    } else {
        "engine"
    };
    timings
        .0
        .push((stage.to_string(), start.elapsed().as_secs_f64()));
    let employers = timings.time("employers", || {
        employer_rows.add_events(&loaded);
        employer_rows.finish()
    });

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
        ledger_duplicates: loaded.ledger_duplicate_rows,
        refund_rows: loaded.refund_rows,
        ledger_other_insurance: sum(&ledger_inputs, |s| s.other_insurance),
        ui_spans: loaded.ui.len() as u64,
    };
    manifest.policy_grades = policy_use.below_official(&loaded.policies);
    // Printed once at the end; the manifest also lists the skipped files
    // (printed as they were met), after the run's own warnings.
    let own = loaded.warnings();
    let grades = crate::policy::usage::grade_warnings(&manifest.policy_grades);
    manifest.warnings = own
        .iter()
        .cloned()
        .chain(loaded.skipped.iter().cloned())
        .chain(grades.iter().cloned())
        .collect();
    let warnings: Vec<crate::text::Text> = own.into_iter().chain(grades).collect();
    let start = Instant::now();
    let summary = match stream {
        Some(stream) => {
            stream
                .finish(
                    &employers,
                    &loaded.rejects,
                    &loaded.inputs,
                    &manifest,
                    args.since.map(|_| changes.as_slice()),
                )?
                .1
        }
        None => {
            let data = ReportData {
                results: &results,
                employers: &employers,
                rejects: &loaded.rejects,
                inputs: &loaded.inputs,
                manifest: &manifest,
                changes: args.since.map(|_| changes.as_slice()),
                calendar: calendar.as_ref(),
            };
            report::write_reports(&args.out, &data, &opts)?.1
        }
    };
    timings
        .0
        .push(("reports".to_string(), start.elapsed().as_secs_f64()));
    report::write_timings(&args.out, &timings.0)?;
    Ok(RunOutcome {
        rejected: loaded.rejects.len() as u64,
        summary: {
            use crate::text::{Arg, Msg, Text};
            let mut text = summary.to_text(&args.out, args.lang);
            if let Some(since) = args.since {
                Text::new(
                    Msg::sum_changes,
                    [Arg::Date(since), Arg::Int(changes.len() as i64)],
                )
                .push_line(args.lang, &mut text);
            }
            for w in &warnings {
                let w = w.render(args.lang);
                let w = crate::report::mask::maybe_mask(&w, opts.mask);
                Text::new(Msg::sum_warning, [Arg::Str(w.into())]).push_line(args.lang, &mut text);
            }
            text
        },
        retained: Retained(Box::new((loaded, results, employers))),
    })
}

/// The coverage calendar (参保月历) of a run: the persons with a flag first
/// (at most `limit` of them), then, when the run has at most `limit` persons,
/// every other person; months from the earliest gap, flag or arrears month of
/// those persons to the as-of month, the latest 60 at most (12 when none has
/// any). Each row is the person analysed again (the same engine, the same
/// inputs): a few percent of the engine's time at 50,000 persons.
fn build_calendar(
    persons: &[PersonInput<'_>],
    results: &[PersonResult],
    ctx: &EngineContext<'_>,
    limit: usize,
) -> crate::model::Calendar {
    use crate::report::xlsx::CALENDAR_MAX_MONTHS;
    let flagged: Vec<usize> = (0..results.len())
        .filter(|&i| !results[i].person.flags.is_empty())
        .collect();
    let left_out = flagged.len().saturating_sub(limit);
    let mut chosen: Vec<usize> = flagged.iter().copied().take(limit).collect();
    let mut unflagged_left_out = 0;
    if results.len() <= limit {
        chosen.extend((0..results.len()).filter(|&i| results[i].person.flags.is_empty()));
    } else {
        unflagged_left_out = results.len() - flagged.len();
    }
    let to = Month::of(ctx.as_of);
    let earliest = chosen
        .par_iter()
        .filter_map(|&i| {
            let r = &results[i];
            (r.gaps.iter().map(|g| g.from_month))
                .chain(r.flags.iter().filter_map(|f| f.month))
                .chain(r.arrears.iter().map(|a| a.month))
                .min()
        })
        .min();
    let from = earliest
        .unwrap_or(to.add(-11))
        .max(to.add(1 - CALENDAR_MAX_MONTHS))
        .min(to);
    let rows = chosen
        .par_iter()
        .map(|&i| {
            let r = &results[i].person;
            let cells = match persons.get(i) {
                Some(p) if p.person_id == r.person_id => {
                    let a = engine::analyze(p, ctx);
                    engine::months::month_cells(&a, from, to)
                }
                // Results are in the persons' order; never otherwise.
                _ => vec![None; from.months_through(to) as usize],
            };
            crate::model::CalendarRow {
                person_id: r.person_id,
                name: r.name.clone(),
                status: r.status,
                flagged: !r.flags.is_empty(),
                cells,
            }
        })
        .collect();
    crate::model::Calendar {
        from,
        to,
        rows,
        left_out,
        unflagged_left_out,
    }
}

/// Takes in a batch of results to keep for the workbook and Parquet: sums
/// its employer figures, hands the results back.
fn keep_batch(
    evaluated: Option<Evaluated>,
    policies: &PolicySet,
    employer_rows: &mut EmployerRows,
    policy_use: &mut PolicyUse,
    changes: &mut Vec<ChangeRow>,
) -> Vec<PersonResult> {
    let Some(evaluated) = evaluated else {
        return Vec::new();
    };
    changes.extend(evaluated.changes);
    employer_rows.add_results(&evaluated.results);
    policy_use.add_results(policies, &evaluated.results);
    evaluated.results
}

/// A batch of persons evaluated for a streamed run: their report rows
/// formatted in pieces and their employer figures (the results themselves are
/// already dropped).
struct StreamedBatch {
    pieces: Vec<crate::report::CsvPiece>,
    employers: EmployerRows,
    /// What the batch's figures priced (for the grades the run used).
    policy_use: PolicyUse,
    /// With `--since`: the batch's changes, in person order.
    changes: Vec<ChangeRow>,
}

/// Persons per piece: enough to amortise a piece's tables and buffers, small
/// enough that a batch splits into many pieces for the pool.
const PIECE_PERSONS: usize = 1024;

/// The engine over a batch of persons, in parallel pieces, each formatting
/// its persons' report rows and summing their employer figures.
fn evaluate_and_format(
    persons: &[PersonInput<'_>],
    ctx: &EngineContext<'_>,
    since: Option<&EngineContext<'_>>,
    bar: &ProgressBar,
    format: &crate::report::PieceFormat,
) -> Result<StreamedBatch> {
    type Piece = (
        crate::report::CsvPiece,
        EmployerRows,
        PolicyUse,
        Vec<ChangeRow>,
    );
    let pieces: Vec<Piece> = persons
        .par_chunks(PIECE_PERSONS)
        .map(|chunk| {
            let mut evaluator = engine::Evaluator::default();
            let mut known = engine::changes::KnownThen::default();
            let mut changes = Vec::new();
            // Without --since, the loop of before (no second evaluation to test for).
            let results: Vec<PersonResult> = match since {
                None => chunk.iter().map(|p| evaluator.evaluate(p, ctx)).collect(),
                Some(_) => chunk
                    .iter()
                    .map(|p| evaluate_one(&mut evaluator, &mut known, p, ctx, since, &mut changes))
                    .collect(),
            };
            let mut employers = EmployerRows::default();
            employers.add_results(&results);
            let mut used = PolicyUse::default();
            used.add_results(ctx.policies, &results);
            let piece = format.format(&results);
            bar.inc(chunk.len() as u64);
            (piece, employers, used, changes)
        })
        .collect();
    let mut out = StreamedBatch {
        pieces: Vec::with_capacity(pieces.len()),
        employers: EmployerRows::default(),
        policy_use: PolicyUse::default(),
        changes: Vec::new(),
    };
    for (piece, employers, used, changes) in pieces {
        out.pieces.push(piece);
        out.employers.merge(employers);
        out.policy_use.merge(used);
        out.changes.extend(changes);
    }
    Ok(out)
}

/// Writes a streamed batch's pieces and adds its figures to the run's.
fn write_streamed(
    stream: &mut crate::report::CsvStream,
    batch: Option<StreamedBatch>,
    employer_rows: &mut EmployerRows,
    policy_use: &mut PolicyUse,
    changes: &mut Vec<ChangeRow>,
) -> Result<()> {
    let Some(batch) = batch else {
        return Ok(());
    };
    changes.extend(batch.changes);
    employer_rows.merge(batch.employers);
    policy_use.merge(batch.policy_use);
    stream.write_pieces(batch.pieces)?;
    Ok(())
}

/// Persons evaluated and written per batch when reports stream; the
/// environment variable `MEDRECON_BATCH_PERSONS` changes it (tuning, tests).
const BATCH_PERSONS: usize = 1 << 14;

fn batch_persons() -> usize {
    std::env::var("MEDRECON_BATCH_PERSONS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(BATCH_PERSONS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_events::event;

    #[test]
    fn persons_listed_in_pieces_equal_one_pass() {
        // Persons 0..30: events for the even ones (1-3 each), UI months for
        // every third, ledger entries for every fifth, so some persons have
        // only UI months (left out) or only ledger entries (kept), before,
        // between and after the persons with events.
        let pid = |p: u64| event(p, 0, EventKind::Hire).person_id;
        let mut events = Vec::new();
        for p in (0..30u64).filter(|p| p % 2 == 0 && *p > 2 && *p < 26) {
            for k in 0..(p % 3 + 1) {
                events.push(event(p, (p * 10 + k) as u32, EventKind::Hire));
            }
        }
        let month = Month::new(2025, 1).unwrap();
        let ui: Vec<UiSpan> = (0..30u64)
            .filter(|p| p % 3 == 0)
            .map(|p| UiSpan {
                person_id: pid(p),
                from: month,
                to: month,
            })
            .collect();
        let ledger: Vec<LedgerEntry> = (0..30u64)
            .filter(|p| p % 5 == 0)
            .flat_map(|p| {
                (0..2).map(move |k| LedgerEntry {
                    person_id: pid(p),
                    employer_id: Code::new("E"),
                    month: month.add(k),
                    paid: Decimal::new(100, 0),
                    paid_date: None,
                    rows: 1,
                    insurance: Default::default(),
                    kind: Default::default(),
                })
            })
            .collect();
        let key = |list: &[PersonInput<'_>]| -> Vec<(PersonId, [usize; 6])> {
            list.iter()
                .map(|p| {
                    (
                        p.person_id,
                        [
                            p.events.as_ptr() as usize,
                            p.events.len(),
                            p.ui.as_ptr() as usize,
                            p.ui.len(),
                            p.ledger.as_ptr() as usize,
                            p.ledger.len(),
                        ],
                    )
                })
                .collect()
        };
        let whole = merge_persons(&events, &ui, &ledger);
        let persons: Vec<PersonId> = whole.iter().map(|p| p.person_id).collect();
        // Events: 4..=24 even; ledger: 0, 5, 10, 15, 20, 25; UI alone: none kept.
        let mut want: Vec<PersonId> = (4..=24).step_by(2).chain([0, 5, 15, 25]).map(pid).collect();
        want.sort();
        assert_eq!(persons, want);
        let p15 = whole.iter().find(|p| p.person_id == pid(15)).unwrap();
        assert_eq!(
            (p15.events.len(), p15.ui.len(), p15.ledger.len()),
            (0, 1, 2)
        );
        let p12 = whole.iter().find(|p| p.person_id == pid(12)).unwrap();
        assert_eq!(
            (p12.events.len(), p12.ui.len(), p12.ledger.len()),
            (1, 1, 0)
        );
        for size in [1, 2, 3, 5, 1000] {
            let pieces = person_inputs_in_pieces(&events, &ui, &ledger, size);
            assert_eq!(key(&pieces), key(&whole), "pieces of {size} events");
        }
        // No events at all: one piece holds the ledger-only persons.
        let alone = person_inputs_in_pieces(&[], &ui, &ledger, 2);
        assert_eq!(alone.len(), 6);
    }

    #[test]
    fn employer_counts_in_person_pieces_equal_one_pass() {
        // 40 persons with 1-4 events at two employers, grouped by person.
        let mut events = Vec::new();
        for person in 0..40u64 {
            for k in 0..(person % 4 + 1) {
                let mut e = event(person, (person * 10 + k) as u32, EventKind::Hire);
                if k % 2 == 1 {
                    e.kind = EventKind::Separation;
                }
                e.employer_id = Code::new(if (person + k) % 3 == 0 { "E1" } else { "E2" });
                events.push(e);
            }
        }
        events.sort_by_key(|e| (e.person_id.key(), e.source, e.kind));
        let pieces = person_pieces(&events, 3);
        assert!(pieces.len() > 10);
        assert_eq!(pieces.concat(), events);
        for w in pieces.windows(2) {
            let (a, b) = (w[0].last().unwrap(), w[1].first().unwrap());
            assert_ne!(a.person_id, b.person_id, "a person split across pieces");
        }
        let as_of = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let mut one = EmployerRows::default();
        one.add_person_events(&events, as_of);
        let mut merged = EmployerRows::default();
        for p in pieces {
            let mut part = EmployerRows::default();
            part.add_person_events(p, as_of);
            merged.merge(part);
        }
        let (one, merged) = (one.finish(), merged.finish());
        assert_eq!(one, merged);
        // Every person counted once per employer they have events with.
        let persons: u64 = one.iter().map(|r| r.persons).sum();
        let mut pairs: Vec<(PersonId, Code)> = events
            .iter()
            .map(|e| (e.person_id, e.employer_id))
            .collect();
        pairs.sort();
        pairs.dedup();
        assert_eq!(persons, pairs.len() as u64);
        assert_eq!(
            one.iter().map(|r| r.hires + r.separations).sum::<u64>(),
            100
        );
    }
}
