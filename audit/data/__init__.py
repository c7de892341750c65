"""Files → a validated Dataset: readers (xlsx/csv/parquet grids), io (find the tables,
headers → contract columns), normalise (typed columns), contract (schemas/*.yaml as
data), validation + datachecks (every problem at once), template (the blank workbook),
synthetic (generated data sets); layout (title rows, two-level headers, totals and
footers), institutions (rows matched to homes by name, credit code or sheet name),
places (户籍地 / 所属区县 → a county)."""
