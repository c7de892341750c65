"""Which input columns each rule of a pack reads, and who loses money without them.

`audit validate --policy P --year Y` adds one warning per rule × missing column: a column
a rule needs that the data lacks (or a table it lacks) would otherwise take its default
or blank and silently pay less — 低保情况 not read as 低保类别 lost the low-income
supplement without a word. Listed per rule kind, plus columns a parameter brings in."""

from __future__ import annotations

import polars as pl

from audit.data import contract as schema
from audit.data.normalise import PROBLEM_SCHEMA, empty_problems

_ELIGIBILITY = [("institutions", c) for c in ("kind", "ownership", "registered_on", "accepted_on", "opened_on")]
# rule kind → (table, column) every rule of the kind reads
BY_KIND: dict[str, list[tuple[str, str]]] = {
    "construction_per_bed": [*_ELIGIBILITY, ("institutions", "beds"), ("institutions", "premises"),
                             ("institutions", "newly_built")],
    "nursing_type_bonus": [*_ELIGIBILITY, ("institutions", "nursing_beds"), ("institutions", "nursing_type"),
                           ("residents", "care_level")],
    "renovation_share": [("institutions", "rating_level"), ("institutions", "investment_final")],
    "resident_month_grant": [("institutions", "ownership"), ("institutions", "registered_on"),
                             ("residents", "admitted_on"), ("residents", "discharged_on")],
    "center_star_grant": [("institutions", "kind"), ("institutions", "star_level")],
    "factor_allocation": [("institutions", "kind"), ("institutions", "star_level")],
    "premium_share": [("insurance", "premium"), ("insurance", "year"), ("insurance", "scheme"),
                      ("institutions", "profit_status")],
    "staffing_ratio": [("residents", "care_level"), ("staff", "role"), ("staff", "fte")],
}
# (rule kind, parameter) → columns that parameter brings in
BY_PARAM: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("resident_month_grant", "local_hukou"): [("residents", "hukou_county"), ("institutions", "county")],
    ("resident_month_grant", "rate_by_rating_level"): [("institutions", "rating_level")],
    ("resident_month_grant", "rate_by_care_level"): [("residents", "care_level")],
    ("resident_month_grant", "disability_supplement"): [("residents", "care_level")],
    ("resident_month_grant", "dementia_counts_as_disabled"): [("residents", "dementia")],
    ("resident_month_grant", "low_income_supplement"): [("residents", "low_income")],
    ("construction_per_bed", "rate_leased"): [("institutions", "lease_years")],
    ("construction_per_bed", "forprofit_share"): [("institutions", "profit_status")],
    ("center_star_grant", "require_assessed_pass"): [("institutions", "assessed_pass")],
    ("center_star_grant", "require_operating_normally"): [("institutions", "operating_normally")],
    ("center_star_grant", "unstarred_score_base"): [("institutions", "assessment_score")],
    ("center_star_grant", "inside_institution_share"): [("institutions", "inside_institution")],
}


# a column read from another when absent (insurance year from 保险期间)
READ_FROM = {("insurance", "year"): "period"}


def rule_columns(rule) -> list[tuple[str, str]]:
    cols = list(BY_KIND.get(rule.kind, []))
    for (kind, param), more in BY_PARAM.items():
        if kind == rule.kind and rule.has(param):
            cols += more
    return list(dict.fromkeys(cols))


def missing_for_pack(pack, tables: dict[str, pl.DataFrame], sources: dict) -> pl.DataFrame:
    """One warning per column (or whole table) that some rule reads and the input lacks,
    naming every rule that reads it."""
    missing: dict[tuple[str, str | None], list] = {}
    for rule in pack.rules.values():
        for table, column in rule_columns(rule):
            src = sources.get(table) or {}
            has_table = table in tables and bool(src.get("columns") or tables[table].width)
            present = src.get("columns") or tables[table].columns if has_table else []
            if column in present or READ_FROM.get((table, column)) in present:
                continue
            key = (table, column if has_table else None)
            if rule not in missing.setdefault(key, []):
                missing[key].append(rule)
    rows = []
    for (table, column), rules in missing.items():
        t, src = schema.table(table), sources.get(table) or {}
        col = t.column(column) if column else None
        zh_what = f"“{t.zh}”表的“{col.zh}”列" if col else f"“{t.zh}”表"
        en_what = f"{table}.{column} ({col.zh})" if col else f"table {table} ({t.zh})"
        default_zh = f"（缺省按 {col.default} 计）" if col is not None and col.default is not None else ""
        default_en = f" (default {col.default} used)" if col is not None and col.default is not None else ""
        cited = "、".join(f"{r.id}（{r.citation}）" for r in rules)
        rows.append({
            "table": table, "sheet": src.get("sheet"), "row": None, "column": column,
            "column_zh": col.zh if col else None, "value": None,
            "message": f"数据中没有{zh_what}{default_zh}，而规则 {cited} 要读它：按这些规则应付的款项可能少付或不付；"
                       f"请补上（表头写“{col.zh if col else t.zh}”）",
            "message_en": f"the data has no {en_what}{default_en}, which rule(s) {', '.join(r.id for r in rules)} read: "
                          "what they pay may be underpaid or not paid; add it",
            "severity": "warning", "check": "rule_input_missing"})
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA) if rows else empty_problems()
