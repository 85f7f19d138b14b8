"""Downloads whose bytes someone else sends (DOWNLOAD_OFFLOAD, CONTRACT section 5).

The app still decides who may have what (the file index, pending uploads, bytes
gone missing); only then does it hand the sending over: to nginx with
X-Accel-Redirect (sendfile and Range done by nginx), or to S3 with a 302 to a
presigned URL, so the bytes never pass through a Python process.
"""

from __future__ import annotations

from botocore.exceptions import ClientError
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils.http import http_date
from django_sendfile import sendfile

from upload_center.downloads import file_response, file_type_and_disposition
from upload_center.errors import FileNotFound
from upload_center.models import StoredFile
from upload_center.storage import s3_bucket, s3_client


def offloaded(request: HttpRequest, row: StoredFile) -> HttpResponseBase | None:
    """The answer that hands the bytes over, or None when the app streams them itself.

    Raises FileNotFound when the index has the file but the storage has no bytes."""
    if settings.DOWNLOAD_OFFLOAD == "nginx":
        return _accel_redirect(request, row)
    if settings.DOWNLOAD_OFFLOAD == "s3-redirect":
        return _presigned_redirect(row)
    return None


def file_answer(request: HttpRequest, row: StoredFile) -> HttpResponseBase:
    """The file with section 2's headers, or handed to nginx / S3 (DOWNLOAD_OFFLOAD).

    Raises FileNotFound when the index has the file but the storage has no bytes."""
    handed_over = offloaded(request, row)
    return handed_over if handed_over is not None else file_response(request, row)


def _accel_redirect(request: HttpRequest, row: StoredFile) -> HttpResponseBase:
    # django-sendfile2's public call: its path rules (a key that leaves SENDFILE_ROOT is
    # refused), its existence check and its X-Accel-Redirect URI. Content-Length 0: the
    # answer has no body; nginx sends the file's.
    content_type, disposition = file_type_and_disposition(row.name)
    try:
        response = sendfile(request, row.storage_key, mimetype=content_type, content_length=0)
    except Http404 as e:
        raise FileNotFound(f"{row.storage_key} is in the index but not on disk") from e
    # The streamed answer's headers (downloads.file_response): nginx keeps
    # Content-Type and Content-Disposition from here, makes its own ETag,
    # Last-Modified and Accept-Ranges from the file (a second Accept-Ranges would be
    # sent as well), and adds nosniff and the sandbox policy in its `internal`
    # location (deploy/nginx/upload-center.conf.template).
    response["Content-Disposition"] = disposition
    response["ETag"] = row.etag
    response["Last-Modified"] = http_date(row.created_at.timestamp())
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


def _presigned_redirect(row: StoredFile) -> HttpResponseBase:
    client = s3_client()
    try:
        client.head_object(Bucket=s3_bucket(), Key=row.storage_key)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            raise FileNotFound(f"{row.storage_key} is in the index but not in the bucket") from e
        raise
    content_type, disposition = file_type_and_disposition(row.name)
    # S3 carries Content-Type and Content-Disposition through response-* parameters;
    # it has none for nosniff or a sandbox policy (it answers with the stored bytes'
    # own headers, and does not run a user's HTML on this site's origin).
    url = client.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": s3_bucket(),
            "Key": row.storage_key,
            "ResponseContentDisposition": disposition,
            "ResponseContentType": content_type,
        },
        ExpiresIn=settings.DOWNLOAD_OFFLOAD_URL_SECONDS,
    )
    response = HttpResponseRedirect(url)
    # A presigned URL expires: no cache may keep the redirect longer than that.
    response["Cache-Control"] = "private, no-store"
    return response
