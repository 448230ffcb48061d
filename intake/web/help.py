"""Help pages: the catalogue of problem codes, and one page per code.

What each rule checks, the clause of the procedure it rests on, what to do, an
example. The texts live in ``intake.verify.help``; this only shows them.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from intake.verify.catalogue import CATALOGUE
from intake.verify.help import help_for, message_pattern, suggestion
from intake.web.database import settings

bp = Blueprint("help", __name__, url_prefix="/help")
bp.add_app_template_global(suggestion, "fix_suggestion")


@bp.route("/")
@login_required
def index() -> str:
    """Every problem code with its title and severity, linking to its page."""
    return render_template("help/index.html", entries=list(CATALOGUE.values()))


@bp.route("/<code>")
@login_required
def code(code: str) -> str:
    """One problem code: the rule, the clause, what to do, an example."""
    entry = CATALOGUE.get(code)
    guide = help_for(code, settings().cycles)  # the years, deadline and ceiling in force
    if entry is None or guide is None:
        abort(404)
    return render_template(
        "help/code.html", entry=entry, help=guide, pattern=message_pattern(entry.message)
    )
