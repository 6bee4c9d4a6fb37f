#!/usr/bin/python3
"""A REST collection of 1,000,000 records streams in constant memory: the server's resident
size grows by no more than a few MB while a client reads GET /Dog/ to the end."""
import os
import socket
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harper_test import expect, run_tests  # noqa: E402

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps", "rest")
RECORDS = 1000000
BATCH = 20000
LIMIT_KB = 8 * 1024


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def read_all(srv):
    req = urllib.request.Request("http://127.0.0.1:%d/Dog/" % srv.http_port)
    with urllib.request.urlopen(req, timeout=600) as resp:
        while resp.read(1 << 20):
            pass


def test_million_records_stream_in_constant_memory(srv):
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", srv.http_port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    for base in range(0, RECORDS, BATCH):
        srv.ok({"operation": "insert", "table": "Dog",
                "records": [{"id": "d%07d" % i, "name": "dog", "age": i % 100}
                            for i in range(base, base + BATCH)]})
    # Warm up: a first full read fills RocksDB's block cache (bounded by its size) and the
    # allocator's arenas, which is not what is measured; the second read must then add
    # nothing that grows with the rows.
    read_all(srv)
    pid = srv.proc.pid
    before = rss_kb(pid)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    req = urllib.request.Request("http://127.0.0.1:%d/Dog/" % srv.http_port)
    count = 0
    total = 0
    tail = b""
    with urllib.request.urlopen(req, timeout=600) as resp:
        expect(resp.status, 200)
        assert resp.headers.get("Content-Length") is None     # chunked, not buffered
        while True:
            chunk = resp.read(1 << 16)
            if not chunk:
                break
            total += len(chunk)
            count += (tail + chunk).count(b'"id":') - tail.count(b'"id":')
            tail = chunk[-8:]
            # A slow reader: the server must wait, not buffer.
            if total < (4 << 20):
                time.sleep(0.001)
    done.set()
    sampler.join()
    expect(count, RECORDS, "rows streamed")
    growth = peak[0] - before
    print("RSS before %d kB, peak %d kB, growth %d kB, %d bytes streamed" %
          (before, peak[0], growth, total))
    assert growth <= LIMIT_KB, "RSS grew by %d kB while streaming" % growth


# ASan keeps freed memory in quarantine, which would count as growth: keep it small here.
os.environ["ASAN_OPTIONS"] = os.environ.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1"
run_tests(globals(), args=("run", APP))
