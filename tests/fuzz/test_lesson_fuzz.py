"""Fuzz: the lesson loader (engine/io/lessons.py) and what the lesson panel makes of a lesson's text.

Per case: a mutated lesson file either loads (then it saves again, its text renders to HTML that
carries no script, and its index entry renders), or it is refused with a ValidationError.
"""
from __future__ import annotations

import json
import random
from html.parser import HTMLParser

import pytest

from engine.io import lesson_from_json, lesson_to_json

from designer.views.lesson import lesson_html, lesson_index_html

from fuzz_harness import tally
from fuzz_mutations import mutate
from fuzz_seeds import lesson_documents

DOCUMENTS = lesson_documents()
CASES_PER_LESSON = 75  # x 16 shipped lessons: over 1,000 cases for the loader
# pattern_in_noise is 1.4 MB of spike times: a case takes ~0.7 s, mostly in mutating the tree, and
# reaches no loader code the small lessons do not
LARGE_LESSON_BYTES, CASES_PER_LARGE_LESSON = 1_000_000, 15


def cases_for(seed_name: str) -> int:
    large = len(json.dumps(DOCUMENTS[seed_name])) > LARGE_LESSON_BYTES
    return CASES_PER_LARGE_LESSON if large else CASES_PER_LESSON
ACTIVE_TAGS = {"script", "img", "svg", "iframe", "object", "embed", "style", "link", "meta", "form", "input"}


class ActiveMarkup(HTMLParser):
    """Collects what in an HTML text could run or load something: such tags, on* attributes, javascript: links."""

    def __init__(self, text: str):
        super().__init__()
        self.found: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag in ACTIVE_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src") and "javascript" in (value or "").lower()):
                self.found.append(f"{tag} {name}={value!r}")


def load_and_render(data: bytes) -> None:
    lesson = lesson_from_json(data, name="fuzz", source="fuzz.json")
    assert lesson_from_json(lesson_to_json(lesson).encode("utf-8"), name="fuzz") == lesson
    for shown in (lesson_html(lesson.text), lesson_index_html([lesson])):
        assert not ActiveMarkup(shown).found, f"lesson text became markup: {ActiveMarkup(shown).found}"


@pytest.mark.parametrize("seed_name", sorted(DOCUMENTS))
def test_every_mutated_lesson_loads_cleanly_or_is_refused_with_a_message(seed_name):
    counts = tally("lesson file (engine/io/lessons.py + the lesson panel's HTML)")
    rng, known = random.Random(f"lesson-{seed_name}"), len(counts.crashes)
    for case in range(cases_for(seed_name)):
        kind, data = mutate(DOCUMENTS[seed_name], rng)
        counts.run(f"{seed_name} #{case} ({kind})", lambda: load_and_render(data))
    assert len(counts.crashes) == known, counts.report(since=known)


def test_the_lesson_loader_gets_over_a_thousand_cases():
    assert sum(cases_for(name) for name in DOCUMENTS) >= 1000


@pytest.mark.parametrize("field", ["text", "title", "summary", "course"])
@pytest.mark.parametrize("hostile", ["<script>window.__pwned = 1</script>", '<img src=x onerror="window.__pwned=1">',
                                     "[click](javascript:alert(1))", "<a href='javascript:alert(1)'>x</a>"])
def test_html_in_a_lesson_is_shown_as_text(field, hostile):
    doc = {**DOCUMENTS["lif_neuron"], field: f"before {hostile} after"}
    lesson = lesson_from_json(json.dumps(doc), name="x")
    shown = lesson_html(lesson.text) + lesson_index_html([lesson])
    assert not ActiveMarkup(shown).found
    if field == "text" and "<" in hostile:
        assert "&lt;" in lesson_html(lesson.text)  # the text is still there, as text
