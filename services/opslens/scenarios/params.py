"""Values for ``{placeholders}`` in log templates and URLs: order ids, SKUs, amounts...

One :class:`Params` belongs to one request, so every service in it logs the same order id.
Unknown placeholders get a short random token instead of failing.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

_CATEGORIES = ("shoes", "outdoor", "kitchen", "books", "toys", "garden", "audio")
_LOCALES = ("en-US", "ko-KR", "de-DE", "ja-JP", "fr-FR")
_TIERS = ("free", "silver", "gold")
_WAREHOUSES = ("ICN-1", "FRA-2", "IAD-3")
_NAMES = ("jisoo", "minho", "anna", "lukas", "sara", "tom", "yuna", "daniel")
_ALNUM = string.ascii_lowercase + string.digits

_GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "product_id": lambda r: str(r.randint(1000, 9999)),
    "sku": lambda r: f"SKU-{r.randint(10000, 99999)}",
    "order_id": lambda r: f"ord-{r.getrandbits(32):08x}",
    "user_id": lambda r: str(r.randint(100000, 999999)),
    "session_id": lambda r: f"{r.getrandbits(48):012x}",
    "payment_id": lambda r: "pay_" + "".join(r.choice(_ALNUM) for _ in range(12)),
    "amount": lambda r: f"{r.uniform(5, 480):.2f}",
    "qty": lambda r: str(r.randint(1, 5)),
    "count": lambda r: str(r.randint(1, 48)),
    "page": lambda r: str(r.randint(1, 20)),
    "ms": lambda r: str(r.randint(3, 60)),
    "category": lambda r: r.choice(_CATEGORIES),
    "locale": lambda r: r.choice(_LOCALES),
    "tier": lambda r: r.choice(_TIERS),
    "warehouse": lambda r: r.choice(_WAREHOUSES),
    "email": lambda r: f"{r.choice(_NAMES)[0]}***@example.com",
    "card": lambda r: f"{r.randint(0, 9999):04d}",
    "id": lambda r: str(r.randint(1000, 99999)),
}


class Params(dict[str, str]):
    """A lazily filled ``str.format_map`` source: each value is drawn once, on first use."""

    def __init__(self, rng: random.Random, **fixed: str) -> None:
        super().__init__(fixed)
        self._rng = rng

    def __missing__(self, key: str) -> str:
        generator = _GENERATORS.get(key)
        value = generator(self._rng) if generator else f"{self._rng.getrandbits(24):06x}"
        self[key] = value
        return value

    def render(self, template: str) -> str:
        return template.format_map(self)

    def fill_path(self, path: str) -> str:
        """``/api/orders/{id}`` with the request's values (``{id}`` from the resource kind)."""
        if "{id}" in path:
            kind = "order_id" if "order" in path else "user_id" if "user" in path else "product_id"
            path = path.replace("{id}", self[kind])
        return path.format_map(self)
