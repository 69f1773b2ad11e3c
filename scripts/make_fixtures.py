#!/usr/bin/env python3
"""Writes the ingest test fixtures (tests/fixtures/) and the samples (samples/)
with REAL writers: Python's GBK codec, openpyxl (.xlsx, incl. the 1904 date
system), xlwt (.xls), odfpy (.ods). Deterministic: run it again, get the same
content. Usage: python3 scripts/make_fixtures.py   (from the crate root)
"""
import csv
import datetime as dt
import io
import os
import random

import openpyxl
import openpyxl.utils.datetime as xldt
import xlwt
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "tests", "fixtures")
SAMPLES = os.path.join(ROOT, "samples")

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def check_char(first17):
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def make_id(area, birth, seq):
    first17 = f"{area}{birth}{seq:03d}"
    return first17 + check_char(first17)


def upgrade15(id15):
    first17 = id15[:6] + "19" + id15[6:]
    return first17 + check_char(first17)


def D(s):
    return dt.date.fromisoformat(s) if s else None


# ---------------------------------------------------------------------------
# THE SAME EVENTS, written five ways (tests/ingest_formats.rs compares them)
# ---------------------------------------------------------------------------
# One spell per row: id, name, employer, hire, separation, region, wage, reason, filed
OLD15 = "110105710923003"  # 15-digit ID, upgraded to 18 by the reader
SPELLS = [
    (make_id("110105", "19850312", 123), "张伟", "E1", "2025-01-06", "2025-03-20", "beijing", "8000", "", ""),
    (make_id("310104", "19900701", 456), "李娜", "E1", "2024-11-01", "", "shanghai", "12000.50", "", ""),
    (make_id("440106", "19650220", 78), "王芳", "E2", "2024-05-15", "2025-06-30", "guangzhou", "6500", "退休", "2025-07-10"),
    (make_id("440305", "19921111", 9), "刘洋", "E2", "2025-02-10", "2025-08-31", "shenzhen", "", "个人原因", "2025-09-20"),
    (make_id("320102", "19880808", 321), "陈静", "E1", "2025-04-01", "", "", "9000", "", ""),
    (OLD15, "杨磊", "E2", "2024-09-09", "2025-01-15", "beijing", "7000", "", ""),
]
# The last spell's ID is written lower-case x where it has one (none here), and
# as a 15-digit ID in the event files; the roster writes it upgraded.


def event_rows():
    """Event-row view of SPELLS: (id, name, emp, kind, date, region, wage, reason, filed)."""
    rows = []
    for sid, name, emp, hire, sep, region, wage, reason, filed in SPELLS:
        rows.append((sid, name, emp, "hire", hire, region, wage, "", ""))
        if sep:
            rows.append((sid, name, emp, "sep", sep, region, wage, reason, filed))
    return rows


ZH_KIND = {"hire": "增员", "sep": "减员"}


def date_variants(iso, i):
    """The same date in the text formats SPEC §2.1 lists, rotating."""
    d = D(iso)
    forms = [
        iso,
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}{d.month:02d}{d.day:02d}",
        f"{d.year}年{d.month}月{d.day}日",
    ]
    return forms[i % len(forms)]


def money_variants(w, i):
    if not w:
        return ""
    v = float(w)
    forms = [w, f"{v:,.2f}", f"￥{w}", f"{w}元", w.translate(str.maketrans("0123456789.", "０１２３４５６７８９．"))]
    return forms[i % len(forms)]


def write_same_gbk_csv(path):
    out = io.StringIO()
    out.write("XX公司2025年10月社保增减员表,,,,,,,,\n")
    out.write("\n")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["姓名", "身份证号", "单位编号", "变动类型", "变动日期", "参保地", "缴费基数(元)", "离职原因", "办理日期"])
    for i, (sid, name, emp, kind, date, region, wage, reason, filed) in enumerate(event_rows()):
        w.writerow([f" {name}　", sid, emp, ZH_KIND[kind], date_variants(date, i), region,
                    money_variants(wage, i), reason, filed])
    with open(path, "wb") as f:
        f.write(out.getvalue().encode("gbk"))


def write_same_bom_tsv(path):
    out = io.StringIO()
    w = csv.writer(out, delimiter="\t", lineterminator="\n")
    w.writerow(["person_id", "name", "employer_id", "event", "date", "region", "wage", "reason", "filed_date", "备注"])
    for i, (sid, name, emp, kind, date, region, wage, reason, filed) in enumerate(event_rows()):
        note = "第一行\n第二行" if i == 2 else ""
        w.writerow([sid, name, emp, "hire" if kind == "hire" else "leave", date, region, wage, reason, filed, note])
    with open(path, "wb") as f:
        f.write(b"\xef\xbb\xbf" + out.getvalue().encode("utf-8"))


def write_same_xlsx_two_sheets(path):
    wb = openpyxl.Workbook()
    hires = wb.active
    hires.title = "增员"
    seps = wb.create_sheet("减员")
    notes = wb.create_sheet("说明")
    notes["A1"] = "本表由人事系统导出"
    for ws, title in ((hires, "2025年增员名单"), (seps, "2025年减员名单")):
        ws["A1"] = title
        ws.merge_cells("A1:I1")
        ws.append(["姓名", "身份证号码", "单位代码", "增减员类型", "日期", "参保城市", "缴费工资", "减员原因", "减员日期"])
    for (sid, name, emp, kind, date, region, wage, reason, filed) in event_rows():
        ws = hires if kind == "hire" else seps
        ws.append([name, sid, emp, ZH_KIND[kind], D(date), region or None,
                   (float(wage) if wage else None), reason or None, D(filed)])
        r = ws.max_row
        ws.cell(r, 5).number_format = "yyyy-mm-dd"
        ws.cell(r, 9).number_format = "yyyy-mm-dd"
    wb.save(path)


def write_same_roster_1904(path):
    wb = openpyxl.Workbook()
    wb.epoch = xldt.CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "花名册"
    ws.append(["员工花名册"])
    ws.append([])
    ws.append(["姓名", "公民身份号码", "单位编号", "入职日期", "离职日期", "统筹区", "月工资", "离职原因", "办理日期"])
    for sid, name, emp, hire, sep, region, wage, reason, filed in SPELLS:
        sid18 = upgrade15(sid) if len(sid) == 15 else sid
        ws.append([name, sid18, emp, D(hire), D(sep), region or None,
                   (float(wage) if wage else None), reason or None, D(filed)])
        r = ws.max_row
        for c in (4, 5, 9):
            ws.cell(r, c).number_format = "yyyy/m/d"
    wb.save(path)


def write_same_xls(path):
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("变动")
    datefmt = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(0, 0, "人员变动表")
    headers = ["姓名", "证件号码", "单位编号", "变动类型", "变动日期", "参保地", "缴费基数", "变动原因", "办理日期"]
    for c, h in enumerate(headers):
        ws.write(1, c, h)
    for r, (sid, name, emp, kind, date, region, wage, reason, filed) in enumerate(event_rows(), start=2):
        ws.write(r, 0, name)
        ws.write(r, 1, sid)  # text cell
        ws.write(r, 2, emp)
        ws.write(r, 3, "入职" if kind == "hire" else "离职")
        ws.write(r, 4, D(date), datefmt)
        ws.write(r, 5, region)
        if wage:
            ws.write(r, 6, float(wage))
        ws.write(r, 7, reason)
        if filed:
            ws.write(r, 8, D(filed), datefmt)
    wb.save(path)


def ods_cell(value):
    if value is None or value == "":
        return TableCell()
    if isinstance(value, dt.date):
        c = TableCell(valuetype="date", datevalue=value.isoformat())
        c.addElement(P(text=value.isoformat()))
        return c
    if isinstance(value, float):
        c = TableCell(valuetype="float", value=value)
        c.addElement(P(text=str(value)))
        return c
    c = TableCell(valuetype="string")
    c.addElement(P(text=str(value)))
    return c


def write_same_ods(path):
    doc = OpenDocumentSpreadsheet()
    t = Table(name="变动")
    rows = [["姓名", "身份证号", "单位编号", "变动类型", "变动日期", "参保地", "缴费基数", "离职原因", "办理日期"]]
    for sid, name, emp, kind, date, region, wage, reason, filed in event_rows():
        rows.append([name, sid, emp, ZH_KIND[kind], D(date), region, float(wage) if wage else None, reason, D(filed)])
    for row in rows:
        tr = TableRow()
        for v in row:
            tr.addElement(ods_cell(v))
        t.addElement(tr)
    doc.spreadsheet.addElement(t)
    doc.save(path)


# ---------------------------------------------------------------------------
# Malformations, one per row, each test asserting code and location
# ---------------------------------------------------------------------------
GOOD = make_id("110105", "19850312", 123)


def write_bad_rows_csv(path):
    bad_checksum = GOOD[:17] + ("0" if GOOD[17] != "0" else "1")
    lines = [
        "身份证号,姓名,变动类型,变动日期,参保地,缴费基数",        # 1 header
        f"{GOOD},张伟,入职,2025-03-05,beijing,8000",                # 2 ok
        f"{bad_checksum},张伟,入职,2025-03-05,beijing,8000",        # 3 ID_CHECKSUM
        "11010519850312,张伟,入职,2025-03-05,beijing,8000",          # 4 BAD_ID (length)
        "1.10105E+17,张伟,入职,2025-03-05,beijing,8000",             # 5 ID_LOST_DIGITS
        f"{GOOD},张伟,入职,2025-02-30,beijing,8000",                # 6 BAD_DATE
        f"{GOOD},张伟,入职,03/05/2025,beijing,8000",                # 7 AMBIGUOUS_DATE
        f"{GOOD},张伟,调岗,2025-03-05,beijing,8000",                # 8 BAD_EVENT
        f"{GOOD},张伟,入职,2025-03-06,beijing,-500",                # 9 BAD_MONEY
        f"{GOOD},张伟,入职,2025-03-07,火星,8000",                   # 10 UNKNOWN_REGION
        f"{GOOD},张伟,入职,,beijing,8000",                          # 11 MISSING_VALUE
        f"{GOOD},张伟,入职,2025-03-08",                             # 12 BAD_ROW (ragged)
        "",                                                         # 13 blank: not a row
        f"{GOOD},张伟,入职,2025-03-05,beijing,8000",                # 14 duplicate of 2
        f",张伟,入职,2025-03-05,beijing,8000",                      # 15 MISSING_VALUE (ID)
        f"{GOOD},张伟,入职,2025-03-09,beijing,八千",                 # 16 BAD_MONEY
        f"{GOOD},张伟,入职,5/3/25,beijing,8000",                    # 17 AMBIGUOUS_DATE
    ]
    with open(path, "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def write_roster_order_csv(path):
    lines = [
        "身份证号,入职日期,离职日期",
        f"{GOOD},2025-05-01,2025-03-31",   # 2 DATE_ORDER
        f"{GOOD},2025-01-01,",             # 3 ok, still employed
        f"{GOOD},,2025-03-31",             # 4 MISSING_VALUE hire date
    ]
    with open(path, "wb") as f:
        f.write(("\n".join(lines) + "\n").encode("utf-8"))


def write_bad_cells_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "增员"
    ws["C3"] = "身份证号"   # range starts at row 3, column C
    ws["D3"] = "变动类型"
    ws["E3"] = "变动日期"
    ws["C4"] = float(GOOD[:17] + "0")   # ID typed as a number: digits lost -> ID_LOST_DIGITS
    ws["D4"] = "入职"
    ws["E4"] = dt.date(2025, 3, 5)
    ws["C5"] = GOOD
    ws["D5"] = "入职"
    ws["E5"] = 45721                   # serial number without a date format = 2025-03-05
    ws["C6"] = GOOD
    ws["D6"] = "离职"
    ws["E6"] = "2025-02-30"            # BAD_DATE
    other = wb.create_sheet("汇总")
    other["A1"] = "合计"
    other["B1"] = 3
    wb.save(path)


def write_no_sheet_qualifies_xlsx(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名单"
    ws.append(["姓名", "身份证号", "备注"])
    ws.append(["张伟", GOOD, "x"])
    wb.save(path)


def write_excel2003_xml(path):
    xml = """<?xml version="1.0"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">
 <Worksheet ss:Name="Sheet1">
  <Table>
   <Row><Cell><Data ss:Type="String">身份证号</Data></Cell><Cell><Data ss:Type="String">变动类型</Data></Cell></Row>
  </Table>
 </Worksheet>
</Workbook>
"""
    with open(path, "wb") as f:
        f.write(xml.encode("utf-8"))


def write_html_xls(path):
    html = """<html><head><meta charset="gbk"></head><body>
<table border="1"><tr><td>身份证号</td><td>变动类型</td><td>变动日期</td></tr>
<tr><td>%s</td><td>入职</td><td>2025-03-05</td></tr></table></body></html>
""" % GOOD
    with open(path, "wb") as f:
        f.write(html.encode("gbk"))


def write_semicolon_gbk(path):
    text = "身份证号;变动类型;变动日期;缴费基数\n%s;增员;2025-03-05;\"8,000.00\"\n" % GOOD
    with open(path, "wb") as f:
        f.write(text.encode("gbk"))


def write_invalid_gbk(path):
    with open(path, "wb") as f:
        f.write("身份证号,变动类型,变动日期\n".encode("gbk") + b"\xff\xfe\xfd,\x81\x20,2025\n")


FIXED_TIME = (2025, 10, 31, 9, 0, 0)


def make_reproducible(path):
    """Rewrites a zip-based workbook (.xlsx/.ods) with fixed entry times and
    fixed document dates, so that re-running this script gives the same bytes."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info.filename)) for info in z.infolist()]
    with zipfile.ZipFile(path, "w") as z:
        for info, data in entries:
            if info.filename in ("docProps/core.xml", "meta.xml"):
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2025-10-31T09:00:00Z", data)
                data = re.sub(rb"(<meta:creation-date>|<dc:date>)[^<]*", rb"\g<1>2025-10-31T09:00:00", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            z.writestr(fixed, data)


def write_fixtures():
    os.makedirs(FIX, exist_ok=True)
    write_same_gbk_csv(os.path.join(FIX, "same_gbk.csv"))
    write_same_bom_tsv(os.path.join(FIX, "same_bom.tsv"))
    write_same_xlsx_two_sheets(os.path.join(FIX, "same_two_sheets.xlsx"))
    write_same_roster_1904(os.path.join(FIX, "same_roster_1904.xlsx"))
    write_same_xls(os.path.join(FIX, "same.xls"))
    write_same_ods(os.path.join(FIX, "same.ods"))
    write_bad_rows_csv(os.path.join(FIX, "bad_rows.csv"))
    write_roster_order_csv(os.path.join(FIX, "roster_order.csv"))
    write_bad_cells_xlsx(os.path.join(FIX, "bad_cells.xlsx"))
    write_no_sheet_qualifies_xlsx(os.path.join(FIX, "no_required_sheet.xlsx"))
    write_excel2003_xml(os.path.join(FIX, "excel2003_xml.xls"))
    write_html_xls(os.path.join(FIX, "html_table.xls"))
    write_semicolon_gbk(os.path.join(FIX, "semicolon_gbk.csv"))
    import make_markup  # noqa: E402  (same folder; standard library only)
    make_markup.write_fixture_markup(FIX, event_rows(), ZH_KIND, date_variants)
    write_invalid_gbk(os.path.join(FIX, "invalid_bytes.csv"))
    for name in os.listdir(FIX):
        if name.endswith((".xlsx", ".ods")):
            make_reproducible(os.path.join(FIX, name))


if __name__ == "__main__":
    write_fixtures()
    import make_samples  # noqa: E402  (same folder)
    make_samples.write_samples(SAMPLES, make_id, upgrade15)
    for name in os.listdir(SAMPLES):
        if name.endswith((".xlsx", ".ods")):
            make_reproducible(os.path.join(SAMPLES, name))
