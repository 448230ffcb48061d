"""Fuzzing: hypothesis over the text helpers, the layout reader and the verifier; a seeded
byte-mutation fuzzer over the .docx and .pdf parsers.

Both are bounded by a number of examples with fixed seeds (hypothesis runs derandomized,
see ``tests/conftest.py``), so every run on every machine tries the same inputs.

Every input ends in an application or a contract problem (FileUnreadable,
FormNotRecognized), never another exception and never a hang.
"""

from __future__ import annotations

import io
import os
import random
import signal
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake import values as norm
from intake.application import Application, Source
from intake.parsers import ParseError, parse
from intake.parsers import normalize as contact
from intake.parsers.docx import read_docx
from intake.parsers.layout import read_form
from intake.parsers.pdf import read_pdf
from intake.parsers.text import Cell, FormText, NeedsOcr
from intake.verify import verify
from tests.fixtures.data import FORMS
from tests.fixtures.verify import build_registry

DOCX_SEEDS = sorted(FORMS.glob("*.docx"))
# The PDFs with a text layer, and one scan (the other scans add only more image bytes).
PDF_SEEDS = [FORMS / f"{name}.pdf" for name in ("v06", "v07", "v08", "v09", "v13")]
MUTANTS = int(os.environ.get("INTAKE_FUZZ_MUTANTS", "300"))  # per format, seeds 0 to 299
HANG_S = 10.0  # one mutant parsing longer than this is a hang (the sandbox would kill it)

# Text that looks like the form's: digits in both widths, Chinese numerals, separators, units.
FORMISH = "0123456789０１２３４５６７８９〇零一二三四五六七八九十百千万亿年月日号,，.．%％吨tCO₂e（）()- \t\n@"
texts = st.text(alphabet=st.sampled_from(FORMISH), max_size=30) | st.text(max_size=30)

SAMPLE = read_docx(DOCX_SEEDS[0]) if DOCX_SEEDS else FormText(kind="docx")
SAMPLE_TEXTS = [c.text for row in SAMPLE.rows for c in row] + [c.text for c in SAMPLE.lines]
cell_texts = st.sampled_from(SAMPLE_TEXTS) | texts if SAMPLE_TEXTS else texts


@settings(max_examples=300, deadline=None)
@given(texts)
def test_normalisers_never_raise_and_keep_their_types(text: str) -> None:
    assert isinstance(norm.fold_width(text), str)
    assert isinstance(norm.squash(text), str)
    assert norm.clean_text(text) is None or isinstance(norm.clean_text(text), str)
    quantity = norm.parse_quantity(text)
    assert quantity is None or isinstance(quantity, str) or quantity.is_finite()
    assert norm.chinese_number(text) is None or norm.chinese_number(text) >= 0  # type: ignore[operator]
    assert isinstance(norm.parse_date(text), (type(None), str, __import__("datetime").date))
    assert isinstance(norm.parse_year(text), (type(None), str, int))
    for read in (contact.parse_phone, contact.parse_email, contact.parse_code, norm.province_of):
        assert read(text) is None or isinstance(read(text), str)


def _cell(text: str) -> Cell:
    return Cell(text, Source(where="fuzz"))


rows = st.lists(st.lists(st.builds(_cell, cell_texts), max_size=6), max_size=14)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rows,
    lines=st.lists(st.builds(_cell, cell_texts), max_size=8),
    kind=st.sampled_from(["docx", "pdf", "scan"]),
)
def test_layout_reads_any_form_text_or_says_it_is_not_the_form(
    rows: list[list[Cell]], lines: list[Cell], kind: str
) -> None:
    try:
        application = read_form(FormText(kind=kind, rows=rows, lines=lines))
    except ParseError:
        return
    assert isinstance(application, Application)
    problems = list(verify(application, build_registry()))  # the verifier takes what layout made
    assert all(p.message for p in problems)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    shuffled=st.randoms(use_true_random=False),
    drop=st.sets(st.integers(0, 40), max_size=8),
    replace=st.dictionaries(st.integers(0, 40), texts, max_size=6),
)
def test_layout_survives_the_sample_form_with_cells_dropped_replaced_and_moved(
    shuffled: random.Random, drop: set[int], replace: dict[int, str]
) -> None:
    new_rows = []
    for index, row in enumerate(SAMPLE.rows):
        if index in drop:
            continue
        cells = [_cell(replace.get(index, c.text)) if j == 0 else c for j, c in enumerate(row)]
        new_rows.append(cells)
    if len(new_rows) > 2:
        i, j = shuffled.randrange(len(new_rows)), shuffled.randrange(len(new_rows))
        new_rows[i], new_rows[j] = new_rows[j], new_rows[i]
    try:
        application = read_form(FormText(kind="docx", rows=new_rows, lines=list(SAMPLE.lines)))
    except ParseError:
        return
    list(verify(application, build_registry()))


# ---------------------------------------------------------------- byte mutations


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One to four random edits: bit flips, chunk deletes, duplications, magic numbers."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        at = rng.randrange(len(out))
        size = rng.choice((1, 2, 4, 16, 64, 512))
        kind = rng.randrange(5)
        if kind == 0:
            out[at] ^= 1 << rng.randrange(8)
        elif kind == 1:
            del out[at : at + size]
        elif kind == 2:
            out[at:at] = out[at : at + size]
        elif kind == 3:
            out[at : at + 4] = rng.choice(
                (b"\xff\xff\xff\x7f", b"\x00\x00\x00\x00", b"9999", b"-1 0")
            )
        else:
            out[at:at] = rng.choice((b"<", b">", b"&", b"R ", b"obj", b"<<", b"]", b"\x00"))
    return bytes(out)


def mutate_docx(data: bytes, rng: random.Random) -> bytes:
    """Mutate the document.xml (or the zip bytes themselves) and re-zip."""
    if rng.random() < 0.3 or not zipfile.is_zipfile(io.BytesIO(data)):
        return mutate(data, rng)
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {name: source.read(name) for name in source.namelist()}
    target = "word/document.xml" if rng.random() < 0.8 else rng.choice(sorted(entries))
    entries[target] = mutate(entries[target], rng)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for name, body in entries.items():
            out.writestr(name, body)
    return buffer.getvalue()


class Hang(Exception):
    """A mutant took longer than HANG_S to parse."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise Hang in this (main) thread after ``seconds``."""

    def alarm(_signum: int, _frame: FrameType | None) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def parse_text_pdf(path: Path) -> Application:
    """A PDF through its text-layer reader and the layout (OCR, slow and separate, left out)."""
    try:
        return read_form(read_pdf(path))
    except NeedsOcr:
        return Application()


def run_fuzzer(
    seeds: list[Path],
    mutator: Callable[[bytes, random.Random], bytes],
    suffix: str,
    folder: Path,
    reader: Callable[[Path], Application] = parse,
) -> list[str]:
    """Parse MUTANTS mutants, each made from its own seed; every failure (seed, error)."""
    originals = [p.read_bytes() for p in seeds]
    failures: list[str] = []
    for count in range(MUTANTS):
        rng = random.Random(count)
        path = folder / f"mutant-{count}{suffix}"
        path.write_bytes(mutator(rng.choice(originals), rng))
        try:
            with deadline(HANG_S):
                reader(path)
        except ParseError:
            pass
        except Hang:
            failures.append(f"seed {count}: parse took more than {HANG_S} s")
        except Exception as error:
            failures.append(f"seed {count}: {type(error).__name__}: {error}")
        path.unlink()
    return failures


@pytest.mark.skipif(not DOCX_SEEDS, reason="no .docx samples")
def test_docx_mutants_end_in_an_application_or_a_contract_problem(tmp_path: Path) -> None:
    failures = run_fuzzer(DOCX_SEEDS, mutate_docx, ".docx", tmp_path)
    assert not failures, failures[:10]


def test_pdf_mutants_end_in_an_application_or_a_contract_problem(tmp_path: Path) -> None:
    failures = run_fuzzer(PDF_SEEDS, mutate, ".pdf", tmp_path, parse_text_pdf)
    assert not failures, failures[:10]


def test_decimal_results_of_any_mutant_are_exact() -> None:
    assert norm.parse_quantity("１,２３４.５０吨") == Decimal("1234.50")
