"""Pricing: resolve a model name to a price row and compute exact costs in Decimal."""

from .cost import UNPRICED_REASONS, Cost, Quote, Unpriced, Usage, cost_at, price_request, quote
from .resolve import Price, PriceBook, infer_provider

__all__ = ["UNPRICED_REASONS", "Cost", "Price", "cost_at", "PriceBook", "Quote", "Unpriced", "Usage", "infer_provider", "price_request",
           "quote"]
