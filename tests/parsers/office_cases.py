"""Applications for the office-file corpus, with their registry and their ground truth.

The generator decides everything here: a small registry of key emission units,
their allocations, pending lots and the catalogue; for each case the
application the form shows (the contract's JSON), how each quantity is typed
on the form (``28,300 吨``, ``1.9万``) and the problem codes the verifier must
give. Nothing is read back from the service.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from stdnum.cn import uscc as uscc_check

from intake.application import Application, CcerRow, Declaration
from intake.registry.memory import Lot, MemoryRegistry
from intake.verify.protocol import EntityRecord, ProjectRecord

D = Decimal
CITIES = ("长治", "克拉玛依", "岱海", "石河子", "茂名", "湛江", "蚌埠", "邯郸", "九江", "柳州")
GROUPS = ("华能", "大唐", "龙源", "华电", "京能", "粤电", "皖能", "浙能")
KINDS = ("热电", "发电", "能源", "电力")
PROVINCES = ("山西省", "新疆维吾尔自治区", "内蒙古自治区", "新疆生产建设兵团", "广东省", "北京市")
SURNAMES = "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高"
GIVEN = ("伟", "芳", "敏", "静", "丽强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛明", "超")
PROJECT_KINDS = (
    ("风电", "{city}49.5MW风电场项目"),
    ("水电", "{city}水电站项目"),
    ("光伏发电", "{city}20MW光伏发电项目"),
    ("甲烷回收利用", "{city}煤矿瓦斯发电项目"),
    ("生物质发电", "{city}30MW生物质发电项目"),
)
ENTITIES = 6
PROJECTS = 24


def _uscc(rng: random.Random) -> str:
    """A valid 统一社会信用代码 (GB 32100-2015 check digit)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "91" + f"{rng.randint(110000, 659999)}" + "".join(rng.choices(alphabet, k=9))
    return body + uscc_check.calc_check_digit(body)


def _project_number(rng: random.Random, index: int) -> str:
    number = 100 + index * 97 + rng.randint(0, 40)
    return str(number) if index % 3 == 0 else f"CCER-{number:04d}-{rng.choice((2014, 2015))}"


@dataclass
class World:
    """The registry a corpus is checked against, kept as plain records."""

    entities: list[EntityRecord]
    allocations: dict[tuple[str, int], Decimal]
    projects: list[ProjectRecord]
    lots: list[Lot] = field(default_factory=list)

    def registry(self) -> MemoryRegistry:
        """The world as the verifier's in-memory registry."""
        return MemoryRegistry.of(
            entities=self.entities,
            allocations=[(u, y, d) for (u, y), d in self.allocations.items()],
            lots=self.lots,
            projects=self.projects,
        )

    def project_name(self, number: str | None) -> str:
        """The catalogue name of a project number ('' for an unknown one)."""
        return next((p.project_name for p in self.projects if p.project_number == number), "")


def make_world(seed: int = 12) -> World:
    """Six key emission units, their allocations for both years and a catalogue of projects."""
    rng = random.Random(seed)
    entities = []
    allocations: dict[tuple[str, int], Decimal] = {}
    for i in range(ENTITIES):
        name = f"{GROUPS[i % len(GROUPS)]}{CITIES[i]}{KINDS[i % len(KINDS)]}有限公司"
        code = _uscc(rng)
        ccer = f"C{rng.randint(10**9, 10**10 - 1)}"
        ets = str(rng.randint(10**11, 10**12 - 1))
        entities.append(EntityRecord(code, name, PROVINCES[i], ccer, ets, True))
        for year in (2021, 2022):
            allocations[(code, year)] = D(rng.randint(300, 3000) * 1000 + rng.randint(0, 999))
    projects = []
    for i in range(PROJECTS):
        kind, pattern = PROJECT_KINDS[i % len(PROJECT_KINDS)]
        city = CITIES[(i * 7) % len(CITIES)] + ("二期" if i >= len(CITIES) else "")
        province = PROVINCES[i % len(PROVINCES)]
        projects.append(
            ProjectRecord(_project_number(rng, i), pattern.format(city=city), kind, province, True)
        )
    return World(entities, allocations, projects)


@dataclass
class Case:
    """One form of the corpus: what it shows, how it is typed, what the verifier must say."""

    kind: str
    name: str
    truth: Application
    codes: list[str]
    # Field path -> the text typed on the form where it differs from the plain value.
    typed: dict[str, str] = field(default_factory=dict)
    project_names: list[str] = field(default_factory=list)
    # Fields shown as an online system's grey placeholder: empty on the form.
    placeholders: tuple[str, ...] = ()

    def shown(self, path: str, value: object) -> str:
        """The text a field shows on the form."""
        if path in self.typed:
            return self.typed[path]
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return f"{value.year}年{value.month}月{value.day}日"
        return format(value, "f") if isinstance(value, Decimal) else str(value)


def typed_quantity(rng: random.Random, value: Decimal, styles: tuple[str, ...]) -> str:
    """A quantity as an enterprise types it: ``28300``, ``28,300``, ``28,300 吨``, ``2.83万``."""
    style = rng.choice(styles)
    if style == "wan" and value % 100 == 0 and value >= 10000:
        return f"{format((value / 10000).normalize(), 'f')}万"
    if style in ("comma", "comma-unit"):
        text = f"{int(value):,}"
        return text + (rng.choice((" 吨", "吨", " t")) if style == "comma-unit" else "")
    if style == "unit":
        return f"{value}吨"
    return format(value, "f")


def make_case(
    world: World,
    kind: str,
    index: int,
    *,
    rows: int,
    styles: tuple[str, ...] = ("plain",),
    plant: str = "",
    digital: bool = True,
    seed: str | None = None,
) -> Case:
    """A consistent application of one entity, with one planted problem (or none)."""
    rng = random.Random(seed or f"{kind}-{index}")
    entity = world.entities[index % len(world.entities)]
    year = rng.choice((2021, 2022))
    due = world.allocations[(entity.uscc, year)]
    per_row = (due * D("0.04") / rows / 100).to_integral_value(rounding="ROUND_FLOOR") * 100
    chosen = rng.sample(world.projects, rows)
    quantities = [max(D(100), per_row - 100 * rng.randint(0, 30)) for _ in chosen]
    world.lots.extend(
        Lot(entity.uscc, p.project_number, q + D(rng.randint(0, 50) * 100))
        for p, q in zip(chosen, quantities, strict=True)
    )
    offset = sum(quantities, D(0))
    ratio = (offset / due * 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    surname = SURNAMES[rng.randrange(len(SURNAMES))]
    app = Application(
        year=year,
        entity_name=entity.name,
        uscc=entity.uscc,
        ccer_account_id=entity.ccer_account_id,
        ets_account_id=entity.ets_account_id,
        due_allowance_t=due,
        offset_requested_t=offset,
        offset_ratio_pct=ratio,
        contact_name=surname + rng.choice(GIVEN),
        contact_phone=f"1{rng.choice('3589')}{rng.randint(10**8, 10**9 - 1)}",
        contact_email=f"ccer{rng.randint(10, 999)}@{rng.choice(('163.com', 'qq.com', 'ce.cn'))}",
        ccer_rows=[CcerRow(q, p.project_number) for p, q in zip(chosen, quantities, strict=True)],
        declaration=Declaration(entity.province, offset, ratio, year),
        signed_date=dt.date(2023, rng.randint(9, 11), rng.randint(1, 28)),
        stamp_present=None if digital else True,
    )
    codes = ["STAMP_UNVERIFIED"] if digital else []
    case = Case(kind, f"{kind}-{index + 1}", app, codes)
    case.project_names = [p.project_name for p in chosen]
    _plant(case, plant)
    for i, q in enumerate(quantities):
        case.typed[f"ccer_rows[{i}].cancel_quantity_t"] = typed_quantity(rng, q, styles)
    case.typed["offset_requested_t"] = typed_quantity(rng, offset, styles)
    case.typed["due_allowance_t"] = typed_quantity(rng, due, tuple(s for s in styles if s != "wan"))
    case.codes.sort()
    return case


def _plant(case: Case, plant: str) -> None:
    """Put one known problem into the case and say which code it gives."""
    app = case.truth
    if plant == "placeholder-email":
        app.contact_email = None
        case.placeholders = ("contact_email",)
        case.codes.append("FIELD_MISSING")
    elif plant == "late":
        app.signed_date = dt.date(2023, 12, 20)
        case.codes.append("DEADLINE_PASSED")
    elif plant == "ratio":
        stated = app.offset_ratio_pct
        wrong = (stated if isinstance(stated, Decimal) else D(0)) + D("0.10")
        app.offset_ratio_pct = wrong
        app.declaration = dataclasses.replace(app.declaration, ratio_pct=wrong)
        case.codes.append("RATIO_MISMATCH")
        if app.stamp_present is not None:
            # Read from an image, figures that disagree may be misread: the three that the
            # ratio ties together are also flagged for the reviewer to look at
            # (``intake.parsers.plausible``), besides the error.
            case.codes += ["LOW_CONFIDENCE"] * 3
