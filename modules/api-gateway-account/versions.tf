terraform {
  required_version = ">= 1.7"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Every argument used here predates 5.0; 5.x and 6.x differ only in what
      # destroying aws_api_gateway_account does (README.md).
      version = ">= 5.0, < 7.0"
    }
  }
}
