"""irmoto.waf through boto3 against a real server: UpdateIPSet as an atomic compare-and-set under
concurrent writers, and another writer injected between a read and a write. Run with
IRMOTO_TEST_WITHOUT_EXTENSIONS=1 to see them fail."""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError


def make_set(aws: Any, uid: str) -> dict[str, str]:
    waf = aws("wafv2")
    summary = waf.create_ip_set(Name=f"set-{uid}", Scope="REGIONAL", IPAddressVersion="IPV4", Addresses=[])["Summary"]
    return {"Name": summary["Name"], "Id": summary["Id"], "Scope": "REGIONAL"}


def test_writers_holding_the_same_token_cannot_both_win(aws: Any, uid: str) -> None:
    # A guard, not a proof: unpatched, moto's window between compare and update is a few
    # bytecodes wide, so this rarely catches it; with W1 it can never happen.
    waf = aws("wafv2")
    ref = make_set(aws, uid)
    for round_ in range(5):
        token = waf.get_ip_set(**ref)["LockToken"]
        results: list[str] = []
        barrier = threading.Barrier(8)

        def write(i: int) -> None:
            client = aws("wafv2")
            barrier.wait()
            try:
                client.update_ip_set(**ref, Addresses=[f"45.9.{round_}.{i}/32"], LockToken=token)
                results.append("won")
            except ClientError as e:
                results.append(e.response["Error"]["Code"])

        threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count("won") == 1, results
        assert results.count("WAFOptimisticLockException") == 7, results


def interleave(endpoint: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(endpoint + "/moto-api/irmoto/waf-interleave", data=data,
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_another_writer_between_read_and_write_makes_the_write_fail(aws: Any, moto_endpoint: str, uid: str) -> None:
    waf = aws("wafv2")
    ref = make_set(aws, uid)
    interleave(moto_endpoint, {"name": ref["Name"], "address": "203.0.113.9/32"})
    read = waf.get_ip_set(**ref)
    assert read["IPSet"]["Addresses"] == []  # the caller's view: before the other writer
    with pytest.raises(ClientError) as stale:
        waf.update_ip_set(**ref, Addresses=["45.9.148.7/32"], LockToken=read["LockToken"])
    assert stale.value.response["Error"]["Code"] == "WAFOptimisticLockException"
    again = waf.get_ip_set(**ref)
    assert again["IPSet"]["Addresses"] == ["203.0.113.9/32"]
    waf.update_ip_set(**ref, Addresses=["203.0.113.9/32", "45.9.148.7/32"], LockToken=again["LockToken"])
    assert sorted(waf.get_ip_set(**ref)["IPSet"]["Addresses"]) == ["203.0.113.9/32", "45.9.148.7/32"]
    served = [i for i in interleave(moto_endpoint)["Interleaves"] if i["name"] == ref["Name"]]
    assert served == [{"name": ref["Name"], "address": "203.0.113.9/32", "served": 1}]
