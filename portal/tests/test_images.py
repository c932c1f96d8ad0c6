"""Uploaded images (portal/lib/images.py, portal/lib/fields.py): judged by their
content, refused before decoding when too big, re-encoded without metadata or
trailing bytes, stored under a random name, counted per user."""

import io
import time
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import RequestFactory
from django.utils import translation
from PIL import Image, ImageCms, ImageFile

from portal.lib.fields import CleanImageField
from portal.lib.images import CleanImageFormField, clean_image


def png(size=(40, 30), mode="RGB", **options):
    buffer = io.BytesIO()
    Image.new(mode, size, "orange" if mode == "RGB" else 1).save(buffer, "PNG", **options)
    return buffer.getvalue()


def jpeg_with_gps_and_orientation(size=(40, 30)):
    """A landscape JPEG that the camera says to turn a quarter (orientation 6)."""
    image = Image.new("RGB", size, "orange")
    image.paste((0, 0, 255), (0, 0, 10, 10))  # a blue top-left corner, to see the turn
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (34.0, 47.0, 55.0), 3: "E", 4: (48.0, 30.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), comment=b"<script>alert(1)</script>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb():
    """6000 × 6000 pixels (36 megapixels) in a few kilobytes."""
    return png(size=(6000, 6000), mode="1")


def test_trailing_bytes_after_a_png_are_dropped():
    polyglot = png() + b"<script>alert(document.cookie)</script>"
    cleaned = clean_image(SimpleUploadedFile("x.png", polyglot))
    data = cleaned.read()
    assert b"<script>" not in data and data.endswith(b"IEND\xaeB`\x82")
    assert Image.open(io.BytesIO(data)).size == (40, 30)


def test_a_jpeg_loses_exif_gps_and_comment_and_is_turned_as_the_camera_said():
    cleaned = clean_image(SimpleUploadedFile("x.jpg", jpeg_with_gps_and_orientation()))
    data = cleaned.read()
    stored = Image.open(io.BytesIO(data))
    assert stored.format == "JPEG" and stored.size == (30, 40)  # turned upright
    assert not stored.getexif() and "exif" not in stored.info
    assert b"<script>" not in data and "comment" not in stored.info
    red, _green, blue = stored.getpixel((stored.width - 3, 3))  # the corner is now top-right
    assert blue > 200 and red < 60


def test_an_icc_profile_is_applied_and_dropped():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    cleaned = clean_image(SimpleUploadedFile("x.png", png(icc_profile=srgb)))
    assert "icc_profile" not in Image.open(cleaned).info


def test_the_name_is_random_and_the_extension_follows_the_content():
    first = clean_image(SimpleUploadedFile("../../my photo.gif", png()))
    second = clean_image(SimpleUploadedFile("../../my photo.gif", png()))
    assert first.name.endswith(".png") and len(first.name) == len("0" * 32 + ".png")
    assert "photo" not in first.name and first.name != second.name


def test_a_webp_is_stored_as_webp_without_exif():
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "WEBP", exif=exif.tobytes())
    cleaned = clean_image(SimpleUploadedFile("x.webp", buffer.getvalue()))
    stored = Image.open(cleaned)
    assert cleaned.name.endswith(".webp") and stored.format == "WEBP"
    assert not stored.getexif() and b"Camera Maker" not in cleaned.file.getvalue()


def test_transparency_is_kept():
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (255, 0, 0, 0)).save(buffer, "PNG")
    stored = Image.open(clean_image(SimpleUploadedFile("x.png", buffer.getvalue())))
    assert stored.mode == "RGBA" and stored.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.4 not an image", "image_invalid"),
        (png()[:60], "image_invalid"),  # cut short
    ],
)
def test_what_is_not_a_jpeg_png_or_webp_is_refused(data, code):
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("x.png", data))
    assert error.value.code == code


def test_a_real_gif_is_refused_as_a_format():
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4)).save(buffer, "GIF")
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("x.gif", buffer.getvalue()))
    assert error.value.code == "image_format"


def test_a_file_over_the_byte_cap_is_refused_unread(settings):
    settings.IMAGE_MAX_BYTES = 1024 * 1024
    upload = SimpleUploadedFile("x.png", png() + b"\0" * (1024 * 1024))
    with mock.patch.object(Image, "open") as opened, pytest.raises(ValidationError) as error:
        clean_image(upload)
    assert error.value.code == "image_too_large" and not opened.called
    with translation.override("fa"):
        assert "بزرگ‌تر از 1 مگابایت" in ValidationError(error.value).messages[0]


def test_a_6000_by_6000_png_is_refused_from_its_header_without_decoding(bomb):
    assert len(bomb) < 200_000
    with mock.patch.object(ImageFile.ImageFile, "load", autospec=True) as load:
        started = time.perf_counter()
        with pytest.raises(ValidationError) as error:
            clean_image(SimpleUploadedFile("bomb.png", bomb))
        elapsed = time.perf_counter() - started
    assert error.value.code == "image_pixels"
    assert not load.called and elapsed < 0.3
    with translation.override("fa"):
        assert "25 مگاپیکسل" in error.value.messages[0]


def test_the_pixel_cap_is_a_setting(settings):
    settings.IMAGE_MAX_PIXELS = 1000
    with pytest.raises(ValidationError) as error:
        clean_image(SimpleUploadedFile("x.png", png(size=(40, 30))))  # 1,200 pixels
    assert error.value.code == "image_pixels"
    settings.IMAGE_MAX_PIXELS = 1200
    assert clean_image(SimpleUploadedFile("x.png", png(size=(40, 30))))


def test_pillow_s_own_bomb_check_holds_the_same_cap():
    from django.conf import settings

    assert Image.MAX_IMAGE_PIXELS == settings.IMAGE_MAX_PIXELS


def a_field():
    field = CleanImageField(upload_to="things/", blank=True)
    field.set_attributes_from_name("picture")
    return field


def test_the_field_deconstructs_as_django_s_so_that_it_needs_no_migration():
    _name, path, _args, kwargs = a_field().deconstruct()
    assert path == "django.db.models.ImageField"
    assert kwargs == {"upload_to": "things/", "blank": True}


def test_the_field_s_form_field_cleans_and_its_widget_asks_for_the_three_formats():
    form_field = a_field().formfield()
    assert isinstance(form_field, CleanImageFormField)
    assert form_field.widget.attrs["accept"] == "image/jpeg,image/png,image/webp"
    with translation.override("en"):
        assert str(form_field.help_text) == "JPEG, PNG or WebP, at most 5 MB."
    cleaned = form_field.clean(SimpleUploadedFile("a.png", png() + b"<script>"))
    assert b"<script>" not in cleaned.read()
    # The model's max_length (100) is for the stored name: a long uploaded one is fine.
    assert form_field.clean(SimpleUploadedFile("عکس محصول " * 20 + ".png", png()))


@pytest.mark.django_db
def test_a_file_assigned_in_code_is_cleaned_when_saved():
    """No form at all (a script, a shell): pre_save cleans what was not cleaned."""
    from exhibitors.models import Product
    from exhibitors.tests.factories import make_exhibitor

    product = Product(exhibitor=make_exhibitor(), name="کارتن")
    product.image = ContentFile(png() + b"<script>", name="mine.png")
    product.save()
    product.refresh_from_db()
    name = product.image.name
    assert name.startswith("products/") and "mine" not in name and name.endswith(".png")
    with product.image.open("rb") as stored:
        assert b"<script>" not in stored.read()


@pytest.mark.django_db
def test_a_bad_file_assigned_in_code_is_refused_when_saved():
    from exhibitors.models import Product
    from exhibitors.tests.factories import make_exhibitor

    product = Product(exhibitor=make_exhibitor(), name="کارتن")
    product.image = ContentFile(b"%PDF-1.4", name="mine.png")
    with pytest.raises(ValidationError), transaction.atomic():
        product.save()
    assert not Product.objects.exists()


def test_uploads_are_counted_per_user_and_the_next_one_is_refused_in_persian(
    settings, django_user_model, db
):
    settings.IMAGE_UPLOADS_PER_USER = "2/h"
    request = RequestFactory().post("/")
    request.user = django_user_model.objects.create_user("a@example.ir", "a@example.ir")
    field = CleanImageFormField(required=False)
    field.request = request
    field.clean(SimpleUploadedFile("a.png", png()))
    field.clean(SimpleUploadedFile("b.png", png()))
    with translation.override("fa"), pytest.raises(ValidationError) as error:
        field.clean(SimpleUploadedFile("c.png", png()))
    assert error.value.code == "image_rate"
    assert "تصاویر زیادی بارگذاری کرده‌اید" in error.value.messages[0]
    # Another user has uploads of their own; leaving the field empty is not an upload.
    other = RequestFactory().post("/")
    other.user = django_user_model.objects.create_user("b@example.ir", "b@example.ir")
    field.request = other
    assert field.clean(SimpleUploadedFile("d.png", png()))
    field.request = request
    assert field.clean(None) is None
