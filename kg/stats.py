"""``alskg stats``: what the graph holds, counted by entity type, predicate and document."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from kg.model import Claim, Seeds

CERTAINTIES = ("observed", "interpretation", "hypothesis", "background")  # als:Certainty, strongest first


def compute_stats(seeds: Seeds) -> dict[str, Any]:
    """Counts of the whole graph and per document (claims grouped once: a scan per document was quadratic)."""
    claims = seeds.claims
    by_doc: dict[str, list[Claim]] = defaultdict(list)
    for c in claims:
        by_doc[c.document].append(c)
    per_doc: dict[str, dict[str, int]] = {}
    for d in seeds.documents:
        mine = by_doc.get(d.id, [])
        per_doc[d.id] = {
            "claims": len(mine),
            "numeric": sum(1 for c in mine if c.qualifiers),
            "negated": sum(1 for c in mine if c.negated),
            "findings": sum(1 for c in mine if c.status == "finding"),
            "background": sum(1 for c in mine if c.status == "background"),
            **{f"certainty_{k}": sum(1 for c in mine if c.certainty == k) for k in CERTAINTIES},
        }
    return {
        "entities": len(seeds.entities),
        "claims": len(claims),
        "numeric_claims": sum(1 for c in claims if c.qualifiers),
        "negated_claims": sum(1 for c in claims if c.negated),
        "entities_by_type": dict(sorted(Counter(e.type for e in seeds.entities).items())),
        "claims_by_predicate": dict(sorted(Counter(c.predicate for c in claims).items())),
        "claims_by_evidence": dict(sorted(Counter(c.evidence for c in claims).items())),
        "claims_by_certainty": {k: sum(1 for c in claims if c.certainty == k) for k in CERTAINTIES},
        "claims_with_context": sum(1 for c in claims if c.context),
        "documents": per_doc,
        "entities_with_xrefs": sum(1 for e in seeds.entities if e.xrefs),
    }


def format_stats(stats: dict[str, Any]) -> str:
    out = [f"entities: {stats['entities']} ({stats['entities_with_xrefs']} with verified ontology ids)",
           f"claims:   {stats['claims']} ({stats['numeric_claims']} numeric, {stats['negated_claims']} negated)",
           "", "claims by document:"]
    out.append(f"  {'document':<24}{'claims':>7}{'numeric':>9}{'negated':>9}{'observed':>10}{'interpr.':>10}"
               f"{'hypoth.':>9}{'backgr.':>9}")
    for doc, s in stats["documents"].items():
        out.append(f"  {doc:<24}{s['claims']:>7}{s['numeric']:>9}{s['negated']:>9}{s['certainty_observed']:>10}"
                   f"{s['certainty_interpretation']:>10}{s['certainty_hypothesis']:>9}{s['certainty_background']:>9}")
    out.append(f"  claims with a context (cell type, anatomy or comparison): {stats['claims_with_context']}")
    for title, key in (("entities by type", "entities_by_type"), ("claims by predicate", "claims_by_predicate"),
                       ("claims by evidence kind", "claims_by_evidence"), ("claims by certainty", "claims_by_certainty")):
        out += ["", f"{title}:"] + [f"  {k:<24}{v:>7}" for k, v in stats[key].items()]
    return "\n".join(out)
