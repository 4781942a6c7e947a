"""WAFv2 IP sets as AWS keeps them under concurrent writers, and a second writer on demand.

W1. ``UpdateIPSet`` is a compare-and-set.
AWS doc: AWS WAF API Reference, "UpdateIPSet" (``LockToken``: "AWS WAF uses the token to ensure
that no changes have been made to the entity since you last retrieved it. If a change has been
made, the update fails with a WAFOptimisticLockException").
moto 5.2.5 (moto/wafv2/models.py WAFV2Backend.update_ip_set) compares the token and then
updates, with nothing between the two: under moto's threaded server two writers holding the
same token can both pass the comparison, and the second silently drops the first's addresses —
exactly the lost update the token exists to prevent. The comparison and the update are made
one step under a lock here.

W2. Another writer between a read and a write, on demand.
``POST /moto-api/irmoto/waf-interleave`` ``{"name": SET, "address": CIDR}``: the next
``GetIPSet`` of that set is answered as read, and right after it the harness adds ``address``
to the set as another team's writer would (the lock token rotates). The caller's
``UpdateIPSet`` with the token it read then fails with ``WAFOptimisticLockException``, as on
AWS when someone edits the set in between. ``GET`` lists the registrations with ``served``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

INTERLEAVE_PATH = "/moto-api/irmoto/waf-interleave"
_ORIGINALS: dict[str, Any] = {}
_WRITE_LOCK = threading.RLock()
_INTERLEAVES: list[dict[str, Any]] = []


def patch_wafv2_atomic_update() -> None:
    from moto.wafv2.models import WAFV2Backend

    original = _ORIGINALS.setdefault("update_ip_set", WAFV2Backend.update_ip_set)

    def update_ip_set(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _WRITE_LOCK:
            return original(self, *args, **kwargs)

    WAFV2Backend.update_ip_set = update_ip_set  # type: ignore[method-assign]


def _interleave(backend: Any, name: str, scope: str, set_id: str) -> None:
    with _WRITE_LOCK:
        pending = next((i for i in _INTERLEAVES if i["name"] == name and i["served"] == 0), None)
        if pending is None:
            return
        ip_set = backend.get_ip_set(name=name, scope=scope, _id=set_id)
        addresses = list(ip_set.addresses or [])
        if pending["address"] not in addresses:
            addresses.append(pending["address"])
        backend.update_ip_set(name, scope, set_id, None, addresses, ip_set.lock_token)
        pending["served"] += 1


def patch_wafv2_interleave() -> None:
    from moto.moto_api._internal import urls
    from moto.wafv2.responses import WAFV2Response

    original = _ORIGINALS.setdefault("get_ip_set", WAFV2Response.get_ip_set)

    def get_ip_set(self):  # type: ignore[no-untyped-def]
        answer = original(self)  # serialized before the other writer acts: the caller's view
        if _INTERLEAVES:
            _interleave(self.wafv2_backend, self._get_param("Name"), self._get_param("Scope"), self._get_param("Id"))
        return answer

    WAFV2Response.get_ip_set = get_ip_set  # type: ignore[method-assign]

    def handler(request: Any, full_url: str, headers: Any) -> tuple[int, dict[str, str], str]:
        json_headers = {"Content-Type": "application/json"}
        if request.method == "GET":
            with _WRITE_LOCK:
                return 200, json_headers, json.dumps({"Interleaves": list(_INTERLEAVES)})
        try:
            body = json.loads(request.get_data() or b"{}")
            entry = {"name": str(body["name"]), "address": str(body["address"]), "served": 0}
        except (ValueError, KeyError, TypeError) as e:
            return 400, json_headers, json.dumps({"message": f"bad interleave: {e}"})
        with _WRITE_LOCK:
            _INTERLEAVES.append(entry)
        return 200, json_headers, json.dumps({"Interleave": entry})

    urls.url_paths["{0}" + INTERLEAVE_PATH + "$"] = handler


WAF_EXTENSIONS: list[Callable[[], None]] = [
    patch_wafv2_atomic_update,
    patch_wafv2_interleave,
]
