"""Checklists and the public results list (一公开)."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest
from click.testing import CliRunner

from audit.errors import InputError, PolicyGap
from audit.inspect.documents import checklist_items, institution_facts
from audit.policy import Reading

RESULTS = (
    "机构编号,机构名称,检查日期,检查结果,整改要求,整改期限,负责人姓名,身份证号,联系电话\n"
    "A001,甲养老院,2024-10-08,合格,,,张三,330602195001011234,13812345678\n"
    'A002,乙中心,2024/10/9,责令整改,"=HYPERLINK(""http://x"")消防通道堵塞，联系人13912345678，'
    '住户330602194806061237",2024年11月30日,李四,330602194806061237,0575-88123456\n'
    "A003,丙护理院,2024-10-10,行政处罚,+罚款整改,2024-12-31,王五,330602196001011230,13700000000\n"
)


def drawn(tmp_path, *ids) -> Path:
    """A draw record picking `ids` (the public list covers drawn institutions only)."""
    path = tmp_path / "draw.json"
    path.write_text(json.dumps({"algorithm": "sha256-rank/1", "parameters": {"seed": "s"}, "rules": {},
                                "register": {}, "picks": [{"institution_id": i, "team": []} for i in ids]}),
                    encoding="utf-8")
    return path


def publish(src, out, lang="zh", draw_path=None):
    from audit.inspect.documents import publish as publish_

    return publish_(src, out, lang, draw_path=draw_path or drawn(Path(out).parent, "A001", "A002", "A003"))


def test_publish_has_no_personal_data_and_defuses_formulas(tmp_path):
    src = tmp_path / "results.csv"
    src.write_text(RESULTS, encoding="utf-8")
    report = publish(src, tmp_path / "pub")
    assert report["rows"] == 3
    assert set(report["dropped_columns"]) == {"负责人姓名", "身份证号", "联系电话"}
    html = (tmp_path / "pub" / "publish.html").read_text(encoding="utf-8")
    sheet = pl.read_excel(tmp_path / "pub" / "publish.xlsx", infer_schema_length=0)
    cells = " ".join(str(v) for row in sheet.rows() for v in row) + " " + " ".join(sheet.columns)
    for text in (html, cells):
        for secret in ("330602195001011234", "330602194806061237", "13812345678", "13912345678",
                       "88123456", "张三", "李四", "王五", "身份证号", "联系电话"):
            assert secret not in text
        assert "3306**********1237" in text  # the id in the free text is masked, first 4 and last 4 kept
        assert "139****5678" in text
    assert "<a" not in html.split("<body>")[1]  # escaped, not markup
    rect = sheet["整改要求"].to_list()
    assert any(v.startswith("'=HYPERLINK") for v in rect if v)  # formula defused
    assert any(v.startswith("'+罚款") for v in rect if v)
    assert sheet["检查结果"].to_list() == ["合格", "责令整改", "行政处罚"]
    assert sheet["整改期限"].to_list()[1] == "2024-11-30"
    assert (tmp_path / "pub" / "publish.pdf").read_bytes()[:4] == b"%PDF"


def test_publish_reports_every_bad_cell_with_sheet_row_and_column(tmp_path):
    src = tmp_path / "results.csv"
    src.write_text(
        "机构编号,机构名称,检查日期,检查结果,整改要求,整改期限\n"
        "A001,甲养老院,2024-13-40,合格,,\n"           # row 2: bad date
        "A002,乙中心,2024-10-09,不知道,,\n"            # row 3: bad result
        "A003,丙院,2024-10-09,责令整改,,\n"            # row 4: rectification without deadline
        ",丁院,2024-10-09,合格,,\n",                   # row 5: no id
        encoding="utf-8")
    with pytest.raises(InputError) as e:
        publish(src, tmp_path / "pub")
    msg = e.value.message
    assert "results.csv 第2行 C列「检查日期」" in msg
    assert "results.csv 第3行 D列「检查结果」" in msg
    assert "results.csv 第4行 F列「整改期限」" in msg
    assert "results.csv 第5行 A列「机构编号」" in msg
    assert not (tmp_path / "pub").exists()  # nothing written half-way


def test_publish_reads_a_bureau_layout_and_matches_homes_by_name(tmp_path):
    """The results sheet as a bureau keeps it: a merged title row, a blank row, the header
    in row 3, a 序号 column, no 机构编号 and a 合计 row (skipped, as `--data` skips it). Each
    row's home is found by its name in the register beside the draw; a name the register
    lacks or holds twice is an error naming sheet, Excel row and column."""
    import xlsxwriter

    from audit.cli import main

    draw_path = drawn(tmp_path, "A001", "A002")
    register = [{"institution_id": "A001", "name": "甲养老院"}, {"institution_id": "A002", "name": "乙中心"},
                {"institution_id": "A003", "name": "丙院"}, {"institution_id": "B1", "name": "同名院"},
                {"institution_id": "B2", "name": "同名院"}]
    (tmp_path / "draw_public.json").write_text(json.dumps({"register": register}), encoding="utf-8")

    def book(rows, name):
        path = tmp_path / name
        with xlsxwriter.Workbook(path) as wb:
            ws = wb.add_worksheet("检查结果")
            ws.merge_range(0, 0, 0, 4, "某县2025年养老机构双随机抽查结果")
            ws.write_row(2, 0, ["序号", "机构名称", "检查日期", "检查结果", "发现问题"])
            for i, row in enumerate(rows):
                ws.write_row(3 + i, 0, row)
        return path

    ok = book([["1", "甲养老院", "2025.3.10", "合格", "无"], ["2", "丙院", "2025-03-11", "合格", "无"],
               ["3", " 乙中心", "2025年3月12日", "合格", "无"], ["合计", "3家"]], "ok.xlsx")
    r = CliRunner().invoke(main, ["publish", "--results", str(ok), "--draw", str(draw_path), "--out", str(tmp_path / "p")])
    assert r.exit_code == 0, r.output
    sheet = pl.read_excel(tmp_path / "p" / "publish.xlsx", infer_schema_length=0)
    assert sheet["机构编号"].to_list() == ["A001", "A002"] and sheet["机构名称"].to_list() == ["甲养老院", "乙中心"]
    assert "A003" in r.stderr  # in the register, not drawn: left out, and said so
    assert "第7行是合计/小计行，已跳过" in r.stderr

    bad = book([["1", "甲养老院", "2025.3.10", "合格"], ["2", "同名院", "2025.3.10", "合格"],
                ["3", "丁院", "2025.3.10", "合格"]], "bad.xlsx")
    r = CliRunner().invoke(main, ["publish", "--results", str(bad), "--draw", str(draw_path), "--out", str(tmp_path / "q")])
    assert r.exit_code == 1
    assert "检查结果 第5行 B列「机构名称」：机构名录中有多家机构同名" in r.output and "同名院；编号 B1、B2" in r.output
    assert "检查结果 第6行 B列「机构名称」：机构名录中没有这个机构名称" in r.output and "丁院" in r.output
    assert not (tmp_path / "q").exists()


def test_publish_english_headers_and_missing_column(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("institution_id,institution_name,inspection_date,result\nA001,Home A,2024-10-08,pass\n", encoding="utf-8")
    assert publish(src, tmp_path / "pub", lang="en")["rows"] == 1
    html = (tmp_path / "pub" / "publish.html").read_text(encoding="utf-8")
    assert 'lang="en"' in html and "Home A" in html
    src.write_text("机构编号,检查日期,检查结果\nA001,2024-10-08,合格\n", encoding="utf-8")
    with pytest.raises(InputError, match="机构名称"):
        publish(src, tmp_path / "pub2")


def test_publish_cli_xlsx(tmp_path):
    import xlsxwriter

    from audit.cli import main

    book = tmp_path / "results.xlsx"
    with xlsxwriter.Workbook(book) as wb:
        ws = wb.add_worksheet("检查结果")
        ws.write_row(0, 0, ["机构编号", "机构名称", "检查日期", "检查结果", "姓名"])
        ws.write_row(1, 0, ["007", "甲养老院", "2024-10-08", "合格", "赵六"])
        ws.write_row(2, 0, ["008", "乙院", "2024年10月9日", "合同"])
    r = CliRunner().invoke(main, ["publish", "--results", str(book), "--draw", str(drawn(tmp_path, "007", "008")),
                                  "--out", str(tmp_path / "p")])
    assert r.exit_code == 1
    assert "检查结果 第3行 D列「检查结果」" in r.output


# ------------------------------------------------------------ checklist ------

class FakeRule:
    """Just enough of audit.policy.Rule for checklist_items."""

    def __init__(self, id, kind, values, units, clause="二(三)"):
        self.id, self.kind, self._values, self._units = id, kind, values, units
        self.citation = f"嘉峪关 实施意见 {clause}"

    def has(self, name):
        return name in self._values

    def value(self, name, on):
        v = self._values[name]
        if v is PolicyGap:
            raise PolicyGap("gap", rule=self.id, param=name)
        return v

    def param(self, name):
        return SimpleNamespace(unit=self._units[name])

    def reading(self, name, on):
        if name not in self._values:
            return Reading("absent")
        if self._values[name] is PolicyGap:
            return Reading("gap", message="gap")
        return Reading("value", self._values[name])


def test_checklist_items_come_from_the_pack_with_clauses():
    pack = SimpleNamespace(rules={
        "staff": FakeRule("staff", "staffing_ratio", {"residents_per_caregiver": {"full": 3, "partial": 6, "self_care": 10}},
                          {"residents_per_caregiver": "table:persons"}),
        "nb": FakeRule("nb", "institution_target", {"metric": "nursing_bed_share", "min": Fraction(55, 100)},
                       {"metric": "text", "min": "share"}),
        "sw": FakeRule("sw", "institution_target", {"metric": "beds_per_social_worker", "max": PolicyGap},
                       {"metric": "text", "max": "persons"}, clause="二(八)"),
    })
    items = checklist_items(pack, 2024)
    texts = [i["text"] for i in items]
    assert "护理员配备：完全失能 1:3，部分失能 1:6，自理 1:10（核对排班表、劳动合同与在岗护理员）" in texts
    assert "护理型床位占比 不低于 55%" in texts  # 55/100 → 55%
    assert "每名社会工作者对应床位数 不高于 政策未规定（缺口）" in texts  # a gap is said, never a number
    assert items[0]["citation"] == "嘉峪关 实施意见 二(三)"
    assert any(t.startswith("消防安全") for t in texts) and any(t.startswith("食品安全") for t in texts)


def test_institution_facts_count_residents_on_31_december():
    d = date
    tables = {
        "institutions": pl.DataFrame({"institution_id": ["A", "B"], "beds": [50, 10]}),
        "residents": pl.DataFrame({
            "institution_id": ["A"] * 5 + ["B"],
            "care_level": ["full", "full", "partial", "self_care", "full", "self_care"],
            "admitted_on": [d(2023, 1, 1), d(2024, 6, 1), d(2024, 1, 1), d(2024, 12, 31), d(2025, 1, 1), d(2020, 1, 1)],
            "discharged_on": [None, d(2024, 12, 31), None, None, None, d(2024, 7, 1)],
        }),
        "staff": pl.DataFrame({
            "institution_id": ["A", "A", "A", "B"], "role": ["caregiver", "caregiver", "manager", "caregiver"],
            "fte": [1.0, 0.5, 1.0, 1.0], "hired_on": [d(2020, 1, 1), d(2024, 3, 1), d(2020, 1, 1), d(2025, 1, 1)],
            "left_on": [None, None, None, None],
        }),
    }
    f = {r["institution_id"]: r for r in institution_facts(tables, ["A", "B"], 2024).to_dicts()}
    # A on 2024-12-31: full (2023-01-01, open) ✓; full discharged 12-31 ✗; partial ✓; self_care admitted 12-31 ✓;
    # full admitted 2025 ✗ → 3 residents: 1 full, 1 partial, 1 self_care. Caregivers 1.0 + 0.5 = 1.5.
    assert (f["A"]["residents"], f["A"]["residents_full"], f["A"]["residents_partial"], f["A"]["residents_self_care"]) == (3, 1, 1, 1)
    assert f["A"]["caregivers_fte"] == 1.5
    # B: its one resident left in July; its caregiver starts in 2025
    assert (f["B"]["residents"], f["B"]["caregivers_fte"]) == (0, 0.0)


def test_checklist_end_to_end(make_folder, tmp_path):
    pytest.importorskip("audit.pipeline")
    from audit.cli import main

    demo = pytest.importorskip("pathlib").Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx"
    if not demo.exists():
        pytest.skip("demo/demo.xlsx not built yet")
    runner = CliRunner()
    r = runner.invoke(main, ["sample", "--data", str(demo), "--seed", "t", "--ratio", "high=0.3", "--ratio", "medium=0", "--ratio", "low=0", "--joint", "--out", str(tmp_path / "d")])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "d" / "draw.json").read_text(encoding="utf-8"))
    r = runner.invoke(main, ["checklist", "--draw", str(tmp_path / "d" / "draw.json"), "--data", str(demo),
                             "--policy", "jiayuguan", "--year", "2024", "--out", str(tmp_path / "c")])
    assert r.exit_code == 0, r.output
    first = rec["picks"][0]["institution_id"]
    html = (tmp_path / "c" / f"checklist_{first}.html").read_text(encoding="utf-8")
    assert "消防安全" in html and "☐ 合格" in html
    assert '"第 " counter(page)' in html.split("</style>")[0]  # page footer is CSS, not escaped text
    r = runner.invoke(main, ["checklist", "--draw", str(tmp_path / "d" / "draw.json"), "--data", str(demo),
                             "--policy", "jiayuguan", "--year", "2024", "--out", str(tmp_path / "e"), "--lang", "en"])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "e" / f"checklist_{first}.html").read_text(encoding="utf-8")
    assert "policy Jiayuguan Plan (in force)" in html  # the pack's English short name in English mode


def test_checklist_prefilled_with_red_flags_and_no_resident_data(tmp_path, monkeypatch):
    """audit.pipeline stand-in (the real pipeline is another module's): the checklist shows the
    institution's data, its findings with clause, and no resident's id or name."""
    import sys
    import types

    from audit.inspect.documents import checklists
    from audit.inspect.draw import DrawParams, draw, to_json

    d = date
    inst = pl.DataFrame({"institution_id": ["A", "B"], "name": ["甲养老院", "乙院"], "county": ["越城区", "柯桥区"],
                         "risk_class": ["high", "low"], "opened_on": [d(2018, 1, 1)] * 2, "beds": [80, 20],
                         "nursing_beds": [40, 0], "rating_level": [3, 0], "star_level": [0, 0],
                         "registered_on": [d(2018, 1, 1), None], "accepted_on": [d(2017, 12, 1), None], "_row": [2, 3]})
    people = pl.DataFrame({"inspector_id": ["P0", "P1"], "name": ["王一", "李二"], "department": ["民政局", "消防救援"],
                           "county": ["上虞区", "上虞区"], "active": [True, True], "_row": [2, 3]})
    empty_conf = pl.DataFrame(schema={"inspector_id": pl.String, "institution_id": pl.String, "reason": pl.String, "_row": pl.Int64})
    empty_hist = pl.DataFrame(schema={"institution_id": pl.String, "inspected_on": pl.Date, "inspector_id": pl.String,
                                      "outcome": pl.String, "_row": pl.Int64})
    tables = {"institutions": inst, "inspectors": people, "conflicts": empty_conf, "inspections": empty_hist,
              "residents": pl.DataFrame({"institution_id": ["A", "A"], "person_id": ["330602195001011234", "330602194806061237"],
                                         "name": ["张三", "李四"], "care_level": ["full", "partial"],
                                         "admitted_on": [d(2023, 1, 1)] * 2, "discharged_on": [None, None]},
                                        schema_overrides={"discharged_on": pl.Date}),
              "staff": pl.DataFrame({"institution_id": ["A"], "role": ["caregiver"], "fte": [1.0],
                                     "hired_on": [d(2020, 1, 1)], "left_on": [None]}, schema_overrides={"left_on": pl.Date})}
    rec = draw(tables, DrawParams(seed="c", ratios={"*": "1"}, joint=True))
    (tmp_path / "draw.json").write_text(to_json(rec), encoding="utf-8")
    findings = pl.DataFrame({"institution_id": ["A", "A", "B"], "rule": ["staffing_ratio", "policy_gap", "lease_term"],
                             "severity": ["error", "info", "warning"],
                             "message": ["护理员不足 <b>", "缺口", "租期不足"], "evidence": ["required=2 actual=1", "", ""],
                             "citation": ["嘉峪关 实施意见 二(三)", "", "嘉峪关 实施意见 三(一)"]})
    staffing = pl.DataFrame({"institution_id": ["A", "A"], "month_end": [d(2024, 5, 31), d(2024, 6, 30)],
                             "required": [2, 2], "actual": [2.0, 1.0], "shortfall": [0.0, 1.0]})
    pack = SimpleNamespace(rules={}, short="嘉峪关 实施意见", status="in_force")
    fake = types.ModuleType("audit.pipeline")
    fake.run = lambda *a, **k: SimpleNamespace(dataset=SimpleNamespace(tables=tables), findings=findings,
                                               staffing=staffing, pack=pack)
    monkeypatch.setitem(sys.modules, "audit.pipeline", fake)
    paths = checklists(tmp_path / "draw.json", "unused", "jiayuguan", 2024, tmp_path / "c")
    assert sorted(p.name for p in paths) == ["checklist_A.html", "checklist_A.pdf", "checklist_B.html", "checklist_B.pdf"]
    a = (tmp_path / "c" / "checklist_A.html").read_text(encoding="utf-8")
    assert "护理员不足 &lt;b&gt;" in a and "嘉峪关 实施意见 二(三)" in a  # red flag with its clause, escaped
    assert "缺口" not in a.split("核算发现的重点问题")[1].split("检查事项")[0]  # info findings are not red flags
    assert "2024-06-30" in a and "2024-05-31" not in a  # only the shortfall month
    assert "2（完全失能 1，部分失能 1，自理 0）" in a  # residents on 31 Dec by care level, counts only
    for secret in ("330602195001011234", "张三", "李四"):
        assert secret not in a
    assert "王一" in a and "李二" in a  # inspectors in their official capacity
    b = (tmp_path / "c" / "checklist_B.html").read_text(encoding="utf-8")
    assert "租期不足" in b and "护理员不足" not in b


def test_checklist_items_apply_by_kind_and_premises():
    from audit.inspect.documents import applies

    pack = SimpleNamespace(rules={
        "b": FakeRule("b", "construction_per_bed", {"leased_min_years": 5}, {"leased_min_years": "years"}),
        "c": FakeRule("c", "center_star_grant", {}, {}),
        "s": FakeRule("s", "staffing_ratio", {"residents_per_caregiver": {"full": 3}, "tekun_only": True},
                      {"residents_per_caregiver": "table:persons", "tekun_only": "bool"}),
    })
    items = checklist_items(pack, 2024)
    home = {"kind": "institution", "premises": "self_built", "is_tekun": False}
    centre = {"kind": "community_center", "premises": "leased", "is_tekun": False}
    shown = lambda facts: [i["text"][:6] for i in items if applies(i, facts)]  # noqa: E731
    assert "租赁用房：租" not in shown(home) and "登记备案证明" in shown(home)
    assert "护理员配备：" not in shown(home)  # tekun_only rule: not for a non-特困 home
    assert "护理员配备：" in shown({**home, "is_tekun": True})
    assert "居家养老服务" in shown(centre) and "登记备案证明" not in shown(centre)
    assert "消防安全：消" in shown(centre) and "消防安全：消" in shown(home)


def test_publish_reads_a_gbk_csv_from_excel(tmp_path):
    src = tmp_path / "results.csv"
    src.write_bytes("机构编号,机构名称,检查日期,检查结果\nA001,甲养老院,2024/10/8,合格\n".encode("gb18030"))
    assert publish(src, tmp_path / "pub")["rows"] == 1
    assert "甲养老院" in (tmp_path / "pub" / "publish.html").read_text(encoding="utf-8")


def test_publish_pdf_has_page_numbers(tmp_path):
    """The page footer in the public list's @page rule is CSS, not escaped text."""
    from pypdf import PdfReader

    src = tmp_path / "results.csv"
    src.write_text(RESULTS, encoding="utf-8")
    publish(src, tmp_path / "pub")
    assert "&#34;" not in (tmp_path / "pub" / "publish.html").read_text(encoding="utf-8").split("</style>")[0]
    reader = PdfReader(tmp_path / "pub" / "publish.pdf")
    assert "第 1 页 / 共 1 页" in reader.pages[0].extract_text()
    fonts = {f["/BaseFont"] for page in reader.pages for f in page["/Resources"]["/Font"].values()}
    assert not any("Serif" in f or "JP" in f for f in fonts), fonts  # the footer too is in the SC sans face


def test_checklist_names_every_pack_metric_in_words():
    """Jiayuguan 二(八) "养老机构负责人每2年培训一遍": the item says so in words, not as the
    metric's code (it once read "head_training_interval_years 不高于 2")."""
    from audit.policy import load_pack

    texts = [i["text"] for i in checklist_items(load_pack("jiayuguan"), 2024)]
    assert "机构负责人参加培训的间隔（年） 不高于 2" in texts
    assert not any("_" in t for t in texts), texts


def test_checklists_from_a_tampered_draw_say_so(make_folder, tmp_path):
    """A draw.json whose pick was swapped for another institution still yields checklists
    (the inspector may need them), but every one says the draw does not verify, and the
    command warns on stderr; an untouched draw gives no such warning."""
    from audit.cli import main

    demo = Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx"
    runner = CliRunner()
    r = runner.invoke(main, ["sample", "--data", str(demo), "--seed", "t", "--ratio", "high=1", "--ratio", "medium=0",
                             "--ratio", "low=0", "--out", str(tmp_path / "d")])
    assert r.exit_code == 0, r.output
    rec = json.loads((tmp_path / "d" / "draw.json").read_text(encoding="utf-8"))
    drawn = {p["institution_id"] for p in rec["picks"]}
    other = next(i for i in ("YL15", "YL16", "YL18") if i not in drawn)
    swapped = rec["picks"][0]["institution_id"]
    rec["picks"][0]["institution_id"] = other
    (tmp_path / "bad.json").write_text(json.dumps(rec, ensure_ascii=False), encoding="utf-8")
    args = ["--data", str(demo), "--policy", "shaoxing", "--year", "2024"]
    good = runner.invoke(main, ["checklist", "--draw", str(tmp_path / "d" / "draw.json"), *args, "--out", str(tmp_path / "g")])
    assert good.exit_code == 0 and "警告" not in good.stderr
    bad = runner.invoke(main, ["checklist", "--draw", str(tmp_path / "bad.json"), *args, "--out", str(tmp_path / "b")])
    assert bad.exit_code == 1, bad.output   # written and marked, but not a success (issue 16)
    assert f"记录中抽中的 {other} 重新抽取时未被抽中" in bad.stderr
    html = (tmp_path / "b" / f"checklist_{other}.html").read_text(encoding="utf-8")
    assert "本抽取记录与数据复核不一致" in html and f"重新抽取抽中了 {swapped}" in html


def test_site_sample_is_the_seeds_lowest_hashes_masked():
    """Residents to find on site: the first by SHA-256(seed|institution|person id), computed
    here with hashlib; names and ids masked; people of other institutions never drawn."""
    import hashlib

    from audit.inspect.documents import site_sample

    ids = [f"3306021950010112{i:02d}" for i in range(8)]
    residents = pl.DataFrame({
        "institution_id": ["A"] * 6 + ["B"] * 2, "person_id": ids, "name": [f"张{c}" for c in "一二三四五六七八"],
        "admitted_on": [date(2023, 1, 1)] * 8, "discharged_on": [None] * 5 + [date(2022, 6, 1)] + [None] * 2,
        "care_level": ["full"] * 8}, schema_overrides={"discharged_on": pl.Date})
    staff = pl.DataFrame({"institution_id": ["A", "A"], "staff_id": ["S1", "S2"], "name": ["李四", "王五"],
                          "role": ["caregiver", "manager"], "fte": [1.0, 0.5], "hired_on": [None, None],
                          "left_on": [None, None]}, schema_overrides={"hired_on": pl.Date, "left_on": pl.Date})
    got = site_sample({"residents": residents, "staff": staff}, ["A"], "seed-1", 2024, n_residents=3, n_staff=1)
    in_2024 = ids[:5]  # the sixth left in 2022: not claimed for 2024
    want = sorted(in_2024, key=lambda p: hashlib.sha256(f"seed-1|A|{p}".encode()).hexdigest())[:3]
    assert [r["id"] for r in got["A"]["residents"]] == [p[:4] + "*" * 10 + p[-4:] for p in want]
    assert all(r["name"] == "张*" for r in got["A"]["residents"])
    s_want = min(["S1", "S2"], key=lambda p: hashlib.sha256(f"seed-1|A|{p}".encode()).hexdigest())
    assert [r["name"] for r in got["A"]["staff"]] == [{"S1": "李*", "S2": "王*"}[s_want]]
    assert site_sample({"residents": residents, "staff": staff}, ["A"], "seed-1", 2024, 3, 1) == got


def test_checklists_for_the_homes_present_and_missing_ones_named(tmp_path, monkeypatch):
    """One drawn home missing from the data does not stop the others' checklists: the
    missing ones are named as the draw recorded them, and a home of the same name under
    another code is pointed out. None present at all is an error naming them."""
    import sys
    import types

    from audit.errors import InputError
    from audit.inspect.documents import checklists
    from audit.inspect.draw import DrawParams, draw, to_json

    def institutions(ids, names):
        return pl.DataFrame({"institution_id": ids, "name": names, "county": ["越城区"] * len(ids),
                             "risk_class": ["low"] * len(ids), "opened_on": [date(2018, 1, 1)] * len(ids),
                             "_row": list(range(2, 2 + len(ids)))})

    people = pl.DataFrame({"inspector_id": ["P0", "P1"], "name": ["王一", "李二"], "department": ["民政局", "消防救援"],
                           "county": ["上虞区", "上虞区"], "active": [True, True], "_row": [2, 3]})
    empty_conf = pl.DataFrame(schema={"inspector_id": pl.String, "institution_id": pl.String, "reason": pl.String, "_row": pl.Int64})
    empty_hist = pl.DataFrame(schema={"institution_id": pl.String, "inspected_on": pl.Date, "inspector_id": pl.String,
                                      "outcome": pl.String, "_row": pl.Int64})
    base = {"inspectors": people, "conflicts": empty_conf, "inspections": empty_hist,
            "residents": pl.DataFrame(schema={"institution_id": pl.String, "admitted_on": pl.Date,
                                              "discharged_on": pl.Date, "care_level": pl.String}),
            "staff": pl.DataFrame(schema={"institution_id": pl.String, "role": pl.String, "fte": pl.Float64,
                                          "hired_on": pl.Date, "left_on": pl.Date})}
    drawn_from = {**base, "institutions": institutions(["A", "B", "C"], ["甲养老院", "乙敬老院", "丙颐养中心"])}
    rec = draw(drawn_from, DrawParams(seed="m", ratios={"*": "1"}))
    (tmp_path / "draw.json").write_text(to_json(rec), encoding="utf-8")
    now = {**base, "institutions": institutions(["A", "B2"], ["甲养老院", "乙敬老院"])}  # B re-coded, C gone
    pack = SimpleNamespace(rules={}, short="嘉峪关 实施意见", status="in_force")
    fake = types.ModuleType("audit.pipeline")
    fake.run = lambda *a, **k: SimpleNamespace(dataset=SimpleNamespace(tables=now), findings=pl.DataFrame(
        schema={"institution_id": pl.String, "rule": pl.String, "severity": pl.String, "message": pl.String,
                "evidence": pl.String, "citation": pl.String}), staffing=None, pack=pack)
    monkeypatch.setitem(sys.modules, "audit.pipeline", fake)
    missing: list[str] = []
    paths = checklists(tmp_path / "draw.json", "unused", "jiayuguan", 2024, tmp_path / "c", missing=missing)
    assert sorted(p.name for p in paths) == ["checklist_A.html", "checklist_A.pdf"]
    assert sorted(missing) == ["丙颐养中心（C）不在数据中",
                               "乙敬老院（B）不在数据中；数据中有同名机构，编号为 B2——请核对编号是否改过"]
    now["institutions"] = institutions(["Z"], ["别的院"])
    with pytest.raises(InputError) as e:
        checklists(tmp_path / "draw.json", "unused", "jiayuguan", 2024, tmp_path / "d")
    assert "甲养老院（A）" in e.value.message and "丙颐养中心（C）" in e.value.message
    assert not (tmp_path / "d").exists()
