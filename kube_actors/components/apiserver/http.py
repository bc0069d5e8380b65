"""Why: the Kubernetes REST API over aiohttp, so an unmodified ``kubectl`` and the official
clients drive the cluster.

Requests are parsed here (path, query, body, content type) and answered from the object store;
every failure becomes a ``Status`` with its code. Watches stream newline-delimited JSON events
until ``timeoutSeconds`` or until the client goes away. This is the only apiserver module that
imports aiohttp; bodies are turned into bytes and back by ``bodies``.

The routing is our own (``routes``), so this runs on aiohttp's low-level server: an
``Application`` would only add a router match and a middleware chain to every request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import structlog
from aiohttp import web

from kube_actors.api import status
from kube_actors.api.resources import ResourceTable
from kube_actors.api.selectors import Selection
from kube_actors.components.apiserver import discovery, tables
from kube_actors.components.apiserver.bodies import JSON, parse_body, to_json
from kube_actors.components.apiserver.crds.admission import WriteOptions
from kube_actors.components.apiserver.deleting import DeleteOptions
from kube_actors.components.apiserver.messages import APPLY_PATCH, JSON_PATCH
from kube_actors.components.apiserver.objects import JsonObject, storage_unavailable
from kube_actors.components.apiserver.pod_logs import PodLogReader, log_request
from kube_actors.components.apiserver.routes import Target, parse_path
from kube_actors.components.apiserver.subresources import ACTIONS, SERVED_SUBRESOURCES
from kube_actors.components.apiserver.verbs import Verbs, selection
from kube_actors.components.apiserver.watch_cache import WatchEvent
from kube_actors.runtime.errors import UNREACHABLE, BadRequestError

log = structlog.get_logger(__name__)
LIST_CHUNK = 500
MAX_BODY = 3 * 1024 * 1024
MAX_FIELD_MANAGER = 128  # bytes, as Kubernetes limits it
WATCH_WRITE = 256 * 1024  # bytes of watch events per write: the client reads while more are encoded
_JSON_HEADERS = {"Content-Type": JSON}


class RequestEntityTooLarge(status.ApiError):
    reason = "RequestEntityTooLarge"
    code = 413


def json_response(body: Any, code: int = 200) -> web.Response:
    return web.Response(body=to_json(body), status=code, headers=_JSON_HEADERS)


class ApiHttp:
    """The aiohttp application in front of one apiserver replica."""

    def __init__(self, table: ResourceTable, verbs: Verbs, logs: PodLogReader) -> None:
        self.table = table
        self.verbs = verbs
        self.logs = logs
        self._runner: web.ServerRunner | None = None

    async def serve(self, host: str, port: int) -> str:
        """Listen on ``host:port`` (0: any free port); returns the server's URL."""
        loop = asyncio.get_running_loop()

        def request(message: Any, payload: Any, protocol: Any, writer: Any, task: Any) -> web.BaseRequest:
            return web.BaseRequest(message, payload, protocol, writer, task, loop, client_max_size=MAX_BODY)

        # handler_cancellation: a watch whose client went away ends at once, relay and all.
        server = web.Server(self._answer, request_factory=request, handler_cancellation=True, access_log=None)
        self._runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        return f"http://{host}:{self._runner.addresses[0][1]}"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _answer(self, request: web.BaseRequest) -> web.StreamResponse:
        """Every request's answer: what its route gives, or its failure as a ``Status``."""
        try:
            return await self._route(request)
        except status.ApiError as error:
            return json_response(error.status(), error.code)
        except UNREACHABLE as unreachable:
            return json_response(storage_unavailable(unreachable).status(), 503)
        except BadRequestError as error:  # refused deeper down (storage): the client's fault
            return json_response(status.BadRequest(str(error)).status(), 400)
        except web.HTTPRequestEntityTooLarge:
            too_large = RequestEntityTooLarge(f"request entity too large: the limit is {MAX_BODY} bytes")
            return json_response(too_large.status(), too_large.code)
        except web.HTTPException:
            raise
        except Exception as error:
            log.error(
                "request_failed", method=request.method, path=request.path, error=repr(error), exc_info=error
            )
            return json_response(status.InternalError(f"internal error: {error!r}").status(), 500)

    async def _route(self, request: web.BaseRequest) -> web.StreamResponse:
        path = request.path.rstrip("/") or "/"
        parts = path.split("/")[1:]
        # Resource paths are /api/V/R... and /apis/G/V/R...; the rest is discovery.
        if not ((parts[0] == "api" and len(parts) >= 3) or (parts[0] == "apis" and len(parts) >= 4)):
            fixed = self._discovery(path, parts)
            if fixed is not None:
                if request.method != "GET":
                    raise status.MethodNotAllowed(f"{request.method} is not allowed on {path}")
                return fixed
        target = parse_path(self.table, path)
        if target.subresource and target.subresource not in SERVED_SUBRESOURCES:
            raise status.NotFound(f"the {target.subresource} subresource is not served yet ({path})")
        handler = self._handlers(target).get(request.method)
        if handler is None:
            raise status.MethodNotAllowed(f"{request.method} is not allowed on {path}")
        if request.headers.get("Expect", "").lower() == "100-continue":
            await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # curl waits for it
        return await handler(request, target)

    def _discovery(self, path: str, parts: list[str]) -> web.StreamResponse | None:
        if path == "/version":
            return json_response(discovery.version())
        if path == "/api":
            return json_response(discovery.core_versions())
        if path == "/apis":
            return json_response(discovery.groups(self.table))
        if path == "/openapi/v2":
            raise status.NotFound("the OpenAPI v2 document is not served; use /openapi/v3")
        if path == "/openapi/v3":
            return json_response(discovery.openapi_root(self.table))
        if path.startswith("/openapi/v3/"):
            group_version = path.removeprefix("/openapi/v3/").split("/")
            group, version = (
                ("", group_version[1]) if group_version[0] == "api" else (group_version[1], group_version[2])
            )
            return json_response(discovery.openapi_document(self.table, group, version))
        if (parts[:1] == ["api"] and len(parts) == 2) or (parts[:1] == ["apis"] and len(parts) == 3):
            group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[2])
            listed = discovery.resource_list(self.table, group, version)
            if listed is None:
                raise status.NotFound(f"the server could not find the requested resource ({path})")
            return json_response(listed)
        if parts[:1] == ["apis"] and len(parts) == 2:
            found = [g for g in discovery.groups(self.table)["groups"] if g["name"] == parts[1]]
            if not found:
                raise status.NotFound(f"the server could not find the requested resource ({path})")
            return json_response({"kind": "APIGroup", "apiVersion": "v1", **found[0]})
        return None

    def _handlers(
        self, target: Target
    ) -> dict[str, Callable[[web.BaseRequest, Target], Awaitable[web.StreamResponse]]]:
        if target.subresource in ACTIONS:
            return {"POST": self._act}
        if target.subresource == "log":
            return {"GET": self._log}
        if target.subresource:
            return {"GET": self._get, "PUT": self._replace, "PATCH": self._patch}
        if target.name:
            return {"GET": self._get, "PUT": self._replace, "PATCH": self._patch, "DELETE": self._delete}
        return {"GET": self._list_or_watch, "POST": self._create, "DELETE": self._delete_collection}

    # Verbs.

    async def _get(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        found = await self.verbs.get(target)
        if tables.wants_table(request.headers.get("Accept", "")):
            return json_response(self._table(request, target, [found], found["metadata"]["resourceVersion"]))
        return json_response(found)

    async def _log(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        """Plain text from the pod's kubelet; with ``follow``, streamed while it runs."""
        reading, follow = log_request(target.namespace, target.name, request.query)
        pieces = self.logs.read(reading, follow)
        first = await anext(pieces, "")  # errors (no such pod, no host) become a Status
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            await response.write(first.encode())
            async for piece in pieces:
                await response.write(piece.encode())
        except ConnectionResetError:
            pass  # the follower left
        finally:
            await pieces.aclose()
        return response

    async def _list_or_watch(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        query = request.query
        match = selection(target, query.get("labelSelector", ""), query.get("fieldSelector", ""))
        if query.get("watch") in ("1", "true"):
            return await self._watch(request, target, match)
        version, version_match = query.get("resourceVersion", ""), query.get("resourceVersionMatch", "")
        exact = version if version_match == "Exact" else ""
        any_version = version == "0" and version_match in ("", "NotOlderThan")
        if tables.wants_table(request.headers.get("Accept", "")):
            listed = await self.verbs.list_objects(target, match, exact, any_version=any_version)
            return json_response(
                self._table(request, target, listed["items"], listed["metadata"]["resourceVersion"])
            )
        envelope, items = await self.verbs.list_lazily(target, match, exact, any_version=any_version)
        return await _stream_list(request, envelope, items)

    def _table(
        self, request: web.BaseRequest, target: Target, objects: list[tables.JsonObject], version: str
    ) -> tables.JsonObject:
        """What ``kubectl get`` prints: a Table in place of the objects (it asks with ``as=Table``)."""
        return tables.table(
            self._printing(target),
            objects,
            now=self.verbs.objects.clock.now(),
            resource_version=version,
            include_object=request.query.get("includeObject", ""),
        )

    def _printing(self, target: Target) -> tables.Printing:
        """The columns ``kubectl get`` shows: a built-in kind's own; for a custom resource, its
        definition's printer columns, else NAME and AGE (even one named like a built-in kind)."""
        if not target.resource.definition:
            return tables.printing_for(target.resource.kind)
        custom = self.verbs.custom.version_of(target.resource)
        if custom is None or custom.printer_columns is None:
            return tables.printing_for(tables.ANY_KIND)
        return tables.custom_printing(custom.printer_columns)

    async def _create(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        write = _write_options(request)
        return _written(await self.verbs.create(target, await _body(request), write), write, 201)

    async def _replace(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        write = _write_options(request)
        return _written(await self.verbs.replace(target, await _body(request), write), write)

    async def _patch(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        kind = request.content_type
        patch = await _body(request, expect_object=kind != JSON_PATCH)
        write = _write_options(request, applying=kind == APPLY_PATCH)
        if kind == APPLY_PATCH:
            applied, created = await self.verbs.apply(target, patch, write)
            return _written(applied, write, 201 if created else 200)
        return _written(await self.verbs.patch(target, kind, patch, write), write)

    async def _act(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        return json_response(await self.verbs.act(target, await _body(request)), 201)

    async def _delete(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        options = DeleteOptions.parse(request.query, await _body(request, expect_object=False, optional=True))
        return json_response(await self.verbs.delete(target, options))

    async def _delete_collection(self, request: web.BaseRequest, target: Target) -> web.StreamResponse:
        options = DeleteOptions.parse(request.query, await _body(request, expect_object=False, optional=True))
        query = request.query
        match = selection(target, query.get("labelSelector", ""), query.get("fieldSelector", ""))
        return json_response(await self.verbs.delete_collection(target, match, options))

    async def _watch(self, request: web.BaseRequest, target: Target, match: Selection) -> web.StreamResponse:
        timeout = _int_query(request, "timeoutSeconds", default=1800)
        as_table = tables.wants_table(request.headers.get("Accept", ""))
        # A bad includeObject is refused (400) before the stream starts.
        include = tables.parse_include_object(request.query.get("includeObject", "")) if as_table else ""
        query = request.query
        bookmarks = query.get("allowWatchBookmarks") in ("1", "true")
        send_initial = query.get("sendInitialEvents") in ("1", "true")
        if send_initial and (not bookmarks or query.get("resourceVersionMatch") != "NotOlderThan"):
            raise status.Invalid(
                "sendInitialEvents=true needs allowWatchBookmarks=true and resourceVersionMatch=NotOlderThan"
            )
        version = query.get("resourceVersion", "")
        batches = await self.verbs.watch(
            target, version, match, bookmarks=bookmarks, send_initial_events=send_initial
        )
        response = web.StreamResponse(headers={"Content-Type": JSON, "Transfer-Encoding": "chunked"})
        await response.prepare(request)
        try:
            async with asyncio.timeout(timeout):
                async for batch in batches:
                    if as_table:  # each event's object becomes a one-row Table
                        now, printing = self.verbs.objects.clock.now(), self._printing(target)
                        batch = [
                            tables.table_event(printing, e, now=now, include_object=include) for e in batch
                        ]
                    await _write_events(response, batch)
        except (TimeoutError, ConnectionResetError):
            pass  # timeoutSeconds ran out, or the client left: either way the watch is over
        finally:
            await batches.aclose()
        return response


async def _write_events(response: web.StreamResponse, events: list[JsonObject]) -> None:
    """Events as lines of JSON, written a few hundred kilobytes at a time: not a write (and a
    wait for the socket) per event, yet a backlog of thousands reaches the client while the rest
    is being encoded. An event the cache made is encoded once for every watch it goes to."""
    lines: list[bytes] = []
    size = 0
    for event in events:
        line = event.line() if isinstance(event, WatchEvent) else to_json(event) + b"\n"
        lines.append(line)
        size += len(line)
        if size >= WATCH_WRITE:
            await response.write(b"".join(lines))
            lines.clear()
            size = 0
    if lines:
        await response.write(b"".join(lines))


async def _stream_list(
    request: web.BaseRequest, envelope: JsonObject, items: Iterator[JsonObject]
) -> web.StreamResponse:
    """Write a list as it is decoded, in chunks: each object is garbage before the next chunk,
    so Python's collector never has to sweep a whole decoded list (what made 150,000 pods slow)."""
    response = web.StreamResponse(headers={"Content-Type": JSON})
    response.enable_chunked_encoding()
    await response.prepare(request)
    head = to_json(envelope)
    await response.write(head[:-1] + b',"items":[')
    first = True
    for chunk in _chunks(items, LIST_CHUNK):
        encoded = to_json(chunk)[1:-1]  # the items of a JSON array, in one call to the encoder
        await response.write(encoded if first else b"," + encoded)
        first = False
    await response.write(b"]}")
    await response.write_eof()
    return response


def _chunks(items: Iterator[JsonObject], size: int) -> Iterator[list[JsonObject]]:
    chunk: list[JsonObject] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write_options(request: web.BaseRequest, *, applying: bool = False) -> WriteOptions:
    """A write's query: ``fieldValidation``, ``fieldManager``, and ``force`` (apply only)."""
    query = request.query
    force = query.get("force", "false")
    if force not in ("true", "false"):
        raise status.BadRequest(f"force must be true or false, got {force!r}")
    if force == "true" and not applying:
        cause = ("force", "Forbidden: may not be specified for non-apply patch")
        raise status.invalid("PatchOptions", "", [cause], "meta.k8s.io")
    manager = query.get("fieldManager", "")
    if len(manager) > MAX_FIELD_MANAGER:
        cause = ("fieldManager", f"Too long: may not be more than {MAX_FIELD_MANAGER} bytes")
        raise status.invalid("PatchOptions", "", [cause], "meta.k8s.io")
    return WriteOptions(query.get("fieldValidation", ""), field_manager=manager, force=force == "true")


def _written(body: Any, write: WriteOptions, code: int = 200) -> web.Response:
    """A write's answer, its warnings in ``Warning: 299 - "text"`` headers (kubectl prints them)."""
    response = json_response(body, code)
    for text in write.warnings:
        response.headers.add("Warning", '299 - "{}"'.format(text.replace('"', '\\"')))
    return response


def _int_query(request: web.BaseRequest, name: str, *, default: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise status.BadRequest(f"{name} must be a whole number of seconds, got {raw!r}")
    return int(raw)


async def _body(request: web.BaseRequest, *, expect_object: bool = True, optional: bool = False) -> Any:
    content_type = request.headers.get("Content-Type", JSON).split(";")[0].strip() or JSON
    return parse_body(await request.read(), content_type, expect_object=expect_object, optional=optional)
