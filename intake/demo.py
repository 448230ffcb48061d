"""Demo data: the sample registry and one user per role, all with the password ``demo-password``.

The sample registry is loaded only into a database without entities: once a
registry is there (the demo's own, with what was registered and recalled since, or
a real one), restarting ``intake serve --demo`` leaves it alone.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.accounts.models import Role
from intake.accounts.operations import create_user, find_user
from intake.config import PREFIX
from intake.registry.loader import load_registry
from intake.registry.models import Entity

DEMO_DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_PASSWORD = "demo-password"
# Inside the 2023 application window: 14 days before the deadline of 2023-12-15.
DEMO_TODAY = dt.date(2023, 12, 1)


@dataclass(frozen=True)
class DemoUser:
    """One demo account."""

    username: str
    role: Role
    display_name: str
    uscc: str | None = None
    province: str | None = None


DEMO_USERS = (
    DemoUser("demo-enterprise", Role.ENTERPRISE, "华能双河发电有限责任公司",
             uscc="91659001MAL8YR44XK"),
    DemoUser("demo-enterprise-2", Role.ENTERPRISE, "大唐太原发电有限责任公司",
             uscc="91140105MAN619RM62"),
    DemoUser("demo-province", Role.PROVINCE, "新疆生产建设兵团生态环境局",
             province="新疆生产建设兵团"),
    DemoUser("demo-province-2", Role.PROVINCE, "山西省生态环境厅", province="山西省"),
    DemoUser("demo-ministry", Role.MINISTRY, "生态环境部应对气候变化司"),
    DemoUser("admin", Role.ADMIN, "系统管理员"),
)  # fmt: skip


def demo_config() -> dict[str, Any]:
    """The app configuration of ``intake serve --demo``.

    Served over plain http on this machine (a Secure cookie would never come back), and,
    unless INTAKE_TODAY says otherwise, on a day inside the 2023 application window so
    that deadlines and days left read as they did then.
    """
    config: dict[str, Any] = {"SESSION_COOKIE_SECURE": False}
    if not os.environ.get(PREFIX + "TODAY"):
        config["TODAY"] = DEMO_TODAY
    return config


def load_demo(app: Flask, *, applications: bool = False) -> None:
    """Load the sample registry into an empty database; create the missing demo users.

    With ``applications``, also the demo applications in every state (once, on an
    empty database).
    """
    from intake.demo_seed import seed_applications
    from intake.web.database import sessions, settings, storage

    with sessions(app)() as session:
        if session.scalar(select(Entity.uscc).limit(1)) is None:
            load_registry(session, DEMO_DATA)
        create_demo_users(session)
        session.commit()
        if applications:
            seed_applications(session, settings(app), storage(app))
            session.commit()


def create_demo_users(session: Session) -> None:
    """Add the demo users that are missing (the caller commits)."""
    for demo in DEMO_USERS:
        if find_user(session, demo.username) is None:
            create_user(
                session,
                demo.username,
                DEMO_PASSWORD,
                demo.role,
                uscc=demo.uscc,
                province=demo.province,
                display_name=demo.display_name,
            )
