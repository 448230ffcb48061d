"""Help for every problem code: what the rule checks, the clause it rests on, what to do.

Beside the catalogue (``catalogue.py``), which says how a problem is worded; this says
why it is a problem and how to put it right. ``suggestion`` turns a problem's own
numbers into a concrete fix (the largest 申请抵销量 the ceiling allows, rounded down to
whole tonnes; what is left 待抵销 of a project). Plain Python, like the rest of verify/.

The years, annexes, deadline and ceiling in the texts are the compliance cycles'
(``intake.cycles``): the templates below name them as ``{placeholders}``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from intake.application import Problem
from intake.cycles import Cycles, load_cycles
from intake.verify.catalogue import CATALOGUE

STEP3 = "程序第三步：重点排放单位提交 CCER 履约抵销申请"
STEP4 = "程序第四步：省级生态环境主管部门审核确认（审核不通过的，应一次性告知不符合的相关事项）"
FORM = "{annexes}《申请表》"
DECLARATION = "{annexes}《申请表》“声明”部分"


@dataclass(frozen=True)
class Help:
    """What a clerk or an enterprise needs to know about one problem code."""

    checks: str
    clause: str
    fix: str
    example: str


TEMPLATES: dict[str, Help] = {
    "FILE_UNREADABLE": Help(
        "上传的文件能否打开和读取（损坏、加密、为空、格式不受支持或疑似恶意文件均无法读取）。",
        STEP3 + "；申请须以《申请表》提交。",
        "用 Word 或 PDF 阅读器确认文件能正常打开，去掉密码保护后重新上传；"
        "扫描件请使用 PDF、JPG 或 PNG 格式。",
        "上传了加密的 PDF，或文件在传输中损坏。",
    ),
    "FORM_NOT_RECOGNIZED": Help(
        "文件是否为 {years} 年《全国碳市场重点排放单位使用 CCER 抵销配额清缴申请表》。",
        FORM,
        "请使用程序{annex_of_year}的格式填写，不要改动表格标签。",
        "上传了营业执照扫描件或其他年度的申请表。",
    ),
    "FIELD_MISSING": Help(
        "《申请表》每一项是否都已填写，且至少填写一行 CCER 注销量和项目编号。",
        FORM,
        "补填所指出的空白项。每项空白只提示一次，补填后其余相关检查才会进行。",
        "联系电话一栏留空。",
    ),
    "VALUE_INVALID": Help(
        "数量和比例是否为正数，日期是否为真实日期，CCER 行是否两格都已填写。",
        FORM,
        "数量只填阿拉伯数字（可带小数），不要填写单位或文字；日期写成“2023年11月20日”。",
        "申请抵销量填成“约五万吨”；签署日期写成“2023年11月31日”。",
    ),
    "USCC_INVALID": Help(
        "统一社会信用代码是否符合 GB 32100-2015（18 位、字符集和校验位）。",
        FORM + "“统一社会信用代码”栏",
        "对照营业执照逐位核对，注意数字 0 与字母 O、数字 1 与字母 I 不能混用。",
        "91110000600037341L 误写为 91110000600O37341L。",
    ),
    "PHONE_INVALID": Help(
        "联系电话是否为 11 位手机号码或带区号的固定电话。",
        FORM + "“联系电话”栏",
        "填写 11 位手机号码，或“区号-号码”形式的固定电话（如 010-85123456）。",
        "只写了 8 位固定电话号码而没有区号。",
    ),
    "EMAIL_INVALID": Help(
        "联系邮箱是否为有效的电子邮件地址。",
        FORM + "“联系邮箱”栏",
        "填写完整的邮箱地址，包含“@”和域名，审核结果将发送到该邮箱。",
        "liuhaiyansina.com（缺少 @）。",
    ),
    "RATIO_MISMATCH": Help(
        "抵销比例是否等于 申请抵销量 ÷ 应清缴配额量 × 100，按所填小数位数四舍五入。",
        FORM + "“CCER 抵销量占应清缴配额量比例（%）”栏",
        "按公式重新计算比例后填写；在线填写时系统会自动计算。",
        "申请抵销量 62000 吨、应清缴配额量 1250000 吨，比例应为 4.96%，却填了 5.00%。",
    ),
    "RATIO_OVER_LIMIT": Help(
        "申请抵销量是否超过{base}的 {ceiling}（精确的十进制计算）。",
        "使用 CCER 抵销配额清缴的条件：抵销比例不超过{base}的 {ceiling}；" + STEP4,
        "把申请抵销量减到上限以内（上限按整吨向下取整），并相应减少 CCER 注销量，"
        "同时修改抵销比例和声明中的数字。",
        "应清缴配额量 950402 吨，上限 47520.1 吨，最多可申请 47520 吨。",
    ),
    "ROWS_SUM_MISMATCH": Help(
        "各行 CCER 注销量之和是否等于申请抵销量。",
        FORM + "“申请配额清缴的 CCER 基本信息”",
        "核对每一行注销量，使其合计等于申请抵销量；或修改申请抵销量。",
        "两行注销量 40000 吨和 20000 吨，合计 60000 吨，申请抵销量却填 62000 吨。",
    ),
    "DECLARATION_MISMATCH": Help(
        "声明中填写的 tCO₂e 数量和抵销比例是否与表格一致。",
        DECLARATION,
        "把声明中的数量和比例改成与表格中的申请抵销量和抵销比例完全一致。",
        "表格申请抵销量 62000 吨，声明写成 60000 tCO₂e。",
    ),
    "YEAR_MISMATCH": Help(
        "声明中的年度是否与申请表的年度一致。",
        DECLARATION,
        "{declaration_years}。",
        "在 {last} 年度申请表的声明中写了“用于 {first} 年全国碳市场抵销配额清缴”。",
    ),
    "DUPLICATE_PROJECT": Help(
        "同一项目编号是否在多行出现（提示，不影响通过）。",
        FORM + "（如涉及多个项目来源，逐一列明）",
        "同一项目的注销量合并为一行填写，便于核验。",
        "项目编号 2075 在第 1 行和第 3 行各填一次。",
    ),
    "STAMP_MISSING": Help(
        "扫描件或照片的“申请单位名称（公章）”处是否有红色公章。",
        DECLARATION + "：申请单位名称（公章）",
        "在签署处加盖单位公章后重新扫描或拍照上传。",
        "打印后签了字但没有盖章就扫描上传。",
    ),
    "STAMP_UNVERIFIED": Help(
        "电子文件（Word、文字版 PDF）无法看到公章，提醒审核人员核对（提示）。",
        DECLARATION + "：申请单位名称（公章）",
        "按省级主管部门要求另行提交盖章的纸质件或扫描件。",
        "上传的是在 Word 中填写的 .docx 文件。",
    ),
    "LOW_CONFIDENCE": Help(
        "从图片识别出的某个数值可信度较低，审核人员应对照原图核对（提示）。",
        STEP4,
        "上传更清晰的扫描件（300 dpi 以上，平整、无阴影），或改为在线填写。",
        "照片中注销量一栏反光，数字“8”可能被识别为“3”。",
    ),
    "DEADLINE_PASSED": Help(
        "签署日期是否晚于申请截止日（{deadline}，另有规定的除外）。",
        STEP3 + "：于 {deadline}前向所属省级生态环境主管部门提交。",
        "核对签署日期是否填写正确；如确已逾期，请与所属省级生态环境主管部门联系。",
        "签署日期填写为 {late_day}。",
    ),
    "ENTITY_UNKNOWN": Help(
        "统一社会信用代码是否属于全国碳市场重点排放单位名录中的单位。",
        "程序适用于全国碳市场重点排放单位；" + STEP4,
        "核对统一社会信用代码；如确为重点排放单位但名录中没有，请联系所属省级生态环境主管部门。",
        "填写了集团总部而不是发电企业本身的统一社会信用代码。",
    ),
    "ENTITY_NAME_MISMATCH": Help(
        "单位名称是否与名录中该统一社会信用代码的单位名称一致。",
        STEP4 + "（审核内容主要包括重点排放单位名称）",
        "按营业执照和名录中的全称填写，不要使用简称。",
        "“华能双河发电有限责任公司”写成“华能双河电厂”。",
    ),
    "CCER_ACCOUNT_MISMATCH": Help(
        "自愿减排注册登记系统账户 ID 是否为本单位的账户。",
        "程序第一步：在自愿减排注册登记系统开立登记账户",
        "登录自愿减排注册登记系统查询本单位登记账户 ID 后填写。",
        "填写了交易系统的交易账户号。",
    ),
    "ETS_ACCOUNT_MISMATCH": Help(
        "全国碳排放权注册登记系统账户 ID 是否为本单位的账户。",
        STEP3 + "（碳排放权注册登记系统登记账户）",
        "登录全国碳排放权注册登记系统查询本单位账户 ID 后填写。",
        "账户 ID 少填或多填了一位数字。",
    ),
    "ACCOUNTS_NOT_BOUND": Help(
        "本单位的自愿减排注册登记系统账户与碳排放权注册登记系统账户是否已绑定。",
        STEP3 + "：应首先在自愿减排注册登记系统中发起两个登记账户的绑定操作。",
        "在自愿减排注册登记系统中发起账户绑定，绑定完成后重新提交。",
        "已开立两个账户但未发起绑定。",
    ),
    "DUE_ALLOWANCE_MISMATCH": Help(
        "应清缴配额量是否与该年度的配额分配数据一致。",
        STEP4 + "（审核内容主要包括 {years_slash} 年度应清缴配额量）",
        "按碳排放权注册登记系统中本年度应清缴配额量填写，不要填写其他年度或预分配数据。",
        "{last} 年度申请表填了 {first} 年度的应清缴配额量。",
    ),
    "PROVINCE_MISMATCH": Help(
        "声明抬头的省级生态环境主管部门是否为本单位所在的省级地区。",
        STEP3 + "：向所属省级生态环境主管部门提交。",
        "把声明中“XXX省（自治区、直辖市、新疆生产建设兵团）”改为本单位所在省级地区。",
        "新疆生产建设兵团所属单位的声明写成“新疆维吾尔自治区生态环境厅”。",
    ),
    "PROJECT_NOT_PENDING": Help(
        "本单位在碳排放权注册登记系统中是否持有该项目编号的“待抵销”CCER。",
        STEP3 + "：在自愿减排注册登记系统发起“全国履约抵销”，CCER 标记为“待抵销”后方可选择。",
        "先在自愿减排注册登记系统对该项目的 CCER 发起“全国履约抵销”，或改填持有的项目编号。",
        "填写了已经抵销过或从未购买的项目编号。",
    ),
    "PENDING_INSUFFICIENT": Help(
        "同一项目各行注销量（加上本单位其他在审申请已使用的数量）是否超过持有的待抵销量。",
        STEP3 + "：自行选择“待抵销”的 CCER 及对应注销数量。",
        "把该项目的注销量减到剩余待抵销量以内，或先补充“全国履约抵销”的数量。",
        "项目 2075 待抵销 20000 吨，却申请注销 25000 吨。",
    ),
    "PROJECT_UNKNOWN": Help(
        "项目编号是否在生态环境部的 CCER 项目目录中。",
        FORM + "（此栏由生态环境部统一组织核验）",
        "对照自愿减排注册登记系统中的项目编号逐位填写。",
        "项目编号 CCER-1044-2014 写成 CCER-1044-2041。",
    ),
    "PROJECT_INELIGIBLE": Help(
        "项目目录是否标注该项目不可用于抵销配额清缴。",
        "使用 CCER 抵销配额清缴的条件（CCER 符合性）；" + STEP4,
        "改用符合条件的项目的 CCER。",
        "目录中标注为不可用于抵销的项目。",
    ),
    "APPLICANT_MISMATCH": Help(
        "申请表填写的统一社会信用代码是否就是提交申请的账户所属单位的代码。"
        "登记信息的核对一律按账户所属单位进行。",
        STEP3 + "；申请由重点排放单位本身提交并加盖本单位公章。",
        "只能为本单位申请：请上传本单位的申请表，或在线填写时保留预填的本单位代码。"
        "该错误不能由审核人员放行，改正前不能提交。",
        "集团下属两家电厂共用一名经办人，把另一家电厂的申请表传到了本单位账户下。",
    ),
    "COPY_MISMATCH": Help(
        "在线填写的申请所附盖章件（打印、盖章后的扫描件、照片或 PDF）"
        "与在线填写的内容是否逐项一致。",
        STEP3 + "；盖章的《申请表》是申请的正式文本。",
        "如在线内容有误，请修改在线填写后重新打印、盖章并上传盖章件；"
        "如盖章件有误，请按在线内容重新打印盖章后上传。",
        "在线修改了联系电话，但上传的仍是修改前打印盖章的申请表。",
    ),
    "APPLICATION_YEAR_MISMATCH": Help(
        "上传的新版本是否与本申请同一年度（申请的年度在新建时确定，此后不能更改）。",
        FORM + "：{annex_each}，每个年度分别申请。",
        "另一年度的申请请在“我的申请”中另建；本申请请上传本年度的申请表。",
        "在 {first} 年度的申请中上传了 {last} 年度的申请表。",
    ),
}


def _chinese_date(day: dt.date) -> str:
    return f"{day.year} 年 {day.month} 月 {day.day} 日"


def facts(cycles: Cycles) -> dict[str, str]:
    """What the help texts say of the cycles, by placeholder."""
    last = cycles.last
    return {
        "years": " 年或 ".join(str(year) for year in cycles.years),
        "years_slash": "/".join(str(year) for year in cycles.years),
        "first": str(cycles.first.year),
        "last": str(last.year),
        "annexes": "、".join(cycle.annex for cycle in cycles),
        "annex_of_year": "或".join(f"{c.annex}（{c.year} 年度）" for c in cycles),
        "annex_each": "，".join(f"{c.year} 年度用{c.annex}" for c in cycles),
        "declaration_years": "；".join(
            f"{c.year} 年度申请使用{c.annex}，声明写 {c.year} 年" for c in cycles
        ),
        "deadline": _chinese_date(last.deadline),
        "late_day": _chinese_date(last.deadline + dt.timedelta(days=5)),
        "ceiling": last.ceiling_text,
        "base": last.ceiling_base,
    }


def help_texts(cycles: Cycles) -> dict[str, Help]:
    """The help of every code, with the cycles' years, deadline and ceiling written in."""
    values = facts(cycles)
    return {
        code: Help(*(part.format_map(values) for part in (t.checks, t.clause, t.fix, t.example)))
        for code, t in TEMPLATES.items()
    }


# The help of the built-in cycles.
HELP = help_texts(load_cycles())


def help_for(code: str, cycles: Cycles | None = None) -> Help | None:
    """The help of a code of the catalogue (for these cycles), or None for an unknown code."""
    return (HELP if cycles is None else help_texts(cycles)).get(code)


def _quantity(text: Any) -> Decimal | None:
    """The number in an ``expected`` such as ``≤ 47520.1``."""
    raw = str(text or "").replace("≤", "").replace(",", "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def suggestion(problem: Problem) -> str | None:
    """A concrete fix from the problem's own numbers, or None when it has none to offer.

    Reads only what the problem shows the viewer (its ``expected``), so a fix never
    reveals registry data that the page itself hides.
    """
    code = problem.code
    limit = _quantity(problem.expected)
    if limit is None:
        return None
    whole = limit.to_integral_value(ROUND_DOWN)
    if code == "RATIO_OVER_LIMIT":
        return f"申请抵销量最多可填 {whole} 吨（上限 {format(limit, 'f')} 吨，按整吨向下取整）。"
    if code == "PENDING_INSUFFICIENT":
        if whole <= 0:
            return "该项目已没有剩余的待抵销量，请删除该行或改用其他项目。"
        return f"该项目剩余待抵销量为 {format(limit, 'f')} 吨，注销量最多可填 {whole} 吨。"
    return None


PLACEHOLDER_NAMES = {
    "actual": "填写值",
    "expected": "应为",
    "label": "栏目",
    "row": "行号",
    "limit": "上限",
    "offset": "申请抵销量",
    "due": "应清缴配额量",
    "base": "上限的基数",
    "ceiling": "上限比例",
    "number": "项目编号",
}


def message_pattern(message: str) -> str:
    """A catalogue message with its placeholders named in Chinese: 申请抵销量〔填写值〕吨…"""
    return re.sub(r"\{(\w+)\}", lambda m: f"〔{PLACEHOLDER_NAMES.get(m.group(1), '…')}〕", message)


def catalogue_codes() -> list[str]:
    """Every code of the catalogue, in the contract's order."""
    return list(CATALOGUE)
