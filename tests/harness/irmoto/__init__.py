"""irmoto: the project's pinned extensions of moto 5.2.5 (server mode).

Every departure from moto lives in ``irmoto.extensions`` (and its sibling
``irmoto.stacks``) and is applied by ``apply_all()``; ``python -m irmoto.server``
starts a moto server with them.
"""

from .extensions import EXTENSIONS, apply_all

__all__ = ["EXTENSIONS", "apply_all"]
