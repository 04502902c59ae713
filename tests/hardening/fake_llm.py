"""A scripted chat model that keeps every message list it is sent (planner and summary)."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from pydantic import Field

from tests.agent.fake_models import ScriptedChatModel


class RecordingChatModel(ScriptedChatModel):
    """Answers with the scripted messages in order and records what each call received."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    @classmethod
    def answering(cls, *messages: AIMessage) -> RecordingChatModel:
        return cls(messages=iter(messages), prompts=[], seen=[])

    def _generate(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(list(messages))
        return super()._generate(messages, *args, **kwargs)
