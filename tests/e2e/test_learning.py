"""The learning panel in the browser: the digits example runs, Train (in the Learning section)
fills the learning curve and the held-out accuracy live, the receptive fields appear, Restore
best puts back the best checkpoint, and the curve downloads as CSV. Screenshots at 1366x768:
artifacts/screenshots/learning-*.png."""
from __future__ import annotations

import csv
import io

import pytest
from page_helpers import SHADOW_FIND, node, set_field, wait_state
from playwright.sync_api import Page, expect

# The note's data attributes and the figures' sources, as the page holds them.
SHOWN = """() => {
  """ + SHADOW_FIND + """
  const note = find(document, 'span.learning-note');
  const doc = window.Bokeh && Bokeh.documents && Bokeh.documents[0];
  if (!note || !doc) return null;
  const data = name => { const m = doc.get_model_by_name(name); return m ? m.data : null; };
  const curve = data('learning-curve'), test = data('learning-test'), fields = data('learning-fields');
  const confusion = data('learning-confusion');
  return {status: note.dataset.status || '', points: Number(note.dataset.points || 0),
          heldOut: Number(note.dataset.heldOut || -1), best: note.dataset.best || '', text: note.textContent,
          samples: curve ? Array.from(curve.samples) : [], tests: test ? Array.from(test.test) : [],
          images: fields ? fields.image.length : 0,
          confusion: confusion ? Array.from(confusion.count).reduce((a, b) => a + b, 0) : 0};
}"""


SLOW_MS = 60_000  # the machine is shared: a busy server answers a click late


@pytest.fixture
def app(page: Page, page_errors, app_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    page.set_default_timeout(SLOW_MS)
    page.goto(app_server.url + "?example=digits")
    wait_state(page, "s.populations.includes('exc')", timeout=SLOW_MS)
    expect(node(page, "exc")).to_be_visible(timeout=SLOW_MS)
    return page


def wait_shown(page: Page, predicate: str, timeout: int = 240_000) -> dict:
    page.wait_for_function(f"() => {{ const a = ({SHOWN})(); return !!a && ({predicate}); }}", timeout=timeout,
                           polling=250)
    return page.evaluate(SHOWN)


def test_training_the_digits_example_shows_the_curve_accuracy_and_receptive_fields_live(app: Page, tmp_path,
                                                                                         screenshot_dir):
    app.get_by_role("button", name="▶ Run").click()  # the example runs as a simulation too
    wait_state(app, "s.status === 'running' && s.t_ms > 200", timeout=SLOW_MS)
    app.get_by_role("button", name="Pause").click()
    wait_state(app, "s.status === 'paused'", timeout=SLOW_MS)
    app.get_by_role("button", name="Expand Learning", exact=True).click()  # the section starts collapsed
    section = app.locator('.ws-section[aria-label="Learning"]')
    app.wait_for_timeout(500)
    app.screenshot(path=str(screenshot_dir / "learning-side-open-1366x768.png"))
    title = "Learning"
    app.get_by_role("button", name=f"Enlarge {title}", exact=True).click()  # room for its options and figures
    set_field(app, "Training samples", "150")
    set_field(app, "Check every", "50")
    set_field(app, "Check size", "40")
    section.get_by_role("button", name="Train", exact=True).click()
    expect(section.get_by_role("button", name="Stop", exact=True)).to_be_visible(timeout=SLOW_MS)
    first = wait_shown(app, "a.status === 'training' && a.points >= 1 && a.tests.length >= 1")
    assert first["samples"][0] == 50 and first["images"] == 1 and first["confusion"] == 40
    app.wait_for_timeout(600)  # the enlarged layout settles
    app.screenshot(path=str(screenshot_dir / "learning-training-enlarged-1366x768.png"))
    later = wait_shown(app, f"a.points > {first['points']}")  # the curve grows while it trains
    assert later["samples"][:len(first["samples"])] == first["samples"]
    done = wait_shown(app, "a.status === 'done'")
    assert done["samples"] == [50, 100, 150] and len(done["tests"]) == 3
    assert all(0.1 < accuracy <= 1.0 for accuracy in done["tests"])  # above chance (10 %)
    assert "synaptic operations per classified sample" in done["text"]
    app.screenshot(path=str(screenshot_dir / "learning-done-enlarged-1366x768.png"))

    restore = section.get_by_role("button", name="Restore best", exact=True)
    expect(restore).to_be_enabled(timeout=SLOW_MS)
    restore.click()
    restored = wait_shown(app, "a.status === 'restored'")
    assert f"after {restored['best']} training samples" in restored["text"]

    with app.expect_download() as info:
        section.get_by_role("button", name="Download", exact=True).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert path.name == "digits_learning_curve.csv" and [int(r["samples"]) for r in rows] == [50, 100, 150]
    app.mouse.move(700, 600)
    app.mouse.wheel(0, 400)  # down to the receptive fields
    app.wait_for_timeout(400)
    app.screenshot(path=str(screenshot_dir / "learning-fields-enlarged-1366x768.png"))
    app.get_by_role("button", name=f"Restore {title}", exact=True).click()
    app.wait_for_timeout(400)
    app.screenshot(path=str(screenshot_dir / "learning-side-1366x768.png"))

