"""A real SPARQL server on loopback (Oxigraph), started by the test, bounded in time, always stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request

import pytest
from click.testing import CliRunner

from helpers import ALSKG, free_port, invoke
from kg.cli import cli
from kg.model import AlskgError
from kg.query import QueryError, bind_params, load_query, run, run_remote, shipped_queries
from kg.server import running_server

pytestmark = pytest.mark.server



def test_every_shipped_query_gives_the_same_answer_over_http(real_kg, endpoint):
    for q in shipped_queries():
        if any(p.description.startswith("required") for p in q.params):
            continue
        local, remote = run(q, {}, real_kg.engines), run_remote(q, {}, endpoint)
        assert local.columns == remote.columns
        assert sorted(local.rows, key=repr) == sorted(remote.rows, key=repr), q.name


def test_parameters_reach_the_endpoint_as_values(real_kg, endpoint):
    q = load_query("claims-by-document")
    b = bind_params(q, {"document": "glia-sod1-2008"}, real_kg)
    assert sorted(run(q, b, real_kg.engines).rows, key=repr) == sorted(run_remote(q, b, endpoint).rows, key=repr)


def test_endpoint_syntax_errors_and_unreachable_endpoints(endpoint):
    from kg.query import QueryDef

    with pytest.raises(AlskgError, match="line"):
        run_remote(QueryDef("bad", "SELECT ?x WHERE {\n ?x a \n}"), {}, endpoint)
    with pytest.raises(QueryError, match="cannot reach"):
        run_remote(load_query("documents"), {}, f"http://127.0.0.1:{free_port()}/query", timeout=5)


def test_cli_query_endpoint(endpoint, real_seeds, tmp_path):
    r = invoke("query", "documents", "--endpoint", endpoint, "--format", "csv")
    assert r.returncode == 0, r.stderr
    assert "glia-sod1-2008" in r.stdout


def _listening(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as s:
        s.settimeout(1)
        return s.connect_ex((host, port)) == 0


def _start_serve(real_seeds, tmp_path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "ALSKG_CACHE": str(tmp_path / "cache")}
    return subprocess.Popen([*ALSKG, "serve", "--seeds", str(real_seeds), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)


def _wait_answering(proc: subprocess.Popen, authority: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            url = f"http://{authority}/query?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D"
            req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req, timeout=2) as resp:
                assert b"true" in resp.read()
                return
        except OSError:
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.2)
    pytest.fail("alskg serve did not answer within 60 s")


def _stop(proc: subprocess.Popen, sig: int) -> None:
    proc.send_signal(sig)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        pytest.fail(f"alskg serve ignored signal {sig}")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_cli_serve_answers_and_a_signal_stops_it_and_its_server(real_seeds, tmp_path, sig):
    port = free_port()
    proc = _start_serve(real_seeds, tmp_path, "--port", str(port))
    try:
        _wait_answering(proc, f"127.0.0.1:{port}")
    finally:
        _stop(proc, sig)
    assert proc.returncode == 0
    assert "Traceback" not in proc.stderr.read()
    assert not _listening("127.0.0.1", port), "the Oxigraph child still serves the port"


def test_cli_serve_on_ipv6_loopback(real_seeds, tmp_path):
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
            port = s.getsockname()[1]
    except OSError:
        pytest.skip("this machine has no IPv6 loopback")
    proc = _start_serve(real_seeds, tmp_path, "--host", "::1", "--port", str(port))
    try:
        _wait_answering(proc, f"[::1]:{port}")
    finally:
        _stop(proc, signal.SIGTERM)
    assert not _listening("::1", port)


def test_cli_serve_on_a_busy_port_names_it_and_never_says_serving(real_seeds, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = _start_serve(real_seeds, tmp_path, "--port", str(port))
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1
    assert f"port {port}" in err and "already in use" in err
    assert "serving" not in err + out and "Traceback" not in err


def test_cli_serve_refuses_a_timeout_below_one_second(real_seeds):
    r = CliRunner().invoke(cli, ["serve", "--timeout-s", "0", "--seeds", str(real_seeds)])
    assert r.exit_code == 2 and "timeout-s" in r.output


def test_serve_on_a_busy_port_fails_cleanly(real_kg):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(AlskgError, match=f"port {port} .*already in use"), \
                running_server(real_kg.nq_path, port=port, wait_s=20):
            pass
