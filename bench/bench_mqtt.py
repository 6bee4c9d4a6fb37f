#!/usr/bin/python3
"""MQTT publish-to-delivery: harper-server against the reference Harper and mosquitto, same
machine, same run, same client (Debian's paho-mqtt). One publisher sends non-retained
messages to Dog/<n> (bench/app's exported table); 1 or 100 subscribers on Dog/# receive
them; QoS 0 and 1. Prints deliveries per second and latency percentiles (publish to
delivery) side by side, with the ratios (goals: >= 10x Harper, >= mosquitto).

The client is Python: with 100 subscribers its own threads bound the figures, so compare the
columns of one run, not absolute numbers.

Usage: bench_mqtt.py [--quick] [--no-reference]"""
import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import paho.mqtt.client as mqtt

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
APP = os.path.join(HERE, "app")
QUICK = "--quick" in sys.argv


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, seconds=30):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def client(port, auth):
    c = mqtt.Client(protocol=mqtt.MQTTv311)
    if auth:
        c.username_pw_set("admin", "password")
    done = threading.Event()
    c.on_connect = lambda *a: done.set()
    c.connect("127.0.0.1", port, keepalive=60)
    c.loop_start()
    if not done.wait(10):
        raise RuntimeError("no CONNACK from port %d" % port)
    return c


def run(port, auth, n_subs, qos, n_msgs):
    """(deliveries per second, p50 ms, p99 ms) for one scenario."""
    latencies = queue.Queue()
    expected = n_subs * n_msgs
    got = [0]
    lock = threading.Lock()
    all_in = threading.Event()

    def on_message(c, u, m):
        try:
            sent = json.loads(m.payload)["t"]
        except (ValueError, KeyError, TypeError):
            return
        latencies.put(time.monotonic() - sent)
        with lock:
            got[0] += 1
            if got[0] >= expected:
                all_in.set()

    subs = []
    for _ in range(n_subs):
        c = client(port, auth)
        c.on_message = on_message
        ready = threading.Event()
        c.on_subscribe = lambda *a, ready=ready: ready.set()
        c.subscribe("Dog/#", qos)
        ready.wait(10)
        subs.append(c)
    time.sleep(0.5)     # let the initial state (if any) drain
    while not latencies.empty():
        latencies.get()
    got[0] = 0
    pub = client(port, auth)
    start = time.monotonic()
    for i in range(n_msgs):
        info = pub.publish("Dog/%d" % (i % 100), json.dumps({"t": time.monotonic(), "i": i}),
                           qos=qos)
        if qos > 0 and i % 100 == 99:
            info.wait_for_publish(timeout=30)
    all_in.wait(60)
    elapsed = time.monotonic() - start
    for c in subs + [pub]:
        c.disconnect()
        c.loop_stop()
    lat = sorted(latencies.get() for _ in range(latencies.qsize()))
    if not lat:
        return 0.0, float("nan"), float("nan")
    return (len(lat) / elapsed, 1000 * lat[len(lat) // 2],
            1000 * lat[min(len(lat) - 1, int(len(lat) * 0.99))])


def measure(port, auth):
    results = {}
    for n_subs, n_msgs in ((1, 500 if QUICK else 3000), (100, 20 if QUICK else 200)):
        for qos in (0, 1):
            results[(n_subs, qos)] = run(port, auth, n_subs, qos, n_msgs)
    return results


def start_ours():
    root = tempfile.mkdtemp(prefix="harper-bench-")
    mqtt_port = free_port()
    env = dict(os.environ, ROOTPATH=root, HDB_ADMIN_USERNAME="admin",
               HDB_ADMIN_PASSWORD="password", OPERATIONSAPI_NETWORK_PORT=str(free_port()),
               HTTP_PORT=str(free_port()), MQTT_NETWORK_PORT=str(mqtt_port))
    build = os.environ.get("HARPER_BUILD", os.path.join(TOP, "build"))
    proc = subprocess.Popen([os.path.join(build, "harper-server"), "run", APP], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if not wait_port(mqtt_port):
        raise RuntimeError("harper-server did not start")
    return proc, mqtt_port, root


def start_mosquitto():
    if shutil.which("mosquitto") is None:
        return None, None, None
    port = free_port()
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write("listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n" % port)
    conf.close()
    proc = subprocess.Popen(["mosquitto", "-c", conf.name], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_port(port):
        proc.kill()
        return None, None, conf.name
    return proc, port, conf.name


def start_reference():
    tool = os.path.join(TOP, "..", "shared", "tools", "reference-harper")
    if not os.path.exists(tool):
        return None
    if subprocess.run([tool, "start", APP], capture_output=True).returncode != 0:
        return None
    port = int(os.environ.get("REF_MQTT_PORT", "11883"))
    return port if wait_port(port) else None


def main():
    proc, port, root = start_ours()
    try:
        ours = measure(port, True)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(root, ignore_errors=True)
    mproc, mport, conf = start_mosquitto()
    try:
        mosq = measure(mport, False) if mport else {}
    finally:
        if mproc:
            mproc.terminate()
            mproc.wait()
        if conf:
            os.unlink(conf)
    ref = None if "--no-reference" in sys.argv else start_reference()
    theirs = measure(ref, True) if ref else {}

    print("MQTT: harper-server vs reference Harper 4.7 and mosquitto (same machine, same run)")
    print("machine:  %d cores online" % os.cpu_count())
    print("workload: 1 publisher -> N subscribers on Dog/#, non-retained messages to Dog/<n>, "
          "MQTT 3.1.1, paho-mqtt client")
    print("%-14s %12s %12s %12s %9s %9s   %s" % ("subs, QoS", "harper-srv", "reference",
                                                  "mosquitto", "vs ref", "vs mosq",
                                                  "p50/p99 ms (ours | ref | mosq)"))
    for key in sorted(ours):
        mine, other, m = ours[key], theirs.get(key), mosq.get(key)

        def ratio(x):
            return "%.1fx" % (mine[0] / x[0]) if x and x[0] > 0 else "n/a"

        def lat(x):
            return "%.1f/%.1f" % (x[1], x[2]) if x else "n/a"

        print("%-14s %12.0f %12s %12s %9s %9s   %s | %s | %s" % (
            "%d, QoS %d" % key, mine[0], "%.0f" % other[0] if other else "n/a",
            "%.0f" % m[0] if m else "n/a", ratio(other), ratio(m), lat(mine), lat(other),
            lat(m)))
    print("deliveries per second; goals: >= 10x the reference, >= mosquitto")


main()
