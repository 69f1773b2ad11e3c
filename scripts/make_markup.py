#!/usr/bin/env python3
"""Spreadsheets as web back offices write them and name `.xls` (REAL_FORMATS.md §1):
"Excel 2003 XML" (SpreadsheetML, as a FreeMarker template renders it) and HTML
tables (as a JSP page renders them), UTF-8 or GBK. Standard library only: no
real writer exists here (WPS and Excel are not available), so these follow the
templates: a title row merged with ss:MergeAcross / colspan, dates as
ss:Type="String", wages as ss:Type="Number", ss:Index to skip empty cells, a
wrong ss:ExpandedRowCount, &nbsp; and &amp; entities.

Used by make_fixtures.py (tests/fixtures/same_*.xls) and make_samples.py
(samples/). Run alone: python3 scripts/make_markup.py  (writes these fixtures and samples,
leaving the others as they are).
"""
import datetime as dt
import os
from xml.sax.saxutils import escape

HEADERS = ["姓名", "身份证号", "单位编号", "变动类型", "变动日期", "参保地", "缴费基数(元)", "离职原因", "办理日期"]


def spreadsheetml(title, sheets):
    """sheets: [(name, headers, rows)]; a row is a list of values: str (String),
    float/int (Number), ("date", "YYYY-MM-DD") (DateTime), None (skipped with ss:Index)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<?mso-application progid="Excel.Sheet"?>',
           '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"',
           ' xmlns:o="urn:schemas-microsoft-com:office:office"',
           ' xmlns:x="urn:schemas-microsoft-com:office:excel"',
           ' xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"',
           ' xmlns:html="http://www.w3.org/TR/REC-html40">',
           ' <DocumentProperties xmlns="urn:schemas-microsoft-com:office:office"><Author>admin</Author></DocumentProperties>',
           ' <Styles><Style ss:ID="title"><Font ss:Bold="1" ss:Size="14"/></Style></Styles>']
    for name, headers, rows in sheets:
        out.append(f' <Worksheet ss:Name="{escape(name)}">')
        # The template hard-codes the row count: wrong as soon as rows vary.
        out.append(f'  <Table ss:ExpandedColumnCount="{len(headers)}" ss:ExpandedRowCount="3" x:FullColumns="1" x:FullRows="1">')
        if title:
            out.append(f'   <Row ss:Height="24"><Cell ss:MergeAcross="{len(headers) - 1}" ss:StyleID="title">'
                       f'<Data ss:Type="String">{escape(title)}</Data></Cell></Row>')
        out.append("   <Row>" + "".join(f'<Cell><Data ss:Type="String">{escape(h)}</Data></Cell>' for h in headers) + "</Row>")
        for row in rows:
            cells, skip = [], False
            for i, v in enumerate(row, start=1):
                if v is None or v == "":
                    skip = True
                    continue
                index = f' ss:Index="{i}"' if skip else ""
                skip = False
                if isinstance(v, tuple):
                    cells.append(f'<Cell{index}><Data ss:Type="DateTime">{v[1]}T00:00:00.000</Data></Cell>')
                elif isinstance(v, (int, float)):
                    cells.append(f'<Cell{index}><Data ss:Type="Number">{v:g}</Data></Cell>')
                else:
                    cells.append(f'<Cell{index}><Data ss:Type="String">{escape(v)}</Data></Cell>')
            out.append("   <Row>" + "".join(cells) + "</Row>")
        out.append("  </Table>")
        out.append('  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Selected/></WorksheetOptions>')
        out.append(" </Worksheet>")
    out.append("</Workbook>")
    return ("\n".join(out) + "\n").encode("utf-8")


def html_table(title, headers, rows, charset, meta):
    """An HTML page with one table; `meta` is "charset" (<meta charset>),
    "http-equiv" (<meta http-equiv … charset=…>) or None (no charset at all)."""
    def cell(v):
        v = "" if v is None else str(v)
        return escape(v).replace(" ", "&nbsp;") if v.strip() != v else escape(v)
    head = {"charset": f'<meta charset="{charset}">',
            "http-equiv": f'<meta http-equiv="Content-Type" content="application/vnd.ms-excel; charset={charset}">',
            None: ""}[meta]
    out = ["<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\">",
           f"<head>{head}<title>{escape(title)}</title>",
           "<style>td { mso-number-format:'\\@'; }</style></head><body>",
           "<!-- 导出时间 <table> -->",
           '<table border="1" cellspacing="0">',
           f'<tr><th colspan="{len(headers)}" style="font-size:16px">{escape(title)}</th></tr>',
           "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in headers) + "</tr>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>")
    out.append("</table></body></html>")
    return ("\r\n".join(out) + "\r\n").encode(charset)


def fixture_rows(event_rows, zh_kind, date_variants):
    """The events of tests/fixtures/same_gbk.csv, typed as a back office types them."""
    rows = []
    for i, (sid, name, emp, kind, date, region, wage, reason, filed) in enumerate(event_rows):
        rows.append([name, sid, emp, zh_kind[kind], date_variants(date, i), region,
                     float(wage) if wage else None, reason, ("date", filed) if filed else None])
    return rows


def text_rows(rows):
    """The same rows as a web page shows them: every cell text."""
    out = []
    for r in rows:
        t = []
        for v in r:
            if isinstance(v, tuple):
                v = v[1]
            elif isinstance(v, float):
                v = f"{v:,.2f}"
            t.append("" if v is None else v)
        # A name padded with spaces (written as &nbsp;), trimmed by the reader.
        t[0] = f" {t[0]} "
        out.append(t)
    return out


def write_fixture_markup(fix_dir, event_rows, zh_kind, date_variants):
    rows = fixture_rows(event_rows, zh_kind, date_variants)
    title = "XX公司2025年10月社保增减员表"
    with open(os.path.join(fix_dir, "same_spreadsheetml.xls"), "wb") as f:
        f.write(spreadsheetml(title, [("增减员", HEADERS, rows),
                                      ("填表说明", ["说明"], [["身份证号请填写18位"]])]))
    with open(os.path.join(fix_dir, "same_html_utf8.xls"), "wb") as f:
        f.write(html_table(title, HEADERS, text_rows(rows), "utf-8", "charset"))
    with open(os.path.join(fix_dir, "same_html_gbk.xls"), "wb") as f:
        f.write(html_table(title, HEADERS, text_rows(rows), "gbk", "http-equiv"))


# -- samples/ -----------------------------------------------------------------
RONGCHENG = "91510100MA6C5RQ21T"  # 成都蓉城人力资源有限公司 (SpreadsheetML from a web back office)
JINMEN = "91120101MA05K7WQ3P"     # 天津津门外包服务有限公司 (HTML table from a JSP app, GBK)


def month_range(first, last):
    m = first.replace(day=1)
    while m <= last:
        yield m
        m = (m + dt.timedelta(days=32)).replace(day=1)


def write_sample_markup(out_dir, make_id, due_for, packs):
    """Two more clients: 蓉城 (SpreadsheetML `.xls`) and 津门 (GBK HTML `.xls`,
    charset only in <meta http-equiv>), with their ledger (ledger/实缴明细_网报.csv).
    Stories: a short gap between the two (2025-05), a separation filed late
    (蓉城), and an ID that reached the SpreadsheetML as a Number (lost digits)."""
    import csv
    ids = [make_id("110105", b, 500 + i) for i, b in enumerate(
        ["19870214", "19930506", "19790912", "19850101", "19910818"])]
    names = ["何嘉怡", "罗文轩", "郑海燕", "梁志强", "谢雨桐"]
    wages = [9800, 7600, 13500, 8800, 10200]
    # spell: (person, employer, hire, separation, filed)
    spells = [
        (0, RONGCHENG, "2024-08-01", "2025-04-15", "2025-04-20"),
        (0, JINMEN, "2025-06-03", "", ""),
        (1, RONGCHENG, "2024-10-08", "2025-09-30", "2025-11-05"),
        (2, RONGCHENG, "2025-03-17", "", ""),
        (3, JINMEN, "2024-12-02", "2026-05-31", "2026-06-03"),
        (4, JINMEN, "2025-07-01", "", ""),
    ]
    rows = {RONGCHENG: [], JINMEN: []}
    for p, e, hire, sep, filed in spells:
        rows[e].append([names[p], ids[p], e, "增员", hire, "beijing", float(wages[p]), "", None])
        if sep:
            rows[e].append([names[p], ids[p], e, "减员", sep, "beijing", float(wages[p]), "个人原因",
                            ("date", filed)])
    # A hire whose ID was typed as a number: 15 significant digits kept.
    bad = rows[RONGCHENG][0][:]
    bad[0], bad[1], bad[4] = "曹文博", float(make_id("110105", "19900303", 599)[:15] + "000"), "2025-08-01"
    rows[RONGCHENG].append(bad)
    with open(os.path.join(out_dir, "网报增减员_蓉城人力.xls"), "wb") as f:
        f.write(spreadsheetml("成都蓉城人力资源有限公司 社保增减员明细", [
            ("增减员", HEADERS, rows[RONGCHENG]),
            ("填表说明", ["说明"], [["1. 身份证号请填写18位；2. 日期格式yyyy-mm-dd"]])]))
    with open(os.path.join(out_dir, "增减员导出_津门外包.xls"), "wb") as f:
        f.write(html_table("天津津门外包服务有限公司 增减员导出", HEADERS, text_rows(rows[JINMEN]),
                           "gbk", "http-equiv"))
    # Their ledger: every month of every spell paid what the Beijing pack says is due.
    lrows = []
    for p, e, hire, sep, filed in spells:
        last = dt.date.fromisoformat(sep) if sep else dt.date(2026, 10, 1)
        for m in month_range(dt.date.fromisoformat(hire), min(last, dt.date(2026, 10, 1))):
            amount = due_for(packs["beijing"], m, wages[p])
            lrows.append([ids[p], e, m.strftime("%Y%m"), f"{amount:.2f}", m.replace(day=15).isoformat()])
    lrows.sort()
    with open(os.path.join(out_dir, "ledger", "实缴明细_网报.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["身份证号", "单位编号", "费款所属期", "实缴金额", "缴费日期"])
        w.writerows(lrows)


JINGHUA = "91110108MA04C7Q2X"  # 北京京华劳务派遣有限公司 (a bureau declaration by month, GBK); check character computed


def uscc(first17):
    """The GB 32100 check character of a 统一社会信用代码's first 17 characters."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(chars.index(c) * w for c, w in zip(first17, weights))
    return first17 + chars[(31 - total % 31) % 31]


def write_sample_declaration(out_dir, make_id, due_for, packs):
    """A bureau declaration (社会保险增减员申报表) as an agency's web system
    exports it: GBK, CRLF, a title row, 证件类型 + 证件号码, 申报类型 增/减 or a
    code with its label, and 费款所属期 as a month only, in the forms such
    files mix (202405, 2025-01, 2025年7月). Stories: a stop filed after the
    deadline counted from the last day of the last month paid; a three-month
    gap closed by 0003 人员恢复 (short, back-payable); a hire and a stop of the
    same month (never paid); a month that does not exist (202513, a reject).
    The ledger (ledger/实缴明细_京华.csv) pays every declared month what the
    Beijing pack says is due, on the 15th."""
    import csv
    employer = uscc(JINGHUA[:17])
    ids = [make_id("110108", b, 700 + i) for i, b in enumerate(
        ["19880312", "19950721", "19830205", "19990930", "19761118", "19900101"])]
    names = ["陈嘉豪", "林晓彤", "黄志明", "吴欣怡", "李国栋", "周子轩"]
    wages = [8600, 7200, 11800, 6900, 9900, 8000]
    # (person, 申报类型, 费款所属期 as written, filed)
    rows = [
        (0, "增", "202405", ""),
        (0, "减", "2025-08", "2025-08-20"),
        (1, "0001 人员新增", "2025-01", ""),
        (2, "增", "202502", ""),
        (2, "0002 人员中断", "202505", "2025-05-10"),
        (2, "0003 人员恢复", "2025年8月", ""),
        (3, "增", "202506", ""),
        (3, "减", "202506", "2025-06-12"),
        (4, "增", "2025年7月", ""),
        (5, "增", "202513", ""),
    ]
    head = ["证件类型", "证件号码", "姓名", "单位社保编号", "申报类型", "费款所属期", "参保地", "缴费基数", "申报日期"]
    lines = ["北京京华劳务派遣有限公司 社会保险增减员申报表" + "," * (len(head) - 1), ",".join(head)]
    for p, kind, month, filed in rows:
        lines.append(",".join(["居民身份证", ids[p], names[p], employer, kind, month, "北京",
                               f"{wages[p]:.2f}", filed]))
    with open(os.path.join(out_dir, "社保申报_京华劳务.csv"), "wb") as f:
        f.write(("\r\n".join(lines) + "\r\n").encode("gbk"))
    # Paid months (first paid .. last paid), as the declaration means them.
    paid = [(0, "2024-05", "2025-07"), (1, "2025-01", "2026-10"), (2, "2025-02", "2025-04"),
            (2, "2025-08", "2026-10"), (4, "2025-07", "2026-10")]
    lrows = []
    for p, first, last in paid:
        for m in month_range(dt.date.fromisoformat(first + "-01"), dt.date.fromisoformat(last + "-01")):
            amount = due_for(packs["beijing"], m, wages[p])
            lrows.append([ids[p], employer, m.strftime("%Y%m"), f"{amount:.2f}", m.replace(day=15).isoformat()])
    lrows.sort()
    with open(os.path.join(out_dir, "ledger", "实缴明细_京华.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["身份证号", "单位编号", "费款所属期", "实缴金额", "缴费日期"])
        w.writerows(lrows)


def stub_writers():
    """make_fixtures / make_samples import the real writers at their top; only
    their data and helpers are used here, so stand-ins do."""
    import sys
    import types
    for mod in ("openpyxl", "openpyxl.utils", "openpyxl.utils.datetime", "xlwt",
                "odf", "odf.opendocument", "odf.table", "odf.text"):
        sys.modules.setdefault(mod, types.ModuleType(mod))
    sys.modules["odf.opendocument"].OpenDocumentSpreadsheet = None
    for n in ("Table", "TableCell", "TableRow"):
        setattr(sys.modules["odf.table"], n, None)
    sys.modules["odf.text"].P = None


if __name__ == "__main__":
    import sys
    stub_writers()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import make_fixtures as mf
    import make_samples as ms
    write_fixture_markup(mf.FIX, mf.event_rows(), mf.ZH_KIND, mf.date_variants)
    write_sample_markup(mf.SAMPLES, mf.make_id, ms.due_for, ms.load_packs())
    write_sample_declaration(mf.SAMPLES, mf.make_id, ms.due_for, ms.load_packs())
