"""The error every review step raises when it cannot be done as asked."""

from __future__ import annotations


class ReviewError(ValueError):
    """A review step cannot be done as asked (the message is Chinese, for the user)."""
