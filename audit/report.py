"""Reports: RunResult → report.html / report.pdf (bureau) and self-check pages.

Minimal first version with the final signatures; full layout follows."""

from __future__ import annotations

import html
from pathlib import Path


def write_bureau_report(result, out_dir) -> list[Path]:
    """Write report.html and report.pdf for the whole run into out_dir."""
    import weasyprint

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    title = html.escape(str(getattr(result.pack, "title", "")))
    text = f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{title}</title><h1>{title}</h1></html>'
    html_path, pdf_path = out / "report.html", out / "report.pdf"
    html_path.write_text(text, encoding="utf-8")
    weasyprint.HTML(string=text).write_pdf(pdf_path)
    return [html_path, pdf_path]


def write_selfcheck(result, institution_id: str, out_dir) -> list[Path]:
    """Write selfcheck_<id>.html / .pdf for one institution into out_dir."""
    raise NotImplementedError("self-check report not built yet")
