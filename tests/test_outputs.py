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


def test_no_rename_crosses_a_filesystem(tmp_path, monkeypatch):
    """`--out` on another mount: here out_dir's parent plays the mount, and a rename from or to
    anywhere outside it fails with EXDEV as it would across filesystems."""
    import errno
    from pathlib import Path

    real_rename, real_replace = Path.rename, os.replace
    mount = (tmp_path / "mnt").resolve()

    def on_the_mount(src, dst):
        if not (Path(src).resolve().is_relative_to(mount) and Path(dst).resolve().is_relative_to(mount)):
            raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(Path, "rename", lambda self, dst: (on_the_mount(self, dst), real_rename(self, dst))[1])
    monkeypatch.setattr(os, "replace", lambda src, dst: (on_the_mount(src, dst), real_replace(src, dst))[1])
    out = tmp_path / "mnt" / "out"
    for _ in range(2):  # first into a new folder, then replacing it
        with output_set(out, SET) as tmp:
            assert tmp.parent == out.parent
            (tmp / "ledger.csv").write_text("new", encoding="utf-8")
    (out / "mine.txt").write_text("keep", encoding="utf-8")
    with output_set(out, SET) as tmp:  # a folder with the user's files: file by file
        (tmp / "ledger.csv").write_text("newer", encoding="utf-8")
    assert names(out) == ["ledger.csv", "mine.txt"] and (out / "ledger.csv").read_text(encoding="utf-8") == "newer"


def test_a_pinned_output_folder_is_filled_file_by_file(tmp_path, monkeypatch):
    """out_dir that cannot itself be renamed (a mount point): the set is replaced file by file."""
    import errno
    from pathlib import Path

    out = tmp_path / "out"
    with output_set(out, SET) as tmp:
        (tmp / "report.pdf").write_text("old", encoding="utf-8")
    real_rename = Path.rename

    def pinned(self, dst):
        if Path(self).resolve() == out.resolve():
            raise OSError(errno.EBUSY, "Device or resource busy")
        return real_rename(self, dst)

    monkeypatch.setattr(Path, "rename", pinned)
    with output_set(out, SET) as tmp:
        (tmp / "ledger.csv").write_text("new", encoding="utf-8")
    assert names(out) == ["ledger.csv"] and names(tmp_path) == ["out"]
