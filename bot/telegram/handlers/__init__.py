"""Per-feature Telegram glue beyond declared commands (native polls, restrictions): `<feature>.py`."""
