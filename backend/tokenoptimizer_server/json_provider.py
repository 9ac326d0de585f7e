"""JSON out of Flask: money as exact decimal strings, times as ISO 8601 with zone."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider


def to_jsonable(value):
    """Decimal → "0.000025" (never float, never exponent form); datetime → ISO; UUID → str."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


class MoneyJSONProvider(DefaultJSONProvider):
    sort_keys = False

    @staticmethod
    def default(o):
        return to_jsonable(o)
