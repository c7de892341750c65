"""`audit selfcheck` through click's CliRunner, with the pipeline replaced by the
hand-made RunResult (until then the real one is exercised in test_report_e2e)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from audit.cli import main
from test_report import fake_result


@pytest.fixture
def fake_run(monkeypatch, tmp_path):
    """audit.pipeline.run returns the fake result (3 institutions, I001 and I002 with errors)."""
    calls = []

    def run(data_path, policy, year, sets=(), override_file=None, lang="zh", period=None):
        calls.append((policy, year, sets, lang))
        return fake_result(lang=lang)

    import audit.cli.selfcheck  # noqa: F401  (registers the command)
    import audit.pipeline

    monkeypatch.setattr(audit.pipeline, "run", run)   # audit.selfcheck calls it
    data = tmp_path / "data.xlsx"
    data.write_bytes(b"")
    return calls, data


def _invoke(args):
    return CliRunner().invoke(main, ["selfcheck", "--policy", "shaoxing", "--year", "2024", *args])


def test_several_institutions_need_a_choice(fake_run, tmp_path):
    _, data = fake_run
    r = _invoke(["--data", str(data), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2
    assert "--institution" in r.stderr and "--each" in r.stderr
    assert not (tmp_path / "out").exists()


def test_unknown_institution_is_a_usage_error(fake_run, tmp_path):
    _, data = fake_run
    r = _invoke(["--data", str(data), "--out", str(tmp_path / "out"), "--institution", "I999"])
    assert r.exit_code == 2 and "I999" in r.stderr


def test_one_institution(fake_run, tmp_path):
    calls, data = fake_run
    out = tmp_path / "out"
    r = _invoke(["--data", str(data), "--out", str(out), "--institution", "I003", "--set", "a.b=1"])
    assert r.exit_code == 0, r.output + r.stderr        # I003 has no error finding
    assert sorted(p.name for p in out.iterdir()) == ["selfcheck_I003.html", "selfcheck_I003.pdf"]
    assert calls == [("shaoxing", 2024, ("a.b=1",), "zh")]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]   # temp folder gone


def test_each_writes_one_report_per_institution_and_exits_1_on_errors(fake_run, tmp_path):
    _, data = fake_run
    out = tmp_path / "out"
    r = _invoke(["--data", str(data), "--out", str(out), "--each", "--lang", "en"])
    assert r.exit_code == 1                               # I001 and I002 carry error findings
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"selfcheck_I00{i}.{ext}" for i in (1, 2, 3) for ext in ("html", "pdf")]
    assert '<html lang="en">' in (out / "selfcheck_I001.html").read_text(encoding="utf-8")
    assert "2 errors" in r.output


def test_each_and_institution_conflict(fake_run, tmp_path):
    _, data = fake_run
    r = _invoke(["--data", str(data), "--out", str(tmp_path / "o"), "--each", "--institution", "I001"])
    assert r.exit_code == 2
