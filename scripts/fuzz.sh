#!/usr/bin/env bash
# cargo fuzz over medrecon's parsers and readers (issue 17), on nightly.
#
# Usage: scripts/fuzz.sh [TARGET|all] [SECONDS]    (default: all, 60 s each)
#   targets: csv_split value_parsers events_file ledger_file policy_pack
#   FUZZ_JOBS=2 scripts/fuzz.sh events_file 1200   (two workers)
#   FUZZ_BUILD=-a scripts/fuzz.sh                   (debug assertions on: overflow
#                                                    checks; a build of its own)
# The default build is `-O` (release, AddressSanitizer, no debug assertions);
# the first build takes ~11 minutes on 2 cores (polars).
#
# Each target starts from a seed corpus made here from the test fixtures, the
# samples and the shipped policy packs (fuzz/seeds/TARGET, rewritten on every
# run), and keeps what it learns in fuzz/corpus/TARGET (not committed).
# libFuzzer stops at the first crash, leak or allocation over 2 GiB
# (-rss_limit_mb / -malloc_limit_mb) and writes the input to
# fuzz/artifacts/TARGET/; a crash found becomes a regression test under tests/
# and its input is kept in fuzz/regressions/TARGET-NAME, run first every time.
# The script exits 1 when any target stopped on a finding (.ci/run runs it).
# At the end each target's executions and coverage (cov/ft) are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:-all}
SECONDS_EACH=${2:-60}
JOBS=${FUZZ_JOBS:-1}
BUILD=${FUZZ_BUILD:--O}
# -jobs makes libFuzzer write to fuzz/fuzz-N.log, shared by concurrent runs:
# only when asked for.
PARALLEL=()
if [[ $JOBS -gt 1 ]]; then
    PARALLEL=(-jobs="$JOBS" -workers="$JOBS")
fi
ALL=(csv_split value_parsers events_file ledger_file policy_pack)

if ! command -v cargo-fuzz >/dev/null; then
    cargo install cargo-fuzz --locked
fi
if ! rustup toolchain list | grep -q nightly; then
    echo "scripts/fuzz.sh needs the nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
fi

# seed_files TARGET EXT_LIST...: one seed per file, the extension's index as
# the first byte (the file targets take the name's extension from it).
seed_files() {
    local out=$1
    shift
    local exts=("$@")
    local f ext i
    for f in tests/fixtures/* samples/* samples/ledger/*; do
        [[ -f $f ]] || continue
        ext=${f##*.}
        for i in "${!exts[@]}"; do
            if [[ ${exts[$i]} == "$ext" ]]; then
                { printf "\\x$(printf %02x "$i")"; cat "$f"; } >"$out/$(basename "$f").seed"
            fi
        done
    done
}

seeds() {
    local t=$1 out=fuzz/seeds/$1
    rm -rf "$out"
    mkdir -p "$out"
    case $t in
    csv_split)
        cp tests/fixtures/*.csv tests/fixtures/*.tsv samples/*.csv samples/ledger/*.csv "$out"/
        ;;
    value_parsers)
        local i=0 v
        for v in 2025-03-01 2025/3/1 20250301 202503 2025.3 2025年3月 2025年3月1日 45717 \
            2025-03-01T00:00:00 110105199003070017 11010519491231002X '110105 19900101 9509' \
            '１１０１０５１９９００３０７００１７' 8,000.00 ¥1,234.5 '（元）947' 1.10101E+17 \
            '#DIV/0!' Err:502 '合  计：' 例：张三; do
            printf %s "$v" >"$out/$i"
            i=$((i + 1))
        done
        ;;
    events_file) seed_files "$out" csv xlsx xls xml ods txt zip xlsb ;;
    ledger_file) seed_files "$out" csv xlsx xls xml ods zip parquet ;;
    policy_pack) cp schemas/policies/*.toml "$out"/ ;;
    *)
        echo "unknown fuzz target $t (one of: ${ALL[*]})" >&2
        exit 1
        ;;
    esac
    # The inputs that once crashed or exhausted a target run first, every time.
    local r
    for r in fuzz/regressions/"$t"-*; do
        [[ -f $r ]] && cp "$r" "$out/"
    done
    return 0
}

if [[ $TARGET == all ]]; then
    TARGETS=("${ALL[@]}")
else
    TARGETS=("$TARGET")
fi

SUMMARY=()
FAILED=0
for t in "${TARGETS[@]}"; do
    seeds "$t"
    mkdir -p "fuzz/corpus/$t"
    log=fuzz/artifacts/$t.log
    mkdir -p fuzz/artifacts
    echo "== $t for ${SECONDS_EACH}s ($(ls "fuzz/seeds/$t" | wc -l) seeds)"
    (cd fuzz && cargo +nightly fuzz run $BUILD "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -malloc_limit_mb=2048 \
        -max_len=1048576 -timeout=30 -print_final_stats=1 "${PARALLEL[@]}") \
        >"$log" 2>&1 && status=0 || status=$?
    grep -E '^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY|ERROR)' "$log" | tail -5 || true
    execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{s+=$2} END {print s+0}')
    last=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
    SUMMARY+=("$t: exit $status, $execs executions, ${last:-no coverage line}, log $log")
    if [[ $status != 0 ]]; then
        echo "$t stopped with exit $status: see $log and fuzz/artifacts/$t/" >&2
        FAILED=1
    fi
done
echo "== summary"
printf '%s\n' "${SUMMARY[@]}"
exit $FAILED
