"""Render the README's inputs and outputs tables from variables.tf and outputs.tf.

The tables sit between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->`, the
markers terraform-docs rewrites, so users of terraform-docs can regenerate them
too. `test_tf_interface.py` keeps them equal to what this renders;
`python -m tests.terraform.readme_tables` rewrites them in README.md.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.terraform.tfconfig import REPO_ROOT, blocks, load

__all__ = ["BEGIN", "END", "readme_block", "render", "write_readme"]

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
README = REPO_ROOT / "README.md"


def _expression(value: str) -> str:
    """The HCL source of a parsed value: `${map(string)}` → `map(string)`."""
    return value[2:-1] if value.startswith("${") and value.endswith("}") else value


def _default(variable: dict[str, Any]) -> str:
    if "default" not in variable:
        return "n/a"
    return f"`{json.dumps(variable['default'])}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    """The Markdown between the markers: an Inputs table, then an Outputs table."""
    variables = blocks(load(".", "variables.tf"), "variable")
    outputs = blocks(load(".", "outputs.tf"), "output")
    lines = [
        "## Inputs",
        "",
        "| Name | Description | Type | Default | Required |",
        "|------|-------------|------|---------|:--------:|",
    ]
    for name in sorted(variables):
        variable = variables[name]
        lines.append(
            f"| `{name}` | {_cell(variable['description'])} "
            f"| `{_cell(_expression(variable['type']))}` | {_cell(_default(variable))} "
            f"| {'no' if 'default' in variable else 'yes'} |"
        )
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    lines += [f"| `{name}` | {_cell(outputs[name]['description'])} |" for name in sorted(outputs)]
    return "\n".join(lines)


def readme_block(text: str) -> str:
    """The text between the markers in `text`, without the markers."""
    match = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.DOTALL)
    if match is None:
        raise ValueError(f"README.md has no {BEGIN} ... {END} block")
    return match.group(1)


def write_readme() -> None:
    """Replace the tables in README.md with freshly rendered ones."""
    text = README.read_text(encoding="utf-8")
    old = readme_block(text)
    README.write_text(text.replace(old, render(), 1), encoding="utf-8")


if __name__ == "__main__":
    write_readme()
