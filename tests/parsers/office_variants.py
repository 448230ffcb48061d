"""Files of the kinds offices really produce, written from an ``office_cases.Case``.

- Word files as enterprises edit them: ten CCER rows over two pages (the table
  split by a page break, its heading repeated), a CCER table re-laid out with a
  header row and an added 项目名称 column, quantities typed ``28,300 吨`` or
  ``1.9万``; the same saved as RTF under a ``.doc`` name, and exported by
  LibreOffice as "Office Open XML Text".
- Browser-printed PDFs of an online system (``browser_pdf``): HTML printed by
  headless Chromium with its own header and footer (date, title, URL, ``1/2``);
  Chromium's font subsetting with Noto Sans CJK writes Kangxi-radical and
  CJK-radical-supplement code points (``⽉``, ``⻓``) into the text layer by
  itself, so no post-processing is needed.
- Scans with an invisible OCR text layer (``invisible_text_scan``): page images
  of the form with a seal and a scanner app's footer, and a text layer in render
  mode 3 carrying the app's own mistakes.
"""

from __future__ import annotations

import copy
import html
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import docx
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from docx.oxml.ns import qn
from docx.oxml.parser import OxmlElement
from docx.table import _Row
from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from intake.application import Application, CcerRow
from intake.libreoffice import convert as convert_with_libreoffice
from intake.render.docx import FIRST_CCER_ROW, render_docx, write_cell
from intake.render.pdf import docx_to_pdf
from tests.parsers.office_cases import Case
from tests.parsers.scan_variants import Array, draw_seal

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
WATERMARK = "由 扫描全能王 扫描创建"
DPI = 200
# What a phone scanner app's recogniser gets wrong: the image is the truth.
OCR_SLIPS = str.maketrans({"0": "O", "1": "l", "5": "S", "8": "B", "@": "®", "省": "首"})


# ---------------------------------------------------------------- Word


def written(case: Case) -> Application:
    """The case's application with every value as typed on the form."""
    app = copy.deepcopy(case.truth)
    for path in ("due_allowance_t", "offset_requested_t"):
        setattr(app, path, case.typed.get(path, getattr(app, path)))
    app.ccer_rows = [
        CcerRow(
            case.typed.get(f"ccer_rows[{i}].cancel_quantity_t", r.cancel_quantity_t),
            r.project_number,
        )
        for i, r in enumerate(app.ccer_rows)
    ]
    return app


def word_form(
    case: Case, target: Path, *, split_after: int = 0, columns: tuple[str, ...] = ()
) -> Path:
    """The official form filled as an enterprise edits it.

    ``split_after``: the CCER rows break onto a new page after that many rows,
    the table's CCER heading repeated. ``columns``: the CCER block re-laid out
    as a header row of these labels and one row per project.
    """
    app = written(case)
    extra = 1 if columns else 0
    app.ccer_rows = app.ccer_rows + [CcerRow()] * extra
    document = docx.Document(io.BytesIO(render_docx(app)))
    table = document.tables[0]
    if columns:
        _header_layout(case, list(table.rows), columns)
    if split_after:
        _split_rows(table._tbl, FIRST_CCER_ROW + extra + split_after)
    document.save(str(target))
    return target


def _header_layout(case: Case, rows: list[_Row], columns: tuple[str, ...]) -> None:
    """The CCER rows rewritten as a header row and data rows with a 项目名称 column."""
    ccer = rows[FIRST_CCER_ROW : FIRST_CCER_ROW + len(case.truth.ccer_rows) + 1]
    for cell, label in zip(ccer[0].cells, columns, strict=True):
        write_cell(cell, label)
    for i, (row, data) in enumerate(zip(ccer[1:], case.truth.ccer_rows, strict=True)):
        values = {
            "序号": str(i + 1),
            "项目编号": data.project_number or "",
            "项目名称": case.project_names[i],
            "注销量(吨)": case.shown(f"ccer_rows[{i}].cancel_quantity_t", data.cancel_quantity_t),
            "注销量": case.shown(f"ccer_rows[{i}].cancel_quantity_t", data.cancel_quantity_t),
        }
        for cell, label in zip(row.cells, columns, strict=True):
            write_cell(cell, values[label.replace("（", "(").replace("）", ")")])


def _split_rows(tbl: object, at: int) -> None:
    """Move the table's rows from ``at`` into a new table on the next page, heading repeated."""
    rows = tbl.findall(qn("w:tr"))  # type: ignore[attr-defined]
    second = OxmlElement("w:tbl")
    for part in ("w:tblPr", "w:tblGrid"):
        second.append(copy.deepcopy(tbl.find(qn(part))))  # type: ignore[attr-defined]
    second.append(copy.deepcopy(rows[FIRST_CCER_ROW - 1]))
    for row in rows[at:]:
        second.append(row)
    page_break = OxmlElement("w:p")
    run = OxmlElement("w:r")
    brk = OxmlElement("w:br")
    brk.set(qn("w:type"), "page")
    run.append(brk)
    page_break.append(run)
    tbl.addnext(page_break)  # type: ignore[attr-defined]
    page_break.addnext(second)


def converted(source: Path, target: Path, convert_to: str) -> Path:
    """``source`` converted by LibreOffice and saved as ``target`` (whatever its extension)."""
    with tempfile.TemporaryDirectory(prefix="office-variant-") as work:
        produced = convert_with_libreoffice(source, convert_to, Path(work), timeout=120)
        shutil.move(produced, target)
    return target


# ---------------------------------------------------------------- browser print


_CSS = """
body { font-family: "Noto Sans CJK SC"; font-size: 10pt; margin: 0 6mm; }
.sys { display: flex; justify-content: space-between; color: #555; font-size: 9pt;
       border-bottom: 1px solid #ccc; padding: 4px 0; }
h2 { text-align: center; font-size: 14pt; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
col.label { width: 19%; } col.value { width: 31%; }
td, th { border: 1px solid #999; padding: 5px 6px; }
th { background: #eef2f7; }
input { border: 1px solid #ccc; width: 95%; font: inherit; padding: 2px 4px; }
input::placeholder { color: #aaa; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
.decl { margin-top: 16px; line-height: 1.8; }
.sign { text-align: right; margin-top: 20px; }
"""


def _input(case: Case, path: str, placeholder: str) -> str:
    if path in case.placeholders:
        return f'<input placeholder="{html.escape(placeholder)}">'
    value = case.shown(path, _value(case.truth, path))
    return f'<input value="{html.escape(value)}" placeholder="{html.escape(placeholder)}">'


def _value(app: Application, path: str) -> object:
    return getattr(app, path)


def browser_html(case: Case, number: int) -> str:
    """The application as an online system's print view."""
    app = case.truth
    year = app.year
    pairs = [
        ("单位名称", "entity_name", "统一社会信用代码", "uscc"),
        (
            "自愿减排注册登记系统账户ID",
            "ccer_account_id",
            "全国碳排放权注册登记系统账户ID",
            "ets_account_id",
        ),
        (
            f"{year}年应清缴配额量（吨）",
            "due_allowance_t",
            "申请抵销量（吨）",
            "offset_requested_t",
        ),
        ("CCER抵销量占应清缴配额量比例（%）", "offset_ratio_pct", "联系人", "contact_name"),
        ("联系电话", "contact_phone", "联系邮箱", "contact_email"),
    ]
    body = [
        f'<div class="sys"><span>全国碳排放权注册登记系统 · 履约抵销申请</span>'
        f"<span>申请编号：SQ{year}{number:06d}</span><span>打印时间：2023-11-30 15:42:08</span></div>",
        f"<h2>{year}年全国碳市场重点排放单位<br>使用CCER抵销配额清缴申请表</h2>",
        '<table><colgroup><col class="label"><col class="value"><col class="label">'
        '<col class="value"></colgroup><tr><td colspan="4">申请单位基本信息</td></tr>',
    ]
    for label_a, path_a, label_b, path_b in pairs:
        hint_a = "请输入" + label_a.split("（")[0]
        hint_b = "请输入" + label_b.split("（")[0]
        body.append(
            f"<tr><td>{label_a}</td><td>{_input(case, path_a, hint_a)}</td>"
            f"<td>{label_b}</td><td>{_input(case, path_b, hint_b)}</td></tr>"
        )
    body.append("</table><p>申请配额清缴的CCER基本信息</p><table><thead>")
    body.append(
        "<tr><th>序号</th><th>项目编号</th><th>项目名称</th><th>注销量（吨）</th></tr></thead>"
    )
    for i, row in enumerate(app.ccer_rows):
        quantity = case.shown(f"ccer_rows[{i}].cancel_quantity_t", row.cancel_quantity_t)
        body.append(
            f"<tr><td>{i + 1}</td><td>{row.project_number}</td>"
            f"<td>{case.project_names[i]}</td><td>{quantity}</td></tr>"
        )
    decl = app.declaration
    body += [
        "</table>",
        '<div class="decl"><p style="text-align:center">声 明</p>',
        f"<p>{decl.province}{'生态环境局' if decl.province in ('北京市', '新疆生产建设兵团') else '生态环境厅'}：</p>",
        f"<p>我单位申请使用国家核证自愿减排量（CCER）{decl.offset_t}tCO₂e，用于{decl.year}年全国碳市场"
        f"抵销配额清缴，抵销比例占我单位{decl.year}年应清缴配额量的{decl.ratio_pct}%。</p>",
        "<p>我单位知悉2021、2022年全国碳市场重点排放单位使用CCER抵销配额清缴的相关条件和工作流程，"
        "承诺拟用于配额清缴抵销的CCER不再用于交易和其他用途。以上信息真实、准确、有效，"
        "不包含任何虚假信息或误导性陈述，请予审核。</p></div>",
        f'<div class="sign"><p>申请单位名称（公章）</p><p>{case.shown("signed_date", app.signed_date)}</p></div>',
    ]
    title = f"履约抵销申请 - SQ{year}{number:06d}"
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>"
    )


def browser_pdf(case: Case, target: Path, number: int) -> Path:
    """The print view printed to PDF by headless Chromium, with its header and footer."""
    page = target.with_suffix(".html")
    page.write_text(browser_html(case, number), encoding="utf-8")
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return target


# ---------------------------------------------------------------- invisible text layer


def invisible_text_scan(case: Case, target: Path, *, seed: int = 0) -> Path:
    """Page images of the form (sealed, with a scanner app's footer) over a wrong hidden text layer."""
    digital = target.with_suffix(".digital.pdf")
    digital.write_bytes(docx_to_pdf(render_docx(written(case))))
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    with pdfplumber.open(digital) as source:
        sizes = [(float(p.width), float(p.height)) for p in source.pages]
        words = [p.extract_words() for p in source.pages]
    images = _page_images(digital, words, seed)
    canvas = Canvas(str(target), pagesize=sizes[0])
    for (width, height), image, page_words in zip(sizes, images, words, strict=True):
        canvas.setPageSize((width, height))
        canvas.drawImage(ImageReader(image), 0, 0, width, height)
        text = canvas.beginText()
        text.setTextRenderMode(3)
        for word in [*page_words, _watermark_word(width, height)]:
            text.setFont("STSong-Light", max(4.0, float(word["bottom"] - word["top"])))
            text.setTextOrigin(float(word["x0"]), height - float(word["bottom"]) + 1)
            text.textOut(str(word["text"]).translate(OCR_SLIPS))
        canvas.drawText(text)
        canvas.showPage()
    canvas.save()
    digital.unlink()
    return target


def _watermark_word(width: float, height: float) -> dict[str, object]:
    return {"text": WATERMARK, "x0": width - 170.0, "top": height - 24.0, "bottom": height - 16.0}


def _page_images(pdf: Path, words: list[list[dict[str, object]]], seed: int) -> list[Image.Image]:
    """Each page at scanner resolution, the seal over 公章, the app's footer drawn in."""
    doc = pdfium.PdfDocument(pdf)
    images = []
    try:
        for index in range(len(doc)):
            image = doc[index].render(scale=DPI / 72).to_pil().convert("RGB")
            for word in words[index]:
                if "公章" in str(word["text"]):
                    x = (float(word["x0"]) + float(word["x1"])) / 2 * DPI / 72  # type: ignore[arg-type]
                    y = (float(word["top"]) + float(word["bottom"])) / 2 * DPI / 72  # type: ignore[arg-type]
                    bgr = draw_seal(_bgr(image), (round(x), round(y)), radius=150, seed=seed)
                    image = Image.fromarray(bgr[:, :, ::-1].copy())
            draw = ImageDraw.Draw(image)
            font = ImageFont.truetype(NOTO, 24)
            draw.text(
                (image.width - 430, image.height - 64), WATERMARK, fill=(150, 150, 150), font=font
            )
            images.append(image)
    finally:
        doc.close()
    return images


def _bgr(image: Image.Image) -> Array:
    return np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
