"""Plan a user's Terraform stack offline, through the stand-in providers, and cache the plan.

`python -m local_gateway --terraform DIR` serves what DIR's configuration describes. This
module turns DIR into `terraform show -json` of a plan, made without network or AWS
credentials and without touching DIR's backend, state or lock file:

1. A working copy: DIR's own files are copied into a temporary tree that mirrors DIR's
   place among its local modules (`source = "../../"` keeps working), the rest of the
   tree linked rather than copied. An override file there sets a local backend:
   a `backend` in an override file replaces the original's `backend` or `cloud`
   (Terraform language docs, "Override Files", "Merging terraform blocks",
   https://developer.hashicorp.com/terraform/language/files/override).
2. Providers: every `hashicorp/*` provider is the stand-in, serving the schema of the
   version DIR's own `terraform init` installed (read with `terraform providers schema
   -json` from the real provider under DIR/.terraform), else of the version its lock file
   names or its constraints allow, else the nearest version the schema folder has, said
   on the console. A provider with no schema at all is named in the error.
3. `terraform init` against a filesystem mirror of launchers (modules DIR's own `init`
   installed are reused), `plan -out`, `show -json`; then an apply of that plan into the
   copy's throw-away state, in the stand-in's make-believe account (nothing leaves the
   machine), whose values link what the plan leaves unknown; the zips `archive_file`
   built are unpacked into the cache, as Lambda unpacks them.

The result is cached under a hash of the configuration and code (every file of DIR and
its local modules, the variables, the schemas); a second start with nothing changed
does not plan again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local_gateway import __version__
from local_gateway.paths import cache_root, default_schemas_dir
from local_gateway.standin.mirror import terraform_platform, write_launcher
from local_gateway.terraform_runner import EMPTY_CLI_CONFIG, run_terraform, terraform_env

__all__ = [
    "PlanRequest",
    "PlannedStack",
    "ProviderChoice",
    "TerraformSourceError",
    "plan_stack",
]

_OVERRIDE_FILE = "zz_websocket_local_override.tf"
# Plans kept in the cache, newest first (several stacks, or a stack and its branches).
_CACHED_PLANS = 20
# Never copied or linked: Terraform's working files, state and lock file stay DIR's own.
_LEFT_OUT = {".terraform", ".terraform.lock.hcl", "terraform.tfstate.d", ".git"}
_LEFT_OUT_SUFFIXES = (".tfstate", ".tfstate.backup", ".tfplan")
# Not hashed: generated, cached or version-control files that are not configuration or code.
_NOT_HASHED = {
    ".git",
    ".terraform",
    ".build",
    ".venv",
    ".venv-checkov",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".mypy_cache",
    ".hypothesis",
    "terraform.tfstate.d",
}
_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.MULTILINE)
_RELATIVE_UP = re.compile(r'"((?:\.\./)+)')
_REQUIRED_PROVIDERS = re.compile(r"\brequired_providers\s*\{")
_REQUIRED_PROVIDER = re.compile(
    r"(?P<name>[\w-]+)\s*=\s*\{(?P<body>[^{}]*?\bsource\s*=\s*\"(?P<source>[^\"]+)\"[^{}]*)\}"
)
_VERSION_ATTRIBUTE = re.compile(r'version\s*=\s*"([^"]+)"')
_RESOURCE_TYPE = re.compile(r'^\s*(?:resource|data|ephemeral)\s+"([a-z0-9]+)_[\w-]+"', re.MULTILINE)
_LOCK_ENTRY = re.compile(
    r'provider\s+"(?:registry\.terraform\.io/)?([\w-]+)/([\w-]+)"\s*\{[^}]*?version\s*=\s*"([^"]+)"'
)
_BUILTIN_TYPES = {"terraform"}
_CONSTRAINT = re.compile(r"^\s*(>=|<=|~>|!=|=|>|<)?\s*v?([0-9][0-9.]*)\s*$")


class TerraformSourceError(Exception):
    """DIR cannot be planned offline; the message says what to change."""


@dataclass(frozen=True, kw_only=True)
class PlanRequest:
    """What to plan, and where schemas and the cache are.

    Attributes:
        directory: The root module (the stack) to serve.
        var_files: `-var-file`s, as for `terraform plan`.
        variables: `-var`s (`name=value`), as for `terraform plan`.
        schemas_dir: The folder of provider schema files (`<type>-<version>.json`).
        cache_dir: Where plans and unpacked zips are kept between runs.
        refresh: Plan even when the cache holds a plan for the same input.
    """

    directory: Path
    var_files: tuple[Path, ...] = ()
    variables: tuple[str, ...] = ()
    schemas_dir: Path | None = None
    cache_dir: Path | None = None
    refresh: bool = False


@dataclass(frozen=True)
class ProviderChoice:
    """One provider the stand-in plays: the version offered and the schema it serves."""

    type_name: str
    version: str
    schema_version: str
    schemas_dir: Path
    why: str


@dataclass(frozen=True, kw_only=True)
class PlannedStack:
    """A plan of the stack, and where its zips were unpacked.

    Attributes:
        directory: The stack's own directory (paths in the plan are relative to it).
        plan: `terraform show -json` of the plan.
        state: `terraform show -json` of the stand-in's apply of that plan (every value
            known, as placeholders), or None when that apply failed.
        archives: Each `archive_file` output path (as in the plan) -> its unpacked folder.
        providers: What each provider's stand-in served, as said on the console.
        from_cache: Whether the plan came from the cache.
        work_root: The temporary copy's path of `directory`, for absolute paths in the plan.
    """

    directory: Path
    plan: dict[str, Any]
    state: dict[str, Any] | None
    archives: dict[str, Path]
    providers: tuple[str, ...]
    from_cache: bool
    work_root: str = ""


def _version_tuple(version: str) -> tuple[int, ...]:
    parts = [int(p) for p in re.findall(r"\d+", version)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def _satisfies(version: str, constraint: str) -> bool:
    """Whether `version` meets a Terraform version constraint (`>= 5.0, < 7.0`, `~> 6.2`).

    Operators as Terraform's "Version Constraints" page defines them
    (https://developer.hashicorp.com/terraform/language/expressions/version-constraints):
    `~>` lets only the rightmost given component grow.
    """
    have = _version_tuple(version)
    for part in filter(None, (p.strip() for p in constraint.split(","))):
        match = _CONSTRAINT.match(part)
        if not match:
            raise TerraformSourceError(f"cannot read the version constraint {constraint!r}")
        operator, number = match.group(1) or "=", match.group(2)
        want = _version_tuple(number)
        if operator == "~>":
            # Terraform: `~> 6.2` allows 6.x from 6.2; `~> 6.2.1` allows 6.2.x from 6.2.1.
            significant = len(number.split(".")) - 1 or 1
            upper = (*want[: significant - 1], want[significant - 1] + 1)
            ok = want <= have and have[: len(upper)] < upper
        else:
            ok = {
                "=": have == want,
                "!=": have != want,
                ">": have > want,
                ">=": have >= want,
                "<": have < want,
                "<=": have <= want,
            }[operator]
        if not ok:
            return False
    return True


def _lowest_allowed(constraints: Sequence[str]) -> str | None:
    """The lowest version every constraint allows among their own lower bounds, if any."""
    bounds = sorted(
        {
            match.group(2)
            for constraint in constraints
            for part in constraint.split(",")
            if (match := _CONSTRAINT.match(part)) and (match.group(1) or "=") in ("=", ">=", "~>")
        },
        key=_version_tuple,
    )
    for candidate in reversed(bounds):
        normal = ".".join(str(n) for n in _version_tuple(candidate))
        if all(_satisfies(normal, c) for c in constraints):
            return normal
    return None


def _tf_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.tf") if p.is_file())


def local_module_dirs(directory: Path) -> list[Path]:
    """DIR and every local module it calls, recursively (`source = "./..."` or `"../..."`)."""
    found: list[Path] = []
    pending = [directory.resolve()]
    while pending:
        module = pending.pop()
        if module in found or not module.is_dir():
            continue
        found.append(module)
        for tf in _tf_files(module):
            for source in _MODULE_SOURCE.findall(tf.read_text(encoding="utf-8")):
                pending.append((module / source.split("//")[0]).resolve())
    return found


def _anchor(directory: Path, modules: Iterable[Path]) -> Path:
    """The deepest folder holding DIR, its local modules and the `../` paths they name."""
    places = [directory.resolve(), *modules]
    for module in list(places):
        for tf in _tf_files(module):
            for ups in _RELATIVE_UP.findall(tf.read_text(encoding="utf-8")):
                places.append((module / ups).resolve())
    return Path(os.path.commonpath([str(p) for p in places]))


def _left_out(path: Path) -> bool:
    return path.name in _LEFT_OUT or path.name.endswith(_LEFT_OUT_SUFFIXES)


def _mirror_tree(directory: Path, anchor: Path, target: Path) -> Path:
    """Lay out `anchor` under `target` as links, with real folders down to DIR's copy.

    Returns:
        The copy of DIR: its files copied (Terraform writes its override file,
        `.terraform` and lock file beside them), its subfolders linked.
    """
    chain = [directory, *directory.parents]
    chain = chain[: chain.index(anchor) + 1]
    chain.reverse()
    for level, folder in enumerate(chain):
        copy = target / folder.relative_to(anchor)
        copy.mkdir(parents=True, exist_ok=True)
        next_folder = chain[level + 1] if level + 1 < len(chain) else None
        for entry in folder.iterdir():
            if entry == next_folder or _left_out(entry):
                continue
            if folder == directory and entry.is_file():
                shutil.copy2(entry, copy / entry.name)
            else:
                (copy / entry.name).symlink_to(entry)
    return target / directory.relative_to(anchor)


def _digest_files(roots: Iterable[Path], extra: Iterable[str]) -> str:
    """A hash of every file under `roots` (names and contents) and of `extra`."""
    digest = hashlib.sha256()
    seen: set[Path] = set()
    for root in sorted(set(roots)):
        for current, folders, files in os.walk(root):
            folders[:] = sorted(
                f for f in folders if f not in _NOT_HASHED and not f.endswith(".egg-info")
            )
            for name in sorted(files):
                path = Path(current, name)
                if path in seen or _left_out(path):
                    continue
                seen.add(path)
                digest.update(str(path).encode() + b"\0")
                try:
                    digest.update(path.read_bytes())
                except OSError:
                    continue
    for item in extra:
        digest.update(item.encode() + b"\0")
    return digest.hexdigest()


def _schema_versions(schemas_dir: Path) -> dict[str, list[str]]:
    """The provider versions a schema folder has files for, by type."""
    versions: dict[str, list[str]] = {}
    if schemas_dir.is_dir():
        for file in schemas_dir.glob("*-*.json"):
            match = re.fullmatch(r"([a-z0-9]+)-(\d+\.\d+\.\d+)", file.stem)
            if match:
                versions.setdefault(match.group(1), []).append(match.group(2))
    return versions


def _required_providers_blocks(text: str) -> list[str]:
    """The bodies of the `required_providers` blocks in one file's text."""
    blocks = []
    for start in _REQUIRED_PROVIDERS.finditer(text):
        depth, index = 1, start.end()
        while depth and index < len(text):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        blocks.append(text[start.end() : index - 1])
    return blocks


def _requirements(modules: Sequence[Path]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each provider type the stack uses -> its source, and the version constraints on it."""
    sources: dict[str, str] = {}
    constraints: dict[str, list[str]] = {}
    for module in modules:
        for tf in _tf_files(module):
            text = tf.read_text(encoding="utf-8")
            for match in (
                entry
                for block in _required_providers_blocks(text)
                for entry in _REQUIRED_PROVIDER.finditer(block)
            ):
                source = match.group("source").removeprefix("registry.terraform.io/")
                if "/" not in source:
                    source = f"hashicorp/{source}"
                type_name = source.rsplit("/", 1)[1]
                sources[type_name] = source
                version = _VERSION_ATTRIBUTE.search(match.group("body"))
                if version:
                    constraints.setdefault(type_name, []).append(version.group(1))
            for type_name in _RESOURCE_TYPE.findall(text):
                if type_name not in _BUILTIN_TYPES:
                    sources.setdefault(type_name, f"hashicorp/{type_name}")
    return sources, constraints


def _locked_versions(directory: Path) -> dict[str, str]:
    """The versions DIR's lock file records, by provider type (hashicorp only).

    `.terraform.lock.hcl` holds one `provider "<address>"` block per provider with the
    `version` `terraform init` selected ("Dependency Lock File",
    https://developer.hashicorp.com/terraform/language/files/dependency-lock).
    """
    lock = directory / ".terraform.lock.hcl"
    if not lock.is_file():
        return {}
    return {
        type_name: version
        for namespace, type_name, version in _LOCK_ENTRY.findall(lock.read_text(encoding="utf-8"))
        if namespace == "hashicorp"
    }


def _installed_versions(directory: Path) -> dict[str, str]:
    """The real providers DIR's own `terraform init` installed, by type (hashicorp only).

    `init` unpacks them under `.terraform/providers/<hostname>/<namespace>/<type>/<version>/
    <os>_<arch>/`, the layout of an unpacked filesystem mirror ("Provider Installation",
    https://developer.hashicorp.com/terraform/cli/config/config-file#provider-installation),
    which is why `-plugin-dir` can install from there again.
    """
    base = directory / ".terraform" / "providers" / "registry.terraform.io" / "hashicorp"
    found: dict[str, str] = {}
    for platform_dir in base.glob(f"*/*/{terraform_platform()}"):
        if any(platform_dir.glob("terraform-provider-*")):
            found[platform_dir.parent.parent.name] = platform_dir.parent.name
    return found


Log = Callable[[str], None]


def _terraform(args: list[str]) -> tuple[int, str, str]:
    env = {
        **terraform_env("path"),
        "TF_CLI_CONFIG_FILE": str(EMPTY_CLI_CONFIG),
        "CHECKPOINT_DISABLE": "1",
        "TF_INPUT": "0",
    }
    done = run_terraform(args, env=env)
    return done.returncode, done.stdout, done.stderr


def _read_real_schemas(
    directory: Path, anchor: Path, installed: dict[str, str], into: Path, log: Log
) -> None:
    """Write `<type>-<version>.json` for each provider DIR installed, from the real binaries.

    `terraform providers schema -json` ("Command: providers schema",
    https://developer.hashicorp.com/terraform/cli/commands/providers/schema) in a copy
    initialised from DIR/.terraform/providers: the providers only describe themselves,
    with no network and no credentials.
    """
    wanted = [t for t, v in installed.items() if not (into / f"{t}-{v}.json").is_file()]
    if not wanted:
        return
    log(f"reading the schemas of {', '.join(wanted)} from the providers in {directory}/.terraform")
    with tempfile.TemporaryDirectory(prefix="websocket-local-schema-") as folder:
        work = _mirror_tree(directory, anchor, Path(folder) / "tree")
        (work / _OVERRIDE_FILE).write_text(_override(Path(folder)))
        plugins = directory / ".terraform" / "providers"
        code, out, err = _terraform(
            [f"-chdir={work}", "init", "-input=false", "-no-color", f"-plugin-dir={plugins}"]
        )
        if code != 0:
            raise TerraformSourceError(
                f"cannot read the schemas of the providers in {plugins}:\n{err or out}"
            )
        code, out, err = _terraform([f"-chdir={work}", "providers", "schema", "-json"])
        if code != 0:
            raise TerraformSourceError(f"terraform providers schema failed:\n{err or out}")
    document = json.loads(out)
    into.mkdir(parents=True, exist_ok=True)
    for address, schema in document.get("provider_schemas", {}).items():
        namespace, type_name = address.split("/")[-2:]
        if namespace == "hashicorp" and type_name in installed:
            one = {
                "format_version": document.get("format_version"),
                "provider_schemas": {address: schema},
            }
            (into / f"{type_name}-{installed[type_name]}.json").write_text(json.dumps(one))


def choose_providers(
    directory: Path, modules: Sequence[Path], schemas_dir: Path, real_schemas: Path
) -> list[ProviderChoice]:
    """Decide, for every provider the stack uses, what the stand-in offers and serves.

    Raises:
        TerraformSourceError: a provider has no schema anywhere (named in the message).
    """
    sources, constraints = _requirements(modules)
    locked = _locked_versions(directory)
    installed = _installed_versions(directory)
    available = _schema_versions(schemas_dir)
    from_real = _schema_versions(real_schemas)
    choices: list[ProviderChoice] = []
    missing: list[str] = []
    for type_name, source in sorted(sources.items()):
        wanted = constraints.get(type_name, [])
        if not source.startswith("hashicorp/"):
            missing.append(f"{source} (only hashicorp/* providers are served)")
            continue
        if type_name in installed and installed[type_name] in from_real.get(type_name, []):
            version = installed[type_name]
            choices.append(
                ProviderChoice(
                    type_name,
                    version,
                    version,
                    real_schemas,
                    "the schema of the installed provider",
                )
            )
            continue
        have = sorted(available.get(type_name, []), key=_version_tuple)
        if not have:
            missing.append(f"{source} (no schema file {type_name}-<version>.json in {schemas_dir})")
            continue
        allowed = [v for v in have if all(_satisfies(v, c) for c in wanted)]
        version = locked.get(type_name) or (allowed[-1] if allowed else _lowest_allowed(wanted))
        if version is None:
            missing.append(f"{source} (no version allows {', '.join(wanted)})")
            continue
        nearest = min(
            have,
            key=lambda v: tuple(
                abs(a - b) for a, b in zip(_version_tuple(v), _version_tuple(version), strict=True)
            ),
        )
        why = (
            f"the schema of {nearest}"
            if nearest == version
            else f"the schema of {nearest}, the nearest to {version} in {schemas_dir}"
        )
        choices.append(ProviderChoice(type_name, version, nearest, schemas_dir, why))
    if missing:
        raise TerraformSourceError(
            "the stand-in providers cannot serve: "
            + "; ".join(missing)
            + ". Give a folder with their schemas (`terraform providers schema -json`) "
            "with --provider-schemas-dir, or run `terraform init` in the stack with the "
            "real providers."
        )
    return choices


def _override(folder: Path) -> str:
    return (
        "# Written by the local gateway: plan with a local, throw-away state.\n"
        "terraform {\n"
        '  backend "local" {\n'
        f'    path = "{folder / "terraform.tfstate"}"\n'
        "  }\n"
        "}\n"
    )


def _variable_args(request: PlanRequest) -> list[str]:
    args: list[str] = []
    for var_file in request.var_files:
        if not var_file.is_file():
            raise TerraformSourceError(f"variable file {var_file} does not exist")
        args.append(f"-var-file={var_file.resolve()}")
    for variable in request.variables:
        if "=" not in variable:
            raise TerraformSourceError(f"--var {variable!r}: expected NAME=VALUE")
        args.append(f"-var={variable}")
    return args


def _unpack_archives(
    documents: list[dict[str, Any] | None], work: Path, into: Path
) -> dict[str, str]:
    """Unpack every zip `archive_file` built into `into`, as Lambda unpacks a package.

    The data sources are in the plan's `prior_state` when read during the plan, and in
    the state after the apply when the plan deferred them.
    """
    unpacked: dict[str, str] = {}
    modules = [
        root
        for document in documents
        if document
        for root in (
            document.get("prior_state", {}).get("values", {}).get("root_module", {}),
            document.get("values", {}).get("root_module", {}),
        )
    ]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        for resource in module.get("resources", []):
            if resource.get("type") != "archive_file":
                continue
            output = resource["values"].get("output_path")
            zip_path = Path(output) if os.path.isabs(output) else work / output
            if output in unpacked or not zip_path.is_file():
                continue
            target = into / hashlib.sha256(output.encode()).hexdigest()[:16]
            shutil.rmtree(target, ignore_errors=True)
            with zipfile.ZipFile(zip_path) as archive:
                archive.extractall(target)
            unpacked[output] = str(target)
    return unpacked


def plan_stack(request: PlanRequest, *, log: Log = print) -> PlannedStack:
    """Plan the stack in `request.directory` offline, or take its plan from the cache.

    Raises:
        TerraformSourceError: DIR is not a Terraform stack, a provider cannot be served,
            or Terraform refused the configuration (its own message is included).
    """
    directory = request.directory.resolve()
    if not directory.is_dir() or not _tf_files(directory):
        raise TerraformSourceError(f"{request.directory} is not a folder of Terraform (.tf) files")
    schemas_dir = (request.schemas_dir or default_schemas_dir() or Path("/nonexistent")).resolve()
    cache = (request.cache_dir or cache_root()).resolve()
    real_schemas = cache / "provider-schemas"
    modules = local_module_dirs(directory)
    anchor = _anchor(directory, modules)
    installed = _installed_versions(directory)
    if installed:
        _read_real_schemas(directory, anchor, installed, real_schemas, log)
    choices = choose_providers(directory, modules, schemas_dir, real_schemas)
    providers = tuple(f"{c.type_name} {c.version}: stand-in serving {c.why}" for c in choices)
    var_args = _variable_args(request)
    extra_files = [Path(a.split("=", 1)[1]) for a in var_args if a.startswith("-var-file=")]
    key = _digest_files(
        [anchor, *extra_files],
        [__version__, str(directory), *var_args, *providers],
    )
    entry = cache / "plans" / key[:32]
    hit = None if request.refresh else _from_cache(entry, directory, providers, from_cache=True)
    if hit is not None:
        return hit
    log(f"planning {directory} offline (terraform plan through the stand-in providers)...")
    with tempfile.TemporaryDirectory(prefix="websocket-local-plan-") as folder:
        root = Path(folder)
        work = _mirror_tree(directory, anchor, root / "tree")
        (work / _OVERRIDE_FILE).write_text(_override(root))
        _reuse_installed_modules(directory, work)
        mirror = root / "providers"
        for choice in choices:
            write_launcher(
                mirror,
                choice.type_name,
                choice.version,
                serve_version=choice.schema_version,
                schemas_dir=choice.schemas_dir,
            )
        plan, state = _plan_and_apply(work, root, mirror, var_args, log)
        shutil.rmtree(entry, ignore_errors=True)
        entry.mkdir(parents=True)
        archives = _unpack_archives([plan, state], work, entry / "archives")
        work_root = str(work)
    (entry / "plan.json").write_text(json.dumps(plan))
    (entry / "state.json").write_text(json.dumps(state))
    (entry / "archives.json").write_text(json.dumps({"archives": archives, "work_root": work_root}))
    _prune(entry.parent, keep=_CACHED_PLANS)
    planned = _from_cache(entry, directory, providers, from_cache=False)
    if planned is None:
        raise TerraformSourceError(f"cannot read back the plan written to {entry}")
    return planned


def _reuse_installed_modules(directory: Path, work: Path) -> None:
    """Give the copy the modules DIR's own `terraform init` installed (from git, a
    registry), so that `init` finds them there instead of downloading them again."""
    installed = directory / ".terraform" / "modules"
    if (installed / "modules.json").is_file():
        shutil.copytree(installed, work / ".terraform" / "modules", symlinks=True)


def _plan_and_apply(
    work: Path, root: Path, mirror: Path, var_args: list[str], log: Log
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """`init`, `plan` and `show -json` in the copy; then an apply into its throw-away state.

    The apply happens in the stand-in's make-believe account only (no cloud is ever
    called): it reads the data sources the plan deferred (an `archive_file` that waits
    on another value) and gives every computed value a stand-in value, so what links
    resources together (an integration's URI, a route's target, a layer's ARN) can be
    matched where the references pass through `locals`, which the plan's configuration
    section leaves out. What an apply that stops half-way applied is used all the same;
    the rest is read from the plan alone.
    """
    chdir = f"-chdir={work}"
    code, out, err = _terraform(
        [chdir, "init", "-input=false", "-no-color", f"-plugin-dir={mirror}"]
    )
    if code != 0:
        raise TerraformSourceError(f"terraform init failed in the copy:\n{err or out}")
    plan_file = root / "local.tfplan"
    code, out, err = _terraform(
        [
            chdir,
            "plan",
            "-input=false",
            "-no-color",
            "-refresh=false",
            f"-out={plan_file}",
            *var_args,
        ]
    )
    if code != 0:
        raise TerraformSourceError(f"terraform plan failed:\n{err or out}")
    code, out, err = _terraform([chdir, "show", "-json", "-no-color", str(plan_file)])
    if code != 0:
        raise TerraformSourceError(f"terraform show failed:\n{err or out}")
    plan = json.loads(out)
    code, out, err = _terraform(
        [chdir, "apply", "-input=false", "-no-color", "-auto-approve", str(plan_file)]
    )
    if code != 0:
        first = next((line for line in (err or out).splitlines() if line.strip()), "")
        log(f"note: the stand-in apply stopped ({first.strip()}); using what it applied")
    code, out, err = _terraform([chdir, "show", "-json", "-no-color"])
    return plan, (json.loads(out) if code == 0 and out.strip() else None)


def _prune(plans: Path, *, keep: int) -> None:
    """Keep only the `keep` newest plans: each change of a stack makes a new entry."""
    entries = sorted(plans.iterdir(), key=lambda entry: entry.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        shutil.rmtree(stale, ignore_errors=True)


def _from_cache(
    entry: Path, directory: Path, providers: tuple[str, ...], *, from_cache: bool
) -> PlannedStack | None:
    """The plan, state, unpacked zips and work root kept in a cache entry, if complete."""
    try:
        plan = json.loads((entry / "plan.json").read_text())
        state = json.loads((entry / "state.json").read_text())
        meta = json.loads((entry / "archives.json").read_text())
    except (OSError, ValueError):
        return None
    if not all(Path(folder).is_dir() for folder in meta["archives"].values()):
        return None
    return PlannedStack(
        directory=directory,
        plan=plan,
        state=state,
        archives={output: Path(folder) for output, folder in meta["archives"].items()},
        providers=providers,
        from_cache=from_cache,
        work_root=meta["work_root"],
    )
