"""Cut blocks and attribute expressions out of `.tf` source text, verbatim.

python-hcl2 returns values, not Terraform expressions that can be run again;
the policy test needs the module's own expressions, unchanged, to evaluate
them with Terraform core in a trimmed copy. The module's strings keep their
braces and brackets balanced (templates, regexes), so counting them is enough.
"""

from __future__ import annotations

import re

__all__ = ["attribute", "block", "blocks"]

_OPENERS = {"{": "}", "[": "]", "(": ")"}
_CLOSERS = set(_OPENERS.values())


def _balanced_end(text: str, start: int, *, stop_at_newline: bool) -> int:
    """Index just past the expression that starts at `start`: where its brackets
    close, or (for an attribute) the first newline outside any bracket.
    """
    depth = 0
    for index in range(start, len(text)):
        char = text[index]
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS:
            depth -= 1
            if depth == 0 and not stop_at_newline:
                return index + 1
        elif char == "\n" and depth == 0 and stop_at_newline:
            return index
    if stop_at_newline and depth == 0:
        return len(text)
    raise ValueError(f"unbalanced brackets from offset {start}")


def blocks(source: str, header: str) -> list[str]:
    """Every top-level block whose header is `header`, such as `locals` or
    `variable "routes"`, as its full text.
    """
    pattern = re.compile(rf"^{re.escape(header)} {{", re.MULTILINE)
    return [
        source[match.start() : _balanced_end(source, match.end() - 1, stop_at_newline=False)]
        for match in pattern.finditer(source)
    ]


def block(source: str, header: str) -> str:
    """The one top-level block with header `header`.

    Raises:
        LookupError: when there is none or more than one.
    """
    found = blocks(source, header)
    if len(found) != 1:
        raise LookupError(f"expected one `{header}` block, found {len(found)}")
    return found[0]


def attribute(block_text: str, name: str) -> str:
    """The expression assigned to attribute `name` directly inside `block_text`.

    Raises:
        LookupError: when the block does not set `name` at its top level.
    """
    for match in re.finditer(rf"^(\s+){re.escape(name)}\s*=\s*", block_text, re.MULTILINE):
        depth = sum(block_text.count(c, 0, match.start()) for c in _OPENERS)
        depth -= sum(block_text.count(c, 0, match.start()) for c in _CLOSERS)
        if depth == 1:
            end = _balanced_end(block_text, match.end(), stop_at_newline=True)
            return block_text[match.end() : end].strip()
    raise LookupError(f"the block sets no `{name}`")
