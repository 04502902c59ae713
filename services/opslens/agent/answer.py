"""Template answers in the question's language, built from facts the evidence established.

The agent's steps record :class:`Fact` items (a key and the numbers and names behind it); this
module renders them in English or Korean. Without an LLM this is the answer; with one, the
facts are also what the model's summary is checked against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

MESSAGES = yaml.safe_load(Path(__file__).with_name("messages.yaml").read_text(encoding="utf-8"))
CATALOG: dict[str, dict[str, str]] = MESSAGES["sentences"]
WORDS: dict[str, dict[str, str]] = MESSAGES["words"]
# Korean explanations of the Kubernetes server's findings (its own text is English).
FINDINGS_KO: dict[str, str] = MESSAGES["findings_ko"]
# What tool calls are for, by their English text (the key), in the other languages.
PURPOSES: dict[str, dict[str, str]] = MESSAGES["purposes"]


class CatalogFormatter(Formatter):
    """``str.format`` plus ``{count:s}``: the English plural ending of a number ("s" unless
    it is 1), for sentences like "{count} trace{count:s}"."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "s" and isinstance(value, int | float):
            return "" if value == 1 else "s"
        return str(super().format_field(value, format_spec))


FORMAT = CatalogFormatter().format


def word(key: str, language: str) -> str:
    return WORDS.get(key, {}).get(language, key)


def phrase(key: str, language: str, **values: Any) -> str:
    """One catalog entry in ``language`` (English when it has no translation), filled in."""
    return FORMAT(CATALOG[key].get(language) or CATALOG[key]["en"], **values)


def _worded(values: dict[str, Any], language: str) -> dict[str, Any]:
    """``values`` with a measure's name and the all-services ``*`` in ``language``."""
    worded = dict(values)
    if "measure" in worded:
        worded["metric"] = word(str(worded["measure"]), language)
    if worded.get("service") == "*":
        worded["service"] = word("*", language)
    return worded


def purpose_text(purpose: str, about: dict[str, str], language: str) -> str:
    """What a tool call was for, in ``language``: ``purpose`` is its English text with
    ``{names}`` that ``about`` fills in."""
    template = PURPOSES.get(purpose, {}).get(language) or purpose
    values = _worded(about, language)
    if "measure" in values:
        values["measure"] = values["metric"]
    return template.format(**values)


def missing_item(values: dict[str, Any], language: str) -> str:
    """'what (reason)' of a ``missing`` fact."""
    return f"{word(str(values['what']), language)} ({values['reason']})"


def for_services(services: list[str], language: str) -> str:
    """' for a, b' in English, 'a, b의 ' in Korean; empty for all services."""
    if not services:
        return ""
    names = ", ".join(services)
    return f" for {names}" if language == "en" else f"{names}의 "


def threshold_text(ms: float | None, p95_of: str | None, language: str) -> str:
    """' slower than 80 ms' / '80 ms 이상 걸린 ', naming the service when it is its p95."""
    if ms is None:
        return ""
    key = "traces.threshold_p95" if p95_of else "traces.threshold"
    return phrase(key, language, ms=round(ms), service=p95_of)


@dataclass(frozen=True)
class Fact:
    """One statement the evidence supports: a catalog key and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)

    def render(self, language: str) -> str:
        """The sentence in ``language``; ``services``, ``level`` and ``what`` are worded here."""
        template = CATALOG[self.key].get(language) or CATALOG[self.key]["en"]
        values = _worded(self.values, language)
        values["for_services"] = for_services(list(values.get("services") or []), language)
        values["level"] = word(str(values["level"]), language) if values.get("level") else ""
        if self.key == "missing":
            values["items"] = missing_item(self.values, language)
        elif "what" in values:
            values["what"] = word(str(values["what"]), language)
        if self.key == "k8s.finding" and language == "ko":
            values["explanation"] = FINDINGS_KO.get(str(values.get("problem")), "")
        peer = values.get("peer")
        values["dependency"] = (
            CATALOG["correlate.dependency"][language].format(peer=peer) if peer else ""
        )
        values["detail"] = f" ({values['message']})" if values.get("message") else ""
        values["threshold"] = threshold_text(
            values.get("threshold_ms"), values.get("p95_of"), language
        )
        return FORMAT(template, **values)


def render_answer(facts: list[Fact], language: str) -> str:
    """The facts as a short paragraph, one sentence each; what could not be read comes last,
    in one sentence."""
    lines = [fact.render(language) for fact in facts if fact.key != "missing"]
    missing = [missing_item(fact.values, language) for fact in facts if fact.key == "missing"]
    if missing:
        lines.append(phrase("missing", language, items="; ".join(missing)))
    return "\n".join(lines)
