"""Words on the reports, zh and en: section titles, program/payer/item names, and a
short hint per finding rule saying what an institution should fix."""

from __future__ import annotations

PROGRAM_ORDER = ("construction", "operating", "center_operating", "insurance")
PAYER_ORDER = ("province", "province_lottery", "city_lottery", "city", "county", "finance", "institution")
SEVERITY_ORDER = ("error", "warning", "info")

LABELS = {
    "zh": {
        "html_lang": "zh-CN",
        "bureau_title": "养老服务补贴核算与稽核报告",
        "selfcheck_title": "机构自查报告",
        "draft_flag": "征求意见稿 · 非正式依据", "watermark": "征求意见稿 · 非正式依据",
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
        "grants_total": "补贴合计（财政及福彩资金）",
        "own_share_total": "另列：机构自付保费（不是补贴，不计入合计）",
        "subtotal_grants": "补贴小计（不含机构自付）",
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
        "program_total": "项目补贴合计（不含机构自付）", "grand_total": "预计补贴总额",
        "profile": "机构概况", "kind": "机构类型", "beds": "核定床位数", "rating_level": "等级评定", "star_level": "星级", "unrated": "未评定", "no_star": "无星级",
        "page_footer": "第 {page} 页 / 共 {pages} 页", "no_number": "（文件未注明文号）",
        "rendering": "正在生成报告",
        "severities": {"error": "错误", "warning": "警告", "info": "提示"},
        "rules": {"staffing_ratio": "护理员配备", "double_claim": "重复申领", "nursing_bed_share": "护理型床位占比",
                  "beds_per_social_worker": "社会工作者配备", "senior_grade_share": "高级护理员占比",
                  "first_aid_share": "急救培训占比", "policy_gap": "政策空缺", "not_eligible": "不在补助范围",
                  "not_registered": "未登记备案", "not_accepted": "未竣工验收", "not_operating": "未投入运营",
                  "bed_minimum": "床位数不足", "lease_term": "租期不足", "nursing_occupancy": "护理老人入住率",
                  "rating_below_minimum": "等级未达要求", "unrated": "未评定等级", "not_assessed_pass": "未通过考核",
                  "not_operating_normally": "未正常运营", "missing_score": "缺考核得分", "not_in_force": "规则不在有效期",
                  "overlapping_stay": "入住时段重叠", "over_capacity": "入住超过核定床位",
                  "certified_caregivers_per_10k": "每万老人持证护理员", "social_workers_per_10k": "每万老人社会工作者",
                  "social_workers_per_1k": "每千老人社会工作者", "dementia_beds_per_10k": "每万老人认知障碍床位",
                  "lottery_elderly_share": "福彩公益金用于养老比例", "lottery_home_care_share": "福彩公益金用于居家养老比例",
                  "facility_land_m2_per_capita": "人均养老设施用地", "head_training_interval_years": "负责人培训周期"},
        "programs": {"construction": "建设补贴", "operating": "运营补贴",
                     "center_operating": "居家养老服务中心运营补贴", "insurance": "综合保险"},
        "payers": {"province": "省级财政", "province_lottery": "省级福彩公益金",
                   "city_lottery": "市级福彩公益金", "city": "市级财政", "county": "县级财政",
                   "finance": "财政", "institution": "机构自付"},
        "grades": {"intact": "能力完好", "mild": "轻度失能", "moderate": "中度失能", "severe": "重度失能", "total": "完全失能",
                   "dementia_mild": "轻度失智", "dementia_moderate": "中度失智", "dementia_severe": "重度失智"},
        "yes": "是", "no": "否",
        "units": {"yuan": "元", "yuan/bed": "元/床", "yuan/bed/year": "元/床/年", "yuan/person/month": "元/人/月",
                  "yuan/year": "元/年", "share": "比例", "count": "个", "months": "个月", "years": "年",
                  "level": "级", "persons": "人", "m2/person": "平方米/人"},
        "no_unknown_rule_hint": "对照所引条款核实相关数据或做法，整改后重新自查。",
    },
    "en": {
        "html_lang": "en",
        "bureau_title": "Elderly-care grants: computation and audit report",
        "selfcheck_title": "Institution self-check report",
        "draft_flag": "DRAFT POLICY · NOT AN OFFICIAL BASIS", "watermark": "DRAFT · NOT OFFICIAL",
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
        "grants_total": "Total grants (public money)",
        "own_share_total": "Listed apart: the institutions' own premium shares (not grants, not in the total)",
        "subtotal_grants": "Grants subtotal (own share excluded)",
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
        "program_total": "Program grants (own share excluded)", "grand_total": "Estimated grants",
        "profile": "Institution", "kind": "Kind", "beds": "Approved beds", "rating_level": "Rating level", "star_level": "Star level", "unrated": "unrated", "no_star": "no star",
        "page_footer": "Page {page} of {pages}", "no_number": "(no document number given)",
        "rendering": "Rendering reports",
        "severities": {"error": "error", "warning": "warning", "info": "info"},
        "rules": {"staffing_ratio": "caregiver staffing", "double_claim": "double claim",
                  "nursing_bed_share": "nursing-bed share", "beds_per_social_worker": "social workers",
                  "policy_gap": "policy gap", "not_eligible": "outside the clause", "lease_term": "lease term",
                  "bed_minimum": "bed minimum", "unrated": "unrated", "overlapping_stay": "overlapping stays"},
        "programs": {"construction": "Construction", "operating": "Operating",
                     "center_operating": "Home-care centre operating", "insurance": "Insurance"},
        "payers": {"province": "Province", "province_lottery": "Provincial lottery fund",
                   "city_lottery": "City lottery fund", "city": "City", "county": "County",
                   "finance": "Finance", "institution": "Institution (own share)"},
        "grades": {"intact": "intact", "mild": "mild", "moderate": "moderate", "severe": "severe", "total": "total loss",
                   "dementia_mild": "mild dementia", "dementia_moderate": "moderate dementia",
                   "dementia_severe": "severe dementia"},
        "yes": "yes", "no": "no",
        "units": {},
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
# Validation checks (audit.data.validation) surface as findings named after the check.
FIX_HINTS.update({check: FIX_HINTS["invalid_value"] for check in (
    "required", "enum", "date", "number", "range", "id_check_digit", "credit_code", "foreign_key",
    "date_order", "duplicate", "missing_column", "unreadable")})


def _declared_item_words() -> None:
    """Ledger item words come from each kind's declaration (audit.kinds): exact codes under
    "items", numbered prefixes (`leased_beds_year_` + n) under "item_patterns"."""
    from audit.kinds.registry import items

    for lang in ("zh", "en"):
        LABELS[lang]["items"] = {i.code: getattr(i, lang) for i in items() if not i.code.endswith("_")}
        LABELS[lang]["item_patterns"] = {i.code: getattr(i, lang) for i in items() if i.code.endswith("_") and i.zh}


_declared_item_words()


def label_of(mapping: dict, key) -> str:
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
    if item.startswith("bed_months_"):  # bed_months_<GB/T 42195 grade>
        grade = item[len("bed_months_"):]
        return f"{L['items']['bed_months']} · {L['grades'].get(grade, grade)}"
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
