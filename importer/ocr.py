"""Text from a scanned PDF: Debian's pdftoppm renders pages, tesseract (chi_sim) reads them.

Optional: without the programs (scripts/system-deps.sh installs them) a scanned PDF is refused
with a message. OCR misreads characters (亩 as 军), so the importer warns the editor to check.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from importer.model import ImportFailed

MAX_OCR_PAGES = 30
DPI = "200"
PAGE_TIMEOUT = 120  # seconds for one page; a real page takes a few


def available() -> bool:
    """Whether pdftoppm and tesseract with simplified Chinese are installed."""
    if not (shutil.which("pdftoppm") and shutil.which("tesseract")):
        return False
    try:
        langs = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True,
                               timeout=30).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return False
    return "chi_sim" in langs


def ocr_pdf(raw: bytes, name: str, pages: int) -> list[str]:
    """The text of each page (at most MAX_OCR_PAGES), as tesseract reads it.

    :raise ImportFailed: when rendering or recognition fails or takes too long.
    """
    with tempfile.TemporaryDirectory(prefix="casebase-ocr-") as tmp:
        pdf = Path(tmp) / "in.pdf"
        pdf.write_bytes(raw)
        try:
            subprocess.run(["pdftoppm", "-r", DPI, "-l", str(min(pages, MAX_OCR_PAGES)), "-png",
                            str(pdf), str(Path(tmp) / "page")], check=True, capture_output=True,
                           timeout=PAGE_TIMEOUT * MAX_OCR_PAGES)
            texts = []
            for png in sorted(Path(tmp).glob("page*.png")):
                out = subprocess.run(["tesseract", str(png), "stdout", "-l", "chi_sim"],
                                     check=True, capture_output=True, timeout=PAGE_TIMEOUT)
                texts.append(out.stdout.decode("utf-8", errors="replace"))
        except subprocess.TimeoutExpired as exc:
            raise ImportFailed(f"“{name}”的文字识别超时，请上传带文字的 PDF 或 Word 文件") from exc
        except (OSError, subprocess.CalledProcessError) as exc:
            raise ImportFailed(f"“{name}”无法做文字识别，请上传带文字的 PDF 或 Word 文件") from exc
    return texts
