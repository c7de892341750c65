"""`audit notice`: the approval notice (核定通知书) per institution — what it claimed, what
was approved, why cut, under which clause. Parse, call audit.run + the report writer, print."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from audit.cli import main
from audit.cli.common import data_option, lang_option, out_option, policy_options, year_option
from audit.cli.selfcheck import _publish, _t, pick_institutions
from audit.errors import OutputError


@main.command("notice")
@policy_options
@year_option
@data_option
@out_option
@click.option("--institution", "institution_id", help="机构编号（数据含多家机构时必填，除非使用 --each）。")
@click.option("--each", is_flag=True, help="为每家有申报或拨付记录的机构各生成一份核定通知书。")
@lang_option
def notice(policy, sets, override_file, year, data_path, out_dir, institution_id, each, lang):
    """补贴核定通知书（PDF）：申报、核定、已拨付、应追回或补发，核减理由及条款。

    需要输入数据含“申报”或“拨付”表。退出码：0 已写出；1 输入数据有错误；2 用法或政策包错误；3 写出失败。"""
    from audit.report.reconciliation import write_approval_notices
    from audit.run import run

    result = run(data_path, policy, year, sets=sets, override_file=override_file, lang=lang)
    recon = result.reconciliation
    ids = sorted(recon["institution_id"].unique().to_list()) if recon is not None and recon.height else []
    if not ids:
        raise click.UsageError(_t(lang, "输入数据中没有“申报”或“拨付”记录，无法出具核定通知书。",
                                  "The input holds no claims or payments: there is nothing to approve."))
    chosen = pick_institutions(ids, institution_id, each, lang)
    out = Path(out_dir)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as e:
        raise OutputError(_t(lang, f"无法创建输出文件夹 {out}: {e}", f"cannot create output folder {out}: {e}")) from e
    try:
        paths = write_approval_notices(result, chosen, tmp)
        _publish(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    click.echo(_t(lang, f"已写出 {len(paths)} 个文件到 {out}（{len(chosen)} 家机构的核定通知书）。",
                  f"Wrote {len(paths)} files to {out} (approval notices for {len(chosen)} institutions)."))
