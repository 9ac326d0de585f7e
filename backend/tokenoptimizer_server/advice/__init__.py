"""Savings advice: per-endpoint plans of capability-checked candidates, priced by ingest's resolver.

rules.py judges a candidate (context, retirement, tools / JSON / images, generation, tier),
candidates.py finds and prices candidates, plans.py assembles one plan per endpoint,
equivalences.py keeps a project's own "X can do Y's job" map.
"""

from .plans import build_plans

__all__ = ["build_plans"]
