"""The UI's message catalog: complete in both languages, every id used exists, and no view
shows an English literal of its own instead of a catalog message."""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest

from opslens.agent.plan import INTENTS as AGENT_INTENTS
from opslens_ui import (
    answer_view,
    chat_page,
    filters,
    fleet_view,
    incidents_view,
    k8s_view,
    logs_view,
    reports_page,
    status,
)
from opslens_ui.contract import (
    AskResponse,
    Correlation,
    Incident,
    KubeEvidence,
    Link,
    LogEvidence,
    LogPattern,
    LogRecord,
    Origin,
    ServiceCount,
    SlowService,
    TraceEvidence,
    TraceSummary,
)
from opslens_ui.correlation_view import MAX_TRACE_NODES, correlation_dot
from opslens_ui.i18n import CATALOG_PATH, UI_LANGUAGES, catalog, resolve, text
from opslens_ui.traces_view import traces_note

UI_DIR = CATALOG_PATH.parent
HANGUL = re.compile(r"[가-힣]")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
IDENTIFIER = re.compile(r"^[a-z0-9]+(?:[-_./:][a-z0-9]+)+$")  # utf-8-sig, pages/ask.py
# Arguments that are identifiers, not words a person reads.
NOT_SHOWN = {
    "key",
    "mime",
    "file_name",
    "language",
    "divider",
    "icon",
    "page_icon",
    "layout",
    "url_path",
    "state",
    "width",
    "height",
    "format",
    "selection_mode",
    "on_select",
    "display_text",
    "type",
}
# Streamlit calls whose positional text arguments are shown on the page.
SHOWN_CALLS = {
    "caption",
    "info",
    "error",
    "warning",
    "success",
    "text",
    "markdown",
    "title",
    "header",
    "subheader",
    "button",
    "download_button",
    "link_button",
    "selectbox",
    "multiselect",
    "chat_input",
    "status",
    "expander",
    "tabs",
    "datetime_input",
    "update",
    "Page",
    "TextColumn",
    "LinkColumn",
    "NumberColumn",
    "ProgressColumn",
}
SHOWN_KEYWORDS = {"label", "title", "placeholder", "help"}
BRAND = {"opslens"}


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def ui_modules() -> list[Path]:
    return sorted(UI_DIR.rglob("*.py"))


def message_ids_used() -> tuple[set[str], set[str]]:
    """Literal ids passed to ``text(...)`` in the UI, and the literal prefixes of built ids."""
    literal: set[str] = set()
    prefixes: set[str] = set()
    for path in ui_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            is_lookup = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if not (is_lookup and node.func.id == "text" and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                literal.add(first.value)
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                prefixes.add(str(first.values[0].value))
            elif isinstance(first, ast.IfExp):
                literal.update(
                    str(branch.value)
                    for branch in (first.body, first.orelse)
                    if isinstance(branch, ast.Constant)
                )
    return literal, prefixes


def _string_constants() -> set[str]:
    """Every string literal of the UI, and the literal start of every f-string."""
    found: set[str] = set()
    for path in ui_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
                found.add(str(node.values[0].value))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def english_literals_shown(path: Path) -> list[str]:
    """String literals with Latin words that reach the page other than through the catalog."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or _is_catalog_lookup(node):
            continue
        shown = [kw.value for kw in node.keywords if kw.arg in SHOWN_KEYWORDS]
        if _name(node.func) in SHOWN_CALLS:
            shown += node.args
            shown += [kw.value for kw in node.keywords if kw.arg and kw.arg not in NOT_SHOWN]
        for value in shown:
            found += [f"{path.name}:{node.lineno}: {word!r}" for word in _literals(value)]
    return found


def _literals(node: ast.AST) -> list[str]:
    """The literal text inside ``node``, not looking into ``text(...)`` calls."""
    if isinstance(node, ast.Call) and _is_catalog_lookup(node):
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        words = LATIN_WORD.findall(node.value)
        prose = words and not set(words) <= BRAND and not IDENTIFIER.match(node.value)
        return [node.value] if prose else []
    return [found for child in ast.iter_child_nodes(node) for found in _literals(child)]


def _is_catalog_lookup(call: ast.Call) -> bool:
    """``text(...)`` or ``header(...)`` (the catalog), not ``st.text(...)`` (an element)."""
    return isinstance(call.func, ast.Name) and call.func.id in ("text", "header")


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


@pytest.mark.parametrize("key", sorted(catalog()))
def test_every_message_reads_in_both_languages(key: str) -> None:
    message = catalog()[key]
    assert message.en.strip() and message.ko.strip(), key
    assert HANGUL.search(message.ko) or message.ko == message.en, f"{key}: ko is not Korean"
    assert fields(message.ko) == fields(message.en), f"{key}: placeholders differ"
    if message.en_one is not None:
        assert fields(message.en_one) <= fields(message.en), key


def test_the_catalog_holds_no_escaped_unicode() -> None:
    assert "\\u" not in CATALOG_PATH.read_text(encoding="utf-8")


def test_every_message_id_used_exists_and_every_message_is_used() -> None:
    literal, prefixes = message_ids_used()
    known = set(catalog())
    assert not literal - known, f"used but not in messages.yaml: {sorted(literal - known)}"
    for prefix in prefixes:
        assert any(key.startswith(prefix) for key in known), f"no message starts with {prefix!r}"
    # Ids held in constants (examples, filter options) or built from a value ("column.{name}").
    named = literal | _string_constants()
    built = prefixes | {start for start in named if start.endswith(".")}
    unused = {key for key in known - named if not any(key.startswith(p) for p in built)}
    assert not unused, f"in messages.yaml but never shown: {sorted(unused)}"


def test_every_built_message_id_exists() -> None:
    """Ids made from a value (a step, an intent, a tab, an option) exist for every value."""
    built = [
        *(f"step.{step}" for step in chat_page.STEPS),
        *(f"step_short.{step}" for step in chat_page.STEPS),
        *(f"intent.{intent}" for intent in AGENT_INTENTS),
        *(f"language.{choice}" for choice in UI_LANGUAGES),
        *(f"answer.tab.{name}" for name in answer_view.evidence_tabs(_full_response())),
        *(f"status.missing.{name}" for name in (*status.BACKENDS_EXPLAINED, "other")),
        *(f"reports.download.{fmt}" for fmt, _ in reports_page.DOWNLOADS),
        *chat_page.EXAMPLES,
        *(filters.OPTION_TEXT[option] for option in (*filters.QUICK_RANGES, filters.CUSTOM)),
        *(filters.OPTION_TEXT[level] for level in filters.LEVELS),
    ]
    missing = sorted(set(built) - set(catalog()))
    assert not missing, f"not in messages.yaml: {missing}"


def test_every_table_column_has_a_header_in_both_languages() -> None:
    incident = Incident.model_validate({"start": "2026-11-26T01:00:00Z"})
    columns = {
        *logs_view.TABLE_COLUMNS,
        *(
            field
            for model in (ServiceCount, LogPattern, Origin, SlowService)
            for field in model.model_fields
        ),
        *k8s_view.findings_frame(KubeEvidence()).columns,
        *k8s_view.pods_frame(KubeEvidence()).columns,
        *k8s_view.events_frame(KubeEvidence()).columns,
        *incidents_view.candidates_frame(incident).columns,
        *incidents_view.anomalies_frame(incident).columns,
        *reports_page.reports_frame([]).columns,
        *fleet_view.FLEET_COLUMNS,
        *fleet_view.COMPARISON_COLUMNS,
    }
    missing = sorted(column for column in columns if f"column.{column}" not in catalog())
    assert not missing, f"no column.<name> in messages.yaml for: {missing}"


@pytest.mark.parametrize("path", ui_modules(), ids=lambda path: path.name)
def test_no_view_shows_english_of_its_own(path: Path) -> None:
    assert not english_literals_shown(path), "\n".join(english_literals_shown(path))


def test_the_literal_finder_finds_english_literals(tmp_path: Path) -> None:
    view = tmp_path / "view.py"
    view.write_text(
        'st.caption("Select a row")\n'
        'st.button(text("logs.download", language), key="csv-download")\n'
        'alt.X("t:Q", title=f"{n} milliseconds")\n'
        'st.title("opslens")\n',
        encoding="utf-8",
    )
    assert [line.split(":")[1] for line in english_literals_shown(view)] == ["1", "3"]


def test_counts_read_naturally_in_both_languages() -> None:
    record = LogRecord(timestamp="2026-11-26T01:00:00Z", message="boom")
    cut = LogEvidence(total=1394, records=[record] * 50, truncated=True)
    assert logs_view.matching_note(cut, "en").startswith(
        "1,394 matching lines; the 50 newest are shown"
    )
    assert logs_view.matching_note(cut, "ko").startswith(
        "일치하는 줄 1,394개 중 최신 50개를 표시합니다"
    )
    whole = LogEvidence(total=1, records=[record])
    assert logs_view.matching_note(whole, "en") == "1 matching line"
    assert logs_view.matching_note(whole, "ko") == "일치하는 줄 1개"
    one = TraceEvidence(summaries=[TraceSummary(trace_id="a")], threshold_ms=1500)
    assert traces_note(one, "en") == "1 trace slower than 1.50 s"
    assert traces_note(one, "ko") == "1.50 s보다 느린 트레이스 1개"


def test_a_fixed_ui_language_wins_over_the_answer() -> None:
    assert resolve("auto", "ko") == "ko" and resolve("auto", "en") == "en"
    assert resolve("auto", None) == "en"
    assert resolve("en", "ko") == "en" and resolve("ko", "en") == "ko"
    assert text("answer.tab.queries", resolve("ko", "en")) == "실행한 쿼리"


def _full_response() -> AskResponse:
    """A response with every kind of evidence, so every tab is named."""
    return AskResponse.model_validate(
        {
            "session_id": "s",
            "question": "q",
            "incidents": [{"start": "2026-11-26T01:00:00Z"}],
            "evidence": {"logs": {}, "traces": {}, "metrics": {}, "k8s": {}},
        }
    )


def test_the_correlation_graph_speaks_the_page_s_language() -> None:
    links = [Link(source="service:a", target="pod:p", relation="runs as")]
    dot = correlation_dot(Correlation(links=links), "ko")
    assert 'label="서비스\\na"' in dot and '[label="실행 중인 파드"]' in dot
    many = [Link(source="service:a", target=f"trace:{n}") for n in range(MAX_TRACE_NODES + 1)]
    assert f'label="트레이스 {MAX_TRACE_NODES + 1}개"' in correlation_dot(
        Correlation(links=many), "ko"
    )
