#!/usr/bin/python3
"""The MQTT broker (spec mqtt.md) with real clients: mosquitto_pub/mosquitto_sub and
Debian's paho-mqtt, MQTT 3.1.1 and 5, against the sample application test/apps/rest."""
import json
import os
import queue
import socket
import subprocess
import sys
import time

import paho.mqtt.client as mqtt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harper_test import expect, run_tests  # noqa: E402

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps", "rest")


def wait_port(port):
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("nothing listens on %d" % port)


def rest(srv, method, path, body=None):
    return srv.request(method, path, body, port=srv.http_port)


class Client:
    """A paho client whose messages and acknowledgements land in queues."""

    def __init__(self, srv, version=mqtt.MQTTv311, user=("admin", "password"), will=None,
                 client_id=""):
        self.c = mqtt.Client(client_id=client_id, protocol=version)
        self.messages = queue.Queue()
        self.acks = queue.Queue()
        self.connected = queue.Queue()
        if user:
            self.c.username_pw_set(*user)
        if will:
            self.c.will_set(*will)
        self.c.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload, m.qos))
        self.c.on_subscribe = lambda c, u, mid, granted, *rest: self.acks.put(
            [getattr(g, "value", g) for g in granted])
        if version == mqtt.MQTTv5:
            self.c.on_connect = lambda c, u, f, rc, props=None: self.connected.put(
                getattr(rc, "value", rc))
        else:
            self.c.on_connect = lambda c, u, f, rc: self.connected.put(rc)
        self.c.connect("127.0.0.1", srv.mqtt_port, keepalive=30)
        self.c.loop_start()
        self.rc = self.connected.get(timeout=10)

    def subscribe(self, topic, qos=0):
        self.c.subscribe(topic, qos)
        return self.acks.get(timeout=10)

    def message(self, timeout=10):
        return self.messages.get(timeout=timeout)

    def close(self):
        self.c.disconnect()
        self.c.loop_stop()


def test_topics_are_records(srv):
    wait_port(srv.mqtt_port)
    expect(rest(srv, "PUT", "/Dog/1", {"name": "Rex"})[0], 204)
    sub = Client(srv)
    expect(sub.rc, 0)
    expect(sub.subscribe("Dog/#", 1), [1])
    topic, payload, qos = sub.message()                     # the current record
    expect((topic, json.loads(payload)["name"], qos), ("Dog/1", "Rex", 1))
    one = Client(srv, mqtt.MQTTv5)
    expect(one.subscribe("Dog/1", 0), [0])
    expect(json.loads(one.message()[1])["name"], "Rex")
    # A REST write reaches MQTT subscribers.
    expect(rest(srv, "PATCH", "/Dog/1", {"age": 4})[0], 204)
    expect(json.loads(sub.message()[1])["age"], 4)
    expect(json.loads(one.message()[1])["age"], 4)
    # A retained publish writes the record; an unretained one is a message only.
    subprocess.run(["mosquitto_pub", "-p", str(srv.mqtt_port), "-u", "admin", "-P", "password",
                    "-t", "Dog/2", "-r", "-q", "1", "-m", '{"name":"Ace"}'], check=True,
                   timeout=30)
    topic, payload, _ = sub.message()
    expect((topic, json.loads(payload)), ("Dog/2", json.loads(rest(srv, "GET", "/Dog/2")[1])))
    expect(json.loads(payload)["name"], "Ace")
    subprocess.run(["mosquitto_pub", "-p", str(srv.mqtt_port), "-u", "admin", "-P", "password",
                    "-t", "Dog/2", "-m", '{"bark":true}'], check=True, timeout=30)
    expect(sub.message()[:2], ("Dog/2", b'{"bark":true}'))
    expect(json.loads(rest(srv, "GET", "/Dog/2")[1])["name"], "Ace")     # unchanged
    # An empty retained publish deletes; subscribers get null.
    subprocess.run(["mosquitto_pub", "-p", str(srv.mqtt_port), "-u", "admin", "-P", "password",
                    "-t", "Dog/2", "-r", "-n"], check=True, timeout=30)
    expect(sub.message()[:2], ("Dog/2", b"null"))
    expect(rest(srv, "GET", "/Dog/2")[0], 404)
    # mosquitto_sub sees the same stream.
    out = subprocess.run(["mosquitto_sub", "-p", str(srv.mqtt_port), "-u", "admin", "-P",
                          "password", "-t", "Dog/1", "-C", "1", "-v", "-W", "10"],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout.startswith("Dog/1 {"), out
    sub.close()
    one.close()


def test_qos_flows_and_acknowledgements(srv):
    wait_port(srv.mqtt_port)
    for version in (mqtt.MQTTv311, mqtt.MQTTv5):
        c = Client(srv, version)
        for qos in (1, 2):
            info = c.c.publish("Dog/7", json.dumps({"name": "Q%d" % qos}), qos=qos, retain=True)
            info.wait_for_publish(timeout=10)
            assert info.is_published(), (version, qos)
            expect(json.loads(rest(srv, "GET", "/Dog/7")[1])["name"], "Q%d" % qos)
        # Unknown topics: the subscription fails, the publish is acknowledged all the same.
        expect(c.subscribe("Nothing/1", 1), [0x80 if version == mqtt.MQTTv311 else 0x8F])
        info = c.c.publish("Nothing/1", "x", qos=1)
        info.wait_for_publish(timeout=10)
        assert info.is_published()
        c.close()


def test_authentication_and_wills(srv):
    wait_port(srv.mqtt_port)
    bad = Client(srv, user=("admin", "wrong"))
    assert bad.rc != 0, bad.rc
    bad.c.loop_stop()
    # A will goes out when a client drops without DISCONNECT.
    sub = Client(srv)
    sub.subscribe("Dog/9", 0)
    dying = Client(srv, will=("Dog/9", '{"name":"gone"}', 1, True))
    dying.c.loop_stop()
    dying.c.socket().close()
    topic, payload, _ = sub.message()
    expect((topic, json.loads(payload)["name"]), ("Dog/9", "gone"))
    expect(json.loads(rest(srv, "GET", "/Dog/9")[1])["name"], "gone")
    sub.close()
    # Without authorizeLocal, credentials are required.
    srv.stop()
    srv.env["AUTHENTICATION_AUTHORIZELOCAL"] = "false"
    srv.start()
    wait_port(srv.mqtt_port)
    anon = Client(srv, user=None)
    assert anon.rc != 0, anon.rc
    anon.c.loop_stop()
    ok = Client(srv)
    expect(ok.rc, 0)
    ok.close()


def test_mqtt_over_websocket(srv):
    wait_port(srv.mqtt_port)
    wait_port(srv.http_port)
    expect(rest(srv, "PUT", "/Dog/4", {"name": "Web"})[0], 204)
    c = mqtt.Client(protocol=mqtt.MQTTv311, transport="websockets")
    got = queue.Queue()
    connected = queue.Queue()
    c.on_connect = lambda cl, u, f, rc: connected.put(rc)
    c.on_message = lambda cl, u, m: got.put((m.topic, m.payload))
    c.ws_set_options(path="/mqtt")
    c.connect("127.0.0.1", srv.http_port, keepalive=30)
    c.loop_start()
    expect(connected.get(timeout=10), 0)        # loopback: the upgrade's user (authorizeLocal)
    c.subscribe("Dog/4", 1)
    topic, payload = got.get(timeout=10)
    expect((topic, json.loads(payload)["name"]), ("Dog/4", "Web"))
    info = c.publish("Dog/4", '{"name":"over ws"}', qos=1, retain=True)
    info.wait_for_publish(timeout=10)
    expect(json.loads(got.get(timeout=10)[1])["name"], "over ws")
    expect(json.loads(rest(srv, "GET", "/Dog/4")[1])["name"], "over ws")
    c.disconnect()
    c.loop_stop()


def test_malformed_packets_close_only_that_connection(srv):
    wait_port(srv.mqtt_port)
    good = Client(srv)
    good.subscribe("Dog/3", 0)
    for junk in (b"\x10\xff\xff\xff\xff\x01", b"\x30\x02\x00", b"\xf0\x00",
                 b"\x10\x0c\x00\x04MQTT\x09\x02\x00\x3c\x00\x00"):
        with socket.create_connection(("127.0.0.1", srv.mqtt_port), timeout=5) as s:
            s.sendall(junk)
            s.settimeout(5)
            try:
                data = s.recv(100)
            except OSError:
                data = b""
            assert len(data) <= 8, data        # at most a refusal, then closed
    expect(rest(srv, "PUT", "/Dog/3", {"name": "still here"})[0], 204)
    expect(json.loads(good.message()[1])["name"], "still here")
    good.close()


run_tests(globals(), args=("run", APP))
