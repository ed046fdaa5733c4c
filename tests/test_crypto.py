import pytest
from django.db import connection

from wims_lti import crypto
from wims_lti.models import WimsServer


def test_encrypt_round_trip_and_ciphertext_differs() -> None:
    token = crypto.encrypt("ltisecret")
    assert "ltisecret" not in token
    assert crypto.decrypt(token) == "ltisecret"
    assert crypto.encrypt("ltisecret") != token  # random IV


def test_key_rotation_old_tokens_still_decrypt(settings) -> None:
    old_key, new_key = crypto.generate_key(), crypto.generate_key()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    token = crypto.encrypt("s3cret")
    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    assert crypto.decrypt(token) == "s3cret"
    settings.FIELD_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


@pytest.mark.django_db
def test_wims_password_is_encrypted_at_rest() -> None:
    server = WimsServer.objects.create(
        name="main", url="http://127.0.0.1:1/wims/wims.cgi", ident="lti", passwd="ltisecret"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT passwd FROM wims_lti_wimsserver WHERE id = %s", [server.pk])
        stored = cursor.fetchone()[0]
    assert "ltisecret" not in stored
    assert WimsServer.objects.get(pk=server.pk).passwd == "ltisecret"
    assert "ltisecret" not in repr(server) and "ltisecret" not in str(server)
