"""Issue 14 (scale), editing one claims file and re-validating: the checks on the graph keep the results
of what an edit did not touch — SHACL by the parts the seeds' items write (``kg.shacl_units``), the
violation queries by relation (``kg.violations``) — and find exactly what a run on the whole graph finds,
cold or warm; a damaged or forged entry is a miss."""

from __future__ import annotations

import dataclasses
import json
import os
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest

import kg.violations
from kg.build import Built, build
from kg.locations import ONTOLOGY_DIR
from kg.model import Claim, Seeds
from kg.query import Engines, run
from kg.rdf import Statement, build_dataset, nquads
from kg.seedcache import FileResult, _claim, _claim_row
from kg.shacl_units import NotInParts, Part, _validate, unit_shacl_problems
from kg.shapes import Shapes, shacl_problems
from kg.validate import violation_problems
from kg.violations import RelationParts, relation_scoped, relation_violations, violation_queries

ALS, ENT = "https://w3id.org/alskg/schema/", "https://w3id.org/alskg/entity/"
SUBJECT, PREDICATE, OBJECT = (f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#{x}>" for x in ("subject", "predicate",
                                                                                          "object"))


@pytest.fixture
def relations_run(monkeypatch):
    """The relations whose parts the violation queries ran on, run by run (watched, not replaced)."""
    seen: list[list] = []
    real = RelationParts.statements

    def watch(self, relations):
        relations = list(relations)
        seen.append(relations)
        return real(self, relations)

    monkeypatch.setattr(RelationParts, "statements", watch)
    return seen


def _with_claims(seeds: Seeds, claims) -> Seeds:
    return dataclasses.replace(seeds, claims=tuple(sorted(claims)))


def _whole_graph_rows(seeds: Seeds, schema) -> list[str]:
    """The violation queries on the whole graph, as before this change (sorted for comparison)."""
    return sorted(p.message for p in violation_problems(nquads(build_dataset(seeds, schema, ONTOLOGY_DIR))))


def _messages(problems) -> list[str]:
    return sorted(p.message for p in problems)


def _contradiction(seeds: Seeds) -> Claim:
    positive = next(c for c in seeds.claims if not c.negated)
    return dataclasses.replace(positive, negated=True, quote=positive.quote)


# ---------------------------------------------------------------- the violation queries, by relation


def test_every_shipped_violation_query_is_scoped_to_one_relation():
    """So ``alskg validate`` never needs the whole graph loaded for them (a new query without the
    header would still run, on the whole graph)."""
    queries = violation_queries()
    assert len(queries) >= 4
    assert all(relation_scoped(q) for q in queries)


def _statement_parts(statements: list[Statement]) -> dict[tuple, list[Statement]]:
    """The statements of a graph grouped by relation by their content alone: a statement between two
    entities is its own relation's; a claim's statements are the relation of its rdf:subject, predicate
    and object; every other statement (documents, entity labels) is in no part."""
    by_node: dict[str, list[Statement]] = defaultdict(list)
    for st in statements:
        by_node[st[0]].append(st)
    parts: dict[tuple, list[Statement]] = defaultdict(list)
    for sts in by_node.values():
        spo = {p: o for _, p, o in sts if p in (SUBJECT, PREDICATE, OBJECT)}
        if len(spo) == 3:
            key = (spo[SUBJECT], spo[PREDICATE], spo[OBJECT])
            parts[key] += sts
            qualifiers = {o for _, p, o in sts if p == f"<{ALS}qualifier>"}
            parts[key] += [st for q in qualifiers for st in by_node.get(q, ())]
    for st in statements:
        if st[0].startswith(f"<{ENT}") and st[2].startswith(f"<{ENT}"):
            parts[st].append(st)
    return parts


def _rows_on(statements: list[Statement], schema: list[Statement], q) -> set[tuple]:
    store = ox.Store()
    text = "".join(f"{s} {p} {o} <urn:g> .\n" for s, p, o in [*schema, *statements])
    store.load(text.encode(), format=ox.RdfFormat.N_QUADS)
    return {tuple(sorted(r.items())) for r in run(q, {}, Engines(Path("-"), _ox=store)).records()}


@pytest.mark.parametrize("fault", ["none", "unsupported edge", "negated edge", "unknown predicate", "contradiction"])
def test_the_rows_on_each_relation_are_the_rows_on_the_whole_graph(real_built, fault):
    """The promise of '# scope: one relation', held on faulty graphs made statement by statement: the
    rows of every query on the parts, relation by relation, are its rows on the whole graph."""
    schema = real_built.schema_statements
    data = list(real_built.data_statements)
    claims = real_built.seeds.claims
    negated = next(c for c in claims if c.negated)
    asserted = next(c for c in claims if not c.negated)
    node = f"<https://w3id.org/alskg/claim/{asserted.id}>"
    if fault == "unsupported edge":
        data.append((f"<{ENT}astrocyte>", f"<{ALS}activates>", f"<{ENT}sod1>"))
    elif fault == "negated edge":
        data.append((f"<{ENT}{negated.subject}>", f"<{ALS}{negated.predicate}>", f"<{ENT}{negated.object}>"))
    elif fault == "unknown predicate":
        data = [(s, p, f"<{ALS}regulatez>" if (s == node and p == PREDICATE) else o) for s, p, o in data]
    elif fault == "contradiction":
        data += [(st[0].replace(asserted.id, "f" * 16), st[1], st[2]) for st in data if st[0] == node]
        data = [(s, p, '"true"^^<http://www.w3.org/2001/XMLSchema#boolean>'
                 if (s.endswith("f" * 16 + ">") and p == f"<{ALS}negated>") else o) for s, p, o in data]
    parts = _statement_parts(data)
    found_any = False
    for q in violation_queries():
        whole = _rows_on(data, schema, q)
        by_part: set[tuple] = set()
        for sts in parts.values():
            by_part |= _rows_on(sts, schema, q)
        assert by_part == whole, q.name
        found_any |= bool(whole)
    assert found_any == (fault != "none")


def test_violations_cold_warm_and_on_the_whole_graph_agree(real_built, cache, relations_run):
    seeds, schema = real_built.seeds, real_built.schema
    statements = real_built.schema_statements
    assert relation_violations(seeds, statements) == []  # fills the cache
    bad = _with_claims(seeds, [*seeds.claims, _contradiction(seeds)])
    relations_run.clear()
    warm = relation_violations(bad, statements)
    cold = relation_violations(bad, statements, cache=False)
    assert warm == cold and _messages(warm) == _whole_graph_rows(bad, schema)
    assert any("violation-contradiction" in p.file for p in warm)
    # only the relations of the document that changed were run again
    touched = relations_run[0]
    document = _contradiction(seeds).document
    assert set(touched) == {(c.subject, c.predicate, c.object) for c in bad.claims if c.document == document}
    assert relation_violations(bad, statements) == warm  # nothing changed: the entry answers
    relations_run.clear()
    assert relation_violations(seeds, statements) == []  # the edit undone
    assert relations_run and len(relations_run[0]) < len(RelationParts(seeds).relations())


def test_a_damaged_or_forged_violations_entry_is_a_miss(real_built, cache, relations_run):
    seeds, statements = real_built.seeds, real_built.schema_statements
    bad = _with_claims(seeds, [*seeds.claims, _contradiction(seeds)])
    want = relation_violations(bad, statements)
    assert want
    for entry in (cache / "violations").glob("violations-*.json"):
        seal, _, body = entry.read_bytes().partition(b"\n")
        doc = json.loads(body)
        doc["rows"] = {name: [] for name in doc["rows"]}  # a forged "no problems"
        entry.write_bytes(seal + b"\n" + json.dumps(doc).encode())
        os.utime(entry)
    relations_run.clear()
    assert relation_violations(bad, statements) == want
    assert len(relations_run[0]) == len(RelationParts(bad).relations())  # every relation again


def test_a_query_that_hits_its_limit_is_answered_from_the_whole_graph(real_built, cache, monkeypatch):
    """At LIMIT rows some may be missing: the query's own first rows are reported, the same warm or cold."""
    seeds, statements = real_built.seeds, real_built.schema_statements
    monkeypatch.setattr(kg.violations, "_limit", lambda q: 1)
    negated = [c for c in seeds.claims if c.negated][:2]
    flipped = [dataclasses.replace(c, negated=False) for c in negated]
    bad = _with_claims(seeds, [*seeds.claims, *flipped])
    cold = relation_violations(bad, statements, cache=False)
    whole = violation_problems(nquads(build_dataset(bad, real_built.schema, ONTOLOGY_DIR)))
    contradictions = [p for p in cold if "contradiction" in p.file]
    assert len(contradictions) >= 2 and contradictions == [p for p in whole if "contradiction" in p.file]
    assert relation_violations(bad, statements) == cold == relation_violations(bad, statements)


def test_a_query_breaking_its_scope_is_an_error_not_a_wrong_answer(real_built, cache, monkeypatch):
    seeds, statements = real_built.seeds, real_built.schema_statements
    real = kg.violations._row_relation
    monkeypatch.setattr(kg.violations, "_row_relation", lambda row: ("x", "y", "z") if real(row) else None)
    bad = _with_claims(seeds, [*seeds.claims, _contradiction(seeds)])
    with pytest.raises(kg.violations.ScopeBroken, match="scope: one relation"):
        relation_violations(bad, statements, cache=False)


# ---------------------------------------------------------------- SHACL by the parts of the seeds


def _summary_fault(seeds: Seeds, index: int = 3) -> Seeds:
    target = seeds.claims[index]
    return _with_claims(seeds, [dataclasses.replace(c, summary="ab") if c is target else c for c in seeds.claims])


def test_shacl_by_parts_equals_shacl_on_every_statement(real_built, cache, validated):
    for seeds in (real_built.seeds, _summary_fault(real_built.seeds), _summary_fault(real_built.seeds, 40)):
        built = Built(seeds, real_built.schema)
        want = shacl_problems(seeds, [*built.schema_statements, *built.data_statements], cache=False)
        validated.clear()
        cold = unit_shacl_problems(seeds, built.schema_statements, lambda b=built: b.data_statements, cache=False)
        assert cold == want
        assert unit_shacl_problems(seeds, built.schema_statements, lambda b=built: b.data_statements) == want
        assert unit_shacl_problems(seeds, built.schema_statements, lambda b=built: b.data_statements) == want
    assert len(want) == 1 and "summary" in want[0].message


def test_an_edit_validates_the_edited_document_again_and_nothing_else(real_built, cache, validated):
    seeds, statements = real_built.seeds, real_built.schema_statements
    assert unit_shacl_problems(seeds, statements, lambda: real_built.data_statements) == []
    bad = _summary_fault(seeds)
    target = seeds.claims[3]
    validated.clear()
    found = unit_shacl_problems(bad, statements, lambda: pytest.fail("no statement-level fallback"))
    assert len(validated) == 1
    own = {f"<https://w3id.org/alskg/claim/{c.id}>" for c in bad.claims if c.document == target.document}
    assert own <= validated[0] and all("/claim/" in n or "/document/" in n for n in validated[0])
    assert [p.line for p in found] == [target.where.line]
    validated.clear()
    assert unit_shacl_problems(seeds, statements, lambda: pytest.fail("no fallback")) == []  # undone
    assert len(validated) == 1


def test_retyping_an_entity_validates_the_documents_that_name_it(real_built, cache, validated):
    seeds, statements = real_built.seeds, real_built.schema_statements
    unit_shacl_problems(seeds, statements, lambda: real_built.data_statements)
    claim = seeds.claims[0]
    retyped = dataclasses.replace(seeds, entities=tuple(dataclasses.replace(e, type="Document")
                                                        if e.id == claim.subject else e for e in seeds.entities))
    validated.clear()
    found = unit_shacl_problems(retyped, statements, lambda: pytest.fail("no fallback"))
    built = Built(retyped, real_built.schema)
    assert found == shacl_problems(retyped, [*built.schema_statements, *built.data_statements], cache=False)
    assert any(f"<https://w3id.org/alskg/claim/{claim.id}>" in part for part in validated)
    assert any(claim.id in p.message for p in found)


def test_a_changed_class_hierarchy_validates_every_part_again(real_built, cache, validated):
    """The schema's ``rdfs:subClassOf`` statements are in every part's context: a change there is a miss
    for all of them, not only for the parts that point at the class."""
    seeds, statements = real_built.seeds, real_built.schema_statements
    assert unit_shacl_problems(seeds, statements, lambda: real_built.data_statements) == []
    subclass = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    cut = [st for st in statements if not (st[1] == subclass and st[2] == f"<{ALS}Entity>")]
    assert len(cut) < len(statements)
    validated.clear()
    found = unit_shacl_problems(seeds, cut, lambda: real_built.data_statements)
    assert found and found == shacl_problems(seeds, [*cut, *real_built.data_statements], cache=False)
    assert sum(len(part) for part in validated) > len(seeds.claims)


def test_a_damaged_or_forged_shacl_entry_is_a_miss(real_built, cache, validated):
    seeds, statements = real_built.seeds, real_built.schema_statements
    bad = _summary_fault(seeds)
    want = unit_shacl_problems(bad, statements, lambda: real_built.data_statements)
    assert want
    for entry in (cache / "shapes").glob("units-*.json"):
        seal, _, body = entry.read_bytes().partition(b"\n")
        doc = json.loads(body)
        for record in doc.values():
            record[3] = []  # a forged "no violations"
        entry.write_bytes(seal + b"\n" + json.dumps(doc).encode())
        os.utime(entry)
    validated.clear()
    assert unit_shacl_problems(bad, statements, lambda: real_built.data_statements) == want
    assert validated  # validated again, not believed


def test_a_part_writing_about_another_parts_node_is_refused():
    """What validating by parts rests on, checked on what each part writes: a statement a shape reads,
    about a node another part types, makes the graph validated statement by statement instead."""
    entity = f"<{ENT}x>"
    typed = (entity, "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>", f"<{ALS}Gene>")
    label = (entity, "<http://www.w3.org/2000/01/rdf-schema#label>", '"x"@en')
    parts = {"entities:1": Part("entities:1", "a", lambda: [typed]),
             "document:d": Part("document:d", "b", lambda: [label]), "schema": Part("schema", "c", lambda: [])}
    with pytest.raises(NotInParts):
        _validate(parts, {}, Shapes())
    parts["document:d"] = Part("document:d", "b", lambda: [typed])
    with pytest.raises(NotInParts, match="typed by"):
        _validate(parts, {}, Shapes())


def test_a_claims_text_changes_with_every_field_of_a_claim(real_built):
    """The digest of a document's claims (``kg.unitdigest.claim_text``) must change whatever field of
    a claim changes; a field added to ``Claim`` and left out of the text fails here."""
    from kg.model import Context, Location, Qualifier
    from kg.unitdigest import claim_text

    claim = next(c for c in real_built.seeds.claims if c.qualifiers and c.context)
    other = {str: "x-changed", bool: not claim.negated, tuple: (Qualifier("changed", 1.0),),
             Context: Context(comparison="changed"), Location: Location("claims/other.yaml", 99)}
    for f in dataclasses.fields(Claim):
        value = getattr(claim, f.name)
        new = other.get(type(value), "x-changed")
        assert claim_text(dataclasses.replace(claim, **{f.name: new})) != claim_text(claim), f.name


# ---------------------------------------------------------------- the seeds' per-file entries


def _same_instance(decoded, original) -> None:
    """Equal in every field (the place too), with the fields set in the order ``__init__`` sets them."""
    names = [f.name for f in dataclasses.fields(original)]
    assert decoded == original and type(decoded) is type(original)
    assert [getattr(decoded, n) for n in names] == [getattr(original, n) for n in names]
    assert list(decoded.__dict__)[:len(names)] == names


def test_items_decoded_from_an_entry_are_the_items(real_built):
    """The seeds' entries are decoded without the dataclasses' ``__init__`` (``kg.seedcache._restored``):
    a field added, renamed or reordered in ``kg.model`` fails here, not silently in the cache."""
    seeds = real_built.seeds
    result = FileResult(list(seeds.entities), list(seeds.claims), list(seeds.no_claims))
    decoded = FileResult.decode(result.encode())
    for items, originals in ((decoded.entities, seeds.entities), (decoded.claims, seeds.claims),
                             (decoded.no_claims, seeds.no_claims)):
        assert len(items) == len(originals) > 0
        for d, c in zip(items, originals, strict=True):
            _same_instance(d, c)
            _same_instance(d.where, c.where)
    for d, c in zip(decoded.claims, seeds.claims, strict=True):
        assert d.id == c.id and d.context == c.context and d.qualifiers == c.qualifiers
        assert _claim(_claim_row(c)).__dict__ == {**c.__dict__, "id": c.id}


# ---------------------------------------------------------------- the command


def test_validate_after_an_edit_reports_a_graph_fault_warm_as_cold(mini_seeds, cache, tmp_path):
    """The CLI loop on a fault only the graph checks see (the seeds reader lets a summary of two
    letters through; SHACL's minimum length does not): ok, broken, the same report warm and cold, ok."""
    from helpers import invoke

    args = ("validate", "--seeds", str(mini_seeds))
    assert invoke(*args).returncode == 0
    claims = mini_seeds / "claims" / "glia-sod1-2008.yaml"
    original = claims.read_text(encoding="utf-8")
    claims.write_text(original.replace("summary: Mutant SOD1 is expressed in astrocytes.", "summary: ab"),
                      encoding="utf-8")
    warm = invoke(*args)
    cold = invoke(*args, env={"ALSKG_CACHE": str(tmp_path / "other-cache")})
    assert warm.returncode == 1 and "summary" in warm.stderr
    assert (cold.returncode, cold.stdout, cold.stderr) == (warm.returncode, warm.stdout, warm.stderr)
    claims.write_text(original, encoding="utf-8")
    assert invoke(*args).returncode == 0
    assert list((cache / "violations").glob("violations-*.json")) and list((cache / "shapes").glob("units-*.json"))


def test_entries_do_not_depend_on_the_hash_seed(mini_seeds, cache):
    from helpers import run_alskg

    def entries():
        return sorted((p.name, p.read_bytes()) for folder in ("shapes", "violations")
                      for p in (cache / folder).glob("*-*.json"))

    assert run_alskg("validate", "--seeds", str(mini_seeds), env={"PYTHONHASHSEED": "1"}).returncode == 0
    first = entries()
    assert first
    assert run_alskg("validate", "--seeds", str(mini_seeds), env={"PYTHONHASHSEED": "2"}).returncode == 0
    assert entries() == first


def test_build_validates_as_before(mini_seeds, cache):
    built = build(mini_seeds, validate=True)
    assert built.summary().startswith("ok:")
