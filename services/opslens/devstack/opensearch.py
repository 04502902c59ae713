"""A real single-node OpenSearch on loopback, without Docker and without a distribution tarball.

The engine comes from Maven Central: ``devstack/opensearch-launcher`` is a small Maven project
whose pom pins ``org.opensearch:opensearch`` and the modules we need (transport-netty4,
analysis-common, mapper-extras, reindex, lang-painless), and whose launcher class starts an
``org.opensearch.node.Node`` with those modules as classpath plugins.
:func:`ensure_opensearch_launcher` builds it with ``mvn`` into
``<cache>/opensearch-<version>/lib`` once per pom/source hash; :class:`OpenSearchBackend`
runs it with ``java`` and waits for cluster health yellow.

Dev/test only: no security plugin, no bootstrap checks, no security manager.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx

from opslens.devstack.process import (
    BackendStartError,
    ManagedProcess,
    cache_dir,
    free_port,
    progress,
)

__all__ = [
    "OpenSearchBackend",
    "ensure_opensearch_launcher",
    "launcher_dir",
    "opensearch_version",
]

LAUNCHER_MAIN = "opslens.devstack.OpenSearchLauncher"

# What OpenSearch's own launcher adds for JDK 17 (distribution/tools/launchers SystemJvmOptions
# and config/jvm.options), minus AlwaysPreTouch (slow start, full heap resident).
_JVM_FLAGS = [
    "-XX:+UseG1GC",
    "-XX:G1ReservePercent=25",
    "-XX:InitiatingHeapOccupancyPercent=30",
    "-Xss1m",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
    "-Djna.nosys=true",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ShowCodeDetailsInExceptionMessages",
    "-Dopensearch.networkaddress.cache.ttl=60",
    "-Dopensearch.networkaddress.cache.negative.ttl=10",
    "-Dio.netty.noUnsafe=true",
    "-Dio.netty.noKeySetOptimization=true",
    "-Dio.netty.recycler.maxCapacityPerThread=0",
    "-Dio.netty.allocator.numDirectArenas=0",
    "-Dlog4j.shutdownHookEnabled=false",
    "-Dlog4j2.disable.jmx=true",
    "-Djava.locale.providers=SPI,COMPAT",
]


# --------------------------------------------------------------------------- build


def launcher_dir() -> Path:
    """The ``devstack/opensearch-launcher`` Maven project of this checkout."""
    return Path(__file__).resolve().parents[3] / "devstack" / "opensearch-launcher"


def opensearch_version() -> str:
    """The OpenSearch version the launcher's pom pins."""
    pom = (launcher_dir() / "pom.xml").read_text()
    match = re.search(r"<opensearch\.version>([^<]+)</opensearch\.version>", pom)
    if not match:
        raise BackendStartError("opensearch.version is not set in the launcher's pom.xml")
    return match.group(1).strip()


def _source_digest() -> str:
    """Hash of pom.xml and everything under src/, i.e. all that the build depends on."""
    root = launcher_dir()
    digest = hashlib.sha256()
    for path in [root / "pom.xml", *sorted(p for p in (root / "src").rglob("*") if p.is_file())]:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _tool(name: str) -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and name == "java" and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which(name)
    if not found:
        raise BackendStartError(f"`{name}` is needed for the devstack OpenSearch (Java 17+, Maven)")
    return found


def _mvn_package(build: Path, log: Path, progress: Callable[[str], None]) -> None:
    argv = [_tool("mvn"), "-B", "-ntp", "package"]
    started = time.monotonic()
    with log.open("w") as handle:
        proc = subprocess.Popen(
            argv, cwd=build, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
        while True:
            try:
                code = proc.wait(timeout=60)
                break
            except subprocess.TimeoutExpired:
                progress(
                    f"still building the OpenSearch launcher ({time.monotonic() - started:.0f}s)"
                )
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        raise BackendStartError(f"mvn package failed (exit {code}); log {log}:\n{tail}")


def ensure_opensearch_launcher(progress: Callable[[str], None] = progress) -> Path:
    """Build the launcher and collect its jars in ``<cache>/opensearch-<version>/lib``.

    Skipped when the stamp there matches the pinned version and the hash of the Maven project.
    The build runs in a copy of the project under the cache (the checkout stays clean); Maven
    keeps downloaded artifacts in ``~/.m2``. Also makes the class-data-sharing archive (see
    :func:`_ensure_cds_archive`). Returns the lib directory (classpath ``lib/*``).
    """
    lib = _ensure_lib(progress)
    _ensure_cds_archive(lib, progress)
    return lib


def _ensure_lib(progress: Callable[[str], None]) -> Path:
    version = opensearch_version()
    home = cache_dir() / f"opensearch-{version}"
    lib = home / "lib"
    stamp = home / "stamp"
    wanted = f"opensearch {version} {_source_digest()}\n"
    with _file_lock(home / ".build.lock"):
        if stamp.is_file() and stamp.read_text() == wanted and any(lib.glob("*.jar")):
            return lib
        progress(f"building the OpenSearch {version} launcher with mvn (first build: ~1-3 min)")
        started = time.monotonic()
        with tempfile.TemporaryDirectory(dir=home, prefix="build-") as tmp:
            build = Path(tmp) / "opensearch-launcher"
            shutil.copytree(launcher_dir(), build, ignore=shutil.ignore_patterns("target"))
            _mvn_package(build, home / "build.log", progress)
            fresh = (build / "target" / "lib").rename(Path(tmp) / "lib")
            for jar in (build / "target").glob("*.jar"):
                jar.rename(fresh / jar.name)
            stamp.unlink(missing_ok=True)
            shutil.rmtree(lib, ignore_errors=True)
            shutil.rmtree(home / "cds", ignore_errors=True)  # archives name the old jars
            fresh.rename(lib)
        stamp.write_text(wanted)
        progress(f"built the OpenSearch launcher in {time.monotonic() - started:.0f}s: {lib}")
    return lib


def _cds_archive_path(lib: Path) -> Path:
    """Where the CDS archive for this lib dir and this JDK lives (JDK path + release file)."""
    java_home = Path(_tool("java")).resolve().parents[1]
    release = java_home / "release"
    ident = str(java_home) + (release.read_text() if release.is_file() else "")
    return lib.parent / "cds" / f"{hashlib.sha256(ident.encode()).hexdigest()[:16]}.jsa"


def _ensure_cds_archive(lib: Path, progress: Callable[[str], None]) -> Path | None:
    """A dynamic AppCDS archive of the classes a node loads, made once by a training run.

    Starting with it takes about half the time on two busy cores (the JVM maps the classes
    instead of loading and verifying ~15k of them). Best effort: when it cannot be made, nodes
    start without it.
    """
    archive = _cds_archive_path(lib)
    failed = archive.with_suffix(".failed")  # a failed training is not retried for this lib/JDK
    if archive.is_file() or failed.is_file():
        return archive if archive.is_file() else None
    with _file_lock(lib.parent / ".cds.lock"):
        if archive.is_file() or failed.is_file():
            return archive if archive.is_file() else None
        archive.parent.mkdir(parents=True, exist_ok=True)
        progress("making the OpenSearch class-data-sharing archive (once, ~20s)")
        started = time.monotonic()
        tmp = archive.with_name(f"{archive.stem}.{os.getpid()}.tmp")
        try:
            with tempfile.TemporaryDirectory(dir=archive.parent) as work:
                node = OpenSearchBackend(Path(work), free_port())
                try:
                    node._launch(lib, [f"-XX:ArchiveClassesAtExit={tmp}"], 180.0)
                    node._exercise()
                finally:
                    node.stop(120.0)
            check = subprocess.run(
                [
                    _tool("java"),
                    "-Xshare:on",
                    f"-XX:SharedArchiveFile={tmp}",
                    "-cp",
                    f"{lib}/*",
                    "-version",
                ],
                capture_output=True,
                timeout=60,
            )
            if check.returncode != 0 or not tmp.is_file():
                raise BackendStartError(check.stderr.decode(errors="replace")[-500:])
            tmp.rename(archive)
        except (BackendStartError, OSError, subprocess.SubprocessError, httpx.HTTPError) as exc:
            progress(f"no class-data-sharing archive, nodes start without it: {exc}")
            failed.write_text(f"{exc}\n")
            return None
        finally:
            tmp.unlink(missing_ok=True)
        progress(f"made the class-data-sharing archive in {time.monotonic() - started:.0f}s")
        return archive


# --------------------------------------------------------------------------- backend


def _heap_bytes(size: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", size)
    if not match:
        raise ValueError(f"heap size like '512m' or '1g' expected, got {size!r}")
    unit = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}[match.group(2).lower()]
    return int(match.group(1)) * unit


class OpenSearchBackend:
    """One OpenSearch node on 127.0.0.1; data, logs and home under ``workdir``.

    The data directory survives :meth:`stop` and crashes, so a restart finds its indices.
    """

    def __init__(
        self, workdir: Path, port: int, transport_port: int | None = None, heap: str = "1g"
    ) -> None:
        self.workdir = Path(workdir)
        self.port = port
        self.transport_port = transport_port or free_port()
        self.heap = heap
        _heap_bytes(heap)  # validate early
        self._proc: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / "logs" / "opensearch.log"

    @property
    def pid(self) -> int | None:
        """Process id of the running JVM (None when not running)."""
        return self._proc.pid if self._proc is not None and self._proc.alive() else None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.alive()

    def kill(self, signum: int = signal.SIGKILL) -> None:
        """Send ``signum`` to the node (fault tests)."""
        if self._proc is not None:
            self._proc.signal(signum)

    def start(self, timeout: float = 120.0) -> None:
        """Start the node unless it runs; wait until cluster health is at least yellow."""
        if self.alive():
            return
        lib = ensure_opensearch_launcher(progress)  # not counted in ``timeout``
        started = time.monotonic()
        archive = _cds_archive_path(lib)
        cds = [f"-XX:SharedArchiveFile={archive}"] if archive.is_file() else []
        self._launch(lib, cds, timeout)
        progress(f"OpenSearch ready at {self.url} in {time.monotonic() - started:.1f}s")

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM the node (it closes cleanly), SIGKILL after ``timeout``; data stays."""
        if self._proc is not None:
            self._proc.stop(timeout)
        self._proc = None

    def _launch(self, lib: Path, jvm_extra: list[str], timeout: float) -> None:
        for sub in ("home", "data", "logs", "tmp"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        argv = self._argv(lib, jvm_extra)
        self._proc = ManagedProcess(
            "opensearch", argv, self.log_path, cwd=self.workdir, ports=(self.port,)
        )
        self._proc.start()
        try:
            self._proc.wait_ready(self._healthy, timeout)
        except BackendStartError:
            self.stop()  # a node that is not ready in time is not left running
            raise
        # One node cannot hold replicas: new indices get none, so they are green, not yellow.
        # (2.19 reads this default only from cluster metadata, not from node settings.)
        response = httpx.put(
            f"{self.url}/_cluster/settings",
            json={"persistent": {"cluster.default_number_of_replicas": 0}},
            timeout=30.0,
            trust_env=False,
        )
        if response.status_code != 200:
            raise BackendStartError(f"setting default replicas failed: {response.text[:500]}")

    def _exercise(self) -> None:
        """Index, search and aggregate a little, so those classes load (CDS training)."""
        with httpx.Client(base_url=self.url, timeout=60.0, trust_env=False) as client:
            mappings = {
                "properties": {
                    "t": {"type": "date_nanos"},
                    "msg": {"type": "text"},
                    "svc": {"type": "keyword"},
                    "ev": {"type": "nested"},
                }
            }
            client.put("/cds-training", json={"mappings": mappings}).raise_for_status()
            doc = {"t": "2024-01-01T00:00:00.000000001Z", "msg": "a b", "svc": "x", "ev": []}
            bulk = '{"index":{}}\n' + json.dumps(doc) + "\n"
            client.post(
                "/cds-training/_bulk?refresh=true",
                content=bulk,
                headers={"Content-Type": "application/x-ndjson"},
            ).raise_for_status()
            query = {
                "query": {"bool": {"must": [{"match_phrase": {"msg": "a b"}}]}},
                "aggs": {
                    "s": {"terms": {"field": "svc"}},
                    "h": {"date_histogram": {"field": "t", "fixed_interval": "1h"}},
                    "p": {"percentiles": {"field": "t"}},
                },
            }
            client.post("/cds-training/_search", json=query).raise_for_status()

    def _argv(self, lib: Path, jvm_extra: list[str]) -> list[str]:
        xms = "512m" if _heap_bytes(self.heap) >= _heap_bytes("512m") else self.heap
        w = self.workdir
        return [
            _tool("java"),
            f"-Xms{xms}",
            f"-Xmx{self.heap}",
            *_JVM_FLAGS,
            f"-Djava.io.tmpdir={w / 'tmp'}",
            f"-XX:ErrorFile={w / 'logs' / 'hs_err_pid%p.log'}",
            *jvm_extra,
            "-cp",
            f"{lib}/*",
            LAUNCHER_MAIN,
            f"path.home={w / 'home'}",
            f"path.data={w / 'data'}",
            f"path.logs={w / 'logs'}",
            f"http.port={self.port}",
            f"transport.port={self.transport_port}",
        ]

    def _healthy(self) -> bool:
        response = httpx.get(
            f"{self.url}/_cluster/health",
            params={"wait_for_status": "yellow", "timeout": "1s"},
            timeout=5.0,
            trust_env=False,
        )
        body = response.json()
        return response.status_code == 200 and body.get("status") in ("yellow", "green")


def main() -> None:
    """``python -m opslens.devstack.opensearch build|run``: build the launcher or run a node."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("command", choices=["build", "run"])
    parser.add_argument("--workdir", type=Path, default=cache_dir() / "opensearch-node")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--heap", default="1g")
    args = parser.parse_args()
    if args.command == "build":
        progress(f"OpenSearch {opensearch_version()}: {ensure_opensearch_launcher(progress)}")
        return
    backend = OpenSearchBackend(args.workdir, args.port or free_port(), heap=args.heap)
    backend.start()
    progress(f"OPENSEARCH_URL={backend.url} (logs {backend.log_path})")
    try:
        while backend.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        backend.stop()


if __name__ == "__main__":
    main()
