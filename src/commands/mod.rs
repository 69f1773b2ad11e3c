//! One module per subcommand: its work, next to its usage in `cli.rs`.
//! Each `execute` returns the exit code; errors become exit code 1 in `main`.

pub mod explain;
pub mod generate;
pub mod policy;
pub mod run;
pub mod validate;

/// Exit code 3: rows were rejected and `--strict` was given.
pub const EXIT_REJECTED: u8 = 3;
