"""`casebase export`: a Word or print handout of chosen cases, for batch use without a browser."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("--cases", "case_ids", required=True,
              help="案例 id，用逗号分隔，按此顺序编排（如 changhu-company,waping-village-coop）。")
@click.option("--format", "fmt", type=click.Choice(["docx", "html"]), default="docx",
              show_default=True, help="docx 为 Word 讲义；html 为可直接打印或存为 PDF 的网页。")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, writable=True),
              help="输出文件路径。")
@click.option("--title", default="", help="讲义标题（默认“三农培训案例素材包”）。")
@click.option("--notes", default="", help="印在首页的备注。")
def export(case_ids: str, fmt: str, out: str, title: str, notes: str) -> None:
    """把若干案例导出为 Word 讲义或打印版网页（含来源和讨论题）。"""
    from cli import app_loader  # late: the index is only needed here
    from handouts.docx_export import build_docx
    from handouts.pack import Pack
    from handouts.pack import PackError
    from handouts.pack import load_cases
    from handouts.pack import parse_ids

    services = app_loader.make_services()
    try:
        ids = parse_ids([case_ids])
        if not ids:
            raise PackError("请用 --cases 给出至少一个案例 id")
        pack = Pack(ids=tuple(ids)).with_text(title, notes)
        cases = load_cases(services.search.generation().catalog, ids)
    except PackError as exc:
        raise click.ClickException(exc.message) from None
    if fmt == "docx":
        Path(out).write_bytes(build_docx(pack, cases))
    else:
        from handouts.render import standalone_handout

        Path(out).write_text(standalone_handout(pack, cases), "utf-8")
    click.echo(f"已导出 {len(cases)} 篇案例到 {out}（{fmt}）")
