"""The HTML report in a real browser (headless Chromium): it renders without console
errors and the totals in the DOM equal the ledger's."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import polars as pl
import pytest

from audit import report
from test_report import GRANTS_TOTAL, fake_result, fmt, html_totals

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed; browser check skipped")]


def dump_dom(path) -> tuple[str, list[str]]:
    """The DOM after load, and the page's console messages."""
    with tempfile.TemporaryDirectory() as profile:
        run = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", "--dump-dom",
             path.resolve().as_uri()],
            capture_output=True, text=True, timeout=60)
    console = [line for line in run.stderr.splitlines() if ":CONSOLE" in line]
    return run.stdout, console


def test_console_messages_are_caught(tmp_path):
    """The harness itself: a page that logs an error is seen as one."""
    page = tmp_path / "js.html"
    page.write_text('<html><body><script>console.error("boom")</script></body></html>')
    _, console = dump_dom(page)
    assert any("boom" in line for line in console)


def test_bureau_html_renders_with_ledger_totals(tmp_path):
    result = fake_result()
    report.write_bureau_report(result, tmp_path)
    dom, console = dump_dom(tmp_path / "report.html")
    assert console == []
    assert f'<span id="grand-total">{GRANTS_TOTAL}</span>' in dom
    grants = result.ledger.filter(pl.col("payer") != "institution")  # own premium shares are not grants
    expected = {p: fmt(a) for p, a in grants.group_by("program").agg(pl.col("amount_fen").sum()).iter_rows()}
    names = {"construction": "建设补贴", "operating": "运营补贴", "center_operating": "居家养老中心运营补助",
             "insurance": "综合保险"}
    assert html_totals(dom, "program") == {names[p]: a for p, a in expected.items()}
    assert "<script>alert(1)</script>" not in dom   # the institution named <script> stayed text


def test_bureau_html_cover_contents_and_signature_in_the_browser(tmp_path):
    """Every contents entry links to a section the browser built, the leader's page shows
    the hand-summed grants and the signature table names its three signers."""
    import re

    from audit.report.signing import Signing

    report.write_bureau_report(fake_result(), tmp_path, Signing(unit="越城区民政局", preparer="王经办"))
    dom, console = dump_dom(tmp_path / "report.html")
    assert console == []
    links = re.findall(r'<nav class="toc".*?</nav>', dom, re.S)[0]
    targets = re.findall(r'href="#([\w-]+)"', links)
    assert len(targets) >= 8 and all(f'id="{t}"' in dom for t in targets)
    assert "越城区民政局" in dom.split('<nav class="toc"')[0]  # on the cover, before the contents
    sig = re.search(r'<table class="signature" id="signature">(.*?)</table>', dom, re.S).group(1)
    assert [r for r in re.findall(r"<th>([^<]+)</th>", sig)][-3:] == ["经办人", "审核人", "负责人"]
    assert "<td>王经办</td>" in sig
