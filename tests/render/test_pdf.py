"""The filled form as PDF, converted by LibreOffice, read back by the PDF parser."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intake.application import Application, CcerRow
from intake.render import RenderError, render_pdf

ReadBack = Callable[[bytes, str], dict[str, Any]]

needs_soffice = pytest.mark.skipif(
    shutil.which("soffice") is None and shutil.which("libreoffice") is None,
    reason="LibreOffice is not installed",
)


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("name", ["v01", "v04"])
def test_clean_application_reads_back_equal(
    name: str, load: Callable[[str], Application], read_back: ReadBack
) -> None:
    app = load(name)
    data = render_pdf(app)
    assert data.startswith(b"%PDF")
    assert read_back(data, ".pdf") == app.to_json()


@pytest.mark.slow
@needs_soffice
def test_extra_rows_template_addressee_and_full_width_name(
    app_2021: Application, read_back: ReadBack
) -> None:
    app_2021.ccer_rows += [CcerRow(Decimal("100"), "0127"), CcerRow(None, "386")]
    app_2021.declaration.province = None
    app_2021.signed_date = None
    app_2021.entity_name = "ＡＢＣ（北京）新能源有限公司"
    assert read_back(render_pdf(app_2021), ".pdf") == app_2021.to_json()


@pytest.mark.slow
@needs_soffice
def test_name_too_long_for_one_line(app_2022: Application, read_back: ReadBack) -> None:
    app_2022.entity_name = "中国石油化工股份有限公司镇海炼化分公司北京销售分公司"
    assert read_back(render_pdf(app_2022), ".pdf")["entity_name"] == app_2022.entity_name


def test_missing_libreoffice_is_a_clear_error(
    app_2021: Application, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(RenderError) as caught:
        render_pdf(app_2021)
    assert caught.value.message == "服务器未安装 LibreOffice，无法生成 PDF；请下载 Word 版本"


@pytest.mark.slow
@needs_soffice
def test_conversion_overrunning_its_timeout_is_stopped(app_2021: Application) -> None:
    with pytest.raises(RenderError, match="超时"):
        render_pdf(app_2021, timeout=0.01)
