"""OCR read time per kind of office file, beside one whole-page RapidOCR call on the same page.

    .venv/bin/python -m bench.ocrkinds [--kinds grey-300,photo-desk] [--repeat 3]

The files are the test corpus (``tests/fixtures/office_scans``, cached under
``.cache/office-scans``). Our read is ``parse`` in-process without the OCR
cache (page finding, seal, grid, cell-by-cell recognition, layout); the
reference is RapidOCR's own detection + recognition over the first page image
as our reader gets it (the PDF rendered at 200 dpi, the photo as decoded).
The targets are a second a scanned page and two seconds a 12-megapixel photo
(the best of ``--repeat`` reads, on 2 cores).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from intake.parsers import image, parse
from intake.parsers.ocrengine import _engine
from tests.fixtures import office_scans

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_KINDS = "grey-300,bw-150,skewed,two-pages,photo-desk,photo-1280,screenshot,tiff-g4"
# Seconds a page may take: a phone photo (12 megapixels) two, anything else one.
PHOTO_TARGET_S = 2.0
PAGE_TARGET_S = 1.0


def first_page(path: Path) -> object:
    """The first page image as the reader starts from it."""
    if path.suffix == ".pdf":
        return image.render_pdf_pages(path, [0])[0]
    return image.load_image_frames(path)[0]


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", default=DEFAULT_KINDS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = ROOT / ".cache" / "office-scans"
    kinds = args.kinds.split(",")
    files = office_scans.build(folder, kinds, per_kind=1)
    engine = _engine()
    parse(files[0])  # load the models once, outside the timings
    print("| file | pages | our read | a page | target | one RapidOCR call on page 1 | ratio |")
    print("|---|---|---|---|---|---|---|")
    for path in files:
        pages = (
            len(image.load_image_frames(path))
            if path.suffix != ".pdf"
            else (image.pdf_page_count(path))
        )
        ours, reference = [], []
        for _ in range(args.repeat):
            start = time.perf_counter()
            parse(path)
            ours.append(time.perf_counter() - start)
            page = first_page(path)
            start = time.perf_counter()
            engine(page)
            reference.append(time.perf_counter() - start)
        mine, ref = min(ours), min(reference)
        target = PHOTO_TARGET_S if path.name.startswith("photo-") else PAGE_TARGET_S
        per_page = mine / pages
        met = "met" if per_page <= target else "missed"
        print(
            f"| {path.name} | {pages} | {mine:.2f} s | {per_page:.2f} s | ≤ {target:g} s, {met} "
            f"| {ref:.2f} s | {mine / ref:.2f}× |"
        )


if __name__ == "__main__":
    main()
