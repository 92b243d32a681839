"""TemporaryCredentials, MFA code checks and settings: pure core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ssmgui.core.credentials import (
    IdentitySettings,
    TemporaryCredentials,
    normalise_mfa_code,
    warning_due,
)
from ssmgui.core.errors import ConfigurationError, MfaError

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CREDS = TemporaryCredentials("ASIAEXAMPLE", "s3cr3t-key", "t0ken-value", NOW + timedelta(hours=1))


def test_json_round_trip() -> None:
    assert TemporaryCredentials.from_json(CREDS.to_json()) == CREDS


def test_repr_hides_the_secret_half() -> None:
    text = repr(CREDS)
    assert "ASIAEXAMPLE" in text
    assert "s3cr3t-key" not in text and "t0ken-value" not in text


@pytest.mark.parametrize("text", ["", "{}", '{"v": 1}', "not json", '{"v": 2}'])
def test_garbage_is_rejected_without_echoing_it(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        TemporaryCredentials.from_json(text)
    assert text not in str(caught.value) or text == ""


def test_expiry_math() -> None:
    assert CREDS.is_valid(NOW)
    assert not CREDS.is_valid(NOW, margin=timedelta(hours=1))
    assert CREDS.remaining(NOW + timedelta(hours=2)) == timedelta(hours=-1)


def test_naive_expiry_is_refused() -> None:
    with pytest.raises(ValueError):
        TemporaryCredentials("a", "b", "c", datetime(2026, 1, 1))


@pytest.mark.parametrize(("typed", "code"), [("123456", "123456"), (" 123 456 ", "123456")])
def test_mfa_code_accepts_six_digits(typed: str, code: str) -> None:
    assert normalise_mfa_code(typed) == code


@pytest.mark.parametrize("typed", ["12345", "1234567", "12a456", "", "１２３４５６"])
def test_mfa_code_rejects_anything_else(typed: str) -> None:
    with pytest.raises(MfaError, match="6 digits"):
        normalise_mfa_code(typed)


@pytest.mark.parametrize("seconds", [899, 129_601])
def test_session_duration_bounds(seconds: int) -> None:
    with pytest.raises(ConfigurationError, match="900-129600"):
        IdentitySettings(session_seconds=seconds)
    assert IdentitySettings().session_seconds == 43_200


def test_warning_is_due_inside_the_window() -> None:
    window = timedelta(minutes=10)
    assert not warning_due(NOW + timedelta(minutes=11), NOW, window)
    assert warning_due(NOW + timedelta(minutes=10), NOW, window)
    assert warning_due(NOW - timedelta(minutes=1), NOW, window)
    assert not warning_due(None, NOW, window)
