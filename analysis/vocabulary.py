"""The one loader of the controlled vocabulary (analysis/data/vocabulary.yaml).

Case checks, analysis, synthetic libraries and the profile form all read it from here, so a
value an editor adds is accepted, segmented whole and offered in forms at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DATA_DIR = Path(__file__).resolve().parent / "data"
VOCABULARY_FILE = DATA_DIR / "vocabulary.yaml"
FACETS = ("models", "industries", "resources", "terrain")


@dataclass(frozen=True)
class Vocabulary:
    models: frozenset[str]
    industries: frozenset[str]
    resources: frozenset[str]
    terrain: frozenset[str]
    metrics: dict[str, str]
    units: frozenset[str]
    # Each facet's values in the file's order, for forms and lists a person reads.
    ordered: dict[str, tuple[str, ...]]


@lru_cache(maxsize=4)
def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Vocabulary(
        models=frozenset(raw["models"]),
        industries=frozenset(raw["industries"]),
        resources=frozenset(raw["resources"]),
        terrain=frozenset(raw["terrain"]),
        metrics=dict(raw["metrics"]),
        units=frozenset(str(u) for u in raw["units"]),
        ordered={facet: tuple(raw[facet]) for facet in FACETS},
    )
