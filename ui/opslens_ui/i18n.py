"""Labels in the answer's language: Korean for Korean answers, English for the rest."""

from __future__ import annotations

Labels = dict[str, dict[str, str]]


def pick(labels: Labels, name: str, language: str) -> str:
    return labels[name]["ko" if language == "ko" else "en"]
