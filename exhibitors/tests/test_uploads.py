"""Logos and product images take one path, the portal's forms and the admin
alike (portal.lib.fields.CleanImageField): content checked, re-encoded without
metadata or trailing bytes, a random name, size and pixel caps, a limit of
uploads per user (issue 13, gaps 3 and 11)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from PIL import Image

from accounts.testing import sign_in_staff
from exhibitors.models import Exhibitor, Product
from exhibitors.tests.factories import make_exhibitor, make_product
from fairs.tests.factories import make_organizer

pytestmark = pytest.mark.django_db


def polyglot_png():
    """A valid PNG with a script after its end."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "PNG")
    return buffer.getvalue() + b"<script>alert(document.cookie)</script>"


def gps_jpeg():
    """Landscape as stored, portrait as the camera says to show it; GPS, a
    camera name and a script in a comment."""
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    exif[0x0112] = 6  # turn 90° clockwise
    exif[0x8825] = {1: "N", 2: (34.0, 47.0, 55.0), 3: "E", 4: (48.0, 30.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(
        buffer, "JPEG", exif=exif.tobytes(), comment=b"<script>alert(1)</script>"
    )
    return buffer.getvalue()


def gif():
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "orange").save(buffer, "GIF")
    return buffer.getvalue()


def errors(response):
    """Every error message of the page's form, as the form holds them (ASCII digits)."""
    context = response.context
    form = context["adminform"].form if "adminform" in context else context["form"]
    return " ".join(message for messages in form.errors.values() for message in messages)


def stored_bytes(field_file):
    with field_file.open("rb") as stored:
        return stored.read()


# Each way in: (its name, a function that posts one upload and returns the response).


def via_portal_product(client, unit, upload):
    return client.post(
        reverse("self:item_new", args=[unit.pk, "product"]),
        {
            "name": f"محصول {Product.objects.count()}",
            "category": "",
            "description": "",
            "monthly_amount": "",
            "amount_unit": "",
            "image": upload,
        },
    )


def via_admin_product(client, unit, upload):
    return client.post(
        reverse("admin:exhibitors_product_add"),
        {
            "exhibitor": unit.pk,
            "name": f"محصول {Product.objects.count()}",
            "category": "",
            "description": "",
            "monthly_amount": "",
            "amount_unit": "",
            "image": upload,
        },
    )


def form_data(response):
    """What a browser would send back from a change page, unchanged."""
    context = response.context
    forms = [context["adminform"].form] if "adminform" in context else [context["form"]]
    data = {}
    for inline in context.get("inline_admin_formsets", []):
        formset = inline.formset
        management = formset.management_form
        data.update(
            {management[name].html_name: management[name].value() for name in management.fields}
        )
        forms += formset.forms
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False or isinstance(value, FieldFile):
                continue
            shown = form[name].field.widget.format_value(value)
            # A text box shows its value as typed («۱۵۲۰ · …» for a category); a select, its pk.
            data[form[name].html_name] = shown if isinstance(shown, str) else value
    return data


def via_portal_logo(client, unit, upload):
    url = reverse("self:unit_edit", args=[unit.pk])
    return client.post(url, {**form_data(client.get(url)), "logo": upload})


def via_admin_logo(client, unit, upload):
    url = reverse("admin:exhibitors_exhibitor_change", args=[unit.pk])
    return client.post(url, {**form_data(client.get(url)), "logo": upload})


def last_product():
    return Product.objects.order_by("-pk").first().image


def the_logo(unit):
    unit.refresh_from_db()
    return unit.logo


WAYS = {
    "portal product": (via_portal_product, last_product),
    "admin product": (via_admin_product, last_product),
    "portal logo": (via_portal_logo, lambda unit: the_logo(unit)),
    "admin logo": (via_admin_logo, lambda unit: the_logo(unit)),
}


@pytest.fixture(params=WAYS)
def way(request, client, owner, unit):
    """(post an upload, the stored file), signed in as the unit's owner or an organizer."""
    if request.param.startswith("admin"):
        sign_in_staff(client, make_organizer())
    else:
        client.force_login(owner)
    post, stored = WAYS[request.param]
    fetch = (lambda: stored(unit)) if "logo" in request.param else (lambda: stored())

    def upload(name, data):
        return post(client, unit, SimpleUploadedFile(name, data))

    return upload, fetch


def test_a_polyglot_png_loses_its_trailing_script(way):
    upload, stored = way
    response = upload("innocent.png", polyglot_png())
    assert response.status_code == 302, errors(response)
    data = stored_bytes(stored())
    assert b"<script>" not in data and data.endswith(b"IEND\xaeB`\x82")


def test_a_jpeg_is_stored_upright_without_exif_gps_or_comment(way):
    upload, stored = way
    assert upload("phone.jpg", gps_jpeg()).status_code == 302
    data = stored_bytes(stored())
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (30, 40)
    assert not image.getexif() and b"Camera Maker" not in data and b"<script>" not in data


def test_the_stored_name_is_random_not_the_uploaded_one(way):
    upload, stored = way
    assert upload("../../my photo.png", polyglot_png()).status_code == 302
    name = stored().name
    folder, _, file = name.partition("/")
    assert folder in ("products", "logos") and "photo" not in name
    assert len(file) == len("0" * 32 + ".png") and file.endswith(".png")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("anim.gif", gif(), "JPEG، PNG یا WebP"),
        ("big.png", polyglot_png() + b"\0" * (5 * 1024 * 1024), "بزرگ‌تر از 5 مگابایت"),
        ("paper.png", b"%PDF-1.4 not an image", "خوانا نیست"),
    ],
)
def test_a_gif_an_oversized_file_or_a_non_image_is_refused_in_persian(way, name, data, message):
    upload, _stored = way
    before = list(Product.objects.values_list("pk", flat=True))
    response = upload(name, data)
    assert response.status_code == 200
    assert message in errors(response)
    assert list(Product.objects.values_list("pk", flat=True)) == before
    assert not Exhibitor.objects.exclude(logo="").exists()


def test_the_upload_after_the_limit_is_refused_with_a_persian_message(way, settings):
    settings.IMAGE_UPLOADS_PER_USER = "2/h"
    upload, stored = way
    assert upload("one.png", polyglot_png()).status_code == 302
    assert upload("two.png", polyglot_png()).status_code == 302
    kept = stored().name
    response = upload("three.png", polyglot_png())
    assert response.status_code == 200
    assert "تصاویر زیادی بارگذاری کرده‌اید" in errors(response)
    assert stored().name == kept and Product.objects.filter(image="").count() == 0


def test_saving_without_a_new_image_is_not_an_upload(owner_client, unit, settings):
    settings.IMAGE_UPLOADS_PER_USER = "1/h"
    product = make_product(unit, name="کارتن")
    url = reverse("self:item_edit", args=["product", product.pk])
    for description in ("یک", "دو", "سه"):
        owner_client.post(url, {**form_data(owner_client.get(url)), "description": description})
    product.refresh_from_db()
    assert product.description == "سه"


def test_the_limit_is_per_user(client, owner, unit, settings, django_user_model):
    settings.IMAGE_UPLOADS_PER_USER = "1/h"
    client.force_login(owner)
    assert (
        via_portal_product(client, unit, SimpleUploadedFile("a.png", polyglot_png())).status_code
        == 302
    )
    other = django_user_model.objects.create_user("two@example.ir", "two@example.ir")
    other_unit = make_exhibitor(legal_name="شرکت دیگر")
    other_unit.memberships.create(user=other, role="owner")
    client.force_login(other)
    response = via_portal_product(client, other_unit, SimpleUploadedFile("b.png", polyglot_png()))
    assert response.status_code == 302


def test_the_admin_and_portal_forms_ask_the_browser_for_the_three_formats(owner_client, unit):
    page = owner_client.get(reverse("self:item_new", args=[unit.pk, "product"])).content.decode()
    assert 'accept="image/jpeg,image/png,image/webp"' in page
