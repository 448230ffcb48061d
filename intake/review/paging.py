"""What every paged list shares: how many pages its matching rows fill."""

from __future__ import annotations


class Paged:
    """Mixin for a page of results: ``total`` matching rows, ``page_size`` a page."""

    total: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill (at least one)."""
        return max(1, -(-self.total // self.page_size))
