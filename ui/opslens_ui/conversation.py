"""One browser session's conversation: the agent's session id and the questions asked so far.

It lives in ``st.session_state``, so each browser tab has its own history, and follow-up
questions ("그 서비스의 메모리는?") reach the agent with the session id it handed out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import streamlit as st

from opslens_ui.contract import AskResponse, Filters, StepEvent
from opslens_ui.i18n import Language, language_of

STATE_KEY = "conversation"
HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")


@dataclass
class Turn:
    """One question and what became of it: an answer, or a clear error message."""

    number: int
    question: str
    filters: Filters | None = None
    reason: str | None = None  # why it was asked again, e.g. "filters changed"
    steps: list[StepEvent] = field(default_factory=list)
    response: AskResponse | None = None
    error: str | None = None

    @property
    def key(self) -> str:
        """A prefix for the widget keys of this turn's views."""
        return f"turn-{self.number}"

    @property
    def language(self) -> Language:
        """The language this turn speaks: the agent's word, else the question's script."""
        if self.response is not None:
            return language_of(self.response.language)
        return question_language(self.question)


@dataclass
class Conversation:
    session_id: str | None = None
    turns: list[Turn] = field(default_factory=list)

    def start_turn(self, question: str, filters: Filters | None, reason: str | None) -> Turn:
        turn = Turn(len(self.turns) + 1, question, filters, reason)
        self.turns.append(turn)
        return turn

    def record(self, turn: Turn, response: AskResponse) -> None:
        turn.response = response
        self.session_id = response.session_id

    @property
    def last_question(self) -> str | None:
        return self.turns[-1].question if self.turns else None


def question_language(question: str) -> Language:
    """Korean when the question holds Hangul, else English (the agent decides for answers)."""
    return "ko" if HANGUL.search(question) else "en"


def current() -> Conversation:
    """This browser session's conversation (created on first use)."""
    conversation = st.session_state.get(STATE_KEY)
    if not isinstance(conversation, Conversation):
        conversation = Conversation()
        st.session_state[STATE_KEY] = conversation
    return conversation


def start_over() -> None:
    """Forget the history and the agent's session: the next question starts fresh."""
    st.session_state[STATE_KEY] = Conversation()
