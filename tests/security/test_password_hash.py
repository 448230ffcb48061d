"""Passwords are stored with the production hash (the other tests use a cheap one)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from intake.accounts.models import Role
from intake.accounts.operations import authenticate, create_user, set_password


@pytest.mark.production_hash
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_passwords_are_stored_with_scrypt(session: Session) -> None:
    user = create_user(session, "hash-check", "correct horse", Role.ADMIN)
    session.commit()
    assert user.password_hash.startswith("scrypt:")
    assert "correct horse" not in user.password_hash
    assert authenticate(session, "hash-check", "correct horse") is user
    assert authenticate(session, "hash-check", "wrong horse!") is None
    assert authenticate(session, "nobody", "correct horse") is None
    set_password(user, "another horse")
    assert user.password_hash.startswith("scrypt:")
    assert authenticate(session, "hash-check", "another horse") is user


def test_other_tests_hash_cheaply(session: Session) -> None:
    user = create_user(session, "cheap-check", "correct horse", Role.ADMIN)
    assert user.password_hash.startswith("pbkdf2:sha256:1$")
    assert authenticate(session, "cheap-check", "correct horse") is user
    assert authenticate(session, "cheap-check", "wrong horse!") is None
