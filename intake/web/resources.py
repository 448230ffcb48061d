"""Where the templates and static files are: the source tree, or the installed data files."""

from __future__ import annotations

import sys
from pathlib import Path

# A source checkout (or an editable install) keeps them at the repository's root;
# a wheel installs them as data files under <prefix>/share/intake/.
_CANDIDATES = (
    Path(__file__).resolve().parents[2],
    Path(sys.prefix) / "share" / "intake",
)


def resource_dir(name: str) -> Path:
    """The first folder called ``name`` among the places templates and static files live."""
    for base in _CANDIDATES:
        if (base / name).is_dir():
            return base / name
    return _CANDIDATES[0] / name
