"""Every text the UI shows, in English or Korean, from one catalog (``messages.yaml``).

A view asks for a message by id in the language it draws in::

    text("logs.matching", "ko", count=1394)   # '일치하는 줄 1,394개'
    text("logs.matching", "en", count=1)      # '1 matching line'

Which language that is comes from :func:`resolve`: the UI language setting when it fixes one,
else the answer's (or, before an answer, the question's) language.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict

Language = Literal["en", "ko"]
UiLanguage = Literal["auto", "en", "ko"]
UI_LANGUAGES: tuple[UiLanguage, ...] = get_args(UiLanguage)
CATALOG_PATH = Path(__file__).with_name("messages.yaml")


class Message(BaseModel):
    """One message: its English and Korean text; ``en_one`` is the English for a count of 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: str
    ko: str
    en_one: str | None = None


@cache
def catalog() -> dict[str, Message]:
    """The message catalog, read once per process."""
    raw = yaml.safe_load(CATALOG_PATH.read_text(encoding="utf-8"))
    return {key: Message.model_validate(value) for key, value in raw.items()}


def language_of(code: str | None) -> Language:
    """The UI language for an answer's language code: Korean for ``ko``, else English."""
    return "ko" if code == "ko" else "en"


def resolve(choice: str, spoken: str | None) -> Language:
    """The language to draw in: the UI setting when it fixes one, else the spoken one."""
    return "ko" if choice == "ko" else "en" if choice == "en" else language_of(spoken)


def text(key: str, language: str, /, count: int | None = None, **values: object) -> str:
    """The message ``key`` in ``language`` with its placeholders filled.

    ``count`` picks the English singular (``en_one``) when it is 1 and fills ``{count}``.
    """
    message = catalog()[key]
    if language_of(language) == "ko":
        template = message.ko
    elif count == 1 and message.en_one is not None:
        template = message.en_one
    else:
        template = message.en
    return template.format(count=count, **values)


def text_or(key: str, language: str, fallback: str) -> str:
    """The message ``key`` in ``language``, or ``fallback`` (a value shown as it is) when the
    catalog has no such message: an agent's state or step the UI does not know yet."""
    return text(key, language) if key in catalog() else fallback
