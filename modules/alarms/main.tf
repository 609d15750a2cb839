# Alarms on what the module deploys, and an optional dashboard. Each alarm sums
# its metric over `period` seconds and fires when the sum reaches its threshold
# in `evaluation_periods` periods in a row. Every metric here is published only
# when something happens (an invocation, a message, a send), so a period with
# no data is not breaching: a quiet API stays OK rather than INSUFFICIENT_DATA.

################################################################################
# API
################################################################################

locals {
  # WebSocket APIs publish IntegrationError (the integration answered 4XX or
  # 5XX) and ExecutionError (calling the integration failed) by ApiId and
  # Stage: API Gateway developer guide, "Monitor WebSocket API execution with
  # CloudWatch metrics",
  # https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-logging.html
  api_dimensions = { ApiId = var.api_id, Stage = var.stage_name }

  api_metrics = {
    integration = { metric_name = "IntegrationError", what = "got 4XX or 5XX answers from its integrations: see the functions' logs" }
    execution   = { metric_name = "ExecutionError", what = "could not call its integrations: see the functions' errors and throttles" }
  }

  api_alarms = {
    for kind, metric in local.api_metrics : "api/${kind}_errors" => {
      alarm_name  = "${var.name}-api-${kind}-errors"
      description = "The WebSocket API ${var.name} (stage ${var.stage_name}) ${metric.what}."
      namespace   = "AWS/ApiGateway"
      metric_name = metric.metric_name
      dimensions  = local.api_dimensions
      threshold   = var.thresholds["api_${kind}_errors"]
    }
  }
}

################################################################################
# Connections table
################################################################################

locals {
  # Throttled reads and writes of the table itself. ReadThrottleEvents and
  # WriteThrottleEvents take the TableName dimension alone (an index would add
  # GlobalSecondaryIndexName; the table has none), whereas ThrottledRequests
  # needs TableName and Operation, one alarm per operation: Amazon DynamoDB
  # developer guide, "DynamoDB Metrics and dimensions",
  # https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html
  table_alarms = {
    for kind, metric in { read = "ReadThrottleEvents", write = "WriteThrottleEvents" } :
    "table/${kind}_throttles" => {
      alarm_name  = "${var.table_name}-${kind}-throttles"
      description = "DynamoDB throttled ${kind}s of the connections table ${var.table_name}."
      namespace   = "AWS/DynamoDB"
      metric_name = metric
      dimensions  = { TableName = var.table_name }
      threshold   = var.thresholds.table_throttle_events
    }
  }
}

################################################################################
# Functions
################################################################################

locals {
  # Errors (invocations that failed) and Throttles (invocations refused for
  # want of concurrency) by FunctionName: Lambda developer guide, "Types of
  # metrics for Lambda functions",
  # https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html
  function_metrics = {
    errors    = { metric_name = "Errors", threshold = var.thresholds.function_errors, what = "failed" }
    throttles = { metric_name = "Throttles", threshold = var.thresholds.function_throttles, what = "were throttled" }
  }

  function_alarms = merge([
    for key, function_name in var.function_names : {
      for kind, metric in local.function_metrics : "${key}/${kind}" => {
        alarm_name  = "${function_name}-${kind}"
        description = "Invocations of ${function_name} (route ${key}) ${metric.what}: see its log group."
        namespace   = "AWS/Lambda"
        metric_name = metric.metric_name
        dimensions  = { FunctionName = function_name }
        threshold   = metric.threshold
      }
    }
  ]...)

  # The handlers' own metric (websocket_handlers.metrics): a send that API
  # Gateway refused with anything but 410, or that got no answer.
  send_alarms = {
    for key in var.sending_route_keys : "${key}/send_failures" => {
      alarm_name  = "${var.function_names[key]}-send-failures"
      description = "${var.function_names[key]} (route ${key}) could not send messages to clients: its log lines with ${var.send_metrics.failed} name the error."
      namespace   = var.metrics_namespace
      metric_name = var.send_metrics.failed
      dimensions  = { (var.send_metrics.dimension) = var.function_names[key] }
      threshold   = var.thresholds.failed_sends
    }
  }
}

################################################################################
# Monitoring
################################################################################

locals {
  alarms = merge(local.api_alarms, local.table_alarms, local.function_alarms, local.send_alarms)
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = length(var.alarm_actions) > 0 ? local.alarms : {}

  alarm_name        = each.value.alarm_name
  alarm_description = each.value.description

  namespace   = each.value.namespace
  metric_name = each.value.metric_name
  dimensions  = each.value.dimensions
  statistic   = "Sum"

  comparison_operator = "GreaterThanOrEqualToThreshold"
  threshold           = each.value.threshold
  period              = var.period
  evaluation_periods  = var.evaluation_periods
  treat_missing_data  = "notBreaching"

  alarm_actions = var.alarm_actions
  ok_actions    = var.ok_actions_enabled ? var.alarm_actions : []

  tags = var.tags

  lifecycle {
    # PutMetricAlarm, EvaluationPeriods: an alarm evaluates at most one day,
    # so EvaluationPeriods times Period is at most 86,400 seconds
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
    precondition {
      condition     = var.period * var.evaluation_periods <= 86400
      error_message = "The alarm period (${var.period} s) times the evaluation periods (${var.evaluation_periods}) must be at most 86400 seconds: CloudWatch evaluates an alarm over one day at most."
    }
  }
}

# The region the dashboard's metric widgets read from: `region` in aws 6.x,
# `name` in 5.x (which 6.x deprecates); looked up in the whole object, neither
# version warns.
data "aws_region" "current" {}

locals {
  region = lookup(data.aws_region.current, "region", lookup(data.aws_region.current, "name", null))

  # A metric widget lists each line as [namespace, metric, dimension, value,
  # ...] and needs the region: "Dashboard Body Structure and Syntax", Amazon
  # CloudWatch API Reference,
  # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CloudWatch-Dashboard-Body-Structure.html
  api_line = ["ApiId", var.api_id, "Stage", var.stage_name]
  dashboard_widgets = [
    {
      title   = "Connects and messages"
      stat    = "Sum"
      metrics = [for metric in ["ConnectCount", "MessageCount"] : concat(["AWS/ApiGateway", metric], local.api_line)]
    },
    {
      title   = "API errors"
      stat    = "Sum"
      metrics = [for metric in ["IntegrationError", "ExecutionError", "ClientError"] : concat(["AWS/ApiGateway", metric], local.api_line)]
    },
    {
      title   = "Integration latency (p99, ms)"
      stat    = "p99"
      metrics = [concat(["AWS/ApiGateway", "IntegrationLatency"], local.api_line)]
    },
    {
      title   = "Function errors and throttles"
      stat    = "Sum"
      metrics = [for pair in setproduct(values(var.function_names), ["Errors", "Throttles"]) : ["AWS/Lambda", pair[1], "FunctionName", pair[0]]]
    },
    {
      title   = "Function duration (p99, ms)"
      stat    = "p99"
      metrics = [for name in values(var.function_names) : ["AWS/Lambda", "Duration", "FunctionName", name]]
    },
    {
      title = "Sends to clients"
      stat  = "Sum"
      metrics = [
        for pair in setproduct(
          [for key in sort(var.sending_route_keys) : var.function_names[key]],
          [var.send_metrics.sent, var.send_metrics.gone, var.send_metrics.failed],
        ) : [var.metrics_namespace, pair[1], var.send_metrics.dimension, pair[0]]
      ]
    },
  ]

  # A widget with no line (no route sends to clients) would be an empty graph.
  shown_widgets = [for widget in local.dashboard_widgets : widget if length(widget.metrics) > 0]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.create_dashboard ? 1 : 0

  # Dashboards belong to the account, not to a region, and PutDashboard
  # replaces a dashboard of the same name without a word ("All dashboards in
  # your account are global, not region-specific"; DashboardName: up to 255 of
  # A-Z a-z 0-9 - _), so the name carries the region: the same stack in two
  # regions keeps two dashboards. CloudWatch API Reference, PutDashboard,
  # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html
  dashboard_name = "${var.name}-websocket-${local.region}"
  dashboard_body = jsonencode({
    widgets = [
      for index, widget in local.shown_widgets : {
        type   = "metric"
        x      = (index % 2) * 12
        y      = floor(index / 2) * 6
        width  = 12
        height = 6
        properties = {
          title   = widget.title
          region  = local.region
          view    = "timeSeries"
          stacked = false
          stat    = widget.stat
          period  = var.period
          metrics = widget.metrics
        }
      }
    ]
  })
}
