"""Adding a rule kind is one new module in audit/kinds/ (docs/internals.md "How to add a rule
kind"): a copy of the package gets one file, `flat_grant.py`, and nothing else; a pack then uses
the kind and the run pays it, with the words, citation and unit check derived from the
declaration alone."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

NEW_KIND = '''
"""A flat yearly amount per institution."""
import polars as pl

from audit.kinds.base import Item, Kind
from audit.kinds.common import settle_annual, value


def flat_grant(rule, tables, ctx):
    amount = value(rule, "amount", ctx.ref_date)
    payer = value(rule, "payer", ctx.ref_date)
    lines = tables["institutions"].select(
        "institution_id", pl.lit("operating").alias("program"), pl.lit("flat_amount").alias("item"),
        pl.lit(ctx.period_label).alias("period"), pl.lit(1).alias("quantity"), pl.lit(amount).alias("rate_fen"),
        pl.lit(amount).alias("amount_fen"), pl.lit(payer).alias("payer"), pl.lit(rule.id).alias("rule"),
        pl.lit(rule.clause).alias("citation"), pl.lit("每家定额 3,000.00 元").alias("basis"))
    return settle_annual(ctx, rule, lines, "定额补助", "flat grant")   # a year's amount: never paid for a half-year


KINDS = [Kind("flat_grant", "定额补助", "flat grant", params={"amount": {"yuan"}, "payer": {"payer"}},
              program="operating", compute=flat_grant,
              items=(Item("flat_amount", "定额运营补助", "flat operating amount", ("amount",)),),
              basis_en=(("每家定额 ", "a flat amount per home of "),))]
'''

PACK = """
id: flat
title: 某县定额补助办法
number: 某民〔2024〕1号
jurisdiction: 某县
issued: 2024-01-01
effective: 2024-01-01
status: in_force
short: 某县定额
source: flat.txt
rules:
  flat:
    kind: flat_grant
    title: 定额运营补助
    clause: 第三条
    params:
      amount: {unit: %s, value: 3000, quote: 每家机构每年补助3000元}
      payer: {unit: payer, value: county, quote: 由县级财政承担}
"""

SCRIPT = """
import json, sys
import audit
from audit.report.labels import LABELS, item_label
result = audit.run(sys.argv[1], sys.argv[2], 2024)
english = audit.run(sys.argv[1], sys.argv[2], 2024, lang="en")
print(json.dumps({"ledger": result.ledger.select("institution_id", "item", "amount_fen", "payer", "citation").rows(),
                  "words": item_label("flat_amount", LABELS["zh"]), "basis_en": english.ledger["basis"].to_list()},
                 ensure_ascii=False))
"""


def _copy_with_new_kind(tmp: Path) -> Path:
    root = tmp / "checkout"
    shutil.copytree(ROOT / "audit", root / "audit", ignore=shutil.ignore_patterns("__pycache__"))
    for shipped in ("schemas", "templates"):
        shutil.copytree(ROOT / shipped, root / shipped)
    before = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    (root / "audit" / "kinds" / "flat_grant.py").write_text(NEW_KIND, encoding="utf-8")
    after = {p.relative_to(root) for p in root.rglob("*") if p.is_file()}
    assert after - before == {Path("audit/kinds/flat_grant.py")}
    return root


def _run(root: Path, tmp: Path, unit: str) -> subprocess.CompletedProcess:
    (tmp / "flat.txt").write_text("第三条 每家机构每年补助3000元，由县级财政承担。", encoding="utf-8")
    (tmp / "flat.yaml").write_text(PACK % unit, encoding="utf-8")
    (tmp / "data").mkdir(exist_ok=True)
    (tmp / "data" / "institutions.csv").write_text(
        "institution_id,name,kind,county,ownership,beds\nA1,甲敬老院,institution,新昌县,public,20\n", encoding="utf-8")
    return subprocess.run([sys.executable, "-c", SCRIPT, str(tmp / "data"), str(tmp / "flat.yaml")],
                          cwd=tmp, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=300)


def test_a_new_kind_is_one_module_and_the_run_pays_it(tmp_path):
    root = _copy_with_new_kind(tmp_path)
    done = _run(root, tmp_path, "yuan")
    assert done.returncode == 0, done.stderr[-2000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    # 每家机构每年补助3000元 → 300,000 fen for the one home, paid by the county, clause cited
    assert out["ledger"] == [["A1", "flat_amount", 300_000, "county", "第三条"]]
    assert out["words"] == "定额运营补助"
    assert out["basis_en"] == ["a flat amount per home of 3,000.00 yuan"]   # its declared phrase, then the shared 元


def test_the_new_kinds_declared_units_are_enforced(tmp_path):
    root = _copy_with_new_kind(tmp_path)
    done = _run(root, tmp_path, "yuan/bed")
    assert done.returncode != 0
    assert "yuan/bed" in done.stderr and "flat" in done.stderr
