"""Deep linking: the tool's signed response is verified per flavor and what it returns is created."""

from __future__ import annotations

import time
from typing import Any

import requests

from tests.lti.conftest import Lms
from tests.lti.minitool import ToolKey
from wims_lti.lti.devplatform import DEEP_LINKING_REQUEST, DeepLinkingSettings

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
SHEET = {
    "type": "ltiResourceLink",
    "title": "Feuille 3",
    "text": "Dérivées",
    "url": "https://tool.example/launch",
    "custom": {"wims_sheet": "3"},
    "lineItem": {"scoreMaximum": 10, "label": "Feuille 3 (note)", "resourceId": "sheet-3", "tag": "wims"},
}


def _deep_link(lms: Lms, items: list[dict], **launch_kwargs: Any) -> requests.Response:
    lms.tool.deep_link_items = items
    return lms.launch(lms.teacher, message_type=DEEP_LINKING_REQUEST, **launch_kwargs)


def test_moodle_creates_links_and_line_items_from_the_response(moodle: Lms) -> None:
    response = _deep_link(moodle, [SHEET, {**SHEET, "title": "Feuille 4", "lineItem": None}])

    assert response.status_code == 200 and "Content added" in response.text
    result = moodle.platform.deep_linking_results[-1]
    assert result.accepted and result.msg == "Added from the mini tool"
    assert [link.title for link in result.resource_links] == ["Feuille 3", "Feuille 4"]
    assert result.resource_links[0].custom == {"wims_sheet": "3"}
    (item,) = result.line_items
    assert (item.score_maximum, item.label, item.resource_id, item.tag) == (
        10,
        "Feuille 3",
        "sheet-3",
        "wims",
    )

    moodle.launch(moodle.student, result.resource_links[0])
    claims = moodle.tool.launches[-1]
    assert claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"][
        "lineitem"
    ] == moodle.platform.lineitem_url(item)
    assert claims[LTI + "target_link_uri"] == "https://tool.example/launch"


def test_moodle_accepts_only_lti_resource_links(moodle: Lms) -> None:
    response = _deep_link(moodle, [{"type": "link", "url": "https://example.org"}])
    assert response.status_code == 400 and "not supported" in response.text
    assert not moodle.platform.deep_linking_results[-1].accepted


def test_moodle_ignores_line_items_when_grades_are_not_accepted(make_lms) -> None:
    lms = make_lms("moodle", accept_grades=False)
    _deep_link(lms, [SHEET])
    assert lms.platform.deep_linking_results[-1].line_items == []


def test_canvas_makes_unpublished_assignments_titled_by_the_label(canvas: Lms) -> None:
    assert _deep_link(canvas, [SHEET]).status_code == 200
    result = canvas.platform.deep_linking_results[-1]
    (item,) = result.line_items
    assert result.resource_links[0].title == "Feuille 3 (note)" and not item.published

    missing_max = {**SHEET, "lineItem": {"label": "x"}}
    assert _deep_link(canvas, [missing_max]).status_code == 400
    assert "scoreMaximum is required" in str(canvas.platform.deep_linking_results[-1].error)


def test_canvas_checks_aud_and_single_use_nonce(canvas: Lms) -> None:
    canvas.tool.deep_link_overrides = {"aud": ["https://elsewhere.example"]}
    assert _deep_link(canvas, [SHEET]).status_code == 400
    assert "aud must contain" in str(canvas.platform.deep_linking_results[-1].error)

    canvas.tool.deep_link_overrides = {"nonce": "same"}
    assert _deep_link(canvas, [SHEET]).status_code == 200
    assert _deep_link(canvas, [SHEET]).status_code == 400
    assert canvas.platform.deep_linking_results[-1].error == "nonce already used"

    canvas.tool.deep_link_overrides = {"iat": int(time.time()) - 600}
    assert _deep_link(canvas, [SHEET]).status_code == 400


def test_message_type_deployment_and_data_echo_are_checked(lms: Lms) -> None:
    cases = [
        ({LTI + "message_type": "LtiResourceLinkRequest"}, "message_type must be"),
        ({LTI + "deployment_id": "other"}, "deployment_id does not match"),
        ({DL + "data": "forged"}, "data must echo"),
    ]
    settings = DeepLinkingSettings.for_flavor(lms.platform.flavor)  # type: ignore[arg-type]
    settings.data = "opaque-123"
    for overrides, error in cases:
        lms.tool.deep_link_overrides = overrides
        assert _deep_link(lms, [SHEET], deep_linking=settings).status_code == 400
        assert error in str(lms.platform.deep_linking_results[-1].error)
    lms.tool.deep_link_overrides = {}
    assert _deep_link(lms, [SHEET], deep_linking=settings).status_code == 200
    assert lms.tool.launches[-1][DL + "deep_linking_settings"]["data"] == "opaque-123"


def test_a_response_signed_by_another_key_is_refused(moodle: Lms) -> None:
    moodle.tool.deep_link_signer = ToolKey.generate()
    response = _deep_link(moodle, [SHEET])
    assert response.status_code == 400
    assert "signature invalid" in str(moodle.platform.deep_linking_results[-1].error)


def test_a_rotated_tool_key_is_fetched_again(moodle: Lms) -> None:
    assert _deep_link(moodle, [SHEET]).status_code == 200
    moodle.tool.key = ToolKey.generate()  # new kid, published in the tool's JWKS
    assert _deep_link(moodle, [SHEET]).status_code == 200
    assert moodle.platform.tool_keyset(moodle.registration).fetch_count == 2


def test_single_item_placements_refuse_several_items(canvas: Lms) -> None:
    response = _deep_link(canvas, [SHEET, SHEET], placement="assignment_selection")
    assert response.status_code == 400
    assert "only one content item" in str(canvas.platform.deep_linking_results[-1].error)
