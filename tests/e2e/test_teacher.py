"""The teacher console in a browser: refused without the server's token; with it, the teacher
pushes a network to three student pages (each accepts in its prompt), locks a parameter
(each student's field is disabled with the note, and a change forced from the page is
refused by the state), sees the class's rates and simulated time in the grid, and opens a
read-only view of one student's design. A pushed lesson opens in each accepting student's page
as the lesson (its text and steps beside the canvas, the steps measured while it runs)."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

from conftest import TEACHER_TOKEN
from page_helpers import live_slider, node, read_state, select_edge, select_node, wait_slider_acked, wait_state
from playwright.sync_api import expect

STUDENTS = ["Ada", "Bo", "Cy <i>3</i>"]  # the last one must show as text
LOCKED_WEIGHT = -0.8  # ei_network's inh→exc weight is -0.5


def teacher_url(app_server, token: str | None = TEACHER_TOKEN) -> str:
    return f"http://127.0.0.1:{app_server.port}/teacher" + (f"?token={quote(token)}" if token is not None else "")


def grid_row(teacher, student: str):
    return teacher.locator(f"table.class-grid tr[data-student={json.dumps(student)}]")


def test_the_console_is_refused_without_the_token(sized_page, app_server):
    page = sized_page(1366, 768)
    page.goto(teacher_url(app_server, None))
    expect(page.get_by_text("Teacher console: refused")).to_be_visible()
    expect(page.get_by_text("No teacher token was given.")).to_be_visible()
    expect(page.get_by_text("Send a network to the class")).to_have_count(0)
    page.goto(teacher_url(app_server, TEACHER_TOKEN[:-1] + "x"))
    expect(page.get_by_text("The teacher token is wrong.")).to_be_visible()
    expect(page.locator("table.class-grid")).to_have_count(0)


def open_students(sized_page, app_server) -> list:
    pages = []
    for name in STUDENTS:  # one browser context each: their own storage, as on their own laptops
        page = sized_page(1366, 768)
        page.goto(app_server.url + f"?example=one_neuron&student={quote(name)}")
        wait_state(page, "s.network === 'one_neuron'", timeout=30_000)  # three pages on a busy machine: patient
        expect(node(page, "neuron")).to_be_visible(timeout=30_000)
        pages.append(page)
    return pages


def push_ei_network(teacher, students, screenshot_dir) -> None:
    teacher.get_by_label("Network to send").select_option("Example: ei_network")
    teacher.get_by_role("button", name="Send to every student").click()
    for page in students:
        expect(page.get_by_text("Your teacher sent the example 'ei_network'")).to_be_visible()
        if page is students[0]:
            page.screenshot(path=str(screenshot_dir / "teacher_student_offer_1366x768.png"))
        page.get_by_role("button", name="Open it", exact=True).click()
        state = wait_state(page, "s.network === 'ei_network'")
        assert state["can_undo"]  # their one_neuron design is one undo away
        expect(page.get_by_text("Your teacher sent")).to_be_hidden()
    for name in STUDENTS:
        expect(grid_row(teacher, name)).to_contain_text("✓ opened")
        expect(grid_row(teacher, name)).to_contain_text("ei_network")


def lock_inhibitory_weight(teacher, students) -> None:
    teacher.get_by_label("Parameter", exact=True).select_option("inh→exc · weight = -0.5 mV")
    # the server puts the parameter's value into the box: type over it only after that
    expect(teacher.get_by_role("button", name="Lock inh→exc.weight at -0.5 for everyone")).to_be_visible()
    value = teacher.get_by_label("Locked value", exact=True)
    value.fill(str(LOCKED_WEIGHT))
    value.press("Enter")
    button = teacher.get_by_role("button", name=f"Lock inh→exc.weight at {LOCKED_WEIGHT:g} for everyone")
    button.click()  # named by the value the server has: the click locks that value
    expect(teacher.get_by_text(f"Locked for everyone: inh→exc.weight = {LOCKED_WEIGHT:g}")).to_be_visible()
    for page in students:
        wait_state(page, f"s.projections.find(p => p.name === 'inh→exc').weight === {LOCKED_WEIGHT}")
        expect(page.get_by_text(f"Locked by the teacher: inh→exc.weight = {LOCKED_WEIGHT:g}")).to_be_visible()
        select_edge(page, "inh→exc")
        box, slider = live_slider(page, "Weight (mV)")
        expect(box).to_be_disabled()
        expect(slider).to_be_disabled()
        expect(page.locator(".locked-note", has_text="locked by the teacher")).to_be_visible()


def test_push_lock_and_the_class_grid(sized_page, app_server, screenshot_dir):
    students = open_students(sized_page, app_server)
    teacher = sized_page(1366, 768)
    teacher.goto(teacher_url(app_server))
    for name in STUDENTS:
        expect(grid_row(teacher, name)).to_contain_text("one_neuron")
    expect(teacher.get_by_role("cell", name="Cy <i>3</i>", exact=True)).to_be_visible()  # a name with HTML, as text

    push_ei_network(teacher, students, screenshot_dir)
    lock_inhibitory_weight(teacher, students)

    # A change forced from the page (the box enabled by hand, a value sent) is refused by the state.
    box, _ = live_slider(students[0], "Weight (mV)")
    box.evaluate("el => { el.disabled = false }")
    box.fill("-3")
    box.press("Enter")
    assert wait_slider_acked(students[0], box) is False
    expect(students[0].locator("span.field-error", has_text="inh→exc.weight is locked by the teacher at -0.8")).to_be_visible()
    weights = {p["name"]: p["weight"] for p in read_state(students[0])["projections"]}
    assert weights["inh→exc"] == LOCKED_WEIGHT

    for page in students:  # three networks in one server on a shared 2-core machine: a tenth of real time
        page.get_by_label("Speed").select_option("0.1×")
        page.get_by_role("button", name="▶ Run").click()
    for name in STUDENTS:
        row = grid_row(teacher, name)
        expect(row).to_contain_text("▶ running", timeout=30_000)
        for population in ("exc", "inh"):  # the E/I network fires at a few to tens of Hz
            expect(row.locator(f".rate[data-population='{population}']")).to_have_attribute(
                "data-hz", re.compile(r"^(?!0\.000$)\d+\.\d{3}$"), timeout=30_000)
        expect(row.locator(".rate[data-population='noise']")).to_have_count(0)  # a device, not a population rate
    shown = grid_row(teacher, "Ada").locator("td.num").first.inner_text()
    expect(grid_row(teacher, "Ada").locator("td.num").first).not_to_have_text(shown, timeout=15_000)  # time moves
    for page in students:
        page.get_by_role("button", name="Pause").click()
        expect(page.locator(".status[data-state='paused']")).to_have_count(1, timeout=15_000)
    for name in STUDENTS:
        expect(grid_row(teacher, name)).to_contain_text("paused", timeout=15_000)

    teacher.get_by_label("Student", exact=True).select_option(label="Bo")
    expect(teacher.get_by_text("Bo's design: ei_network (read only)")).to_be_visible(timeout=15_000)
    expect(teacher.get_by_role("cell", name="inh → exc", exact=True)).to_be_visible()  # a projection's row
    expect(teacher.get_by_role("cell", name=f"{LOCKED_WEIGHT:g}", exact=True)).to_have_count(1)  # its locked weight

    teacher.screenshot(path=str(screenshot_dir / "teacher_console_1366x768.png"))
    students[0].screenshot(path=str(screenshot_dir / "teacher_student_locked_1366x768.png"))

    students[2].close()  # a closed tab leaves the class once Bokeh destroys its session (~5 s here)
    expect(grid_row(teacher, STUDENTS[2])).to_have_count(0, timeout=30_000)
    expect(teacher.get_by_text("Teacher console · 2 students connected")).to_be_visible()

    # Unlocking gives the students their slider back, and the server keeps no lock for
    # those who join later (the other tests share this server).
    teacher.get_by_role("button", name="Unlock all", exact=True).click()
    lock_marks = ".teacher-locks:visible, .locked-note:visible"  # the undo history keeps the edit's name
    for page in students[:2]:
        expect(page.locator(lock_marks)).to_have_count(0, timeout=15_000)
    box, slider = live_slider(students[0], "Weight (mV)")
    box.fill("-3")
    box.press("Enter")
    assert wait_slider_acked(students[0], box) is True
    expect(students[0].locator("span.field-error:visible", has_text="locked")).to_have_count(0)
    late = sized_page(1366, 768)
    late.goto(app_server.url + "?example=ei_network&student=Late")
    expect(grid_row(teacher, "Late")).to_contain_text("ei_network", timeout=30_000)
    expect(late.locator(lock_marks)).to_have_count(0)


LESSON_STUDENTS = ["Dee", "Eve"]  # names of their own: the test before may leave seats until their sessions end


def test_a_pushed_lesson_opens_with_its_text_and_steps(sized_page, app_server, screenshot_dir):
    students = []
    for name in LESSON_STUDENTS:
        page = sized_page(1366, 768)
        page.goto(app_server.url + f"?example=one_neuron&student={quote(name)}")
        wait_state(page, "s.network === 'one_neuron'", timeout=30_000)
        expect(page.locator("[data-part=lesson]")).to_have_count(0)  # a workspace: no lesson column
        students.append(page)
    teacher = sized_page(1366, 768)
    teacher.goto(teacher_url(app_server))
    for name in LESSON_STUDENTS:
        expect(grid_row(teacher, name)).to_contain_text("one_neuron", timeout=30_000)
    teacher.get_by_label("Network to send").select_option("Lesson: One LIF neuron under DC")
    teacher.get_by_role("button", name="Send to every student").click()

    for page in students:
        expect(page.get_by_text("Your teacher sent the lesson 'One LIF neuron under DC'")).to_be_visible()
        page.get_by_role("button", name="Open it", exact=True).click()
        state = wait_state(page, "s.network === 'lif_neuron'")
        assert state["can_undo"]  # their own design is one undo away
        lesson = page.locator("[data-part=lesson]")
        expect(lesson.get_by_text("One LIF neuron under DC")).to_be_visible()
        expect(lesson.get_by_text("The leaky integrate-and-fire (LIF) neuron")).to_be_visible()
        expect(lesson.locator("[data-step='1']")).not_to_have_class("done")
    for name in LESSON_STUDENTS:
        expect(grid_row(teacher, name)).to_contain_text("lesson: One LIF neuron under DC")
        expect(grid_row(teacher, name)).to_contain_text("✓ opened")

    page = students[0]  # the steps are measured while it runs, as in /app?lesson=lif_neuron
    lesson = page.locator("[data-part=lesson]")
    canvas = page.locator("[data-part=canvas]").bounding_box()
    assert canvas["width"] >= 600 and canvas["height"] >= 180  # the lesson column shares the screen
    page.get_by_role("button", name="▶ Run").click()
    wait_state(page, "s.status === 'running' && s.t_ms > 600", timeout=60_000)
    expect(lesson.locator("[data-step='1']")).to_contain_text("now: rate = 0 Hz", timeout=10_000)
    select_node(page, "current")
    box, _ = live_slider(page, "amplitude (pA)")
    box.fill("400")
    box.press("Enter")
    assert wait_slider_acked(page, box)
    expect(lesson.locator("[data-step='1']")).to_have_class("done", timeout=20_000)
    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".status[data-state='paused']")).to_have_count(1, timeout=15_000)
    expect(grid_row(teacher, "Dee")).to_contain_text("paused", timeout=15_000)
    page.mouse.move(1, 760)
    page.screenshot(path=str(screenshot_dir / "teacher_lesson_pushed_1366x768.png"))
    teacher.screenshot(path=str(screenshot_dir / "teacher_console_lesson_1366x768.png"))

    # the server keeps nothing of the push for those who join later (the other tests share it)
    teacher.get_by_role("button", name="Unlock all", exact=True).click()
    late = sized_page(1366, 768)
    late.goto(app_server.url + "?example=one_neuron&student=Later")
    expect(grid_row(teacher, "Later")).to_contain_text("one_neuron", timeout=30_000)
    expect(late.get_by_text("Your teacher sent")).to_be_hidden()
    expect(late.locator("[data-part=lesson]")).to_have_count(0)
