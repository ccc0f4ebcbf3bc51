"""Seeded mutations of a document (a JSON tree, its text or its bytes) as a hostile or careless user makes them.

`mutate(doc, rng)` returns (kind, bytes): one to three tree edits (a value replaced by a hostile
one, a key removed or added, a list element duplicated, a type swapped, a list made huge,
nesting made deep) then, sometimes, a cut or flipped bytes. Every case is reproducible from
its seed: `random.Random(seed)`.
"""
from __future__ import annotations

import json
import random
from typing import Any

SCRIPT_NAME = "<script>window.__pwned = 1</script>"
IMG_NAME = '<img src=x onerror="window.__pwned=1">'
HOSTILE_TEXTS = [
    "", " ", "\t\n", "x", "0", "1e308", "NaN", "Infinity", "null", "true", SCRIPT_NAME, IMG_NAME,
    "\"'><svg onload=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${7*7}", "__import__('os').system('id')",
    "名前 → π ≈ 3.14 🧠", "\u202eevil\u202c", "zero\u200bwidth", "nul\u0000byte", "a\nb\rc", "\ud800lone",
    "x" * 101, "é" * 5000, "../../etc/passwd", "/etc/passwd", "C:\\Windows\\win.ini", "digits", "patterns",
]
EDGE_NUMBERS = [
    0, -0.0, 1, -1, 2, 0.5, 1e-308, 5e-324, -5e-324, 1e308, -1e308, 1.7976931348623157e308, 2**31, 2**32, 2**53 + 1,
    2**63, -(2**63), 10**30, 10**400, 1e15, 1e9, 1e7, 123456789.125, 1e-9, -1e9,
]
# Spliced into the text as they are: JSON that json.dumps cannot write
RAW_TOKENS = ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "0x10", "01", "+1", ".5", "1.", "'a'",
              "undefined", "1_000", "\"\\ud800\"", "\"\\u0000\""]
OBJECT_TAGS = ["Network", "Population", "Projection", "Connectivity", "Distribution", "Recording", "__class__",
               "eval", "object", "type", "", "network"]
DEPTHS = [40, 200, 1_000, 10_000, 100_000]


class Raw(str):
    """A token spliced into the JSON text as it is (see RAW_TOKENS); marks its place until then."""


def hostile_value(rng: random.Random) -> Any:
    pick = rng.random()
    if pick < 0.35:
        return rng.choice(EDGE_NUMBERS)
    if pick < 0.6:
        return rng.choice(HOSTILE_TEXTS)
    if pick < 0.7:
        return Raw(rng.choice(RAW_TOKENS))
    if pick < 0.8:
        return rng.choice([None, True, False, [], {}, [None], [1e308], {"": None}])
    if pick < 0.9:
        return {"type": rng.choice(OBJECT_TAGS), rng.choice(["name", "kind", "size", "x"]): rng.choice(EDGE_NUMBERS)}
    return Raw(_deep(rng.choice(DEPTHS), rng))


def _deep(depth: int, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "[" * depth + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


def _paths(node: Any, path: tuple = ()) -> list[tuple]:
    """Every place in the tree (the root excluded), as a tuple of keys / indices."""
    found = []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        found.append(path + (key,))
        found.extend(_paths(child, path + (key,)))
    return found


def _parent(doc: Any, path: tuple) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _swap_type(value: Any, rng: random.Random) -> Any:
    if isinstance(value, bool):
        return rng.choice([int(value), str(value).lower(), None])
    if isinstance(value, (int, float)):
        return rng.choice([str(value), [value], {"value": value}, bool(value), None])
    if isinstance(value, str):
        return rng.choice([len(value), [value], {value: value}, None])
    if isinstance(value, list):
        return rng.choice([{str(i): v for i, v in enumerate(value)}, len(value), json.dumps(value)])
    if isinstance(value, dict):
        return rng.choice([list(value.values()), list(value), json.dumps(value)])
    return rng.choice([0, "", []])


def _huge_list(value: Any, rng: random.Random) -> list:
    n = rng.choice([1_000, 20_000, 200_000])
    first = value[0] if isinstance(value, list) and value else None
    item = first if isinstance(first, (int, float, str)) else rng.choice([0.1, 1, 1e308, "x", None])  # scalars only
    if isinstance(item, (int, float)) and not isinstance(item, bool) and rng.random() < 0.5:
        return [float(i) * 0.1 + 0.1 for i in range(n)]  # sorted times, as a long spike train
    return [item] * n


def edit_tree(doc: Any, rng: random.Random) -> str:
    """One edit of `doc` in place; returns its kind."""
    paths = _paths(doc)
    if not paths:
        return "empty"
    numbers = [p for p in paths if _is_number(_parent(doc, p)[p[-1]])]
    kind = rng.choice(["number", "number", "number", "replace", "replace", "delete", "add", "duplicate", "swap",
                       "huge"])
    if kind == "number" and numbers:  # keeps the file valid but for one value: reaches the build and the run
        path = rng.choice(numbers)
        _parent(doc, path)[path[-1]] = rng.choice(EDGE_NUMBERS)
        return kind
    kind = "replace" if kind == "number" else kind
    path = rng.choice(paths)
    parent, key = _parent(doc, path), path[-1]
    if kind == "replace":
        parent[key] = hostile_value(rng)
    elif kind == "delete":
        del parent[key]
    elif kind == "add":
        target = parent if isinstance(parent, dict) else parent[key] if isinstance(parent[key], dict) else None
        if target is None:
            parent.insert(rng.randrange(len(parent) + 1), hostile_value(rng))
        else:
            target[rng.choice(HOSTILE_TEXTS[:14] + ["type", "name", "format", "version"])] = hostile_value(rng)
    elif kind == "duplicate":
        if isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key], default=str)))
        else:
            parent[key + "_2" if isinstance(key, str) else key] = parent[key]
    elif kind == "swap":
        parent[key] = _swap_type(parent[key], rng)
    else:
        parent[key] = _huge_list(parent[key], rng)
    return kind


def to_text(doc: Any) -> str:
    """JSON text of `doc` with every Raw token spliced in as it is."""
    raws: list[str] = []

    def mark(node):
        if isinstance(node, Raw):
            raws.append(str(node))
            return f"@@RAW{len(raws) - 1}@@"
        if isinstance(node, dict):
            return {k: mark(v) for k, v in node.items()}
        if isinstance(node, list):
            return [mark(v) for v in node]
        return node

    text = json.dumps(mark(doc), allow_nan=True)
    for index, raw in enumerate(raws):
        text = text.replace(f'"@@RAW{index}@@"', raw)
    return text


def damage_bytes(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    """A cut (a download that broke off) or a few flipped bytes (a damaged disk, a wrong encoding)."""
    if not data:
        return "empty", data
    if rng.random() < 0.5:
        return "truncated", data[: rng.randrange(len(data))]
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return "bytes flipped", bytes(out)


def mutate(doc: Any, rng: random.Random) -> tuple[str, bytes]:
    """(what was done, the file's bytes) for one fuzz case of the JSON document `doc` (not changed)."""
    tree = json.loads(json.dumps(doc))
    kinds = [edit_tree(tree, rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    data = to_text(tree).encode("utf-8", "surrogatepass")
    if rng.random() < 0.12:
        kind, data = damage_bytes(data, rng)
        kinds.append(kind)
    return "+".join(kinds), data
