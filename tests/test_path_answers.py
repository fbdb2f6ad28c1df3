"""Path answers a researcher can trust: names as typed, negative findings first, hubs named,
certainty per hop, net effect — through the CLI, the Python API and the path page alike."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import invoke
from kg.names import bag_key, loose_key, words
from kg.paths import net_effect
from kg.results import Hop, Link


@pytest.mark.parametrize(("typed", "expected"), [
    ("ALS progression", "als_progression"), ("als-progression", "als_progression"),
    ("progression of ALS", "als_progression"), ("immortalized lymphocyte", "immortalized_lymphocytes"),
    ("immortalised lymphocytes", "immortalized_lymphocytes"), ("FUS mutation", "fus_als_mutation"),
    ("sod-1", "sod1"), ("Wnt/β-catenin", "wnt_beta_catenin_pathway"), ("TNF-α", "tnf_alpha"),
    ("motor neurone", "motor_neuron"), ("ミクログリア", "microglia"), ("ミクログリア　", "microglia"),
    ("ＳＯＤ１", "sod1"),
])
def test_names_as_people_type_them(real_kg, typed, expected):
    assert real_kg.resolve(typed) == expected


def test_a_loose_match_says_which_entity_was_used(real_seeds):
    r = invoke("path", "ALS progression", "glial cell", "--limit", "1", "--seeds", str(real_seeds))
    assert r.returncode == 0, r.stderr
    assert "'ALS progression' taken as ALS disease progression [als_progression]" in r.stderr
    assert "glial cell" in r.stdout


def test_no_clear_best_candidate_is_a_did_you_mean(real_kg):
    from kg.names import UnknownName

    with pytest.raises(UnknownName) as err:
        real_kg.resolve("tumour")  # would be a 3-extra-word subset of 'tumor necrosis factor alpha'
    assert "tumour" in str(err.value)


_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=8)


@given(st.lists(_word, min_size=1, max_size=4), st.sampled_from([" ", "_", "-", "/", "  "]))
@settings(max_examples=150, deadline=None)
def test_separators_and_case_never_change_the_loose_key(parts, sep):
    name = sep.join(parts)
    assert loose_key(name) == loose_key(" ".join(parts)) == loose_key(name.upper())


@given(st.lists(_word, min_size=2, max_size=4, unique=True))
@settings(max_examples=100, deadline=None)
def test_word_order_never_changes_the_bag_key(parts):
    assert bag_key(" ".join(parts)) == bag_key(" ".join(reversed(parts)))


@given(st.text(max_size=40))
@settings(max_examples=200, deadline=None)
def test_any_text_gives_words_or_nothing_never_an_error(text):
    assert all(w for w in words(text))


def test_greek_letters_and_their_names_and_british_spellings_meet():
    assert words("TNF-α") == words("tnf alpha")
    assert words("haematopoietic tumour") == words("hematopoietic tumor")
    assert words("immortalised cells") == words("immortalized cell")


def test_the_negative_finding_comes_first_even_without_a_path(real_seeds):
    r = invoke("path", "TARDBP N345K", "VE-cadherin", "--seeds", str(real_seeds))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("NEGATIVE FINDINGS")
    assert "VE-cadherin（接着結合構成蛋白）の破綻はない" in r.stdout and "No path" in r.stdout
    assert r.stdout.index("NEGATIVE") < r.stdout.index("No path")
    data = json.loads(invoke("path", "TARDBP N345K", "VE-cadherin", "--json", "--seeds", str(real_seeds)).stdout)
    assert data["negative_findings"][0]["negated"] is True and data["negative_findings"][0]["ties"]


def test_msc_to_spinal_cord_starts_with_the_signal_that_was_not_detected(real_kg):
    ans = real_kg.paths("mesenchymal stem cell", "spinal cord")
    assert ans.negative and ans.negative[0].claim.quote == "脊髄ではシグナルは検出されませんでした"
    assert not ans.negative[0].ties  # a direct finding, not through a tie
    assert ans.paths  # the routes through other tissues are still shown, after it


def test_a_hub_only_link_is_called_weak_and_can_be_dropped(real_kg, real_seeds):
    ans = real_kg.paths("riluzole", "glial cell")
    assert [h.id for h in ans.hub_only] == ["als"] and all(p.hubs for p in ans)
    assert len(real_kg.paths("riluzole", "glial cell", no_hubs=True)) == 0
    r = invoke("path", "riluzole", "glial cell", "--seeds", str(real_seeds))
    assert "WEAK LINK" in r.stdout and "amyotrophic lateral sclerosis" in r.stdout
    ja = invoke("path", "リルゾール", "グリア細胞", "--lang", "ja", "--seeds", str(real_seeds))
    assert "WEAK LINK" in ja.stdout and "筋萎縮性側索硬化症" in ja.stdout
    assert not real_kg.paths("SOD1", "microglia").hub_only


def test_every_hop_says_how_sure_it_is_and_observed_only_filters(real_kg):
    ans = real_kg.paths("SOD1", "microglia")
    assert {c for p in ans for c in p.certainties} >= {"registry", "background", "interpretation", "observed"}
    kept = real_kg.paths("SOD1", "microglia", observed_only=True, limit=None)
    assert all(h.certainty in ("observed", "registry") or any(c.certainty == "observed" for c in h.claims)
               for p in kept for h in p.hops)
    assert len(kept) < ans.found


def test_net_effect_multiplies_signs_along_the_arrows():
    from kg.model import Claim

    def hop(u, p, v):
        return Hop(u, v, (Link(u, p, v, "claims", (Claim(u, p, v, "d", "q", "s", "mouse_model", "finding"),)),))

    signs = {"increases": 1, "decreases": -1, "inhibits": -1}
    assert net_effect((hop("a", "increases", "b"), hop("b", "decreases", "c")), signs) == -1
    assert net_effect((hop("a", "inhibits", "b"), hop("b", "decreases", "c")), signs) == 1
    assert net_effect((hop("a", "increases", "b"), hop("b", "part_of", "c")), signs) is None
    reverse = Hop("b", "a", hop("a", "increases", "b").links)
    assert net_effect((reverse,), signs) is None


def test_sign_filter_keeps_paths_with_that_net_effect(real_kg):
    down = real_kg.paths("SOD1 G37R", "survival", sign="down", limit=None)
    assert down and all(p.net_effect == -1 for p in down)
    up = real_kg.paths("SOD1 G37R", "survival", sign="up", limit=None)
    assert all(p.net_effect == 1 for p in up)


def test_the_path_page_shows_the_negative_finding(real_kg):
    from viz import views

    view = views.paths(real_kg.network, "TARDBP N345K", "VE-cadherin")
    assert any(n.startswith("NEGATIVE FINDING") for n in view.notes)
    assert view.negated and "ve_cadherin_disruption" in view.graph
