"""Data builders, one module per resource: each page and its JSON twins render the same dict.

Views stay thin: they call a builder here and render the dict or `jsonify` it, so a page and
its JSON twin can never disagree. Blueprints import these builders, never each other.
"""

from __future__ import annotations


def public(data: dict) -> dict:
    """Drop the private keys templates use (they start with an underscore)."""
    return {k: v for k, v in data.items() if not k.startswith("_")}
