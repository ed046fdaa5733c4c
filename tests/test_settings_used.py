from django.conf import settings


def test_the_suite_runs_on_test_settings() -> None:
    assert settings.SETTINGS_MODULE == "settings.test"
    assert settings.DEBUG is False
