"""Read from a Terraform plan what the local gateway serves: APIs, functions, tables and kin.

Every `aws_apigatewayv2_api` with protocol `WEBSOCKET`, whether a module made it or the
resources were written by hand, with its routes (each `AWS_PROXY` integration's Lambda
function: handler, runtime, timeout, memory, environment, code and layers), two-way
responses, `$connect` authorizer, stage and throttling; and the resources handlers call
that moto emulates: DynamoDB tables, SSM parameters, Secrets Manager secrets, SQS queues
and SNS topics.

What a plan does not know yet (an ARN, a queue URL, an id) is found by following the
references of the plan's `configuration` section, through module calls, variables,
outputs and `for_each` (`each.key`, `each.value`), to the resource it names; the gateway
then gives the local counterpart of that resource's attribute (`LocalRef`). What cannot
be followed, and what runs nowhere locally (a function from S3 or an image, a runtime
other than Python), is reported by name in `LocalStack.problems`.

Plan JSON: Terraform's "JSON Output Format" (https://developer.hashicorp.com/terraform/internals/json-format):
`planned_values`, `resource_changes[].change.after_unknown`, `prior_state` (the data
sources read during the plan, such as `archive_file`) and `configuration` (module calls,
expressions as `constant_value` or `references`, `for_each_expression`, outputs).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = [
    "LocalRef",
    "LocalStack",
    "LocalTemplate",
    "StackApi",
    "StackAuthorizer",
    "StackFunction",
    "StackRoute",
    "StackTable",
    "read_stack",
]

_MODULE_STEP = re.compile(r'module\.([\w-]+)(?:\[("(?:[^"\\]|\\.)*"|\d+)\])?')
_RESOURCE_REF = re.compile(
    r"^(?P<data>data\.)?(?P<type>[a-z0-9]+_[a-z0-9_]+)\.(?P<name>[\w-]+)"
    r'(?:\[(?P<index>"[^"]*"|\d+)\])?(?:\.(?P<attr>\w+))?'
)
_MODULE_REF = re.compile(
    r'^module\.(?P<name>[\w-]+)(?:\[(?P<index>"[^"]*"|\d+)\])?(?:\.(?P<attr>\w+))?'
)
_PYTHON_RUNTIME = re.compile(r"^python3\.\d+$")
# References followed at most, through module calls, variables and outputs.
_MAX_DEPTH = 12
# The shortest applied value looked for inside another (shorter ones match by chance).
_MIN_PIECE = 6


@dataclass(frozen=True)
class LocalRef:
    """A value unknown at plan time: attribute `attribute` of resource `address` (a `type`).

    The gateway turns it into the local counterpart once the local resources exist.
    """

    type: str
    address: str
    attribute: str
    name: str | None


@dataclass(frozen=True)
class LocalTemplate:
    """A value unknown at plan time built from other values: literal text and `LocalRef`s
    (`"${aws_apigatewayv2_api.x.id}/prod"`), found in the stand-in's applied value."""

    parts: tuple[str | LocalRef, ...]


@dataclass(frozen=True, kw_only=True)
class StackFunction:
    """A Lambda function as the plan describes it, with its code found on this machine."""

    address: str
    name: str
    handler: str
    runtime: str | None
    timeout: int
    memory_size: int
    environment: dict[str, str | LocalRef | LocalTemplate]
    code_dir: Path | None
    layer_dirs: tuple[Path, ...]
    # `reserved_concurrent_executions`; None when unreserved (the provider's -1).
    reserved_concurrency: int | None = None


@dataclass(frozen=True, kw_only=True)
class StackAuthorizer:
    """A `$connect` Lambda authorizer (REQUEST type) and where it reads identity from."""

    address: str
    name: str
    function: StackFunction
    identity_sources: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class StackRoute:
    """One route: its key, its function, whether it answers the client."""

    key: str
    function: StackFunction
    two_way_response: bool
    authorizer: StackAuthorizer | None = None
    throttling_burst_limit: int | None = None
    throttling_rate_limit: float | None = None


@dataclass(frozen=True, kw_only=True)
class StackApi:
    """A WebSocket API, its first stage and its routes."""

    address: str
    name: str
    route_selection_expression: str
    stage: str | None
    routes: dict[str, StackRoute]
    throttling_burst_limit: int | None = None
    throttling_rate_limit: float | None = None
    # What keeps this API from running locally, one line each.
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class StackTable:
    """A DynamoDB table's keys and indexes, for `CreateTable` in the embedded DynamoDB."""

    address: str
    name: str
    attributes: dict[str, str]
    hash_key: str
    range_key: str | None
    global_indexes: list[dict[str, Any]]
    local_indexes: list[dict[str, Any]]
    ttl_attribute: str | None
    stream_enabled: bool = False


@dataclass(kw_only=True)
class LocalStack:
    """Everything read from one plan."""

    apis: dict[str, StackApi] = field(default_factory=dict)
    tables: list[StackTable] = field(default_factory=list)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    secrets: dict[str, str | None] = field(default_factory=dict)
    queues: dict[str, dict[str, str]] = field(default_factory=dict)
    topics: dict[str, dict[str, str]] = field(default_factory=dict)
    region: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class _Instance:
    """One resource instance of the plan: where it is, its values, what is unknown."""

    address: str
    module: tuple[tuple[str, Any], ...]
    mode: str
    type: str
    name: str
    index: Any
    values: dict[str, Any]
    unknown: dict[str, Any]


ModulePath = tuple[tuple[str, Any], ...]
Target = tuple["_Instance", str | None]


def _parse_key(text: str | None) -> Any:
    if text is None:
        return None
    if text.startswith('"'):
        return text[1:-1].replace('\\"', '"')
    return int(text)


def _module_path(address: str | None) -> tuple[tuple[str, Any], ...]:
    if not address:
        return ()
    return tuple((m.group(1), _parse_key(m.group(2))) for m in _MODULE_STEP.finditer(address))


class _Plan:
    """The plan's instances, indexed, and its configuration, walked by module path."""

    def __init__(self, plan: Mapping[str, Any], state: Mapping[str, Any] | None) -> None:
        self.plan = plan
        self.instances: list[_Instance] = []
        unknown = {
            change["address"]: (change["change"].get("after_unknown") or {})
            for change in plan.get("resource_changes", [])
        }
        state_root = (state or {}).get("values", {}).get("root_module", {})
        applied = {resource["address"]: resource for _, resource in _walk(state_root)}
        seen: set[str] = set()
        roots = [
            plan.get("planned_values", {}).get("root_module", {}),
            plan.get("prior_state", {}).get("values", {}).get("root_module", {}),
            state_root,
        ]
        for root in roots:
            for module_address, resource in _walk(root):
                if resource["address"] in seen:
                    continue
                seen.add(resource["address"])
                known = applied.get(resource["address"], resource)
                self.instances.append(
                    _Instance(
                        address=resource["address"],
                        module=_module_path(module_address),
                        mode=resource["mode"],
                        type=resource["type"],
                        name=resource["name"],
                        index=resource.get("index"),
                        values=known.get("values") or {},
                        unknown=unknown.get(resource["address"], {}),
                    )
                )
        self.config_root = plan.get("configuration", {}).get("root_module", {})

    def holding(
        self, types: Iterable[str], attributes: Iterable[str], value: Any
    ) -> list[_Instance]:
        """The instances of `types` whose value of one of `attributes` is `value`.

        Only the stand-in's apply makes computed values known; without it, or for a
        value that is not a non-empty string, nothing matches.
        """
        if not isinstance(value, str) or not value:
            return []
        names = tuple(attributes)
        return [
            i
            for type_name in types
            for i in self.of_type(type_name)
            if any(i.values.get(a) == value for a in names)
        ]

    def of_type(self, type_name: str, mode: str = "managed") -> list[_Instance]:
        return [i for i in self.instances if i.type == type_name and i.mode == mode]

    def module_config(self, path: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
        config = self.config_root
        for name, _ in path:
            config = config.get("module_calls", {}).get(name, {}).get("module", {})
        return config

    def resource_config(self, instance: _Instance) -> dict[str, Any]:
        prefix = "data." if instance.mode == "data" else ""
        wanted = f"{prefix}{instance.type}.{instance.name}"
        for resource in self.module_config(instance.module).get("resources", []):
            if resource.get("address") == wanted:
                return resource
        return {}

    def in_module(
        self, path: tuple[tuple[str, Any], ...], type_name: str, name: str, mode: str
    ) -> list[_Instance]:
        return [
            i
            for i in self.instances
            if i.module == path and i.type == type_name and i.name == name and i.mode == mode
        ]

    def under_module(self, path: tuple[tuple[str, Any], ...], types: set[str]) -> list[_Instance]:
        return [i for i in self.instances if i.module[: len(path)] == path and i.type in types]


def _walk(module: Mapping[str, Any]) -> Iterator[tuple[str | None, dict[str, Any]]]:
    for resource in module.get("resources", []):
        yield module.get("address"), resource
    for child in module.get("child_modules", []):
        yield from _walk(child)


def _refs(expression: Any) -> list[str]:
    """The references of one expression of the configuration, most specific first."""
    if isinstance(expression, list):
        return [ref for item in expression for ref in _refs(item)]
    if isinstance(expression, dict):
        if "references" in expression:
            return list(expression["references"])
        return [ref for value in expression.values() for ref in _refs(value)]
    return []


def _pick(instances: list[_Instance], index: Any, key: Any) -> _Instance | None:
    """The instance a reference means: its literal index, the only one, or `each.key`'s."""
    if index is not None:
        return next((i for i in instances if i.index == index), None)
    if len(instances) == 1:
        return instances[0]
    return next((i for i in instances if key is not None and i.index == key), None)


class _Resolver:
    """Follows references of the configuration to the resource instances they name."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan

    def expression(self, instance: _Instance, *path: str | int) -> Any:
        """The configuration expression at `path` of a resource (blocks are lists)."""
        node: Any = self.plan.resource_config(instance).get("expressions", {})
        for step in path:
            in_list = isinstance(node, list) and isinstance(step, int) and step < len(node)
            if not (in_list or (isinstance(node, dict) and step in node)):
                return None
            node = node[step]
        return node

    def targets(
        self,
        module: ModulePath,
        refs: list[str],
        types: set[str] | None,
        key: Any,
        *,
        for_each: list[str] | None = None,
        depth: int = 0,
    ) -> list[Target]:
        """The instances (and attributes) `refs` lead to, of one of `types` when given.

        Args:
            module: The module instance the references are written in.
            refs: The references, as the configuration lists them.
            types: The resource types wanted; None: any.
            key: What `each.key` (or a module's own key) means here.
            for_each: The references of the `for_each` expression `each.value` comes from.
            depth: How many steps were taken, to stop on a cycle.
        """
        if depth > _MAX_DEPTH:
            return []
        found: list[Target] = []
        for ref in refs:
            if ref.startswith("each.value") and for_each:
                hits = self.targets(module, for_each, types, key, depth=depth + 1)
            elif ref.startswith("var."):
                hits = self._through_variable(module, ref, types, key, depth)
            elif match := _MODULE_REF.match(ref):
                hits = self._through_module(module, match, types, key, depth)
            elif match := _RESOURCE_REF.match(ref):
                hits = self._resource(module, match, types, key)
            else:  # locals, each.key, path.*: not in the plan's configuration
                hits = []
            for hit in hits:
                if (hit[0].address, hit[1]) not in {(f[0].address, f[1]) for f in found}:
                    found.append(hit)
        return found

    def _through_variable(
        self, module: ModulePath, ref: str, types: set[str] | None, key: Any, depth: int
    ) -> list[Target]:
        """`var.x` inside a module: the expression its call gives `x`, in the caller."""
        if not module:
            return []
        parent, (call, module_key) = module[:-1], module[-1]
        call_config = self.plan.module_config(parent).get("module_calls", {}).get(call, {})
        expression = call_config.get("expressions", {}).get(ref.split(".")[1])
        # Inside a module made with for_each, `each` in its call means the module's key;
        # otherwise the key the caller followed (a resource's `each.key`) still holds.
        outer_key = module_key if module_key is not None else key
        return self.targets(
            parent,
            _refs(expression),
            types,
            outer_key,
            for_each=_refs(call_config.get("for_each_expression")),
            depth=depth + 1,
        )

    def _through_module(
        self, module: ModulePath, match: re.Match[str], types: set[str] | None, key: Any, depth: int
    ) -> list[Target]:
        """`module.m.out`: the output's expression inside `m`; bare `module.m`: the one
        resource of a wanted type inside it."""
        here = len(module)
        calls = {
            i.module[here]
            for i in self.plan.instances
            if len(i.module) > here
            and i.module[:here] == module
            and i.module[here][0] == match.group("name")
        }
        index = _parse_key(match.group("index"))
        chosen = [
            call
            for call in calls
            if (index is not None and call[1] == index)
            or (index is None and (len(calls) == 1 or call[1] == key))
        ]
        if len(chosen) != 1:
            return []
        child = (*module, chosen[0])
        output = match.group("attr")
        if output:
            outputs = self.plan.module_config(child).get("outputs", {})
            expression = outputs.get(output, {}).get("expression")
            return self.targets(child, _refs(expression), types, None, depth=depth + 1)
        under = self.plan.under_module(child, types) if types else []
        return [(under[0], None)] if len(under) == 1 else []

    def _resource(
        self, module: ModulePath, match: re.Match[str], types: set[str] | None, key: Any
    ) -> list[Target]:
        """`aws_x.y[...].attr`: the instance meant, with the attribute named."""
        if types is not None and match.group("type") not in types:
            return []
        mode = "data" if match.group("data") else "managed"
        instances = self.plan.in_module(module, match.group("type"), match.group("name"), mode)
        chosen = _pick(instances, _parse_key(match.group("index")), key)
        return [(chosen, match.group("attr"))] if chosen else []

    def follow(
        self, instance: _Instance, types: set[str] | None, *path: str | int
    ) -> list[tuple[_Instance, str | None]]:
        """Where the expression at `path` of `instance` leads, `each.*` bound to its key.

        A `for_each` over a literal map whose values are keys of another resource
        (`aws_x.y[each.value]`) is followed through the value of this instance's key.
        """
        each_expression = self.plan.resource_config(instance).get("for_each_expression") or {}
        refs = _refs(self.expression(instance, *path))
        key = instance.index
        constant = each_expression.get("constant_value")
        if "each.value" in refs and isinstance(constant, dict):
            value = constant.get(instance.index)
            key = value if isinstance(value, str | int) else key
        return self.targets(instance.module, refs, types, key, for_each=_refs(each_expression))


def _first(values: Any) -> dict[str, Any]:
    """The one element of a single nested block, as the plan lists it."""
    return values[0] if isinstance(values, list) and values and isinstance(values[0], dict) else {}


def _tokens(text: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", text.lower()) if t}


def _reservation(value: Any) -> int | None:
    """A function's reserved concurrency: the provider's -1 (its default) reserves none,
    0 stops the function ("Configuring reserved concurrency", Lambda developer guide)."""
    if isinstance(value, int | float) and value >= 0:
        return int(value)
    return None


def _name_of(instance: _Instance) -> str | None:
    for attribute in ("name", "function_name", "layer_name"):
        value = instance.values.get(attribute)
        if isinstance(value, str):
            return value
    return None


class _Reader:
    def __init__(
        self,
        plan: Mapping[str, Any],
        *,
        state: Mapping[str, Any] | None,
        directory: Path,
        archives: Mapping[str, Path],
        work_root: str,
    ) -> None:
        self.plan = _Plan(plan, state)
        self.resolve = _Resolver(self.plan)
        self.directory = directory
        self.archives = archives
        self.work_root = work_root
        self.stack = LocalStack()
        self._functions: dict[str, StackFunction | None] = {}
        self._api_problems: list[str] | None = None

    def linked(
        self,
        instance: _Instance,
        attribute: str,
        types: set[str],
        their: tuple[str, ...],
        prefix: str = "",
    ) -> list[_Instance]:
        """What `instance.attribute` points at: by the configuration's references, else
        (through `locals`) by the applied value equal to `prefix` + one of `their`."""
        found = [target for target, _ in self.resolve.follow(instance, types, attribute)]
        if found:
            return found
        value = instance.values.get(attribute)
        if isinstance(value, str) and value.startswith(prefix):
            return self.plan.holding(types, their, value.removeprefix(prefix))
        return []

    def problem(self, text: str) -> None:
        sink = self._api_problems if self._api_problems is not None else self.stack.problems
        if text not in sink:
            sink.append(text)

    # ---------------------------------------------------------------- code on disk
    def _local_path(self, path: str) -> Path:
        """A path as the plan has it (relative to the copy of DIR, or inside it) on this machine."""
        if os.path.isabs(path):
            if self.work_root and path.startswith(self.work_root):
                return (self.directory / os.path.relpath(path, self.work_root)).resolve()
            return Path(path)
        return (self.directory / path).resolve()

    def _archive(self, output_path: str) -> _Instance | None:
        for instance in self.plan.of_type("archive_file", "data"):
            if instance.values.get("output_path") == output_path:
                return instance
        return None

    def _content_dir(
        self, owner: str, filename: Any, via: list[tuple[_Instance, str | None]]
    ) -> Path | None:
        """Where a zip's content is read from: the `source_dir` it zips, else the unpacked zip."""
        archive = self._archive(filename) if isinstance(filename, str) else None
        if archive is None:
            archive = next((i for i, _ in via if i.type == "archive_file"), None)
        if archive is None:
            self.problem(
                f"{owner}: its package {filename or '(unknown)'} is not built by an archive_file "
                "data source, so its code cannot be found locally"
            )
            return None
        source_dir = archive.values.get("source_dir")
        if isinstance(source_dir, str) and source_dir:
            local = self._local_path(source_dir)
            if local.is_dir():
                return local
        unpacked = self.archives.get(archive.values.get("output_path", ""))
        if unpacked is not None:
            return Path(unpacked)
        self.problem(f"{owner}: the zip of {archive.address} was not built")
        return None

    # ---------------------------------------------------------------- functions
    def function(self, instance: _Instance) -> StackFunction | None:
        if instance.address not in self._functions:
            self._functions[instance.address] = self._read_function(instance)
        return self._functions[instance.address]

    def _read_function(self, instance: _Instance) -> StackFunction | None:
        values, owner = instance.values, instance.address
        if values.get("package_type") == "Image" or values.get("image_uri"):
            self.problem(f"{owner}: a function from a container image cannot run locally")
            return None
        if values.get("s3_bucket") or values.get("s3_key"):
            self.problem(
                f"{owner}: a function whose code is in S3 ({values.get('s3_bucket')}/"
                f"{values.get('s3_key')}) cannot run locally; build it with archive_file"
            )
            return None
        runtime = values.get("runtime")
        if isinstance(runtime, str) and not _PYTHON_RUNTIME.match(runtime):
            self.problem(f"{owner}: runtime {runtime} is not served locally (Python only)")
            return None
        handler = values.get("handler")
        if not isinstance(handler, str):
            self.problem(f"{owner}: its handler is unknown at plan time")
            return None
        via = self.resolve.follow(instance, {"archive_file"}, "filename")
        code_dir = self._content_dir(owner, values.get("filename"), via)
        layers = self._layers(instance)
        return StackFunction(
            address=owner,
            name=values.get("function_name") or owner,
            handler=handler,
            runtime=runtime,
            timeout=int(values.get("timeout") or 3),
            memory_size=int(values.get("memory_size") or 128),
            environment=self._environment(instance),
            code_dir=code_dir,
            layer_dirs=layers,
            reserved_concurrency=_reservation(values.get("reserved_concurrent_executions")),
        )

    def _layers(self, instance: _Instance) -> tuple[Path, ...]:
        folders: list[Path] = []
        layers = instance.values.get("layers") or []
        if not layers:
            return ()
        found = [
            t for t, _ in self.resolve.follow(instance, {"aws_lambda_layer_version"}, "layers")
        ]
        if not found:  # through locals: the applied ARNs, in the function's order
            found = [
                match
                for arn in layers
                for match in self.plan.holding({"aws_lambda_layer_version"}, ("arn",), arn)
            ]
        if len(found) < len(layers):
            self.problem(
                f"{instance.address}: {len(layers) - len(found)} of its layers are not built in "
                "this stack, so they are not loaded locally"
            )
        for layer in found:
            via = self.resolve.follow(layer, {"archive_file"}, "filename")
            content = self._content_dir(layer.address, layer.values.get("filename"), via)
            if content is not None and content / "python" not in folders:
                # Lambda puts a layer's content under /opt and Python imports from /opt/python.
                folders.append(content / "python")
        return tuple(folders)

    def _environment(self, instance: _Instance) -> dict[str, str | LocalRef | LocalTemplate]:
        variables = _first(instance.values.get("environment")).get("variables") or {}
        unknown = _first(instance.unknown.get("environment")).get("variables") or {}
        environment: dict[str, str | LocalRef | LocalTemplate] = {
            str(k): str(v) for k, v in variables.items() if v is not None
        }
        if unknown is True:
            self.problem(f"{instance.address}: its whole environment is unknown at plan time")
            return environment
        missing = sorted(k for k, v in unknown.items() if v is True)
        if not missing:
            return environment
        candidates = [
            (target, attribute)
            for target, attribute in self.resolve.follow(
                instance, None, "environment", 0, "variables"
            )
            if attribute is not None and attribute in _unknown_attributes(target)
        ]
        for name in missing:
            applied = self._applied_ref(variables.get(name))
            if applied is not None:
                environment[name] = applied
                continue
            chosen = _match(name, candidates, single=len(missing) == 1)
            if chosen is None:
                environment[name] = LocalRef("", "", "", name)
                continue
            target, attribute = chosen
            environment[name] = LocalRef(target.type, target.address, attribute, _name_of(target))
        return environment

    def _applied_ref(self, value: Any) -> LocalRef | LocalTemplate | None:
        """What an unknown variable's applied (stand-in) value is made of: one resource
        attribute's value, or text around such values (an API id and a stage name)."""
        if not isinstance(value, str) or not value:
            return None
        pieces: dict[str, LocalRef] = {}
        for instance in self.plan.instances:
            if instance.mode != "managed":
                continue
            for attribute in sorted(_unknown_attributes(instance)):
                applied = instance.values.get(attribute)
                if not isinstance(applied, str) or len(applied) < _MIN_PIECE or applied in pieces:
                    continue
                ref = LocalRef(instance.type, instance.address, attribute, _name_of(instance))
                if applied == value:
                    return ref
                if applied in value:
                    pieces[applied] = ref
        if not pieces:
            return None
        pattern = re.compile("|".join(re.escape(p) for p in sorted(pieces, key=len, reverse=True)))
        parts: list[str | LocalRef] = []
        position = 0
        for match in pattern.finditer(value):
            parts.extend([value[position : match.start()], pieces[match.group()]])
            position = match.end()
        parts.append(value[position:])
        return LocalTemplate(tuple(part for part in parts if part != ""))

    # ---------------------------------------------------------------- APIs
    def apis(self) -> None:
        for api in self.plan.of_type("aws_apigatewayv2_api"):
            if api.values.get("protocol_type") != "WEBSOCKET":
                continue
            self._api_problems = []
            read = self._api(api)
            self.stack.apis[api.address] = replace(read, problems=tuple(self._api_problems))
            self._api_problems = None

    def _belongs(self, instance: _Instance, api: _Instance) -> bool:
        owners = self.linked(instance, "api_id", {api.type}, ("id",))
        return any(owner.address == api.address for owner in owners)

    def _api(self, api: _Instance) -> StackApi:
        authorizers = self._authorizers(api)
        responses = {
            route.address
            for response in self.plan.of_type("aws_apigatewayv2_route_response")
            if self._belongs(response, api)
            for route in self.linked(response, "route_id", {"aws_apigatewayv2_route"}, ("id",))
        }
        stages = [s for s in self.plan.of_type("aws_apigatewayv2_stage") if self._belongs(s, api)]
        stage = stages[0] if stages else None
        if len(stages) > 1:
            self.problem(f"{api.address}: several stages; serving {stage.values.get('name')}")
        defaults = _first(stage.values.get("default_route_settings")) if stage else {}
        per_route = (
            {s.get("route_key"): s for s in (stage.values.get("route_settings") or [])}
            if stage
            else {}
        )
        routes: dict[str, StackRoute] = {}
        for route in self.plan.of_type("aws_apigatewayv2_route"):
            if not self._belongs(route, api):
                continue
            key = route.values.get("route_key")
            if not isinstance(key, str):
                self.problem(f"{route.address}: its route key is unknown at plan time")
                continue
            function = self._route_function(route)
            if function is None:
                continue
            authorizer = None
            if route.values.get("authorization_type") == "CUSTOM":
                found = self.linked(
                    route, "authorizer_id", {"aws_apigatewayv2_authorizer"}, ("id",)
                )
                authorizer = authorizers.get(found[0].address) if found else None
                if authorizer is None:
                    self.problem(f"{route.address}: its authorizer cannot be served locally")
            settings = per_route.get(key, {})
            routes[key] = StackRoute(
                key=key,
                function=function,
                two_way_response=route.address in responses,
                authorizer=authorizer,
                throttling_burst_limit=settings.get("throttling_burst_limit"),
                throttling_rate_limit=settings.get("throttling_rate_limit"),
            )
        return StackApi(
            address=api.address,
            name=str(api.values.get("name") or api.address),
            route_selection_expression=str(
                api.values.get("route_selection_expression") or "$request.body.action"
            ),
            stage=stage.values.get("name") if stage else None,
            routes=routes,
            throttling_burst_limit=defaults.get("throttling_burst_limit"),
            throttling_rate_limit=defaults.get("throttling_rate_limit"),
        )

    def _route_function(self, route: _Instance) -> StackFunction | None:
        integrations = self.linked(
            route, "target", {"aws_apigatewayv2_integration"}, ("id",), prefix="integrations/"
        )
        if not integrations:
            self.problem(
                f"{route.address}: no integration found for route {route.values.get('route_key')}"
            )
            return None
        integration = integrations[0]
        kind = integration.values.get("integration_type")
        if kind != "AWS_PROXY":
            self.problem(
                f"{integration.address}: integration type {kind} is not served locally "
                "(AWS_PROXY only)"
            )
            return None
        functions = self.linked(
            integration, "integration_uri", {"aws_lambda_function"}, ("invoke_arn", "arn")
        )
        if not functions:
            self.problem(f"{integration.address}: its Lambda function cannot be found in the plan")
            return None
        return self.function(functions[0])

    def _authorizers(self, api: _Instance) -> dict[str, StackAuthorizer]:
        found: dict[str, StackAuthorizer] = {}
        for authorizer in self.plan.of_type("aws_apigatewayv2_authorizer"):
            if not self._belongs(authorizer, api):
                continue
            if authorizer.values.get("authorizer_type") != "REQUEST":
                self.problem(f"{authorizer.address}: only REQUEST (Lambda) authorizers are served")
                continue
            functions = self.linked(
                authorizer, "authorizer_uri", {"aws_lambda_function"}, ("invoke_arn", "arn")
            )
            function = self.function(functions[0]) if functions else None
            if function is None:
                self.problem(
                    f"{authorizer.address}: its Lambda function cannot be found in the plan"
                )
                continue
            found[authorizer.address] = StackAuthorizer(
                address=authorizer.address,
                name=str(authorizer.values.get("name") or authorizer.address),
                function=function,
                identity_sources=tuple(authorizer.values.get("identity_sources") or ()),
            )
        return found

    # ---------------------------------------------------------------- other resources
    def tables(self) -> None:
        for table in self.plan.of_type("aws_dynamodb_table"):
            values = table.values
            name = values.get("name")
            if not isinstance(name, str):
                self.problem(f"{table.address}: its name is unknown at plan time")
                continue
            ttl = _first(values.get("ttl"))
            self.stack.tables.append(
                StackTable(
                    address=table.address,
                    name=name,
                    attributes={a["name"]: a["type"] for a in values.get("attribute") or []},
                    hash_key=values.get("hash_key"),
                    range_key=values.get("range_key"),
                    global_indexes=list(values.get("global_secondary_index") or []),
                    local_indexes=list(values.get("local_secondary_index") or []),
                    ttl_attribute=ttl.get("attribute_name") if ttl.get("enabled") else None,
                    stream_enabled=bool(values.get("stream_enabled")),
                )
            )

    def messaging(self) -> None:
        for parameter in self.plan.of_type("aws_ssm_parameter"):
            name = parameter.values.get("name")
            value = parameter.values.get("value") or parameter.values.get("insecure_value")
            if not isinstance(name, str):
                self.problem(f"{parameter.address}: its name is unknown at plan time")
                continue
            if value is None:
                self.problem(
                    f"{parameter.address}: its value is unknown at plan time; created empty"
                )
            self.stack.parameters[name] = {
                "type": parameter.values.get("type") or "String",
                "value": "" if value is None else str(value),
            }
        self._secrets()
        self._queues_and_topics()

    def _secrets(self) -> None:
        versions = self.plan.of_type("aws_secretsmanager_secret_version")
        for secret in self.plan.of_type("aws_secretsmanager_secret"):
            name = secret.values.get("name")
            if not isinstance(name, str):
                self.problem(f"{secret.address}: its name is unknown at plan time (name_prefix?)")
                continue
            value = None
            for version in versions:
                owners = self.linked(version, "secret_id", {secret.type}, ("id", "arn"))
                if any(o.address == secret.address for o in owners):
                    value = version.values.get("secret_string")
            self.stack.secrets[name] = None if value is None else str(value)

    def _queues_and_topics(self) -> None:
        for queue in self.plan.of_type("aws_sqs_queue"):
            name = queue.values.get("name")
            if not isinstance(name, str):
                self.problem(f"{queue.address}: its name is unknown at plan time (name_prefix?)")
                continue
            attributes = {}
            if queue.values.get("fifo_queue"):
                attributes["FifoQueue"] = "true"
            if queue.values.get("visibility_timeout_seconds") is not None:
                attributes["VisibilityTimeout"] = str(queue.values["visibility_timeout_seconds"])
            self.stack.queues[name] = attributes
        for topic in self.plan.of_type("aws_sns_topic"):
            name = topic.values.get("name")
            if not isinstance(name, str):
                self.problem(f"{topic.address}: its name is unknown at plan time (name_prefix?)")
                continue
            self.stack.topics[name] = (
                {"FifoTopic": "true"} if topic.values.get("fifo_topic") else {}
            )

    def region(self) -> None:
        aws = self.plan.plan.get("configuration", {}).get("provider_config", {}).get("aws", {})
        region = aws.get("expressions", {}).get("region", {}).get("constant_value")
        self.stack.region = region if isinstance(region, str) else None


def _unknown_attributes(instance: _Instance) -> set[str]:
    """The attributes of an instance unknown at plan time (computed on create)."""
    return {k for k, v in instance.unknown.items() if v is True}


def _match(
    name: str, candidates: list[tuple[_Instance, str]], *, single: bool
) -> tuple[_Instance, str] | None:
    """Which reference an unknown environment variable holds.

    The plan lists an object's references together, not by key, so the variable is
    matched by its name against each reference's resource type, name and attribute
    (`QUEUE_URL` -> `aws_sqs_queue.jobs.url`); the only candidate wins outright.
    """
    if single and len(candidates) == 1:
        return candidates[0]
    wanted = _tokens(name)
    scored = sorted(
        (
            (
                len(wanted & (_tokens(t.type) | _tokens(t.name) | _tokens(str(t.index or ""))))
                + 2 * (attribute.lower() in wanted),
                index,
            )
            for index, (t, attribute) in enumerate(candidates)
        ),
        reverse=True,
    )
    if not scored or scored[0][0] == 0 or (len(scored) > 1 and scored[1][0] == scored[0][0]):
        return None
    return candidates[scored[0][1]]


def read_stack(
    plan: Mapping[str, Any],
    *,
    state: Mapping[str, Any] | None = None,
    directory: Path,
    archives: Mapping[str, Path] | None = None,
    work_root: str = "",
) -> LocalStack:
    """Read what the gateway serves from `terraform show -json` of a plan.

    Args:
        plan: The plan's JSON.
        state: The stand-in's applied state of that plan, whose values link resources
            where references pass through `locals`; None: the plan alone.
        directory: The stack's folder; relative paths in the plan are relative to it.
        archives: Each `archive_file` output path -> the folder its zip was unpacked to.
        work_root: Where the stack's copy was planned, for absolute paths in the plan.
    """
    reader = _Reader(
        plan, state=state, directory=directory, archives=archives or {}, work_root=work_root
    )
    reader.region()
    reader.apis()
    reader.tables()
    reader.messaging()
    if not reader.stack.apis:
        reader.problem("the plan has no aws_apigatewayv2_api with protocol_type WEBSOCKET")
    return reader.stack
