"""Opaque, prefixed primary keys (`org_…`, `social_…`): they say what they name and give
away nothing about how many rows exist."""

import secrets
import string

from django.db import models

_ALPHABET = string.ascii_lowercase + string.digits
_RANDOM_LENGTH = 16  # about 82 bits: collisions are not a practical concern
_NUL = "\x00"
_NEVER_IN_AN_ID = "\ufffd"  # the replacement character: ids are ASCII


_ID_SPACE = len(_ALPHABET) ** _RANDOM_LENGTH


def new_prefixed_id(prefix: str) -> str:
    """One draw from the operating system's randomness, written in base 36: every random part
    is as likely as any other. (A draw per character cost a system call each: a sync writing
    thousands of posts spent a sixth of its time naming them.)"""
    number = secrets.randbelow(_ID_SPACE)
    characters = []
    for _ in range(_RANDOM_LENGTH):
        number, digit = divmod(number, len(_ALPHABET))
        characters.append(_ALPHABET[digit])
    return f"{prefix}_{''.join(characters)}"


class PrefixedIdField(models.CharField):
    """A CharField primary key whose default is a new id with the given prefix."""

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("primary_key", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        return name, path, args, kwargs

    def get_default(self):
        return new_prefixed_id(self.prefix)

    def get_prep_value(self, value):
        """Every lookup by id, through a foreign key too, passes here. PostgreSQL refuses a NUL
        in text outright (a DataError, so a 500 for `/social/accounts/%00`); no id can hold
        one, so the NUL is swapped for another character no id holds, and the lookup finds
        nothing, exactly like any unknown id."""
        value = super().get_prep_value(value)
        if isinstance(value, str) and _NUL in value:
            return value.replace(_NUL, _NEVER_IN_AN_ID)
        return value
