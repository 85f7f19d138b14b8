"""Multipart bodies built by hand, so tests can send any file name byte for byte."""

from __future__ import annotations

BOUNDARY = "----uploadcenterboundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


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
