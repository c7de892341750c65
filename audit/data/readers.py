"""File formats → grids of text cells. Every cell is read as text: type guessing would
null late values and mangle ids with leading zeros or 18-digit 身份证号."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import polars as pl


def decode_csv(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with its BOM (some tools' "Unicode" CSV), else
    GB18030 (what Excel on Chinese Windows writes)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    bare16 = _utf16_without_bom(data)
    if bare16:
        return data.decode(bare16), bare16
    try:
        text = data.decode("utf-8-sig")
        return text, ("utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"  # raises UnicodeDecodeError if neither


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 saved without its BOM. Text in UTF-8 or GB18030 never holds a NUL byte; in
    UTF-16 every comma and line break has one, on odd offsets (little-endian) or even
    ones (big-endian) only."""
    head = data[:4000]
    if len(data) % 2 or b"\x00" not in head:
        return None
    odd, even = head[1::2].count(0), head[0::2].count(0)
    encoding = "utf-16-le" if odd and not even else "utf-16-be" if even and not odd else None
    try:
        return encoding if encoding and data.decode(encoding) else None
    except UnicodeDecodeError:
        return None


class RaggedRow(Exception):
    """A CSV line with more cells than the header; `row` is its spreadsheet row."""

    def __init__(self, row: int, n_cells: int, n_header: int):
        super().__init__(f"row {row}: {n_cells} cells, header has {n_header}")
        self.row, self.n_cells, self.n_header = row, n_cells, n_header


def ragged_row(text: str) -> RaggedRow | None:
    """Only on the error path: find the first line with too many cells, to name it."""
    import csv
    import io

    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    for i, rec in enumerate(reader, start=2):
        if len(rec) > len(header):
            return RaggedRow(i, len(rec), len(header))
    return None


def read_csv_grid(path: Path) -> tuple[pl.DataFrame, str]:
    data = path.read_bytes()
    text, encoding = decode_csv(data)
    if not text or text.isspace():
        raise pl.exceptions.NoDataError("empty file")
    # UTF-8 bytes go to polars as they are (no second copy of a 200 MB file)
    body = data.removeprefix(b"\xef\xbb\xbf") if encoding.startswith("utf-8") else text.encode("utf-8")
    try:
        df = pl.read_csv(body, infer_schema=False, raise_if_empty=True, has_header=False)
    except pl.exceptions.ComputeError:
        ragged = ragged_row(text)
        if ragged:
            raise ragged from None
        raise
    return df, encoding


def read_excel_grid(path: Path, sheet: str) -> pl.DataFrame:
    # every column as text: type guessing would null late values and mangle ids
    return pl.read_excel(
        path, sheet_name=sheet, infer_schema_length=0, raise_if_empty=True, drop_empty_rows=False, has_header=False
    )


_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _sheet_member(z: zipfile.ZipFile, sheet: str) -> str:
    """The zip member holding a sheet's XML, found through workbook.xml and its rels
    (StopIteration when no sheet has that name)."""
    wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    rid = next(e.get(_REL_ID) for e in wb.iter(f"{_MAIN}sheet") if e.get("name") == sheet)
    target = next(e.get("Target") for e in rels if e.get("Id") == rid) or ""
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def sheet_origin(book: Path, sheet: str) -> tuple[int, int]:
    """(spreadsheet row, 0-based column) where the Excel reader's grid starts: the first
    row holding a value, and the sheet's first used column (from its <dimension>, else
    the first value cell). Leading blank rows or columns would otherwise shift every row
    number and column letter in messages. Streams the sheet XML and stops at the first
    value; (1, 0) when it cannot tell (.xls)."""
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        return 1, 0
    try:
        with zipfile.ZipFile(book) as z:
            member = _sheet_member(z, sheet)
            row, col = 1, None
            with z.open(member) as f:
                for event, el in ElementTree.iterparse(f, events=("start", "end")):
                    if event == "start" and el.tag == f"{_MAIN}dimension" and el.get("ref"):
                        m = re.match(r"([A-Z]+)\d+", el.get("ref"))
                        col = _column_index(m.group(1)) if m else None
                    elif event == "start" and el.tag == f"{_MAIN}row" and el.get("r"):
                        row = int(el.get("r"))
                    elif (
                        event == "end"
                        and el.tag == f"{_MAIN}c"
                        and any(ch.tag in (f"{_MAIN}v", f"{_MAIN}is") for ch in el)
                    ):
                        ref = el.get("r") or ""
                        m = re.match(r"([A-Z]+)(\d+)", ref)
                        if not m:
                            return row, col or 0
                        return int(m.group(2)), (col if col is not None else _column_index(m.group(1)))
    except (KeyError, StopIteration, ValueError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return 1, 0
    return 1, 0


def numeric_cells(book: Path, sheet: str, letters: list[str]) -> dict[str, list[int]]:
    """Excel rows where a cell in the given columns holds a number, not text. An
    18-digit id typed into a General cell is kept by Excel as a number with 15
    significant digits: the reader shows digits, but the last ones are invented. Finding
    such cells is a byte scan of the sheet XML (a cell without t="s"/"str"/"inlineStr"
    holds a number), so a 100,000-row sheet costs a few tens of milliseconds."""
    out: dict[str, list[int]] = {x: [] for x in letters}
    if book.suffix.lower() not in (".xlsx", ".xlsm") or not letters:
        return out
    try:
        with zipfile.ZipFile(book) as z:
            member = _sheet_member(z, sheet)
            data = z.read(member)
    except (KeyError, StopIteration, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return out
    cols = "|".join(re.escape(x) for x in letters)
    # only number cells match (a text cell carries t="s"/"str"/"inlineStr" after its style),
    # so the scan builds no match object for the many text cells
    # (a literal '<c r="' lets the regex engine skip ahead fast; a prefixed <x:c> is rare)
    prefix = rb"<x:c" if b"<x:c " in data[:20000] else rb"<c"
    numeric = re.compile(prefix + rb' r="(' + cols.encode() + rb')(\d+)"(?: s="\d+")?(?: t="n")?>')
    for m in numeric.finditer(data):
        out[m.group(1).decode()].append(int(m.group(2)))
    return out


_MERGE = re.compile(rb'<(?:x:)?mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def merged_ranges(book: Path, sheet: str) -> list[tuple[int, int, int, int]]:
    """(first row, first 0-based column, last row, last column) of every merged range of a
    sheet. The reader sees a merged range's value in its first cell only; a clerk who merges
    a repeated value down several rows (one 户籍地 for three residents) means it for each."""
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        return []
    try:
        with zipfile.ZipFile(book) as z:
            data = z.read(_sheet_member(z, sheet))
    except (KeyError, StopIteration, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return []
    tail = data[max(0, data.rfind(b"sheetData>")) :]  # merged ranges follow the sheet data
    return [
        (int(m.group(2)), _column_index(m.group(1).decode()), int(m.group(4)), _column_index(m.group(3).decode()))
        for m in _MERGE.finditer(tail)
    ]


def hidden_sheets(book: Path) -> set[str]:
    """Names of hidden sheets, from xl/workbook.xml (no sheet is parsed)."""
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        return set()
    try:
        with zipfile.ZipFile(book) as z:
            wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError):
        return set()
    return {e.get("name") for e in wb.iter(f"{_MAIN}sheet") if e.get("state") in ("hidden", "veryHidden")}


def excel_sheet_names(path: Path) -> list[str]:
    import fastexcel

    return list(fastexcel.read_excel(str(path)).sheet_names)


def as_text(df: pl.DataFrame) -> pl.DataFrame:
    """Every column to String (parquet brings real types; we parse uniformly from text)."""
    out = []
    for c, t in df.schema.items():
        e = pl.col(c)
        if t == pl.Date:
            e = e.dt.strftime("%Y-%m-%d")
        elif t == pl.Datetime or isinstance(t, pl.Datetime):
            e = e.dt.strftime("%Y-%m-%d %H:%M:%S")
        out.append(e.cast(pl.String).alias(c))
    return df.select(out)
