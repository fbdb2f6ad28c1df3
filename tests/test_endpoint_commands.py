"""`path`, `show`, `neighbors` and `stats` with --endpoint give the embedded graph's answers.

A real guarded Oxigraph server (what ``alskg serve`` runs) on loopback, started once for this file
and always stopped; every answer is compared with the embedded graph's, JSON for JSON and text for
text. Failures: an unreachable endpoint, an endpoint without alskg data, a claim whose content does
not match its IRI, a neighbourhood over the fetch cap, an answer the endpoint cut off silently.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import free_port, invoke
from kg.model import AlskgError
from kg.remote import EndpointLimit, NotAlskgData, RemoteGraph
from kg.server import running_server
from kg.stats import compute_stats

pytestmark = pytest.mark.server



@pytest.fixture(scope="module")
def remote(endpoint) -> RemoteGraph:
    return RemoteGraph(endpoint)


def _both(*args: str, endpoint: str) -> tuple[str, str]:
    here, there = invoke(*args), invoke(*args, "--endpoint", endpoint)
    assert here.returncode == 0, here.stderr
    assert there.returncode == 0, there.stderr
    return here.stdout, there.stdout


def test_path_sod1_microglia_is_the_same_answer(endpoint):
    here, there = _both("path", "SOD1", "microglia", "--json", endpoint=endpoint)
    assert json.loads(there) == json.loads(here)
    answer = json.loads(there)
    assert answer["paths"] and answer["found"] >= len(answer["paths"])
    quotes = [c["quote"] for p in answer["paths"] for h in p["hops"] for lk in h["links"] for c in lk["claims"]]
    assert quotes and all(q.strip() for q in quotes)  # every hop keeps its verbatim quote and document


@pytest.mark.parametrize("args", [
    ("path", "SOD1", "microglia"),
    ("path", "SOD1", "microglia", "--lang", "ja", "--limit", "3"),
    ("path", "ミクログリア", "sod 1", "--max-hops", "3", "--directed"),
    ("show", "SOD1"), ("show", "mouse"), ("show", "als"),
    ("neighbors", "astrocyte"), ("neighbors", "SOD1", "--hops", "2"),
])
def test_text_answers_are_the_same(endpoint, args):
    here, there = _both(*args, endpoint=endpoint)
    assert there == here


def test_stats_text_is_the_same_but_for_the_order_of_documents_which_it_says(endpoint):
    here, there = invoke("stats"), invoke("stats", "--endpoint", endpoint)
    assert there.returncode == 0 and sorted(there.stdout.splitlines()) == sorted(here.stdout.splitlines())
    assert "documents are listed by id" in there.stderr


@pytest.mark.parametrize("options", [
    {"max_hops": 1}, {"max_hops": 2}, {"max_hops": 3}, {"max_hops": 5, "limit": 50},
    {"directed": True}, {"no_hubs": True}, {"observed_only": True}, {"sign": "up"}, {"sign": "down"},
    {"via": "CellType"}, {"avoid": ("als",)}, {"limit": None},
])
def test_path_options_give_the_same_answers(real_kg, remote, options):
    assert remote.paths("SOD1", "microglia", **options).to_dict() == real_kg.paths("SOD1", "microglia", **options).to_dict()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_paths_between_any_two_entities_are_the_same(real_kg, remote, data):
    ids = sorted(real_kg.network.nodes)
    a = data.draw(st.sampled_from(ids))
    b = data.draw(st.sampled_from([x for x in ids if x != a]))
    hops = data.draw(st.integers(1, 4))
    assert remote.paths(a, b, max_hops=hops).to_dict() == real_kg.paths(a, b, max_hops=hops).to_dict()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_show_and_neighbors_of_any_entity_are_the_same(real_kg, remote, data):
    eid = data.draw(st.sampled_from(sorted(real_kg.network.nodes)))
    assert remote.entity(eid).to_dict() == real_kg.entity(eid).to_dict()
    hops = data.draw(st.integers(1, 2))
    assert remote.neighbors(eid, hops).to_dict() == real_kg.neighbors(eid, hops).to_dict()


def test_every_label_and_synonym_resolves_as_embedded(real_kg, remote):
    names = sorted({n for _, d in real_kg.network.nodes(data=True)
                    for n in (d["label_en"], d["label_ja"], *d["labels_ja"], *d["synonyms"], *d["xrefs"]) if n})
    for name in names:
        try:
            expected = real_kg.resolve(name)
        except AlskgError as exc:
            with pytest.raises(AlskgError) as got:
                remote.resolve(name)
            assert str(got.value) == str(exc)
        else:
            assert remote.resolve(name) == expected, name


def test_stats_are_the_same(endpoint, real_seeds):
    from kg.seeds import load_seeds

    here, there = _both("stats", "--json", endpoint=endpoint)
    assert json.loads(there) == json.loads(here) == compute_stats(load_seeds(real_seeds))


def test_loose_names_resolve_as_embedded_with_the_same_note(endpoint):
    here = invoke("path", "microglias", "SOD1", "--json")
    there = invoke("path", "microglias", "SOD1", "--json", "--endpoint", endpoint)
    assert there.returncode == here.returncode == 0
    assert there.stderr == here.stderr and "taken as" in there.stderr
    unknown = invoke("show", "no such thing at all", "--endpoint", endpoint)
    assert unknown.returncode == 1 and "no entity named" in unknown.stderr


def test_past_the_name_bound_exact_names_still_resolve_and_say_so(real_kg, endpoint):
    small = RemoteGraph(endpoint, max_name_rows=10)
    assert small.paths("sod1", "ミクログリア").to_dict() == real_kg.paths("sod1", "microglia").to_dict()
    assert any("matched exactly" in n for n in small.names.notes)
    assert small.resolve("Familial ALS") == real_kg.resolve("Familial ALS")
    with pytest.raises(AlskgError, match="no entity named"):
        small.resolve("microglias")  # a loose name needs the full index


def test_the_fetch_is_bounded(real_kg, endpoint):
    r = invoke("path", "SOD1", "microglia", "--endpoint", endpoint, "--max-fetch", "5")
    assert r.returncode == 1 and "--max-fetch" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(EndpointLimit, match="narrow it"):
        RemoteGraph(endpoint, max_fetch=30).neighbors("als", 2)
    few = RemoteGraph(endpoint)
    few.paths("SOD1", "microglia")
    assert few.queries < 30  # batched VALUES, not one request per entity


def test_no_property_paths_are_sent(endpoint):
    import kg.remote as remote

    sent: list[str] = []
    real = remote.run_remote

    def record(q, *args, **kwargs):  # the real function, observed
        sent.append(q.text)
        return real(q, *args, **kwargs)

    remote.run_remote = record
    try:
        g = RemoteGraph(endpoint)
        g.paths("SOD1", "microglia")
        g.neighbors("astrocyte", 2)
    finally:
        remote.run_remote = real
    assert sent
    for text in sent:
        body = re.sub(r'"[^"]*"|<[^>]*>|COUNT\(\*\)', "", text)  # strings, IRIs and COUNT(*) aside
        assert not re.search(r"[+*/^]|(?<!\|)\|(?!\|)", body), text  # no path operator: + * / ^ |


def test_an_unreachable_endpoint_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}/query"
    for args in (("path", "SOD1", "microglia"), ("show", "SOD1"), ("neighbors", "SOD1"), ("stats",)):
        r = invoke(*args, "--endpoint", url)
        assert r.returncode == 1, args
        assert r.stderr.startswith("error: ") and "cannot reach" in r.stderr and "Traceback" not in r.stderr


def test_credentials_in_an_endpoint_url_are_never_echoed():
    url = f"http://curator:s3cret-pw@127.0.0.1:{free_port()}/query"
    for args in (("path", "SOD1", "microglia"), ("show", "SOD1"), ("stats",), ("query", "documents")):
        r = invoke(*args, "--endpoint", url)
        assert r.returncode == 1 and "cannot reach" in r.stderr, args
        assert "s3cret" not in r.stderr + r.stdout and "curator" not in r.stderr and "http://***@127.0.0.1" in r.stderr


class _Sleepy(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        threading.Event().wait(3)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_endpoint_commands_take_the_time_limit_their_message_names():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sleepy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/query"
        for args in (("path", "SOD1", "microglia"), ("show", "SOD1"), ("neighbors", "SOD1"), ("stats",)):
            r = invoke(*args, "--endpoint", url, "--timeout-s", "0.3")
            assert r.returncode == 1, args
            assert "within the time limit of 0.3 s" in r.stderr and "--timeout-s" in r.stderr, r.stderr
    finally:
        server.shutdown()


def test_kgx_files_cannot_join_an_endpoint(endpoint, tmp_path):
    r = invoke("path", "SOD1", "microglia", "--endpoint", endpoint, "--kgx", str(tmp_path / "x.jsonl"))
    assert r.returncode == 2 and "--endpoint" in r.stderr


def _serve(nq: Path):
    return running_server(nq, port=free_port(), wait_s=30)


def test_an_endpoint_without_alskg_data_is_a_clear_error(tmp_path):
    nq = tmp_path / "other.nq"
    nq.write_text('<http://example.org/a> <http://example.org/p> "not alskg" .\n', encoding="utf-8")
    with _serve(nq) as server:
        for args in (("path", "SOD1", "microglia"), ("show", "SOD1"), ("neighbors", "SOD1"), ("stats",)):
            r = invoke(*args, "--endpoint", server.url)
            assert r.returncode == 1, args
            assert "holds no alskg data" in r.stderr and "Traceback" not in r.stderr
        with pytest.raises(NotAlskgData):
            RemoteGraph(server.url).stats()


def test_a_claim_that_does_not_match_its_iri_is_an_error(real_kg, tmp_path):
    lines = real_kg.nq_path.read_text(encoding="utf-8").splitlines()
    quote = "<https://w3id.org/alskg/schema/quote>"
    changed = False
    out = []
    for line in lines:  # the first claim quote edited in a copy
        if not changed and quote in line and '"' in line:
            line = line.replace('"', '"EDITED ', 1)
            changed = True
        out.append(line)
    nq = tmp_path / "edited.nq"
    nq.write_text("\n".join(out) + "\n", encoding="utf-8")
    edited = next(x for x in out if "EDITED" in x).split()[0].strip("<>").rsplit("/", 1)[1]
    subject = next(x for x in out if x.startswith(f"<https://w3id.org/alskg/claim/{edited}> "
                                                  f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject>"))
    eid = subject.split()[2].strip("<>").rsplit("/", 1)[1]
    with _serve(nq) as server, pytest.raises(AlskgError, match="does not match its content"):
        RemoteGraph(server.url).entity(eid)


class _CuttingProxy(BaseHTTPRequestHandler):
    """A real SPARQL endpoint that behaves as Virtuoso with a low ResultSetMaxRows: it passes each
    query on and silently keeps only the first ``cut`` rows of the answer (HTTP 200, complete JSON)."""

    upstream = ""
    cut = 1000

    def do_POST(self) -> None:  # noqa: N802 (the http.server API)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        req = urllib.request.Request(self.upstream, data=body, method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            payload = json.loads(resp.read())
        if "results" in payload:
            payload["results"]["bindings"] = payload["results"]["bindings"][:self.cut]
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_an_answer_the_endpoint_cut_off_silently_is_an_error(endpoint):
    handler = type("Proxy", (_CuttingProxy,), {"upstream": endpoint})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/query"
        r = invoke("path", "SOD1", "microglia", "--endpoint", url)
        assert r.returncode == 1 and "cut the answer off without saying so" in r.stderr, r.stderr
        assert RemoteGraph(url).stats()["claims"] > 0  # short answers pass through whole
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
