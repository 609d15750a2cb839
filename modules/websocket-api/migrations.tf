# The stage's access log group became optional (access_log_enabled). A state
# from before keeps its log group when access logs stay on; with them off,
# Terraform plans to destroy it.
moved {
  from = aws_cloudwatch_log_group.this
  to   = aws_cloudwatch_log_group.this[0]
}

# The stage deploys itself now (auto_deploy). Destroying the deployment of a
# state from before would make Terraform order its destroy after everything it
# depended on (it was create_before_destroy), which cycles with the functions'
# replaced roles; it is forgotten instead. Left in API Gateway, it is one of
# the deployments the stage no longer uses, removed with the API.
removed {
  from = aws_apigatewayv2_deployment.this

  lifecycle {
    destroy = false
  }
}
