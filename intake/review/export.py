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
from intake.review.models import AuditEntry
from intake.review.projects.queries import ProjectUsage
from intake.review.registrations.models import Registration
from intake.values import without_control_characters

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
ROLE_NAMES = {
    "enterprise": "企业",
    "province": "省级审核",
    "ministry": "生态环境部",
    "admin": "管理员",
    "system": "系统",
}
DETAIL_NAMES = {
    "verified": "核验结果",
    "note": "说明",
    "rows": "行数",
    "version": "版本",
    "decision": "审核决定编号",
    "items": "审核意见条数",
    "overrides": "放行的错误",
    "total_t": "登记总量（吨）",
    "recall_date": "召回日期",
    "recalled_lots": "召回批次数",
    "recalled_t": "召回量（吨）",
    "as_of": "执行日期",
    "province": "省级地区",
    "reason": "原因",
}


def details_text(details: dict[str, Any]) -> str:
    """An audit entry's details in Chinese: 核验结果：否；说明：—."""

    def shown(value: Any) -> str:
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, list):
            return "、".join(str(v) for v in value) or "—"
        return str(value) if value not in (None, "") else "—"

    return "；".join(f"{DETAIL_NAMES.get(k, k)}：{shown(v)}" for k, v in sorted(details.items()))


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
    widest = [_display_width(name) for name in header]
    for row in rows:
        values = [_cell(value) for value in row]
        sheet.append(values)  # openpyxl writes Decimal as a number
        for index, value in enumerate(values[: len(widest)]):
            widest[index] = max(widest[index], _display_width(value))
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widest, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = min(60, max(12, width + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(value: Any) -> Any:
    """A value Excel can hold: text without the control characters openpyxl refuses (data
    stored before input was checked must not break the export for everyone)."""
    return without_control_characters(value) if isinstance(value, str) else value


def _display_width(value: Any) -> int:
    """Columns a value takes in Excel: a Chinese character is about two."""
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


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


STATE_NAMES = {"draft": "草稿", "submitted": "待审核", "approved": "已通过", "rejected": "已驳回"}


def queue_xlsx(rows: Iterable[Any]) -> bytes:
    """Applications of a queue (``dashboard_queries.QueueRow``), one row each."""
    header = [
        "申请编号",
        "统一社会信用代码",
        "单位名称",
        "省级地区",
        "年度",
        "状态",
        "申请抵销量（吨）",
        "错误",
        "提示",
        "最近更新",
    ]
    body = (
        [
            r.submission_id,
            r.uscc,
            r.entity_name,
            r.province or "",
            r.year,
            STATE_NAMES.get(r.state, r.state),
            r.requested_t,
            r.errors,
            r.warnings,
            beijing(r.updated_at),
        ]
        for r in rows
    )
    return _workbook("审核队列", header, body)


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
            ROLE_NAMES.get(e.role, e.role),
            ACTION_NAMES.get(e.action, e.action),
            e.submission_id,
            e.target,
            e.address,
            details_text(e.details),
        ]
        for e in entries
    )
    return _workbook("审计日志", header, rows)
