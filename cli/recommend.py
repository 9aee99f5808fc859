"""`casebase recommend --profile p.yaml`: villages like mine, in the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

MAX_PROFILE_BYTES = 64 * 1024


def read_profile(path: Path):
    """Parse a YAML (or JSON) profile file; a top-level `profile:` key is also accepted."""
    from recommend.profile import parse_profile
    from search.query import QueryError

    raw = Path(path).read_bytes()
    if len(raw) > MAX_PROFILE_BYTES:
        raise click.ClickException("村情文件过大（最多 64 KB）")
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"村情文件无法解析：{exc}") from None
    if isinstance(data, dict) and set(data) == {"profile"}:
        data = data["profile"]
    try:
        return parse_profile(data if isinstance(data, dict) else [])
    except QueryError as exc:
        raise click.ClickException("村情有误：" + "；".join(
            f"{k}：{v}" for k, v in exc.errors.items())) from None


@click.command("recommend")
@click.option("--profile", "profile_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="村情 YAML 文件，字段同 POST /api/recommend。")
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="输出 JSON。")
def recommend_command(profile_path: Path, limit: int, as_json: bool) -> None:
    """按村情推荐案例：列出条件相近的案例、为何适合和需要注意。"""
    from cli import app_loader  # late: the services hold config, database and index
    from recommend.engine import recommend

    profile = read_profile(profile_path)
    services = app_loader.make_services(database=True)
    with services.sessionmaker() as session:
        found = recommend(session, services.search, profile, limit)
    if as_json:
        click.echo(json.dumps({"profile": profile.to_dict(),
                               "hits": [r.to_dict() for r in found]},
                              ensure_ascii=False, indent=2))
        return
    click.echo(f"村情：{profile.describe() or profile.goals[:60]}")
    for i, r in enumerate(found, 1):
        click.echo(f"{i:>2}. {r.title}  [{r.slug}]  匹配度 {r.score:.2f}")
        for reason in r.reasons:
            click.echo(f"    为何适合：{reason}")
        for caution in r.cautions:
            click.echo(f"    需要注意：{caution}")
