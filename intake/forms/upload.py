"""The upload form: one file of a type the parsers read."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired

from intake.forms.base import IntakeForm

# Only a first hint for the user: the type is decided from the content by the parsers.
EXTENSIONS = ["docx", "doc", "pdf", "jpg", "jpeg", "png", "tif", "tiff", "heic", "heif"]


class UploadForm(IntakeForm):
    """The 申请表 file to check."""

    file = FileField(
        "申请表文件",
        validators=[
            FileRequired(message="请选择要上传的文件"),
            FileAllowed(
                EXTENSIONS, message="请上传 .docx、.doc、.pdf、.jpg、.png、.tif 或 .heic 文件"
            ),
        ],
        description="支持 Word（.docx、.doc）、PDF 以及扫描件或照片（.jpg、.png、.tif、.heic）",
    )
