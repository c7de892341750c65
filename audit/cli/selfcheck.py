"""`audit selfcheck`: an institution's own report (estimated grants, findings with what
to fix, staffing by month). Parse, call audit.run + audit.report, print."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import click
import polars as pl

from audit.cli import main
from audit.cli.common import data_option, lang_option, out_option, policy_options, year_option
from audit.errors import OutputError


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _publish(tmp: Path, out: Path) -> None:
    """Move a finished temp folder into place: a rename when `out` is new, else
    file by file (each os.replace is atomic), so no half-written file is ever seen."""
    if not out.exists():
        os.rename(tmp, out)
        return
    for f in sorted(tmp.iterdir()):
        os.replace(f, out / f.name)
    tmp.rmdir()


def pick_institutions(ids: list[str], institution_id: str | None, each: bool, lang: str) -> list[str]:
    """Which institutions to report on, or a usage error saying how to choose."""
    if institution_id and each:
        raise click.UsageError(_t(lang, "--institution 与 --each 只能选其一。",
                                  "Use either --institution or --each, not both."))
    if each:
        return ids
    if institution_id:
        if institution_id not in ids:
            shown = "、".join(ids[:10]) + ("…" if len(ids) > 10 else "")
            raise click.BadParameter(_t(lang, f"数据中没有机构编号 {institution_id}（现有: {shown}）。",
                                        f"no institution {institution_id} in the data (have: {shown})."),
                                     param_hint="--institution")
        return [institution_id]
    if len(ids) == 1:
        return ids
    raise click.UsageError(_t(lang, f"数据中有 {len(ids)} 家机构：请用 --institution 指定一家，或用 --each 为每家各出一份。",
                              f"The data holds {len(ids)} institutions: pick one with --institution, or use --each."))


@main.command("selfcheck")
@policy_options
@year_option
@data_option
@out_option
@click.option("--institution", "institution_id", help="机构编号（数据含多家机构时必填，除非使用 --each）。")
@click.option("--each", is_flag=True, help="为数据中的每家机构各生成一份自查报告（两个进程并行生成 PDF）。")
@click.option("--deadline", help="主管部门规定的整改期限，如 2025-03-31（写在每条发现旁）。")
@lang_option
@click.pass_context
def selfcheck(ctx, policy, sets, override_file, year, data_path, out_dir, institution_id, each, deadline, lang):
    """机构自查报告：预计补贴（逐项）、每条发现及整改建议与条款、逐月护理员配备。

    退出码：0 无错误级发现；1 有错误级发现（报告照常写出）；2 用法或政策包错误；3 及以上写出失败。"""
    from audit.report import write_selfcheck, write_selfchecks
    from audit.run import run

    if deadline:
        from datetime import date

        try:
            deadline = date.fromisoformat(deadline.strip()).isoformat()
        except ValueError:
            raise click.BadParameter(_t(lang, "应写作 2025-03-31", "write it 2025-03-31"), param_hint="--deadline")
    result = run(data_path, policy, year, sets=sets, override_file=override_file, lang=lang)
    ids = sorted(result.dataset.tables["institutions"]["institution_id"].drop_nulls().unique().to_list())
    chosen = pick_institutions(ids, institution_id, each, lang)

    out = Path(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as e:
        raise OutputError(_t(lang, f"无法创建输出文件夹 {out}: {e}", f"cannot create output folder {out}: {e}")) from e
    try:
        if len(chosen) == 1:
            paths = write_selfcheck(result, chosen[0], tmp, deadline)
        else:
            paths = write_selfchecks(result, chosen, tmp, workers=2, deadline=deadline)
        _publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    findings = result.findings.filter(pl.col("institution_id").is_in(chosen))
    n_error = findings.filter(pl.col("severity") == "error").height
    click.echo(_t(lang, f"已写出 {len(paths)} 个文件到 {out}（{len(chosen)} 家机构；{findings.height} 条发现，其中错误 {n_error} 条）。",
                  f"Wrote {len(paths)} files to {out} ({len(chosen)} institutions; {findings.height} findings, {n_error} errors)."))
    if n_error:
        ctx.exit(1)
