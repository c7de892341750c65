"""Full 户籍地 addresses as they stand on a hukou booklet or an ID card (province, city,
county, street and number; with or without 省/市, autonomous regions and prefectures,
市辖区) resolve to the one county they name, so "local" (户籍 in the home's county, the
operating grant's condition) is decided right; a text that names no single county stays
a named warning with the money at stake, never a silent local or non-local.

The expected codes are GB/T 2260's (长沙县 430121, 南京 鼓楼区 320106, 福州 鼓楼区 350102,
徐州 鼓楼区 320302, 北京 朝阳区 110105, 长春 朝阳区 220104, …)."""

from __future__ import annotations

import polars as pl
import pytest

from audit.data.places import resolve

CHANGSHA_XIAN, NANJING_GULOU, FUZHOU_GULOU, XUZHOU_GULOU = "430121", "320106", "350102", "320302"
BEIJING_CHAOYANG, CHANGCHUN_CHAOYANG = "110105", "220104"


def one(text: str, home: str) -> dict:
    return resolve(pl.Series([text]), pl.Series([home])).row(0, named=True)


@pytest.mark.parametrize(
    "text, home, code",
    [
        # a county whose name starts with its city's stem: 长沙县 is not 长沙(市) + 县
        ("湖南省长沙县星沙街道开元东路88号", CHANGSHA_XIAN, CHANGSHA_XIAN),
        ("湖南长沙县星沙街道板仓路1号", CHANGSHA_XIAN, CHANGSHA_XIAN),
        ("长沙县星沙街道板仓路1号", CHANGSHA_XIAN, CHANGSHA_XIAN),
        ("湖南省长沙市长沙县黄兴镇黄兴大道18号", CHANGSHA_XIAN, CHANGSHA_XIAN),
        # province + city name one 鼓楼区 (南京's), not every 鼓楼区 of 江苏 (徐州 has one)
        ("江苏省南京市鼓楼区中央路1号", NANJING_GULOU, NANJING_GULOU),
        ("江苏南京鼓楼区中央路1号", NANJING_GULOU, NANJING_GULOU),
        ("江苏省南京市市辖区鼓楼区中央路1号", NANJING_GULOU, NANJING_GULOU),
        ("江苏省徐州市鼓楼区中山北路1号", XUZHOU_GULOU, XUZHOU_GULOU),
        ("福建省福州市鼓楼区五四路1号", FUZHOU_GULOU, FUZHOU_GULOU),
        # a district named like a prefecture elsewhere (辽宁 朝阳市): 北京市朝阳区 is 北京's
        ("北京市朝阳区建国路1号院2号楼", BEIJING_CHAOYANG, BEIJING_CHAOYANG),
        ("北京市市辖区朝阳区建国路1号", BEIJING_CHAOYANG, BEIJING_CHAOYANG),
        ("吉林省长春市朝阳区人民大街1号", CHANGCHUN_CHAOYANG, CHANGCHUN_CHAOYANG),
        # autonomous regions, prefectures and counties
        ("新疆维吾尔自治区乌鲁木齐市天山区解放南路1号", "650102", "650102"),
        ("广西壮族自治区南宁市青秀区民族大道1号", "450103", "450103"),
        ("湖南省湘西土家族苗族自治州吉首市人民北路1号", "433101", "433101"),
        ("重庆市石柱土家族自治县南宾街道1号", "500240", "500240"),
        ("辽宁省朝阳市朝阳县柳城镇1号", "211321", "211321"),
    ],
)
def test_a_full_address_in_the_home_county_is_local(text, home, code):
    got = one(text, home)
    assert (got["code"], got["status"]) == (code, "ok")


@pytest.mark.parametrize(
    "text, home, code",
    [
        # same-named district of another city: not local, and said which one it is
        ("江苏省南京市鼓楼区中央路1号", FUZHOU_GULOU, NANJING_GULOU),
        ("福建省福州市鼓楼区五四路1号", NANJING_GULOU, FUZHOU_GULOU),
        ("江苏省徐州市鼓楼区中山北路1号", NANJING_GULOU, XUZHOU_GULOU),
        ("北京市朝阳区建国路1号", CHANGCHUN_CHAOYANG, BEIJING_CHAOYANG),
        # another county of the same city
        ("湖南省长沙市天心区解放西路1号", CHANGSHA_XIAN, "430103"),
    ],
)
def test_a_full_address_in_a_same_named_county_elsewhere_is_not_local(text, home, code):
    got = one(text, home)
    assert (got["code"], got["status"]) == (code, "ok") and code != home


def test_an_address_that_stops_at_the_city_is_ambiguous_with_the_home_among_the_options():
    """湖南省长沙市 names the city, not its 长沙县 (it was read as 长沙县 by the county stem:
    a silent "local"). For a 长沙县 home it may or may not be local: ambiguous, home among
    the options, so validate warns with the money (audit.stake)."""
    got = one("湖南省长沙市", CHANGSHA_XIAN)
    assert got["code"] is None and got["status"] == "ambiguous" and got["may_be_near"]
    # a 福州 home: none of 长沙's counties is the home's, so not local with nothing at stake
    far = one("湖南省长沙市", FUZHOU_GULOU)
    assert far["status"] == "ambiguous" and not far["may_be_near"]


def test_a_province_only_homonym_is_not_a_silent_answer_for_a_home_elsewhere():
    """江苏省鼓楼区 is 南京's or 徐州's: for a 福州 鼓楼区 home neither is local (not local,
    nothing at stake); it is never read as the home's own 鼓楼区."""
    got = one("江苏省鼓楼区", FUZHOU_GULOU)
    assert got["status"] == "ambiguous" and got["code"] is None and not got["may_be_near"]


def test_full_addresses_decide_local_in_the_loaded_tables(tmp_path):
    """Through load_data: a 长沙县 home's residents with full addresses — one of 长沙县 (local,
    named as the home's county), one of 南京 鼓楼区 for a 福州 鼓楼区 home (not local, named
    with its city), and 湖南省长沙市 (unsure: a warning naming the place)."""
    from audit.data.io import load_data

    (tmp_path / "institutions.csv").write_text(
        "institution_id,name,county,kind\nA001,甲院,湖南省长沙市长沙县,养老机构\nB001,乙院,福州市鼓楼区,养老机构\n",
        encoding="utf-8",
    )
    (tmp_path / "residents.csv").write_text(
        "institution_id,person_id,admitted_on,hukou_county\n"
        "A001,110101195001010019,2020-01-01,湖南省长沙县星沙街道开元东路88号\n"
        "B001,110101195001010035,2020-01-01,江苏省南京市鼓楼区中央路1号\n"
        "A001,110101195001010051,2020-01-01,湖南省长沙市\n",
        encoding="utf-8",
    )
    ds = load_data(tmp_path)
    res = ds.tables["residents"]
    assert res["hukou_county"].to_list()[:2] == ["长沙县", "南京市鼓楼区"]
    assert res["hukou_unresolved"].to_list() == [False, False, True]
    warn = ds.problems.filter(pl.col("check") == "place_unresolved")
    assert warn.height == 1 and "湖南省长沙市" in warn["message"][0] and warn["row"][0] == 4


def test_an_address_that_stops_at_the_homes_city_is_paid_as_not_local_with_the_money_named(tmp_path):
    """Shaoxing (重点工作(五)4): 80 yuan a month for a local self-care resident of a level-3
    home in 新昌县. 浙江省绍兴市新昌县七星街道… is local: 12 × 80 = 960.00 paid. 浙江省绍兴市
    alone may be 新昌县 or another county of 绍兴: not paid, and a warning names the most not
    paid, 12 × 80 = 960.00 — never a silent answer either way."""
    import audit

    (tmp_path / "机构.csv").write_text(
        "机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,等级评定,核定床位数\n"
        "A1,甲院,新昌县,养老机构,民办,非营利,2020-01-01,三级,100\n", encoding="utf-8")
    (tmp_path / "入住老人.csv").write_text(
        "机构编号,身份证号,入住日期,户籍地,能力等级\n"
        "A1,11010519491231002X,2023-01-01,浙江省绍兴市新昌县七星街道人民路1号,自理\n"
        "A1,330624194805050012,2023-01-01,浙江省绍兴市,自理\n", encoding="utf-8")
    result = audit.run(tmp_path, "shaoxing", 2024)
    assert result.ledger.filter(pl.col("program") == "operating")["amount_fen"].sum() == 960_00
    stake = result.findings.filter(pl.col("rule") == "at_stake_hukou_unresolved")
    assert stake["severity"].to_list() == ["warning"] and "amount=960.00" in stake["evidence"][0]


def test_a_bare_homonym_read_as_the_homes_own_county_is_said(tmp_path):
    """鼓楼区 alone is 南京's, 徐州's, 福州's or 开封's. In a 南京 鼓楼区 home it is read as the
    home's own (the clerk's city), so paid as local — but said, with the other readings and
    the rows, so that a resident from 徐州 is not paid as local without a word."""
    got = one("鼓楼区", NANJING_GULOU)
    assert (got["code"], got["status"]) == (NANJING_GULOU, "ok")
    assert "徐州市鼓楼区" in got["homonyms"] and "福州市鼓楼区" in got["homonyms"]
    assert one("南京市鼓楼区", NANJING_GULOU)["homonyms"] is None       # the text names its city

    from audit.data.io import load_data

    (tmp_path / "institutions.csv").write_text(
        "institution_id,name,county,kind\nA001,甲院,南京市鼓楼区,养老机构\n", encoding="utf-8")
    (tmp_path / "residents.csv").write_text(
        "institution_id,person_id,admitted_on,hukou_county\n"
        "A001,110101195001010019,2020-01-01,鼓楼区\nA001,110101195001010035,2020-01-01,江苏省南京市鼓楼区\n"
        "A001,110101195001010051,2020-01-01,鼓楼区\n", encoding="utf-8")
    ds = load_data(tmp_path)
    assert ds.tables["residents"]["hukou_unresolved"].to_list() == [False, False, False]
    note = ds.problems.filter(pl.col("check") == "place_read_as_home")
    assert note["severity"].to_list() == ["info"] and note["row"].to_list() == [2]
    msg = note["message"][0]
    assert "徐州市鼓楼区" in msg and "读作 南京市鼓楼区" in msg and "2 名" in msg and "第 2、4 行" in msg


def test_a_bare_homonym_read_as_local_names_the_money_paid_on_that_reading(tmp_path):
    """Shaoxing (重点工作(五)4): 80 yuan a month for a local self-care resident of a level-3
    home. In a 南京 鼓楼区 home, "鼓楼区" alone is read as the home's own and paid: each of the
    two such residents 12 × 80 = 960.00, so a warning says 1,920.00 is paid on that reading
    (not due if they are 徐州's or 福州's); "江苏省南京市鼓楼区" names its city and is not in it."""
    import audit

    (tmp_path / "机构.csv").write_text(
        "机构编号,机构名称,所属区县,机构类型,举办性质,经营性质,登记备案日期,等级评定,核定床位数\n"
        "A1,甲院,南京市鼓楼区,养老机构,民办,非营利,2020-01-01,三级,100\n", encoding="utf-8")
    (tmp_path / "入住老人.csv").write_text(
        "机构编号,身份证号,入住日期,户籍地,能力等级\n"
        "A1,11010519491231002X,2023-01-01,鼓楼区,自理\n"
        "A1,330624194805050012,2023-01-01,江苏省南京市鼓楼区,自理\n"
        "A1,330602195001011233,2023-01-01,鼓楼区,自理\n", encoding="utf-8")
    result = audit.run(tmp_path, "shaoxing", 2024)
    assert result.ledger.filter(pl.col("program") == "operating")["amount_fen"].sum() == 3 * 960_00
    stake = result.findings.filter(pl.col("rule") == "at_stake_hukou_read_as_home")
    assert stake["severity"].to_list() == ["warning"] and "amount=1,920.00" in stake["evidence"][0]
    assert "2 名老人" in stake["message"][0] and "1,920.00 元" in stake["message"][0]
    assert "rows=2" in stake["evidence"][0]
