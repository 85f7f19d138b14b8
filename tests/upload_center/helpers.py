"""Helpers of the upload center tests: multipart bodies built by hand (so tests can send any file
name byte for byte), raw uploads over a socket, files stored without an upload."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.config import Config
from django.conf import settings

from upload_center.models import StoredFile
from upload_center.storage import is_s3, s3_bucket, s3_client

if TYPE_CHECKING:
    from account.models import User

BOUNDARY = "----uploadcenterboundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
MB = 1048576
CONTENT = bytes(range(256)) * 4096  # 1 MiB, every byte value at every offset mod 256
TRICKY = "درس 1 50% done?#.pdf"


def multipart(files: list[tuple[str, bytes]], field: str = "file_field") -> bytes:
    body = b""
    for name, content in files:
        body += (
            (
                f"--{BOUNDARY}\r\n"
                f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    return body + f"--{BOUNDARY}--\r\n".encode()


def unreachable_s3(options: dict[str, Any]) -> dict[str, Any]:
    """S3 storage options whose endpoint refuses connections, tried once (a bucket
    that is merely missing is created at the first store, CONTRACT section 5)."""
    return {
        **options,
        # Port 9 on loopback: nothing listens, so the connection is refused at once.
        "endpoint_url": "http://127.0.0.1:9",
        "client_config": Config(retries={"total_max_attempts": 1}, connect_timeout=2),
    }


class RawUpload:
    """A PUT /fm/upload/ sent by hand over a socket, so a test controls every byte."""

    def __init__(self, url: str, token: str, name: str, size: int, content_length: int | None = None) -> None:
        head, tail = multipart([(name, b"\0")]).split(b"\0")
        self.head, self.tail, self.size = head, tail, size
        length = content_length if content_length is not None else len(head) + size + len(tail)
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        self.sock.sendall(
            (
                f"PUT /fm/upload/ HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Token {token}\r\n"
                f"Content-Type: {CONTENT_TYPE}\r\nContent-Length: {length}\r\n\r\n"
            ).encode()
        )

    def send_file_bytes(self, count: int, start: bool = True) -> None:
        if start:
            self.sock.sendall(self.head)
        chunk = b"s" * MB
        for _ in range(count // MB):
            self.sock.sendall(chunk)

    def finish(self) -> bytes:
        self.sock.sendall(self.tail)
        return self.response()

    def response(self) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            data += chunk
        return data

    def cut(self) -> None:
        # SO_LINGER 0: the close sends RST, like a crashed client or a dropped link.
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.sock.close()


def store(owner: User, name: str, content: bytes, *, state: str = "stored", write: bool = True) -> StoredFile:
    """A file in the index and its bytes where the storage keeps them (disk or bucket)."""
    key = f"{owner.username}/{name}"
    if write and settings.S3_BUCKET:
        from upload_center.storage import s3_client

        s3_client().put_object(Bucket=settings.S3_BUCKET, Key=key, Body=content)
    elif write:
        path = Path(settings.UPLOAD_ROOT) / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    sha = hashlib.sha256(content).hexdigest()
    return StoredFile.objects.create(owner=owner, name=name, size=len(content), sha256=sha, state=state)


def curl(url: str, *args: str) -> tuple[int, dict[str, Any]]:
    """Run curl with a chunked request body; its status and JSON answer."""
    done = subprocess.run(
        ["curl", "-sS", "-v", "-H", "Transfer-Encoding: chunked", "-w", "\n%{http_code}", *args, url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    sent_headers = [line.lower() for line in done.stderr.decode().splitlines() if line.startswith("> ")]
    # The body really went chunked, with no length for the server to go by.
    assert "> transfer-encoding: chunked" in sent_headers, sent_headers
    assert not any(line.startswith("> content-length") for line in sent_headers), sent_headers
    body, _, status = done.stdout.decode().rpartition("\n")
    return int(status), json.loads(body)


def nothing_stored(upload_root: Path) -> bool:
    """No row, and no byte in storage: not on disk, not in the bucket, no multipart upload."""
    if StoredFile.objects.exists():
        return False
    if is_s3():
        client = s3_client()
        objects = client.list_objects_v2(Bucket=s3_bucket()).get("Contents", [])
        return not objects and not client.list_multipart_uploads(Bucket=s3_bucket()).get("Uploads")
    return not [path for path in upload_root.rglob("*") if path.is_file()]
