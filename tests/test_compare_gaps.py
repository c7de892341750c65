"""audit compare where a declared policy gap (原文未规定) leaves part of the money unpriced:
a side with a gap has no total anywhere (API, csv, xlsx, console, html), never the priced
part passed off as the whole, and a gap on both sides is "cannot compute", never 0.00 → 0.00.

Expected money worked out by hand from 绍兴 实施意见 重点工作(五)3/4 (Shaoxing, 2024):
- H4 (柯桥区, level 4): 张三 all year, 12 months × 100 = 1,200.00 operating.
- N30 (越城区, new private home, 30 self-built beds, level 4): construction, city part
  30 × 4,000 = 120,000.00 (重点工作(五)3); the provincial part's rate is a gap in the text.
  Operating: 张一 admitted 2024-01-01 reaches six months on 2024-07-01 → Jul–Dec,
  6 × 100 = 600.00. N30 in all: 120,600.00 + the provincial part.
- T2 (越城区, 2-star township centre): 重点工作(五)4 gives no rate for 2 stars (a gap)."""

from __future__ import annotations

import openpyxl
import polars as pl
import pytest
from click.testing import CliRunner
from test_compare import person_id

from audit.cli import main
from audit.comparison import compare, write_compare

HEADER = (
    "institution_id,name,county,kind,ownership,profit_status,registered_on,accepted_on,opened_on,newly_built,"
    "premises,lease_years,beds,nursing_beds,rating_level,star_level,assessed_pass,operating_normally\n"
)
H4 = "H4,丁养老院,柯桥区,institution,private,nonprofit,2015-01-01,2015-01-01,2015-01-01,false,self_built,,100,60,4,,,\n"
N30 = "N30,新建大院,越城区,institution,private,nonprofit,2024-01-01,2024-01-01,2024-01-01,true,self_built,,30,0,4,,,\n"
T2 = "T2,某街道居家养老服务中心,越城区,township_center,public,nonprofit,,,,,,,0,,,2,true,true\n"
RESIDENTS = (
    "institution_id,person_id,name,admitted_on,discharged_on,hukou_county,care_level,dementia,low_income\n"
    f"N30,{person_id(1)},张一,2024-01-01,,越城区,self_care,false,\n"
    f"H4,{person_id(3)},张三,2019-01-01,,柯桥区,self_care,false,\n"
)
PROVINCE = "construction_province.rate_self_built=1000"  # a local value filling the document's gap
LEVEL_4 = "operating_grant.rate_by_rating_level.4=120"


def folder(tmp_path, *rows):
    d = tmp_path / "data"
    d.mkdir()
    (d / "institutions.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    (d / "residents.csv").write_text(RESIDENTS, encoding="utf-8")
    return d


def csv_rows(out):
    csv = pl.read_csv(out / "compare.csv", infer_schema=False)
    return {(r["level"], r["program"] or "", r["payer"] or "", r["county"] or "", r["institution_id"] or ""): r
            for r in csv.iter_rows(named=True)}


def figures(row):
    return row["baseline"], row["proposal"], row["delta"], row["delta_pct"], row["status"]


def xlsx_rows(out, sheet):
    ws = openpyxl.load_workbook(out / "compare.xlsx")[sheet]
    return [[c.value for c in r] for r in ws.iter_rows()]


@pytest.fixture
def provincial_gap(tmp_path):
    """The baseline sets the provincial rate locally (1,000 a bed: N30 30,000.00, 150,600.00 in
    all); the proposal is the document as written, which leaves it open."""
    c = compare(folder(tmp_path, H4, N30), "shaoxing", 2024, sets=[PROVINCE], proposal_policy="shaoxing")
    out = tmp_path / "out"
    write_compare(c, out)
    return c, out


def test_an_institution_whose_other_program_is_a_gap_has_no_total_on_that_side(provincial_gap):
    c, out = provincial_gap
    n30 = c.by_institution.filter(pl.col("institution_id") == "N30").row(0, named=True)
    assert (n30["baseline_fen"], n30["proposal_fen"], n30["delta_fen"]) == (150_600_00, None, None)
    rows = csv_rows(out)
    assert figures(rows[("institution", "", "", "越城区", "N30")]) == ("150600.00", None, None, None,
                                                                       "不能计算（拟议方案政策缺口）")
    # the provincial part is not 0.00 under the proposal; the programs it does not touch stay priced
    assert figures(rows[("program_payer", "construction", "province", "", "")])[:3] == ("30000.00", None, None)
    # the provincial gap leaves the city's 120,000.00 whole: a gap is the money of the payer its rule names
    assert figures(rows[("program_payer", "construction", "city", "", "")]) == ("120000.00", "120000.00", "0.00",
                                                                               "0.00%", None)
    assert figures(rows[("county_program", "operating", "", "越城区", "")]) == ("600.00", "600.00", "0.00", "0.00%",
                                                                               None)
    assert figures(rows[("program_payer", "operating", "city", "", "")]) == ("1800.00", "1800.00", "0.00", "0.00%",
                                                                            None)
    header, *inst = xlsx_rows(out, "机构")
    n30_cells = dict(zip(header, next(r for r in inst if r[0] == "N30")))
    assert (n30_cells["现行（元）"], n30_cells["拟议（元）"], n30_cells["差额（元）"]) == (150600, "", "")
    assert n30_cells["说明"] == "不能计算（拟议方案政策缺口）"
    h4_cells = dict(zip(header, next(r for r in inst if r[0] == "H4")))
    assert (h4_cells["现行（元）"], h4_cells["拟议（元）"], h4_cells["差额（元）"]) == (1200, 1200, 0)


def test_totals_have_no_figure_for_a_side_with_a_gap(provincial_gap, tmp_path):
    # baseline 1,200.00 + 150,600.00 = 151,800.00, complete; the proposal leaves N30's provincial part open
    c, out = provincial_gap
    assert c.totals() == (151_800_00, None, None)
    assert figures(csv_rows(out)[("total", "", "", "", "")]) == ("151800.00", None, None, None,
                                                                 "不能计算（拟议方案政策缺口）")
    summary = xlsx_rows(out, "汇总")
    assert summary[-1][:5] == ["财政资金合计（不含机构自付）", "", 151800, "", ""]
    html = (out / "compare.html").read_text(encoding="utf-8")
    total = html.split('id="compare-total"')[1].split("</table>")[0]
    assert "151,800.00" in total and "121,800.00" not in total and "不能计算（拟议方案政策缺口）" in total
    r = CliRunner().invoke(main, ["compare", "--policy", "shaoxing", "--year", "2024",
                                  "--data", str(tmp_path / "data"), "--set", PROVINCE, "--proposal-policy", "shaoxing",
                                  "--out", str(tmp_path / "o2"), "--no-report"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "财政资金合计" in x)
    assert "151,800.00" in line and "121,800.00" not in line and "不能计算（拟议方案政策缺口）" in line


def test_a_program_gapped_on_both_sides_reads_cannot_compute_not_unchanged(tmp_path):
    # T2's 2-star rate is open in both; level 4 rises 100 → 120: H4 12 × 20 = +240.00, N30 6 × 20 = +120.00
    # (its construction is the document's on both sides: the provincial part open on both)
    c = compare(folder(tmp_path, H4, N30, T2), "shaoxing", 2024, proposal_sets=[LEVEL_4])
    t2 = c.by_institution.filter(pl.col("institution_id") == "T2").row(0, named=True)
    assert (t2["baseline_fen"], t2["proposal_fen"], t2["delta_fen"]) == (None, None, None)
    out = tmp_path / "out"
    write_compare(c, out)
    rows = csv_rows(out)
    same = "不能计算（两侧同一政策缺口）"
    assert figures(rows[("institution", "", "", "越城区", "T2")]) == (None, None, None, None, same)
    assert figures(rows[("program_payer", "center_operating", "city", "", "")]) == (None, None, None, None, same)
    # the same gap on both sides: no side has a total, the difference of what is priced stands
    partial = "金额不全（两侧同一政策缺口），差额可比"
    assert figures(rows[("institution", "", "", "越城区", "N30")]) == (None, None, "120.00", None, partial)
    assert figures(rows[("total", "", "", "", "")]) == (None, None, "360.00", None, partial)
    assert c.totals() == (None, None, 360_00)
    assert figures(rows[("institution", "", "", "柯桥区", "H4")]) == ("1200.00", "1440.00", "240.00", "20.00%", None)
    header, *inst = xlsx_rows(out, "机构")
    t2_cells = dict(zip(header, next(r for r in inst if r[0] == "T2")))
    assert (t2_cells["现行（元）"], t2_cells["拟议（元）"], t2_cells["差额（元）"], t2_cells["说明"]) == ("", "", "", same)
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "增加 2 家，减少 0 家，不变 0 家（共 2 家）。 另有 1 家因政策缺口不能计算差额" in html
    r = CliRunner().invoke(main, ["compare", "--policy", "shaoxing", "--year", "2024", "--data", str(tmp_path / "data"),
                                  "--proposal-set", LEVEL_4, "--out", str(tmp_path / "o2"), "--no-report"])
    assert r.exit_code == 0, r.output
    assert "机构：增加 2 家，减少 0 家，不变 0 家，因政策缺口不能计算 1 家" in r.output
    line = next(x for x in r.output.splitlines() if "居家养老中心运营补助" in x)
    assert "0.00" not in line and same in line
    # the gap-count lines say what the program's payer rows say: T2's city row has nothing priced (no
    # difference); construction's city row differs by 0.00 while its provincial row has nothing priced
    gaps = [x for x in r.output.splitlines() if x.startswith(("  居家养老中心运营补助：", "  建设补贴："))]
    assert gaps == ["  居家养老中心运营补助：现行 1 家，拟议 1 家，两侧相同，没有已算出的金额，不能计算差额",
                    "  建设补贴：现行 1 家，拟议 1 家，两侧相同，差额可比（省级财政没有已算出的金额，不能计算）"]


# 嘉峪关 实施方案 三(一) (Jiayuguan), by hand: a one-time construction subsidy split 省级财政 50%,
# 省级福彩公益金 30%, 市级福彩公益金 20% (payer_shares).
# - S30 (越城区, non-profit, self-built, 30 new beds): 30 × 10,000 = 300,000.00
#   → 150,000.00 / 90,000.00 / 60,000.00.
# - L60 (柯桥区, for-profit, leased 10 years ≥ 5, 60 beds): 60 × 4,000 × 80% = 192,000.00
#   → 96,000.00 / 57,600.00 / 38,400.00.
# Together 246,000.00 / 147,600.00 / 98,400.00 = 492,000.00.
S30 = "S30,自建院,越城区,institution,private,nonprofit,2024-03-01,2024-03-01,2024-03-01,true,self_built,,30,0,,,,\n"
L60 = "L60,租赁院,柯桥区,institution,private,forprofit,2024-03-01,2024-03-01,2024-03-01,true,leased,10,60,0,,,,\n"
SPLIT_ROWS = [("construction", "province"), ("construction", "province_lottery"), ("construction", "city_lottery")]


def construction_data(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "institutions.csv").write_text(HEADER + S30 + L60, encoding="utf-8")
    (d / "residents.csv").write_text(RESIDENTS.splitlines()[0] + "\n", encoding="utf-8")
    return d


def open_forprofit_share(tmp_path):
    """嘉峪关 with its 80% for-profit share left open (a declared gap): L60 cannot be priced."""
    from audit.policy import PACK_DIR

    text = (PACK_DIR / "jiayuguan.yaml").read_text(encoding="utf-8")
    old = 'value: "80%"\n        quote: 营利性养老机构'
    assert text.count(old) == 1 and text.count("id: jiayuguan\n") == 1
    text = text.replace("id: jiayuguan\n", "id: jygap\n").replace(
        old, "gap: true\n        note: 拟议比例待定 / share open\n        quote: 营利性养老机构"
    )
    path = tmp_path / "jygap.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def program_payer(c):
    return {(r["program"], r["payer"]): (r["baseline_fen"], r["proposal_fen"], r["delta_fen"], r["status"])
            for r in c.by_program_payer.iter_rows(named=True)}


def test_a_gap_in_a_rule_split_between_payers_leaves_each_payers_row_unknown(tmp_path):
    # the proposal leaves L60's share open: each payer's proposal lacks its part of 192,000.00 (not 150,000.00 etc.)
    data = construction_data(tmp_path)
    c = compare(data, "jiayuguan", 2024, proposal_policy=open_forprofit_share(tmp_path))
    rows = program_payer(c)
    assert [rows[k] for k in SPLIT_ROWS] == [(246_000_00, None, None, "proposal_gap"),
                                             (147_600_00, None, None, "proposal_gap"),
                                             (98_400_00, None, None, "proposal_gap")]
    out = tmp_path / "out"
    write_compare(c, out, report=False)
    csv = csv_rows(out)
    gap = "不能计算（拟议方案政策缺口）"
    assert figures(csv[("program_payer", "construction", "province", "", "")]) == ("246000.00", None, None, None, gap)
    assert figures(csv[("program_payer", "construction", "city_lottery", "", "")]) == ("98400.00", None, None, None,
                                                                                       gap)
    header, *summary = xlsx_rows(out, "汇总")
    province = dict(zip(header, next(r for r in summary if r[1] == "省级财政")))
    assert (province["现行（元）"], province["拟议（元）"], province["差额（元）"], province["说明"]) == (246000, "", "", gap)
    r = CliRunner().invoke(main, ["compare", "--policy", "jiayuguan", "--year", "2024", "--data", str(data),
                                  "--proposal-policy", str(tmp_path / "jygap.yaml"), "--out", str(tmp_path / "o2"),
                                  "--no-report"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if "省级福彩公益金" in x)
    assert "147,600.00" in line and "90,000.00" not in line and gap in line


def test_a_gap_in_the_payer_itself_leaves_that_sides_payer_rows_unknown_not_zero(tmp_path):
    # 甘肃 names no payer (a gap): the baseline pays S30 300,000.00 and L60 60 × 4,000 × 80% = 192,000.00 to
    # nobody named; the proposal names 省级财政 (492,000.00). The baseline's 省级财政 is unknown, not 0.00.
    data = construction_data(tmp_path)
    c = compare(data, "gansu", 2024, proposal_sets=["construction.payer=province"])
    assert program_payer(c) == {("construction", "province"): (None, 492_000_00, None, "newly_priced")}
    out = tmp_path / "out"
    write_compare(c, out)
    newly = "新可计算（现行规则政策缺口）"
    assert figures(csv_rows(out)[("program_payer", "construction", "province", "", "")]) == (None, "492000.00", None,
                                                                                              None, newly)
    header, *summary = xlsx_rows(out, "汇总")
    assert dict(zip(header, summary[0]))["现行（元）"] == ""
    html = (out / "compare.html").read_text(encoding="utf-8")
    by_pp = html.split("</table>")[[i for i, t in enumerate(html.split("</table>")) if "省级财政" in t][0]]
    assert "492,000.00" in by_pp and newly in by_pp and "0.00</td>" not in by_pp.replace("492,000.00</td>", "")
    assert "各项目差额" not in html and "各区县差额" not in html  # no difference to draw
    # both sides leave the payer open: the program still has a row, its payer said to be unknown
    both = compare(data, "gansu", 2024, proposal_sets=["construction.rate_self_built=12000"])
    assert program_payer(both) == {("construction", None): (None, None, None, "same_gap_changed")}
    write_compare(both, tmp_path / "both", report=False)
    header, *summary = xlsx_rows(tmp_path / "both", "汇总")
    assert summary[0][:5] == ["建设补贴", "出资方未定（政策缺口）", "", "", ""]


def test_the_same_gap_with_a_changed_parameter_of_its_rule_has_no_difference(tmp_path):
    # both sides leave L60's for-profit share open; the proposal raises the leased rate 4,000 → 6,000:
    # L60 gets 60 × 2,000 × (the open share) more — unknown, not 0.00. S30 (self-built) is 300,000.00 on both.
    data = construction_data(tmp_path)
    pack = open_forprofit_share(tmp_path)
    c = compare(data, pack, 2024, proposal_sets=["construction.rate_leased=6000"])
    assert [program_payer(c)[k] for k in SPLIT_ROWS] == [(None, None, None, "same_gap_changed")] * 3
    assert c.totals() == (None, None, None)
    inst = {r["institution_id"]: (r["baseline_fen"], r["proposal_fen"], r["delta_fen"])
            for r in c.by_institution.iter_rows(named=True)}
    assert inst == {"S30": (300_000_00, 300_000_00, 0), "L60": (None, None, None)}
    out = tmp_path / "out"
    write_compare(c, out, report=False)
    changed = "不能计算（两侧同一政策缺口，但缺口所在规则的参数有改动）"
    csv = csv_rows(out)
    assert figures(csv[("total", "", "", "", "")]) == (None, None, None, None, changed)
    assert figures(csv[("institution", "", "", "柯桥区", "L60")]) == (None, None, None, None, changed)
    header, *summary = xlsx_rows(out, "汇总")
    assert dict(zip(header, summary[-1]))["差额（元）"] == "" and summary[-1][-1] == changed
    r = CliRunner().invoke(main, ["compare", "--policy", str(pack), "--year", "2024", "--data", str(data),
                                  "--proposal-set", "construction.rate_leased=6000", "--out", str(tmp_path / "o2"),
                                  "--no-report"])
    assert r.exit_code == 0, r.output
    assert "差额可比" not in r.output and "两侧相同，但其规则的参数有改动，不能计算差额" in r.output
    line = next(x for x in r.output.splitlines() if "财政资金合计" in x)
    assert "0.00" not in line and changed in line


def test_which_changed_parameters_feed_a_gap():
    # a centre's rate is the key of its star: 4 stars changing does not touch a 2-star centre's open rate;
    # a whole open table, another parameter of the rule, or another share of a split (which divides the same
    # line among all its keys) does; another rule never does
    from audit.comparison import _feeds_gap
    from audit.policy import load_pack

    centre = load_pack("shaoxing").rules["center_township"]
    star_4 = frozenset({("center_township", "rate_by_star.4")})
    assert not _feeds_gap(centre, "center_township.rate_by_star.2", star_4)
    assert _feeds_gap(centre, "center_township.rate_by_star.<KEY>", star_4)
    assert _feeds_gap(centre, "center_township.rate_by_star.2", frozenset({("center_township", "require_assessed_pass")}))
    assert not _feeds_gap(centre, "center_township.rate_by_star.2", frozenset({("operating_grant", "rate_by_star.2")}))
    split = load_pack("jiayuguan").rules["construction"]
    assert _feeds_gap(split, "construction.payer_shares.city_lottery", frozenset({("construction", "payer_shares.province")}))


def test_a_crossing_is_only_where_both_sides_amounts_are_known(tmp_path):
    # 嘉峪关 三(一) gives no rate per care level (gaps). The proposal sets 完全失能 500 a month: H4's full-care
    # resident 12 × 500 = 6,000.00, but its self-care resident's rate is still open — the proposal's 6,000.00 is
    # not H4's whole operating grant, so H4 neither "newly gets" it nor is "newly priced" at 6,000.00.
    d = folder(tmp_path, H4)
    head, _, h4 = RESIDENTS.splitlines(keepends=True)
    (d / "residents.csv").write_text(head + h4 + f"H4,{person_id(4)},李四,2019-01-01,,柯桥区,full,false,\n",
                                     encoding="utf-8")
    c = compare(d, "jiayuguan", 2024, proposal_sets=["operating_grant.rate_by_care_level.full=500"])
    assert c.crossings.select("institution_id", "program", "direction", "baseline_fen", "proposal_fen",
                              "delta_fen").rows() == [("H4", "operating", "both_gap", None, None, None)]
    out = tmp_path / "out"
    write_compare(c, out)
    both = "不能计算（双方政策缺口不同）"
    header, row = xlsx_rows(out, "跨过条件")
    assert dict(zip(header, row)) == dict(zip(header, ["H4", "丁养老院", "柯桥区", "运营补贴", both, "", "", ""]))
    html = (out / "compare.html").read_text(encoding="utf-8")
    cross = html.split("跨过补助条件的机构")[1].split("</table>")[0]
    assert "新获补助 0 项，不再获补助 0 项" in cross and f"{both} 1 项" in cross and "6,000.00" not in cross
    r = CliRunner().invoke(main, ["compare", "--policy", "jiayuguan", "--year", "2024", "--data", str(d),
                                  "--proposal-set", "operating_grant.rate_by_care_level.full=500",
                                  "--out", str(tmp_path / "o2"), "--no-report"])
    assert r.exit_code == 0, r.output
    line = next(x for x in r.output.splitlines() if x.startswith("跨过补助条件"))
    assert line == f"跨过补助条件：新获补助 0 项，不再获补助 0 项（机构×项目）；{both} 1 项"


def test_a_gap_on_the_side_with_money_or_on_both_is_no_crossing():
    # hand-made ledgers (public money, fen) for the reviewer's 东阳 cases: YL01 2,706.40 under the baseline,
    # 0 under the proposal while both leave its non-profit share open and the proposal changes a share
    # (same_gap_changed): not "no longer paid"; YL03 0 → 726.00 where the proposal's side is a gap
    # (proposal_gap): not "newly paid"; YL05 0 → 500.00 with no gap on either side: newly paid +500.00.
    from types import SimpleNamespace

    from audit.comparison import _differences

    ledger = pl.DataFrame(schema={"institution_id": pl.String, "program": pl.String, "payer": pl.String,
                                  "amount_fen": pl.Int64})
    base = SimpleNamespace(ledger=ledger.vstack(pl.DataFrame(
        [("YL01", "insurance", "city", 2_706_40)], schema=ledger.schema, orient="row")))
    prop = SimpleNamespace(ledger=ledger.vstack(pl.DataFrame(
        [("YL03", "insurance", "city", 726_00), ("YL05", "operating", "city", 500_00)],
        schema=ledger.schema, orient="row")))
    institutions = pl.DataFrame({"institution_id": ["YL01", "YL03", "YL05"], "name": ["甲", "乙", "丙"],
                                 "county": ["东阳市"] * 3})
    unpriced = pl.DataFrame(
        [("YL01", "insurance", True, True, "same_gap_changed", ["city"]),
         ("YL03", "insurance", False, True, "proposal_gap", ["city"])],
        schema={"institution_id": pl.String, "program": pl.String, "baseline_gap": pl.Boolean,
                "proposal_gap": pl.Boolean, "gap": pl.String, "payers": pl.List(pl.String)}, orient="row")
    cross = _differences(base, prop, institutions, unpriced)["crossings"]
    assert sorted(cross.select("institution_id", "direction", "baseline_fen", "proposal_fen",
                               "delta_fen").rows()) == [("YL01", "same_gap_changed", None, None, None),
                                                        ("YL03", "proposal_gap", 0, None, None),
                                                        ("YL05", "newly_paid", 0, 500_00, 500_00)]
