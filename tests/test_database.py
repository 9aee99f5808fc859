"""The same code on SQLite and PostgreSQL: migrations, build upserts and deletes, reads, logs."""

import shutil
import threading

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pg_support import dispose
from pg_support import make_world_on
from sqlalchemy import func
from sqlalchemy import inspect
from sqlalchemy import select
from worlds import FIXTURE_CASES
from worlds import build
from worlds import services_of

from cli import main as cli
from db import migrate
from db.models import Base
from db.models import CaseRecord
from db.models import CaseTrait
from db.models import FigureRecord
from db.models import QueryLog
from db.models import make_engine

TABLES = {"cases", "case_figures", "case_traits", "query_log", "alembic_version"}


@pytest.fixture
def engine(db_url):  # noqa: F811
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def world(tmp_path, db_url):  # noqa: F811
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    app = make_world_on(tmp_path, cases, db_url)
    yield app, cases
    dispose(app)


def counts(app, slug: str) -> tuple[int, int, int]:
    """Rows of one case: (cases, figures, traits), counted in SQL, not through the ORM."""
    with services_of(app).sessionmaker() as s:
        return tuple(s.scalar(select(func.count()).select_from(model).where(col == slug))
                     for model, col in ((CaseRecord, CaseRecord.slug),
                                        (FigureRecord, FigureRecord.case_slug),
                                        (CaseTrait, CaseTrait.case_slug)))


def test_upgrade_creates_exactly_the_models_schema(engine):
    assert migrate.current_revision(engine) is None
    migrate.upgrade_engine(engine)
    assert TABLES <= set(inspect(engine).get_table_names())
    assert migrate.current_revision(engine) == migrate.head_revision()
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    migrate.upgrade_engine(engine)  # again: nothing to do, no error
    assert migrate.current_revision(engine) == migrate.head_revision()


def test_downgrade_then_upgrade_round_trips(engine):
    from alembic import command

    migrate.upgrade_engine(engine)
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade_engine(engine)
    assert TABLES <= set(inspect(engine).get_table_names())


def test_workers_starting_together_migrate_once(db_url):  # noqa: F811
    """Several workers upgrading one empty database at once: all succeed, schema at head."""
    errors: list[BaseException] = []

    def worker():
        eng = make_engine(db_url)
        try:
            migrate.upgrade_engine(eng)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            eng.dispose()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    eng = make_engine(db_url)
    assert migrate.current_revision(eng) == migrate.head_revision()
    eng.dispose()


def test_cli_db_upgrade_and_current(db_url):  # noqa: F811
    from click.testing import CliRunner

    runner = CliRunner()
    before = runner.invoke(cli, ["db", "current", "--url", db_url])
    assert before.exit_code == 0 and "空库" in before.output
    result = runner.invoke(cli, ["db", "upgrade", "--url", db_url])
    assert result.exit_code == 0, result.output
    assert migrate.head_revision() in result.output
    assert "最新" in runner.invoke(cli, ["db", "current", "--url", db_url]).output


def test_cli_db_upgrade_unreachable_is_a_clear_error():
    from click.testing import CliRunner

    url = "postgresql+psycopg://nobody:x@127.0.0.1:9/none?connect_timeout=2"
    result = CliRunner().invoke(cli, ["db", "upgrade", "--url", url])
    assert result.exit_code == 1 and "无法连接数据库" in result.output
    assert "Traceback" not in result.output and ":x@" not in result.output


def test_build_writes_rows_with_figures_and_traits(world):
    app, _ = world
    assert counts(app, "changshui-company") == (1, 2, 5)
    with services_of(app).sessionmaker() as s:
        rec = s.get(CaseRecord, "changshui-company")
        assert rec.years == [2020] and rec.income_before == 5 and rec.income_after == 50
        assert s.scalar(select(func.count()).select_from(CaseRecord)) == 7


def test_build_updates_in_place_and_deletes_with_cascade(world):
    app, cases = world
    path = cases / "changshui-company.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("value: 50,", "value: 60,").replace("[抛荒地, 劳动力]", "[抛荒地]")
    path.write_text(text, encoding="utf-8")
    report = build(app)
    assert report.updated == ["changshui-company"]
    assert counts(app, "changshui-company") == (1, 2, 4)  # replaced, not duplicated
    with services_of(app).sessionmaker() as s:
        assert s.get(CaseRecord, "changshui-company").income_after == 60

    path.unlink()
    assert build(app).deleted == ["changshui-company"]
    assert counts(app, "changshui-company") == (0, 0, 0)  # ON DELETE CASCADE in the database
    assert counts(app, "hetian-land-park")[0] == 1


def test_case_page_and_api_read_from_the_database(world):
    app, _ = world
    client = app.test_client()
    body = client.get("/api/v1/cases/changshui-company").get_json()
    assert body["region"]["village"] == "长水村" and len(body["figures"]) == 2
    assert body["income_before"] == 5 and "抛荒地" in body["resources"]
    html = client.get("/cases/changshui-company").get_data(as_text=True)
    assert "长水村" in html and "测试报告" in html
    assert client.get("/api/v1/cases/no-such-case").status_code == 404


def test_searches_are_logged(world):
    app, _ = world
    client = app.test_client()
    totals = {}
    for q, mode in (("光伏", "hybrid"), ("没有这种词汇zzz", "keyword")):
        resp = client.get("/api/v1/search", query_string={"q": q, "mode": mode})
        assert resp.status_code == 200
        totals[q] = resp.get_json()["total"]
    with services_of(app).sessionmaker() as s:
        logged = {q.query: q.total for q in s.scalars(select(QueryLog))}
    assert logged == totals and totals["光伏"] >= 1 and totals["没有这种词汇zzz"] == 0


def test_recommend_reads_candidates_from_sql(world):
    app, _ = world
    client = app.test_client()
    resp = client.post("/api/v1/recommend", json={"resources": ["抛荒地"], "terrain": "丘陵"})
    assert resp.status_code == 200
    ids = [h["id"] for h in resp.get_json()["hits"]]
    assert ids and ids[0] == "changshui-company"
    with services_of(app).sessionmaker() as s:  # candidates come from the cases table
        s.execute(CaseRecord.__table__.delete().where(CaseRecord.slug == "changshui-company"))
        s.commit()
    ids = [h["id"] for h in client.post("/api/v1/recommend", json={"resources": ["抛荒地"]})
           .get_json()["hits"]]
    assert "changshui-company" not in ids


def test_long_front_matter_values_do_not_break_the_build(world):
    """PostgreSQL enforces column lengths: a too-long field is a problem for that file only."""
    app, cases = world
    text = (cases / "huazhu-tea.md").read_text(encoding="utf-8")
    long = "很长的地名" * 40
    (cases / "huazhu-tea.md").write_text(text.replace("province: 测试省", f"province: {long}", 1)
                                         .replace("document: ", "document: " + "长" * 400, 1),
                                         encoding="utf-8")
    report = build(app)
    assert report.kept_after_error == ["huazhu-tea"]
    assert {p.field for p in report.problems} >= {"region.province", "source"}
    assert counts(app, "huazhu-tea")[0] == 1 and counts(app, "changshui-company")[0] == 1
