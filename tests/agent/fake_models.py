"""A scripted chat model for tests: LangChain's fake model plus structured output.

It answers from a list of messages written the way Gemini answers (JSON for plans, prose for
summaries), including malformed ones; ``with_structured_output`` parses the scripted JSON the
way LangChain's ``include_raw=True`` contract describes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableLambda
from pydantic import BaseModel, Field, ValidationError


def gemini_message(content: str, input_tokens: int = 850, output_tokens: int = 60) -> AIMessage:
    """An answer with the usage metadata Gemini reports."""
    return AIMessage(
        content=content,
        usage_metadata={
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        },
    )


class ScriptedChatModel(GenericFakeChatModel):
    """Answers with the scripted messages in order; records the prompts it was sent."""

    prompts: list[Any] = Field(default_factory=list)

    @classmethod
    def scripted(cls, *messages: AIMessage) -> ScriptedChatModel:
        iterator: Iterator[AIMessage] = iter(messages)
        return cls(messages=iterator, prompts=[])

    def with_structured_output(  # type: ignore[override]
        self, schema: type[BaseModel], *, include_raw: bool = False, **_: Any
    ) -> Runnable[Any, Any]:
        async def parse(prompt: Any) -> Any:
            self.prompts.append(prompt)
            raw = await self.ainvoke(prompt)
            try:
                parsed: BaseModel | None = schema.model_validate(json.loads(str(raw.content)))
                error = None
            except (ValueError, ValidationError) as exc:
                parsed, error = None, exc
            if include_raw:
                return {"raw": raw, "parsed": parsed, "parsing_error": error}
            if error is not None:
                raise error
            return parsed

        return RunnableLambda(parse)


class SilentChatModel(ScriptedChatModel):
    """A model that never answers: the network to it hangs. Counts the calls that reached it."""

    reached: int = 0

    async def _agenerate(self, messages: Any, *args: Any, **kwargs: Any) -> Any:
        self.reached += 1
        await asyncio.Event().wait()  # never set
        raise AssertionError("unreachable")
