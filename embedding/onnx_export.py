"""Export a sentence-transformers folder's transformer to ONNX once, plus an int8 copy.

``prepare_onnx(model_dir)`` writes ``model_dir/onnx/`` atomically (``onnx.partial`` then
rename, under the folder's lock): ``model.onnx`` (float32, token embeddings from input ids and
attention mask) and ``model_qint8.onnx`` (the same graph with its MatMul weights quantised to
int8 per channel, dynamic activations), each with its weights in a ``.data`` file beside
it. A marker records the versions it was built with; a folder without it, or built by other
versions, is rebuilt. ``make model`` calls it right after the conversion, so serving never
exports.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

from embedding.model_prep import FORMAT_VERSION
from embedding.model_prep import MARKER
from embedding.model_prep import _lock
from embedding.model_prep import token_embeddings_module

ONNX_DIR = "onnx"
ONNX_MARKER = "casebase-onnx.json"
FILES = {"onnx": "model.onnx", "onnx-int8": "model_qint8.onnx"}


def onnx_available() -> bool:
    """Whether ONNX Runtime can be imported here (the onnx backends need it)."""
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def _stamp(model_dir: Path) -> dict:
    from importlib.metadata import version  # not `import torch`: serving never loads it

    source = model_dir / MARKER
    return {"format_version": FORMAT_VERSION, "onnxruntime": version("onnxruntime"),
            "torch": version("torch"),
            "model": json.loads(source.read_text("utf-8")) if source.is_file() else None}


def is_exported(model_dir: Path) -> bool:
    """Whether ``model_dir/onnx`` is complete and was made by the versions installed now."""
    try:
        marker = json.loads((Path(model_dir) / ONNX_DIR / ONNX_MARKER).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return marker == _stamp(Path(model_dir))


def onnx_file(model_dir: Path, backend: str) -> Path:
    return Path(model_dir) / ONNX_DIR / FILES[backend]


def prepare_onnx(model_dir: Path) -> Path:
    """Export ``model_dir`` to ``model_dir/onnx`` unless a complete export is there; return it."""
    model_dir = Path(model_dir)
    dest = model_dir / ONNX_DIR
    if is_exported(model_dir):
        return dest
    with _lock(dest):
        if is_exported(model_dir):  # another process finished meanwhile
            return dest
        partial = dest.with_name(dest.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        export(model_dir, partial / FILES["onnx"])
        quantise(partial / FILES["onnx"], partial / FILES["onnx-int8"])
        for name in FILES.values():
            externalise(partial / name)
        (partial / ONNX_MARKER).write_text(json.dumps(_stamp(model_dir)), encoding="utf-8")
        stale = dest.with_name(dest.name + ".stale")
        shutil.rmtree(stale, ignore_errors=True)
        if dest.exists():
            dest.rename(stale)
        partial.rename(dest)
        shutil.rmtree(stale, ignore_errors=True)
    return dest


def export(model_dir: Path, out: Path) -> None:
    """Trace the folder's transformer (token embeddings only) into one ONNX file."""
    import torch

    module = token_embeddings_module(model_dir)
    example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
    axes = {"batch": 0, "seq": 1}
    dynamic = {name: {i: a for a, i in axes.items()}
               for name in ("input_ids", "attention_mask", "token_embeddings")}
    # Tracing warns about shape-dependent Python branches; both take the same way for every
    # padded batch (a full attention mask is always given), so the warnings are expected.
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, str(out), input_names=["input_ids", "attention_mask"],
                          output_names=["token_embeddings"], dynamic_axes=dynamic,
                          opset_version=17, dynamo=False)


def externalise(path: Path) -> None:
    """Move the weights out of the graph file into ``<name>.data``, which ONNX Runtime maps
    into memory instead of copying: a serving process then holds only the vocabulary rows it
    touched (and shares them with the other workers through the page cache), about 35 MB
    instead of 430 MB for the session."""
    import onnx

    model = onnx.load(str(path))
    path.unlink()
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=path.name + ".data", size_threshold=1024)
    for made in (path, path.with_name(path.name + ".data")):
        made.chmod(0o644)  # readable by the web user when a deploy prepares it as root


def quantise(src: Path, out: Path) -> None:
    """int8 weights per output channel for every MatMul; activations quantised at run time.

    The vocabulary table (Gather) stays float32: see README's fidelity figures.
    """
    import logging

    from onnxruntime.quantization import QuantType
    from onnxruntime.quantization import quantize_dynamic

    logging.getLogger().setLevel(max(logging.getLogger().level, logging.ERROR))
    quantize_dynamic(str(src), str(out), weight_type=QuantType.QInt8, per_channel=True,
                     op_types_to_quantize=["MatMul"])
