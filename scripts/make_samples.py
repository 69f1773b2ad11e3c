"""The samples/ folder: small realistic exports a new user runs at once
(`medrecon run samples --as-of 2026-11-22 --out out`). Called by
make_fixtures.py. Four employers, four export styles:

- 2025年10月社保增减员表_华信科技.csv : GBK CSV, title line, event rows
- 增减员_瑞达咨询.xlsx                : .xlsx with 增员 and 减员 sheets
- 人员变动_鹏城物流.xls               : .xls (old HR system), event rows
- 花名册_穗安保洁.xlsx                : roster rows (入职日期/离职日期)
- 网报增减员_蓉城人力.xls             : "Excel 2003 XML" (SpreadsheetML) named .xls
- 增减员导出_津门外包.xls             : an HTML table named .xls, GBK (make_markup.py)
- ledger/实缴明细.csv                 : contribution ledger (--ledger)
- ui/失业金领取.csv                   : unemployment-benefit months (--ui)

Stories: short, long and open gaps, a retirement, a late stop filing, an
overlap, an orphan separation, a duplicate row, and deliberately bad rows
(bad checksum, 2025-02-30, an ID typed as a number).
"""
import csv
import datetime as dt
import io
import os
import random

import tomllib
from decimal import ROUND_HALF_UP, Decimal

import openpyxl
import xlwt

POLICY_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "schemas", "policies")


def load_packs():
    """Each pack's versions, every value inherited forward: [(from 'YYYY-MM', values)]."""
    packs = {}
    for region in ("beijing", "shanghai", "guangzhou", "shenzhen", "national"):
        with open(os.path.join(POLICY_DIR, region + ".toml"), "rb") as f:
            doc = tomllib.load(f)
        versions, current = [], {}
        for v in doc.get("money", doc.get("versions", [])):
            for k, val in v.items():
                if isinstance(val, dict) and "value" in val:
                    current[k] = val["value"]
            versions.append((v["from"], dict(current)))
        packs[region] = versions
    return packs


def due_for(versions, month, wage):
    """round_half_up(clamp(wage, floor, cap) x (employer + employee rate), 2) + fixed_monthly."""
    ym = month.strftime("%Y-%m")
    values = [vals for start, vals in versions if start <= ym][-1]
    if "floor" in values:
        floor, cap = Decimal(values["floor"]), Decimal(values["cap"])
    else:
        avg = Decimal(values["avg_wage"])
        floor, cap = avg * Decimal("0.6"), avg * 3
    base = min(max(Decimal(wage), floor), cap)
    rate = Decimal(values["employer_rate"]) + Decimal(values["employee_rate"])
    due = (base * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return due + Decimal(values.get("fixed_monthly", "0"))

HUAXIN = "91110105MA01R8XK3U"   # 北京华信科技有限公司
RUIDA = "91310104MA1FL5QX2B"    # 上海瑞达咨询有限公司
PENGCHENG = "91440300MA5G7HK9XN"  # 深圳鹏城物流有限公司
SUIAN = "GZ0042"                # 广州穗安保洁服务部 (short code)
REGION_OF = {HUAXIN: "beijing", RUIDA: "shanghai", PENGCHENG: "shenzhen", SUIAN: "guangzhou"}


def region_for(p, employer):
    """The 参保地 of a spell: the employer's city; some 穗安 staff are left blank
    in the roster, so they fall to the default region (national)."""
    if employer == SUIAN and p % 3 == 0:
        return "national"
    return REGION_OF[employer]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁"
GIVEN = ["伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
         "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "晓东", "思远", "雨欣", "子涵"]
AREAS = {"beijing": "110105", "shanghai": "310104", "guangzhou": "440106", "shenzhen": "440305",
         "national": "320102"}


def D(s):
    return dt.date.fromisoformat(s) if s else None


def write_samples(out_dir, make_id, upgrade15):
    rnd = random.Random(20251122)
    os.makedirs(os.path.join(out_dir, "ledger"), exist_ok=True)
    os.makedirs(os.path.join(out_dir, "ui"), exist_ok=True)

    persons = []
    for i in range(36):
        home = ["beijing", "shanghai", "shenzhen", "guangzhou", "national"][i % 5]
        birth = dt.date(1962 + rnd.randrange(38), 1 + rnd.randrange(12), 1 + rnd.randrange(28))
        pid = make_id(AREAS[home], birth.strftime("%Y%m%d"), 100 + i)
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]
        # Skewed wages; two below the local floor, one above a cap.
        wage = str(rnd.choice([7500, 7800, 8000, 8000, 9500, 11000, 12500, 15800, 22000]))
        if i in (12, 25):
            wage = "4800"
        if i == 13:
            wage = "42000"
        persons.append((pid, name, None, wage))

    # spell: (person index, employer, hire, separation, reason, filed)
    spells = [
        # short gap: 华信 → 瑞达, gap 2025-04..05
        (0, HUAXIN, "2024-03-10", "2025-03-20", "", "2025-03-25"),
        (0, RUIDA, "2025-06-05", "", "", ""),
        # long gap: 华信 → 鹏城, gap 2025-06..09
        (1, HUAXIN, "2024-01-08", "2025-05-15", "", "2025-05-20"),
        (1, PENGCHENG, "2025-10-08", "", "", ""),
        # open gap within the limit at as-of 2026-11-22: stop month 2026-10
        (2, RUIDA, "2024-07-01", "2026-09-10", "", "2026-09-15"),
        # open gap past the limit
        (3, PENGCHENG, "2024-02-19", "2026-02-28", "", "2026-03-05"),
        # retirement
        (4, HUAXIN, "2024-01-02", "2026-03-31", "退休", "2026-04-02"),
        # late stop filing: deadline 2025-09-15, filed 2025-10-10
        (5, RUIDA, "2024-04-15", "2025-08-31", "", "2025-10-10"),
        # overlap: 华信 open while 穗安 2025-06..09
        (6, HUAXIN, "2025-01-01", "", "", ""),
        (6, SUIAN, "2025-06-01", "2025-09-30", "", ""),
        # orphan separation (no hire in any file)
        (7, PENGCHENG, "", "2025-04-30", "", "2025-05-08"),
        # short gap across employers, 1 month
        (8, SUIAN, "2024-05-06", "2025-10-31", "", ""),
        (8, HUAXIN, "2025-12-01", "", "", ""),
        # 3-month short gap across the July base switch
        (9, RUIDA, "2024-02-01", "2025-05-20", "", "2025-05-28"),
        (9, PENGCHENG, "2025-09-01", "", "", ""),
        # long gap with unemployment benefit months inside it (see ui/)
        (10, HUAXIN, "2024-06-03", "2025-01-10", "", "2025-01-20"),
        (10, SUIAN, "2025-08-18", "", "", ""),
    ]
    employers = [HUAXIN, RUIDA, PENGCHENG, SUIAN]
    for p in range(11, 36):
        emp = employers[p % 4]
        hire = dt.date(2024, 1, 1) + dt.timedelta(days=rnd.randrange(600))
        sep = ""
        if rnd.random() < 0.2:
            s = hire + dt.timedelta(days=90 + rnd.randrange(400))
            if s <= dt.date(2026, 10, 31):
                sep = s.isoformat()
        filed = ""
        if sep:
            filed = (D(sep) + dt.timedelta(days=rnd.randrange(3, 14))).isoformat()
        spells.append((p, emp, hire.isoformat(), sep, "", filed))

    def rows_for(emp):
        out = []
        for p, e, hire, sep, reason, filed in spells:
            if e != emp:
                continue
            pid, name, _, wage = persons[p]
            region = REGION_OF[e]
            if hire:
                out.append((pid, name, "hire", hire, region, wage, "", ""))
            if sep:
                out.append((pid, name, "sep", sep, region, wage, reason, filed))
        out.sort(key=lambda r: (r[3], r[0]))
        return out

    # -- 华信: GBK CSV with a title line -------------------------------------
    buf = io.StringIO()
    buf.write("北京华信科技有限公司2025年10月社保增减员表\n\n")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["序号", "姓名", "身份证号", "单位编号", "变动类型", "变动日期", "参保地", "缴费基数(元)", "离职原因", "办理日期"])
    n = 0
    rows = rows_for(HUAXIN)
    for pid, name, kind, date, region, wage, reason, filed in rows:
        n += 1
        d = D(date)
        written_date = date if n % 3 else f"{d.year}/{d.month}/{d.day}"
        w.writerow([n, name, pid, HUAXIN, "增员" if kind == "hire" else "减员", written_date, "北京" if region == "beijing" else region,
                    f"{int(wage):,}.00", reason, filed])
    # deliberately bad rows: a wrong check character, a date that does not exist
    pid, name, region, wage = persons[20]
    wrong = pid[:17] + ("1" if pid[17] != "1" else "2")
    w.writerow([n + 1, name, wrong, HUAXIN, "增员", "2025-03-02", "beijing", "8,000.00", "", ""])
    w.writerow([n + 2, persons[21][1], persons[21][0], HUAXIN, "增员", "2025-02-30", "beijing", "8000", "", ""])
    # the first row again: an exact duplicate, collapsed and counted
    pid, name, kind, date, region, wage, reason, filed = rows[0]
    w.writerow([n + 3, name, pid, HUAXIN, "增员" if kind == "hire" else "减员", date, "北京" if region == "beijing" else region,
                f"{int(wage):,}.00", reason, filed])
    with open(os.path.join(out_dir, "2025年10月社保增减员表_华信科技.csv"), "wb") as f:
        f.write(buf.getvalue().encode("gbk"))

    # -- 瑞达: xlsx with 增员 and 减员 sheets -----------------------------------
    wb = openpyxl.Workbook()
    hires = wb.active
    hires.title = "增员"
    seps = wb.create_sheet("减员")
    for ws, title in ((hires, "上海瑞达咨询有限公司 增员名单"), (seps, "上海瑞达咨询有限公司 减员名单")):
        ws["A1"] = title
        ws.merge_cells("A1:H1")
        ws.append(["姓名", "身份证号码", "统一社会信用代码", "增减员类型", "变动日期", "参保城市", "缴费工资", "减员原因", "减员日期"])
    for pid, name, kind, date, region, wage, reason, filed in rows_for(RUIDA):
        ws = hires if kind == "hire" else seps
        ws.append([name, pid, RUIDA, "增员" if kind == "hire" else "减员", D(date), region, int(wage), reason or None, D(filed)])
        ws.cell(ws.max_row, 5).number_format = "yyyy-mm-dd"
        ws.cell(ws.max_row, 9).number_format = "yyyy-mm-dd"
    # deliberately bad: an ID typed as a number (Excel kept 15 significant digits)
    pid, name, region, wage = persons[22]
    hires.append([name, float(pid[:17] + "0"), RUIDA, "增员", dt.date(2025, 7, 1), "shanghai", int(wage), None, None])
    hires.cell(hires.max_row, 5).number_format = "yyyy-mm-dd"
    wb.save(os.path.join(out_dir, "增减员_瑞达咨询.xlsx"))

    # -- 鹏城: .xls from an old HR system ------------------------------------
    xb = xlwt.Workbook(encoding="utf-8")
    ws = xb.add_sheet("人员变动")
    datefmt = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(0, 0, "深圳鹏城物流有限公司 人员变动明细")
    for c, h in enumerate(["姓名", "证件号码", "单位编号", "变动类型", "变动日期", "参保地", "缴费基数", "变动原因", "办理日期"]):
        ws.write(1, c, h)
    for r, (pid, name, kind, date, region, wage, reason, filed) in enumerate(rows_for(PENGCHENG), start=2):
        ws.write(r, 0, name)
        ws.write(r, 1, pid)
        ws.write(r, 2, PENGCHENG)
        ws.write(r, 3, "入职" if kind == "hire" else "离职")
        ws.write(r, 4, D(date), datefmt)
        ws.write(r, 5, "深圳市" if region == "shenzhen" else region)
        ws.write(r, 6, float(wage))
        ws.write(r, 7, reason)
        if filed:
            ws.write(r, 8, D(filed), datefmt)
    xb.save(os.path.join(out_dir, "人员变动_鹏城物流.xls"))

    # -- 穗安: roster rows -----------------------------------------------------
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["广州穗安保洁服务部 员工花名册"])
    ws.append(["姓名", "身份证号", "单位编号", "入职日期", "离职日期", "参保地", "月工资", "离职原因", "办理日期"])
    for p, e, hire, sep, reason, filed in spells:
        if e != SUIAN:
            continue
        pid, name, _, wage = persons[p]
        region = region_for(p, e)
        written_region = {"guangzhou": "广州", "national": None}[region]
        ws.append([name, pid, SUIAN, D(hire), D(sep), written_region, int(wage), reason or None, D(filed)])
        for c in (4, 5, 9):
            ws.cell(ws.max_row, c).number_format = "yyyy/m/d"
    wb.save(os.path.join(out_dir, "花名册_穗安保洁.xlsx"))

    # -- ledger: what was paid (费款所属期). Each month pays exactly what the
    # region's policy pack says is due, except planted misses and shortfalls.
    packs = load_packs()
    lrows = []
    missing = {(0, "2025-02"), (8, "2026-03"), (8, "2026-04"), (17, "2025-09"), (30, "2026-10")}
    short = {(1, "2024-12"): 300, (9, "2025-01"): 150.5, (20, "2026-06"): 1000, (26, "2025-12"): 88}
    for p, e, hire, sep, reason, filed in spells:
        pid, name, _, wage = persons[p]
        region = region_for(p, e)
        # The orphan separation's hire predates the exports; the employer paid
        # from the first month of the batch (2024-01) on.
        start = D(hire).replace(day=1) if hire else dt.date(2024, 1, 1)
        end = D(sep).replace(day=1) if sep else dt.date(2026, 10, 1)
        m = start
        while m <= end and m <= dt.date(2026, 10, 1):
            key = (p, m.strftime("%Y-%m"))
            if key not in missing:
                amount = due_for(packs[region], m, int(wage)) - Decimal(str(short.get(key, 0)))
                # Paid within the month (by the 25th), one employer's 2025-05 run late.
                paid = m.replace(day=10 + rnd.randrange(0, 16))
                if e == PENGCHENG and m == dt.date(2025, 5, 1):
                    paid = dt.date(2025, 6, 20)
                lrows.append([pid, e, m.strftime("%Y%m"), f"{amount:.2f}", paid.isoformat()])
            m = (m + dt.timedelta(days=32)).replace(day=1)
    # A month paid in two rows (补缴 split): 600 + the rest, summing to what is due.
    split_key = next(r for r in lrows if r[0] == persons[11][0])
    rest = Decimal(split_key[3]) - 600
    split_key[3] = "600.00"
    lrows.append([split_key[0], split_key[1], split_key[2], f"{rest:.2f}", split_key[4]])
    # A payment for a month after the spell ended (person 5 left 瑞达 2025-08-31): OVERPAID.
    lrows.append([persons[5][0], RUIDA, "202510", "1140.00", "2025-10-20"])
    lrows.sort()
    with open(os.path.join(out_dir, "ledger", "实缴明细.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["身份证号", "单位编号", "费款所属期", "实缴金额", "缴费日期"])
        w.writerows(lrows)

    # -- two clients from web back offices: SpreadsheetML and HTML `.xls` -----
    import make_markup  # noqa: E402  (same folder; standard library only)
    make_markup.write_sample_markup(out_dir, make_id, due_for, packs)
    make_markup.write_sample_declaration(out_dir, make_id, due_for, packs)

    write_november(out_dir, make_id)

    # -- unemployment-benefit months ------------------------------------------
    with open(os.path.join(out_dir, "ui", "失业金领取.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["身份证号", "起始月份", "终止月份"])
        w.writerow([persons[10][0], "2025-02", "2025-07"])


# Eight 华信 staff whose November 2026 export and payments change their
# reports between 2026-10-31 and 2026-11-22 (`--since 2026-10-31`): each
# story is one kind of change. Wage 10000: Beijing's 2025-07 base year
# prices a month at round(10000 x 11.8%) + 3 = 1183.00; from 2026-07 no
# notice was read, so those months are unpriced.
NOVEMBER = [
    # (seq, birth, name, events [(kind, date, filed)], ledger {month: (amount, paid)} overrides, paid through)
    (136, "19900115", "周子涵", [("hire", "2025-09-01", "2025-09-03"), ("sep", "2026-10-20", "2026-11-03")], {}, "2026-10"),
    (137, "19880302", "吴思远", [("hire", "2025-09-01", "2025-09-03"), ("sep", "2026-10-09", "2026-11-10")], {}, "2026-10"),
    (138, "19920611", "郑雨欣", [("hire", "2025-09-01", "2025-09-03"), ("sep", "2026-08-20", "2026-08-25"),
                                 ("hire", "2026-11-02", "2026-11-04")], {}, "2026-08"),
    (139, "19850920", "孙建华", [("hire", "2025-09-01", "2025-09-03"), ("sep", "2026-07-15", "2026-07-20")], {}, "2026-07"),
    (140, "19950427", "马晓东", [("hire", "2026-05-06", "2026-11-06")], {}, None),
    (141, "19870808", "胡秀兰", [("hire", "2025-09-01", "2025-09-03")], {"2026-04": ("1183.00", "2026-11-12")}, "2026-10"),
    (142, "19930112", "朱明", [("hire", "2025-09-01", "2025-09-03")], {"2026-05": ("600.00", "2026-11-05")}, "2026-10"),
    (143, "19800530", "高洋", [("hire", "2025-09-01", "2025-09-03"), ("sep", "2026-05-15", "2026-05-20"),
                               ("hire", "2026-11-03", "2026-11-05")], {}, "2026-05"),
]


def write_november(out_dir, make_id):
    """samples/2026年11月社保增减员表_华信科技.csv (GBK, like 华信's October file)
    and samples/ledger/实缴明细_华信_2026年11月.csv. Alone:
    python3 scripts/make_samples.py november"""
    buf = io.StringIO()
    buf.write("北京华信科技有限公司2026年11月社保增减员表\n\n")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["序号", "姓名", "身份证号", "单位编号", "变动类型", "变动日期", "参保地", "缴费基数(元)", "离职原因", "办理日期"])
    ledger = []
    n = 0
    for seq, birth, name, events, overrides, through in NOVEMBER:
        pid = make_id("110105", birth, seq)
        for kind, date, filed in events:
            n += 1
            w.writerow([n, name, pid, HUAXIN, "增员" if kind == "hire" else "减员", date, "北京", "10,000.00", "", filed])
        if through is None:
            continue
        m = dt.date(2025, 9, 1)
        end = dt.date.fromisoformat(through + "-01")
        while m <= end:
            ym = m.strftime("%Y-%m")
            amount, paid = overrides.get(ym, ("1183.00", m.replace(day=12).isoformat()))
            ledger.append([pid, HUAXIN, m.strftime("%Y%m"), amount, paid])
            m = (m + dt.timedelta(days=32)).replace(day=1)
    with open(os.path.join(out_dir, "2026年11月社保增减员表_华信科技.csv"), "wb") as f:
        f.write(buf.getvalue().encode("gbk"))
    with open(os.path.join(out_dir, "ledger", "实缴明细_华信_2026年11月.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["身份证号", "单位编号", "费款所属期", "实缴金额", "缴费日期"])
        w.writerows(sorted(ledger))


if __name__ == "__main__":
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    if sys.argv[1:] == ["november"]:
        from make_fixtures import make_id  # noqa: E402
        write_november(os.path.join(os.path.dirname(POLICY_DIR), "..", "samples"), make_id)
    else:
        sys.exit("usage: python3 scripts/make_samples.py november  (the rest: scripts/make_fixtures.py)")
