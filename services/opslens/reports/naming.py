"""The service a pod belongs to, from its name (Deployment pods: ``<service>-<hash>-<suffix>``).

Example::

    >>> service_of_pod("ts-contacts-service-866bd68c97-xcqfx")
    'ts-contacts-service'
    >>> service_of_pod("postgres-0")
    'postgres'
"""

from __future__ import annotations

import re

_DEPLOYMENT_POD = re.compile(r"^(?P<service>.+?)-[a-z0-9]{6,10}-[a-z0-9]{5}$")
_STATEFUL_POD = re.compile(r"^(?P<service>.+)-\d+$")
_DAEMON_POD = re.compile(r"^(?P<service>.+?)-[a-z0-9]{5}$")


def service_of_pod(pod: str) -> str:
    """The workload name of ``pod`` (the name itself when it follows no known pattern)."""
    for pattern in (_DEPLOYMENT_POD, _STATEFUL_POD, _DAEMON_POD):
        match = pattern.match(pod)
        if match:
            return match.group("service")
    return pod
