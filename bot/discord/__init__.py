"""The Discord adapter (discord.py 2.7): thin glue between Discord and the neutral features.

Only this package imports `discord`. It turns gateway events and interactions into dispatcher and
ingestion calls, and `OutMessage`s into Discord messages; it holds no business rule."""
