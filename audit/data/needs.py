"""Which input columns each rule of a pack reads, and who loses money without them.

`audit validate --policy P --year Y` (and `audit run`) add one warning per missing column
that a rule in force that year reads: a column
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
    "construction_per_bed": [
        *_ELIGIBILITY,
        ("institutions", "beds"),
        ("institutions", "premises"),
        ("institutions", "newly_built"),
    ],
    "nursing_type_bonus": [
        *_ELIGIBILITY,
        ("institutions", "nursing_beds"),
        ("institutions", "nursing_type"),
        ("residents", "care_level"),
    ],
    "renovation_share": [
        ("institutions", "rating_level"),
        ("institutions", "investment_final"),
        ("institutions", "is_tekun"),
    ],
    "resident_month_grant": [
        ("institutions", "ownership"),
        ("institutions", "registered_on"),
        ("residents", "admitted_on"),
        ("residents", "discharged_on"),
    ],
    "center_star_grant": [("institutions", "kind"), ("institutions", "star_level")],
    "factor_allocation": [("institutions", "kind"), ("institutions", "star_level")],
    "premium_share": [
        ("insurance", "premium"),
        ("insurance", "year"),
        ("insurance", "scheme"),
        ("institutions", "profit_status"),
    ],
    "staffing_ratio": [("residents", "care_level"), ("staff", "role"), ("staff", "fte")],
    "bed_month_grant": [
        ("institutions", "kind"),
        ("institutions", "ownership"),
        ("institutions", "opened_on"),
        ("residents", "admitted_on"),
        ("residents", "discharged_on"),
    ],
    "bed_subsidy": [*_ELIGIBILITY, ("institutions", "beds"), ("institutions", "beds_subsidized_before")],
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
    ("bed_month_grant", "local_hukou"): [("residents", "hukou_county"), ("institutions", "county")],
    ("bed_month_grant", "rate_by_grade"): [("residents", "care_level")],
    ("bed_month_grant", "level_by_grade"): [("residents", "care_level")],
    ("bed_month_grant", "dementia_level_by_grade"): [("residents", "dementia_grade")],
    ("bed_month_grant", "min_rating_level"): [("institutions", "rating_level")],
    ("bed_month_grant", "require_registered"): [("institutions", "registered_on")],
    ("bed_month_grant", "require_operating_normally"): [("institutions", "operating_normally")],
    ("bed_month_grant", "band_by"): [("institutions", "beds")],
    ("bed_subsidy", "eligible_premises"): [("institutions", "premises")],
    ("bed_subsidy", "min_rating_level"): [("institutions", "rating_level")],
    ("bed_subsidy", "forprofit_share"): [("institutions", "profit_status")],
    ("bed_subsidy", "expansion_share"): [("institutions", "expansion_beds")],
    ("bed_subsidy", "require_basic_beds_agreement"): [("institutions", "basic_beds_agreement")],
}


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
    """(table, column) the rule reads — in `span` only the parameters in force then."""
    cols = list(BY_KIND.get(rule.kind, []))
    for (kind, param), more in BY_PARAM.items():
        if kind == rule.kind and _param_in_force(rule, param, span):
            cols += more
    return list(dict.fromkeys(cols))


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
    rows = []
    for (table, column), rules in missing.items():
        t, src = schema.table(table), sources.get(table) or {}
        col = t.column(column) if column else None
        zh_what = f"“{t.zh}”表的“{col.zh}”列" if col else f"“{t.zh}”表"
        en_what = f"{table}.{column} ({col.zh})" if col else f"table {table} ({t.zh})"
        default_zh = f"（缺省按 {col.default} 计）" if col is not None and col.default is not None else ""
        default_en = f" (default {col.default} used)" if col is not None and col.default is not None else ""
        cited = "、".join(f"{r.id}（{r.citation}）" for r in rules)
        rows.append(
            {
                "table": table,
                "sheet": src.get("sheet"),
                "row": None,
                "column": column,
                "column_zh": col.zh if col else None,
                "value": None,
                "message": f"数据中没有{zh_what}{default_zh}，而规则 {cited} 要读它：按这些规则应付的款项可能少付或不付；"
                f"请补上（表头写“{col.zh if col else t.zh}”）",
                "message_en": f"the data has no {en_what}{default_en}, which rule(s) {', '.join(r.id for r in rules)} read: "
                "what they pay may be underpaid or not paid; add it",
                "severity": "warning",
                "check": "rule_input_missing",
            }
        )
    return pl.DataFrame(rows, schema=PROBLEM_SCHEMA) if rows else empty_problems()
