import jwt
import pytest
from django.core.management import call_command

from wims_lti.models import ToolKey
from wims_lti.services.keys import (
    NoSigningKey,
    signing_key,
    tool_jwks,
    toolkey_ensure,
    toolkey_remove_retired,
    toolkey_rotate,
)

pytestmark = pytest.mark.django_db


def test_first_key_signs_and_is_published() -> None:
    with pytest.raises(NoSigningKey):
        signing_key()
    key = toolkey_ensure()
    assert toolkey_ensure() == key
    assert [k["kid"] for k in tool_jwks()["keys"]] == [key.kid]
    token = jwt.encode({"x": 1}, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid})
    public = jwt.PyJWK(tool_jwks()["keys"][0])
    assert jwt.decode(token, public.key, algorithms=["RS256"]) == {"x": 1}


def test_rotation_publishes_before_signing_and_keeps_retired_keys() -> None:
    first = toolkey_ensure()
    step1 = toolkey_rotate()
    assert step1["activated"] is None  # the new key is only published
    assert signing_key() == first
    published = step1["published"]
    assert published in {k["kid"] for k in tool_jwks()["keys"]}

    step2 = toolkey_rotate()
    assert step2["activated"] == published
    assert signing_key().kid == published
    kids = {k["kid"] for k in tool_jwks()["keys"]}
    assert {first.kid, published, step2["published"]} <= kids  # the retired key is still published
    assert ToolKey.objects.get(kid=first.kid).status == ToolKey.Status.RETIRED

    assert toolkey_remove_retired() == [first.kid]
    assert first.kid not in {k["kid"] for k in tool_jwks()["keys"]}


def test_lti_keys_command(capsys) -> None:
    call_command("lti_keys", "init")
    call_command("lti_keys", "rotate")
    call_command("lti_keys", "list")
    out = capsys.readouterr().out
    assert '"active"' in out and '"published"' in out
