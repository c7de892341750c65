"""`audit policy list | show | diff` through click's CliRunner: output and one-line errors."""

import json

import pytest

from click.testing import CliRunner

from audit.cli import main


def run(*args):
    return CliRunner().invoke(main, ["policy", *args])


def test_list_shows_every_pack_with_status_and_date():
    r = run("list")
    assert r.exit_code == 0, r.output
    lines = {ln.split("\t")[0]: ln for ln in r.output.strip().splitlines()}
    assert set(lines) == {"baodi", "dongyang", "jiayuguan", "linfen", "shaoxing", "huashan", "haimen", "taizhou",
                          "gansu"}
    assert "征求意见稿" in lines["shaoxing"] and "2024-02-20" in lines["dongyang"]
    assert "draft" in run("list", "--lang", "en").output


def test_show_shaoxing_json_lists_level_rates_with_clause_and_quote():
    r = run("show", "shaoxing", "--format", "json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    lv = next(x for x in rows if x["name"] == "operating_grant.rate_by_rating_level")
    # 一至五级 30/50/80/100/150 元
    assert lv["value"] == {"1": "30.00", "2": "50.00", "3": "80.00", "4": "100.00", "5": "150.00"}
    assert lv["clause"] == "重点工作(五)4"
    assert "不低于30元、50元、80元" in lv["quote"]
    assert lv["unit"] == "table:yuan/person/month" and lv["from"] == "2023-01-01"
    assert lv["document"].startswith("关于贯彻落实《绍兴市居家养老服务条例》")
    for row in rows:
        assert {"name", "value", "unit", "from", "document", "clause", "quote", "gap", "floor", "kind"} <= set(row)


def test_show_text_with_set_shows_local_value():
    r = run("show", "shaoxing", "--date", "2024-06-30", "--set", "renovation.share=50%")
    assert r.exit_code == 0, r.output
    assert "renovation.share = 50%" in r.output
    assert "按投资决算额的40%—60%给予补助" in r.output


def test_show_english():
    r = run("show", "dongyang", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "in force" in r.output and "share_nonprofit = 2/3" in r.output


def test_set_below_floor_is_one_line_exit_2():
    r = run("show", "shaoxing", "--set", "construction_city.rate_self_built=3000")
    assert r.exit_code == 2
    msg = r.output.strip()
    assert len(msg.splitlines()) == 1 and "Traceback" not in msg
    assert "construction_city.rate_self_built" in msg and "4000.00" in msg


def test_pack_with_unknown_key_is_one_line_exit_2(tmp_path):
    from audit.policy import PACK_DIR

    text = (PACK_DIR / "dongyang.yaml").read_text(encoding="utf-8").replace("status: in_force", "status: in_force\nstatuss: x")
    (tmp_path / "dongyang.txt").write_text((PACK_DIR / "sources" / "dongyang.txt").read_text(encoding="utf-8"), encoding="utf-8")
    bad = tmp_path / "mine.yaml"
    bad.write_text(text, encoding="utf-8")
    r = run("show", str(bad))
    assert r.exit_code == 2
    msg = r.output.strip()
    assert len(msg.splitlines()) == 1 and "Traceback" not in msg
    assert "mine.yaml" in msg and "statuss" in msg


def test_user_pack_by_path_needs_no_code(tmp_path):
    from audit.policy import PACK_DIR

    mine = tmp_path / "mine.yaml"
    mine.write_text((PACK_DIR / "dongyang.yaml").read_text(encoding="utf-8").replace("id: dongyang", "id: mycounty"),
                    encoding="utf-8")
    r = run("show", str(mine), "--format", "json")
    assert r.exit_code == 0, r.output
    assert any(x["name"] == "insurance_institution.share_nonprofit" and x["value"] == "2/3" for x in json.loads(r.output))


def test_unknown_pack_and_bad_override_file(tmp_path):
    r = run("show", "atlantis")
    assert r.exit_code == 2 and "atlantis" in r.output
    f = tmp_path / "o.yaml"
    f.write_text("renovation.colour: 1\n", encoding="utf-8")
    r = run("show", "shaoxing", "--override", str(f))
    assert r.exit_code == 2 and "renovation.colour" in r.output and "Traceback" not in r.output


def test_diff_puts_kinds_side_by_side():
    r = run("diff", "dongyang", "jiayuguan")
    assert r.exit_code == 0, r.output
    out = r.output
    assert "[staffing_ratio]" in out
    # Dongyang 1:15 for self-care (tekun only) vs Jiayuguan 1:10
    assert "dongyang: staffing: full: 3; partial: 6; self_care: 15 (东阳 实施意见 二(四)13)" in out
    assert "jiayuguan: staffing: full: 3; partial: 6; self_care: 10 (嘉峪关 实施方案 二(三))" in out
    rows = json.loads(run("diff", "shaoxing", "jiayuguan", "--format", "json").output)
    fs = next(x for x in rows if x["kind"] == "construction_per_bed" and x["param"] == "forprofit_share")
    assert fs["shaoxing"] == "—" and "80%" in fs["jiayuguan"]


def test_list_json_and_band_in_show_text():
    packs = json.loads(run("list", "--format", "json").output)
    sx = next(p for p in packs if p["id"] == "shaoxing")
    assert (sx["status"], sx["issued"], sx["effective"]) == ("draft", None, "2023-01-01")
    out = run("show", "shaoxing").output
    assert "区间 40%—60%" in out  # 重点工作(五)3 "40%—60%"
    assert "min = 0.2 m2/person" in run("show", "linfen").output  # 人均用地不少于0.2平方米


def test_diff_compares_targets_by_metric():
    rows = json.loads(run("diff", "shaoxing", "dongyang", "--format", "json").output)
    nb = next(x for x in rows if x["param"] == "nursing_bed_share.min")
    # 绍兴 重点工作(三)3 "护理型床位占比达58%" vs 东阳 二(一)2 "护理型床位占比达60%"
    assert "58%" in nb["shaoxing"] and "重点工作(三)3" in nb["shaoxing"]
    assert "60%" in nb["dongyang"] and "二(一)2" in nb["dongyang"]
    fa = next(x for x in rows if x["param"] == "first_aid_share.min")
    assert fa["shaoxing"] == "—" and "70%" in fa["dongyang"]


def test_check_counts_gaps_down_to_table_keys():
    r = run("check", "shaoxing", "--set", "center_community.rate_by_star.4=90000")
    assert r.exit_code == 0, r.output
    # 绍兴: township 1–3 stars and community 5 stars have no rate; 4 stars now set locally
    assert "center_township.rate_by_star.1" in r.output and "center_community.rate_by_star.5" in r.output
    assert "center_community.rate_by_star.4" not in r.output
    assert "renovation.share" in r.output
    assert run("check", "dongyang").output.strip().endswith("0 个缺口。")


def test_output_cut_short_by_head_is_not_an_internal_error():
    # `audit policy show shaoxing | head -1`: before, the closed pipe printed
    # "内部错误 (internal error): BrokenPipeError" on stderr. The reader here closes its
    # end before the command has even imported, so every write meets a closed pipe.
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "from audit.cli import main; main()", "policy", "show", "shaoxing"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "内部错误" not in err and "Traceback" not in err, err


@pytest.mark.parametrize("typed", ["2024/6/30", "2024年6月30日", "2024.6.30", "2024-06-30"])
def test_show_date_accepts_the_spellings_the_data_accepts(typed):
    # before, only 2024-06-30 was accepted: a clerk's 2024/6/30 was a usage error
    result = CliRunner().invoke(main, ["policy", "show", "shaoxing", "--date", typed, "--format", "json"])
    assert result.exit_code == 0, result.output + result.stderr


def test_show_refuses_an_impossible_date():
    result = CliRunner().invoke(main, ["policy", "show", "shaoxing", "--date", "2024-02-30"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr
