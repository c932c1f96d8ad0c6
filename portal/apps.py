from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from .lib import changes, fragments, lookups

        changes.listen(fragments.on_change)
        lookups.register()  # field__among: a long list of ids as one array

        from . import staff_sessions  # tokens (issue 13): staff sessions begin short

        staff_sessions.connect()
