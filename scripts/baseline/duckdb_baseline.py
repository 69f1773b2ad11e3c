#!/usr/bin/env python3
"""DuckDB baseline for medrecon's core job (SPEC §2.1, §2.4, §2.5, §3 rules 1-7, §4).

Usage: python3 duckdb_baseline.py EVENTS.csv OUTDIR [--as-of YYYY-MM-DD] [--policies DIR]

All heavy work (parse, validate, pair, merge, gap, price, sort, write) is SQL.
Money is exact: integer cents, rates as integers in 1e-4 units.
"""
import argparse
import datetime as dt
import os
import sys
import time

import duckdb

from packs import POLICY_DIR, load_policies


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("events")
    ap.add_argument("outdir")
    ap.add_argument("--as-of", default="2026-11-22")
    ap.add_argument("--policies", default=POLICY_DIR)
    a = ap.parse_args()
    t0 = time.time()
    asof = dt.date.fromisoformat(a.as_of)
    asof_m = asof.year * 12 + asof.month - 1
    os.makedirs(a.outdir, exist_ok=True)

    con = duckdb.connect()
    pol, ali = load_policies(a.policies, asof_m)
    con.execute("CREATE TABLE pol(region VARCHAR, m INT, floor_c BIGINT, cap_c BIGINT, rate BIGINT, fixed_c BIGINT,"
                " short_max INT, wait INT, sep_paid BOOLEAN, cutoff INT)")
    con.executemany("INSERT INTO pol VALUES (?,?,?,?,?,?,?,?,?,?)", pol)
    con.execute("CREATE TABLE alias(name VARCHAR, code VARCHAR)")
    con.executemany("INSERT INTO alias VALUES (?,?)", ali)
    # Rules per region (short-gap limit, waiting, separation month, cut-off) taken from the
    # version in force at the as-of month (they do not vary between versions in the packs).
    con.execute(f"CREATE TABLE rules AS SELECT region, short_max, wait, sep_paid, cutoff FROM pol WHERE m = {asof_m}")

    # ---- 1-2. ingest, normalise, validate ---------------------------------------------------
    W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    chk = " + ".join(f"(ascii(pid[{i + 1}]) - 48) * {w}" for i, w in enumerate(W))
    ws = "' \u3000\t'"
    con.execute(f"""
    CREATE TABLE raw AS
    SELECT upper(trim("身份证号", {ws})) AS pid,
           trim("单位编号", {ws}) AS emp,
           trim("变动类型", {ws}) AS ev_s,
           regexp_replace(translate(trim("变动日期", {ws}), '年月/.', '----'), '日$', '') AS d_s,
           trim("参保地", {ws}) AS reg_s,
           regexp_replace(translate(trim("缴费基数", {ws}), '０１２３４５６７８９．', '0123456789.'), '[¥￥,元\\s]', '', 'g') AS w_s,
           trim("离职原因", {ws}) AS reason
    FROM read_csv('{a.events}', header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')
    """)
    rows_read = con.execute("SELECT count(*) FROM raw").fetchone()[0]
    con.execute(f"""
    CREATE TABLE ev AS
    WITH p AS (
      SELECT r.*, al.code AS region,
             CASE WHEN ev_s IN ('入职','增员','新参保') THEN 0
                  WHEN ev_s IN ('离职','减员','停保') THEN 1 END AS ev,
             CASE WHEN length(d_s) = 8 AND regexp_full_match(d_s, '[0-9]{{8}}') THEN try_strptime(d_s, '%Y%m%d')
                  ELSE try_strptime(d_s, '%Y-%m-%d') END::DATE AS d,
             CASE WHEN w_s = '' OR w_s IS NULL THEN NULL ELSE round(try_cast(w_s AS DECIMAL(18,4)) * 100)::BIGINT END AS wage_c,
             (w_s <> '' AND try_cast(w_s AS DECIMAL(18,4)) IS NULL) AS bad_money,
             (length(pid) = 18 AND regexp_full_match(pid, '[0-9]{{17}}[0-9X]')) AS id_shape
      FROM raw r LEFT JOIN alias al ON al.name = r.reg_s
    ), v AS (
      SELECT *,
        CASE WHEN pid IS NULL OR pid = '' OR emp IS NULL OR ev_s IS NULL OR d_s IS NULL THEN 'MISSING_VALUE'
             WHEN NOT id_shape THEN 'ID_FORMAT'
             WHEN substr('10X98765432', (({chk}) % 11)::INT + 1, 1) <> pid[18] THEN 'ID_CHECKSUM'
             WHEN try_strptime(substr(pid, 7, 8), '%Y%m%d') IS NULL
                  OR substr(pid, 7, 4)::INT NOT BETWEEN 1850 AND 2100 THEN 'ID_BIRTH'
             WHEN ev IS NULL THEN 'BAD_EVENT'
             WHEN d IS NULL THEN 'BAD_DATE'
             WHEN region IS NULL THEN 'UNKNOWN_REGION'
             WHEN bad_money THEN 'BAD_MONEY'
        END AS err
      FROM p
    )
    SELECT pid, emp, ev, d, region, wage_c, reason, err FROM v
    """)
    rej = con.execute("SELECT err, count(*) FROM ev WHERE err IS NOT NULL GROUP BY ALL ORDER BY ALL").fetchall()
    n_rej = sum(c for _, c in rej)
    con.execute(f"""
    CREATE TABLE ok AS
    SELECT DISTINCT pid, emp, ev, d, region, wage_c, reason FROM ev WHERE err IS NULL
    """)
    n_ok_distinct = con.execute("SELECT count(*) FROM ok").fetchone()[0]
    n_dup = rows_read - n_rej - n_ok_distinct
    n_future = con.execute(f"SELECT count(*) FROM ok WHERE d > DATE '{asof}'").fetchone()[0]

    # ---- 3. spells (rule 1-2) ------------------------------------------------------------
    # Alternating-state pairing per (person, employer): an event that repeats the previous
    # event's type is a CONFLICT and dropped; a leading separation is an ORPHAN.
    con.execute(f"""
    CREATE TABLE spells AS
    WITH e AS (
      SELECT *, year(d) * 12 + month(d) - 1 AS dm FROM ok WHERE d <= DATE '{asof}'
    ), batch AS (SELECT min(dm) AS m0 FROM e),
    k AS (
      SELECT *, lag(ev) OVER w AS pev FROM e
      WINDOW w AS (PARTITION BY pid, emp ORDER BY d, ev)
    ), kept AS (
      SELECT * FROM k WHERE pev IS NULL OR pev <> ev
    ), pr AS (
      SELECT *, lead(ev) OVER w AS nev, lead(d) OVER w AS nd, lead(dm) OVER w AS ndm,
             lead(wage_c) OVER w AS nwage, lead(region) OVER w AS nregion, lead(reason) OVER w AS nreason
      FROM kept WINDOW w AS (PARTITION BY pid, emp ORDER BY d, ev)
    ), sp AS (
      -- hire-opened spells
      SELECT pid, emp, coalesce(region, nregion) AS region, coalesce(wage_c, nwage) AS wage_c,
             d AS hire_d, dm AS hire_m, CASE WHEN nev = 1 THEN nd END AS sep_d,
             CASE WHEN nev = 1 THEN ndm END AS sep_m, CASE WHEN nev = 1 THEN nreason END AS reason
      FROM pr WHERE ev = 0
      UNION ALL
      -- orphan separations: open at the batch's earliest event month
      SELECT pid, emp, region, wage_c, NULL, (SELECT m0 FROM batch), d, dm, reason
      FROM pr WHERE ev = 1 AND pev IS NULL
    )
    SELECT sp.pid, sp.emp, sp.region, sp.wage_c, sp.sep_d, sp.reason = '退休' AS retired,
           sp.hire_m + CASE WHEN sp.hire_d IS NOT NULL AND day(sp.hire_d) > r.cutoff THEN 1 ELSE 0 END AS s,
           CASE WHEN sp.sep_m IS NULL THEN {asof_m}
                ELSE sp.sep_m - CASE WHEN r.sep_paid THEN 0 ELSE 1 END END AS e
    FROM sp JOIN rules r USING (region)
    """)
    con.execute("DELETE FROM spells WHERE e < s")

    # ---- 4. merge coverage into islands, gaps between islands + open gap --------------------
    con.execute(f"""
    CREATE TABLE islands AS
    WITH o AS (
      SELECT *, max(e) OVER (PARTITION BY pid ORDER BY s, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS pmax
      FROM spells
    ), g AS (
      SELECT *, sum(CASE WHEN pmax IS NULL OR s > pmax + 1 THEN 1 ELSE 0 END)
                  OVER (PARTITION BY pid ORDER BY s, e ROWS UNBOUNDED PRECEDING) AS isl
      FROM o
    )
    SELECT pid, isl, min(s) AS s, max(e) AS e,
           -- spell before the next gap: coverage ends last, then later separation, then smaller employer
           first(emp ORDER BY e DESC, sep_d DESC NULLS FIRST, emp) AS emp_b,
           first(region ORDER BY e DESC, sep_d DESC NULLS FIRST, emp) AS region_b,
           first(wage_c ORDER BY e DESC, sep_d DESC NULLS FIRST, emp) AS wage_b,
           first(retired ORDER BY e DESC, sep_d DESC NULLS FIRST, retired DESC) AS retired_b,
           first(emp ORDER BY s, emp) AS emp_first
    FROM g GROUP BY pid, isl
    """)
    con.execute(f"""
    CREATE TABLE gaps AS
    WITH n AS (
      SELECT *, lead(s) OVER w AS ns, lead(emp_first) OVER w AS nemp
      FROM islands WINDOW w AS (PARTITION BY pid ORDER BY isl)
    ), gg AS (
      SELECT pid, e + 1 AS gf, ns - 1 AS gt, 'x' AS kind, emp_b, nemp AS emp_a, region_b, wage_b
      FROM n WHERE ns IS NOT NULL
      UNION ALL
      SELECT pid, e + 1, {asof_m}, 'open', emp_b, NULL, region_b, wage_b
      FROM n WHERE ns IS NULL AND e < {asof_m} AND NOT coalesce(retired_b, false)
    )
    SELECT gg.pid, gf, gt, gt - gf + 1 AS months,
           CASE WHEN kind = 'open' THEN 'open' WHEN gt - gf + 1 <= r.short_max THEN 'short' ELSE 'long' END AS kind,
           (gt - gf + 1 <= r.short_max) AS priced, r.wait, emp_b, emp_a, region_b, wage_b
    FROM gg JOIN rules r ON r.region = gg.region_b
    """)

    # ---- 5. price short / open-short gaps month by month --------------------------------------
    con.execute("""
    CREATE TABLE priced AS
    WITH mm AS (
      SELECT pid, gf, unnest(range(gf, gt + 1)) AS m, region_b, wage_b FROM gaps WHERE priced
    )
    SELECT pid, gf,
           sum((greatest(least(coalesce(wage_b, p.floor_c), p.cap_c), p.floor_c) * p.rate + 5000) // 10000 + p.fixed_c) AS cu
    FROM mm JOIN pol p ON p.region = mm.region_b AND p.m = mm.m
    GROUP BY pid, gf
    """)
    n_unpriced = con.execute("""SELECT count(*) FROM gaps g ANTI JOIN priced p USING (pid, gf) WHERE g.priced""").fetchone()[0]
    if n_unpriced:
        print(f"warning: {n_unpriced} short gaps fall in months no policy version covers", file=sys.stderr)

    con.execute("CREATE MACRO ym(m) AS printf('%04d-%02d', m // 12, m % 12 + 1)")
    con.execute("CREATE MACRO money(c) AS CASE WHEN c IS NULL THEN NULL ELSE printf('%d.%02d', c // 100, c % 100) END")
    # ---- 6. outputs ------------------------------------------------------------------------
    gaps_csv = os.path.join(a.outdir, "gaps.csv")
    con.execute(f"""
    COPY (
      SELECT g.pid AS person_id, ym(gf) AS from_month, ym(gt) AS to_month, months, kind,
             money(CASE WHEN priced THEN p.cu END) AS catch_up,
             CASE kind WHEN 'short' THEN 0 WHEN 'long' THEN wait END AS waiting_months,
             CASE kind WHEN 'short' THEN ym(gt + 1) || '-01' WHEN 'long' THEN ym(gt + 1 + wait) || '-01' END AS benefits_resume,
             emp_b AS employer_before, emp_a AS employer_after, region_b AS region
      FROM gaps g LEFT JOIN priced p USING (pid, gf)
      ORDER BY g.pid, gf
    ) TO '{gaps_csv}' (HEADER, DELIMITER ',')
    """)
    persons_csv = os.path.join(a.outdir, "persons.csv")
    con.execute(f"""
    COPY (
      WITH pi AS (
        SELECT pid, min(s) AS fc, max(e) AS lc, arg_max(retired_b, isl) AS ret, arg_max(region_b, isl) AS reg FROM islands GROUP BY pid
      ), pg AS (
        SELECT g.pid, count(*) AS n, sum(CASE WHEN NOT priced THEN 1 ELSE 0 END) AS nlong, max(months) AS mx,
               coalesce(sum(p.cu), 0) AS cu,
               max(CASE WHEN kind = 'open' THEN months END) AS open_m
        FROM gaps g LEFT JOIN priced p USING (pid, gf) GROUP BY g.pid
      )
      SELECT pi.pid AS person_id, ym(fc) AS first_covered_month, ym(lc) AS last_covered_month,
             CASE WHEN coalesce(ret, false) THEN 'retired' WHEN lc >= {asof_m} THEN 'covered'
                  WHEN open_m <= r.short_max THEN 'open_gap' ELSE 'lapsed' END AS status,
             coalesce(open_m, 0) AS open_months,
             coalesce(n, 0) AS gaps, coalesce(nlong, 0) AS long_gaps, coalesce(mx, 0) AS max_gap_months,
             money(coalesce(cu, 0)) AS catch_up_total
      FROM pi LEFT JOIN pg USING (pid)
      LEFT JOIN rules r ON r.region = pi.reg
      ORDER BY pi.pid
    ) TO '{persons_csv}' (HEADER, DELIMITER ',')
    """)
    n_persons = con.execute("SELECT count(DISTINCT pid) FROM islands").fetchone()[0]
    n_gaps = con.execute("SELECT count(*) FROM gaps").fetchone()[0]
    total = con.execute("SELECT money(coalesce(sum(cu),0)) FROM priced").fetchone()[0]
    print(f"rows read {rows_read}  valid {rows_read - n_rej}  rejected {n_rej} {dict(rej)}  "
          f"duplicates {n_dup}  future {n_future}")
    print(f"persons {n_persons}  gaps {n_gaps}  catch_up_total {total}  ({time.time() - t0:.2f} s)")


if __name__ == "__main__":
    main()
