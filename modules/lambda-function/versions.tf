terraform {
  required_version = ">= 1.7"

  required_providers {
    # The first release that accepts everything this module sets (see
    # tools/provider_versions.py for each feature's changelog entry): 5.76.0
    # for runtime python3.13; 5.32.0 brought logging_config and python3.12.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.76.0, < 7.0"
    }
  }
}
