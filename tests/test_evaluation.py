"""Ranking metrics on hand-computed examples, the eval command end to end, and quality floors."""

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from worlds import services_of

from cli import main
from evaluation.metrics import Bm25Baseline
from evaluation.metrics import Judged
from evaluation.metrics import load_tsv_set
from evaluation.metrics import mrr_at
from evaluation.metrics import ndcg_at
from evaluation.metrics import recall_at
from evaluation.metrics import score_run
from evaluation.run import VectorCache
from evaluation.run import evaluate_service
from evaluation.suites import load_cases_judged

# nDCG@10 of the shipped cases' labelled queries, measured when the fusion was chosen; a change
# that drops below these (less a little noise) is a regression, not a trade-off.
# Issue 11 removed facets the report does not state (韶源村's 服务创收, 乡村旅游, 研学培训 among
# them); that cost q011, q012 and q059 a place or two: keyword 0.923 -> 0.917, fake hybrid
# 0.938 -> 0.931; with the real model keyword 0.917, vector 0.880, hybrid 0.958 (README's run
# before: 0.923, 0.867, 0.960). The floors follow the corrected library.
CASES_FLOOR_FAKE = {"keyword": 0.915, "hybrid": 0.93}
# Issue 13 (concepts, fusion re-tuned over Okapi BM25 across three sets): keyword 0.934,
# vector 0.880, hybrid 0.970 with the real model.
CASES_FLOOR_MODEL = {"keyword": 0.915, "vector": 0.86, "hybrid": 0.955}


def test_ndcg_binary_by_hand():
    # relevant at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3)
    assert ndcg_at(["a", "b", "c"], {"a": 1, "c": 1}) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))


def test_ndcg_graded_prefers_the_answer_first():
    worse = ndcg_at(["a", "b"], {"b": 2, "a": 1})  # (1 + 2/log2 3) / (2 + 1/log2 3)
    assert worse == pytest.approx((1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3)))
    assert ndcg_at(["b", "a"], {"b": 2, "a": 1}) == pytest.approx(1.0)


def test_ndcg_counts_only_the_top_ten():
    ranked = [f"x{i}" for i in range(10)] + ["a"]
    assert ndcg_at(ranked, {"a": 1}) == 0.0
    assert ndcg_at([], {"a": 1}) == 0.0 and ndcg_at(["a"], {}) == 0.0


def test_mrr_and_recall_by_hand():
    assert mrr_at(["x", "y", "a", "b"], {"a": 1, "b": 1}) == pytest.approx(1 / 3)
    assert mrr_at(["x"] * 10 + ["a"], {"a": 1}) == 0.0
    assert recall_at(["a", "x", "b"], {"a": 1, "b": 1, "c": 2}, 10) == pytest.approx(2 / 3)
    assert recall_at(["a", "x", "b"], {"a": 1, "b": 1, "c": 2}, 2) == pytest.approx(1 / 3)


def test_score_run_averages_and_scores_missing_queries_zero():
    judged = Judged("t", {"q1": "", "q2": ""}, {"q1": {"a": 1}, "q2": {"b": 1}})
    scores = score_run({"q1": ["a"]}, judged)
    assert scores["ndcg@10"] == pytest.approx(0.5) and scores["mrr@10"] == pytest.approx(0.5)
    odd, even = judged.split("odd"), judged.split("even")
    assert list(odd.queries) == ["q1"] and list(even.queries) == ["q2"]


def write_tsv_world(root):
    (root / "corpus.tsv").write_text(
        "p1\t\t长湖村流转抛荒地，成立农业开发有限公司，吸纳农户就业。\n"
        "p2\t\t韶阳村依托矿泉水和光伏发电两项产业，集体经济增长48%。\n"
        "p3\t\t银田村以“1+2+N”模式建设产业园，流转土地750余亩。\n"
        "p4\t光伏\t太阳能板装在村部屋顶，每年给村集体带来\"发电\"收益。\n",
        encoding="utf-8")
    (root / "queries.tsv").write_text("q1\t光伏发电\nq2\t1+2+N\nq3\t抛荒地怎么用\n",
                                      encoding="utf-8")
    (root / "qrels.tsv").write_text("q1\tp2\t1\nq1\tp4\t1\nq2\tp3\t1\nq3\tp1\t1\nq3\tp9\t0\n",
                                    encoding="utf-8")


def test_tsv_loader_keeps_quotes_and_positive_judgements(tmp_path):
    write_tsv_world(tmp_path)
    passages, judged = load_tsv_set(tmp_path / "corpus.tsv", tmp_path / "queries.tsv",
                                    tmp_path / "qrels.tsv")
    assert passages["p4"] == ("光伏", "太阳能板装在村部屋顶，每年给村集体带来\"发电\"收益。")
    assert judged.qrels["q3"] == {"p1": 1}
    assert Bm25Baseline({p: t for p, (_, t) in passages.items()}).rank("抛荒地")[0] == "p1"


def test_eval_command_on_a_tiny_corpus(tmp_path):
    write_tsv_world(tmp_path)
    result = CliRunner().invoke(main, [
        "eval", "--corpus", str(tmp_path / "corpus.tsv"), "--queries",
        str(tmp_path / "queries.tsv"), "--qrels", str(tmp_path / "qrels.tsv"), "--model", "fake",
        "--cache-dir", str(tmp_path / "cache"), "--odd-even", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    rows = {r["mode"]: r for r in report["results"]}
    assert set(rows) == {"baseline-bm25", "keyword", "vector", "hybrid"}
    assert report["documents"] == 4 and report["queries"] == 3
    assert rows["keyword"]["mrr@10"] == pytest.approx(1.0)  # every query's answer first
    assert rows["hybrid"]["ndcg@10"] >= rows["keyword"]["ndcg@10"] - 1e-9
    assert set(rows["hybrid"]["halves"]) == {"odd", "even"}
    assert list((tmp_path / "cache").glob("fake-64*/vectors.npy"))


def test_eval_command_needs_all_three_files(tmp_path):
    write_tsv_world(tmp_path)
    result = CliRunner().invoke(main, ["eval", "--corpus", str(tmp_path / "corpus.tsv"),
                                       "--model", "fake"])
    assert result.exit_code == 2 and "--qrels" in result.output


def test_vector_cache_encodes_each_text_once(tmp_path):
    from embedding.embed import FakeEmbedder

    class Counting(FakeEmbedder):
        calls = 0

        def encode_documents(self, texts, progress=False):
            Counting.calls += len(texts)
            return super().encode_documents(texts)

    cache = VectorCache(Counting(), tmp_path)
    first = cache.encode_documents(["甲", "乙"])
    cache.save()
    again = VectorCache(Counting(), tmp_path).encode_documents(["乙", "甲"])
    assert Counting.calls == 2
    assert (again[::-1] == first).all()


def _by_mode(service):
    return {r.mode: r.metrics["ndcg@10"]
            for r in evaluate_service(service, load_cases_judged())}


def test_cases_suite_holds_its_level_with_the_fake_embedder(shipped_app):
    """The fake embedder is much weaker than keywords: fusion must still not lose to them."""
    ndcg = _by_mode(services_of(shipped_app).search)
    for mode, floor in CASES_FLOOR_FAKE.items():
        assert ndcg[mode] >= floor, (mode, ndcg)
    assert ndcg["hybrid"] >= max(ndcg["keyword"], ndcg["vector"])


@pytest.mark.model
def test_cases_suite_holds_its_level_with_the_real_model(model_app):
    ndcg = _by_mode(services_of(model_app).search)
    for mode, floor in CASES_FLOOR_MODEL.items():
        assert ndcg[mode] >= floor, (mode, ndcg)
    assert ndcg["hybrid"] >= max(ndcg["keyword"], ndcg["vector"])


def test_labelled_queries_are_many_and_name_shipped_cases():
    judged = load_cases_judged()
    slugs = {p.stem for p in (Path(__file__).parent.parent / "cases").glob("*.md")}
    assert len(judged.queries) >= 40
    assert all(set(rels) <= slugs and 2 in rels.values() for rels in judged.qrels.values())


def test_synthetic_library_is_valid_and_deterministic(tmp_path):
    from casefile.parse import load_case
    from embedding.embed import FakeEmbedder
    from evaluation.run import build_world
    from evaluation.run import ranker
    from evaluation.synthetic import case_markdown
    from evaluation.synthetic import write_library

    assert case_markdown(7) == case_markdown(7) and case_markdown(7) != case_markdown(8)
    paths = write_library(tmp_path / "cases", 6)
    assert len({load_case(p).slug for p in paths}) == 6
    world = build_world(tmp_path / "w", FakeEmbedder(), cases_dir=tmp_path / "cases")
    assert len(world.report.added) == 6 and not world.report.problems
    village = load_case(paths[3]).region.village
    assert ranker(world.service, "hybrid")(village)[0] == load_case(paths[3]).slug
    world.engine.dispose()


def test_groups_are_reported_apart_with_the_rest_of_the_largest():
    queries = {"rdq-C01": "", "rdq-C02": "", "rdq-C03": "", "rdq-K01": "", "rdq-N02": ""}
    qrels = {q: {"a": 1} for q in queries}
    from evaluation.metrics import id_group
    from evaluation.metrics import judge

    judged = Judged("t", queries, qrels, {q: id_group(q) for q in queries})
    assert judged.group_names() == ["rdq-C", "rdq-K", "rdq-N"]
    run = {"rdq-C01": ["a"], "rdq-C02": ["a"], "rdq-C03": ["a"], "rdq-K01": ["x"]}
    result = judge("hybrid", run, 0.0, judged, halves=True)
    assert result.groups["rdq-C"]["ndcg@10"] == pytest.approx(1.0)
    assert result.groups["非rdq-C"]["ndcg@10"] == pytest.approx(0.0)
    assert result.halves["rdq-C odd"]["ndcg@10"] == pytest.approx(1.0)
    single = Judged("t", {"q1": "", "q2": ""}, {"q1": {}, "q2": {}}, {"q1": "a", "q2": "a"})
    assert single.group_names() == []


def test_cases_file_keeps_no_answer_queries_apart():
    from evaluation.suites import load_no_answer

    judged = load_cases_judged()
    no_answer = load_no_answer()
    assert len(no_answer) >= 20 and not set(no_answer) & set(judged.queries.values())
    assert "colloquial" in judged.group_names() and "no-answer" not in judged.group_names()


def test_leave_one_set_out_reports_the_left_out_set_with_weights_tuned_on_the_others(
        fixture_services):
    from evaluation.tune import coordinate_search
    from evaluation.tune import leave_one_set_out
    from evaluation.tune import prepare
    from search.rank import WEIGHTS

    service = fixture_services.search
    first = Judged("a", {"a1": "光伏", "a2": "地没人种怎么办", "a3": "年收入50万元以上的村"},
                   {"a1": {"yangguang-solar": 2}, "a2": {"changshui-company": 2},
                    "a3": {"changshui-company": 2}})
    second = Judged("b", {"b1": "旧村部", "b2": "茶叶", "b3": "1+2+N"},
                    {"b1": {"shanxia-red-office": 2}, "b2": {"huazhu-tea": 2},
                     "b3": {"hetian-land-park": 2}})
    preps = [prepare("a", service, first), prepare("b", service, second)]
    assert preps[0].kinds["a3"] == "numeric" and preps[1].kinds["b3"] == "literal"
    start = sum(p.ndcg(WEIGHTS) for p in preps) / 2
    _, best = coordinate_search(preps, passes=1)
    assert best >= start - 1e-9
    rows = leave_one_set_out(preps)
    assert [r["left_out"] for r in rows] == ["a", "b"]
    assert all(0 <= r["hybrid"] <= 1 and {"keyword", "vector"} <= set(r) for r in rows)
