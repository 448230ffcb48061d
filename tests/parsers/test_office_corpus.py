"""The files offices really produce, read and checked: fields right and exact problem codes per kind.

The corpus is generated once per session (``office_cases`` decides the truth,
``office_variants`` writes the files); each kind must read at least 99 % of its
fields right and give exactly the expected problem codes on at least 95 % of
its forms. ``test_score_table`` prints the table the README quotes.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pdfplumber
import pytest

from intake.parsers import ParseError, parse
from intake.registry.memory import MemoryRegistry
from intake.verify import verify
from tests.fixtures import office_variants as variants
from tests.fixtures.office_cases import Case, World, make_case, make_world

FIELD_TARGET = 0.99
CODES_TARGET = 0.95
Writer = Callable[[Case, Path, int], Path]
HEADER_ORDERS = (
    ("序号", "项目编号", "项目名称", "注销量（吨）"),
    ("项目名称", "项目编号", "注销量", "序号"),
    ("序号", "项目名称", "注销量（吨）", "项目编号"),
)


def _ten_rows(case: Case, target: Path, i: int) -> Path:
    return variants.word_form(case, target.with_suffix(".docx"), split_after=5 + i)


def _name_column(case: Case, target: Path, i: int) -> Path:
    return variants.word_form(case, target.with_suffix(".docx"), columns=HEADER_ORDERS[i % 3])


def _rtf_as_doc(case: Case, target: Path, i: int) -> Path:
    source = variants.word_form(case, target.with_suffix(".src.docx"))
    return variants.converted(source, target.with_suffix(".doc"), "rtf")


def _libreoffice_ooxml(case: Case, target: Path, i: int) -> Path:
    columns = HEADER_ORDERS[i] if i == 2 else ()
    source = variants.word_form(case, target.with_suffix(".src.docx"), columns=columns)
    return variants.converted(source, target.with_suffix(".docx"), "docx:Office Open XML Text")


def _browser(case: Case, target: Path, i: int) -> Path:
    return variants.browser_pdf(case, target.with_suffix(".pdf"), number=4211 + i)


def _scan(case: Case, target: Path, i: int) -> Path:
    return variants.invisible_text_scan(case, target.with_suffix(".pdf"), seed=i)


@dataclass(frozen=True)
class Kind:
    """A kind of file: how many rows its forms have, how quantities are typed, what is planted."""

    name: str
    write: Writer
    rows: tuple[int, ...]
    styles: tuple[str, ...]
    plants: tuple[str, ...] = ("", "late", "ratio")
    # Seeds of cases kept because they once went wrong (None: from the kind's name).
    seeds: tuple[str | None, ...] = (None, None, None)
    digital: bool = True
    slow: bool = False  # LibreOffice, OCR or the browser: seconds a file
    needs: str = ""  # a program the files are made with


KINDS = (
    Kind(
        "Word: ten CCER rows over two pages",
        _ten_rows,
        (10, 11, 12),
        ("comma-unit", "wan", "plain"),
    ),
    Kind("Word: added 项目名称 column, header row", _name_column, (2, 3, 4), ("comma-unit", "wan")),
    Kind(
        "RTF saved as `.doc`",
        _rtf_as_doc,
        (2, 3, 4),
        ("comma", "wan", "unit"),
        slow=True,
        needs="soffice",
    ),
    Kind(
        'LibreOffice "Office Open XML Text" `.docx`',
        _libreoffice_ooxml,
        (3, 5, 2),
        ("comma-unit", "plain"),
        slow=True,
        needs="soffice",
    ),
    Kind(
        "Browser-printed PDF of an online system",
        _browser,
        (3, 9, 14),
        ("plain", "comma"),
        ("placeholder-email", "", "placeholder-email"),
        slow=True,
        needs="chromium",
    ),
    Kind(
        "Scan with an invisible text layer (OCR)",
        _scan,
        (2, 3, 2, 3),
        ("plain",),
        ("", "late", "ratio", ""),
        # The second file is the one on which OCR read the 声明's 78400 as Z8400.
        (None, "扫描件（隐藏文字层）-1", None, None),
        digital=False,
        slow=True,
        needs="soffice",
    ),
)


@dataclass
class Score:
    """How one kind read: fields right of fields, forms with exactly the right codes."""

    fields_right: int = 0
    fields: int = 0
    forms_exact: int = 0
    forms: int = 0
    misses: list[str] | None = None


def flatten(data: dict[str, Any]) -> dict[str, Any]:
    """The application JSON as field path -> value (CCER rows and 声明 blanks spelled out)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "ccer_rows":
            for i, row in enumerate(value):
                for name, cell in row.items():
                    out[f"ccer_rows[{i}].{name}"] = cell
        elif key == "declaration":
            for name, cell in value.items():
                out[f"declaration.{name}"] = cell
        else:
            out[key] = value
    return out


def score_case(path: Path, case: Case, registry: MemoryRegistry, score: Score) -> None:
    """Read and check one file, adding its fields and codes to the kind's score."""
    truth = flatten(case.truth.to_json())
    try:
        app = parse(path)
    except ParseError as error:
        got: dict[str, Any] = {}
        codes = [error.code]
    else:
        got = flatten(app.to_json())
        codes = sorted(p.code for p in verify(app, registry))
    wrong = [f"{k}: {got.get(k)!r} != {v!r}" for k, v in truth.items() if got.get(k) != v]
    extra = [f"{k}: extra {got[k]!r}" for k in got if k not in truth]
    score.fields += len(truth) + len(extra)
    score.fields_right += len(truth) - len(wrong)
    score.forms += 1
    score.forms_exact += codes == case.codes
    score.misses = (
        (score.misses or [])
        + [f"{case.name}: {m}" for m in [*wrong, *extra]]
        + ([f"{case.name}: codes {codes} != {case.codes}"] if codes != case.codes else [])
    )


@dataclass
class Corpus:
    """The generated files, built on first use, and the registry they are checked against."""

    root: Path
    world: World
    files: dict[str, list[tuple[Path, Case]]]
    scores: dict[str, Score]

    def kind(self, kind: Kind) -> list[tuple[Path, Case]]:
        """The files of one kind (written the first time they are asked for)."""
        if kind.needs and shutil.which(kind.needs) is None:
            pytest.skip(f"{kind.needs} is not installed")
        if kind.name not in self.files:
            built = []
            specs = zip(kind.rows, kind.plants, kind.seeds, strict=True)
            for i, (rows, plant, seed) in enumerate(specs):
                case = make_case(
                    self.world,
                    kind.name,
                    i,
                    rows=rows,
                    styles=kind.styles,
                    plant=plant,
                    digital=kind.digital,
                    seed=seed,
                )
                slug = f"k{KINDS.index(kind)}-{i + 1}"
                built.append((kind.write(case, self.root / slug, i), case))
            self.files[kind.name] = built
        return self.files[kind.name]

    def score(self, kind: Kind) -> Score:
        """Fields right and exact codes over the kind's files (read once a session)."""
        if kind.name in self.scores:
            return self.scores[kind.name]
        score = self.scores[kind.name] = Score()
        files = self.kind(kind)
        registry = self.world.registry()
        for path, case in files:
            score_case(path, case, registry, score)
        return score


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """The office-file corpus of this session (files written lazily, kind by kind)."""
    return Corpus(tmp_path_factory.mktemp("office-corpus"), make_world(), {}, {})


# One worker writes and reads each kind once: the table and the kinds' tests share the scores.
pytestmark = pytest.mark.xdist_group("office-corpus")

KIND_PARAMS = [
    pytest.param(k, id=f"k{i}", marks=[pytest.mark.slow] if k.slow else [])
    for i, k in enumerate(KINDS)
]


@pytest.mark.parametrize("kind", KIND_PARAMS)
def test_kind_meets_targets(corpus: Corpus, kind: Kind) -> None:
    """≥ 99 % of fields right and exact codes on ≥ 95 % of forms, per kind."""
    score = corpus.score(kind)
    assert score.fields_right >= math.ceil(FIELD_TARGET * score.fields), score.misses
    assert score.forms_exact >= math.ceil(CODES_TARGET * score.forms), score.misses


@pytest.mark.slow
def test_score_table(corpus: Corpus, capsys: pytest.CaptureFixture[str]) -> None:
    """Print the per-kind table for the README."""
    lines = ["| kind | files | fields right | exact codes |", "|---|---|---|---|"]
    for kind in KINDS:
        s = corpus.score(kind)
        lines.append(
            f"| {kind.name} | {s.forms} | {s.fields_right}/{s.fields} "
            f"({100 * s.fields_right / s.fields:.0f} %) | {s.forms_exact}/{s.forms} |"
        )
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert all(corpus.score(k).forms for k in KINDS)


@pytest.mark.slow
def test_hidden_text_layer_of_the_scans_is_wrong(corpus: Corpus) -> None:
    """The scans' invisible layer really carries the app's mistakes (else the kind proves nothing)."""
    scans = next(k for k in KINDS if not k.digital)
    for path, case in corpus.kind(scans):
        with pdfplumber.open(path) as pdf:
            hidden = "".join(c["text"] for page in pdf.pages for c in page.chars)
        assert variants.WATERMARK in hidden
        assert case.truth.ccer_account_id
        assert case.truth.ccer_account_id not in hidden
