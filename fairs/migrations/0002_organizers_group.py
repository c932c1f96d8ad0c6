"""The "Organizers" group: staff who run fairs in the admin, and nothing more.

They manage fairs, halls, booths, participations, exhibitors with their
products, needs and members, and the places; they read the ISIC tree and
users (to add members), and cannot change users, groups or permissions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Organizers"
FULL = ["view", "add", "change", "delete"]
PERMISSIONS = {
    ("fairs", "fair"): FULL,
    ("fairs", "hall"): FULL,
    ("fairs", "booth"): FULL,
    ("fairs", "participation"): FULL,
    ("exhibitors", "exhibitor"): FULL,
    ("exhibitors", "membership"): FULL,
    ("exhibitors", "product"): FULL,
    ("exhibitors", "need"): FULL,
    ("exhibitors", "county"): ["view", "add", "change"],
    ("exhibitors", "industrialpark"): ["view", "add", "change"],
    ("exhibitors", "province"): ["view"],
    ("exhibitors", "category"): ["view"],
    ("auth", "user"): ["view"],
}


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations ran; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for (app_label, model), actions in PERMISSIONS.items():
        for action in actions:
            group.permissions.add(
                Permission.objects.get(
                    content_type__app_label=app_label, codename=f"{action}_{model}"
                )
            )


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("fairs", "0001_initial"),
        ("exhibitors", "0003_isic"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_group, remove_group)]
