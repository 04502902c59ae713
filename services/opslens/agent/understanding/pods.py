"""Pod names in questions: "inventory-service-7d9f8b6c5d-x2k4q", "pod redis-0", "vsystem-... 파드".

A pod name is recognised by its shape (a Deployment's ``-<hash>-<5 chars>`` or a DaemonSet's
``-<5 chars>`` tail, or a StatefulSet's ``-<n>`` after a known service) or by being named as a
pod. The service is the name without the generated tail when that is a known service.
"""

from __future__ import annotations

import re

from opslens.agent.understanding.normalize import Scan
from opslens.agent.understanding.services import ServiceCatalog
from opslens.agent.understanding.vocabulary import is_common_word

_POD = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_DEPLOYMENT_POD = re.compile(
    r"(?<![a-z0-9-])(?P<pod>(?P<base>[a-z0-9][a-z0-9-]*?)-(?=[a-z0-9]*\d)[a-z0-9]{6,10}-[a-z0-9]{5})"
    r"(?![a-z0-9-])"
)
_NAMED_POD: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?<![a-z])(?:pod|파드|포드)\s*[:=]?\s*(?P<pod>{_POD})(?![a-z0-9-])"),
    re.compile(rf"(?<![a-z0-9-])(?P<pod>{_POD}-[a-z0-9]+)\s*(?:pod|파드|포드)(?![a-z])"),
)
_STATEFUL_TAIL = re.compile(r"-(?:\d+|[a-z0-9]{5})$")


def find_pod(scan: Scan, catalog: ServiceCatalog) -> tuple[str | None, str | None]:
    """The pod named (consumed) and the known service it belongs to, if any."""
    match = scan.find(_DEPLOYMENT_POD)
    if match:
        scan.consume(match.start("pod"), match.end("pod"))
        return match["pod"], catalog.lookup(match["base"], fuzzy=False)[0]
    for pattern in _NAMED_POD:
        for named in scan.finditer(pattern):
            pod = named["pod"]
            base = _STATEFUL_TAIL.sub("", pod)
            if is_common_word(pod) or base == pod or catalog.lookup(pod, fuzzy=False)[0]:
                continue
            scan.consume(named.start("pod"), named.end("pod"))
            return pod, catalog.lookup(base, fuzzy=False)[0]
    return None, None
