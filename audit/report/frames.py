"""Frames → rows for the templates: totals, summaries, grouped findings, parameters
and scope, computed with polars, formatted (1,234.56) and masked before any layout."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import polars as pl

from audit.money import fen_to_yuan, fen_to_yuan_expr
from audit.privacy import mask_ids_in_text  # noqa: F401  (re-exported: report modules mask free text again)
from audit.report.labels import LABELS, PAYER_ORDER, PROGRAM_ORDER, SEVERITY_ORDER, fix_hint, label_of


def yuan(fen) -> str:
    """Amount in fen as `1,234,567.00`."""
    return fen_to_yuan(None if fen is None else int(fen), thousands=True)


def percent(part: int, whole: int) -> str:
    """part/whole as a percentage with one decimal, rounded half up in integers."""
    if not whole:
        return "—"
    tenths = (2000 * int(part) + int(whole)) // (2 * int(whole))
    return f"{tenths // 10}.{tenths % 10}%"


def order_expr(col: str, order: tuple[str, ...]) -> pl.Expr:
    """Sort key placing known codes in their canonical order, others after, by name."""
    return pl.col(col).replace_strict(list(order), list(range(len(order))), default=len(order), return_dtype=pl.Int64)


def run_id(manifest: dict) -> str:
    """Short hash of the manifest: the run's identity in every footer."""
    if manifest.get("run_id"):
        return str(manifest["run_id"])
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def institutions_frame(result) -> pl.DataFrame:
    """id, name, county (and a few profile columns) of every institution; never personal data."""
    inst = result.dataset.tables.get("institutions")
    cols = ["institution_id", "name", "county", "kind", "beds", "rating_level", "star_level"]
    if inst is None or inst.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in cols})
    return inst.select([c for c in cols if c in inst.columns])


def ledger_frame(result, L: dict) -> pl.DataFrame:
    """The ledger sorted as written, with names, counties and display columns added."""
    inst = institutions_frame(result).select("institution_id", "name", "county")
    return (
        result.ledger.join(inst, on="institution_id", how="left")
        .with_columns(
            pl.col("program").replace(L["programs"]).alias("program_label"),
            pl.col("payer").replace(L["payers"]).alias("payer_label"),
            fen_to_yuan_expr(pl.col("amount_fen"), thousands=True).alias("amount"),
            fen_to_yuan_expr(pl.col("rate_fen"), thousands=True).fill_null("").alias("rate"),
            pl.col("county").fill_null("—"),
            mask_ids_in_text(pl.col("basis").fill_null(""))
            if "basis" in result.ledger.columns
            else pl.lit("").alias("basis"),
        )
        .sort(
            "institution_id",
            order_expr("program", PROGRAM_ORDER),
            "item",
            "period",
            order_expr("payer", PAYER_ORDER),
            "rule",
        )
    )


def totals_rows(ledger: pl.DataFrame, key: str, labels: dict, order: tuple = ()) -> list[dict]:
    """One row per value of `key` with its amount (fen and text), in canonical order."""
    grouped = ledger.group_by(key).agg(pl.col("amount_fen").sum())
    sort_by = [order_expr(key, order), key] if order else [key]
    grouped = grouped.sort(sort_by)
    total = int(ledger["amount_fen"].sum() or 0)
    return [
        {
            "key": r[key],
            "label": label_of(labels, r[key]),
            "fen": int(r["amount_fen"]),
            "amount": yuan(r["amount_fen"]),
            "share": percent(r["amount_fen"], total),
        }
        for r in grouped.iter_rows(named=True)
    ]


def summary_rows(ledger: pl.DataFrame, institutions: pl.DataFrame, programs: list[str]) -> list[dict]:
    """One row per institution — those with no ledger line too, at 0.00 — with its
    amount per program and its total."""
    sums = ledger.group_by("institution_id").agg(
        [pl.col("amount_fen").filter(pl.col("program") == p).sum().alias(p) for p in programs]
        + [pl.col("amount_fen").sum().alias("total")]
    )
    per = (
        institutions.select("institution_id", "name", "county")
        .join(sums, on="institution_id", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in programs + ["total"])
        .sort("institution_id")
    )
    per = per.with_columns(fen_to_yuan_expr(pl.col(c), thousands=True).alias(c) for c in programs + ["total"])
    return per.to_dicts()


def findings_frame(result, L: dict, lang: str, institution_id: str | None = None) -> pl.DataFrame:
    """Findings sorted by severity then rule, masked, with labels and fix hints."""
    f = result.findings
    if institution_id is not None:
        f = f.filter(pl.col("institution_id") == institution_id)
    hints = {r: fix_hint(r, lang) for r in f["rule"].unique().to_list()}
    for col in ("message", "evidence", "citation", "period"):
        if col not in f.columns:
            f = f.with_columns(pl.lit(None, pl.String).alias(col))
    return f.with_columns(
        mask_ids_in_text(pl.col("message").fill_null("")),
        mask_ids_in_text(pl.col("evidence").fill_null("")),
        pl.col("citation").fill_null(""),
        pl.col("severity").replace(L["severities"]).alias("severity_label"),
        pl.col("rule").replace_strict(hints, default="", return_dtype=pl.String).alias("fix"),
    ).sort(
        order_expr("severity", SEVERITY_ORDER),
        "rule",
        pl.col("institution_id").fill_null(""),
        pl.col("period").fill_null(""),
        "message",
    )


def group_findings(f: pl.DataFrame) -> list[dict]:
    """[{severity, label, count, rules: [{rule, count, rows}]}] in severity order."""
    groups = []
    for sev_df in f.partition_by("severity", maintain_order=True):
        rules = [
            {"rule": r["rule"][0], "count": r.height, "rows": r.to_dicts()}
            for r in sev_df.partition_by("rule", maintain_order=True)
        ]
        groups.append(
            {
                "severity": sev_df["severity"][0],
                "label": sev_df["severity_label"][0],
                "count": sev_df.height,
                "rules": rules,
            }
        )
    return groups


def staffing_frame(staffing: pl.DataFrame) -> pl.DataFrame:
    return staffing.with_columns(
        pl.col("month_end").cast(pl.String).str.slice(0, 7).alias("month"),
        pl.col("actual").cast(pl.Float64).round(1).alias("actual"),
        pl.col("shortfall").cast(pl.Float64).round(1).alias("shortfall"),
    ).sort("institution_id", "month_end")


def fmt_num(v) -> str:
    if v is None:
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


def show_share(text: str) -> str:
    """A share as a reader knows it from the text: "3/5" → 60%, "29/50" → 58%; a share
    with no short decimal (1/3) stays a fraction, so nothing is rounded."""
    try:
        pct = Fraction(str(text)) * 100
    except (ValueError, ZeroDivisionError):
        return str(text)
    if (pct * 100).denominator == 1:  # at most two decimals: exact as a Decimal
        return f"{(Decimal(pct.numerator) / pct.denominator).normalize():f}%"
    return str(text)


def show_value(value, L: dict, unit: str = "") -> str:
    """A parameter value as JSON-ish data from pack.parameters() → readable text
    (gaps named, booleans in words, shares as percentages)."""
    if value is None:
        return L["gap"]
    if isinstance(value, bool):
        return L["yes"] if value else L["no"]
    inner = unit.split(":", 1)[1] if unit.startswith("table:") else unit
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show_value(v, L, inner)}" for k, v in value.items())
    if isinstance(value, list):
        words = enum_words() if L["html_lang"] == "zh-CN" else {}
        return ", ".join(words.get(str(v), str(v)) for v in value)
    if inner == "payer":
        return L["payers"].get(str(value), str(value))
    return show_share(value) if inner == "share" else str(value)


@lru_cache(maxsize=1)
def enum_words() -> dict[str, str]:
    """Canonical enum value → its Chinese word from the data contract (private → 民办),
    so set-valued parameters read in Chinese; the first table naming a value wins."""
    from audit.data import contract as schema

    words: dict[str, str] = {}
    for name in schema.tables():
        for column in schema.table(name).columns:
            for value, synonyms in (column.values or {}).items():
                words.setdefault(value, synonyms[0])
    return words


@lru_cache(maxsize=1)
def table_words() -> dict[str, str]:
    """Contract table name → its Chinese name (residents → 入住老人), for the input list."""
    from audit.data import contract as schema

    return {name: schema.table(name).zh for name in schema.tables()}


def show_unit(unit: str, L: dict) -> str:
    """Unit words for the reader (table units by their value unit; bool/set/text need none)."""
    inner = unit.split(":", 1)[1] if unit.startswith("table:") else unit
    if inner in ("bool", "set", "text", "payer", "share"):
        return ""
    return L["units"].get(inner, inner)


def param_rows(pack, year: int, lang: str) -> list[dict]:
    """Every parameter value in force at some time during `year`, with its quote
    (from pack.parameters(): one record per dated value)."""
    L = LABELS[lang]
    records = pack.parameters()
    if not records:
        return []
    rows = pl.DataFrame(
        [
            {
                k: r[k]
                for k in ("rule", "param", "unit", "from", "until", "clause", "citation", "quote", "note", "local")
            }
            | {"order": i}
            for i, r in enumerate(records)
        ],
        infer_schema_length=None,
    )
    start, end = f"{year}-01-01", f"{year}-12-31"
    in_year = rows.with_columns(
        pl.col("from").shift(-1).over("rule", "param", order_by="from").alias("next_from")
    ).filter(
        (pl.col("from") <= end)
        & (pl.col("until").is_null() | (pl.col("until") >= start))
        & (pl.col("next_from").is_null() | (pl.col("next_from") > start))
    )
    keep = set(in_year["order"].to_list())
    out = []
    for i, r in enumerate(records):
        if i not in keep:
            continue
        unit = r.get("unit") or ""
        value = show_value(r["value"], L, unit)
        if r.get("local"):
            value = (
                f"{value} ({L['local_value']}: {r['local']}; {L['pack_value']}: {show_value(r['pack_value'], L, unit)})"
            )
        out.append(
            {
                **{k: r.get(k) or "" for k in ("rule", "param", "from", "clause", "citation", "quote", "note")},
                "value": value,
                "unit": show_unit(unit, L),
            }
        )
    return out


def group_by_key(rows: list[dict], key: str) -> list[tuple[str, list[dict]]]:
    """Consecutive rows with the same `key`, in their order (a handful of rules)."""
    groups: list[tuple[str, list[dict]]] = []
    for r in rows:
        if not groups or groups[-1][0] != r[key]:
            groups.append((r[key], []))
        groups[-1][1].append(r)
    return groups


def scope(result, L: dict, lang: str) -> dict:
    """What the run was computed from: pack, status, overrides, interpretations, inputs."""
    pack = result.pack
    text_key = "text_en" if lang == "en" else "text_zh"
    inputs = [
        {
            "table": t if lang == "en" else table_words().get(t, t),
            "file": Path(str(s.get("path", ""))).name,
            "sheet": s.get("sheet") or "",
            "sha256": s.get("sha256") or "",
        }
        for t, s in sorted((getattr(result.dataset, "sources", None) or {}).items())
        if t != "*"
    ]
    # the manifest lists the interpretations the run actually applied (pack and calculators);
    # without one, every interpretation the pack states
    applied = (result.manifest or {}).get("interpretations")
    texts = (
        [i.get("text", "") for i in applied]
        if applied is not None
        else [i.get(text_key) or i.get("text_zh", "") for i in (pack.interpretations or [])]
    )
    en = lang == "en"
    return {
        "pack": pack,
        "draft": getattr(pack, "status", "") == "draft",
        "title": (en and getattr(pack, "title_en", "")) or pack.title,
        "short": (en and getattr(pack, "short_en", "")) or pack.short,
        "number": getattr(pack, "number", None) or L["no_number"],
        "status_label": L.get(getattr(pack, "status", ""), getattr(pack, "status", "")),
        "year": (result.manifest or {}).get("period", result.year),
        "run_id": run_id(result.manifest or {}),
        "overrides": list(getattr(pack, "overrides", None) or []),
        "interpretations": texts,
        "inputs": inputs,
    }
