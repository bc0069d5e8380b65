"""Why: every failure a client sees is a ``Status`` object, with the reason and code kubectl and
the client libraries act on (``Error from server (NotFound): ...``).

Handlers raise an ``ApiError``; the HTTP front turns it into the body and the code.
"""

from __future__ import annotations

from typing import Any

from kube_actors.runtime.errors import BadRequestError, crosses_hosts

JsonObject = dict[str, Any]


@crosses_hosts
class ApiError(BadRequestError):
    """A request the API refuses; ``reason`` and ``code`` as Kubernetes names them."""

    reason = "BadRequest"
    code = 400

    def __init__(self, message: str, *, details: JsonObject | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def status(self) -> JsonObject:
        body: JsonObject = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


def _error(reason: str, code: int) -> type[ApiError]:
    cls = type(reason + "Error", (ApiError,), {"reason": reason, "code": code})
    return crosses_hosts(cls)


BadRequest = _error("BadRequest", 400)
Forbidden = _error("Forbidden", 403)
NotFound = _error("NotFound", 404)
MethodNotAllowed = _error("MethodNotAllowed", 405)
AlreadyExists = _error("AlreadyExists", 409)
Conflict = _error("Conflict", 409)
Gone = _error("Expired", 410)
UnsupportedMediaType = _error("UnsupportedMediaType", 415)
Invalid = _error("Invalid", 422)
TooManyRequests = _error("TooManyRequests", 429)
InternalError = _error("InternalError", 500)
ServiceUnavailable = _error("ServiceUnavailable", 503)


def not_found(kind: str, name: str, group: str = "") -> ApiError:
    """A 404 for a named object.

    >>> not_found("pods", "web").status()["message"]
    'pods "web" not found'
    """
    return NotFound(f'{kind} "{name}" not found', details={"name": name, "group": group, "kind": kind})


def already_exists(kind: str, name: str, group: str = "") -> ApiError:
    return AlreadyExists(
        f'{kind} "{name}" already exists', details={"name": name, "group": group, "kind": kind}
    )


def conflict(kind: str, name: str, group: str = "") -> ApiError:
    return Conflict(
        f'Operation cannot be fulfilled on {kind} "{name}": the object has been modified; '
        "please apply your changes to the latest version and try again",
        details={"name": name, "group": group, "kind": kind},
    )


def invalid(kind: str, name: str, causes: list[tuple[str, str]], group: str = "") -> ApiError:
    """A 422 whose causes name each bad field, as ``kubectl`` prints them."""
    text = "; ".join(f"{field_path}: {message}" for field_path, message in causes)
    return Invalid(
        f'{kind} "{name}" is invalid: {text}',
        details={
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [
                {"reason": "FieldValueInvalid", "message": message, "field": field_path}
                for field_path, message in causes
            ],
        },
    )
