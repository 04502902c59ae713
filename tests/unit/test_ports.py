"""Ports for the local backends: never handed out twice, and a taken port names its holder."""

from __future__ import annotations

import os
import socket

import pytest

from opslens.devstack.process import BackendStartError, ManagedProcess, free_port, port_in_use


def test_free_port_never_hands_out_a_port_twice() -> None:
    ports = [free_port() for _ in range(500)]
    assert len(set(ports)) == len(ports)
    assert not any(port_in_use(port) for port in ports[:20])


@pytest.mark.parametrize(
    ("family", "address"), [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::")]
)
def test_a_taken_port_is_refused_with_the_process_that_holds_it(
    family: socket.AddressFamily, address: str, tmp_path
) -> None:
    with socket.socket(family, socket.SOCK_STREAM) as listener:
        listener.bind((address, 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert port_in_use(port)
        process = ManagedProcess("backend", ["true"], tmp_path / "log", ports=(port,))
        with pytest.raises(BackendStartError) as refused:
            process.start()
    assert str(refused.value) == (
        f"backend: port {port} on 127.0.0.1 is already in use by pid {os.getpid()} "
        f"({_command_name()})"
    )
    assert not port_in_use(port)


def _command_name() -> str:
    with open(f"/proc/{os.getpid()}/comm", encoding="utf-8") as comm:
        return comm.read().strip()
