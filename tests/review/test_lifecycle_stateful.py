"""Random sequences of everything users and jobs do, with the invariants checked after each step.

Two enterprises of two provinces, their two reviewers and the ministry act through the
web test client and the JSON API (and the registry reload and the recall as the command
line and the ministry's page run them). After every step:

- per entity and project, 待抵销 + 已抵销 + 已召回 equals what the export loaded;
- every registration is the CCER rows of a version that was submitted and approved, and
  no approved application has a later version;
- at most one live (submitted or approved) application per entity and year;
- no response to an enterprise holds what the registry keeps of the other entity.

Each example starts from a fresh database: a copy of a migrated SQLite file with the demo
data, or a PostgreSQL database made from a template of it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import os
import re
import secrets
import shutil
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from intake import create_app
from intake.accounts.operations import find_user, issue_token
from intake.application import Application, CcerRow, Declaration
from intake.db import make_engine
from intake.demo import DEMO_DATA, DEMO_PASSWORD, load_demo
from intake.registry.loader import load_registry
from intake.registry.models import CcerLot
from intake.render import render_docx
from intake.review.models import AuditEntry
from intake.review.registrations.models import Registration
from intake.review.registrations.recall import run_recall
from intake.review.submissions.models import Submission, Version
from intake.web.database import sessions
from tests.fixtures.database import PG_URL

D = Decimal
EXAMPLES = int(os.environ.get("INTAKE_STATEFUL_EXAMPLES", "100"))  # per database: 200 in all
STEPS = 20


@dataclasses.dataclass(frozen=True)
class Entity:
    """A demo enterprise: its account, reviewer, and what only the registry knows of it."""

    username: str
    reviewer: str
    uscc: str
    name: str
    province: str
    accounts: tuple[str, str]
    due: dict[int, str]
    projects: tuple[str, ...]


ENTITIES = (
    Entity("demo-enterprise", "demo-province", "91659001MAL8YR44XK", "华能双河发电有限责任公司",
           "新疆生产建设兵团", ("C8122225684", "752068687273"), {2021: "950402", 2022: "868196"},
           ("2435", "1154", "CCER-0808-2014")),
    Entity("demo-enterprise-2", "demo-province-2", "91140105MAN619RM62", "大唐太原发电有限责任公司",
           "山西省", ("C5436984476", "303707502349"), {2021: "507742", 2022: "483603"},
           ("2075", "2639")),
)  # fmt: skip


def loaded_totals() -> dict[tuple[str, str], Decimal]:
    """(uscc, project) -> every lot of the demo export, whatever its status."""
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    with (DEMO_DATA / "pending_ccer.csv").open(encoding="utf-8-sig") as rows:
        for row in csv.DictReader(rows):
            totals[(row["uscc"], row["project_number"])] += D(row["quantity_t"])
    return dict(totals)


LOADED = loaded_totals()


def application(entity: Entity, year: int, quantities: list[int], named: Entity) -> Application:
    """A form of ``entity``'s year naming ``named`` (itself, or the other one by mistake)."""
    rows = [CcerRow(D(q), p) for p, q in zip(entity.projects, quantities, strict=False)]
    total = sum((D(str(r.cancel_quantity_t)) for r in rows), D(0))
    return Application(
        year=year, entity_name=named.name, uscc=named.uscc,
        ccer_account_id=entity.accounts[0], ets_account_id=entity.accounts[1],
        due_allowance_t=D(entity.due[year]), offset_requested_t=total,
        offset_ratio_pct=(total * 100 / D(entity.due[year])).quantize(D("0.01"), ROUND_HALF_UP),
        contact_name="张三", contact_phone="13812345678", contact_email="zs@example.com",
        ccer_rows=rows, signed_date=dt.date(2023, 11, 20),
        declaration=Declaration(
            province=entity.province, offset_t=total,
            ratio_pct=(total * 100 / D(entity.due[year])).quantize(D("0.01"), ROUND_HALF_UP), year=year,
        ),
    )  # fmt: skip


class Template:
    """One migrated database with the demo data, copied for every example."""

    def __init__(self, kind: str, folder: Path) -> None:
        self.kind, self.folder = kind, folder
        self.made: list[str] = []
        if kind == "sqlite":
            self.path = folder / "template.sqlite3"
            self._prepare(f"sqlite:///{self.path}")
        else:
            self.admin = make_engine(PG_URL, isolation_level="AUTOCOMMIT")
            self.name = f"tmpl_{secrets.token_hex(5)}"
            with self.admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.name}"'))
            self._prepare(self._url(self.name))

    def _url(self, database: str) -> str:
        return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)

    def _prepare(self, url: str) -> None:
        app = create_app({"TESTING": True, "DATABASE_URL": url,
                          "INSTANCE_PATH": str(self.folder / "template-instance")})  # fmt: skip
        load_demo(app)
        app.extensions["intake.engine"].dispose()

    def fresh(self) -> str:
        """The URL of a new database holding the template's data."""
        if self.kind == "sqlite":
            path = self.folder / f"{secrets.token_hex(6)}.sqlite3"
            shutil.copyfile(self.path, path)
            return f"sqlite:///{path}"
        name = f"ex_{secrets.token_hex(6)}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        self.made.append(name)
        return self._url(name)

    def drop(self, url: str) -> None:
        """Drop an example's database."""
        if self.kind == "sqlite":
            Path(make_url(url).database or "").unlink(missing_ok=True)
            return
        name = make_url(url).database
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def close(self) -> None:
        """Drop the template (PostgreSQL)."""
        if self.kind == "postgresql":
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
            self.admin.dispose()


class Lifecycle(RuleBasedStateMachine):
    """Users and jobs acting at random on one fresh database."""

    template: Template
    folder: Path
    # What happened across all examples (audited actions, a recall): the run must have
    # reached each of them, or it proved little.
    seen: ClassVar[set[str]] = set()
    applications = Bundle("applications")

    def __init__(self) -> None:
        super().__init__()
        self.url = self.template.fresh()
        self.app: Flask = create_app({
            "TESTING": True, "DATABASE_URL": self.url, "WTF_CSRF_ENABLED": False,
            "JOB_RUNNER": "sync", "PARSE_ISOLATED": False, "SECRET_KEY": "stateful",
            "INSTANCE_PATH": str(self.folder / secrets.token_hex(4)), "MIGRATE_ON_START": False,
        })  # fmt: skip
        self.clients: dict[str, FlaskClient] = {}
        self.tokens: dict[str, dict[str, str]] = {}
        with sessions(self.app)() as session:
            for entity in ENTITIES:
                user = find_user(session, entity.username)
                assert user is not None
                self.tokens[entity.username] = {"Authorization": f"Bearer {issue_token(user)}"}
            session.commit()

    def teardown(self) -> None:
        with sessions(self.app)() as session:
            self.seen.update(session.scalars(select(AuditEntry.action).distinct()))
            if session.scalar(select(CcerLot.id).where(CcerLot.status == "已召回").limit(1)):
                self.seen.add("recalled")
        self.app.extensions["intake.engine"].dispose()
        self.template.drop(self.url)

    def client(self, username: str) -> FlaskClient:
        if username not in self.clients:
            client = self.app.test_client()
            response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
            assert response.status_code == 302
            self.clients[username] = client
        return self.clients[username]

    def seen_by(self, entity: Entity, body: str) -> None:
        """Nothing the registry keeps of the other entity reaches this one."""
        other = next(e for e in ENTITIES if e is not entity)
        # Account ids are distinctive; an allocation is looked for as a JSON value, since
        # its digits alone turn up in time stamps.
        for secret in (*other.accounts, *(f'"{due}"' for due in other.due.values())):
            assert secret not in body, (entity.username, secret)

    # Enterprises: create, correct, hand in, take back.

    @rule(
        target=applications,
        who=st.sampled_from(ENTITIES),
        year=st.sampled_from([2021, 2022]),
        quantities=st.lists(st.integers(1, 5000), min_size=1, max_size=3),
        upload=st.sampled_from([True, True, False]),
        foreign=st.sampled_from([False, False, False, True]),
    )
    def create(
        self, who: Entity, year: int, quantities: list[int], upload: bool, foreign: bool
    ) -> tuple[Entity, int]:
        named = next(e for e in ENTITIES if e is not who) if foreign else who
        app = application(who, year, quantities, named)
        headers = self.tokens[who.username]
        api = self.client(who.username)
        if upload:
            data = {"file": (io.BytesIO(render_docx(app)), "申请表.docx")}
            response = api.post("/api/v1/applications", data=data, headers=headers)
        else:
            response = api.post("/api/v1/applications", json=app.to_json(), headers=headers)
        assert response.status_code in (201, 202), response.text
        self.seen_by(who, response.text)
        return who, response.json["application_id"]  # type: ignore[index]

    @rule(
        target=applications,
        who=st.sampled_from(ENTITIES),
        year=st.sampled_from([2021, 2022]),
        quantities=st.lists(st.integers(1, 5000), min_size=1, max_size=3),
    )
    def hand_in(self, who: Entity, year: int, quantities: list[int]) -> tuple[Entity, int]:
        """What most enterprises do: upload their own form and submit it at once."""
        # create is a rule: hypothesis types what it returns as a bundle value.
        item = cast(tuple[Entity, int], self.create(who, year, quantities, True, False))
        self.submit(item, web=False)
        return item

    @rule(
        target=applications,
        item=applications,
        quantities=st.lists(st.integers(1, 5000), min_size=1, max_size=3),
        year=st.sampled_from([2021, 2022]),
        channel=st.sampled_from(["web", "api-file", "api-json"]),
    )
    def new_version(
        self, item: tuple[Entity, int], quantities: list[int], year: int, channel: str
    ) -> tuple[Entity, int]:
        who, sid = item
        app = application(who, year, quantities, who)
        client = self.client(who.username)
        if channel == "web":
            data = {"file": (io.BytesIO(render_docx(app)), "更正.docx")}
            response = client.post(
                f"/applications/{sid}/upload", data=data, content_type="multipart/form-data"
            )
            assert response.status_code in (200, 302)
        else:
            url = f"/api/v1/applications/{sid}/versions"
            headers = self.tokens[who.username]
            if channel == "api-file":
                data = {"file": (io.BytesIO(render_docx(app)), "更正.docx")}
                response = client.post(url, data=data, headers=headers)
            else:
                response = client.post(url, json=app.to_json(), headers=headers)
            assert response.status_code in (201, 202, 409), response.text
            self.seen_by(who, response.text)
        return item

    @rule(item=applications)
    def attach_copy(self, item: tuple[Entity, int]) -> None:
        who, sid = item
        client = self.client(who.username)
        found = client.get(f"/api/v1/applications/{sid}", headers=self.tokens[who.username])
        data = found.json.get("application") if found.status_code == 200 else None  # type: ignore[union-attr]
        if not data or data.get("year") not in (2021, 2022):
            return
        form = render_docx(Application.from_json(data))
        response = client.post(
            f"/applications/{sid}/copy",
            data={"file": (io.BytesIO(form), "盖章件.docx")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 302

    @rule(item=applications, web=st.booleans())
    def submit(self, item: tuple[Entity, int], web: bool) -> None:
        who, sid = item
        client = self.client(who.username)
        if web:
            response = client.post(f"/registrations/applications/{sid}/submit")
            assert response.status_code == 302
        else:
            response = client.post(
                f"/api/v1/applications/{sid}/submit", headers=self.tokens[who.username]
            )
            assert response.status_code in (200, 409), response.text
            self.seen_by(who, response.text)

    def submitted(self, index: int) -> tuple[Entity, int] | None:
        """The ``index``-th application waiting for a decision (modulo how many wait)."""
        with sessions(self.app)() as session:
            waiting = session.execute(
                select(Submission.uscc, Submission.id)
                .where(Submission.state == "submitted")
                .order_by(Submission.id)
            ).all()  # fmt: skip
        if not waiting:
            return None
        uscc, sid = waiting[index % len(waiting)]
        return next(e for e in ENTITIES if e.uscc == uscc), sid

    # Rules that need no application would crowd out the others: each acts only sometimes.

    @rule(index=st.integers(0, 3), chance=st.integers(0, 2))
    def withdraw(self, index: int, chance: int) -> None:
        item = self.submitted(index)
        if item is None or chance:
            return
        who, sid = item
        response = self.client(who.username).post(
            f"/api/v1/applications/{sid}/withdraw", headers=self.tokens[who.username]
        )
        assert response.status_code in (200, 409), response.text

    @rule(item=applications, chance=st.integers(0, 2))
    def discard(self, item: tuple[Entity, int], chance: int) -> None:
        if chance:
            return
        who, sid = item
        response = self.client(who.username).delete(
            f"/api/v1/applications/{sid}", headers=self.tokens[who.username]
        )
        assert response.status_code in (204, 409), response.text

    @rule(item=applications, stranger=st.booleans())
    def read_report(self, item: tuple[Entity, int], stranger: bool) -> None:
        who, sid = item
        reader = next(e for e in ENTITIES if e is not who) if stranger else who
        response = self.client(reader.username).get(
            f"/api/v1/applications/{sid}/report", headers=self.tokens[reader.username]
        )
        assert response.status_code in ((404,) if stranger else (200, 202, 500)), response.text
        self.seen_by(reader, response.text)

    # Reviewers: approve (after the confirmation page) or reject the version shown.

    @rule(index=st.integers(0, 3), approve=st.booleans(), cross=st.booleans())
    def decide(self, index: int, approve: bool, cross: bool) -> None:
        item = self.submitted(index)
        if item is None:
            return
        who, sid = item
        reviewer = next(e for e in ENTITIES if e is not who).reviewer if cross else who.reviewer
        client = self.client(reviewer)
        page = client.get(f"/review/{sid}")
        if cross or page.status_code != 200:
            assert page.status_code == 404 or not cross
            return
        shown = re.search(r'name="version" type="hidden" value="(\d+)"', page.text)
        if shown is None:
            return  # not waiting for a decision
        data: dict[str, str] = {"version": shown.group(1)}
        if approve:
            keys = re.findall(
                r'name="(overrides-\d+)-key" type="hidden" value="([^"]*)"', page.text
            )
            for name, key in keys:
                data |= {f"{name}-key": key, f"{name}-reason": "已核实"}
            client.post(f"/review/{sid}/approve", data=data)  # the confirmation page
            response = client.post(f"/review/{sid}/approve", data={**data, "confirmed": "1"})
        else:
            client.post(f"/review/{sid}/notes", data={"field": "", "text": "请补充说明"})
            response = client.post(f"/review/{sid}/reject", data={**data, "comment": ""})
        assert response.status_code == 302

    # Jobs: the registry export loaded again, and the forced recall.

    @rule(chance=st.integers(0, 3))
    def reload_registry(self, chance: int) -> None:
        if chance:
            return
        with sessions(self.app)() as session:
            load_registry(session, DEMO_DATA)
            session.commit()

    @rule(chance=st.integers(0, 15))
    def recall(self, chance: int) -> None:
        if chance:
            return
        with sessions(self.app)() as session:
            run_recall(session, dt.date(2024, 2, 1), dt.date(2023, 12, 31))

    # What must hold after every step.

    @invariant()
    def lots_are_conserved(self) -> None:
        with sessions(self.app)() as session:
            rows = session.execute(
                select(CcerLot.uscc, CcerLot.project_number, func.sum(CcerLot.quantity_t))
                .group_by(CcerLot.uscc, CcerLot.project_number)
            ).all()  # fmt: skip
        assert {(u, p): D(q) for u, p, q in rows} == LOADED

    @invariant()
    def registrations_are_approved_submitted_versions(self) -> None:
        with sessions(self.app)() as session:
            for registration in session.scalars(select(Registration)):
                version = session.get(Version, registration.version_id)
                assert version is not None
                submission = version.submission
                assert submission.state == "approved"
                assert submission.submitted_version == version.number
                assert submission.latest_version == version.number
                asked: dict[str, Decimal] = defaultdict(Decimal)
                for row in Application.from_json(version.application_json or {}).ccer_rows:
                    asked[str(row.project_number)] += D(str(row.cancel_quantity_t))
                registered = {c.project_number: c.quantity_t for c in registration.cancellations}
                assert registered == dict(asked)
                assert registration.uscc == submission.uscc
                assert registration.year == submission.year
            approved = session.scalar(
                select(func.count()).select_from(Submission).where(Submission.state == "approved")
            )
            assert approved == session.scalar(select(func.count()).select_from(Registration))

    @invariant()
    def one_live_application_per_entity_and_year(self) -> None:
        with sessions(self.app)() as session:
            live = session.execute(
                select(Submission.uscc, Submission.year, func.count())
                .where(Submission.state.in_(["submitted", "approved"]))
                .group_by(Submission.uscc, Submission.year)
            ).all()  # fmt: skip
        assert all(count == 1 for _uscc, _year, count in live)


@pytest.fixture(params=["sqlite", "postgresql"])
def template(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("stateful")
    made = Template(request.param, folder)
    yield made, folder
    made.close()


@pytest.mark.slow
def test_every_sequence_of_actions_keeps_the_registry_whole(template: Any) -> None:
    made, folder = template
    Lifecycle.template, Lifecycle.folder, Lifecycle.seen = made, folder, set()
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=True, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )  # fmt: skip
    expected = {"create", "new_version", "attach_copy", "submit", "withdraw", "discard"}
    expected |= {"approve", "reject", "register", "recalled"}
    assert Lifecycle.seen >= expected, Lifecycle.seen
