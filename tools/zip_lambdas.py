#!/usr/bin/env python3
"""Zips each release binary in a lambda directory as provided.al2023 expects (#19, #23).

Usage: zip_lambdas.py LAMBDA_DIR

``cargo lambda build --output-format binary`` leaves ``LAMBDA_DIR/<name>/bootstrap`` for each
binary; this writes ``LAMBDA_DIR/<name>/bootstrap.zip`` beside it: one entry ``bootstrap``, mode
755, a fixed timestamp (the same binary gives the same zip), deflated. A zip whose comment
already holds its binary's SHA-256 is left as it is: after a change to one task most binaries
link byte for byte as before, and zipping fifty of them again took 19 s of a 37 s rebuild.
The binaries are zipped one per core.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def zip_one(folder: Path) -> tuple[str, int, bool]:
    """(name, zip size, whether it was written) for the binary in `folder`."""
    binary = folder / "bootstrap"
    target = folder / "bootstrap.zip"
    data = binary.read_bytes()
    digest = hashlib.sha256(data).hexdigest().encode()
    if target.exists():
        try:
            with zipfile.ZipFile(target) as z:
                if z.comment == digest:
                    return folder.name, target.stat().st_size, False
        except zipfile.BadZipFile:
            pass
    info = zipfile.ZipInfo("bootstrap", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = (0o100755 & 0xFFFF) << 16
    info.create_system = 3  # Unix, so that the mode is read
    info.compress_type = zipfile.ZIP_DEFLATED
    partial = target.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w") as z:
        z.writestr(info, data, compresslevel=6)
        z.comment = digest
    partial.replace(target)
    return folder.name, target.stat().st_size, True


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    root = Path(sys.argv[1])
    folders = sorted(p.parent for p in root.glob("*/bootstrap") if p.is_file())
    if not folders:
        print(f"zip_lambdas: no <name>/bootstrap in {root}: build with cargo lambda build "
              "--output-format binary first", file=sys.stderr)
        return 2
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        results = list(pool.map(zip_one, folders))
    sizes = {name: size for name, size, _ in results}
    tasks = [s for name, s in sizes.items() if name != "bootstrap"]
    written = sum(w for _, _, w in results)
    line = f"package: {len(tasks)} task zips in {root}, {min(tasks) / 1e6:.1f} to {max(tasks) / 1e6:.1f} MB"
    if "bootstrap" in sizes:
        line += f", and the bootstrap (every task) {sizes['bootstrap'] / 1e6:.1f} MB"
    print(f"{line}; {written} zipped, {len(results) - written} unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
