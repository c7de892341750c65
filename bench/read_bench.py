"""Reading a 100,000-row workbook: our reader against a bare polars read of the same file.

    python bench/read_bench.py [--rows 100000] [--repeat 3] [--keep DIR]

Writes a workbook shaped like a bureau's (机构 sheet, a 入住老人 sheet of `--rows` stays
with Chinese headers, dates as real Excel dates and as typed text, 户籍地 as county
names), then times, best of `--repeat`:
  bare   polars.read_excel(path, sheet_name=<every sheet>, engine="calamine")
  read   audit.data.io.read_tables(path)      (layout, headers, sheets, id cells)
  load   audit.load_data(path)                (read + normalise + validate)
and prints each with its ratio to bare. Issue 9 asks read ≤ 2.5 × bare. Not a test:
wall time on a shared machine varies; the ratio is the figure to watch."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import polars as pl
import xlsxwriter

COUNTIES = ["越城区", "柯桥区", "上虞区", "新昌县", "诸暨市", "嵊州市"]


def _id(i: int) -> str:
    body = f"330602{1930 + i % 60}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
    total = sum(int(d) * pow(2, 17 - k, 11) for k, d in enumerate(body))
    return body + "10X98765432"[total % 11]


def build(path: Path, rows: int) -> Path:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("机构")
    ws.write_row(0, 0, ["机构编号", "机构名称", "所属区县", "机构类型", "举办性质", "核定床位数", "等级评定"])
    for k in range(200):
        ws.write_row(k + 1, 0, [f"A{k:04d}", f"第{k}养老院", COUNTIES[k % 6], "养老机构", "民办", str(600), "三级"])
    ws = wb.add_worksheet("入住老人")
    ws.write_row(0, 0, ["机构编号", "身份证号", "姓名", "入住日期", "离院日期", "户籍地", "能力等级", "失智", "低保类别"])
    start = dt.datetime(2018, 1, 1)
    for i in range(1, rows + 1):
        ws.write_string(i, 0, f"A{i % 200:04d}")
        ws.write_string(i, 1, _id(i))
        ws.write_string(i, 2, "张三")
        admitted = start + dt.timedelta(days=i % 2000)
        if i % 2:
            ws.write_datetime(i, 3, admitted, date_fmt)
        else:
            ws.write_string(i, 3, f"{admitted.year}.{admitted.month}.{admitted.day}")
        if i % 5 == 0:
            ws.write_string(i, 4, "2024.6.30")
        ws.write_string(i, 5, COUNTIES[i % 6])
        ws.write_string(i, 6, ("能力完好", "轻度失能", "重度失能")[i % 3])
        ws.write_string(i, 7, "否")
        ws.write_string(i, 8, "无")
    wb.close()
    return path


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep")
    a = ap.parse_args(argv)
    import audit
    from audit.data.io import read_tables

    folder = Path(a.keep) if a.keep else Path(tempfile.mkdtemp(prefix="read-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = build(folder / "bureau.xlsx", a.rows)
    audit.load_data(path)   # warm: division table, schema, imports
    bare = best(lambda: pl.read_excel(path, sheet_id=0, engine="calamine"), a.repeat)
    read = best(lambda: read_tables(path), a.repeat)
    load = best(lambda: audit.load_data(path), a.repeat)
    print(f"rows={a.rows}")
    print(f"bare polars.read_excel(calamine): {bare:.2f} s")
    print(f"audit read_tables:               {read:.2f} s  ({read / bare:.2f} × bare; issue 9 asks ≤ 2.5 ×)")
    print(f"audit load_data (read+validate):  {load:.2f} s  ({load / bare:.2f} × bare)")


if __name__ == "__main__":
    main()
