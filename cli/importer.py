"""`casebase import`: reports in, draft case files out, for an editor to review and publish.

The library (importer/) never imports this module.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click


def write_new(path: Path, text: str) -> bool:
    """Write atomically; never replace a different file already there (an editor's work)."""
    if path.exists():
        return path.read_text(encoding="utf-8", errors="replace") == text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".import-", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)
    return True


@click.command("import")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="草稿输出目录（每篇草稿一个 .md 文件，可用 casebase check 检查）。")
@click.option("--max-mb", default=20, show_default=True, type=int, help="单个文件大小上限（MB）。")
def import_command(files: tuple[Path, ...], out_dir: Path, max_mb: int) -> None:
    """把报告（.docx、.pdf、.html、.md、.txt）拆成案例草稿，每个数字和标签都附原句。"""
    from analysis.analyzer import Analyzer
    from analysis.vocabulary import load_vocabulary
    from importer import ImportFailed
    from importer import import_file
    from services import Services

    out_dir.mkdir(parents=True, exist_ok=True)
    vocab, failed = load_vocabulary(), 0
    analyzer = Analyzer(Services.from_config().data_dir)  # the editor's dictionary, if any
    for path in files:
        try:
            result = import_file(path, vocab, analyzer=analyzer, max_bytes=max_mb * 1024 * 1024)
        except ImportFailed as exc:
            failed += 1
            named = exc.message if path.name in exc.message else f"{path.name}：{exc.message}"
            click.echo(f"导入失败：{named}", err=True)
            continue
        written, kept = 0, []
        for draft in result.drafts:
            if write_new(out_dir / f"{draft.slug}.md", draft.markdown()):
                written += 1
            else:
                kept.append(draft.slug)
        write_new(out_dir / f"_source-{path.stem}.txt", result.source_text + "\n")
        click.echo(f"{path.name}：写出草稿 {written} 篇，数字 {result.figure_count} 个，"
                   f"提示 {len(result.warnings) + len(kept)} 条")
        for warning in result.warnings:
            click.echo(f"  提示：{warning}")
        for slug in kept:
            click.echo(f"  提示：{slug}.md 已存在且内容不同，未覆盖")
    if failed:
        sys.exit(1)
