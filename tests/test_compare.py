"""audit compare: a proposed rule change against the current rules on one data set.
Expected money worked out by hand from 绍兴 实施意见 重点工作(五)3/4 (Shaoxing, 2024)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from click.testing import CliRunner

import audit.data.io
from audit.cli import main
from audit.comparison import compare, parameter_changes, write_compare
from audit.errors import PolicyError
from audit.money import delta_pct_expr
from audit.policy import PACK_DIR, load_pack

WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]


def person_id(seq: int) -> str:
    """A valid 18-character id (GB 11643 check character) born 1950-01-01 in 330602."""
    body = f"33060219500101{seq:03d}"
    return body + "10X98765432"[sum(int(c) * w for c, w in zip(body, WEIGHTS)) % 11]


INSTITUTIONS = (
    "institution_id,name,county,kind,ownership,profit_status,registered_on,accepted_on,opened_on,newly_built,"
    "premises,lease_years,beds,nursing_beds,rating_level\n"
    "H4,丁养老院,柯桥区,institution,private,nonprofit,2015-01-01,2015-01-01,2015-01-01,false,self_built,,100,60,4\n"
    "H5,戊养老院,越城区,institution,private,nonprofit,2015-01-01,2015-01-01,2015-01-01,false,self_built,,100,60,5\n"
    "N18,新建小院,越城区,institution,private,nonprofit,2024-03-01,2024-03-01,2024-03-01,true,self_built,,18,10,\n"
)
RESIDENTS = (
    "institution_id,person_id,name,admitted_on,discharged_on,hukou_county,care_level,dementia,low_income\n"
    f"H5,{person_id(1)},张一,2020-05-05,,越城区,self_care,false,\n"
    f"H5,{person_id(2)},张二,2024-01-31,,越城区,full,false,\n"
    f"H4,{person_id(3)},张三,2019-01-01,,柯桥区,self_care,false,\n"
)
# By hand, baseline (绍兴 重点工作(五)4: 入住6个月以上; level 4 = 100, level 5 = 150 yuan/person/month;
# 失能 +50):
#   H5: 张一 all year = 12 months; 张二 admitted 2024-01-31, six months on 2024-07-31 → Jul–Dec = 6
#       months, full care → 6 disability months. Level 5: 18 × 150 = 2,700.00; disability 6 × 50 = 300.00
#   H4: 张三 all year: 12 × 100 = 1,200.00
#   operating total 4,200.00. N18 has 18 beds < 20 (床位数达到20张及以上): no construction subsidy.
RATE_5 = "operating_grant.rate_by_rating_level.5"


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "institutions.csv").write_text(INSTITUTIONS, encoding="utf-8")
    (folder / "residents.csv").write_text(RESIDENTS, encoding="utf-8")
    return folder


def by_pp(c):
    return {(r["program"], r["payer"]): (r["baseline_fen"], r["proposal_fen"], r["delta_fen"])
            for r in c.by_program_payer.iter_rows(named=True)}


def test_raising_one_rate_costs_resident_months_at_that_level_times_the_change_and_nothing_else(data):
    # 150 → 200 at level 5: 18 level-5 resident-months × 50.00 = 900.00, all of it at H5 (越城区)
    c = compare(data, "shaoxing", 2024, proposal_sets=[f"{RATE_5}=200"])
    assert by_pp(c) == {("operating", "city"): (4_200_00, 5_100_00, 900_00)}
    assert c.totals() == (4_200_00, 5_100_00, 900_00)
    inst = {r["institution_id"]: r["delta_fen"] for r in c.by_institution.iter_rows(named=True)}
    assert inst == {"H4": 0, "H5": 900_00, "N18": 0}
    county = {(r["county"], r["program"]): r["delta_fen"] for r in c.by_county_program.iter_rows(named=True)}
    assert county == {("柯桥区", "operating"): 0, ("越城区", "operating"): 900_00}
    assert c.crossings.is_empty() and c.findings_appeared.is_empty() and c.findings_disappeared.is_empty()
    # the ledgers differ in the level-5 line only
    base, prop = (r.ledger.drop("basis") for r in (c.baseline, c.proposal))
    diff = prop.join(base, on=list(prop.columns), how="anti")
    assert diff.select("institution_id", "item", "quantity", "rate_fen", "amount_fen").rows() == [
        ("H5", "resident_months_level_5", 18, 200_00, 3_600_00)]
    assert c.changes.select("rule", "param", "months", "old", "new").rows() == [
        ("operating_grant", "rate_by_rating_level.5", "全年", "150.00", "200.00")]
    assert "重点工作(五)4" in c.changes["old_source"][0] and "--proposal-set" in c.changes["new_source"][0]


def test_delta_percent_is_exact_text_rounded_half_away_from_zero():
    df = pl.DataFrame({"b": [4_200_00, 3, 3, 8, 20_000, 20_000, 0, 0, 5], "p": [5_100_00, 2, 5, 9, 20_001, 19_999, 7, 0, 5]})
    got = df.select(delta_pct_expr(pl.col("b"), pl.col("p")).alias("pct"))["pct"].to_list()
    # 900/4200 = 21.428…% → 21.43%; -1/3 → -33.33%; 2/3 → 66.67%; 1/8 = 12.5%;
    # 1/20000 = 0.005% → half away from zero → 0.01% (and -0.01%); nothing of nothing → empty
    assert got == ["21.43%", "-33.33%", "66.67%", "12.50%", "0.01%", "-0.01%", "", "", "0.00%"]
    assert df.head(1).select(delta_pct_expr(pl.col("b"), pl.col("p"), plus=True).alias("pct"))["pct"][0] == "+21.43%"


def test_a_proposal_lowering_a_floor_is_refused_with_its_clause(data, tmp_path):
    with pytest.raises(PolicyError) as e:
        compare(data, "shaoxing", 2024, proposal_sets=[f"{RATE_5}=120"])
    assert "不得低于 150.00" in e.value.message and "绍兴 实施意见 重点工作(五)4" in e.value.message
    assert "--proposal-set" in e.value.message
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["compare", "--policy", "shaoxing", "--year", "2024", "--data", str(data),
                                  "--proposal-set", f"{RATE_5}=120", "--out", str(out)])
    assert r.exit_code == 2 and "重点工作(五)4" in r.stderr and not out.exists()


def test_no_proposal_is_a_usage_error(data):
    with pytest.raises(PolicyError, match="--proposal-set"):
        compare(data, "shaoxing", 2024)


def test_baseline_and_proposal_share_no_state_and_the_data_is_read_once(data, monkeypatch):
    calls = []
    real = audit.data.io.load_data
    monkeypatch.setattr(audit.data.io, "load_data", lambda *a, **k: calls.append(a) or real(*a, **k))
    c = compare(data, "shaoxing", 2024, sets=[f"{RATE_5}=160"], proposal_sets=[f"{RATE_5}=200"])
    assert len(calls) == 1
    assert c.baseline.pack is not c.proposal.pack
    base_p = c.baseline.pack.rules["operating_grant"].params["rate_by_rating_level"]
    prop_p = c.proposal.pack.rules["operating_grant"].params["rate_by_rating_level"]
    assert base_p.local[5] == 160_00 and prop_p.local[5] == 200_00  # the proposal builds on the baseline's --set
    assert [o["source"] for o in c.baseline.pack.overrides] == ["--set"]
    assert [o["source"] for o in c.proposal.pack.overrides] == ["--set", "--proposal-set"]
    # 18 × (200 − 160) = 720.00
    assert by_pp(c)[("operating", "city")] == (4_380_00, 5_100_00, 720_00)
    assert c.changes.select("old", "new").rows() == [("160.00", "200.00")]


def test_lowering_min_beds_lets_an_institution_cross_the_eligibility_line(data):
    # 18 beds, min_beds 20 → 15: N18 is newly due 18 × 4,000.00 = 72,000.00 from the city; its
    # bed_minimum finding disappears, and the province part (rate a gap) now names N18 too — so N18's
    # construction subsidy under the proposal is 72,000.00 plus an unknown part: listed as a crossing the
    # proposal's gap leaves uncomputed, with no amount, not "newly paid 72,000.00"
    c = compare(data, "shaoxing", 2024,
                proposal_sets=["construction_city.min_beds=15", "construction_province.min_beds=15"])
    assert by_pp(c)[("construction", "city")] == (0, 72_000_00, 72_000_00)
    assert c.crossings.select("institution_id", "program", "direction", "baseline_fen", "proposal_fen").rows() == [
        ("N18", "construction", "proposal_gap", 0, None)]
    gone = c.findings_disappeared.select("institution_id", "rule").rows()
    assert ("N18", "bed_minimum") in gone
    assert any(r["rule"] == "policy_gap" and "N18" in r["evidence"] for r in c.findings_appeared.iter_rows(named=True))


def edited_copy(tmp_path):
    """A local copy of the Shaoxing draft with three values edited (one lowers a floor)."""
    text = (PACK_DIR / "shaoxing.yaml").read_text(encoding="utf-8")
    edits = [("id: shaoxing\n", "id: shaoxing_local\n"),
             ("value: 4000\n        quote: 自建用房按核定床位数一次性给予每张床位不低于4000元",
              "value: 3500\n        quote: 自建用房按核定床位数一次性给予每张床位不低于4000元"),
             ("value: {1: 30, 2: 50, 3: 80, 4: 100, 5: 150}", "value: {1: 30, 2: 50, 3: 80, 4: 100, 5: 180}"),
             ("value: 6\n        quote: 按入住6个月以上", "value: 3\n        quote: 按入住6个月以上")]
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "shaoxing_local.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_comparing_two_packs_lists_every_changed_parameter(tmp_path):
    a, b = load_pack("shaoxing"), load_pack(edited_copy(tmp_path))
    rows = parameter_changes(a, b, 2024).select("rule", "param", "old", "new").rows()
    assert rows == [("construction_city", "rate_self_built", "4000.00", "3500.00"),
                    ("operating_grant", "min_months", "6", "3"),
                    ("operating_grant", "rate_by_rating_level.5", "150.00", "180.00")]
    assert parameter_changes(a, load_pack("shaoxing"), 2024).is_empty()


def test_another_document_may_lower_a_floor_and_is_computed_as_written(data, tmp_path):
    # shaoxing_local: min_months 3, level 5 = 180. 张二 (2024-01-31) counts from 2024-04-30: Apr–Dec = 9.
    # H5 level 5: (12 + 9) × 180 = 3,780.00; disability 9 × 50 = 450.00; H4 unchanged 1,200.00
    # → 5,430.00 against 4,200.00: +1,230.00. N18 (18 beds) stays below min_beds: the lower
    # construction rate (3,500, below the draft's 不低于4000) costs nothing here.
    c = compare(data, "shaoxing", 2024, proposal_policy=edited_copy(tmp_path))
    assert by_pp(c) == {("operating", "city"): (4_200_00, 5_430_00, 1_230_00)}
    assert c.proposal.pack.id == "shaoxing_local" and c.baseline.pack.id == "shaoxing"
    assert c.changes.height == 3


def test_cli_writes_compare_csv_and_prints_the_difference(data, tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["compare", "--policy", "shaoxing", "--year", "2024", "--data", str(data),
                                  "--proposal-set", f"{RATE_5}=200", "--out", str(out), "--no-report"])
    assert r.exit_code == 0, r.output + r.stderr
    assert "operating_grant.rate_by_rating_level.5: 150.00 → 200.00" in r.output
    assert "+900.00" in r.output and "+21.43%" in r.output and "征求意见稿" in r.output
    assert {p.name for p in out.iterdir()} >= {"compare.csv", "manifest.json"}
    assert (out / "compare.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    csv = pl.read_csv(out / "compare.csv", infer_schema=False)
    assert csv.columns == ["level", "program", "payer", "county", "institution_id", "name", "baseline", "proposal",
                           "delta", "delta_pct", "baseline_unpriced", "proposal_unpriced", "status"]
    assert set(csv["status"].drop_nulls()) == set()  # no policy gap touches this data on either side
    rows = {tuple(x or "" for x in r[:6]): r[6:10] for r in csv.rows()}
    assert rows[("total", "", "", "", "", "")] == ("4200.00", "5100.00", "900.00", "21.43%")
    assert rows[("program_payer", "operating", "city", "", "", "")] == ("4200.00", "5100.00", "900.00", "21.43%")
    assert rows[("county_program", "operating", "", "越城区", "", "")] == ("3000.00", "3900.00", "900.00", "30.00%")
    assert rows[("institution", "", "", "柯桥区", "H4", "丁养老院")] == ("1200.00", "1200.00", "0.00", "0.00%")
    assert rows[("institution", "", "", "越城区", "N18", "新建小院")] == ("0.00", "0.00", "0.00", "")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["baseline"]["pack"]["id"] == manifest["proposal"]["pack"]["id"] == "shaoxing"
    assert manifest["proposal"]["overrides"][0]["local_value"] == "200.00"


def test_a_loss_is_a_negative_number_not_a_defused_formula(data, tmp_path):
    c = compare(data, "shaoxing", 2024, sets=[f"{RATE_5}=200"], proposal_sets=[f"{RATE_5}=150"])
    write_compare(c, tmp_path / "out", report=False)
    csv = pl.read_csv(tmp_path / "out" / "compare.csv", infer_schema=False)
    assert csv.row(0) == ("total", None, None, None, None, None, "5100.00", "4200.00", "-900.00", "-17.65%", "0", "0",
                          None)


def test_a_renamed_rule_is_set_against_the_rule_of_the_same_kind(tmp_path):
    text = edited_copy(tmp_path).read_text(encoding="utf-8").replace("  construction_city:\n", "  construction:\n")
    path = tmp_path / "renamed.yaml"
    path.write_text(text, encoding="utf-8")
    rows = parameter_changes(load_pack("shaoxing"), load_pack(path), 2024).select("rule", "param", "old", "new").rows()
    assert rows[0] == ("construction_city → construction", "rate_self_built", "4000.00", "3500.00")
    assert len(rows) == 3


def test_outputs_workbook_and_report_say_the_same(data, tmp_path):
    c = compare(data, "shaoxing", 2024, proposal_sets=[f"{RATE_5}=200"])
    out = tmp_path / "out"
    write_compare(c, out)
    assert {p.name for p in out.iterdir()} == {"compare.csv", "compare.xlsx", "compare.html", "compare.pdf",
                                                "manifest.json"}
    summary = pl.read_excel(out / "compare.xlsx", sheet_name="汇总", infer_schema_length=0)
    assert summary.columns[6:] == ["现行缺口（机构×项目）", "拟议缺口（机构×项目）", "说明"]
    assert set(summary["说明"].fill_null("")) == {""}
    summary = pl.read_excel(out / "compare.xlsx", sheet_name="汇总").select(summary.columns[:6])
    assert summary.rows() == [("运营补贴", "市级财政", 4200.0, 5100.0, 900.0, "+21.43%"),
                              ("财政资金合计（不含机构自付）", "", 4200.0, 5100.0, 900.0, "+21.43%")]
    changes = pl.read_excel(out / "compare.xlsx", sheet_name="参数变化")
    assert changes.select("参数", "现行取值", "拟议取值").rows() == [("rate_by_rating_level.5", "150.00", "200.00")]
    inst = pl.read_excel(out / "compare.xlsx", sheet_name="机构")
    assert inst.filter(pl.col("机构编号") == "H5").select("差额（元）", "差额%").row(0) == (900.0, "+30.00%")
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "operating_grant.rate_by_rating_level.5" in html and "+900.00" in html and "+21.43%" in html
    assert "绍兴 实施意见 重点工作(五)4" in html and "征求意见稿" in html  # the draft is flagged
    assert person_id(1) not in html and "张一" not in html
    from pypdf import PdfReader

    attached = PdfReader(out / "compare.pdf").attachments  # the CSV travels inside the archived PDF
    assert attached["compare.csv"][0] == (out / "compare.csv").read_bytes()


def test_nothing_is_written_when_the_report_fails(data, tmp_path, monkeypatch):
    import audit.report.compare

    def broken(comparison, out_dir):
        raise RuntimeError("renderer gone")

    monkeypatch.setattr(audit.report.compare, "write_compare_report", broken)
    c = compare(data, "shaoxing", 2024, proposal_sets=[f"{RATE_5}=200"])
    from audit.errors import OutputError

    with pytest.raises(OutputError):
        write_compare(c, tmp_path / "out")
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]  # no out, no temporary folder left


def test_delta_chart_draws_a_loss_left_of_the_zero_line():
    from audit.report.charts import bar_chart_svg

    svg = str(bar_chart_svg(["甲", "乙"], [("差额", [300, -100], "#4a9a6a")], str, negative_colour="#c0504d"))
    # 330 px of bars for a span of 400: zero at 190 + 330 × 100 // 400 = 272; the gain 247 px right of it,
    # the loss (next row, 12 + 8 px down) 82 px left of it in the loss colour
    assert '<rect x="272" y="0" width="247"' in svg and '<rect x="190" y="20" width="82" height="10" fill="#c0504d"' in svg


def test_a_proposal_file_is_checked_and_cited_like_an_override(data, tmp_path):
    proposal = tmp_path / "proposal.yaml"
    proposal.write_text("reason: 2025年预算草案\nvalues:\n  operating_grant.rate_by_rating_level.4: 120\n", encoding="utf-8")
    # level 4: 张三 12 months × (120 − 100) = 240.00
    c = compare(data, "shaoxing", 2024, proposal_override=proposal)
    assert by_pp(c) == {("operating", "city"): (4_200_00, 4_440_00, 240_00)}
    assert c.proposal.pack.overrides[-1]["reason"] == "2025年预算草案"
    assert "proposal.yaml" in c.changes["new_source"][0]


@pytest.mark.parametrize("readme, lang", [("README.md", "zh"), ("README.en.md", "en")])
def test_the_readme_example_prints_what_the_readme_shows(readme, lang, tmp_path):
    from pathlib import Path

    root = Path(__file__).parent.parent
    r = CliRunner().invoke(main, ["compare", "--policy", "shaoxing", "--year", "2024", "--data",
                                  str(root / "demo" / "demo.xlsx"), "--proposal-set", f"{RATE_5}=200",
                                  "--out", str(tmp_path / "out"), "--no-report", "--lang", lang])
    assert r.exit_code == 0, r.stderr
    shown = r.output.replace(str(tmp_path / "out"), "reports/compare")
    assert shown in (root / readme).read_text(encoding="utf-8")


def test_audit_compare_is_the_function_whatever_was_imported(data):
    import audit
    import audit.comparison

    c = audit.compare(data, "shaoxing", 2024, proposal_sets=[f"{RATE_5}=200"])
    assert c.totals() == (4_200_00, 5_100_00, 900_00)


def test_a_mid_year_change_is_listed_for_the_months_it_holds_and_costs_only_those(data, tmp_path):
    # level 5 rises from 150 to 180 from 2024-07-01 (a dated value in a locally edited copy):
    # July–December only. 张一 6 months × 30 + 张二 (Jul–Dec) 6 months × 30 = 360.00
    quote = "根据评定结果,按一至五级分别给予每人每月不低于30元、50元、80元,、100元、150元的补助"
    old = f"        value: {{1: 30, 2: 50, 3: 80, 4: 100, 5: 150}}\n        quote: {quote}\n"
    new = ("        values:\n"
           f"          - {{value: {{1: 30, 2: 50, 3: 80, 4: 100, 5: 150}}, quote: '{quote}'}}\n"
           f"          - {{from: 2024-07-01, value: {{1: 30, 2: 50, 3: 80, 4: 100, 5: 180}}, quote: '{quote}'}}\n")
    text = (PACK_DIR / "shaoxing.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "dated.yaml"
    path.write_text(text.replace(old, new).replace("id: shaoxing\n", "id: shaoxing_dated\n"), encoding="utf-8")
    c = compare(data, "shaoxing", 2024, proposal_policy=path)
    assert c.changes.select("param", "months", "old", "new").rows() == [
        ("rate_by_rating_level.5", "2024-07..2024-12", "150.00", "180.00")]
    assert by_pp(c) == {("operating", "city"): (4_200_00, 4_560_00, 360_00)}


def test_filling_a_policy_gap_pays_the_centre_and_the_gap_finding_disappears(tmp_path):
    # 绍兴 重点工作(五)4 gives no amount for a 2-star township centre (a gap: no line, a
    # policy_gap finding). The proposal sets 100,000 a year: T2 is newly priced 100,000.00 — not
    # "newly paid" nor a plain extra cost: the baseline's amount is unknown (None), not 0.
    folder = tmp_path / "centres"
    folder.mkdir()
    (folder / "institutions.csv").write_text(
        "institution_id,name,county,kind,ownership,profit_status,beds,star_level,assessed_pass,operating_normally\n"
        "T2,某街道居家养老服务中心,越城区,township_center,public,nonprofit,0,2,true,true\n", encoding="utf-8")
    c = compare(folder, "shaoxing", 2024, proposal_sets=["center_township.rate_by_star.2=100000"])
    assert by_pp(c) == {("center_operating", "city"): (None, 100_000_00, None)}
    assert c.crossings.select("institution_id", "program", "direction").rows() == [
        ("T2", "center_operating", "newly_priced")]
    gone = c.findings_disappeared.filter(pl.col("rule") == "policy_gap")["evidence"].to_list()
    assert len(gone) == 1 and "center_township.rate_by_star.2" in gone[0] and "T2" in gone[0]
    assert c.changes.select("param", "old", "new").rows() == [("rate_by_star.2", "缺口（原文未规定）", "100000.00")]


def test_a_period_reaches_both_runs_and_the_parameter_months(data):
    # 2024H2 counts July–December only. Baseline: H5 张一 6 + 张二 6 (six months reached
    # 2024-07-31) = 12 level-5 months × 150 = 1,800.00, 张二's disability 6 × 50 = 300.00;
    # H4 张三 6 × 100 = 600.00 → 2,700.00. At 200 for level 5: 12 × 200 = 2,400.00 → 3,300.00,
    # delta 12 × 50 = 600.00 (the year's 900.00 was 18 months: the half-year is not the year)
    c = compare(data, "shaoxing", period="2024H2", proposal_sets=[f"{RATE_5}=200"])
    assert by_pp(c) == {("operating", "city"): (2_700_00, 3_300_00, 600_00)}
    for side in (c.baseline, c.proposal):
        assert set(side.ledger["period"]) == {"2024H2"}
        assert not {"period_not_supported", "checks_by_year"} & set(side.findings["rule"])
    assert c.findings_appeared.is_empty() and c.findings_disappeared.is_empty()
    assert c.changes["months"].to_list() == ["全期"] and c.manifest["period"] == "2024H2"


# ---- a policy gap is never a 0.00 / -100% saving (reviewer's REPORT.md item 7)

CENTRES = (
    "institution_id,name,county,kind,ownership,profit_status,beds,star_level,assessed_pass,operating_normally\n"
    "T2,某街道居家养老服务中心,越城区,township_center,public,nonprofit,0,2,true,true\n"
    "T4,另一街道居家养老服务中心,越城区,township_center,public,nonprofit,0,4,true,true\n"
)
STAR_2 = "center_township.rate_by_star.2=100000"


@pytest.fixture
def centres(tmp_path):
    folder = tmp_path / "centres"
    folder.mkdir()
    (folder / "institutions.csv").write_text(CENTRES, encoding="utf-8")
    return folder


def test_a_gap_in_the_proposal_is_cannot_compute_not_a_saving(centres, tmp_path):
    # 绍兴 重点工作(五)4: 4 stars 200,000 a year; 2 stars no amount (gap). The baseline sets the
    # 2-star rate locally (100,000): 300,000.00. The proposal is the document as written: T4 200,000.00,
    # T2 unpriced — not 0, so no difference (not -100,000.00 / -33.33%) and T2 is not "no longer paid"
    c = compare(centres, "shaoxing", 2024, sets=[STAR_2], proposal_policy="shaoxing")
    # the proposal's 200,000.00 is T4 alone, not the program's whole: it has no amount (not -100,000.00)
    assert by_pp(c) == {("center_operating", "city"): (300_000_00, None, None)}
    assert c.unpriced.rows() == [("T2", "center_operating", False, True, "proposal_gap", ["city"])]
    assert c.crossings.select("institution_id", "direction").rows() == [("T2", "proposal_gap")]
    # the unpriced side has no amount and there is no difference (not 0.00 and -100,000.00)
    assert c.crossings.select("baseline_fen", "proposal_fen", "delta_fen").rows() == [(100_000_00, None, None)]
    out = tmp_path / "out"
    write_compare(c, out)
    import openpyxl

    crossing = openpyxl.load_workbook(out / "compare.xlsx")["跨过条件"]
    assert [c.value for c in crossing[2]][5:] == [100000, "", ""]  # blank cells, not 0
    csv = pl.read_csv(out / "compare.csv", infer_schema=False)
    rows = {(r["level"], r["institution_id"] or ""): r for r in csv.iter_rows(named=True)}
    total = rows[("total", "")]
    assert (total["baseline"], total["proposal"], total["delta"], total["delta_pct"]) == ("300000.00", None, None,
                                                                                         None)
    assert (total["baseline_unpriced"], total["proposal_unpriced"], total["status"]) == ("0", "1",
                                                                                       "不能计算（拟议方案政策缺口）")
    t2, t4 = rows[("institution", "T2")], rows[("institution", "T4")]
    assert (t2["delta"], t2["status"]) == (None, "不能计算（拟议方案政策缺口）")
    assert (t4["delta"], t4["delta_pct"], t4["status"]) == ("0.00", "0.00%", None)  # T4 is comparable
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "不能计算（拟议方案政策缺口）" in html and "-33.33%" not in html and "-100,000.00" not in html
    r = CliRunner().invoke(main, ["compare", "--policy", "shaoxing", "--year", "2024", "--data", str(centres),
                                  "--set", STAR_2, "--proposal-policy", "shaoxing", "--out", str(tmp_path / "o2"),
                                  "--no-report", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "cannot compute (policy gap in the proposal)" in r.output and "-33.33%" not in r.output
    assert "  center_operating: baseline 0, proposal 1\n" in r.output
    assert "0 gain, 0 lose, 1 unchanged, 1 cannot be computed (policy gap)" in r.output
    assert "; cannot compute (policy gap in the proposal): 1" in r.output and "1 no longer paid" not in r.output


def test_a_baseline_gap_the_proposal_fills_is_newly_priced_not_extra_cost(centres):
    # the reverse: baseline as written (T2 unpriced), proposal sets 100,000: the +100,000.00 is the
    # price of a line the baseline could not price, not an extra cost over a known 0; the baseline's
    # 200,000.00 is T4 alone, so the baseline has no total
    c = compare(centres, "shaoxing", 2024, proposal_sets=[STAR_2])
    total = c.table().row(0, named=True)
    assert (total["baseline"], total["proposal"], total["delta"]) == (None, "300000.00", None)
    assert (total["baseline_unpriced"], total["proposal_unpriced"], total["status"]) == ("1", "0",
                                                                                       "不能计算（现行规则政策缺口）")
    assert c.crossings.select("institution_id", "direction").rows() == [("T2", "newly_priced")]
    t2 = c.table().filter(pl.col("institution_id") == "T2").row(0, named=True)
    assert (t2["baseline"], t2["proposal"], t2["delta"], t2["status"]) == (None, "100000.00", None,
                                                                           "新可计算（现行规则政策缺口）")


def test_the_same_gap_on_both_sides_leaves_the_difference_standing(centres):
    # T2 unpriced on both sides; 4 stars 200,000 → 250,000: +50,000.00 is a real difference, but
    # neither side has a total (T2's part is unknown), so no percentage of one either
    c = compare(centres, "shaoxing", 2024, proposal_sets=["center_township.rate_by_star.4=250000"])
    total = c.table().row(0, named=True)
    assert (total["baseline"], total["proposal"], total["delta"], total["delta_pct"]) == (None, None, "50000.00", None)
    assert total["status"] == "金额不全（两侧同一政策缺口），差额可比"
    assert c.totals() == (None, None, 50_000_00)
    assert (total["baseline_unpriced"], total["proposal_unpriced"]) == ("1", "1")
    assert c.unpriced.rows() == [("T2", "center_operating", True, True, "same_gap", ["city"])]
