"""Organizers import registries and floor plans, run campaigns and answer for claims."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = [
    "add_campaign",
    "change_campaign",
    "view_campaign",
    "send_campaign",
    "view_recipient",
    "view_claim",
    "revoke_claim",
    "add_importrun",
    "view_importrun",
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Organizers").first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="outreach", codename__in=CODENAMES)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
        ("fairs", "0006_organizers_see_failed_recomputes"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
