"""Reading .docx files into FormText: the samples, edited variants and hostile files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from intake.parsers import read_text
from intake.parsers.docx import read_document_xml, read_docx
from intake.parsers.ooxml import Limits, read_entry
from intake.parsers.text import FileUnreadable, FormText
from tests.fixtures import docx_variants as variants
from tests.fixtures.data import FORMS

V01 = FORMS / "v01.docx"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

V01_ROWS = [
    ["申请单位基本信息"],
    ["单位名称", "华能双河发电有限责任公司", "统一社会信用代码", "91659001MAL8YR44XK"],
    ["自愿减排注册登记系统账户ID", "C8122225684", "全国碳排放权注册登记系统账户ID", "752068687273"],
    ["2021年应清缴配额量(吨)", "950402", "申请抵销量(吨)", "24200"],
    ["CCER抵销量占应清缴配额量比例(%)", "2.55", "联系人", "张杰"],
    ["联系电话", "13731427819", "联系邮箱", "zhang.jie@126.com"],
    ["申请配额清缴的CCER基本信息"],
    ["注销量", "9700", "项目编号", "1154"],
    ["注销量", "5100", "项目编号", "2435"],
    ["注销量", "9400", "项目编号", "CCER-0808-2014"],
    ["(注：如涉及多个项目来源，可自行加行逐一列明。此栏由生态环境部统一组织核验)"],
]


def texts(form: FormText) -> list[list[str]]:
    """The rows as lists of cell texts."""
    return [[cell.text for cell in row] for row in form.rows]


def line_texts(form: FormText) -> list[str]:
    """The lines' texts."""
    return [cell.text for cell in form.lines]


def body(xml: str) -> bytes:
    """A minimal document.xml with ``xml`` as its body."""
    return f'<w:document xmlns:w="{W}"><w:body>{xml}</w:body></w:document>'.encode()


# The samples ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "entity", "uscc", "ccer"),
    [
        ("v01", "华能双河发电有限责任公司", "91659001MAL8YR44XK", ["9700", "5100", "9400"]),
        ("v02", None, None, None),
        ("v03", None, None, None),
        ("v04", "国家能源集团上安电力有限公司", "91130203665865092J", ["5400", "6500", "3910"]),
        ("v05", "国家电投集团十里泉热电有限公司", "91370102MA4A75XB56", ["8200", "8000", ""]),
    ],
)
def test_sample_rows_have_distinct_cells(
    name: str, entity: str | None, uscc: str | None, ccer: list[str] | None
) -> None:
    form = read_docx(FORMS / f"{name}.docx")
    assert form.kind == "docx"
    assert form.stamp_present is None
    assert [len(row) for row in form.rows] == [1, 4, 4, 4, 4, 4, 1, 4, 4, 4, 1]
    unit = next(row for row in form.rows if row[0].text == "单位名称")
    assert [c.text for c in unit][::2] == ["单位名称", "统一社会信用代码"]
    if entity is not None:
        assert [unit[1].text, unit[3].text] == [entity, uscc]
    if ccer is not None:
        assert [row[1].text for row in form.rows if row[0].text == "注销量"] == ccer


def test_v01_rows_and_sources() -> None:
    form = read_docx(V01)
    assert texts(form) == V01_ROWS
    assert form.rows[1][1].source.where == "表1 第2行 第2列"
    assert form.rows[10][0].source.where == "表1 第11行 第1列"


def test_v01_lines_skip_empty_paragraphs_and_keep_spaces() -> None:
    form = read_docx(V01)
    lines = line_texts(form)
    assert lines[:4] == [
        "附表1",
        "2021年全国碳市场重点排放单位\n使用CCER抵销配额清缴申请表",
        "声 明",
        "新疆生产建设兵团生态环境局：",
    ]
    assert "（CCER）  24200  tCO₂e" in lines[4]
    assert lines[-2:] == ["申请单位名称（公章）", "2023年10月31日"]
    assert all(line.strip() for line in lines)
    # The empty 7th paragraph is counted but not given.
    assert [c.source.where for c in form.lines[-3:]] == ["第6段", "第8段", "第9段"]


def test_v04_libreoffice_split_runs_come_out_whole() -> None:
    form = read_docx(FORMS / "v04.docx")
    assert line_texts(form)[0] == "附表2"
    assert line_texts(form)[1].startswith("2022年全国碳市场")


def test_notice_without_table_reads_as_lines_only() -> None:
    form = read_docx(FORMS / "v14.docx")
    assert form.rows == []
    assert "申请表" in form.all_text() or "CCER" in form.all_text()
    assert form.lines[0].source.where == "第1段"


# Variants ---------------------------------------------------------------------


def test_values_split_over_formatted_runs(tmp_path: Path) -> None:
    form = read_docx(variants.split_runs(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS


def test_table_inside_block_content_control(tmp_path: Path) -> None:
    form = read_docx(variants.wrap_table_in_control(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS


def test_values_inside_cell_and_row_content_controls(tmp_path: Path) -> None:
    form = read_docx(variants.values_in_cell_controls(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS
    assert form.rows[1][3].source.where == "表1 第2行 第4列"


def test_values_inside_run_content_controls(tmp_path: Path) -> None:
    form = read_docx(variants.values_in_run_controls(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS


def test_control_showing_its_prompt_reads_blank(tmp_path: Path) -> None:
    form = read_docx(variants.placeholder_control(V01, tmp_path / "x.docx", "联系邮箱"))
    assert texts(form)[5] == ["联系电话", "13731427819", "联系邮箱", ""]
    assert "单击" not in form.all_text()


def test_tracked_change_reads_the_inserted_value(tmp_path: Path) -> None:
    form = read_docx(variants.tracked_change(V01, tmp_path / "x.docx", "申请抵销量(吨)", "30000"))
    assert texts(form) == V01_ROWS
    assert "30000" not in form.all_text()


def test_moved_text_is_read_once(tmp_path: Path) -> None:
    form = read_docx(variants.moved_value(V01, tmp_path / "x.docx", "联系人"))
    assert form.rows[4][3].text == "张杰"


def test_deleted_row_is_left_out(tmp_path: Path) -> None:
    form = read_docx(variants.deleted_row(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS
    assert form.rows[10][0].source.where == "表1 第11行 第1列"


def test_field_results_without_field_codes(tmp_path: Path) -> None:
    form = read_docx(variants.values_in_fields(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS
    assert "FORMTEXT" not in form.all_text()
    assert "QUOTE" not in form.all_text()


def test_table_split_in_two_gives_all_rows_in_order(tmp_path: Path) -> None:
    form = read_docx(variants.split_table(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS
    assert form.rows[6][0].source.where == "表2 第1行 第1列"
    assert "（续表）" in line_texts(form)[2]


def test_extra_ccer_rows(tmp_path: Path) -> None:
    extra = [("1,000", "CCER-1001-2015"), ("２００", "3456")]
    form = read_docx(variants.add_ccer_rows(V01, tmp_path / "x.docx", extra))
    rows = texts(form)
    assert rows[:10] == V01_ROWS[:10]
    assert rows[10:12] == [
        ["注销量", "1,000", "项目编号", "CCER-1001-2015"],
        ["注销量", "２００", "项目编号", "3456"],
    ]
    assert rows[12] == V01_ROWS[10]


def test_nested_table_rows_follow_their_row(tmp_path: Path) -> None:
    form = read_docx(variants.nest_ccer_rows(V01, tmp_path / "x.docx"))
    rows = texts(form)
    assert rows[:7] == V01_ROWS[:7]
    assert rows[7] == [""]  # the holding cell's own paragraph
    assert rows[8:11] == V01_ROWS[7:10]
    assert rows[11] == V01_ROWS[10]
    assert form.rows[8][1].source.where == "表1 第8行 第1列 内嵌表1 第1行 第2列"
    assert form.rows[11][0].source.where == "表1 第9行 第1列"


def test_vertical_merge_continuations_are_omitted(tmp_path: Path) -> None:
    form = read_docx(variants.merge_ccer_labels(V01, tmp_path / "x.docx"))
    rows = texts(form)
    assert rows[7] == ["注销量", "9700", "项目编号", "1154"]
    assert rows[8] == ["5100", "项目编号", "2435"]
    assert form.rows[8][0].source.where == "表1 第9行 第2列"


def test_legacy_hmerge_gives_one_cell(tmp_path: Path) -> None:
    form = read_docx(variants.legacy_hmerge(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS


def test_fullwidth_digits_are_kept_as_written(tmp_path: Path) -> None:
    form = read_docx(variants.fullwidth_digits(V01, tmp_path / "x.docx"))
    assert texts(form)[3] == [
        "２０２１年应清缴配额量(吨)",
        "９５０４０２",
        "申请抵销量(吨)",
        "２４２００",
    ]
    assert texts(form)[4][1] == "２．５５"


def test_text_box_is_read_once_as_lines(tmp_path: Path) -> None:
    form = read_docx(variants.declaration_in_text_box(V01, tmp_path / "x.docx"))
    assert texts(form) == V01_ROWS
    lines = line_texts(form)
    assert lines.count("声 明") == 1
    assert lines[2:4] == ["声 明", "新疆生产建设兵团生态环境局："]
    assert lines[-1] == "2023年10月31日"
    assert form.lines[2].source.where == "文本框1 第1段"


# Text details, straight from XML -------------------------------------------------


def test_tabs_breaks_symbols_and_hyperlinks() -> None:
    xml = (
        "<w:p><w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/><w:t>C</w:t><w:noBreakHyphen/>"
        '<w:sym w:font="Wingdings" w:char="F0FE"/></w:r>'
        '<w:hyperlink><w:r><w:t xml:space="preserve"> link</w:t></w:r></w:hyperlink>'
        "<w:smartTag><w:r><w:t>!</w:t></w:r></w:smartTag></w:p>"
    )
    assert line_texts(read_document_xml(body(xml))) == ["A B\nC-☑ link!"]


def test_nested_field_codes_are_hidden() -> None:
    def fld(kind: str) -> str:
        return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'

    xml = (
        "<w:p><w:r><w:t>前</w:t></w:r>"
        + fld("begin")
        + "<w:r><w:instrText>IF </w:instrText></w:r>"
        + fld("begin")
        + "<w:r><w:instrText>MERGEFIELD x</w:instrText></w:r>"
        + fld("separate")
        + "<w:r><w:t>inner</w:t></w:r>"
        + fld("end")
        + fld("separate")
        + "<w:r><w:t>结果</w:t></w:r>"
        + fld("end")
        + "<w:r><w:t>后</w:t></w:r></w:p>"
    )
    assert line_texts(read_document_xml(body(xml))) == ["前结果后"]


def test_strict_ooxml_namespace() -> None:
    strict = "http://purl.oclc.org/ooxml/wordprocessingml/main"
    xml = (
        f'<w:document xmlns:w="{strict}"><w:body>'
        "<w:p><w:r><w:t>严格</w:t></w:r></w:p></w:body></w:document>"
    )
    assert line_texts(read_document_xml(xml.encode())) == ["严格"]


def test_cell_paragraphs_joined_by_newline() -> None:
    xml = (
        "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>一</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>二</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
    )
    form = read_document_xml(body(xml))
    assert texts(form) == [["一\n二"]]
    assert form.lines == []


# Files that must be refused ----------------------------------------------------------


def unreadable(path: Path) -> str:
    """The message reading ``path`` (type decided by its content) is refused with."""
    with pytest.raises(FileUnreadable) as info:
        read_text(path)
    assert info.value.code == "FILE_UNREADABLE"
    return info.value.message


def test_empty_file() -> None:
    assert unreadable(FORMS / "v12.docx") == "文件为空（0 字节）"


def test_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "cut.docx"
    path.write_bytes(V01.read_bytes()[:20000])
    assert unreadable(path) == "文件已损坏或不完整，无法作为 Word 文档打开"


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.docx"
    path.write_bytes(bytes(range(256)) * 40)
    assert "不支持的文件类型" in unreadable(path)


def test_missing_file(tmp_path: Path) -> None:
    assert "无法打开文件" in unreadable(tmp_path / "absent.docx")


def test_spreadsheet_renamed_docx(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active["A1"] = "单位名称"
    path = tmp_path / "book.docx"
    book.save(path)
    assert "Excel" in unreadable(path)


def test_plain_zip_renamed_docx(tmp_path: Path) -> None:
    path = tmp_path / "archive.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "压缩包" in unreadable(path)


def zip_with_document(path: Path, data: bytes) -> Path:
    """A zip holding ``data`` as word/document.xml."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", data)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1 GiB of zeros as word/document.xml, about 4 MB compressed."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.docx"
    zeros = bytes(1 << 24)
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("word/document.xml", "w", force_zip64=True) as fh,
    ):
        for _ in range(64):
            fh.write(zeros)
    return path


def test_zip_bomb_refused(bomb: Path) -> None:
    assert "过大" in unreadable(bomb)


def test_zip_with_too_many_entries(tmp_path: Path) -> None:
    path = tmp_path / "many.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", body(""))
        for n in range(2001):
            zf.writestr(f"x/{n}", b"")
    assert "过大" in unreadable(path)


def test_entry_size_is_counted_while_inflating(tmp_path: Path) -> None:
    path = zip_with_document(tmp_path / "x.docx", bytes(10_000))
    with zipfile.ZipFile(path) as zf, pytest.raises(FileUnreadable, match="过大"):
        read_entry(zf, "word/document.xml", Limits(max_entry_bytes=4096))


def test_lying_directory_is_refused(tmp_path: Path) -> None:
    real = bytes(50 * 1024 * 1024)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/document.xml", real)
    data = buffer.getvalue()
    declared = len(real).to_bytes(4, "little")
    path = tmp_path / "liar.docx"
    path.write_bytes(data.replace(declared, (1000).to_bytes(4, "little")))
    assert "已损坏" in unreadable(path)


def test_billion_laughs_does_not_expand(tmp_path: Path) -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    )
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
        + body("<w:p><w:r><w:t>&lol9;</w:t></w:r></w:p>").decode()
    )
    path = zip_with_document(tmp_path / "laughs.docx", xml.encode())
    assert "DTD" in unreadable(path)


def test_external_entity_is_not_fetched(tmp_path: Path) -> None:
    xml = (
        '<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + body("<w:p><w:r><w:t>&x;</w:t></w:r></w:p>").decode()
    )
    path = zip_with_document(tmp_path / "xxe.docx", xml.encode())
    assert "DTD" in unreadable(path)


def test_doctype_check_is_fast_on_long_whitespace(tmp_path: Path) -> None:
    path = zip_with_document(tmp_path / "spaces.docx", b" " * 100_000 + b"x")
    assert "XML" in unreadable(path)


def test_malformed_xml(tmp_path: Path) -> None:
    path = zip_with_document(tmp_path / "bad.docx", b"<w:document><w:body>")
    assert "XML" in unreadable(path)


def test_xml_that_is_not_a_word_body(tmp_path: Path) -> None:
    path = zip_with_document(tmp_path / "other.docx", b"<html><body>hi</body></html>")
    assert "不是 Word 文档" in unreadable(path)


def test_encrypted_docx(tmp_path: Path) -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    path = tmp_path / "locked.docx"
    with V01.open("rb") as plain, path.open("wb") as locked:
        ooxml.OOXMLFile(plain).encrypt("secret", locked)
    assert path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0"
    assert unreadable(path) == "文件已加密（设置了打开密码），请去除密码后重新上传"


def test_zip_level_password_is_reported_as_encrypted(tmp_path: Path) -> None:
    data = bytearray(V01.read_bytes())
    for signature, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) >= 0:
            data[start + flag_at] |= 0x01  # general purpose flag: encrypted
            start += 4
    path = tmp_path / "zipcrypto.docx"
    path.write_bytes(bytes(data))
    assert unreadable(path) == "文件已加密（设置了打开密码），请去除密码后重新上传"


def nested_controls(depth: int) -> bytes:
    """A paragraph whose text sits inside ``depth`` nested run-level controls."""
    xml = "<w:p>" + "<w:sdt><w:sdtContent>" * depth + "<w:r><w:t>深</w:t></w:r>"
    return body(xml + "</w:sdtContent></w:sdt>" * depth + "</w:p>")


def test_deeply_nested_controls_are_read() -> None:
    assert line_texts(read_document_xml(nested_controls(120))) == ["深"]


def test_too_deep_xml_is_refused_not_crashed() -> None:
    with pytest.raises(FileUnreadable):
        read_document_xml(nested_controls(5000))


def test_ole_file_that_is_not_word(tmp_path: Path) -> None:
    path = tmp_path / "junk.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert unreadable(path)
