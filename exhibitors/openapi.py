"""The OpenAPI 3.1 description of /api/v1/, written by hand, served at /api/v1/schema/.

Its names are the API's (exhibitors/directory.py builds the JSON, filters.py
reads the parameters). Two tests keep it true: exhibitors/tests/test_openapi.py
validates real answers against it, and exhibitors/tests/test_api_fuzz.py lets
schemathesis send it generated requests. A change to what the API answers
changes this document in the same commit.
"""

from django.http import JsonResponse
from django.views.decorators.http import require_GET

VERSION = "1.0.0"
NO_NUL = "^[^\\u0000]*$"  # a NUL character is refused (400) in every text parameter


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _parameter(name, description, schema):
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


PARAMETERS = {
    "q": _parameter(
        "q",
        "Words, all of which occur in the name, description or category (spelling variants of "
        "Persian and Arabic letters folded, Persian digits read as digits). Results are ranked "
        "by relevance when given, else by name.",
        {"type": "string", "maxLength": 200, "pattern": NO_NUL},
    ),
    "category": _parameter(
        "category",
        "An ISIC Rev. 4 code at any level: a section letter (A–U), or 2, 3 or 4 digits (Persian "
        "digits accepted). Everything below it is included. An unknown code is a 400.",
        {"type": "string", "pattern": NO_NUL},
    ),
    "province": _parameter(
        "province", "A province's id. An unknown id is a 400.", {"type": "integer"}
    ),
    "county": _parameter("county", "A county's id. An unknown id is a 400.", {"type": "integer"}),
    "park": _parameter(
        "park", "An industrial park's id. An unknown id is a 400.", {"type": "integer"}
    ),
    "fair": _parameter(
        "fair",
        "A fair's slug: the units with an approved participation there. A fair not published "
        "(or unknown) is a 400.",
        {"type": "string", "pattern": NO_NUL},
    ),
    "hall": _parameter(
        "hall",
        "A hall's id: the units with an approved participation holding a booth in it.",
        {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
    ),
    "page": _parameter(
        "page",
        "The page, of 20 results. A page past the last (or not a whole number) is a 400.",
        {"type": "integer", "minimum": 1, "default": 1},
    ),
}

SCHEMAS = {
    "Category": {
        "type": "object",
        "description": "An ISIC Rev. 4 category, with its Persian and English names.",
        "properties": {
            "code": {"type": "string", "examples": ["1702"]},
            "name_fa": {"type": "string"},
            "name_en": {"type": "string"},
        },
        "required": ["code", "name_fa", "name_en"],
        "additionalProperties": False,
    },
    "Booth": {
        "type": "object",
        "description": "A booth the unit holds at a fair that is published and not archived.",
        "properties": {
            "fair": {"type": "string", "description": "The fair's slug."},
            "hall": {"type": "string", "description": "The hall's code."},
            "code": {"type": "string", "description": "The booth's code."},
        },
        "required": ["fair", "hall", "code"],
        "additionalProperties": False,
    },
    "NationalId": {
        "type": "string",
        "pattern": "^[0-9]{11}$",
        "description": "The unit's 11-digit national ID (شناسه ملی), ASCII digits.",
    },
    "ProductExhibitor": {
        "type": "object",
        "description": "The unit that makes the product.",
        "properties": {
            "national_id": _ref("NationalId"),
            "name": {"type": "string", "description": "The brand, else the legal name."},
            "province": {"type": "string"},
            "county": {"type": "string"},
            "park": {"type": ["string", "null"]},
            "url": {"type": "string", "format": "uri", "description": "The unit's page."},
        },
        "required": ["national_id", "name", "province", "county", "park", "url"],
        "additionalProperties": False,
    },
    "Product": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "category": {"oneOf": [_ref("Category"), {"type": "null"}]},
            "exhibitor": _ref("ProductExhibitor"),
            "booths": {"type": "array", "items": _ref("Booth")},
        },
        "required": ["id", "name", "description", "category", "exhibitor", "booths"],
        "additionalProperties": False,
    },
    "Exhibitor": {
        "type": "object",
        "properties": {
            "national_id": _ref("NationalId"),
            "name": {"type": "string", "description": "The brand, else the legal name."},
            "province": {"type": "string"},
            "county": {"type": "string"},
            "park": {"type": ["string", "null"]},
            "category": {"oneOf": [_ref("Category"), {"type": "null"}]},
            "url": {"type": "string", "format": "uri", "description": "The unit's page."},
            "products": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The names of what the unit makes.",
            },
            "needs": {
                "type": "array",
                "items": {"type": "string"},
                "description": "The names of what the unit buys: for signed-in users only, "
                "an empty list otherwise.",
            },
            "booths": {"type": "array", "items": _ref("Booth")},
        },
        "required": [
            "national_id",
            "name",
            "province",
            "county",
            "park",
            "category",
            "url",
            "products",
            "needs",
            "booths",
        ],
        "additionalProperties": False,
    },
    "ProductPage": {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "How many match."},
            "next": {"type": ["string", "null"], "format": "uri"},
            "previous": {"type": ["string", "null"], "format": "uri"},
            "results": {"type": "array", "maxItems": 20, "items": _ref("Product")},
        },
        "required": ["count", "next", "previous", "results"],
        "additionalProperties": False,
    },
    "ExhibitorPage": {
        "type": "object",
        "properties": {
            "count": {"type": "integer", "minimum": 0, "description": "How many match."},
            "next": {"type": ["string", "null"], "format": "uri"},
            "previous": {"type": ["string", "null"], "format": "uri"},
            "results": {"type": "array", "maxItems": 20, "items": _ref("Exhibitor")},
        },
        "required": ["count", "next", "previous", "results"],
        "additionalProperties": False,
    },
    "Error": {
        "type": "object",
        "description": "What was wrong, by parameter; the messages are in the portal's "
        "language (Persian unless the django_language cookie says en).",
        "properties": {
            "error": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": {"enum": list(PARAMETERS)},
                "additionalProperties": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"type": "string"},
                },
            }
        },
        "required": ["error"],
        "additionalProperties": False,
    },
}


def _operation(operation_id, summary, page_schema):
    return {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in PARAMETERS],
        "responses": {
            "200": {
                "description": "A page of results, 20 at most.",
                "content": {"application/json": {"schema": _ref(page_schema)}},
            },
            "400": {
                "description": "A bad parameter: an unknown category, place, fair or hall, "
                "a query too long, a page out of range or not a number.",
                "content": {"application/json": {"schema": _ref("Error")}},
            },
        },
    }


def document():
    """The OpenAPI document, a new dict each time."""
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {
            "title": "Hamsaye directory",
            "version": VERSION,
            "summary": "Who makes what, and where they stand: the supplier directory, read-only.",
            "description": "The same directory as the /suppliers/ page, as JSON. Read-only and "
            "unauthenticated; a signed-in session also sees what units need. Text is UTF-8, "
            "Persian as stored.",
        },
        "paths": {
            "/api/v1/products/": {
                "get": _operation("listProducts", "Products, with their unit", "ProductPage")
            },
            "/api/v1/exhibitors/": {
                "get": _operation(
                    "listExhibitors",
                    "Units, found by their own name or by what they make",
                    "ExhibitorPage",
                )
            },
        },
        "components": {"parameters": PARAMETERS, "schemas": SCHEMAS},
    }


@require_GET
def schema(request):
    return JsonResponse(document(), json_dumps_params={"ensure_ascii": False})
