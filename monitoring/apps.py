from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring and alerts"

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.tasks.signals import task_finished

        from monitoring.callcounts import flush_calls

        # Counted ZEGO calls reach the database when the work that made them ends.
        request_finished.connect(flush_calls, dispatch_uid="monitoring.flush_calls.request")
        task_finished.connect(flush_calls, dispatch_uid="monitoring.flush_calls.task")
