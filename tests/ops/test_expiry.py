"""OIDC states, nonces and launch data live in Redis with a TTL: nothing for `purge` to do there.

After a real launch through the dev platform, every key the launch left in the cache has an expiry
(pylti1p3 stores its state/nonce/launch data for 24 h; the replay guard for the nonce's lifetime)."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings

from tests.fixtures.lti_env import LtiEnv

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_launch_leaves_only_expiring_keys(lti_env: LtiEnv) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    before = set(client.scan_iter("wims_lti:*"))
    lti_env.enter(lti_env.teacher)  # OIDC login, launch, class creation, into WIMS
    new = set(client.scan_iter("wims_lti:*")) - before
    created = [k for k in new if not k.startswith(b"wims_lti:metrics:")]  # counters: kept on purpose
    assert any(b"nonce" in k or b"state" in k or b"lti1p3" in k for k in created), created
    persistent = [k for k in created if client.ttl(k) < 0]
    assert not persistent, persistent
    assert all(client.ttl(k) <= 86400 + 3600 for k in created)
