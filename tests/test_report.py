"""Bureau and self-check reports rendered from a small hand-made RunResult.

The fake RunResult has exactly the shapes docs/internals.md gives (ledger, findings,
staffing frames, manifest dict, a pack-like object); expected totals are worked out
by hand in comments, and cross-checked against sums taken here from the ledger."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import polars as pl
import pytest

from audit import report
from audit.report.signing import Signing

EVIL = "<script>alert(1)</script>"
PERSON_ID = "330602195001011234"


def fake_pack(status="draft"):
    """The shipped Shaoxing pack (a draft for comment) with one local override."""
    from audit.policy import load_pack

    pack = load_pack("shaoxing", sets=("construction_city.rate_self_built=5000",))
    pack.status = status
    return pack


def fake_result(lang="zh", status="draft"):
    institutions = pl.DataFrame({
        "institution_id": ["I001", "I002", "I003"],
        "name": ["阳光颐养院", EVIL, "和美照料中心"],
        "county": ["越城区", "柯桥区", "越城区"],
        "kind": ["institution", "institution", "community_center"],
        "beds": [120, 60, 0],
        "rating_level": [4, 2, 0],
        "_row": [2, 3, 4],
    })
    L = [  # institution, program, item, period, qty, rate_fen, amount_fen, payer
        ("I001", "construction", "self_built_beds", "2024", 100, 400000, 40000000, "city"),
        ("I001", "operating", "resident_months_level_4", "2024", 600, 10000, 6000000, "city"),
        ("I001", "operating", "disability_supplement", "2024", 300, 5000, 1500000, "county"),
        ("I002", "operating", "resident_months_level_2", "2024", 240, 5000, 1200000, "city"),
        ("I002", "insurance", "premium_share", "2024", 1, None, 123457, "county"),
        ("I002", "insurance", "premium_rest", "2024", 1, None, 61728, "institution"),
        ("I003", "center_operating", "star_3", "2024", 1, 3000000, 3000000, "county"),
    ]
    ledger = pl.DataFrame(L, schema={"institution_id": pl.String, "program": pl.String, "item": pl.String,
                                     "period": pl.String, "quantity": pl.Int64, "rate_fen": pl.Int64,
                                     "amount_fen": pl.Int64, "payer": pl.String}, orient="row")
    ledger = ledger.with_columns(
        rule=pl.col("program"), citation=pl.lit("绍兴 实施意见 重点工作(五)4"),
        basis=pl.lit("数量 × 标准"))
    findings = pl.DataFrame({
        "institution_id": ["I001", "I002", None, "I002"],
        "rule": ["staffing_ratio", "lease_term", "policy_gap", "invalid_value"],
        "severity": ["error", "warning", "info", "error"],
        "message": ["护理员配备不足", f"租期不足 {EVIL}", "省级补助标准原文未规定", f"身份证号 {PERSON_ID} 校验位错误"],
        "evidence": ["required=8 actual=6.5 month=2024-06", "lease_years=2", "", f"person_id={PERSON_ID}"],
        "citation": ["绍兴 实施意见 重点工作(五)6", "绍兴 实施意见 重点工作(五)3", "", ""],
        "period": ["2024-06", None, None, None],
    })
    months = pl.date_range(date(2024, 1, 1), date(2024, 12, 1), "1mo", eager=True).dt.month_end()
    staffing = pl.concat([
        pl.DataFrame({"institution_id": "I001", "month_end": months, "required": pl.Series([8] * 12, dtype=pl.Int64),
                      "actual": [6.5] * 6 + [8.0] * 6}),
        pl.DataFrame({"institution_id": "I002", "month_end": months, "required": pl.Series([3] * 12, dtype=pl.Int64),
                      "actual": [3.0] * 12}),
    ]).with_columns((pl.col("required") - pl.col("actual")).clip(lower_bound=0).alias("shortfall"))
    dataset = SimpleNamespace(
        tables={"institutions": institutions},
        sources={"institutions": {"path": "/data/台账.xlsx", "sheet": "机构", "sha256": "cd" * 32, "encoding": None}},
    )
    return SimpleNamespace(dataset=dataset, pack=fake_pack(status), year=2024, lang=lang, ledger=ledger,
                           findings=findings, staffing=staffing, manifest={"tool": "audit 0.1.0", "year": 2024})


# Grand total by hand: 400,000.00 + 60,000.00 + 15,000.00 + 12,000.00 + 1,234.57 + 617.28 + 30,000.00
#                    = 518,851.85 yuan
GRAND_TOTAL = "518,851.85"
# The report's totals are grants: I002's own premium share (617.28, payer institution) is
# listed but not added in: 518,851.85 − 617.28 = 518,234.57
GRANTS_TOTAL = "518,234.57"


def fmt(fen: int) -> str:
    """The test's own 1,234.56 formatter (independent of audit.money)."""
    return f"{fen // 100:,}.{fen % 100:02d}"


def html_totals(html_text: str, by: str) -> dict[str, str]:
    """label → amount text from the report's totals table `by`."""
    table = re.search(rf'<table class="totals" data-by="{by}">(.*?)</table>', html_text, re.S).group(1)
    return dict(re.findall(r'<tr><td>([^<]*)</td><td class="num">([\d,.]+)</td>', table))


@pytest.fixture(scope="module")
def bureau(tmp_path_factory):
    out = tmp_path_factory.mktemp("bureau")
    result = fake_result()
    # with the optional ledger appendix, so the line-level tests below see every line
    paths = report.write_bureau_report(result, out, Signing(ledger_appendix=True))
    return result, out, paths


@pytest.fixture(scope="module")
def selfcheck(tmp_path_factory):
    out = tmp_path_factory.mktemp("selfcheck")
    paths = report.write_selfcheck(fake_result(), "I002", out)
    return out, paths


def test_bureau_writes_html_and_pdf(bureau):
    _, out, paths = bureau
    assert [p.name for p in paths] == ["report.html", "report.pdf"]
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")


def test_html_escapes_script_names(bureau, selfcheck):
    _, out, _ = bureau
    for path in (out / "report.html", selfcheck[0] / "selfcheck_I002.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_html_is_chinese_with_sc_font(bureau):
    text = (bureau[1] / "report.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text
    assert '"Noto Sans CJK SC"' in text
    assert '"第 " counter(page) " 页 / 共 " counter(pages) " 页"' in text


def test_totals_equal_ledger_sums(bureau):
    result, out, _ = bureau
    text = (out / "report.html").read_text(encoding="utf-8")
    ledger = result.ledger
    assert fmt(int(ledger["amount_fen"].sum())) == GRAND_TOTAL
    assert f'<span id="grand-total">{GRANTS_TOTAL}</span>' in text
    # by program, by hand: construction 400,000.00; operating 60,000 + 15,000 + 12,000 = 87,000.00;
    # center_operating 30,000.00; insurance 1,234.57 (I002's own 617.28 is not a grant)
    assert html_totals(text, "program") == {"建设补贴": "400,000.00", "运营补贴": "87,000.00",
                                            "居家养老中心运营补助": "30,000.00", "综合保险": "1,234.57"}
    # by payer, from the ledger frame directly, without the institutions' own share
    payer_zh = {"city": "市级财政", "county": "县级财政"}
    expected = {payer_zh[p]: fmt(a) for p, a in ledger.filter(pl.col("payer") != "institution")
                .group_by("payer").agg(pl.col("amount_fen").sum()).iter_rows()}
    assert html_totals(text, "payer") == expected
    # by county: 越城区 = I001 + I003 = 475,000.00 + 30,000.00; 柯桥区 = I002 = 12,000 + 1,234.57
    assert html_totals(text, "county") == {"越城区": "505,000.00", "柯桥区": "13,234.57"}


def test_draft_flag_and_in_force(bureau, tmp_path):
    text = (bureau[1] / "report.html").read_text(encoding="utf-8")
    assert "征求意见稿 · 非正式依据" in text
    out = tmp_path / "in_force"
    report.write_bureau_report(fake_result(status="in_force"), out)
    assert "非正式依据" not in (out / "report.html").read_text(encoding="utf-8")


def test_no_person_id_leaks(bureau, selfcheck):
    for path in (bureau[1] / "report.html", selfcheck[0] / "selfcheck_I002.html"):
        text = path.read_text(encoding="utf-8")
        assert PERSON_ID not in text
        assert "3306**********1234" in text


def test_scope_lists_overrides_interpretations_inputs(bureau):
    text = (bureau[1] / "report.html").read_text(encoding="utf-8")
    assert "<td>construction_city.rate_self_built</td><td>4000.00</td><td>5000.00</td><td>本地设定（核算时指定）</td>" in text
    assert "征求意见稿未注明发布与施行日期" in text          # the pack's first interpretation
    assert "cd" * 32 in text and "台账.xlsx" in text and "/data/" not in text
    assert "（文件未注明文号）" in text                     # the draft has no 文号: said, not blank


def test_appendix_quotes_every_parameter(bureau):
    text = (bureau[1] / "report.html").read_text(encoding="utf-8")
    assert "自建用房按核定床位数一次性给予每张床位不低于4000元的补助" in text
    # a declared gap is shown as a gap, never as 0
    section = text[text.index("<h4>construction_province · "):]
    row = re.search(r"<td>rate_self_built</td><td>([^<]*)<", section)
    assert row and row.group(1).startswith("政策空缺")
    # the local value is shown beside the pack's
    assert "5000.00 (本地取值: --set; 政策包取值: 4000.00)" in text


def test_findings_grouped_by_severity_then_rule(bureau):
    text = (bureau[1] / "report.html").read_text(encoding="utf-8")
    order = [text.index(s) for s in ("规则 invalid_value", "规则 staffing_ratio", "规则 lease_term",
                                     "规则 policy_gap")]
    assert order == sorted(order)   # errors (alphabetical rules) before warnings before infos
    assert "required=8 actual=6.5 month=2024-06" in text


def test_selfcheck_lines_totals_fixes_and_staffing(selfcheck):
    out, paths = selfcheck
    assert [p.name for p in paths] == ["selfcheck_I002.html", "selfcheck_I002.pdf"]
    text = paths[0].read_text(encoding="utf-8")
    # I002: operating 12,000.00; insurance grant 1,234.57 (its own 617.28 is shown, not added);
    # estimated grants 12,000.00 + 1,234.57 = 13,234.57
    assert '<span id="grand-total">13,234.57</span>' in text
    assert "12,000.00" in text and "1,234.57" in text and "617.28" in text and "1,851.85" not in text
    assert "阳光颐养院" not in text            # another institution's lines stay out
    assert report.fix_hint("lease_term", "zh") in text
    assert report.fix_hint("policy_gap", "zh") in text   # the area-level finding, with its hint
    # each finding states the money at stake; a gap says it cannot be computed instead of a 0
    assert "<th style=\"width:22%\">涉及金额</th>" in text and "不按零计" in text
    assert text.count('<th class="num">2024-') == 12    # staffing month by month, months across
    # I002 has an error finding (invalid_value): the bureau holds its 13,234.57, and it is told so
    assert "本机构预计补贴 13,234.57 元将暂缓支付" in text


def test_selfcheck_unknown_institution_is_a_clear_error(tmp_path):
    from audit.errors import InputError
    with pytest.raises(InputError, match="I999"):
        report.write_selfcheck(fake_result(), "I999", tmp_path)


def test_english_labels(tmp_path):
    report.write_bureau_report(fake_result(lang="en"), tmp_path)
    text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in text
    assert "DRAFT POLICY" in text and '"Page " counter(page) " of " counter(pages)' in text
    assert html_totals(text, "program")["Construction"] == "400,000.00"


def test_chart_svg_escapes_labels_and_scales_exactly():
    svg = report.bar_chart_svg([EVIL, "b"], [("amount", [200, 100], "#000")], str)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    widths = re.findall(r'<rect x="190" y="\d+" width="(\d+)"', svg)
    assert widths == ["330", "165"]   # 330 px for the largest, 100/200 × 330 = 165 for the other


def test_fix_hint_falls_back():
    assert report.fix_hint("no_such_rule", "en").startswith("Check the data")


def test_public_money_excludes_institutions_own_share(bureau):
    """The headline is grants only; the institutions' own premium shares are listed apart
    (I002's premium_rest 617.28) and appear in no total or summary row."""
    text = (bureau[1] / "report.html").read_text(encoding="utf-8")
    assert '<span id="grand-total">518,234.57</span>' in text and '<span id="own-total">617.28</span>' in text
    row = re.search(r"<tr><td>I002</td><td>[^<]*</td><td>柯桥区</td>(.*?)</tr>", text).group(1)
    # I002: operating 12,000.00, insurance 1,234.57, total 13,234.57 (construction, centre 0.00)
    assert re.findall(r">([\d,.]+)<", row) == ["0.00", "12,000.00", "0.00", "1,234.57", "13,234.57"]
    assert "机构自付</td>" in text  # the own-share line itself stays visible in the ledger


def test_summary_lists_institutions_without_grants(tmp_path):
    result = fake_result()
    extra = result.dataset.tables["institutions"].head(1).with_columns(
        institution_id=pl.lit("I004"), name=pl.lit("无补贴机构"))
    result.dataset.tables["institutions"] = pl.concat([result.dataset.tables["institutions"], extra])
    text = report.render_html("bureau.html", report.bureau_context(result))
    row = re.search(r"<tr><td>I004</td><td>无补贴机构</td><td>越城区</td>(.*?)</tr>", text).group(1)
    assert re.findall(r">([\d,.]+)<", row) == ["0.00"] * 5   # four programs and the total


def test_percent_is_integer_rounded_half_up():
    from audit.report.frames import percent
    # 1/3 = 33.33…% → 33.3%; 2/3 = 66.66…% → 66.7%; 1/16 = 6.25% → 6.3% (half up); 0 of 0 → dash
    assert [percent(1, 3), percent(2, 3), percent(1, 16), percent(0, 0)] == ["33.3%", "66.7%", "6.3%", "—"]


def test_progress_is_quiet_when_stderr_is_not_a_terminal(capsys):
    from audit.report.render import progress

    with progress([1, 2, 3], "正在生成报告", 3) as items:
        assert list(items) == [1, 2, 3]
    assert capsys.readouterr().err == ""


def test_progress_bar_on_a_terminal(monkeypatch, capsys):
    import sys as _sys

    from audit.report.render import progress

    monkeypatch.setattr(_sys.stderr, "isatty", lambda: True, raising=False)
    with progress([1, 2, 3], "正在生成报告", 3) as items:
        list(items)
    assert "正在生成报告" in capsys.readouterr().err


def test_empty_run_renders(tmp_path):
    """No ledger lines, no findings, no staffing: the report still renders and says so."""
    result = fake_result()
    result.ledger = result.ledger.clear()
    result.findings = result.findings.clear()
    result.staffing = result.staffing.clear()
    paths = report.write_bureau_report(result, tmp_path)
    text = paths[0].read_text(encoding="utf-8")
    assert '<span id="grand-total">0.00</span>' in text and "未发现问题。" in text
    sc = report.write_selfcheck(result, "I001", tmp_path)[0].read_text(encoding="utf-8")
    assert "本年度无预计补贴。" in sc and "无护理员配备数据。" in sc


def test_every_ledger_item_code_has_a_reader_label():
    """Items the calculators emit (centres' base amount, care-level resident-months) are
    named in words in both languages, not shown as code (base_amount was, in the demo)."""
    from audit.report.labels import LABELS

    for lang in ("zh", "en"):
        for code in ("base_amount", "resident_months_full", "resident_months_partial",
                     "resident_months_self_care", "star_4", "leased_beds_year_2", "resident_months_level_3"):
            shown = report.item_label(code, LABELS[lang])
            assert shown != code and "_" not in shown, (lang, code, shown)
    assert report.item_label("base_amount", LABELS["zh"]) == "基础补贴"


def test_appendix_values_read_as_words_and_percentages(bureau):
    """Shaoxing quotes 58% (nursing_bed_share.min = 29/50 → 29 × 2 = 58%) and 60% (3/5):
    the appendix shows the percentages, yes/no for booleans and Chinese unit words;
    1/3 has no short decimal, so it stays a fraction (nothing rounded)."""
    from audit.report.frames import show_value
    from audit.report.labels import LABELS

    L = LABELS["zh"]
    assert show_value("29/50", L, "share") == "58%"
    assert show_value("1/8", L, "share") == "12.5%"  # 100/8 = 12.5
    assert show_value("1/3", L, "share") == "1/3"
    assert show_value(True, L, "bool") == "是" and show_value(False, LABELS["en"], "bool") == "no"
    assert show_value({1: "3/5", 2: None}, L, "table:share") == f"1: 60%; 2: {L['gap']}"
    assert show_value(["full", "partial"], L, "set") == "完全失能, 部分失能"  # the contract's Chinese words
    assert show_value("city", L, "payer") == "市级财政"
    html = (bureau[1] / "report.html").read_text(encoding="utf-8")
    appendix = html.split("<h2>" + L["app_params"])[1]
    assert "<td>58% " in appendix and "True" not in appendix
    assert "元/床" in appendix and "yuan/bed" not in appendix


def test_selfcheck_of_a_centre_shows_its_stars_not_a_rating(tmp_path):
    """A home-care centre is starred, not rated: its profile shows 星级 (I003 has 3 stars)."""
    result = fake_result()
    result.dataset.tables["institutions"] = result.dataset.tables["institutions"].with_columns(
        star_level=pl.Series([None, None, 3], dtype=pl.Int64))
    report.write_selfcheck(result, "I003", tmp_path)
    html = (tmp_path / "selfcheck_I003.html").read_text(encoding="utf-8")
    profile = html.split("机构概况")[1].split("</table>")[0]
    assert "<th>星级</th><td>3</td>" in profile and "等级评定" not in profile
    report.write_selfcheck(result, "I001", tmp_path)
    profile = (tmp_path / "selfcheck_I001.html").read_text(encoding="utf-8").split("机构概况")[1].split("</table>")[0]
    assert "<th>等级评定</th><td>4</td>" in profile and "星级" not in profile
    result.dataset.tables["institutions"] = result.dataset.tables["institutions"].with_columns(
        rating_level=pl.Series([4, 0, 0], dtype=pl.Int64))
    report.write_selfcheck(result, "I002", tmp_path)
    profile = (tmp_path / "selfcheck_I002.html").read_text(encoding="utf-8").split("机构概况")[1].split("</table>")[0]
    assert "<th>等级评定</th><td>0 (未评定)</td>" in profile  # 0 means unrated in the data contract


def test_bureau_ledger_has_every_institution_heading_and_subtotal(bureau):
    """The ledger is laid out as a few tables with one heading row per institution (fast
    in WeasyPrint); each institution still gets its heading and subtotal:
    I001 400,000.00 + 60,000.00 + 15,000.00 = 475,000.00; I002 12,000.00 + 1,234.57 = 13,234.57
    (its own 617.28 is listed, not a grant); I003 30,000.00."""
    html = (bureau[1] / "report.html").read_text(encoding="utf-8")
    ledger = html.split("<h2>附录五　补贴明细</h2>")[1].split("<h2>")[0]
    heads = re.findall(r'<tr class="inst-head"><th colspan="8">([^<]*)</th></tr>', ledger)
    assert [h.split(" · ")[0] for h in heads] == ["I001", "I002", "I003"]
    subtotals = re.findall(r'<tr class="total"><td colspan="4">补贴小计（不含机构自付）</td><td class="num">([\d,.]+)</td>', ledger)
    assert subtotals == ["475,000.00", "13,234.57", "30,000.00"]


def test_selfcheck_leaves_out_gaps_that_list_other_institutions_only(tmp_path):
    """A policy gap naming all its affected ids (none of them I002) is not I002's business,
    nor an area target the data cannot evaluate; a gap listing I002, one whose list is cut
    short ("…") and the other area-level finding stay."""
    result = fake_result()
    extra = pl.DataFrame({
        "institution_id": [None, None, None, None],
        "rule": ["policy_gap"] * 3 + ["dementia_beds_per_10k"], "severity": ["warning"] * 3 + ["info"],
        "message": ["缺口甲 仅涉及他人", "缺口乙 涉及本机构", "缺口丙 名单截断", "区县指标 无法评估"],
        "evidence": ["param=a.x affected=2 ids=I001, I003", "param=b.y affected=2 ids=I001, I002",
                     "param=c.z affected=12 ids=I001, I003 …", "rule=dementia_beds metric=dementia_beds_per_10k"],
        "citation": [""] * 4, "period": ["2024"] * 4,
    })
    result.findings = pl.concat([result.findings, extra])
    report.write_selfcheck(result, "I002", tmp_path)
    general = (tmp_path / "selfcheck_I002.html").read_text(encoding="utf-8").split("全局及数据层面的发现")[1]
    assert "缺口甲" not in general and "区县指标" not in general  # an area target is the bureau's concern
    assert "缺口乙" in general and "缺口丙" in general and "省级补助标准原文未规定" in general


def test_finding_groups_are_named_in_words_with_their_code(bureau):
    """A clerk reads "护理员配备", and can still find `staffing_ratio` in findings.csv."""
    html = (bureau[1] / "report.html").read_text(encoding="utf-8")
    assert "<h4>护理员配备 · 规则 staffing_ratio (1)</h4>" in html
    assert "<h4>数据不合规 · 规则 invalid_value (1)</h4>" in html


def test_appendix_lists_the_first_findings_of_a_kind_and_says_where_the_rest_are():
    """The claims audit makes one finding per person: appendix 4 shows the first 40 of a kind
    and the count of the others (all are in findings.csv / .xlsx), so the PDF does not grow
    with people; the findings section still counts all 45."""
    from audit.report.context import FINDING_DETAIL_MAX

    result = fake_result()
    many = pl.DataFrame({
        "institution_id": ["I001"] * 45, "rule": ["claim_not_local"] * 45, "severity": ["error"] * 45,
        "message": [f"申报人员 {i:02d} 户籍不在本区县" for i in range(45)], "evidence": [""] * 45,
        "citation": [""] * 45, "period": ["2024"] * 45})
    result.findings = pl.concat([result.findings, many])
    html = report.render_html("bureau.html", report.bureau_context(result))
    assert FINDING_DETAIL_MAX == 40
    assert "申报人员 39 户籍" in html and "申报人员 40 户籍" not in html
    assert "本类另有 5 条未在此列出（只列前 40 条）" in html
    assert "<h4>户籍不在机构所在区县 · 规则 claim_not_local (45)</h4>" in html
