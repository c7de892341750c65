"""The comparison report (compare.html / compare.pdf) and the words it and compare.xlsx
use: what changes (each parameter, old → new, with its clause), the totals, winners and
losers, eligibility crossings, charts of the difference and findings that come or go."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from audit.money import delta_pct_expr, fen_to_yuan_expr
from audit.report.charts import bar_chart_svg
from audit.report.frames import mask_ids_in_text, order_expr, yuan
from audit.report.labels import LABELS, PROGRAM_ORDER, label_of

SHOWN = 50  # rows of a long list in the report; compare.xlsx has them all
TOP = 10  # winners and losers shown

WORDS = {
    "zh": {
        "compare_title": "政策调整测算报告",
        "baseline": "现行规则",
        "proposal": "拟议方案",
        "delta": "差额（元）",
        "delta_pct": "差额%",
        "baseline_yuan": "现行（元）",
        "proposal_yuan": "拟议（元）",
        "basis": "测算依据",
        "document": "文件",
        "another_document": "拟议方案为另一份文件，不受现行文件「不低于」下限约束。",
        "same_document": "拟议方案在现行文件上调整参数，仍受原文「不低于」下限约束。",
        "changes": "参数变化",
        "months": "期间",
        "old": "现行取值",
        "new": "拟议取值",
        "old_source": "现行依据",
        "new_source": "拟议依据",
        "no_changes": "两套规则在本年度的参数相同。",
        "public_total": "财政资金合计（不含机构自付）",
        "priced_part": "其中已计算部分（不含政策缺口，不是全额）：现行 {baseline}，拟议 {proposal}",
        "by_program_payer": "按项目、出资方",
        "by_county_program": "按区县、项目",
        "chart_program": "各项目差额（元）",
        "chart_county": "各区县差额（元）",
        "winners": "增减最多的机构",
        "gainers": "增加最多",
        "losers": "减少最多",
        "counts": "增加 {up} 家，减少 {down} 家，不变 {same} 家（共 {n} 家）。",
        "crossings": "跨过补助条件的机构",
        "crossings_note": "某一项目在现行规则下无补助、在拟议方案下有补助（新获补助），或相反（不再获补助）；"
        "政策缺口使一侧金额未知的，该侧没有金额，写明原因，不计入新获或不再获补助。",
        "crossing_counts": "新获补助 {newly} 项，不再获补助 {lost} 项（机构×项目）。",
        "direction": "变化",
        "newly_paid": "新获补助",
        "no_longer_paid": "不再获补助",
        "baseline_gap": "新可计算（现行规则政策缺口）",
        "proposal_gap": "不能计算（拟议方案政策缺口）",
        "baseline_unpriced": "现行缺口（机构×项目）",
        "proposal_unpriced": "拟议缺口（机构×项目）",
        "gap_status": "说明",
        "gaps_title": "政策缺口",
        "gaps_note": "原文未规定的参数（policy_gap）使相应机构的该项不计发：其金额未知，不是 0。"
        "含有缺口的一侧没有金额（—），已算出的部分不当作全额；只在一侧存在的缺口使该行没有差额"
        "（标为“不能计算”，图表不含这些行）；两侧相同的缺口不影响差额（“差额可比”），"
        "除非缺口所在规则的其他参数有改动（未知部分随之改变，不能计算）。"
        "未填写营利性质的机构按营利性计发，但非营利性的比例未规定时，其应得金额同样未定，一并计为缺口。",
        "gap_counts": "{program}：现行 {baseline} 家、拟议 {proposal} 家不能计算",
        "not_comparable": "另有 {n} 家因政策缺口不能计算差额，未列入增减。",
        "findings_change": "发现的变化",
        "appeared": "新增",
        "disappeared": "消失",
        "change": "变化",
        "findings_note": "按机构、规则、级别、期间与依据数据比对；措辞或条款引用不同不算变化。",
        "shown_first": "仅显示前 {n} 条（共 {total} 条），完整清单见 compare.xlsx。",
        "none": "无。",
        "overrides_of": "本地设定",
        "new_label": "新增",
        "payer_unnamed": "出资方未定（政策缺口）",
        "sheets": {
            "summary": "汇总",
            "county": "区县×项目",
            "institutions": "机构",
            "changes": "参数变化",
            "crossings": "跨过条件",
            "findings": "发现变化",
        },
    },
    "en": {
        "compare_title": "What a rule change would cost",
        "baseline": "Baseline",
        "proposal": "Proposal",
        "delta": "Difference (yuan)",
        "delta_pct": "Change %",
        "baseline_yuan": "Baseline (yuan)",
        "proposal_yuan": "Proposal (yuan)",
        "basis": "Basis of the comparison",
        "document": "Document",
        "another_document": "The proposal is another document: the baseline document's floors do not bind it.",
        "same_document": "The proposal changes parameters of the baseline document and keeps its floors (不低于).",
        "changes": "What changes",
        "months": "Months",
        "old": "Baseline value",
        "new": "Proposed value",
        "old_source": "Baseline source",
        "new_source": "Proposal source",
        "no_changes": "The two rule sets have the same parameters this year.",
        "public_total": "Public money (institutions' own shares excluded)",
        "priced_part": "Of which priced (policy gaps excluded, not the whole): baseline {baseline}, proposal {proposal}",
        "by_program_payer": "By program and payer",
        "by_county_program": "By county and program",
        "chart_program": "Difference by program (yuan)",
        "chart_county": "Difference by county (yuan)",
        "winners": "Largest gains and losses",
        "gainers": "Largest gains",
        "losers": "Largest losses",
        "counts": "{up} gain, {down} lose, {same} unchanged (of {n}).",
        "crossings": "Institutions crossing an eligibility line",
        "crossings_note": "A program paid nothing under the baseline and something under the proposal (newly paid), "
        "or the reverse (no longer paid); where a policy gap leaves one side unknown, that side has no amount, "
        "the row says why and it is counted as neither.",
        "crossing_counts": "{newly} newly paid, {lost} no longer paid (institution × program).",
        "direction": "Change",
        "newly_paid": "newly paid",
        "no_longer_paid": "no longer paid",
        "baseline_gap": "newly priced (policy gap in the baseline)",
        "proposal_gap": "cannot compute (policy gap in the proposal)",
        "baseline_unpriced": "Baseline gaps (institution × program)",
        "proposal_unpriced": "Proposal gaps (institution × program)",
        "gap_status": "Note",
        "gaps_title": "Policy gaps",
        "gaps_note": "A parameter the text does not set (policy_gap) leaves that program unpriced for the institutions "
        "it touches: its amount is unknown, not 0. A side with a gap has no amount (—): its priced part is not the "
        "whole. A gap on one side only leaves a row without a difference (marked cannot compute, left out of the "
        "charts); the same gap on both sides does not change the difference, unless another parameter of its "
        "rule changes (the unknown part changes with it: cannot compute). An institution with profit status blank "
        "is paid as for-profit, but where the non-profit share is open what it is due is unknown too: it counts as a gap.",
        "gap_counts": "{program}: baseline {baseline}, proposal {proposal} institution(s) cannot be priced",
        "not_comparable": "{n} more cannot be compared because of a policy gap and are not counted above.",
        "findings_change": "Findings that appear or disappear",
        "appeared": "appears",
        "disappeared": "disappears",
        "change": "Change",
        "findings_note": "Matched on institution, rule, severity, period and evidence; other wording or citations "
        "do not count as a change.",
        "shown_first": "The first {n} of {total} are shown; compare.xlsx lists them all.",
        "none": "None.",
        "overrides_of": "local values",
        "new_label": "new",
        "payer_unnamed": "payer not named (policy gap)",
        "sheets": {
            "summary": "Summary",
            "county": "County x program",
            "institutions": "Institutions",
            "changes": "Changes",
            "crossings": "Crossings",
            "findings": "Findings",
        },
    },
}


# a row's `status` (audit.comparison._decide) in words (compare.csv, console, xlsx, html):
# what a policy gap leaves unknown is not 0 — that side has no amount, or there is no difference
GAP_WORDS = {
    "zh": {
        "proposal_gap": "不能计算（拟议方案政策缺口）",
        "baseline_gap": "不能计算（现行规则政策缺口）",
        "both_gap": "不能计算（双方政策缺口不同）",
        "newly_priced": "新可计算（现行规则政策缺口）",
        "same_gap": "不能计算（两侧同一政策缺口）",
        "same_gap_priced": "金额不全（两侧同一政策缺口），差额可比",
        "same_gap_changed": "不能计算（两侧同一政策缺口，但缺口所在规则的参数有改动）",
    },
    "en": {
        "proposal_gap": "cannot compute (policy gap in the proposal)",
        "baseline_gap": "cannot compute (policy gap in the baseline)",
        "both_gap": "cannot compute (the two sides leave different policy gaps)",
        "newly_priced": "newly priced (policy gap in the baseline)",
        "same_gap": "cannot compute (the same policy gap on both sides)",
        "same_gap_priced": "amounts incomplete (the same policy gap on both sides); the difference holds",
        "same_gap_changed": "cannot compute (the same policy gap on both sides, but a parameter of its rule changes)",
    },
}


def crossing_words(lang: str) -> dict:
    """A crossing's `direction` in words: newly / no longer paid, or the `status` of a row a gap touches."""
    key = "en" if lang == "en" else "zh"
    return {d: WORDS[key][d] for d in ("newly_paid", "no_longer_paid")} | GAP_WORDS[key]


def crossing_tally(crossings: pl.DataFrame) -> dict[str, int]:
    """How many crossings of each direction: newly_paid and no_longer_paid always, then each gap
    status present (GAP_WORDS order) — a row a gap touches is not counted as crossing the line."""
    n = crossings["direction"].value_counts()
    count = dict(zip(n["direction"], n["count"]))
    return {
        "newly_paid": count.get("newly_paid", 0),
        "no_longer_paid": count.get("no_longer_paid", 0),
        **{d: count[d] for d in GAP_WORDS["zh"] if d in count},
    }


def gap_status(words: dict) -> pl.Expr:
    """A decided row's status in words (null where the row is complete)."""
    return pl.col("status").replace_strict(words, default=None, return_dtype=pl.String)


def delta_pct(plus: bool = False) -> pl.Expr:
    """delta % text of a decided row: empty where there is no difference or no baseline to
    take a percentage of (a baseline with a gap is only its priced part)."""
    known = pl.col("delta_fen").is_not_null() & pl.col("baseline_fen").is_not_null()
    return pl.when(known).then(delta_pct_expr(pl.col("baseline_fen"), pl.col("proposal_fen"), plus=plus))


def labels(lang: str) -> dict:
    """The report's words over the shared ones (programs, payers, severities…)."""
    key = "en" if lang == "en" else "zh"
    return {**LABELS[key], **WORDS[key], "gap_words": GAP_WORDS[key], "crossing_words": crossing_words(lang)}


def money_rows(df: pl.DataFrame, L: dict) -> list[dict]:
    """baseline/proposal/delta fen → display text; delta % signed; program/payer labelled.
    What a policy gap leaves unknown (null) is a dash, never "None" or 0.00; `status` says why."""
    out = df.with_columns(
        *(fen_to_yuan_expr(pl.col(f"{c}_fen"), True).fill_null("—").alias(c) for c in ("baseline", "proposal")),
        (
            pl.when(pl.col("delta_fen") > 0).then(pl.lit("+")).otherwise(pl.lit(""))
            + fen_to_yuan_expr(pl.col("delta_fen"), True)
        )
        .fill_null("—")
        .alias("delta"),
        pl.when((pl.col("baseline_fen") == 0) & (pl.col("proposal_fen") != 0))
        .then(pl.lit(L["new_label"]))
        .otherwise(delta_pct(plus=True))
        .fill_null("")
        .alias("delta_pct"),
    )
    if "status" in df.columns:
        out = out.with_columns(gap_status(L["gap_words"]).alias("status"))
    rows = out.to_dicts()
    for r in rows:
        if "program" in r:
            r["program_label"] = label_of(L["programs"], r["program"])
        if "payer" in r:
            r["payer_label"] = label_of(L["payers"], r["payer"]) if r["payer"] else L["payer_unnamed"]
    return rows


def priced_part(comparison, L: dict) -> str:
    """Where a policy gap leaves a side of the public total unknown: what is priced, said to
    be a part (empty where both sides are whole)."""
    row = comparison.total.row(0, named=True)
    if row["baseline_fen"] is not None and row["proposal_fen"] is not None:
        return ""
    return L["priced_part"].format(baseline=yuan(row["baseline_priced_fen"]), proposal=yuan(row["proposal_priced_fen"]))


def findings_changes(comparison) -> pl.DataFrame:
    """Findings under one side only, one frame: change (appeared / disappeared) first; ids
    inside free text masked."""
    parts = [
        f.with_columns(pl.lit(change).alias("change"))
        for change, f in (("appeared", comparison.findings_appeared), ("disappeared", comparison.findings_disappeared))
    ]
    f = pl.concat(parts, how="diagonal_relaxed")
    return f.select(
        "change",
        "institution_id",
        "rule",
        "severity",
        "period",
        mask_ids_in_text(pl.col("message").fill_null("")).alias("message"),
        mask_ids_in_text(pl.col("evidence").fill_null("")).alias("evidence"),
        pl.col("citation").fill_null(""),
    )


def run_id(manifest: dict) -> str:
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _pack_info(pack, L: dict, lang: str) -> dict:
    en = lang == "en"
    return {
        "id": pack.id,
        "title": (en and pack.title_en) or pack.title,
        "number": pack.number or L["no_number"],
        "status": L.get(pack.status, pack.status),
        "draft": pack.status == "draft",
        "sha256": pack.sha256,
        "overrides": list(pack.overrides),
    }


def compare_context(comparison) -> dict:
    """Everything compare.html shows, from the Comparison frames."""
    lang = "en" if comparison.lang == "en" else "zh"
    L = labels(lang)
    base, prop = comparison.baseline.pack, comparison.proposal.pack
    by_pp = comparison.by_program_payer
    known = pl.col("delta_fen").is_not_null()  # the charts draw differences only: a policy gap may leave none
    program_delta = (
        by_pp.filter((pl.col("payer") != "institution") & known).group_by("program").agg(pl.col("delta_fen").sum())
    )
    program_delta = program_delta.sort(order_expr("program", PROGRAM_ORDER), "program")
    county_delta = (
        comparison.by_county_program.filter(known).group_by("county").agg(pl.col("delta_fen").sum()).sort("county")
    )
    not_comparable = int(comparison.by_institution["delta_fen"].is_null().sum())
    inst = comparison.by_institution.filter(known)  # a policy gap may leave no difference to rank
    up, down = int((inst["delta_fen"] > 0).sum()), int((inst["delta_fen"] < 0).sum())
    gainers = inst.filter(pl.col("delta_fen") > 0).sort(["delta_fen", "institution_id"], descending=[True, False])
    losers = inst.filter(pl.col("delta_fen") < 0).sort(["delta_fen", "institution_id"])
    cross = comparison.crossings
    tally = crossing_tally(cross)
    findings = findings_changes(comparison)
    inputs = comparison.manifest.get("inputs", {})
    scope = {
        "draft": base.status == "draft" or prop.status == "draft",
        "title": f"{base.title} → {prop.title}" if base.id != prop.id else base.title,
        "short": base.short if base.id == prop.id else f"{base.short} → {prop.short}",
        "pack": {"id": base.id if base.id == prop.id else f"{base.id} → {prop.id}"},
        "year": comparison.year,
        "run_id": run_id(comparison.manifest),
    }

    def fmt_delta(v):
        return ("+" if v > 0 else "") + yuan(v)

    return {
        "L": L,
        "lang": lang,
        "title": L["compare_title"],
        "scope": scope,
        "baseline": _pack_info(base, L, lang),
        "proposal": _pack_info(prop, L, lang),
        "another_document": comparison.proposal_is_other_document,
        "inputs": [{"table": t, **v} for t, v in sorted(inputs.items())],
        "changes": comparison.changes.to_dicts(),
        "total": money_rows(comparison.total, L)[0],
        "priced_part": priced_part(comparison, L),
        "by_program_payer": money_rows(by_pp, L),
        "by_county_program": money_rows(comparison.by_county_program, L),
        "chart_program": bar_chart_svg(
            [label_of(L["programs"], x) for x in program_delta["program"]],
            [(L["delta"], program_delta["delta_fen"].to_list(), "#4a9a6a")],
            fmt_delta,
            L["chart_program"],
            negative_colour="#c0504d",
        )
        if program_delta.height
        else None,
        "chart_county": bar_chart_svg(
            [c or "—" for c in county_delta["county"]],
            [(L["delta"], county_delta["delta_fen"].to_list(), "#4a9a6a")],
            fmt_delta,
            L["chart_county"],
            negative_colour="#c0504d",
        )
        if county_delta.height
        else None,
        "counts": L["counts"].format(up=up, down=down, same=inst.height - up - down, n=inst.height)
        + (" " + L["not_comparable"].format(n=not_comparable) if not_comparable else ""),
        "gaps": _gap_counts(comparison, L),
        "gainers": money_rows(gainers.head(TOP), L),
        "losers": money_rows(losers.head(TOP), L),
        "crossing_counts": L["crossing_counts"].format(newly=tally["newly_paid"], lost=tally["no_longer_paid"])
        + "".join(
            f"{L['crossing_words'][d]} {n} 项。" if lang == "zh" else f" {L['crossing_words'][d]}: {n}."
            for d, n in list(tally.items())[2:]
        ),
        "crossings": money_rows(cross.head(SHOWN), L),
        "crossings_more": _more(L, cross.height),
        "findings": findings.head(SHOWN).to_dicts(),
        "findings_more": _more(L, findings.height),
        "findings_counts": {
            "appeared": comparison.findings_appeared.height,
            "disappeared": comparison.findings_disappeared.height,
        },
    }


def _gap_counts(comparison, L: dict) -> list[str]:
    """Per program: how many institutions each side leaves unpriced by a policy gap."""
    u = comparison.unpriced
    if not u.height:
        return []
    per = u.group_by("program").agg(pl.col("baseline_gap").sum(), pl.col("proposal_gap").sum())
    return [
        L["gap_counts"].format(
            program=label_of(L["programs"], r["program"]), baseline=r["baseline_gap"], proposal=r["proposal_gap"]
        )
        for r in per.sort(order_expr("program", PROGRAM_ORDER), "program").iter_rows(named=True)
    ]


def _more(L: dict, total: int) -> str:
    return L["shown_first"].format(n=SHOWN, total=total) if total > SHOWN else ""


def write_compare_report(comparison, out_dir) -> list[Path]:
    """compare.html and compare.pdf (PDF/A-3u carrying compare.csv when it is beside it)."""
    from audit.errors import OutputError
    from audit.report.render import html_to_pdf, render_html

    out = Path(out_dir)
    try:
        html_text = render_html("compare.html", compare_context(comparison))
        html_path, pdf_path = out / "compare.html", out / "compare.pdf"
        html_path.write_text(html_text, encoding="utf-8")
        csv = out / "compare.csv"
        attachments = [("compare.csv", csv.read_bytes(), "comparison / 政策调整测算")] if csv.is_file() else []
        html_to_pdf(html_text, pdf_path, attachments, archival=True)
    except OSError as e:
        raise OutputError(f"无法写出测算报告到 {out}: {e}") from e
    return [html_path, pdf_path]
