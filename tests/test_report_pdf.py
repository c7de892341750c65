"""The bureau PDF: Chinese SC fonts, text that reads back, archival attachments,
page footers and the draft flag on every page."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import polars as pl
import pytest
from pypdf import PdfReader

from audit import report
from test_report import GRANTS_TOTAL, PERSON_ID, fake_result

pytestmark = pytest.mark.slow
needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext") or not shutil.which("pdftoppm"),
                                   reason="poppler-utils (pdftotext, pdftoppm) not installed")


@pytest.fixture(scope="module")
def pdf(tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    result = fake_result()
    report.write_bureau_report(result, out)
    return result, out / "report.pdf"


def _font_names(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]))
    return names


def test_fonts_are_simplified_chinese_not_japanese(pdf):
    names = _font_names(PdfReader(pdf[1]))
    assert any("CJK-SC" in n or "CJKsc" in n for n in names), names
    assert not any("JP" in n for n in names), names


def test_pdf_is_pdfa3_with_ledger_and_findings_attached(pdf):
    result, path = pdf
    reader = PdfReader(path)
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r"pdfaid:part[^0-9]*3", xmp) and re.search(r"pdfaid:conformance[^A-Z]*U", xmp), xmp[:800]
    attached = reader.attachments
    assert set(attached) >= {"ledger.csv", "findings.csv"}
    ledger = pl.read_csv(io.BytesIO(attached["ledger.csv"][0]), schema_overrides={"amount": pl.String})
    # the attached ledger adds up to the same hand-worked total (518,851.85 yuan = 51,885,185 fen)
    fen = sum(int(a.replace(".", "")) for a in ledger["amount"])
    assert fen == 51_885_185
    findings = attached["findings.csv"][0].decode("utf-8")
    assert PERSON_ID not in findings and "3306**********1234" in findings


def _page_texts(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    return text.split("\f")[:-1]


@needs_poppler
def test_pdf_text_has_totals_footers_and_draft_flag_on_every_page(pdf):
    pages = _page_texts(pdf[1])
    assert len(pages) >= 2
    joined = "\n".join(pages)
    assert GRANTS_TOTAL in joined and "400,000.00" in joined
    assert "\ufffd" not in joined
    for i, page in enumerate(pages, start=1):
        assert "征求意见稿" in page and "非正式依据" in page
        assert re.search(rf"第\s*{i}\s*页\s*/\s*共\s*{len(pages)}\s*页", page), page[-200:]
        assert "shaoxing" in page   # pack id in the running footer
    assert PERSON_ID not in joined


@needs_poppler
def test_every_character_has_a_glyph(pdf, tmp_path):
    """No tofu: every non-ASCII character drawn is covered by the SC face (fontTools cmap)."""
    from fontTools.ttLib import TTCollection

    ttc = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    try:
        fonts = TTCollection(ttc).fonts
    except FileNotFoundError:
        pytest.skip("fonts-noto-cjk not installed")
    sc = next(f for f in fonts if "SC" in f["name"].getDebugName(1))
    cmap = sc.getBestCmap()
    chars = set("".join(_page_texts(pdf[1]))) - set(map(chr, range(128))) - {"\f", "\n"}
    missing = sorted(c for c in chars if ord(c) not in cmap)
    assert not missing, missing
    # and the pages rasterise
    subprocess.run(["pdftoppm", "-r", "30", "-png", "-f", "1", "-l", "1", str(pdf[1]), str(tmp_path / "p")],
                   check=True)
    pngs = list(tmp_path.glob("p-*.png"))
    assert pngs and pngs[0].stat().st_size > 1000


def test_pdf_fonts_are_the_gb2312_cut_with_the_full_font_for_other_characters(tmp_path):
    """PDFs embed the GB 2312 cut of the SC faces (templates/fonts: ~5× cheaper to subset into
    each of thousands of self-checks); a name with 镕 or 堃 (not in GB 2312) still gets its glyph,
    from the full Noto Sans CJK SC, and reads back."""
    from audit.report.render import TEMPLATES, html_to_pdf

    css = (TEMPLATES / "print.css").read_text(encoding="utf-8")
    common = (f'<html lang="zh-CN"><head><meta charset="utf-8"><style>{css}</style></head><body>'
              "<h1>机构自查报告</h1><p><strong>预计补贴</strong> 合计 1,200.00 元</p></body></html>")
    rare = common.replace("合计", "朱镕基 王堃 合计")
    names = {}
    for label, html in (("common", common), ("rare", rare)):
        html_to_pdf(html, tmp_path / f"{label}.pdf")
        names[label] = _font_names(PdfReader(tmp_path / f"{label}.pdf"))
    assert {n.split("+")[1] for n in names["common"]} == {"Noto-Sans-CJK-SC-GB2312", "Noto-Sans-CJK-SC-GB2312-Bold"}
    assert any(n.endswith("+Noto-Sans-CJK-SC") for n in names["rare"]), names["rare"]
    text = subprocess.run(["pdftotext", str(tmp_path / "rare.pdf"), "-"], capture_output=True, text=True).stdout
    assert "朱镕基 王堃 合计 1,200.00" in text


def test_gb2312_font_cut_covers_gb2312():
    """The shipped cut holds every GB 2312 character (a miss would only fall back, but silently slower)."""
    from fontTools.ttLib import TTFont

    from audit.resources import TEMPLATES

    cmap = TTFont(TEMPLATES / "fonts" / "NotoSansCJKsc-GB2312-Regular.woff2").getBestCmap()
    gb2312 = {bytes([a, b]).decode("gb2312", "ignore") for a in range(0xB0, 0xF8) for b in range(0xA1, 0xFF)}
    hanzi = {c for c in gb2312 if c}
    assert len(hanzi) == 6763 and not [c for c in hanzi if ord(c) not in cmap]


def test_rendering_leaves_the_cycle_collector_as_it_found_it(tmp_path):
    """The collector runs in larger batches only while WeasyPrint lays a document out; the
    caller's thresholds are back afterwards, also when rendering fails."""
    import gc

    from audit.report.render import html_to_pdf

    gc.set_threshold(700, 10, 10)
    html_to_pdf("<p>一页</p>", tmp_path / "a.pdf")
    assert gc.get_threshold() == (700, 10, 10)
    with pytest.raises(OSError):
        html_to_pdf("<p>一页</p>", tmp_path / "missing-folder" / "a.pdf")
    assert gc.get_threshold() == (700, 10, 10)
