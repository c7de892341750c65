"""Which input columns each rule of a pack reads, and who loses money without them.

`audit validate --policy P --year Y` (and `audit run`) add one warning per missing column
that a rule in force that year reads: a column
a rule needs that the data lacks (or a table it lacks) would otherwise take its default
or blank and silently pay less — 低保情况 not read as 低保类别 lost the low-income
supplement without a word. What a rule reads is declared on its kind (Kind.reads,
Kind.reads_with) — the same declaration `audit explain` shows."""

from __future__ import annotations

import polars as pl

from audit.data import contract as schema
from audit.data.normalise import PROBLEM_SCHEMA, empty_problems
from audit.policy.tiers import FLAGS, parse_band

# a column read from another when absent (insurance year from 保险期间)
READ_FROM = {("insurance", "year"): "period"}


def in_force(rule, span) -> bool:
    """The rule applies in the period (`span`: audit.dates.Period, or None = any time): in
    some month of it, as the calculators judge (Rule.spans_in_force)."""
    return span is None or bool(rule.spans_in_force(span))


def _param_in_force(rule, param: str, span) -> bool:
    if not rule.has(param):
        return False
    return span is None or any(rule.reading(param, on).state in ("value", "gap") for on in (span.start, span.end))


def rule_columns(rule, span=None) -> list[tuple[str, str]]:
    """(table, column) the rule reads — in `span` only the parameters in force then — as its
    kind declares them (Kind.reads, Kind.reads_with), plus the flag columns its band keys
    name ("[100,)+model" reads 示范性养老机构)."""
    from audit.kinds.registry import KINDS

    kind = KINDS.get(rule.kind)
    if kind is None:
        return []
    cols = list(kind.reads)
    for param, more in kind.reads_with.items():
        if _param_in_force(rule, param, span):
            cols += more
    if _param_in_force(rule, "rate_by_band", span):
        cols += [("institutions", FLAGS[flag]) for flag in _band_flags(rule.param("rate_by_band"))]
    return list(dict.fromkeys(cols))


def _band_flags(param) -> list[str]:
    """The flags the band keys of a `rate_by_band` table name, over all its dated values."""
    tables = [e.value for e in param.values if isinstance(e.value, dict)]
    if isinstance(param.local, dict):
        tables.append(param.local)
    return sorted({flag for table in tables for key in table if (flag := parse_band(key).flag)})


def present(table: str, tables: dict[str, pl.DataFrame], sources: dict) -> list[str] | None:
    """The columns the input gave for a table (None: the table itself is absent)."""
    src = sources.get(table) or {}
    if not (table in tables and bool(src.get("columns") or tables[table].width)):
        return None
    return src.get("columns") or tables[table].columns


def missing_for_pack(pack, tables: dict[str, pl.DataFrame], sources: dict, span=None) -> pl.DataFrame:
    """One warning per column (or whole table) that some rule in force in `span` (an
    audit.dates.Period; None = every rule of the pack) reads and the input lacks, naming
    every rule that reads it."""
    missing: dict[tuple[str, str | None], list] = {}
    for rule in pack.rules.values():
        if not in_force(rule, span):
            continue
        for table, column in rule_columns(rule, span):
            given = present(table, tables, sources)
            if given is not None and (column in given or READ_FROM.get((table, column)) in given):
                continue
            key = (table, column if given is not None else None)
            if rule not in missing.setdefault(key, []):
                missing[key].append(rule)
    from audit.kinds.registry import KINDS  # here: audit.kinds imports audit.data

    rows = []
    for (table, column), rules in missing.items():
        t, src = schema.table(table), sources.get(table) or {}
        col = t.column(column) if column else None
        zh_what = f"“{t.zh}”表的“{col.zh}”列" if col else f"“{t.zh}”表"
        en_what = f"{table}.{column} ({col.zh})" if col else f"table {table} ({t.zh})"
        default_zh = f"（缺省按 {col.default} 计）" if col is not None and col.default is not None else ""
        default_en = f" (default {col.default} used)" if col is not None and col.default is not None else ""
        cited = "、".join(f"{r.id}（{r.citation}）" for r in rules)
        pays = any(KINDS[r.kind].compute is not None for r in rules)  # else only checks read it
        harm_zh = "按这些规则应付的款项可能多付、少付或不付" if pays else "这些规则的检查结论可能有误"
        harm_en = "what they pay may be wrong or not paid" if pays else "what these checks conclude may be wrong"
        rows.append(
            {
                "table": table,
                "sheet": src.get("sheet"),
                "row": None,
                "column": column,
                "column_zh": col.zh if col else None,
                "value": None,
                "message": f"数据中没有{zh_what}{default_zh}，而规则 {cited} 要读它：{harm_zh}；"
                f"请补上（表头写“{col.zh if col else t.zh}”）",
                "message_en": f"the data has no {en_what}{default_en}, which rule(s) {', '.join(r.id for r in rules)} read: "
                f"{harm_en}; add it",
                "severity": "warning",
                "check": "rule_input_missing",
            }
        )
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA) if rows else empty_problems()
