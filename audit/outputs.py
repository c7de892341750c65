"""The one way anything is written to disk: a set of output files appears complete or not
at all, and replaces the previous set whole.

`output_set(out_dir, names)` yields a temporary folder *beside* out_dir (the same
filesystem, so every rename is atomic, whatever is mounted where). When the block ends
without error the new set takes the old one's place:

- out_dir does not exist → the temporary folder is renamed to it;
- out_dir holds only files of this set (`names`: exact names or fnmatch patterns) → the
  whole folder is swapped (a `--no-report` run leaves no stale report.pdf);
- out_dir holds other files too → they are never touched; files of this set the new run
  did not write are removed, the new ones moved in (each os.replace is atomic).

On any error the temporary folder is removed and nothing in out_dir changes. Temporary
folders left by killed runs (`.NAME.tmp-PID-…` whose process is gone) are cleaned first."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from fnmatch import fnmatch
from pathlib import Path

from audit.errors import AuditError, OutputError, os_error_text
from audit.i18n import t as _t


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _clean_leftovers(out: Path) -> None:
    """Remove `.NAME.tmp-PID-*` / `.NAME.old-PID-*` folders of runs that were killed."""
    for p in out.parent.glob(f".{out.name}.*-*-*"):
        kind, _, rest = p.name[len(out.name) + 2 :].partition("-")
        pid = rest.split("-", 1)[0]
        if kind in ("tmp", "old") and pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def _in_set(name: str, names) -> bool:
    return any(fnmatch(name, pattern) for pattern in names)


def _replace(tmp: Path, out: Path, names) -> None:
    if out.exists() and not out.is_dir():
        raise OutputError(f"输出路径已存在且不是文件夹：{out} / output path exists and is not a folder")
    if not out.exists():
        tmp.rename(out)
        return
    present = [p for p in out.iterdir()]
    if all(p.is_file() and _in_set(p.name, names) for p in present):
        old = out.parent / f".{out.name}.old-{os.getpid()}-{tmp.name.rsplit('-', 1)[-1]}"
        try:
            out.rename(old)
        except OSError:  # out_dir is a mount point or otherwise pinned: replace file by file
            old = None
        if old is not None:
            try:
                tmp.rename(out)
            except OSError:
                old.rename(out)
                raise
            shutil.rmtree(old, ignore_errors=True)
            return
    new = {p.name for p in tmp.iterdir()}
    for f in sorted(tmp.iterdir()):
        os.replace(f, out / f.name)
    for p in present:  # files of this set the new run did not write
        if p.is_file() and _in_set(p.name, names) and p.name not in new:
            p.unlink()
    tmp.rmdir()


@contextmanager
def output_set(out_dir, names, lang: str = "zh") -> Iterator[Path]:
    """Write a set of output files into the yielded folder; see the module docstring."""
    out = Path(out_dir).resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(out)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; outputs are for the office
    except OSError as e:
        raise OutputError(
            _t(
                lang,
                f"无法创建输出文件夹 {out}：{os_error_text(e, lang)}",
                f"cannot create output folder {out}: {os_error_text(e, lang)}",
            )
        ) from None
    try:
        yield tmp
        _replace(tmp, out, names)
    except (AuditError, KeyboardInterrupt, GeneratorExit):
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    except Exception as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(
            _t(
                lang,
                f"输出写入失败，未写入任何文件：{type(e).__name__}: {e}",
                f"writing outputs failed, nothing written: {type(e).__name__}: {e}",
            )
        ) from e
