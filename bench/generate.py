"""A national-scale synthetic registry, its applications, and filled forms in every format.

    .venv/bin/python -m bench.generate [--scale 1] [--seed 2023] [--out DIR] [--no-forms]

At scale 1: 2,257 key emission units in the 32 provincial units (新疆生产建设兵团
included), their allocations for 2021 and 2022, 5,000 catalogue projects and
100,000 pending (待抵销) lots plus 10,000 offset or recalled ones, written as the
contract's four CSV files; one application per unit and year (4,514, as the
contract's JSON, one per line in ``applications.jsonl``), about a fifth of them
with one mistake of the kind reviewers see; and filled forms rendered from the
first applications: .docx, .pdf (LibreOffice), scans (image-only PDF at 200 dpi
with a red seal) and phone photos (warped JPG). Everything is seeded.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import string
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path

from stdnum.cn import uscc as uscc_module

from bench.common import data_dir
from intake.application import Application, CcerRow, Declaration

UNITS, PROJECTS, PENDING_LOTS, OTHER_LOTS = 2257, 5000, 100_000, 10_000
YEARS = (2021, 2022)
FLAWED_SHARE = 0.2

# (province-level unit, administrative code prefix, weight ~ its share of key emission units)
PROVINCES: tuple[tuple[str, str, int], ...] = (
    ("北京市", "11", 15),
    ("天津市", "12", 40),
    ("河北省", "13", 130),
    ("山西省", "14", 150),
    ("内蒙古自治区", "15", 170),
    ("辽宁省", "21", 100),
    ("吉林省", "22", 50),
    ("黑龙江省", "23", 80),
    ("上海市", "31", 30),
    ("江苏省", "32", 210),
    ("浙江省", "33", 120),
    ("安徽省", "34", 80),
    ("福建省", "35", 50),
    ("江西省", "36", 40),
    ("山东省", "37", 330),
    ("河南省", "41", 130),
    ("湖北省", "42", 50),
    ("湖南省", "43", 40),
    ("广东省", "44", 120),
    ("广西壮族自治区", "45", 40),
    ("海南省", "46", 10),
    ("重庆市", "50", 25),
    ("四川省", "51", 40),
    ("贵州省", "52", 50),
    ("云南省", "53", 30),
    ("西藏自治区", "54", 2),
    ("陕西省", "61", 70),
    ("甘肃省", "62", 40),
    ("青海省", "63", 10),
    ("宁夏回族自治区", "64", 60),
    ("新疆维吾尔自治区", "65", 90),
    ("新疆生产建设兵团", "6590", 25),
)
GROUPS = (
    "华能",
    "大唐",
    "华电",
    "国家能源集团",
    "国家电投",
    "华润",
    "粤电",
    "浙能",
    "京能",
    "晋能",
)
PLACES = ("东", "西", "南", "北", "新", "滨海", "沿江", "山前", "河口", "高新")
KINDS = ("风电", "光伏发电", "水电", "甲烷回收利用", "生物质发电", "林业碳汇")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


@dataclass
class Unit:
    """A key emission unit and what the registry holds for it."""

    uscc: str
    name: str
    province: str
    ccer_account_id: str
    ets_account_id: str
    accounts_bound: bool
    due: dict[int, Decimal] = field(default_factory=dict)
    pending: dict[str, Decimal] = field(default_factory=dict)


def scaled(count: int, scale: float) -> int:
    """A count at the given scale, never below one."""
    return max(1, round(count * scale))


def province_counts(total: int) -> list[tuple[str, str, int]]:
    """Units per province (largest remainder, at least one each) adding up to ``total``."""
    weight = sum(w for _, _, w in PROVINCES)
    shares = [(name, code, total * w / weight) for name, code, w in PROVINCES]
    counts = [max(1, int(share)) for _, _, share in shares]
    order = sorted(range(len(shares)), key=lambda i: shares[i][2] - int(shares[i][2]), reverse=True)
    for i in order[: max(0, total - sum(counts))]:
        counts[i] += 1
    return [(name, code, n) for (name, code, _), n in zip(shares, counts, strict=True)]


def make_uscc(rng: random.Random, code: str, seen: set[str]) -> str:
    """A fresh, valid 统一社会信用代码 of a company registered in the province."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    while True:
        region = code + "".join(rng.choice(string.digits) for _ in range(6 - len(code)))
        body = "91" + region + "".join(rng.choice(alphabet) for _ in range(9))
        value = body + uscc_module.calc_check_digit(body)
        if value not in seen:
            seen.add(value)
            return value


def make_units(rng: random.Random, total: int) -> list[Unit]:
    """The key emission units, province by province."""
    seen: set[str] = set()
    units = []
    for province, code, count in province_counts(total):
        short = province.removesuffix("省").removesuffix("市")[:2]
        for i in range(count):
            group = GROUPS[rng.randrange(len(GROUPS))]
            name = f"{group}{short}{PLACES[i % len(PLACES)]}第{i + 1}发电有限公司"
            unit = Unit(
                uscc=make_uscc(rng, code, seen),
                name=name,
                province=province,
                ccer_account_id=f"C{rng.randrange(10**9, 10**10)}",
                ets_account_id=str(rng.randrange(10**11, 10**12)),
                accounts_bound=rng.random() > 0.03,
            )
            unit.due = {
                year: Decimal(int(rng.lognormvariate(14.2, 0.9)) + 50_000) for year in YEARS
            }
            units.append(unit)
    return units


def project_number(index: int) -> str:
    """A catalogue number such as the ministry's ``0123``: a string, leading zeros kept."""
    return f"{index + 1:04d}"


def write_csv(path: Path, header: str, rows: list[list[object]]) -> None:
    """One registry file of the contract (UTF-8, header row)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header.split(","))
        writer.writerows(rows)


def write_registry(rng: random.Random, units: list[Unit], out: Path, scale: float) -> None:
    """entities.csv, allocations.csv, projects.csv and pending_ccer.csv; fills each unit's lots."""
    projects = [project_number(i) for i in range(scaled(PROJECTS, scale))]
    kinds = {number: KINDS[i % len(KINDS)] for i, number in enumerate(projects)}
    names = {n: f"{PROVINCES[i % 31][0]}{kinds[n]}项目{n}" for i, n in enumerate(projects)}
    write_csv(
        out / "entities.csv",
        "uscc,name,province,ccer_account_id,ets_account_id,accounts_bound",
        [
            [
                u.uscc,
                u.name,
                u.province,
                u.ccer_account_id,
                u.ets_account_id,
                str(u.accounts_bound).lower(),
            ]
            for u in units
        ],
    )
    write_csv(
        out / "allocations.csv",
        "uscc,year,due_allowance_t",
        [[u.uscc, year, u.due[year]] for u in units for year in YEARS],
    )
    write_csv(
        out / "projects.csv",
        "project_number,project_name,project_type,province,eligible,note",
        [
            [n, names[n], kinds[n], PROVINCES[i % 31][0], str(i % 20 != 7).lower(), ""]
            for i, n in enumerate(projects)
        ],
    )
    held = {u.uscc: rng.sample(projects, min(len(projects), rng.randint(4, 16))) for u in units}
    lots: list[list[object]] = []
    total = scaled(PENDING_LOTS, scale) + scaled(OTHER_LOTS, scale)
    for i in range(total):
        unit = units[rng.randrange(len(units))] if i >= len(units) else units[i]
        number = rng.choice(held[unit.uscc])
        quantity = Decimal(rng.randint(200, 60_000))
        status = "待抵销" if i < scaled(PENDING_LOTS, scale) else rng.choice(("已抵销", "已召回"))
        if status == "待抵销":
            unit.pending[number] = unit.pending.get(number, Decimal(0)) + quantity
        lots.append([unit.uscc, number, names[number], kinds[number], quantity, status])
    rng.shuffle(lots)
    write_csv(
        out / "pending_ccer.csv",
        "uscc,project_number,project_name,project_type,quantity_t,status",
        lots,
    )


def ratio(offset: Decimal, due: Decimal) -> Decimal:
    """申请抵销量 ÷ 应清缴配额量 × 100, half-up to two decimals, as the form asks."""
    return (offset / due * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def clean_application(rng: random.Random, unit: Unit, year: int) -> Application:
    """A correct application of the unit for the year (its share of its pending projects)."""
    numbers = sorted(unit.pending)[year - YEARS[0] :: 2] or sorted(unit.pending)
    chosen = rng.sample(numbers, min(len(numbers), rng.randint(1, 4)))
    room = (unit.due[year] * Decimal("0.05")).to_integral_value(rounding=ROUND_FLOOR)
    rows: list[tuple[Decimal, str]] = []
    for number in chosen:
        quantity = min(unit.pending[number], room - sum((r[0] for r in rows), Decimal(0)))
        if quantity > 0:
            rows.append((quantity, number))
    offset = sum((q for q, _ in rows), Decimal(0)) or Decimal(1)
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    return Application(
        year=year,
        entity_name=unit.name,
        uscc=unit.uscc,
        ccer_account_id=unit.ccer_account_id,
        ets_account_id=unit.ets_account_id,
        due_allowance_t=unit.due[year],
        offset_requested_t=offset,
        offset_ratio_pct=ratio(offset, unit.due[year]),
        contact_name=name,
        contact_phone=f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
        contact_email=f"ccer{rng.randrange(10**6)}@example.com",
        ccer_rows=[CcerRow(q, n) for q, n in rows],
        declaration=Declaration(unit.province, offset, ratio(offset, unit.due[year]), year),
        signed_date=dt.date(2023, 11, 1) + dt.timedelta(days=rng.randrange(40)),
    )


def add_flaw(rng: random.Random, app: Application) -> None:
    """One mistake of the kinds reviewers see, chosen at random."""
    flaw = rng.randrange(7)
    if flaw == 0:
        app.offset_ratio_pct = Decimal("4.99")
    elif flaw == 1:
        app.ccer_rows.append(CcerRow(Decimal(100), f"9{rng.randrange(1000):03d}"))
    elif flaw == 2:
        app.contact_phone = "1381234"
    elif flaw == 3:
        app.ets_account_id = str(rng.randrange(10**11, 10**12))
    elif flaw == 4:
        app.signed_date = dt.date(2023, 12, 20)
    elif flaw == 5:
        app.declaration.province = "北京市" if app.declaration.province != "北京市" else "天津市"
    else:
        app.entity_name = (app.entity_name or "") + "分公司"


def make_applications(rng: random.Random, units: list[Unit]) -> list[Application]:
    """One application per unit and year, a fifth of them with one mistake."""
    apps = []
    for unit in units:
        for year in YEARS:
            app = clean_application(rng, unit, year)
            if rng.random() < FLAWED_SHARE:
                add_flaw(rng, app)
            apps.append(app)
    return apps


def write_forms(apps: list[Application], out: Path, counts: dict[str, int]) -> None:
    """Filled forms of the first applications: .docx, .pdf, scan (PDF) and photo (JPG)."""
    from intake.render import render_docx, render_pdf
    from tests.fixtures.scan_variants import photo_of, scan_of

    forms = out / "forms"
    forms.mkdir(exist_ok=True)
    for i, app in enumerate(apps[: counts["docx"]]):
        (forms / f"form-{i:03d}.docx").write_bytes(render_docx(app))
    needed = max(counts["pdf"], counts["scan"], counts["photo"])
    for i, app in enumerate(apps[:needed]):
        pdf = forms / f"form-{i:03d}.pdf"
        pdf.write_bytes(render_pdf(app))
        if i < counts["scan"]:
            scan_of(pdf, forms / f"scan-{i:03d}.pdf", angle=1.0 + (i % 3) * 0.5)
        if i < counts["photo"]:
            photo_of(pdf, forms / f"photo-{i:03d}.jpg")
        if i >= counts["pdf"]:
            pdf.unlink()


def form_counts(scale: float) -> dict[str, int]:
    """How many forms of each kind to render at this scale."""
    full = {"docx": 30, "pdf": 12, "scan": 3, "photo": 3}
    return {kind: max(1, min(n, round(n * scale * 4))) for kind, n in full.items()}


def generate(out: Path, scale: float = 1.0, seed: int = 2023, forms: bool = True) -> Path:
    """Write the registry, the applications and (unless told not to) the forms into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    units = make_units(rng, scaled(UNITS, scale))
    write_registry(rng, units, out, scale)
    apps = make_applications(rng, units)
    with (out / "applications.jsonl").open("w", encoding="utf-8") as handle:
        for app in apps:
            handle.write(json.dumps(app.to_json(), ensure_ascii=False) + "\n")
    if forms:
        write_forms(apps, out, form_counts(scale))
    (out / "DONE").write_text(json.dumps({"scale": scale, "seed": seed, "forms": forms}))
    return out


def ensure(scale: float, seed: int = 2023, forms: bool = True, out: Path | None = None) -> Path:
    """The data of this scale and seed (in ``out``), generated unless it already is."""
    out = out or data_dir(scale, seed)
    done = out / "DONE"
    if done.exists() and (json.loads(done.read_text())["forms"] or not forms):
        return out
    return generate(out, scale, seed, forms)


def read_applications(directory: Path) -> list[Application]:
    """The applications the generator wrote."""
    with (directory / "applications.jsonl").open(encoding="utf-8") as handle:
        return [Application.from_json(json.loads(line)) for line in handle]


def main() -> None:
    """Generate the data and say where it is."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--no-forms", action="store_true")
    args = parser.parse_args()
    out = args.out or data_dir(args.scale, args.seed)
    generate(out, args.scale, args.seed, forms=not args.no_forms)
    print(out)


if __name__ == "__main__":
    main()
