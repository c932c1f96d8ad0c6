"""Uploaded images: verified by Pillow, re-encoded without metadata, renamed at random.

A file is judged by its content, never by its name: a PDF renamed .png is
refused. Re-encoding drops EXIF (camera, GPS) and anything hidden after the
image data; a tiny file that claims huge dimensions (a decompression bomb)
is refused before it is decoded.
"""

import contextlib
import io
import uuid
import warnings

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 6000
FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def clean_image(uploaded, *, max_bytes=MAX_BYTES, max_side=MAX_SIDE):
    """Return a ContentFile of the re-encoded image under a random name, or raise."""
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("The image is larger than %(mb)d MB.") % {"mb": max_bytes // (1024 * 1024)},
            code="image_too_large",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            uploaded.seek(0)
            image = Image.open(uploaded)
            kind = image.format
            if kind not in FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG or WebP image."), code="image_format")
            width, height = image.size
            if width > max_side or height > max_side:
                raise ValidationError(
                    _("The image may be at most %(side)d × %(side)d pixels.") % {"side": max_side},
                    code="image_dimensions",
                )
            image.verify()
            uploaded.seek(0)
            image = Image.open(uploaded)
            image.load()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            _("The image may be at most %(side)d × %(side)d pixels.") % {"side": max_side},
            code="image_dimensions",
        ) from None
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise ValidationError(
            _("This file is not a readable JPEG, PNG or WebP image."), code="image_invalid"
        ) from None

    # Keep the orientation the camera recorded, then drop every metadata block.
    # Broken EXIF (Pillow raises several kinds): keep the image as stored.
    with contextlib.suppress(Exception):
        image = ImageOps.exif_transpose(image)
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=kind, **({"quality": 88, "optimize": True} if kind == "JPEG" else {}))
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{FORMATS[kind]}")


class ImageUploadField(forms.FileField):
    """A form field whose cleaned value is the verified, re-encoded image."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        value = super().clean(data, initial)
        if value and value is not initial and hasattr(value, "size") and not hasattr(value, "url"):
            return clean_image(value)
        return value
