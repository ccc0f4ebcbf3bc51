"""Lessons in the browser: /app?lesson=lif_neuron opens the lesson beside canvas and plots, its
text and KaTeX equations render with nothing fetched off 127.0.0.1 (fonts included), a
step is marked done with the measured rate once the named parameter is changed while it
runs, and "Reset lesson" brings the lesson's network back.
Screenshots (1366x768): artifacts/screenshots/lesson-01-opened.png, lesson-02-step-done.png."""
from __future__ import annotations

import pytest
from page_helpers import live_slider, open_app, read_state, select_node, wait_slider_acked, wait_state
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

KATEX_FONTS_LOADED = """async () => {
  await document.fonts.ready;
  return [...document.fonts].filter((f) => f.family.includes('KaTeX') && f.status === 'loaded').length;
}"""


def test_a_lesson_opens_by_link_checks_its_step_and_resets(sized_page, app_server, screenshot_dir):
    page = sized_page(1366, 768)
    open_app(page, app_server.url, "?lesson=lif_neuron")
    assert read_state(page)["network"] == "lif_neuron"
    lesson = page.locator("[data-part=lesson]")
    expect(lesson.get_by_text("One LIF neuron under DC")).to_be_visible()
    expect(lesson.get_by_text("The leaky integrate-and-fire (LIF) neuron")).to_be_visible()
    # equations typeset by KaTeX (its own markup), the display one as a block
    expect(lesson.locator(".lesson-prose .katex-display").first).to_be_visible()
    assert lesson.locator(".lesson-prose .katex").count() >= 10
    assert lesson.locator(".lesson-prose .math-error").count() == 0
    assert page.evaluate(KATEX_FONTS_LOADED) >= 1  # the bundled fonts, from data: URLs
    # the lesson column shares the screen: canvas and raster keep a usable size beside it
    canvas, raster = page.locator("[data-part=canvas]").bounding_box(), page.locator("[data-part=plots]").bounding_box()
    assert canvas["width"] >= 600 and canvas["height"] >= 180 and raster["height"] >= 180
    page.screenshot(path=str(screenshot_dir / "lesson-01-opened.png"))

    first_step = lesson.locator("[data-step='1']")
    expect(first_step).not_to_have_class("done")
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 600", timeout=60_000)
    expect(first_step).to_contain_text("now: rate = 0 Hz", timeout=10_000)
    select_node(page, "current")
    box, _ = live_slider(page, "amplitude (pA)")
    box.fill("400")
    box.press("Enter")
    assert wait_slider_acked(page, box)
    expect(first_step).to_have_class("done", timeout=20_000)
    expect(lesson.locator("[data-step='2']")).to_contain_text("done: rate = 3", timeout=20_000)
    expect(lesson.locator("[data-step='3']")).not_to_have_class("done")
    page.mouse.move(1, 760)
    page.screenshot(path=str(screenshot_dir / "lesson-02-step-done.png"))

    lesson.get_by_role("button", name="Reset lesson").click()
    expect(first_step).not_to_have_class("done")
    wait_state(page, "s.t_ms === 0 && s.status !== 'running'")
    select_node(page, "current")
    expect(live_slider(page, "amplitude (pA)")[0]).to_have_value("300")


def test_next_opens_the_following_lesson_with_its_equations(sized_page, app_server):
    page = sized_page(1366, 768)
    open_app(page, app_server.url, "?lesson=lif_neuron")
    lesson = page.locator("[data-part=lesson]")
    lesson.get_by_role("button", name="Next ▸").click()
    wait_state(page, "s.network === 'synapses'")
    expect(lesson.get_by_text("lesson 2 of")).to_be_visible()
    expect(lesson.locator(".lesson-text table .katex").first).to_be_visible()


HOSTILE = ("Hi <img src=x onerror=alert(1)> and <script>alert(2)</script> [link](javascript:alert(3))\n\n"
           "$$\\href{javascript:alert(4)}{click}$$ and $x_1$")
SET_LESSON_HTML = """(html) => {
  const doc = Bokeh.documents[0];
  // the lesson panel's text, not the lesson editor's preview (also a LessonText)
  const model = [...doc.all_models].find((m) => (m.css_classes || []).includes('lesson-text-pane') && m.data && 'html' in m.data.properties);
  model.data.html = html;
}"""


def test_lesson_text_cannot_inject_html_or_scripts(sized_page, app_server):
    """The server's sanitised HTML of a hostile lesson text, shown by the page: no element, no
    script, no link run; the would-be tags show as text and KaTeX refuses \\href (trust off)."""
    from designer.views.lesson import lesson_html

    page = sized_page(1366, 768)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    open_app(page, app_server.url, "?lesson=lif_neuron")
    text = page.locator("[data-part=lesson] div.lesson-prose")
    expect(text.locator(".katex").first).to_be_visible()
    page.evaluate(SET_LESSON_HTML, lesson_html(HOSTILE))
    expect(text).to_contain_text("<img src=x onerror=alert(1)>")
    expect(text.locator(".katex").first).to_be_visible()  # $x_1$ still typeset
    assert text.locator("img, script, a[href^='javascript']").count() == 0
    page.wait_for_timeout(500)  # an onerror would have fired by now
    assert dialogs == []


def test_the_lesson_index_opens_a_lesson_by_its_link(sized_page, app_server):
    page = sized_page(1366, 768)
    page.goto(app_server.url + "?lessons=all")
    index = page.locator(".lesson-index")
    expect(index.get_by_text("From one neuron to networks")).to_be_visible(timeout=30_000)
    assert index.locator("li").count() >= 4
    index.get_by_role("link", name="Short-term plasticity").click()
    wait_state(page, "s.network === 'short_term_plasticity'", timeout=30_000)
    expect(page.locator("[data-part=lesson]").get_by_text("lesson 3 of")).to_be_visible()
