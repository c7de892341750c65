"""The bureau report as a clerk files it: cover, the leader's page, contents, signature
page and appendices, read back from the PDF with pdftotext. Expected figures are the
hand sums of test_report.fake_result's ledger (see the comments there)."""

from __future__ import annotations

import re
import shutil
import subprocess

import polars as pl
import pytest

from audit import report
from audit.errors import UsageError
from audit.report.signing import Signing, load_signing
from test_report import fake_result

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

SIGNING = Signing(unit="绍兴市越城区民政局", preparer="王经办", reviewer="李审核", head="赵负责",
                  report_date="2025-01-20", status="送审稿")


def pdf_pages(path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    out = tmp_path_factory.mktemp("filed")
    result = fake_result()
    # a gap finding as the calculators write it: the command syntax belongs in the operator appendix
    gap = pl.DataFrame({"institution_id": [None], "rule": ["policy_gap"], "severity": ["warning"],
                        "message": ["某条款 未规定参数 construction_province.rate_leased，1 个机构的该项不计发；"
                                    "可用 --set construction_province.rate_leased=数值 设定本地标准"],
                        "evidence": ["param=construction_province.rate_leased affected=1 ids=I003"],
                        "citation": ["绍兴 实施意见 重点工作(五)3"], "period": [None]},
                       schema=result.findings.schema)
    result.findings = pl.concat([result.findings, gap])
    report.write_bureau_report(result, out, SIGNING)
    return pdf_pages(out / "report.pdf"), (out / "report.html").read_text(encoding="utf-8")


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_cover_names_unit_period_date_and_status(filed):
    cover = squash(filed[0][0])
    assert "养老服务补贴核算与稽核报告" in cover
    assert "填报单位 绍兴市越城区民政局" in cover
    assert "核算期间 2024 年 1 月 1 日至 2024 年 12 月 31 日" in cover
    assert "报告日期 2025-01-20" in cover and "报告状态 送审稿" in cover
    assert "SHA-256" not in cover and "--set" not in cover  # no hashes or commands up front


def test_leader_page_figures(filed):
    """Programme × payer by hand: construction city 400,000.00; operating city 60,000.00 +
    12,000.00 = 72,000.00 and county 15,000.00; centre county 30,000.00; insurance county
    1,234.57 (I002's own share 617.28 is not a grant). City 472,000.00 + county 46,234.57 =
    518,234.57. I001 (error staffing_ratio) and I002 (error invalid_value) are held:
    475,000.00 + 13,234.57 = 488,234.57; I003 paid 30,000.00; none without a grant."""
    page = squash(filed[0][1])
    assert "领导摘要" in page and "补贴合计（财政及福彩资金）：518,234.57 元" in page
    assert re.search(r"建设补贴 400,000.00 — 400,000.00", page)
    assert re.search(r"运营补贴 72,000.00 15,000.00 87,000.00", page)
    assert re.search(r"合计 472,000.00 46,234.57 518,234.57", page)
    assert re.search(r"应付 1 30,000.00", page)
    assert re.search(r"暂缓支付 2 488,234.57 护理员配备 1；数据不合规 1", page)
    assert re.search(r"无应付款 0 —", page)


def test_contents_lists_sections_with_page_numbers(filed):
    toc = squash(filed[0][2])
    for title in ("一、核算范围与依据", "二、补贴合计", "三、机构汇总", "四、稽核发现", "审核签字",
                  "附录一　操作说明", "附录二　输入文件与哈希", "附录三　所用参数及原文"):
        assert re.search(re.escape(title.replace("　", " ")) + r"[^0-9]*\d+", toc.replace("　", " ")), title


def test_signature_page(filed):
    pages = filed[0]
    sig = next(squash(p) for p in pages if "审核签字" in p and "经办人" in p)
    assert re.search(r"经办人 王经办 .*年 月 日", sig)
    assert "审核人 李审核" in sig and "负责人 赵负责" in sig
    assert "（单位盖章）" in sig and "填报单位：绍兴市越城区民政局" in sig
    assert "518,234.57" in sig


def test_command_syntax_only_in_operator_appendix(filed):
    pages = [squash(p) for p in filed[0]]
    first_appendix = next(i for i, p in enumerate(pages) if "附录一 操作说明" in p.replace("　", " ")
                          and "--set construction_province.rate_leased" in p)
    assert not any("--set" in p for p in pages[:first_appendix])
    assert "不计发" in " ".join(pages[:first_appendix])  # the finding itself stays in the body
    hashes = next(i for i, p in enumerate(pages) if re.search(r"[0-9a-f]{64}", p.replace(" ", "")))
    assert hashes >= first_appendix  # hashes only in the appendix


def test_ledger_lines_only_with_the_appendix_option(filed, tmp_path):
    """Default: the PDF grows with institutions, not ledger lines (those are in ledger.xlsx)."""
    assert "附录五" not in filed[1] and '<tr class="inst-head">' not in filed[1]
    report.write_bureau_report(fake_result(), tmp_path, Signing(ledger_appendix=True))
    assert "附录五　补贴明细" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_unsigned_report_leaves_lines_to_fill(tmp_path):
    report.write_bureau_report(fake_result(), tmp_path)
    pages = [squash(p) for p in pdf_pages(tmp_path / "report.pdf")]
    assert "待审核（未签字）" in pages[0]
    sig = next(p for p in pages if "经办人" in p and "（单位盖章）" in p)
    assert sig.count("年 月 日") == 4  # three signers and the seal


def test_signing_from_a_file_and_options(tmp_path):
    cfg = tmp_path / "report.yaml"
    cfg.write_text("填报单位: 诸暨市民政局\n经办人: 钱一\n审核人: 孙二\n报告日期: 2025-02-03\n", encoding="utf-8")
    s = load_signing(cfg, reviewer="周三")
    assert (s.unit, s.preparer, s.reviewer, s.report_date) == ("诸暨市民政局", "钱一", "周三", "2025-02-03")
    cfg.write_text("单位名称: x\n", encoding="utf-8")
    with pytest.raises(UsageError, match="单位名称"):
        load_signing(cfg)
    with pytest.raises(UsageError, match="2025-01-31"):
        load_signing(None, report_date="2025年2月")
