"""Generators of PDF variants of the 申请表 for the PDF parser's tests.

Each variant prints the same fields with another generator or geometry:
LibreOffice from the sample .docx (with and without borders), and forms
drawn with reportlab (full grid of cell rectangles or of thin filled bars, horizontal rules only,
no rules at all; other column widths, labels wrapped elsewhere, the table
split over two pages, full-width digits and thousands separators). Also
scans, mixed, encrypted, garbled and oversized files.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import docx
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
PAGE_W, PAGE_H = A4

# label, value: the values use full-width digits and thousands separators on purpose.
FIELDS: list[tuple[str, str]] = [
    ("单位名称", "深圳热电有限责任公司"),
    ("统一社会信用代码", "91440104MAWX8P55XQ"),
    ("自愿减排注册登记系统账户ID", "C5187911279"),
    ("全国碳排放权注册登记系统账户ID", "163057267921"),
    ("2022年应清缴配额量(吨)", "5,412,559"),
    ("申请抵销量（吨）", "１２４，５００"),
    ("CCER抵销量占应清缴配额比例（%）", "2.30"),
    ("联系人", "周明"),
    ("联系电话", "15927208266"),
    ("联系邮箱", "zhou_ming@yeah.net"),
]
CCER_ROWS: list[tuple[str, str]] = [
    ("25,800", "1203"),
    ("24,800", "CCER-1380-2015"),
    ("７３９００", "CCER-1135-2014"),
]
TITLE = ["附表2", "2022年全国碳市场重点排放单位", "使用CCER抵销配额清缴申请表"]
DECLARATION = [
    "声明",
    "广东省生态环境厅：",
    "我单位申请使用国家核证自愿减排量（CCER） 124,500 tCO2e，用于2022年",
    "全国碳市场抵销配额清缴，抵销比例占我单位2022年应清缴配额量的 2.30 %。",
    "申请单位名称（公章）",
    "2023年9月6日",
]
COLUMNS = [120.0, 135.0, 125.0, 115.0]  # other widths than the Word template
LEFT = 50.0
SIZE = 10.0
LEADING = 13.0
WRAP = 6  # label characters per line: wraps elsewhere than the template


def soffice() -> str | None:
    """The LibreOffice binary, when installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_pdf(source: Path, out_dir: Path) -> Path:
    """A .docx converted to PDF by LibreOffice."""
    binary = soffice()
    if binary is None:
        raise FileNotFoundError("soffice")
    profile = out_dir / "lo-profile"
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out_dir),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return out_dir / (source.stem + ".pdf")


def borderless_docx(source: Path, target: Path) -> Path:
    """A copy of a .docx whose tables draw no borders at all."""
    document = docx.Document(str(source))
    for table in document.tables:
        properties = table._tbl.tblPr
        for old in properties.findall(qn("w:tblBorders")):
            properties.remove(old)
        borders = OxmlElement("w:tblBorders")
        for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
            edge = OxmlElement(f"w:{side}")
            edge.set(qn("w:val"), "nil")
            borders.append(edge)
        properties.append(borders)
        for cell_borders in list(table._tbl.iter(qn("w:tcBorders"))):
            parent = cell_borders.getparent()
            if parent is not None:
                parent.remove(cell_borders)
    document.save(str(target))
    return target


def _wrap(text: str, width: int) -> list[str]:
    """Text cut into lines of at most width characters."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


class _Form:
    """Draws the form row by row on a reportlab canvas."""

    def __init__(self, canvas: Canvas, rules: str) -> None:
        self.canvas = canvas
        self.rules = rules
        self.y = PAGE_H - 60

    def text_lines(self, lines: Sequence[str], x: float | None = None) -> None:
        """Paragraph lines outside the table."""
        for line in lines:
            self.canvas.setFont(FONT, SIZE)
            if x is None:
                self.canvas.drawCentredString(PAGE_W / 2, self.y, line)
            else:
                self.canvas.drawString(x, self.y, line)
            self.y -= LEADING + 6

    def row(self, cells: Sequence[str]) -> None:
        """One table row; a single cell spans the full width."""
        widths = COLUMNS if len(cells) == len(COLUMNS) else [sum(COLUMNS)]
        wrapped = [_wrap(text, WRAP if i % 2 == 0 else 40) for i, text in enumerate(cells)]
        if len(cells) == 1:
            wrapped = [[cells[0]]]
        height = max(len(w) for w in wrapped) * LEADING + 12
        top = self.y
        x = LEFT
        for width, lines in zip(widths, wrapped, strict=True):
            if self.rules == "grid":
                self.canvas.rect(x, top - height, width, height, stroke=1, fill=0)
            elif self.rules == "bars":  # borders as thin filled rectangles, as Word exports
                self.canvas.rect(x, top - 0.5, width, 0.5, stroke=0, fill=1)
                self.canvas.rect(x, top - height, width, 0.5, stroke=0, fill=1)
                self.canvas.rect(x, top - height, 0.5, height, stroke=0, fill=1)
                self.canvas.rect(x + width - 0.5, top - height, 0.5, height, stroke=0, fill=1)
            first = top - (height - len(lines) * LEADING) / 2 - SIZE
            for k, line in enumerate(lines):
                self.canvas.setFont(FONT, SIZE)
                self.canvas.drawString(x + 4, first - k * LEADING, line)
            x += width
        if self.rules == "horizontal":
            self.canvas.line(LEFT, top, LEFT + sum(COLUMNS), top)
            self.canvas.line(LEFT, top - height, LEFT + sum(COLUMNS), top - height)
        self.y = top - height


def reportlab_form(path: Path, rules: str) -> Path:
    """The form drawn by hand on two pages; rules: "grid", "bars", "horizontal" or "none"."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    canvas = Canvas(str(path), pagesize=A4)
    form = _Form(canvas, rules)
    form.text_lines(TITLE)
    form.y -= 10
    form.row(["申请单位基本信息"])
    for i in range(0, len(FIELDS), 2):
        (a, b), (c, d) = FIELDS[i], FIELDS[i + 1]
        form.row([a, b, c, d])
    canvas.showPage()
    form = _Form(canvas, rules)
    form.row(["申请配额清缴的CCER基本信息"])
    for quantity, number in CCER_ROWS:
        form.row(["注销量", quantity, "项目编号", number])
    form.y -= 20
    form.text_lines(DECLARATION[:1])
    form.text_lines(DECLARATION[1:4], x=LEFT)
    form.text_lines(DECLARATION[4:], x=380)
    canvas.save()
    return path


def _page_image(lines: Sequence[str]) -> Image.Image:
    """A grey page picture with dark bars where text would be."""
    image = Image.new("L", (850, 1200), 245)
    draw = ImageDraw.Draw(image)
    for k, _ in enumerate(lines):
        draw.rectangle((80, 100 + 40 * k, 700, 120 + 40 * k), fill=30)
    return image


def scan_pdf(path: Path, pages: Sequence[str] = ("image",)) -> Path:
    """Pages that are full-page images ("image") or typed text ("text")."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    canvas = Canvas(str(path), pagesize=A4)
    for kind in pages:
        if kind == "image":
            buffer = io.BytesIO()
            _page_image(TITLE).save(buffer, format="PNG")
            buffer.seek(0)
            canvas.drawImage(ImageReader(buffer), 0, 0, PAGE_W, PAGE_H)
        else:
            _Form(canvas, "grid").text_lines(TITLE + DECLARATION)
        canvas.showPage()
    canvas.save()
    return path


def mojibake_pdf(path: Path) -> Path:
    """A page whose Chinese was mapped to Latin-1 letters (GBK bytes read as Latin-1)."""
    canvas = Canvas(str(path), pagesize=A4)
    y = PAGE_H - 80
    for line in TITLE + DECLARATION:
        garbled = line.encode("gbk", errors="replace").decode("latin-1")
        canvas.setFont("Helvetica", 11)
        canvas.drawString(LEFT, y, garbled)
        y -= 20
    canvas.save()
    return path


def many_pages_pdf(path: Path, count: int) -> Path:
    """A typed PDF of count pages."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    canvas = Canvas(str(path), pagesize=A4)
    for number in range(count):
        canvas.setFont(FONT, SIZE)
        canvas.drawString(LEFT, PAGE_H - 80, f"第{number + 1}页 申请表附件")
        canvas.showPage()
    canvas.save()
    return path


def encrypted_pdf(source: Path, target: Path, user_password: str, owner_password: str) -> Path:
    """A copy of a PDF encrypted with pypdf (empty user password: opens without one)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(str(source)))
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="AES-128")
    with target.open("wb") as fh:
        writer.write(fh)
    return target


def cid_font_pdf(path: Path, lines: int = 6) -> Path:
    """A page whose text uses a CID font without any Unicode mapping: ``(cid:N)``."""
    show = " ".join(
        f"1 0 0 1 50 {780 - 20 * k} Tm <{'0101020203030404' * 4}> Tj" for k in range(lines)
    )
    stream = f"BT /F1 12 Tf {show} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /Unmapped /Encoding /Identity-H"
        b" /DescendantFonts [6 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Unmapped /DW 1000"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"
        b" /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /Unmapped /Flags 4 /FontBBox [0 -200 1000 800]"
        b" /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.write_bytes(bytes(out))
    return path


def blank_pdf(path: Path) -> Path:
    """A PDF of one empty page."""
    canvas = Canvas(str(path), pagesize=A4)
    canvas.showPage()
    canvas.save()
    return path
