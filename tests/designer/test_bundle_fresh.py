"""Every committed browser bundle was built from the committed sources."""

import shutil

import pytest

from designer.views import bundle_stamp


@pytest.mark.parametrize("bundle", bundle_stamp.BUNDLES, ids=lambda b: b.path.rsplit("/", 1)[1])
def test_committed_bundle_is_built_from_the_committed_sources(bundle):
    stamped = bundle_stamp.stamped_hash(bundle)
    assert stamped is not None, f"{bundle.path} has no sources header: run {bundle.script}"
    assert stamped == bundle_stamp.sources_hash(bundle), (
        f"{bundle.path} is older than its sources ({', '.join(bundle.sources)}): "
        f"run {bundle.script} and commit the bundle"
    )


@pytest.mark.parametrize("bundle", bundle_stamp.BUNDLES, ids=lambda b: b.path.rsplit("/", 1)[1])
def test_a_source_edit_without_a_rebuild_is_caught(tmp_path, bundle):
    for relative in bundle.sources:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(bundle_stamp.ROOT / relative, tmp_path / relative)
    built = tmp_path / bundle.path
    built.parent.mkdir(parents=True, exist_ok=True)
    built.write_text("export default {};\n", encoding="utf-8")
    stamped = bundle_stamp.write_stamp(bundle, root=tmp_path)
    assert built.read_text(encoding="utf-8").endswith("export default {};\n")
    assert bundle_stamp.stamped_hash(bundle, tmp_path) == stamped == bundle_stamp.sources_hash(bundle, tmp_path)

    source = tmp_path / bundle.sources[0]
    source.write_text(source.read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    assert bundle_stamp.stamped_hash(bundle, tmp_path) != bundle_stamp.sources_hash(bundle, tmp_path)

    # restamping replaces the header rather than stacking a second one
    bundle_stamp.write_stamp(bundle, root=tmp_path)
    assert built.read_text(encoding="utf-8").count("sources-sha256") == 1
