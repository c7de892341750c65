"""Words on the reports, zh and en: section titles, program/payer/item names, and a
short hint per finding rule saying what an institution should fix."""

from __future__ import annotations

from audit.i18n import PAYERS, PROGRAMS, words

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
                  "overlapping_stay": "入住时段重叠",
                  "overlapping_employment": "同一人在职时段重叠", "column_numbered_by_row": "按行号编号", "over_capacity": "入住超过核定床位",
                  "certified_caregivers_per_10k": "每万老人持证护理员", "social_workers_per_10k": "每万老人社会工作者",
                  "social_workers_per_1k": "每千老人社会工作者", "dementia_beds_per_10k": "每万老人认知障碍床位",
                  "lottery_elderly_share": "福彩公益金用于养老比例", "lottery_home_care_share": "福彩公益金用于居家养老比例",
                  "facility_land_m2_per_capita": "人均养老设施用地", "head_training_interval_years": "负责人培训周期",
                  "invalid_value": "数据不合规", "required": "必填项缺失", "enum": "取值不在可选范围", "date": "日期无法识别",
                  "number": "数值无法识别", "range": "数值超出范围", "id_check_digit": "身份证号校验位错误",
                  "credit_code": "统一社会信用代码错误", "foreign_key": "编号对不上", "date_order": "日期先后颠倒",
                  "duplicate": "重复记录", "missing_column": "缺少列", "unreadable": "无法读取",
                  "institution_target": "机构指标", "area_target": "区县指标", "not_in_force_rule": "规则不在有效期"},
        "programs": words(PROGRAMS, "zh"), "payers": words(PAYERS, "zh"),
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
                  "bed_minimum": "bed minimum", "unrated": "unrated", "overlapping_stay": "overlapping stays",
                  "overlapping_employment": "overlapping employment", "column_numbered_by_row": "numbered by row"},
        "programs": words(PROGRAMS, "en"), "payers": words(PAYERS, "en"),
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
    "overlapping_employment": ("同一工作人员在职时段重叠：删除重复录入的行，或更正入职、离职日期。",
                               "A staff member is listed twice at once: delete the duplicate row or correct the dates."),
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
# Inputs the reader could not use, with the money riding on them (audit.stake, issue 9).
READING_RULES = {
    "at_stake_hukou_unresolved": ("户籍地无法对应区县（涉及金额）", "place of registration unresolved (money at stake)",
                                  "把户籍地写成区县全称（如“新昌县”）或 6 位区划代码，重新核算。",
                                  "Write the place of registration as the county's full name or its 6-digit code; run again."),
    "at_stake_hukou_read_as_home": ("户籍地区县名多地同名、按本地计（涉及金额）",
                                    "shared county name read as local (money at stake)",
                                    "把户籍地写成带省市的全称（如“南京市鼓楼区”）或 6 位区划代码，重新核算。",
                                    "Write the place of registration with its province and city, or its 6-digit code; "
                                    "run again."),
    "at_stake_column_missing": ("缺少规则所需的列（涉及金额）", "a column a rule needs is missing (money at stake)",
                                "在工作表中补上该列（表头写数据规范中的名称），重新核算。",
                                "Add the column (headed as the data contract names it) and run again."),
    "at_stake_value_unreadable": ("数据无法读取（涉及金额）", "unreadable values (money at stake)",
                                  "按校验提示改正这些单元格，重新核算。", "Correct the cells as validate says; run again."),
    "at_stake_year_missing": ("保费没有保险年度（涉及金额）", "premium with no insurance year (money at stake)",
                              "填写保险年度或可读的保险期间（如 2024.1.1-2024.12.31），重新核算。",
                              "Fill in the insurance year or a readable period (2024.1.1-2024.12.31); run again."),
    "at_stake_hukou_blank": ("户籍地未填写（涉及金额）", "place of registration blank (money at stake)",
                             "填写户籍所在区县（全称或 6 位区划代码），重新核算。",
                             "Fill in the county of registration (full name or 6-digit code); run again."),
    "at_stake_value_blank": ("规则所需数据未填写（涉及金额）", "a value a rule needs is blank (money at stake)",
                             "填写这些单元格（如能力等级、举办性质、等级评定），重新核算。",
                             "Fill in these cells (e.g. care level, ownership, rating level); run again."),
    "at_stake_scheme_missing": ("保费没有险种（涉及金额）", "premium with no scheme (money at stake)",
                                "填写险种（如“养老机构综合责任保险”），重新核算。",
                                "Fill in the scheme (e.g. 养老机构综合责任保险); run again."),
    "at_stake_not_estimated": ("涉及金额未能估算", "money at stake not estimated",
                               "逐条核对无法读取的数据并改正，重新核算。",
                               "Check and correct each unreadable input, then run again."),
    "rule_input_missing": ("缺少规则所需的列", "a column a rule needs is missing",
                           "在工作表中补上该列（表头写数据规范中的名称），重新核算。",
                           "Add the column (headed as the data contract names it) and run again."),
    "place_unresolved": ("户籍地无法对应区县", "place of registration unresolved",
                         "把户籍地写成区县全称或 6 位区划代码。", "Write the county's full name or its 6-digit code."),
    "fte_unknown": ("兼职人员未填工时折算", "part-timer with no fte",
                    "填写工时折算（如 0.5）。", "Fill in the fte (e.g. 0.5)."),
    "missing_year": ("保费没有保险年度", "premium with no insurance year",
                     "填写保险年度或保险期间。", "Fill in the insurance year or period."),
}
for _code, (_zh, _en, _fix_zh, _fix_en) in READING_RULES.items():
    LABELS["zh"]["rules"][_code], LABELS["en"]["rules"][_code] = _zh, _en
    FIX_HINTS[_code] = (_fix_zh, _fix_en)


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
        suffix = item[len(prefix):]
        if item.startswith(prefix) and (suffix.isdigit() or suffix in L["grades"]):
            return text.format(n=L["grades"].get(suffix, suffix))  # a number, or a care grade's words
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


# The bureau report's cover, leader's page, contents, signature page and appendices.
LABELS["zh"].update({
    "blank_unit": "（填报单位）", "year_suffix": " 年度", "reporting_unit": "填报单位", "period_label": "核算期间",
    "period_text": "{year} 年 1 月 1 日至 {year} 年 12 月 31 日", "period_span": "{start} 至 {end}（{label}）", "basis_doc": "政策依据", "doc_status": "文件状态",
    "report_status": "报告状态", "report_date": "报告日期", "default_status": "待审核（未签字）",
    "date_blank": "　　　　年　　月　　日", "yuan": "元",
    "leader_title": "领导摘要", "program_by_payer": "按项目与出资方", "institutions_by_status": "机构情况",
    "n_institutions": "共 {n} 家", "status_col": "状态", "institutions_n": "机构数", "main_reasons": "主要原因（机构数）",
    "statuses": {"paid": "应付", "held": "暂缓支付", "none": "无应付款"}, "no_reason": "无相关发现",
    "status_note": "暂缓支付：有错误级发现涉及该机构，相关款项应在核实整改后再付；无应付款：本年度没有补贴明细，原因见相关发现。",
    "main_findings": "主要发现", "more_rules": "另有 {n} 类发现，见第四部分及附录。",
    "gaps_open": "有 {n} 项政策参数原文未规定，相关款项未计发，补设方法见附录一。",
    "toc": "目录",
    "sec_scope": "一、核算范围与依据", "sec_totals": "二、补贴合计", "sec_institutions": "三、机构汇总",
    "sec_findings": "四、稽核发现", "sec_signature": "审核签字",
    "app_operator": "附录一　操作说明（政策缺口的补设）", "app_hashes": "附录二　输入文件与哈希",
    "app_params": "附录三　所用参数及原文", "app_findings": "附录四　稽核发现明细", "app_ledger": "附录五　补贴明细",
    "hashes_in_appendix": "输入文件及政策包的 SHA-256 哈希见附录二。",
    "reading_title": "读取情况", "reading_intro": "每张表读自哪个工作表或文件、表头在第几行、各表头对应哪一列，"
    "未读取的列、跳过的行（合计、小计、表尾签字行）及未读取的工作表和原因。",
    "reading_where": "工作表/文件", "reading_header": "表头行", "reading_rows": "行数", "reading_columns": "表头 → 列",
    "reading_ignored": "未读取的列", "reading_skipped": "跳过的行", "reading_not_read": "未读取的工作表",
    "ledger_lines_where": "补贴明细共 {n} 行，见随附的 ledger.xlsx / ledger.csv（PDF 附件）。",
    "example": "示例", "findings_where": "逐条明细见附录四，以及 findings.xlsx / findings.csv（PDF 附件）。",
    "sign_statement": "以上 {year} 年度补贴核算结果（补贴合计 {total} 元）经核对无误。",
    "sign_name": "姓名", "sign_here": "签字", "sign_date": "日期",
    "preparer": "经办人", "reviewer": "审核人", "head": "负责人", "seal": "（单位盖章）",
    "operator_intro": "以下政策参数原文未规定具体数值，相关款项未计发（不按零计算）。主管部门确定本地标准后，可在核算命令中逐项补设，或写入本地参数文件（--override local.yaml），然后重新核算。",
    "set_on_command_line": "本地设定（核算时指定）", "local_notes": "其他可本地设定的事项",
    "affected": "涉及机构", "how_to_set": "补设方法", "no_gaps": "没有未规定的政策参数。",
    "operator_more": "本地取值须有依据（文件、会议纪要等）；原文写“不低于”的数值只能调高。详见 docs/policy-packs.md。",
})
LABELS["en"].update({
    "blank_unit": "(reporting unit)", "year_suffix": "", "reporting_unit": "Reporting unit", "period_label": "Period",
    "period_text": "1 January {year} to 31 December {year}", "period_span": "{start} to {end} ({label})", "basis_doc": "Policy basis", "doc_status": "Document status",
    "report_status": "Report status", "report_date": "Report date", "default_status": "for review (not signed)",
    "date_blank": "____ / __ / __", "yuan": "yuan",
    "leader_title": "Summary for the leadership", "program_by_payer": "By program and payer",
    "institutions_by_status": "Institutions", "n_institutions": "{n} in all", "status_col": "Status",
    "institutions_n": "Institutions", "main_reasons": "Main reasons (institutions)",
    "statuses": {"paid": "to pay", "held": "held", "none": "no grant"}, "no_reason": "no finding",
    "status_note": "Held: an error finding concerns the institution; pay after it is checked and fixed. "
                   "No grant: no ledger line this year; the findings say why.",
    "main_findings": "Main findings", "more_rules": "{n} more kinds of finding: see section 4 and the appendix.",
    "gaps_open": "{n} policy parameter(s) are left open by the text; their amounts are not paid (appendix 1 says how to set them).",
    "toc": "Contents",
    "sec_scope": "1. Scope and basis", "sec_totals": "2. Totals", "sec_institutions": "3. Institutions",
    "sec_findings": "4. Findings", "sec_signature": "Signatures",
    "app_operator": "Appendix 1. Operator notes (filling policy gaps)", "app_hashes": "Appendix 2. Input files and hashes",
    "app_params": "Appendix 3. Parameters used, with their source text", "app_findings": "Appendix 4. Findings in detail",
    "app_ledger": "Appendix 5. Ledger lines",
    "hashes_in_appendix": "SHA-256 hashes of the inputs and the pack are in appendix 2.",
    "reading_title": "How the input was read", "reading_intro": "Each table's sheets or files, header rows, "
    "each header → column, columns not read, rows skipped (totals, sub-totals, signature footers), and the sheets "
    "not read, with why.",
    "reading_where": "Sheet / file", "reading_header": "Header row", "reading_rows": "Rows",
    "reading_columns": "Header → column", "reading_ignored": "Columns not read", "reading_skipped": "Rows skipped",
    "reading_not_read": "Sheets not read",
    "ledger_lines_where": "The ledger's {n} lines are in the attached ledger.xlsx / ledger.csv (PDF attachment).",
    "example": "Example", "findings_where": "Each finding is listed in appendix 4 and in findings.xlsx / findings.csv.",
    "sign_statement": "The {year} grant computation above (grants {total} yuan) has been checked.",
    "sign_name": "Name", "sign_here": "Signature", "sign_date": "Date",
    "preparer": "Prepared by", "reviewer": "Reviewed by", "head": "Approved by", "seal": "(unit seal)",
    "operator_intro": "The text gives no value for these parameters; their amounts are not paid (never counted as zero). "
                      "Once the bureau sets a local value, pass it to the run, or put it in an override file (--override local.yaml), and run again.",
    "set_on_command_line": "local value (given to the run)", "local_notes": "Other values a bureau may set locally",
    "affected": "Institutions", "how_to_set": "How to set", "no_gaps": "No parameter is left open.",
    "operator_more": "A local value needs a basis (a document, minutes); a value the text states as a minimum may only be raised. See docs/policy-packs.md.",
})


# The self-check: deadline, staffing without a ratio, amounts that depend on other institutions.
LABELS["zh"].update({
    "held_note": "有错误级发现：主管部门核算时本机构预计补贴 {total} 元将暂缓支付，整改并核实后再付。",
    "deadline": "整改期限", "at_stake": "涉及金额", "deadline_note": "请在 {date} 前完成整改并重新自查。",
    "staffing_bound_note": "有 {n} 名护理员为兼职且未填工时折算，暂按全职计：下表“实际”是上限，“缺口”是下限。请填写工时折算后重新自查。",
    "residents": "在院老人", "staffing_observed_note": "所用政策包未规定护理员配比：下表只列出数据中的在院老人和护理员（按工时折算），不判断是否达标。",
    "depends_title": "取决于其他机构数据的金额",
    "depends_premium": "综合保险补助按全部保单的平均保费计算（参数 {param}）：只用本机构数据时，平均保费就是本机构的保费，与主管部门按全部机构计算的结果可能不同。请向主管部门索取公布的平均保费，重新自查时用 --set {param}=数值 指定，预计金额即与主管部门一致（精确到分）。",
    "depends_factor": "居家养老服务中心运营补贴按因素法在全部中心之间分配：只用本中心数据时分配结果不可靠。请以主管部门公布的分配结果为准。",
})
LABELS["en"].update({
    "held_note": "Error findings: the bureau holds your estimated grants of {total} yuan until they are fixed and checked.",
    "deadline": "Deadline", "at_stake": "Money at stake", "deadline_note": "Fix these by {date} and run the self-check again.",
    "staffing_bound_note": "{n} part-time caregiver(s) have no fte and count as full-time: the table's staff figure is "
                           "an upper bound and its shortfall a lower bound. Fill in their fte and run the self-check again.",
    "residents": "Residents", "staffing_observed_note": "The policy pack sets no caregiver ratio: the table lists the residents and caregivers (FTE) in the data, without judging them.",
    "depends_title": "Amounts that depend on other institutions' data",
    "depends_premium": "The insurance grant uses the average premium over all policies ({param}): on your own data the average is your own premium, which may differ from the bureau's. Ask the bureau for its published average and pass it with --set {param}=VALUE: the estimate then matches the bureau's to the fen.",
    "depends_factor": "The centre grant is shared among all centres by factors: on one centre's data the share is not reliable. The bureau's published allocation prevails.",
})


# Finding codes in words wherever a finding reaches a reader (leader's page, findings, self-check,
# notice, findings.xlsx): the claims audit, the registers, integrity and data checks, and the
# English words of codes that had only Chinese ones.
LABELS["zh"]["detail_more"] = "本类另有 {n} 条未在此列出（只列前 {shown} 条），完整清单见 findings.xlsx / findings.csv（PDF 附件）。"
LABELS["en"]["detail_more"] = "{n} more of this kind are not listed here (the first {shown} are); all are in findings.xlsx / findings.csv."
LABELS["zh"]["rules"].update({
    "claim_died": "申报月份老人已死亡", "claim_under_60": "申报对象未满六十周岁",
    "claim_claimed_elsewhere": "同月另一机构也申报", "claim_at_other_home": "申报月在其他机构入住",
    "claim_not_resident": "申报月不在本机构入住", "claim_not_local": "户籍不在机构所在区县",
    "claim_not_eligible": "未满足计发条件", "claim_missing": "符合条件但未申报",
    "program_not_in_pack": "申报项目不在政策范围", "claim_outside_year": "申报不在核算期间",
    "payment_outside_year": "拨付不在核算期间",
    "claim_straddles_period": "申报期间跨越核算期间", "payment_straddles_period": "拨付期间跨越核算期间",
    "claim_periods_overlap": "申报期间重叠（可能重复申报）",
    "claim_repeated": "同一申报重复录入",
    "payment_repeated": "同一拨付重复录入（无凭证号）",
    "died": "死亡后仍计人月", "under_60": "未满六十周岁", "not_on_roster": "不在低保特困名册",
    "second_payroll": "同一人员在两家机构任职", "over_beds": "入住人数超过核定床位", "implausible_age": "年龄不合常理",
    "nursing_bonus_earlier": "护理型奖励应在以前年度发放", "missing_premises": "缺少用房性质",
    "lease_part_beds_subsidised": "租赁分年补贴以后年度床位已记为补贴过",
    "before_rule_start": "规则施行前的月份未计发",
    "premium_part_year": "保费补助规则只在部分月份施行",
    "missing_registered_on": "缺少登记备案日期", "missing_accepted": "缺少验收日期",
    "missing_operating": "缺少运营日期",
    "missing_expansion_accepted_on": "缺少扩建床位验收日期", "no_basic_beds_agreement": "未签订基本养老床位协议",
    "occupancy_below_minimum": "入住率未达要求", "below_band": "未达最低补助档次",
    "premises_not_covered": "用房性质不在补助范围",
    "not_newly_built": "非新建机构", "over_approved_beds": "超过核定床位", "overdue_unpaid": "到期未拨付",
    "beds_capped": "床位数按上限计", "cap_reached": "已达单个机构补助上限", "cap_history_unknown": "以前拨付不明，无法核对补助上限", "register_cut": "死亡或未满六十周岁的月份不计", "missing_beds": "未填写核定床位数", "months_not_in_force": "期间部分月份规则未施行", "values_change_in_period": "期间内标准变更", "missing_ownership": "未填写举办性质", "earlier_stages": "以前阶段未拨付", "held_subsidized_split": "已补助床位拆分",
    "ability_grade_unknown": "能力等级不明",
    "place_unresolved": "地名无法识别", "rule_input_missing": "缺少规则所需数据", "unknown_column": "无法识别的列",
    "duplicate_column": "列名重复", "duplicate_table": "数据表重复", "empty": "数据表为空", "formula": "单元格含公式",
    "hidden_sheet": "隐藏工作表", "institution_key": "机构编号对不上", "institution_name": "机构名称对不上",
    "missing_table": "缺少数据表", "too_large": "文件过大", "unit": "单位不明", "period": "期间无法识别",
    "money_at_stake": "影响金额的数据存疑",
})
LABELS["en"]["rules"].update({
    "claim_died": "claimed after death", "claim_under_60": "claimed person under 60",
    "claim_claimed_elsewhere": "also claimed by another home", "claim_at_other_home": "resident at another home",
    "claim_not_resident": "not resident here", "claim_not_local": "registered outside the county",
    "claim_not_eligible": "conditions not met", "claim_missing": "eligible but not claimed",
    "program_not_in_pack": "programme not in the policy", "claim_outside_year": "claim outside the period",
    "payment_outside_year": "payment outside the period",
    "claim_straddles_period": "claim crosses the period's edge", "payment_straddles_period": "payment crosses the period's edge",
    "claim_periods_overlap": "overlapping claims (possible double claim)",
    "claim_repeated": "the same claim entered twice",
    "payment_repeated": "the same payment entered twice (no voucher)",
    "died": "counted after death", "under_60": "under 60", "not_on_roster": "not on the assistance roster",
    "second_payroll": "on two homes' payrolls", "over_beds": "more residents than beds",
    "implausible_age": "implausible age",
    "nursing_bonus_earlier": "nursing bonus due in an earlier year", "missing_premises": "premises missing",
    "lease_part_beds_subsidised": "later lease year: beds recorded as subsidised",
    "before_rule_start": "months before the rule started not paid",
    "premium_part_year": "premium rule in force in part of the year",
    "missing_registered_on": "registration date missing", "missing_accepted": "acceptance date missing",
    "missing_operating": "opening date missing", "missing_expansion_accepted_on": "expansion acceptance date missing",
    "no_basic_beds_agreement": "no basic-beds agreement", "occupancy_below_minimum": "occupancy below minimum",
    "below_band": "below the lowest band", "premises_not_covered": "premises not covered",
    "not_newly_built": "not newly built", "over_approved_beds": "over approved beds",
    "overdue_unpaid": "due but unpaid",
    "beds_capped": "beds capped", "cap_reached": "institution cap reached", "cap_history_unknown": "earlier payments unknown, cap unchecked", "register_cut": "months after death or under 60 not counted", "missing_beds": "approved beds blank", "months_not_in_force": "rule not in force in some months", "values_change_in_period": "values change within the period", "missing_ownership": "ownership blank", "earlier_stages": "earlier stages unpaid",
    "held_subsidized_split": "subsidised beds split",
    "ability_grade_unknown": "care grade unknown",
    "senior_grade_share": "senior caregiver share", "first_aid_share": "first-aid training share",
    "not_registered": "not registered", "not_accepted": "not accepted", "not_operating": "not operating",
    "nursing_occupancy": "nursing occupancy", "rating_below_minimum": "rating below minimum",
    "not_assessed_pass": "assessment not passed", "not_operating_normally": "not operating normally",
    "missing_score": "score missing", "not_in_force": "not in force", "over_capacity": "over capacity",
    "certified_caregivers_per_10k": "certified caregivers per 10,000 older people",
    "social_workers_per_10k": "social workers per 10,000 older people",
    "social_workers_per_1k": "social workers per 1,000 older people",
    "dementia_beds_per_10k": "dementia beds per 10,000 older people",
    "lottery_elderly_share": "lottery fund share for elderly care",
    "lottery_home_care_share": "lottery fund share for home care",
    "facility_land_m2_per_capita": "care-facility land per head",
    "head_training_interval_years": "head's training interval",
    "invalid_value": "invalid value", "required": "required value missing", "enum": "value not in the list",
    "date": "unreadable date", "number": "unreadable number", "range": "value out of range",
    "id_check_digit": "id check digit wrong", "credit_code": "credit code wrong", "foreign_key": "id does not match",
    "date_order": "dates in the wrong order", "duplicate": "duplicate record", "missing_column": "column missing",
    "unreadable": "unreadable", "institution_target": "institution target", "area_target": "area target",
    "not_in_force_rule": "rule not in force", "place_unresolved": "place not recognised",
    "rule_input_missing": "data the rule needs missing", "unknown_column": "unknown column",
    "duplicate_column": "duplicate column", "duplicate_table": "duplicate table", "empty": "empty table",
    "formula": "formula in a cell", "hidden_sheet": "hidden sheet", "institution_key": "institution id mismatch",
    "institution_name": "institution name mismatch", "missing_table": "table missing", "too_large": "file too large",
    "unit": "unit unclear", "period": "unreadable period",
    "money_at_stake": "money riding on doubtful data",
})

# months as clerks type them (audit.data.normalise: a date or serial in a month column, 2024.1)
LABELS["zh"]["rules"].update({
    "month_from_date": "月份栏填了日期", "month_serial": "月份栏是日期序号", "month_ambiguous": "月份不明（1 月还是 10 月）",
    "period_from_date": "期间栏填了日期（按所在月份读取）",
})
LABELS["en"]["rules"].update({
    "month_from_date": "a date where a month is expected", "month_serial": "a date serial where a month is expected",
    "month_ambiguous": "month unclear (January or October)",
    "period_from_date": "a date in a period column (read as its month)",
})

# the self-check's table of the people behind its grouped per-person findings (audit.report.person_findings)
LABELS["zh"].update({
    "persons_title": "逐人明细", "persons_note": "上文按规则合并的发现所涉人员，每人一行（身份证号已遮盖）；金额为该人涉及的金额（元）。",
    "persons_id": "身份证号（已遮盖）", "persons_months": "月份", "persons_n": "人月", "persons_amount": "金额（元）",
    "persons_other": "其他", "persons_count": "（{n} 人）",
})
LABELS["en"].update({
    "persons_title": "Persons", "persons_note": "The people behind the findings grouped by rule above, one line each "
    "(ids masked); the amount is what each person's finding concerns (yuan).",
    "persons_id": "ID (masked)", "persons_months": "Months", "persons_n": "Person-months", "persons_amount": "Amount (yuan)",
    "persons_other": "Other", "persons_count": " ({n} people)",
})

# an open average premium the run filled with the input's mean (audit.kinds.insurance): paid, on an estimate
LABELS["zh"]["rules"]["average_premium_from_input"] = "平均保费按输入数据均值"
LABELS["en"]["rules"]["average_premium_from_input"] = "average premium taken from the input"
FIX_HINTS["average_premium_from_input"] = (
    "向主管部门索取公布的平均保费，用 --set 参数=数值 指定后重新核算，金额即与主管部门一致。",
    "Ask the bureau for its published average premium and set it with --set PARAM=VALUE; the amount then matches.",
)

# a blank 营利性质 paid as for-profit where the non-profit share is open (audit.kinds.common.Ctx.blank_gap)
LABELS["zh"]["rules"]["profit_status_blank_open"] = "未填写营利性质（非营利性比例未定）"
LABELS["en"]["rules"]["profit_status_blank_open"] = "profit status blank (non-profit share open)"
FIX_HINTS["profit_status_blank_open"] = (
    "在机构表填写营利性质（营利性或非营利性）后重新核算；如属非营利性，应计发数额须待主管部门确定非营利性补助比例"
    "（--set 参数=数值）后才能计算。",
    "Fill in the institution's profit status and run again; if it is non-profit, what is due cannot be computed "
    "until the bureau sets the non-profit share (--set PARAM=VALUE).",
)
