from wims_lti.lti.claims import LTI, LaunchClaims

BASE = {
    "iss": "https://lms.example",
    "aud": "client-1",
    "sub": "user-42",
    LTI + "deployment_id": "dep-1",
    LTI + "message_type": "LtiResourceLinkRequest",
    LTI + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    LTI + "context": {"id": "c1", "title": "Algebra", "label": "ALG"},
    LTI + "resource_link": {"id": "rl1", "title": "Sheet 1"},
}


def test_parses_core_claims() -> None:
    c = LaunchClaims.from_jwt_body({**BASE, LTI + "custom": {"sheet": "2"}, "locale": "fr-FR"})
    assert (c.issuer, c.client_id, c.deployment_id, c.sub) == (
        "https://lms.example",
        "client-1",
        "dep-1",
        "user-42",
    )
    assert (c.context_id, c.context_title, c.resource_link_id) == ("c1", "Algebra", "rl1")
    assert c.lang == "fr" and not c.is_staff
    assert c.bound_activity() == ("sheet", 2)


def test_aud_list_uses_azp_when_several_audiences() -> None:
    c = LaunchClaims.from_jwt_body({**BASE, "aud": ["other", "client-1"], "azp": "client-1"})
    assert c.client_id == "client-1"


def test_missing_names_get_placeholders_and_name_is_split() -> None:
    anon = LaunchClaims.from_jwt_body(BASE)
    first, last = anon.person_names()
    assert first == "Anonymous" and last.startswith("User ")
    assert anon.person_names() == LaunchClaims.from_jwt_body(BASE).person_names()  # stable
    named = LaunchClaims.from_jwt_body({**BASE, "name": "Élodie Dupré Martin"})
    assert named.person_names() == ("Élodie", "Dupré Martin")
    assert LaunchClaims.from_jwt_body({**BASE, "given_name": "Ana"}).person_names() == ("Ana", "-")


def test_language_defaults_to_english_and_bad_custom_is_ignored() -> None:
    c = LaunchClaims.from_jwt_body(
        {**BASE, LTI + "launch_presentation": {"locale": "de"}, LTI + "custom": {"sheet": "x"}}
    )
    assert c.lang == "en" and c.bound_activity() is None
    assert LaunchClaims.from_jwt_body({**BASE, LTI + "custom": {"exam": "3"}}).bound_activity() == ("exam", 3)


def test_deep_linking_return_hosts_of_a_canvas_cloud_issuer_include_its_schools() -> None:
    from wims_lti.lti.deep_linking import return_url_allowed
    from wims_lti.models import Platform

    canvas = Platform(
        issuer="https://canvas.instructure.com",
        auth_login_url="https://sso.canvaslms.com/api/lti/authorize_redirect",
        auth_token_url="https://sso.canvaslms.com/login/oauth2/token",
        keyset_url="https://sso.canvaslms.com/api/lti/security/jwks",
    )
    school = "https://myschool.instructure.com/courses/12/deep_linking_response?modal=true"
    assert return_url_allowed(school, canvas)
    assert not return_url_allowed("https://instructure.com.attacker.example/dl", canvas)
    assert not return_url_allowed("https://myschool.instructure.com.attacker.example/dl", canvas)
    assert not return_url_allowed("javascript:alert(1)//myschool.instructure.com", canvas)
    self_hosted = Platform(issuer="https://canvas.example.edu", keyset_url="https://canvas.example.edu/jwks")
    assert not return_url_allowed(school, self_hosted)
    assert return_url_allowed("https://canvas.example.edu/courses/1/deep_linking_response", self_hosted)
