"""Give the `editors` group live tracking's permissions: their own subscriptions (add, change,
delete, view) and the deliveries and change events (view: both are written by the service)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "editors"
PERMISSIONS = [
    "add_subscription",
    "change_subscription",
    "delete_subscription",
    "view_subscription",
    "view_delivery",
    "view_changeevent",
]


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations ran; make sure they exist now.
    app_config = apps.get_app_config("options")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name=GROUP_NAME)
    editors.permissions.add(
        *Permission.objects.filter(content_type__app_label="options", codename__in=PERMISSIONS)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors = Group.objects.filter(name=GROUP_NAME).first()
    if editors is not None:
        editors.permissions.remove(
            *Permission.objects.filter(content_type__app_label="options", codename__in=PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("options", "0010_tracking"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
