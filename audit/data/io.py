"""Read the user's files into the contract's tables.

Two steps, both vectorised:
- `read_tables(path)`: files → raw frames, every cell text, headers mapped to the
  contract's English names (the header row may sit under a title line or two),
  `_row` = the true spreadsheet row. Nothing is
  interpreted yet, so ids with leading zeros and 身份证号 stay whole.
- `audit.data.normalise.normalise_table`: text → typed columns, with a located problem
  for every value that cannot be read.
File formats (csv encodings, Excel grids, parquet) live in audit.data.readers.
`load_data(path)` does both and validates (audit.data.validation).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import polars as pl

from audit.data import contract as schema
from audit.errors import InputError
from audit.data.readers import RaggedRow, as_text, excel_sheet_names, first_used_row, read_csv_grid, read_excel_grid

TABLE_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".parquet")
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


@dataclass
class Dataset:
    tables: dict[str, pl.DataFrame]
    sources: dict[str, dict]
    problems: pl.DataFrame
    lang: str = "zh"

    def errors(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == "error")

    def warnings(self) -> pl.DataFrame:
        return self.problems.filter(pl.col("severity") == "warning")

    def raise_if_errors(self) -> None:
        """InputError summarising the counts, with the problems frame attached."""
        n_err, n_warn = self.errors().height, self.warnings().height
        if n_err == 0:
            return
        from audit.data.validation import format_problem_lines

        lines = format_problem_lines(self.errors().head(20), self.lang)
        if self.lang == "en":
            head = f"the input data has {n_err} error(s) and {n_warn} warning(s); first ones:"
            more = f"\n… and {n_err - 20} more (run `audit validate --data …` for the full list)" if n_err > 20 else ""
        else:
            head = f"输入数据有 {n_err} 个错误、{n_warn} 个警告，前几项如下："
            more = f"\n…… 另有 {n_err - 20} 个错误（运行 `audit validate --data …` 查看全部）" if n_err > 20 else ""
        raise InputError(head + "\n" + "\n".join(lines) + more, problems=self.problems)


# ---------------------------------------------------------------- reading files


def _problem(table, sheet, message, message_en, check="unreadable", row=None, column=None, value=None):
    col_zh = None
    if table and column:
        try:
            col_zh = schema.table(table).column(column).zh
        except KeyError:
            col_zh = None
    return {
        "table": table, "sheet": sheet, "row": row, "column": column, "column_zh": col_zh,
        "value": value, "message": message, "message_en": message_en, "severity": "error", "check": check,
    }


def _sha256(path: Path) -> str:
    st = path.stat()
    return _sha256_cached(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _sha256_cached(path: str, mtime_ns: int, size: int) -> str:
    """One hash per file even when a workbook gives several tables."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _bare_header(header: str) -> str:
    """'*身份证号(person_id)' → '身份证号': required-marks and a bracketed gloss dropped."""
    key = schema.norm_key(header).strip("*")
    return re.sub(r"\(.*\)$", "", key) or key


def _not_in_yuan(table: str, column: str, header: str) -> bool:
    """'投资决算额（万元）': a money column whose header gloss names 万元/千元/亿元 would be
    read as yuan, off by a factor of 10,000 — refused, never guessed."""
    gloss = re.search(r"\(([^)]*)\)$", schema.norm_key(header))
    return (schema.table(table).column(column).type == "money" and gloss is not None
            and re.search(r"[万千亿]", gloss.group(1)) is not None)


HEADER_SCAN_ROWS = 10   # a title row or two above the headers is common in 台账


def _english(header, hmap) -> str | None:
    if header is None:
        return None
    return hmap.get(schema.norm_key(header)) or hmap.get(_bare_header(header))


def _header_index(grid: pl.DataFrame, hmap) -> int:
    """The first of the top rows naming at least two contract columns (else row 0)."""
    for i, row in enumerate(grid.head(HEADER_SCAN_ROWS).rows()):
        if sum(1 for v in row if _english(v, hmap)) >= 2:
            return i
    return 0


def _column_names(table, headers, header_row: int, sheet, problems) -> list[str]:
    """English names for recognised headers; unknown headers kept as written; a second
    header for the same column is reported and set aside (`__dup_j`)."""
    hmap = schema.table(table).header_map()
    names, seen = [], {}
    for j, h in enumerate(headers):
        text = "" if h is None else str(h).strip()
        eng = _english(h, hmap)
        if eng and _not_in_yuan(table, eng, text):
            problems.append(_problem(
                table, sheet, f"表头“{text}”注明的单位不是元：本列金额须以元填写（最多两位小数），请换算后把表头改为“{schema.table(table).column(eng).zh}”",
                f"header '{text}' names a unit other than yuan: amounts must be in yuan (at most two decimals); "
                f"convert them and rename the header to '{schema.table(table).column(eng).zh}'",
                check="unit", row=header_row, column=eng, value=text))
            names.append(f"__unit_{j}")
        elif eng and eng in seen:
            problems.append(_problem(
                table, sheet, f"表头“{text}”与“{seen[eng]}”指同一列 {eng}，只能保留一列",
                f"header '{text}' and '{seen[eng]}' both mean column {eng}; keep one", check="duplicate_column",
                row=header_row, column=eng, value=text))
            names.append(f"__dup_{j}")
        elif eng:
            seen[eng] = text
            names.append(eng)
        elif not text or text in names or text.startswith("_"):
            names.append(f"__col_{j}")
        else:
            names.append(text)
    return names


def _frame_from_grid(table: str, grid: pl.DataFrame, first_row: int, sheet, problems) -> pl.DataFrame:
    """Grid of text cells (grid row 0 = spreadsheet row `first_row`) → a frame with
    named columns and `_row`; rows blank in every cell are dropped, numbering kept."""
    h = _header_index(grid, schema.table(table).header_map())
    names = _column_names(table, grid.row(h), first_row + h, sheet, problems)
    body = grid.slice(h + 1)
    df = body.rename(dict(zip(body.columns, names))).with_columns(
        pl.int_range(first_row + h + 1, first_row + h + 1 + body.height, dtype=pl.Int64).alias("_row"))
    cells = [c for c in df.columns if c != "_row"]
    if cells:
        df = df.filter(pl.any_horizontal([pl.col(c).str.contains(r"\S").fill_null(False) for c in cells]))
    return df.drop([c for c in df.columns if c.startswith("__")])


def _names_contract_columns(table: str, headers) -> bool:
    hmap = schema.table(table).header_map()
    return sum(1 for h in headers if _english(h, hmap)) >= 2


def _frame_from_typed(table: str, df: pl.DataFrame, sheet, problems) -> pl.DataFrame:
    """A typed source (parquet) whose column names are the headers: the same frame as
    `_frame_from_grid` gives, but dates, numbers and booleans keep their types (the
    normaliser takes a column of the contract's type as it is; text is parsed as usual).
    Columns the contract does not know stay as they came, as text."""
    names = _column_names(table, df.columns, 1, sheet, problems)
    df = df.rename(dict(zip(df.columns, names))).with_columns(
        pl.int_range(2, 2 + df.height, dtype=pl.Int64).alias("_row"))
    # a row blank in every cell is dropped, as in a sheet (a null, or text of spaces only);
    # a typed column without nulls says at once that no row is blank
    cells = {c: t for c, t in df.schema.items() if c != "_row"}
    if not any(t != pl.String and df.get_column(c).null_count() == 0 for c, t in cells.items()):
        df = df.filter(pl.any_horizontal(
            [pl.col(c).str.contains(r"\S").fill_null(False) if t == pl.String else pl.col(c).is_not_null()
             for c, t in cells.items()] or [pl.lit(True)]))
    df = df.drop([c for c in df.columns if c.startswith("__")])
    known = {n for c in schema.table(table).columns for n in (c.name, c.out_name)}
    extras = [c for c in df.columns if c not in known and c != "_row"]
    if extras:
        df = df.with_columns(as_text(df.select(extras)))
    return df


def _load_one(table: str, path: Path, sheet: str | None, label: str, tables, sources, problems_of):
    """Read one table from a csv/parquet file or an Excel sheet into tables[table]."""
    problems = problems_of.setdefault(table, [])
    src = {"path": str(path), "sheet": label, "sha256": _sha256(path), "encoding": None}
    try:
        if path.suffix.lower() == ".csv":
            grid, src["encoding"] = read_csv_grid(path)
            first_row = 1
        elif path.suffix.lower() == ".parquet":
            df = pl.read_parquet(path)
            if _names_contract_columns(table, df.columns):   # typed columns stay typed
                if df.width == 0:
                    raise pl.exceptions.NoDataError("no columns")
                df = _frame_from_typed(table, df, label, problems)
                src["columns"] = [c for c in df.columns if c != "_row"]
                tables[table] = df
                sources[table] = src
                return
            df = as_text(df)   # headers somewhere below: read it as a grid of text like a sheet
            grid = pl.concat([pl.DataFrame([df.columns], schema=df.columns, orient="row"), df])
            first_row = 1
        else:
            grid = read_excel_grid(path, sheet)
            first_row = first_used_row(path, sheet)
    except pl.exceptions.NoDataError:
        problems.append(_problem(table, label, "是空的：没有表头行", "is empty: no header row", check="empty"))
        sources[table] = src
        return
    except UnicodeDecodeError:
        problems.append(_problem(table, label, "文本编码无法识别（应为 UTF-8 或 GB18030/GBK）",
                                 "unknown text encoding (expected UTF-8 or GB18030/GBK)"))
        sources[table] = src
        return
    except RaggedRow as e:
        problems.append(_problem(table, label, f"这一行有 {e.n_cells} 个单元格，多于表头的 {e.n_header} 列（可能多了逗号）",
                                 f"this line has {e.n_cells} cells, more than the {e.n_header} header columns (a stray comma?)",
                                 row=e.row))
        sources[table] = src
        return
    except Exception as e:  # any reader failure is a located problem, never a traceback
        problems.append(_problem(table, label, f"无法读取：{_short(e)}", f"cannot be read: {_short(e)}"))
        sources[table] = src
        return
    if grid.width == 0 or grid.height == 0:
        problems.append(_problem(table, label, "是空的：没有表头行", "is empty: no header row", check="empty"))
        sources[table] = src
        return
    df = _frame_from_grid(table, grid, first_row, label, problems)
    src["columns"] = [c for c in df.columns if c != "_row"]
    tables[table] = df
    sources[table] = src


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:160]


def _duplicate(table, label, first, problems_of):
    problems_of.setdefault(table, []).append(_problem(
        table, label, f"“{label}”与“{first}”是同一张表 {table}，只能保留一个",
        f"'{label}' and '{first}' are both table {table}; keep one", check="duplicate_table"))


def _read_workbook(book: Path, tables, sources, problems_of, only: str | None = None,
                   skipped: list | None = None) -> str | None:
    """Each sheet named after a table (English or Chinese) is that table; other sheets
    (the template's 说明) are ignored. With `only`, the file is named after that table:
    its matching sheet, else its first sheet. Returns an error text if unreadable."""
    try:
        names = excel_sheet_names(book)
    except Exception as e:
        return _short(e)
    if only is not None:
        sheet = next((s for s in names if schema.table_for_name(s) == only), names[0] if names else None)
        _load_one(only, book, sheet, book.name, tables, sources, problems_of)
        return None
    for s in names:
        table = schema.table_for_name(s)
        if table is None:
            if skipped is not None:
                skipped.append(s)
            continue
        if table in sources:
            _duplicate(table, s, sources[table]["sheet"], problems_of)
            continue
        _load_one(table, book, s, s, tables, sources, problems_of)
    return None


def _table_misnamed(label: str, sources, problems_of) -> None:
    """A sheet or file named around a table that is otherwise absent ('入住老人名单',
    '机构信息表.csv') is that table most likely: say so rather than skip it silently
    (an unread 入住老人 sheet means no operating grant at all). The longest table name
    or synonym inside the label wins; a required table's is an error."""
    key = schema.norm_key(Path(label).stem if Path(label).suffix.lower() in TABLE_SUFFIXES else label)
    best = max(((len(schema.norm_key(x)), t) for t in schema.tables().values() if t.name not in sources
                for x in (t.name, t.zh, *t.synonyms) if schema.norm_key(x) in key), default=None, key=lambda c: c[0])
    if best is None:
        return
    t = best[1]
    problem = _problem(
        t.name, label, f"“{label}”未被读取：名称须与表名一致，如“{t.zh}”（或 {t.name}）；若它就是{t.zh}表，请改名",
        f"'{label}' was not read: it must be named after the table, e.g. {t.name} ({t.zh}); rename it if that is what it holds",
        check="missing_table")
    problems_of.setdefault(t.name, []).append({**problem, "severity": "error" if t.required else "warning"})


def _not_a_workbook(where: Path, error: str) -> dict:
    return _problem(
        None, where.name,
        f"不是可读取的 Excel 工作簿（文件损坏、设了打开密码，或并非该扩展名的格式；可在 Excel 中另存为 .xlsx）：{error}",
        f"not a readable Excel workbook (damaged, password-protected, or not the format its extension says; "
        f"save it again as .xlsx in Excel): {error}")


def read_tables(path, lang: str = "zh") -> tuple[dict[str, pl.DataFrame], dict[str, dict]]:
    """Read a folder (one file per table, or a workbook whose sheets are the tables) or
    one workbook (one sheet per table).

    Returns raw text frames keyed by contract table (only tables found) and
    `sources[table] = {"path", "sheet", "sha256", "encoding", "columns", "problems"}`,
    where `problems` lists what could not be read (a list of problem dicts).
    Problems not tied to a table (the path is not a workbook) are under `sources["*"]`."""
    path = Path(path)
    tables: dict[str, pl.DataFrame] = {}
    sources: dict[str, dict] = {}
    problems_of: dict[str, list] = {}
    loose: list[dict] = []
    skipped: list[str] = []   # sheets / files not named after a table
    if path.is_dir():
        for f in sorted(path.iterdir()):
            if not f.is_file() or f.suffix.lower() not in TABLE_SUFFIXES or f.name.startswith(("~$", ".")):
                continue  # unknown files in the folder are fine to ignore
            table = schema.table_for_name(f.stem)
            if table is None:
                if f.suffix.lower() in EXCEL_SUFFIXES:  # e.g. data.xlsx holding every table as a sheet
                    error = _read_workbook(f, tables, sources, problems_of, skipped=skipped)
                    if error:  # maybe just an unrelated file: say so, but do not block
                        loose.append({**_not_a_workbook(f, error), "severity": "warning"})
                else:
                    skipped.append(f.name)
                continue
            if table in sources:
                _duplicate(table, f.name, Path(sources[table]["path"]).name, problems_of)
                continue
            if f.suffix.lower() in EXCEL_SUFFIXES:
                error = _read_workbook(f, tables, sources, problems_of, only=table)
                if error:
                    problems_of.setdefault(table, []).append({**_not_a_workbook(f, error), "table": table})
                    sources[table] = {"path": str(f), "sheet": f.name, "sha256": _sha256(f), "encoding": None}
            else:
                _load_one(table, f, None, f.name, tables, sources, problems_of)
    elif path.is_file() and path.suffix.lower() in EXCEL_SUFFIXES:
        error = _read_workbook(path, tables, sources, problems_of, skipped=skipped)
        for label in skipped:
            _table_misnamed(label, sources, problems_of)
        skipped.clear()
        if error:
            loose.append(_not_a_workbook(path, error))
        elif not sources and not problems_of:  # e.g. Sheet1, Sheet2: say what the sheets should be called
            names = "、".join(excel_sheet_names(path))
            wanted = "、".join(t.zh for t in schema.tables().values())
            loose.append(_problem(
                None, path.name, f"没有以表名命名的工作表（现有：{names}）；请把工作表改名为 {wanted} 之一",
                f"no sheet is named after a table (found: {names.replace('、', ', ')}); rename the sheets to "
                + ", ".join(schema.tables()), check="missing_table"))
    elif path.is_file() and path.suffix.lower() in (".csv", ".parquet"):
        table = schema.table_for_name(path.stem)
        if table is None:
            loose.append(_problem(
                None, path.name, f"无法从文件名 {path.name} 判断是哪张表（应为 institutions/机构 等）",
                f"cannot tell which table {path.name} is (expected institutions/机构 …)"))
        else:
            _load_one(table, path, None, path.name, tables, sources, problems_of)
    elif path.exists():
        raise InputError(f"不支持的输入文件：{path}（应为文件夹、Excel 工作簿，或名为表名的 csv/parquet 文件）"
                         if lang != "en" else
                         f"unsupported input file: {path} (expected a folder, an Excel workbook, or a csv/parquet file named after a table)")
    else:
        raise InputError(f"找不到输入数据：{path}（应为文件夹或 Excel 工作簿）" if lang != "en" else
                         f"input data not found: {path} (expected a folder or an Excel workbook)")
    for label in skipped:
        _table_misnamed(label, sources, problems_of)
    for t, ps in problems_of.items():
        sources.setdefault(t, {"path": str(path), "sheet": None, "sha256": None, "encoding": None})
        sources[t]["problems"] = ps
    if loose:
        sources["*"] = {"path": str(path), "problems": loose}
    return tables, sources


def load_data(path, lang: str = "zh") -> Dataset:
    """Read, normalise and validate. Never raises for bad data: inspect `problems`
    or call `raise_if_errors()`."""
    from audit.data.validation import check_tables

    raw, sources = read_tables(path, lang)
    tables, problems = check_tables(raw, sources)
    return Dataset(tables=tables, sources=sources, problems=problems, lang=lang)


read = load_data   # `audit.read(path)`: the name issue 2 gives the reading API
