"""The stand-in's values: cty wire encoding, plans, placeholders, archives and data sources."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import msgpack
import pytest

from local_gateway.standin import cty
from local_gateway.standin.archive import ArchiveError, glob_match, read_archive_file
from local_gateway.standin.data_sources import read_data_source
from local_gateway.standin.resources import fill_computed, mark_computed_unknown
from local_gateway.standin.schema import ProviderSchema, block_type, load_provider_schema

OBJECT = ["object", {"name": "string", "tags": ["map", "string"], "any": "dynamic"}]


@pytest.fixture(scope="module")
def aws() -> ProviderSchema:
    """The AWS 6.47.0 schema, as the stand-in loads it."""
    return load_provider_schema("aws", "6.47.0")


def test_unknown_and_dynamic_values_survive_the_wire() -> None:
    """Unknown values and dynamic values with their types round-trip through msgpack."""
    value = {"name": cty.UNKNOWN, "tags": {"a": "b"}, "any": cty.Dynamic(["list", "number"], [1])}
    assert cty.decode(cty.encode(value, OBJECT), OBJECT) == value
    raw = msgpack.unpackb(cty.encode(value, OBJECT), raw=False)
    assert raw["name"] == msgpack.ExtType(0, b"\x00")
    assert raw["any"] == [b'["list","number"]', [1]]


def test_refined_unknowns_decode_as_unknown() -> None:
    """Terraform's refined unknowns (extension 12) read as plain unknowns."""
    data = msgpack.packb(msgpack.ExtType(12, b"\x81\x01\xc2"))
    assert cty.decode(data, "string") is cty.UNKNOWN


def test_json_state_fills_missing_attributes_with_null() -> None:
    """JSON state from an older schema reads with the new attributes null."""
    state = cty.from_json({"name": "x", "any": {"value": "v", "type": "string"}}, OBJECT)
    assert state == {"name": "x", "tags": None, "any": cty.Dynamic("string", "v")}


def test_plan_marks_only_unset_computed_attributes_unknown(aws: ProviderSchema) -> None:
    """On create, computed attributes left null are unknown; configured ones keep their value."""
    block = aws.resources["aws_cloudwatch_log_group"]["block"]
    proposed = cty.decode(
        cty.encode({"name": "g", "retention_in_days": 7}, block_type(block)), block_type(block)
    )
    planned = mark_computed_unknown(block, proposed)
    assert planned["arn"] is cty.UNKNOWN
    assert planned["name"] == "g"
    assert planned["retention_in_days"] == 7
    assert planned["kms_key_id"] is None


def test_plan_never_stores_write_only_attributes(aws: ProviderSchema) -> None:
    """Write-only attributes are null in the plan even when configured."""
    block = aws.resources["aws_secretsmanager_secret_version"]["block"]
    assert block["attributes"]["secret_string_wo"].get("write_only")
    planned = mark_computed_unknown(block, {"secret_string_wo": "hunter2", "secret_id": "s"})
    assert planned["secret_string_wo"] is None


def test_apply_placeholders_are_deterministic_and_readable(aws: ProviderSchema) -> None:
    """Applying the same plan twice gives the same id and an ARN built from type and name."""
    block = aws.resources["aws_lambda_function"]["block"]

    def applied() -> dict[str, Any]:
        planned = mark_computed_unknown(block, {"function_name": "fn", "handler": "a.b"})
        return fill_computed("aws_lambda_function", block, planned)

    first, second = applied(), applied()
    assert first == second
    assert first["id"] == "fn"
    assert first["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:fn"
    assert cty.UNKNOWN not in first.values()


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("**/__pycache__", "__pycache__", True),
        ("**/__pycache__", "pkg/sub/__pycache__", True),
        ("**/*.pyc", "pkg/a.pyc", True),
        ("*.pyc", "pkg/a.pyc", False),
        ("pkg/*.{py,txt}", "pkg/a.txt", True),
        ("test_?.py", "test_ab.py", False),
    ],
)
def test_excludes_match_like_doublestar(pattern: str, path: str, matches: bool) -> None:
    """Exclude patterns follow doublestar: `**` crosses folders, `*` and `?` do not."""
    assert glob_match(pattern, path) is matches


def make_tree(root: Path) -> Path:
    """A source folder with a package, a cache to exclude and a symlinked folder."""
    (root / "src" / "pkg" / "__pycache__").mkdir(parents=True)
    (root / "src" / "pkg" / "a.py").write_text("A = 1\n")
    (root / "src" / "pkg" / "__pycache__" / "a.pyc").write_bytes(b"\0")
    (root / "shared").mkdir()
    (root / "shared" / "util.py").write_text("U = 1\n")
    (root / "src" / "linked").symlink_to(root / "shared", target_is_directory=True)
    return root / "src"


def test_archive_file_zips_what_the_real_provider_zips(tmp_path: Path) -> None:
    """The zip holds the files minus excludes, follows symlinked folders, fixes modes and dates."""
    config = {
        "type": "zip",
        "source_dir": str(make_tree(tmp_path)),
        "output_path": str(tmp_path / "out" / "code.zip"),
        "output_file_mode": "0644",
        "excludes": ["**/__pycache__"],
    }
    state = read_archive_file(config)
    with zipfile.ZipFile(tmp_path / "out" / "code.zip") as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == ["linked/util.py", "pkg/a.py"]
    assert {(i.external_attr >> 16) & 0o777 for i in infos} == {0o644}
    assert {i.date_time for i in infos} == {(1981, 1, 1, 0, 0, 0)}
    assert state["output_size"] == (tmp_path / "out" / "code.zip").stat().st_size
    assert state["id"] == state["output_sha"]


def test_archive_hash_changes_with_content_only(tmp_path: Path) -> None:
    """Rebuilding unchanged files gives the same hash; editing a file changes it."""
    source = make_tree(tmp_path)
    config = {"type": "zip", "source_dir": str(source), "output_path": str(tmp_path / "c.zip")}
    first = read_archive_file(config)["output_base64sha256"]
    assert read_archive_file(config)["output_base64sha256"] == first
    (source / "pkg" / "a.py").write_text("A = 2\n")
    assert read_archive_file(config)["output_base64sha256"] != first


def test_source_blocks_are_zipped_sorted_without_modes_or_dates(tmp_path: Path) -> None:
    """`source` blocks go in sorted by name, with no Unix mode, a zero date and no file mode
    applied, as Go's zip.Writer.Create writes them in the real provider."""
    config = {
        "type": "zip",
        "output_path": str(tmp_path / "layer.zip"),
        "output_file_mode": "0755",
        "source": [
            {"filename": "python/pkg/b.py", "content": "B = 2\n"},
            {"filename": "python/pkg/a.py", "content": "A = 1\n"},
        ],
    }
    read_archive_file(config)
    with zipfile.ZipFile(tmp_path / "layer.zip") as archive:
        infos = archive.infolist()
        assert archive.read("python/pkg/b.py") == b"B = 2\n"
    assert [i.filename for i in infos] == ["python/pkg/a.py", "python/pkg/b.py"]
    assert {(i.create_system, i.external_attr) for i in infos} == {(0, 0)}
    assert {i.date_time for i in infos} == {(1980, 0, 0, 0, 0, 0)}


def test_archive_of_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    """A missing source folder is reported, as the real provider reports it."""
    config = {"type": "zip", "source_dir": str(tmp_path / "nope"), "output_path": "x.zip"}
    with pytest.raises(ArchiveError, match="missing directory"):
        read_archive_file(config)


def test_policy_document_renders_iam_json(aws: ProviderSchema) -> None:
    """aws_iam_policy_document renders statements as IAM JSON, one value as a string."""
    block = aws.data_sources["aws_iam_policy_document"]["block"]
    config = cty.decode(cty.encode({}, block_type(block)), block_type(block))
    config["statement"] = [
        {
            "effect": None,
            "actions": ["sts:AssumeRole"],
            "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
        }
    ]
    state = read_data_source("aws_iam_policy_document", block, config)
    assert json.loads(state["json"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }


def test_identity_data_sources_answer_with_the_documented_account(aws: ProviderSchema) -> None:
    """The caller identity is account 123456789012; the partition is `aws`."""
    identity_block = aws.data_sources["aws_caller_identity"]["block"]
    identity = read_data_source("aws_caller_identity", identity_block, {"id": None})
    assert identity["account_id"] == "123456789012"
    partition = read_data_source("aws_partition", aws.data_sources["aws_partition"]["block"], {})
    assert partition["dns_suffix"] == "amazonaws.com"
