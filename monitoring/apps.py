from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring and alerts"

    def ready(self) -> None:
        from django.tasks.signals import task_finished

        from monitoring.callcounts import flush_calls

        # Counted ZEGO calls reach the database when the job that made them ends (a request's
        # are written by FlushZegoCallCountsMiddleware).
        task_finished.connect(flush_calls, dispatch_uid="monitoring.flush_calls.task")
