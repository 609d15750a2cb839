terraform {
  required_version = ">= 1.7"

  required_providers {
    # Nothing this module sets arrived after 5.0.0, the oldest release of
    # the oldest major the project supports (tools/provider_versions.py
    # lists what did arrive later).
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0.0, < 7.0"
    }
  }
}
