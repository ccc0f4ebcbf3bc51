"""The committed canvas bundle was built from the committed sources."""

import shutil

from designer.views import bundle_stamp


def test_committed_bundle_is_built_from_the_committed_sources():
    stamped = bundle_stamp.stamped_hash()
    assert stamped is not None, "network_canvas.bundle.js has no sources header: run scripts/build-js"
    assert stamped == bundle_stamp.sources_hash(), (
        "network_canvas.bundle.js is older than network_canvas.jsx or the tools/js lock files: "
        "run scripts/build-js and commit the bundle"
    )


def test_a_jsx_edit_without_a_rebuild_is_caught(tmp_path):
    for relative in bundle_stamp.SOURCES:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bundle_stamp.ROOT / relative, tmp_path / relative)
    bundle = tmp_path / "network_canvas.bundle.js"
    bundle.write_text("export default {};\n", encoding="utf-8")
    stamped = bundle_stamp.write_stamp(bundle, root=tmp_path)
    assert bundle.read_text(encoding="utf-8").endswith("export default {};\n")
    assert bundle_stamp.stamped_hash(bundle) == stamped == bundle_stamp.sources_hash(tmp_path)

    jsx = tmp_path / "designer/views/network_canvas.jsx"
    jsx.write_text(jsx.read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    assert bundle_stamp.stamped_hash(bundle) != bundle_stamp.sources_hash(tmp_path)

    # restamping replaces the header rather than stacking a second one
    bundle_stamp.write_stamp(bundle, root=tmp_path)
    assert bundle.read_text(encoding="utf-8").count("sources-sha256") == 1
