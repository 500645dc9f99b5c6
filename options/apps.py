from django.apps import AppConfig


class OptionsConfig(AppConfig):
    name = "options"
    verbose_name = "Policy tracking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers the OpenAPI extensions of our fields.
        from options.api import schema  # noqa: F401
