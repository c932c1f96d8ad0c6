"""Imports in the admin: a dry run first, then the import once confirmed (issue 14)."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.testing import sign_in_staff
from exhibitors.models import Exhibitor
from fairs.models import Booth
from fairs.tests.factories import make_fair, make_organizer
from outreach.models import ImportRun
from portal import demo
from portal.tests.helpers import count_queries

pytestmark = pytest.mark.django_db

UNITS = (
    "national_id,name,province,county,industrial_park,isic,phone,email,website\n"
    "{good},شرکت نمونه,همدان,همدان,شهرک صنعتی بوعلی,1702,09181112233,,\n"
)


@pytest.fixture
def organizer_client(client):
    sign_in_staff(client, make_organizer())
    return client


def units_csv(rows=""):
    from exhibitors.tests.factories import valid_national_id

    return (UNITS.format(good=valid_national_id(901)) + rows).encode()


def upload(client, files, **data):
    return client.post(
        reverse("admin:outreach_importrun_add"), {"kind": "registry", **data, "files": files}
    )


def test_a_clean_registry_is_checked_then_imported_on_confirmation(organizer_client):
    response = upload(organizer_client, [SimpleUploadedFile("units.csv", units_csv())])
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert run.status == ImportRun.Status.CHECKED
    assert run.report["counts"]["units"]["created"] == 1
    assert run.report["problems"] == []
    assert not Exhibitor.objects.exists()  # a dry run writes nothing
    page = organizer_client.get(reverse("admin:outreach_importrun_change", args=[run.pk]))
    assert "۱" in page.content.decode()
    assert (
        organizer_client.get(reverse("admin:outreach_importrun_confirm", args=[run.pk])).status_code
        == 403
    )
    organizer_client.post(reverse("admin:outreach_importrun_confirm", args=[run.pk]))
    organizer_client.post(reverse("admin:outreach_importrun_confirm", args=[run.pk]))  # twice
    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    assert Exhibitor.objects.count() == 1
    assert Exhibitor.objects.get().mobile == "09181112233"
    assert not run.folder.exists()  # the upload is gone


def test_bad_rows_are_listed_in_persian_and_nothing_is_written(organizer_client):
    bad = "123,شرکت بد,همدان,همدان,,1702,,,\n,<b>بی‌شناسه</b>,تهرانستان,همدان,,99,,,\n"
    upload(organizer_client, [SimpleUploadedFile("units.csv", units_csv(bad))])
    run = ImportRun.objects.get()
    problems = run.report["problems"]
    assert any(p.startswith("units.csv:3: national_id: ") for p in problems)
    assert any(p.startswith("units.csv:4: province: ") for p in problems)
    assert all(any("\u0600" <= c <= "\u06ff" for c in p.split(": ", 2)[-1]) for p in problems)
    page = organizer_client.get(
        reverse("admin:outreach_importrun_change", args=[run.pk])
    ).content.decode()
    assert "&lt;b&gt;" in page or "<b>بی‌شناسه" not in page
    # Refused as it is; the good rows go with "skip the bad ones".
    organizer_client.post(reverse("admin:outreach_importrun_confirm", args=[run.pk]))
    assert not Exhibitor.objects.exists()
    organizer_client.post(
        reverse("admin:outreach_importrun_confirm", args=[run.pk]), {"skip_invalid": "1"}
    )
    assert Exhibitor.objects.count() == 1


def test_the_wrong_files_are_a_form_error(organizer_client, settings):
    response = upload(organizer_client, [SimpleUploadedFile("people.csv", b"a,b\n")])
    assert response.status_code == 200
    assert not ImportRun.objects.exists()
    response = upload(organizer_client, [SimpleUploadedFile("products.csv", b"a,b\n")])
    assert "units.csv" in response.content.decode()
    response = upload(organizer_client, [])
    assert not ImportRun.objects.exists()
    settings.IMPORT_MAX_BYTES = 10
    response = upload(organizer_client, [SimpleUploadedFile("units.csv", units_csv())])
    assert not ImportRun.objects.exists()
    assert "مگابایت" in response.content.decode()  # "MB": the size error


def test_an_unreadable_file_fails_with_its_reason(organizer_client):
    upload(organizer_client, [SimpleUploadedFile("registry.xlsx", b"not a workbook")])
    run = ImportRun.objects.get()
    assert run.status in (ImportRun.Status.FAILED, ImportRun.Status.CHECKED)
    if run.status == ImportRun.Status.CHECKED:
        assert run.report["problems"]
    else:
        assert run.error


def test_a_workbook_imports(organizer_client):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "units"
    for line in units_csv().decode().splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    upload(organizer_client, [SimpleUploadedFile("Registry.XLSX", out.getvalue())])
    run = ImportRun.objects.get()
    assert run.files == ["registry.xlsx"]
    assert run.report["counts"]["units"]["created"] == 1, run.report


def test_a_floor_plan_on_the_fairs_page(organizer_client):
    fair = make_fair()
    fair_page = organizer_client.get(
        reverse("admin:fairs_fair_change", args=[fair.pk])
    ).content.decode()
    assert (
        reverse("admin:outreach_importrun_add") + f"?kind=floorplan&amp;fair={fair.pk}" in fair_page
    )
    plan = b"hall,code,x,y,width,height,national_id\nA,A-01,0,0,3,3,\nA,A-02,3,0,3,3,\n"
    response = organizer_client.post(
        reverse("admin:outreach_importrun_add"),
        {"kind": "floorplan", "fair": fair.pk, "files": [SimpleUploadedFile("plan.csv", plan)]},
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert run.report["counts"]["booths"]["created"] == 2
    assert not Booth.objects.exists()
    organizer_client.post(reverse("admin:outreach_importrun_confirm", args=[run.pk]))
    assert Booth.objects.filter(fair=fair).count() == 2
    # Without the fair: a form error.
    response = organizer_client.post(
        reverse("admin:outreach_importrun_add"),
        {"kind": "floorplan", "files": [SimpleUploadedFile("plan.csv", plan)]},
    )
    assert response.status_code == 200 and ImportRun.objects.count() == 1


def test_cancel_deletes_the_upload(organizer_client):
    upload(organizer_client, [SimpleUploadedFile("units.csv", units_csv())])
    run = ImportRun.objects.get()
    assert run.folder.exists()
    organizer_client.post(reverse("admin:outreach_importrun_cancel", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CANCELLED and not run.folder.exists()
    organizer_client.post(reverse("admin:outreach_importrun_confirm", args=[run.pk]))
    assert not Exhibitor.objects.exists()


def test_the_samples_are_the_demos_files(organizer_client):
    csv = organizer_client.get(reverse("admin:outreach_importrun_sample", args=["units.csv"]))
    assert csv.content == (demo.FOLDER / "units.csv").read_bytes()
    book = organizer_client.get(reverse("admin:outreach_importrun_sample", args=["registry.xlsx"]))
    sheets = openpyxl.load_workbook(io.BytesIO(book.content)).sheetnames
    assert sheets == ["units", "products", "needs"]
    assert (
        organizer_client.get(
            reverse("admin:outreach_importrun_sample", args=["settings.py"])
        ).status_code
        == 404
    )


def test_only_organizers_import(client, owner):
    client.force_login(owner)
    response = upload(client, [SimpleUploadedFile("units.csv", units_csv())])
    assert response.status_code == 302 and "login" in response["Location"]
    assert not ImportRun.objects.exists()


def test_the_imports_list_stays_flat(organizer_client):
    upload(organizer_client, [SimpleUploadedFile("units.csv", units_csv())])
    url = reverse("admin:outreach_importrun_changelist")
    few = count_queries(organizer_client, url)
    for _ in range(4):
        upload(organizer_client, [SimpleUploadedFile("units.csv", units_csv())])
    assert count_queries(organizer_client, url) == few


def test_the_command_has_the_same_dry_run(tmp_path):
    from django.core.management import call_command

    (tmp_path / "units.csv").write_bytes(units_csv())
    out = io.StringIO()
    call_command("import_directory", str(tmp_path), "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue()
    assert not Exhibitor.objects.exists()


def test_done_when_import_send_claim_and_the_funnel(organizer_client):
    """The issue's end to end: an organizer imports a registry and sends one
    campaign; an owner taps the link on a phone, types the code, lands on the
    pre-filled profile; the funnel shows the click, the claim, the completed profile."""
    import re

    import messaging
    from exhibitors.models import Product
    from outreach import services
    from outreach.models import Campaign
    from portal.lib import tasks

    upload(organizer_client, [SimpleUploadedFile("units.csv", units_csv())])
    run = ImportRun.objects.get()
    organizer_client.post(reverse("admin:outreach_importrun_confirm", args=[run.pk]))
    unit = Exhibitor.objects.get()
    fair = make_fair()
    response = organizer_client.post(
        reverse("admin:outreach_campaign_add"),
        {
            "fair": fair.pk,
            "name": "دعوت",
            "state": "unclaimed",
            "channel": "sms",
            "template_fa": "{unit}: به {fair} بیایید {link}",
            "rate": 5,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get()
    organizer_client.post(reverse("admin:outreach_campaign_send", args=[campaign.pk]))
    tasks.run_deferred()
    [sms] = [m for m in messaging.outbox if m.to == "09181112233"]
    code = re.search(r"/i/([a-z0-9]+)", sms.text).group(1)
    from django.test import Client

    phone = Client()  # the owner's phone, not the organizer's browser
    phone.get(f"/i/{code}", HTTP_USER_AGENT="Mozilla/5.0 (Linux; Android 14) Mobile")
    phone.post(f"/i/{code}", {"send": "1"})
    typed = re.search(r"(\d{6})", messaging.outbox[-1].text).group(1)
    landed = phone.post(f"/i/{code}", {"confirm": "1", "code": typed}, follow=True)
    page = landed.content.decode()
    assert landed.redirect_chain[-1][0].startswith(reverse("dashboard_unit", args=[unit.pk]))
    assert "شرکت نمونه" in page  # pre-filled from the registry
    # The owner completes the profile.
    unit.description = "کارتن"
    unit.logo = "logos/a.png"
    unit.save()
    Product.objects.create(
        exhibitor=unit, name="کارتن", category=unit.category, monthly_amount=1, amount_unit="ton"
    )
    from exhibitors.models import Need

    Need.objects.create(
        exhibitor=unit, name="چسب", category=unit.category, monthly_amount=1, amount_unit="ton"
    )
    [(_label, counts)] = services.funnel([campaign])
    assert counts["clicked"] == 1 and counts["claimed"] == 1 and counts["completed"] == 1
    funnel = organizer_client.get(reverse("admin:outreach_campaign_funnel", args=[campaign.pk]))
    assert funnel.status_code == 200
