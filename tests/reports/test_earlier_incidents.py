"""The baseline periods of the reports: window-sized slices on one grid, so reports share
them; and earlier incidents kept out: a run reads the stored reports over its baseline, and
each baseline period an incident overlaps stops being normal for the services that incident
held (and only for them)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from opslens.reports.collect_periods import blamed_in, trailing_slices
from opslens.reports.incidents import build_incident
from opslens.reports.pipeline import ReportClients, RunRequest, blames
from opslens.reports.reporter import Reporter
from opslens.reports.settings import ReportSettings
from opslens.reports.store import open_store
from opslens.reports.summary import Summarizer
from opslens.reports.telemetry import Blame, Telemetry, Window
from tests.reports.factories import T0, anomaly, report

HOUR = timedelta(hours=1)


def _reporter(tmp_path: Path) -> Reporter:
    settings = ReportSettings(namespaces=["shop"], baseline="6h")
    store = open_store(str(tmp_path / "reports.sqlite"))
    return Reporter(settings, ReportClients({}), store, Summarizer(None))


def _incident_report(report_id: str, start_h: float, services: list[str], **fields: object):
    """A stored report whose one incident spans its first half hour, in ``services``."""
    members = [anomaly(s, "error_ratio", start_h * 60, start_h * 60 + 30) for s in services]
    start = T0 + timedelta(hours=start_h)
    return report(
        id=report_id,
        window_start=start,
        window_end=start + HOUR,
        incidents=[build_incident(members)],
        **fields,
    )


async def test_a_run_reads_the_incidents_stored_over_its_baseline(tmp_path: Path) -> None:
    reporter = _reporter(tmp_path)
    try:
        reporter.store.save(_incident_report("earlier", 2, ["payment", "order"]))
        reporter.store.save(_incident_report("other-team", 3, ["ledger"], namespaces=["bank"]))
        reporter.store.save(_incident_report("too-old", -9, ["catalog"]))
        reporter.store.save(report(id="quiet", window_start=T0 + 4 * HOUR))
        request = RunRequest(window="1h", end=T0 + 6 * HOUR)  # baseline from T0-1h to T0+5h

        blamed = (await reporter.with_earlier_incidents(request)).blamed

        start = T0 + 2 * HOUR
        assert blamed == (
            Blame(start, start + timedelta(minutes=30), "order"),
            Blame(start, start + timedelta(minutes=30), "payment"),
        )
    finally:
        await reporter.aclose()


async def test_a_reference_window_is_read_for_incidents_too(tmp_path: Path) -> None:
    reporter = _reporter(tmp_path)
    try:
        reporter.store.save(_incident_report("last-night", -9, ["catalog"]))
        reference = (T0 - 9 * HOUR, T0 - 8 * HOUR)
        request = RunRequest(window="1h", end=T0 + 6 * HOUR, reference=reference)
        blamed = (await reporter.with_earlier_incidents(request)).blamed
        assert [b.service for b in blamed] == ["catalog"]
    finally:
        await reporter.aclose()


async def test_a_store_that_cannot_be_read_leaves_the_run_as_it_was(tmp_path: Path) -> None:
    reporter = _reporter(tmp_path / "gone")
    try:
        reporter.store.save(_incident_report("earlier", 2, ["payment"]))
        shutil.rmtree(tmp_path / "gone")  # the file and its directory: SQLite cannot open it
        request = RunRequest(window="1h", end=T0 + 6 * HOUR)
        assert await reporter.with_earlier_incidents(request) == request
    finally:
        await reporter.aclose()


async def test_incidents_given_with_the_request_are_kept(tmp_path: Path) -> None:
    reporter = _reporter(tmp_path)
    try:
        reporter.store.save(_incident_report("earlier", 2, ["payment"]))
        given = (Blame(T0, T0 + HOUR, "order"),)
        request = RunRequest(window="1h", end=T0 + 6 * HOUR, blamed=given)
        assert (await reporter.with_earlier_incidents(request)).blamed == given
    finally:
        await reporter.aclose()


def test_an_incident_blames_every_service_it_held_in_the_periods_it_overlaps() -> None:
    incident = build_incident(
        [anomaly("payment", "latency_p95", 0, 10), anomaly("order", "x", 5, 10)]
    )
    blamed = blames([report(incidents=[incident])])
    assert {b.service for b in blamed} == {"order", "payment"}
    window = Window(T0 + HOUR, T0 + 2 * HOUR, T0 - HOUR, blamed=tuple(blamed))
    assert blamed_in((T0 - timedelta(minutes=5), T0 + timedelta(minutes=1)), window) == {
        "order",
        "payment",
    }
    assert blamed_in((T0 + timedelta(minutes=10), T0 + timedelta(minutes=20)), window) == set()


def test_reports_of_windows_as_long_share_their_trailing_slices() -> None:
    """Two three-minute windows starting 4 min 10 s apart, off the grid: the later one's
    slices are the earlier one's, plus the newer ones."""
    length = timedelta(minutes=3)

    def slices(start_s: int) -> list[tuple[object, object]]:
        start = T0 + timedelta(seconds=start_s)
        return trailing_slices(Telemetry(Window(start, start + length, start - HOUR)))

    earlier, later = slices(70), slices(70 + 250)
    assert all(end - start == length for start, end in earlier + later)
    assert earlier[0][1] == T0  # the grid point at or before the window's start
    assert later[0][1] == T0 + timedelta(minutes=3)
    assert set(earlier) - set(later) == {earlier[-1]}  # the oldest falls out of the baseline
    assert later[1:] == earlier[:-1]
