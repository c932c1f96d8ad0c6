import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from exhibitors.models import Need, Product
from exhibitors.tests.factories import make_exhibitor, make_product, province

pytestmark = pytest.mark.django_db


def image_file(fmt="JPEG", size=(40, 30), name="photo.jpg", exif=True):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, "orange")
    options = {}
    if exif and fmt == "JPEG":
        data = Image.Exif()
        data[0x010F] = "Camera Maker"  # Make
        data[0x8825] = {2: (35.0, 42.0, 0.0)}  # a GPS block
        options["exif"] = data.tobytes()
    image.save(buffer, fmt, **options)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def product_form(**overrides):
    return {
        "name": "كفش ايمني",
        "category": "1520",
        "description": "",
        "monthly_amount": "۱٬۲۵۰",
        "amount_unit": "pair",
        **overrides,
    }


def test_a_member_adds_a_product_with_persian_digits_and_arabic_letters(owner_client, unit):
    response = owner_client.post(
        reverse("self:item_new", args=[unit.pk, "product"]), product_form()
    )
    assert response.status_code == 302
    product = Product.objects.get(exhibitor=unit)
    assert (product.name, product.monthly_amount, product.category.code) == (
        "کفش ایمنی",
        1250,
        "1520",
    )


def test_a_need_takes_the_province_bought_from_and_a_persian_decimal(owner_client, unit):
    data = {
        "name": "چرم",
        "category": "",
        "description": "",
        "monthly_amount": "۲٫۵",
        "amount_unit": "ton",
        "current_source_province": province("اصفهان").pk,
    }
    owner_client.post(reverse("self:item_new", args=[unit.pk, "need"]), data)
    need = Need.objects.get(exhibitor=unit)
    assert (str(need.monthly_amount), need.current_source_province.name_fa) == ("2.50", "اصفهان")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "ن" * 10_000}, "name"),
        ({"monthly_amount": "-3"}, "__all__"),
        ({"monthly_amount": "سه"}, "monthly_amount"),
        ({"amount_unit": ""}, "__all__"),
        ({"category": "0000"}, "category"),
    ],
)
def test_bad_product_input_is_an_error_and_nothing_is_saved(owner_client, unit, overrides, field):
    response = owner_client.post(
        reverse("self:item_new", args=[unit.pk, "product"]), product_form(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Product.objects.exists()


def test_a_product_of_another_unit_cannot_be_edited_or_deleted_by_url(owner_client):
    theirs = make_product(make_exhibitor(), name="مال دیگری")
    edit = reverse("self:item_edit", args=["product", theirs.pk])
    assert owner_client.get(edit).status_code == 404
    assert owner_client.post(edit, product_form(name="ربوده")).status_code == 404
    assert (
        owner_client.post(reverse("self:item_delete", args=["product", theirs.pk])).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.name == "مال دیگری"


def test_adding_to_another_units_list_is_not_found(owner_client):
    other = make_exhibitor()
    response = owner_client.post(reverse("self:item_new", args=[other.pk, "need"]), product_form())
    assert response.status_code == 404
    assert not other.needs.exists()


def test_a_member_edits_and_deletes_a_product(owner_client, unit):
    product = make_product(unit, name="قدیم")
    owner_client.post(
        reverse("self:item_edit", args=["product", product.pk]), product_form(name="تازه")
    )
    product.refresh_from_db()
    assert product.name == "تازه"
    assert (
        owner_client.get(reverse("self:item_delete", args=["product", product.pk])).status_code
        == 200
    )
    assert Product.objects.filter(pk=product.pk).exists()  # a GET deletes nothing
    owner_client.post(reverse("self:item_delete", args=["product", product.pk]))
    assert not Product.objects.filter(pk=product.pk).exists()


def test_an_image_is_reencoded_without_exif_under_a_random_name(owner_client, unit):
    owner_client.post(
        reverse("self:item_new", args=[unit.pk, "product"]),
        {**product_form(), "image": image_file(name="../../etc/my photo.jpg")},
    )
    product = Product.objects.get()
    assert product.image.name.startswith("products/") and "photo" not in product.image.name
    stored = Image.open(product.image.path)
    assert stored.format == "JPEG" and stored.size == (40, 30)
    assert not stored.getexif()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            SimpleUploadedFile("doc.png", b"%PDF-1.4 not an image", content_type="image/png"),
            "خوانا نیست",
        ),
        (image_file("GIF", name="a.gif"), "JPEG، PNG یا WebP"),
        (image_file("PNG", size=(6001, 2), name="wide.png"), "6000"),
    ],
)
def test_a_file_that_is_not_an_acceptable_image_is_refused(owner_client, unit, upload, message):
    response = owner_client.post(
        reverse("self:item_new", args=[unit.pk, "product"]), {**product_form(), "image": upload}
    )
    assert message in " ".join(response.context["form"].errors["image"])
    assert not Product.objects.exists()


def test_an_oversized_file_is_refused_before_it_is_decoded(owner_client, unit):
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 1))
    response = owner_client.post(
        reverse("self:item_new", args=[unit.pk, "product"]), {**product_form(), "image": big}
    )
    assert "بزرگ‌تر از 5 مگابایت" in " ".join(response.context["form"].errors["image"])
    assert not Product.objects.exists()


def test_a_decompression_bomb_is_refused():
    from django.core.exceptions import ValidationError

    from portal.lib.images import clean_image

    buffer = io.BytesIO()
    Image.new("1", (20_000, 20_000)).save(buffer, "PNG")  # a tiny file, 400 million pixels
    bomb = SimpleUploadedFile("bomb.png", buffer.getvalue())
    with pytest.raises(ValidationError) as error:
        clean_image(bomb)
    assert error.value.code == "image_pixels"  # 400 megapixels: refused from the header
    assert len(buffer.getvalue()) < 100_000


def test_a_double_submit_or_a_spelling_variant_of_an_existing_item_is_refused(owner_client, unit):
    url = reverse("self:item_new", args=[unit.pk, "product"])
    owner_client.post(url, product_form(name="ورق‌های فولادی"))
    again = owner_client.post(url, product_form(name="ورق‌های فولادی"))
    variant = owner_client.post(url, product_form(name="ورق هاي فولادي"))
    assert "name" in again.context["form"].errors and "name" in variant.context["form"].errors
    assert Product.objects.count() == 1


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_an_image_with_broken_exif_is_kept_without_it(owner_client, unit):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(
        buffer, "JPEG", exif=b"Exif\x00\x00MM\x00*\xff\xff\xff\xff"
    )
    upload = SimpleUploadedFile("x.jpg", buffer.getvalue())
    response = owner_client.post(
        reverse("self:item_new", args=[unit.pk, "product"]), {**product_form(), "image": upload}
    )
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert not Image.open(Product.objects.get().image.path).getexif()
