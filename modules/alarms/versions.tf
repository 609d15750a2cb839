terraform {
  required_version = ">= 1.7"

  required_providers {
    # Alarms and dashboards have taken every argument used here since long
    # before 5.0.0, the oldest release of the oldest major the project supports.
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0.0, < 7.0"
    }
  }
}
