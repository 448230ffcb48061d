"""Reading legacy Word files through LibreOffice, and refusing what cannot be read."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import olefile
import pytest

from intake.libreoffice import ConversionFailed, find_soffice
from intake.libreoffice import convert as convert_with_libreoffice
from intake.parsers import read_text
from intake.parsers.doc import MSG_NO_LIBREOFFICE, read_doc
from intake.parsers.docx import read_docx
from intake.parsers.text import FileUnreadable, FormText
from tests.fixtures import docx_variants as variants
from tests.fixtures.data import FORMS

V01 = FORMS / "v01.docx"
ENCRYPTED = "文件已加密（设置了打开密码），请去除密码后重新上传"

needs_soffice = pytest.mark.skipif(find_soffice() is None, reason="LibreOffice is not installed")


def texts(form: FormText) -> list[list[str]]:
    """The rows as lists of cell texts."""
    return [[cell.text for cell in row] for row in form.rows]


def refusal(path: Path) -> str:
    """The message reading ``path`` (type decided by its content) is refused with."""
    with pytest.raises(FileUnreadable) as info:
        read_text(path)
    return info.value.message


@pytest.fixture(scope="module")
def v01_doc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v01.docx saved as Word 97 by LibreOffice."""
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    outdir = tmp_path_factory.mktemp("doc")
    return convert_with_libreoffice(V01, "doc", outdir)


@pytest.mark.slow
def test_doc_reads_like_the_docx(v01_doc: Path) -> None:
    assert v01_doc.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    original = read_docx(V01)
    form = read_doc(v01_doc, "ole")
    assert form.kind == "doc"
    assert texts(form) == texts(original)
    assert [c.text for c in form.lines] == [c.text for c in original.lines]
    assert form.rows[1][1].source.where == "表1 第2行 第2列"


ROUND_TRIPS: dict[str, Callable[[Path, Path], Path]] = {
    "tracked_change": lambda s, d: variants.tracked_change(s, d, "申请抵销量(吨)", "30000"),
    "values_in_fields": variants.values_in_fields,
    "split_table": lambda s, d: variants.split_table(s, d),
    "nest_ccer_rows": variants.nest_ccer_rows,
    "declaration_in_text_box": lambda s, d: variants.declaration_in_text_box(s, d),
}


@needs_soffice
@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(ROUND_TRIPS))
def test_variant_saved_as_doc_reads_the_same(variant: str, tmp_path: Path) -> None:
    edited = ROUND_TRIPS[variant](V01, tmp_path / "edited.docx")
    as_doc = convert_with_libreoffice(edited, "doc", tmp_path / "doc")
    original = read_docx(edited)
    form = read_doc(as_doc, "ole")
    assert texts(form) == texts(original)
    assert [c.text for c in form.lines] == [c.text for c in original.lines]


@pytest.mark.slow
def test_doc_named_docx_is_converted(v01_doc: Path, tmp_path: Path) -> None:
    disguised = tmp_path / "form.docx"
    shutil.copyfile(v01_doc, disguised)
    form = read_text(disguised)
    assert form.kind == "doc"
    assert texts(form) == texts(read_docx(V01))


@pytest.mark.slow
def test_rtf_is_converted(tmp_path: Path) -> None:
    if find_soffice() is None:
        pytest.skip("LibreOffice is not installed")
    rtf = convert_with_libreoffice(V01, "rtf", tmp_path)
    assert rtf.read_bytes().startswith(b"{\\rtf")
    assert texts(read_doc(rtf, "rtf")) == texts(read_docx(V01))


@pytest.mark.slow
def test_encrypted_doc_is_refused(v01_doc: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.doc"
    shutil.copyfile(v01_doc, locked)
    with olefile.OleFileIO(str(locked), write_mode=True) as ole:
        stream = bytearray(ole.openstream("WordDocument").read())
        stream[11] |= 0x01  # FibBase.fEncrypted (bit 0x0100 of the flags at offset 10)
        ole.write_stream("WordDocument", bytes(stream))
    assert refusal(locked) == ENCRYPTED


def test_encrypted_ooxml_named_doc_is_refused(tmp_path: Path) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    locked = tmp_path / "locked.doc"
    with V01.open("rb") as plain, locked.open("wb") as out:
        ooxml.OOXMLFile(plain).encrypt("secret", out)
    assert refusal(locked) == ENCRYPTED


def test_docx_named_doc_is_read_directly(tmp_path: Path) -> None:
    renamed = tmp_path / "form.doc"
    shutil.copyfile(V01, renamed)
    form = read_text(renamed)
    assert form.kind == "docx"
    assert texts(form) == texts(read_docx(V01))


def test_empty_doc(tmp_path: Path) -> None:
    empty = tmp_path / "empty.doc"
    empty.write_bytes(b"")
    assert refusal(empty) == "文件为空（0 字节）"


def test_random_bytes_doc_is_not_sent_to_libreoffice(tmp_path: Path) -> None:
    noise = tmp_path / "noise.doc"
    noise.write_bytes(bytes(range(1, 256)) * 10)
    assert "不支持的文件类型" in refusal(noise)


def test_without_libreoffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    rtf = tmp_path / "form.rtf"
    rtf.write_bytes(b"{\\rtf1\\ansi form}")
    assert refusal(rtf) == MSG_NO_LIBREOFFICE


@needs_soffice
@pytest.mark.slow
def test_conversion_timeout_kills_the_converter(tmp_path: Path) -> None:
    with pytest.raises(ConversionFailed, match="超时"):
        convert_with_libreoffice(V01, "pdf", tmp_path / "out", timeout=0.01)
    assert not (tmp_path / "out" / "v01.pdf").exists()


@needs_soffice
@pytest.mark.slow
def test_html_saved_as_doc_is_converted(tmp_path: Path) -> None:
    page = tmp_path / "page.doc"
    page.write_bytes(b"<html><body><table><tr><td>\xe5\x8d\x95</td></tr></table></body></html>")
    form = read_doc(page, "html")  # Word's "web page" .doc: LibreOffice reads HTML
    assert texts(form) == [["单"]]
