"""The drive's upload handler: the upload center's, plus the file size it expects."""

from __future__ import annotations

from typing import Any

from upload_center.handlers import StoringUploadHandler


def multipart_file_size(
    *, content_length: int, boundary: bytes, field_name: str, file_name: str, content_type: str | None
) -> int:
    """The size of the one file of a multipart body, from the body's length.

    The framing is rebuilt the way browsers and HTTP libraries write it
    (``--B``, Content-Disposition, Content-Type, blank line, data, ``--B--``);
    it is only known exactly once the last byte is in, so this is the
    ``total_size`` of progress events, not a limit.
    """
    disposition = f'Content-Disposition: form-data; name="{field_name}"; filename="{file_name}"\r\n'
    framing = len(b"--" + boundary + b"\r\n") + len(disposition.encode())
    if content_type:
        framing += len(f"Content-Type: {content_type}\r\n".encode())
    framing += len(b"\r\n") + len(b"\r\n--" + boundary + b"--\r\n")
    return max(content_length - framing, 0)


class DriveUploadHandler(StoringUploadHandler):
    """Stores the file of field ``file`` and knows its expected size for progress events."""

    content_length = 0
    boundary = b""
    expected_size = 0

    # django-stubs types boundary as str; the multipart parser passes the bytes it splits the body on.
    def handle_raw_input(  # type: ignore[override]
        self, input_data: Any, META: Any, content_length: int, boundary: bytes, encoding: str | None = None
    ) -> None:
        self.content_length = content_length
        self.boundary = boundary
        return None

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        content_type = args[0] if args else kwargs.get("content_type")
        self.expected_size = multipart_file_size(
            content_length=self.content_length,
            boundary=self.boundary,
            field_name=field_name,
            file_name=file_name,
            content_type=content_type,
        )
        super().new_file(field_name, file_name, *args, **kwargs)

    def file_complete(self, file_size: int) -> None:
        # Known exactly now, before the sink reports its last part: the last
        # progress event carries the file's size as its total, whatever framing
        # (or a chunked body without a length) made the estimate miss.
        self.expected_size = file_size
        super().file_complete(file_size)
