"""A committed JS bundle carries a hash of its sources in its first line.

``scripts/build-js`` stamps the bundle after building it; the test
``tests/designer/test_bundle_fresh.py`` recomputes the hash from the committed
sources, so a JSX or lock-file change without a rebuild fails the suite
instead of shipping a browser page that runs old code.

    python -m designer.views.bundle_stamp            # print the sources' hash
    python -m designer.views.bundle_stamp --write    # stamp the bundle
"""

from __future__ import annotations

import hashlib
import pathlib
import sys

ROOT = pathlib.Path(__file__).absolute().parents[2]
BUNDLE = ROOT / "designer" / "views" / "network_canvas.bundle.js"

#: What the bundle is built from: the component source and the lock files that
#: pin esbuild and the npm packages (paths relative to the repository root).
SOURCES = (
    "designer/views/network_canvas.jsx",
    "tools/js/package.json",
    "tools/js/package-lock.json",
    "tools/js/canvas-build/package.json",
    "tools/js/canvas-build/package-lock.json",
)

HEADER_PREFIX = "/* sources-sha256: "
HEADER_SUFFIX = " (written by scripts/build-js) */\n"


def sources_hash(root: pathlib.Path = ROOT) -> str:
    """SHA-256 over each source's path and bytes, in the fixed order above."""
    digest = hashlib.sha256()
    for relative in SOURCES:
        digest.update(relative.encode() + b"\0")
        digest.update((root / relative).read_bytes() + b"\0")
    return digest.hexdigest()


def stamped_hash(bundle: pathlib.Path = BUNDLE) -> str | None:
    """The hash in the bundle's header line, or None when it has no header."""
    with bundle.open(encoding="utf-8") as handle:
        first = handle.readline()
    if not (first.startswith(HEADER_PREFIX) and first.endswith(HEADER_SUFFIX)):
        return None
    return first[len(HEADER_PREFIX) : -len(HEADER_SUFFIX)]


def write_stamp(bundle: pathlib.Path = BUNDLE, root: pathlib.Path = ROOT) -> str:
    """Put the current sources' hash in the bundle's header (replacing an old one)."""
    text = bundle.read_text(encoding="utf-8")
    if stamped_hash(bundle) is not None:
        text = text.split("\n", 1)[1]
    digest = sources_hash(root)
    bundle.write_text(HEADER_PREFIX + digest + HEADER_SUFFIX + text, encoding="utf-8")
    return digest


if __name__ == "__main__":
    print(write_stamp() if "--write" in sys.argv[1:] else sources_hash())
