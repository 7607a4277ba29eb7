"""Read a YAML file safely, keeping the line of every key and list item for error messages.

Only plain YAML is accepted (mappings, lists, strings, numbers, booleans, null): a ``!!python`` tag or any
other custom tag is refused, and so is a key given twice in one mapping. The file must be a regular file
(not a device, FIFO or socket) of at most ``MAX_FILE_BYTES``; while it is read, every value is counted,
each alias (``*name``) as many values as the part it repeats, so an alias bomb ("billion laughs") is
refused after at most ``MAX_YAML_NODES`` values; mappings and lists may nest ``MAX_YAML_DEPTH`` deep.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import yaml

from sim.scenario.errors import ScenarioError

Path_ = tuple


class _TooBig(Exception):
    def __init__(self, message: str, mark):
        super().__init__(message)
        self.mark = mark


try:  # libyaml's parser when PyYAML has it (three times faster), PyYAML's own otherwise
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml.parser import Parser as _Parser

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, _Parser):  # type: ignore[no-redef]
        def __init__(self, stream):
            yaml.reader.Reader.__init__(self, stream)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class _CountingLoader(yaml.composer.Composer, _Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """PyYAML's safe loader (its composer on libyaml's events), counting values (aliases by the size of what
    they repeat) and nesting."""

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self._nodes = 0
        self._depth = 0
        self._sizes: dict[str, int] = {}

    def _count(self, n: int, mark) -> None:
        from sim.limits import MAX_YAML_NODES

        self._nodes += n
        if self._nodes > MAX_YAML_NODES:
            raise _TooBig(f"holds more than {MAX_YAML_NODES:,} values (counting each repetition of an alias); "
                          "refused (see docs/limits.md)", mark)

    def compose_node(self, parent, index):
        from sim.limits import MAX_YAML_DEPTH

        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            self._count(self._sizes.get(event.anchor, 1), event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            raise _TooBig(f"nests mappings and lists more than {MAX_YAML_DEPTH} deep; refused (see docs/limits.md)",
                          event.start_mark)
        before = self._nodes
        self._count(1, event.start_mark)
        node = super().compose_node(parent, index)
        self._depth -= 1
        if getattr(event, "anchor", None):
            self._sizes[event.anchor] = self._nodes - before
        return node


def _line(node) -> int:
    return node.start_mark.line + 1


def _walk(node, path: tuple, lines: dict, file: str) -> None:
    lines.setdefault(path, _line(node))
    if isinstance(node, yaml.MappingNode):
        seen: dict = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if not isinstance(key_node, yaml.ScalarNode):
                raise ScenarioError(file, "a key is a mapping or a list; keys are plain names", line=_line(key_node),
                                    field=_dotted(path) or None)
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


def read_text(path: str | Path, expected: str = "a YAML file", limit: int | None = None) -> str:
    """The text of a regular file of at most ``limit`` bytes (MAX_FILE_BYTES), or a ScenarioError saying why not.

    The file is opened without blocking and checked to be a regular file before a byte is read, so that a
    FIFO, a device (/dev/zero) or a socket is refused instead of read forever. ``expected`` names what the
    file should be, in the messages."""
    from sim.limits import MAX_FILE_BYTES, check_file_size

    limit = MAX_FILE_BYTES if limit is None else limit

    file = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ScenarioError(file, "no such file") from None
    except IsADirectoryError:
        raise ScenarioError(file, f"is a folder, expected {expected}") from None
    except OSError as e:
        raise ScenarioError(file, f"cannot be read ({e.strerror})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ScenarioError(file, f"is a folder, expected {expected}")
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError(file, f"is not a regular file (a device, FIFO or socket); expected {expected}")
        check_file_size(file, st.st_size, limit)
        chunks, size = [], 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            chunks.append(b)
            size += len(b)
            check_file_size(file, size, limit)  # a file that grows while it is read
            if size > limit:
                break
    except OSError as e:
        raise ScenarioError(file, f"cannot be read ({e.strerror})") from None
    finally:
        os.close(fd)
    try:
        return b"".join(chunks).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError(file, f"is not UTF-8 text ({e.reason} at byte {e.start})") from None


def load_text(text: str, file: str):
    """(data, root node) of YAML text, within the limits; a ScenarioError for anything else."""
    loader = _CountingLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, None
        lines: dict[tuple, int] = {}
        _walk(node, (), lines, file)
        data = loader.construct_document(node)
        return data, lines
    except _TooBig as e:
        raise ScenarioError(file, str(e), line=e.mark.line + 1 if e.mark else None) from None
    except yaml.constructor.ConstructorError as e:
        mark = e.problem_mark
        raise ScenarioError(file, f"uses a tag that is not allowed ({e.problem}); scenario files hold plain data only",
                            line=mark.line + 1 if mark else None) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ScenarioError(file, f"is not valid YAML: {e.problem or e.context}",
                            line=mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise ScenarioError(file, f"is not valid YAML: {e}") from None
    except RecursionError:
        raise ScenarioError(file, "nests too deep to read; refused (see docs/limits.md)") from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise ScenarioError(file, f"holds a value that cannot be read ({e})") from None
    finally:
        if hasattr(loader, "dispose"):
            loader.dispose()


def read_yaml(path: str | Path) -> tuple[object, dict[tuple, int]]:
    """Return (data, lines) where lines maps a key path such as ('events', 3, 'date') to its line."""
    file = str(path)
    data, lines = load_text(read_text(path), file)
    if lines is None:
        raise ScenarioError(file, "is empty, expected a mapping with at least name, title, description and period")
    return data, lines


dotted = _dotted
