"""What each template shows: the bureau report's and a self-check's context, built
from a RunResult with the helpers in audit.report.frames."""

from __future__ import annotations

from datetime import date

import polars as pl

from audit.errors import InputError
from audit.kinds.common import PROFIT_BLANK_OPEN, SPREAD_FINDINGS
from audit.report.charts import bar_chart_svg
from audit.report.frames import (
    fmt_num,
    findings_frame,
    group_by_key,
    group_findings,
    institutions_frame,
    ledger_frame,
    param_rows,
    scope,
    staffing_frame,
    summary_rows,
    totals_rows,
    yuan,
)
from audit.report.labels import LABELS, PAYER_ORDER, PROGRAM_ORDER, SEVERITY_ORDER, item_label, label_of


# findings of one kind listed in appendix 4: the claims audit makes one per person (13,000 at
# 2,000 institutions); the PDF shows the first ones and carries them all in findings.csv/xlsx,
# so it stays proportional to institutions, as the ledger lines do
FINDING_DETAIL_MAX = 40
LEDGER_CHUNK = 40  # institutions per ledger table: several moderate tables lay out faster than many small ones


OWN_SHARE = "institution"  # payer of the institution's own share of a premium: not a grant


def public_fen(ledger: pl.DataFrame) -> int:
    """Grants in a ledger slice: every line but the institutions' own premium shares."""
    return int(ledger.filter(pl.col("payer") != OWN_SHARE)["amount_fen"].sum() or 0)


def lang_of(result) -> str:
    return "en" if getattr(result, "lang", "zh") == "en" else "zh"


def _reported_institutions(result) -> pl.DataFrame:
    """The institutions the run covers (one, when the run was narrowed to one)."""
    inst = institutions_frame(result)
    only = getattr(result, "institution", None)
    return inst.filter(pl.col("institution_id") == only) if only else inst


def bureau_sections(L: dict, ledger_appendix: bool) -> list[dict]:
    """The report's numbered sections and appendices, in order: id, title, partial.
    A new part of the report adds its partial here (the template loops over this list,
    and the contents page is made from it)."""
    body = [
        ("scope", L["sec_scope"], "scope"),
        ("totals", L["sec_totals"], "totals"),
        ("institutions", L["sec_institutions"], "institutions"),
        ("findings", L["sec_findings"], "findings"),
        ("signature", L["sec_signature"], "signature"),
    ]
    appendices = [
        ("operator", L["app_operator"], "operator"),
        ("hashes", L["app_hashes"], "hashes"),
        ("params", L["app_params"], "params"),
        ("finding-detail", L["app_findings"], "finding_detail"),
    ]
    if ledger_appendix:
        appendices.append(("ledger", L["app_ledger"], "ledger"))
    return [
        {
            "id": i,
            "title": t,
            "template": f"partials/bureau/{p}.html",
            "appendix": False,
            "new_page": i in ("signature",),
        }
        for i, t, p in body
    ] + [
        {"id": i, "title": t, "template": f"partials/bureau/{p}.html", "appendix": True, "new_page": n == 0}
        for n, (i, t, p) in enumerate(appendices)
    ]


def _period_text(result, L: dict) -> str:
    """The period a run covers: the calendar year, or the --period span the manifest states."""
    m = result.manifest or {}
    if m.get("period_start") and m.get("period_end"):
        return L["period_span"].format(start=m["period_start"], end=m["period_end"], label=m.get("period", ""))
    return L["period_text"].format(year=result.year)


def bureau_context(result, signing=None) -> dict:
    """Everything the bureau template shows, computed from the frames."""
    from audit.report.signing import Signing
    from audit.report.summary import (
        institution_status,
        leader_summary,
        operator_hints,
        split_operator_sentences,
        without_operator_hint,
    )

    signing = signing or Signing()
    lang = lang_of(result)
    L = _labels(result, lang)
    ledger = ledger_frame(result, L)
    # totals are grants: the institutions' own share of a premium is listed, never added in
    public = ledger.filter(pl.col("payer") != OWN_SHARE)
    programs = sorted(
        public["program"].unique().to_list(), key=lambda p: (PROGRAM_ORDER.index(p) if p in PROGRAM_ORDER else 99, p)
    )
    by_program = totals_rows(public, "program", L["programs"], PROGRAM_ORDER)
    by_county = totals_rows(public, "county", {})
    findings = findings_frame(result, L, lang).with_columns(without_operator_hint(pl.col("message")))
    counts = {
        r["severity"]: r["count"]
        for r in findings.group_by("severity").agg(pl.len().alias("count")).iter_rows(named=True)
    }
    ledger_groups = (
        [
            {
                "institution_id": g["institution_id"][0],
                "name": g["name"][0] or "",
                "subtotal": yuan(public_fen(g)),
                "rows": g.to_dicts(),
            }
            for g in ledger.partition_by("institution_id", maintain_order=True)
        ]
        if ledger.height and signing.ledger_appendix
        else []
    )
    reported = _reported_institutions(result)
    status = institution_status(result.ledger, result.findings, reported, L)
    summary = pl.DataFrame(summary_rows(public, reported, programs) or None)
    if summary.height:
        summary = summary.join(status.select("institution_id", "status", "why"), on="institution_id", how="left")
    # command syntax is for the operator: out of the body, into appendix 1
    basis = scope(result, L, lang)
    basis["interpretations"], local_notes = split_operator_sentences(basis["interpretations"])
    basis["overrides"] = [
        {**o, "source": L["set_on_command_line"] if o.get("source") == "--set" else o.get("source")}
        for o in basis["overrides"]
    ]
    from audit.report.reconciliation import reconciliation_context

    recon = reconciliation_context(result)
    sections = bureau_sections(L, signing.ledger_appendix)
    if recon["recon"]:  # the claims audit: a section of its own before the signature page
        at = next(i for i, s in enumerate(sections) if s["id"] == "signature")
        sections.insert(
            at,
            {
                "id": "reconciliation",
                "title": recon["recon"]["W"]["section"],
                "template": "partials/bureau/reconciliation.html",
                "appendix": False,
                "new_page": False,
            },
        )
    from audit.data.io import reading_rows, reading_summary

    dataset = result.dataset
    reading, not_read = (
        reading_rows(reading_summary(dataset.sources or {}, dataset.tables), lang)
        if getattr(dataset, "sources", None)
        else ([], [])
    )
    return {
        **recon,
        "self_view": False,
        "reading": reading,
        "sheets_not_read": not_read,
        "L": L,
        "lang": lang,
        "title": L["bureau_title"],
        "scope": basis,
        "local_notes": local_notes,
        "signing": signing,
        "period": _period_text(result, L),
        "report_date": signing.report_date or L["date_blank"],
        "report_status": signing.status or L["default_status"],
        "leader": leader_summary(result.ledger, result.findings, status, L),
        "hints": operator_hints(result.findings, lang),
        "sections": sections,
        "grand_total": yuan(public_fen(ledger)),
        "own_total": yuan(int(ledger["amount_fen"].sum() or 0) - public_fen(ledger)),
        "has_own_share": bool(ledger.height > public.height),
        "by_program": by_program,
        "by_payer": totals_rows(public, "payer", L["payers"], PAYER_ORDER),
        "by_county": by_county,
        "programs": [(p, label_of(L["programs"], p)) for p in programs],
        "summary": summary.to_dicts(),
        "ledger_lines": ledger.height,
        "chart_program": bar_chart_svg(
            [r["label"] for r in by_program],
            [(L["amount"], [r["fen"] for r in by_program], "#2f6db5")],
            yuan,
            L["chart_program"],
        ),
        "chart_county": bar_chart_svg(
            [r["label"] for r in by_county],
            [(L["amount"], [r["fen"] for r in by_county], "#4a9a6a")],
            yuan,
            L["chart_county"],
        ),
        **_bureau_staffing_chart(result, L),
        "ledger_groups": ledger_groups,
        "ledger_chunk": LEDGER_CHUNK,
        "item_label": lambda i: item_label(i, L),
        "findings": group_findings(findings) if findings.height else [],
        "detail_max": FINDING_DETAIL_MAX,
        "finding_counts": [(s, L["severities"][s], counts.get(s, 0)) for s in SEVERITY_ORDER],
        "params": [
            {"rule": rule, "citation": rows[0]["citation"], "rows": rows}
            for rule, rows in group_by_key(param_rows(result.pack, result.year, lang), "rule")
        ],
    }


STAFFING_CHART_MAX = 30


def _bureau_staffing_chart(result, L: dict) -> dict:
    """Required vs actual caregivers, each institution's worst month; the largest shortfalls first."""
    st = result.staffing
    if st is None or st.is_empty():
        return {"chart_staffing": None, "staffing_note": ""}
    worst = (
        st.sort("institution_id", "shortfall", "month_end", descending=[False, True, True])
        .group_by("institution_id", maintain_order=True)
        .first()
        .join(institutions_frame(result).select("institution_id", "name"), on="institution_id", how="left")
        .sort(["shortfall", "institution_id"], descending=[True, False])
    )
    shown = worst.head(STAFFING_CHART_MAX)
    note = L["chart_staffing_top"].format(n=shown.height, total=worst.height) if worst.height > shown.height else ""
    labels = [f"{n or i}" for i, n in zip(shown["institution_id"], shown["name"])]
    chart = bar_chart_svg(
        labels,
        [
            (L["required"], shown["required"].to_list(), "#c0504d"),
            (L["actual"], shown["actual"].cast(pl.Float64).to_list(), "#2f6db5"),
        ],
        fmt_num,
        L["chart_staffing"],
    )
    return {"chart_staffing": chart, "staffing_note": note}


def _by_institution(df: pl.DataFrame | None) -> dict:
    """{institution_id: its rows}, split once so --each does not rescan every frame."""
    if df is None or df.is_empty():
        return {}
    return {k[0]: g for k, g in df.partition_by("institution_id", as_dict=True, maintain_order=True).items()}


def observed_staffing(result) -> pl.DataFrame | None:
    """Residents and caregivers (FTE) at each month-end from the data, for packs that set no
    staffing ratio: a home whose caregivers are in the data is shown them, month by month,
    with no requirement to compare against (required/shortfall left empty)."""
    from audit.kinds.checking import month_ends
    from audit.kinds.staffing import caregiver_fte, resident_census

    tables = result.dataset.tables
    staff, residents = tables.get("staff"), tables.get("residents")
    if staff is None or residents is None or staff.is_empty():
        return None
    try:
        ctx = (getattr(result, "extra", None) or {}).get("ctx")
        span = ctx.span if ctx is not None else result.year  # the run's period, else its year
        days = month_ends(span)
        fte = caregiver_fte(staff, days).rename({"day": "month_end"})
        census = resident_census(residents, span).rename({"day": "month_end"})
    except (pl.exceptions.PolarsError, KeyError):  # a table without the columns the census needs
        return None
    grid = pl.concat([fte.select("institution_id", "month_end"), census.select("institution_id", "month_end")]).unique()
    residents_total = sum(pl.col(c).fill_null(0) for c in census.columns if c.startswith("residents_"))
    from audit.kinds.checking import fte_float

    return (
        grid.join(census, on=["institution_id", "month_end"], how="left")
        .join(fte, on=["institution_id", "month_end"], how="left")
        .select(
            "institution_id",
            "month_end",
            residents_total.alias("residents"),
            fte_float(pl.col("actual_micro").fill_null(0)).alias("actual"),
            pl.lit(None, pl.Int64).alias("required"),
            pl.lit(None, pl.Float64).alias("shortfall"),
        )
        .with_columns(pl.col("month_end").cast(pl.String).str.slice(0, 7).alias("month"))
        .sort("institution_id", "month_end")
    )


def _reference_date(result) -> date:
    """The day parameters are read on: the --period's end, else the year's last day."""
    end = (result.manifest or {}).get("period_end")
    return date.fromisoformat(str(end)) if end else date(result.year, 12, 31)


def selfcheck_parts(result, deadline: str | None = None) -> dict:
    """The frames every self-check draws on, computed once per run (`deadline`: the date
    the bureau sets for fixing findings, shown with each)."""
    from audit.report.finding_money import with_stake
    from audit.report.person_findings import group_person_findings

    lang = lang_of(result)
    L = _labels(result, lang)
    # one row per rule for findings about one person each; the people in a table at the end
    findings, persons = group_person_findings(findings_frame(result, L, lang), L, lang)
    findings = with_stake(
        findings,
        result.dataset.tables.get("institutions"),
        result.pack,
        _reference_date(result),
        lang,
    )
    staffing = result.staffing
    ctx = (getattr(result, "extra", None) or {}).get("ctx")  # what the calculators recorded
    return {
        "lang": lang,
        "L": L,
        "scope": scope(result, L, lang),
        "institutions": institutions_frame(result),
        "deadline": deadline,
        "ledger": _by_institution(ledger_frame(result, L)),
        "findings": _by_institution(findings),
        "persons": _by_institution(persons),
        # area- and data-level findings, without the area targets the data cannot evaluate
        # (info, evidence `rule=… metric=…`): those are for the bureau, not an institution
        "general": findings.filter(
            pl.col("institution_id").is_null()
            & ~(
                (pl.col("severity") == "info")
                & pl.col("evidence").str.starts_with("rule=")
                # a manager learns how its premium is settled and what a new rule leaves before it
                & ~pl.col("rule").is_in(SPREAD_FINDINGS)
            )
        ).with_columns(
            pl.col("evidence").str.extract(r"ids=([^…]*)$").str.strip_chars().str.split(", ").alias("_listed"),
            # other institutions' ids are not this manager's to act on (the bureau's report lists them)
            pl.col("evidence").str.replace(r"\s*ids=.*$", ""),
        ),
        "staffing": _by_institution(staffing_frame(staffing) if staffing is not None else None),
        # a pack with no staffing ratio still shows the caregivers the data holds
        "observed": _by_institution(observed_staffing(result)) if staffing is None or staffing.is_empty() else {},
        "fte_assumed": _fte_assumed(result),
        # every institution each policy gap leaves unpaid (a gap finding's evidence lists the first few)
        "gaps": getattr(ctx, "gap_ids", {}),
        # the part of them paid as for-profit on a blank 营利性质 (Ctx.blank_gap): not unpaid, amount open
        "blank_gaps": getattr(ctx, "blank_gap_ids", {}),
        # each home's own amount in a rule-level finding spread over many homes (Ctx.spread)
        "home_amounts": getattr(ctx, "home_amounts", {}),
    }


def _fte_assumed(result) -> dict[str, int]:
    """Caregivers per institution counted full-time for want of an fte (兼职 with no 工时折算):
    the staffing figures are then bounds, and the self-check says so."""
    staff = result.dataset.tables.get("staff") if getattr(result, "dataset", None) is not None else None
    if staff is None or "fte_assumed" not in staff.columns:
        return {}
    hit = staff.filter(pl.col("fte_assumed").fill_null(False) & (pl.col("role") == "caregiver"))
    return dict(hit.group_by("institution_id").len().iter_rows())


def concerning(
    general: pl.DataFrame, institution_id: str, gaps: dict | None = None, blank_gaps: dict | None = None
) -> pl.DataFrame:
    """The area- and data-level findings that may concern one institution. A policy gap is
    kept only when it leaves this institution unpaid (`gaps`: "rule.param" → every
    institution it hits, as the run recorded them; its evidence lists only the first few),
    and its PROFIT_BLANK_OPEN finding only when the institution is one of those paid as
    for-profit on a blank 营利性质 (`blank_gaps`, the part of `gaps` paid, not unpaid).
    Otherwise a finding whose evidence lists every affected id (`ids=A, B`, no "…") is kept
    only when the institution is among them; area-level findings and truncated lists stay
    (nothing relevant is hidden)."""
    gaps, blank_gaps = gaps or {}, blank_gaps or {}
    unpaid = [k for k, ids in gaps.items() if institution_id in ids - blank_gaps.get(k, set())]
    blank = [k for k, ids in blank_gaps.items() if institution_id in ids]
    listed = pl.col("_listed").is_null() | pl.col("_listed").list.contains(pl.lit(institution_id))
    param = pl.col("evidence").str.extract(r"^param=(\S+)")
    keep = (
        pl.when((pl.col("rule") == "policy_gap") & param.is_in(list(gaps)))
        .then(param.is_in(unpaid))
        .when((pl.col("rule") == PROFIT_BLANK_OPEN) & param.is_in(list(blank_gaps)))
        .then(param.is_in(blank))
        .otherwise(listed)
    )
    return general.filter(keep).drop("_listed")


def selfcheck_context(result, institution_id: str, parts: dict | None = None) -> dict:
    """Everything one institution's self-check shows."""
    parts = parts or selfcheck_parts(result)
    lang, L = parts["lang"], parts["L"]
    insts = parts["institutions"].filter(pl.col("institution_id") == institution_id)
    if insts.is_empty():
        raise InputError(
            f"数据中没有机构编号 {institution_id}。"
            if lang == "zh"
            else f"No institution with id {institution_id} in the data."
        )
    ledger = parts["ledger"].get(institution_id)
    programs = (
        [
            {
                "program": g["program"][0],
                "label": g["program_label"][0],
                "total": yuan(public_fen(g)),
                "rows": g.to_dicts(),
            }
            for g in ledger.partition_by("program", maintain_order=True)
        ]
        if ledger is not None
        else []
    )
    findings = parts["findings"].get(institution_id)
    st = parts["staffing"].get(institution_id)
    observed = st is None and institution_id in parts.get("observed", {})
    if observed:
        st = parts["observed"][institution_id]
    from audit.report.finding_money import own_amounts
    from audit.report.reconciliation import reconciliation_context

    return {
        **reconciliation_context(result, institution_id),
        "self_view": True,
        "L": L,
        "lang": lang,
        "title": L["selfcheck_title"],
        "scope": parts["scope"],
        "inst": insts.row(0, named=True),
        "programs": programs,
        "grand_total": yuan(public_fen(ledger) if ledger is not None else 0),
        "item_label": lambda i: item_label(i, L),
        "findings": findings.to_dicts() if findings is not None else [],
        "persons": _person_groups(parts.get("persons", {}).get(institution_id)),
        "persons_other": _persons_other(parts.get("persons", {}).get(institution_id)),
        "general_findings": own_amounts(
            concerning(parts["general"], institution_id, parts.get("gaps"), parts.get("blank_gaps")),
            institution_id,
            parts.get("home_amounts", {}),
            lang,
        ).to_dicts(),
        "staffing": st.to_dicts() if st is not None else [],
        "staffing_observed": observed,
        "deadline": parts.get("deadline"),
        "staffing_bound": parts.get("fte_assumed", {}).get(institution_id, 0),
        # as the bureau's report decides it: an error finding holds the institution's grants
        "held": bool(findings is not None and (findings["severity"] == "error").any()),
        "depends_on_others": _depends_on_others(ledger, parts["general"], L),
    }


def _person_groups(persons: pl.DataFrame | None) -> list[dict]:
    """[{label, count, rows}] per rule: the people behind the self-check's grouped findings."""
    if persons is None:
        return []
    return [
        {"label": g["label"][0], "count": g.height, "rows": g.to_dicts()}
        for g in persons.partition_by("rule", maintain_order=True)
    ]


def _persons_other(persons: pl.DataFrame | None) -> bool:
    """Whether any person's line has more to say than id, months and amount (another home, an age)."""
    return persons is not None and bool((persons["other"] != "").any())


def _depends_on_others(ledger: pl.DataFrame | None, general: pl.DataFrame, L: dict) -> list[str]:
    """Amounts computed from other institutions' data too (an average premium over all
    policies, a budget shared by factors): a manager running on their own data is told so,
    and which published value to pass so the estimate matches the bureau's to the fen."""
    notes = []
    items = set(ledger["item"].to_list()) if ledger is not None else set()
    for param in (
        general.filter(pl.col("evidence").str.contains("average_premium"))["evidence"]
        .str.extract(r"param=(\S+)")
        .drop_nulls()
        .unique()
        .sort()
        .to_list()
    ):
        if items & {"premium_share", "premium_rest"}:
            notes.append(L["depends_premium"].format(param=param))
    if "factor_share" in items:
        notes.append(L["depends_factor"])
    return notes


def _labels(result, lang: str) -> dict:
    """The report words; a run over a period that is not a calendar year says 核算期间."""
    L = LABELS[lang]
    if "period" in (result.manifest or {}):
        L = {
            **L,
            "year": "Period" if lang == "en" else "核算期间",
            "year_suffix": "",  # not "2024H1 年度"
            "sign_statement": L["sign_statement"].replace(" 年度", "期间", 1),
        }
    return L
