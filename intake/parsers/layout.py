"""The form's printed labels, and reading an Application out of any FormText.

Fields are found by their labels, not by position: a value is the cell after
its label in the same row (or the rest of the label's own cell, as in
``联系人：张三``). Labels are compared after folding widths and removing
white space, and matched loosely enough to survive OCR slips and the small
wording differences between 附表1 and 附表2.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from intake.application import Application, CcerRow, Declaration, Source
from intake.parsers.normalize import misread_count, parse_code, parse_email, parse_phone
from intake.parsers.text import Cell, FormNotRecognized, FormText
from intake.values import (
    clean_text,
    fold_width,
    parse_date,
    parse_quantity,
    parse_year,
    province_of,
    squash,
)


@dataclass(frozen=True)
class Label:
    """A printed label of the table and how to read the value next to it."""

    field: str
    pattern: re.Pattern[str]
    read: Callable[[str | None], Any]


def _label(field: str, pattern: str, read: Callable[[str | None], Any]) -> Label:
    return Label(field, re.compile(pattern, re.IGNORECASE), read)


def _upper_code(text: str | None) -> str | None:
    return parse_code(text, upper=True)


# A unit after a quantity's label: (吨), (tCO2e), (吨二氧化碳当量)... On a poor scan the
# recogniser reads the brackets around a short unit as a colon or drops them: 量:吨, 量吨:.
_UNIT = r"(\([^)]{0,12}\)|[(:]?(吨|t|tCO2e)[):]?)?$"
# Patterns run on the squashed label (no white space, half-width, ASCII brackets).
LABELS: tuple[Label, ...] = (
    _label("uscc", r"^统一社会(信用)?代码|^(社会)?信用代码", _upper_code),
    _label("ccer_account_id", r"^自愿减排.*(账户|帐户|ID)", _upper_code),
    _label("ets_account_id", r"^全国碳排放权.*(账户|帐户|ID)|^碳排放权注册", _upper_code),
    _label(
        "offset_ratio_pct", r"^CCER抵销量占.*比例|^抵销(量)?比例|占应清缴.*比例", parse_quantity
    ),
    _label("due_allowance_t", r"^(\d{4}年(度)?)?应清缴配额(量)?" + _UNIT, parse_quantity),
    _label("offset_requested_t", r"^申请抵销(量|数量)" + _UNIT, parse_quantity),
    _label("entity_name", r"^(申请)?单位名称$", clean_text),
    _label("contact_name", r"^联系人(姓名)?$", clean_text),
    _label("contact_phone", r"^联系(电话|方式)$|^电话$", parse_phone),
    _label("contact_email", r"^联系(邮箱|邮件)|^(电子)?邮箱$|^E-?mail$", parse_email),
    _label("cancel_quantity_t", r"^注销(量|数量)" + _UNIT, parse_quantity),
    _label("project_number", r"^项目编号$", parse_code),
)
SECTION_HEADINGS = re.compile(r"^申请单位基本信息$|^申请配额清缴的CCER基本信息$|^\(注:")
TITLE = re.compile(r"(\d{4}|[〇零○一二三四五六七八九]{4})年(度)?全国碳市场重点排放单位")
FORM_NAME = re.compile(r"使用CCER抵销配额清缴申请表")
MIN_LABELS = 5  # distinct labels a file must show to count as the 申请表
# Lines printed around the form that are never part of it: a scanner app's watermark,
# an online system's header.
FURNITURE = re.compile(r"扫描全能王|^由.{0,12}扫描创建$|打印时间:|申请编号:")


def label_key(text: str) -> str:
    """A label as compared: no white space, half-width, ASCII brackets, no trailing colon."""
    key = squash(text).replace("（", "(").replace("）", ")").replace("：", ":")
    return key.rstrip(":")


def match_label(text: str) -> tuple[Label, str] | None:
    """The label a cell holds, and what follows it in the same cell (``联系人：张三``)."""
    key = label_key(text)
    if not key or len(key) > 40:
        return None
    for label in LABELS:
        if label.pattern.search(key):
            return label, ""
    misread = _misread_label(key)
    if misread is not None:
        return misread, ""
    head, sep, rest = fold_width(text).partition(":")
    if sep and rest.strip():
        inner = label_key(head)
        for label in LABELS:
            if label.pattern.search(inner):
                return label, rest.strip()
    return None


# The long labels as the form prints them: a scan may get one of their characters wrong
# (全国碳据放权注册登记系统账户ID), which the patterns above do not forgive.
PRINTED_LABELS = {
    "uscc": "统一社会信用代码",
    "ccer_account_id": "自愿减排注册登记系统账户ID",
    "ets_account_id": "全国碳排放权注册登记系统账户ID",
    "due_allowance_t": "应清缴配额量(吨)",
    "offset_requested_t": "申请抵销量(吨)",
    "offset_ratio_pct": "CCER抵销量占应清缴配额量比例(%)",
}
# A misread label may have one character in six wrong (at least one).
MISREAD_SHARE = 6
MIN_MISREAD_LENGTH = 5
_SIGNS = re.compile(r"\W")
_PRINTED_BARE = {field: _SIGNS.sub("", text) for field, text in PRINTED_LABELS.items()}


def _misread_label(key: str) -> Label | None:
    """The long printed label that ``key`` is, but for a character or two the scan got wrong.

    Brackets and other signs are left out of the comparison: a scan turns them into
    anything (申请抵销量·吨：).
    """
    key = _SIGNS.sub("", re.sub(r"^\d{4}年(度)?", "", key))
    if len(key) < MIN_MISREAD_LENGTH:
        return None
    misses = {field: misread_count(key, text) for field, text in _PRINTED_BARE.items()}
    field = min(misses, key=misses.__getitem__)
    if misses[field] > max(1, len(_PRINTED_BARE[field]) // MISREAD_SHARE):
        return None
    return next(label for label in LABELS if label.field == field)


@dataclass
class _Pair:
    label: Label
    raw: str | None
    source: Source
    label_text: str


def _pairs(row: list[Cell]) -> Iterator[_Pair]:
    """Label/value pairs of one table row, in order."""
    i = 0
    while i < len(row):
        found = match_label(row[i].text)
        if found is None:
            i += 1
            continue
        label, rest = found
        if rest:
            yield _Pair(label, rest, row[i].source, row[i].text)
            i += 1
            continue
        nxt = row[i + 1] if i + 1 < len(row) else None
        if nxt is not None and match_label(nxt.text) is None:
            yield _Pair(label, nxt.text, nxt.source, row[i].text)
            i += 2
        else:
            where = nxt.source if nxt is not None else row[i].source
            yield _Pair(label, None, where, row[i].text)
            i += 1


def read_form(form: FormText) -> Application:
    """The application a FormText shows; FormNotRecognized when it is not the 申请表."""
    return _Reader(form).read()


_CCER_LABELS = {
    label.field: label for label in LABELS if label.field in ("cancel_quantity_t", "project_number")
}


def _merged_label_pairs(row: list[Cell], fields: set[str]) -> list[_Pair]:
    """A CCER row whose other label is merged down from the row above: its value stands alone.

    Word leaves the continuation of a vertically merged label out, so the row reads
    ``5100 | 项目编号 | 2435``; the lone cell is the value of the missing label.
    """
    missing = [f for f in _CCER_LABELS if f not in fields]
    if len(missing) != 1:
        return []
    labelled = {i for i, c in enumerate(row) if match_label(c.text)}
    values = {i + 1 for i in labelled}
    lone = [c for i, c in enumerate(row) if i not in labelled and i not in values]
    if len(lone) != 1:
        return []
    label = _CCER_LABELS[missing[0]]
    return [_Pair(label, lone[0].text, lone[0].source, label.field)]


def ccer_header(row: list[Cell]) -> list[Label | None] | None:
    """The CCER label of each column when the row is a header row of the CCER table, else None.

    A header row holds 注销量 and 项目编号 each as a whole cell; its other cells are
    headings of columns an enterprise or an online system added (序号, 项目名称, 项目类型):
    written, without digits, and no label of the form.
    """
    columns: list[Label | None] = []
    for cell in row:
        found = match_label(cell.text)
        if found is not None and found[0].field in _CCER_LABELS and not found[1]:
            columns.append(found[0])
        elif found is None and label_key(cell.text) and not re.search(r"\d", cell.text):
            columns.append(None)
        else:
            return None
    fields = [c.field for c in columns if c is not None]
    if sorted(fields) != sorted(_CCER_LABELS) or len(columns) == len(fields):
        return None
    return columns


_DECLARATION_WORDS = re.compile(r"声明|公章|生态环境(厅|局)|申请使用国家核证")


def _split_lines(row: list[Cell]) -> list[Cell]:
    """The paragraphs of table cells as lines, each keeping its cell's source."""
    return [
        Cell(line, cell.source) for cell in row for line in cell.text.split("\n") if line.strip()
    ]


class _Reader:
    """Collects the fields of one FormText into an Application."""

    def __init__(self, form: FormText) -> None:
        self.form = form
        self.app = Application(source_kind=form.kind, stamp_present=form.stamp_present)
        self.labels_seen: set[str] = set()
        self.label_year: int | None = None
        self.header_columns: list[Label | None] | None = None
        # The 声明 and the signature printed inside the table, as some templates do.
        self.table_lines: list[Cell] = []

    def read(self) -> Application:
        for row in self.form.rows:
            self._read_row(row)
        self._read_lines()
        if len(self.labels_seen) < MIN_LABELS:
            raise FormNotRecognized(
                "未识别为全国碳市场使用 CCER 抵销配额清缴申请表："
                f"只找到 {len(self.labels_seen)} 个表格栏目（应有 12 个）"
            )
        return self.app

    def _read_row(self, row: list[Cell]) -> None:
        columns = ccer_header(row)
        if columns is not None:
            # A header row (序号 | 项目编号 | 注销量...), repeated on each page it runs onto.
            self.header_columns = columns
            self.labels_seen.update(c.field for c in columns if c is not None)
            return
        pairs = list(_pairs(row))
        if not pairs:
            if any(_DECLARATION_WORDS.search(label_key(c.text)) for c in row):
                self.table_lines.extend(_split_lines(row))
                return
            self._read_headerless_ccer_row(row)
            return
        row_fields = {p.label.field for p in pairs}
        if row_fields <= {"cancel_quantity_t", "project_number"}:
            self._read_ccer_row([*pairs, *_merged_label_pairs(row, row_fields)])
            return
        for pair in pairs:
            self._set(pair)

    def _set(self, pair: _Pair) -> None:
        if pair.label.field in ("cancel_quantity_t", "project_number"):
            # A CCER label in a row of other labels: a row of its own, not an attribute.
            self._read_ccer_row([pair])
            return
        self.labels_seen.add(pair.label.field)
        if pair.label.field == "due_allowance_t":
            year = re.match(r"(\d{4})年", label_key(pair.label_text))
            self.label_year = int(year.group(1)) if year else self.label_year
        if getattr(self.app, pair.label.field) is None:
            setattr(self.app, pair.label.field, pair.label.read(pair.raw))
            self.app.sources[pair.label.field] = pair.source

    def _read_ccer_row(self, pairs: list[_Pair]) -> None:
        values = {p.label.field: p for p in pairs}
        self.labels_seen.update(values)
        if all(p.raw is None or clean_text(p.raw) is None for p in pairs):
            # A header row (注销量 | 项目编号) with the values in rows below it.
            if len(pairs) == 2 and all(p.raw is None for p in pairs):
                self.header_columns = [p.label for p in pairs]
            return
        self._add_ccer(values.get("cancel_quantity_t"), values.get("project_number"))

    def _read_headerless_ccer_row(self, row: list[Cell]) -> None:
        if self.header_columns is None or len(row) != len(self.header_columns):
            return
        if any(SECTION_HEADINGS.search(label_key(c.text)) for c in row):
            return
        pairs = {
            label.field: _Pair(label, cell.text, cell.source, label.field)
            for label, cell in zip(self.header_columns, row, strict=True)
            if label is not None
        }
        self._add_ccer(pairs.get("cancel_quantity_t"), pairs.get("project_number"))

    def _add_ccer(self, quantity: _Pair | None, number: _Pair | None) -> None:
        ccer = CcerRow(
            cancel_quantity_t=parse_quantity(quantity.raw) if quantity else None,
            project_number=parse_code(number.raw) if number else None,
        )
        if ccer.cancel_quantity_t is None and ccer.project_number is None:
            return
        index = len(self.app.ccer_rows)
        self.app.ccer_rows.append(ccer)
        if quantity:
            self.app.sources[f"ccer_rows[{index}].cancel_quantity_t"] = quantity.source
        if number:
            self.app.sources[f"ccer_rows[{index}].project_number"] = number.source

    def _read_lines(self) -> None:
        lines = [
            c
            for c in [*self.form.lines, *self.table_lines]
            if not FURNITURE.search(label_key(c.text))
        ]
        self._read_title(lines)
        read_declaration(lines, self.app)
        self._read_signed_date(lines)

    def _read_title(self, lines: list[Cell]) -> None:
        for cell in lines:
            key = label_key(cell.text)
            match = TITLE.search(key)
            if match:
                year = parse_year(match.group(1))
                if isinstance(year, int):
                    self.app.year = year
                    self.app.sources["year"] = cell.source
                    self.labels_seen.add("title")
                    return
        if self.label_year is not None:
            self.app.year = self.label_year
        else:
            for cell in lines:
                annex = re.match(r"^附表([12])$", label_key(cell.text))
                if annex:
                    self.app.year = 2020 + int(annex.group(1))
                    return

    def _read_signed_date(self, lines: list[Cell]) -> None:
        found = _date_after_signature(lines)
        if found is None:
            # No signature line: on a 1-bit scan the seal's ring can join it to the lines
            # above into one unreadable block. A line that is a whole date is the date signed.
            dates = [
                c
                for c in lines
                if _sealed_date(c.text) is not None or _WRITTEN_DATE.match(label_key(c.text))
            ]
            found = (dates[-1].text, dates[-1].source) if dates else None
        if found is None:
            return
        text, source = found
        date = parse_date(re.sub(r"^日期[:：]", "", text.strip()))
        sealed = _sealed_date(text)
        if sealed is not None and not label_key(text).endswith("日"):
            # The seal over the date (骑年盖月) took its 日: the day may have lost a digit.
            date = sealed
            if source.confidence is not None:
                source = dataclasses.replace(source, confidence=min(source.confidence, UNSURE))
        self.app.signed_date = date
        self.app.sources["signed_date"] = source


def _date_after_signature(lines: list[Cell]) -> tuple[str, Source] | None:
    """The text and source of the date written under the signature line, if there is one."""
    for i, cell in enumerate(lines):
        key = label_key(cell.text)
        if not _SIGNATURE.search(key):
            continue
        after = _SIGNATURE.split(key, maxsplit=1)[-1]
        candidates = [after, *(c.text for c in lines[i + 1 : i + 4])]
        sources = [cell.source, *(c.source for c in lines[i + 1 : i + 4])]
        for text, source in zip(candidates, sources, strict=True):
            if "年" in text or re.search(r"\d{4}[-/.]\d", fold_width(text)):
                return text, source
        return None
    return None


def _sealed_date(text: str) -> dt.date | None:
    """A line that is a whole date, its 日 perhaps lost or misread under the seal."""
    match = _WHOLE_DATE.match(label_key(text))
    if match is None:
        return None
    try:
        return dt.date(*(int(match.group(g)) for g in ("y", "m", "d")))
    except ValueError:
        return None


# The signature line: 申请单位名称（公章）, or 盖章; a seal over it may take a character or two
# from the recogniser (申请单住名称（公）, 申请单住名称「公员）), so 名称, a bracket and 公
# are enough.
_SIGNATURE = re.compile(r"名称\W?公章?\W?|\(?公章\)?|盖章")
# A line that is a date in digits; its 日 may be lost or misread under the seal.
_WHOLE_DATE = re.compile(r"^(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})(日|[^\d\s])?$")
# A date written in Chinese numerals (二〇二三年九月六日), read whole.
_WRITTEN_DATE = re.compile(
    r"^[〇零○一二三四五六七八九]{4}年[〇零○一二三四五六七八九十]{1,3}月[〇零○一二三四五六七八九十]{1,3}日$"
)

# A blank holds digits, separators, underscores or Chinese numerals, never other words.
_BLANK = r"(?P<v>(?:[^a-zA-Z\u4e00-\u9fff%]|[〇零一二三四五六七八九十百千万])*?)"
_DECL_OFFSET = re.compile(r"CCER\)?" + _BLANK + r"(?:t\s*C\s*[O0]|吨)", re.IGNORECASE)
_DECL_YEAR = re.compile(r"用于(?P<v>[^年，,]{0,8}?)年(度)?全国碳市场")
# The % may be misread (°) or lost on a poor scan: the figure then ends at the next sign.
_DECL_RATIO = re.compile(r"应清缴配额(量)?的" + _BLANK + r"(?P<unit>%|(?=[^\d.\s_]))")
# A figure of the 声明 read without its % sign may have lost more: below LOW_CONFIDENCE.
UNSURE = 0.79
_ADDRESSEE = re.compile(r"^(?P<v>.*?)(生态环境厅|生态环境局|生态环境)")


def read_declaration(lines: list[Cell], app: Application) -> None:
    """Fill ``app.declaration`` from the 声明's addressee line and its sentence with blanks."""
    decl = Declaration()
    start = next((i for i, c in enumerate(lines) if label_key(c.text) in ("声明", "声 明")), None)
    body = lines[start + 1 :] if start is not None else lines
    for cell in body:
        key = label_key(cell.text)
        match = _ADDRESSEE.match(key)
        if match and (key.endswith(":") or "厅" in key or "局" in key) and len(key) < 60:
            decl.province = province_of(match.group("v"))
            app.sources["declaration.province"] = cell.source
            break
    joined, owners = _join(body)
    for name, pattern, read in (
        ("offset_t", _DECL_OFFSET, parse_quantity),
        ("year", _DECL_YEAR, parse_year),
        ("ratio_pct", _DECL_RATIO, parse_quantity),
    ):
        match = pattern.search(joined)
        if match:
            raw = match.group("v").replace("_", " ")
            setattr(decl, name, read(raw))
            source = owners(match.start("v"))
            if "unit" in match.groupdict() and not match.group("unit") and source.confidence:
                source = dataclasses.replace(source, confidence=min(source.confidence, UNSURE))
            app.sources[f"declaration.{name}"] = source
    app.declaration = decl


def _join(lines: list[Cell]) -> tuple[str, Callable[[int], Source]]:
    """The lines as one text (wrapped sentences rejoined), and the line owning an offset."""
    parts: list[str] = []
    starts: list[int] = []
    position = 0
    for cell in lines:
        text = fold_width(cell.text).replace("（", "(").replace("）", ")")
        text = text.replace("，", ",").replace("％", "%").replace("：", ":")
        text = re.sub(r"\s+", " ", text).strip()
        starts.append(position)
        parts.append(text)
        position += len(text)
    joined = "".join(parts)
    # Spaces only matter between Latin letters; keep them inside blanks for the readers.
    sources = [c.source for c in lines]

    def owner(offset: int) -> Source:
        index = max((i for i, s in enumerate(starts) if s <= offset), default=0)
        return sources[index] if sources else Source(where="声明")

    return joined, owner
