#!/usr/bin/python3
"""REST on the HTTP port: the sample application in test/apps/rest served by
`harper-server run APP_DIR`, driven with real HTTP requests (spec rest.md)."""
import base64
import json
import os
import re
import shutil
import socket
import sys

import cbor2
import msgpack

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harper_test import ADMIN, Server, expect, run_tests  # noqa: E402

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps", "rest")


def rest(srv, method, path, body=None, headers=None, auth=ADMIN):
    """(status, raw body, headers) of a request on the REST port."""
    return srv.request(method, path, body, auth=auth, headers=headers, port=srv.http_port)


def rest_json(srv, method, path, body=None, headers=None, auth=ADMIN):
    status, raw, hdrs = rest(srv, method, path, body, headers, auth)
    return status, (json.loads(raw) if raw else None), hdrs


def put_dogs(srv):
    dogs = [
        {"name": "Rex", "breed": "lab", "age": 3, "weight": 30.5, "good": True,
         "tags": ["big", "brown"], "born": "2021-03-01T00:00:00.000Z"},
        {"name": "Fido", "breed": "poodle", "age": 5, "tags": ["small"]},
        {"name": "Ace", "breed": "lab", "age": 8, "good": False},
        {"name": "Bo", "breed": "beagle", "age": 1, "tags": []},
    ]
    for i, d in enumerate(dogs, 1):
        status, raw, _ = rest(srv, "PUT", "/Dog/%d" % i, d)
        expect(status, 204, "PUT /Dog/%d %r" % (i, raw))


def test_describe_and_routes(srv):
    status, desc, _ = rest_json(srv, "GET", "/Dog")
    expect(status, 200)
    expect((desc["records"], desc["name"], desc["database"]), ("./", "Dog", "data"))
    names = [a["attribute"] for a in desc["attributes"]]
    expect(names[:4], ["id", "name", "breed", "age"])
    # Paths are case-sensitive; tables without @export have none.
    for path in ("/dog/1", "/Secret/", "/Secret/1", "/nothing"):
        status, raw, hdrs = rest(srv, "GET", path)
        expect((status, raw), (404, b"Not found\n"), path)
        assert "content-type" not in hdrs, hdrs
    # Another database, another name.
    status, desc, _ = rest_json(srv, "GET", "/count")
    expect((desc["name"], desc["database"]), ("count", "stats"))
    status, raw, hdrs = rest(srv, "OPTIONS", "/Dog/1", auth=None)
    expect(status, 204)
    assert hdrs["allow"].startswith("GET, HEAD, POST, PUT, DELETE, PATCH"), hdrs


def test_record_methods(srv):
    status, raw, _ = rest(srv, "PUT", "/Dog/1", {"name": "Rex", "age": 3})
    expect((status, raw), (204, b""))
    status, rec, hdrs = rest_json(srv, "GET", "/Dog/1")
    expect(status, 200)
    expect((rec["id"], rec["name"], rec["age"]), ("1", "Rex", 3))
    assert isinstance(rec["createdAt"], (int, float)) and rec["updatedAt"].endswith("Z"), rec
    etag = hdrs["etag"]
    assert len(etag) == 12 and etag[0] == etag[-1] == '"', etag
    expect(hdrs["content-type"], "application/json")
    expect(hdrs["vary"], "Accept, Accept-Encoding")
    assert re.match(r"hdb;dur=[0-9]+\.[0-9][0-9]$", hdrs["server-timing"]), hdrs
    expect(hdrs["server"], "HarperDB")
    status, raw, hdrs = rest(srv, "GET", "/Dog/1", headers={"If-None-Match": etag})
    expect((status, raw), (304, b""))
    status, raw, _ = rest(srv, "GET", "/Dog/1", headers={"If-None-Match": "W/" + etag})
    expect(status, 200)
    # One property; a null one is absent.
    expect(rest_json(srv, "GET", "/Dog/1.name")[:2], (200, "Rex"))
    status, raw, _ = rest(srv, "GET", "/Dog/1.breed")
    expect((status, raw), (404, b""))
    expect(rest_json(srv, "GET", "/Dog/1?select(name,age)")[:2], (200, {"name": "Rex", "age": 3}))
    # PATCH merges, PUT replaces (created time kept).
    created = rec["createdAt"]
    expect(rest(srv, "PATCH", "/Dog/1", {"age": 4, "breed": "lab"})[0], 204)
    status, rec, _ = rest_json(srv, "GET", "/Dog/1")
    expect((rec["name"], rec["age"], rec["breed"]), ("Rex", 4, "lab"))
    expect(rest(srv, "PUT", "/Dog/1", {"name": "Rex II"})[0], 204)
    status, rec, _ = rest_json(srv, "GET", "/Dog/1")
    expect((rec["name"], "age" in rec, rec["createdAt"]), ("Rex II", False, created))
    # Absent records.
    status, raw, hdrs = rest(srv, "GET", "/Dog/404")
    expect((status, raw), (404, b""))
    # DELETE says true, also for a record that is not there; with its ETag when it was.
    etag = rest(srv, "GET", "/Dog/1")[2]["etag"]
    status, body, hdrs = rest_json(srv, "DELETE", "/Dog/1")
    expect((status, body, hdrs.get("etag")), (200, True, etag))
    expect(rest(srv, "GET", "/Dog/1")[0], 404)
    status, body, hdrs = rest_json(srv, "DELETE", "/Dog/1")
    expect((status, body, hdrs.get("etag")), (200, True, None))
    assert "last-modified" not in hdrs


def test_post_creates(srv):
    status, new_id, hdrs = rest_json(srv, "POST", "/Dog/", {"name": "Newbie"})
    expect(status, 201)
    assert isinstance(new_id, str) and len(new_id) == 36, new_id
    expect(hdrs["location"], new_id)
    expect(rest_json(srv, "GET", "/Dog/" + new_id)[1]["name"], "Newbie")
    # A given key that exists: 409.
    status, body, _ = rest_json(srv, "POST", "/Dog/", {"id": new_id, "name": "Again"})
    expect((status, body), (409, "ClientError: Record already exists"))
    # A Long key gets an integer.
    status, n, hdrs = rest_json(srv, "POST", "/count/", {"hits": 1})
    expect(status, 201)
    assert isinstance(n, int), n
    expect(hdrs["location"], str(n))
    # POST to a record: 405.
    status, body, hdrs = rest_json(srv, "POST", "/Dog/1", {"name": "x"})
    expect(status, 405)
    assert body.startswith("ClientError: The Dog does not have a post method"), body


def test_validation_and_ids(srv):
    status, body, _ = rest_json(srv, "PUT", "/Dog/9", {"name": "Rex", "age": "five"})
    expect((status, body), (400, "ClientError: Value \"five\" in property age must be an "
                                 "integer (from -2147483648 to 2147483647)"))
    expect(rest(srv, "GET", "/Dog/9")[0], 404)          # nothing written
    status, body, _ = rest_json(srv, "PUT", "/count/12", {"hits": 3})
    expect(status, 204)
    status, rec, _ = rest_json(srv, "GET", "/count/12")
    expect(rec, {"n": 12, "hits": 3})
    status, body, _ = rest_json(srv, "GET", "/count/x")
    expect((status, body),
           (400, "SyntaxError: Invalid value for attribute n: \"x\", expecting Long"))
    # A body that is not JSON.
    status, raw, _ = rest(srv, "PUT", "/Dog/9", "{not json")
    expect(status, 500)
    assert json.loads(raw).startswith("SyntaxError: "), raw


def test_collection_queries(srv):
    put_dogs(srv)

    def ids(query):
        status, rows, hdrs = rest_json(srv, "GET", "/Dog/" + query)
        expect(status, 200, query)
        assert "etag" not in hdrs
        return sorted(r["id"] for r in rows)

    expect(ids(""), ["1", "2", "3", "4"])
    expect(ids("?breed=lab"), ["1", "3"])
    expect(ids("?age=5"), ["2"])                      # strict value typed by Int
    expect(ids("?age=gt=3"), ["2", "3"])
    expect(ids("?age=ge=3&age=lt=8"), ["1", "2"])
    expect(ids("?age=gt=1&=lt=8"), ["1", "2"])        # a chained range
    expect(ids("?breed=lab|breed=beagle"), ["1", "3", "4"])
    expect(ids("?breed=lab&(age=3|age=8)"), ["1", "3"])
    expect(ids("?name==F*"), ["2"])
    expect(ids("?tags=small"), ["2"])
    expect(ids("?good==true"), ["1"])
    expect(ids("?breed=nobody"), [])
    status, rows, _ = rest_json(srv, "GET", "/Dog/?sort(-age)&select(name)")
    expect(rows, ["Ace", "Fido", "Rex", "Bo"])
    status, rows, _ = rest_json(srv, "GET", "/Dog/?breed=lab&select(name,age)&sort(+age)")
    expect(rows, [{"name": "Rex", "age": 3}, {"name": "Ace", "age": 8}])
    status, rows, _ = rest_json(srv, "GET", "/Dog/?sort(age)&limit(1,3)&select(name)")
    expect(rows, ["Rex", "Fido"])
    status, rows, _ = rest_json(srv, "GET", "/Dog/?breed=lab&select([name,age,weight])&sort(age)")
    expect(rows, [["Rex", 3, 30.5], ["Ace", 8, None]])
    status, rows, _ = rest_json(srv, "GET", "/Dog?breed=poodle")
    expect([r["name"] for r in rows], ["Fido"])
    # Errors.
    status, body, _ = rest_json(srv, "GET", "/Dog/?color=red")
    expect((status, body), (404, "HdbError: color is not a defined attribute"))
    status, body, _ = rest_json(srv, "GET", "/Dog/?age=gt=1|breed=lab&name=x")
    expect(status, 500)
    assert body.startswith("SyntaxViolation: Can not mix operators"), body
    status, body, _ = rest_json(srv, "GET", "/Dog/?age=xx=3")
    expect((status, body), (400, "ClientError: Unknown query comparator \"xx\""))
    status, body, _ = rest_json(srv, "GET", "/Dog/?age=gt=old")
    expect((status, body),
           (400, "SyntaxError: Invalid value for attribute age: \"old\", expecting Int"))
    # DELETE with a query deletes the matches only.
    expect(rest_json(srv, "DELETE", "/Dog/?breed=lab")[:2], (200, True))
    expect(ids(""), ["2", "4"])


def test_content_types(srv):
    put_dogs(srv)
    status, raw, hdrs = rest(srv, "GET", "/Dog/2", headers={"Accept": "application/json, "
                                                                      "application/cbor"})
    expect((status, hdrs["content-type"]), (200, "application/cbor"))
    expect(cbor2.loads(raw)["name"], "Fido")
    status, raw, hdrs = rest(srv, "GET", "/Dog/?breed=lab",
                             headers={"Accept": "application/x-msgpack"})
    expect(hdrs["content-type"], "application/x-msgpack")
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(raw)
    rows = list(unpacker)
    expect(sorted(r["name"] for r in rows), ["Ace", "Rex"])
    status, raw, hdrs = rest(srv, "GET", "/Dog/?breed=lab", headers={"Accept": "application/cbor"})
    expect(sorted(r["name"] for r in cbor2.loads(raw)), ["Ace", "Rex"])
    # The extension wins over Accept; CSV has a header row and is an attachment.
    status, raw, hdrs = rest(srv, "GET", "/Dog/.csv?breed=poodle",
                             headers={"Accept": "application/cbor"})
    expect((status, hdrs["content-type"]), (200, "text/csv"))
    expect(hdrs["content-disposition"], 'attachment; filename="data.csv"')
    lines = raw.decode().split("\n")
    assert lines[0].startswith('"id","name","breed","age"'), lines
    assert lines[1].startswith('"2","Fido","poodle",5'), lines
    status, raw, hdrs = rest(srv, "GET", "/Dog/2.cbor")
    expect(cbor2.loads(raw)["id"], "2")
    # Nothing acceptable: 406 as plain text.
    status, raw, hdrs = rest(srv, "GET", "/Dog/2", headers={"Accept": "text/html"})
    expect(status, 406)
    assert raw.startswith(b"ClientError: No supported content types found in Accept header"), raw
    # Bodies in CBOR and MessagePack.
    status, raw, _ = rest(srv, "PUT", "/Dog/7", cbor2.dumps({"name": "Cbor", "age": 2}),
                          headers={"Content-Type": "application/cbor"})
    expect(status, 204)
    status, raw, _ = rest(srv, "PUT", "/Dog/8", msgpack.packb({"name": "Pack", "age": 6}),
                          headers={"Content-Type": "application/x-msgpack"})
    expect(status, 204)
    expect(rest_json(srv, "GET", "/Dog/7.name")[1], "Cbor")
    expect(rest_json(srv, "GET", "/Dog/8")[1]["age"], 6)
    # Bodies of other types are stored as {contentType, data} and served back as they came.
    png = bytes([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF])
    status, raw, _ = rest(srv, "PUT", "/Dog/20", png, headers={"Content-Type": "image/png"})
    expect(status, 204)
    status, raw, hdrs = rest(srv, "GET", "/Dog/20", headers={"Accept": "application/cbor"})
    expect((status, hdrs["content-type"], raw), (200, "image/png", png))
    status, raw, _ = rest(srv, "PUT", "/Dog/21", "a,b\n1,2\n",
                          headers={"Content-Type": "text/csv; charset=utf-8"})
    expect(status, 204)
    status, raw, hdrs = rest(srv, "GET", "/Dog/21")
    expect((hdrs["content-type"], raw), ("text/csv", b"a,b\n1,2\n"))
    status, ops = srv.op({"operation": "search_by_id", "table": "Dog", "ids": ["21"],
                          "get_attributes": ["*"]})
    expect((ops[0]["contentType"], ops[0]["data"]), ("text/csv", "a,b\n1,2\n"))


def test_authentication(srv):
    # authorizeLocal is on in the dev profile: loopback without credentials is the super user.
    expect(rest(srv, "GET", "/Dog/", auth=None)[0], 200)
    status, raw, hdrs = rest(srv, "GET", "/Dog/", auth=("admin", "wrong"))
    expect((status, json.loads(raw)), (401, {"error": "Login failed"}))
    srv.stop()
    srv.env["AUTHENTICATION_AUTHORIZELOCAL"] = "false"
    srv.start()
    wait_rest(srv)
    status, raw, hdrs = rest(srv, "GET", "/Dog/1", auth=None)
    expect((status, json.loads(raw)), (401, "AccessViolation: Must login"))
    expect(hdrs.get("www-authenticate"), "Basic")
    expect(rest(srv, "GET", "/Dog/", auth=ADMIN)[0], 200)


def test_relationships(srv):
    for key, name in (("b1", "Microsoft"), ("b2", "Apple"), ("b3", "Nobody")):
        expect(rest(srv, "PUT", "/Brand/" + key, {"name": name})[0], 204)
    for key, name, brand in (("p1", "Keyboard", "b1"), ("p2", "Mouse", "b1"),
                             ("p3", "iPad", "b2"), ("p4", "Orphan", None)):
        body = {"name": name}
        if brand:
            body["brandId"] = brand
        expect(rest(srv, "PUT", "/Product/" + key, body)[0], 204)

    def names(path):
        status, rows, _ = rest_json(srv, "GET", path)
        expect(status, 200, path)
        return sorted(r["name"] for r in rows)

    # Conditions through a many-to-one and a one-to-many relationship.
    expect(names("/Product/?brand.name=Microsoft"), ["Keyboard", "Mouse"])
    expect(names("/Product/?brand.name=Nobody"), [])
    expect(names("/Product/?brand.name==App*"), ["iPad"])
    expect(names("/Brand/?products.name=iPad"), ["Apple"])
    expect(names("/Brand/?products.name=Mouse|name=Nobody"), ["Microsoft", "Nobody"])
    expect(names("/Product/?brand.name=Microsoft&name=Mouse"), ["Mouse"])
    status, body, _ = rest_json(srv, "GET", "/Product/?brand=b1")
    expect((status, body), (400, "ClientError: Can not directly query a relational attribute, "
                                 "must query an attribute within the target table"))
    status, body, _ = rest_json(srv, "GET", "/Dog/?name.first=x")
    expect(status, 400)
    # Selecting related records: an object (left out without a key) and an array.
    status, rows, _ = rest_json(srv, "GET", "/Product/?select(name,brand{name})&sort(name)")
    expect(rows, [{"name": "Keyboard", "brand": {"name": "Microsoft"}},
                  {"name": "Mouse", "brand": {"name": "Microsoft"}},
                  {"name": "Orphan"},
                  {"name": "iPad", "brand": {"name": "Apple"}}])
    status, rec, _ = rest_json(srv, "GET", "/Brand/b1?select(name,products{name})")
    expect(status, 200)
    expect((rec["name"], sorted(p["name"] for p in rec["products"])),
           ("Microsoft", ["Keyboard", "Mouse"]))
    status, rows, _ = rest_json(srv, "GET", "/Brand/?name=Nobody&select(name,products{name})")
    expect(rows, [{"name": "Nobody", "products": []}])
    status, rows, _ = rest_json(srv, "GET", "/Product/?name=iPad&select(brand)")
    expect([r["name"] for r in rows], ["Apple"])


class EventStream:
    """A Server-Sent Events connection read frame by frame."""

    def __init__(self, srv, path):
        self.sock = socket.create_connection(("127.0.0.1", srv.http_port), timeout=10)
        token = base64.b64encode(b"admin:password").decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n"
                           "Authorization: Basic %s\r\n\r\n" % (path, token)).encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n")
        self.status = int(head.split()[1])
        self.headers = head.decode().lower()

    def _until(self, sep):
        while sep not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("stream closed")
            self.buf += data
        part, self.buf = self.buf.split(sep, 1)
        return part

    def event(self):
        """The next `data:` frame as a dict (chunked framing lines skipped)."""
        while True:
            line = self._until(b"\n")
            if line.startswith(b"data: "):
                return json.loads(line[6:])

    def close(self):
        self.sock.close()


def test_event_streams(srv):
    expect(rest(srv, "PUT", "/Dog/1", {"name": "Rex"})[0], 204)
    one = EventStream(srv, "/Dog/1")
    expect(one.status, 200)
    assert "content-type: text/event-stream" in one.headers, one.headers
    first = one.event()
    expect((first["id"], first["type"], first["value"]["name"]), ("1", "put", "Rex"))
    assert list(first)[:3] == ["id", "localTime", "value"], first
    everything = EventStream(srv, "/Dog/")
    snapshot = everything.event()
    expect((snapshot["id"], snapshot["value"]["name"]), ("1", "Rex"))
    assert snapshot["version"] > 0, snapshot
    # Writes from REST and from the Operations API, and a delete.
    expect(rest(srv, "PATCH", "/Dog/1", {"age": 3})[0], 204)
    srv.ok({"operation": "upsert", "table": "Dog", "records": [{"id": "2", "name": "Ace"}]})
    expect(rest(srv, "DELETE", "/Dog/1")[0], 200)
    got = [one.event(), one.event()]
    expect([(e["type"], e.get("value", {}).get("age")) for e in got], [("put", 3), ("delete", None)])
    assert "value" not in got[1], got
    got = [everything.event() for _ in range(3)]
    expect([(e["id"], e["type"]) for e in got], [("1", "put"), ("2", "put"), ("1", "delete")])
    one.close()
    # Anonymous streams are refused as the spec says; the server stops with a stream open.
    srv.stop()
    srv.env["AUTHENTICATION_AUTHORIZELOCAL"] = "false"
    srv.start()
    wait_rest(srv)
    status, raw, hdrs = rest(srv, "GET", "/Dog/1", auth=None, headers={"Accept": "text/event-stream"})
    expect((status, raw, hdrs["content-type"]), (401, b"data: AccessViolation: Must login\n\n",
                                                  "text/event-stream"))
    left_open = EventStream(srv, "/Dog/")
    expect(left_open.status, 200)


class WebSocket:
    """A minimal RFC 6455 client: masked frames out, frames in."""

    def __init__(self, srv, path, auth=True):
        self.sock = socket.create_connection(("127.0.0.1", srv.http_port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = ["GET %s HTTP/1.1" % path, "Host: x", "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
        if auth:
            lines.append("Authorization: Basic " + base64.b64encode(b"admin:password").decode())
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            self.buf += self.sock.recv(4096)
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        self.status = int(head.split()[1])
        self.head = head.decode().lower()

    def _need(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        part, self.buf = self.buf[:n], self.buf[n:]
        return part

    def frame(self):
        """(opcode, payload) of the next frame."""
        b0, b1 = self._need(2)
        n = b1 & 0x7F
        if n == 126:
            n = int.from_bytes(self._need(2), "big")
        elif n == 127:
            n = int.from_bytes(self._need(8), "big")
        return b0 & 0x0F, self._need(n)

    def event(self):
        op, payload = self.frame()
        assert op == 1, (op, payload)
        return json.loads(payload)

    def send(self, op, payload):
        mask = os.urandom(4)
        head = bytes([0x80 | op, 0x80 | len(payload)]) + mask
        self.sock.sendall(head + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def test_websocket(srv):
    expect(rest(srv, "PUT", "/Dog/1", {"name": "Rex"})[0], 204)
    ws = WebSocket(srv, "/Dog/1")
    expect(ws.status, 101)
    assert "sec-websocket-accept:" in ws.head, ws.head
    first = ws.event()
    expect((first["id"], first["type"], first["value"]["name"]), ("1", "put", "Rex"))
    table = WebSocket(srv, "/Dog/")
    expect(table.event()["id"], "1")
    expect(rest(srv, "PATCH", "/Dog/1", {"age": 4})[0], 204)
    expect(rest(srv, "DELETE", "/Dog/1")[0], 200)
    got = [ws.event(), ws.event()]
    expect([(e["type"], e.get("value", {}).get("age")) for e in got], [("put", 4), ("delete", None)])
    expect([table.event()["type"] for _ in range(2)], ["put", "delete"])
    # A ping is answered; messages from the client change nothing; a close is echoed.
    ws.send(0x9, b"hi")
    expect(ws.frame(), (0xA, b"hi"))
    ws.send(0x1, b'{"id":"9","name":"x"}')
    expect(rest(srv, "GET", "/Dog/9")[0], 404)
    ws.send(0x8, (1000).to_bytes(2, "big") + b"bye")
    op, payload = ws.frame()
    expect((op, int.from_bytes(payload[:2], "big")), (0x8, 1000))
    # No resource: the upgrade succeeds, then Harper's close.
    lost = WebSocket(srv, "/nothing/1")
    expect(lost.status, 101)
    op, payload = lost.frame()
    expect((op, int.from_bytes(payload[:2], "big"), payload[2:]),
           (0x8, 1011, b"No resource was found to handle /nothing/1"))
    srv.stop()
    srv.env["AUTHENTICATION_AUTHORIZELOCAL"] = "false"
    srv.start()
    wait_rest(srv)
    anon = WebSocket(srv, "/Dog/1", auth=False)
    op, payload = anon.frame()
    expect((op, int.from_bytes(payload[:2], "big"), payload[2:]),
           (0x8, 3000, b"AccessViolation: Must login"))
    # The server stops cleanly with a subscribed socket open.
    left_open = WebSocket(srv, "/Dog/")
    expect(left_open.status, 101)


def test_cors(srv):
    origin = {"Origin": "https://app.example"}
    status, raw, hdrs = rest(srv, "OPTIONS", "/Dog/", headers=origin, auth=None)
    expect((status, raw), (200, b""))
    expect(hdrs["access-control-allow-origin"], "https://app.example")
    expect(hdrs["access-control-allow-methods"], "POST, GET, PUT, DELETE, PATCH, OPTIONS")
    expect(hdrs["access-control-allow-headers"], "Accept, Content-Type, Authorization")
    expect(hdrs["access-control-allow-credentials"], "true")
    status, raw, hdrs = rest(srv, "GET", "/Dog/", headers=origin)
    expect((status, hdrs["access-control-allow-origin"]), (200, "https://app.example"))
    status, raw, hdrs = rest(srv, "GET", "/nothing", headers=origin)
    expect((status, hdrs["access-control-allow-origin"]), (404, "https://app.example"))
    # Without an Origin: no CORS headers.
    status, raw, hdrs = rest(srv, "GET", "/Dog/")
    assert "access-control-allow-origin" not in hdrs, hdrs
    # The Operations API answers its own preflight.
    status, raw, hdrs = srv.request("OPTIONS", "/", headers=origin, auth=None)
    expect((status, hdrs["access-control-allow-origin"]), (200, "https://app.example"))
    # An application port whose access list is [null] allows nobody (Harper's quirk).
    srv.stop()
    srv.env["HTTP_CORSACCESSLIST"] = "[null]"
    srv.start()
    wait_rest(srv)
    status, raw, hdrs = rest(srv, "GET", "/Dog/", headers=origin)
    expect(status, 200)
    assert "access-control-allow-origin" not in hdrs, hdrs


def test_remembered_logins_follow_user_changes(srv):
    srv.ok({"operation": "add_user", "username": "bob", "password": "pw1", "role": "super_user",
            "active": True})
    expect(rest(srv, "GET", "/Dog/", auth=("bob", "pw1"))[0], 200)
    expect(rest(srv, "GET", "/Dog/", auth=("bob", "pw1"))[0], 200)     # remembered
    srv.ok({"operation": "alter_user", "username": "bob", "password": "pw2"})
    expect(rest(srv, "GET", "/Dog/", auth=("bob", "pw1"))[0], 401)
    expect(rest(srv, "GET", "/Dog/", auth=("bob", "pw2"))[0], 200)
    srv.ok({"operation": "drop_user", "username": "bob"})
    expect(rest(srv, "GET", "/Dog/", auth=("bob", "pw2"))[0], 401)


def wait_rest(srv):
    import socket
    import time
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", srv.http_port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)


def test_restart_keeps_data_and_applies_schema_changes(srv):
    # A copy of the app whose schema the test changes.
    app = os.path.join(os.environ.get("TEST_DIR", "/tmp"), "app-copy")
    shutil.rmtree(app, ignore_errors=True)
    shutil.copytree(APP, app)
    srv.stop()
    srv.args = ["run", app]
    srv.start()
    wait_rest(srv)
    put_dogs(srv)
    status, body, _ = rest_json(srv, "GET", "/Dog/?weight=30.5")
    expect(status, 200)
    with open(os.path.join(app, "schema.graphql")) as f:
        schema = f.read()
    schema = schema.replace("weight: Float\n", "weight: Float @indexed\n  color: String @indexed\n")
    with open(os.path.join(app, "schema.graphql"), "w") as f:
        f.write(schema)
    with open(os.path.join(app, "config.yaml")) as f:
        config = f.read()
    with open(os.path.join(app, "config.yaml"), "w") as f:
        f.write(config.replace("rest: true\n", "rest:\n  lastModified: true\n"))
    srv.stop()
    srv.start()
    wait_rest(srv)
    status, rows, _ = rest_json(srv, "GET", "/Dog/?weight=30.5&select(name)")
    expect((status, rows), (200, ["Rex"]))
    expect(rest(srv, "PATCH", "/Dog/2", {"color": "white"})[0], 204)
    status, raw, hdrs = rest(srv, "GET", "/Dog/2")
    assert re.match(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT$", hdrs["last-modified"]), hdrs
    status, rows, _ = rest_json(srv, "GET", "/Dog/?color=white&select(name)")
    expect(rows, ["Fido"])
    status, ops = srv.op({"operation": "describe_table", "table": "Dog"})
    attrs = {a["attribute"]: a for a in ops["attributes"]}
    assert attrs["weight"].get("indexed") and "color" in attrs, attrs


def test_static_files(srv):
    status, raw, hdrs = rest(srv, "GET", "/index.html", auth=None)
    expect(status, 200)
    assert raw.startswith(b"<!doctype html>"), raw
    assert hdrs["content-type"].startswith("text/html"), hdrs
    status, raw, hdrs2 = rest(srv, "GET", "/css/site.css", auth=None)
    expect(status, 200)
    assert hdrs2["content-type"].startswith("text/css"), hdrs2
    if "etag" in hdrs:
        expect(rest(srv, "GET", "/index.html", headers={"If-None-Match": hdrs["etag"]},
                    auth=None)[0], 304)
    expect(rest(srv, "GET", "/../config.yaml", auth=None)[0], 404)


run_tests(globals(), args=("run", APP))
