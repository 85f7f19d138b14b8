"""The whole LTI flow in headless Chromium, inside an iframe of the fake platform's course
page (another origin), at a phone's width: an instructor places a file and a new request,
a learner opens the file and hands in. Screenshots under test-output/lti/."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
import pytest
from playwright.sync_api import FrameLocator, Page, expect

from tests.helpers import ServerProcess
from tests.lti.fake_platform import CLAIM, INSTRUCTOR, FakePlatform

pytestmark = [pytest.mark.browser]

OUTPUT = Path(os.environ.get("TEST_OUTPUT_DIR", "test-output")) / "lti"
PHONE = {"width": 390, "height": 844}
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def shot(page: Page, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def no_sideways_scroll(tool: FrameLocator) -> None:
    width = tool.locator("html").evaluate("html => [html.scrollWidth, html.clientWidth]")
    assert width[0] <= width[1], width


@pytest.fixture
def teacher_with_a_file(
    tool: ServerProcess, platform: FakePlatform, make_user: Callable[..., Any], store: Any
) -> None:
    # Made before the browser starts: Django refuses ORM calls while Playwright's loop runs.
    from lti_tool.models import LtiRegistration, LtiUser

    teacher = make_user("physics-teacher")
    registration = LtiRegistration.objects.get(issuer=platform.issuer)
    LtiUser.objects.create(registration=registration, sub="teacher-1", auth_user=teacher)
    store(teacher, "worksheet-7b.pdf", b"%PDF-1.4 worksheet")


def _placed(platform: FakePlatform) -> dict[str, str]:
    claims = jwt.decode(platform.deep_link_returns[-1], options={"verify_signature": False})
    return claims[DL + "content_items"][0]["custom"]


def test_an_instructor_places_and_a_learner_opens_and_hands_in_inside_the_course_page(
    tool: ServerProcess, platform: FakePlatform, teacher_with_a_file: None, browser_page: Page, tmp_path: Path
) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    frame = page.frame_locator("#tool")
    platform.messages["teacher-dl"] = {**platform.deep_linking_claims(nonce="")}

    page.goto(platform.server.url + "/course?hint=teacher-dl")
    expect(frame.locator(".lti-name", has_text="worksheet-7b.pdf")).to_be_visible()
    no_sideways_scroll(frame)
    shot(page, "01-picker-in-course-390")
    frame.locator("li", has_text="worksheet-7b.pdf").get_by_role("button", name="Place").click()
    expect(frame.locator("#placed")).to_have_text("Placed in the course.")
    file_custom = _placed(platform)

    page.goto(platform.server.url + "/course?hint=teacher-dl")
    frame.locator("input[name=title]").fill("Lab report 3")
    frame.locator("input[name=deadline]").fill("2099-01-01T12:00")
    frame.get_by_role("button", name="Create request").click()
    frame.locator("li", has_text="Lab report 3").get_by_role("button", name="Place").click()
    expect(frame.locator("#placed")).to_be_visible()
    request_custom = _placed(platform)

    learner = page.context.browser.new_context(viewport=PHONE).new_page()  # type: ignore[union-attr]
    learner_frame = learner.frame_locator("#tool")
    platform.messages["ada-file"] = platform.claims(nonce="", **{CLAIM + "custom": file_custom})
    learner.goto(platform.server.url + "/course?hint=ada-file")
    expect(learner_frame.locator("h2")).to_have_text("worksheet-7b.pdf")
    shot(learner, "02-learner-opens-file-390")
    with learner.expect_download() as download:
        learner_frame.locator("#download").click()
    assert Path(download.value.path()).read_bytes() == b"%PDF-1.4 worksheet"

    platform.messages["ada-request"] = platform.claims(nonce="", **{CLAIM + "custom": request_custom})
    learner.goto(platform.server.url + "/course?hint=ada-request")
    expect(learner_frame.locator("#hand-in")).to_contain_text("Handing in as Ada Lovelace.")
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4 my report")
    learner_frame.locator("input[type=file]").set_input_files(str(report))
    learner_frame.get_by_role("button", name="Hand in").click()
    expect(learner_frame.locator("#mine")).to_have_text("report.pdf")
    no_sideways_scroll(learner_frame)
    shot(learner, "03-learner-handed-in-390")
    learner.context.close()

    platform.messages["teacher-request"] = platform.claims(
        nonce="", sub="teacher-1", roles=[INSTRUCTOR], **{CLAIM + "custom": request_custom}
    )
    page.goto(platform.server.url + "/course?hint=teacher-request")
    expect(frame.locator("#submissions")).to_contain_text("Ada Lovelace: report.pdf")
    shot(page, "04-instructor-sees-submissions-390")
