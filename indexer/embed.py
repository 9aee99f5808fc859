"""The embedder seam: the real sentence-transformers model, or a deterministic fake for tests."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

import numpy as np


class Embedder(Protocol):
    name: str
    dim: int

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...


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
        grams = list(text) + [text[i:i + 2] for i in range(len(text) - 1)]
        for gram in grams:
            if gram.strip():
                digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=4).digest()
                vec[int.from_bytes(digest, "little") % self.dim] += 1.0
        if not vec.any():
            vec[0] = 1.0
        return vec

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.stack([self._vector(t) for t in texts]))

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_documents([text])[0]


class SentenceTransformerEmbedder:
    """A local sentence-transformers folder, queries and passages encoded with their prompts."""

    def __init__(self, path: Path, batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.model.max_seq_length = min(self.model.max_seq_length or 512, 512)
        self.batch_size = batch_size
        self.name = Path(path).name
        self.dim = int(self.model.get_embedding_dimension())

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        vecs = self.model.encode_document(list(texts), batch_size=self.batch_size,
                                          normalize_embeddings=True, convert_to_numpy=True,
                                          show_progress_bar=progress)
        return np.asarray(vecs, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        vec = self.model.encode_query([text], normalize_embeddings=True, convert_to_numpy=True)
        return np.asarray(vec[0], dtype=np.float32)


def load_embedder(spec: str, models_dir: Path) -> Embedder:
    """`default` (converted e5-small), `fake`, or a local sentence-transformers folder."""
    if spec == "fake":
        return FakeEmbedder()
    if spec == "default":
        from indexer.model_prep import prepare_default_model

        return SentenceTransformerEmbedder(prepare_default_model(Path(models_dir) / "e5-small"))
    path = Path(spec)
    if not (path / "modules.json").exists() and not (path / "config.json").exists():
        raise ValueError(f"embedding model folder not found: {path} "
                         f"（找不到嵌入模型目录：{path}）")
    return SentenceTransformerEmbedder(path)
