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
from audit.data import layout
from audit.data.institutions import link_institutions
from audit.data.normalise import parse_money, problem_row
from audit.money import fen_to_yuan
from audit.data.readers import (
    RaggedRow,
    as_text,
    excel_sheet_names,
    hidden_sheets,
    merged_ranges,
    numeric_cells,
    read_csv_grid,
    read_excel_grid,
    sheet_origin,
)
from audit.guards import TooLarge, check_workbook, inspect_sheet

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


_problem = problem_row


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


def _not_in_yuan(table: str, column: str, header: str) -> bool:
    """'投资决算额（万元）': a money column whose header gloss names 万元/千元/亿元 would be
    read as yuan, off by a factor of 10,000 — refused, never guessed."""
    gloss = re.search(r"\(([^)]*)\)$", schema.norm_key(header))
    return (
        schema.table(table).column(column).type == "money"
        and gloss is not None
        and re.search(r"[万千亿]", gloss.group(1)) is not None
    )


# headers in a roster or staff sheet that name the institution instead of its 机构编号
INSTITUTION_NAME_HEADERS = {
    schema.norm_key(h)
    for h in (
        "机构名称",
        "机构",
        "单位名称",
        "单位",
        "所在机构",
        "入住机构",
        "养老机构",
        "养老机构名称",
        "所属机构",
        "服务机构",
    )
}
INSTITUTION_CODE_HEADERS = {
    schema.norm_key(h) for h in ("统一社会信用代码", "社会信用代码", "信用代码", "机构信用代码")
}


def _refers_to_institutions(table: str) -> bool:
    try:
        return schema.table(table).column("institution_id").spec.get("references") == "institutions.institution_id"
    except KeyError:
        return False


def _column_names(table, headers, header_row: int, sheet, problems, first_col: int = 0) -> tuple[list[str], dict]:
    """English names for recognised headers; unknown headers kept as written; a second
    header for the same column is reported and set aside (`__dup_j`). Also returns how
    each column was read: {name: {"letter", "header"}} (the user's words, for messages)."""
    hmap = schema.table(table).header_map()
    names, seen, read_as = [], {}, {}
    by_name = _refers_to_institutions(table)
    for j, h in enumerate(headers):
        text = "" if h is None else str(h).strip()
        eng = layout.english(h, hmap)
        letter = layout.column_letter(first_col + j)
        if not eng and by_name and text:
            key = layout.bare_header(text)
            eng = (
                "_inst_name"
                if key in INSTITUTION_NAME_HEADERS
                else "_inst_code"
                if key in INSTITUTION_CODE_HEADERS
                else None
            )
        if eng and not eng.startswith("_") and _not_in_yuan(table, eng, text):
            problems.append(
                _problem(
                    table,
                    sheet,
                    f"表头“{text}”注明的单位不是元：本列金额须以元填写（最多两位小数），请换算后把表头改为“{schema.table(table).column(eng).zh}”",
                    f"header '{text}' names a unit other than yuan: amounts must be in yuan (at most two decimals); "
                    f"convert them and rename the header to '{schema.table(table).column(eng).zh}'",
                    check="unit",
                    row=header_row,
                    column=eng,
                    value=text,
                )
            )
            names.append(f"__unit_{j}")
        elif eng and eng in seen:
            problems.append(
                _problem(
                    table,
                    sheet,
                    f"表头“{text}”与“{seen[eng]}”指同一列 {eng}，只能保留一列",
                    f"header '{text}' and '{seen[eng]}' both mean column {eng}; keep one",
                    check="duplicate_column",
                    row=header_row,
                    column=eng,
                    value=text,
                )
            )
            names.append(f"__dup_{j}")
        elif eng:
            seen[eng] = text
            names.append(eng)
            read_as[eng] = {"letter": letter, "header": text}
        elif layout.is_serial(text):
            names.append(f"__serial_{j}")
            read_as[f"__serial_{j}"] = {"letter": letter, "header": text, "ignored": "serial"}
        elif not text or text in names or text.startswith("_"):
            names.append(f"__col_{j}")
        else:
            names.append(text)
            read_as[text] = {"letter": letter, "header": text, "ignored": "unknown"}
    return names, read_as


def _refuse_declared_unit(
    table: str, sheet, unit: layout.Unit, names: list, read_as: dict, problems, first_col
) -> None:
    """单位：万元 written above the header (or in the title, or beside the header row) says
    the same as a 万元 gloss in the header: the money columns are not in yuan. Refused,
    as the gloss is — every money column set aside, one error naming the row where the
    unit was written and the columns — never read 16.9 万元 as 16.90 yuan. A column whose
    own header says 元 is read as it says."""
    cols = schema.table(table).columns
    money = {c.name for c in cols if c.type == "money"}
    hit = [
        (j, n)
        for j, n in enumerate(names)
        if n in money and not re.search(r"\((人民币)?元\)$", schema.norm_key(read_as[n]["header"]))
    ]
    if not hit:
        return
    shown = "、".join(f"{read_as[n]['letter']}列“{read_as[n]['header']}”" for _, n in hit)
    shown_en = ", ".join(f"column {read_as[n]['letter']} '{read_as[n]['header']}'" for _, n in hit)
    where = f"{layout.column_letter(first_col + unit.col)}{unit.row}"
    problems.append(
        _problem(
            table,
            sheet,
            f"{where} 单元格写明“{unit.text}”，金额不是以元填写：{shown} 未读取；请把金额换算为元（最多两位小数）"
            f"并删去该单位说明",
            f"cell {where} says '{unit.text}': the amounts are not in yuan, so {shown_en} were not read; "
            "convert them to yuan (at most two decimals) and remove the unit note",
            check="unit",
            row=unit.row,
            value=unit.text,
        )
    )
    for j, n in hit:
        names[j] = f"__unit_{j}"
        read_as[n] = {**read_as[n], "ignored": "unit"}  # present but refused: not "missing" too


def _fill_merged_down(
    body: pl.DataFrame, first_data_row: int, first_col: int, merges, skip=frozenset()
) -> tuple[pl.DataFrame, list]:
    """Each data cell of a range merged down several rows takes the range's value (its
    first cell), as the clerk sees it on screen. `merges`: readers.merged_ranges. Returns
    the body and the ranges filled (as "F10:F12"). A range is filled only where the file
    agrees it is one: a value in its first cell, nothing in the cells under it (Excel keeps
    them empty) — so a range that does not line up with the grid overwrites nothing — and
    only on rows that hold something else (a merge running past the last resident does not
    make blank rows into data)."""
    from audit.data.layout import column_letter

    down = [
        m
        for m in merges
        if m[2] > m[0]
        and m[0] >= first_data_row
        and 0 <= m[1] - first_col < body.width
        and m[1] - first_col not in skip
    ]
    if not down:
        return body, []
    row = pl.int_range(first_data_row, first_data_row + body.height, dtype=pl.Int64)
    has_content = pl.any_horizontal([pl.col(c).str.contains(r"\S").fill_null(False) for c in body.columns])
    exprs: dict[str, pl.Expr] = {}
    filled = []
    for r1, c1, r2, _c2 in sorted(down):
        col = body.columns[c1 - first_col]
        cells = body[col].slice(r1 - first_data_row, r2 - r1 + 1)
        top = cells[0]
        if top is None or not str(top).strip() or cells.slice(1).str.contains(r"\S").fill_null(False).any():
            continue
        exprs[col] = (
            pl.when(row.is_between(r1 + 1, r2) & has_content).then(pl.lit(top)).otherwise(exprs.get(col, pl.col(col)))
        )
        filled.append(f"{column_letter(c1)}{r1}:{column_letter(c1)}{r2}")
    if not exprs:
        return body, []
    return body.with_columns(e.alias(c) for c, e in exprs.items()), filled


def _frame_from_grid(
    table: str, grid: pl.DataFrame, first_row: int, sheet, problems, first_col: int = 0, merges=()
) -> tuple[pl.DataFrame, dict]:
    """Grid of text cells (grid row 0 = spreadsheet row `first_row`) → a frame with
    named columns and `_row`; rows blank in every cell are dropped, numbering kept;
    合计/小计 rows and signature footers are dropped with an info line each.
    Returns the frame and how the sheet was read (header rows, columns, skipped rows)."""
    found = layout.find_layout(grid, schema.table(table).header_map(), first_row)
    header_row = found.header_rows[0]
    names, read_as = _column_names(table, found.headers, header_row, sheet, problems, first_col)
    if found.unit is not None and not found.unit.in_yuan:
        _refuse_declared_unit(table, sheet, found.unit, names, read_as, problems, first_col)
    h = header_row - first_row + len(found.header_rows)
    # an amount or a count merged over several rows is one figure for them all, not each row's:
    # it stays on the first row only, and that is said
    t = schema.table(table)
    known = {c.name: c for c in t.columns}
    amounts = {j for j, n in enumerate(names) if n in known and known[n].type in ("money", "number", "int")}
    body, filled = _fill_merged_down(grid.slice(h), first_row + h, first_col, merges, skip=amounts)
    not_filled = [m for m in merges if m[2] > m[0] and m[0] >= first_row + h and (m[1] - first_col) in amounts]
    for r1, c1, r2, _c2 in not_filled:
        where = f"{layout.column_letter(c1)}{r1}:{layout.column_letter(c1)}{r2}"
        problems.append(
            _problem(
                table,
                sheet,
                f"合并单元格 {where} 是金额或数量：只计入第 {r1} 行，其余各行按空白读取；如是每行各自的数，请逐行填写",
                f"merged cells {where} hold an amount or a count: read on row {r1} only, the other rows as blank; "
                "if each row has its own figure, fill in every row",
                check="merged_cells",
                row=r1,
                severity="warning",
            )
        )
    if filled:
        shown = "、".join(filled[:5]) + (f" 等 {len(filled)} 处" if len(filled) > 5 else "")
        shown_en = ", ".join(filled[:5]) + (f" and {len(filled) - 5} more" if len(filled) > 5 else "")
        problems.append(
            _problem(
                table,
                sheet,
                f"合并单元格 {shown} 按其显示的值逐行读取（合并区域内每一行都取首格的值）",
                f"merged cells {shown_en} are read as shown: every row of the range takes its first cell's value",
                check="merged_cells",
                row=int(re.search(r"\d+", filled[0]).group()),  # type: ignore[union-attr]
                severity="info",
            )
        )
    ids = [
        n
        for n in names
        if n == "_inst_code"
        or (n in known and (known[n].spec.get("id_like") or known[n].spec.get("format") in ID_FORMATS))
    ]
    money = [n for n in names if n in known and known[n].type == "money"]
    homes = [n for n in names if n == "_inst_name"]
    remarks = [n for n, header in zip(names, found.headers) if layout.is_remark(header)]
    # what only a real record carries: a 凭证号 (a date may be repeated on a subtotal)
    vouchers = [n for n in names if n in known and known[n].spec.get("record_mark")]
    roles = (ids, money, homes, remarks, vouchers)
    df, skipped, doubtful = layout.body_frame(body, names, first_row + h, *roles)
    if filled and doubtful:
        # 小计 under a 机构编号 merged over the home's rows (in a label cell or a 备注): the id is
        # the range's, not typed on that row — a per-home subtotal, the commonest layout, not a
        # payment with a stray word. Only a row asked about is so skipped: a payment on its own
        # voucher stays one
        typed = layout.body_frame(grid.slice(h), names, first_row + h, *roles)[1]
        by_fill = {r["row"] for r in typed if r["kind"] == "total"} & {r["row"] for r in doubtful}
        if by_fill:
            skipped = sorted(skipped + [r for r in typed if r["row"] in by_fill], key=lambda r: r["row"])
            doubtful = [r for r in doubtful if r["row"] not in by_fill]
            df = df.filter(~pl.col("_row").is_in(sorted(by_fill)))
    _say_skipped(table, sheet, skipped, doubtful, problems)
    info = {
        "sheet": sheet,
        "header_rows": found.header_rows,
        "title": found.title,
        "read_as": read_as,
        "rows": df.height,
        "skipped": skipped,
    }
    return df.drop([c for c in df.columns if c.startswith("__")]), info


def _say_skipped(table: str, sheet, skipped: list[dict], doubtful: list[dict], problems: list) -> None:
    """A line per 合计 row or footer skipped: an aside, unless the row holds an id or a
    figure in a money column — then a warning naming it (money may have been left out).
    A 合计 row holding an id was kept as data: an error, since either reading may be wrong."""
    for sk in skipped:
        words = {"total": ("合计/小计行", "a total row"), "footer": ("表尾签字/日期行", "a signature or date footer")}[
            sk["kind"]
        ]
        if sk["data"] and sk["kind"] == "footer":
            zh = f"看来是{words[0]}，已跳过；但这一行填有编号或金额，若是数据请把表尾文字移到表格下方：{sk['text']}"
            en = (
                f"looks like {words[1]} and was skipped, but it holds an id or an amount; if it is data, "
                f"move the footer words below the table: {sk['text']}"
            )
            severity = "warning"
        else:
            zh = f"是{words[0]}，已跳过（不作为数据读取）：{sk['text']}"
            en = f"is {words[1]}, skipped (not read as data): {sk['text']}"
            severity = "info"
        problems.append(
            {**_problem(table, sheet, zh, en, check=f"skipped_{sk['kind']}", row=sk["row"]), "severity": severity}
        )
    for sk in doubtful:  # 小计 on a row that names a home: a subtotal, or a payment with a stray word?
        problems.append(
            _problem(
                table,
                sheet,
                "这一行写有“合计/小计”，却又填有机构或人员编号：是小计行请删除，是数据请删去“合计/小计”字样"
                f"（暂按数据读取）：{sk['text']}",
                "this row says 合计/小计 (a total) yet holds an institution or person id: delete it if it is a "
                f"subtotal, or remove the word if it is data (read as data for now): {sk['text']}",
                check="total_with_id",
                row=sk["row"],
            )
        )


def _names_contract_columns(table: str, headers) -> bool:
    hmap = schema.table(table).header_map()
    return sum(1 for h in headers if layout.english(h, hmap)) >= 2


def _frame_from_typed(table: str, df: pl.DataFrame, sheet, problems) -> pl.DataFrame:
    """A typed source (parquet) whose column names are the headers: the same frame as
    `_frame_from_grid` gives, but dates, numbers and booleans keep their types (the
    normaliser takes a column of the contract's type as it is; text is parsed as usual).
    Columns the contract does not know stay as they came, as text."""
    names, _ = _column_names(table, df.columns, 1, sheet, problems)
    df = df.rename(dict(zip(df.columns, names))).with_columns(
        pl.int_range(2, 2 + df.height, dtype=pl.Int64).alias("_row")
    )
    # a row blank in every cell is dropped, as in a sheet (a null, or text of spaces only);
    # a typed column without nulls says at once that no row is blank
    cells = {c: t for c, t in df.schema.items() if c != "_row"}
    if not any(t != pl.String and df.get_column(c).null_count() == 0 for c, t in cells.items()):
        df = df.filter(
            pl.any_horizontal(
                [
                    pl.col(c).str.contains(r"\S").fill_null(False) if t == pl.String else pl.col(c).is_not_null()
                    for c, t in cells.items()
                ]
                or [pl.lit(True)]
            )
        )
    df = df.drop([c for c in df.columns if c.startswith("__")])
    known = {n for c in schema.table(table).columns for n in (c.name, c.out_name)}
    extras = [c for c in df.columns if c not in known and c != "_row"]
    if extras:
        df = df.with_columns(as_text(df.select(extras)))
    return df


ID_FORMATS = ("person_id", "credit_code")


def _mark_numeric_ids(table: str, df: pl.DataFrame, path: Path, sheet: str, info: dict) -> pl.DataFrame:
    """`_numeric_<column>`: the id in this row came from a number cell (digits lost)."""
    cols = {
        c.name: info["read_as"][c.name]["letter"]
        for c in schema.table(table).columns
        if c.spec.get("format") in ID_FORMATS and c.name in info["read_as"]
    }
    if not cols:
        return df
    found = numeric_cells(path, sheet, list(cols.values()))
    return df.with_columns(
        pl.col("_row").is_in(found[letter]).alias(f"_numeric_{name}") for name, letter in cols.items()
    )


def _read_grid(path: Path, sheet: str | None) -> tuple[pl.DataFrame, int, int, str | None]:
    """(grid of text cells, first spreadsheet row, first column index, csv encoding)."""
    if path.suffix.lower() == ".csv":
        grid, encoding = read_csv_grid(path)
        return grid, 1, 0, encoding
    if path.suffix.lower() == ".parquet":
        df = as_text(pl.read_parquet(path))
        return pl.concat([pl.DataFrame([df.columns], schema=df.columns, orient="row"), df]), 1, 0, None
    _formula_cells(str(path), sheet, path.stat().st_mtime_ns)  # refuses a sheet too large to read (TooLarge)
    grid = read_excel_grid(path, sheet)
    row, col = sheet_origin(path, sheet)
    return grid, row, col, None


@lru_cache(maxsize=64)
def _formula_cells(path: str, sheet: str, mtime_ns: int) -> list[tuple[int, str]]:
    """guards.inspect_sheet once per sheet (the content sniffing and the read share it)."""
    return inspect_sheet(Path(path), sheet)


def _load_one(
    table: str, path: Path, sheet: str | None, label: str, tables, sources, problems_of, grid_read=None
) -> str | None:
    """Read one table from a csv/parquet file or an Excel sheet; a second sheet of the
    same table (one roster per home) is stacked under the first, each row keeping its
    sheet in `_sheet`. Returns "copied" for a sheet not stacked as a copy of another."""
    problems = problems_of.setdefault(table, [])
    src = {"path": str(path), "sheet": label, "sha256": _sha256(path), "encoding": None}
    try:
        if grid_read is None and path.suffix.lower() == ".parquet":
            typed = pl.read_parquet(path)
            if _names_contract_columns(table, typed.columns):  # typed columns stay typed
                if typed.width == 0:
                    raise pl.exceptions.NoDataError("no columns")
                df = _frame_from_typed(table, typed, label, problems)
                src["columns"] = [c for c in df.columns if c != "_row"]
                tables[table] = df
                sources[table] = src
                return
        grid, first_row, first_col, src["encoding"] = grid_read if grid_read is not None else _read_grid(path, sheet)
        formulas: list[dict] = []
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            for row, letters in _formula_cells(str(path), sheet, path.stat().st_mtime_ns):
                formulas.append(
                    _problem(
                        table,
                        label,
                        f"单元格 {letters}{row} 是公式但文件中没有保存计算结果（读出来会是空白）；"
                        "请在 Excel 中打开并保存一次，或把公式换成数值",
                        f"cell {letters}{row} holds a formula but the file has no saved result (it would read as blank); "
                        "open and save the workbook in Excel, or replace the formula by its value",
                        check="formula",
                        row=row,
                        value=f"{letters}{row}",
                    )
                )
    except pl.exceptions.NoDataError:
        problems.append(_problem(table, label, "是空的：没有表头行", "is empty: no header row", check="empty"))
        sources.setdefault(table, src)
        return
    except TooLarge as e:
        problems.append(_problem(table, label, e.zh, e.en, check="too_large"))
        sources[table] = src
        return
    except UnicodeDecodeError:
        problems.append(
            _problem(
                table,
                label,
                "文本编码无法识别（应为 UTF-8 或 GB18030/GBK）",
                "unknown text encoding (expected UTF-8 or GB18030/GBK)",
            )
        )
        sources.setdefault(table, src)
        return
    except RaggedRow as e:
        problems.append(
            _problem(
                table,
                label,
                f"这一行有 {e.n_cells} 个单元格，多于表头的 {e.n_header} 列（可能多了逗号）",
                f"this line has {e.n_cells} cells, more than the {e.n_header} header columns (a stray comma?)",
                row=e.row,
            )
        )
        sources.setdefault(table, src)
        return
    except Exception as e:  # any reader failure is a located problem, never a traceback
        problems.append(_problem(table, label, f"无法读取：{_short(e)}", f"cannot be read: {_short(e)}"))
        sources.setdefault(table, src)
        return
    if grid.width == 0 or grid.height == 0:
        problems.append(_problem(table, label, "是空的：没有表头行", "is empty: no header row", check="empty"))
        sources.setdefault(table, src)
        return
    merges = merged_ranges(path, sheet) if sheet is not None and path.suffix.lower() in (".xlsx", ".xlsm") else []
    df, info = _frame_from_grid(table, grid, first_row, label, problems, first_col, merges)
    skipped = {sk["row"] for sk in info["skipped"]}  # a formula in a 合计 row or footer is never read
    problems.extend(f for f in formulas if f["row"] not in skipped)
    if sheet is not None and path.suffix.lower() in EXCEL_SUFFIXES:
        df = _mark_numeric_ids(table, df, path, sheet, info)
    if _refers_to_institutions(table) and not {"institution_id", "_inst_name", "_inst_code"} & set(df.columns):
        # a roster without an institution column: the home is named by the title row or the sheet
        # (both kept: a generic title falls back to the sheet name, and a title copied from
        # another home's sheet is caught where the two disagree)
        df = df.with_columns(
            pl.lit(info["title"], dtype=pl.String).alias("_inst_title"),
            pl.lit(label, dtype=pl.String).alias("_inst_label"),
        )
    info["table"] = table
    if table in tables:  # stacking: several sheets of one table
        first = sources[table]
        if _copied_sheet(table, tables[table], df, label, first, problems):
            return "copied"
        if "_sheet" not in tables[table].columns:
            tables[table] = tables[table].with_columns(pl.lit(first["sheet"], dtype=pl.String).alias("_sheet"))
        df = df.with_columns(pl.lit(label, dtype=pl.String).alias("_sheet"))
        tables[table] = pl.concat([tables[table], df], how="diagonal_relaxed")
        first["sheet"] = f"{first['sheet']}、{label}"
        first["columns"] = list(dict.fromkeys([*first["columns"], *(c for c in df.columns if not c.startswith("_"))]))
        first["read"].append(info)
        return
    src["columns"] = [c for c in df.columns if not c.startswith("_")]
    src["read"] = [info]
    tables[table] = df
    sources[table] = src


COPY_SHARE = 0.9  # a sheet nine tenths of whose rows are another sheet's is a copy of it


COPY_SUFFIX = (
    r"\s*(?:[（(]\d+[)）]|备份|副本|复制|copy|Copy)\s*$"  # what Excel or a clerk adds to a copied sheet's name
)


def _copied_sheet(table: str, stacked: pl.DataFrame, df: pl.DataFrame, label: str, first: dict, problems) -> bool:
    """A sheet read by content whose rows are (nearly) all rows of a sheet already read —
    Excel's `拨付 (2)`, a `申报备份` kept beside `申报` — is a copy, not more payments:
    stacked, it would count every amount twice. An error naming both sheets, the rows and
    the money on them; the copy is not stacked. Rows compare by every column the two have in
    common, as text, and by the home each row is read for (its 机构名称, or the home a sheet's
    name or title gives): one home's sheet is never a copy of another's, however alike their
    amounts. Only tables with money: a roster kept month by month (1月, 2月, 3月 of the same
    residents) pays no one twice — a person counts once a month — and its repeated rows are
    named one by one (overlapping stays)."""
    money = [c.name for c in schema.table(table).columns if c.type == "money"]
    home = [c for c in ("_inst_name", "_inst_code", "_inst_label") if c in df.columns and c in stacked.columns]
    cols = [c for c in df.columns if not c.startswith("_") and c in stacked.columns]
    if not any(c in cols for c in money) or len(cols) < 2 or df.is_empty():
        return False
    # a home named by the sheet: `拨付 (2)` / `申报备份` name the same as `拨付` / `申报`
    keys = [*cols, *(pl.col(c).str.replace(COPY_SUFFIX, "").alias(c) if c == "_inst_label" else c for c in home)]
    sheet_of = pl.col("_sheet") if "_sheet" in stacked.columns else pl.lit(first["sheet"], dtype=pl.String)
    seen = stacked.select(sheet_of.alias("__sheet"), pl.struct(keys).hash().alias("__h")).unique()
    mine = df.select(pl.struct(keys).hash().alias("__h"), *cols)
    shared = (
        mine.join(seen, on="__h")
        .group_by("__sheet")
        .agg(pl.len().alias("n"))
        .sort("n", "__sheet", descending=[True, False])
    )
    if shared.is_empty() or shared["n"][0] < COPY_SHARE * df.height:
        return False
    other, n = shared["__sheet"][0], shared["n"][0]
    money = [c for c in money if c in cols]
    twice = ""
    if money:
        dup = mine.join(seen.filter(pl.col("__sheet") == other), on="__h", how="semi")
        fen = dup.select(sum(parse_money(pl.col(c))[0].fill_null(0).sum() for c in money)).item()
        twice = fen_to_yuan(fen, thousands=True)
    problems.append(
        _problem(
            table,
            label,
            f"与工作表「{other}」重复：本表 {df.height} 行中有 {n} 行与之完全相同，看来是复制的工作表"
            + (f"（重复行金额合计 {twice} 元，照读会计算两次）" if twice else "")
            + "；未读取本表，请删除或隐藏其中一个，如确有另外的数据请合并到一个工作表",
            f"duplicates sheet '{other}': {n} of its {df.height} rows are identical there, so it looks like a copy"
            + (f" (the duplicated rows hold {twice} yuan, which would be counted twice)" if twice else "")
            + "; this sheet was not read: delete or hide one of them, or merge any further rows into one sheet",
            check="copied_sheet",
        )
    )
    return True


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:160]


def _duplicate(table, label, first, problems_of):
    problems_of.setdefault(table, []).append(
        _problem(
            table,
            label,
            f"“{label}”与“{first}”是同一张表 {table}，只能保留一个",
            f"'{label}' and '{first}' are both table {table}; keep one",
            check="duplicate_table",
        )
    )


CONTENT_MIN_COLUMNS = 3  # a sheet naming at least three columns of a table is that table


def _table_by_content(grid: pl.DataFrame) -> tuple[str | None, int]:
    """The table whose headers a sheet's top rows name most (at least three columns)."""
    best, score = None, 0
    for t in schema.tables().values():
        n = layout.header_score(grid, t.header_map())[0]
        if n > score:
            best, score = t.name, n
    return (best, score) if score >= CONTENT_MIN_COLUMNS else (None, score)


def _read_workbook(
    book: Path,
    tables,
    sources,
    problems_of,
    only: str | None = None,
    skipped: list | None = None,
    sheet_log: list | None = None,
) -> str | None:
    """Each sheet named after a table (English or Chinese) is that table; any other sheet
    whose header names at least three columns of a table is that table too, and several
    such sheets are stacked (one 花名册 per home). Hidden sheets are not read, and said so.
    Other sheets (the template's 说明) are ignored, with why, in `sheet_log`.
    With `only`, the file is named after that table: its matching sheet, else its first
    sheet. Returns an error text if unreadable."""
    try:
        check_workbook(book)  # sizes from the zip directory, before the reader inflates anything
        names = excel_sheet_names(book)
    except TooLarge as e:
        return e
    except Exception as e:
        return _short(e)
    log = sheet_log if sheet_log is not None else []
    if only is not None:
        sheet = next((s for s in names if schema.table_for_name(s) == only), names[0] if names else None)
        _load_one(only, book, sheet, book.name, tables, sources, problems_of)
        return None
    hidden_names = hidden_sheets(book)
    by_name: set[str] = set()
    for s in names:
        table = schema.table_for_name(s)
        hidden = s in hidden_names
        grid_read = None
        if table is None:
            try:
                grid_read = _read_grid(book, s)
                table, _ = _table_by_content(grid_read[0])
            except Exception:
                table = None
        if hidden:
            log.append({"sheet": s, "table": table, "status": "hidden"})
            if table is not None:
                t = schema.table(table)
                problems_of.setdefault(table, []).append(
                    {
                        **_problem(
                            table,
                            s,
                            f"是隐藏的工作表，未读取；它看来是“{t.zh}”表：若其中是本期数据，请取消隐藏",
                            f"is a hidden sheet and was not read; it looks like table {table}: unhide it if it holds current data",
                            check="hidden_sheet",
                        ),
                        "severity": "warning",
                    }
                )
            continue
        if table is None:
            log.append({"sheet": s, "table": None, "status": "ignored"})
            if skipped is not None:
                skipped.append(s)
            continue
        if schema.table_for_name(s) == table:
            if table in by_name:
                _duplicate(table, s, sources[table]["sheet"], problems_of)
                log.append({"sheet": s, "table": table, "status": "duplicate"})
                continue
            by_name.add(table)
        status = _load_one(table, book, s, s, tables, sources, problems_of, grid_read=grid_read)
        log.append(
            {"sheet": s, "table": table, "status": status or "read", "by": "name" if grid_read is None else "content"}
        )
    return None


def _table_misnamed(label: str, sources, problems_of) -> None:
    """A sheet or file named around a table that is otherwise absent ('入住老人名单',
    '机构信息表.csv') is that table most likely: say so rather than skip it silently
    (an unread 入住老人 sheet means no operating grant at all). The longest table name
    or synonym inside the label wins; a required table's is an error."""
    key = schema.norm_key(Path(label).stem if Path(label).suffix.lower() in TABLE_SUFFIXES else label)
    best = max(
        (
            (len(schema.norm_key(x)), t)
            for t in schema.tables().values()
            if t.name not in sources
            for x in (t.name, t.zh, *t.synonyms)
            if schema.norm_key(x) in key
        ),
        default=None,
        key=lambda c: c[0],
    )
    if best is None:
        return
    t = best[1]
    problem = _problem(
        t.name,
        label,
        f"“{label}”未被读取：名称须与表名一致，如“{t.zh}”（或 {t.name}）；若它就是{t.zh}表，请改名",
        f"'{label}' was not read: it must be named after the table, e.g. {t.name} ({t.zh}); rename it if that is what it holds",
        check="missing_table",
    )
    problems_of.setdefault(t.name, []).append({**problem, "severity": "error" if t.required else "warning"})


def _not_a_file(f: Path, problems_of, loose) -> None:
    """`residents.csv` that is a folder, a dangling link or a link loop: never skipped in
    silence (an unread 入住老人 table is an operating grant of zero)."""
    kind_zh, kind_en = (
        ("是文件夹", "is a folder")
        if f.is_dir()
        else ("是指向不存在文件的链接（或链接循环）", "is a link to nothing (or a link loop)")
        if f.is_symlink()
        else ("不是普通文件", "is not a regular file")
    )
    table = schema.table_for_name(f.stem)
    problem = _problem(table, f.name, f"“{f.name}”{kind_zh}，无法读取", f"'{f.name}' {kind_en} and cannot be read")
    if table is None:
        loose.append({**problem, "severity": "warning"})
    else:
        problems_of.setdefault(table, []).append(problem)


def _not_a_workbook(where: Path, error) -> dict:
    if isinstance(error, TooLarge):
        return _problem(None, where.name, error.zh, error.en, check="too_large")
    return _problem(
        None,
        where.name,
        f"不是可读取的 Excel 工作簿（文件损坏、设了打开密码，或并非该扩展名的格式；可在 Excel 中另存为 .xlsx）：{error}",
        f"not a readable Excel workbook (damaged, password-protected, or not the format its extension says; "
        f"save it again as .xlsx in Excel): {error}",
    )


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
    skipped: list[str] = []  # sheets / files not named after a table
    sheet_log: list[dict] = []  # every sheet of every workbook: read (as which table), ignored, hidden
    if path.is_dir():
        for f in sorted(path.iterdir()):
            if f.suffix.lower() not in TABLE_SUFFIXES or f.name.startswith(("~$", ".")):
                continue  # unknown files in the folder are fine to ignore
            if not f.is_file():
                _not_a_file(f, problems_of, loose)
                continue
            table = schema.table_for_name(f.stem)
            if table is None:
                if f.suffix.lower() in EXCEL_SUFFIXES:  # e.g. data.xlsx holding every table as a sheet
                    error = _read_workbook(f, tables, sources, problems_of, skipped=skipped, sheet_log=sheet_log)
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
        error = _read_workbook(path, tables, sources, problems_of, skipped=skipped, sheet_log=sheet_log)
        for label in skipped:
            _table_misnamed(label, sources, problems_of)
        skipped.clear()
        if error:
            loose.append(_not_a_workbook(path, error))
        elif not sources and not problems_of:  # e.g. Sheet1, Sheet2: say what the sheets should be called
            names = "、".join(excel_sheet_names(path))
            wanted = "、".join(t.zh for t in schema.tables().values())
            loose.append(
                _problem(
                    None,
                    path.name,
                    f"没有以表名命名的工作表（现有：{names}）；请把工作表改名为 {wanted} 之一",
                    f"no sheet is named after a table (found: {names.replace('、', ', ')}); rename the sheets to "
                    + ", ".join(schema.tables()),
                    check="missing_table",
                )
            )
    elif path.is_file() and path.suffix.lower() in (".csv", ".parquet"):
        table = schema.table_for_name(path.stem)
        if table is None:
            loose.append(
                _problem(
                    None,
                    path.name,
                    f"无法从文件名 {path.name} 判断是哪张表（应为 institutions/机构 等）",
                    f"cannot tell which table {path.name} is (expected institutions/机构 …)",
                )
            )
        else:
            _load_one(table, path, None, path.name, tables, sources, problems_of)
    elif path.exists():
        raise InputError(
            f"不支持的输入文件：{path}（应为文件夹、Excel 工作簿，或名为表名的 csv/parquet 文件）"
            if lang != "en"
            else f"unsupported input file: {path} (expected a folder, an Excel workbook, or a csv/parquet file named after a table)"
        )
    else:
        raise InputError(
            f"找不到输入数据：{path}（应为文件夹或 Excel 工作簿）"
            if lang != "en"
            else f"input data not found: {path} (expected a folder or an Excel workbook)"
        )
    for label in skipped:
        _table_misnamed(label, sources, problems_of)
    link_institutions(tables, sources, problems_of)
    for t, ps in problems_of.items():
        sources.setdefault(t, {"path": str(path), "sheet": None, "sha256": None, "encoding": None})
        sources[t]["problems"] = ps
    if loose or sheet_log:
        sources["*"] = {"path": str(path), "problems": loose, "sheets": sheet_log}
    return tables, sources


def load_data(path, lang: str = "zh") -> Dataset:
    """Read, normalise and validate. Never raises for bad data: inspect `problems`
    or call `raise_if_errors()`."""
    from audit.data.validation import check_tables

    raw, sources = read_tables(path, lang)
    tables, problems = check_tables(raw, sources)
    return Dataset(tables=tables, sources=sources, problems=problems, lang=lang)


def reading_summary(sources: dict, tables: dict | None = None) -> dict:
    """What was read and how, for `validate`, `--format json --reading` and the report:
    per table its sheets/files (header rows, rows read, by name or by content), each
    user header → contract column with its letter, columns ignored, rows skipped and
    why; and every sheet not read, with why."""
    out = {"tables": [], "sheets_not_read": []}
    for t in schema.TABLE_ORDER:
        src = sources.get(t)
        if not src or not src.get("read"):
            continue
        parts = []
        for info in src["read"]:
            parts.append(
                {
                    "file": Path(src["path"]).name,
                    "sheet": info["sheet"],
                    "header_rows": info["header_rows"],
                    "title": info["title"],
                    "rows": info["rows"],
                    "columns": [
                        {"letter": h["letter"], "header": h["header"], "column": c}
                        for c, h in info["read_as"].items()
                        if not h.get("ignored")
                    ],
                    "ignored": [
                        {"letter": h["letter"], "header": h["header"], "why": h["ignored"]}
                        for h in info["read_as"].values()
                        if h.get("ignored")
                    ],
                    "skipped": [{"row": k["row"], "kind": k["kind"]} for k in info["skipped"]],
                }
            )
        rows = tables[t].height if tables and t in tables else sum(p["rows"] for p in parts)
        out["tables"].append({"table": t, "rows": rows, "sources": parts})
    for s in (sources.get("*") or {}).get("sheets", []):
        if s["status"] != "read":
            out["sheets_not_read"].append({"sheet": s["sheet"], "status": s["status"], "looks_like": s["table"]})
    return out


def reading_rows(summary: dict, lang: str = "zh") -> tuple[list[dict], list[str]]:
    """The reading summary in words, one dict per sheet or file read (table, where, header
    rows, rows, header → column, columns not read, rows skipped) and one line per sheet not
    read: what the terminal prints and the bureau report's appendix shows."""
    en = lang == "en"
    by = {
        "_inst_name": "institution_id (by name)" if en else "institution_id（按机构名称）",
        "_inst_code": "institution_id (by credit code)" if en else "institution_id（按信用代码）",
    }
    words = {"total": ("total rows", "合计/小计行"), "footer": ("footer rows", "表尾签字行")}
    rows = []
    for t in summary["tables"]:
        name = t["table"] if en else schema.table(t["table"]).zh
        for p in t["sources"]:
            kinds: dict[str, list[str]] = {}
            for k in p["skipped"]:
                kinds.setdefault(k["kind"], []).append(str(k["row"]))
            rows.append(
                {
                    "table": name,
                    "table_rows": t["rows"],
                    "n_sources": len(t["sources"]),
                    "where": p["sheet"] or p["file"],
                    "header": "-".join(str(r) for r in dict.fromkeys([p["header_rows"][0], p["header_rows"][-1]])),
                    "rows": p["rows"],
                    "columns": ", ".join(
                        f"{c['letter']} {c['header']}→{by.get(c['column'], c['column'])}" for c in p["columns"]
                    ),
                    "ignored": ", ".join(f"{c['letter']} {c['header']}" for c in p["ignored"]),
                    "skipped": "; ".join(f"{words[k][0 if en else 1]} {', '.join(v)}" for k, v in kinds.items()),
                }
            )
    why = {
        "hidden": ("hidden", "隐藏"),
        "ignored": ("headers match no table", "表头不对应任何表"),
        "duplicate": ("a second sheet of the same table", "同一张表的第二个工作表"),
        "copied": ("a copy of another sheet", "另一工作表的副本"),
    }
    not_read = [
        f"{s['sheet']} ({why[s['status']][0]})" if en else f"{s['sheet']}（{why[s['status']][1]}）"
        for s in summary["sheets_not_read"]
    ]
    return rows, not_read


def format_reading(summary: dict, lang: str = "zh") -> list[str]:
    """The reading summary as lines for a terminal."""
    en = lang == "en"
    rows, not_read = reading_rows(summary, lang)
    lines = ["reading:" if en else "读取情况："]
    for i, r in enumerate(rows):
        if i == 0 or rows[i - 1]["table"] != r["table"]:
            lines.append(
                f"  {r['table']} ← {r['n_sources']} sheet(s)/file(s), {r['table_rows']} rows"
                if en
                else f"  {r['table']} ← {r['n_sources']} 个工作表/文件，共 {r['table_rows']} 行"
            )
        lines.append(
            f"    {r['where']}: header row {r['header']}, {r['rows']} rows; {r['columns']}"
            if en
            else f"    {r['where']}：表头第 {r['header']} 行，{r['rows']} 行；{r['columns']}"
        )
        if r["ignored"]:
            lines.append(f"      columns not read: {r['ignored']}" if en else f"      未读取的列：{r['ignored']}")
        if r["skipped"]:
            lines.append(f"      skipped: {r['skipped']}" if en else f"      跳过：{r['skipped']}")
    lines += [f"  not read: {w}" if en else f"  未读取：{w}" for w in not_read]
    return lines


read = load_data  # `audit.read(path)`: the name issue 2 gives the reading API
