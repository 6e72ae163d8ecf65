"""``If-Match`` as RFC 9110 13.1.1 defines it: ``*`` or a list of entity tags, compared strongly.

A client that holds several representations it would accept (say the tag it read and the tag of
its own last write) sends them all; the change goes through when one of them is current.
"""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from leitplanke.api.concurrency import etag_for, not_modified, require_if_match
from leitplanke.api.errors import PreconditionFailed
from leitplanke.api.models import Scope

CURRENT = etag_for(7, 3, b"{}")


def _write(if_match: str):
    return RequestFactory().patch("/", headers={"If-Match": if_match})


@pytest.mark.parametrize(
    "sent",
    [
        "{current}",
        '"7-2-0000000000000000", {current}',
        '{current},"7-2-0000000000000000"',
        ' , {current} ,, "other" ',  # empty list elements and whitespace are allowed
        '"a,b", {current}',  # a comma inside the quotes belongs to the tag
        'W/"other", {current}',
        "*",
    ],
)
def test_a_list_that_names_the_current_tag_or_star_lets_the_change_through(sent) -> None:
    require_if_match(_write(sent.format(current=CURRENT)), CURRENT)


@pytest.mark.parametrize(
    "sent",
    [
        "W/{current}",  # weak tags never match for a write (strong comparison)
        '"other", W/{current}',
        '"a", "b"',
        '{current} "other"',  # two tags without a comma: not a list
        "*, {current}",  # * stands alone
        "{unquoted}",
        '"{unquoted}',
        "",
    ],
)
def test_a_list_without_the_current_tag_or_a_malformed_one_is_refused(sent) -> None:
    request = _write(sent.format(current=CURRENT, unquoted=CURRENT.strip('"')))
    with pytest.raises(PreconditionFailed):
        require_if_match(request, CURRENT)


def test_if_none_match_takes_a_list_with_weak_comparison() -> None:
    request = RequestFactory().get("/", headers={"If-None-Match": f'"old", W/{CURRENT}'})
    assert not_modified(request, CURRENT)
    assert not not_modified(RequestFactory().get("/", headers={"If-None-Match": '"old", "older"'}), CURRENT)


@pytest.mark.django_db
def test_a_patch_with_a_list_of_tags_changes_the_use_case_once(org, api_for, make_usecase) -> None:
    usecase = make_usecase(title="Vorher")
    client = api_for(org.member, scope=Scope.READ_WRITE)
    path = f"/api/v1/usecases/{usecase.pk}"
    read = client.get(path)["ETag"]

    def patch(title: str, if_match: str):
        return client.patch(
            path, data=json.dumps({"title": title}), content_type="application/json", headers={"If-Match": if_match}
        )

    changed = patch("Nachher", f'"{usecase.pk}-0-0000000000000000", {read}')
    again = patch("Noch einmal", f'"{usecase.pk}-0-0000000000000000", {read}')

    assert changed.status_code == 200, changed.content
    assert again.status_code == 412
    assert client.get(path).json()["title"] == "Nachher"
