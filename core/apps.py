from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Platform core"

    def ready(self) -> None:
        # Register every app's tasks in web processes too, so the outbox can
        # run them in-process when eager mode is on (tests, scripts).
        autodiscover_modules("tasks")
        from django_structlog import signals

        from core.request_context import bind_client_ip

        signals.bind_extra_request_metadata.connect(bind_client_ip, dispatch_uid="core.bind_client_ip")
