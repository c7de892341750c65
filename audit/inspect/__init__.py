"""双随机、一公开 random inspections: draw (pure and verifiable: strata, picks, teams,
register hashes) and documents (load + draw + write, checklists, public results)."""
