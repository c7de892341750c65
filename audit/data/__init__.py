"""Files → a validated Dataset: readers (xlsx/csv/parquet grids), io (find the tables,
headers → contract columns), normalise (typed columns), contract (schemas/*.yaml as
data), validation + datachecks (every problem at once), template (the blank workbook),
synthetic (generated data sets)."""
