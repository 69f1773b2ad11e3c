#!/usr/bin/env python3
"""Polars baseline for medrecon's core job (SPEC §2.1, §2.4, §2.5, §3 rules 1-7, §4).

Usage: python3 polars_baseline.py EVENTS.csv OUTDIR [--as-of YYYY-MM-DD] [--policies DIR]

All heavy work is vectorised polars expressions (lazy where it helps); no per-row Python.
Money is exact: integer cents, rates as integers in 1e-4 units.
"""
import argparse
import datetime as dt
import os
import sys
import time

import polars as pl

import packs

WS = " \u3000\t"


def load_policies(pdir, last_month):
    """The packs' months as a frame, and region names to codes."""
    rows, aliases = packs.load_policies(pdir, last_month)
    pol = pl.DataFrame(rows, orient="row", schema={
        "region": pl.String, "m": pl.Int32, "floor_c": pl.Int64, "cap_c": pl.Int64, "rate": pl.Int64,
        "fixed_c": pl.Int64, "short_max": pl.Int32, "wait": pl.Int32, "sep_paid": pl.Boolean, "cutoff": pl.Int32})
    return pol, dict(aliases)


def ym(e):
    return pl.format("{}-{}", (e // 12).cast(pl.String), (e % 12 + 1).cast(pl.String).str.zfill(2))


def money(e):
    return pl.format("{}.{}", (e // 100).cast(pl.String), (e % 100).cast(pl.String).str.zfill(2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("outdir")
    ap.add_argument("--as-of", default="2026-11-22")
    ap.add_argument("--policies", default=packs.POLICY_DIR)
    a = ap.parse_args()
    t0 = time.time()
    asof = dt.date.fromisoformat(a.as_of)
    asof_m = asof.year * 12 + asof.month - 1
    os.makedirs(a.outdir, exist_ok=True)

    pol, aliases = load_policies(a.policies, asof_m)
    # per-region rules (constant across versions in the packs): taken at the as-of month
    rules = pol.filter(pl.col("m") == asof_m).select("region", "short_max", "wait", "sep_paid", "cutoff")

    # ---- 1-2. ingest, normalise, validate ---------------------------------------------------
    raw = pl.scan_csv(a.events, infer_schema=False, encoding="utf8")
    pid = pl.col("身份证号").str.strip_chars(WS).str.to_uppercase()
    d_s = (pl.col("变动日期").str.strip_chars(WS).str.replace_all(r"[年月/.]", "-").str.strip_suffix("日"))
    w_s = (pl.col("缴费基数").str.strip_chars(WS)
           .str.replace_many(list("０１２３４５６７８９．"), list("0123456789."))
           .str.replace_all(r"[¥￥,元\s]", ""))
    ev_s = pl.col("变动类型").str.strip_chars(WS)
    lf = raw.select(
        pid.alias("pid"),
        pl.col("单位编号").str.strip_chars(WS).alias("emp"),
        ev_s.alias("ev_s"),
        pl.when(ev_s.is_in(["入职", "增员", "新参保"])).then(0)
          .when(ev_s.is_in(["离职", "减员", "停保"])).then(1).cast(pl.Int8).alias("ev"),
        d_s.alias("d_s"),
        pl.coalesce(
            pl.when(d_s.str.contains(r"^\d{8}$")).then(d_s.str.to_date("%Y%m%d", strict=False)),
            d_s.str.to_date("%Y-%m-%d", strict=False),
        ).alias("d"),
        pl.col("参保地").str.strip_chars(WS).replace_strict(aliases, default=None, return_dtype=pl.String).alias("region"),
        w_s.alias("w_s"),
        (w_s.cast(pl.Float64, strict=False) * 100).round().cast(pl.Int64).alias("wage_c"),
        pl.col("离职原因").str.strip_chars(WS).alias("reason"),
    )
    # ID: shape, ISO 7064 MOD 11-2 checksum (digits extracted arithmetically), birth date
    shape = pl.col("pid").str.contains(r"^\d{17}[\dX]$").fill_null(False)
    n17 = pl.col("pid").str.slice(0, 17).cast(pl.Int64, strict=False)
    W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = pl.sum_horizontal([((n17 // (10 ** (16 - i))) % 10) * w for i, w in enumerate(W)])
    chk_char = pl.lit("10X98765432").str.slice((s % 11).cast(pl.Int64), 1)
    birth = pl.col("pid").str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    err = (pl.when(pl.col("pid").is_null() | (pl.col("pid") == "") | pl.col("emp").is_null()
                   | pl.col("ev_s").is_null() | pl.col("d_s").is_null()).then(pl.lit("MISSING_VALUE"))
           .when(~shape).then(pl.lit("ID_FORMAT"))
           .when(chk_char != pl.col("pid").str.slice(17, 1)).then(pl.lit("ID_CHECKSUM"))
           .when(birth.is_null() | ~birth.dt.year().is_between(1850, 2100)).then(pl.lit("ID_BIRTH"))
           .when(pl.col("ev").is_null()).then(pl.lit("BAD_EVENT"))
           .when(pl.col("d").is_null()).then(pl.lit("BAD_DATE"))
           .when(pl.col("region").is_null()).then(pl.lit("UNKNOWN_REGION"))
           .when(pl.col("w_s").is_not_null() & (pl.col("w_s") != "") & pl.col("wage_c").is_null()).then(pl.lit("BAD_MONEY")))
    ev = lf.with_columns(err.alias("err")).collect()
    rows_read = ev.height
    rej = ev.filter(pl.col("err").is_not_null()).group_by("err").len().sort("err")
    n_rej = int(rej["len"].sum())
    ok = (ev.lazy().filter(pl.col("err").is_null())
          .select("pid", "emp", "ev", "d", "region", "wage_c", "reason").unique().collect())
    n_dup = rows_read - n_rej - ok.height
    n_future = ok.filter(pl.col("d") > asof).height
    del ev

    # ---- 3. spells (rule 1-2) ----------------------------------------------------------------
    # Sort once by (person, employer, date, hire-before-separation); an event repeating the
    # previous event's type is a CONFLICT (dropped); a leading separation is an ORPHAN.
    e = (ok.lazy().filter(pl.col("d") <= asof)
         .with_columns((pl.col("d").dt.year().cast(pl.Int32) * 12 + pl.col("d").dt.month().cast(pl.Int32) - 1).alias("dm"))
         .sort("pid", "emp", "d", "ev").collect())
    m0 = e["dm"].min()
    same_prev = (pl.col("pid") == pl.col("pid").shift(1)) & (pl.col("emp") == pl.col("emp").shift(1))
    kept = (e.lazy()
            .with_columns(pl.when(same_prev).then(pl.col("ev").shift(1)).alias("pev"))
            .filter(pl.col("pev").is_null() | (pl.col("pev") != pl.col("ev"))))
    same_next = (pl.col("pid") == pl.col("pid").shift(-1)) & (pl.col("emp") == pl.col("emp").shift(-1))
    nxt = lambda c: pl.when(same_next & (pl.col("ev").shift(-1) == 1)).then(pl.col(c).shift(-1))
    pr = kept.with_columns(
        nxt("d").alias("sep_d"), nxt("dm").alias("sep_m"), nxt("reason").alias("nreason"),
        nxt("wage_c").alias("nwage"), nxt("region").alias("nregion"))
    hires = pr.filter(pl.col("ev") == 0).select(
        "pid", "emp", pl.coalesce("region", "nregion").alias("region"), pl.coalesce("wage_c", "nwage").alias("wage_c"),
        pl.col("d").alias("hire_d"), pl.col("dm").alias("hire_m"), "sep_d", "sep_m", pl.col("nreason").alias("reason"))
    orphans = pr.filter((pl.col("ev") == 1) & pl.col("pev").is_null()).select(
        "pid", "emp", "region", "wage_c", pl.lit(None, pl.Date).alias("hire_d"), pl.lit(m0, pl.Int32).alias("hire_m"),
        pl.col("d").alias("sep_d"), pl.col("dm").alias("sep_m"), "reason")
    spells = (pl.concat([hires, orphans])
              .join(rules.lazy(), on="region", how="left")
              .select("pid", "emp", "region", "wage_c", "sep_d",
                      (pl.col("reason") == "退休").fill_null(False).alias("retired"),
                      (pl.col("hire_m") + (pl.col("hire_d").dt.day().cast(pl.Int32) > pl.col("cutoff")).fill_null(False).cast(pl.Int32)).alias("s"),
                      pl.when(pl.col("sep_m").is_null()).then(pl.lit(asof_m, pl.Int32))
                        .otherwise(pl.col("sep_m") - (~pl.col("sep_paid")).cast(pl.Int32)).alias("e"))
              .filter(pl.col("e") >= pl.col("s"))
              .sort("pid", "s", "emp")
              .collect())
    del e, ok

    # ---- 4. merge coverage into islands; gaps between islands + open gap ------------------------
    BIG = 1_000_000  # > any month index: per-person running max via one global cum_max
    g = pl.col("pid").rle_id().cast(pl.Int64)
    spells = spells.with_columns((g * BIG + pl.col("e")).cum_max().alias("_cm"), g.alias("_g"))
    spells = spells.with_columns(
        pl.when(pl.col("_g") == pl.col("_g").shift(1)).then(pl.col("_cm").shift(1) - pl.col("_g") * BIG).alias("pmax"))
    spells = spells.with_columns(
        (pl.col("pmax").is_null() | (pl.col("s") > pl.col("pmax") + 1)).cast(pl.Int64).cum_sum().alias("isl"))
    isl_basic = spells.group_by("isl", maintain_order=True).agg(
        pl.col("pid").first(), pl.col("s").min(), pl.col("e").max(), pl.col("emp").first().alias("emp_first"))
    # spell before the next gap: coverage ends last, then later separation, then smaller employer
    before = (spells.sort(["isl", "e", "sep_d", "emp"], descending=[False, True, True, False], nulls_last=False)
              .group_by("isl", maintain_order=True)
              .agg(pl.col("emp").first().alias("emp_b"), pl.col("region").first().alias("region_b"),
                   pl.col("wage_c").first().alias("wage_b"),
                   # retirement counts if any separation on that last date/month was a retirement
                   pl.col("retired").filter((pl.col("e") == pl.col("e").first())
                                            & (pl.col("sep_d").eq_missing(pl.col("sep_d").first()))).any().alias("retired_b")))
    islands = isl_basic.join(before, on="isl", how="left", maintain_order="left")
    del spells

    same_pid_next = pl.col("pid") == pl.col("pid").shift(-1)
    n = islands.with_columns(pl.when(same_pid_next).then(pl.col("s").shift(-1)).alias("ns"),
                             pl.when(same_pid_next).then(pl.col("emp_first").shift(-1)).alias("emp_a"))
    inner = n.filter(pl.col("ns").is_not_null()).select(
        "pid", (pl.col("e") + 1).alias("gf"), (pl.col("ns") - 1).alias("gt"), pl.lit(False).alias("open"),
        "emp_b", "emp_a", "region_b", "wage_b")
    open_ = n.filter(pl.col("ns").is_null() & (pl.col("e") < asof_m) & ~pl.col("retired_b")).select(
        "pid", (pl.col("e") + 1).alias("gf"), pl.lit(asof_m, pl.Int32).alias("gt"), pl.lit(True).alias("open"),
        "emp_b", pl.lit(None, pl.String).alias("emp_a"), "region_b", "wage_b")
    gaps = (pl.concat([inner, open_])
            .join(rules.rename({"region": "region_b"}), on="region_b", how="left")
            .with_columns((pl.col("gt") - pl.col("gf") + 1).alias("months"))
            .with_columns((pl.col("months") <= pl.col("short_max")).alias("priced"))
            .with_columns(pl.when(pl.col("open")).then(pl.lit("open"))
                          .when(pl.col("priced")).then(pl.lit("short")).otherwise(pl.lit("long")).alias("kind"))
            .sort("pid", "gf")
            .with_row_index("gid"))

    # ---- 5. price short / open-short gaps month by month -----------------------------------------
    priced = (gaps.lazy().filter("priced")
              .select("gid", "region_b", "wage_b", pl.int_ranges("gf", pl.col("gt") + 1, dtype=pl.Int32).alias("m"))
              .explode("m")
              .join(pol.lazy().rename({"region": "region_b"}), on=["region_b", "m"], how="inner")
              .select("gid", ((pl.coalesce("wage_b", "floor_c").clip(pl.col("floor_c"), pl.col("cap_c")) * pl.col("rate") + 5000) // 10000
                              + pl.col("fixed_c")).alias("amt"))
              .group_by("gid").agg(pl.col("amt").sum().alias("cu"), pl.len().alias("nm"))
              .collect())
    gaps = gaps.join(priced, on="gid", how="left", maintain_order="left")
    unpriced = gaps.filter(pl.col("priced") & (pl.col("nm").is_null() | (pl.col("nm") != pl.col("months")))).height
    if unpriced:
        print(f"warning: {unpriced} short gaps have months no policy version covers", file=sys.stderr)

    # ---- 6. outputs ------------------------------------------------------------------------
    gaps.select(
        pl.col("pid").alias("person_id"), ym(pl.col("gf")).alias("from_month"), ym(pl.col("gt")).alias("to_month"),
        "months", "kind",
        pl.when(pl.col("priced")).then(money(pl.col("cu"))).alias("catch_up"),
        pl.when(pl.col("kind") == "short").then(0).when(pl.col("kind") == "long").then(pl.col("wait")).alias("waiting_months"),
        pl.when(pl.col("kind") == "short").then(ym(pl.col("gt") + 1) + "-01")
          .when(pl.col("kind") == "long").then(ym(pl.col("gt") + 1 + pl.col("wait")) + "-01").alias("benefits_resume"),
        pl.col("emp_b").alias("employer_before"), pl.col("emp_a").alias("employer_after"), pl.col("region_b").alias("region"),
    ).write_csv(os.path.join(a.outdir, "gaps.csv"))

    pi = islands.group_by("pid").agg(
        pl.col("s").min().alias("fc"), pl.col("e").max().alias("lc"),
        pl.col("retired_b").last().alias("ret"), pl.col("region_b").last().alias("reg"))
    pg = gaps.group_by("pid").agg(
        pl.len().alias("n"), (~pl.col("priced")).sum().alias("nlong"), pl.col("months").max().alias("mx"),
        pl.col("cu").sum().alias("cu"), pl.col("months").filter(pl.col("open")).max().alias("open_m"))
    persons = (pi.join(pg, on="pid", how="left")
               .join(rules.rename({"region": "reg"}), on="reg", how="left")
               .sort("pid"))
    persons.select(
        pl.col("pid").alias("person_id"), ym(pl.col("fc")).alias("first_covered_month"), ym(pl.col("lc")).alias("last_covered_month"),
        pl.when(pl.col("ret")).then(pl.lit("retired")).when(pl.col("lc") >= asof_m).then(pl.lit("covered"))
          .when(pl.col("open_m") <= pl.col("short_max")).then(pl.lit("open_gap")).otherwise(pl.lit("lapsed")).alias("status"),
        pl.col("open_m").fill_null(0).alias("open_months"),
        pl.col("n").fill_null(0).alias("gaps"), pl.col("nlong").fill_null(0).alias("long_gaps"),
        pl.col("mx").fill_null(0).alias("max_gap_months"), money(pl.col("cu").fill_null(0)).alias("catch_up_total"),
    ).write_csv(os.path.join(a.outdir, "persons.csv"))

    total = priced["cu"].sum() or 0
    print(f"rows read {rows_read}  valid {rows_read - n_rej}  rejected {n_rej} "
          f"{dict(zip(rej['err'], rej['len']))}  duplicates {n_dup}  future {n_future}")
    print(f"persons {persons.height}  gaps {gaps.height}  catch_up_total {total // 100}.{total % 100:02d}  "
          f"({time.time() - t0:.2f} s)")


if __name__ == "__main__":
    main()
