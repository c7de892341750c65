"""Staffing on the bundled demo (demo/demo.xlsx) under Jiayuguan 二(三) (1:3 full, 1:6
partial, 1:10 self-care, rounded up on the total), checked by hand against the
workbook's own rows on 2024-12-31."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from audit.checks import run_checks
from audit.data.io import load_data
from audit.policy import load_pack

DEMO = Path(__file__).resolve().parents[1] / "demo" / "demo.xlsx"


def test_december_caregivers_of_yl04_and_yl10():
    _, staffing = run_checks(load_data(DEMO), load_pack("jiayuguan"), 2024)
    dec = {r["institution_id"]: r for r in staffing.filter(pl.col("month_end") == date(2024, 12, 31))
           .iter_rows(named=True)}
    # YL04 on 2024-12-31: 2 full, 6 partial, 6 self-care → 2/3 + 6/6 + 6/10 = 2.27 → 3 required;
    # caregivers employed that day: 2 FTE → 1 short
    assert (dec["YL04"]["residents_full"], dec["YL04"]["residents_partial"], dec["YL04"]["residents_self_care"]) \
        == (2, 6, 6)
    assert (dec["YL04"]["required"], dec["YL04"]["actual"], dec["YL04"]["shortfall"]) == (3, 2.0, 1.0)
    # YL10: 16 full, 17 partial, 13 self-care → 5.33 + 2.83 + 1.3 = 9.47 → 10 required; 7 FTE → 3 short
    assert (dec["YL10"]["residents_full"], dec["YL10"]["residents_partial"], dec["YL10"]["residents_self_care"]) \
        == (16, 17, 13)
    assert (dec["YL10"]["required"], dec["YL10"]["actual"], dec["YL10"]["shortfall"]) == (10, 7.0, 3.0)
