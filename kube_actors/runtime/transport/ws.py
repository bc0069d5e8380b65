"""Why: links between processes and machines, as aiohttp WebSocket connections.

One WebSocket carries binary frames both ways. aiohttp enforces the frame limit on receipt
(closing with 1009), answers pings, and applies TCP backpressure to ``send``. aiohttp's
exceptions stop here: callers only ever see ``ChannelClosed``.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

from kube_actors.runtime.transport.base import Accept, Channel, ChannelClosed

LINK_PATH = "/ka/link"
HEARTBEAT = 15.0
CONNECT_TIMEOUT = 10.0


class WsChannel:
    def __init__(
        self,
        ws: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        peer: str,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self._ws = ws
        self._peer = peer
        self._session = session

    @property
    def peer(self) -> str:
        return self._peer

    async def send(self, frame: bytes) -> None:
        if self._ws.closed:
            raise ChannelClosed(self._reason("closed"))
        try:
            await self._ws.send_bytes(frame)
        except (ConnectionError, RuntimeError, aiohttp.ClientError) as exc:
            raise ChannelClosed(f"send failed: {exc}") from exc

    async def receive(self) -> bytes:
        msg = await self._ws.receive()
        if msg.type is aiohttp.WSMsgType.BINARY:
            data: bytes = msg.data
            return data
        if msg.type is aiohttp.WSMsgType.ERROR:
            await self.close()
            raise ChannelClosed(f"link error: {msg.data}")
        if msg.type is aiohttp.WSMsgType.TEXT:
            await self.close()
            raise ChannelClosed("protocol violation: text frame on a binary link")
        clean = self._ws.close_code in (None, aiohttp.WSCloseCode.OK, aiohttp.WSCloseCode.GOING_AWAY)
        raise ChannelClosed(self._reason("closed by peer"), clean=clean)

    async def close(self) -> None:
        try:
            await self._ws.close()
        finally:
            if self._session is not None:
                await self._session.close()

    def _reason(self, what: str) -> str:
        code = self._ws.close_code
        return f"{what} (code {code})" if code is not None else what


class WsListener:
    def __init__(self, runner: web.AppRunner, url: str) -> None:
        self._runner = runner
        self._url = url

    @property
    def url(self) -> str:
        return self._url

    async def close(self) -> None:
        await self._runner.cleanup()


class WsTransport:
    async def listen(self, url: str, accept: Accept, *, max_frame: int) -> WsListener:
        parts = urlsplit(url)
        host = parts.hostname or "127.0.0.1"

        async def handle(request: web.Request) -> web.StreamResponse:
            ws = web.WebSocketResponse(max_msg_size=max_frame, heartbeat=HEARTBEAT, compress=False)
            await ws.prepare(request)
            peer = f"ws-client {request.remote}"
            await accept(WsChannel(ws, peer))
            if not ws.closed:
                await ws.close()
            return ws

        app = web.Application()
        app.router.add_get(LINK_PATH, handle)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, host, parts.port or 0)
        await site.start()
        port = runner.addresses[0][1]
        return WsListener(runner, urlunsplit(("ws", f"{host}:{port}", "", "", "")))

    async def connect(self, url: str, *, max_frame: int) -> Channel:
        parts = urlsplit(url)
        target = urlunsplit(("http", parts.netloc, LINK_PATH, "", ""))
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, connect=CONNECT_TIMEOUT))
        try:
            ws = await session.ws_connect(
                target, max_msg_size=max_frame, heartbeat=HEARTBEAT, compress=0, autoping=True
            )
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            await session.close()
            raise ChannelClosed(f"cannot reach {url}: {exc}") from exc
        return WsChannel(ws, url, session)
