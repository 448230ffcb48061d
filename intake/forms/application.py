"""The online 申请表: the shape of the input, and its conversion into an Application.

Every value is taken as text and read by the same normalisers as an uploaded file,
so a value that is not a number reaches the verifier and is reported there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from intake.application import Application, CcerRow, Declaration, number
from intake.cycles import Cycle, Cycles
from intake.forms.base import IntakeForm, SubForm
from intake.values import PROVINCES, parse_date, parse_quantity, ratio_pct
from intake.verify.protocol import EntityRecord

MAX_ROWS = 30
RATIO_PLACES = 2
TEXT = [Optional(), Length(max=200)]


class CcerRowForm(SubForm):
    """One row of the CCER table: a pending project and the quantity to cancel."""

    project_number = SelectField("项目编号", choices=[], validate_choice=False)
    cancel_quantity_t = StringField("注销量（tCO₂e）", validators=TEXT)


class ApplicationForm(IntakeForm):
    """The form of a compliance cycle (附表1 / 附表2 ...) as typed online."""

    year = SelectField("申请年度", choices=[])
    entity_name = StringField("单位名称", validators=TEXT)
    uscc = StringField("统一社会信用代码", validators=TEXT)
    ccer_account_id = StringField("自愿减排注册登记系统账户 ID", validators=TEXT)
    ets_account_id = StringField("全国碳排放权注册登记系统账户 ID", validators=TEXT)
    due_allowance_t = StringField("应清缴配额量（tCO₂e）", validators=TEXT)
    offset_requested_t = StringField("申请抵销量（tCO₂e）", validators=TEXT)
    offset_ratio_pct = StringField("CCER 抵销量占应清缴配额量比例（%）", validators=TEXT)
    contact_name = StringField("联系人", validators=TEXT)
    contact_phone = StringField("联系电话", validators=TEXT)
    contact_email = StringField("联系邮箱", validators=TEXT)
    ccer_rows = FieldList(FormField(CcerRowForm), min_entries=1, max_entries=MAX_ROWS)
    province = SelectField(
        "声明的受理地区",
        choices=[SelectChoice("", "请选择"), *(SelectChoice(p) for p in PROVINCES)],
    )
    signed_date = StringField("签署日期", validators=TEXT)
    add_row = SubmitField("添加一行")
    check = SubmitField("检查并保存")

    def __init__(self, cycles: Cycles, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycles = cycles
        self.year.choices = [SelectChoice(str(c.year), f"{c.year} 年度") for c in cycles]

    @property
    def cycle(self) -> Cycle:
        """The cycle of the year chosen (the first one until a year is chosen)."""
        year = self.year.data
        chosen = self.cycles.get(int(year)) if year and str(year).isdigit() else None
        return chosen or self.cycles.first

    def set_projects(self, choices: Sequence[SelectChoice]) -> None:
        """Offer these project choices in every CCER row."""
        for row in self.ccer_rows:
            row.form.project_number.choices = [SelectChoice("", "请选择项目"), *choices]

    def row_action(self, formdata: Mapping[str, Any]) -> bool:
        """Apply an add-row or remove-row button; True when one was pressed (then re-show)."""
        if self.add_row.data and len(self.ccer_rows) < MAX_ROWS:
            self.ccer_rows.append_entry()
            return True
        remove = str(formdata.get("remove_row", ""))
        if remove.isdigit():
            self._remove_row(int(remove))
            return True
        return bool(self.add_row.data)

    def _remove_row(self, index: int) -> None:
        kept = [row.data for i, row in enumerate(self.ccer_rows) if i != index]
        while len(self.ccer_rows):
            self.ccer_rows.pop_entry()
        for data in kept or [{}]:
            self.ccer_rows.append_entry(data)

    def to_application(self) -> Application:
        """The application as typed (the 声明 repeats the table, as the printed form will)."""
        offset = parse_quantity(self.offset_requested_t.data)
        due = parse_quantity(self.due_allowance_t.data)
        ratio = parse_quantity(self.offset_ratio_pct.data)
        if ratio is None:
            ratio = computed_ratio(offset, due)
        year = int(self.year.data) if (self.year.data or "").isdigit() else None
        return Application(
            year=year,
            entity_name=_text(self.entity_name.data),
            uscc=_text(self.uscc.data),
            ccer_account_id=_text(self.ccer_account_id.data),
            ets_account_id=_text(self.ets_account_id.data),
            due_allowance_t=due,
            offset_requested_t=offset,
            offset_ratio_pct=ratio,
            contact_name=_text(self.contact_name.data),
            contact_phone=_text(self.contact_phone.data),
            contact_email=_text(self.contact_email.data),
            ccer_rows=self._rows(),
            declaration=Declaration(
                province=self.province.data or None, offset_t=offset, ratio_pct=ratio, year=year
            ),
            signed_date=parse_date(self.signed_date.data),
            stamp_present=None,
            source_kind="web",
        )

    def _rows(self) -> list[CcerRow]:
        rows = []
        for entry in self.ccer_rows:
            project = _text(entry.form.project_number.data)
            quantity = parse_quantity(entry.form.cancel_quantity_t.data)
            if project is not None or quantity is not None:
                rows.append(CcerRow(cancel_quantity_t=quantity, project_number=project))
        return rows


def computed_ratio(offset: object, due: object) -> Decimal | None:
    """申请抵销量 ÷ 应清缴配额量 × 100 to two decimals, when both are positive numbers."""
    offset_value, due_value = number(offset), number(due)
    if offset_value is None or due_value is None or offset_value <= 0 or due_value <= 0:
        return None
    return ratio_pct(offset_value, due_value, RATIO_PLACES)


def initial_data(entity: EntityRecord, year: int, due: Decimal | None) -> MultiDict[str, str]:
    """Form data prefilled from the registry for a new application of the entity."""
    return MultiDict(
        {
            "year": str(year),
            "entity_name": entity.name,
            "uscc": entity.uscc,
            "ccer_account_id": entity.ccer_account_id,
            "ets_account_id": entity.ets_account_id,
            "due_allowance_t": format(due, "f") if due is not None else "",
            "province": entity.province,
        }
    )


def data_from_application(app: Application) -> MultiDict[str, str]:
    """Form data holding an application (to edit a version typed online before)."""
    data = app.to_json()
    values: dict[str, str] = {
        name: str(data[name] or "")
        for name in (
            "entity_name", "uscc", "ccer_account_id", "ets_account_id", "due_allowance_t",
            "offset_requested_t", "offset_ratio_pct", "contact_name", "contact_phone",
            "contact_email", "signed_date",
        )
    }  # fmt: skip
    values["year"] = str(data["year"] or "")
    values["province"] = data["declaration"]["province"] or ""
    out: MultiDict[str, str] = MultiDict(values)
    for index, row in enumerate(data["ccer_rows"]):
        out[f"ccer_rows-{index}-project_number"] = row["project_number"] or ""
        out[f"ccer_rows-{index}-cancel_quantity_t"] = row["cancel_quantity_t"] or ""
    return out


def _text(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None
