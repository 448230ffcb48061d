"""Excel exports (openpyxl): a province's registrations, the ministry's project list, the audit log.

Quantities are written as exact numbers (Excel shows what was registered); dates
as Beijing time. Each function returns the .xlsx file's bytes.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook

from intake.review.audit import ACTION_NAMES
from intake.review.records import AuditEntry, Registration
from intake.review.usage import ProjectUsage

BEIJING = dt.timezone(dt.timedelta(hours=8))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FLAG_NAMES = {
    "unknown": "不在项目目录中",
    "ineligible": "目录标注不可用于抵销",
    "not_verified": "主管部门核验未通过",
    "over_claimed": "申请量超过待抵销量",
    "several_entities": "多个单位申请同一项目",
    "both_years": "同一单位两个年度均申请",
}


def beijing(moment: dt.datetime) -> str:
    """A timestamp as Beijing time, to the second."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def _workbook(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))  # openpyxl writes Decimal as a number
    sheet.freeze_panes = "A2"
    for index, name in enumerate(header, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            12, len(name) * 2 + 4
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def registrations_xlsx(registrations: Iterable[Registration]) -> bytes:
    """One row per cancellation: registration, entity, year, project, quantity."""
    header = [
        "登记编号",
        "注销编号",
        "统一社会信用代码",
        "单位名称",
        "省级地区",
        "年度",
        "项目编号",
        "项目名称",
        "注销量（tCO2e）",
        "登记时间",
    ]
    rows = (
        [
            r.number,
            c.number,
            r.uscc,
            r.entity_name,
            r.province,
            r.year,
            c.project_number,
            c.project_name,
            c.quantity_t,
            beijing(r.registered_at),
        ]
        for r in registrations
        for c in r.cancellations
    )
    return _workbook("抵销登记", header, rows)


def projects_xlsx(usages: Iterable[ProjectUsage]) -> bytes:
    """One row per project number used in applications nationwide."""
    header = [
        "项目编号",
        "项目名称",
        "目录",
        "核验",
        "待抵销量",
        "待审核申请量",
        "已通过申请量",
        "已抵销量",
        "申请单位数",
        "提示",
    ]
    rows = (
        [
            u.project_number,
            u.project_name,
            "不在目录" if not u.known else ("可用" if u.eligible else "不可用"),
            _verification(u),
            u.pending_t,
            u.claimed_t,
            u.approved_t,
            u.offset_t,
            len({c.uscc for c in u.claims}),
            "；".join(FLAG_NAMES.get(f, f) for f in u.flags),
        ]
        for u in usages
    )
    return _workbook("项目编号", header, rows)


def _verification(usage: ProjectUsage) -> str:
    if usage.verification is None:
        return "未核验"
    return "核验通过" if usage.verification.verified else "核验未通过"


def audit_xlsx(entries: Iterable[AuditEntry]) -> bytes:
    """The audit log, one row per entry."""
    header = ["时间", "用户", "角色", "操作", "申请编号", "对象", "来源地址", "详情"]
    rows = (
        [
            beijing(e.at),
            e.username,
            e.role,
            ACTION_NAMES.get(e.action, e.action),
            e.submission_id,
            e.target,
            e.address,
            ", ".join(f"{k}={v}" for k, v in sorted(e.details.items())),
        ]
        for e in entries
    )
    return _workbook("审计日志", header, rows)
