"""Reading what the app drew: answers, tables, charts and graphs, as a person would see them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from opslens_ui.contract import AskResponse
from opslens_ui.conversation import Conversation, Turn

APP_PATH = Path(__file__).resolve().parents[2] / "ui" / "opslens_ui" / "app.py"


@dataclass(frozen=True)
class Chart:
    """One Vega-Lite chart: its spec and its data tables, in the order the spec names them."""

    spec: dict[str, Any]
    tables: list[pd.DataFrame]

    @property
    def marks(self) -> list[str]:
        """Mark types anywhere in the spec (layers and concatenations included)."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                mark = node.get("mark")
                if isinstance(mark, dict):
                    found.append(str(mark.get("type")))
                elif isinstance(mark, str):
                    found.append(mark)
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.spec)
        return found


def ask(app: AppTest, question: str) -> Turn:
    """Type ``question`` into the chat box, wait for the answer, and return the turn."""
    app.chat_input(key="question").set_value(question).run()
    assert not app.exception, [exception.value for exception in app.exception]
    return last_turn(app)


def last_turn(app: AppTest) -> Turn:
    conversation = app.session_state["conversation"]
    assert isinstance(conversation, Conversation)
    assert conversation.turns, "nothing was asked"
    return conversation.turns[-1]


def answered(turn: Turn) -> AskResponse:
    assert turn.error is None, turn.error
    assert turn.response is not None, "no answer"
    return turn.response


def charts(app: AppTest) -> list[Chart]:
    """Every Altair (Vega-Lite) chart on the page, with its data decoded."""
    found = []
    for element in app.get("vega_lite_chart"):
        proto: Any = element.proto
        tables = [
            pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
            for dataset in proto.datasets
        ]
        found.append(Chart(json.loads(proto.spec), tables))
    return found


def waterfall(app: AppTest) -> Chart:
    """The one trace waterfall on the page (the chart that puts names beside bars)."""
    drawn = [chart for chart in charts(app) if "hconcat" in chart.spec]
    notes = shown(app, "info")
    assert len(drawn) == 1, f"{len(drawn)} waterfalls drawn; the page says: {notes}"
    return drawn[0]


def graphs(app: AppTest) -> list[str]:
    """The DOT source of every graphviz chart on the page."""
    return [str(element.proto.spec) for element in app.get("graphviz_chart")]


def tables_with(app: AppTest, *columns: str) -> list[pd.DataFrame]:
    """The dataframes on the page that have all of ``columns``."""
    frames = [element.value for element in app.dataframe]
    return [frame for frame in frames if set(columns) <= set(frame.columns)]


def shown(node: AppTest | Block, kind: str) -> list[str]:
    """The values of the ``kind`` elements (text, caption, warning, ...) under ``node``, as a
    person reads them: with Markdown's escaping backslashes removed."""
    return [str(getattr(element, "value", "")).replace("\\", "") for element in node.get(kind)]


def texts(app: AppTest) -> list[str]:
    """Plain texts, captions, code blocks and alerts on the page."""
    kinds = ("text", "caption", "code", "error", "warning", "info")
    return [value for kind in kinds for value in shown(app, kind)]
