"""The languages opslens speaks, as one type for the agent's answers and the reports."""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "ko"]


def as_language(code: str | None) -> Language:
    """``ko`` for Korean, English for anything else."""
    return "ko" if code == "ko" else "en"
