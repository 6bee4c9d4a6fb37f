"""Shared helpers for end-to-end tests of harper-server (standard library only).

A test file is an executable test/<name>.py that calls run_tests(globals()): every function
named test_* runs against one fresh server on free loopback ports, root in $TEST_DIR. A failed
assert fails the file (exit 1); print() output is shown only on failure.
"""
import base64
import json
import os
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request

ADMIN = ("admin", "password")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """harper-server on a fresh root with plain HTTP ports, admin/password as the super user."""

    def __init__(self, root=None, env=None, args=("run",)):
        self.build = os.environ.get("HARPER_BUILD", "build")
        self.root = root or os.path.join(os.environ.get("TEST_DIR", "/tmp"), "root")
        self.ops_port = free_port()
        self.http_port = free_port()
        self.mqtt_port = free_port()
        self.env = dict(os.environ)
        self.env.update({
            "ROOTPATH": self.root,
            "HDB_ADMIN_USERNAME": ADMIN[0],
            "HDB_ADMIN_PASSWORD": ADMIN[1],
            "OPERATIONSAPI_NETWORK_PORT": str(self.ops_port),
            "HTTP_PORT": str(self.http_port),
            "MQTT_NETWORK_PORT": str(self.mqtt_port),
        })
        self.env.update(env or {})
        self.args = list(args)
        self.proc = None

    def start(self, wait=True):
        self.log = open(os.path.join(os.path.dirname(self.root), "server-%d.log" % self.ops_port),
                        "ab")
        self.proc = subprocess.Popen([os.path.join(self.build, "harper-server")] + self.args,
                                     env=self.env, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        if wait:
            for _ in range(300):
                if self.proc.poll() is not None:
                    raise AssertionError("harper-server exited with %d" % self.proc.returncode)
                try:
                    with socket.create_connection(("127.0.0.1", self.ops_port), timeout=0.2):
                        return self
                except OSError:
                    time.sleep(0.05)
            raise AssertionError("harper-server did not listen on %d" % self.ops_port)
        return self

    def stop(self, sig=15):
        """Stops the server; returns its exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            status = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            status = self.proc.wait()
        self.proc = None
        self.log.close()
        return status

    def request(self, method, path, body=None, auth=ADMIN, headers=None, port=None):
        """Returns (status, body bytes, headers dict with lower-case names)."""
        url = "http://127.0.0.1:%d%s" % (port or self.ops_port, path)
        data = body
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
        elif isinstance(body, str):
            data = body.encode()
        req = urllib.request.Request(url, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if auth is not None:
            token = base64.b64encode(("%s:%s" % auth).encode()).decode()
            req.add_header("Authorization", "Basic " + token)
        for name, value in (headers or {}).items():
            req.add_header(name, value)
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, resp.read(), {k.lower(): v for k, v in resp.headers.items()}
        except urllib.error.HTTPError as e:
            return e.code, e.read(), {k.lower(): v for k, v in e.headers.items()}

    def op(self, body, auth=ADMIN, headers=None):
        """POSTs an operation; returns (status, parsed JSON or raw text)."""
        status, raw, _ = self.request("POST", "/", body, auth, headers)
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def ok(self, body, auth=ADMIN):
        """An operation that must answer 200; returns the parsed body."""
        status, reply = self.op(body, auth)
        assert status == 200, "%s -> %d %r" % (body.get("operation"), status, reply)
        return reply


def expect(got, want, what=""):
    assert got == want, "%s\n  got:  %r\n  want: %r" % (what, got, want)


def run_tests(namespace, args=("run",)):
    """Runs every test_* function of the calling module, each with a fresh server started
    with `args`."""
    tests = [(name, fn) for name, fn in namespace.items()
             if name.startswith("test_") and callable(fn)]
    failed = 0
    base = os.environ.get("TEST_DIR", "/tmp")
    for i, (name, fn) in enumerate(tests):
        srv = Server(root=os.path.join(base, "root-%d" % i), args=args)
        try:
            srv.start()
            fn(srv)
            print("ok %s" % name)
        except Exception:
            failed += 1
            print("FAIL %s" % name)
            traceback.print_exc()
        finally:
            status = srv.stop()
            if status not in (0, None):
                failed += 1
                print("FAIL %s: server exit status %s" % (name, status))
    sys.exit(1 if failed else 0)
