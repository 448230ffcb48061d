"""URL converters shared by every blueprint: ids that the database can hold, or 404."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """``<int:...>`` as a row id: 1 to 18 digits without a leading zero, so below 2^63.

    The bound lives in the pattern, not in ``to_python``: a value refused there lets
    Werkzeug try the next rule and answer 405 for a path whose other methods match;
    a pattern that does not match makes every such path a plain 404.
    """

    regex = r"[1-9]\d{0,17}"


def init_app(app: Flask) -> None:
    """Make every ``<int:...>`` of the app's routes an id bounded to what the database holds."""
    app.url_map.converters["int"] = IdConverter
