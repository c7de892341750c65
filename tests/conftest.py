"""Shared fixtures. Keep small: helpers to write tiny input folders by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

# A header row plus rows, per table; written as UTF-8 CSV so a test can show its input in full.
VALID_INSTITUTIONS = (
    "institution_id,name,county,kind,ownership,profit_status,beds,nursing_beds,premises\n"
    "A001,甲养老院,越城区,养老机构,民办,非营利,100,60,自建\n"
    "A002,乙中心,柯桥区,乡镇(街道)居家养老服务中心,公办,非营利,20,0,自建\n"
)


def write_tables(folder: Path, files: dict[str, str], encoding: str = "utf-8") -> Path:
    """Write {file name: CSV text} into `folder` and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_bytes(text.encode(encoding))
    return folder


@pytest.fixture
def make_folder(tmp_path):
    """make_folder({"institutions.csv": "...", ...}) → a data folder; institutions
    defaults to two valid rows (A001, A002) unless given."""
    def make(files: dict[str, str], with_institutions: bool = True, encoding: str = "utf-8") -> Path:
        files = dict(files)
        if with_institutions and not any(k.split(".")[0] in ("institutions", "机构") for k in files):
            files["institutions.csv"] = VALID_INSTITUTIONS
        return write_tables(tmp_path / "data", files, encoding)
    return make


@pytest.fixture(autouse=True)
def no_internal_error_reaches_the_user(monkeypatch):
    """Issue 16: with AUDIT_DEBUG unset, no command run by any test may show a traceback or
    end in the CLI's last-line-of-defence "内部错误" (exit 4): every failure is a message."""
    from click.testing import CliRunner

    monkeypatch.delenv("AUDIT_DEBUG", raising=False)
    invoke = CliRunner.invoke

    def checked(self, *args, **kwargs):
        result = invoke(self, *args, **kwargs)
        shown = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert "Traceback (most recent call last)" not in shown and "内部错误" not in shown \
            and result.exit_code != 4, f"an internal error reached the user:\n{shown[-3000:]}"
        return result

    monkeypatch.setattr(CliRunner, "invoke", checked)
