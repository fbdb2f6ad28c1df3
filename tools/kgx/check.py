"""Validate alskg's KGX export with kgx itself, offline, and round-trip it through `kgx transform`.

kgx downloads the Biolink model (and bmt its predicate map) from GitHub when it is imported; this
script points both at the biolink-model package from PyPI instead, which carries the same schema and
prefix map, and adds the prefixes the export ships (prefixes.json) to the validator's prefix set (kgx
accepts only Biolink's own prefixes; alskg's uncurated entities are ALSKG:… CURIEs that the shipped
map expands). Run it with a Python that has `kgx` and `biolink-model` installed (.ci/run makes one):

    python tools/kgx/check.py build/kgx          # prints a JSON report; exit 1 on any problem
"""

from __future__ import annotations

import json
import sys
import tempfile
from importlib import resources
from pathlib import Path


def _offline_kgx() -> None:
    import bmt.toolkit as bt

    schema = str(resources.files("biolink_model").joinpath("schema/biolink_model.yaml"))
    bt.Toolkit.__init__.__defaults__ = (schema, {"predicate mappings": []})  # no download of either
    import kgx.config

    prefix_map = resources.files("biolink_model").joinpath("prefixmaps/biolink-model-prefix-map.json")
    kgx.config.jsonld_context_map["biolink"] = json.loads(prefix_map.read_text())


def main(folder: str) -> int:
    _offline_kgx()
    from kgx.transformer import Transformer
    from kgx.validator import Validator

    d = Path(folder)
    files = [str(d / "alskg_nodes.jsonl"), str(d / "alskg_edges.jsonl")]
    graph = Transformer(stream=False)
    graph.transform({"filename": files, "format": "jsonl"})
    validator = Validator()
    validator.prefixes |= set(json.loads((d / "prefixes.json").read_text()))
    validator.validate(graph.store.graph)
    errors = validator.get_errors()

    out = Path(tempfile.mkdtemp(prefix="alskg-kgx-"))
    Transformer(stream=True).transform({"filename": files, "format": "jsonl"},
                                       {"filename": str(out / "rt"), "format": "jsonl"})
    before = {e["id"]: e for e in map(json.loads, (d / "alskg_edges.jsonl").read_text().splitlines())}
    after = {e["id"]: e for e in map(json.loads, (out / "rt_edges.jsonl").read_text().splitlines())}
    lost = [i for i in before if i not in after]
    def same(x: object, y: object) -> bool:  # kgx stores multivalued slots as sets: compare them as such
        return sorted(map(str, x)) == sorted(map(str, y)) if isinstance(x, list) and isinstance(y, list) else x == y

    changed = [i for i in before if i in after and not all(same(v, after[i].get(k)) for k, v in before[i].items())]
    report = {"validation_errors": errors, "edges_in": len(before), "edges_out": len(after), "lost": lost[:10],
              "changed": changed[:10], "negated_in": sum(bool(e.get("negated")) for e in before.values()),
              "negated_out": sum(bool(e.get("negated")) for e in after.values())}
    print(json.dumps(report, indent=1, default=str))
    return 1 if errors or lost or changed or report["negated_in"] != report["negated_out"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
