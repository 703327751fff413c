"""Per-feature Discord glue: `commands` (every registry command and button) and `analytics` (activity)."""
