#!/usr/bin/env python3
"""harper-server as a process: first-start install, the envelope and authentication answers of
the Operations API, the command line, one server per root, clean stops, restarts keep data."""
import base64
import json
import os
import subprocess
import threading

from harper_test import ADMIN, Server, expect, run_tests


def cli(srv, *args):
    """Runs harper-server with args on the server's root; returns (exit status, stdout)."""
    proc = subprocess.run([os.path.join(srv.build, "harper-server")] + list(args),
                          env=srv.env, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=60)
    return proc.returncode, proc.stdout.decode()


def test_install_lays_out_the_root(srv):
    for name in ("harperdb-config.yaml", "database", "log/hdb.log", "keys", "hdb.pid",
                 "operations-server"):
        assert os.path.exists(os.path.join(srv.root, name)), name
    with open(os.path.join(srv.root, "hdb.pid")) as f:
        expect(int(f.read()), srv.proc.pid, "hdb.pid")
    with open(os.path.join(srv.root, "log/hdb.log")) as f:
        log = f.read()
    assert "[notify]: HarperDB" in log and "successfully started" in log, log


def test_envelope_errors(srv):
    expect(srv.op("not json"), (400, {"error": "Invalid JSON."}), "unparsable body")
    expect(srv.op({}), (400, {"error": "Invalid JSON."}), "empty object")
    expect(srv.op([1]), (400, {"error": "Invalid JSON."}), "array")
    expect(srv.op({"database": "x"}),
           (400, {"error": "Request body must include an 'operation' property."}), "no op")
    expect(srv.op({"operation": "Describe_All"}),
           (400, {"error": "Operation 'Describe_All' not found"}), "case-sensitive lookup")
    # The body is checked before the credentials.
    expect(srv.op("{", auth=None), (400, {"error": "Invalid JSON."}), "bad body, no auth")
    deep = "[" * 5000 + "]" * 5000
    expect(srv.op('{"operation":"describe_all","x":%s}' % deep)[0], 400, "deep nesting")
    status, body, headers = srv.request("POST", "/", b'{"operation":"describe_all"}')
    expect(status, 200)
    expect(headers["content-type"], "application/json; charset=utf-8")


def test_authentication_answers(srv):
    # A remote-looking request without credentials: the test server is not in dev mode, but
    # the default install profile authorizes loopback requests, so send a bad header instead.
    expect(srv.op({"operation": "describe_all"}, auth=("admin", "wrong")),
           (401, {"error": "Login failed"}))
    expect(srv.op({"operation": "describe_all"}, auth=("nobody", "password")),
           (401, {"error": "Login failed"}))
    status, body, _ = srv.request("POST", "/", {"operation": "describe_all"}, auth=None,
                                  headers={"Authorization": "Basic !!!"})
    expect((status, json.loads(body)), (401, {"error": "Login failed"}), "malformed header")
    expect(srv.op({"operation": "describe_all"})[0], 200, "admin")
    status, body, _ = srv.request("GET", "/health", auth=None)
    expect((status, body), (200, b"HarperDB is running."))
    status, body, _ = srv.request("GET", "/nope", auth=None)
    expect((status, json.loads(body)), (404, {"error": "Not found"}))


def test_must_login_when_local_is_not_trusted(srv):
    srv.stop()
    srv.env["AUTHENTICATION_AUTHORIZELOCAL"] = "false"
    srv.env["HARPER_SET_CONFIG"] = '{"authentication":{"authorizeLocal":false}}'
    srv.start()
    expect(srv.op({"operation": "describe_all"}, auth=None), (401, {"error": "Must login"}))
    expect(srv.op({"operation": "describe_all"})[0], 200, "with credentials")


def test_oversized_body_is_refused(srv):
    srv.stop()
    srv.env["HARPER_SET_CONFIG"] = '{"operationsApi":{"network":{"bodyLimit":10000}}}'
    srv.start()
    big = {"operation": "insert", "table": "dog", "records": [{"id": 1, "x": "y" * 20000}]}
    expect(srv.op(big)[0], 413, "body over the limit")
    expect(srv.op({"operation": "describe_all"})[0], 200, "still serving")


def test_second_server_on_the_root_refuses(srv):
    other = Server(root=srv.root)
    proc = subprocess.run([os.path.join(srv.build, "harper-server"), "run"], env=other.env,
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    expect(proc.returncode, 1, "exit status")
    expect(proc.stderr.decode().strip(),
           "Error: HarperDB is already running (pid: %d)" % srv.proc.pid)


def test_command_line(srv):
    rc, out = cli(srv, "version")
    expect(rc, 0)
    assert out.strip().count(".") == 2, out
    expect(cli(srv, "status"), (0, "harperdb:\n  status: running\n  pid: %d\n" % srv.proc.pid))
    rc, out = cli(srv, "create_database", "database=cli")
    expect((rc, out), (0, "message: database 'cli' successfully created\n"))
    rc, out = cli(srv, "create_table", "database=cli", "table=dog", "primary_key=id")
    expect(rc, 0, out)
    rc, out = cli(srv, "insert", "database=cli", "table=dog", 'records=[{"id":1,"n":"a=b"}]')
    expect(rc, 0, out)
    rc, out = cli(srv, "search_by_id", "database=cli", "table=dog", "ids=[1]",
                  'get_attributes=["id","n"]', "json=true")
    expect((rc, json.loads(out)), (0, [{"id": 1, "n": "a=b"}]))
    rc, out = cli(srv, "describe_table", "database=cli", "table=nope")
    expect(rc, 1, "a failed operation fails the command")
    rc, out = cli(srv, "frobnicate")
    expect(rc, 1)
    for args in (("--help",), ("stop", "--help"), ("describe_all", "-h")):
        rc, out = cli(srv, *args)
        assert rc == 0 and "OPERATION key=value" in out, (args, out)
    expect(srv.proc.poll(), None, "stop --help leaves the server running")
    expect(cli(srv, "stop"), (0, "Stopping HarperDB.\n"))
    expect(srv.proc.wait(timeout=30), 0, "exit status after stop")
    expect(cli(srv, "status"), (0, "harperdb:\n  status: stopped\n"))
    assert not os.path.exists(os.path.join(srv.root, "hdb.pid"))
    rc, out = cli(srv, "describe_all")
    expect(rc, 1, "operations need a running server")


def test_restart_keeps_data_and_users(srv):
    srv.ok({"operation": "create_table", "table": "dog", "primary_key": "id"})
    srv.ok({"operation": "insert", "table": "dog", "records": [{"id": 1, "name": "Harper"}]})
    srv.ok({"operation": "add_user", "username": "u1", "password": "pw1", "role": "super_user",
            "active": True})
    expect(srv.stop(), 0, "SIGTERM exit status")
    srv.start()
    expect(srv.ok({"operation": "search_by_id", "table": "dog", "ids": [1],
                   "get_attributes": ["name"]}), [{"name": "Harper"}])
    expect(srv.op({"operation": "describe_all"}, auth=("u1", "pw1"))[0], 200, "u1 logs in")


def test_parallel_clients_lose_nothing(srv):
    srv.ok({"operation": "create_table", "table": "dog", "primary_key": "id"})
    errors = []

    def client(base):
        for i in range(25):
            status, body = srv.op({"operation": "insert", "table": "dog",
                                   "records": [{"id": base + i * 2 + j, "v": j}
                                               for j in range(2)]})
            if status != 200:
                errors.append((status, body))

    threads = [threading.Thread(target=client, args=(k * 1000,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(errors, [])
    described = srv.ok({"operation": "describe_table", "table": "dog", "exact_count": True})
    expect(described["record_count"], 200)


def test_random_admin_password_is_printed_once_and_not_stored(srv):
    srv.stop()
    fresh = Server(root=srv.root + "-random")
    del fresh.env["HDB_ADMIN_USERNAME"]
    del fresh.env["HDB_ADMIN_PASSWORD"]
    fresh.start()
    fresh.stop()
    with open(fresh.log.name) as f:
        out = f.read()
    line = [l for l in out.splitlines() if "with the password:" in l]
    expect(len(line), 1, out)
    password = line[0].split("with the password: ")[1].strip()
    fresh.start()
    expect(fresh.op({"operation": "describe_all"}, auth=("admin", password))[0], 200)
    fresh.stop()
    with open(fresh.log.name) as f:
        expect(f.read().count("with the password:"), 1, "printed once")
    for folder, _, files in os.walk(fresh.root):
        for name in files:
            with open(os.path.join(folder, name), "rb") as f:
                assert password.encode() not in f.read(), "password in clear in " + name


run_tests(globals())
