"""Random inspections: stratum counts, the verifiable draw, and inspector teams."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import polars as pl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit.inspect.draw import (DrawParameterError, DrawParams, canonical_sha256, draw, parse_ratio_options,
                            strata_from_findings, to_json)

DEPTS = ["民政局", "市场监管局", "消防救援"]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_tables(risks, inspectors=None, conflicts=(), inspections=(), counties=None, opened=None):
    """Normalised frames as docs/internals.md describes them (what audit.data.io returns)."""
    n = len(risks)
    inst = pl.DataFrame({
        "institution_id": [f"I{i:03d}" for i in range(n)],
        "name": [f"机构{i}" for i in range(n)],
        "county": counties or [["越城区", "柯桥区"][i % 2] for i in range(n)],
        "risk_class": list(risks),
        "opened_on": opened or [date(2015, 1, 1)] * n,
        "_row": list(range(2, n + 2)),
    }, schema_overrides={"risk_class": pl.String})
    inspectors = inspectors if inspectors is not None else [
        (f"P{i}", DEPTS[i % 3], ["越城区", "柯桥区", "上虞区"][i % 3], True) for i in range(6)]
    insp = pl.DataFrame({
        "inspector_id": [p[0] for p in inspectors], "name": [f"检查员{p[0]}" for p in inspectors],
        "department": [p[1] for p in inspectors], "county": [p[2] for p in inspectors],
        "active": [p[3] for p in inspectors], "_row": list(range(2, len(inspectors) + 2)),
    }, schema={"inspector_id": pl.String, "name": pl.String, "department": pl.String, "county": pl.String,
               "active": pl.Boolean, "_row": pl.Int64})
    conf = pl.DataFrame({"inspector_id": [c[0] for c in conflicts], "institution_id": [c[1] for c in conflicts],
                         "reason": ["亲属"] * len(conflicts), "_row": list(range(2, len(conflicts) + 2))},
                        schema={"inspector_id": pl.String, "institution_id": pl.String, "reason": pl.String, "_row": pl.Int64})
    hist = pl.DataFrame({"institution_id": [h[0] for h in inspections], "inspected_on": [h[1] for h in inspections],
                         "inspector_id": [h[2] for h in inspections], "outcome": ["pass"] * len(inspections),
                         "_row": list(range(2, len(inspections) + 2))},
                        schema={"institution_id": pl.String, "inspected_on": pl.Date, "inspector_id": pl.String,
                                "outcome": pl.String, "_row": pl.Int64})
    return {"institutions": inst, "inspectors": insp, "conflicts": conf, "inspections": hist}


def counts(record):
    return {s["stratum"]: s["random"] for s in record["strata"]}


# ------------------------------------------------------------ stratum counts --

def test_stratum_counts_round_up_per_stratum():
    # 7 high, 13 medium (10 medium + 3 null → the default stratum medium), 3 low.
    risks = ["high"] * 7 + ["medium"] * 10 + [None] * 3 + ["low"] * 3
    rec = draw(make_tables(risks), DrawParams(seed="s", ratios={"high": "0.3", "medium": "0.1", "low": "0.02"}))
    # high ⌈0.3×7⌉ = ⌈2.1⌉ = 3; medium ⌈0.1×13⌉ = ⌈1.3⌉ = 2; low ⌈0.02×3⌉ = ⌈0.06⌉ = 1 (≥ 1 per stratum)
    assert counts(rec) == {"high": 3, "medium": 2, "low": 1}
    assert {s["stratum"]: s["size"] for s in rec["strata"]} == {"high": 7, "medium": 13, "low": 3}
    assert len(rec["picks"]) == 6


def test_ratio_is_exact_not_float():
    # 0.1 × 30 is exactly 3 (a float product is 3.0000000000000004 and would round up to 4)
    rec = draw(make_tables(["low"] * 30), DrawParams(seed="s", ratios={"*": "0.1"}))
    assert counts(rec) == {"low": 3}


def test_ratio_zero_draws_nothing_and_missing_ratio_is_refused():
    rec = draw(make_tables(["high"] * 4 + ["low"] * 4), DrawParams(seed="s", ratios={"high": "1/2", "low": "0"}))
    assert counts(rec) == {"high": 2, "low": 0}  # ⌈½×4⌉ = 2; ratio 0 → 0
    with pytest.raises(DrawParameterError, match="low"):
        draw(make_tables(["high"] * 4 + ["low"] * 4), DrawParams(seed="s", ratios={"high": "0.5"}))
    with pytest.raises(DrawParameterError, match="hihg"):  # a misspelt stratum is refused, not ignored
        draw(make_tables(["high"] * 4), DrawParams(seed="s", ratios={"hihg": "0.5", "high": "0.1"}))


def test_ratio_options_parse_and_refuse():
    assert parse_ratio_options(["5%"]) == {"*": "5%"}
    assert parse_ratio_options(["high=0.3", "low=0.02"]) == {"high": "0.3", "low": "0.02"}
    for bad in ([], ["0.1", "high=0.2"], ["1.5"], ["abc"], ["high=0.1", "high=0.2"]):
        with pytest.raises(DrawParameterError):
            parse_ratio_options(bad)


@settings(max_examples=40, deadline=None)
@given(sizes=st.lists(st.integers(0, 25), min_size=3, max_size=3),
       ratios=st.lists(st.sampled_from(["0", "0.01", "0.05", "0.1", "1/3", "0.5", "1"]), min_size=3, max_size=3))
def test_counts_follow_the_stated_rounding(sizes, ratios):
    names = ["high", "medium", "low"]
    risks = [n for n, k in zip(names, sizes) for _ in range(k)]
    if not risks:
        return
    from fractions import Fraction
    rec = draw(make_tables(risks), DrawParams(seed="p", ratios=dict(zip(names, ratios))))
    for n, k, r in zip(names, sizes, ratios):
        if k == 0:
            assert n not in counts(rec)
            continue
        f = Fraction(r)
        expected = -(-f.numerator * k // f.denominator)  # ceil, exact
        assert counts(rec)[n] == expected
        assert sum(p["stratum"] == n for p in rec["picks"]) == expected
        if f > 0:
            assert expected >= 1


# ------------------------------------------------------------ the draw -------

def test_picks_are_the_lowest_hashes_of_seed_and_id():
    tables = make_tables(["low"] * 12)
    rec = draw(tables, DrawParams(seed="2024第四季度", ratios={"*": "0.25"}))  # ⌈0.25×12⌉ = 3
    ids = [f"I{i:03d}" for i in range(12)]
    expected = sorted(ids, key=lambda i: sha(f"2024第四季度|{i}"))[:3]
    assert [p["institution_id"] for p in rec["picks"]] == expected
    assert [p["rank"] for p in rec["picks"]] == [1, 2, 3]
    assert rec["picks"][0]["rank_hash"] == sha(f"2024第四季度|{expected[0]}")


def test_draw_changes_with_the_seed_and_not_with_row_order():
    tables = make_tables(["low"] * 40)
    a = draw(tables, DrawParams(seed="A", ratios={"*": "0.1"}))
    shuffled = dict(tables, institutions=tables["institutions"].reverse())
    assert to_json(draw(shuffled, DrawParams(seed="A", ratios={"*": "0.1"}))) == to_json(a)
    b = draw(tables, DrawParams(seed="B", ratios={"*": "0.1"}))
    assert {p["institution_id"] for p in a["picks"]} != {p["institution_id"] for p in b["picks"]}


def test_canonical_hash_ignores_row_order_and_spreadsheet_rows_but_not_content():
    t = make_tables(["low", "high", None])["institutions"]
    h = canonical_sha256(t)
    assert canonical_sha256(t.reverse().with_columns(_row=pl.col("_row") + 10)) == h
    assert canonical_sha256(t.with_columns(name=pl.when(pl.col("institution_id") == "I001").then(pl.lit("改名"))
                                           .otherwise(pl.col("name")))) != h


def test_coverage_picks_come_on_top_of_the_random_draw():
    # as_of 2024-12-31, N = 3 → cutoff 2021-12-31.
    # I000 last inspected 2021-06-01 (≤ cutoff) → coverage; I001 2022-01-01 → not;
    # I002 never inspected, opened 2020 → coverage; I003 never inspected, opened 2023 → not.
    opened = [date(2015, 1, 1), date(2015, 1, 1), date(2020, 1, 1), date(2023, 1, 1)] + [date(2015, 1, 1)] * 6
    hist = [("I000", date(2021, 6, 1), "P0"), ("I001", date(2022, 1, 1), "P0")] + \
           [(f"I{i:03d}", date(2024, 3, 1), "P1") for i in range(4, 10)]
    tables = make_tables(["low"] * 10, inspections=hist, opened=opened)
    rec = draw(tables, DrawParams(seed="c", ratios={"*": "0.1"}, min_years_uninspected=3, as_of="2024-12-31"))
    cov = sorted(p["institution_id"] for p in rec["picks"] if p["pick"] == "coverage")
    assert cov == ["I000", "I002"]
    # random: ⌈0.1×10⌉ = 1, drawn from the 8 non-coverage institutions
    rand = [p for p in rec["picks"] if p["pick"] == "random"]
    assert len(rand) == 1 and rand[0]["institution_id"] not in cov
    others = [f"I{i:03d}" for i in range(10) if f"I{i:03d}" not in cov]
    assert rand[0]["institution_id"] == min(others, key=lambda i: sha(f"c|{i}"))


def test_coverage_needs_history_and_a_date():
    with pytest.raises(DrawParameterError):
        draw(make_tables(["low"] * 3), DrawParams(seed="c", ratios={"*": "0.1"}, min_years_uninspected=3, as_of="2024-12-31"))
    with pytest.raises(DrawParameterError):
        draw(make_tables(["low"] * 3, inspections=[("I000", date(2020, 1, 1), "P0")]),
             DrawParams(seed="c", ratios={"*": "0.1"}, min_years_uninspected=3))


def test_strata_from_findings_rule():
    f = pl.DataFrame({"institution_id": ["I000", "I000", "I001", "I002", None],
                      "severity": ["warning", "error", "warning", "info", "error"]})
    got = dict(strata_from_findings(f).sort("institution_id").iter_rows())
    assert got == {"I000": "high", "I001": "medium", "I002": "low"}  # any error → high; warning → medium
    rec = draw(make_tables([None] * 4), DrawParams(seed="f", ratios={"high": "1", "medium": "0", "low": "0"},
                                                   strata="findings"), findings=f)
    assert {s["stratum"]: s["size"] for s in rec["strata"]} == {"high": 1, "medium": 1, "low": 2}  # I003 no finding → low
    assert [p["institution_id"] for p in rec["picks"]] == ["I000"]


# ------------------------------------------------------------ teams ----------

def test_conflict_and_last_inspector_are_skipped():
    # Two inspectors of one department; I000's conflict with the first in hash order and
    # its last inspector are both excluded.
    people = [(f"P{i}", "民政局", "上虞区", True) for i in range(5)]
    order = sorted([p[0] for p in people], key=lambda p: sha(f"t|I000|{p}"))
    tables = make_tables(["low"], inspectors=people, conflicts=[(order[0], "I000")],
                         inspections=[("I000", date(2023, 1, 1), order[4]), ("I000", date(2024, 5, 1), order[1])])
    rec = draw(tables, DrawParams(seed="t", ratios={"*": "1"}))
    team = [m["inspector_id"] for m in rec["picks"][0]["team"]]
    assert team == [order[2], order[3]]  # order[0] conflicted, order[1] inspected it last (2024-05-01)
    assert rec["picks"][0]["team_check"]["excluded_conflict"] == 1
    assert rec["picks"][0]["team_check"]["excluded_last_inspector"] == 1


def test_no_valid_team_is_reported_not_relaxed():
    people = [("P0", "民政局", "越城区", True), ("P1", "民政局", "柯桥区", True), ("P2", "消防救援", "越城区", False)]
    tables = make_tables(["low", "low"], inspectors=people, conflicts=[("P0", "I000")])
    rec = draw(tables, DrawParams(seed="n", ratios={"*": "1"}))
    by = {p["institution_id"]: p for p in rec["picks"]}
    assert by["I000"]["team_status"] == "no_valid_team" and by["I000"]["reason"] == "too_few_eligible"
    assert by["I000"]["team"] == []
    assert by["I001"]["team_status"] == "ok"
    # --joint: P0 and P1 are both 民政局 (P2, the other department, is inactive) → no joint team
    joint = draw(tables, DrawParams(seed="n", ratios={"*": "1"}, joint=True))
    assert {p["reason"] for p in joint["picks"]} == {"too_few_eligible", "single_department"}
    assert all(p["team"] == [] for p in joint["picks"])
    assert joint["totals"]["no_valid_team"] == 2


@st.composite
def team_worlds(draw_):
    n_inst = draw_(st.integers(1, 6))
    n_insp = draw_(st.integers(1, 9))
    people = [(f"P{i}", draw_(st.sampled_from(DEPTS + [None])), draw_(st.sampled_from(["越城区", "柯桥区"])),
               draw_(st.booleans())) for i in range(n_insp)]
    pairs = st.tuples(st.sampled_from([p[0] for p in people]), st.sampled_from([f"I{i:03d}" for i in range(n_inst)]))
    conflicts = draw_(st.lists(pairs, max_size=8, unique=True))
    hist = [(i, date(2020 + k, 1, 1), p) for (p, i), k in zip(draw_(st.lists(pairs, max_size=8)), range(8))]
    opts = dict(seed=draw_(st.text(alphabet="ab12|种子 ", min_size=1, max_size=8).filter(str.strip)), team_size=draw_(st.integers(2, 3)),
                joint=draw_(st.booleans()), avoid_same_county=draw_(st.booleans()))
    return make_tables(["low"] * n_inst, inspectors=people, conflicts=conflicts, inspections=hist), opts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(world=team_worlds())
def test_teams_respect_every_constraint(world):
    tables, opts = world
    rec = draw(tables, DrawParams(ratios={"*": "1"}, **opts))
    conflicts = set(tables["conflicts"].select("inspector_id", "institution_id").iter_rows())
    hist = tables["inspections"]
    people = {r["inspector_id"]: r for r in tables["inspectors"].to_dicts()}
    for p in rec["picks"]:
        i = p["institution_id"]
        mine = hist.filter(pl.col("institution_id") == i)
        last = set(mine.filter(pl.col("inspected_on") == mine["inspected_on"].max())["inspector_id"]) if mine.height else set()
        eligible = [x for x, r in people.items()
                    if r["active"] and (x, i) not in conflicts and x not in last
                    and not (opts["avoid_same_county"] and r["county"] == p["county"])
                    and not (opts["joint"] and r["department"] is None)]
        team = [m["inspector_id"] for m in p["team"]]
        assert not any((x, i) in conflicts for x in team)
        assert not (set(team) & last)
        if opts["avoid_same_county"]:
            assert all(people[x]["county"] != p["county"] for x in team)
        assert all(people[x]["active"] for x in team)
        depts = {people[x]["department"] for x in eligible}
        possible = len(eligible) >= opts["team_size"] and (not opts["joint"] or len(depts) >= 2)
        assert (p["team_status"] == "ok") == possible
        if possible:
            assert len(team) == opts["team_size"] == len(set(team))
            if opts["joint"]:
                assert len({people[x]["department"] for x in team}) >= 2
            # greedy in hash order: the first team_size − 1 eligible by hash are always in the team
            ordered = sorted(eligible, key=lambda x: sha(f"{opts['seed']}|{i}|{x}"))
            assert team[:-1] == ordered[:opts["team_size"] - 1]
        else:
            assert team == [] and p["reason"] in ("too_few_eligible", "single_department")


# ------------------------------------------------------------ CLI end to end --

REGISTER = (
    "institution_id,name,county,kind,risk_class,opened_on\n"
    + "".join(f"I{i:03d},机构{i},{['越城区', '柯桥区'][i % 2]},养老机构,{['高', '中', '低', ''][i % 4]},2018-01-01\n"
              for i in range(16))
)
INSPECTORS = ("检查人员编号,姓名,所属部门,所属区县,在岗\nP0,王一,民政局,越城区,是\nP1,李二,市场监管局,柯桥区,是\n"
              "P2,赵三,消防救援,上虞区,是\nP3,钱四,民政局,柯桥区,是\n")
CONFLICTS = "inspector_id,institution_id,reason\nP1,I000,亲属\nP0,I001,曾任职\n"


def cli(*args):
    from audit.cli import main

    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def register(make_folder):
    return make_folder({"institutions.csv": REGISTER, "inspectors.csv": INSPECTORS, "conflicts.csv": CONFLICTS})


@pytest.mark.slow
def test_sample_twice_is_byte_identical_and_verifies(register, tmp_path):
    args = ["sample", "--data", register, "--seed", "2024-12 公开摇号", "--ratio", "high=0.5", "--ratio", "medium=0.25",
            "--ratio", "low=0.25", "--joint"]
    r1 = cli(*args, "--out", tmp_path / "a")
    r2 = cli(*args, "--out", tmp_path / "b")
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0, r2.output
    a, b = (tmp_path / "a" / "draw.json").read_bytes(), (tmp_path / "b" / "draw.json").read_bytes()
    assert a == b
    for f in ("draw.xlsx", "draw.html", "draw.pdf"):
        assert (tmp_path / "a" / f).stat().st_size > 0
    rec = json.loads(a)
    # 16 institutions: i%4 → 高 4, 中 4, 低 4, blank 4 (→ medium: 8). high ⌈0.5×4⌉=2, medium ⌈0.25×8⌉=2, low ⌈0.25×4⌉=1
    assert {s["stratum"]: s["random"] for s in rec["strata"]} == {"high": 2, "medium": 2, "low": 1}
    for p in rec["picks"]:  # conflicts never assigned; joint teams span two departments
        ids = {m["inspector_id"] for m in p["team"]}
        assert not ({("P1", "I000"), ("P0", "I001")} & {(x, p["institution_id"]) for x in ids})
        assert p["team_status"] == "ok" and len({m["department"] for m in p["team"]}) >= 2
    ok = cli("sample", "--verify", tmp_path / "a" / "draw.json", "--data", register)
    assert ok.exit_code == 0, ok.output


def test_verify_rejects_a_changed_register_and_a_tampered_record(register, tmp_path):
    assert cli("sample", "--data", register, "--seed", "s1", "--ratio", "0.25", "--out", tmp_path / "d").exit_code == 0
    text = (register / "institutions.csv").read_text(encoding="utf-8")
    (register / "institutions.csv").write_text(text.replace("I005,机构5,", "I005,机构5（改）,"), encoding="utf-8")
    bad = cli("sample", "--verify", tmp_path / "d" / "draw.json", "--data", register)
    assert bad.exit_code == 1
    assert "institutions_sha256" in bad.output
    (register / "institutions.csv").write_text(text, encoding="utf-8")
    rec = json.loads((tmp_path / "d" / "draw.json").read_text(encoding="utf-8"))
    rec["picks"][0]["institution_id"] = "I999"  # a record whose pick was swapped
    (tmp_path / "t.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    swapped = cli("sample", "--verify", tmp_path / "t.json", "--data", register)
    assert swapped.exit_code == 1 and "I999" in swapped.output


def test_register_as_xlsx_verifies_like_csv(register, tmp_path):
    assert cli("sample", "--data", register, "--seed", "x", "--ratio", "0.25", "--out", tmp_path / "d").exit_code == 0
    import xlsxwriter

    book = tmp_path / "register.xlsx"
    with xlsxwriter.Workbook(book) as wb:
        for name in ("institutions", "inspectors", "conflicts"):
            ws = wb.add_worksheet(name)
            for r, line in enumerate((register / f"{name}.csv").read_text(encoding="utf-8").splitlines()):
                ws.write_row(r, 0, line.split(","))
    ok = cli("sample", "--verify", tmp_path / "d" / "draw.json", "--data", book)
    assert ok.exit_code == 0, ok.output


def test_sample_refuses_a_missing_ratio_without_writing(register, tmp_path):
    r = cli("sample", "--data", register, "--seed", "x", "--out", tmp_path / "d")
    assert r.exit_code == 2 and "--ratio" in r.output
    assert not (tmp_path / "d").exists()


def test_demo_teams_respect_the_conflicts_table(tmp_path):
    """On the bundled demo workbook, draw every institution and check each team against
    the conflicts and last-inspection tables as loaded."""
    from pathlib import Path

    from audit.data.io import load_data

    demo = Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx"
    if not demo.exists():
        pytest.skip("demo/demo.xlsx not built yet")
    tables = load_data(demo).tables
    rec = draw(tables, DrawParams(seed="demo", ratios={"*": "1"}, joint=True))
    conflicts = set(tables["conflicts"].select("inspector_id", "institution_id").iter_rows())
    assert conflicts, "the demo should declare conflicts"
    hist = tables["inspections"]
    for p in rec["picks"]:
        team = {m["inspector_id"] for m in p["team"]}
        assert not {(x, p["institution_id"]) for x in team} & conflicts
        mine = hist.filter(pl.col("institution_id") == p["institution_id"])
        if mine.height:
            assert not team & set(mine.filter(pl.col("inspected_on") == mine["inspected_on"].max())["inspector_id"])
        if p["team_status"] == "ok":
            assert len({m["department"] for m in p["team"]}) >= 2


def test_findings_strata_verify_needs_the_same_findings(register, tmp_path):
    findings = tmp_path / "findings.csv"
    findings.write_text("institution_id,rule,severity,message,evidence,citation\n"
                        "I003,staffing_ratio,error,m,,\nI004,lease_term,warning,m,,\n", encoding="utf-8")
    args = ["--data", register, "--findings", findings]
    r = cli("sample", *args, "--seed", "f", "--strata", "findings", "--ratio", "high=1", "--ratio", "medium=1",
            "--ratio", "low=0", "--lang", "en", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "d" / "draw.json").read_text(encoding="utf-8"))
    # I003 has an error → high (ratio 1), I004 a warning → medium (ratio 1), the rest low (ratio 0)
    assert sorted((p["institution_id"], p["stratum"]) for p in rec["picks"]) == [("I003", "high"), ("I004", "medium")]
    html = (tmp_path / "d" / "draw.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    body = html.split("<body>")[1]
    assert "（" not in body and "，" not in body  # English punctuation around team members
    assert cli("sample", "--verify", tmp_path / "d" / "draw.json", *args).exit_code == 0
    assert cli("sample", "--verify", tmp_path / "d" / "draw.json", "--data", register).exit_code == 2
    findings.write_text("institution_id,rule,severity,message,evidence,citation\nI005,x,error,m,,\n", encoding="utf-8")
    changed = cli("sample", "--verify", tmp_path / "d" / "draw.json", *args)
    assert changed.exit_code == 1 and "findings_sha256" in changed.output


def test_draw_without_any_team_still_writes_every_sheet(register, tmp_path):
    r = cli("sample", "--data", register, "--seed", "x", "--ratio", "0.1", "--team-size", "9", "--out", tmp_path / "d")
    assert r.exit_code == 1, r.output   # written, but no pick can be inspected: not a success (issue 16)
    sheets = pl.read_excel(tmp_path / "d" / "draw.xlsx", sheet_id=0, raise_if_empty=False, infer_schema_length=0)
    assert sheets["检查组"].columns[:3] == ["机构编号", "序号", "检查人员编号"] and sheets["检查组"].height == 0
    picks = sheets["抽取结果"]
    # 4 inspectors, team of 9: ⌈0.1×4⌉ = 1 per stratum (high 4, medium 8, low 4) → 3 picks, none with a team
    assert picks.height == 3 and set(picks["组队情况"]) == {"无法组成合规检查组"}
    assert all(x.startswith("可选检查人员不足一组") for x in picks["原因"])
    assert "无法组成合规检查组" in (tmp_path / "d" / "draw.html").read_text(encoding="utf-8")


def test_draw_record_pdf_has_page_numbers_and_decimal_products(register, tmp_path):
    """The @page footer survived HTML escaping (it once came out as &#34; and vanished),
    and ratio × size reads as a decimal: medium has 8 institutions, 0.25 × 8 = 2;
    high 4 × 0.3 = 1.2 (draw.json keeps the exact fraction 6/5)."""
    from pypdf import PdfReader

    r = cli("sample", "--data", register, "--seed", "p", "--ratio", "high=0.3", "--ratio", "medium=0.25",
            "--ratio", "low=0.25", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "d" / "draw.json").read_text(encoding="utf-8"))
    assert {s["stratum"]: s["ratio_times_size"] for s in rec["strata"]}["high"] == "6/5"
    html = (tmp_path / "d" / "draw.html").read_text(encoding="utf-8")
    assert "&#34;" not in html.split("</style>")[0]
    assert '<td lang="zh-CN">1.2</td>' in html and '<td lang="zh-CN">2</td>' in html
    sheet = pl.read_excel(tmp_path / "d" / "draw.xlsx", sheet_name="分层", infer_schema_length=0)
    assert sheet["比例×机构数"].to_list() == ["1.2", "2", "1"]  # high 0.3 × 4, medium 0.25 × 8, low 0.25 × 4
    pages = PdfReader(tmp_path / "d" / "draw.pdf").pages
    assert "第 1 页 / 共" in pages[0].extract_text()


def test_public_file_re_runs_the_draw_without_people_and_publish_states_the_draw(register, tmp_path):
    """draw_public.json carries the register's public columns and the picks: the draw is
    re-run from it alone; a tampered pick is caught. The public list shows only the drawn
    institutions, with seed, time, witnesses and the draw.json hash, and masks the
    inspectors' names that a clerk typed into the free text."""
    import hashlib

    r = cli("sample", "--data", register, "--seed", "2025-03-03 福彩3D 123|民函〔2025〕1号", "--ratio", "0.25",
            "--drawn-at", "2025-03-03 10:00", "--witness", "市纪委监委驻局纪检组", "--witness", "社会监督员 两人",
            "--seed-source", "抽取日公布的福彩3D开奖号码加抽查计划文号", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    public = json.loads((tmp_path / "d" / "draw_public.json").read_text(encoding="utf-8"))
    text = json.dumps(public, ensure_ascii=False)
    for person in ("王一", "李二", "赵三", "钱四", "P0", "inspector"):
        assert person not in text  # no inspector, no team in the public file
    assert public["ceremony"]["witnesses"] == ["市纪委监委驻局纪检组", "社会监督员 两人"]
    ok = cli("sample", "--verify-public", tmp_path / "d" / "draw_public.json")
    assert ok.exit_code == 0, ok.output
    public["picks"][0]["institution_id"] = "I999"
    (tmp_path / "t.json").write_text(json.dumps(public, ensure_ascii=False), encoding="utf-8")
    assert cli("sample", "--verify-public", tmp_path / "t.json").exit_code == 1

    record = json.loads((tmp_path / "d" / "draw.json").read_text(encoding="utf-8"))
    drawn = [p["institution_id"] for p in record["picks"]]
    inspector = record["picks"][0]["team"][0]["name"]
    undrawn = next(f"I{i:03d}" for i in range(16) if f"I{i:03d}" not in drawn)
    results = tmp_path / "results.csv"
    results.write_text("机构编号,机构名称,检查日期,检查结果,整改要求,整改期限\n"
                       f"{drawn[0]},甲院,2025-03-10,责令整改,检查人员{inspector}发现消防通道堵塞,2025-04-30\n"
                       f"{undrawn},乙院,2025-03-11,合格,,\n", encoding="utf-8")
    pub = cli("publish", "--results", results, "--draw", tmp_path / "d" / "draw.json", "--out", tmp_path / "p")
    assert pub.exit_code == 0, pub.output
    assert undrawn in pub.stderr  # left out, and said so
    html = (tmp_path / "p" / "publish.html").read_text(encoding="utf-8")
    assert undrawn not in html and drawn[0] in html
    assert inspector not in html and inspector[0] + "*" in html
    digest = hashlib.sha256((tmp_path / "d" / "draw.json").read_bytes()).hexdigest()
    for shown in (digest, "2025-03-03 10:00", "市纪委监委驻局纪检组", "2025-03-03 福彩3D 123|民函〔2025〕1号"):
        assert shown in html
    assert (tmp_path / "p" / "draw_public.json").read_bytes() == (tmp_path / "d" / "draw_public.json").read_bytes()


def test_draw_record_states_time_and_witnesses_with_labelled_hashes(register, tmp_path):
    """Issue 13 item 6: the draw record a clerk prints (PDF/HTML) and files (xlsx) says when
    the draw was made and before whom, as draw.json does; its register hashes carry
    labels in the reader's language, not draw.json's keys. Not stated → 未记录."""
    from pypdf import PdfReader

    base = ["sample", "--data", register, "--seed", "新民发〔2025〕3号", "--ratio", "0.25"]
    r = cli(*base, "--drawn-at", "2025-03-03 10:00", "--witness", "驻局纪检组", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    text = PdfReader(tmp_path / "d" / "draw.pdf").pages[0].extract_text()
    html = (tmp_path / "d" / "draw.html").read_text(encoding="utf-8")
    for shown in ("抽取时间", "2025-03-03 10:00", "监督见证", "驻局纪检组", "机构名录哈希", "检查记录表哈希"):
        assert shown in text and shown in html
    assert "_sha256" not in text and "_sha256" not in html
    sheet = pl.read_excel(tmp_path / "d" / "draw.xlsx", sheet_name="参数与哈希", infer_schema_length=0)
    pairs = dict(zip(sheet["项目"], sheet["值"]))
    assert pairs["抽取时间"] == "2025-03-03 10:00" and pairs["监督见证"] == "驻局纪检组"
    assert pairs["种子来源"] == "未记录" and "回避关系表哈希" in pairs
    assert "新民发〔2025〕3号" in pairs["随机种子"] and pairs["每组人数"] == "2" and "seed" not in pairs

    en = cli(*base, "--lang", "en", "--out", tmp_path / "e")
    assert en.exit_code == 0, en.output
    html = (tmp_path / "e" / "draw.html").read_text(encoding="utf-8")
    assert "Drawn at" in html and "not recorded" in html and "Institutions register hash" in html


def test_public_list_states_the_register_hash_and_the_method_in_chinese(register, tmp_path):
    """The public list's 名录哈希 is the institutions hash the draw recorded (it was blank),
    and its method line is written for the Chinese public, in English only with --lang en."""
    r = cli("sample", "--data", register, "--seed", "s", "--ratio", "0.25", "--out", tmp_path / "d")
    assert r.exit_code == 0, r.output
    record = json.loads((tmp_path / "d" / "draw.json").read_text(encoding="utf-8"))
    results = tmp_path / "results.csv"
    drawn = record["picks"][0]["institution_id"]
    results.write_text(f"机构编号,机构名称,检查日期,检查结果\n{drawn},甲院,2025-03-10,合格\n", encoding="utf-8")
    for lang, method, foreign in (("zh", "各层内按 SHA-256(种子|机构编号)", "hex"), ("en", "hex, ascending", "各层")):
        out = tmp_path / f"p_{lang}"
        pub = cli("publish", "--results", results, "--draw", tmp_path / "d" / "draw.json", "--lang", lang, "--out", out)
        assert pub.exit_code == 0, pub.output
        html = (out / "publish.html").read_text(encoding="utf-8")
        assert record["register"]["institutions_sha256"] in html
        assert method in html and foreign not in html
