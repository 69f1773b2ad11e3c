//! `medrecon validate PATH...`: reads the event exports as `run` would and prints,
//! per file and sheet, the format, encoding, shape, header row and the row
//! accounting (read = accepted + rejected + duplicates, + skipped rows that are
//! not persons when there are any, with their reasons), then every reject with
//! its file, sheet, row, column, value, code and message. IDs in values are
//! masked unless `--no-mask`. With `--strict`, exit 3 when anything was rejected.

use crate::cli::{Lang, ValidateArgs};
use crate::commands::EXIT_REJECTED;
use crate::ingest::{self, EventBatch, IngestOptions};
use crate::model::{InputFormat, RegionLookup, Shape, SheetReport};
use crate::policy::PolicySet;
use crate::text;
use crate::text::{Arg, Join, Msg, Text};
use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

pub fn execute(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let policies = PolicySet::load(&args.input.policies)?;
    let default_region = match &args.input.region {
        Some(r) => policies
            .lookup(r)
            .ok_or_else(|| anyhow::anyhow!("--region {r}: no policy pack has this region"))?,
        None => policies.national(),
    };
    let opts = IngestOptions {
        default_region,
        default_employer: args.input.employer.clone(),
        columns: args.input.columns.clone(),
    };
    let batch = ingest::read_events(&args.input.paths, &opts, &policies)?;
    let lang = args.lang;
    let mut text = render(&batch, !args.no_mask, lang);
    let mut rejected = !batch.rejects.is_empty();
    if !args.ledgers.is_empty() {
        let ledger = crate::columnar::read_ledger(
            &args.ledgers,
            &crate::columnar::LedgerOptions {
                default_employer: args.input.employer.clone(),
            },
        )?;
        text.push('\n');
        line(&mut text, lang, text!(va_ledger));
        text.push_str(&render_ledger(&ledger, !args.no_mask, lang));
        rejected |= !ledger.rejects.is_empty();
    }
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    if args.strict && rejected {
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

fn format_name(f: InputFormat) -> &'static str {
    match f {
        InputFormat::Csv => "csv",
        InputFormat::Xlsx => "xlsx",
        InputFormat::Xls => "xls",
        InputFormat::Xlsb => "xlsb",
        InputFormat::Ods => "ods",
        InputFormat::Parquet => "parquet",
        InputFormat::Spreadsheetml => "spreadsheetml",
        InputFormat::Html => "html",
    }
}

fn shape_name(s: Shape) -> Msg {
    match s {
        Shape::Events => Msg::va_shape_events,
        Shape::Roster => Msg::va_shape_roster,
        Shape::Ledger => Msg::va_shape_ledger,
        Shape::Ui => Msg::va_shape_ui,
    }
}

/// Appends `t` in `lang` and a line break.
fn line(s: &mut String, lang: Lang, t: Text) {
    t.push_line(lang, s);
}

/// The validate report as text, in `lang`.
pub fn render(batch: &EventBatch, mask: bool, lang: Lang) -> String {
    render_inputs(
        &batch.inputs,
        &batch.rejects,
        mask,
        lang,
        text!(va_events, batch.events.len()),
    )
}

/// The report of `validate --ledger`: the ledger files as the events are
/// shown, with rows of other insurances and each sheet's notes.
pub fn render_ledger(batch: &crate::columnar::LedgerBatch, mask: bool, lang: Lang) -> String {
    let mut s = render_inputs(
        &batch.inputs,
        &batch.rejects,
        mask,
        lang,
        text!(va_ledger_entries, batch.entries.len()),
    );
    for skipped in &batch.skipped {
        let skipped = skipped.render(lang);
        let skipped = crate::report::mask::maybe_mask(&skipped, mask);
        line(&mut s, lang, text!(va_skipped_file, skipped));
    }
    s
}

/// Files, sheets and their row accounting, a total line ending in `tail`,
/// then every reject.
fn render_inputs(
    inputs: &[crate::model::InputReport],
    rejects: &[crate::model::Reject],
    mask: bool,
    lang: Lang,
    tail: Text,
) -> String {
    let mut s = String::new();
    // Paths, sheet names and notes masked as the manifest masks them.
    let inputs = &crate::report::manifest::masked_inputs(inputs, mask)[..];
    let (mut read, mut acc, mut rej, mut dup, mut skip) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut other = 0u64;
    for input in inputs {
        line(
            &mut s,
            lang,
            text!(
                va_file,
                input.path.as_str(),
                format_name(input.format),
                match &input.encoding {
                    Some(enc) => text!(va_encoding, enc.as_str()).into(),
                    None => Arg::Empty,
                },
                input.bytes,
                input.sha256.as_str()
            ),
        );
        for sh in &input.sheets {
            s.push_str("  ");
            match (&sh.skipped, sh.shape) {
                (Some(reason), _) => {
                    line(
                        &mut s,
                        lang,
                        text!(va_sheet_skipped, sh.name.as_str(), reason.as_str()),
                    );
                }
                (None, shape) => {
                    line(
                        &mut s,
                        lang,
                        text!(
                            va_sheet,
                            sh.name.as_str(),
                            shape.map_or(Arg::from("?"), |sh| shape_name(sh).into()),
                            sh.header_row.map(|r| r.to_string()).unwrap_or_default(),
                            sh.rows_read,
                            sh.accepted,
                            sh.rejected,
                            sh.duplicates,
                            if sh.other_insurance > 0 {
                                text!(va_other_insurance_sheet, sh.other_insurance).into()
                            } else {
                                Arg::Empty
                            },
                            skipped_text(sh),
                            if sh.rows_read == sh.accounted() {
                                Arg::Empty
                            } else {
                                text!(va_not_balanced).into()
                            }
                        ),
                    );
                }
            }
            for note in &sh.notes {
                s.push_str("    ");
                line(&mut s, lang, text!(va_note, note.as_str()));
            }
            read += sh.rows_read;
            acc += sh.accepted;
            rej += sh.rejected;
            dup += sh.duplicates;
            other += sh.other_insurance;
            skip += sh.skipped_rows;
        }
    }
    let other = if other > 0 {
        text!(va_other_insurance_total, other).into()
    } else {
        Arg::Empty
    };
    let skipped_total = if skip > 0 {
        text!(va_skipped_total, skip).into()
    } else {
        Arg::Empty
    };
    line(
        &mut s,
        lang,
        text!(
            va_total,
            inputs.len(),
            read,
            acc,
            rej,
            dup,
            other,
            skipped_total,
            tail
        ),
    );
    if !rejects.is_empty() {
        s.push('\n');
        line(&mut s, lang, text!(va_rejects, rejects.len()));
        line(&mut s, lang, text!(va_reject_columns));
        for r in rejects {
            let input = inputs.get(r.source.input as usize);
            let file = input.map(|i| i.path.as_str()).unwrap_or("");
            let sheet = input
                .and_then(|i| i.sheets.get(r.source.sheet as usize))
                .map(|sh| sh.name.as_str())
                .unwrap_or("");
            let value = crate::report::mask::reject_value(r, mask);
            let message = r.message.render(lang);
            let message = crate::report::mask::maybe_mask(&message, mask);
            let _ = writeln!(
                s,
                "{file}\t{sheet}\t{}\t{}\t{}\t{}\t{}",
                r.source.row,
                crate::report::mask::maybe_mask(&r.column, mask),
                one_line(&value),
                r.code,
                one_line(&message)
            );
        }
    }
    s
}

/// `, skipped N (reason: n, …)` for a sheet with rows that are not persons;
/// empty when none were skipped (the line reads as before).
fn skipped_text(sh: &SheetReport) -> Arg {
    if sh.skipped_rows == 0 {
        return Arg::Empty;
    }
    let reasons = sh
        .skipped_reasons
        .iter()
        .map(|(reason, n)| text!(va_reason, skip_reason(reason), *n).into())
        .collect();
    text!(
        va_skipped_sheet,
        sh.skipped_rows,
        Arg::List(Join::Comma, reasons)
    )
    .into()
}

/// A reason rows were skipped (the manifest's English words) as a message:
/// the three kinds `not_a_person` gives have their own; another is shown as is.
fn skip_reason(reason: &str) -> Arg {
    use crate::ingest::normalize::{EXAMPLE_ROW, PLACEHOLDER_ROW, TOTAL_ROW};
    match reason {
        EXAMPLE_ROW => Msg::va_skip_example.into(),
        TOTAL_ROW => Msg::va_skip_total.into(),
        PLACEHOLDER_ROW => Msg::va_skip_placeholder.into(),
        other => other.into(),
    }
}

/// The text on one line: line breaks and tabs become spaces.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r', '\t'], " ")
}

#[cfg(test)]
mod tests {
    /// The masking `validate` prints with, the reports' own.
    fn mask_ids(text: &str) -> String {
        crate::report::mask::mask_free_text(text).into_owned()
    }

    #[test]
    fn ids_in_values_are_masked() {
        assert_eq!(mask_ids("11010519491231002X"), "110105********002X");
        assert_eq!(
            mask_ids("id 110105194912310021 bad"),
            "id 110105********0021 bad"
        );
        // 15-digit old ID: 6 + 5 stars + 4.
        assert_eq!(mask_ids("110105491231002"), "110105*****1002");
        // Short numbers and dates stay.
        assert_eq!(mask_ids("2025-02-30 8000"), "2025-02-30 8000");
        // 19 digits may be an ID with a digit glued on: masked too.
        assert_eq!(mask_ids("1234567890123456789"), "123456*********6789");
    }
}
