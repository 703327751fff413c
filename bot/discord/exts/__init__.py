"""Per-feature Discord glue beyond declared commands (native polls, timeouts, modals): `<feature>.py`."""
