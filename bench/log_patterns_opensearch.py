"""End-to-end time of ``log_patterns`` over 100,000 matching lines in a real OpenSearch.

Starts a real OpenSearch (free port, temporary directory) and indexes ``--lines`` error lines as
Vector ships container logs: the raw lines of the Loghub samples, one container per system,
over and over with new numbers in each copy (the stream of ``log_patterns_loghub.py``). It then
serves the OpenSearch server as it is deployed (``opslens serve opensearch``, answer cache off)
and calls ``log_patterns`` through ``/rpc`` for all of them: the server reads the lines page by
page, mines them and answers. Prints the wall time of a call (best and median of ``--calls``)
and the server's peak resident memory.

    .venv/bin/python bench/log_patterns_opensearch.py [--lines 100000] [--calls 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson

from opslens.devstack.opensearch import OpenSearchBackend
from opslens.devstack.process import ManagedProcess, free_port
from opslens.scenarios.loaders.opensearch import template_body

sys.path.insert(0, str(Path(__file__).resolve().parent))
from log_patterns_loghub import default_data_dir, fresh_numbers
from opensearch_tools import serve

INDEX = "logs-bench-patterns"
BULK_DOCS = 5_000


def documents(data: Path, total: int, now: datetime) -> list[dict[str, object]]:
    """``total`` container log documents, newest at ``now``, one second apart per 1,000."""
    samples = sorted((data / "loghub").glob("*/*_2k.log"))
    lines = [
        (path.parent.name.lower(), line)
        for path in samples
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    docs = []
    for n, (system, line) in enumerate(fresh_numbers(lines, total)):
        moment = now - timedelta(milliseconds=total - n)
        docs.append(
            {
                "@timestamp": moment.isoformat().replace("+00:00", "Z"),
                "message": line,
                "level": "ERROR",
                "stream": "stderr",
                "kubernetes": {
                    "namespace_name": "bench",
                    "pod_name": f"{system}-0",
                    "container_name": system,
                    "labels": {"app": system},
                },
            }
        )
    return docs


def index(url: str, docs: list[dict[str, object]]) -> None:
    with httpx.Client(base_url=url, timeout=120) as client:
        client.put(
            "/_index_template/bench-patterns", json=template_body("container_logs", "logs-*")
        ).raise_for_status()
        for start in range(0, len(docs), BULK_DOCS):
            body = b"".join(
                orjson.dumps({"index": {"_index": INDEX}}) + b"\n" + orjson.dumps(doc) + b"\n"
                for doc in docs[start : start + BULK_DOCS]
            )
            answer = client.post(
                "/_bulk", content=body, headers={"content-type": "application/x-ndjson"}
            )
            answer.raise_for_status()
            if answer.json().get("errors"):
                raise SystemExit(f"bulk indexing failed: {answer.text[:500]}")
        client.post(f"/{INDEX}/_refresh").raise_for_status()


def indexed(url: str) -> int:
    """Documents already in the bench index (0 when it does not exist)."""
    answer = httpx.get(f"{url}/{INDEX}/_count", timeout=30)
    return int(answer.json()["count"]) if answer.status_code == 200 else 0


def peak_rss(pid: int | None) -> int:
    """A process's peak resident memory in bytes (Linux ``VmHWM``), 0 when unknown."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=default_data_dir(), help="shared data dir")
    parser.add_argument("--lines", type=int, default=100_000, help="matching lines to index")
    parser.add_argument("--calls", type=int, default=3, help="timed calls")
    parser.add_argument(
        "--opensearch", help="use this running OpenSearch (indexes unless the lines are there)"
    )
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="opslens-bench-") as tmp:
        workdir = Path(tmp)
        backend = None
        if args.opensearch:
            opensearch_url = args.opensearch
        else:
            backend = OpenSearchBackend(workdir / "opensearch", free_port())
            backend.start()
            opensearch_url = backend.url
        server: ManagedProcess | None = None
        try:
            if indexed(opensearch_url) < args.lines:
                started = time.perf_counter()
                index(opensearch_url, documents(args.data, args.lines, now))
                print(f"indexed {args.lines:,} lines in {time.perf_counter() - started:.1f} s")
            server, url = serve(workdir, opensearch_url, "patterns", 0)
            params = {
                "level": "error",
                "start": (now - timedelta(days=1)).isoformat(),
                "end": (now + timedelta(minutes=1)).isoformat(),
                "max_messages": args.lines,
                "max_patterns": 20,
            }
            seconds = []
            with httpx.Client(base_url=url, timeout=300) as client:
                for number in range(args.calls):
                    request = {
                        "jsonrpc": "2.0",
                        "id": number,
                        "method": "log_patterns",
                        "params": params,
                    }
                    started = time.perf_counter()
                    answer = client.post("/rpc", json=request).json()
                    seconds.append(time.perf_counter() - started)
                    if "error" in answer:
                        raise SystemExit(f"log_patterns failed: {answer['error']}")
            result = answer["result"]
            peak = peak_rss(server.pid)
            print(
                f"log_patterns over {result['matching_total']:,} matching lines: "
                f"{result['messages_analysed']:,} analysed, {result['pattern_count']} templates, "
                f"{len(result['requests'])} requests"
            )
            print(
                f"wall time per call: best {min(seconds):.2f} s, "
                f"median {statistics.median(seconds):.2f} s ({args.calls} calls); "
                f"server peak RSS {peak / 2**20:.0f} MiB"
            )
        finally:
            if server is not None:
                server.stop()
            if backend is not None:
                backend.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
