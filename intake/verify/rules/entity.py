"""The key emission unit: known, and the form agrees with what the registry holds for it.

Messages here never quote registry values: those go to ``expected`` only, which
the web shows to users entitled to the entity (see ``Entry.reveals_registry``).
"""

from __future__ import annotations

from collections.abc import Iterator

from intake.verify.check import Check, fold
from intake.verify.engine import Found, rule


@rule("APPLICANT_MISMATCH", field="uscc")
def applicant_mismatch(check: Check) -> Iterator[Found]:
    """The form names another entity than the enterprise account that hands it in."""
    if check.applicant_mismatch:
        yield Found(actual=check.uscc, expected=check.applicant_uscc)


@rule("ENTITY_UNKNOWN", field="uscc")
def entity_unknown(check: Check) -> Iterator[Found]:
    """No key emission unit with this 统一社会信用代码 (an invalid code never names one)."""
    if check.uscc is not None and check.entity is None and not check.applicant_mismatch:
        yield Found(actual=check.uscc)


@rule("ENTITY_NAME_MISMATCH", field="entity_name")
def entity_name_mismatch(check: Check) -> Iterator[Found]:
    """单位名称 differs from the registry's name (full-width and spacing ignored)."""
    name, entity = check.text("entity_name"), check.entity
    if name is not None and entity is not None and fold(name) != fold(entity.name):
        yield Found(actual=name, expected=entity.name, uscc=entity.uscc)


@rule("CCER_ACCOUNT_MISMATCH", field="ccer_account_id")
def ccer_account_mismatch(check: Check) -> Iterator[Found]:
    """自愿减排注册登记系统账户 ID is not the entity's."""
    account, entity = check.text("ccer_account_id"), check.entity
    if account is not None and entity is not None and not same_id(account, entity.ccer_account_id):
        yield Found(actual=account, expected=entity.ccer_account_id)


@rule("ETS_ACCOUNT_MISMATCH", field="ets_account_id")
def ets_account_mismatch(check: Check) -> Iterator[Found]:
    """全国碳排放权注册登记系统账户 ID is not the entity's."""
    account, entity = check.text("ets_account_id"), check.entity
    if account is not None and entity is not None and not same_id(account, entity.ets_account_id):
        yield Found(actual=account, expected=entity.ets_account_id)


@rule("ACCOUNTS_NOT_BOUND", field="ccer_account_id")
def accounts_not_bound(check: Check) -> Iterator[Found]:
    """The entity's two registry accounts are not bound (第三步 not done)."""
    if check.entity is not None and not check.entity.accounts_bound:
        yield Found()


@rule("DUE_ALLOWANCE_MISMATCH", field="due_allowance_t")
def due_allowance_mismatch(check: Check) -> Iterator[Found]:
    """应清缴配额量 differs from the allocation of that year."""
    due, allocated = check.number("due_allowance_t"), check.allocated_due
    if due is not None and allocated is not None and allocated != due:
        yield Found(actual=due, expected=allocated, year=check.year)


@rule(
    "DUE_ALLOWANCE_MISMATCH",
    field="due_allowance_t",
    message="配额分配数据中没有本单位 {year} 年的应清缴配额量，无法核对填写的 {actual} 吨",
)
def due_allowance_not_allocated(check: Check) -> Iterator[Found]:
    """No allocation for the entity and year: the stated figure cannot be right."""
    due, year, entity = check.number("due_allowance_t"), check.year, check.entity
    if due is not None and year is not None and entity is not None and check.allocated_due is None:
        yield Found(actual=due, expected=None, year=year)


@rule("PROVINCE_MISMATCH", field="declaration.province")
def province_mismatch(check: Check) -> Iterator[Found]:
    """The 声明 is addressed to another province-level unit than the entity's."""
    province, entity = check.text("declaration.province"), check.entity
    if province is not None and entity is not None and fold(province) != fold(entity.province):
        yield Found(actual=province, expected=entity.province)


def same_id(written: str, registered: str) -> bool:
    """Account ids compare without spacing, width or letter case."""
    return fold(written).upper() == fold(registered).upper()
