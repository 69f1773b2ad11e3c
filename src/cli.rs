//! Command-line interface: every subcommand and flag, documented once here and
//! shown by `--help`. Parsing only; the work is in `commands/`.

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "medrecon",
    version,
    about = "Employee medical insurance (职工医保) continuity from payroll exports: stops, gaps, back-pay, arrears",
    long_about = None,
    after_help = "Documentation (English and 中文): docs/README.md in the repository: inputs, rules 1-14 with worked examples, outputs, policy packs.",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read exports, apply the rules, write the reports.
    ///
    /// Example: medrecon run samples --as-of 2026-11-22 --out reports --ledger samples/ledger
    ///
    /// Limits: only regular files and folders are read (FIFOs and devices are
    /// refused); a CSV row over 1 MiB or a field over 64 KiB is a rejected row;
    /// an xlsx/xlsb sheet may span at most 30,000,000 cells and 16,384
    /// columns, a workbook hold 30,000,000 non-empty cells, its zip at most
    /// 2 GiB a part and 4 GiB in all; an .xls's sector chains must end; --as-of within
    /// 1990-01-01..2100-12-31. One run at a time per --out (a lock file,
    /// OUT/.medrecon.lock); --out may not be inside an input, nor an input
    /// inside --out. Trust a report folder only when every file matches its
    /// size and sha256 in manifest.json.
    ///
    /// The rules are in docs/en/rules.md (中文: docs/zh/rules.md), the reports
    /// in docs/en/outputs.md.
    Run(RunArgs),
    /// Check inputs and print, per file and sheet, what would be accepted and rejected.
    ///
    /// Example: medrecon validate samples --strict
    Validate(ValidateArgs),
    /// One person's timeline month by month, with the rule behind every figure.
    ///
    /// Example: medrecon explain 11010519491231002X samples --as-of 2026-11-22
    ///
    /// The rules it cites are numbered as in docs/en/rules.md (中文: docs/zh/rules.md).
    Explain(ExplainArgs),
    /// List the policy packs, or show one region's dated values.
    ///
    /// Example: medrecon policy show beijing
    ///
    /// The parameters and grades are explained in docs/en/policy-packs.md.
    Policy(PolicyArgs),
    /// Write realistic synthetic exports (valid IDs, Chinese names, gaps, bad rows).
    ///
    /// Example: medrecon generate --persons 1000 --out /tmp/gen --ledger
    Generate(GenerateArgs),
}

/// Where the events come from and how to read them; shared by run, validate and explain.
#[derive(Args, Debug, Clone)]
pub struct InputArgs {
    /// Event exports: CSV, .xlsx, .xls, .xlsb, .ods files, or folders of them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Region (统筹区) for rows without one: pack code, Chinese name or division code.
    /// Default: national.
    #[arg(long, value_name = "CODE")]
    pub region: Option<String>,
    /// Employer ID for rows without one. Default: the file name without extension.
    #[arg(long, value_name = "ID")]
    pub employer: Option<String>,
    /// An extra policy pack (TOML); may be repeated. Overrides a shipped pack of the same code.
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Column aliases file replacing the shipped `schemas/columns.toml`.
    #[arg(long, value_name = "FILE")]
    pub columns: Option<PathBuf>,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Csv,
    Xlsx,
    Parquet,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

#[derive(Args, Debug, Clone)]
pub struct RuleArgs {
    /// The date the reports are as of (YYYY-MM-DD, 1990-01-01..2100-12-31). Default: today.
    #[arg(long, value_name = "DATE", value_parser = parse_as_of_arg)]
    pub as_of: Option<NaiveDate>,
    /// Contribution ledger (实缴记录): CSV, Excel or Parquet; may be repeated.
    #[arg(long = "ledger", value_name = "PATH")]
    pub ledgers: Vec<PathBuf>,
    /// The first month the ledger is complete for (YYYY-MM): arrears are judged
    /// from it on. Default: the first month any ledger row is for (a ledger of
    /// 2024 on says nothing of what was paid in 2015).
    ///
    /// Example: --ledger-from 2024-01
    #[arg(long, value_name = "MONTH", value_parser = parse_month_arg)]
    pub ledger_from: Option<crate::model::Month>,
    /// The contribution tier (医疗缴费档次) for rows that name none, where a pack
    /// defines tiers (Shenzhen 一档/二档); default: each pack's default tier. A
    /// `医疗缴费档次` column overrides it row by row.
    ///
    /// Example: --tier 二档
    #[arg(long, value_name = "TIER")]
    pub tier: Option<String>,
    /// Accept a `--ledger` without any row (otherwise an error: an empty
    /// ledger turns every covered month into arrears).
    #[arg(long)]
    pub ledger_empty_ok: bool,
    /// Unemployment-benefit months (失业保险金期间): person_id, from_month, to_month.
    #[arg(long = "ui", value_name = "PATH")]
    pub ui: Vec<PathBuf>,
    /// For a month after a pack's last money version, use that last version (with
    /// a warning) instead of leaving the month's figures unpriced. Months before a
    /// pack's first version, or in a hole between versions, stay unpriced.
    #[arg(long)]
    pub carry_forward: bool,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Also evaluate the same inputs as of this earlier date (YYYY-MM-DD) and
    /// write what changed since (`changes.csv`, the 变化 sheet): newly lapsed,
    /// new open gaps, closed gaps, new and settled arrears, new late stops.
    /// As of DATE, events dated or filed after it and payments made after it
    /// were not known yet (docs/en/outputs.md).
    ///
    /// Example: --since 2026-10-31
    #[arg(long, value_name = "DATE", value_parser = parse_as_of_arg)]
    pub since: Option<NaiveDate>,
    /// Output folder; created if missing. Reports are replaced only when the run succeeds.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Report formats, comma separated.
    #[arg(long, value_delimiter = ',', default_values = ["csv", "xlsx"], value_name = "FORMATS")]
    pub format: Vec<OutputFormat>,
    /// Write IDs and names whole (default: 110101********123X, 张*).
    #[arg(long)]
    pub no_mask: bool,
    /// Exit with code 3 when any row was rejected.
    #[arg(long)]
    pub strict: bool,
    /// Language of what a person reads: the workbook (headers, statuses,
    /// gap kinds, flag and reject names, flag details, reject messages) and
    /// the summary printed at the end. The CSV reports are the same in both:
    /// codes and English details (docs/en/outputs.md).
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
    /// Start CSV reports with a UTF-8 BOM so spreadsheets show Chinese correctly.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub csv_bom: bool,
    /// Above this many persons the workbook holds the summary, gaps, arrears,
    /// employers, rejects, overpaid and only the persons with a flag; the full
    /// per-person tables (persons, stops, flags) are in the CSVs beside it. The
    /// summary sheet says when this applied. Only with csv among --format: a
    /// workbook written alone holds every table.
    #[arg(long, default_value_t = 200_000, value_name = "PERSONS")]
    pub xlsx_full_limit: usize,
    /// Past --xlsx-full-limit, each table sheet of the workbook holds at most
    /// this many rows: the first ones, in the CSV's order. The summary sheet
    /// lists each sheet cut and its CSV, which holds every row.
    #[arg(long, default_value_t = 100_000, value_name = "ROWS",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub xlsx_sheet_rows: u64,
    /// Rows of the workbook's coverage calendar (参保月历): the persons with a
    /// flag first, at most this many; every person when the run has no more.
    #[arg(long, default_value_t = 50_000, value_name = "PERSONS")]
    pub calendar_limit: usize,
    /// No progress bars and no summary.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Contribution ledgers to check too (as `run --ledger` reads them).
    #[arg(long = "ledger", value_name = "PATH")]
    pub ledgers: Vec<PathBuf>,
    /// Exit with code 3 when any row was rejected.
    #[arg(long)]
    pub strict: bool,
    /// Show rejected values whole (IDs are masked by default).
    #[arg(long)]
    pub no_mask: bool,
    /// Language of the report printed (its counts and reject messages).
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The person's resident ID (18 characters; 15-digit IDs are upgraded),
    /// or a document as persons.csv prints it (`passport:E12345678`).
    #[arg(value_name = "PERSON_ID")]
    pub person_id: String,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub rules: RuleArgs,
    /// Language of the explanation (its rule citations are the docs pages of
    /// that language: docs/zh/rules.md or docs/en/rules.md).
    #[arg(long, value_enum, default_value_t = Lang::Zh)]
    pub lang: Lang,
}

#[derive(Args, Debug)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub action: PolicyAction,
    /// An extra policy pack (TOML); may be repeated.
    #[arg(long = "policy", value_name = "FILE", global = true)]
    pub policies: Vec<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum PolicyAction {
    /// Every pack: code, names, division code, versions.
    List,
    /// One region's rules and money versions with every value, its grade and source.
    Show {
        /// Pack code, Chinese name or division code.
        region: String,
    },
    /// Every value below `official` (secondary, provisional, ungraded), one a line.
    ///
    /// Example: medrecon policy check
    Check,
}

/// How `generate --ledger` lays the ledger out (the shapes of REAL_FORMATS.md §5).
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum LedgerShape {
    /// Medical only: one row per person·employer·month (实缴金额).
    #[default]
    Medical,
    /// One row per month and insurance (险种, 缴费类型): medical, 大额 where the
    /// region has it, pension, unemployment, injury.
    Long,
    /// One row per month, a column group per insurance under two header rows.
    Wide,
    /// Medical only, two on-time months of equal amount in one range row
    /// (费款所属期起/止, 月数).
    Range,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum GenerateFormat {
    /// UTF-8 CSV.
    #[default]
    Csv,
    /// GBK-encoded CSV with a title line, as Chinese HR systems export.
    Gbk,
    /// One .xlsx workbook with 增员 and 减员 sheets.
    Xlsx,
    /// GBK CSV shaped like a bureau declaration (证件类型, 证件号码, 申报类型
    /// 增/减, 费款所属期 as a month, no day): the months the other formats'
    /// dates give under each region's rules.
    Declaration,
    /// The CSV format's rows as an "Excel 2003 XML" (SpreadsheetML) workbook
    /// saved as .xls, UTF-8, as web back offices download it.
    Spreadsheetml,
    /// The CSV format's rows as an HTML table saved as .xls, GBK with its
    /// charset in a <meta> tag, as web back offices download it.
    Html,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// How many persons.
    #[arg(long, default_value_t = 1000)]
    pub persons: u64,
    /// How many employers.
    #[arg(long, default_value_t = 20)]
    pub employers: u32,
    /// Output folder.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed: the same seed writes the same files.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long, value_enum, default_value_t = GenerateFormat::Csv)]
    pub format: GenerateFormat,
    /// Also write a matching contribution ledger, some months missing or underpaid.
    #[arg(long)]
    pub ledger: bool,
    /// The ledger's layout: the same payments whatever the shape.
    #[arg(long, value_enum, default_value_t = LedgerShape::Medical)]
    pub ledger_shape: LedgerShape,
    /// Share of deliberately bad rows (0.0–1.0).
    #[arg(long, default_value_t = 0.0)]
    pub bad_rate: f64,
    /// One file per employer instead of one file.
    #[arg(long)]
    pub split: bool,
}

fn parse_month_arg(raw: &str) -> Result<crate::model::Month, String> {
    crate::model::Month::parse(raw)
        .filter(|m| (1990..=2100).contains(&m.year()))
        .ok_or_else(|| format!("`{raw}` is not a month (YYYY-MM, 1990..2100)"))
}

/// `--as-of`: a date within 1990-01-01..2100-12-31 (months are expanded from
/// the first event to it; a date in year 9999 would expand without end).
fn parse_as_of_arg(raw: &str) -> Result<NaiveDate, String> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{raw}` is not a date (YYYY-MM-DD)"))?;
    let (lo, hi) = (
        NaiveDate::from_ymd_opt(1990, 1, 1).expect("valid"),
        NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid"),
    );
    if d < lo || d > hi {
        return Err(format!(
            "`{raw}` is outside the supported range 1990-01-01..2100-12-31"
        ));
    }
    Ok(d)
}
