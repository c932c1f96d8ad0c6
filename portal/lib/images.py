"""Uploaded images: judged by their content, re-encoded without metadata, renamed at random.

The one path for every logo and product image, the portal's forms and the
admin alike: ``portal.lib.fields.CleanImageField`` makes its form field
``CleanImageFormField``, and cleans in ``pre_save`` whatever reached the model
another way.

- A file is judged by its content, never by its name: a PDF renamed .png is
  refused; only JPEG, PNG and WebP decoders ever read it.
- Caps, checked before anything is decoded: ``settings.IMAGE_MAX_BYTES``
  (the file), ``MAX_SIDE`` and ``settings.IMAGE_MAX_PIXELS`` (read from the
  header: a 150 KB PNG can claim 6000 × 6000 pixels and take 150 MB to decode).
- The orientation the camera recorded is applied, colours are converted to
  sRGB, then the image is encoded anew: EXIF (camera, GPS), XMP, comments,
  colour profiles and anything appended after the image data are gone.
- ``settings.IMAGE_UPLOADS_PER_USER`` uploads per user (django-ratelimit's
  "count/period", on the shared cache) when the form field knows the request:
  ``UploadLimitFormMixin`` for the portal's forms, ``UploadLimitAdminMixin``
  for the admin.
"""

import contextlib
import datetime
import io
import math
import uuid
import warnings

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from .forms import persian_active
from .text import to_persian_digits

MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 5 * MEGABYTE
DEFAULT_MAX_PIXELS = 25_000_000
DEFAULT_UPLOADS_PER_USER = "30/h"
# Neither side longer than this, whatever the pixel count (a 25,000 × 1,000 banner).
MAX_SIDE = 6000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
ACCEPT = "image/jpeg,image/png,image/webp"
# What other images start with, to say "wrong format" rather than "unreadable".
OTHER_IMAGES = (b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*", b"\x00\x00\x01\x00", b"8BPS")
OTHER_BOXES = (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif", b"ftypheif")


def max_bytes():
    return getattr(settings, "IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES)


def max_pixels():
    return getattr(settings, "IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)


# Pillow's own decompression-bomb check at the same cap, for any other code in
# the process that opens an image (it warns above the cap and refuses at twice it).
Image.MAX_IMAGE_PIXELS = max_pixels()


def _help_text():
    return gettext("JPEG, PNG or WebP, at most %(mb)d MB.") % {"mb": max_bytes() // MEGABYTE}


help_text = lazy(_help_text, str)


class CleanedImage(ContentFile):
    """An image this module has re-encoded: the model field saves it as it is."""


def _refuse_format():
    return ValidationError(_("Upload a JPEG, PNG or WebP image."), code="image_format")


def _refuse_unreadable():
    return ValidationError(
        _("This file is not a readable JPEG, PNG or WebP image."), code="image_invalid"
    )


def _refuse_side():
    return ValidationError(
        _("The image may be at most %(side)d × %(side)d pixels.") % {"side": MAX_SIDE},
        code="image_dimensions",
    )


def _refuse_pixels():
    cap = max_pixels()
    return ValidationError(
        _("The image may have at most %(megapixels)d megapixels (%(side)d × %(side)d pixels).")
        % {"megapixels": cap // 1_000_000, "side": math.isqrt(cap)},
        code="image_pixels",
    )


def _open_header(uploaded):
    """The image with only its header read, by the JPEG, PNG and WebP plugins only."""
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    try:
        return Image.open(uploaded, formats=list(FORMATS))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        if head.startswith(OTHER_IMAGES) or head[4:12] in OTHER_BOXES:
            raise _refuse_format() from None
        raise _refuse_unreadable() from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _refuse_pixels() from None


def _decode(uploaded):
    """Check the caps from the header, then decode the whole image; or raise."""
    if uploaded.size > max_bytes():
        raise ValidationError(
            _("The image is larger than %(mb)d MB.") % {"mb": max_bytes() // MEGABYTE},
            code="image_too_large",
        )
    with warnings.catch_warnings():
        # Pillow warns about a bomb it still opens: here that is a refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open_header(uploaded)
        width, height = image.size
        if width > MAX_SIDE or height > MAX_SIDE:
            raise _refuse_side()
        if width * height > max_pixels():
            raise _refuse_pixels()
        try:
            image.verify()
            uploaded.seek(0)
            image = Image.open(uploaded, formats=[image.format])
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse_pixels() from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _refuse_unreadable() from None
    return image


def _in_srgb(image):
    """The image's colours in sRGB, so that dropping its colour profile changes
    nothing (a phone's Display P3 photo would look washed out otherwise)."""
    profile = image.info.get("icc_profile")
    if image.mode not in ("RGB", "RGBA", "CMYK"):
        return image  # grey and palette images: their profile only tunes the tone
    if profile:
        alpha = image.getchannel("A") if image.mode == "RGBA" else None
        try:
            converted = ImageCms.profileToProfile(
                image.convert("RGB") if alpha is not None else image,
                ImageCms.ImageCmsProfile(io.BytesIO(profile)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or mismatched profile: keep the colours as stored
        else:
            if alpha is not None:
                converted.putalpha(alpha)
            return converted
    return image.convert("RGB") if image.mode == "CMYK" else image


def clean_image(uploaded):
    """Return a CleanedImage of the re-encoded image under a random name, or raise
    ValidationError (codes image_too_large, image_format, image_invalid,
    image_dimensions, image_pixels)."""
    image = _decode(uploaded)
    kind = image.format
    # Broken EXIF (Pillow raises several kinds): keep the image as stored.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    image = _in_srgb(image)
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    # Encoders read comments, profiles, EXIF and XMP from here: keep only what
    # draws the image (a palette's transparent colour).
    image.info = {key: image.info[key] for key in ("transparency",) if key in image.info}
    out = io.BytesIO()
    options = {"quality": 88, "optimize": True} if kind == "JPEG" else {}
    image.save(out, format=kind, **options)
    return CleanedImage(out.getvalue(), name=f"{uuid.uuid4().hex}.{FORMATS[kind]}")


def _limit_time(seconds):
    when = timezone.localtime(timezone.now() + datetime.timedelta(seconds=max(seconds, 0) + 1))
    text = when.strftime("%H:%M")
    return to_persian_digits(text) if persian_active() else text


def count_upload(request):
    """Count one upload for the request's user (or client address); raise when
    that is one more than settings.IMAGE_UPLOADS_PER_USER allows."""
    rate = getattr(settings, "IMAGE_UPLOADS_PER_USER", DEFAULT_UPLOADS_PER_USER)
    usage = get_usage(
        request, group="portal.images.upload", key="user_or_ip", rate=rate, increment=True
    )
    if usage and usage["should_limit"]:
        raise ValidationError(
            _("You have uploaded many images in a short time. You can upload again at %(time)s.")
            % {"time": _limit_time(usage["time_left"])},
            code="image_rate",
        )


class CleanImageFormField(forms.FileField):
    """A form field whose cleaned value is the verified, re-encoded image.

    Set ``request`` (the mixins below do) to count uploads per user.
    """

    widget = forms.ClearableFileInput
    request = None

    def __init__(self, *args, **kwargs):
        # The model's max_length is for the stored name, which is ours and short;
        # the uploaded name (a phone's, often long) is never kept.
        kwargs.pop("max_length", None)
        if not kwargs.get("help_text"):
            kwargs["help_text"] = help_text()
        super().__init__(*args, **kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.FileInput) and "accept" not in widget.attrs:
            attrs["accept"] = ACCEPT
        return attrs

    def to_python(self, data):
        # Called with a new upload only: not for the stored file, not for "clear".
        uploaded = super().to_python(data)
        if uploaded is None or isinstance(uploaded, CleanedImage):
            return uploaded
        if self.request is not None:
            count_upload(self.request)
        return clean_image(uploaded)


def _give_request(fields, request):
    for field in fields:
        if isinstance(field, CleanImageFormField):
            field.request = request


class UploadLimitFormMixin:
    """A form whose image uploads count against its user's limit: ``request=``."""

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        _give_request(self.fields.values(), request)


class UploadLimitAdminMixin:
    """Admin pages count their image uploads against the organizer's limit."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        _give_request([field], request)
        return field
