"""The public list of approved subsidies (资金公示): institutions, programmes and the
public money approved, from a run's approved.csv — no personal data. Written with the
same helpers as the inspection results list (一公开)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from audit.errors import OutputError
from audit.report.reconciliation import PROGRAMS, WORDS


def publish_subsidies(approved_csv, out_dir, lang: str = "zh") -> dict:
    """publish_subsidies.html / .pdf / .xlsx from a run's approved.csv: institution, county,
    programme, period and approved amount only (any other column is left out)."""
    from audit.inspect.documents import render, write_html_pdf, write_xlsx
    from audit.outputs import output_set
    from audit.money import fen_to_yuan, yuan_to_fen

    W = WORDS["en" if lang == "en" else "zh"]
    try:
        df = pl.read_csv(approved_csv, infer_schema=False, encoding="utf8-lossy")
    except Exception as e:
        raise OutputError(
            f"无法读取 {approved_csv}：{e}" if lang != "en" else f"cannot read {approved_csv}: {e}"
        ) from e
    keep = ["institution_id", "name", "county", "program", "period", "approved"]
    missing = [c for c in keep if c not in df.columns]
    if missing:
        from audit.errors import InputError

        raise InputError(
            (f"{approved_csv} 不是 audit run 写出的 approved.csv（缺少列 {', '.join(missing)}）")
            if lang != "en"
            else f"{approved_csv} is not an approved.csv written by audit run (missing {', '.join(missing)})"
        )
    dropped = [c for c in df.columns if c not in keep]
    df = df.select(keep)
    fen = [yuan_to_fen(v) for v in df["approved"].to_list()]
    programs = PROGRAMS["en" if lang == "en" else "zh"]
    heads = {
        "institution_id": W["institution_id"],
        "name": W["name"],
        "county": W["county"],
        "program": W["program"],
        "period": W["period"],
        "approved": f"{W['approved']}（{W['unit']}）",
    }
    shown = df.with_columns(
        pl.col("program").replace(programs), pl.Series("approved", [fen_to_yuan(x, thousands=True) for x in fen])
    )
    total = fen_to_yuan(sum(fen), thousands=True)
    html = render(
        "publish_subsidies.html",
        lang=lang,
        rows=shown.to_dicts(),
        heads=heads,
        title=W["public_title"],
        note=W["public_note"],
        counts={W["institutions"]: shown["institution_id"].n_unique(), W["total"]: total},
    )
    with output_set(
        out_dir, {"publish_subsidies.xlsx", "publish_subsidies.html", "publish_subsidies.pdf"}, lang
    ) as tmp:
        write_xlsx(tmp / "publish_subsidies.xlsx", {W["public_title"][:31]: shown.rename(heads)})
        write_html_pdf(html, tmp / "publish_subsidies")
    return {
        "rows": shown.height,
        "total": total,
        "dropped_columns": dropped,
        "files": [Path(out_dir) / f"publish_subsidies.{x}" for x in ("html", "pdf", "xlsx")],
    }
