################################################################################
# Monitoring
################################################################################

output "alarm_arns" {
  description = "ARNs of the alarms, by what they watch (`api/integration_errors`, `table/read_throttles`, `<route key>/errors`, `<route key>/send_failures`, ...); `{}` without alarm actions."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.arn }
}

output "alarm_names" {
  description = "Names of the alarms, by the same keys as `alarm_arns`, for the console or `aws cloudwatch describe-alarms`."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard, or `null` without `create_dashboard`."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_name)
}

output "dashboard_arn" {
  description = "ARN of the CloudWatch dashboard, or `null` without `create_dashboard`."
  value       = one(aws_cloudwatch_dashboard.this[*].dashboard_arn)
}
