"""The ONNX Runtime embedder: the converted model's transformer exported once, run without torch.

sentence-transformers' own ``backend="onnx"`` goes through optimum-onnx, whose only release
pins transformers below 4.58; the conversion of the default model needs transformers 5 (see
embedding/model_prep.py), so this module runs the exported graph itself. It reproduces the
folder's sentence-transformers pipeline exactly: the folder's ``tokenizer.json`` with the
``query: ``/``passage: `` prompts, truncation at 512 tokens, mean pooling over the attention
mask, L2 normalisation. Serving never imports torch, which saves about 400 MB per process.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

MAX_SEQ_LENGTH = 512
QUERY_THREADS = 1


def _session(model_file: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    # No busy-waiting between runs: the web workers share the CPU with these threads.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])


class OnnxEmbedder:
    """A sentence-transformers folder (Transformer, mean Pooling, Normalize) run by ONNX Runtime.

    Queries use a one-thread session (one short text gains nothing from more, and threads fight
    the web workers); documents a session of ``threads`` threads, created on first use.
    """

    def __init__(self, folder: Path, model_file: Path, name: str, threads: int,
                 batch_size: int = 32, backend: str = "onnx"):
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.name, self.backend, self.threads = name, backend, threads
        self.batch_size = batch_size
        self.model_file = Path(model_file)
        _check_pipeline(folder)
        prompts = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))
        self.prompts = prompts.get("prompts") or {}
        config = json.loads((folder / "config.json").read_text("utf-8"))
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(_max_length(folder, config))
        self.tokenizer.no_padding()
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        self.dim = int(config["hidden_size"])
        self._query = _session(self.model_file, QUERY_THREADS)
        self._documents = None

    def encode_documents(self, texts: list[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._documents is None:
            self._documents = (self._query if self.threads == QUERY_THREADS
                               else _session(self.model_file, self.threads))
        return self._encode(self._documents, list(texts), self.prompts.get("document", ""))

    def encode_query(self, text: str) -> np.ndarray:
        return self._encode(self._query, [text], self.prompts.get("query", ""))[0]

    def _encode(self, session, texts: list[str], prompt: str) -> np.ndarray:
        ids = [e.ids for e in self.tokenizer.encode_batch([prompt + t for t in texts])]
        # Longest first, batches of similar length: padding is wasted work.
        order = np.argsort([-len(row) for row in ids], kind="stable")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), self.batch_size):
            rows = order[start : start + self.batch_size]
            batch = np.full((len(rows), len(ids[rows[0]])), self.pad_id, dtype=np.int64)
            mask = np.zeros_like(batch)
            for r, i in enumerate(rows):
                batch[r, : len(ids[i])], mask[r, : len(ids[i])] = ids[i], 1
            tokens = session.run(None, {"input_ids": batch, "attention_mask": mask})[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (tokens * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[rows] = pooled
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return (out / np.maximum(norms, 1e-12)).astype(np.float32)


def _max_length(folder: Path, config: dict) -> int:
    """Tokens read per text, as sentence-transformers truncates: the folder's max_seq_length,
    never more than 512 (embed.py's cap) nor the model's position table."""
    limits = [MAX_SEQ_LENGTH, int(config.get("max_position_embeddings") or MAX_SEQ_LENGTH)]
    sbert = folder / "sentence_bert_config.json"
    if sbert.is_file():
        limits.append(int(json.loads(sbert.read_text("utf-8")).get("max_seq_length")
                          or MAX_SEQ_LENGTH))
    return min(limits)


def _check_pipeline(folder: Path) -> None:
    """Refuse a folder whose modules this class does not reproduce (e.g. CLS pooling).

    :raise ValueError: naming what differs.
    """
    modules = json.loads((folder / "modules.json").read_text("utf-8"))
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    pooling = folder / "1_Pooling" / "config.json"
    mode = json.loads(pooling.read_text("utf-8")).get("pooling_mode") if pooling.is_file() else None
    if kinds != ["Transformer", "Pooling", "Normalize"] or mode != "mean":
        raise ValueError(f"the onnx backend runs Transformer + mean Pooling + Normalize only; "
                         f"{folder} has {kinds} ({mode}) （该模型目录不能用 onnx 后端）")
