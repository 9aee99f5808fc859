"""Bytes of a text file to text: UTF-8 with or without BOM, then GB18030 (GBK, GB2312)."""

from __future__ import annotations

import codecs

from importer.model import ImportFailed

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(raw: bytes, name: str) -> tuple[str, list[str]]:
    """UTF-8 first (with or without BOM), then GB18030, which covers GBK and GB2312."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return _checked(raw.decode(encoding), name), []
            except UnicodeDecodeError:
                break
    try:
        return _checked(raw.decode("utf-8"), name), []
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFailed(f"无法识别“{name}”的文字编码：请另存为 UTF-8 后再上传") from None
    return _checked(text, name), [f"“{name}”按 GBK（GB18030）编码读取，请核对有无乱码"]


def _checked(text: str, name: str) -> str:
    if "\x00" in text:
        raise ImportFailed(f"“{name}”含有空字符，不是文本文件")
    return text
