"""The claims audit in the reports: the bureau report's reconciliation section, an
institution's own reconciliation in its self-check, the approval notice (核定通知书)
per institution, and the public list of approved subsidies (资金公示).

Kept apart from the other report modules so the reconciliation can change without
touching them: each template includes one partial, each context adds one dict."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from audit import i18n
from audit.errors import OutputError
from audit.privacy import mask_ids_in_str
from audit.report.finding_money import AMOUNT_IN_EVIDENCE
from audit.report.frames import yuan
from audit.report.labels import LABELS

WORDS = {
    "zh": {
        "section": "申报、核定与拨付对账",
        "by_program": "按项目",
        "by_county": "按区县",
        "per_institution": "分机构",
        "program": "项目",
        "county": "区县",
        "institution_id": "机构编号",
        "name": "机构名称",
        "period": "期间",
        "claimed": "申报",
        "approved": "核定",
        "paid": "已拨付",
        "claimed_minus_approved": "申报减核定",
        "to_recover": "应追回",
        "to_pay": "应补发",
        "status": "状态",
        "explained_by": "说明差额的发现",
        "unexplained": "未说明差额",
        "total": "合计",
        "unit": "单位：元",
        "note": "核定金额即按政策包重算的财政补助（不含机构自付保费）；差额由所列发现说明，未说明部分单列。",
        "self_section": "本机构申报与核定对账",
        "rows_elsewhere": "各机构逐期对账（申报、核定、已拨付、应追回、应补发及状态）共 {} 行，见与本报告一同输出的 "
        "reconciliation.csv 和 ledger.xlsx 的“对账”工作表。",
        "notice_title": "补贴核定通知书",
        "to": "致",
        "notice_intro": "经按下列政策文件对贵机构申报的补贴进行核算，核定结果如下：",
        "reasons": "核减或核增的理由",
        "rule": "发现",
        "amount": "金额（元）",
        "citation": "依据",
        "message": "说明",
        "no_reasons": "核定金额与申报一致，无核减事项。",
        "unexplained_note": "另有未能由具体发现说明的差额 {} 元，请机构提供申报明细以便核对。",
        "issuer": "核定机关（盖章）",
        "date": "日期",
        "public_title": "养老机构补贴资金公示",
        "public_note": "公示内容仅含机构名称及核定的财政补助金额，不含个人信息。",
        "institutions": "机构数",
    },
    "en": {
        "section": "Claims, approvals and payments",
        "by_program": "By programme",
        "by_county": "By county",
        "per_institution": "By institution",
        "program": "Programme",
        "county": "County",
        "institution_id": "ID",
        "name": "Institution",
        "period": "Period",
        "claimed": "Claimed",
        "approved": "Approved",
        "paid": "Paid",
        "claimed_minus_approved": "Claimed − approved",
        "to_recover": "To recover",
        "to_pay": "To pay",
        "status": "Status",
        "explained_by": "Explained by",
        "unexplained": "Unexplained",
        "total": "Total",
        "unit": "yuan",
        "note": "Approved = the grants recomputed under the pack (public money only); differences are explained by "
        "the findings listed, the rest is stated as unexplained.",
        "self_section": "Your claims against the approved amounts",
        "rows_elsewhere": "The {} per-institution, per-period rows (claimed, approved, paid, to recover, to pay, status) "
        "are in reconciliation.csv and the 对账 sheet of ledger.xlsx, written with this report.",
        "notice_title": "Notice of approved subsidies",
        "to": "To",
        "notice_intro": "Your claims were recomputed under the policy documents below. The approved amounts:",
        "reasons": "Why amounts were cut or raised",
        "rule": "Finding",
        "amount": "Amount (yuan)",
        "citation": "Basis",
        "message": "Detail",
        "no_reasons": "The approved amounts equal the claims.",
        "unexplained_note": "A further {} yuan is not explained by a specific finding; please provide the claim details.",
        "issuer": "Approving authority (seal)",
        "date": "Date",
        "public_title": "Public list of approved subsidies",
        "public_note": "Institutions and approved public amounts only; no personal data.",
        "institutions": "Institutions",
    },
}
PROGRAMS = {lang: i18n.words(i18n.PROGRAMS, lang) for lang in ("zh", "en")}
MONEY = [
    "claimed_fen",
    "approved_fen",
    "paid_fen",
    "claimed_minus_approved_fen",
    "to_recover_fen",
    "to_pay_fen",
    "unexplained_fen",
]


def _lang(result) -> str:
    return "en" if getattr(result, "lang", "zh") == "en" else "zh"


def _money_rows(df: pl.DataFrame, label_col: str, labels: dict | None = None) -> list[dict]:
    out = []
    for r in df.iter_rows(named=True):
        row = {k: yuan(r[k]) for k in MONEY}
        row["label"] = (labels or {}).get(r[label_col], r[label_col]) if r[label_col] is not None else "—"
        out.append(row)
    return out


def _explained_words(codes: str, lang: str) -> str:
    """Finding codes ("claim_died,unrated") in words, as everywhere else (audit.report.labels)."""
    words = LABELS[lang]["rules"]
    return ("、" if lang == "zh" else ", ").join(words.get(c, c) for c in codes.split(",") if c)


def _rows(recon: pl.DataFrame, lang: str) -> list[dict]:
    programs = PROGRAMS[lang]
    out = []
    for r in recon.iter_rows(named=True):
        row = {k: yuan(r[k]) for k in MONEY}
        row.update(
            institution_id=r["institution_id"],
            name=r["name"] or "",
            program=programs.get(r["program"], r["program"]),
            period=r["period"],
            status=r["status"],
            explained_by=_explained_words(r["explained_by"] or "", lang),
        )
        out.append(row)
    return out


def totals_row(recon: pl.DataFrame) -> dict:
    return {k: yuan(int(recon[k].sum() or 0)) for k in MONEY}


def reconciliation_context(result, institution_id: str | None = None) -> dict:
    """`recon`: None without claims or payments, else the section's rows (by programme,
    by county, per institution, totals), all money formatted."""
    recon = getattr(result, "reconciliation", None)
    lang = _lang(result)
    if recon is None or not recon.height:
        return {"recon": None}
    if institution_id is not None:
        recon = recon.filter(pl.col("institution_id") == institution_id)
        if not recon.height:
            return {"recon": None}
    by_program = recon.group_by("program").agg(pl.col(MONEY).sum()).sort("program")
    by_county = recon.group_by("county").agg(pl.col(MONEY).sum()).sort("county", nulls_last=True)
    return {
        "recon": {
            "W": WORDS[lang],
            "by_program": _money_rows(by_program, "program", PROGRAMS[lang]),
            "by_county": _money_rows(by_county, "county"),
            "rows": _rows(recon, lang),
            "total": totals_row(recon),
        }
    }


# ---------------------------------------------------------------- approval notice (核定通知书)


REASON_RULES = ("died", "under_60", "not_on_roster", "unrated", "not_registered", "program_not_in_pack")


def notice_context(result, institution_id: str) -> dict:
    """One institution's approval notice: its reconciliation rows and the findings that
    cut or raise its claim, each with money (from the evidence) and clause."""
    from audit.report.frames import scope
    from audit.report.labels import LABELS

    lang = _lang(result)
    L, W = LABELS[lang], WORDS[lang]
    inst = result.dataset.tables["institutions"].filter(pl.col("institution_id") == institution_id)
    if not inst.height:
        from audit.errors import InputError

        raise InputError(
            f"数据中没有机构编号 {institution_id}。" if lang == "zh" else f"No institution {institution_id}."
        )
    recon = (
        result.reconciliation.filter(pl.col("institution_id") == institution_id)
        if result.reconciliation is not None
        else pl.DataFrame()
    )
    f = result.findings.filter(
        (pl.col("institution_id") == institution_id)
        & (pl.col("rule").str.starts_with("claim_") | pl.col("rule").is_in(REASON_RULES))
    )
    has_roll = result.dataset.tables["claim_residents"].filter(pl.col("institution_id") == institution_id).height > 0
    if has_roll:  # the roll's own causes (claim_died …) already name the months the registers cut
        f = f.filter(~pl.col("rule").is_in(["died", "under_60"]))
    reasons = [
        {
            "rule": _explained_words(r["rule"], lang),
            "message": mask_ids_in_str(r["message"] or ""),
            "amount": (re.search(AMOUNT_IN_EVIDENCE, r["evidence"] or "") or [None, ""])[1],
            "citation": r["citation"] or "",
        }
        for r in f.sort("rule", "evidence").iter_rows(named=True)
    ]
    unexplained = int(recon["unexplained_fen"].sum() or 0) if recon.height else 0
    return {
        "L": L,
        "W": W,
        "lang": lang,
        "title": W["notice_title"],
        "scope": scope(result, L, lang),
        "inst": inst.row(0, named=True),
        "rows": _rows(recon, lang) if recon.height else [],
        "total": totals_row(recon) if recon.height else None,
        "reasons": reasons,
        "unexplained": W["unexplained_note"].format(yuan(unexplained)) if unexplained else "",
    }


def write_approval_notices(result, institution_ids: list[str], out_dir) -> list[Path]:
    """notice_<id>.html and .pdf per institution into out_dir (the caller owns the
    temp-folder-then-rename)."""
    from audit.report import safe_name
    from audit.report.render import html_to_pdf, render_html

    out = Path(out_dir)
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for iid in institution_ids:
            html = render_html("notice.html", notice_context(result, iid))
            base = out / f"notice_{safe_name(iid)}"
            base.with_suffix(".html").write_text(html, encoding="utf-8")
            html_to_pdf(html, base.with_suffix(".pdf"))
            written += [base.with_suffix(".html"), base.with_suffix(".pdf")]
    except OSError as e:
        raise OutputError(f"无法写出核定通知书到 {out}: {e}") from e
    return written


# ---------------------------------------------------------------- 资金公示


def approved_public(result) -> pl.DataFrame:
    """approved.csv: public money approved per institution × programme × period (no person
    data), from the ledger (the institution's own premium share is not public money)."""
    names = result.dataset.tables["institutions"].select("institution_id", "name", "county")
    return (
        result.ledger.filter(pl.col("payer") != "institution")
        .group_by("institution_id", "program", "period")
        .agg(pl.col("amount_fen").sum().alias("approved_fen"))
        .join(names, on="institution_id", how="left")
        .select("institution_id", "name", "county", "program", "period", "approved_fen")
        .sort("institution_id", "program", "period")
    )
