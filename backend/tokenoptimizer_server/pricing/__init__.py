"""Pricing: resolve a model name to a price row and compute exact costs in Decimal."""

from .cost import Cost, Usage, price_request
from .resolve import Price, PriceBook, infer_provider

__all__ = ["Cost", "Price", "PriceBook", "Usage", "infer_provider", "price_request"]
