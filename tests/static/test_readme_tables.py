"""`make docs` writes what terraform-docs writes: its own example module, rendered.

The module below is a part of terraform-docs' `examples/` module (v0.24.0), and each
expected line is that release's "markdown table" output for it
(`docs/reference/markdown-table.md`) with this project's `.terraform-docs.yml`, whose
one departure from terraform-docs' defaults that shows here is `escape: false`:
names and descriptions keep their underscores unescaped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.readme_tables import readme_block, render, write_readme

MAIN_TF = """\
terraform {
  required_version = ">= 0.12"
  required_providers {
    random = ">= 2.2.0"
    aws    = ">= 2.15.0"
    foo = {
      source  = "https://registry.acme.com/foo"
      version = ">= 1.0"
    }
  }
}

resource "tls_private_key" "baz" {}
resource "foo_resource" "baz" {}

data "aws_caller_identity" "current" {
  provider = "aws"
}

data "aws_caller_identity" "ident" {
  provider = "aws.ident"
}

resource "null_resource" "foo" {}

module "bar" {
  source  = "baz"
  version = "4.5.6"
}

module "foo" {
  source  = "bar"
  version = "1.2.3"
}

module "baz" {
  source  = "baz"
  version = "4.5.6"
}

module "foobar" {
  source = "git@github.com:module/path?ref=v7.8.9"
}
"""

VARIABLES_TF = """\
variable unquoted {}

variable "string-special-chars" {
  default = "\\\\.<>[]{}_-"
}

variable "number-3" {
  type    = number
  default = "19"
}

variable "number-4" {
  type    = number
  default = 15.75
}

variable "map-1" {
  default = {
    a = 1
    b = 2
    c = 3
  }

  type = "map"
}

variable "list-1" {
  default = ["a", "b", "c"]
  type    = "list"
}

variable "input-with-pipe" {
  description = "It includes v1 | v2 | v3"
  default     = "v1"
}

variable "long_type" {
  type = object({
    name = string,
    foo  = object({ foo = string, bar = string }),
    bar  = object({ foo = string, bar = string }),
    fizz = list(string),
    buzz = list(string)
  })
  default = {
    name = "hello"
    foo = {
      foo = "foo"
      bar = "foo"
    }
    bar = {
      foo = "bar"
      bar = "bar"
    },
    fizz = []
    buzz = ["fizz", "buzz"]
  }
  description = <<EOF
This description is itself markdown.

It spans over multiple lines.
EOF
}

variable "no-escape-default-value" {
  description = "The description contains `something_with_underscore`. Defaults to 'VALUE_WITH_UNDERSCORE'."
  default     = "VALUE_WITH_UNDERSCORE"
}

variable "with-url" {
  description = "The description contains url. https://www.domain.com/foo/bar_baz.html"
  default     = ""
}

variable "string_default_null" {
  type    = string
  default = null
}

variable "string_no_default" {
  type = string
}

variable "object_default_empty" {
  type    = object({})
  default = {}
}
"""  # noqa: E501 (terraform-docs' example, verbatim)

OUTPUTS_TF = """\
output unquoted {
  description = "It's unquoted output."
  value       = ""
}

output "output-2" {
  description = "It's output number two."
  value       = "2"
}

output "output-0.12" {
  value       = join(",", var.list-3)
  description = "terraform 0.12 only"
}
"""

R = "https://registry.terraform.io/providers/hashicorp"
EXPECTED = f"""\
## Requirements

| Name | Version |
| ---- | ------- |
| <a name="requirement_terraform"></a> [terraform](#requirement_terraform) | >= 0.12 |
| <a name="requirement_aws"></a> [aws](#requirement_aws) | >= 2.15.0 |
| <a name="requirement_foo"></a> [foo](#requirement_foo) | >= 1.0 |
| <a name="requirement_random"></a> [random](#requirement_random) | >= 2.2.0 |

## Providers

| Name | Version |
| ---- | ------- |
| <a name="provider_aws"></a> [aws](#provider_aws) | >= 2.15.0 |
| <a name="provider_aws.ident"></a> [aws.ident](#provider_aws.ident) | >= 2.15.0 |
| <a name="provider_foo"></a> [foo](#provider_foo) | >= 1.0 |
| <a name="provider_null"></a> [null](#provider_null) | n/a |
| <a name="provider_tls"></a> [tls](#provider_tls) | n/a |

## Modules

| Name | Source | Version |
| ---- | ------ | ------- |
| <a name="module_bar"></a> [bar](#module_bar) | baz | 4.5.6 |
| <a name="module_baz"></a> [baz](#module_baz) | baz | 4.5.6 |
| <a name="module_foo"></a> [foo](#module_foo) | bar | 1.2.3 |
| <a name="module_foobar"></a> [foobar](#module_foobar) | git@github.com:module/path | v7.8.9 |

## Resources

| Name | Type |
| ---- | ---- |
| foo_resource.baz | resource |
| [null_resource.foo]({R}/null/latest/docs/resources/resource) | resource |
| [tls_private_key.baz]({R}/tls/latest/docs/resources/private_key) | resource |
| [aws_caller_identity.current]({R}/aws/latest/docs/data-sources/caller_identity) | data source |
| [aws_caller_identity.ident]({R}/aws/latest/docs/data-sources/caller_identity) | data source |

## Inputs

| Name | Description | Type | Default | Required |
| ---- | ----------- | ---- | ------- | :------: |
| <a name="input_input-with-pipe"></a> [input-with-pipe](#input_input-with-pipe) | It includes v1 \\| v2 \\| v3 | `string` | `"v1"` | no |
| <a name="input_list-1"></a> [list-1](#input_list-1) | n/a | `list` | <pre>[<br/>  "a",<br/>  "b",<br/>  "c"<br/>]</pre> | no |
| <a name="input_long_type"></a> [long_type](#input_long_type) | This description is itself markdown.<br/><br/>It spans over multiple lines. | <pre>object({{<br/>    name = string,<br/>    foo  = object({{ foo = string, bar = string }}),<br/>    bar  = object({{ foo = string, bar = string }}),<br/>    fizz = list(string),<br/>    buzz = list(string)<br/>  }})</pre> | <pre>{{<br/>  "bar": {{<br/>    "bar": "bar",<br/>    "foo": "bar"<br/>  }},<br/>  "buzz": [<br/>    "fizz",<br/>    "buzz"<br/>  ],<br/>  "fizz": [],<br/>  "foo": {{<br/>    "bar": "foo",<br/>    "foo": "foo"<br/>  }},<br/>  "name": "hello"<br/>}}</pre> | no |
| <a name="input_map-1"></a> [map-1](#input_map-1) | n/a | `map` | <pre>{{<br/>  "a": 1,<br/>  "b": 2,<br/>  "c": 3<br/>}}</pre> | no |
| <a name="input_no-escape-default-value"></a> [no-escape-default-value](#input_no-escape-default-value) | The description contains `something_with_underscore`. Defaults to 'VALUE_WITH_UNDERSCORE'. | `string` | `"VALUE_WITH_UNDERSCORE"` | no |
| <a name="input_number-3"></a> [number-3](#input_number-3) | n/a | `number` | `"19"` | no |
| <a name="input_number-4"></a> [number-4](#input_number-4) | n/a | `number` | `15.75` | no |
| <a name="input_object_default_empty"></a> [object_default_empty](#input_object_default_empty) | n/a | `object({{}})` | `{{}}` | no |
| <a name="input_string-special-chars"></a> [string-special-chars](#input_string-special-chars) | n/a | `string` | `"\\\\.<>[]{{}}_-"` | no |
| <a name="input_string_default_null"></a> [string_default_null](#input_string_default_null) | n/a | `string` | `null` | no |
| <a name="input_string_no_default"></a> [string_no_default](#input_string_no_default) | n/a | `string` | n/a | yes |
| <a name="input_unquoted"></a> [unquoted](#input_unquoted) | n/a | `any` | n/a | yes |
| <a name="input_with-url"></a> [with-url](#input_with-url) | The description contains url. https://www.domain.com/foo/bar_baz.html | `string` | `""` | no |

## Outputs

| Name | Description |
| ---- | ----------- |
| <a name="output_output-0.12"></a> [output-0.12](#output_output-0.12) | terraform 0.12 only |
| <a name="output_output-2"></a> [output-2](#output_output-2) | It's output number two. |
| <a name="output_unquoted"></a> [unquoted](#output_unquoted) | It's unquoted output. |"""  # noqa: E501


@pytest.fixture
def example_module(tmp_path: Path) -> Path:
    """terraform-docs' example module, less what this configuration does not read
    (descriptions from comments, `terraform-docs-ignore`)."""
    for name, text in (
        ("main.tf", MAIN_TF),
        ("variables.tf", VARIABLES_TF),
        ("outputs.tf", OUTPUTS_TF),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_renders_terraform_docs_example_as_terraform_docs_does(example_module: Path) -> None:
    """Every section, row, link, type and default matches terraform-docs' own output."""
    assert render(str(example_module)).splitlines() == EXPECTED.splitlines()


def test_refuses_what_it_does_not_render(example_module: Path) -> None:
    """A `terraform-docs-ignore` comment would drop a row; the generator says so."""
    path = example_module / "main.tf"
    path.write_text("# terraform-docs-ignore\n" + MAIN_TF, encoding="utf-8")
    with pytest.raises(ValueError, match="terraform-docs-ignore"):
        render(str(example_module))


def test_write_keeps_everything_outside_the_markers(tmp_path: Path) -> None:
    """Rewriting the block touches nothing else, and a second run changes nothing."""
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Title\n\nText.\n\n<!-- BEGIN_TF_DOCS -->\nold\n<!-- END_TF_DOCS -->\n\nAfter.\n",
        encoding="utf-8",
    )
    assert write_readme(readme) is True
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n\nText.\n\n<!-- BEGIN_TF_DOCS -->\n## Requirements\n")
    assert text.endswith("\n<!-- END_TF_DOCS -->\n\nAfter.\n")
    assert readme_block(text) == render()
    assert write_readme(readme) is False
