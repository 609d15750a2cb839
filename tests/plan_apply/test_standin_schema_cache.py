"""The stand-in's GetProviderSchema answer is built once per schema file and kept.

Terraform asks one provider instance per command for its schema (the providers declare
`get_provider_schema_optional`), and building the AWS provider's answer takes about
0.2 s; the answer depends only on the schema files and the code that converts them.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from local_gateway.standin.schema import (
    answer_bytes,
    load_provider_schema,
    schema_file_names,
    schemas_dir,
    to_proto,
)


def test_the_answer_is_kept_under_the_schema_files_digest_and_served_from_there(
    tmp_path: Path,
) -> None:
    """The first start builds and keeps the answer; later starts read what was kept; a
    schema file with other bytes gets an answer of its own."""
    schema = load_provider_schema("archive", "2.8.0")
    first = answer_bytes(schema, tmp_path)
    assert first == to_proto(schema).SerializeToString()
    (kept,) = tmp_path.iterdir()
    assert kept.read_bytes() == first
    kept.write_bytes(b"what was kept")
    assert answer_bytes(schema, tmp_path) == b"what was kept"
    changed = replace(schema, digest="0" * 64)
    assert answer_bytes(changed, tmp_path) == first
    assert len(list(tmp_path.iterdir())) == 2


def test_the_digest_follows_the_bytes_of_the_schema_file(tmp_path: Path) -> None:
    """Two folders with the same file give one digest; one changed byte, another."""
    source = load_provider_schema("archive", "2.8.0")
    again = load_provider_schema("archive", "2.8.0")
    assert source.digest == again.digest
    assert len(source.digest) == 64
    folder = tmp_path / "schemas"
    folder.mkdir()
    original = schemas_dir() / schema_file_names("archive", "2.8.0")[0]
    (folder / original.name).write_text(original.read_text() + "\n")
    assert load_provider_schema("archive", "2.8.0", folder).digest != source.digest
