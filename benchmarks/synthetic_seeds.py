"""Synthetic seeds for scale benchmarks, run by hand: the curated seeds replicated ×N under new ids.

    python benchmarks/synthetic_seeds.py --scale 10 --out /tmp/seeds-x10 [--seeds seeds/] [--force]
    alskg validate --seeds /tmp/seeds-x10

Copy ``k`` (0 … N-1) is the whole curated graph once more:

* documents: each of the five documents under the id ``<id>-c<k>`` (file ``<id>-c<k>.ja.txt``), with its
  ``documents.tsv`` row (title marked "synthetic copy k"; DOI and PMID left empty from copy 1 on, so no
  identifier is invented) and its line in ``SHA256SUMS``;
* entities: the *hub* entities — everything in ``entities/core.yaml`` plus every entity that claims of
  two or more documents use (``intractable_neurological_disease``, ``cell_death``, …) — exist once and
  are shared by every copy, so copies are cross-linked through als, motor_neuron, astrocyte, microglia,
  sod1 … as the real documents are. Every other entity is document-specific and exists once per copy:
  copy 0 keeps its id and names (×1 is the curated graph with renamed documents); copy k ≥ 1 renames
  it ``<id>_c<k>``, its English label and synonyms ``<name> [copy k]`` and its Japanese labels
  ``<label>（複製k）`` (no two entities may share a name);
* a Japanese label must occur in a document, so from copy 1 on each copied document ends with one
  appended glossary line (``合成複製k用語：label（複製k）、…``) listing the renamed Japanese labels of the
  entities first defined for that document; the original text before it is byte-identical, so every
  quote stays verbatim;
* claims and ``no_claim`` entries: every one, in ``claims/<id>-c<k>.yaml``, with entity references
  mapped to the copy's ids (claim ids are content hashes that include the document, so copies are
  distinct claims); ``reviewed-predicate-pairs.tsv`` rows are mapped the same way.

The output satisfies every rule ``kg/seeds.py`` enforces (``alskg validate --seeds DIR`` passes; checked
at ×1 and ×10). Sizes: ×N has N×5 documents and ≈ N×500 claims and N×(entities − hubs) + hubs entities.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import shutil
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

REPO = Path(__file__).resolve().parent.parent
DOC_COLUMNS = ["id", "file", "kind", "paper_title", "journal", "published", "doi", "pmid", "institutions"]
ENTITY_REFS = ("subject", "object", "model", "species")
CONTEXT_REFS = ("cell_type", "anatomy")


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as f:
        return yaml.load(f, Loader=_Loader)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100_000,
                     default_flow_style=False)


def _read_documents(seeds: Path) -> list[dict[str, str]]:
    """documents.tsv rows as dicts (the shared file's surplus empty cell tolerated as kg.seeds does)."""
    text = (seeds / "documents.tsv").read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    header = next(reader)
    assert header == DOC_COLUMNS, header
    rows = []
    for row in reader:
        if not row:
            continue
        if len(row) > len(DOC_COLUMNS):
            row = row[: len(DOC_COLUMNS) - 1] + [row[-1]]
        rows.append(dict(zip(DOC_COLUMNS, row, strict=True)))
    return rows


class Template:
    """The curated seeds, read once, with each entity classified as hub (shared) or per copy."""

    def __init__(self, seeds: Path):
        self.seeds = seeds
        self.documents = _read_documents(seeds)
        self.doc_ids = [d["id"] for d in self.documents]
        self.texts = {d["id"]: (seeds / d["file"]).read_bytes() for d in self.documents}
        self.claim_files = {doc: _load(seeds / "claims" / f"{doc}.yaml") for doc in self.doc_ids}
        # entity file stem → its entities, in file order
        self.entity_files = {p.stem: _load(p) or [] for p in sorted((seeds / "entities").glob("*.yaml"))}
        users: dict[str, set[str]] = defaultdict(set)
        for doc, data in self.claim_files.items():
            for c in data.get("claims") or []:
                for key in ENTITY_REFS:
                    if c.get(key):
                        users[c[key]].add(doc)
                for key in CONTEXT_REFS:
                    if (c.get("context") or {}).get(key):
                        users[c["context"][key]].add(doc)
        by_id = {e["id"]: e for ents in self.entity_files.values() for e in ents}
        hubs = {e["id"] for e in self.entity_files.get("core", [])}
        hubs |= {i for i, docs in users.items() if len(docs) > 1 and i in by_id}
        # a hub's variant_of / product_of target is a hub too (the registry edge must resolve in every copy)
        changed = True
        while changed:
            changed = False
            for i in list(hubs):
                for key in ("variant_of", "product_of"):
                    target = by_id[i].get(key)
                    if target and target not in hubs:
                        hubs.add(target)
                        changed = True
        self.hubs = hubs
        self.by_id = by_id
        pairs = (seeds / "reviewed-predicate-pairs.tsv")
        self.pairs_header, *self.pairs = (pairs.read_text(encoding="utf-8").rstrip("\n").split("\n")
                                          if pairs.exists() else [""])

    def rename(self, k: int):
        """The id map of copy k (hubs and copy 0 map to themselves)."""
        if k == 0:
            return lambda i: i
        return lambda i: i if (i in self.hubs or i not in self.by_id) else f"{i}_c{k}"


def doc_id(doc: str, k: int) -> str:
    return f"{doc}-c{k}"


def _entity_copy(e: dict[str, Any], k: int, rename) -> dict[str, Any]:
    out = dict(e)
    out["id"] = rename(e["id"])
    if k:
        out["en"] = f"{e['en']} [copy {k}]"
        if e.get("ja"):
            out["ja"] = [f"{ja}（複製{k}）" for ja in e["ja"]]
        if e.get("synonyms"):
            out["synonyms"] = [f"{s} [copy {k}]" for s in e["synonyms"]]
        out.pop("xrefs", None)  # an id names one real thing: only the original keeps its verified xrefs
    for key in ("variant_of", "product_of"):
        if e.get(key):
            out[key] = rename(e[key])
    return out


def _claim_copy(c: dict[str, Any], rename) -> dict[str, Any]:
    out = dict(c)
    for key in ENTITY_REFS:
        if c.get(key):
            out[key] = rename(c[key])
    if c.get("context"):
        ctx = dict(c["context"])
        for key in CONTEXT_REFS:
            if ctx.get(key):
                ctx[key] = rename(ctx[key])
        out["context"] = ctx
    return out


def write(template: Template, scale: int, out: Path) -> dict[str, int]:
    """Write the seeds of ``scale`` copies into ``out`` (which must not exist); return counts."""
    out.mkdir(parents=True)
    (out / "entities").mkdir()
    (out / "claims").mkdir()
    doc_rows, sums, pair_rows = [], [], []
    hub_entities = [e for ents in template.entity_files.values() for e in ents if e["id"] in template.hubs]
    (out / "entities" / "core.yaml").write_text(
        "# Hub entities, shared by every synthetic copy (benchmarks/synthetic_seeds.py).\n" + _dump(hub_entities),
        encoding="utf-8")
    n_entities, n_claims = len(hub_entities), 0
    width = len(str(scale - 1))
    for k in range(scale):
        rename = template.rename(k)
        glossary: dict[str, list[str]] = {d: [] for d in template.doc_ids}
        for stem, ents in template.entity_files.items():
            own = [_entity_copy(e, k, rename) for e in ents if e["id"] not in template.hubs]
            if not own:
                continue
            # entities/<original file>-c<k>.yaml; a document's file keeps the document's new id as its stem
            name = doc_id(stem, k) if stem in glossary else f"{stem}-c{k}"
            (out / "entities" / f"{name}.yaml").write_text(_dump(own), encoding="utf-8")
            n_entities += len(own)
            if k:
                labels = [ja for e in own for ja in e.get("ja") or []]
                glossary[stem if stem in glossary else template.doc_ids[0]].extend(labels)
        for row in template.documents:
            doc = row["id"]
            new = doc_id(doc, k)
            data = template.texts[doc]
            if k and glossary[doc]:
                data = data.rstrip(b"\n") + f"\n\n合成複製{k}用語：{'、'.join(glossary[doc])}\n".encode()
            fname = f"{new}.ja.txt"
            (out / fname).write_bytes(data)
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {fname}")
            r = dict(row, id=new, file=fname)
            if k:
                r.update(paper_title=f"{row['paper_title']} (synthetic copy {k:0{width}d})", doi="", pmid="")
            doc_rows.append("\t".join(r[c] for c in DOC_COLUMNS))
            src = template.claim_files[doc]
            claims = [_claim_copy(c, rename) for c in src.get("claims") or []]
            body: dict[str, Any] = {"document": new, "claims": claims}
            if src.get("no_claim"):
                body["no_claim"] = src["no_claim"]
            (out / "claims" / f"{new}.yaml").write_text(_dump(body), encoding="utf-8")
            n_claims += len(claims)
        for line in template.pairs:
            cells = line.split("\t")
            pair_rows.append("\t".join([rename(cells[0]), rename(cells[1]), *cells[2:]]))
    (out / "documents.tsv").write_text("\t".join(DOC_COLUMNS) + "\n" + "\n".join(doc_rows) + "\n", encoding="utf-8")
    (out / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    if template.pairs_header:
        (out / "reviewed-predicate-pairs.tsv").write_text(
            template.pairs_header + "\n" + "".join(r + "\n" for r in pair_rows), encoding="utf-8")
    return {"documents": len(doc_rows), "entities": n_entities, "hubs": len(hub_entities), "claims": n_claims}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=int, required=True, help="number of copies (1, 10, 100, 1000)")
    ap.add_argument("--out", type=Path, required=True, help="folder to write (must not exist, or use --force)")
    ap.add_argument("--seeds", type=Path, default=REPO / "seeds", help="the curated seeds to replicate")
    ap.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = ap.parse_args(argv)
    if args.scale < 1:
        ap.error("--scale must be at least 1")
    if args.out.exists():
        if not args.force:
            ap.error(f"{args.out} exists (use --force to replace it)")
        shutil.rmtree(args.out)
    counts = write(Template(args.seeds), args.scale, args.out)
    print(f"×{args.scale}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + f" → {args.out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
