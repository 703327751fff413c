"""Engagement metrics (SPEC §3): computed per community and week from the week tables, in SQL.
`compute.compute_week` is the entry point; `models` holds what it returns."""
