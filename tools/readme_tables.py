"""Write the README's terraform-docs block: what terraform-docs writes, without terraform-docs.

The block between `<!-- BEGIN_TF_DOCS -->` and `<!-- END_TF_DOCS -->` in README.md
holds the root module's Requirements, Providers, Modules, Resources, Inputs and
Outputs tables, in the layout of terraform-docs' "markdown table" formatter
(0.22 or later) with the settings in `.terraform-docs.yml`, so that users of
terraform-docs regenerate the same text. This renders that layout from the
module's `.tf` files, read by `tools.tfconfig`:

- Requirements: `required_version`, then each provider's version constraint, by name.
- Providers: those the module's resources and data sources use, by name, with
  their constraints from `required_providers`.
- Modules: the module calls, by name, with their source and version.
- Resources: managed resources, then data sources, by address, each linked to
  its page in the Terraform Registry.
- Inputs and Outputs, by name: a type as written in the file, a default as JSON.

`python -m tools.readme_tables` (`make docs`) rewrites the block in README.md;
`--check` only reports whether it is current. `tests/static/test_tf_interface.py`
keeps README.md equal to `render()`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from local_gateway.paths import REPO_ROOT
from tools.tfconfig import blocks, load

__all__ = [
    "BEGIN",
    "CONFIG",
    "END",
    "README",
    "SETTINGS",
    "main",
    "readme_block",
    "render",
    "write_readme",
]

BEGIN = "<!-- BEGIN_TF_DOCS -->"
END = "<!-- END_TF_DOCS -->"
README = REPO_ROOT / "README.md"
CONFIG = REPO_ROOT / ".terraform-docs.yml"

# The configuration this renders, as `.terraform-docs.yml` states it. Any other
# setting would make terraform-docs write something else, so `render` refuses it.
SETTINGS: dict[str, Any] = {
    "formatter": "markdown table",
    "version": ">= 0.22.0, < 1.0.0",
    "sections": {"hide": ["header"]},
    "output": {
        "file": "README.md",
        "mode": "inject",
        "template": f"{BEGIN}\n{{{{ .Content }}}}\n{END}",
    },
    "sort": {"enabled": True, "by": "name"},
    "settings": {
        "anchor": True,
        "color": True,
        "default": True,
        "description": False,
        "escape": False,
        "hide-empty": False,
        "html": True,
        "indent": 2,
        "lockfile": False,
        "read-comments": False,
        "required": True,
        "sensitive": True,
        "type": True,
    },
}

_REGISTRY = "https://registry.terraform.io/providers"


def check_config(path: Path = CONFIG) -> None:
    """Raise ValueError unless `path` holds exactly the settings this renders."""
    found = yaml.safe_load(path.read_text(encoding="utf-8"))
    if found != SETTINGS:
        raise ValueError(
            f"{path.name} differs from the settings tools/readme_tables.py renders "
            f"(SETTINGS): change both together. Found {found!r}"
        )


# ---------------------------------------------------------------------------
# terraform-docs' Markdown table cell rules (template/sanitizer.go), for the
# settings above: html on, escape off.
# ---------------------------------------------------------------------------


def _segments(
    text: str, fence: str, normal: Callable[[str], str], code: Callable[[str], str]
) -> str:
    """Apply `normal` outside `fence` pairs and `code` inside, as terraform-docs does.

    Empty pieces are dropped without switching between outside and inside, which
    is terraform-docs' behaviour too.
    """
    inside = text.startswith(fence)
    out = []
    for piece in text.split(fence):
        if not piece:
            continue
        out.append(code(piece) if inside else normal(piece))
        inside = not inside
    return "".join(out)


def _escape_pipes(text: str) -> str:
    """`|` outside inline code becomes `\\|`; inside backticks it stays."""
    return _segments(text, "`", lambda s: s.replace("|", "\\|"), lambda s: f"`{s}`")


def _multiline(text: str) -> str:
    """Line breaks in a table cell: Markdown's hard breaks, then `<br/>`."""
    text = text.strip()
    text = re.sub(r"(\S*)(\r?\n)(\s*)(\w+)", r"\1  \2\3\4", text, flags=re.ASCII)
    text = text.replace("    \n", "  \n").replace("  \n\n", "\n\n").replace("\n  \n", "\n\n")
    return text.replace("  \n", "<br/>").replace("\n", "<br/>")


def _pre(code: str) -> str:
    return "<pre>" + code.strip().replace("\n", "<br/>").replace("\r", "") + "</pre>"


def _cell(text: str) -> str:
    """A description, type or default made safe for one table cell."""
    if not text:
        return "n/a"
    return _segments(text, "```", lambda s: _multiline(_escape_pipes(s)), _pre)


def _code(text: str) -> str:
    """Inline code for one line; a fenced block (rendered `<pre>`) for several."""
    return f"\n\n```\n{text}\n```\n" if "\n" in text else f"`{text}`"


def _anchor(prefix: str, name: str) -> str:
    return f'<a name="{prefix}_{name}"></a> [{name}](#{prefix}_{name})'


def _table(header: list[str], separator: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(separator) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


# ---------------------------------------------------------------------------
# The module, read as terraform-config-inspect reads it.
# ---------------------------------------------------------------------------


def _expression(value: Any) -> str:
    """The source of a parsed expression: `${aws.east}` → `aws.east`."""
    value = str(value)
    return value[2:-1] if value.startswith("${") and value.endswith("}") else value


def _type_source(module_dir: Path, name: str) -> str | None:
    """The `type` of variable `name` as written, line breaks and all.

    terraform-docs shows the type expression's source text, which the parsed
    configuration no longer holds; the expression runs from `type =` to the
    end of the line on which its brackets close.
    """
    header = re.compile(rf'^variable\s+"{re.escape(name)}"\s*\{{', re.MULTILINE)
    for path in sorted(module_dir.glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        start = header.search(text)
        if start is None:
            continue
        end = re.search(r"^\}", text[start.end() :], re.MULTILINE)
        body = text[start.end() : start.end() + (end.start() if end else len(text))]
        attribute = re.search(r"^  type\s*=\s*", body, re.MULTILINE)
        if attribute is None:
            return None
        depth, position = 0, attribute.end()
        while position < len(body):
            char = body[position]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                depth -= 1
            elif char == "\n" and depth == 0:
                break
            position += 1
        source = body[attribute.end() : position].rstrip()
        return json.loads(source) if source.startswith('"') else source
    return None


def _text(value: Any) -> str:
    """A string attribute's value; python-hcl2 keeps a heredoc's `<<EOF` lines."""
    text = str(value or "")
    match = re.fullmatch(r"<<(-?)(\w+)\n(.*?)\n?[ \t]*\2", text, re.DOTALL)
    if match is None:
        return text
    lines = (match[3] + "\n").splitlines(keepends=True)
    if match[1]:  # `<<-`: the lines' common indentation goes
        indent = min(
            (len(line) - len(line.lstrip(" \t")) for line in lines if line.strip()), default=0
        )
        lines = [line[indent:] for line in lines]
    return "".join(lines)


def _inferred_type(default: Any) -> str:
    """terraform-docs' type for a variable without one, from its default."""
    for kind, name in ((bool, "bool"), (str, "string"), ((int, float), "number")):
        if isinstance(default, kind):
            return name
    if isinstance(default, list):
        return "list"
    if isinstance(default, dict):
        return "map"
    return "any"


def _provider(address: str, body: dict[str, Any]) -> tuple[str, str]:
    """The provider name and alias of a resource: its `provider` argument, else
    the first word of its type."""
    if "provider" in body:
        name, _, alias = _expression(body["provider"]).partition(".")
        return name, alias
    return address.split("_", 1)[0], ""


def _resource_version(constraints: list[str]) -> str:
    """The version in a Registry link: an exact version, else `latest`."""
    if not constraints:
        return "latest"
    parts = constraints[-1].split(" ")
    if len(parts) == 1:
        if not parts[0][:1].isdigit():
            return parts[0][1:] if parts[0][:1] == "=" else "latest"
        return parts[0]
    if len(parts) == 2 and parts[0] == "=":
        return parts[1]
    return "latest"


def _required_providers(config: dict[str, list[Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for terraform in config.get("terraform", []):
        for entry in terraform.get("required_providers", []):
            for name, requirement in entry.items():
                # A bare string is the pre-0.13 form: a version constraint alone.
                is_constraint = isinstance(requirement, str)
                found[name] = {"version": requirement} if is_constraint else requirement
    return found


def _requirements(config: dict[str, list[Any]]) -> list[list[str]]:
    rows = [
        [_anchor("requirement", "terraform"), terraform["required_version"]]
        for terraform in config.get("terraform", [])
        if "required_version" in terraform
    ]
    providers = _required_providers(config)
    for name in sorted(providers):
        if "version" in providers[name]:
            rows.append([_anchor("requirement", name), providers[name]["version"]])
    return rows


def _resources(config: dict[str, list[Any]]) -> tuple[list[list[str]], list[list[str]]]:
    """The Providers table's rows and the Resources table's rows."""
    required = _required_providers(config)
    providers: dict[str, list[str]] = {}
    resources = []
    for kind, mode in (("resource", "resource"), ("data", "data source")):
        for address, body in blocks(config, kind).items():
            resource_type, _, _ = address.partition(".")
            name, alias = _provider(resource_type, body)
            requirement = required.get(name, {})
            constraints = [requirement["version"]] if "version" in requirement else []
            full_name = f"{name}.{alias}" if alias else name
            providers[full_name] = [
                _anchor("provider", full_name),
                " ".join(constraints) or "n/a",
            ]
            source = requirement.get("source", f"hashicorp/{name}")
            short_type = resource_type.removeprefix(f"{name}_")
            spec = f"{name}_{short_type}.{address.partition('.')[2]}"
            pages = "resources" if kind == "resource" else "data-sources"
            version = _resource_version(constraints)
            url = (
                f"{_REGISTRY}/{source}/{version}/docs/{pages}/{short_type}"
                if source.count("/") <= 1
                else ""
            )
            resources.append((kind == "data", spec, [f"[{spec}]({url})" if url else spec, mode]))
    provider_rows = [providers[key] for key in sorted(providers, key=lambda k: k.split("."))]
    return provider_rows, [row for _, _, row in sorted(resources, key=lambda r: r[:2])]


def _modules(config: dict[str, list[Any]]) -> list[list[str]]:
    rows = []
    for name, body in sorted(blocks(config, "module").items()):
        source, version = body["source"], body.get("version", "")
        if not version and "?ref=" in source:
            base, _, ref = source.rpartition("?ref=")
            source, version = (base, ref) if ref else (source, "")
        rows.append([_anchor("module", name), source, version or "n/a"])
    return rows


def _inputs(module_dir: Path, config: dict[str, list[Any]]) -> list[list[str]]:
    rows = []
    for name, variable in sorted(blocks(config, "variable").items()):
        required = "default" not in variable
        written = _type_source(module_dir, name)
        kind = written if written else _inferred_type(variable.get("default"))
        if required:
            default = ""
        else:
            default = json.dumps(variable["default"], indent=2, sort_keys=True, ensure_ascii=False)
        rows.append(
            [
                _anchor("input", name),
                _cell(_text(variable.get("description"))),
                _cell(_code(kind)),
                _cell(_code(default)) if default else "n/a",
                "yes" if required else "no",
            ]
        )
    return rows


def render(module_dir: str = ".") -> str:
    """The Markdown terraform-docs writes between the markers, for `module_dir`."""
    check_config()
    directory = REPO_ROOT / module_dir
    for path in sorted(directory.glob("*.tf")):
        if "terraform-docs-ignore" in path.read_text(encoding="utf-8"):
            raise ValueError(f"{path.name}: terraform-docs-ignore comments are not rendered here")
    config = load(module_dir)
    providers, resources = _resources(config)
    sections: list[tuple[str, list[str], list[str], list[list[str]]]] = [
        ("Requirements", ["Name", "Version"], ["----", "-------"], _requirements(config)),
        ("Providers", ["Name", "Version"], ["----", "-------"], providers),
        (
            "Modules",
            ["Name", "Source", "Version"],
            ["----", "------", "-------"],
            _modules(config),
        ),
        ("Resources", ["Name", "Type"], ["----", "----"], resources),
        (
            "Inputs",
            ["Name", "Description", "Type", "Default", "Required"],
            ["----", "-----------", "----", "-------", ":------:"],
            _inputs(directory, config),
        ),
        (
            "Outputs",
            ["Name", "Description"],
            ["----", "-----------"],
            [
                [_anchor("output", name), _cell(_text(output.get("description")))]
                for name, output in sorted(blocks(config, "output").items())
            ],
        ),
    ]
    lines: list[str] = []
    for title, header, separator, rows in sections:
        lines += [f"## {title}", ""]
        lines += _table(header, separator, rows) if rows else [f"No {title.lower()}."]
        lines.append("")
    return "\n".join(lines).rstrip("\n")


def _block_span(text: str) -> tuple[int, int]:
    """Where the block's content starts and ends in `text`, markers excluded."""
    start = text.find(BEGIN)
    end = text.find(END, start + len(BEGIN)) if start >= 0 else -1
    if end < 0:
        raise ValueError(f"README.md has no {BEGIN} ... {END} block")
    return start + len(BEGIN), end


def readme_block(text: str) -> str:
    """The text between the markers in `text`, without them and their line breaks."""
    start, end = _block_span(text)
    inner = text[start:end]
    return inner.removeprefix("\n").removesuffix("\n")


def write_readme(readme: Path = README) -> bool:
    """Replace the block in `readme` with a fresh one; return whether it changed.

    As terraform-docs' inject mode does: everything outside the markers is kept.
    """
    text = readme.read_text(encoding="utf-8")
    new = render()
    if readme_block(text) == new:
        return False
    start, end = _block_span(text)
    readme.write_text(text[:start] + "\n" + new + "\n" + text[end:], encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only report whether README.md is current"
    )
    args = parser.parse_args(argv)
    if args.check:
        current = readme_block(README.read_text(encoding="utf-8")) == render()
        print("README.md's terraform-docs block is " + ("current" if current else "stale"))
        return 0 if current else 1
    print("README.md: " + ("rewritten" if write_readme() else "unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
