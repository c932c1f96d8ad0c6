from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LanguageMiddleware:
    """Persian unless the visitor chose otherwise with the language switcher.

    Unlike Django's LocaleMiddleware this ignores Accept-Language: most
    browsers in Iran announce English, and the portal is Persian first.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.codes:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class PermissionsPolicyMiddleware:
    """The Permissions-Policy header (Django has no setting for it): the browser
    features the portal never uses, denied to it and to anything it embeds.

    settings.PERMISSIONS_POLICY maps a feature to the origins allowed it; an
    empty list is "()", nobody. A view that sets the header keeps its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


# What is worth compressing: text. Images, fonts, spreadsheets and archives are
# compressed already; gzip would only cost time (and break ranges of a file).
COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


class CompressionMiddleware(GZipMiddleware):
    """Django's GZipMiddleware, for text only: pages and API answers are gzipped
    by the portal itself, whatever proxy stands in front (or none).

    It keeps Django's BREACH mitigation (a random-length file name in the gzip
    header, "Heal the BREACH"), on top of CSRF tokens masked anew on every
    response. Static files never reach it: WhiteNoise, above it, answers them
    with its own precompressed copies.
    """

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
