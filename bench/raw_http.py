"""A minimal HTTP/1.1 keep-alive client for load runs on the same machine as the server.

httpx spent about as much CPU per request as the API it measured (16 ms per order, both copies,
in the intake run), so on a 2-core machine the load generator took the cores the server needed.
This client writes the request bytes and reads the status line, headers and body on one kept
connection per caller: a fraction of that. It does what the benchmark needs and no more (POST,
``Content-Length`` or chunked answers, reconnecting when the server closed the connection).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass


class ConnectionLostError(Exception):
    """The server closed the connection before answering (the request may have arrived)."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, headers (names lower-case) and body."""

    status_code: int
    headers: dict[str, str]
    content: bytes

    @property
    def text(self) -> str:
        """The body as text (UTF-8, errors replaced)."""
        return self.content.decode("utf-8", errors="replace")


class Connection:
    """One kept-alive connection to ``host:port``, opened on first use and after a close.

    Not for concurrent use: one request at a time.
    """

    def __init__(self, host: str, port: int, *, timeout_s: float = 60.0) -> None:
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        """POST ``body`` to ``path``; the answer.

        Raises
        ------
        ConnectionLostError
            The connection closed before a whole answer came (it is reopened on the next call).
        """
        head = [f"POST {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head.append(f"Content-Length: {len(body)}")
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        try:
            self._writer.write(request)
            answer = await asyncio.wait_for(self._read_answer(), self.timeout_s)
        except (OSError, asyncio.IncompleteReadError, ConnectionLostError) as exc:
            await self.close()
            raise ConnectionLostError(str(exc) or type(exc).__name__) from exc
        if answer.headers.get("connection", "").lower() == "close":
            await self.close()
        return answer

    async def _read_answer(self) -> Answer:
        assert self._reader is not None
        reader = self._reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            content = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            await reader.readuntil(b"\r\n")
            content = b"".join(parts)
        else:
            raise ConnectionLostError("answer without Content-Length or chunked body")
        return Answer(status, headers, content)

    async def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()
