"""irmoto: the project's pinned extensions of moto 5.2.5 (server mode).

Every departure from moto lives in ``irmoto.extensions`` (and its siblings
``irmoto.stacks``, ``irmoto.services``, ``irmoto.ec2_evidence``, ``irmoto.faults``,
``irmoto.iam``) and is
applied by ``apply_all()``; ``python -m irmoto.server`` starts a moto server with them.
``EXTENSIONS`` and ``apply_all`` are imported on first use, so that ``python -m irmoto.faults``
(a module the extensions import) runs without importing itself twice.
"""

from typing import Any

__all__ = ["EXTENSIONS", "apply_all"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import extensions

        return getattr(extensions, name)
    raise AttributeError(f"module 'irmoto' has no attribute {name!r}")
