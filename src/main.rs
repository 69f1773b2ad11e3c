//! The `medrecon` binary: parse arguments, run the subcommand, map the outcome
//! to an exit code (0 done, 1 error, 2 usage, 3 rows rejected under --strict).

use clap::Parser;
use medrecon::cli::{Cli, Command};
use medrecon::commands;
use std::process::ExitCode;

fn main() -> ExitCode {
    release_large_blocks();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => commands::run::execute(args),
        Command::Validate(args) => commands::validate::execute(args),
        Command::Explain(args) => commands::explain::execute(args),
        Command::Policy(args) => commands::policy::execute(args),
        Command::Generate(args) => commands::generate::execute(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            // An error names files and may quote a cell: masked like the reports
            // (a file named after an ID), unless --no-mask.
            let mask = match &cli.command {
                Command::Run(args) => !args.no_mask,
                Command::Validate(args) => !args.no_mask,
                _ => false,
            };
            let text = |t: String| medrecon::report::mask::maybe_mask(&t, mask).into_owned();
            eprintln!("medrecon: error: {}", text(err.to_string()));
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {}", text(cause.to_string()));
            }
            ExitCode::from(1)
        }
    }
}

/// glibc raises its mmap threshold each time a large block is freed, up to
/// 32 MiB, after which the multi-megabyte buffers of ingest, grouping and
/// report writing come from its heap and stay there when freed: a 1M-person
/// run then peaked at ~990 MiB instead of ~650. A fixed 1 MiB threshold keeps
/// such blocks mapped, so freeing them gives the memory back.
fn release_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called first thing in
    // main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
