"""A DRF parser for multipart bodies that gives file bytes to the upload handlers
without copying them.

Django's MultiPartParser joins and slices every chunk while it looks for the
boundary: two more copies of each byte, in the thread that also has to keep up
with the socket. python-multipart (Starlette's parser) reports where a part's
bytes lie in the chunk it was given, so a handler gets that span as a
memoryview, or the chunk itself when the span is all of it.

Handlers see the same calls as under Django's parser (``handle_raw_input``,
``new_file``, ``receive_data_chunk``, ``file_complete``, ``upload_complete``,
``upload_interrupted``), with bytes-like chunks, and the same limits apply
(``DATA_UPLOAD_MAX_NUMBER_FIELDS``, ``DATA_UPLOAD_MAX_NUMBER_FILES``,
``DATA_UPLOAD_MAX_MEMORY_SIZE`` for plain fields). Not supported:
``Content-Transfer-Encoding: base64`` parts (RFC 7578 deprecates it and no
browser sends it).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler, SkipFile, StopFutureHandlers, StopUpload
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.http import parse_header_parameters
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, MultipartState
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, DataAndFiles
from rest_framework.request import Request
from rest_framework.views import APIView

from config.body import chunked_input
from config.tuning import BODY_READ as READ_SIZE
from upload_center.names import name_from_client


class StreamingMultiPartParser(BaseParser):
    media_type = "multipart/form-data"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> DataAndFiles:
        request = parser_context["request"]
        encoding = parser_context.get("encoding") or settings.DEFAULT_CHARSET
        try:
            form = _Form(request.upload_handlers, encoding)
            return form.parse(stream, request.META, media_type or "")
        except (MultiPartParserError, MultipartParseError) as e:
            raise ParseError(f"Multipart form parse error - {e}") from e


class ChunkedBodyRequest(Request):
    """DRF's request, which also reads a body sent without a length.

    DRF takes a missing Content-Length for an empty body and never calls the
    parser; a chunked body (curl -H "Transfer-Encoding: chunked", proxies that
    rechunk) is read from the server's dechunked input instead (config.body).
    """

    @property
    def stream(self) -> Any:
        return chunked_input(self.META) or super().stream


class ChunkedBodyApi(APIView):
    """A view whose body may come chunked (see ChunkedBodyRequest)."""

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Request:
        # As APIView.initialize_request, with the request class that reads chunked bodies.
        return ChunkedBodyRequest(
            request,
            parsers=self.get_parsers(),
            authenticators=self.get_authenticators(),
            negotiator=self.get_content_negotiator(),
            parser_context=self.get_parser_context(request),
        )


class _Form:
    """The state of one body's parse; python-multipart calls the ``_on_*`` methods."""

    def __init__(self, handlers: list[FileUploadHandler], encoding: str) -> None:
        self.handlers = handlers
        self.encoding = encoding
        self.fields: list[tuple[str, str]] = []
        self.files: MultiValueDict[str, Any] = MultiValueDict()
        self._fields = self._files = self._field_bytes = 0
        self._header_name = self._header_value = b""
        self._headers: dict[str, str] = {}
        self._kind: str | None = None  # "file", "field" or None (skipped) for the current part
        self._name = ""
        self._value = bytearray()
        self._counters: list[int] = []
        self._stopped = False

    def parse(self, stream: Any, meta: dict[str, Any], content_type: str) -> DataAndFiles:
        _, params = parse_header_parameters(content_type)
        content_length = int(meta.get("CONTENT_LENGTH") or 0)
        boundary = params.get("boundary", "")
        if not boundary or not boundary.isascii():
            raise MultiPartParserError(f"Invalid boundary in multipart: {boundary or None}")
        for handler in self.handlers:
            # django-stubs types boundary as str; Django's parser passes bytes.
            result = handler.handle_raw_input(stream, meta, content_length, boundary.encode(), self.encoding)  # type: ignore[arg-type]
            if result is not None:
                return DataAndFiles(*result)
        parser = MultipartParser(boundary.encode(), callbacks=self._callbacks())  # type: ignore[arg-type]
        while chunk := stream.read(READ_SIZE):
            if not self._stopped:
                parser.write(chunk)
        if parser.state != MultipartState.END and not self._stopped:
            for handler in self.handlers:
                handler.upload_interrupted()
            raise MultiPartParserError("the body ended before its closing boundary")
        # As Django's parser: the first handler that returns something ends the calls.
        any(handler.upload_complete() for handler in self.handlers)  # type: ignore[func-returns-value]
        # An immutable QueryDict, as Django's parser gives (its fields counted already).
        return DataAndFiles(QueryDict(urlencode(self.fields), encoding="utf-8"), self.files)

    def _callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._kind = None

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        name = self._header_name.decode("latin-1").strip().lower()
        self._headers[name] = self._header_value.decode(self.encoding, errors="replace")
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, disposition = parse_header_parameters(self._headers.get("content-disposition", ""))
        name = disposition.get("name", "").strip()
        if not name:
            return
        self._name = name
        file_name = disposition.get("filename")
        if not file_name:
            self._kind = "field"
            self._value = bytearray()
            self._fields += 1
            if _over(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS, self._fields):
                raise TooManyFieldsSent(
                    "The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
                )
            return
        self._files += 1
        if _over(settings.DATA_UPLOAD_MAX_NUMBER_FILES, self._files):
            raise TooManyFilesSent("The number of files exceeded settings.DATA_UPLOAD_MAX_NUMBER_FILES.")
        file_name = name_from_client(file_name)
        if file_name is None:
            return
        content_type, extra = parse_header_parameters(self._headers.get("content-type", ""))
        try:
            size: int | None = int(self._headers["content-length"])
        except (KeyError, ValueError):
            size = None
        self._kind = "file"
        self._counters = [0] * len(self.handlers)
        for handler in self.handlers:
            try:
                handler.new_file(name, file_name, content_type, size, extra.get("charset"), extra)  # type: ignore[arg-type]
            except StopFutureHandlers:
                break

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._kind == "field":
            self._field_add(data[start:end])
        elif self._kind == "file":
            chunk: bytes | memoryview | None = (
                data if start == 0 and end == len(data) else memoryview(data)[start:end]
            )
            try:
                for i, handler in enumerate(self.handlers):
                    size = len(chunk)  # type: ignore[arg-type]
                    chunk = handler.receive_data_chunk(chunk, self._counters[i])  # type: ignore[arg-type]
                    self._counters[i] += size
                    if chunk is None:
                        break
            except SkipFile:
                self._kind = None
            except StopUpload:
                self._kind = None
                self._stopped = True

    def _field_add(self, data: bytes) -> None:
        self._value += data
        self._field_bytes += len(data)
        if _over(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, self._field_bytes):
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")

    def _on_part_end(self) -> None:
        if self._kind == "field":
            self._field_bytes += len(self._name) + 2  # counted as Django counts '&name='
            self._field_add(b"")
            self.fields.append((self._name, self._value.decode(self.encoding, errors="replace")))
        elif self._kind == "file":
            for i, handler in enumerate(self.handlers):
                file_obj = handler.file_complete(self._counters[i])
                if file_obj:
                    self.files.appendlist(self._name, file_obj)
                    break
        self._kind = None


def _over(limit: int | None, count: int) -> bool:
    """Whether ``count`` passes a DATA_UPLOAD_MAX_* setting (None: no limit)."""
    return limit is not None and count > limit
