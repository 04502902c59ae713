"""The Ask page: a chat with the agent, each answer streamed step by step, then its evidence.

A question comes from the chat box, an example button, a trace link (``?trace=<id>``), or a
filter change (which re-asks the last question). Everything the agent says is shown as text;
when the agent is down the page says so and how to fix it. The page speaks the language of
the conversation (see :mod:`opslens_ui.ui_language`).
"""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from opslens_ui.answer_view import render_answer
from opslens_ui.client import AgentClient, AgentError, AgentUnavailable
from opslens_ui.contract import AskRequest, AskResponse, Filters, ServiceCatalog, StepEvent
from opslens_ui.conversation import Conversation, Turn, current, question_language, start_over
from opslens_ui.filters import describe, render_filters, take_change
from opslens_ui.formatting import escape_markdown, format_ms
from opslens_ui.i18n import Language, resolve, text, text_or
from opslens_ui.logs_view import TRACE_QUERY_PARAM
from opslens_ui.settings import UiSettings
from opslens_ui.status import error_text, fetch_catalog, render_outages
from opslens_ui.ui_language import choice, page_language, remember_spoken

EXAMPLES = ("chat.example.logs", "chat.example.traces", "chat.example.correlate")
STEPS = ("understand", "plan", "execute", "correlate", "answer")  # step.* and step_short.*
QUESTION_KEY = "question"
EXAMPLE_KEY = "example-question"


def render(client: AgentClient, settings: UiSettings) -> None:
    """Draw the page and answer whatever was asked in this run."""
    language = page_language(settings)
    now = settings.now or datetime.now(UTC)
    filters = render_filters(_catalog(client), now, language)
    if st.sidebar.button(text("chat.new", language), key="new-conversation"):
        start_over()
    st.title("opslens")
    if settings.now is not None:
        replaying = text("chat.replaying", language, now=settings.now.isoformat())
        st.caption(escape_markdown(replaying))
    agent_up = render_outages(client, language)
    conversation = current()
    prompt = st.chat_input(text("chat.placeholder", language), key=QUESTION_KEY, on_submit=_typed)
    pending = _pending_question(conversation, prompt, filters, language)
    if not conversation.turns and pending is None:
        _examples(enabled=agent_up, language=language)
    for turn in conversation.turns:
        _render_turn(turn, resolve(choice(settings), turn.language))
    if pending is not None:
        question, reason = pending
        request = AskRequest(
            question=question,
            session_id=conversation.session_id,
            now=settings.now.isoformat() if settings.now else None,
            filters=None if filters.is_empty else filters,
        )
        _ask(client, conversation, request, reason, choice(settings))


def _catalog(client: AgentClient) -> ServiceCatalog | None:
    try:
        return fetch_catalog(client.base_url, client)
    except (AgentUnavailable, AgentError):
        return None


def _typed() -> None:
    """Before the run: the page speaks the language of the question just typed."""
    remember_spoken(question_language(st.session_state.get(QUESTION_KEY) or ""))


def _chose_example(question: str) -> None:
    """Before the run: ask the example, in its language."""
    st.session_state[EXAMPLE_KEY] = question
    remember_spoken(question_language(question))


def _pending_question(
    conversation: Conversation, prompt: str | None, filters: Filters, language: Language
) -> tuple[str, str | None] | None:
    """What to ask in this run, and why when it was not typed."""
    changed = take_change()
    example = st.session_state.pop(EXAMPLE_KEY, None)
    if prompt and prompt.strip():
        return prompt.strip(), None
    if example:
        return example, None
    trace_id = st.query_params.get(TRACE_QUERY_PARAM)
    if trace_id:
        del st.query_params[TRACE_QUERY_PARAM]
        question = text("chat.trace_question", language, trace_id=trace_id)
        return question, text("chat.reason.trace_link", language)
    if changed and conversation.last_question:
        what = describe(filters, language) or text("chat.reason.cleared", language)
        return conversation.last_question, text("chat.reason.filters", language, what=what)
    return None


def _examples(enabled: bool, language: Language) -> None:
    """The everyday questions as buttons, Korean on the left and English on the right."""
    st.caption(text("chat.examples", language))
    columns = st.columns(2)
    for key in EXAMPLES:
        for column, spoken in zip(columns, ("ko", "en"), strict=True):
            example = text(key, spoken)
            column.button(
                example,
                key=f"example-{key}-{spoken}",
                disabled=not enabled,
                on_click=_chose_example,
                args=(example,),
            )


def _render_turn(turn: Turn, language: Language) -> None:
    _user_message(turn)
    with st.chat_message("assistant"):
        if turn.steps:
            with st.expander(_steps_title(turn, language), expanded=False):
                for event in turn.steps:
                    st.text(_step_line(event, language, live=False))
        if turn.response is not None:
            render_answer(turn, turn.response, language)
        elif turn.error:
            st.error(escape_markdown(turn.error))


def _ask(
    client: AgentClient,
    conversation: Conversation,
    request: AskRequest,
    reason: str | None,
    chosen: str,
) -> None:
    """Ask with the progress shown live, then show the answer (or why there is none)."""
    turn = conversation.start_turn(request.question, request.filters, reason)
    _user_message(turn)
    language = resolve(chosen, turn.language)
    with st.chat_message("assistant"):
        progress = st.status(text("step.understand", language) + "…", expanded=True)
        try:
            for event in client.ask_stream(request):
                if isinstance(event, AskResponse):
                    conversation.record(turn, event)
                else:
                    turn.steps.append(event)
                    progress.update(label=_step_line(event, language, live=True))
                    progress.text(_step_line(event, language, live=False))
        except (AgentUnavailable, AgentError) as exc:
            turn.error = error_text(exc, language)
            progress.update(label=text("steps.title", language), state="error", expanded=False)
            st.error(escape_markdown(turn.error))
            return
        if turn.response is not None:
            remember_spoken(turn.response.language)
            language = resolve(chosen, turn.language)
        progress.update(label=_steps_title(turn, language), state="complete", expanded=False)
        if turn.response is not None:
            render_answer(turn, turn.response, language)


def _user_message(turn: Turn) -> None:
    with st.chat_message("user"):
        st.text(turn.question)
        if turn.reason:
            st.caption(escape_markdown(turn.reason))


def _step_line(event: StepEvent, language: Language, live: bool) -> str:
    name = text_or(f"step.{event.step}", language, event.step)
    if live:
        return f"{name}…" if event.status == "started" else name
    mark = "✓" if event.status == "done" else "…"
    return f"{mark} {name}" + (f": {event.detail}" if event.detail else "")


def _steps_title(turn: Turn, language: Language) -> str:
    """``Steps (understand 12 ms · execute 1.20 s · …)`` with the step names in ``language``."""
    timings = turn.response.timings if turn.response is not None else {}
    parts = [
        f"{text(f'step_short.{step}', language)} {format_ms(timings[f'{step}_ms'])}"
        for step in STEPS
        if f"{step}_ms" in timings
    ]
    return text("steps.title", language) + (f" ({' · '.join(parts)})" if parts else "")
