#!/usr/bin/env bash
# End-to-end bench (issue 6): builds release once, generates 100k and 1M persons
# (events ≈ 3.1 rows a person, ledger ≈ 13 rows a person) under
# target/bench-data, then for each size runs
#   medrecon run EVENTS --as-of 2026-11-22 --out DIR --format csv --no-mask
# under /usr/bin/time -v and prints wall time, peak RSS and the per-stage
# timings from DIR/timings.json; then the 1M/100k ratio, the default run
# (csv and report.xlsx) at the largest size against it, the 1M run with its
# ledger, the ledger aggregation alone (time, RSS) and a ~1M-row .xlsx read
# against calamine's bare load.
#
# Usage: scripts/bench.sh            (everything)
#        BENCH_SIZES="100000" scripts/bench.sh      (one size)
#        BENCH_XLSX=0 BENCH_LEDGER=0 scripts/bench.sh
#        BENCH_DEFAULT=0 scripts/bench.sh   (skip the default csv,xlsx run)
#        BENCH_LEDGER_SHAPES="long wide range" scripts/bench.sh   (ledger shapes; default long)
#        BENCH_REGENERATE=1 scripts/bench.sh        (rewrite the data)
#        BENCH_BASELINE=1 BENCH_LEDGER=0 BENCH_XLSX=0 scripts/bench.sh
#            (also the DuckDB and polars scripts of scripts/baseline)
# Needs bash, cargo and /usr/bin/time (Debian/Ubuntu: apt-get install time).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
DATA=$ROOT/target/bench-data
AS_OF=2026-11-22
SIZES=${BENCH_SIZES:-"100000 1000000"}
XLSX_PERSONS=${BENCH_XLSX_PERSONS:-330000}
EMPLOYERS=${BENCH_EMPLOYERS:-200}
SEED=${BENCH_SEED:-42}

if [[ ! -x /usr/bin/time ]]; then
    echo "bench.sh needs GNU time at /usr/bin/time (Debian/Ubuntu: apt-get install time)" >&2
    exit 1
fi

echo "== building release (medrecon and the stage probe)"
# The stage probe is an example: building it pulls the dev-dependencies into
# the release profile (polars rebuilt with their features, ~20 min on 2
# cores), so it is built only when the ledger or xlsx parts run.
if [[ ${BENCH_LEDGER:-1} == 1 || ${BENCH_XLSX:-1} == 1 ]]; then
    cargo build --release --bin medrecon --example stage_probe
else
    cargo build --release --bin medrecon
fi
mkdir -p "$DATA"
# Private copies: a later build elsewhere cannot swap the binary mid-bench.
cp "$TARGET_DIR/release/medrecon" "$DATA/medrecon"
if [[ -f $TARGET_DIR/release/examples/stage_probe ]]; then
    cp "$TARGET_DIR/release/examples/stage_probe" "$DATA/stage_probe"
fi
BIN=$DATA/medrecon
PROBE=$DATA/stage_probe

# generate DIR ARGS...: generate once (generate.json marks a finished folder).
generate() {
    local dir=$1
    shift
    if [[ -f $dir/generate.json && ${BENCH_REGENERATE:-0} != 1 ]]; then
        echo "   reusing $dir"
        return
    fi
    rm -rf "$dir"
    "$BIN" generate --out "$dir" --employers "$EMPLOYERS" --seed "$SEED" "$@" | sed 's/^/   /'
}

# field FILE LABEL: a value from /usr/bin/time -v output.
field() { grep -F "$2" "$1" | sed 's/.*: //'; }

# wall_seconds FILE: "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:02.81" as seconds.
wall_seconds() {
    field "$1" "Elapsed (wall clock)" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}

rss_mib() { field "$1" "Maximum resident set size" | awk '{ printf "%.0f", $1 / 1024 }'; }

# stages FILE: "  stage  seconds" lines from a pretty-printed timings.json.
stages() {
    if [[ ! -f $1 ]]; then
        echo "   (no timings.json)"
        return
    fi
    awk -F': ' '/"stage"/ { gsub(/[",]/, "", $2); name = $2 }
                /"seconds"/ { gsub(/,/, "", $2); printf "   %-14s %8.3f s\n", name, $2 }
                /"total_seconds"/ { gsub(/,/, "", $2); printf "   %-14s %8.3f s\n", "total", $2 }' "$1"
}

# timed NAME LOG CMD...: run under /usr/bin/time -v, print wall and RSS.
# Dirty pages are written out first (sync), so that the write-back of data
# just generated (1.1 GB at 1M persons) or of the last run's reports does
# not land inside the timed run.
timed() {
    local name=$1 log=$2
    shift 2
    local status=0
    sync
    /usr/bin/time -v -o "$log" "$@" >"$log.stdout" 2>"$log.stderr" || status=$?
    # exit code 3 would be --strict only; rejects alone exit 0.
    if [[ $status -ne 0 ]]; then
        echo "   $name FAILED (exit $status):"
        tail -5 "$log.stderr" | sed 's/^/     /'
        return 1
    fi
    printf "   %-28s wall %6s s   peak RSS %6s MiB\n" "$name" "$(wall_seconds "$log")" "$(rss_mib "$log")"
}

declare -A WALL
echo "== data under $DATA"
for n in $SIZES; do
    echo "-- $n persons"
    generate "$DATA/p$n" --persons "$n" --ledger --bad-rate 0.01
done

echo "== medrecon run EVENTS --as-of $AS_OF --format csv --no-mask"
for n in $SIZES; do
    dir=$DATA/p$n
    rm -rf "$dir/out"
    echo "-- $n persons: $(du -h "$dir/events.csv" | cut -f1) events.csv"
    if timed "run ($n persons)" "$dir/time-run.txt" \
        "$BIN" run "$dir/events.csv" --as-of "$AS_OF" --out "$dir/out" --format csv --no-mask --quiet; then
        WALL[$n]=$(wall_seconds "$dir/time-run.txt")
        stages "$dir/out/timings.json"
    fi
done

if [[ -n ${WALL[100000]:-} && -n ${WALL[1000000]:-} ]]; then
    awk -v a="${WALL[100000]}" -v b="${WALL[1000000]}" \
        'BEGIN { printf "== 1M / 100k wall-time ratio: %.2f (target <= 11)\n", (a > 0 ? b / a : 0) }'
fi

# The default run (csv and the workbook, issue 18 item 6: within 2.5x of the
# csv-only run) at the largest size, beside that csv-only run.
if [[ ${BENCH_DEFAULT:-1} == 1 ]]; then
    big=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1)
    dir=$DATA/p$big
    rm -rf "$dir/out-default"
    echo "== the default run (--format csv,xlsx) at $big persons"
    if timed "run csv,xlsx ($big persons)" "$dir/time-run-default.txt" \
        "$BIN" run "$dir/events.csv" --as-of "$AS_OF" --out "$dir/out-default" --no-mask --quiet; then
        stages "$dir/out-default/timings.json"
        if [[ -n ${WALL[$big]:-} ]]; then
            awk -v a="${WALL[$big]}" -v b="$(wall_seconds "$dir/time-run-default.txt")" \
                'BEGIN { printf "== default / csv-only wall-time ratio: %.2f (target <= 2.5)\n", (a > 0 ? b / a : 0) }'
        fi
        echo "   report.xlsx: $(du -h "$dir/out-default/report.xlsx" | cut -f1)"
    fi
fi

if [[ ${BENCH_LEDGER:-1} == 1 ]]; then
    big=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1)
    dir=$DATA/p$big
    echo "== ledger: $(wc -l <"$dir/ledger.csv") lines, $(du -h "$dir/ledger.csv" | cut -f1) ($big persons)"
    if timed "ledger aggregation alone" "$dir/time-ledger.txt" "$PROBE" ledger "$dir/ledger.csv"; then
        sed 's/^/   /' "$dir/time-ledger.txt.stdout"
    fi
    rm -rf "$dir/out-ledger"
    if timed "run with --ledger" "$dir/time-run-ledger.txt" \
        "$BIN" run "$dir/events.csv" --ledger "$dir/ledger.csv" --as-of "$AS_OF" \
        --out "$dir/out-ledger" --format csv --no-mask --quiet; then
        stages "$dir/out-ledger/timings.json"
    fi
    # The same payments in other ledger shapes (generate --ledger-shape):
    # long = every insurance, a row each (~4.3 rows per medical row).
    for shape in ${BENCH_LEDGER_SHAPES:-long}; do
        sdir=$DATA/p$big-$shape
        generate "$sdir" --persons "$big" --ledger --ledger-shape "$shape" --bad-rate 0.01
        echo "-- $shape ledger: $(wc -l <"$sdir/ledger.csv") lines, $(du -h "$sdir/ledger.csv" | cut -f1)"
        if timed "$shape ledger aggregation" "$sdir/time-ledger.txt" "$PROBE" ledger "$sdir/ledger.csv"; then
            sed 's/^/   /' "$sdir/time-ledger.txt.stdout"
        fi
    done
fi

if [[ ${BENCH_XLSX:-1} == 1 ]]; then
    dir=$DATA/xlsx$XLSX_PERSONS
    echo "== xlsx: $XLSX_PERSONS persons as one workbook (增员/减员 sheets)"
    generate "$dir" --persons "$XLSX_PERSONS" --format xlsx
    if timed "xlsx: calamine, then ingest" "$dir/time-xlsx.txt" "$PROBE" xlsx "$dir/events.xlsx"; then
        sed 's/^/   /' "$dir/time-xlsx.txt.stdout"
    fi
fi

# Opt-in: the DuckDB and polars scripts of scripts/baseline on the same events
# file, right after medrecon on it again (pip install duckdb==2.0.1 polars==2.1.0).
if [[ ${BENCH_BASELINE:-0} == 1 ]]; then
    big=$(echo "$SIZES" | tr ' ' '\n' | sort -n | tail -1)
    dir=$DATA/p$big
    echo "== baseline scripts on $big persons (medrecon first, for the same minutes)"
    rm -rf "$dir/out"
    timed "medrecon run" "$dir/time-run-again.txt" \
        "$BIN" run "$dir/events.csv" --as-of "$AS_OF" --out "$dir/out" --format csv --no-mask --quiet || true
    for script in duckdb polars; do
        rm -rf "$dir/out-$script"
        if timed "$script script" "$dir/time-$script.txt" \
            python3 "$ROOT/scripts/baseline/${script}_baseline.py" "$dir/events.csv" "$dir/out-$script" --as-of "$AS_OF"; then
            sed 's/^/   /' "$dir/time-$script.txt.stdout"
        fi
    done
fi
