"""Synthetic data: deterministic, valid ids and codes, consistent tables, and a demo
workbook that the reader loads without errors and that holds every planted case."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from polars.testing import assert_frame_equal

from audit.data import contract as schema
from audit.data.synthetic import COUNTIES, synth, synth_demo, to_chinese, write_synth

REPO = Path(__file__).resolve().parent.parent
YEAR = 2024


@pytest.fixture(scope="module")
def tables():
    return synth(60, seed=11, year=YEAR)


@pytest.fixture(scope="module")
def demo():
    return synth_demo(seed=2024, year=YEAR)


# ---------------------------------------------------------------- independent check-character code


def gb11643_check(first17: str) -> str:
    """GB 11643-1999: S = Σ a_i·W_i with W = 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2; check = '10X98765432'[S mod 11]."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, weights)) % 11]


def gb32100_valid(code: str) -> bool:
    """GB 32100-2015: 31-char alphabet without I O S V Z; weights 3^i mod 31; check = 31 − (S mod 31), 31 → 0.
    Positions 9–17 are a GB 11714 organisation code: weights 3 7 9 10 5 8 4 2, check 11 − (S mod 11), 10 → X, 11 → 0."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    if len(code) != 18 or any(c not in alphabet for c in code):
        return False
    weights = [pow(3, i, 31) for i in range(17)]
    c18 = (31 - sum(alphabet.index(c) * w for c, w in zip(code[:17], weights)) % 31) % 31
    org = code[8:16]
    c9 = 11 - sum(int(c) * w for c, w in zip(org, [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    org_check = {10: "X", 11: "0"}.get(c9, str(c9))
    return alphabet[c18] == code[17] and org_check == code[16]


def test_independent_check_helpers_against_published_examples():
    # The widely published sample id 11010519491231002X: its check character is X.
    assert gb11643_check("11010519491231002") == "X"
    # The sample code printed in GB 32100 guides, 91350100M000100Y43 (its last character checks).
    assert _gb32100_check_only("91350100M000100Y43")
    assert not _gb32100_check_only("91350100M000100Y44")


def _gb32100_check_only(code: str) -> bool:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [pow(3, i, 31) for i in range(17)]
    return alphabet[(31 - sum(alphabet.index(c) * w for c, w in zip(code[:17], weights)) % 31) % 31] == code[17]


# ---------------------------------------------------------------- determinism


def test_same_seed_same_frames_and_other_seed_differs(tables):
    again = synth(60, seed=11, year=YEAR)
    for name in tables:
        assert_frame_equal(tables[name], again[name])
    other = synth(60, seed=12, year=YEAR)
    assert not other["residents"]["person_id"].equals(tables["residents"]["person_id"])
    assert not other["institutions"].equals(tables["institutions"])


def test_same_seed_same_bytes(tmp_path, demo):
    a = write_synth(demo, tmp_path / "a.xlsx", fmt="xlsx", chinese=True)[0]
    b = write_synth(synth_demo(seed=2024, year=YEAR), tmp_path / "b.xlsx", fmt="xlsx", chinese=True)[0]
    assert a.read_bytes() == b.read_bytes()


# ---------------------------------------------------------------- ids and codes


def test_person_ids_are_valid_and_unique(tables):
    ids = tables["residents"]["person_id"].to_list()
    assert len(ids) > 1000 and len(set(ids)) == len(ids)
    known = {str(code) for code, _ in COUNTIES["all"]}
    for pid in ids:
        assert len(pid) == 18 and pid[:17].isdigit()
        assert pid[17] == gb11643_check(pid[:17]), pid
        assert pid[:6] in known
        born = date(int(pid[6:10]), int(pid[10:12]), int(pid[12:14]))  # raises on an impossible date
        assert 60 <= YEAR - born.year <= 100


def test_credit_codes_are_valid(tables, demo):
    codes = tables["institutions"]["credit_code"].to_list() + demo["institutions"]["credit_code"].to_list()
    assert all(gb32100_valid(c) for c in codes), [c for c in codes if not gb32100_valid(c)]
    inst = tables["institutions"]
    # registration-authority prefix follows ownership: 12 public body, 52 private non-profit, 91 company
    prefix = dict(zip(inst["institution_id"], inst["credit_code"].str.slice(0, 2)))
    for row in inst.iter_rows(named=True):
        expected = "12" if row["ownership"] == "public" else "91" if row["profit_status"] == "forprofit" else "52"
        assert prefix[row["institution_id"]] == expected


# ---------------------------------------------------------------- consistency


def test_referential_integrity(tables):
    inst = set(tables["institutions"]["institution_id"])
    for name in ("residents", "staff", "insurance", "conflicts", "inspections"):
        assert set(tables[name]["institution_id"]) <= inst, name
    inspectors = set(tables["inspectors"]["inspector_id"])
    for name in ("conflicts", "inspections"):
        assert set(tables[name]["inspector_id"]) <= inspectors, name
    assert tables["institutions"]["institution_id"].is_unique().all()
    assert tables["staff"]["staff_id"].is_unique().all()


def test_value_domains(tables):
    for name, df in tables.items():
        spec = schema.table(name)
        assert set(df.columns) <= {c.name for c in spec.columns}, name
        for c in spec.columns:
            if c.type == "enum" and c.name in df.columns:
                assert set(df[c.name].drop_nulls()) <= set(c.values), (name, c.name)
    inst = tables["institutions"]
    assert inst.filter(pl.col("nursing_beds") > pl.col("beds")).height == 0
    assert inst.filter(pl.col("beds_subsidized_before") > pl.col("beds")).height == 0
    assert inst.filter((pl.col("premises") == "leased") != pl.col("lease_years").is_not_null()).height == 0
    assert set(inst["rating_level"]) <= set(range(6)) and set(inst["star_level"]) <= set(range(6))
    assert set(inst["risk_class"]) <= {"low", "medium", "high"}
    res = tables["residents"].join(inst.select("institution_id", "opened_on", "kind"), on="institution_id")
    assert res.filter(pl.col("discharged_on") < pl.col("admitted_on")).height == 0
    assert res.filter(pl.col("admitted_on") < pl.col("opened_on")).height == 0
    assert set(res["kind"]) == {"institution"}
    # every stay touches the audit year
    assert res.filter(pl.col("discharged_on") < date(YEAR, 1, 1)).height == 0
    assert res.filter(pl.col("admitted_on") > date(YEAR, 12, 31)).height == 0
    staff = tables["staff"]
    assert staff.filter((pl.col("fte") <= 0) | (pl.col("fte") > 1)).height == 0
    assert staff.filter(pl.col("left_on") <= pl.col("hired_on")).height == 0
    premium = tables["insurance"]["premium"]
    assert premium.str.contains(r"^\d+\.\d{2}$").all()


def test_no_bed_ever_holds_two_residents(tables):
    """At every day a stay starts, those in residence never outnumber the approved beds."""
    res = tables["residents"]
    starts = res.select("institution_id", day="admitted_on").unique()
    present = (
        starts.join(res, on="institution_id")
        .filter((pl.col("admitted_on") <= pl.col("day")) & (pl.col("discharged_on").is_null() | (pl.col("discharged_on") > pl.col("day"))))
        .group_by("institution_id", "day").len()
        .join(tables["institutions"].select("institution_id", "beds"), on="institution_id")
    )
    assert present.height > 0
    assert present.filter(pl.col("len") > pl.col("beds")).height == 0


def test_two_thousand_institutions(tmp_path):
    big = synth(2000, seed=3, year=YEAR)
    assert big["institutions"].height == 2000
    assert big["residents"]["person_id"].is_unique().all()
    assert big["residents"].height > 50_000
    kinds = big["institutions"].group_by("kind").len()
    assert set(kinds["kind"]) == {"institution", "township_center", "community_center"}


# ---------------------------------------------------------------- writing and the CLI


def test_chinese_tables_use_contract_headers_and_values(demo):
    zh = to_chinese(demo)
    assert list(zh) == ["机构", "入住老人", "工作人员", "综合保险", "检查人员", "回避关系", "检查记录"]
    inst = zh["机构"]
    assert "机构编号" in inst.columns and "统一社会信用代码" in inst.columns
    assert set(inst["机构类型"]) == {"养老机构", "乡镇(街道)居家养老服务中心", "村(社区)居家养老服务照料中心"}
    assert set(inst["特困供养机构"]) == {"是", "否"}
    assert "部分失能" in set(zh["入住老人"]["能力等级"])


def test_xlsx_holds_real_dates_and_numbers(tmp_path, demo):
    path = write_synth(demo, tmp_path, fmt="xlsx", chinese=True)[0]
    assert path == tmp_path / "data.xlsx"
    residents = pl.read_excel(path, sheet_name="入住老人")
    assert residents.schema["入住日期"] == pl.Date  # an Excel date cell, not text
    insurance = pl.read_excel(path, sheet_name="综合保险")
    assert insurance.schema["保费"] == pl.Float64


def test_xlsx_refuses_a_table_beyond_the_sheet_limit(tmp_path, demo, monkeypatch):
    import audit.data.synthetic as s
    from audit.errors import OutputError

    monkeypatch.setattr(s, "_EXCEL_MAX_ROWS", 100)
    with pytest.raises(OutputError, match="csv 或 parquet"):
        write_synth(demo, tmp_path / "x.xlsx", fmt="xlsx")
    assert list(tmp_path.iterdir()) == []  # nothing half-written


def test_cli_writes_csv_and_parquet(tmp_path):
    from audit.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["synth", "--institutions", "8", "--seed", "5", "--out", str(tmp_path / "csv")])
    assert result.exit_code == 0, result.output
    assert {p.name for p in (tmp_path / "csv").iterdir()} == {f"{t}.csv" for t in schema.TABLE_ORDER}
    again = pl.read_csv(tmp_path / "csv" / "residents.csv", schema_overrides={"person_id": pl.String})
    assert again["person_id"].to_list() == synth(8, seed=5)["residents"]["person_id"].to_list()
    result = runner.invoke(main, ["synth", "--institutions", "8", "--format", "parquet", "--chinese",
                                  "--out", str(tmp_path / "pq")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pq" / "机构.parquet").exists()


def test_synthetic_data_loads_without_errors(tmp_path, tables):
    from audit.data.io import load_data

    write_synth(tables, tmp_path, fmt="csv", chinese=True)
    ds = load_data(tmp_path)
    assert ds.errors().height == 0, ds.errors()
    assert ds.tables["residents"].height == tables["residents"].height


# ---------------------------------------------------------------- the bundled demo


def test_bundled_demo_is_what_the_documented_command_makes(tmp_path):
    from audit.cli import main

    out = tmp_path / "demo.xlsx"
    result = CliRunner().invoke(main, ["synth", "--demo", "--chinese", "--format", "xlsx", "--seed", "2024",
                                       "--year", "2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == (REPO / "demo" / "demo.xlsx").read_bytes()


def test_bundled_demo_loads_without_errors():
    from audit.data.io import load_data

    ds = load_data(REPO / "demo" / "demo.xlsx")
    assert ds.errors().height == 0, ds.errors()
    # the planted double claim is a located warning, not an error
    assert ds.problems.filter(pl.col("check") == "overlapping_stay")["table"].to_list() == ["residents"]
    assert all(ds.tables[t].height > 0 for t in schema.TABLE_ORDER)


def test_demo_holds_the_planted_cases(demo):
    inst = demo["institutions"]
    new = inst.filter(pl.col("opened_on").dt.year() == YEAR)
    assert set(new["premises"]) == {"self_built", "leased"}
    assert new.filter((pl.col("premises") == "leased") & (pl.col("lease_years") >= 3)).height >= 1
    assert new.filter((pl.col("premises") == "leased") & (pl.col("lease_years") < 3)).height >= 1
    assert new.filter(pl.col("beds") < 20).height >= 1
    assert new.filter(pl.col("ownership") == "public").height >= 1
    assert new.filter(pl.col("registered_on").is_null()).height >= 1
    homes = inst.filter((pl.col("kind") == "institution") & (pl.col("opened_on").dt.year() < YEAR))
    assert set(homes["rating_level"]) == {0, 1, 2, 3, 4, 5}
    town = inst.filter(pl.col("kind") == "township_center")
    assert set(town["star_level"]) == {0, 2, 4, 5} and town["inside_institution"].any()
    assert set(inst.filter(pl.col("kind") == "community_center")["star_level"]) == {0, 1, 3, 4}
    assert set(demo["insurance"]["scheme"]) == {"institution", "home_care"}

    res = demo["residents"].join(inst.select("institution_id", "county"), on="institution_id")
    assert res.filter(pl.col("hukou_county") != pl.col("county")).height > 0
    assert {"dibao", "dibao_edge", "tekun"} <= set(res["low_income"])
    assert {"partial", "full"} <= set(res["care_level"]) and res["dementia"].any()
    june_30 = date(YEAR, 6, 30)
    assert res.filter(pl.col("admitted_on") > june_30).height > 0  # under six months by December
    assert res.filter(pl.col("admitted_on") < date(YEAR - 1, 6, 30)).height > 0

    # YL01, the nursing-type home opened in the year, is over 60% full of residents needing care
    # at the year end (a data fact checked here by counting, not a policy threshold in the generator).
    yl01 = res.filter((pl.col("institution_id") == "YL01") & pl.col("discharged_on").is_null()
                      & pl.col("care_level").is_in(["partial", "full"]))
    assert yl01.height * 100 > 60 * inst.filter(pl.col("institution_id") == "YL01")["beds"][0]

    # one person moves from YL07 to YL08 in May without overlapping days
    twice = res.filter(pl.col("person_id").is_duplicated())
    moved = twice.filter(pl.col("institution_id").is_in(["YL07", "YL08"])).sort("admitted_on")
    assert moved["institution_id"].to_list() == ["YL07", "YL08"]
    assert moved["discharged_on"][0] < moved["admitted_on"][1]
    # and one resident of YL09 is also entered at YL10 from 1 September: a double claim
    both = twice.filter(pl.col("institution_id").is_in(["YL09", "YL10"])).sort("admitted_on")
    assert both["institution_id"].to_list() == ["YL09", "YL10"]
    assert both["discharged_on"][0] is None and both["admitted_on"][1] == date(YEAR, 9, 1)
