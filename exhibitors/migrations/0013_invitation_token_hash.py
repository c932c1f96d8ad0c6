"""Invitations: the token stored as its SHA-256 (portal/lib/tokens.py), an
expiry and a withdrawal; members are accounts other than organizers'.

Links mailed before keep working: each stored token is replaced by its
digest, which is what the invitation page now looks up, and expires
settings.INVITATION_DAYS after it was created (so an old one may be expired
already). Not reversible: a digest does not give the token back.
"""

import datetime
import hashlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def hash_tokens(apps, schema_editor):
    Invitation = apps.get_model("exhibitors", "Invitation")
    days = datetime.timedelta(days=getattr(settings, "INVITATION_DAYS", 14))
    for invitation in Invitation.objects.only("pk", "token_hash", "created_at").iterator():
        invitation.token_hash = hashlib.sha256(invitation.token_hash.encode()).hexdigest()
        invitation.expires_at = invitation.created_at + days
        invitation.save(update_fields=["token_hash", "expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("exhibitors", "0012_normalized_letters"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="invitation",
            name="exhibitors_invitation_unique_token",
        ),
        migrations.RemoveConstraint(
            model_name="invitation",
            name="exhibitors_invitation_one_open_per_email",
        ),
        migrations.RenameField(
            model_name="invitation",
            old_name="token",
            new_name="token_hash",
        ),
        migrations.AddField(
            model_name="invitation",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.AddField(
            model_name="invitation",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="withdrawn"),
        ),
        migrations.RunPython(hash_tokens, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="invitation",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
        migrations.AlterField(
            model_name="membership",
            name="user",
            field=models.ForeignKey(
                limit_choices_to={"is_staff": False, "is_superuser": False},
                on_delete=django.db.models.deletion.CASCADE,
                related_name="memberships",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                fields=("token_hash",), name="exhibitors_invitation_unique_token_hash"
            ),
        ),
        migrations.AddConstraint(
            model_name="invitation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("accepted_at__isnull", True), ("revoked_at__isnull", True)),
                fields=("exhibitor", "email"),
                name="exhibitors_invitation_one_open_per_email",
                violation_error_message="This address has already been invited.",
            ),
        ),
    ]
