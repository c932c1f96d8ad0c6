"""The 31 provinces, and Hamedan's counties, industrial parks and zones.

Organizers add and correct places in the admin; this migration only seeds
what every installation needs. Coordinates are the county seats, approximate.
"""

from django.db import migrations

PROVINCES = [
    ("آذربایجان شرقی", "East Azerbaijan"),
    ("آذربایجان غربی", "West Azerbaijan"),
    ("اردبیل", "Ardabil"),
    ("اصفهان", "Isfahan"),
    ("البرز", "Alborz"),
    ("ایلام", "Ilam"),
    ("بوشهر", "Bushehr"),
    ("تهران", "Tehran"),
    ("چهارمحال و بختیاری", "Chaharmahal and Bakhtiari"),
    ("خراسان جنوبی", "South Khorasan"),
    ("خراسان رضوی", "Razavi Khorasan"),
    ("خراسان شمالی", "North Khorasan"),
    ("خوزستان", "Khuzestan"),
    ("زنجان", "Zanjan"),
    ("سمنان", "Semnan"),
    ("سیستان و بلوچستان", "Sistan and Baluchestan"),
    ("فارس", "Fars"),
    ("قزوین", "Qazvin"),
    ("قم", "Qom"),
    ("کردستان", "Kurdistan"),
    ("کرمان", "Kerman"),
    ("کرمانشاه", "Kermanshah"),
    ("کهگیلویه و بویراحمد", "Kohgiluyeh and Boyer-Ahmad"),
    ("گلستان", "Golestan"),
    ("گیلان", "Gilan"),
    ("لرستان", "Lorestan"),
    ("مازندران", "Mazandaran"),
    ("مرکزی", "Markazi"),
    ("هرمزگان", "Hormozgan"),
    ("همدان", "Hamedan"),
    ("یزد", "Yazd"),
]

# County: (English name, latitude, longitude, [(park, English name, kind)]).
# Where the source was unsure of a park's county, the likeliest one is used;
# organizers correct it in the admin.
HAMEDAN = {
    "همدان": (
        "Hamedan",
        "34.79860",
        "48.51460",
        [
            ("شهرک صنعتی بوعلی", "Bu-Ali Industrial Park", "park"),
            ("شهرک صنعتی بهاران", "Baharan Industrial Park", "park"),
            ("شهرک فناوری همدان", "Hamedan Technology Park", "park"),
            ("ناحیه صنعتی قهاوند", "Ghahavand Industrial Zone", "zone"),
            ("ناحیه صنعتی گنبد", "Gonbad Industrial Zone", "zone"),
        ],
    ),
    "ملایر": (
        "Malayer",
        "34.29690",
        "48.82350",
        [
            ("شهرک صنعتی ملایر ۱", "Malayer Industrial Park 1", "park"),
            ("شهرک صنعتی ملایر ۲ (حاجی‌آباد)", "Malayer Industrial Park 2 (Hajiabad)", "park"),
            ("ناحیه صنعتی جوکار", "Jowkar Industrial Zone", "zone"),
            ("ناحیه صنعتی سامن", "Samen Industrial Zone", "zone"),
        ],
    ),
    "نهاوند": (
        "Nahavand",
        "34.18860",
        "48.37690",
        [("شهرک صنعتی نهاوند", "Nahavand Industrial Park", "park")],
    ),
    "تویسرکان": (
        "Tuyserkan",
        "34.54800",
        "48.44690",
        [
            ("شهرک صنعتی تویسرکان ۱", "Tuyserkan Industrial Park 1", "park"),
            ("شهرک صنعتی تویسرکان ۲", "Tuyserkan Industrial Park 2", "park"),
            ("ناحیه صنعتی فرسفج", "Farsfaj Industrial Zone", "zone"),
        ],
    ),
    "اسدآباد": (
        "Asadabad",
        "34.78250",
        "48.11860",
        [("شهرک صنعتی اسدآباد", "Asadabad Industrial Park", "park")],
    ),
    "کبودرآهنگ": (
        "Kabudarahang",
        "35.20830",
        "48.72390",
        [("شهرک صنعتی ویان", "Vian Industrial Park", "park")],
    ),
    "رزن": (
        "Razan",
        "35.38670",
        "49.03390",
        [("شهرک صنعتی رزن", "Razan Industrial Park", "park")],
    ),
    "بهار": (
        "Bahar",
        "34.90830",
        "48.43940",
        [
            ("شهرک صنعتی لالجین", "Lalejin Industrial Park", "park"),
            ("ناحیه صنعتی مهاجران", "Mohajeran Industrial Zone", "zone"),
        ],
    ),
    "فامنین": (
        "Famenin",
        "35.11500",
        "48.97160",
        [("ناحیه صنعتی فامنین", "Famenin Industrial Zone", "zone")],
    ),
    "درگزین": ("Dargazin", "35.35000", "49.06000", []),
}


def load(apps, schema_editor):
    Province = apps.get_model("exhibitors", "Province")
    County = apps.get_model("exhibitors", "County")
    IndustrialPark = apps.get_model("exhibitors", "IndustrialPark")
    for name_fa, name_en in PROVINCES:
        Province.objects.get_or_create(name_fa=name_fa, defaults={"name_en": name_en})
    hamedan = Province.objects.get(name_fa="همدان")
    for county_fa, (county_en, lat, lng, parks) in HAMEDAN.items():
        county, _ = County.objects.get_or_create(
            province=hamedan,
            name_fa=county_fa,
            defaults={"name_en": county_en, "latitude": lat, "longitude": lng},
        )
        for park_fa, park_en, kind in parks:
            IndustrialPark.objects.get_or_create(
                county=county, name_fa=park_fa, defaults={"name_en": park_en, "kind": kind}
            )


class Migration(migrations.Migration):
    dependencies = [("exhibitors", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
