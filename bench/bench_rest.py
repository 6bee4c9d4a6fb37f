#!/usr/bin/python3
"""REST throughput with wrk: harper-server against the reference Harper, same machine, same
run, same application (bench/app). For 10,000 and 1,000,000 records: GET /Dog/<random id>,
PUT /Dog/<random id>, and an indexed query GET /Dog/?breed=<one of 50>&limit(10), each with
wrk over keep-alive connections; then GET of a fixed response (harper-server's /health, no
database work) as the ceiling of the HTTP layer on this machine. Prints requests per second
side by side and the ratios (goal: GET >= 10x the reference).

Usage: bench_rest.py [--quick] [--no-reference]   (--quick: 10,000 records only)"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
APP = os.path.join(HERE, "app")
AUTH = "Basic " + base64.b64encode(b"admin:password").decode()
QUICK = "--quick" in sys.argv
SECONDS = 5
THREADS, CONNECTIONS = 2, 8
BREEDS = 50


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post_op(port, body):
    req = urllib.request.Request("http://127.0.0.1:%d/" % port, json.dumps(body).encode(),
                                 {"Content-Type": "application/json", "Authorization": AUTH})
    with urllib.request.urlopen(req, timeout=600) as resp:
        return json.loads(resp.read())


def load(ops_port, start, count):
    for base in range(start, start + count, 1000):
        n = min(1000, start + count - base)
        post_op(ops_port, {"operation": "upsert", "database": "data", "table": "Dog",
                           "records": [{"id": i, "name": "dog %d" % i, "breed": "b%d" % (i % BREEDS),
                                        "age": i % 20} for i in range(base, base + n)]})


LUA = r"""
local n = %d
local kind = "%s"
local auth = "%s"
math.randomseed(os.time())
request = function()
  local id = math.random(0, n - 1)
  if kind == "get" then
    return wrk.format("GET", "/Dog/" .. id, {["Authorization"] = auth})
  elseif kind == "put" then
    return wrk.format("PUT", "/Dog/" .. id, {["Authorization"] = auth,
      ["Content-Type"] = "application/json"},
      '{"name":"dog ' .. id .. '","breed":"b' .. (id %% 50) .. '","age":' .. (id %% 20) .. '}')
  elseif kind == "query" then
    return wrk.format("GET", "/Dog/?breed=b" .. (id %% 50) .. "&limit(10)", {["Authorization"] = auth})
  else
    return wrk.format("GET", "/health")
  end
end
"""


def wrk(port, kind, n):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(LUA % (n, kind, AUTH))
        script = f.name
    try:
        out = subprocess.run(["wrk", "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d%ds" % SECONDS,
                              "-s", script, "http://127.0.0.1:%d" % port],
                             capture_output=True, text=True, timeout=SECONDS * 10).stdout
    finally:
        os.unlink(script)
    rate = re.search(r"Requests/sec:\s+([0-9.]+)", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if rate is None:
        raise RuntimeError("wrk gave no rate:\n" + out)
    if bad:
        print("  (%s: %s non-2xx answers)" % (kind, bad.group(1)))
    return float(rate.group(1))


def measure(ops_port, http_port, sizes):
    results = {}
    loaded = 0
    for n in sizes:
        load(ops_port, loaded, n - loaded)
        loaded = n
        for kind in ("get", "put", "query"):
            results[(kind, n)] = wrk(http_port, kind, n)
    return results


def start_ours():
    root = tempfile.mkdtemp(prefix="harper-bench-")
    ops, http = free_port(), free_port()
    env = dict(os.environ, ROOTPATH=root, HDB_ADMIN_USERNAME="admin",
               HDB_ADMIN_PASSWORD="password", OPERATIONSAPI_NETWORK_PORT=str(ops),
               MQTT_NETWORK_PORT=str(free_port()),
               HTTP_PORT=str(http))
    build = os.environ.get("HARPER_BUILD", os.path.join(TOP, "build"))
    proc = subprocess.Popen([os.path.join(build, "harper-server"), "run", APP], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", http), timeout=0.2):
                return proc, ops, http, root
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("harper-server did not start")


def start_reference():
    tool = os.path.join(TOP, "..", "shared", "tools", "reference-harper")
    if not os.path.exists(tool):
        return None
    if subprocess.run([tool, "start", APP], capture_output=True).returncode != 0:
        return None
    return (int(os.environ.get("REF_OPS_PORT", "19925")),
            int(os.environ.get("REF_HTTP_PORT", "19926")))


def main():
    sizes = [10000] if QUICK else [10000, 1000000]
    proc, ops, http, root = start_ours()
    try:
        ours = measure(ops, http, sizes)
        ceiling = wrk(ops, "health", 1)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)
    theirs = {}
    ref = None if "--no-reference" in sys.argv else start_reference()
    if ref:
        theirs = measure(ref[0], ref[1], sizes)

    print("REST: harper-server vs reference Harper 4.7 (same machine, same run, bench/app)")
    print("machine:  %d cores online" % os.cpu_count())
    print("workload: wrk -t%d -c%d -d%ds, keep-alive, Basic auth; GET/PUT /Dog/<random id>, "
          "GET /Dog/?breed=<one of %d>&limit(10)" % (THREADS, CONNECTIONS, SECONDS, BREEDS))
    print("%-26s %10s %14s %14s %8s" % ("requests/s", "records", "harper-server", "reference",
                                        "ratio"))
    for key in sorted(ours, key=lambda k: (k[1], k[0])):
        mine, other = ours[key], theirs.get(key)
        print("%-26s %10d %14.0f %14s %8s" % (key[0], key[1], mine,
                                               "%.0f" % other if other else "n/a",
                                               "%.1fx" % (mine / other) if other else "n/a"))
    print("%-26s %10s %14.0f   (fixed response: /health on the same HTTP stack)" %
          ("ceiling", "-", ceiling))
    for n in sizes:
        print("GET at %d records: %.0f%% of the ceiling" % (n, 100 * ours[("get", n)] / ceiling))
    if not theirs:
        print("reference: not available (npm install of harperdb failed or --no-reference)")
    print("goal: GET >= 10x the reference")


main()
