"""Rows matched to institutions the way a bureau names them: by 机构名称 or
统一社会信用代码 when a table has no 机构编号, and a per-home roster sheet by its sheet
name or title row. Works on the raw text frames, before normalising.

Where the institutions table itself has no 机构编号, the credit code (else the name) is
the key. A name that matches no institution, or several, is a located error listing the
nearest names: paying the wrong home is worse than asking."""

from __future__ import annotations

import difflib
import re

import polars as pl

from audit.data import contract as schema
from audit.data.normalise import parse_money, problem_row
from audit.money import fen_to_yuan

_PUNCT = r"[\s()\[\]【】（）·\-—_.,，、:：\"'“”]"
# words around a home's name in a sheet name or title: 七星敬老院入住老人花名册（2024年12月）
_FORM_WORDS = re.compile(
    r"(\d{4}年度?(\d{1,2}月份?)?(\d{1,2}日)?|\d{4}|截至|截止|年度|季度|入住老人|在院老人|入住人员|老年人|老人|"
    r"工作人员|从业人员|员工|职工|护理员|花名册|名册|名单|人员|明细表?|信息表?|登记表|统计表|台账|一览表|情况表?|表)"
)


def name_key(e: pl.Expr) -> pl.Expr:
    """Matching key of an institution name: NFKC, no spaces or brackets, lower case."""
    return e.cast(pl.String).str.normalize("NFKC").str.replace_all(_PUNCT, "").str.to_lowercase()


def _key(text: str) -> str:
    return re.sub(_PUNCT, "", schema.norm_key(text))


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


# what may follow a register name on a row of money and still be that home (_key form: no brackets)
_QUALIFIERS = re.compile(r"(?:民办|公办|公建民营|民办公助|非营利性?|营利性?|有限责任公司|股份有限公司|有限公司)*")


def match_name(text: str, names: dict[str, list[str]], exact_only: bool = False) -> tuple[list[str], list[str]]:
    """(matching institution ids, nearest names for a message) for a name, sheet name or
    title. Exact key first; then the longest institution name inside the text (a title
    row); then the text's core inside one name (a shortened sheet name); then the core's
    characters in order inside exactly one name (七星敬老院 → 新昌县七星街道敬老院).
    An inexact match returns its register name as the one "nearest" name, so the caller
    can say which name the text was read as. With `exact_only` (a 机构名称 typed on each
    row of a table of money) only the exact or normalised name matches: 新昌县敬老院,
    not in the register, is never paid to 新昌县城南中心敬老院; the look-alike is offered
    as the nearest name instead."""
    key = _key(text)
    core = _FORM_WORDS.sub("", key)
    for k in (key, core):
        if k in names:
            return names[k], []
    inside = sorted((n for n in names if len(n) >= 2 and n in key), key=len, reverse=True)
    found: tuple[list[str], list[str]] | None = None
    if inside and (len(inside) == 1 or len(inside[0]) > len(inside[1])):
        found = names[inside[0]], [inside[0]]
    for test in ((lambda n: len(core) >= 2 and core in n), (lambda n: len(core) >= 3 and _subsequence(core, n))):
        if found:
            break
        hits = [n for n in names if test(n)]
        if len(hits) == 1:
            found = names[hits[0]], [hits[0]]
        elif len(hits) > 1:
            return [i for n in hits for i in names[n]], hits[:5]
    if found and exact_only:
        # the whole register name plus only a company form or an ownership in brackets
        # (越城区甲养老院有限公司, 柯桥区乙养老院（民办）) is that home, said as an inexact match
        rest = key.replace(inside[0], "", 1) if inside and found[1] == [inside[0]] else None
        if rest is not None and _QUALIFIERS.fullmatch(rest):
            return found
        return [], found[1]
    return found or ([], difflib.get_close_matches(core or key, list(names), n=3, cutoff=0.3))


def _shown_names(keys: list[str], display: dict[str, str]) -> str:
    return "、".join(display.get(k, k) for k in keys)


def link_institutions(tables: dict[str, pl.DataFrame], sources: dict, problems_of: dict) -> None:
    """Fill institution_id where a table names institutions instead (in place)."""
    inst = tables.get("institutions")
    if inst is None:
        return
    if "institution_id" not in inst.columns:
        inst = _key_institutions(inst, sources, problems_of)
        tables["institutions"] = inst
    linked = [t for t, df in tables.items() if t != "institutions" and set(LINK_COLUMNS) & set(df.columns)]
    if not linked:  # every table names its 机构编号: no name maps to build (40,000 homes: 0.5 s)
        return
    keyed = inst.select(
        pl.col("institution_id").cast(pl.String).str.strip_chars().alias("_iid"),
        *(pl.col(c).cast(pl.String) for c in ("name", "credit_code") if c in inst.columns),
    ).filter(pl.col("_iid").is_not_null() & (pl.col("_iid") != ""))
    names: dict[str, list[str]] = {}
    display: dict[str, str] = {}
    codes: dict[str, str] = {}
    if "name" in keyed.columns:  # matching key → every id of that name, and the name as written (last one)
        named = keyed.filter(pl.col("name").is_not_null() & (pl.col("name") != "")).select(
            name_key(pl.col("name")).alias("_k"), "_iid", pl.col("name").str.strip_chars().alias("_shown")
        )
        names = dict(named.group_by("_k", maintain_order=True).agg("_iid").iter_rows())
        display = dict(named.select("_k", "_shown").iter_rows())
    if "credit_code" in keyed.columns:
        coded = keyed.filter(pl.col("credit_code").is_not_null() & (pl.col("credit_code") != ""))
        codes = dict(coded.select(name_key(pl.col("credit_code")), "_iid").iter_rows())
    for table in linked:
        tables[table] = _link_table(table, tables[table], names, display, codes, sources, problems_of)


def _key_institutions(inst: pl.DataFrame, sources, problems_of) -> pl.DataFrame:
    """No 机构编号 column: the credit code, else the name, is the key."""
    parts = [
        pl.col(c).str.strip_chars().str.to_uppercase() if c == "credit_code" else pl.col(c).str.strip_chars()
        for c in ("credit_code", "name")
        if c in inst.columns
    ]
    if not parts:
        return inst
    src = sources.get("institutions") or {}
    src["columns"] = [*src.get("columns", []), "institution_id"]
    problems_of.setdefault("institutions", []).append(
        problem_row(
            "institutions",
            src.get("sheet"),
            "没有“机构编号”列：以统一社会信用代码（没有时以机构名称）作为机构编号，其他表按机构名称或信用代码对应",
            "no 机构编号 (institution_id) column: the credit code (else the name) is used as the id; other tables "
            "are matched by name or credit code",
            check="institution_key",
            column="institution_id",
            severity="info",
        )
    )
    return inst.with_columns(pl.coalesce(parts).alias("institution_id"))


LINK_COLUMNS = ("_inst_code", "_inst_name", "_inst_title", "_inst_label")  # how a row may name its home, in order


def _link_table(table, df, names, display, codes, sources, problems_of) -> pl.DataFrame:
    sheet_of = (
        pl.col("_sheet") if "_sheet" in df.columns else pl.lit((sources.get(table) or {}).get("sheet"), dtype=pl.String)
    )
    found = [pl.col("institution_id")] if "institution_id" in df.columns else []
    if "_inst_code" in df.columns:
        code_map = pl.DataFrame(
            {"__ck": list(codes), "__by_code": list(codes.values())}, schema={"__ck": pl.String, "__by_code": pl.String}
        )
        df = (
            df.with_columns(name_key(pl.col("_inst_code")).str.to_lowercase().alias("__ck"))
            .join(code_map.with_columns(pl.col("__ck").str.to_lowercase()), on="__ck", how="left")
            .drop("__ck")
        )
        found.append(pl.col("__by_code"))
    failures: list[dict] = []
    inexact: list[dict] = []
    for col, per_row in (("_inst_name", True), ("_inst_title", False), ("_inst_label", False)):
        if col not in df.columns:
            continue
        texts = df.select(pl.col(col).drop_nulls().unique()).to_series().to_list()
        mapping, unmatched = {}, {}
        for text in texts:  # distinct names: a few hundred at most
            ids, near = match_name(text, names, exact_only=per_row and _has_money(table))
            if len(ids) == 1:
                mapping[text] = ids[0]
                if near:  # an inexact match is said, naming both names
                    inexact.append({"col": col, "text": text, "as": near[0]})
            else:
                unmatched[text] = (ids, near)
        df = df.with_columns(
            pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String).alias(f"__by{col}")
        )
        found.append(pl.col(f"__by{col}"))
        for text, (ids, near) in unmatched.items():
            failures.append({"col": col, "text": text, "ids": ids, "near": near, "per_row": per_row})
    resolved = pl.coalesce(found)
    raw_text = pl.coalesce([pl.col(c) for c in LINK_COLUMNS if c in df.columns])
    df = df.with_columns(
        resolved.is_null().alias("_inst_unmatched"), pl.coalesce(resolved, raw_text).alias("institution_id")
    )
    src = sources.get(table) or {}
    if "institution_id" not in src.get("columns", []):
        src["columns"] = [*src.get("columns", []), "institution_id"]
    _report(table, df, failures, display, sheet_of, problems_of)
    _say_inexact(table, df, inexact, display, sheet_of, problems_of)
    _title_against_sheet(table, df, names, display, sheet_of, problems_of)
    return df.drop([c for c in df.columns if c.startswith("__by") or c in LINK_COLUMNS])


def _has_money(table: str) -> bool:
    return any(c.type == "money" for c in schema.table(table).columns)


def _money_on(table: str, rows: pl.DataFrame) -> str:
    """The yuan on raw rows (every money column, as typed): what a failed match leaves unpaid."""
    cols = [c.name for c in schema.table(table).columns if c.type == "money" and c.name in rows.columns]
    if not cols or rows.is_empty():
        return ""
    fen = rows.select(sum(parse_money(pl.col(c))[0].fill_null(0).sum() for c in cols)).item()
    return fen_to_yuan(fen, thousands=True)


def _say_inexact(table, df, inexact, display, sheet_of, problems_of) -> None:
    """A sheet name or title matched to a register name it does not equal (七星敬老院 →
    新昌县七星敬老院): an info naming both, once per sheet, so a wrong guess is seen."""
    out = problems_of.setdefault(table, [])
    for f in inexact:
        rows = df.filter(pl.col(f["col"]) == f["text"]).select(sheet_of.alias("sheet"), "_row")
        shown = display.get(f["as"], f["as"])
        for (sheet,), grp in rows.group_by("sheet", maintain_order=True):
            out.append(
                {
                    **problem_row(
                        table,
                        sheet,
                        f"“{f['text']}”不是登记的机构名称，按“{shown}”读取（{grp.height} 行）；如不是这家机构，请改为其登记名称或加“机构编号”列",
                        f"'{f['text']}' is not a registered name; read as '{shown}' ({grp.height} rows); if that is "
                        "the wrong home, write its registered name or add an institution_id column",
                        check="institution_name",
                        column="institution_id",
                        value=f["text"],
                    ),
                    "severity": "info",
                }
            )


def _title_against_sheet(table, df, names, display, sheet_of, problems_of) -> None:
    """A roster whose title names one home and whose sheet name another (a sheet copied
    and renamed, its title left as it was): its rows are counted at the title's home, and
    that is an error until the clerk says which is right."""
    if not {"__by_inst_title", "__by_inst_label"} <= set(df.columns):
        return
    clash = (
        df.filter(pl.col("__by_inst_title").is_not_null() & pl.col("__by_inst_label").is_not_null())
        .filter(pl.col("__by_inst_title") != pl.col("__by_inst_label"))
        .group_by(sheet_of.alias("sheet"), "_inst_title", "__by_inst_title", "__by_inst_label", maintain_order=True)
        .agg(pl.len().alias("n"), pl.col("_row").min())
    )
    name = schema.table(table).zh
    shown = {iid: display.get(k, k) for k, ids in names.items() for iid in ids}
    for sheet, title, by_title, by_sheet, n, row in clash.iter_rows():
        home, other = shown.get(by_title, by_title), shown.get(by_sheet, by_sheet)
        problems_of.setdefault(table, []).append(
            problem_row(
                table,
                sheet,
                f"标题“{title}”指向“{home}”，工作表名“{sheet}”却指向“{other}”：本表 {n} 行{name}暂按标题计入“{home}”；"
                "请改正标题或工作表名（多半是复制工作表后未改标题）",
                f"the title '{title}' names '{home}' but the sheet name '{sheet}' names '{other}': its {n} rows of "
                f"{table} are counted at '{home}' for now; correct the title or the sheet name (a copied sheet?)",
                check="institution_name",
                row=row,
                column="institution_id",
                value=title,
            )
        )


def _report(table, df, failures, display, sheet_of, problems_of) -> None:
    t = schema.table(table)
    out = problems_of.setdefault(table, [])
    for f in failures:
        rows = df.filter(pl.col("_inst_unmatched") & (pl.col(f["col"]) == f["text"])).select(
            sheet_of.alias("sheet"), "_row"
        )
        near = _shown_names(f["near"], display)
        money = _money_on(table, df.filter(pl.col("_inst_unmatched") & (pl.col(f["col"]) == f["text"])))
        if f["ids"]:
            zh = f"“{f['text']}”对应多家机构（{near}），无法确定是哪一家：请写机构全称或加“机构编号”列"
            en = f"'{f['text']}' matches several institutions ({near}); write the full name or add an institution_id column"
        else:
            hint = f"；最接近的有：{near}" if near else ""
            hint_en = f"; nearest: {near}" if near else ""
            fix = "请写机构表中登记的名称" if f["per_row"] else "请使工作表名或标题与机构名称一致"
            zh = f"在“机构”表中找不到名为“{f['text']}”的机构{hint}。{fix}，或加“机构编号”列"
            en = (
                f"no institution named '{f['text']}' in table institutions{hint_en}; make the sheet name or title "
                f"match the institution's name, or add an institution_id column"
            )
        if money:
            zh += f"（名为“{f['text']}”的各行金额合计 {money} 元未计入任何机构）"
            en += f" (the rows naming '{f['text']}' hold {money} yuan, counted at no institution)"
        if f["per_row"]:
            for sheet, row in rows.iter_rows():
                out.append(
                    problem_row(
                        table,
                        sheet,
                        zh,
                        en,
                        check="institution_name",
                        row=row,
                        column="institution_id",
                        value=f["text"],
                    )
                )
        else:  # a sheet's label: one problem for the sheet, with its row count (who goes unpaid)
            for (sheet,), grp in rows.group_by("sheet", maintain_order=True):
                n = grp.height
                out.append(
                    problem_row(
                        table,
                        sheet,
                        f"{zh}（本表 {n} 行{t.zh}因此无法计入）",
                        f"{en} ({n} rows of {table} cannot be counted)",
                        check="institution_name",
                        column="institution_id",
                        value=f["text"],
                    )
                )
