"""Rule kinds, one module per family: construction, operating, centers, insurance
(subsidies → ledger lines) and staffing, targets (checks → findings); claims holds the
cross-institution double-claim check that needs no rule. common / checking hold what
the subsidy and check families share."""
