"""Every problem code of the contract: severity, Chinese title, message template.

The message templates are ``str.format`` templates. Every template may use
``{actual}``, ``{expected}``, ``{label}`` (the Chinese name of the field) and
``{row}`` (1-based CCER row, for row fields); a rule supplies any other
placeholder it names. A rule may give its own, more specific template for the
same code; the one here is the general wording listed by ``intake rules``.

``reveals_registry`` marks codes whose ``expected`` holds the entity's own
registry data (its name, account ids, allocation, pending quantity): the web
shows ``expected`` only to users entitled to that entity. Such messages never
contain the registry value themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.application import Severity


@dataclass(frozen=True)
class Entry:
    """What the catalogue knows of one problem code."""

    code: str
    severity: Severity
    title: str
    message: str
    reveals_registry: bool = False
    # A version with this problem cannot be submitted, and no reviewer can override it.
    blocking: bool = False


_ENTRIES = (
    Entry(
        "FILE_UNREADABLE",
        "error",
        "文件无法读取",
        "文件无法打开或解码（文件损坏、加密、为空或格式不受支持），请重新上传",
        blocking=True,
    ),
    Entry(
        "FORM_NOT_RECOGNIZED",
        "error",
        "不是申请表",
        "文件可以打开，但不是受理年度的使用 CCER 抵销配额清缴申请表",
        blocking=True,
    ),
    Entry("FIELD_MISSING", "error", "必填项未填写", "{label}未填写"),
    Entry("VALUE_INVALID", "error", "填写内容无效", "{label}填写的“{actual}”不是有效的正数"),
    Entry("USCC_INVALID", "error", "统一社会信用代码无效", "统一社会信用代码 {actual} {reason}"),
    Entry(
        "PHONE_INVALID",
        "error",
        "联系电话无效",
        "联系电话 {actual} 既不是 11 位手机号码，也不是带区号的固定电话（如 010-85123456）",
    ),
    Entry("EMAIL_INVALID", "error", "联系邮箱无效", "联系邮箱 {actual} 不是有效的电子邮件地址"),
    Entry(
        "RATIO_MISMATCH",
        "error",
        "抵销比例计算不符",
        "抵销比例填写 {actual}%，按申请抵销量 {offset} 吨 ÷ 应清缴配额量 {due} 吨 × 100"
        " 计算应为 {expected}%",
    ),
    Entry(
        "RATIO_OVER_LIMIT",
        "error",
        "抵销比例超过上限",
        "申请抵销量 {actual} 吨超过{base}的 {ceiling}（上限 {limit} 吨）",
    ),
    Entry(
        "ROWS_SUM_MISMATCH",
        "error",
        "注销量合计不符",
        "CCER 注销量合计 {expected} 吨，与申请抵销量 {actual} 吨不一致",
    ),
    Entry(
        "DECLARATION_MISMATCH",
        "error",
        "声明与申请表不一致",
        "{label}为 {actual}，与申请表中的 {expected} 不一致",
    ),
    Entry(
        "YEAR_MISMATCH",
        "error",
        "声明年份不符",
        "声明中的年份 {actual} 与申请表的年份 {expected} 不一致",
    ),
    Entry(
        "DUPLICATE_PROJECT",
        "warning",
        "项目编号重复",
        "项目编号 {actual} 在 CCER 第 {rows} 行重复出现，请确认是否应合并为一行",
    ),
    Entry("STAMP_MISSING", "error", "未加盖公章", "申请单位名称（公章）处未见单位公章"),
    Entry(
        "STAMP_UNVERIFIED",
        "warning",
        "公章无法核验",
        "电子文件无法核验公章，请审核人员核对盖章的纸质件或扫描件",
    ),
    Entry(
        "LOW_CONFIDENCE",
        "warning",
        "识别置信度低",
        "{label}的识别置信度为 {actual}，低于 {threshold}，请审核人员核对原件",
    ),
    Entry(
        "DEADLINE_PASSED",
        "error",
        "超过申请截止日期",
        "签署日期 {actual} 晚于申请截止日期 {expected}",
    ),
    Entry(
        "ENTITY_UNKNOWN",
        "error",
        "重点排放单位不存在",
        "统一社会信用代码 {actual} 不在全国碳市场重点排放单位名录中",
    ),
    Entry(
        "ENTITY_NAME_MISMATCH",
        "error",
        "单位名称不符",
        "单位名称“{actual}”与统一社会信用代码 {uscc} 在注册登记系统中登记的名称不一致",
        reveals_registry=True,
    ),
    Entry(
        "CCER_ACCOUNT_MISMATCH",
        "error",
        "自愿减排账户不符",
        "自愿减排注册登记系统账户 ID {actual} 不是本单位登记的账户",
        reveals_registry=True,
    ),
    Entry(
        "ETS_ACCOUNT_MISMATCH",
        "error",
        "全国碳市场账户不符",
        "全国碳排放权注册登记系统账户 ID {actual} 不是本单位登记的账户",
        reveals_registry=True,
    ),
    Entry(
        "ACCOUNTS_NOT_BOUND",
        "error",
        "账户未绑定",
        "本单位的自愿减排注册登记系统账户尚未与全国碳排放权注册登记系统账户绑定，"
        "请先完成账户绑定（第三步）",
    ),
    Entry(
        "DUE_ALLOWANCE_MISMATCH",
        "error",
        "应清缴配额量不符",
        "{year} 年应清缴配额量填写 {actual} 吨，与配额分配数据不一致",
        reveals_registry=True,
    ),
    Entry(
        "PROVINCE_MISMATCH",
        "error",
        "声明受理地区不符",
        "声明的受理地区为{actual}，与本单位在名录中登记的所属省级地区不一致",
        reveals_registry=True,
    ),
    Entry(
        "PROJECT_NOT_PENDING",
        "error",
        "无待抵销 CCER",
        "CCER 第 {row} 行：本单位没有项目 {actual} 的待抵销 CCER",
    ),
    Entry(
        "PENDING_INSUFFICIENT",
        "error",
        "待抵销量不足",
        "项目 {number} 申请注销合计 {actual} 吨{claimed_note}，超过本单位该项目的待抵销量",
        reveals_registry=True,
    ),
    Entry(
        "PROJECT_UNKNOWN",
        "error",
        "项目不在目录中",
        "CCER 第 {row} 行：项目编号 {actual} 不在生态环境部项目目录中",
    ),
    Entry(
        "PROJECT_INELIGIBLE",
        "error",
        "项目不可用于抵销",
        "CCER 第 {row} 行：项目 {actual}（{name}）不可用于抵销配额清缴{note}",
    ),
    Entry(
        "APPLICANT_MISMATCH",
        "error",
        "不是本单位的申请表",
        "申请表填写的统一社会信用代码 {actual} 不是本账户所属单位的代码 {expected}："
        "只能为本单位提交申请，以下核对均按本单位的登记信息进行",
        blocking=True,
    ),
    Entry(
        "COPY_MISMATCH",
        "error",
        "盖章件与在线填写不一致",
        "盖章件的{label}为“{actual}”，与在线填写的“{expected}”不一致",
    ),
    Entry(
        "APPLICATION_YEAR_MISMATCH",
        "error",
        "申请表年度与本申请不符",
        "本申请为 {expected} 年度，上传的是 {actual} 年度的申请表；{actual} 年度请另建一份申请",
        blocking=True,
    ),
)

CATALOGUE: dict[str, Entry] = {entry.code: entry for entry in _ENTRIES}
BLOCKING_CODES = frozenset(entry.code for entry in _ENTRIES if entry.blocking)

# The fields in the order they appear on the form, with their Chinese names.
FIELD_LABELS: dict[str, str] = {
    "year": "申请表年份",
    "entity_name": "单位名称",
    "uscc": "统一社会信用代码",
    "ccer_account_id": "自愿减排注册登记系统账户 ID",
    "ets_account_id": "全国碳排放权注册登记系统账户 ID",
    "due_allowance_t": "应清缴配额量",
    "offset_requested_t": "申请抵销量",
    "offset_ratio_pct": "CCER 抵销量占应清缴配额量比例",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "contact_email": "联系邮箱",
    "ccer_rows": "CCER 基本信息（注销量、项目编号）",
    "declaration.province": "声明的受理地区",
    "declaration.offset_t": "声明中的抵销量",
    "declaration.ratio_pct": "声明中的抵销比例",
    "declaration.year": "声明中的年份",
    "signed_date": "签署日期",
    "stamp_present": "公章",
}
ROW_LABELS: dict[str, str] = {"cancel_quantity_t": "注销量", "project_number": "项目编号"}

# A cell of the CCER table: ``ccer_rows[<index from 0>].<cell>``.
ROW_PATH = re.compile(r"ccer_rows\[(\d+)\]\.(\w+)")
_FIELD_POSITION = {name: i for i, name in enumerate(FIELD_LABELS)}
_CODE_POSITION = {code: i for i, code in enumerate(CATALOGUE)}


def row_path(index: int, cell: str) -> str:
    """The field path of one cell of the CCER table (index from 0)."""
    return f"ccer_rows[{index}].{cell}"


def row_of(field: str | None) -> int | None:
    """The 1-based CCER row a field path points into, or None."""
    match = ROW_PATH.fullmatch(field or "")
    return int(match.group(1)) + 1 if match else None


def label(field: str | None) -> str:
    """The Chinese name of a field path, as a message shows it."""
    if field is None:
        return "文件"
    match = ROW_PATH.fullmatch(field)
    if match:
        return f"CCER 第 {int(match.group(1)) + 1} 行{ROW_LABELS.get(match.group(2), '')}"
    return FIELD_LABELS.get(field, field)


def field_sort_key(field: str | None) -> tuple[int, int, int, str]:
    """Position of a field on the form: whole-file first, then top to bottom, unknown last."""
    if field is None:
        return (-1, 0, 0, "")
    match = ROW_PATH.fullmatch(field)
    if match:
        cell = list(ROW_LABELS).index(match.group(2)) if match.group(2) in ROW_LABELS else 9
        return (_FIELD_POSITION["ccer_rows"], int(match.group(1)), cell, "")
    if field in _FIELD_POSITION:
        return (_FIELD_POSITION[field], -1, 0, "")
    return (len(_FIELD_POSITION), 0, 0, field)


def code_sort_key(code: str) -> int:
    """Position of a code in the catalogue (the contract's order)."""
    return _CODE_POSITION.get(code, len(_CODE_POSITION))
