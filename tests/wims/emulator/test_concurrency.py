"""One lock around the state: concurrent calls over HTTP never lose or duplicate anything."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from tests.fixtures.wims_servers import WimsTarget

CLASS = (
    "description=Concurrent\ninstitution=Test U\nsupervisor=Sue Pervisor\nemail=sup@example.com\n"
    "password=classpw"
)
SUPERVISOR = "lastname=Pe\nfirstname=Su\npassword=suppw"


def test_concurrent_addclass_gives_distinct_ids(emulator_target: WimsTarget) -> None:
    rclass = emulator_target.rclass + "cc"
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(
            pool.map(
                lambda _: emulator_target.raw(
                    "addclass", rclass=rclass, data1=CLASS, data2=SUPERVISOR
                ).json(),
                range(20),
            )
        )
    ids = {reply["class_id"] for reply in replies}
    assert len(ids) == 20
    for qclass in ids:
        assert emulator_target.raw("delclass", qclass=qclass, rclass=rclass).json()["status"] == "OK"


def test_concurrent_adduser_of_distinct_users_all_succeed(emulator_target: WimsTarget) -> None:
    rclass = emulator_target.rclass + "cu"
    qclass = emulator_target.raw("addclass", rclass=rclass, data1=CLASS, data2=SUPERVISOR).json()["class_id"]

    def add(n: int) -> dict:
        return emulator_target.raw(
            "adduser",
            qclass=qclass,
            rclass=rclass,
            quser=f"user{n:02d}",
            data1=f"lastname=L{n}\nfirstname=F\npassword=pw",
        ).json()

    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(add, range(20)))
    assert all(reply["status"] == "OK" for reply in replies), replies
    users = emulator_target.raw("getclass", qclass=qclass, rclass=rclass, option="usercount").json()
    assert users["usercount"] == "20"
    emulator_target.raw("delclass", qclass=qclass, rclass=rclass)
