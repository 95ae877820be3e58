#!/usr/bin/python3
"""Writes the import corpus with the libraries people export spreadsheets with (openpyxl,
XlsxWriter, Python's csv module as a stand-in for plain exporters) and a manifest of what each
file was given, cell by cell; corpus.test.ts reads every file back and compares.

Usage: write_corpus.py OUT_DIR  (prints the manifest path). Expected values in the manifest:
a plain JSON value, {"date": "YYYY-MM-DDTHH:MM:SS"} (wall time), {"error": "#N/A"} (an error
cell) or {"formula": "..."} (a formula whose result the writer did not save).
"""
import csv
import datetime as dt
import io
import json
import os
import sys

import openpyxl
import xlsxwriter
from openpyxl.utils.datetime import CALENDAR_MAC_1904

HEADERS = ["Телефон", "Имя", "E-mail", "Дата звонка", "Сумма", "Комментарий", "Активен", "Код"]

# The rows every writer gets; (value, how the cell is written). Kinds: "text", "num", "bool",
# "datetime", "date", "formula:<formula>|<cached>", "error".
ROWS = [
    [79161234567, "Иван Петров", "ivan@example.ru", dt.datetime(2026, 12, 7, 14, 30), 1234.56,
     "строка 1\nстрока 2", True, "00123"],
    ["+7 (916) 765-43-21", "Мария 😀 Ёлкина", "maria@example.ru", dt.date(2026, 12, 8), 99.9,
     "  пробелы по краям  ", False, "007"],
    ["8 800 555-35-35", "O'Brien & <Ко> \"Кавычки\"", None, dt.datetime(1999, 12, 31, 23, 59, 59), -5,
     "таб\tвнутри", True, "1e5"],
]
# A row of formulas: amount = first row's amount doubled, code = two strings joined, comment = #N/A.
FORMULA_ROW = ["89031112233", "Формула", None, dt.datetime(2026, 1, 1, 0, 0)]
AMOUNT_FORMULA = "E{first}*2"
CODE_FORMULA = '"А"&"Б"'


def expect(v):
    if isinstance(v, dt.datetime):
        return {"date": v.strftime("%Y-%m-%dT%H:%M:%S")}
    if isinstance(v, dt.date):
        return {"date": v.strftime("%Y-%m-%dT00:00:00")}
    return v


def formula_expect(cached_saved, first_row):
    amount = 1234.56 * 2
    if cached_saved:
        return [*map(expect, FORMULA_ROW), amount, {"error": "#N/A"}, False, "АБ"]
    return [*map(expect, FORMULA_ROW), {"formula": AMOUNT_FORMULA.format(first=first_row)}, {"error": "#N/A"}, False,
            {"formula": CODE_FORMULA}]


def case(name, writer, sheet, header_row, headers, rows, sheets, **extra):
    return {"file": name, "writer": writer, "sheet": sheet, "headerRow": header_row, "headers": headers,
            "rows": rows, "sheets": sheets, "date1904": False, **extra}


def openpyxl_files(out):
    cases = []
    # A hidden service sheet first, a title merged over the table, an empty row and an empty first column.
    wb = openpyxl.Workbook()
    hidden = wb.active
    hidden.title = "Служебный"
    hidden.sheet_state = "hidden"
    hidden.append(["не", "импортировать"])
    ws = wb.create_sheet("Контакты")
    ws["B1"] = "Выгрузка контактов за декабрь 2026"
    ws.merge_cells("B1:I1")
    for c, h in enumerate(HEADERS):
        ws.cell(row=3, column=c + 2, value=h)
    for r, row in enumerate(ROWS):
        for c, v in enumerate(row):
            cell = ws.cell(row=4 + r, column=c + 2, value=v)
            if isinstance(v, dt.datetime):
                cell.number_format = "dd.mm.yyyy hh:mm:ss"
            elif isinstance(v, dt.date):
                cell.number_format = "dd.mm.yyyy"
            elif c == 7:
                cell.data_type = "s"
    fr = 4 + len(ROWS)
    for c, v in enumerate(FORMULA_ROW):
        cell = ws.cell(row=fr, column=c + 2, value=v)
        if isinstance(v, dt.datetime):
            cell.number_format = "dd.mm.yyyy hh:mm"
    ws.cell(row=fr, column=6, value="=" + AMOUNT_FORMULA.format(first=4).replace("E", "F"))
    err = ws.cell(row=fr, column=7, value="#N/A")
    err.data_type = "e"
    ws.cell(row=fr, column=8, value=False)
    ws.cell(row=fr, column=9, value="=" + CODE_FORMULA)
    other = wb.create_sheet("Второй лист")
    other.append(["Телефон", "Имя"])
    other.append(["+79990001122", "Второй"])
    wb.save(os.path.join(out, "openpyxl.xlsx"))
    rows = [list(map(expect, r)) for r in ROWS]
    f = formula_expect(False, 4)
    f[4] = {"formula": "F4*2"}
    cases.append(case("openpyxl.xlsx", "openpyxl " + openpyxl.__version__, "Контакты", 3, HEADERS, rows + [f],
                      [{"name": "Служебный", "hidden": True}, {"name": "Контакты", "hidden": False},
                       {"name": "Второй лист", "hidden": False}], recalculated_by="gnumeric"))

    # The 1904 date system (old Mac workbooks): serial numbers count from another day.
    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    ws = wb.active
    ws.title = "Даты"
    ws.append(["Телефон", "Дата звонка"])
    for v in [dt.datetime(2026, 12, 7, 14, 30), dt.date(2026, 12, 8), dt.datetime(1999, 12, 31, 23, 59, 59)]:
        ws.append(["+79161234567", v])
        ws.cell(row=ws.max_row, column=2).number_format = "dd.mm.yyyy hh:mm"
    wb.save(os.path.join(out, "openpyxl-1904.xlsx"))
    cases.append(case("openpyxl-1904.xlsx", "openpyxl " + openpyxl.__version__, "Даты", 1, ["Телефон", "Дата звонка"],
                      [["+79161234567", expect(dt.datetime(2026, 12, 7, 14, 30))],
                       ["+79161234567", expect(dt.date(2026, 12, 8))],
                       ["+79161234567", expect(dt.datetime(1999, 12, 31, 23, 59, 59))]],
                      [{"name": "Даты", "hidden": False}], date1904=True))
    return cases


def xlsxwriter_file(out, name, options):
    path = os.path.join(out, name)
    wb = xlsxwriter.Workbook(path, options)
    bold = wb.add_format({"bold": True})
    when = wb.add_format({"num_format": "dd.mm.yyyy hh:mm"})
    day = wb.add_format({"num_format": "dd.mm.yyyy"})
    ws = wb.add_worksheet("Звонки")
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h, bold)
    for r, row in enumerate(ROWS, start=1):
        for c, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, when)
            elif isinstance(v, dt.date):
                ws.write_datetime(r, c, dt.datetime(v.year, v.month, v.day), day)
            elif isinstance(v, bool):
                ws.write_boolean(r, c, v)
            elif isinstance(v, (int, float)):
                ws.write_number(r, c, v)
            elif c == 1 and r == 1:
                # Rich text: the name in two runs, the surname bold.
                ws.write_rich_string(r, c, "Иван ", bold, "Петров")
            else:
                ws.write_string(r, c, v)
    fr = len(ROWS) + 1
    ws.write_string(fr, 0, FORMULA_ROW[0])
    ws.write_string(fr, 1, FORMULA_ROW[1])
    ws.write_datetime(fr, 3, FORMULA_ROW[3], when)
    ws.write_formula(fr, 4, "=" + AMOUNT_FORMULA.format(first=2), None, 1234.56 * 2)
    ws.write_formula(fr, 5, "=NA()", None, "#N/A")
    ws.write_boolean(fr, 6, False)
    ws.write_formula(fr, 7, "=" + CODE_FORMULA, None, "АБ")
    second = wb.add_worksheet("Лиды")
    second.write_row(0, 0, ["Телефон", "Имя"])
    second.write_row(1, 0, ["+79990001122", "Второй"])
    wb.close()
    rows = [list(map(expect, r)) for r in ROWS]
    return case(name, "XlsxWriter " + xlsxwriter.__version__, "Звонки", 1, HEADERS, rows + [formula_expect(True, 2)],
                [{"name": "Звонки", "hidden": False}, {"name": "Лиды", "hidden": False}], **(
                    {"date1904": True} if options.get("date_1904") else {}))


def text_of(v, decimal):
    """A value as a spreadsheet program writes it into CSV with Russian settings."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "ИСТИНА" if v else "ЛОЖЬ"
    if isinstance(v, dt.datetime):
        return v.strftime("%d.%m.%Y %H:%M")
    if isinstance(v, dt.date):
        return v.strftime("%d.%m.%Y")
    if isinstance(v, float):
        return repr(v).replace(".", decimal)
    return str(v)


def csv_files(out):
    cases = []
    variants = [
        ("utf8-comma.csv", "utf-8", ",", "."),
        ("utf8-bom-semicolon.csv", "utf-8-sig", ";", ","),
        ("utf16-tab.csv", "utf-16", "\t", ","),
        ("utf16-semicolon.csv", "utf-16", ";", ","),
        ("cp1251-semicolon.csv", "cp1251", ";", ","),
        ("cp1251-comma.csv", "cp1251", ",", ","),
    ]
    for name, encoding, delimiter, decimal in variants:
        rows = []
        for r, row in enumerate(ROWS):
            cells = [text_of(v, decimal) for v in row]
            if name.startswith("utf8-bom") and r == 1:
                # Typed by hand the Russian way instead of a number format.
                cells[3] = "8 декабря 2026"
            if encoding == "cp1251":
                cells = [c.replace("😀 ", "") if isinstance(c, str) else c for c in cells]
            rows.append(cells)
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
        w.writerow(HEADERS)
        w.writerows(rows)
        with open(os.path.join(out, name), "wb") as f:
            f.write(buf.getvalue().encode(encoding))
        # An empty field is "no value"; a field of spaces is kept as written.
        dates = [v.strftime("%Y-%m-%dT%H:%M:00") if isinstance(v, dt.datetime) else v.strftime("%Y-%m-%dT00:00:00")
                 for v in (row[3] for row in ROWS)]
        cases.append(case(name, "python csv", "CSV", 1, HEADERS, rows, [], dates=dates,
                          csv={"encoding": {"utf-8-sig": "utf-8", "utf-16": "utf-16le"}.get(encoding, encoding if encoding != "cp1251" else "windows-1251"),
                               "delimiter": delimiter}))
    return cases


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    cases = openpyxl_files(out)
    cases.append(xlsxwriter_file(out, "xlsxwriter.xlsx", {}))
    # constant_memory writes inline strings instead of a shared string table.
    cases.append(xlsxwriter_file(out, "xlsxwriter-inline-1904.xlsx", {"constant_memory": True, "date_1904": True}))
    cases += csv_files(out)
    path = os.path.join(out, "manifest.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False, indent=1)
    print(path)


if __name__ == "__main__":
    main()
