"""The whole read, file -> Application: every variant of a form reads the same values."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from intake.libreoffice import convert as convert_with_libreoffice
from intake.parsers import FileUnreadable, FormNotRecognized, parse, sniff
from tests.fixtures import docx_variants as variants
from tests.fixtures.data import EXPECTED, FORMS

V01 = FORMS / "v01.docx"


def expected_v01() -> dict[str, Any]:
    """The sample corpus's ground truth for v01."""
    data: dict[str, Any] = json.loads((EXPECTED / "v01.json").read_text("utf-8"))
    return dict(data["application"])


VARIANTS: dict[str, Callable[[Path, Path], Path]] = {
    "split runs": variants.split_runs,
    "table in a content control": variants.wrap_table_in_control,
    "values in cell content controls": variants.values_in_cell_controls,
    "values in run content controls": variants.values_in_run_controls,
    "tracked change of the e-mail": lambda s, d: variants.tracked_change(
        s, d, "联系邮箱", "old@example.com"
    ),
    "moved value": lambda s, d: variants.moved_value(s, d, "联系人"),
    "deleted CCER row": variants.deleted_row,
    "values in fields": variants.values_in_fields,
    "table split in two": variants.split_table,
    "CCER rows in a nested table": variants.nest_ccer_rows,
    "CCER labels merged down": variants.merge_ccer_labels,
    "legacy hMerge": variants.legacy_hmerge,
    "full-width digits": variants.fullwidth_digits,
    "声明 in a text box": variants.declaration_in_text_box,
}


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_docx_variant_reads_like_the_original(name: str, tmp_path: Path) -> None:
    path = VARIANTS[name](V01, tmp_path / "variant.docx")
    assert parse(path).to_json() == expected_v01()


def test_extra_ccer_rows_are_read_in_order(tmp_path: Path) -> None:
    path = variants.add_ccer_rows(V01, tmp_path / "x.docx", [("100", "0127"), ("200", "386")])
    rows = parse(path).to_json()["ccer_rows"]
    assert rows[-2:] == [
        {"cancel_quantity_t": "100", "project_number": "0127"},
        {"cancel_quantity_t": "200", "project_number": "386"},
    ]


@pytest.mark.slow
def test_same_application_from_docx_doc_and_pdf(tmp_path: Path) -> None:
    source = tmp_path / "form.docx"
    shutil.copy(V01, source)
    doc = convert_with_libreoffice(source, "doc", tmp_path / "doc")
    pdf = convert_with_libreoffice(source, "pdf", tmp_path / "pdf")
    read = {p.suffix: parse(p).to_json() for p in (source, doc, pdf)}
    assert read[".docx"] == expected_v01()
    assert read[".doc"] == read[".docx"]
    assert read[".pdf"] == read[".docx"]


def test_type_is_decided_by_content_not_name(tmp_path: Path) -> None:
    disguised = tmp_path / "form.pdf"
    shutil.copy(V01, disguised)
    assert sniff(disguised) == "zip"
    assert parse(disguised).to_json() == expected_v01()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "文件为空"),
        (b"<!DOCTYPE html><html><body>login</body></html>", "网页"),
        (b"just some text\n", "不支持的文件类型"),
    ],
)
def test_unreadable_files_say_why(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "upload.docx"
    path.write_bytes(content)
    with pytest.raises(FileUnreadable, match=message):
        parse(path)


def test_another_document_is_not_the_form() -> None:
    with pytest.raises(FormNotRecognized):
        parse(FORMS / "v14.docx")


@pytest.mark.slow
def test_pdf_with_a_typed_page_and_a_scanned_page(tmp_path: Path) -> None:
    """Page 1 keeps its text layer, page 2 was printed, stamped and scanned back in."""
    from pypdf import PdfReader, PdfWriter

    from intake.application import Application
    from intake.render import render_pdf
    from tests.fixtures import scan_variants

    app = Application.from_json(expected_v01())
    app.ccer_rows = app.ccer_rows * 6  # 18 rows: the 声明 and the seal go to page 2
    digital = tmp_path / "digital.pdf"
    digital.write_bytes(render_pdf(app))
    reader = PdfReader(digital)
    assert len(reader.pages) == 2
    second = PdfWriter()
    second.add_page(reader.pages[1])
    with (tmp_path / "page2.pdf").open("wb") as handle:
        second.write(handle)
    scan = scan_variants.scan_of(tmp_path / "page2.pdf", tmp_path / "page2-scan.pdf", angle=0.8)
    mixed = PdfWriter()
    mixed.add_page(reader.pages[0])
    mixed.add_page(PdfReader(scan).pages[0])
    with (tmp_path / "mixed.pdf").open("wb") as handle:
        mixed.write(handle)

    read = parse(tmp_path / "mixed.pdf")
    assert read.source_kind == "scan"
    assert read.stamp_present is True
    assert read.to_json() == {**parse(digital).to_json(), "stamp_present": True}


@pytest.mark.slow
@pytest.mark.parametrize("sample", ["v01.docx", "v04.docx"])
def test_same_application_from_docx_pdf_scan_and_photo(sample: str, tmp_path: Path) -> None:
    """One form as typed, exported, printed-stamped-scanned at 200 dpi, and photographed askew."""
    from tests.fixtures import scan_variants

    source = tmp_path / sample
    shutil.copy(FORMS / sample, source)
    pdf = convert_with_libreoffice(source, "pdf", tmp_path)
    scan = scan_variants.scan_of(pdf, tmp_path / "scan.pdf", angle=1.2)
    photo = scan_variants.photo_of(pdf, tmp_path / "photo.jpg")
    typed = parse(source).to_json()
    assert parse(pdf).to_json() == typed
    for image_file in (scan, photo):
        read = parse(image_file)
        assert read.stamp_present is True
        assert read.to_json() == {**typed, "stamp_present": True}
