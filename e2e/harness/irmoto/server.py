"""Start moto 5.2.5 in server mode with the irmoto extensions.

    python -m irmoto.server --host 127.0.0.1 --port 5055

- MOTO_PORT is set to the port before moto serves anything: Step Functions'
  service integrations (sns:publish, lambda:invoke, aws-sdk:*) call
  http://localhost:$MOTO_PORT from inside the server.
- Step Functions execution is switched on and Lambda uses the no-Docker backend
  before any resource exists: the executing store is separate from the default one.
- Lambda invocations go to $IR_LAMBDA_INVOKE_ENDPOINT when it is set (see
  irmoto.extensions.patch_lambda_invoke_forwarding).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m irmoto.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--without-extensions",
        action="store_true",
        help="plain moto (same config): only to check that the harness tests fail without irmoto",
    )
    args = parser.parse_args(argv)

    os.environ["MOTO_PORT"] = str(args.port)  # before moto is imported
    # AWS managed policies exist in every account (templates attach them, e.g.
    # AmazonSSMManagedInstanceCore); moto loads them only when asked.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    from irmoto.extensions import apply_all

    if not args.without_extensions:
        apply_all()

    from moto.core.config import default_user_config

    default_user_config.update(MOTO_CONFIG)  # same effect as POST /moto-api/config, but before any request

    from moto.server import main as moto_main

    print(
        f"irmoto: moto on http://{args.host}:{args.port}, execute_state_machine on, "
        f"extensions {'OFF' if args.without_extensions else 'on'}, "
        f"Lambda invoke -> {os.environ.get('IR_LAMBDA_INVOKE_ENDPOINT') or 'moto echo (IR_LAMBDA_INVOKE_ENDPOINT unset)'}",
        file=sys.stderr,
        flush=True,
    )
    moto_main(["--host", args.host, "--port", str(args.port)])


if __name__ == "__main__":
    main()
