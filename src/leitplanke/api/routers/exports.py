"""``/api/v1/exports``: the AI inventory as a file, exactly the download of the library page.

The file comes from ``usecases.transfer.exporting.inventory_download``, the function behind the
page's download buttons: the same columns, the same formats, and the use cases the caller may see.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponseBase
from ninja import Field, Query, Router, Schema

from leitplanke.usecases.transfer import exporting

from .common import caller, problems

router = Router(tags=["exports"])

_COLUMNS = ", ".join(f"`{column}`" for column in exporting.columns())

#: The 200 answer of the inventory in each of its media types (ninja documents only JSON by itself).
INVENTORY_CONTENT: dict[str, Any] = {
    "text/csv": {
        "schema": {"type": "string"},
        "example": "\ufeffid;title;summary;…\r\n",
    },
    exporting.CONTENT_TYPES[exporting.XLSX]: {"schema": {"type": "string", "format": "binary"}},
    "application/json": {
        "schema": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": True},
            "description": "One object per use case; lists stay lists, numbers numbers, missing values null.",
        }
    },
}


class InventoryQuery(Schema):
    """The file format of the inventory."""

    format: Literal["csv", "xlsx", "json"] = Field(
        description="csv (UTF-8 with BOM, `;`-separated, for Excel), xlsx, or json (a list of objects)."
    )


@router.get(
    "/inventory",
    response={200: Any, **problems(401, 422)},
    summary="Download the AI inventory",
    description=(
        "Every use case the caller may see, with what an audit asks, as CSV, XLSX or JSON: the same file as "
        "the library page's download. The columns (the JSON keys) are stable: " + _COLUMNS + "."
    ),
    openapi_extra={
        "responses": {
            200: {
                "description": "The inventory file, sent as an attachment (`Content-Disposition` names it "
                "`ai-inventory-<date>.<format>`).",
                "headers": {
                    "Content-Disposition": {
                        "schema": {"type": "string"},
                        "description": 'attachment; filename="ai-inventory-2026-03-01.csv"',
                    }
                },
                "content": INVENTORY_CONTENT,
            }
        }
    },
)
def inventory_export(request: HttpRequest, query: Query[InventoryQuery]) -> HttpResponseBase:
    """Every use case the caller may see, with what an audit asks, as CSV, XLSX or JSON."""
    return exporting.inventory_download(caller(request), query.format)
