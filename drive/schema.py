"""OpenAPI description of the drive's session cookie auth."""

from __future__ import annotations

from drf_spectacular.authentication import SessionScheme


class DriveSessionScheme(SessionScheme):
    target_class = "drive.apis.DriveSessionAuthentication"
    name = "driveSession"
