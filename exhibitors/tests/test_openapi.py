"""The API's OpenAPI document is served and true: real answers validate against it."""

import jsonschema
import pytest
from django.urls import reverse
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from exhibitors.filters import ExhibitorFilterSet, ProductFilterSet
from exhibitors.openapi import document
from exhibitors.tests.factories import (
    category,
    hamedan,
    make_exhibitor,
    make_need,
    make_product,
    park,
)
from fairs.tests.factories import make_booth, make_fair, make_hall, make_participation

pytestmark = pytest.mark.django_db

PATHS = {"api_products": "/api/v1/products/", "api_exhibitors": "/api/v1/exhibitors/"}
BASE = "urn:hamsaye:openapi"


def validator(doc, path, status):
    """A JSON Schema (2020-12) validator for the answer ``status`` of ``path``."""
    responses = doc["paths"][path]["get"]["responses"]
    assert str(status) in responses, f"{path} answered {status}, which the document omits"
    ref = responses[str(status)]["content"]["application/json"]["schema"]["$ref"]
    registry = Registry().with_resource(
        BASE, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator({"$ref": BASE + ref}, registry=registry)


@pytest.fixture
def doc(client):
    response = client.get(reverse("api_schema"))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def listed():
    alvand = make_exhibitor(legal_name="کارتن الوند", national_id="10380284790", park=park())
    make_product(alvand, name="کارتن پنج‌لایه", category=category("1702"), description="مقاوم")
    make_need(alvand, name="کاغذ کرافت")
    # No park, no category, a brand: the nulls and the brand the document describes.
    plain = make_exhibitor(legal_name="دباغی نمونه", brand="چرم همدان", county=hamedan("ملایر"))
    make_product(plain, name="چرم گاوی", category=None, description="")
    # 25 units and 25 products hold «چرم»: two pages of each.
    for i in range(24):
        make_product(make_exhibitor(legal_name=f"چرم‌سازی {i:02d}"), name=f"چرم {i:02d}")
    fair = make_fair(slug="hamedan-10")
    hall = make_hall(fair, "A")
    make_participation(fair, alvand, booth=make_booth(hall, "A-05"))
    make_participation(fair, plain, booth=make_booth(hall, "A-06", x=3))
    return {"alvand": alvand, "plain": plain, "fair": fair, "hall": hall}


def test_the_document_is_openapi_3_1_and_its_schemas_are_valid_json_schema(doc):
    assert doc == document()
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == set(PATHS.values())
    for schema in doc["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    # Every $ref resolves.
    registry = Registry().with_resource(
        BASE, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    resolver = registry.resolver(BASE)

    def refs(node):
        if isinstance(node, dict):
            if "$ref" in node:
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(doc):
        assert resolver.lookup(BASE + ref).contents, ref


def test_the_parameters_are_the_filters_the_api_reads(doc):
    parameters = set(doc["components"]["parameters"])
    assert parameters == set(ProductFilterSet.base_filters) | {"page"}
    assert parameters == set(ExhibitorFilterSet.base_filters) | {"page"}


def test_the_document_refuses_a_field_it_does_not_describe(doc, client, listed):
    body = client.get(reverse("api_products"), {"q": "کارتن"}).json()
    check = validator(doc, PATHS["api_products"], 200)
    check.validate(body)
    body["results"][0]["exhibitor"]["mobile"] = "09181234567"
    with pytest.raises(jsonschema.ValidationError):
        check.validate(body)
    del body["results"][0]["exhibitor"]["mobile"]
    del body["results"][0]["booths"]
    with pytest.raises(jsonschema.ValidationError):
        check.validate(body)


def queries(listed):
    fair, hall, alvand = listed["fair"], listed["hall"], listed["alvand"]
    return [
        ({}, 200),
        ({"q": "کارتن"}, 200),
        ({"q": "كارتن"}, 200),  # Arabic kaf: folded
        ({"q": "چرم", "page": "2"}, 200),
        ({"q": "چرم", "page": "3"}, 400),
        ({"q": "نیست‌ونابود"}, 200),  # nothing found
        ({"category": "۱۷۰۲"}, 200),  # Persian digits
        ({"category": "C"}, 200),  # a section
        ({"province": str(alvand.county.province_id)}, 200),
        ({"county": str(alvand.county_id), "park": str(alvand.park_id)}, 200),
        ({"fair": fair.slug, "hall": str(hall.pk)}, 200),
        ({"category": "04"}, 400),
        ({"category": "<script>"}, 400),
        ({"fair": "no-such-fair"}, 400),
        ({"page": "99"}, 400),
        ({"page": "abc"}, 400),
        ({"page": "0"}, 400),
        ({"county": "x"}, 400),
        ({"park": "999999"}, 400),
        ({"hall": "0"}, 400),
        ({"q": "چرم " * 100}, 400),
        ({"fair": "a\x00b", "category": "1\x007"}, 400),
    ]


@pytest.mark.parametrize("name", list(PATHS))
def test_real_answers_match_the_document(doc, client, listed, name):
    answered = []
    for params, status in queries(listed):
        response = client.get(reverse(name), params)
        assert response.status_code == status, (name, params, response.content)
        assert response["Content-Type"] == "application/json"
        body = response.json()
        validator(doc, PATHS[name], status).validate(body)
        answered.append(body)
    # The queries reached what the document describes: pages, nulls, booths, errors.
    pages = [b for b in answered if "count" in b]
    assert any(b["next"] for b in pages) and any(b["previous"] for b in pages)
    rows = [row for b in pages for row in b["results"]]
    assert any(row["booths"] for row in rows)
    if name == "api_products":
        assert any(row["category"] is None for row in rows)
        assert any(row["exhibitor"]["park"] is None for row in rows)
    else:
        assert any(row["park"] is None for row in rows)
    assert {"category", "fair", "page", "county", "park", "hall", "q"} <= {
        field for b in answered if "error" in b for field in b["error"]
    }


def test_a_signed_in_answer_with_needs_matches_the_document(doc, stranger_client, listed):
    body = stranger_client.get(reverse("api_exhibitors"), {"q": "کارتن"}).json()
    validator(doc, PATHS["api_exhibitors"], 200).validate(body)
    assert body["results"][0]["needs"] == ["کاغذ کرافت"]


def test_errors_are_described_in_english_too(doc, client, listed):
    client.cookies["django_language"] = "en"
    body = client.get(reverse("api_products"), {"category": "04"}).json()
    validator(doc, PATHS["api_products"], 400).validate(body)
    assert body == {"error": {"category": ["No ISIC category has the code 04."]}}


def test_the_document_is_read_only(client):
    assert client.post(reverse("api_schema")).status_code == 405
