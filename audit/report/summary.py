"""What a leader reads on one page and what an operator needs in an appendix:
institutions paid / held / without a grant and why, programme × payer totals, the main
findings, and how to fill each policy gap (command syntax stays out of the body)."""

from __future__ import annotations

import re

import polars as pl

from audit.kinds.common import PROFIT_BLANK_OPEN
from audit.report.frames import yuan
from audit.report.labels import PAYER_ORDER, PROGRAM_ORDER, label_of

OWN_SHARE = "institution"
# "；可用 --set rule.param=数值 设定…" / "; set a local value with --set …": operator syntax,
# moved to the operator appendix
_HINT_TAIL = r"[；;,，]\s*(?:可用|set (?:a local value|it) with) --set .*$"
TOP_RULES = 6


def without_operator_hint(expr: pl.Expr) -> pl.Expr:
    """A finding's message without its trailing command-line hint."""
    return expr.str.replace(_HINT_TAIL, "")


_HINT_SENTENCE = re.compile(r"[^。；;.]*--set[^。；;]*[。；;.]?")


def split_operator_sentences(texts: list[str]) -> tuple[list[str], list[str]]:
    """Interpretation texts without their "可用 --set …" sentences, and those sentences
    (for the operator appendix)."""
    kept, moved = [], []
    for text in texts:
        moved += [m.strip() for m in _HINT_SENTENCE.findall(text) if m.strip()]
        rest = _HINT_SENTENCE.sub("", text).strip()
        if rest:
            kept.append(rest)
    return kept, moved


def rule_label(rule: str | None, L: dict) -> str:
    return L["rules"].get(rule, rule) if rule else ""


def _listed_ids(findings: pl.DataFrame) -> pl.DataFrame:
    """(institution_id, rule, severity) for every finding: its own institution, or each id an
    area-level finding lists completely in its evidence (`ids=A, B`, not cut off with …)."""
    own = findings.filter(pl.col("institution_id").is_not_null()).select("institution_id", "rule", "severity")
    listed = (
        findings.filter(pl.col("institution_id").is_null())
        .with_columns(
            pl.col("evidence")
            .fill_null("")
            .str.extract(r"ids=([^…]*)$")
            .str.strip_chars()
            .str.split(", ")
            .alias("institution_id")
        )
        .filter(pl.col("institution_id").is_not_null())
        .explode("institution_id")
        .filter(pl.col("institution_id") != "")
        .select("institution_id", "rule", "severity")
    )
    return pl.concat([own, listed]).unique()


def institution_status(
    ledger: pl.DataFrame, findings: pl.DataFrame, institutions: pl.DataFrame, L: dict
) -> pl.DataFrame:
    """One row per institution: grants (fen), status paid / held / none and the reasons.
    Held = an error finding concerns it (error findings block the payments they concern);
    none = no grant line, with the findings that explain why."""
    public = ledger.filter(pl.col("payer") != OWN_SHARE)
    fen = public.group_by("institution_id").agg(pl.col("amount_fen").sum().alias("fen"))
    tagged = _listed_ids(findings).with_columns(
        pl.col("rule").replace_strict(L["rules"], default=pl.col("rule"), return_dtype=pl.String).alias("why")
    )
    errors = (
        tagged.filter(pl.col("severity") == "error")
        .group_by("institution_id")
        .agg(pl.col("why").unique().sort().alias("error_why"))
    )
    others = tagged.group_by("institution_id").agg(pl.col("why").unique().sort().alias("any_why"))
    return (
        institutions.select("institution_id", "name", "county")
        .join(fen, on="institution_id", how="left")
        .join(errors, on="institution_id", how="left")
        .join(others, on="institution_id", how="left")
        .with_columns(pl.col("fen").fill_null(0))
        .with_columns(
            pl.when(pl.col("error_why").is_not_null())
            .then(pl.lit("held"))
            .when(pl.col("fen") > 0)
            .then(pl.lit("paid"))
            .otherwise(pl.lit("none"))
            .alias("status")
        )
        .with_columns(
            pl.when(pl.col("status") == "held")
            .then(pl.col("error_why").list.join("、"))
            .when(pl.col("status") == "none")
            .then(pl.col("any_why").list.join("、"))
            .otherwise(pl.lit(""))
            .fill_null("")
            .alias("why")
        )
        .drop("error_why", "any_why")
        .sort("institution_id")
    )


def _reasons(status: pl.DataFrame, which: str) -> list[dict]:
    """How many institutions of one status each reason concerns, most first."""
    part = status.filter(pl.col("status") == which)
    if part.is_empty():
        return []
    counted = (
        part.with_columns(pl.col("why").str.split("、"))
        .explode("why")
        .with_columns(pl.col("why").replace("", None))
        .group_by("why")
        .agg(pl.len().alias("n"), pl.col("fen").sum())
        .sort(["n", "why"], descending=[True, False], nulls_last=True)
    )
    return [{"why": r["why"], "n": r["n"], "amount": yuan(r["fen"])} for r in counted.iter_rows(named=True)]


def leader_summary(ledger: pl.DataFrame, findings: pl.DataFrame, status: pl.DataFrame, L: dict) -> dict:
    """The leader's page: programme × payer, institutions by status with reasons, main findings."""
    public = ledger.filter(pl.col("payer") != OWN_SHARE)
    payers = [p for p in PAYER_ORDER if p in set(public["payer"].to_list())] + sorted(
        set(public["payer"].to_list()) - set(PAYER_ORDER)
    )
    programs = [p for p in PROGRAM_ORDER if p in set(public["program"].to_list())] + sorted(
        set(public["program"].to_list()) - set(PROGRAM_ORDER)
    )
    cells = {
        (r["program"], r["payer"]): r["amount_fen"]
        for r in public.group_by("program", "payer").agg(pl.col("amount_fen").sum()).iter_rows(named=True)
    }
    matrix = [
        {
            "label": label_of(L["programs"], p),
            "cells": [yuan(cells[(p, y)]) if (p, y) in cells else "—" for y in payers],
            "total": yuan(sum(v for (pp, _), v in cells.items() if pp == p)),
        }
        for p in programs
    ]
    payer_totals = [yuan(sum(v for (_, yy), v in cells.items() if yy == y)) for y in payers]
    counts = {s: status.filter(pl.col("status") == s) for s in ("paid", "held", "none")}
    by_rule = (
        findings.group_by("rule", "severity").agg(pl.len().alias("n")).sort(["n", "rule"], descending=[True, False])
    )
    sev_rank = {"error": 0, "warning": 1, "info": 2}
    top = sorted(by_rule.iter_rows(named=True), key=lambda r: (sev_rank.get(r["severity"], 3), -r["n"], r["rule"]))
    return {
        "payer_labels": [label_of(L["payers"], y) for y in payers],
        "matrix": matrix,
        "payer_totals": payer_totals,
        "n_institutions": status.height,
        "status_rows": [
            {"status": s, "n": counts[s].height, "amount": yuan(int(counts[s]["fen"].sum() or 0))}
            for s in ("paid", "held", "none")
        ],
        "held_reasons": _reasons(status, "held"),
        "none_reasons": _reasons(status, "none"),
        "top_findings": [
            {
                "rule": r["rule"],
                "label": rule_label(r["rule"], L),
                "severity": r["severity"],
                "severity_label": L["severities"].get(r["severity"], r["severity"]),
                "n": r["n"],
            }
            for r in top[:TOP_RULES]
        ],
        "more_rules": max(0, len(top) - TOP_RULES),
    }


def operator_hints(findings: pl.DataFrame, lang: str) -> list[dict]:
    """One row per open parameter named by a finding (`param=rule.name` in its evidence):
    what is open, how many institutions it holds back, and the option that fills it."""
    gaps = (
        findings.filter(pl.col("rule").is_in(["policy_gap", "average_premium_from_input", PROFIT_BLANK_OPEN]))
        .with_columns(
            pl.col("evidence").fill_null("").str.extract(r"param=(\S+)").alias("param"),
            # a blank 营利性质 read as for-profit is paid, not held back: it names the parameter, counts 0
            pl.when(pl.col("rule") != PROFIT_BLANK_OPEN)
            .then(pl.col("evidence").fill_null("").str.extract(r"affected=(\d+)").cast(pl.Int64))
            .otherwise(0)
            .alias("affected"),
        )
        .filter(pl.col("param").is_not_null())
        .sort(pl.col("rule") == PROFIT_BLANK_OPEN, maintain_order=True)  # the gap's own words first
        .group_by("param")
        .agg(pl.col("affected").sum(), pl.col("citation").first(), pl.col("message").first())
        .sort("param")
    )
    value = "VALUE" if lang == "en" else "数值"
    return [
        {
            "param": r["param"],
            "citation": r["citation"] or "",
            "affected": r["affected"],
            "message": r["message"] or "",
            "set": f"--set {r['param'].replace('<KEY>', '键')}={value}",
        }
        for r in gaps.iter_rows(named=True)
    ]
