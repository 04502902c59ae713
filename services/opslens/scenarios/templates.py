"""What log lines look like: each language's line format, exceptions and stack traces.

Apps print their own formats (Spring Boot with trace ids in brackets, zap-style logfmt, pino
JSON, Python logging); the container log's ``message`` is that raw line, as Vector ships it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orjson

from opslens.scenarios.clock import iso_ms
from opslens.scenarios.model import ErrorMessage, Language

_PINO_LEVELS = {"DEBUG": 20, "INFO": 30, "WARN": 40, "ERROR": 50}
_PYTHON_LEVELS = {"DEBUG": "DEBUG", "INFO": "INFO", "WARN": "WARNING", "ERROR": "ERROR"}
SEVERITY_NUMBERS = {"DEBUG": 5, "INFO": 9, "WARN": 13, "ERROR": 17}


@dataclass(frozen=True, slots=True)
class ExceptionInfo:
    type: str
    message: str
    stacktrace: str


def _base(service: str) -> str:
    return service.removesuffix("-service").replace("-", "")


def _class_name(service: str) -> str:
    return "".join(part.capitalize() for part in service.removesuffix("-service").split("-"))


def logger_name(language: Language, service: str, role: str = "Service") -> str:
    """The logger a line comes from: ``c.s.p.PaymentService``, ``handlers``, ``app.worker``."""
    if language == "java":
        return f"c.s.{_base(service)[0]}.{_class_name(service)}{role}"
    if language == "python":
        return f"{_base(service)}.{role.lower()}"
    return role.lower()


def default_errors(language: Language, service: str) -> list[ErrorMessage]:
    """Failures a service of this language typically logs when it breaks on its own."""
    name = _class_name(service)
    if language == "java":
        return [
            ErrorMessage(
                message="Request processing failed for {route}",
                exception=f'java.lang.NullPointerException: Cannot invoke "com.shop.'
                f'{_base(service)}.model.{name}.getId()" because "entity" is null',
            ),
            ErrorMessage(
                message="Unexpected error while handling {route}",
                exception="java.lang.IllegalStateException: Inconsistent state for id {id}",
            ),
        ]
    if language == "go":
        return [
            ErrorMessage(
                message="handler failed",
                exception="runtime error: invalid memory address or nil pointer dereference",
            )
        ]
    if language == "node":
        return [
            ErrorMessage(
                message="Unhandled error in request handler",
                exception="TypeError: Cannot read properties of undefined (reading 'price')",
            )
        ]
    return [ErrorMessage(message="Task failed", exception="KeyError: 'recipient'")]


def _split(exception: str) -> tuple[str, str]:
    kind, _, detail = exception.partition(": ")
    return kind, detail


def stack_trace(language: Language, service: str, exception: str, causes: list[str]) -> str:
    """A stack trace in the language's own format; ``causes`` chain below it (Java)."""
    base, name = _base(service), _class_name(service)
    kind, detail = _split(exception)
    if language == "java":
        lines = [
            exception,
            f"\tat com.shop.{base}.{name}Service.process({name}Service.java:142)",
            f"\tat com.shop.{base}.{name}Controller.handle({name}Controller.java:57)",
            "\tat org.springframework.web.servlet.FrameworkServlet.service"
            "(FrameworkServlet.java:885)",
            "\tat org.apache.tomcat.util.threads.TaskThread$WrappingRunnable.run"
            "(TaskThread.java:61)",
            "\tat java.base/java.lang.Thread.run(Thread.java:840)",
        ]
        for cause in causes:
            cause_kind = _split(cause)[0]
            frame = cause_kind.rsplit(".", 1)[-1]
            lines += [
                f"Caused by: {cause}",
                f"\tat {cause_kind}.<init>({frame}.java:52)",
                "\t... 42 more",
            ]
        return "\n".join(lines)
    if language == "go":
        return (
            f"goroutine 1187 [running]:\nmain.(*{name}Handler).ServeHTTP(...)\n"
            f"\t/app/internal/{base}/handler.go:88 +0x1c4\nnet/http.serverHandler.ServeHTTP(...)"
            "\n\t/usr/local/go/src/net/http/server.go:3210 +0x8c"
        )
    if language == "node":
        return (
            f"{kind}: {detail}\n    at {name}Controller.handle "
            f"(/app/src/controllers/{base}.js:42:17)\n    at Layer.handle [as handle_request] "
            "(/app/node_modules/express/lib/router/layer.js:95:5)\n"
            "    at process.processTicksAndRejections "
            "(node:internal/process/task_queues:95:5)"
        )
    return (
        f'Traceback (most recent call last):\n  File "/app/{base}/worker.py", line 64, in handle'
        f'\n    payload = build_message(order)\n  File "/app/{base}/templates.py", line 31, '
        f"in build_message\n    to = order['recipient']\n{kind}: {detail}"
    )


def format_line(
    language: Language,
    t_ms: int,
    level: str,
    service: str,
    pod: str,
    logger: str,
    message: str,
    trace: tuple[str, str] | None,
    exception: ExceptionInfo | None,
) -> str:
    """The raw line the app writes to stdout/stderr (stack trace lines included)."""
    trace_id, span_id = trace or ("", "")
    if language == "java":
        line = f"{iso_ms(t_ms)} {level:<5} [{service},{trace_id},{span_id}] {logger} - {message}"
        return f"{line}\n{exception.stacktrace}" if exception else line
    if language == "go":
        escaped = message.replace('"', '\\"')
        line = f'ts={iso_ms(t_ms)} level={level.lower()} caller={logger}.go:88 msg="{escaped}"'
        if trace:
            line += f" trace_id={trace_id} span_id={span_id}"
        if exception:
            line += ' error="{}"'.format(exception.message.replace('"', '\\"'))
        return line
    if language == "node":
        record: dict[str, object] = {
            "level": _PINO_LEVELS[level],
            "time": t_ms,
            "pid": 1,
            "hostname": pod,
        }
        if trace:
            record.update(trace_id=trace_id, span_id=span_id)
        record["msg"] = message
        if exception:
            record["err"] = {
                "type": exception.type,
                "message": exception.message,
                "stack": exception.stacktrace,
            }
        return orjson.dumps(record).decode()
    moment = dt.datetime.fromtimestamp(t_ms / 1000, dt.UTC)
    stamp = f"{moment:%Y-%m-%d %H:%M:%S},{t_ms % 1000:03d}"
    context = f" [trace_id={trace_id} span_id={span_id}]" if trace else ""
    line = f"{stamp} {_PYTHON_LEVELS[level]} [{logger}]{context} {message}"
    return f"{line}\n{exception.stacktrace}" if exception else line


_JAVA_DB_REFUSED = {
    "postgresql": "org.postgresql.util.PSQLException: Connection to {host}:{port} refused. Check "
    "that the hostname and port are correct and that the postmaster is accepting TCP/IP "
    "connections.",
    "mysql": "com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure "
    "to {host}:{port}",
    "redis": "io.lettuce.core.RedisConnectionException: Unable to connect to {host}:{port}",
}


def db_connection_failure(
    language: Language, service: str, db_system: str, host: str, port: int, timeout_ms: float
) -> tuple[str, ExceptionInfo]:
    """What an app logs when its database refuses connections (pool wait, then refused)."""
    refused = _JAVA_DB_REFUSED.get(db_system, _JAVA_DB_REFUSED["postgresql"])
    refused = refused.format(host=host, port=port)
    if language == "java" and db_system != "redis":
        top = (
            "org.springframework.jdbc.CannotGetJdbcConnectionException: "
            "Could not get JDBC Connection"
        )
        hikari = (
            "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not "
            f"available, request timed out after {int(timeout_ms)}ms."
        )
        causes = [hikari, refused, "java.net.ConnectException: Connection refused"]
        info = ExceptionInfo(
            "org.springframework.jdbc.CannotGetJdbcConnectionException",
            "Could not get JDBC Connection",
            stack_trace(language, service, top, causes),
        )
        return "could not get JDBC connection: " + hikari.split(": ", 1)[1], info
    if language == "java":
        kind, detail = refused.split(": ", 1)
        info = ExceptionInfo(
            kind,
            detail,
            stack_trace(
                language, service, refused, ["java.net.ConnectException: Connection refused"]
            ),
        )
        return f"{db_system} unavailable: {detail}", info
    detail = f"dial tcp {host}:{port}: connect: connection refused"
    if language == "node":
        detail = f"connect ECONNREFUSED {host}:{port}"
    elif language == "python":
        detail = f'connection to server at "{host}", port {port} failed: Connection refused'
    kind = {"go": "*net.OpError", "node": "Error", "python": "OperationalError"}[language]
    info = ExceptionInfo(kind, detail, stack_trace(language, service, f"{kind}: {detail}", []))
    return f"database unavailable: {detail}", info
