"""Templates → HTML (jinja2, autoescape on) → PDF (WeasyPrint)."""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path

import click
import jinja2

from audit.errors import OutputError
from audit.report.frames import fmt_num, yuan
from audit.resources import TEMPLATES


SHOWN_TEXT_MAX = 2000  # characters of one plain text value in a page (the CSVs keep it whole)


def cap_text(value):
    """Every plain text printed by a template is capped with "…": a megabyte cell would
    stall the PDF renderer for minutes. Markup (pre-rendered charts, tables) is left alone."""
    if isinstance(value, str) and not isinstance(value, jinja2.utils.markupsafe.Markup) and len(value) > SHOWN_TEXT_MAX:
        return value[:SHOWN_TEXT_MAX] + "…"
    return value


@lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    """One environment per process: autoescape on (names like <script> stay text),
    StrictUndefined so a misspelt field fails loudly instead of printing nothing."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        finalize=cap_text,
    )
    environment.filters["yuan"] = yuan
    environment.filters["num"] = fmt_num
    return environment


def render_html(template: str, context: dict) -> str:
    """Render one report template to an HTML string (autoescaped)."""
    if not (TEMPLATES / template).is_file():
        raise OutputError(
            f"找不到报告模板 {TEMPLATES / template}（templates/ 应与 audit/ 在同一文件夹）。"
            if context.get("lang") != "en"
            else f"report template {TEMPLATES / template} not found (templates/ belongs beside audit/)."
        )
    return env().get_template(template).render(**context)


@lru_cache(maxsize=1)
def font_config():
    """One WeasyPrint font configuration per process: building it (fontconfig, the CJK font's
    faces) is part of every document's cost otherwise, and --each renders thousands."""
    from multiprocessing.util import Finalize

    from weasyprint.text.fonts import FontConfiguration

    # its folder holds a copy of the PDF fonts (templates/fonts, 7 MB): dropped at exit, in
    # --each's worker processes too (they skip atexit), while the modules are still there
    Finalize(None, _drop_font_config, exitpriority=0)
    return FontConfiguration()


def _drop_font_config() -> None:
    """Let go of this process's font configuration and the sheets holding it: WeasyPrint then
    deletes its temporary folder."""
    for cached in (print_css, pdf_font_faces, font_config):
        cached.cache_clear()
    gc.collect()


PDF_FONTS = {"normal": "NotoSansCJKsc-GB2312-Regular.woff2", "bold": "NotoSansCJKsc-GB2312-Bold.woff2"}


@lru_cache(maxsize=1)
def pdf_font_faces():
    """The GB 2312 cut of the SC faces (templates/fonts, see make_fonts.py there), for PDFs only:
    print.css names it first, and a browser without it falls back to the full font. WeasyPrint
    subsets each font it embeds keeping glyph ids, so the full 65,535-glyph font costs ~0.05 s a
    face in every document, the cut one a fifth of it, and the PDF is half the size."""
    import weasyprint

    rules = "".join(
        f'@font-face {{ font-family: "Noto Sans CJK SC GB2312"; font-weight: {weight}; '
        f'src: url("{(TEMPLATES / "fonts" / name).as_uri()}"); }}\n'
        for weight, name in PDF_FONTS.items()
        if (TEMPLATES / "fonts" / name).is_file()
    )
    return [weasyprint.CSS(string=rules, font_config=font_config())] if rules else []


@lru_cache(maxsize=1)
def print_css():
    """print.css as every base.html page carries it inline, and parsed once per process: parsing
    it (its selectors compiled to Python) was ~5 % of each of thousands of self-checks."""
    import weasyprint

    text = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    return text.strip(), weasyprint.CSS(string=text, font_config=font_config())


def _stylesheets(html_text: str) -> tuple[str, list]:
    """The page without its inline copy of print.css, and the sheets to render it with (the PDF
    fonts and the parsed print.css). WeasyPrint takes these as user style sheets, below the
    page's own: the rules left in the page (base.html's watermark and page number) set other
    properties than print.css does, so the result is the same (self-checks: the same bytes)."""
    text, parsed = print_css()
    if text in html_text:
        return html_text.replace(text, "", 1), [*pdf_font_faces(), parsed]
    return html_text, pdf_font_faces()


@contextmanager
def collecting_in_batches():
    """WeasyPrint makes millions of short-lived objects, many in reference cycles (a box and its
    parent): at Python's default threshold (700 allocations) the cycle collector ran ~60 times a
    self-check and took ~11 % of its rendering; every 50,000 allocations it takes ~4 %, for
    ~10 MB more memory at most."""
    before = gc.get_threshold()
    gc.set_threshold(50_000, 20, 20)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def html_to_pdf(
    html_text: str, pdf_path: Path, attachments: list[tuple[str, bytes, str]] = (), archival: bool = False
) -> Path:
    """HTML → PDF. `archival` makes it PDF/A-3u, which may carry attachments
    ((name, bytes, description)); it costs ~0.5 s a document, so self-checks skip it."""
    import weasyprint

    from audit.privacy import output_timestamp

    stamp = output_timestamp()  # attachment dates would otherwise be now(): same input, same bytes
    files = [
        weasyprint.Attachment(string=data, name=name, description=desc, created=stamp, modified=stamp)
        for name, data, desc in attachments
    ]
    options = {"pdf_variant": "pdf/a-3u"} if archival else {}
    html_text, sheets = _stylesheets(html_text)
    with collecting_in_batches():
        weasyprint.HTML(string=html_text, base_url=str(TEMPLATES)).write_pdf(
            pdf_path, stylesheets=sheets, attachments=files or None, font_config=font_config(), **options
        )
    return pdf_path


def progress(items, label: str, length: int | None = None):
    """A progress bar on stderr when it is a terminal; silent otherwise."""
    if sys.stderr.isatty():
        return click.progressbar(items, label=label, length=length, file=sys.stderr)
    return nullcontext(items)
