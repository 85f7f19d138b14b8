"""What the pages of issue 26 read from the server, over Django's test client: the drive's
file and submission reads, the request form's texts, the browsable API and the admin."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tests.drive.helpers import hand_ins
from tests.sharing.helpers import token_client

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_drive_reads_which_files_were_handed_in_and_which_came_late(
    drive_user: Any, login: Callable[..., Client]
) -> None:
    client = login(drive_user)
    essay = hand_ins(drive_user, client)

    files = {row["name"]: row["file_request"] for row in client.get("/fm/sharing/files").json()["files"]}
    assert files == {
        "worksheet.pdf": None,
        "Essay 7B - Anna König - essay-anna.pdf": essay.pk,
        "Essay 7B - Anna König - appendix.pdf": essay.pk,
    }
    [anna] = client.get(f"/fm/sharing/requests/{essay.pk}/submissions").json()["submissions"]
    assert anna["uploader"] == "Anna König"
    assert {f["name"]: f["late"] for f in anna["files"]} == {"essay-anna.pdf": False, "appendix.pdf": True}


def test_a_request_without_a_deadline_is_refused_in_words(drive_user: Any) -> None:
    client = token_client(drive_user)
    for deadline in ["", None]:
        answer = client.post("/fm/sharing/requests", {"title": "Essay", "deadline": deadline}, format="json")
        assert answer.status_code == 400
        [text] = answer.json()["deadline"]
        assert text.startswith("Give a deadline") and "hh:mm" not in text
    answer = client.post("/fm/sharing/requests", {"title": "Essay"}, format="json")
    assert answer.json()["deadline"] == ["Give a deadline: a date and time in the future."]


def browsable(client: Client, path: str) -> Any:
    return client.get(path, headers={"Accept": "text/html"})


def test_the_browsable_upload_page_opens_on_its_form_not_on_a_405(drive_user: Any, login: Any) -> None:
    client = login(drive_user)
    page = browsable(client, "/fm/upload/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Choose one or more files in the form below and press PUT." in text
    assert 'id="put-object-form"' in text
    # Every other client still learns that GET is no method of the API.
    answer = client.get("/fm/upload/", headers={"Accept": "application/json"})
    assert answer.status_code == 405 and "GET" not in answer["Allow"]
    assert client.post("/fm/upload/", headers={"Accept": "text/html"}).status_code == 405


def test_the_browsable_pages_fit_a_phone_and_read_well(drive_user: Any, login: Any) -> None:
    client = login(drive_user)
    for path in ["/fm/upload/", "/fm/manager/"]:
        text = browsable(client, path).content.decode()
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
        # Markdown: `file_field` is code, not text between backticks.
        description = re.search(r'<div class="pull-left">(.*?)<div class="request-info"', text, re.S)
        assert description and "<p>" in description[1] and "`" not in description[1]
    manager = browsable(client, "/fm/manager/").content.decode()
    assert "&quot;Account&quot;: &quot;Drive tier&quot;,\n    &quot;Storage&quot;: 40.000," in manager
    # Clients of the contract still get it on one line, Decimals as written.
    assert (
        client.get("/fm/manager/")
        .content.decode()
        .startswith('{"Account": "Drive tier", "Storage": 40.000, ')
    )


def test_the_readme_and_the_admin_use_the_same_words(make_user: Any) -> None:
    from account.models import User

    client = Client()
    client.force_login(User.objects.create_superuser(username="root", password="x-secret-9"))
    index = client.get("/admin/").content.decode()
    [line] = [line for line in README.read_text().splitlines() if line.startswith("- **`/admin/`**")]
    for name in ["Accounts", "Users", "Share links", "File requests"]:
        assert f">{name}<" in index and f"**{name}**" in line + README.read_text().split(line)[1][:200]
    links = client.get("/admin/sharing/sharelink/").content.decode()
    assert ">Active</a>" in links and "Serving" not in links
