"""A real Kubernetes API server (kube-apiserver + etcd) on loopback, like envtest, no Docker.

The binaries are built with ``go build`` from the pinned Go module in ``devstack/kube`` (its
``go.mod`` pins ``k8s.io/kubernetes`` and ``go.etcd.io/etcd/server/v3``) into
``<cache>/bin``, once per pinned version. :class:`KubeApiBackend` runs etcd and kube-apiserver
on 127.0.0.1 with our own CA, a static token file (an admin in ``system:masters`` and a
read-only user bound to the ``opslens-readonly`` ClusterRole) and RBAC. No controller manager,
scheduler or kubelet runs: objects are written and read, nothing reconciles them.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from opslens.devstack.process import (
    BackendStartError,
    ManagedProcess,
    cache_dir,
    free_port,
    progress,
)

__all__ = [
    "READONLY_CLUSTER_ROLE",
    "KubeApiBackend",
    "KubeBinaries",
    "ensure_kube_binaries",
    "kube_module_dir",
]

READONLY_USER = "opslens-readonly"
READONLY_CLUSTER_ROLE: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRole",
    "metadata": {"name": "opslens-readonly"},
    "rules": [
        {
            "apiGroups": [""],
            "resources": [
                "pods",
                "pods/log",
                "events",
                "nodes",
                "services",
                "endpoints",
                "namespaces",
                "persistentvolumeclaims",
            ],
            "verbs": ["get", "list", "watch"],
        },
        {
            "apiGroups": ["apps"],
            "resources": ["deployments", "replicasets"],
            "verbs": ["get", "list", "watch"],
        },
        {
            "apiGroups": ["events.k8s.io"],
            "resources": ["events"],
            "verbs": ["get", "list", "watch"],
        },
    ],
}
_READONLY_BINDING: dict[str, Any] = {
    "apiVersion": "rbac.authorization.k8s.io/v1",
    "kind": "ClusterRoleBinding",
    "metadata": {"name": "opslens-readonly"},
    "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "opslens-readonly",
    },
    "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": READONLY_USER}],
}

_APISERVER_PKG = "k8s.io/kubernetes/cmd/kube-apiserver"
_ETCD_PKG = "go.etcd.io/etcd/server/v3"


# --------------------------------------------------------------------------- binaries


@dataclass(frozen=True)
class KubeBinaries:
    """Paths of the built binaries and the versions they were built from."""

    kube_apiserver: Path
    etcd: Path
    kubernetes_version: str
    etcd_version: str


def kube_module_dir() -> Path:
    """The ``devstack/kube`` Go module of this checkout."""
    return Path(__file__).resolve().parents[3] / "devstack" / "kube"


def _pinned_version(go_mod: str, module: str) -> str:
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", go_mod, re.MULTILINE)
    if not match:
        raise BackendStartError(f"{module} is not pinned in devstack/kube/go.mod")
    return match.group(1)


def _go_binary() -> str:
    found = shutil.which("go")
    if found:
        return found
    for candidate in (
        Path(os.environ.get("GOROOT", "/nonexistent")) / "bin" / "go",
        Path("/usr/local/go/bin/go"),
    ):
        if candidate.is_file():
            return str(candidate)
    raise BackendStartError("the Go toolchain (`go`) is needed to build kube-apiserver and etcd")


def _apiserver_ldflags(version: str) -> str:
    major, minor = version.lstrip("v").split(".")[:2]
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [
            f"-X {pkg}.gitVersion={version}",
            f"-X {pkg}.gitMajor={major}",
            f"-X {pkg}.gitMinor={minor}",
            f"-X {pkg}.gitTreeState=clean",
        ]
    return " ".join(flags)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _go_build(
    package: str, out: Path, ldflags: str, log: Path, progress: Callable[[str], None]
) -> None:
    tmp = out.with_name(out.name + ".tmp")
    argv = [_go_binary(), "build", "-trimpath", "-ldflags", ldflags, "-o", str(tmp), package]
    env = {
        **os.environ,
        "GOFLAGS": "-mod=readonly -buildvcs=false",
        "GOTOOLCHAIN": "local",
        "CGO_ENABLED": "0",
    }
    started = time.monotonic()
    with log.open("w") as handle:
        proc = subprocess.Popen(
            argv,
            cwd=kube_module_dir(),
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        while True:
            try:
                code = proc.wait(timeout=60)
                break
            except subprocess.TimeoutExpired:
                progress(f"still building {package} ({time.monotonic() - started:.0f}s)")
    if code != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise BackendStartError(f"go build {package} failed (exit {code}); log {log}:\n{tail}")
    tmp.replace(out)
    progress(f"built {out.name} in {time.monotonic() - started:.0f}s")


def _built_binaries(bin_dir: Path, module: Path) -> KubeBinaries:
    """Binaries built earlier, for an installed package that has no ``devstack/kube`` beside it."""
    stamps = [bin_dir / "kube-apiserver.stamp", bin_dir / "etcd.stamp"]
    if not all(stamp.is_file() and stamp.with_suffix("").is_file() for stamp in stamps):
        raise BackendStartError(f"no kube binaries in {bin_dir} and no Go module at {module}")
    k8s_version, etcd_version = (stamp.read_text().split()[1] for stamp in stamps)
    return KubeBinaries(bin_dir / "kube-apiserver", bin_dir / "etcd", k8s_version, etcd_version)


def ensure_kube_binaries(progress: Callable[[str], None] = progress) -> KubeBinaries:
    """Build kube-apiserver and etcd into ``<cache>/bin`` unless the pinned versions are there.

    A stamp file next to each binary records what it was built from (versions plus a hash of
    go.mod and go.sum); a binary whose stamp matches is reused. The first build takes about
    7 minutes on two idle cores (1.8 GB peak); later ones reuse Go's build cache.
    """
    module = kube_module_dir()
    bin_dir = cache_dir() / "bin"
    if not (module / "go.mod").is_file():
        return _built_binaries(bin_dir, module)
    go_mod = (module / "go.mod").read_text()
    go_sum = (module / "go.sum").read_text()
    digest = hashlib.sha256((go_mod + go_sum).encode()).hexdigest()[:16]
    k8s_version = _pinned_version(go_mod, "k8s.io/kubernetes")
    etcd_version = _pinned_version(go_mod, _ETCD_PKG)
    targets = [
        ("etcd", _ETCD_PKG, etcd_version, "-s -w"),
        ("kube-apiserver", _APISERVER_PKG, k8s_version, _apiserver_ldflags(k8s_version)),
    ]
    with _file_lock(bin_dir / ".build.lock"):
        for name, package, version, ldflags in targets:
            out = bin_dir / name
            stamp = bin_dir / f"{name}.stamp"
            wanted = f"{name} {version} {digest}\n"
            if out.is_file() and stamp.is_file() and stamp.read_text() == wanted:
                continue
            progress(f"building {name} {version} with go build (first time: minutes)")
            _go_build(package, out, ldflags, bin_dir / f"{name}.build.log", progress)
            stamp.write_text(wanted)
    return KubeBinaries(bin_dir / "kube-apiserver", bin_dir / "etcd", k8s_version, etcd_version)


# --------------------------------------------------------------------------- certificates


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _make_pki(pki: Path) -> None:
    """A CA, a serving cert for 127.0.0.1/localhost signed by it, and a service-account key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    def pem_key(key: Any) -> bytes:
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    later = now + dt.timedelta(days=3650)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "opslens-devstack-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(later)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(later)
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.DNSName("kubernetes"),
                    x509.DNSName("kubernetes.default.svc"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("10.0.0.1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = serialization.Encoding.PEM
    _write_private(pki / "ca.key", pem_key(ca_key))
    _write_private(pki / "apiserver.key", pem_key(key))
    _write_private(pki / "sa.key", pem_key(sa_key))
    (pki / "sa.pub").write_bytes(
        sa_key.public_key().public_bytes(pem, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    (pki / "apiserver.crt").write_bytes(cert.public_bytes(pem))
    (pki / "ca.crt").write_bytes(ca_cert.public_bytes(pem))  # last: marks the PKI complete


# --------------------------------------------------------------------------- backend


class KubeApiBackend:
    """etcd plus kube-apiserver on 127.0.0.1, state and logs under ``workdir``.

    Tokens are random, made at the first :meth:`start` of this object and kept across
    restarts of it, so kubeconfigs handed out stay valid after a crash and restart.
    """

    def __init__(self, workdir: Path, port: int, etcd_port: int | None = None) -> None:
        self.workdir = Path(workdir)
        self.port = port
        self.etcd_port = etcd_port or free_port()
        self.etcd_peer_port = free_port()
        self._admin_token = ""
        self._readonly_token = ""
        self._etcd: ManagedProcess | None = None
        self._apiserver: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def etcd_url(self) -> str:
        return f"http://127.0.0.1:{self.etcd_port}"

    @property
    def ca_path(self) -> Path:
        return self.workdir / "pki" / "ca.crt"

    @property
    def kubeconfig_path(self) -> Path:
        """Kubeconfig of the admin user (group ``system:masters``)."""
        return self.workdir / "kubeconfig"

    @property
    def readonly_kubeconfig_path(self) -> Path:
        """Kubeconfig of the read-only user (ClusterRole ``opslens-readonly``, no secrets)."""
        return self.workdir / "kubeconfig-readonly"

    @property
    def pids(self) -> list[int]:
        """Process ids of the running etcd and kube-apiserver."""
        return [p.pid for p in (self._etcd, self._apiserver) if p and p.alive() and p.pid]

    def alive(self) -> bool:
        return all(p is not None and p.alive() for p in (self._etcd, self._apiserver))

    def kill_apiserver(self, signum: int = signal.SIGKILL) -> None:
        """Send ``signum`` to kube-apiserver (fault tests)."""
        if self._apiserver is not None:
            self._apiserver.signal(signum)

    def start(self, timeout: float = 120.0) -> None:
        """Start (or restart what died of) etcd and kube-apiserver; wait until ``/readyz``."""
        started = time.monotonic()
        binaries = ensure_kube_binaries(progress)
        self._prepare()
        if self._etcd is None or not self._etcd.alive():
            self._etcd = ManagedProcess(
                "etcd",
                self._etcd_argv(binaries.etcd),
                self.workdir / "logs" / "etcd.log",
                ports=(self.etcd_port, self.etcd_peer_port),
            )
            self._etcd.start()
            self._etcd.wait_ready(self._etcd_healthy, timeout)
        if self._apiserver is None or not self._apiserver.alive():
            self._apiserver = ManagedProcess(
                "kube-apiserver",
                self._apiserver_argv(binaries.kube_apiserver),
                self.workdir / "logs" / "kube-apiserver.log",
                ports=(self.port,),
            )
            self._apiserver.start()
            remaining = max(timeout - (time.monotonic() - started), 10.0)
            self._apiserver.wait_ready(self._apiserver_ready, remaining)
        self._apply(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles/opslens-readonly",
            READONLY_CLUSTER_ROLE,
        )
        self._apply(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/opslens-readonly",
            _READONLY_BINDING,
        )
        progress(f"kube-apiserver ready at {self.url} in {time.monotonic() - started:.1f}s")

    def stop(self) -> None:
        """Stop kube-apiserver, then etcd; the data directory stays."""
        for proc in (self._apiserver, self._etcd):
            if proc is not None:
                proc.stop()
        self._apiserver = None
        self._etcd = None

    # ----------------------------------------------------------------- internals

    def _prepare(self) -> None:
        pki = self.workdir / "pki"
        if not self.ca_path.is_file():
            _make_pki(pki)
        if not self._admin_token:
            self._admin_token = secrets.token_hex(24)
            self._readonly_token = secrets.token_hex(24)
        tokens = (
            f'{self._admin_token},opslens-admin,opslens-admin,"system:masters"\n'
            f"{self._readonly_token},{READONLY_USER},{READONLY_USER}\n"
        )
        _write_private(self.workdir / "tokens.csv", tokens.encode())
        self._write_kubeconfig(self.kubeconfig_path, "opslens-admin", self._admin_token)
        self._write_kubeconfig(self.readonly_kubeconfig_path, READONLY_USER, self._readonly_token)

    def _write_kubeconfig(self, path: Path, user: str, token: str) -> None:
        ca = base64.b64encode(self.ca_path.read_bytes()).decode()
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "opslens-devstack",
                    "cluster": {"server": self.url, "certificate-authority-data": ca},
                }
            ],
            "users": [{"name": user, "user": {"token": token}}],
            "contexts": [{"name": user, "context": {"cluster": "opslens-devstack", "user": user}}],
            "current-context": user,
            "preferences": {},
        }
        _write_private(path, yaml.safe_dump(config, sort_keys=False).encode())

    def _etcd_argv(self, etcd: Path) -> list[str]:
        peer = f"http://127.0.0.1:{self.etcd_peer_port}"
        return [
            str(etcd),
            "--name=opslens",
            f"--data-dir={self.workdir / 'etcd-data'}",
            f"--listen-client-urls={self.etcd_url}",
            f"--advertise-client-urls={self.etcd_url}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=opslens={peer}",
            "--unsafe-no-fsync",
            "--log-level=warn",
        ]

    def _apiserver_argv(self, apiserver: Path) -> list[str]:
        pki = self.workdir / "pki"
        return [
            str(apiserver),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            # Seeded incidents carry their events; the default 1h TTL would drop them mid-demo.
            "--event-ttl=720h",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            f"--token-auth-file={self.workdir / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            "--disable-admission-plugins=ServiceAccount",
            "--endpoint-reconciler-type=none",  # it rejects a loopback advertise address
            "--allow-privileged=true",
            "--profiling=false",
        ]

    def _etcd_healthy(self) -> bool:
        response = httpx.get(f"{self.etcd_url}/health", timeout=2.0)
        return response.status_code == 200 and response.json().get("health") == "true"

    def _client(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            verify=ssl.create_default_context(cafile=str(self.ca_path)),
            headers={"Authorization": f"Bearer {self._admin_token}"},
            timeout=10.0,
        )

    def _apiserver_ready(self) -> bool:
        with self._client() as client:
            response = client.get("/readyz")
        return response.status_code == 200 and response.text.strip() == "ok"

    def _apply(self, path: str, body: dict[str, Any]) -> None:
        """Server-side apply ``body`` as the admin (idempotent create or update)."""
        with self._client() as client:
            response = client.patch(
                path,
                params={"fieldManager": "opslens-devstack", "force": "true"},
                content=yaml.safe_dump(body).encode(),
                headers={"Content-Type": "application/apply-patch+yaml"},
            )
        if response.status_code >= 300:
            raise BackendStartError(f"applying {path} failed: {response.status_code}")


def main() -> None:
    """``python -m opslens.devstack.kubeapi build|run``: build the binaries or run a server."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("command", choices=["build", "run"])
    parser.add_argument("--workdir", type=Path, default=cache_dir() / "kubeapi")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.command == "build":
        found = ensure_kube_binaries(progress)
        progress(f"kube-apiserver {found.kubernetes_version}: {found.kube_apiserver}")
        progress(f"etcd {found.etcd_version}: {found.etcd}")
        return
    backend = KubeApiBackend(args.workdir, args.port or free_port())
    backend.start()
    progress(
        f"KUBECONFIG={backend.kubeconfig_path} (read-only: {backend.readonly_kubeconfig_path})"
    )
    try:
        while backend.alive():
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        backend.stop()


if __name__ == "__main__":
    main()
