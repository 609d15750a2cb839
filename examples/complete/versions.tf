terraform {
  required_version = ">= 1.7"

  required_providers {
    # The module's own floors (its versions.tf says why).
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.76.0, < 7.0"
    }
    archive = {
      source  = "hashicorp/archive"
      version = ">= 2.5.0"
    }
  }
}
