"""Each committed browser bundle carries a hash of its sources in its first line.

``scripts/build-js`` (the canvas JS and CSS) and ``scripts/build-katex`` (the lesson
text's KaTeX bundle) stamp what they build; ``tests/designer/test_bundle_fresh.py``
recomputes the hashes from the committed sources, so a source or lock-file change
without a rebuild fails the suite instead of shipping a page that runs old code.

    python -m designer.views.bundle_stamp                    # print every bundle's sources hash
    python -m designer.views.bundle_stamp --write BUNDLE...  # stamp these bundles (paths as below)
"""

from __future__ import annotations

import hashlib
import pathlib
import sys
from dataclasses import dataclass

ROOT = pathlib.Path(__file__).absolute().parents[2]

#: esbuild, pinned for both builds
ESBUILD = ("tools/js/package.json", "tools/js/package-lock.json")
CANVAS_SOURCES = ("designer/views/network_canvas.jsx", *ESBUILD,
                  "tools/js/canvas-build/package.json", "tools/js/canvas-build/package-lock.json")
# the build script itself: it splits KaTeX's CSS and inlines its fonts
KATEX_SOURCES = ("designer/views/lesson_text.js", "scripts/build-katex", *ESBUILD,
                 "tools/js/katex-build/package.json", "tools/js/katex-build/package-lock.json")

HEADER_PREFIX = "/* sources-sha256: "


@dataclass(frozen=True)
class Bundle:
    """A committed file built from `sources` (paths relative to the repository root) by `script`."""

    path: str
    sources: tuple[str, ...]
    script: str

    @property
    def header_suffix(self) -> str:
        return f" (written by {self.script}) */\n"


BUNDLES = (
    Bundle("designer/views/network_canvas.bundle.js", CANVAS_SOURCES, "scripts/build-js"),
    Bundle("designer/views/network_canvas.bundle.css", CANVAS_SOURCES, "scripts/build-js"),
    Bundle("designer/views/lesson_text.bundle.js", KATEX_SOURCES, "scripts/build-katex"),
)


def sources_hash(bundle: Bundle, root: pathlib.Path = ROOT) -> str:
    """SHA-256 over each source's path and bytes, in the bundle's fixed order."""
    digest = hashlib.sha256()
    for relative in bundle.sources:
        digest.update(relative.encode() + b"\0")
        digest.update((root / relative).read_bytes() + b"\0")
    return digest.hexdigest()


def stamped_hash(bundle: Bundle, root: pathlib.Path = ROOT) -> str | None:
    """The hash in the bundle's header line, or None when it has no header."""
    with (root / bundle.path).open(encoding="utf-8") as handle:
        first = handle.readline()
    if not (first.startswith(HEADER_PREFIX) and first.endswith(bundle.header_suffix)):
        return None
    return first[len(HEADER_PREFIX) : -len(bundle.header_suffix)]


def write_stamp(bundle: Bundle, root: pathlib.Path = ROOT) -> str:
    """Put the current sources' hash in the bundle's header (replacing an old one)."""
    path = root / bundle.path
    text = path.read_text(encoding="utf-8")
    if stamped_hash(bundle, root) is not None:
        text = text.split("\n", 1)[1]
    digest = sources_hash(bundle, root)
    path.write_text(HEADER_PREFIX + digest + bundle.header_suffix + text, encoding="utf-8")
    return digest


def _bundle_named(path: str) -> Bundle:
    for bundle in BUNDLES:
        if bundle.path == path:
            return bundle
    raise SystemExit(f"bundle_stamp: {path} is not a known bundle ({', '.join(b.path for b in BUNDLES)})")


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if arguments[:1] == ["--write"]:
        for name in arguments[1:]:
            print(name, write_stamp(_bundle_named(name)))
    else:
        for bundle in BUNDLES:
            print(bundle.path, sources_hash(bundle))
