"""Kubernetes name grammars, as pydantic types every params model uses.

A name that reaches an API path, a query parameter or a field selector must first be a name
Kubernetes could have given an object: a DNS-1123 label (namespaces, containers) or a DNS-1123
subdomain (pods, nodes, Deployments, most other objects). Anything else is refused as invalid
params naming the rule it broke, before a request is built; a request for it could only fail,
and the API server's answer (often "forbidden") would point the user at the wrong cause.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_LABEL_RE = re.compile(rf"^{_LABEL}$")
_SUBDOMAIN_RE = re.compile(rf"^{_LABEL}(\.{_LABEL})*$")
LABEL_RULE = (
    f"a DNS-1123 label: at most {LABEL_MAX} characters, lowercase letters, digits and '-', "
    "starting and ending with a letter or digit"
)
SUBDOMAIN_RULE = (
    f"a DNS-1123 subdomain: at most {SUBDOMAIN_MAX} characters, lowercase letters, digits, "
    "'-' and '.', each dot-separated part starting and ending with a letter or digit"
)


def is_dns_label(value: str) -> bool:
    """Whether ``value`` is a DNS-1123 label (a namespace or container name)."""
    return len(value) <= LABEL_MAX and bool(_LABEL_RE.match(value))


def is_dns_subdomain(value: str) -> bool:
    """Whether ``value`` is a DNS-1123 subdomain (a pod, node or Deployment name)."""
    return len(value) <= SUBDOMAIN_MAX and bool(_SUBDOMAIN_RE.match(value))


def check_label(value: str, what: str = "name") -> str:
    """``value`` if it is a DNS-1123 label; ValueError naming the rule (not the value, which
    may be huge or hostile) otherwise."""
    if not is_dns_label(value):
        raise ValueError(f"not a valid {what}: it must be {LABEL_RULE}")
    return value


def check_subdomain(value: str, what: str = "name") -> str:
    """``value`` if it is a DNS-1123 subdomain; ValueError naming the rule otherwise."""
    if not is_dns_subdomain(value):
        raise ValueError(f"not a valid {what}: it must be {SUBDOMAIN_RULE}")
    return value


_LABEL_SCHEMA = WithJsonSchema(
    {"type": "string", "maxLength": LABEL_MAX, "pattern": _LABEL_RE.pattern}, mode="validation"
)
_SUBDOMAIN_SCHEMA = WithJsonSchema(
    {"type": "string", "maxLength": SUBDOMAIN_MAX, "pattern": _SUBDOMAIN_RE.pattern},
    mode="validation",
)

NamespaceName = Annotated[
    str, AfterValidator(partial(check_label, what="namespace")), _LABEL_SCHEMA
]
ContainerName = Annotated[
    str, AfterValidator(partial(check_label, what="container name")), _LABEL_SCHEMA
]
PodName = Annotated[
    str, AfterValidator(partial(check_subdomain, what="pod name")), _SUBDOMAIN_SCHEMA
]
NodeName = Annotated[
    str, AfterValidator(partial(check_subdomain, what="node name")), _SUBDOMAIN_SCHEMA
]
ObjectName = Annotated[
    str, AfterValidator(partial(check_subdomain, what="object name")), _SUBDOMAIN_SCHEMA
]
