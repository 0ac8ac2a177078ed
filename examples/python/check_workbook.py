"""An independent reader (openpyxl) of a version exported by `fairquote model export --xlsx`.

Checks that every table of the version folder is a sheet of the same name with its header bold
and frozen and its numbers held as numbers equal to the table's, then edits one cell as an
actuary would, saves the workbook with openpyxl (not with the writer that made it) and writes it
to the path given, for `fairquote model import`.

    python check_workbook.py BOOK.xlsx VERSION_DIR EDITED.xlsx
"""

import csv
import pathlib
import sys
from decimal import Decimal

import openpyxl


def main(book: str, folder: str, edited: str) -> None:
    workbook = openpyxl.load_workbook(book)
    tables = sorted(pathlib.Path(folder).glob("*.csv"))
    assert tables, f"no tables in {folder}"
    assert "manifest" in workbook.sheetnames, workbook.sheetnames
    assert "justifications" in workbook.sheetnames, workbook.sheetnames
    numbers = 0
    for path in tables:
        sheet = workbook[path.stem]
        assert sheet.freeze_panes == "A2", f"{path.stem}: header not frozen ({sheet.freeze_panes})"
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        header = [c.value for c in sheet[1]]
        assert header == rows[0], f"{path.stem}: header {header} != {rows[0]}"
        assert all(c.font.b for c in sheet[1]), f"{path.stem}: header not bold"
        for r, row in enumerate(rows[1:], start=2):
            for c, text in enumerate(row, start=1):
                value = sheet.cell(row=r, column=c).value
                try:
                    expected = Decimal(text)
                except ArithmeticError:
                    expected = None
                # A number, not a code with leading zeros.
                code = len(text) > 1 and text[0] == "0" and text[1].isdigit()
                if expected is not None and expected.is_finite() and not code:
                    assert isinstance(value, (int, float)), (
                        f"{path.stem} row {r} column {c}: {text!r} is held as {value!r}"
                    )
                    assert Decimal(str(value)) == expected, (path.stem, r, c, value, text)
                    numbers += 1
    # An actuary's edit: the 1,000 EUR deductible's factor from 0.85 to 0.8.
    sheet = workbook["deductible_factors"]
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == 1000:
            row[1].value = 0.8
    workbook.save(edited)
    print(f"{len(tables)} tables, {numbers} numbers held as numbers; edited copy in {edited}")


if __name__ == "__main__":
    main(*sys.argv[1:4])
