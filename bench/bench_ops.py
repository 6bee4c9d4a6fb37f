#!/usr/bin/env python3
"""Operations API throughput: harper-server against the reference Harper, same machine, same
run, same client. Workloads: insert in batches of 1,000 records per request, and
search_by_value on an indexed attribute (about 100 rows per answer), each from 1 and 2 client
threads over keep-alive connections. Prints both figures and the ratio (goal: >= 10x).

Usage: bench_ops.py [--quick] [--no-reference]
The reference is started with ../shared/tools/reference-harper when it is not running."""
import base64
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
AUTH = "Basic " + base64.b64encode(b"admin:password").decode()
BREEDS = ["breed%02d" % i for i in range(50)]
QUICK = "--quick" in sys.argv


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, port):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

    def op(self, body):
        data = json.dumps(body)
        self.conn.request("POST", "/", data, {"Content-Type": "application/json",
                                              "Authorization": AUTH})
        resp = self.conn.getresponse()
        raw = resp.read()
        if resp.status != 200:
            raise RuntimeError("%s -> %d %s" % (body["operation"], resp.status, raw[:200]))
        return raw


def records(start, n):
    return [{"id": i, "name": "dog %d" % i, "breed": BREEDS[i % len(BREEDS)], "age": i % 20,
             "tags": ["a", "b"]} for i in range(start, start + n)]


def timed(port, threads, per_thread, make_body):
    """Runs per_thread requests on each of `threads` connections; returns seconds."""
    clients = [Client(port) for _ in range(threads)]
    errors = []

    def work(k):
        try:
            for i in range(per_thread):
                clients[k].op(make_body(k, i))
        except Exception as e:  # reported below; the figure is void
            errors.append(e)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    start = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start
    if errors:
        raise errors[0]
    return elapsed


def measure(port, db, batches, queries):
    """Returns {(workload, threads): rate} for one server."""
    setup = Client(port)
    results = {}
    for threads in (1, 2):
        table = "dog%d" % threads
        try:
            setup.op({"operation": "drop_table", "database": db, "table": table})
        except RuntimeError:
            pass
        setup.op({"operation": "create_table", "database": db, "table": table,
                  "primary_key": "id"})
        setup.op({"operation": "create_attribute", "database": db, "table": table,
                  "attribute": "breed"})
        per = batches // threads
        secs = timed(port, threads, per, lambda k, i: {
            "operation": "insert", "database": db, "table": table,
            "records": records((k * per + i) * 1000, 1000)})
        results[("insert records/s", threads)] = threads * per * 1000 / secs
        per_q = queries // threads
        secs = timed(port, threads, per_q, lambda k, i: {
            "operation": "search_by_value", "database": db, "table": table,
            "attribute": "breed", "value": BREEDS[(k * 7 + i) % len(BREEDS)],
            "get_attributes": ["id", "name", "age"]})
        results[("search_by_value queries/s", threads)] = threads * per_q / secs
    return results


def start_ours():
    root = tempfile.mkdtemp(prefix="harper-bench-")
    port = free_port()
    env = dict(os.environ, ROOTPATH=root, HDB_ADMIN_USERNAME="admin",
               HDB_ADMIN_PASSWORD="password", OPERATIONSAPI_NETWORK_PORT=str(port),
               MQTT_NETWORK_PORT=str(free_port()),
               HTTP_PORT=str(free_port()))
    build = os.environ.get("HARPER_BUILD", os.path.join(TOP, "build"))
    proc = subprocess.Popen([os.path.join(build, "harper-server"), "run"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port, root
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("harper-server did not start")


def start_reference():
    tool = os.path.join(TOP, "..", "shared", "tools", "reference-harper")
    if not os.path.exists(tool):
        return None
    if subprocess.run([tool, "status"], capture_output=True).returncode != 0:
        if subprocess.run([tool, "start"], capture_output=True).returncode != 0:
            return None
    return int(os.environ.get("REF_OPS_PORT", "19925"))


def main():
    batches, queries = (4, 40) if QUICK else (40, 400)
    proc, port, root = start_ours()
    try:
        ours = measure(port, "bench", batches, queries)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)
    ref = None if "--no-reference" in sys.argv else start_reference()
    theirs = measure(ref, "bench", batches, queries) if ref else {}

    print("Operations API: harper-server vs reference Harper 4.7 (same machine, same run)")
    print("machine:  %d cores online" % os.cpu_count())
    print("workload: insert %d batches of 1,000 records {id,name,breed,age,tags}; "
          "search_by_value breed=<one of 50> (~%d rows) x %d; 1 and 2 client threads, "
          "keep-alive" % (batches, batches * 1000 // 50, queries))
    print("%-28s %7s %14s %14s %8s" % ("operation", "threads", "harper-server", "reference",
                                        "ratio"))
    for key in sorted(ours):
        mine = ours[key]
        other = theirs.get(key)
        print("%-28s %7d %14.0f %14s %8s" % (key[0], key[1], mine,
                                              "%.0f" % other if other else "n/a",
                                              "%.1fx" % (mine / other) if other else "n/a"))
    if not theirs:
        print("reference: not available (npm install of harperdb failed or --no-reference)")
    print("goal: >= 10x the reference")


main()
