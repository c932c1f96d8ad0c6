"""SMS backends, chosen by settings.SMS_BACKEND as Django chooses its mail backend."""

from django.conf import settings
from django.utils.module_loading import import_string


def get_backend(path=None, **kwargs):
    return import_string(path or settings.SMS_BACKEND)(**kwargs)
