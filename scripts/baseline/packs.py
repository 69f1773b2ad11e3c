"""The policy packs (schemas/policies/*.toml) as month-by-month rows, shared
by the two baseline scripts."""
import os
import tomllib

# The policy packs shipped with medrecon (scripts/baseline/../../schemas/policies).
POLICY_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas", "policies")


def dec4(s):  # "0.0635" -> 635 (units of 1e-4), exact
    return int(round(float(s) * 10000))


def cents(s):  # "6821" / "9502.42" -> cents, exact for <= 2 decimals
    whole, _, frac = str(s).partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def load_policies(pdir, last_month):
    """One row per (region, month index) with the parameters in force; plus an alias table."""
    months, aliases = [], []
    for fn in sorted(os.listdir(pdir)):
        if not fn.endswith(".toml"):
            continue
        with open(os.path.join(pdir, fn), "rb") as f:
            p = tomllib.load(f)
        code = p["code"]
        names = {code, p["name"], p["name"].removesuffix("市"), p["division"], *p.get("aliases", [])}
        aliases += [(n, code) for n in names]
        cur = {}
        vers = p["versions"]
        for i, v in enumerate(vers):
            cur.update({k: (x["value"] if isinstance(x, dict) else x) for k, x in v.items()})
            y, m = map(int, v["from"].split("-"))
            start = y * 12 + m - 1
            if i + 1 < len(vers):
                y2, m2 = map(int, vers[i + 1]["from"].split("-"))
                end = y2 * 12 + m2 - 2
            elif "to" in v:
                y2, m2 = map(int, v["to"].split("-"))
                end = y2 * 12 + m2 - 1
            else:
                end = last_month
            if "avg_wage" in cur and "floor" not in v:  # national: 60% / 300% of avg wage, half-up to fen
                a = cents(cur["avg_wage"])
                floor_c, cap_c = (a * 60 + 50) // 100, a * 3
            else:
                floor_c, cap_c = cents(cur["floor"]), cents(cur["cap"])
            rate = dec4(cur["flexible_rate"]) if "flexible_rate" in cur else dec4(cur["employer_rate"]) + dec4(cur["employee_rate"])
            for mi in range(start, end + 1):
                months.append((code, mi, floor_c, cap_c, rate, cents(cur.get("fixed_monthly", "0")),
                               int(cur.get("short_gap_max_months", 3)), int(cur.get("long_gap_wait_months", 6)),
                               bool(cur.get("separation_month_paid", True)), int(cur.get("hire_cutoff_day", 99))))
    return months, aliases
