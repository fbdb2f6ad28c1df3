"""The shape of the code: no import cycles, the core never imports the pages, the CLI starts light,
generated files stay equal to their sources, and the CLI's ranges are the library's."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

import kg
import viz

PACKAGES = {"kg": Path(kg.__file__).parent, "viz": Path(viz.__file__).parent}


def _modules() -> dict[str, Path]:
    found = {}
    for pkg, root in PACKAGES.items():
        for path in root.glob("*.py"):
            name = pkg if path.stem == "__init__" else f"{pkg}.{path.stem}"
            found[name] = path
    return found


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Every alskg module ``path`` imports, at any depth (``if TYPE_CHECKING:`` blocks excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                out.add(full if full in modules else node.module)
    return {m for m in out if m in modules}


def _import_graph() -> nx.DiGraph:
    modules = _modules()
    G = nx.DiGraph()
    G.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(path, set(modules)):
            if target != name:
                G.add_edge(name, target)
    return G


def test_the_import_graph_has_no_cycle():
    G = _import_graph()
    assert G.number_of_edges() > 20
    cycles = list(nx.simple_cycles(G))
    assert not cycles, f"modules import each other in a circle: {cycles[:5]}"


def test_only_the_command_line_joins_the_library_and_the_pages():
    G = _import_graph()
    offenders = sorted(u for u, v in G.edges if u.startswith("kg") and u != "kg.cli" and v.startswith("viz"))
    assert not offenders, f"core modules importing viz: {offenders}"


def test_alskg_help_loads_neither_rdflib_nor_networkx():
    code = "import sys, kg.cli; print(sorted(m for m in ('rdflib', 'networkx', 'pyoxigraph') if m in sys.modules))"
    r = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_the_closed_vocabulary_is_generated_from_the_ontology():
    from kg.schema import vocabulary_module

    current = (PACKAGES["kg"] / "vocab.py").read_text(encoding="utf-8")
    assert current == vocabulary_module(), "run: python tools/write_vocab.py"


def test_an_unknown_schema_term_raises_instead_of_minting_an_iri():
    import pytest

    from kg.namespaces import ALS

    assert str(ALS.fromValue).endswith("/fromValue")
    with pytest.raises(AttributeError):
        ALS.fromVaule  # noqa: B018 - the typo the closed namespace exists to catch


def test_the_cli_ranges_and_choices_are_the_librarys():
    from kg import analyze, cli, entity, paths, query, serialize
    from viz import views

    assert cli.MAX_HOPS_LIMIT == paths.MAX_HOPS_LIMIT
    assert cli.MAX_NEIGHBOR_HOPS == entity.MAX_NEIGHBOR_HOPS
    assert cli.MAX_FOCUS_HOPS == views.MAX_FOCUS_HOPS
    assert cli.METRICS == analyze.METRICS
    assert tuple(serialize.FORMATS) == cli.EXPORT_FORMATS
    assert cli.QUERY_FORMATS == query.FORMATS
    assert cli.ENGINES == query.ENGINES
