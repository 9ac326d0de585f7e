"""Conversation efficiency: the conversations rollup (Zimmer Tokens, score, rating, status) and its settings.

The formulas live once, in SQL (`*_conversation_efficiency.sql`; docs/efficiency.md); this package
refreshes the rollup from the evaluator job and reads and writes the per-project settings.
"""

from .rollup import DEFAULT_SETTINGS, get_settings, put_settings, refresh

__all__ = ["DEFAULT_SETTINGS", "get_settings", "put_settings", "refresh"]
