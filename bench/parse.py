"""Parse and check time per form, beside the bare library's own cost for the same file.

    .venv/bin/python -m bench.parse [--scale 1] [--repeat 5]

For each kind of form (.docx, digital .pdf, scan per page, photo): median and 95th
percentile of our read (parse + layout) and of read + check against the national
registry held in memory, beside the reference measured in the same run on the
same files: python-docx's ``Document()``, pdfplumber's ``extract_words`` over the
pages, and one OCR engine call on the page image (RapidOCR, and the Tesseract
command line when installed). Scans and photos are read without the OCR cache.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Callable
from functools import cache, partial
from pathlib import Path
from typing import Any

from bench.common import machine, median, ms, percentile, table, timed, timings
from bench.generate import ensure
from intake.checking import Checker
from intake.config import Settings
from intake.parsers import parse
from intake.registry.memory import MemoryRegistry

# (kind, file pattern, target ratio of read + check to the reference, or None)
KINDS: tuple[tuple[str, str, float | None], ...] = (
    ("docx", "form-*.docx", 3.0),
    ("pdf", "form-*.pdf", 1.5),
    ("scan (per page)", "scan-*.pdf", None),
    ("photo", "photo-*.jpg", None),
)
OCR_KINDS = ("scan (per page)", "photo")
OCR_REFERENCES = (
    ("tesseract", "Tesseract chi_sim, one call on the page"),
    ("rapidocr", "RapidOCR (defaults), one call on the page"),
)


def national_registry(directory: Path) -> Checker:
    """The checker over the registry files of the generated data, held in memory as a batch
    check holds them."""
    return Checker.from_settings(Settings(), MemoryRegistry.from_csv_dir(directory))


def docx_reference(path: Path) -> object:
    """python-docx's own load of the file."""
    import docx

    return docx.Document(str(path))


def pdf_reference(path: Path) -> object:
    """pdfplumber's words of every page."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_words() for page in pdf.pages]


def page_image(path: Path) -> Any:
    """The page as the OCR engine sees it: the JPG, or the scan's page at 200 dpi (BGR)."""
    import cv2
    import numpy as np
    import pypdfium2 as pdfium

    if path.suffix == ".jpg":
        return cv2.imread(str(path))
    document = pdfium.PdfDocument(path)
    try:
        picture = document[0].render(scale=200 / 72).to_pil().convert("RGB")
    finally:
        document.close()
    return np.ascontiguousarray(np.asarray(picture)[:, :, ::-1])


@cache
def rapidocr() -> Any:
    """A RapidOCR engine with its default settings."""
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR()


def rapidocr_reference(path: Path) -> Callable[[], object]:
    """One RapidOCR call (detection + recognition) on the page image."""
    image = page_image(path)
    return lambda: rapidocr()(image)


def tesseract_reference(path: Path, work: Path) -> Callable[[], object] | None:
    """One Tesseract call (chi_sim) on the page image, or None without Tesseract."""
    exe = shutil.which("tesseract")
    if exe is None:
        return None
    import cv2

    image = work / f"{path.stem}.png"
    cv2.imwrite(str(image), page_image(path))
    command = [exe, str(image), "-", "-l", "chi_sim"]
    return lambda: subprocess.run(command, capture_output=True, check=True)


def measure_digital(files: list[Path], registry: Checker, repeat: int) -> dict[str, list[float]]:
    """Seconds per file of read, check and the reference, ``repeat`` runs of each per file."""
    out: dict[str, list[float]] = defaultdict(list)
    for path in files:
        app = parse(path)
        reference = docx_reference if path.suffix == ".docx" else pdf_reference
        out["read"] += timings(partial(parse, path), repeat)
        out["check"] += timings(partial(registry.check, app), max(repeat, 20))
        out["reference"] += timings(partial(reference, path), repeat)
    return out


def measure_ocr(
    files: list[Path], registry: Checker, work: Path, rapid: bool
) -> dict[str, list[float]]:
    """Seconds per page of read, check and the OCR references, one run each (engines warmed)."""
    out: dict[str, list[float]] = defaultdict(list)
    references: list[tuple[str, Callable[[Path], Callable[[], object] | None]]] = [
        ("tesseract", lambda p: tesseract_reference(p, work))
    ]
    if rapid:
        references.append(("rapidocr", rapidocr_reference))
    parse(files[0])  # loads the OCR models once, as a running service has them
    for path in files:
        app = parse(path)
        out["read"].append(timed(partial(parse, path)))
        out["check"] += timings(partial(registry.check, app), 20)
        for name, make in references:
            call = make(path)
            if call is not None:
                out[name].append(timed(call))
    return out


def rows_for(
    kind: str, count: int, t: dict[str, list[float]], target: float | None
) -> list[list[object]]:
    """The table rows of one kind of form."""
    check = median(t["check"])
    total = [read + check for read in t["read"]]
    ocr = kind in OCR_KINDS
    if not ocr:
        name = "python-docx Document()" if kind == "docx" else "pdfplumber extract_words"
        references = [(name, t["reference"])]
    else:
        references = [(label, t[key]) for key, label in OCR_REFERENCES if t.get(key)]
    rows = []
    for name, reference in references:
        ratio = median(total) / median(reference)
        verdict = (
            ""
            if target is None
            else ("met" if ratio <= target else f"missed by {ratio / target - 1:.0%}")
        )
        rows.append(
            [
                kind,
                count,
                ms(median(t["read"])),
                ms(percentile(t["read"], 0.95)),
                ms(check),
                ms(median(total)),
                name,
                ms(median(reference)),
                ms(percentile(reference, 0.95)),
                f"{ratio:.2f}×",
                f"≤ {target:g}× {verdict}" if target else "",
            ]
        )
    return rows


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs per file (digital).")
    parser.add_argument("--ocr-files", type=int, default=3, help="Scans and photos read (0: none).")
    parser.add_argument(
        "--no-rapidocr", action="store_true", help="Tesseract as the only OCR reference."
    )
    parser.add_argument(
        "--data", type=Path, default=None, help="Generated data (default: bench/out)."
    )
    args = parser.parse_args()
    directory = ensure(args.scale, args.seed, out=args.data)
    registry = national_registry(directory)
    work = directory / "work"
    work.mkdir(exist_ok=True)
    rows: list[list[object]] = []
    for kind, pattern, target in KINDS:
        ocr = kind in OCR_KINDS
        files = sorted((directory / "forms").glob(pattern))[: args.ocr_files if ocr else None]
        if not files or (ocr and args.ocr_files == 0):
            continue
        if ocr:
            measured = measure_ocr(files, registry, work, rapid=not args.no_rapidocr)
        else:
            measured = measure_digital(files, registry, args.repeat)
        rows += rows_for(kind, len(files), measured, target)
    print(machine())
    print(f"## Parse and check per form (registry of scale {args.scale:g}, in memory)\n")
    header = [
        "form",
        "files",
        "read p50",
        "read p95",
        "check p50",
        "read+check p50",
        "reference",
        "ref p50",
        "ref p95",
        "ratio",
        "target",
    ]
    print(table(header, rows))


if __name__ == "__main__":
    main()
