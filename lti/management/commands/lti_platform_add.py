from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lti.services import platform_register


class Command(BaseCommand):
    help = "Registers an LTI 1.3 platform (or updates it) with its deployments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--issuer", required=True, help="The platform's iss, e.g. https://moodle.school.example"
        )
        parser.add_argument("--client-id", required=True, help="The client id the platform gave this tool.")
        parser.add_argument("--auth-url", required=True, help="The platform's OIDC authorization URL.")
        parser.add_argument("--token-url", required=True, help="The platform's OAuth2 access token URL.")
        parser.add_argument("--jwks-url", required=True, help="The platform's public key set URL.")
        parser.add_argument(
            "--deployment-id", action="append", required=True, dest="deployment_ids", help="Repeatable."
        )
        parser.add_argument(
            "--frame-origin",
            action="append",
            default=[],
            dest="frame_origins",
            help="Repeatable. Another origin whose course pages frame the tool (Canvas: https://school.instructure.com).",
        )
        parser.add_argument("--name", default="", help="A name for the admin; the issuer when omitted.")

    def handle(self, *args: Any, **options: Any) -> None:
        registration = platform_register(
            issuer=options["issuer"],
            client_id=options["client_id"],
            auth_url=options["auth_url"],
            token_url=options["token_url"],
            jwks_url=options["jwks_url"],
            deployment_ids=options["deployment_ids"],
            name=options["name"],
            frame_origins=options["frame_origins"],
        )
        deployments = ", ".join(options["deployment_ids"])
        self.stdout.write(
            f"Registered {registration.issuer} (client id {registration.client_id}): {deployments}"
        )
