"""Builds a county bureau's own workbook the way clerks keep it, from one synthetic data
set — and the same data typed into our template — so a test can check both give the
same ledger (issue 9, "Done when").

    python tests/bureau_workbook.py OUT_DIR [--institutions 15] [--seed 7]

The bureau workbook has: a title row and a 填报单位/日期 row over the institutions sheet,
a merged two-level header (床位数（张）/ 核定 · 护理型), a 序号 column, no 机构编号 (the
credit code is the key), a 合计 row and a signature footer; one 花名册 sheet per home
named after it (half with a merged title row naming the home, half without), 户籍地 as
a full address, a short name, a 6-digit code or the county; dates typed as 2024.3.1
mixed with real Excel dates; 三级/未评定, 三星, 10年; GB/T 42195 ability words; a 低保情况
header; 院长, 厨师, 护工; 五级/初级工; 兼职 with its 工时折算; insurance with 保险期间 and
no 保险年度; a hidden old sheet and a 说明 sheet. `ids_as_numbers` plants the one true data
error: some residents' 身份证号 pasted into number cells (digits lost in Excel)."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path

import polars as pl
import xlsxwriter

from audit.data import places
from audit.data.synthetic import synth, write_synth

TABLES = ("institutions", "residents", "staff", "insurance")
CN_LEVEL = {1: "一级", 2: "二级", 3: "三级", 4: "四级", 5: "五级"}
KIND = {"institution": "养老机构", "township_center": "乡镇(街道)居家养老服务中心", "community_center": "村(社区)居家养老服务照料中心"}
OWNERSHIP = {"public": "公办", "private": "民办", "public_private": "公建民营"}
PROFIT = {"nonprofit": "非营利", "forprofit": "营利"}
PREMISES = {"self_built": "自建", "leased": "租赁"}
CARE = {("self_care", 0): "能力完好", ("self_care", 1): "能力完好", ("partial", 0): "轻度失能", ("partial", 1): "中度失能",
        ("full", 0): "重度失能", ("full", 1): "完全失能"}
LOW = {"none": "无", "dibao": "低保户", "dibao_edge": "低边", "tekun": "特困"}
ROLE = {"caregiver": ("护工", "养老护理员"), "manager": ("院长", "副院长"), "other": ("厨师", "保洁"),
        "medical": ("护士", "医生"), "social_worker": ("社工", "社会工作者")}
CERT = {"none": "无", "junior": "五级/初级工", "intermediate": "四级/中级工", "senior": "三级/高级工", "technician": "二级/技师"}
SCHEME = {"institution": "养老机构综合责任保险", "home_care": "居家养老综合保险"}


def data(n_institutions: int = 15, seed: int = 7) -> dict[str, pl.DataFrame]:
    tables = synth(n_institutions, seed)
    return {t: tables[t] for t in TABLES}


def write_template(tables: dict[str, pl.DataFrame], path: Path) -> Path:
    """The same data typed into our template (Chinese headers, one sheet per table)."""
    return write_synth(tables, path, "xlsx", chinese=True)[0]


def _yn(v) -> str | None:
    return None if v is None else ("是" if v else "否")


def _short(name: str, county: str) -> str:
    """A sheet name as a clerk writes it: the home's name without its county, ≤ 31 chars."""
    return re.sub(r"[\[\]:*?/\\]", "", name.removeprefix(county))[:31]


def _place(county: str, i: int) -> str:
    """户籍地 four ways: the county, a full address, its short name, its 6-digit code."""
    code = places.candidates(county)
    if not code or i % 4 == 0:
        return county
    code = code[0]
    names = dict(places.divisions().select("code", "name").iter_rows())
    if i % 4 == 1:
        return f"{names.get(code[:2] + '0000', '')}{names.get(code[:4] + '00', '')}{county}城关街道"
    if i % 4 == 2:   # the short name, where it names one county only (城关 is 兰州's or 拉萨's)
        short = re.sub(r"(县|区|市)$", "", county)
        return short if len(short) >= 2 and places.candidates(short) == [code] else county
    return code


class _Sheet:
    """Write cells as a clerk would: text, or a real Excel date, or a number."""

    def __init__(self, wb, ws):
        self.wb, self.ws = wb, ws
        self.date = wb.add_format({"num_format": "yyyy-mm-dd"})

    def date_cell(self, r, c, d: dt.date | None, typed: bool):
        if d is None:
            return
        if typed:   # typed by hand as 2024.3.1
            self.ws.write_string(r, c, f"{d.year}.{d.month}.{d.day}")
        else:
            self.ws.write_datetime(r, c, dt.datetime(d.year, d.month, d.day), self.date)

    def text(self, r, c, v):
        if v is not None and v != "":
            self.ws.write_string(r, c, str(v))


def write_bureau(tables: dict[str, pl.DataFrame], path: Path, ids_as_numbers: int = 3) -> Path:
    inst, res, staff, ins = (tables[t] for t in TABLES)
    name_of = dict(inst.select("institution_id", "name").iter_rows())
    county_of = dict(inst.select("institution_id", "county").iter_rows())
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2000, 1, 1)})
    merged = wb.add_format({"align": "center", "bold": True})

    # ---- institutions: title, 填报 row, two-level header, 序号, 合计, footer
    s = _Sheet(wb, wb.add_worksheet("机构基本情况"))
    head1 = ["序号", "机构名称", "统一社会信用代码", "所属区县", "机构类型", "举办性质", "经营性质", "特困供养机构",
             "登记备案日期", "竣工验收日期", "投入运营日期", "新建机构", "用房性质", "租期年限", "床位数（张）", None, None,
             "护理型机构", "等级评定", "星级", "考核得分", "考核合格", "正常运营", "设在养老机构内", "投资决算额", "风险等级"]
    head2 = [None] * 14 + ["核定", "护理型", "已享受建设补贴"] + [None] * 9
    s.ws.merge_range(0, 0, 0, len(head1) - 1, "2024年度养老机构基本情况统计表", merged)
    s.text(1, 0, "填报单位：（盖章）绍兴市民政局")
    s.text(1, 20, "填报日期：2025.1.10")
    s.ws.merge_range(2, 14, 2, 16, "床位数（张）", merged)
    for j, (a, b) in enumerate(zip(head1, head2)):
        if j not in (14, 15, 16):
            s.text(2, j, a)
        s.text(3, j, b)
    r = 4
    for i, row in enumerate(inst.iter_rows(named=True)):
        cells = [str(i + 1), row["name"], row["credit_code"], row["county"], KIND[row["kind"]],
                 OWNERSHIP.get(row["ownership"]), PROFIT.get(row["profit_status"]), _yn(row["is_tekun"])]
        for j, v in enumerate(cells):
            s.text(r, j, v)
        for j, col in ((8, "registered_on"), (9, "accepted_on"), (10, "opened_on")):
            s.date_cell(r, j, row[col], typed=(i + j) % 2 == 0)
        s.text(r, 11, _yn(row["newly_built"]))
        s.text(r, 12, PREMISES.get(row["premises"]))
        s.text(r, 13, None if row["lease_years"] is None else f"{row['lease_years']:g}年")
        for j, col in ((14, "beds"), (15, "nursing_beds"), (16, "beds_subsidized_before")):
            if row[col] is not None:
                s.ws.write_number(r, j, row[col])
        s.text(r, 17, _yn(row["nursing_type"]))
        lvl = row["rating_level"]
        s.text(r, 18, None if lvl is None else ("未评定" if lvl == 0 else CN_LEVEL[lvl]))
        star = row["star_level"]
        s.text(r, 19, None if star is None else ("无" if star == 0 else f"{star}星"))
        if row["assessment_score"] is not None:
            s.ws.write_number(r, 20, row["assessment_score"])
        s.text(r, 21, _yn(row["assessed_pass"]))
        s.text(r, 22, _yn(row["operating_normally"]))
        s.text(r, 23, _yn(row["inside_institution"]))
        s.text(r, 24, row["investment_final"])
        s.text(r, 25, {"low": "低", "medium": "中", "high": "高"}.get(row["risk_class"]))
        r += 1
    s.text(r, 0, "合计")
    s.ws.write_number(r, 14, int(inst["beds"].fill_null(0).sum()))
    s.text(r + 2, 0, "单位负责人：王建国")
    s.text(r + 2, 8, "审核人：李华")
    s.text(r + 2, 16, "制表人：张敏")

    # ---- one roster per home, named after it; half carry a title row naming the home
    numbered = 0
    for k, (iid, grp) in enumerate(res.sort("institution_id", "admitted_on").group_by("institution_id", maintain_order=True)):
        iid = iid[0]
        s = _Sheet(wb, wb.add_worksheet(_short(name_of[iid], county_of[iid])))
        top = 0
        if k % 2 == 0:
            s.ws.merge_range(0, 0, 0, 8, f"{name_of[iid]}入住老人花名册（截至2024年12月31日）", merged)
            top = 1
        for j, h in enumerate(["序号", "姓名", "身份证号", "入住日期", "离院日期", "户籍地", "能力等级", "失智", "低保情况"]):
            s.text(top, j, h)
        for i, row in enumerate(grp.iter_rows(named=True)):
            rr = top + 1 + i
            s.text(rr, 0, str(i + 1))
            s.text(rr, 1, row["name"])
            pid = row["person_id"]
            if numbered < ids_as_numbers and pid.isdigit():
                s.ws.write_number(rr, 2, float(pid))   # pasted into a General cell: Excel keeps 15 digits
                numbered += 1
            else:
                s.text(rr, 2, pid)
            s.date_cell(rr, 3, row["admitted_on"], typed=i % 2 == 0)
            s.date_cell(rr, 4, row["discharged_on"], typed=i % 3 == 0)
            s.text(rr, 5, None if row["hukou_county"] is None else _place(row["hukou_county"], i))
            s.text(rr, 6, None if row["care_level"] is None else CARE[(row["care_level"], i % 2)])
            s.text(rr, 7, _yn(row["dementia"]))
            s.text(rr, 8, None if row["low_income"] is None else LOW[row["low_income"]])
        s.text(top + 1 + grp.height, 0, "合计")
        s.text(top + 1 + grp.height, 1, f"{grp.height}人")

    # ---- staff: one sheet, homes by name
    s = _Sheet(wb, wb.add_worksheet("从业人员花名册"))
    for j, h in enumerate(["序号", "机构名称", "姓名", "人员编号", "岗位", "用工形式", "工时折算", "入职日期", "离职日期",
                           "证书等级", "救护员证"]):
        s.text(0, j, h)
    for i, row in enumerate(staff.iter_rows(named=True)):
        rr = i + 1
        s.text(rr, 0, str(i + 1))
        s.text(rr, 1, name_of[row["institution_id"]])
        s.text(rr, 2, row["name"])
        s.text(rr, 3, row["staff_id"])
        s.text(rr, 4, None if row["role"] is None else ROLE[row["role"]][i % 2])
        part = row["fte"] is not None and row["fte"] < 1
        s.text(rr, 5, "兼职" if part else "全职")
        s.text(rr, 6, f"{row['fte']:g}" if part else None)
        s.date_cell(rr, 7, row["hired_on"], typed=i % 2 == 1)
        s.date_cell(rr, 8, row["left_on"], typed=True)
        s.text(rr, 9, None if row["care_certificate"] is None else CERT[row["care_certificate"]])
        s.text(rr, 10, _yn(row["first_aid_certificate"]))

    # ---- insurance: 保险期间, no 保险年度; homes by name
    s = _Sheet(wb, wb.add_worksheet("综合保险投保情况"))
    for j, h in enumerate(["序号", "机构名称", "险种", "保险期间", "保费（元）"]):
        s.text(0, j, h)
    for i, row in enumerate(ins.iter_rows(named=True)):
        s.text(i + 1, 0, str(i + 1))
        s.text(i + 1, 1, name_of[row["institution_id"]])
        s.text(i + 1, 2, SCHEME[row["scheme"]])
        s.text(i + 1, 3, f"{row['year']}.1.1-{row['year']}.12.31")
        s.text(i + 1, 4, row["premium"])

    old = wb.add_worksheet("2023年花名册（旧）")
    for j, h in enumerate(["姓名", "身份证号", "入住日期"]):
        old.write_string(0, j, h)
    old.hide()
    wb.add_worksheet("说明").write_string(0, 0, "本表由各养老机构填报，县民政局汇总。")
    wb.close()
    return path


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--institutions", type=int, default=15)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    tables = data(a.institutions, a.seed)
    print(write_bureau(tables, out / "bureau.xlsx"), write_template(tables, out / "template.xlsx"))


if __name__ == "__main__":
    main()
