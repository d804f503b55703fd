"""Prefixed ids: the prefix, then 16 characters of [a-z0-9], every one equally likely."""

import re
from collections import Counter

from vchata_social.ids import new_prefixed_id

SHAPE = re.compile(r"post_[a-z0-9]{16}")


def test_ids_carry_their_prefix_and_sixteen_characters_of_the_alphabet():
    ids = [new_prefixed_id("post") for _ in range(2000)]

    assert all(SHAPE.fullmatch(found) for found in ids)
    assert len(set(ids)) == len(ids)


def test_every_position_draws_from_the_whole_alphabet_evenly():
    ids = [new_prefixed_id("post").removeprefix("post_") for _ in range(3600)]

    for position in range(16):
        counts = Counter(found[position] for found in ids)
        # 36 characters, 100 draws each expected: all seen, none far from its share.
        assert len(counts) == 36
        assert max(counts.values()) < 170 and min(counts.values()) > 45
