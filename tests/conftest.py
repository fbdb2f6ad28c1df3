"""Shared fixtures: the real seeds, and small seeds in the same format that tests may break."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

import kg
from helpers import SEEDS, free_port
from kg.build import Built, build
from kg.server import running_server


@pytest.fixture(scope="session")
def real_seeds() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def real_built() -> Built:
    """The curated seeds built once for the whole session (RDF, union graph, projection)."""
    return build(SEEDS)


@pytest.fixture(scope="session")
def real_kg(tmp_path_factory) -> kg.KG:
    """The curated graph loaded through a private cache, once for the whole session."""
    return kg.load(SEEDS, tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def endpoint(real_kg):
    """The real graph on a real Oxigraph server (guarded, as `alskg serve` runs it), once per module."""
    with running_server(real_kg.nq_path, port=free_port(), wait_s=30) as server:
        yield server.url
    assert server.proc.poll() is not None, "the server must be stopped"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch) -> None:
    """No test writes to the user's own cache: every test sees a session-private $ALSKG_CACHE."""
    monkeypatch.setenv("ALSKG_CACHE", str(_SESSION_CACHE.setdefault("dir", tmp_path_factory.mktemp("user-cache"))))


_SESSION_CACHE: dict[str, Path] = {}


@pytest.fixture()
def seeds_copy(tmp_path: Path) -> Path:
    """A full copy of the real seeds, safe to break."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


MINI_ENTITIES = textwrap.dedent("""\
    - id: sod1
      type: Gene
      en: SOD1
      ja: [SOD1遺伝子]
    - id: sod1_g37r_mini
      type: Variant
      en: SOD1 G37R (mini)
      variant_of: sod1
    - id: astrocyte
      type: CellType
      en: astrocyte
      ja: [アストロサイト]
    - id: microglia
      type: CellType
      en: microglia
      ja: [ミクログリア]
    - id: mouse
      type: Organism
      en: mouse
      ja: [マウス]
    - id: spinal_cord
      type: AnatomicalStructure
      en: spinal cord
      ja: [脊髄]
    """)

MINI_CLAIMS = textwrap.dedent("""\
    document: glia-sod1-2008
    claims:
      - subject: sod1_g37r_mini
        predicate: expressed_in
        object: astrocyte
        quote: アストロサイトに発現している変異SOD1
        summary: Mutant SOD1 is expressed in astrocytes.
        evidence: mouse_model
        status: finding
        certainty: observed
        species: mouse
      - subject: astrocyte
        predicate: regulates
        object: microglia
        quote: アストロサイトは、神経系にある別の種類のグリア細胞であるミクログリアに起因する異常な炎症反応を制御している
        summary: Astrocytes control the abnormal inflammatory response caused by microglia.
        evidence: mouse_model
        status: finding
        certainty: observed
        context:
          anatomy: spinal_cord
      - subject: astrocyte
        predicate: activates
        object: sod1
        quote: ALSの進行と運動ニューロンの細胞死を顕著に遅らせる
        summary: A deliberately negated test claim.
        evidence: mouse_model
        status: finding
        certainty: hypothesis
        negated: true
        qualifiers:
          - measure: test number
            value: 1.5
            unit: day
    """)


@pytest.fixture()
def mini_seeds(tmp_path: Path) -> Path:
    """Five documents, a five-entity registry and three claims (one negated): small and fast."""
    dest = tmp_path / "mini"
    dest.mkdir()
    for name in ["documents.tsv", "SHA256SUMS", *(p.name for p in SEEDS.glob("*.ja.txt"))]:
        shutil.copy(SEEDS / name, dest / name)
    (dest / "entities").mkdir()
    (dest / "entities" / "core.yaml").write_text(MINI_ENTITIES, encoding="utf-8")
    (dest / "claims").mkdir()
    (dest / "claims" / "glia-sod1-2008.yaml").write_text(MINI_CLAIMS, encoding="utf-8")
    return dest


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache root of this test's own (``$ALSKG_CACHE``)."""
    root = tmp_path / "cache"
    monkeypatch.setenv("ALSKG_CACHE", str(root))
    return root


@pytest.fixture
def validated(monkeypatch):
    """The focus subjects of every part rudof validates (the real engine runs; this only watches)."""
    from kg.shapes import Shapes

    seen: list[set[str]] = []
    real = Shapes.violations

    def watch(self, focus, context, types):
        seen.append({s for s, _, _ in focus})
        return real(self, focus, context, types)

    monkeypatch.setattr(Shapes, "violations", watch)
    return seen
