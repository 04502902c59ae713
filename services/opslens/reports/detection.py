"""The reports' detection as the agent uses it: the one module of the reports it may import.

An open question ("is anything wrong?") runs the same collection, detectors, incident grouping
and root-cause ranking as a scheduled report (:func:`detect`), on the caller's own
:class:`DetectionSettings` and tool runner (a :class:`ToolCaller` subclass), over a window
ending when the question asks (:func:`window_ending`); what it finds is worded as the reports
word it (:mod:`~opslens.reports.i18n`). The import contract in ``.importlinter`` holds the agent
to this module.
"""

from __future__ import annotations

from datetime import datetime

from opslens.reports import i18n
from opslens.reports.models import Candidate, Incident, Server
from opslens.reports.pipeline import RunRequest, detect, resolve_window
from opslens.reports.settings import DetectionSettings
from opslens.reports.telemetry import Telemetry, Window
from opslens.reports.toolcalls import ToolCaller
from opslens_mcp.core.times import format_duration

__all__ = [
    "Candidate",
    "DetectionSettings",
    "Incident",
    "Server",
    "Telemetry",
    "ToolCaller",
    "Window",
    "detect",
    "i18n",
    "window_ending",
]


def window_ending(settings: DetectionSettings, end: datetime, seconds: int) -> Window:
    """The ``seconds`` before ``end``, with the settings' trailing baseline before it."""
    return resolve_window(settings, RunRequest(window=format_duration(seconds), end=end))
