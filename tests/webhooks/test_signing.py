"""The signature: HMAC-SHA256 over timestamp and body; a receiver refuses changed bodies and old timestamps."""

from __future__ import annotations

import hashlib
import hmac
import time

from leitplanke.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signed_headers, verify_signature

SECRET = "whsec_test-secret"
BODY = b'{"data":{"usecase":{"id":7}},"id":"0b6f","type":"usecase.submitted"}'


def test_the_signature_is_the_hex_hmac_of_timestamp_dot_body() -> None:
    headers = signed_headers(SECRET, "0b6f", BODY, timestamp=1_700_000_000)

    expected = hmac.new(SECRET.encode(), b"1700000000." + BODY, hashlib.sha256).hexdigest()
    assert headers == {
        "Leitplanke-Webhook-Id": "0b6f",
        "Leitplanke-Webhook-Timestamp": "1700000000",
        "Leitplanke-Webhook-Signature": f"v1={expected}",
    }


def test_a_fresh_signature_verifies_with_headers_in_any_case() -> None:
    headers = signed_headers(SECRET, "0b6f", BODY)

    assert verify_signature(SECRET, headers, BODY)
    assert verify_signature(SECRET, {name.lower(): value for name, value in headers.items()}, BODY.decode())


def test_a_changed_body_fails() -> None:
    headers = signed_headers(SECRET, "0b6f", BODY)

    assert not verify_signature(SECRET, headers, BODY.replace(b'"id":7', b'"id":8'))


def test_another_secret_fails() -> None:
    headers = signed_headers(SECRET, "0b6f", BODY)

    assert not verify_signature("whsec_other", headers, BODY)


def test_a_timestamp_older_than_the_tolerance_fails_even_with_a_valid_signature() -> None:
    six_minutes_ago = int(time.time()) - 360
    headers = signed_headers(SECRET, "0b6f", BODY, timestamp=six_minutes_ago)

    assert not verify_signature(SECRET, headers, BODY)
    assert verify_signature(SECRET, headers, BODY, tolerance=600)


def test_a_timestamp_far_ahead_fails() -> None:
    headers = signed_headers(SECRET, "0b6f", BODY, timestamp=int(time.time()) + 3600)

    assert not verify_signature(SECRET, headers, BODY)


def test_a_replayed_timestamp_with_a_new_body_fails() -> None:
    # the signature of one message does not carry over to another body under the same timestamp
    headers = signed_headers(SECRET, "0b6f", BODY)
    other = b'{"type":"policy.published"}'

    assert not verify_signature(SECRET, headers, other)


def test_missing_or_malformed_headers_fail() -> None:
    headers = signed_headers(SECRET, "0b6f", BODY)

    assert not verify_signature(SECRET, {}, BODY)
    assert not verify_signature(SECRET, {**headers, TIMESTAMP_HEADER: "soon"}, BODY)
    assert not verify_signature(SECRET, {**headers, TIMESTAMP_HEADER: "²"}, BODY)
    assert not verify_signature(SECRET, {**headers, SIGNATURE_HEADER: "v1="}, BODY)
    assert not verify_signature(SECRET, {**headers, SIGNATURE_HEADER: headers[SIGNATURE_HEADER][3:]}, BODY)


def test_one_of_several_signatures_may_match() -> None:
    headers = signed_headers(SECRET, "0b6f", BODY)
    both = {**headers, SIGNATURE_HEADER: f"v1={'0' * 64} {headers[SIGNATURE_HEADER]}"}

    assert verify_signature(SECRET, both, BODY)
