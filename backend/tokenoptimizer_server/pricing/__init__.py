"""Pricing: resolve a model name to a price row and compute exact costs in Decimal."""

from .cost import UNPRICED_REASONS, Cost, Quote, Unpriced, Usage, price_request, quote
from .resolve import Price, PriceBook, infer_provider

__all__ = ["UNPRICED_REASONS", "Cost", "Price", "PriceBook", "Quote", "Unpriced", "Usage", "infer_provider", "price_request",
           "quote"]
