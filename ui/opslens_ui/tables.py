"""Table headers in the page's language: the frames keep their field names (what a CSV and a
test read), the header a person sees comes from the catalog's ``column.<field>``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import streamlit as st

from opslens_ui.i18n import Language, text_or


def header(column: str, language: Language) -> str:
    """The header of ``column`` in ``language``; a column the catalog does not name keeps its
    field name."""
    return text_or(f"column.{column}", language, column)


def headers(columns: Iterable[object], language: Language) -> dict[str, str]:
    """A ``column_config`` that heads every column of a table in ``language``."""
    return {str(column): header(str(column), language) for column in columns}


def show_table(
    frame: pd.DataFrame,
    language: Language,
    key: str,
    column_config: dict[str, Any] | None = None,
    **options: Any,
) -> Any:
    """``st.dataframe`` of ``frame`` without its index, headed in ``language``.

    ``column_config`` adds column types (built with :func:`header` for their header).
    """
    config = {**headers(frame.columns, language), **(column_config or {})}
    return st.dataframe(frame, hide_index=True, key=key, column_config=config, **options)
