"""Lambda layers: a layer version is immutable, so any change publishes a new one.

PublishLayerVersion creates version N+1 of a layer; there is no call that
changes a version's content or settings ("Layers are versioned, and the content
of each layer version is immutable": Lambda developer guide, "Adding layers to
functions"). The provider's resource therefore has no update and marks every
argument `ForceNew` (hashicorp/terraform-provider-aws,
internal/service/lambda/layer_version.go), so a change to the zip's hash, the
runtimes or the architectures replaces the resource.
"""

from __future__ import annotations

from local_gateway.standin.rules import force_new

force_new(
    "aws_lambda_layer_version",
    "compatible_architectures",
    "compatible_runtimes",
    "description",
    "filename",
    "layer_name",
    "license_info",
    "s3_bucket",
    "s3_key",
    "s3_object_version",
    "source_code_hash",
)
