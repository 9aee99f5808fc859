"""Builds: incremental, deletions, atomic switch, failures leave the old index serving."""

import shutil
from pathlib import Path

import numpy as np
import pytest
from worlds import FIXTURE_CASES
from worlds import build
from worlds import make_world
from worlds import services_of

from db.models import CaseRecord
from indexer import store
from search.engine import run_search
from search.query import parse_query


@pytest.fixture
def world(tmp_path):
    cases = tmp_path / "cases"
    shutil.copytree(FIXTURE_CASES, cases)
    return make_world(tmp_path, cases), cases


class CountingEmbedder:
    """Wraps the fake embedder and counts the passages it is asked to encode."""

    def __init__(self, inner, fail_after=None):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.encoded, self.fail_after = 0, fail_after

    def encode_documents(self, texts, progress=False):
        if self.fail_after is not None and self.encoded + len(texts) > self.fail_after:
            raise RuntimeError("model crashed mid-build")
        self.encoded += len(texts)
        return self.inner.encode_documents(texts)

    def encode_query(self, text):
        return self.inner.encode_query(text)


def titles(app, q):
    service = services_of(app).search
    return [h["id"] for h in run_search(service, parse_query({"q": q})).hits]


def rebuild_with(app, embedder, **kwargs):
    from indexer.build import build_index

    with services_of(app).sessionmaker() as session:
        return build_index(Path(app.config["CASES_DIR"]), Path(app.config["INDEX_DIR"]), session,
                           embedder, analyzer=services_of(app).analyzer, **kwargs)


def test_a_rebuild_after_a_dictionary_edit_reuses_every_embedding(world):
    """Analysis changes with the dictionary, not the passages' text: a job's rebuild re-parses
    and re-analyses every case but embeds nothing; `casebase index --rebuild` embeds all."""
    app, _ = world
    counting = CountingEmbedder(services_of(app).search.embedder)
    kept = rebuild_with(app, counting, rebuild=True, keep_vectors=True)
    assert counting.encoded == 0 and kept.embedded == 0 and kept.reused_vectors > 0
    fresh = rebuild_with(app, counting, rebuild=True)
    assert fresh.embedded == kept.reused_vectors and counting.encoded > 0


def test_unchanged_cases_are_not_re_embedded(world):
    app, cases = world
    counting = CountingEmbedder(services_of(app).search.embedder)
    report = rebuild_with(app, counting)
    assert counting.encoded == 0 and report.embedded == 0
    assert len(report.unchanged) == 7

    path = cases / "huazhu-tea.md"
    path.write_text(path.read_text(encoding="utf-8").replace("茶叶加工", "红茶加工"), "utf-8")
    report = rebuild_with(app, counting)
    assert report.updated == ["huazhu-tea"]
    assert 0 < counting.encoded <= 3  # only the passages of the edited case


def test_deleted_file_leaves_index_and_database(world):
    app, cases = world
    assert "yangguang-solar" in titles(app, "光伏")
    (cases / "yangguang-solar.md").unlink()
    report = build(app)
    assert report.deleted == ["yangguang-solar"]
    assert "yangguang-solar" not in titles(app, "光伏")
    with services_of(app).sessionmaker() as session:
        assert session.get(CaseRecord, "yangguang-solar") is None


def test_failed_build_leaves_previous_generation_serving(world):
    app, cases = world
    before = store.current_name(Path(app.config["INDEX_DIR"]))
    text = (cases / "huazhu-tea.md").read_text("utf-8")
    (cases / "new-case.md").write_text(
        text.replace("huazhu-tea", "new-case").replace("花竹村", "新竹村"), "utf-8")
    failing = CountingEmbedder(services_of(app).search.embedder, fail_after=0)
    with pytest.raises(RuntimeError):
        rebuild_with(app, failing)
    index_dir = Path(app.config["INDEX_DIR"])
    assert store.current_name(index_dir) == before
    assert not [p for p in store.generations_dir(index_dir).iterdir()
                if p.name.endswith(".partial")]
    assert "new-case" not in titles(app, "新竹村")
    with services_of(app).sessionmaker() as session:
        assert session.get(CaseRecord, "new-case") is None
    assert "new-case" in [c for c in build(app).added]


def test_killed_build_leftovers_are_cleaned_and_next_build_recovers(world):
    app, _ = world
    index_dir = Path(app.config["INDEX_DIR"])
    leftover = store.generations_dir(index_dir) / "g-killed.partial"
    (leftover / "whoosh").mkdir(parents=True)
    report = build(app, rebuild=True)
    assert not leftover.exists()
    assert store.current_name(index_dir) == report.generation


def test_a_broken_edit_keeps_the_last_good_version(world):
    app, cases = world
    (cases / "huazhu-tea.md").write_text("---\nid: [broken\n---\n", "utf-8")
    report = build(app)
    assert report.kept_after_error == ["huazhu-tea"]
    assert any(p.path.endswith("huazhu-tea.md") for p in report.problems)
    assert "huazhu-tea" in titles(app, "茶叶")


def test_generation_switch_is_picked_up_by_the_service(world):
    app, cases = world
    service = services_of(app).search
    old = service.generation().name
    (cases / "practice-teams.md").unlink()
    build(app)
    service.check_interval = 0
    assert service.generation().name != old
    assert "practice-teams" not in service.generation().catalog


def test_vectors_are_normalised_and_aligned(world):
    app, _ = world
    gen = services_of(app).search.generation()
    norms = np.linalg.norm(gen.vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4)
    assert len(gen.chunk_texts) == gen.vectors.shape[0]
    assert set(gen.slugs) == set(gen.catalog)


def test_cases_are_tagged_with_concepts_and_only_edits_are_re_tagged(world, monkeypatch):
    app, cases = world
    gen = services_of(app).search.generation()
    assert gen.concepts["changshui-company"]["抛荒地"] >= 3  # its own facet value counts 3
    assert gen.concepts["changshui-company"].get("土地流转")  # 流转 in its text
    import indexer.build as build_module

    tagged = []
    real = build_module.case_concepts
    monkeypatch.setattr(build_module, "case_concepts",
                        lambda case, lexicon: tagged.append(case.slug) or real(case, lexicon))
    path = cases / "huazhu-tea.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n茶叶通过直播带货销售。\n", "utf-8")
    rebuild_with(app, services_of(app).search.embedder)
    assert tagged == ["huazhu-tea"]
    gen = services_of(app).search.generation()
    assert gen.concepts["huazhu-tea"].get("电商")
    assert gen.concepts["changshui-company"]["抛荒地"] >= 3  # carried over unchanged
