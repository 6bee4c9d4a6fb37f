#!/usr/bin/env python3
"""System, configuration and log operations (spec/operations-api.md 14): system_information's
sections and filter, get/set_configuration, read_log over hdb.log, the transaction and audit
log views, and delete_audit_logs_before. Bodies and statuses as Harper 4.7 gives them."""
import os
import re
import socket
import time

from harper_test import expect, run_tests

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ALL_SECTIONS = ["system", "time", "cpu", "memory", "disk", "network", "harperdb_processes",
                "table_size", "metrics", "threads"]


def err(srv, body, status, message):
    expect(srv.op(body), (status, {"error": message}), repr(body))


def test_system_information(srv):
    srv.ok({"operation": "create_table", "database": "dev", "table": "dog", "primary_key": "id"})
    srv.ok({"operation": "insert", "database": "dev", "table": "dog",
            "records": [{"id": 1}, {"id": 2}]})
    info = srv.ok({"operation": "system_information"})
    expect(list(info.keys()), ALL_SECTIONS, "sections, in Harper's order")

    system = info["system"]
    expect((system["platform"], system["hostname"]), ("linux", socket.gethostname()), "system")
    expect(system["kernel"], os.uname().release, "kernel")
    assert system["arch"] in ("x64", "arm64", os.uname().machine), system

    now = time.time() * 1000
    assert abs(info["time"]["current"] - now) < 60000, info["time"]
    assert info["time"]["uptime"] > 0 and info["time"]["timezone"].startswith("UTC"), info["time"]
    assert isinstance(info["time"]["timezoneName"], str), info["time"]

    cpu = info["cpu"]
    expect(cpu["cores"], os.cpu_count(), "logical cores")
    expect(len(cpu["current_load"]["cpus"]), os.cpu_count(), "a load per core")
    assert 0 <= cpu["current_load"]["currentLoad"] <= 100, cpu["current_load"]

    memory = info["memory"]
    for key in ("total", "free", "used", "active", "available", "swaptotal", "swapused",
                "swapfree", "rss", "heapTotal", "heapUsed", "external", "arrayBuffers"):
        assert isinstance(memory[key], int) and memory[key] >= 0, (key, memory)
    assert 0 < memory["free"] <= memory["total"] and memory["rss"] > 0, memory
    expect(memory["used"], memory["total"] - memory["free"], "used = total - free")

    expect(info["disk"], {}, "disk off by default")
    expect(info["network"], {"default_interface": None, "latency": {}, "interfaces": [],
                             "stats": [], "connections": []}, "network off by default")
    with open(os.path.join(srv.root, "hdb.pid")) as f:
        pid = int(f.read())
    expect([p["pid"] for p in info["harperdb_processes"]["core"]], [pid], "our process")
    expect(info["harperdb_processes"]["clustering"], [], "no clustering processes")
    assert isinstance(info["threads"], list), info["threads"]

    # Harper 4.7 answers [] here (its describe runs without a user); we fill what the spec
    # documents.
    expect([t for t in info["table_size"] if t["schema"] == "dev"],
           [{"schema": "dev", "table": "dog", "table_size": info["table_size"][0]["table_size"],
             "record_count": 2, "transaction_log_size": 0,
             "transaction_log_record_count": 0}], "table_size")
    expect(info["metrics"]["dev"]["tables"]["dog"]["entryCount"], 2, "metrics")
    assert "system" not in info["metrics"], list(info["metrics"].keys())


def test_system_information_filter(srv):
    # The sections Harper declares come first, in its order; the rest as asked.
    info = srv.ok({"operation": "system_information",
                   "attributes": ["threads", "time", "metrics", "bogus", "memory"]})
    expect(list(info.keys()), ["time", "memory", "threads", "metrics"], "filtered")
    info = srv.ok({"operation": "system_information", "attributes": ["database_metrics"]})
    expect(list(info.keys()), ["metrics"], "database_metrics is metrics")
    info = srv.ok({"operation": "system_information", "attributes": ["replication"]})
    expect(info, {}, "no replication section without replication")
    for attributes in ([], "time", None):
        info = srv.ok({"operation": "system_information", "attributes": attributes})
        expect(list(info.keys()), ALL_SECTIONS, "everything for %r" % (attributes,))


def test_configuration(srv):
    config = srv.ok({"operation": "get_configuration"})
    expect(config["operationsApi"]["network"]["port"], srv.ops_port, "ops port")
    expect(config["rootPath"], srv.root, "rootPath")
    expect(config["logging"]["root"], os.path.join(srv.root, "log"), "log folder")

    done = {"message": "Configuration successfully set. You must restart HarperDB for new "
                       "config settings to take effect."}
    expect(srv.op({"operation": "set_configuration", "logging_level": "debug"}), (200, done),
           "set")
    expect(srv.op({"operation": "set_configuration", "no_such_key": 1}), (200, done),
           "unknown keys are ignored")
    err(srv, {"operation": "set_configuration", "http_cors": "x"}, 400,
        "HarperDB config file validation error: 'http.cors' must be a boolean")
    config = srv.ok({"operation": "get_configuration"})
    expect(config["logging"]["level"], "debug", "the new level is in the configuration")
    assert "no_such_key" not in config, config


def append_log(srv, text):
    with open(os.path.join(srv.root, "log", "hdb.log"), "a") as f:
        f.write(text)


def test_read_log(srv):
    append_log(srv,
               "2031-01-01T00:00:01.000Z [main/0] [notify]: zz-marker started\n"
               "2031-01-01T00:00:02.000Z [http/1] [error] [auth-event]: zz-marker failed\n"
               "    at f (a.js:1:2)\n"
               "2031-01-01T00:00:03.000Z [http/2] [warn]: zz-marker careful\n")
    started = {"timestamp": "2031-01-01T00:00:01.000Z", "thread": "main/0", "level": "notify",
               "tags": [], "message": "zz-marker started"}
    failed = {"timestamp": "2031-01-01T00:00:02.000Z", "thread": "http/1", "level": "error",
              "tags": ["auth-event"], "message": "zz-marker failed\n    at f (a.js:1:2)"}
    careful = {"timestamp": "2031-01-01T00:00:03.000Z", "thread": "http/2", "level": "warn",
               "tags": [], "message": "zz-marker careful"}
    status, entries = srv.op({"operation": "read_log", "filter": "zz-marker"})
    expect(status, 200)
    expect(list(entries[0].keys()), ["timestamp", "thread", "level", "tags", "message"], "keys")
    # Lines written after ours (by the server itself) may follow.
    expect(entries[:3], [started, failed, careful], "parsed entries")
    expect(srv.op({"operation": "read_log", "filter": "zz-marker", "level": "error"}),
           (200, [failed]), "level")
    expect(srv.op({"operation": "read_log", "filter": "zz-marker", "start": 1, "limit": 1}),
           (200, [failed]), "start and limit")
    expect(srv.op({"operation": "read_log", "from": "2031-01-01T00:00:02Z",
                   "until": "2031-01-01T00:00:03Z", "order": "desc"}),
           (200, [careful, failed]), "from, until, desc")
    expect(srv.op({"operation": "read_log", "filter": "auth-event", "from": "2031-01-01"}),
           (200, [failed]), "the filter looks at tags")
    status, entries = srv.op({"operation": "read_log", "limit": 2})
    assert status == 200 and len(entries) == 2, entries

    cases = [
        ({"limit": 0}, "'limit' must be greater than or equal to 1"),
        ({"limit": "x"}, "'limit' must be a number"),
        ({"start": -1}, "'start' must be greater than or equal to 0"),
        ({"level": "bogus"},
         "'level' must be one of [notify, fatal, error, warn, info, debug, trace]"),
        ({"order": "up"}, "'order' must be one of [asc, desc]"),
        ({"from": "nonsense"}, "'from' date 'nonsense' is invalid."),
        ({"until": "2020-13-45"}, "'until' date '2020-13-45' is invalid."),
        ({"filter": 5}, "'filter' must be a string"),
        ({"limit": 0, "order": "up", "level": "x"},
         "'level' must be one of [notify, fatal, error, warn, info, debug, trace]. "
         "'order' must be one of [asc, desc]. 'limit' must be greater than or equal to 1"),
    ]
    for params, message in cases:
        err(srv, dict(params, operation="read_log"), 400, message)


def write_history(srv):
    """Four transactions on dev.aud; returns their times."""
    srv.ok({"operation": "create_table", "database": "dev", "table": "aud", "primary_key": "id"})
    srv.ok({"operation": "insert", "database": "dev", "table": "aud",
            "records": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]})
    srv.ok({"operation": "update", "database": "dev", "table": "aud",
            "records": [{"id": 1, "name": "a2"}]})
    srv.ok({"operation": "upsert", "database": "dev", "table": "aud",
            "records": [{"id": 3, "name": "c"}, {"id": 2, "age": 5}]})
    srv.ok({"operation": "delete", "database": "dev", "table": "aud", "ids": [2]})
    log = srv.ok({"operation": "read_transaction_log", "database": "dev", "table": "aud"})
    return [entry["timestamp"] for entry in log]


def test_read_transaction_log(srv):
    times = write_history(srv)
    status, log = srv.op({"operation": "read_transaction_log", "database": "dev",
                          "table": "aud"})
    expect(status, 200)
    expect(len(log), 4, "one entry per transaction")
    expect(list(log[0].keys()), ["operation", "user_name", "timestamp", "hash_values", "records"],
           "key order")
    expect([(e["operation"], e["user_name"], e["hash_values"]) for e in log],
           [("insert", "admin", [1, 2]), ("update", "admin", [1]), ("upsert", "admin", [3, 2]),
            ("delete", "admin", [2])], "operations")
    assert times == sorted(times) and len(set(times)) == 4, times
    t0, t1, t2, t3 = times
    expect(log[0]["records"], [{"id": 1, "name": "a", "__createdtime__": t0, "__updatedtime__": t0},
                               {"id": 2, "name": "b", "__createdtime__": t0,
                                "__updatedtime__": t0}], "inserted records")
    expect(log[1]["records"], [{"id": 1, "name": "a2", "__createdtime__": t0,
                                "__updatedtime__": t1}], "update: the merged record")
    expect(log[2]["records"][1], {"id": 2, "name": "b", "age": 5, "__createdtime__": t0,
                                  "__updatedtime__": t2}, "upsert: the merged record")
    expect(log[3]["records"], [None], "delete")

    # from is inclusive, to exclusive; limit counts transactions.
    got = srv.ok({"operation": "read_transaction_log", "database": "dev", "table": "aud",
                  "from": t1, "to": t3})
    expect([e["timestamp"] for e in got], [t1, t2], "from/to")
    got = srv.ok({"operation": "read_transaction_log", "schema": "dev", "table": "aud",
                  "from": t1, "limit": 1})
    expect([e["timestamp"] for e in got], [t1], "limit")
    got = srv.ok({"operation": "read_transaction_log", "database": "dev", "table": "aud",
                  "to": t1})
    expect([e["timestamp"] for e in got], [t0], "to alone")

    err(srv, {"operation": "read_transaction_log", "database": "dev"}, 400,
        "'table' is required")
    err(srv, {"operation": "read_transaction_log", "database": "dev", "table": "aud",
              "from": "x"}, 400, "'from' must be in timestamp or number of milliseconds format")
    err(srv, {"operation": "read_transaction_log", "database": "dev", "table": "aud",
              "limit": 0}, 400, "'limit' must be greater than or equal to 1")
    err(srv, {"operation": "read_transaction_log", "database": "dev", "table": "nope"}, 404,
        "Table 'dev.nope' does not exist")
    srv.ok({"operation": "create_table", "table": "other", "primary_key": "id"})
    err(srv, {"operation": "read_transaction_log", "table": "nope"}, 404,
        "Table 'data.nope' does not exist")


def test_read_audit_log(srv):
    t0, t1, t2, t3 = write_history(srv)
    whole = srv.ok({"operation": "read_transaction_log", "database": "dev", "table": "aud"})
    expect(srv.op({"operation": "read_audit_log", "schema": "dev", "table": "aud"}),
           (200, whole), "the default view is the transaction log")
    expect(srv.op({"operation": "read_audit_log", "schema": "dev", "table": "aud",
                   "search_type": "timestamp", "search_values": [t1, t2]}),
           (200, whole[1:2]), "timestamp range")
    expect(srv.op({"operation": "read_audit_log", "schema": "dev", "table": "aud",
                   "search_type": "username", "search_values": ["admin", "nobody"]}),
           (200, {"admin": whole}), "by user")

    status, by_id = srv.op({"operation": "read_audit_log", "schema": "dev", "table": "aud",
                            "search_type": "hash_value", "search_values": [3, 1, 99]})
    expect(status, 200)
    # JavaScript lists integer-like keys in numeric order.
    expect(list(by_id.keys()), ["1", "3", "99"], "keys")
    expect(by_id["99"], [], "no history")
    expect(list(by_id["1"][0].keys()),
           ["operation", "timestamp", "user_name", "hash_values", "records"], "key order")
    expect([(e["operation"], e["timestamp"], e["hash_values"]) for e in by_id["1"]],
           [("upsert", t0, [1]), ("upsert", t1, [1])], "record 1: every write is an upsert")
    expect(by_id["1"][1]["records"], whole[1]["records"], "record 1 after the update")
    status, by_id = srv.op({"operation": "read_audit_log", "schema": "dev", "table": "aud",
                            "search_type": "hash_value", "search_values": [2]})
    expect([e["operation"] for e in by_id["2"]], ["upsert", "upsert", "delete"], "record 2")
    expect(by_id["2"][2]["records"], [None], "a delete has no record")

    err(srv, {"operation": "read_audit_log", "schema": "dev", "table": "aud",
              "search_type": "bogus"}, 500, "Invalid searchType 'bogus'")
    err(srv, {"operation": "read_audit_log", "schema": "dev", "table": "aud",
              "search_type": "hash_value"}, 500, "t.search_values is not iterable")
    err(srv, {"operation": "read_audit_log", "table": "aud"}, 500, "database is required")
    err(srv, {"operation": "read_audit_log", "schema": "dev"}, 500, "table is required")
    err(srv, {"operation": "read_audit_log", "schema": "dev", "table": "nope"}, 404,
        "Table 'dev.nope' does not exist")


def test_delete_audit_logs_before(srv):
    t0, t1, t2, t3 = write_history(srv)
    status, body = srv.op({"operation": "delete_audit_logs_before", "schema": "dev",
                           "table": "aud", "timestamp": t2})
    expect((status, list(body.keys())), (200, ["message", "job_id"]), "a job")
    assert UUID.match(body["job_id"]), body
    expect(body["message"], "Starting job with id " + body["job_id"], "job message")
    for _ in range(100):
        log = srv.ok({"operation": "read_transaction_log", "database": "dev", "table": "aud"})
        if len(log) == 2:
            break
        time.sleep(0.1)
    expect([e["timestamp"] for e in log], [t2, t3], "older entries are gone")
    # Harper answers with a job even when the table is missing; the job fails.
    status, body = srv.op({"operation": "delete_audit_logs_before", "database": "dev",
                           "table": "nope", "timestamp": 1000})
    assert status == 200 and UUID.match(body["job_id"]), body

    err(srv, {"operation": "delete_audit_logs_before", "schema": "dev", "table": "aud"}, 400,
        "'timestamp' is required")
    err(srv, {"operation": "delete_audit_logs_before", "schema": "dev", "table": "aud",
              "timestamp": "abc"}, 400, "'timestamp' is invalid")
    err(srv, {"operation": "delete_audit_logs_before", "schema": "dev", "timestamp": 1}, 400,
        "'table' is required")


if __name__ == "__main__":
    run_tests(globals())
