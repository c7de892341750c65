"""Reports: a RunResult becomes report.html / report.pdf (bureau) and self-check pages.

One set of jinja2 templates (autoescape on) renders HTML; the PDF is the same HTML
through WeasyPrint. Frames are summarised with polars first, so the templates only
lay out rows that are already computed, formatted and masked."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from pathlib import Path

import click
import jinja2
import polars as pl
from markupsafe import Markup, escape

import audit
from audit.errors import InputError, OutputError
from audit.money import fen_to_yuan, fen_to_yuan_expr

TEMPLATES = Path(audit.__file__).parent.parent / "templates"

PROGRAM_ORDER = ("construction", "operating", "center_operating", "insurance")
PAYER_ORDER = ("province", "province_lottery", "city_lottery", "city", "county", "finance", "institution")
SEVERITY_ORDER = ("error", "warning", "info")

# An 18-character resident id (GB 11643) anywhere in free text; masked like
# audit.privacy.mask_person_id even if a finding's writer forgot to.
_PERSON_ID = r"(\d{4})\d{10}(\d{3}[\dXx])"

LABELS = {
    "zh": {
        "html_lang": "zh-CN",
        "bureau_title": "养老服务补贴核算与稽核报告",
        "selfcheck_title": "机构自查报告",
        "draft_flag": "征求意见稿 · 非正式依据",
        "draft_note": "本报告所依据的政策文件为征求意见稿，计算结果不能作为正式拨付依据。",
        "in_force": "现行有效", "draft": "征求意见稿",
        "scope": "核算范围与依据", "pack": "政策包", "doc_number": "文号", "status": "文件状态",
        "year": "核算年度", "run_id": "运行标识", "pack_hash": "政策包哈希",
        "overrides": "本地参数调整", "param": "参数", "pack_value": "政策包取值",
        "local_value": "本地取值", "source": "依据", "no_overrides": "未调整任何参数。",
        "interpretations": "适用的解释口径", "no_interpretations": "无。",
        "inputs": "输入文件", "table": "数据表", "file": "文件", "sheet": "工作表",
        "totals": "补贴合计", "by_program": "按项目", "by_payer": "按出资方", "by_county": "按区县",
        "program": "项目", "payer": "出资方", "county": "区县", "amount": "金额（元）",
        "total": "合计", "share_of_total": "占比",
        "public_total": "其中财政及福彩资金（不含机构自付）",
        "summary": "机构汇总", "institution": "机构", "institution_id": "机构编号", "name": "机构名称",
        "charts": "图表", "chart_program": "各项目补贴金额（元）", "chart_county": "各区县补贴金额（元）",
        "chart_staffing": "护理员配备：应配与实配（各机构缺口最大的月份）",
        "chart_staffing_top": "仅显示缺口最大的 {n} 家机构（共 {total} 家）。",
        "required": "应配", "actual": "实配", "shortfall": "缺口", "month": "月份",
        "ledger": "补贴明细", "item": "明细项", "period": "期间", "quantity": "数量",
        "rate": "标准（元）", "citation": "条款", "basis": "计算说明", "subtotal": "小计",
        "findings": "稽核发现", "severity": "严重程度", "rule": "规则", "message": "说明",
        "evidence": "依据数据", "no_findings": "未发现问题。", "count": "条数",
        "fix": "整改建议", "general_findings": "全局及数据层面的发现",
        "appendix": "附录：所用参数及原文", "unit": "单位", "value": "取值", "from": "起始日期",
        "quote": "原文", "clause": "条款", "gap": "政策空缺（原文未规定）", "note": "备注",
        "staffing": "护理员配备（逐月）", "no_staffing": "无护理员配备数据。",
        "grants": "预计补贴（逐项）", "no_ledger": "本年度无预计补贴。",
        "program_total": "项目合计", "grand_total": "预计补贴总额",
        "profile": "机构概况", "kind": "机构类型", "beds": "核定床位数", "rating_level": "等级评定",
        "page_footer": "第 {page} 页 / 共 {pages} 页", "no_number": "（文件未注明文号）",
        "rendering": "正在生成报告",
        "severities": {"error": "错误", "warning": "警告", "info": "提示"},
        "programs": {"construction": "建设补贴", "operating": "运营补贴",
                     "center_operating": "居家养老服务中心运营补贴", "insurance": "综合保险"},
        "payers": {"province": "省级财政", "province_lottery": "省级福彩公益金",
                   "city_lottery": "市级福彩公益金", "city": "市级财政", "county": "县级财政",
                   "finance": "财政", "institution": "机构自付"},
        "items": {"self_built_beds": "自建床位", "leased_beds": "租赁床位", "nursing_type_bonus": "护理型床位奖补",
                  "disability_supplement": "失能失智补助", "low_income_supplement": "低保及低保边缘补助",
                  "score_formula": "按考核得分", "factor_share": "因素法分配", "premium_share": "保费补助",
                  "premium_rest": "保费自付部分", "renovation_share": "敬老院改造补助"},
        "item_patterns": {"resident_months_level_": "入住人月（{n} 级机构）",
                          "leased_beds_year_": "租赁床位（第 {n} 年）", "star_": "{n} 星级中心"},
        "no_unknown_rule_hint": "对照所引条款核实相关数据或做法，整改后重新自查。",
    },
    "en": {
        "html_lang": "en",
        "bureau_title": "Elderly-care grants: computation and audit report",
        "selfcheck_title": "Institution self-check report",
        "draft_flag": "DRAFT POLICY · NOT AN OFFICIAL BASIS",
        "draft_note": "The policy document behind this report is a draft for comment; its amounts cannot be paid from.",
        "in_force": "in force", "draft": "draft for comment",
        "scope": "Scope and basis", "pack": "Policy pack", "doc_number": "Document no.", "status": "Status",
        "year": "Year", "run_id": "Run id", "pack_hash": "Pack hash",
        "overrides": "Local parameter overrides", "param": "Parameter", "pack_value": "Pack value",
        "local_value": "Local value", "source": "Source", "no_overrides": "No parameter was overridden.",
        "interpretations": "Interpretations applied", "no_interpretations": "None.",
        "inputs": "Input files", "table": "Table", "file": "File", "sheet": "Sheet",
        "totals": "Totals", "by_program": "By program", "by_payer": "By payer", "by_county": "By county",
        "program": "Program", "payer": "Payer", "county": "County", "amount": "Amount (yuan)",
        "total": "Total", "share_of_total": "Share",
        "public_total": "of which public money (excluding the institutions' own share)",
        "summary": "Summary by institution", "institution": "Institution", "institution_id": "Institution id",
        "name": "Name",
        "charts": "Charts", "chart_program": "Grants by program (yuan)", "chart_county": "Grants by county (yuan)",
        "chart_staffing": "Caregivers: required vs actual (each institution's worst month)",
        "chart_staffing_top": "Showing the {n} institutions with the largest shortfall (of {total}).",
        "required": "Required", "actual": "Actual", "shortfall": "Shortfall", "month": "Month",
        "ledger": "Ledger", "item": "Item", "period": "Period", "quantity": "Quantity",
        "rate": "Rate (yuan)", "citation": "Clause", "basis": "Basis", "subtotal": "Subtotal",
        "findings": "Findings", "severity": "Severity", "rule": "Rule", "message": "Message",
        "evidence": "Evidence", "no_findings": "No findings.", "count": "Count",
        "fix": "What to fix", "general_findings": "Area- and data-level findings",
        "appendix": "Appendix: parameters used, with their source text", "unit": "Unit", "value": "Value",
        "from": "From", "quote": "Quote", "clause": "Clause", "gap": "policy gap (the text is silent)",
        "note": "Note",
        "staffing": "Caregiver staffing by month", "no_staffing": "No staffing data.",
        "grants": "Estimated grants, line by line", "no_ledger": "No grants estimated for this year.",
        "program_total": "Program total", "grand_total": "Estimated total",
        "profile": "Institution", "kind": "Kind", "beds": "Approved beds", "rating_level": "Rating level",
        "page_footer": "Page {page} of {pages}", "no_number": "(no document number given)",
        "rendering": "Rendering reports",
        "severities": {"error": "error", "warning": "warning", "info": "info"},
        "programs": {"construction": "Construction", "operating": "Operating",
                     "center_operating": "Home-care centre operating", "insurance": "Insurance"},
        "payers": {"province": "Province", "province_lottery": "Provincial lottery fund",
                   "city_lottery": "City lottery fund", "city": "City", "county": "County",
                   "finance": "Finance", "institution": "Institution (own share)"},
        "items": {"self_built_beds": "self-built beds", "leased_beds": "leased beds",
                  "nursing_type_bonus": "nursing-type bonus", "disability_supplement": "disability supplement",
                  "low_income_supplement": "low-income supplement", "score_formula": "score formula",
                  "factor_share": "factor allocation", "premium_share": "premium share",
                  "premium_rest": "premium (own share)", "renovation_share": "renovation share"},
        "item_patterns": {"resident_months_level_": "resident-months (level {n})",
                          "leased_beds_year_": "leased beds (year {n})", "star_": "{n}-star centre"},
        "no_unknown_rule_hint": "Check the data or practice against the cited clause, fix it, and run the self-check again.",
    },
}

# What an institution should do about a finding, by the finding's rule code.
FIX_HINTS = {
    "staffing_ratio": ("按能力等级重新核定应配护理员人数，补足护理员（按工时折算）后重新自查。",
                       "Hire or reassign caregivers (counted by FTE) up to the required number for your residents' care levels."),
    "lease_term": ("续签或延长租赁合同至条款要求的年限，并提供合同。",
                   "Extend the lease to the term the clause requires and file the contract."),
    "bed_minimum": ("核定床位数未达最低要求：核实床位核定文件或暂不申报该项补贴。",
                    "Approved beds are below the minimum: check the bed approval or do not claim this grant."),
    "policy_gap": ("原文未规定该参数：请主管部门以本地参数（--set / --override）明确后再核算。",
                   "The text leaves this parameter open: ask the bureau to set a local value (--set / --override)."),
    "double_claim": ("同一床位或人员重复申报：核对已享受补贴记录，删除重复部分。",
                     "The same beds or residents are claimed twice: check earlier subsidies and remove the duplicate."),
    "invalid_value": ("更正该数据项，使其符合数据规范后重新提交。",
                      "Correct the value so it meets the data contract and resubmit."),
    "not_registered": ("办理登记或备案手续后方可申报。", "Complete registration or filing before claiming."),
    "not_accepted": ("完成竣工验收并提供验收材料。", "Complete the acceptance inspection and file its record."),
    "over_capacity": ("入住人数超过核定床位：核实入住台账或申请调整核定床位。",
                      "Residents exceed approved beds: check the register or apply to change the approved beds."),
    "overlapping_stay": ("同一老人入住时段重叠：更正入住、离院日期。",
                         "A resident's stays overlap: correct the admission and discharge dates."),
    "nursing_occupancy": ("护理老人入住率未达要求：核实能力评估结果或暂不申报护理型奖补。",
                          "Nursing occupancy is below the threshold: check care assessments or do not claim the bonus."),
    "institution_target": ("对照指标要求改进（如护理型床位占比、社工配备）。",
                           "Improve toward the target (e.g. nursing-bed share, social workers)."),
    "area_target": ("区县层面指标，由主管部门统筹。", "An area-level target, for the bureau to address."),
    "unrated": ("申请等级评定；评定前不能享受按等级发放的运营补贴。",
                "Apply for a rating; the rating-based operating grant is paid only to rated institutions."),
    "missing_score": ("补报考核得分（0–100）。", "Supply the assessment score (0–100)."),
    "not_assessed_pass": ("通过县级民政部门考核或第三方评估后再申报。",
                          "Pass the county assessment or third-party evaluation before claiming."),
    "not_operating": ("填写投入运营日期；未运营不能享受该补贴。",
                      "Fill in the opening date; an institution not yet operating cannot claim."),
    "not_operating_normally": ("恢复正常运营并留存运营记录。", "Resume normal operation and keep its records."),
    "nursing_bed_share": ("增加护理型床位或核实护理型床位数。",
                          "Add nursing-type beds or check the nursing-bed count."),
    "beds_per_social_worker": ("按床位规模配备社会工作者。", "Employ social workers in proportion to beds."),
    "_per_10k": ("区县层面指标：补充辖区老年人口等数据后方可评估，由主管部门统筹。",
                 "An area-level target: needs the area's older population to evaluate; for the bureau."),
    "lottery": ("福彩公益金使用比例：由主管部门提供资金使用数据。",
                "Lottery-fund shares: the bureau supplies the fund-use figures."),
}
# Validation checks (audit.validate) surface as findings named after the check.
FIX_HINTS.update({check: FIX_HINTS["invalid_value"] for check in (
    "required", "enum", "date", "number", "range", "id_check_digit", "credit_code", "foreign_key",
    "date_order", "duplicate", "missing_column", "unreadable")})


# ---------------------------------------------------------------- formatting

def yuan(fen) -> str:
    """Amount in fen as `1,234,567.00`."""
    return fen_to_yuan(None if fen is None else int(fen), thousands=True)


def _label(mapping: dict, key) -> str:
    return mapping.get(key, key) if key is not None else ""


def item_label(item: str | None, L: dict) -> str:
    """Readable name of a ledger item code; unknown codes are shown as they are."""
    if item is None:
        return ""
    if item in L["items"]:
        return L["items"][item]
    for prefix, text in L["item_patterns"].items():
        if item.startswith(prefix) and item[len(prefix):].isdigit():
            return text.format(n=item[len(prefix):])
    return item


def fix_hint(rule: str | None, lang: str) -> str:
    """Short hint for a finding rule; falls back to a generic one."""
    i = 1 if lang == "en" else 0
    if rule in FIX_HINTS:
        return FIX_HINTS[rule][i]
    for key, hints in FIX_HINTS.items():
        if rule and key in rule:
            return hints[i]
    return LABELS[lang]["no_unknown_rule_hint"]


def mask_ids_in_text(expr: pl.Expr) -> pl.Expr:
    """Mask whole resident ids inside free text (messages, evidence)."""
    return expr.str.replace_all(_PERSON_ID, "${1}**********${2}")


def _order_expr(col: str, order: tuple[str, ...]) -> pl.Expr:
    """Sort key placing known codes in their canonical order, others after, by name."""
    return pl.col(col).replace_strict(list(order), list(range(len(order))), default=len(order),
                                      return_dtype=pl.Int64)


def run_id(manifest: dict) -> str:
    """Short hash of the manifest: the run's identity in every footer."""
    if manifest.get("run_id"):
        return str(manifest["run_id"])
    text = json.dumps(manifest, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


# ---------------------------------------------------------------- SVG charts

def bar_chart_svg(labels: list[str], series: list[tuple[str, list, str]], fmt, title: str = "") -> Markup:
    """Horizontal grouped bars as inline SVG. `series` is [(name, values, colour)];
    values are non-negative numbers (ints for money, so bar lengths stay exact)."""
    label_w, bar_w, value_w, bar_h, gap = 190, 330, 110, 12, 8
    n_series = len(series)
    group_h = bar_h * n_series + gap
    legend_h = 18 if n_series > 1 else 0
    height = legend_h + group_h * len(labels) + 4
    width = label_w + bar_w + value_w
    top = max((v for _, values, _ in series for v in values if v is not None), default=0) or 1
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
             f'font-family="Noto Sans CJK SC, sans-serif" font-size="9">']
    if n_series > 1:
        x = label_w
        for name, _, colour in series:
            parts.append(f'<rect x="{x}" y="3" width="10" height="10" fill="{colour}"/>'
                         f'<text x="{x + 14}" y="12" class="legend">{escape(name)}</text>')
            x += 24 + 12 * len(name)
    for i, label in enumerate(labels):
        y0 = legend_h + i * group_h
        short = label if len(label) <= 14 else label[:13] + "…"
        parts.append(f'<text x="{label_w - 6}" y="{y0 + group_h / 2 + 2:.0f}" text-anchor="end" '
                     f'class="label"><title>{escape(label)}</title>{escape(short)}</text>')
        for j, (_, values, colour) in enumerate(series):
            v = values[i] or 0
            w = max(int(v * bar_w // top), 1 if v else 0)
            y = y0 + j * bar_h
            parts.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h - 2}" fill="{colour}"/>'
                         f'<text x="{label_w + w + 4}" y="{y + bar_h - 3}" class="value">{escape(fmt(v))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


# ---------------------------------------------------------------- frames → rows

def _institutions(result) -> pl.DataFrame:
    """id, name, county (and a few profile columns) of every institution; never personal data."""
    inst = result.dataset.tables.get("institutions")
    cols = ["institution_id", "name", "county", "kind", "beds", "rating_level"]
    if inst is None or inst.is_empty():
        return pl.DataFrame(schema={c: pl.String for c in cols})
    return inst.select([c for c in cols if c in inst.columns])


def _ledger(result, L: dict) -> pl.DataFrame:
    """The ledger sorted as written, with names, counties and display columns added."""
    inst = _institutions(result).select("institution_id", "name", "county")
    return (
        result.ledger.join(inst, on="institution_id", how="left")
        .with_columns(
            pl.col("program").replace(L["programs"]).alias("program_label"),
            pl.col("payer").replace(L["payers"]).alias("payer_label"),
            fen_to_yuan_expr(pl.col("amount_fen"), thousands=True).alias("amount"),
            fen_to_yuan_expr(pl.col("rate_fen"), thousands=True).fill_null("").alias("rate"),
            pl.col("county").fill_null("—"),
            mask_ids_in_text(pl.col("basis").fill_null("")) if "basis" in result.ledger.columns else pl.lit("").alias("basis"),
        )
        .sort("institution_id", _order_expr("program", PROGRAM_ORDER), "item", "period",
              _order_expr("payer", PAYER_ORDER))
    )


def _totals(ledger: pl.DataFrame, key: str, labels: dict, order: tuple = ()) -> list[dict]:
    """One row per value of `key` with its amount (fen and text), in canonical order."""
    grouped = ledger.group_by(key).agg(pl.col("amount_fen").sum())
    sort_by = [_order_expr(key, order), key] if order else [key]
    grouped = grouped.sort(sort_by)
    total = int(ledger["amount_fen"].sum() or 0)
    return [
        {"key": r[key], "label": _label(labels, r[key]), "fen": int(r["amount_fen"]),
         "amount": yuan(r["amount_fen"]),
         "share": f"{r['amount_fen'] * 100 / total:.1f}%" if total else "—"}
        for r in grouped.iter_rows(named=True)
    ]


def _summary(ledger: pl.DataFrame, programs: list[str]) -> list[dict]:
    """One row per institution: amount per program and its total."""
    per = ledger.group_by("institution_id", "name", "county").agg(
        [pl.col("amount_fen").filter(pl.col("program") == p).sum().alias(p) for p in programs]
        + [pl.col("amount_fen").sum().alias("total")]
    ).sort("institution_id")
    per = per.with_columns(fen_to_yuan_expr(pl.col(c), thousands=True).alias(c) for c in programs + ["total"])
    return per.to_dicts()


def _findings(result, L: dict, lang: str, institution_id: str | None = None) -> pl.DataFrame:
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
    ).sort(_order_expr("severity", SEVERITY_ORDER), "rule", pl.col("institution_id").fill_null(""),
           pl.col("period").fill_null(""))


def _group_findings(f: pl.DataFrame) -> list[dict]:
    """[{severity, label, count, rules: [{rule, count, rows}]}] in severity order."""
    groups = []
    for sev_df in f.partition_by("severity", maintain_order=True):
        rules = [{"rule": r["rule"][0], "count": r.height, "rows": r.to_dicts()}
                 for r in sev_df.partition_by("rule", maintain_order=True)]
        groups.append({"severity": sev_df["severity"][0], "label": sev_df["severity_label"][0],
                       "count": sev_df.height, "rules": rules})
    return groups


def _staffing_rows(staffing: pl.DataFrame) -> pl.DataFrame:
    return staffing.with_columns(
        pl.col("month_end").cast(pl.String).str.slice(0, 7).alias("month"),
        pl.col("actual").cast(pl.Float64).round(1).alias("actual"),
        pl.col("shortfall").cast(pl.Float64).round(1).alias("shortfall"),
    ).sort("institution_id", "month_end")


def _fmt_num(v) -> str:
    if v is None:
        return ""
    return f"{v:g}" if isinstance(v, float) else str(v)


def _show_value(value, gap_label: str) -> str:
    """A parameter value as JSON-ish data from pack.parameters() → readable text."""
    if value is None:
        return gap_label
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_show_value(v, gap_label)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _param_rows(pack, year: int, lang: str) -> list[dict]:
    """Every parameter value in force at some time during `year`, with its quote
    (from pack.parameters(): one record per dated value)."""
    L = LABELS[lang]
    records = pack.parameters()
    if not records:
        return []
    rows = pl.DataFrame([{k: r[k] for k in ("rule", "param", "unit", "from", "until", "clause", "citation",
                                             "quote", "note", "local")} | {"order": i}
                         for i, r in enumerate(records)], infer_schema_length=None)
    start, end = f"{year}-01-01", f"{year}-12-31"
    in_year = rows.with_columns(pl.col("from").shift(-1).over("rule", "param", order_by="from").alias("next_from")) \
        .filter((pl.col("from") <= end) & (pl.col("until").is_null() | (pl.col("until") >= start))
                & (pl.col("next_from").is_null() | (pl.col("next_from") > start)))
    keep = set(in_year["order"].to_list())
    out = []
    for i, r in enumerate(records):
        if i not in keep:
            continue
        value = _show_value(r["value"], L["gap"])
        if r.get("local"):
            value = f"{value} ({L['local_value']}: {r['local']}; {L['pack_value']}: {_show_value(r['pack_value'], L['gap'])})"
        out.append({**{k: r.get(k) or "" for k in ("rule", "param", "unit", "from", "clause", "citation",
                                                     "quote", "note")}, "value": value})
    return out


def _group_by_key(rows: list[dict], key: str) -> list[tuple[str, list[dict]]]:
    """Consecutive rows with the same `key`, in their order (a handful of rules)."""
    groups: list[tuple[str, list[dict]]] = []
    for r in rows:
        if not groups or groups[-1][0] != r[key]:
            groups.append((r[key], []))
        groups[-1][1].append(r)
    return groups


def _scope(result, L: dict, lang: str) -> dict:
    """What the run was computed from: pack, status, overrides, interpretations, inputs."""
    pack = result.pack
    text_key = "text_en" if lang == "en" else "text_zh"
    inputs = [
        {"table": t, "file": Path(str(s.get("path", ""))).name, "sheet": s.get("sheet") or "",
         "sha256": s.get("sha256") or ""}
        for t, s in sorted((getattr(result.dataset, "sources", None) or {}).items()) if t != "*"
    ]
    # the manifest lists the interpretations the run actually applied (pack and calculators);
    # without one, every interpretation the pack states
    applied = (result.manifest or {}).get("interpretations")
    texts = ([i.get("text", "") for i in applied] if applied is not None
             else [i.get(text_key) or i.get("text_zh", "") for i in (pack.interpretations or [])])
    en = lang == "en"
    return {
        "pack": pack, "draft": getattr(pack, "status", "") == "draft",
        "title": (en and getattr(pack, "title_en", "")) or pack.title,
        "short": (en and getattr(pack, "short_en", "")) or pack.short,
        "number": getattr(pack, "number", None) or L["no_number"],
        "status_label": L.get(getattr(pack, "status", ""), getattr(pack, "status", "")),
        "year": result.year, "run_id": run_id(result.manifest or {}),
        "overrides": list(getattr(pack, "overrides", None) or []),
        "interpretations": texts,
        "inputs": inputs,
    }


# ---------------------------------------------------------------- rendering

def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters["yuan"] = yuan
    env.filters["num"] = _fmt_num
    return env


def _lang(result) -> str:
    return "en" if getattr(result, "lang", "zh") == "en" else "zh"


def bureau_context(result) -> dict:
    """Everything the bureau template shows, computed from the frames."""
    lang = _lang(result)
    L = LABELS[lang]
    ledger = _ledger(result, L)
    programs = sorted(ledger["program"].unique().to_list(),
                      key=lambda p: (PROGRAM_ORDER.index(p) if p in PROGRAM_ORDER else 99, p))
    by_program = _totals(ledger, "program", L["programs"], PROGRAM_ORDER)
    by_county = _totals(ledger, "county", {})
    findings = _findings(result, L, lang)
    counts = {r["severity"]: r["count"] for r in
              findings.group_by("severity").agg(pl.len().alias("count")).iter_rows(named=True)}
    ledger_groups = [
        {"institution_id": g["institution_id"][0], "name": g["name"][0] or "",
         "subtotal": yuan(g["amount_fen"].sum()), "rows": g.to_dicts()}
        for g in ledger.partition_by("institution_id", maintain_order=True)
    ] if ledger.height else []
    return {
        "L": L, "lang": lang, "title": L["bureau_title"], "scope": _scope(result, L, lang),
        "grand_total": yuan(ledger["amount_fen"].sum() or 0),
        "public_total": yuan(ledger.filter(pl.col("payer") != "institution")["amount_fen"].sum() or 0),
        "by_program": by_program, "by_payer": _totals(ledger, "payer", L["payers"], PAYER_ORDER),
        "by_county": by_county, "programs": [(p, _label(L["programs"], p)) for p in programs],
        "summary": _summary(ledger, programs),
        "chart_program": bar_chart_svg([r["label"] for r in by_program],
                                       [(L["amount"], [r["fen"] for r in by_program], "#2f6db5")], yuan,
                                       L["chart_program"]),
        "chart_county": bar_chart_svg([r["label"] for r in by_county],
                                      [(L["amount"], [r["fen"] for r in by_county], "#4a9a6a")], yuan,
                                      L["chart_county"]),
        **_bureau_staffing_chart(result, L),
        "ledger_groups": ledger_groups, "item_label": lambda i: item_label(i, L),
        "findings": _group_findings(findings) if findings.height else [],
        "finding_counts": [(s, L["severities"][s], counts.get(s, 0)) for s in SEVERITY_ORDER],
        "params": [{"rule": rule, "citation": rows[0]["citation"], "rows": rows}
                   for rule, rows in _group_by_key(_param_rows(result.pack, result.year, lang), "rule")],
    }


STAFFING_CHART_MAX = 30


def _bureau_staffing_chart(result, L: dict) -> dict:
    """Required vs actual caregivers, each institution's worst month; the largest shortfalls first."""
    st = result.staffing
    if st is None or st.is_empty():
        return {"chart_staffing": None, "staffing_note": ""}
    worst = (
        st.sort("institution_id", "shortfall", "month_end", descending=[False, True, True])
        .group_by("institution_id", maintain_order=True).first()
        .join(_institutions(result).select("institution_id", "name"), on="institution_id", how="left")
        .sort(["shortfall", "institution_id"], descending=[True, False])
    )
    shown = worst.head(STAFFING_CHART_MAX)
    note = (L["chart_staffing_top"].format(n=shown.height, total=worst.height)
            if worst.height > shown.height else "")
    labels = [f"{n or i}" for i, n in zip(shown["institution_id"], shown["name"])]
    chart = bar_chart_svg(labels, [(L["required"], shown["required"].to_list(), "#c0504d"),
                                   (L["actual"], shown["actual"].cast(pl.Float64).to_list(), "#2f6db5")],
                          _fmt_num, L["chart_staffing"])
    return {"chart_staffing": chart, "staffing_note": note}


def _by_institution(df: pl.DataFrame | None) -> dict:
    """{institution_id: its rows}, split once so --each does not rescan every frame."""
    if df is None or df.is_empty():
        return {}
    return {k[0]: g for k, g in df.partition_by("institution_id", as_dict=True, maintain_order=True).items()}


def selfcheck_parts(result) -> dict:
    """The frames every self-check draws on, computed once per run."""
    lang = _lang(result)
    L = LABELS[lang]
    findings = _findings(result, L, lang)
    staffing = result.staffing
    return {
        "lang": lang, "L": L, "scope": _scope(result, L, lang), "institutions": _institutions(result),
        "ledger": _by_institution(_ledger(result, L)), "findings": _by_institution(findings),
        "general": findings.filter(pl.col("institution_id").is_null()).to_dicts(),
        "staffing": _by_institution(_staffing_rows(staffing) if staffing is not None else None),
    }


def selfcheck_context(result, institution_id: str, parts: dict | None = None) -> dict:
    """Everything one institution's self-check shows."""
    parts = parts or selfcheck_parts(result)
    lang, L = parts["lang"], parts["L"]
    insts = parts["institutions"].filter(pl.col("institution_id") == institution_id)
    if insts.is_empty():
        raise InputError(f"数据中没有机构编号 {institution_id}。" if lang == "zh"
                         else f"No institution with id {institution_id} in the data.")
    ledger = parts["ledger"].get(institution_id)
    programs = [
        {"program": g["program"][0], "label": g["program_label"][0], "total": yuan(g["amount_fen"].sum()),
         "rows": g.to_dicts()}
        for g in ledger.partition_by("program", maintain_order=True)
    ] if ledger is not None else []
    findings = parts["findings"].get(institution_id)
    st = parts["staffing"].get(institution_id)
    chart = None
    if st is not None:
        chart = bar_chart_svg(st["month"].to_list(),
                              [(L["required"], st["required"].to_list(), "#c0504d"),
                               (L["actual"], st["actual"].to_list(), "#2f6db5")], _fmt_num, L["staffing"])
    return {
        "L": L, "lang": lang, "title": L["selfcheck_title"], "scope": parts["scope"],
        "inst": insts.row(0, named=True), "programs": programs,
        "grand_total": yuan(ledger["amount_fen"].sum() if ledger is not None else 0),
        "item_label": lambda i: item_label(i, L),
        "findings": findings.to_dicts() if findings is not None else [],
        "general_findings": parts["general"],
        "staffing": st.to_dicts() if st is not None else [], "chart_staffing": chart,
    }


def render_html(template: str, context: dict) -> str:
    """Render one report template to an HTML string (autoescaped)."""
    return _env().get_template(template).render(**context)


def html_to_pdf(html_text: str, pdf_path: Path, attachments: list[tuple[str, bytes, str]] = (),
                archival: bool = False) -> Path:
    """HTML → PDF. `archival` makes it PDF/A-3u, which may carry attachments
    ((name, bytes, description)); it costs ~0.5 s a document, so self-checks skip it."""
    import weasyprint

    files = [weasyprint.Attachment(string=data, name=name, description=desc) for name, data, desc in attachments]
    options = {"pdf_variant": "pdf/a-3u"} if archival else {}
    weasyprint.HTML(string=html_text, base_url=str(TEMPLATES)).write_pdf(
        pdf_path, attachments=files or None, **options)
    return pdf_path


def _progress(items, label: str, length: int | None = None):
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    if sys.stderr.isatty():
        return click.progressbar(items, label=label, length=length, file=sys.stderr)
    return nullcontext(items)


def _csv_attachments(result, out: Path) -> list[tuple[str, bytes, str]]:
    """ledger.csv and findings.csv for the archived PDF: the very files write_outputs
    wrote beside the report when present, else made here the same way."""
    from audit.privacy import defuse_frame

    if (out / "ledger.csv").is_file() and (out / "findings.csv").is_file():
        return [("ledger.csv", (out / "ledger.csv").read_bytes(), "ledger / 补贴明细"),
                ("findings.csv", (out / "findings.csv").read_bytes(), "findings / 稽核发现")]

    ledger = result.ledger.sort("institution_id", "program", "item", "period", "payer").with_columns(
        fen_to_yuan_expr(pl.col("rate_fen")).alias("rate_fen"),
        fen_to_yuan_expr(pl.col("amount_fen")).alias("amount_fen"),
    ).rename({"rate_fen": "rate", "amount_fen": "amount"})
    findings = result.findings.with_columns(
        mask_ids_in_text(pl.col(c)) for c in ("message", "evidence") if c in result.findings.columns)
    return [
        ("ledger.csv", defuse_frame(ledger).write_csv().encode("utf-8"), "ledger / 补贴明细"),
        ("findings.csv", defuse_frame(findings).write_csv().encode("utf-8"), "findings / 稽核发现"),
    ]


def write_bureau_report(result, out_dir) -> list[Path]:
    """Write report.html and report.pdf (PDF/A-3u with ledger.csv and findings.csv attached)."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html_text = render_html("bureau.html", bureau_context(result))
        html_path, pdf_path = out / "report.html", out / "report.pdf"
        with _progress(["html", "pdf"], LABELS[_lang(result)]["rendering"]) as steps:
            for step in steps:
                if step == "html":
                    html_path.write_text(html_text, encoding="utf-8")
                else:
                    html_to_pdf(html_text, pdf_path, _csv_attachments(result, out), archival=True)
    except OSError as e:
        raise OutputError(f"无法写出报告到 {out}: {e}") from e
    return [html_path, pdf_path]


def safe_name(institution_id: str) -> str:
    """An institution id made safe as part of a file name."""
    return re.sub(r"[^\w.-]", "_", str(institution_id)) or "_"


def _selfcheck_html(result, institution_id: str, out: Path, parts: dict | None = None) -> tuple[Path, str, Path]:
    html_text = render_html("selfcheck.html", selfcheck_context(result, institution_id, parts))
    base = f"selfcheck_{safe_name(institution_id)}"
    html_path = out / f"{base}.html"
    html_path.write_text(html_text, encoding="utf-8")
    return html_path, html_text, out / f"{base}.pdf"


def write_selfcheck(result, institution_id: str, out_dir) -> list[Path]:
    """Write selfcheck_<id>.html and .pdf for one institution into out_dir."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        html_path, html_text, pdf_path = _selfcheck_html(result, institution_id, out)
        html_to_pdf(html_text, pdf_path)
    except OSError as e:
        raise OutputError(f"无法写出自查报告到 {out}: {e}") from e
    return [html_path, pdf_path]


def _pdf_job(args) -> str:
    html_text, pdf_path = args
    html_to_pdf(html_text, Path(pdf_path))
    return pdf_path


def write_selfchecks(result, institution_ids: list[str], out_dir, workers: int = 2) -> list[Path]:
    """Self-checks for many institutions: HTML here, PDFs rendered across `workers` processes
    (WeasyPrint is single-threaded, so documents are the unit of parallelism)."""
    out = Path(out_dir)
    written, jobs = [], []
    try:
        out.mkdir(parents=True, exist_ok=True)
        parts = selfcheck_parts(result)
        for iid in institution_ids:
            html_path, html_text, pdf_path = _selfcheck_html(result, iid, out, parts)
            written.append(html_path)
            jobs.append((html_text, str(pdf_path)))
        label = LABELS[_lang(result)]["rendering"]
        if workers > 1 and len(jobs) > 2:
            with ProcessPoolExecutor(max_workers=workers) as pool, _progress(
                    pool.map(_pdf_job, jobs, chunksize=4), label, len(jobs)) as done:
                written += [Path(p) for p in done]
        else:
            with _progress(jobs, label) as todo:
                written += [Path(_pdf_job(j)) for j in todo]
    except OSError as e:
        raise OutputError(f"无法写出自查报告到 {out}: {e}") from e
    return written
