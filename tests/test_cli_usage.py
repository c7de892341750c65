"""click's own usage errors reach the user in Chinese by default (English with --lang en),
with exit code 2 as README's exit-code table says; an output folder that cannot be made
is said in words, not as '[Errno 17] …'."""

from __future__ import annotations

from click.testing import CliRunner

from audit.cli import main


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_click_usage_errors_are_chinese_by_default_and_english_on_request(tmp_path):
    missing = tmp_path / "不存在.xlsx"
    r = cli("run", "--data", missing, "--policy", "shaoxing", "--year", "2024", "--out", tmp_path / "o")
    assert r.exit_code == 2
    assert f"错误: 选项 --data 的值无效：路径“{missing}”不存在" in r.stderr and "查看用法：" in r.stderr and "run --help" in r.stderr
    assert "Invalid value" not in r.stderr and "Usage:" not in r.stderr

    r = cli("run", "--polcy", "shaoxing")
    assert r.exit_code == 2 and "错误: 没有选项 --polcy，您是否想用 --policy？" in r.stderr

    r = cli("run", "--data", tmp_path, "--policy", "shaoxing", "--year", "二〇二四", "--out", tmp_path / "o")
    assert r.exit_code == 2 and "选项 --year 的值无效：“二〇二四”不是整数" in r.stderr

    r = cli("frob")
    assert r.exit_code == 2 and "没有命令 frob" in r.stderr

    r = cli("run", "--data", missing, "--lang", "en")
    assert r.exit_code == 2
    assert "Error: Invalid value for '--data'" in r.stderr and "does not exist" in r.stderr

    assert cli("--version").exit_code == 0 and cli("run", "--help").exit_code == 0


def test_an_output_folder_that_cannot_be_made_is_said_in_words(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x", encoding="utf-8")
    r = cli("template", "--out", blocker / "sub" / "t.xlsx")
    assert r.exit_code == 3, r.output
    assert "Errno" not in r.stderr and "文件夹" in r.stderr
