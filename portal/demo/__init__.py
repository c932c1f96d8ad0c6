"""The demo: the 10th fair of small and medium industries of Hamedan province.

The units, their products and needs (units.csv, products.csv, needs.csv)
and the floor plan (booths.csv) are files in the contracts of
``import_directory`` and ``import_floorplan`` beside this module, and are
written by those imports' services. This module holds what the files
cannot: the fair and its archived 9th edition, the halls' names and sizes,
and the demo logins. Every row is found by its natural key first, so running
it again changes no counts.
"""

import datetime
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Account as AccountRow
from exhibitors import registry
from exhibitors.models import County, Exhibitor, Membership, Need, Product
from fairs import floorplan
from fairs.models import Fair, Hall, Participation
from matching.models import Dismissal, NeedSuggestion
from messaging.models import Message, OptOut
from portal.lib.identifiers import clean_national_id

FOLDER = Path(__file__).resolve().parent
FAIR = {
    "slug": "hamedan-smi-10",
    "title_fa": "دهمین نمایشگاه توانمندی‌های صنایع کوچک، متوسط و خوشه‌های صنعتی استان همدان",
    "title_en": (
        "10th Exhibition of the Capabilities of Small and Medium Industries "
        "and Industrial Clusters of Hamedan Province"
    ),
    "edition": 10,
    "series": "نمایشگاه توانمندی‌های صنایع کوچک، متوسط و خوشه‌های صنعتی استان همدان",
    "venue_fa": "محل دائمی نمایشگاه‌های استان همدان",
    "venue_en": "Hamedan Province Permanent Fairground",
    "county": "همدان",
}
# booths.csv: three rows of ten 3 × 3 m booths per hall (01-10, 11-20, 21-30),
# touching within a row, 4 m aisles between rows. Hall A: leather and footwear
# (row 1), packaging and agri-food (rows 2-3). Hall B: Lalejin ceramics (row 1),
# Malayer wood and furniture (row 2), Razan rubber, metal, paint and stone (row 3).
# The halls leave 2 m around the booths; the import alone would size them to
# the booths' edge.
HALLS = [
    {"code": "A", "name_fa": "سالن ۱ (الف)", "name_en": "Hall A", "width": 34, "depth": 21},
    {"code": "B", "name_fa": "سالن ۲ (ب)", "name_en": "Hall B", "width": 34, "depth": 21},
]
ORGANIZER = ("organizer", "hamsaye-organizer")
EXHIBITOR = ("exhibitor@example.ir", "hamsaye-exhibitor")
# The demo exhibitor owns the tannery at booth A-01.
EXHIBITOR_UNIT = "10121479225"
# A dairy new to the portal, with no needs typed yet: its owner sees the needs
# dairies usually have (the supply-chain map), one tap from suppliers.
NEWCOMER = ("dairy@example.ir", "hamsaye-exhibitor")
# Mobiles of the demo logins, verified: the organizer's takes the admin's
# second factor; the exhibitor can sign in with a code as well; the glove maker
# has a member with a mobile and no email, who is told by SMS.
ORGANIZER_MOBILE = "09120000001"
EXHIBITOR_MOBILE = "09181325476"
SMS_ONLY = ("09183147720", "10326071143")
NEWCOMER_UNIT = "10461203571"
# Feedback the demo starts with: the tannery said an acid dye for wool does not
# serve its need for leather dye; the foam maker added a suggested need.
DISMISSED = [(EXHIBITOR_UNIT, "رنگ چرم", "رنگ اسیدی پشم")]
ACCEPTED_SUGGESTION = ("14014525255", "گرانول پلی‌اتیلن")


class DemoError(Exception):
    """A demo file has bad rows, or the database holds what they contradict."""


@dataclass
class Account:
    username: str
    password: str
    role: str


@transaction.atomic
def seed(*, create_accounts, today=None):
    """Write the demo fair, its halls and booths, the units, their products and needs.

    Side effects: the fair and its past edition; the units, products and
    needs through ``registry.import_registry`` (new counties and parks
    included); halls, booths and the booth holders' approved participations
    through ``floorplan.import_floorplan``; an approved participation without
    a booth for every other unit of the files; with ``create_accounts`` also
    a demo organizer (staff, in Organizers) and a demo exhibitor (owner of
    EXHIBITOR_UNIT), whose logins it returns. Both imports bring the matches
    up to date when the transaction commits. Raises DemoError when a file
    has bad rows, for instance a booth an organizer gave to a unit outside
    the demo; then nothing is written.
    """
    today = today or timezone.localdate()
    county = County.objects.get(province__name_fa="همدان", name_fa=FAIR["county"])
    fair = _seed_fair(county, today)
    _seed_past_edition(county, today)

    _check(registry.import_registry(FOLDER).problems)
    for hall in HALLS:
        Hall.objects.update_or_create(
            fair=fair,
            code=hall["code"],
            defaults={k: v for k, v in hall.items() if k != "code"},
        )
    _check(floorplan.import_floorplan(fair.slug, FOLDER / "booths.csv").problems)
    _seed_participations_without_booths(fair)
    _seed_feedback()
    _seed_messages()
    accounts = []
    if create_accounts:
        accounts = _seed_accounts(Exhibitor.objects.get(national_id=EXHIBITOR_UNIT))
    # After the accounts: the campaign goes to the units nobody manages.
    _seed_campaign(fair, claim=create_accounts)
    return accounts


def _seed_feedback():
    """A dismissed match and an added suggested need, as units would leave them:
    the admin's lists of both start with something to show."""
    for unit, need, product in DISMISSED:
        need = Need.objects.filter(exhibitor__national_id=unit, name=need).first()
        product = Product.objects.filter(name=product).order_by("pk").first()
        if need and product:
            Dismissal.objects.get_or_create(need=need, product=product)
    unit, name = ACCEPTED_SUGGESTION
    unit = Exhibitor.objects.filter(national_id=unit).first()
    if unit and not NeedSuggestion.objects.filter(exhibitor=unit, name=name).exists():
        need, _created = Need.objects.get_or_create(exhibitor=unit, name=name)
        NeedSuggestion.objects.create(
            exhibitor=unit,
            name=name,
            supplier_division="20",
            status=NeedSuggestion.Status.ACCEPTED,
            need=need,
        )


def _check(problems):
    if problems:
        lines = "\n".join(str(problem) for problem in problems)
        raise DemoError(f"The demo files have {len(problems)} problems:\n{lines}")


def _seed_fair(county, today):
    fair, _ = Fair.objects.update_or_create(
        slug=FAIR["slug"],
        defaults={
            **{k: v for k, v in FAIR.items() if k not in ("slug", "county")},
            "county": county,
            "status": Fair.Status.OPEN,
            # Always upcoming, whenever the demo is seeded.
            "starts_on": today + datetime.timedelta(days=14),
            "ends_on": today + datetime.timedelta(days=17),
            "registration_opens_on": today - datetime.timedelta(days=30),
            "registration_closes_on": today + datetime.timedelta(days=7),
        },
    )
    return fair


def _seed_past_edition(county, today):
    """The 9th edition, archived: the home page lists past fairs too."""
    year_ago = today - datetime.timedelta(days=365)
    Fair.objects.update_or_create(
        slug=FAIR["slug"].replace("-10", "-9"),
        defaults={
            "title_fa": FAIR["title_fa"].replace("دهمین", "نهمین"),
            "title_en": FAIR["title_en"].replace("10th", "9th"),
            "edition": 9,
            "series": FAIR["series"],
            "venue_fa": FAIR["venue_fa"],
            "venue_en": FAIR["venue_en"],
            "county": county,
            "status": Fair.Status.ARCHIVED,
            "starts_on": year_ago,
            "ends_on": year_ago + datetime.timedelta(days=3),
            "registration_opens_on": year_ago - datetime.timedelta(days=45),
            "registration_closes_on": year_ago - datetime.timedelta(days=7),
        },
    )


def _seed_participations_without_booths(fair):
    """The units of units.csv that booths.csv places nowhere take part all the same.

    A floor plan row needs a booth; the demo shows approved units still
    waiting for one. A unit that already has a participation keeps it.
    """
    _source, rows = registry.read(FOLDER)["units"]
    national_ids = set()
    for _number, row in rows:
        try:
            national_ids.add(clean_national_id(row["national_id"]))
        except ValidationError:
            continue  # the import has reported it already
    waiting = Exhibitor.objects.filter(national_id__in=national_ids).exclude(
        participations__fair=fair
    )
    now = timezone.now()
    Participation.objects.bulk_create(
        Participation(
            fair=fair, exhibitor=unit, status=Participation.Status.APPROVED, decided_at=now
        )
        for unit in waiting
    )


def _seed_accounts(unit):
    organizer, _ = User.objects.update_or_create(
        username=ORGANIZER[0],
        defaults={"email": "organizer@example.ir", "is_staff": True, "first_name": "مسئول"},
    )
    organizer.set_password(ORGANIZER[1])
    organizer.save()
    organizer.groups.add(Group.objects.get(name="Organizers"))
    _verified_mobile(organizer, ORGANIZER_MOBILE)

    exhibitor, _ = User.objects.update_or_create(
        username=EXHIBITOR[0], defaults={"email": EXHIBITOR[0], "is_staff": False}
    )
    exhibitor.set_password(EXHIBITOR[1])
    exhibitor.save()
    Membership.objects.update_or_create(
        user=exhibitor, exhibitor=unit, defaults={"role": Membership.Role.OWNER}
    )
    _verified_mobile(exhibitor, EXHIBITOR_MOBILE)
    number, national_id = SMS_ONLY
    by_sms, _ = User.objects.get_or_create(username=number)
    by_sms.set_unusable_password()
    by_sms.save()
    _verified_mobile(by_sms, number)
    Membership.objects.update_or_create(
        user=by_sms,
        exhibitor=Exhibitor.objects.get(national_id=national_id),
        defaults={"role": Membership.Role.OWNER},
    )
    newcomer, _ = User.objects.update_or_create(
        username=NEWCOMER[0], defaults={"email": NEWCOMER[0], "is_staff": False}
    )
    newcomer.set_password(NEWCOMER[1])
    newcomer.save()
    dairy = Exhibitor.objects.get(national_id=NEWCOMER_UNIT)
    Membership.objects.update_or_create(
        user=newcomer, exhibitor=dairy, defaults={"role": Membership.Role.OWNER}
    )
    return [
        Account(*ORGANIZER, role=f"organizer; the second factor goes to {ORGANIZER_MOBILE}"),
        Account(EXHIBITOR_MOBILE, "a code by SMS", role="the same exhibitor, by mobile"),
        Account(*EXHIBITOR, role=f"exhibitor, owner of {unit.legal_name}"),
        Account(*NEWCOMER, role=f"exhibitor with no needs yet, owner of {dairy.legal_name}"),
    ]


def _seed_messages():
    """A few messages as the worker leaves them, for the admin's tour: a notice
    delivered, one to a number that opted out, one cut off mid-send (unknown:
    an organizer decides whether to send it again)."""
    now = timezone.now()
    OptOut.objects.get_or_create(number="09189990001", defaults={"source": OptOut.Source.REPLY})
    rows = [
        {
            "to": SMS_ONLY[0],
            "text": "گام‌آور همدان به دستکش آرتا دست الوند پیام داد: چرم دستکشی",
            "status": Message.Status.SENT,
            "delivery": Message.Delivery.DELIVERED,
            "provider_id": "demo-1",
            "sent_at": now,
            "attempts": 1,
        },
        {
            "to": "09189990001",
            "text": "دهمین نمایشگاه صنایع کوچک همدان: ثبت‌نام باز است.",
            "purpose": Message.Purpose.PROMOTION,
            "status": Message.Status.FAILED,
            "error": "This number has opted out of messages.",
        },
        {
            "to": EXHIBITOR_MOBILE,
            "text": "درخواست حضور سبک‌چرم هگمتان در نمایشگاه تأیید شد.",
            "status": Message.Status.UNKNOWN,
            "sending_since": now,
            "attempts": 1,
            "error": "Sending was cut off: it is not known whether this message went.",
        },
    ]
    for row in rows:
        Message.objects.get_or_create(
            channel=Message.Channel.SMS,
            to=row.pop("to"),
            text=row.pop("text"),
            defaults={"purpose": Message.Purpose.NOTICE, **row},
        )


CAMPAIGN = {
    "name": "دعوت واحدهای ثبت‌شده به نمایشگاه دهم",
    "template_fa": (
        "{unit}، همسایه‌هایتان در {fair} ({dates}) غرفه دارند. صفحه واحدتان آماده است: "
        "ببینید و کامل کنید {link}"
    ),
    "template_en": "{unit}: your neighbours exhibit at {fair} ({dates}). Your page: {link}",
}
# Of the demo campaign's recipients: these opened the link, the first of them
# claimed its unit with the code.
CLICKED = ["10708235783", "10455105440", "10725713987"]


def _seed_campaign(fair, *, claim):
    """A sent invitation campaign to the units nobody manages, for its funnel:
    recipients frozen and handed over by the campaign's own code, their SMS as
    the worker leaves them (sent and delivered), three clicks, and (with the
    demo accounts) one claim."""
    from outreach import services as outreach
    from outreach.models import Campaign, Claim, Recipient

    campaign, created = Campaign.objects.get_or_create(
        fair=fair,
        name=CAMPAIGN["name"],
        defaults={**CAMPAIGN, "state": Campaign.State.NEVER_CLAIMED},
    )
    if not created:
        return campaign
    outreach.send(campaign)
    with translation.override("fa"):
        while outreach._hand_over_next(campaign):
            pass
    now = timezone.now()
    recipients = Recipient.objects.filter(campaign=campaign)
    Message.objects.filter(pk__in=recipients.values("sms")).update(
        status=Message.Status.SENT,
        sent_at=now,
        attempts=1,
        delivery=Message.Delivery.DELIVERED,
        provider_id="demo",
    )
    Campaign.objects.filter(pk=campaign.pk).update(status=Campaign.Status.DONE, finished_at=now)
    for national_id in CLICKED:
        recipient = recipients.filter(unit__national_id=national_id).first()
        if recipient is not None:
            outreach.click(recipient)
    first = recipients.filter(unit__national_id=CLICKED[0]).select_related("unit").first()
    if claim and first is not None and first.number:
        user, _new = User.objects.get_or_create(username=first.number)
        AccountRow.objects.get_or_create(
            user=user, defaults={"mobile": first.number, "mobile_verified_at": now}
        )
        Membership.objects.get_or_create(
            user=user, exhibitor=first.unit, defaults={"role": Membership.Role.OWNER}
        )
        Claim.objects.create(
            unit=first.unit,
            user=user,
            number=first.number,
            source=Claim.Source.LINK,
            recipient=first,
        )
        Recipient.objects.filter(pk=first.pk).update(used_at=now)
    return campaign


def _verified_mobile(user, number):
    AccountRow.objects.filter(mobile=number).exclude(user=user).update(
        mobile="", mobile_verified_at=None
    )
    AccountRow.objects.update_or_create(
        user=user, defaults={"mobile": number, "mobile_verified_at": timezone.now()}
    )
