"""A draft's front matter as flat form fields and back, keeping what the form does not show
(provenance: figures[i].quote, evidence) untouched."""

from __future__ import annotations

import re

REGION = ("province", "city", "county", "township", "village")
LISTS = ("models", "industries", "resources", "tags")
FIGURE_KEYS = ("label", "value", "unit", "year", "metric", "approx")
SPLIT_RE = re.compile(r"[\s,，、;；]+")


def form_fields(meta: dict, body: str) -> dict:
    """Flat strings for the edit form."""
    region = meta.get("region") or {}
    source = meta.get("source") or {}
    fields = {
        "id": str(meta.get("id", "")), "title": str(meta.get("title", "")),
        "kind": str(meta.get("kind", "case")), "summary": str(meta.get("summary", "")),
        "terrain": str(meta.get("terrain") or ""),
        "years": "、".join(str(y) for y in meta.get("years") or []),
        "source_document": str(source.get("document") or ""),
        "source_publisher": str(source.get("publisher") or ""),
        "source_date": str(source.get("date") or ""), "body": body,
    }
    fields.update({f"region_{k}": str(region.get(k) or "") for k in REGION})
    fields.update({k: "、".join(str(v) for v in meta.get(k) or []) for k in LISTS})
    return fields


def figure_rows(meta: dict) -> list[dict]:
    rows = []
    for fig in meta.get("figures") or []:
        fig = fig if isinstance(fig, dict) else {}
        row = {k: "" if fig.get(k) in (None, False) else str(fig.get(k)) for k in FIGURE_KEYS}
        if fig.get("approx") is True:
            row["approx"] = "余"
        row["quote"] = str(fig.get("quote") or "")
        rows.append(row)
    return rows


def _number(text: str):
    """An int or float when `text` is one; else the text itself (the case check reports it)."""
    text = text.strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def apply_form(meta: dict, form) -> tuple[dict, str]:
    """New front matter and body from a submitted form (a MultiDict)."""
    meta = dict(meta)
    for key in ("id", "title", "kind", "summary"):
        meta[key] = form.get(key, "").strip()
    meta["terrain"] = form.get("terrain", "").strip() or None
    meta["years"] = [_number(y) for y in SPLIT_RE.split(form.get("years", "")) if y]
    meta["region"] = {k: form.get(f"region_{k}", "").strip() for k in REGION
                      if form.get(f"region_{k}", "").strip()}
    meta["source"] = {k: form.get(f"source_{k}", "").strip()
                      for k in ("document", "publisher", "date")
                      if form.get(f"source_{k}", "").strip()}
    for key in LISTS:
        meta[key] = [w for w in SPLIT_RE.split(form.get(key, "").strip()) if w]
    meta["figures"] = _figures(meta.get("figures") or [], form)
    if meta["terrain"] is None:
        meta.pop("terrain")
    return meta, form.get("body", "").replace("\r\n", "\n")


def _figures(old: list, form) -> list[dict]:
    out = []
    count = int(form.get("figure_count", "0") or 0)
    for i in range(min(count, 200)):
        fig = dict(old[i]) if i < len(old) and isinstance(old[i], dict) else {}
        if form.get(f"fig{i}_delete"):
            continue
        label = form.get(f"fig{i}_label", "").strip()
        if not label and not form.get(f"fig{i}_value", "").strip():
            continue  # the empty row for a new figure, left empty
        fig["label"], fig["unit"] = label, form.get(f"fig{i}_unit", "").strip()
        fig["value"] = _number(form.get(f"fig{i}_value", ""))
        for key in ("year", "metric", "approx"):
            raw = form.get(f"fig{i}_{key}", "").strip()
            fig[key] = (_number(raw) if key == "year" else raw) or None
        out.append({k: v for k, v in fig.items() if v is not None})
    return out
