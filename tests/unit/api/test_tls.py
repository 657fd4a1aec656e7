"""TLS verification is on by default: a server with an untrusted certificate is refused, in words
an operator can pass on; trusting its CA explicitly (verify=<file>) works."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest

from console.api.client import ApiClient
from console.api.errors import NETWORK, ApiError

pytestmark = pytest.mark.skipif(not shutil.which("openssl"), reason="needs the openssl tool")


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"status": "ok"}'
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
            b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
    except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
        pass  # the client refused our certificate
    finally:
        writer.close()


@pytest.mark.asyncio
async def test_untrusted_certificate_is_refused_and_trusted_ca_works(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    url = f"https://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    default = ApiClient(url, timeout=10.0)
    trusting = ApiClient(url, verify=str(cert), timeout=10.0)
    try:
        with pytest.raises(ApiError) as info:
            await asyncio.wait_for(default.request("GET", "/health"), 20)
        assert info.value.status == NETWORK
        assert "certificato" in info.value.message
        assert await asyncio.wait_for(trusting.request("GET", "/health"), 20) == {"status": "ok"}
    finally:
        await default.aclose()
        await trusting.aclose()
        server.close()
        await asyncio.wait_for(server.wait_closed(), 5)
