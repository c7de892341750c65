"""Resource guards: what is checked before a file is handed to a parser that would
otherwise exhaust memory or the stack (issue 16).

- Workbooks: the Excel reader builds one dense grid from the first to the last cell of a
  sheet, so a single cell at XFD1048576 in an 84 KB file asks for 17 billion cells and the
  process aborts; a zip bomb inflates to gigabytes. `inspect_sheet` streams the sheet's
  XML once (bounded bytes) and refuses both, and finds formula cells saved without a
  value (they would read as blank: a silent zero).
- YAML: `load_yaml` refuses aliases (the "billion laughs" bomb), documents over a size
  budget and nesting deeper than MAX_DEPTH.
- JSON: `load_json` refuses deep nesting, huge numbers, inf and NaN.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import yaml

MAX_SHEET_CELLS = 200_000_000  # rows × columns of a sheet's bounding box (~6 GB in the reader)
MAX_UNCOMPRESSED = 2 << 30  # 2 GiB of XML in one workbook
MAX_RATIO = 1_000  # inflation of one member (real sheets: 5–50×)
MAX_TEXT_BYTES = 20 << 20  # a pack, an override file, a draw record: 20 MB
MAX_DEPTH = 64  # nesting of YAML / JSON (real packs: 6)
MAX_JSON_INT = 10**18  # no count or amount in a draw record comes near


class TooLarge(ValueError):
    """A file beyond a declared resource bound; the message says which, in zh and en."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en

    def text(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


# ---------------------------------------------------------------- workbooks

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_ROW = re.compile(rb'<row [^>]*?r="(\d+)"')
_TWO_LETTERS = re.compile(rb'r="[A-Z]{2}')  # a cell at AA or further (a literal prefix: fast)
_THREE = re.compile(rb'r="([A-Z]{3})\d')
# a cell whose only content is a formula: <c r="E3"><f>SUM(A1:A2)</f></c> (or an empty <v/>)
_FORMULA_NO_VALUE = re.compile(
    rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d{1,7})"[^>]*?>\s*(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


def sheet_member(z: zipfile.ZipFile, sheet: str) -> str:
    """The zip member holding the named sheet's XML."""
    wb = ElementTree.fromstring(z.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    rid = next(e.get(_REL_ID) for e in wb.iter(f"{_MAIN}sheet") if e.get("name") == sheet)
    target = next(e.get("Target") for e in rels if e.get("Id") == rid)
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _widest_column(chunk: bytes) -> int:
    """Column number of the widest cell reference in this piece of sheet XML. Cheap for
    the usual sheet (one search finds no two-letter column); exact where it matters."""
    if not _TWO_LETTERS.search(chunk):
        return 26
    widest = max((_column_number(m.group(1)) for m in _THREE.finditer(chunk)), default=0)
    if widest:
        return widest
    for first in reversed(range(65, 91)):  # two letters: the highest first letter, then second
        if b'r="' + bytes([first]) in chunk:
            for second in reversed(range(65, 91)):
                if b'r="' + bytes([first, second]) in chunk:
                    return _column_number(bytes([first, second]))
    return 26


def _too_large(book: Path, sheet: str | None, zh_what: str, en_what: str) -> TooLarge:
    where = f"{book.name}" + (f"：{sheet}" if sheet else "")
    where_en = f"{book.name}" + (f": {sheet}" if sheet else "")
    return TooLarge(
        f"{where} 超出可读取的范围：{zh_what}；请删除多余的行列或另存为只含数据的工作簿",
        f"{where_en} is beyond what can be read: {en_what}; delete the stray rows/columns or save a data-only copy",
    )


def check_workbook(book: Path) -> None:
    """Sizes from the zip directory, before anything is inflated (.xls and files that are
    no zip at all are left to the reader, which says what is wrong)."""
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        return
    try:
        with zipfile.ZipFile(book) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError):
        return
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise _too_large(
            book,
            None,
            f"解压后 {total >> 20} MB（上限 {MAX_UNCOMPRESSED >> 20} MB）",
            f"{total >> 20} MB uncompressed (limit {MAX_UNCOMPRESSED >> 20} MB)",
        )
    for i in infos:
        if i.file_size > (10 << 20) and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise _too_large(
                book,
                None,
                f"{i.filename} 压缩比异常（{i.file_size // max(i.compress_size, 1)} 倍，疑似压缩炸弹）",
                f"{i.filename} inflates {i.file_size // max(i.compress_size, 1)}× (a zip bomb?)",
            )


def inspect_sheet(book: Path, sheet: str) -> list[tuple[int, str]]:
    """Refuse a sheet whose bounding box or inflated size is beyond the bounds (TooLarge);
    return the cells (row, column letters) that hold a formula without a saved value.
    Streams the sheet XML once in 16 MB pieces (overlapping, so no cell is cut in two)."""
    if book.suffix.lower() not in (".xlsx", ".xlsm"):
        return []
    check_workbook(book)
    formulas: list[tuple[int, str]] = []
    max_row, max_col, seen = 0, 1, 0
    with zipfile.ZipFile(book) as z:
        try:
            member = sheet_member(z, sheet)
        except (KeyError, StopIteration, ElementTree.ParseError):
            return []  # the reader will say what is wrong with the workbook
        with z.open(member) as f:
            tail = b""
            while True:
                piece = f.read(16 << 20)
                if not piece:
                    break
                seen += len(piece)
                if seen > MAX_UNCOMPRESSED:
                    raise _too_large(
                        book,
                        sheet,
                        f"工作表 XML 超过 {MAX_UNCOMPRESSED >> 20} MB",
                        f"the sheet XML exceeds {MAX_UNCOMPRESSED >> 20} MB",
                    )
                chunk = tail + piece
                rows = _ROW.findall(chunk[-(1 << 20) :]) or _ROW.findall(chunk)
                if rows:
                    max_row = max(max_row, int(rows[-1]))
                max_col = max(max_col, _widest_column(chunk))
                if b"<f" in chunk:
                    formulas.extend((int(m.group(2)), m.group(1).decode()) for m in _FORMULA_NO_VALUE.finditer(chunk))
                if max_row * max_col > MAX_SHEET_CELLS:
                    raise _too_large(
                        book,
                        sheet,
                        f"数据区域达 {max_row} 行 × {max_col} 列（上限 {MAX_SHEET_CELLS:,} 个单元格），"
                        "多半是远处有一个误填的单元格",
                        f"its used range reaches {max_row} rows × {max_col} columns (limit {MAX_SHEET_CELLS:,} cells), "
                        "most likely one stray cell far away",
                    )
                tail = chunk[-4096:]
    return sorted(set(formulas))


# ---------------------------------------------------------------- YAML and JSON


def _fail(event, problem: str):
    raise yaml.MarkedYAMLError(None, None, problem, event.start_mark)


def check_yaml(text: str, loader=None) -> None:
    """Walk the YAML events (the C parser: no recursion, fast) before anything is
    composed: an alias (`*name`, the "billion laughs" bomb) or nesting deeper than
    MAX_DEPTH (100,000 `[` crash the C composer) is a yaml.YAMLError with its line."""
    if len(text) > MAX_TEXT_BYTES:
        raise TooLarge(
            f"文件过大（{len(text) >> 20} MB，上限 {MAX_TEXT_BYTES >> 20} MB）",
            f"file too large ({len(text) >> 20} MB, limit {MAX_TEXT_BYTES >> 20} MB)",
        )
    depth = 0
    for event in yaml.parse(text, Loader=loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, yaml.AliasEvent):
            _fail(event, "aliases (*name) are not allowed / 不允许使用别名 (*name)")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                _fail(event, f"nested deeper than {MAX_DEPTH} levels / 嵌套超过 {MAX_DEPTH} 层")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def load_yaml(text: str, loader=None):
    """yaml.load for text a user hands us (a pack, an override file, a --set value):
    checked by check_yaml first. Raises yaml.YAMLError (with a line) or TooLarge."""
    loader = loader or getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    check_yaml(text, loader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader


def load_json(text: str):
    """json.loads with bounded size, depth and numbers (an int of 10,000 digits, inf and
    NaN are refused as ValueError with a message)."""
    if len(text) > MAX_TEXT_BYTES:
        raise TooLarge(
            f"文件过大（{len(text) >> 20} MB，上限 {MAX_TEXT_BYTES >> 20} MB）",
            f"file too large ({len(text) >> 20} MB, limit {MAX_TEXT_BYTES >> 20} MB)",
        )

    def bounded_int(s: str) -> int:
        if len(s.lstrip("-")) > 18:
            raise ValueError(f"number too large: {s[:30]}…")
        return int(s)

    def bounded_float(s: str) -> float:
        if len(s) > 40:
            raise ValueError(f"number too long: {s[:30]}…")
        return float(s)

    def no_constant(s: str):
        raise ValueError(f"not a number in JSON: {s}")

    try:
        return json.loads(text, parse_int=bounded_int, parse_float=bounded_float, parse_constant=no_constant)
    except RecursionError:  # the C parser counts its depth against Python's recursion limit
        raise TooLarge("嵌套层数过多", "nested too deeply") from None
