"""Which language this browser session's UI speaks, and the sidebar choice that can fix it.

With the choice on "auto" (the default of ``OPSLENS_UI_LANGUAGE``) the page follows the
conversation: the language of the latest answer, or of the question just asked while its
answer is on the way; English before the first question. "en" or "ko" fix it.
"""

from __future__ import annotations

import streamlit as st

from opslens_ui.i18n import UI_LANGUAGES, Language, UiLanguage, resolve, text
from opslens_ui.settings import UiSettings

CHOICE_KEY = "ui-language"
SPOKEN_KEY = "spoken-language"
DRAWN_KEY = "drawn-language"


def choice(settings: UiSettings) -> UiLanguage:
    """The sidebar's choice (the setting until someone changes it)."""
    chosen = st.session_state.get(CHOICE_KEY, settings.language)
    return chosen if chosen in UI_LANGUAGES else settings.language


def page_language(settings: UiSettings) -> Language:
    """The language of the page's own text in this run."""
    return resolve(choice(settings), st.session_state.get(SPOKEN_KEY))


def remember_spoken(language: str) -> None:
    """Note the conversation's language (of a question asked, or of an answer received)."""
    st.session_state[SPOKEN_KEY] = language


def relabel(language: Language, widget_keys: tuple[str, ...]) -> None:
    """After a change of language, show the choices of these select boxes in the new one.

    A select box's browser side keeps the words of its chosen option; setting the value
    again (before the widget is drawn) sends the option in the new words. Values, and so the
    filters, stay as they were.
    """
    if st.session_state.get(DRAWN_KEY) == language:
        return
    for key in widget_keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    st.session_state[DRAWN_KEY] = language


def render_choice(settings: UiSettings, language: Language) -> None:
    """The sidebar selector: follow the conversation, or always English, or always Korean."""
    st.session_state.setdefault(CHOICE_KEY, settings.language)
    st.sidebar.selectbox(
        text("language.choice", language),
        UI_LANGUAGES,
        format_func=lambda option: text(f"language.{option}", language),
        key=CHOICE_KEY,
    )
