"""Every environment variable the code reads through pydantic-settings, found by introspection.

Walks the ``opslens_mcp``, ``opslens`` and ``opslens_ui`` packages, imports the modules that
mention ``BaseSettings`` (importing every module would run the Streamlit pages), and turns each
settings class's fields into the names pydantic-settings reads: ``env_prefix`` + field name, or
the field's validation aliases. A nested model field is one variable holding JSON (its parts can
also be set with ``__``, e.g. ``OPSLENS_PROMETHEUS_ISTIO__SERVICE_LABEL``).
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import typing
from dataclasses import dataclass
from pathlib import Path

from pydantic import AliasChoices, AliasPath, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings

PACKAGES = ("opslens_mcp", "opslens", "opslens_ui")


@dataclass(frozen=True)
class EnvVar:
    name: str
    settings: str  # the class that reads it
    secret: bool  # a SecretStr field: token, password, key, webhook URL


def _modules_defining_settings(package: str) -> list[str]:
    root = importlib.import_module(package)
    names = []
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        spec = importlib.util.find_spec(info.name)
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        if "BaseSettings" in Path(spec.origin).read_text(encoding="utf-8"):
            names.append(info.name)
    return names


def settings_classes() -> list[type[BaseSettings]]:
    """Every ``BaseSettings`` subclass defined in the opslens packages."""
    found: dict[str, type[BaseSettings]] = {}
    for package in PACKAGES:
        for name in _modules_defining_settings(package):
            for value in vars(importlib.import_module(name)).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseSettings)
                    and value is not BaseSettings
                    and value.__module__ == name
                ):
                    found[f"{name}.{value.__qualname__}"] = value
    return [found[key] for key in sorted(found)]


def _alias_names(alias: str | AliasChoices | AliasPath | None) -> list[str]:
    if alias is None:
        return []
    if isinstance(alias, str):
        return [alias]
    if isinstance(alias, AliasPath):
        return [str(alias.path[0])]
    return [name for choice in alias.choices for name in _alias_names(choice)]


def _holds_secret(annotation: object) -> bool:
    return annotation is SecretStr or any(_holds_secret(a) for a in typing.get_args(annotation))


def _field_env_names(prefix: str, field_name: str, field: FieldInfo) -> list[str]:
    aliases = _alias_names(field.validation_alias) or _alias_names(field.alias)
    return [name.upper() for name in aliases or [f"{prefix}{field_name}"]]


def env_vars() -> list[EnvVar]:
    """Every variable of every settings class, in class and field order."""
    found = []
    for settings in settings_classes():
        prefix = str(settings.model_config.get("env_prefix", ""))
        for field_name, field in settings.model_fields.items():
            secret = _holds_secret(field.annotation)
            for name in _field_env_names(prefix, field_name, field):
                found.append(EnvVar(name, settings.__qualname__, secret))
    return found


def env_names() -> set[str]:
    return {var.name for var in env_vars()}


def secret_env_names() -> set[str]:
    return {var.name for var in env_vars() if var.secret}
