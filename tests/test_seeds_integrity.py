"""The documents are the source: they must stay byte-identical to what the quotes are checked against."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from helpers import REPO, SEEDS


def test_documents_match_sha256sums():
    sums = {}
    for line in (SEEDS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split()
        sums[name] = digest
    assert len(sums) == 5
    for name, digest in sums.items():
        actual = hashlib.sha256((SEEDS / name).read_bytes()).hexdigest()
        assert actual == digest, f"{name} was edited: documents are sources, restore it from ../shared/seeds/"


@pytest.mark.parametrize("name", ["documents.tsv", "SHA256SUMS"])
def test_metadata_identical_to_shared(name: str):
    shared = REPO.parent / "shared" / "seeds" / name
    if not shared.exists():
        pytest.skip("../shared/seeds not present")
    assert (SEEDS / name).read_bytes() == Path(shared).read_bytes()


def test_seeds_are_ordered_as_their_dataclasses_order_them(real_seeds):
    """The reader sorts claims, entities and no-claims by a key of their compared fields (fast); the order
    must be the dataclasses' own (``order=True``), whatever order the files gave."""
    import random

    from kg.seeds import _in_order, load_seeds

    seeds = load_seeds(real_seeds)
    for items in (seeds.claims, seeds.entities, seeds.no_claims):
        shuffled = list(items)
        random.Random(7).shuffle(shuffled)
        assert _in_order(shuffled) == tuple(sorted(shuffled)) == items
