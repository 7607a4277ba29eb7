"""Read a YAML file safely, keeping the line of every key and list item for error messages.

Only plain YAML is accepted (mappings, lists, strings, numbers, booleans, null): a ``!!python`` tag or any
other custom tag is refused, and so is a key given twice in one mapping.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.scenario.errors import ScenarioError

Path_ = tuple


def _line(node) -> int:
    return node.start_mark.line + 1


def _walk(node, path: tuple, lines: dict, file: str) -> None:
    lines.setdefault(path, _line(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in seen:
                raise ScenarioError(file, f"the key {key!r} is given twice in one mapping (first at line {seen[key]})",
                                    line=_line(key_node), field=_dotted(path + (key,)))
            seen[key] = _line(key_node)
            lines[path + (key,)] = _line(key_node)
            _walk(value_node, path + (key,), lines, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[path + (i,)] = _line(item)
            _walk(item, path + (i,), lines, file)


def _dotted(path: tuple) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def read_yaml(path: str | Path) -> tuple[object, dict[tuple, int]]:
    """Return (data, lines) where lines maps a key path such as ('events', 3, 'date') to its line."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError(file, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(file, "is a folder, expected a YAML file") from None
    except UnicodeDecodeError as e:
        raise ScenarioError(file, f"is not UTF-8 text ({e.reason} at byte {e.start})") from None
    except OSError as e:
        raise ScenarioError(file, f"cannot be read ({e.strerror})") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ScenarioError(file, f"is not valid YAML: {e.problem or e.context}",
                            line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise ScenarioError(file, f"is not valid YAML: {e}") from None
    if node is None:
        raise ScenarioError(file, "is empty, expected a mapping with at least name, title, description and period")
    lines: dict[tuple, int] = {}
    _walk(node, (), lines, file)
    try:
        data = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        raise ScenarioError(file, f"uses a tag that is not allowed ({e.problem}); scenario files hold plain data only",
                            line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise ScenarioError(file, f"is not valid YAML: {e}") from None
    return data, lines


dotted = _dotted
