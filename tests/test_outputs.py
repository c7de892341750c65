"""audit.outputs.output_set: a set of outputs appears whole or not at all and replaces the
previous set whole; the user's own files are never touched; killed runs leave nothing."""

import os
import subprocess
import sys

import pytest

from audit.errors import OutputError
from audit.outputs import output_set

SET = {"ledger.csv", "report.pdf", "checklist_*.pdf"}


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_a_failure_writes_nothing_and_leaves_no_temporary_folder(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="rendering failed"):
        with output_set(out, SET) as tmp:
            (tmp / "ledger.csv").write_text("new", encoding="utf-8")
            raise RuntimeError("rendering failed")
    assert names(tmp_path) == ["out"] and names(out) == ["mine.txt"]


def test_a_new_set_replaces_the_old_one_whole(tmp_path):
    out = tmp_path / "out"
    with output_set(out, SET) as tmp:
        for name in ("ledger.csv", "report.pdf", "checklist_A.pdf"):
            (tmp / name).write_text("old", encoding="utf-8")
    with output_set(out, SET) as tmp:  # a --no-report run, one institution fewer
        (tmp / "ledger.csv").write_text("new", encoding="utf-8")
    assert names(out) == ["ledger.csv"] and (out / "ledger.csv").read_text(encoding="utf-8") == "new"
    assert names(tmp_path) == ["out"]


def test_the_users_files_stay_and_stale_files_of_the_set_go(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("mine.txt", "report.pdf", "checklist_A.pdf"):
        (out / name).write_text("old", encoding="utf-8")
    with output_set(out, SET) as tmp:
        (tmp / "ledger.csv").write_text("new", encoding="utf-8")
        (tmp / "checklist_B.pdf").write_text("new", encoding="utf-8")
    assert names(out) == ["checklist_B.pdf", "ledger.csv", "mine.txt"]
    assert (out / "mine.txt").read_text(encoding="utf-8") == "old"


def test_leftovers_of_a_killed_run_are_cleaned(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # that process has ended
    leftover = tmp_path / f".out.tmp-{pid}-abc123"
    leftover.mkdir()
    (leftover / "ledger.csv").write_text("half", encoding="utf-8")
    running = tmp_path / f".out.tmp-{os.getppid()}-def456"  # a live process's run is left alone
    running.mkdir()
    with output_set(tmp_path / "out", SET) as tmp:
        (tmp / "ledger.csv").write_text("new", encoding="utf-8")
    assert names(tmp_path) == [running.name, "out"]


def test_an_output_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "out").write_text("a file", encoding="utf-8")
    with pytest.raises(OutputError):
        with output_set(tmp_path / "out", SET) as tmp:
            (tmp / "ledger.csv").write_text("new", encoding="utf-8")
