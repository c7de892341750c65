"""audit.policy: shipped packs carry the clause values; dated values, gaps, floors,
overrides and strict loading behave as docs/internals.md says."""

import datetime as dt
import hashlib
import textwrap
from fractions import Fraction

import pytest

from audit.errors import PolicyError, PolicyGap
from audit.policy import PACK_DIR, apply_overrides, load_pack, shipped_packs

D2024 = dt.date(2024, 6, 30)


# ------------------------------------------------------------------ shipped values


def test_shaoxing_operating_rates_from_clause_5_4():
    # 重点工作(五)4: 一至五级 30/50/80/100/150 元/人/月 → fen ×100
    r = load_pack("shaoxing").rules["operating_grant"]
    assert r.value("rate_by_rating_level", D2024) == {1: 3000, 2: 5000, 3: 8000, 4: 10000, 5: 15000}
    assert r.value("disability_supplement", D2024) == 5000  # 再增加50元
    assert r.value("low_income_supplement", D2024) == 5000
    assert r.value("min_months", D2024) == 6
    assert r.value("low_income_categories", D2024) == frozenset({"dibao", "dibao_edge"})
    assert r.param("rate_by_rating_level").floor is True  # 不低于
    assert r.citation == "绍兴 实施意见 重点工作(五)4"


def test_shaoxing_construction_and_centres():
    p = load_pack("shaoxing")
    c = p.rules["construction_city"]
    assert c.value("rate_self_built", D2024) == 400000  # 4000 元/床
    assert c.value("rate_leased", D2024) == 80000  # 800 元/床/年
    assert (c.value("leased_min_years", D2024), c.value("leased_schedule_years", D2024)) == (3, 3)
    assert c.value("min_beds", D2024) == 20
    n = p.rules["nursing_type_bonus"]
    assert (n.value("rate_self_built", D2024), n.value("rate_leased", D2024)) == (140000, 80000)
    assert n.value("min_nursing_occupancy", D2024) == Fraction(3, 5)  # 60%
    t = p.rules["center_township"]
    # 四星级20万元、五星级30万元; 1–3 stars not given (None = gap for that key)
    assert t.value("rate_by_star", D2024) == {1: None, 2: None, 3: None, 4: 20_000_000, 5: 30_000_000}
    assert t.value("unstarred_score_base", D2024) == 12_000_000  # 12万元
    assert t.value("inside_institution_share", D2024) == Fraction(3, 5)
    k = p.rules["center_community"]
    assert k.value("base_amount", D2024) == 1_000_000  # 1万元
    assert k.value("rate_by_star", D2024) == {1: 3_000_000, 2: 5_000_000, 3: 7_000_000, 4: None, 5: None}
    ins = p.rules["insurance_city"]
    assert (ins.value("share_nonprofit", D2024), ins.value("share_forprofit", D2024)) == (Fraction(1, 3), Fraction(1, 6))
    assert ins.is_gap("average_premium", D2024)
    assert [r.id for r in p.rules_of_kind("premium_share")] == ["insurance_province", "insurance_city"]


def test_jiayuguan_construction_payer_split_adds_up():
    r = load_pack("jiayuguan").rules["construction"]
    shares = r.value("payer_shares", D2024)
    # 省级财政50% + 省福彩30% + 市福彩20%
    assert shares == {"province": Fraction(1, 2), "province_lottery": Fraction(3, 10), "city_lottery": Fraction(1, 5)}
    assert sum(shares.values()) == 1
    assert r.value("rate_self_built", D2024) == 1_000_000  # 1万元
    assert r.value("rate_leased", D2024) == 400_000
    assert r.value("forprofit_share", D2024) == Fraction(4, 5)
    assert r.value("leased_min_years", D2024) == 5


def test_dongyang_insurance_and_tekun_staffing():
    p = load_pack("dongyang")
    inst, home = p.rules["insurance_institution"], p.rules["insurance_home_care"]
    assert inst.value("share_nonprofit", D2024) == Fraction(2, 3)  # 财政补助三分之二
    assert inst.value("share_forprofit", D2024) == Fraction(1, 3)  # 减半 = 1/3 (interpretation)
    assert home.value("share_forprofit", D2024) == 1  # 全额补助
    assert inst.value("payer", D2024) == "finance"
    s = p.rules["staffing"]
    assert s.value("residents_per_caregiver", D2024) == {"full": 3, "partial": 6, "self_care": 15}
    assert s.value("tekun_only", D2024) is True
    assert p.issued == dt.date(2024, 1, 17) and p.effective == dt.date(2024, 2, 20)


def test_pack_metadata():
    assert shipped_packs() == ["baodi", "dongyang", "gansu", "haimen", "huashan", "jiayuguan", "linfen", "shaoxing",
                               "taizhou"]
    sx = load_pack("shaoxing")
    assert (sx.status, sx.issued, sx.number) == ("draft", None, None)
    assert any(i["id"] == "shaoxing_effective_date" for i in sx.interpretations)
    assert load_pack("baodi").status == "draft"
    jy = load_pack("jiayuguan")
    assert (jy.status, jy.number) == ("in_force", "嘉政办发〔2022〕45号")
    assert jy.sha256 == hashlib.sha256((PACK_DIR / "jiayuguan.yaml").read_bytes()).hexdigest()


# ------------------------------------------------------------------ gaps and dates


def test_gap_raises_policy_gap_with_citation():
    r = load_pack("shaoxing").rules["renovation"]
    with pytest.raises(PolicyGap) as e:
        r.value("share", D2024)
    assert (e.value.rule, e.value.param, e.value.citation) == ("renovation", "share", "绍兴 实施意见 重点工作(五)3")
    assert r.is_gap("share", D2024)


def test_jiayuguan_operating_rates_are_a_gap_until_set():
    r = load_pack("jiayuguan").rules["operating_grant"]
    with pytest.raises(PolicyGap):
        r.value("rate_by_care_level", D2024)
    p = load_pack("jiayuguan", sets=("operating_grant.rate_by_care_level.full=300",))
    assert p.rules["operating_grant"].value("rate_by_care_level", D2024) == {"full": 30000, "partial": None, "self_care": None}
    assert p.overrides[0]["status"] == "locally set" and p.overrides[0]["pack_value"] is None


def test_date_before_first_value_is_an_error_not_a_gap():
    r = load_pack("dongyang").rules["insurance_institution"]
    with pytest.raises(PolicyError) as e:
        r.value("share_nonprofit", dt.date(2024, 2, 19))  # in force from 2024-02-20
    assert not isinstance(e.value, PolicyGap)
    assert "2024-02-20" in e.value.message


PACK = """\
id: mine
title: 测试文件
number: 测〔2024〕1号
jurisdiction: 测试市
issued: 2024-01-01
effective: 2024-01-01
status: in_force
short: 测试 文件
source: src.txt
rules:
  r:
    kind: construction_per_bed
    title: 床位补贴
    clause: 一(一)
    params:
{params}
"""
SOURCE = "每张床位补贴4000元。自2025年起每张床位补贴5000元。补贴至2026年底。营利性按80%补贴。"


def write_pack(tmp_path, params: str, text: str = PACK, **replace) -> str:
    (tmp_path / "src.txt").write_text(SOURCE, encoding="utf-8")
    doc = text.format(params=textwrap.indent(textwrap.dedent(params), " " * 6))
    for a, b in replace.items():
        doc = doc.replace(a, b)
    path = tmp_path / "mine.yaml"
    path.write_text(doc, encoding="utf-8")
    return str(path)


DATED = """\
rate_self_built:
  unit: yuan/bed
  floor: true
  values:
    - {from: 2024-01-01, value: 4000, quote: 每张床位补贴4000元}
    - {from: 2025-01-01, until: 2026-12-31, value: "5000.50", quote: 自2025年起每张床位补贴5000元}
"""


def test_dated_values_hold_until_the_next_and_end_with_until(tmp_path):
    r = load_pack(write_pack(tmp_path, DATED)).rules["r"]
    assert r.value("rate_self_built", dt.date(2024, 12, 31)) == 400000
    assert r.value("rate_self_built", dt.date(2025, 1, 1)) == 500050  # "5000.50" yuan
    assert r.value("rate_self_built", dt.date(2026, 12, 31)) == 500050
    with pytest.raises(PolicyError, match="2026-12-31"):
        r.value("rate_self_built", dt.date(2027, 1, 1))
    with pytest.raises(PolicyError):
        r.value("rate_self_built", dt.date(2023, 12, 31))


def test_floor_applies_to_each_dated_value(tmp_path):
    path = write_pack(tmp_path, DATED)
    # 4500 is above the 2024 floor (4000) but below the 2025 one (5000.50)
    with pytest.raises(PolicyError, match=r"r\.rate_self_built.*5000\.50"):
        load_pack(path, sets=("r.rate_self_built=4500",))
    assert load_pack(path, sets=("r.rate_self_built=6000",)).rules["r"].value("rate_self_built", dt.date(2024, 3, 1)) == 600000


@pytest.mark.parametrize("params, key", [
    ("""\
     rate_self_built:
       unit: yuan/bed
       values:
         - {from: 2025-01-01, value: 5000, quote: 每张床位补贴4000元}
         - {from: 2024-01-01, value: 4000, quote: 每张床位补贴4000元}
     """, "rules.r.params.rate_self_built.values[1].from"),
    ("""\
     rate_self_built:
       unit: yuan/bed
       values:
         - {from: 2024-01-01, until: 2025-06-30, value: 4000, quote: 每张床位补贴4000元}
         - {from: 2025-01-01, value: 5000, quote: 每张床位补贴4000元}
     """, "rules.r.params.rate_self_built.values[1].from"),
    ("""\
     rate_self_built: {unit: yuan/bed, value: 4000}
     """, "rules.r.params.rate_self_built.quote"),
    ("""\
     rate_self_built: {unit: yuan/bed, value: 4000, quote: 每张床位补贴4500元}
     """, "rules.r.params.rate_self_built.quote"),
    ("""\
     rate_self_built: {unit: yuan, value: 4000, quote: 每张床位补贴4000元}
     """, "rules.r.params.rate_self_built.unit"),
    ("""\
     rate_self_built: {unit: yuan/bed, value: "4000.005", quote: 每张床位补贴4000元}
     """, "rules.r.params.rate_self_built.value"),
    ("""\
     rate_self_built: {unit: yuan/bed, value: 4000.125, quote: 每张床位补贴4000元}
     """, "rules.r.params.rate_self_built.value"),
    ("""\
     rate_by_star: {unit: "table:yuan/year", value: {1: 4000}, quote: 每张床位补贴4000元}
     """, "rules.r.params.rate_by_star"),
    ("""\
     rate_self_built: {unit: yuan/bed, value: 4000, quote: 每张床位补贴4000元, colour: red}
     """, "rules.r.params.rate_self_built.colour"),
    ("""\
     forprofit_share: {unit: share, gap: true, quote: 营利性按80%补贴}
     """, "rules.r.params.forprofit_share.note"),
    ("""\
     payer_shares: {unit: "table:share", value: {province: 1/2, city: 1/3}, quote: 营利性按80%补贴}
     """, "rules.r.params.payer_shares.value"),
    ("""\
     payer: {unit: payer, value: bank, quote: 营利性按80%补贴}
     """, "rules.r.params.payer.value"),
])
def test_strict_loading_names_file_and_key(tmp_path, params, key):
    with pytest.raises(PolicyError) as e:
        load_pack(write_pack(tmp_path, params))
    assert "mine.yaml" in e.value.message and key in e.value.message


def test_unknown_top_level_key_and_unknown_kind(tmp_path):
    ok = "rate_self_built: {unit: yuan/bed, value: 4000, quote: 每张床位补贴4000元}\n"
    with pytest.raises(PolicyError, match=r"mine\.yaml: colour"):
        load_pack(write_pack(tmp_path, ok, **{"status: in_force": "status: in_force\ncolour: red"}))
    with pytest.raises(PolicyError, match=r"rules\.r\.kind.*bed_lottery"):
        load_pack(write_pack(tmp_path, ok, **{"kind: construction_per_bed": "kind: bed_lottery"}))
    with pytest.raises(PolicyError, match=r"mine\.yaml: status"):
        load_pack(write_pack(tmp_path, ok, **{"status: in_force": "status: final"}))


def test_user_pack_money_precision(tmp_path):
    p = load_pack(write_pack(tmp_path, "rate_self_built: {unit: yuan/bed, value: 0.5, quote: 每张床位补贴4000元}\n"))
    assert p.rules["r"].value("rate_self_built", D2024) == 50  # 0.50 yuan = 50 fen, from a YAML float


# ------------------------------------------------------------------ overrides


def test_floor_refuses_a_lower_local_value():
    with pytest.raises(PolicyError) as e:
        load_pack("shaoxing", sets=("construction_city.rate_self_built=3999",))
    msg = e.value.message
    assert "construction_city.rate_self_built" in msg and "4000.00" in msg and "\n" not in msg
    with pytest.raises(PolicyError, match=r"rate_by_rating_level\.1"):
        load_pack("shaoxing", sets=("operating_grant.rate_by_rating_level.1=29.99",))
    # at or above the floor is fine
    p = load_pack("shaoxing", sets=("construction_city.rate_self_built=4500",))
    assert p.rules["construction_city"].value("rate_self_built", D2024) == 450000


def test_staffing_floor_means_at_most_n_residents_per_caregiver():
    # 嘉峪关 "全自理人员不低于1:10": 1:12 is looser (refused), 1:8 stricter (allowed)
    with pytest.raises(PolicyError, match="self_care"):
        load_pack("jiayuguan", sets=("staffing.residents_per_caregiver.self_care=12",))
    p = load_pack("jiayuguan", sets=("staffing.residents_per_caregiver.self_care=8",))
    assert p.rules["staffing"].value("residents_per_caregiver", D2024) == {"full": 3, "partial": 6, "self_care": 8}


def test_sets_record_pack_and_local_values():
    p = load_pack("shaoxing", sets=("renovation.share=50%", "shaoxing.center_township.rate_by_star.3=150000"))
    assert p.rules["renovation"].value("share", D2024) == Fraction(1, 2)
    assert p.rules["center_township"].value("rate_by_star", D2024)[3] == 15_000_000
    assert [(o["param"], o["pack_value"], o["local_value"], o["status"], o["source"]) for o in p.overrides] == [
        ("renovation.share", None, "50%", "locally set", "--set"),
        ("center_township.rate_by_star.3", None, "150000.00", "locally set", "--set"),
    ]


@pytest.mark.parametrize("bad, key", [
    ("nosuch.share=1", "nosuch"),
    ("renovation.colour=1", "renovation.colour"),
    ("renovation.share=abc", "renovation.share"),
    ("renovation.share=1.5", "renovation.share"),
    ("operating_grant.rate_by_rating_level.9=100", "rate_by_rating_level.9"),
    ("renovation.share", "renovation.share"),
])
def test_bad_sets_name_the_key(bad, key):
    with pytest.raises(PolicyError, match=key.replace(".", r"\.")):
        load_pack("shaoxing", sets=(bad,))


def test_override_file_is_checked_whole_before_applying(tmp_path):
    f = tmp_path / "local.yaml"
    f.write_text("reason: 县政府常务会议纪要\nvalues:\n  renovation.share: 45%\n  construction_city.rate_self_built: 3000\n",
                 encoding="utf-8")
    pack = load_pack("shaoxing")
    with pytest.raises(PolicyError, match=r"local\.yaml: construction_city\.rate_self_built"):
        apply_overrides(pack, override_file=f)
    assert pack.rules["renovation"].is_gap("share", D2024)  # the good key did not apply either
    assert pack.overrides == []


def test_override_file_with_reason(tmp_path):
    f = tmp_path / "local.yaml"
    f.write_text("reason: 县政府常务会议纪要\nvalues:\n  renovation.share: 45%\n", encoding="utf-8")
    p = load_pack("shaoxing", override_file=f, sets=("insurance_city.average_premium=1200",))
    by = {o["param"]: o for o in p.overrides}
    assert by["renovation.share"]["reason"] == "县政府常务会议纪要"
    assert "local.yaml" in by["renovation.share"]["source"]
    assert p.rules["renovation"].value("share", D2024) == Fraction(9, 20)
    assert p.rules["insurance_city"].value("average_premium", D2024) == 120000


def test_english_messages():
    with pytest.raises(PolicyError, match="floor"):
        load_pack("shaoxing", sets=("construction_city.rate_self_built=1",), lang="en")
    with pytest.raises(PolicyError, match="no policy pack named"):
        load_pack("atlantis", lang="en")


def test_parameters_listing_for_reports():
    rows = load_pack("shaoxing").parameters(D2024)
    by = {r["name"]: r for r in rows}
    lv = by["operating_grant.rate_by_rating_level"]
    assert lv["value"] == {"1": "30.00", "2": "50.00", "3": "80.00", "4": "100.00", "5": "150.00"}
    assert lv["clause"] == "重点工作(五)4" and "30元、50元、80元" in lv["quote"] and lv["floor"] is True
    assert by["renovation.share"]["gap"] is True and by["renovation.share"]["value"] is None


def test_band_keeps_a_local_share_inside_the_text_range():
    # 重点工作(五)3: "按投资决算额的40%—60%给予补助" — the share is open, but only within 40%–60%
    with pytest.raises(PolicyError, match=r"renovation\.share.*40%—60%"):
        load_pack("shaoxing", sets=("renovation.share=90%",))
    with pytest.raises(PolicyError, match=r"renovation\.share"):
        load_pack("shaoxing", sets=("renovation.share=39%",))
    for edge, expected in (("40%", Fraction(2, 5)), ("60%", Fraction(3, 5))):
        p = load_pack("shaoxing", sets=(f"renovation.share={edge}",))
        assert p.rules["renovation"].value("share", D2024) == expected


def test_band_must_hold_the_pack_value(tmp_path):
    params = "forprofit_share: {unit: share, band: [0.5, 0.7], value: 0.8, quote: 营利性按80%补贴}\n"
    with pytest.raises(PolicyError, match=r"rules\.r\.params\.forprofit_share\.band"):
        load_pack(write_pack(tmp_path, params))


# ------------------------------------------------------------------ properties

from decimal import Decimal  # noqa: E402

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from audit.policy import parse_value  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=999_999), st.integers(min_value=0, max_value=99))
def test_yuan_text_with_two_decimals_is_exact_fen(whole, cents):
    # "W.CC" yuan is exactly W*100 + CC fen, whatever the size up to the declared bound
    # (a per-bed rate is at most 1,000,000 yuan: audit.money.MAX_RATE_FEN)
    assert parse_value("yuan/bed", "rate_self_built", f"{whole}.{cents:02d}") == whole * 100 + cents


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=9))
def test_sub_fen_amounts_are_refused(whole, third_digit):
    with pytest.raises(ValueError):
        parse_value("yuan", "budget", f"{whole}.00{third_digit}")


@settings(max_examples=60, deadline=None)
@given(st.decimals(min_value=0, max_value=1000, places=2))
def test_floor_accepts_exactly_the_values_not_below_it(local):
    # Shaoxing level-1 rate is "不低于30元": a local rate is allowed iff it is ≥ 30.00
    key = f"operating_grant.rate_by_rating_level.1={local}"
    if local >= Decimal(30):
        p = load_pack("shaoxing", sets=(key,))
        assert p.rules["operating_grant"].value("rate_by_rating_level", D2024)[1] == int(local * 100)
    else:
        with pytest.raises(PolicyError):
            load_pack("shaoxing", sets=(key,))


def test_undated_draft_declares_its_effective_date_as_an_interpretation():
    sx = load_pack("shaoxing")
    assert sx.issued is None and sx.effective == dt.date(2023, 1, 1)
    reading = sx.interpretation(sx.effective_interpretation)
    assert "2023-01-01" in reading["text_zh"] and "undated" in reading["text_en"]


def test_linfen_county_money_is_all_gaps_with_county_payer():
    p = load_pack("linfen")
    fa = p.rules["community_factor_allocation"]
    assert fa.is_gap("budget", D2024) and fa.is_gap("weight_by_star", D2024)
    assert fa.value("payer", D2024) == "county"  # 县级财政
    assert p.rules["construction_county"].is_gap("rate_self_built", D2024)
    land = next(r for r in p.rules_of_kind("area_target") if r.value("metric", D2024) == "facility_land_m2_per_capita")
    assert land.value("min", D2024) == Fraction(1, 5)  # 人均用地不少于0.2平方米
    # a county sets its weights key by key; unset keys stay gaps
    q = load_pack("linfen", sets=("community_factor_allocation.weight_by_star.5=3",
                                  "community_factor_allocation.budget=100000"))
    w = q.rules["community_factor_allocation"].value("weight_by_star", D2024)
    assert w[5] == 3 and w[0] is None
    assert q.rules["community_factor_allocation"].value("budget", D2024) == 10_000_000


def test_baodi_draft_targets():
    p = load_pack("baodi")
    end = dt.date(2024, 12, 31)
    nb = p.rules["nursing_bed_share"]
    assert nb.value("min", end) == Fraction(3, 5) and nb.param("min").floor  # 不低于60%
    assert p.rules["facility_land"].value("min", end) == Fraction(1, 10)  # 不少于0.1平方米
    with pytest.raises(PolicyError):  # the draft's values start on 2024-09-02
        nb.value("min", dt.date(2024, 9, 1))


def test_a_table_given_whole_is_merged_and_still_floored():
    # levels left out keep the pack's 不低于 values; a level below its floor is refused
    p = load_pack("shaoxing", sets=("operating_grant.rate_by_rating_level={1: 40, 2: 60}",))
    assert p.rules["operating_grant"].value("rate_by_rating_level", D2024) == {
        1: 4000, 2: 6000, 3: 8000, 4: 10000, 5: 15000}
    with pytest.raises(PolicyError, match=r"rate_by_rating_level\.5"):
        load_pack("shaoxing", sets=("operating_grant.rate_by_rating_level={1: 40, 5: 100}",))
    # payer shares must still add up to 1 after merging: 1/2 + 1/2 + the pack's 1/5 city lottery
    with pytest.raises(PolicyError, match="6/5"):
        load_pack("jiayuguan", sets=("construction.payer_shares={province: 1/2, province_lottery: 1/2}",))
    q = load_pack("jiayuguan", sets=("construction.payer_shares={province: 1/2, province_lottery: 1/2, city_lottery: 0}",))
    assert q.rules["construction"].value("payer_shares", D2024)["city_lottery"] == 0


def test_a_refused_plan_leaves_earlier_local_values_alone():
    pack = load_pack("shaoxing", sets=("renovation.share=45%",))
    with pytest.raises(PolicyError):
        apply_overrides(pack, sets=("renovation.share=50%", "construction_city.rate_self_built=1"))
    assert pack.rules["renovation"].value("share", D2024) == Fraction(9, 20)


def test_a_key_written_twice_is_refused(tmp_path):
    twice = ("rate_self_built: {unit: yuan/bed, value: 4000, quote: 每张床位补贴4000元}\n"
             "rate_self_built: {unit: yuan/bed, value: 9000, quote: 每张床位补贴4000元}\n")
    with pytest.raises(PolicyError, match=r"mine\.yaml.*rate_self_built"):
        load_pack(write_pack(tmp_path, twice))
    f = tmp_path / "o.yaml"
    f.write_text("renovation.share: 45%\nrenovation.share: 55%\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="o.yaml"):
        load_pack("shaoxing", override_file=f)


def test_an_impossible_date_names_its_key(tmp_path):
    # 2024-02-30 looks like a YAML timestamp but is no date: before the fix the YAML
    # library raised a bare ValueError ("day is out of range for month") with no key.
    ok = "rate_self_built: {unit: yuan/bed, value: 4000, quote: 每张床位补贴4000元}\n"
    with pytest.raises(PolicyError, match=r"mine\.yaml: effective: .*2024-02-30"):
        load_pack(write_pack(tmp_path, ok, **{"effective: 2024-01-01": "effective: 2024-02-30"}))
    dated = "rate_self_built: {unit: yuan/bed, values: [{from: 2025-13-01, value: 4000, quote: 每张床位补贴4000元}]}\n"
    with pytest.raises(PolicyError, match=r"rate_self_built\.values\[0\]\.from|rate_self_built.*from"):
        load_pack(write_pack(tmp_path, dated))


def test_set_money_with_yuan_suffix_and_refuses_wan():
    # a clerk types 4500元: the unit is yuan anyway (4500 yuan = 450,000 fen);
    # 0.45万元 is not guessed
    pack = load_pack("shaoxing", sets=["construction_city.rate_self_built=4500元"])
    assert pack.rules["construction_city"].value("rate_self_built", D2024) == 450_000
    with pytest.raises(PolicyError, match="金额无法识别.*以元为单位"):
        load_pack("shaoxing", sets=["construction_city.rate_self_built=0.45万元"])


def test_set_with_full_width_digits_and_percent():
    # typed on a Chinese keyboard: ５０％ = 50% = 1/2 (inside the 40%–60% band), ４５００ = 4500 yuan
    pack = load_pack("shaoxing", sets=["renovation.share=５０％", "construction_city.rate_self_built=４５００"])
    assert pack.rules["renovation"].value("share", D2024) == Fraction(1, 2)
    assert pack.rules["construction_city"].value("rate_self_built", D2024) == 450_000
