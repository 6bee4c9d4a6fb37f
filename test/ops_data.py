#!/usr/bin/env python3
"""The NoSQL operations of the Operations API: insert, update, upsert, delete, search_by_id,
search_by_value, search_by_conditions and delete_records_before, with the exact bodies and
statuses Harper 4.7 gives (write replies carry no new_attributes or txn_time: Harper 4.7 strips
them), every documented error, and that a refused request changes nothing."""
import threading

from harper_test import expect, run_tests

DOGS = [
    {"id": 1, "name": "Kyle", "age": 5, "nested": {"a": [1, 2]}},
    {"id": 2, "name": "kyle", "age": 7},
    {"id": 3, "name": "Penny", "age": None},
    {"id": 4, "name": "Sky", "tags": ["a", "b"]},
    {"id": "x", "name": "Kyle"},
]


def raw(srv, body):
    """POSTs an operation; returns (status, body text), to check key order and bytes."""
    status, data, _ = srv.request("POST", "/", body)
    return status, data.decode()


def table(srv, name="dog", db="dev", **extra):
    body = {"operation": "create_table", "database": db, "table": name, "primary_key": "id"}
    body.update(extra)
    srv.ok(body)


def dogs(srv):
    table(srv)
    expect(raw(srv, {"operation": "insert", "database": "dev", "table": "dog", "records": DOGS}),
           (200, '{"message":"inserted 5 of 5 records","inserted_hashes":[1,2,3,4,"x"],'
                 '"skipped_hashes":[]}'), "insert the dogs")


def everything(srv, tbl="dog", db="dev"):
    """Every record, in primary key order."""
    return srv.ok({"operation": "search_by_value", "database": db, "table": tbl,
                   "attribute": "id", "value": "*"})


def attributes(srv, tbl="dog", db="dev"):
    desc = srv.ok({"operation": "describe_table", "database": db, "table": tbl})
    return [a["attribute"] for a in desc["attributes"]]


def strip_times(records):
    for r in records:
        for k in ("__createdtime__", "__updatedtime__"):
            assert isinstance(r.pop(k), (int, float)), "%s of %r" % (k, r)
    return records


# ---- insert, update, upsert ----

def test_insert_reply_and_duplicates(srv):
    table(srv)
    body = {"operation": "insert", "database": "dev", "table": "dog",
            "records": [{"id": 8, "dog_name": "Harper"}, {"id": 9, "dog_name": "Penny"}]}
    expect(raw(srv, body), (200, '{"message":"inserted 2 of 2 records","inserted_hashes":[8,9],'
                                 '"skipped_hashes":[]}'))
    expect(raw(srv, body), (200, '{"message":"inserted 0 of 2 records","inserted_hashes":[],'
                                 '"skipped_hashes":[8,9]}'), "existing keys are skipped")
    expect(raw(srv, {"operation": "insert", "database": "dev", "table": "dog", "records": []}),
           (200, '{"message":"inserted 0 of 0 records","inserted_hashes":[],'
                 '"skipped_hashes":[]}'))
    expect(attributes(srv), ["id", "__createdtime__", "__updatedtime__", "dog_name"])


def test_duplicates_in_one_request(srv):
    table(srv)
    # Records go in order, so the second 20 finds the first. (Harper 4.7 marks such a record
    # with a property "skip": true, which it then stores, and may hang on it: not copied.)
    expect(raw(srv, {"operation": "insert", "schema": "dev", "table": "dog",
                     "records": [{"id": 20, "a": 1}, {"id": 20, "a": 2}, {"id": 21}]}),
           (200, '{"message":"inserted 2 of 3 records","inserted_hashes":[20,21],'
                 '"skipped_hashes":[20]}'))
    got = srv.ok({"operation": "search_by_id", "database": "dev", "table": "dog", "ids": [20],
                  "get_attributes": ["id", "a"]})
    expect(got, [{"id": 20, "a": 1}], "the first of the duplicates stays")
    expect(raw(srv, {"operation": "upsert", "schema": "dev", "table": "dog",
                     "records": [{"id": 30, "p": 1}, {"id": 30, "q": 2}]}),
           (200, '{"message":"upserted 2 of 2 records","upserted_hashes":[30,30]}'))
    got = srv.ok({"operation": "search_by_id", "database": "dev", "table": "dog", "ids": [30],
                  "get_attributes": ["id", "p", "q"]})
    expect(got, [{"id": 30, "p": 1, "q": 2}], "the second merges into the first")
    expect(attributes(srv), ["id", "__createdtime__", "__updatedtime__", "a", "p", "q"])


def test_insert_values_kept_as_sent(srv):
    table(srv)
    recs = [{"id": "n", "nested": {"deep": [1, {"b": None}]}, "nil": None, "empty": "",
             "blank": " ", "big": 1e21, "small": 1.5e-7, "neg": -0.5, "text": "é\u2028\"\\"},
            {"id": 1.5}, {"id": [1, "a"]}, {"id": ""}]
    expect(raw(srv, {"operation": "insert", "table": "dog", "database": "dev",
                     "records": recs}),
           (200, '{"message":"inserted 4 of 4 records","inserted_hashes":["n",1.5,[1,"a"],""],'
                 '"skipped_hashes":[]}'))
    got = strip_times(srv.ok({"operation": "search_by_id", "database": "dev", "table": "dog",
                              "ids": ["n"], "get_attributes": ["*"]}))
    expect(got, [dict(recs[0])])
    for value, ids in (("", ["n"]), (" ", [])):
        expect([r["id"] for r in srv.ok({"operation": "search_by_value", "database": "dev",
                                         "table": "dog", "attribute": "empty",
                                         "value": value})], ids,
               "empty and blank strings are distinct values")
    status, text = raw(srv, {"operation": "search_by_id", "database": "dev", "table": "dog",
                             "ids": ["n"], "get_attributes": ["big", "small", "neg"]})
    expect((status, text), (200, '[{"big":1e+21,"small":1.5e-7,"neg":-0.5}]'),
           "numbers as JavaScript prints them")


def test_generated_keys(srv):
    table(srv)
    expect(raw(srv, {"operation": "insert", "database": "dev", "table": "dog",
                     "records": [{"name": "nokey"}, {"id": None, "name": "nullkey"}]}),
           (200, '{"message":"inserted 2 of 2 records","inserted_hashes":[null,null],'
                 '"skipped_hashes":[]}'), "Harper 4.7 reports generated keys as null")
    expect(raw(srv, {"operation": "upsert", "database": "dev", "table": "dog",
                     "records": [{"name": "up"}]}),
           (200, '{"message":"upserted 1 of 1 records","upserted_hashes":[null]}'))
    ids = [r["id"] for r in everything(srv)]
    expect(len(ids), 3)
    assert all(isinstance(i, (int, float)) for i in ids), ids
    expect(len(set(ids)), 3, "distinct keys")


def test_update_and_upsert(srv):
    dogs(srv)
    expect(raw(srv, {"operation": "update", "database": "dev", "table": "dog",
                     "records": [{"id": 1, "age": 6, "name": None}, {"id": "no-such-id"}]}),
           (200, '{"message":"updated 1 of 2 records","update_hashes":[1],'
                 '"skipped_hashes":["no-such-id"]}'))
    got = srv.ok({"operation": "search_by_id", "database": "dev", "table": "dog", "ids": [1],
                  "get_attributes": ["id", "name", "age", "nested"]})
    expect(got, [{"id": 1, "name": None, "age": 6, "nested": {"a": [1, 2]}}],
           "update merges; null is a value")
    expect(raw(srv, {"operation": "upsert", "database": "dev", "table": "dog",
                     "records": [{"id": 2, "color": "red"}, {"id": 10, "name": "Rex"}]}),
           (200, '{"message":"upserted 2 of 2 records","upserted_hashes":[2,10]}'))
    got = srv.ok({"operation": "search_by_id", "database": "dev", "table": "dog",
                  "ids": [2, 10], "get_attributes": ["id", "name", "age", "color"]})
    expect(got, [{"id": 2, "name": "kyle", "age": 7, "color": "red"},
                 {"id": 10, "name": "Rex", "age": None, "color": None}])
    expect(raw(srv, {"operation": "update", "database": "dev", "table": "dog", "records": []}),
           (200, '{"message":"updated 0 of 0 records","update_hashes":[],"skipped_hashes":[]}'))
    expect(raw(srv, {"operation": "upsert", "database": "dev", "table": "dog", "records": []}),
           (200, '{"message":"upserted 0 of 0 records","upserted_hashes":[]}'))
    expect(attributes(srv), ["id", "__createdtime__", "__updatedtime__", "name", "age",
                             "nested", "tags", "color"])


def test_timestamps_are_the_servers(srv):
    table(srv)
    srv.ok({"operation": "insert", "database": "dev", "table": "dog",
            "records": [{"id": 1, "__createdtime__": 5, "__updatedtime__": 6}]})
    first = srv.ok({"operation": "search_by_id", "database": "dev", "table": "dog", "ids": [1],
                    "get_attributes": ["__createdtime__", "__updatedtime__"]})[0]
    assert first["__createdtime__"] > 1.6e12, first
    expect(first["__updatedtime__"], first["__createdtime__"])
    srv.ok({"operation": "update", "database": "dev", "table": "dog",
            "records": [{"id": 1, "__createdtime__": 7, "x": 1}]})
    second = srv.ok({"operation": "search_by_id", "database": "dev", "table": "dog", "ids": [1],
                     "get_attributes": ["__createdtime__", "__updatedtime__"]})[0]
    expect(second["__createdtime__"], first["__createdtime__"], "created time kept")
    assert second["__updatedtime__"] > first["__updatedtime__"], (first, second)


def test_write_request_errors(srv):
    dogs(srv)
    before = everything(srv)
    cases = [
        ({"table": "dog"}, "'records' is required"),
        ({}, "'table' is required. 'records' is required"),
        ({"table": "dog", "records": {}}, "'records' must be an array"),
        ({"table": "dog", "records": None}, "'records' must be an array"),
        ({"table": True, "records": [1]},
         "'table' must be one of [string, number]. 'records[0]' must be of type object"),
        ({"table": "", "records": []}, "'table' is not allowed to be empty"),
        ({"table": "a/b", "records": []}, "'table' names cannot include backticks or forward "
                                          "slashes"),
        ({"table": "a" * 251, "records": []},
         "'table' length must be less than or equal to 250 characters long"),
        ({"table": "a" * 251 + "`", "records": []},
         "'table' does not match any of the allowed types"),
        ({"table": "dog", "records": [], "database": None},
         "'database' must be one of [string, number]"),
        ({"table": "dog", "records": [{"id": 1}, None, {"": 1, "null": 2}]},
         "'records[1]' must be of type object. Invalid attribute name: ''. Invalid attribute "
         "name: 'null'"),
        ({"table": "dog", "records": [{"id": 30, "undefined": 1}]},
         "Invalid attribute name: 'undefined'"),
        ({"table": "nope", "records": [{"id": 1}]}, "Table 'dev.nope' does not exist"),
        ({"table": "dog", "database": "nope", "records": [{"id": 1}]},
         "database 'nope' does not exist"),
        ({"table": "dog", "records": [{"id": 31, "new": 1}, {"id": "null"}]},
         "Invalid hash value: 'null' is not a valid hash attribute value, check log for more "
         "info"),
        ({"table": "dog", "records": [{"id": 31, "new": 1}, {"id": 32, "a/b": 1}]},
         "Attribute names cannot include backticks or forward slashes"),
    ]
    for op in ("insert", "update", "upsert"):
        for params, message in cases:
            body = {"operation": op, "database": "dev"}
            body.update(params)
            expect(srv.op(body), (400, {"error": message}), "%s %r" % (op, params))
    # Keys the store cannot take are 500s, as in Harper.
    for key, message, ops in ((True, "Invalid primary key type: boolean", "insert"),
                              ({"a": 1}, 'Unable to serialize object as a key: '
                                         '{"a":1,"isCollection":true}', "upsert"),
                              ([1, None], "Invalid primary key of null", "insert")):
        for op in (ops, "update"):
            expect(srv.op({"operation": op, "database": "dev", "table": "dog",
                           "records": [{"id": 40, "fresh": 1}, {"id": key, "fresh2": 2}]}),
                   (500, {"error": message}), "%s key %r" % (op, key))
    expect(srv.op({"operation": "upsert", "database": "dev", "table": "dog",
                   "records": [{"id": []}]}),
           (500, {"error": "Zero length key is not allowed in LMDB"}))
    # Harper's store takes an object or an empty array for a collection it finds: skipped.
    expect(raw(srv, {"operation": "insert", "database": "dev", "table": "dog",
                     "records": [{"id": {"a": 1}}, {"id": []}]}),
           (200, '{"message":"inserted 0 of 2 records","inserted_hashes":[],'
                 '"skipped_hashes":[{"a":1,"isCollection":true},[]]}'))
    for key in (None, "", []):
        expect(srv.op({"operation": "update", "database": "dev", "table": "dog",
                       "records": [{"id": 1, "age": 99}, {"id": key, "more": 1}]}),
               (400, {"error": "a valid hash attribute must be provided with update record, "
                               "check log for more info"}), "update key %r" % (key,))
    expect(everything(srv), before, "nothing was written")
    expect(attributes(srv), ["id", "__createdtime__", "__updatedtime__", "name", "age",
                             "nested", "tags"], "no attribute was added")
    # Not JSON at all, and the wrong shape of body.
    expect(srv.op('{"operation":"insert","table":"dog","records":[{"id":50}'),
           (400, {"error": "Invalid JSON."}))
    expect(everything(srv), before, "nothing was written")


def test_schema_defined_table(srv):
    table(srv, "s", attributes=[{"name": "id", "type": "Int"}, {"name": "name", "type": "String"},
                                {"name": "age", "type": "Int"}])
    expect(srv.op({"operation": "insert", "database": "dev", "table": "s",
                   "records": [{"id": 1, "name": "a", "age": "x"}]}),
           (400, {"error": 'Value "x" in property age must be an integer (from -2147483648 to '
                           '2147483647)'}))
    expect(raw(srv, {"operation": "insert", "database": "dev", "table": "s",
                     "records": [{"id": 1, "name": "a", "age": 3, "extra": 1}]}),
           (200, '{"message":"inserted 1 of 1 records","inserted_hashes":[1],'
                 '"skipped_hashes":[]}'))
    expect(attributes(srv, "s"), ["id", "name", "age"], "no attributes added")
    expect(srv.ok({"operation": "search_by_id", "database": "dev", "table": "s", "ids": [1],
                   "get_attributes": ["*"]}), [{"id": 1, "name": "a", "age": 3, "extra": 1}],
           "the stored record as is")
    expect(srv.op({"operation": "search_by_id", "database": "dev", "table": "s", "ids": [1],
                   "get_attributes": ["name", "extra"]}),
           (500, {"error": "unknown attribute 'extra'"}))
    expect(srv.op({"operation": "delete_records_before", "database": "dev", "table": "s",
                   "date": "2020-01-01"}),
           (400, {"error": "Table must have a '__createdtime__' attribute or @createdTime "
                           "timestamp defined to perform this operation"}))


def test_parallel_writers_lose_nothing(srv):
    table(srv)
    errors = []

    def writer(base):
        for batch in range(20):
            recs = [{"id": base + batch * 10 + i, "who": base} for i in range(10)]
            status, reply = srv.op({"operation": "insert", "database": "dev", "table": "dog",
                                    "records": recs})
            if status != 200 or reply["message"] != "inserted 10 of 10 records":
                errors.append((status, reply))
        for batch in range(10):
            status, reply = srv.op({"operation": "upsert", "database": "dev", "table": "dog",
                                    "records": [{"id": i, "last": base} for i in range(20)]})
            if status != 200:
                errors.append((status, reply))

    threads = [threading.Thread(target=writer, args=(b,)) for b in (1000, 2000, 3000)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    expect(errors, [], "every write answered 200")
    ids = [r["id"] for r in everything(srv)]
    expect(ids, list(range(20)) + [b + i for b in (1000, 2000, 3000) for i in range(200)])


def test_restart_keeps_data(srv):
    dogs(srv)
    before = everything(srv)
    srv.stop()
    srv.start()
    expect(everything(srv), before)
    expect(raw(srv, {"operation": "insert", "database": "dev", "table": "dog",
                     "records": [{"id": 1}]}),
           (200, '{"message":"inserted 0 of 1 records","inserted_hashes":[],'
                 '"skipped_hashes":[1]}'))


# ---- delete ----

def test_delete(srv):
    dogs(srv)
    expect(raw(srv, {"operation": "delete", "database": "dev", "table": "dog", "ids": [1]}),
           (200, '{"message":"1 of 1 record successfully deleted","deleted_hashes":[1],'
                 '"skipped_hashes":[]}'))
    # Harper 4.7 counts ids without a record as deleted too.
    expect(raw(srv, {"operation": "delete", "schema": "dev", "table": "dog",
                     "hash_values": [2, "x", 99]}),
           (200, '{"message":"3 of 3 records successfully deleted","deleted_hashes":[2,"x",99],'
                 '"skipped_hashes":[]}'))
    expect(raw(srv, {"operation": "delete", "database": "dev", "table": "dog", "ids": []}),
           (200, '{"message":"0 of 0 records successfully deleted","deleted_hashes":[],'
                 '"skipped_hashes":[]}'))
    expect([r["id"] for r in everything(srv)], [3, 4])
    cases = [
        ({"table": "dog"}, 400, "'hash_values' is required"),
        ({"table": "dog", "ids": {}}, 400, "'hash_values' must be an array. 'ids' must be an "
                                           "array"),
        ({"table": "dog", "ids": None, "hash_values": [3]}, 400, "'ids' must be an array"),
        ({"ids": [3]}, 400, "'table' is required"),
        ({"table": True, "ids": "x"}, 400, "'table' must be one of [string, number]. "
                                           "'hash_values' must be an array. 'ids' must be an "
                                           "array"),
        ({"table": "nope", "ids": [3]}, 404, "Table 'dev.nope' does not exist"),
        ({"table": "dog", "database": "nope", "ids": [3]}, 404, "database 'nope' does not "
                                                                "exist"),
        ({"table": "dog", "ids": [3, True]}, 500, "Invalid primary key type: boolean"),
        ({"table": "dog", "ids": [3, [True]]}, 500, "Invalid primary key type: boolean"),
    ]
    for params, status, message in cases:
        body = {"operation": "delete", "database": "dev"}
        body.update(params)
        expect(srv.op(body), (status, {"error": message}), repr(params))
    expect([r["id"] for r in everything(srv)], [3, 4], "refused deletes delete nothing")
    # No record has a null or object key (Harper's own answers to these vary).
    expect(raw(srv, {"operation": "delete", "database": "dev", "table": "dog",
                     "ids": [None, {"a": 1}, []]}),
           (200, '{"message":"3 of 3 records successfully deleted","deleted_hashes":'
                 '[null,{"a":1},[]],"skipped_hashes":[]}'))
    expect([r["id"] for r in everything(srv)], [3, 4])


def test_delete_records_before(srv):
    dogs(srv)
    base = {"operation": "delete_records_before", "database": "dev", "table": "dog"}
    expect(srv.op(dict(base, date="2000-01-01T00:00:00Z")),
           (200, {"message": "No records found to delete"}))
    expect(srv.op(dict(base, date=1000)), (200, {"message": "No records found to delete"}))
    for params, status, message in (({}, 400, "'date' is required"),
                                    ({"date": "garbage"}, 400,
                                     "'date' must be in ISO 8601 date format"),
                                    ({"date": "2026-13-01"}, 400,
                                     "'date' must be in ISO 8601 date format"),
                                    ({"table": None, "date": "2020-01-01"}, 400,
                                     "'table' must be one of [string, number]"),
                                    ({"table": "nope", "date": "2020-01-01"}, 404,
                                     "Table 'dev.nope' does not exist")):
        expect(srv.op(dict(base, **params)), (status, {"error": message}), repr(params))
    expect(len(everything(srv)), 5)
    expect(srv.op(dict(base, date="2999-01-01")),
           (200, {"message": "5 of 5 records successfully deleted"}))
    expect(everything(srv), [])
    srv.ok({"operation": "insert", "database": "dev", "table": "dog", "records": [{"id": 1}]})
    expect(srv.op(dict(base, date=32503680000000)),
           (200, {"message": "1 of 1 record successfully deleted"}))


# ---- search_by_id ----

def test_search_by_id(srv):
    dogs(srv)
    base = {"operation": "search_by_id", "database": "dev", "table": "dog"}
    expect(raw(srv, dict(base, ids=["x", 77, 2, 2], get_attributes=["name", "id", "id"])),
           (200, '[{"name":"Kyle","id":"x"},{"name":"kyle","id":2},{"name":"kyle","id":2}]'),
           "ids order, missing ids left out, each attribute once")
    expect(raw(srv, dict(base, ids=[4], get_attributes=["age", "tags", "*"])),
           (200, '[{"age":null,"tags":["a","b"],"*":null}]'))
    expect(strip_times(srv.ok(dict(base, ids=[4], get_attributes=["*"]))),
           [{"id": 4, "name": "Sky", "age": None, "nested": None, "tags": ["a", "b"]}])
    status, text = raw(srv, dict(base, ids=[4], get_attributes=["*"]))
    assert text.startswith('[{"id":4,"__createdtime__":') and \
        text.endswith('"name":"Sky","age":null,"nested":null,"tags":["a","b"]}]'), text
    # The aliases: search_by_hash, hash_values, schema, select over get_attributes.
    expect(raw(srv, {"operation": "search_by_hash", "schema": "dev", "table": "dog",
                     "hash_values": [1], "select": ["id"], "get_attributes": ["zz"]}),
           (200, '[{"id":1}]'))
    expect(raw(srv, dict(base, ids=[], get_attributes=["id"])), (200, "[]"))
    cases = [
        ({}, 500, "'hash_values' is required. 'get_attributes' is required"),
        ({"ids": {}, "get_attributes": {}}, 500,
         "'hash_values' must be an array. 'get_attributes' must be an array"),
        ({"ids": [True], "get_attributes": []}, 500,
         "'hash_values' must be strings or numbers. 'get_attributes' must contain at least 1 "
         "item"),
        ({"ids": [1], "get_attributes": [True]}, 500, "'get_attributes' must be strings or "
                                                      "numbers"),
        ({"table": "t/", "ids": [1], "get_attributes": ["id"]}, 500,
         "'table' has illegal characters"),
        ({"table": 5, "ids": [1], "get_attributes": ["id"]}, 500, "'table' must be a string"),
        ({"table": None, "ids": [1], "get_attributes": ["id"]}, 500, "'table' is required"),
        ({"database": 5, "ids": [1], "get_attributes": ["id"]}, 500,
         "'database' must be a string."),
        ({"ids": [1], "get_attributes": ["id", "zz", 5, "yy"]}, 500,
         "unknown attribute 'zz, 5 and yy'"),
        ({"table": "nope", "ids": [1], "get_attributes": ["zz"]}, 404,
         "Table 'dev.nope' does not exist"),
        ({"database": "nope", "ids": [1], "get_attributes": ["id"]}, 404,
         "database 'nope' does not exist"),
    ]
    for params, status, message in cases:
        expect(srv.op(dict(base, **params)), (status, {"error": message}), repr(params))


# ---- search_by_value ----

def ids_of(srv, **params):
    body = {"operation": "search_by_value", "database": "dev", "table": "dog"}
    body.update(params)
    status, reply = srv.op(body)
    assert status == 200, (params, status, reply)
    return [r.get("id") for r in reply]


def test_search_by_value(srv):
    dogs(srv)
    expect(ids_of(srv, attribute="name", value="Kyle"), [1, "x"])
    expect(ids_of(srv, attribute="name", value="Ky*"), [1, "x"], "starts_with")
    expect(ids_of(srv, attribute="name", value="*y"), [3, 4], "ends_with")
    expect(ids_of(srv, attribute="name", value="*y*"), [1, "x", 3, 4, 2],
           "contains, in index order")
    expect(ids_of(srv, attribute="name", value="*y*", desc=True), [2, 4, 3, "x", 1])
    expect(ids_of(srv, attribute="name", value="K*e"), [], "a star inside is a character")
    expect(ids_of(srv, attribute="tags", value="*"), [1, 2, 3, 4, "x"], "* is every record")
    expect(ids_of(srv, attribute="name", value="*", desc=True), ["x", 4, 3, 2, 1])
    expect(ids_of(srv, attribute="name", value="*", limit=2, offset=1), [2, 3])
    expect(ids_of(srv, attribute="age", value=5), [1])
    expect(ids_of(srv, attribute="age", value="5"), [], "values are type-exact")
    expect(ids_of(srv, attribute="tags", value="a"), [4], "array elements match")
    expect(ids_of(srv, attribute="id", value="x"), ["x"])
    expect(ids_of(srv, search_attribute="name", search_value="Kyle", attribute="age",
                  value=5), [1, "x"], "the legacy names win")
    expect(raw(srv, {"operation": "search_by_value", "database": "dev", "table": "dog",
                     "attribute": "name", "value": "Kyle", "get_attributes": ["age", "id"]}),
           (200, '[{"age":5,"id":1},{"age":null,"id":"x"}]'))
    expect(raw(srv, {"operation": "search_by_value", "database": "dev", "table": "dog",
                     "attribute": "name", "value": "*", "select": ["id"],
                     "get_attributes": ["name"]}),
           (200, '[{"id":1},{"id":2},{"id":3},{"id":4},{"id":"x"}]'))
    expect(raw(srv, {"operation": "search_by_value", "database": "dev", "table": "dog",
                     "attribute": "id", "value": 1, "get_attributes": ["id", "nested"]}),
           (200, '[{"id":1,"nested":{"a":[1,2]}}]'))
    got = strip_times(srv.ok({"operation": "search_by_value", "database": "dev", "table": "dog",
                              "attribute": "id", "value": "x", "get_attributes": ["*"]}))
    expect(got, [{"id": "x", "name": "Kyle", "age": None, "nested": None, "tags": None}])
    base = {"operation": "search_by_value", "database": "dev", "table": "dog"}
    cases = [
        ({}, 500, "'attribute' is required. 'value' is required"),
        ({"table": None, "attribute": "name", "value": 1}, 500,
         "'table' must be one of [string, number]"),
        ({"attribute": True, "value": 1}, 500, "'attribute' must be one of [string, number, "
                                               "array]"),
        ({"attribute": "name", "value": "x", "limit": 0, "offset": -1, "desc": "x",
          "get_attributes": []}, 500,
         "'get_attributes' must contain at least 1 items. 'desc' must be a boolean. 'limit' "
         "must be greater than or equal to 1. 'offset' must be greater than or equal to 0"),
        ({"attribute": "name", "value": "x", "limit": 1.5, "offset": "a",
          "get_attributes": "name"}, 500,
         "'get_attributes' must be an array. 'limit' must be an integer. 'offset' must be a "
         "number"),
        ({"attribute": "name", "value": "x", "get_attributes": ["a/b", ""]}, 500,
         "'get_attributes[0]' names cannot include backticks or forward slashes. "
         "'get_attributes[1]' is not allowed to be empty"),
        ({"attribute": "nope", "value": 1, "get_attributes": ["zz"]}, 500,
         "unknown attribute 'zz and nope'"),
        ({"attribute": "age", "value": None}, 500,
         "Cannot read properties of null (reading 'includes')"),
        ({"attribute": "nested", "value": {"a": [1, 2]}}, 500,
         'Unable to serialize object as a key: {"a":[1,2]}'),
        ({"table": "nope", "attribute": "name", "value": 1}, 404,
         "Table 'dev.nope' does not exist"),
        ({"database": "nope", "attribute": "name", "value": 1}, 404,
         "database 'nope' does not exist"),
    ]
    for params, status, message in cases:
        expect(srv.op(dict(base, **params)), (status, {"error": message}), repr(params))


# ---- search_by_conditions ----

def cond_ids(srv, conditions, **params):
    body = {"operation": "search_by_conditions", "database": "dev", "table": "dog",
            "conditions": conditions}
    body.update(params)
    status, reply = srv.op(body)
    assert status == 200, (conditions, params, status, reply)
    return [r.get("id") for r in reply]


def test_search_by_conditions(srv):
    dogs(srv)
    expect(cond_ids(srv, [{"attribute": "age", "comparator": "greater_than", "value": 4}]),
           [1, 2])
    expect(cond_ids(srv, [{"search_attribute": "age", "search_type": "greater_than",
                           "search_value": 4}]), [1, 2], "legacy names")
    expect(cond_ids(srv, [{"attribute": "age", "comparator": "equals", "value": 5},
                          {"attribute": "name", "value": "Sky"}], operator="OR",
                    sort={"attribute": "name", "descending": True}), [4, 1])
    expect(cond_ids(srv, [{"attribute": "age", "comparator": "between", "value": [5, 8]},
                          {"operator": "or", "conditions": [
                              {"attribute": "name", "comparator": "starts_with", "value": "K"},
                              {"attribute": "name", "value": "kyle"}]}]), [1, 2])
    expect(cond_ids(srv, [{"attribute": "age", "comparator": "equals", "value": None}]), [3])
    expect(cond_ids(srv, [{"attribute": "name", "comparator": "contains", "value": "y"}],
                    limit=2, offset=1), ["x", 3])
    expect(cond_ids(srv, [{"attribute": "age", "comparator": "greater_than", "value": 4}],
                    sort={"attribute": "age", "descending": True, "next": {"attribute": "id"}}),
           [2, 1])
    expect(cond_ids(srv, [{"attribute": "name", "value": "Kyle"}],
                    sort={"attribute": "name", "next": {"attribute": "id",
                                                        "descending": True}}), ["x", 1])
    expect(raw(srv, {"operation": "search_by_conditions", "database": "dev", "table": "dog",
                     "operator": "or", "get_attributes": ["id", "name", "id"],
                     "conditions": [{"attribute": "age", "value": 5},
                                    {"attribute": "name", "value": "Sky"}]}),
           (200, '[{"id":1,"name":"Kyle"},{"id":4,"name":"Sky"}]'))
    got = strip_times(srv.ok({"operation": "search_by_conditions", "database": "dev",
                              "table": "dog", "get_attributes": ["*"],
                              "conditions": [{"attribute": "id", "value": 4}]}))
    expect(got, [{"id": 4, "name": "Sky", "age": None, "nested": None, "tags": ["a", "b"]}])
    base = {"operation": "search_by_conditions", "database": "dev", "table": "dog"}
    good = [{"attribute": "age", "value": 5}]
    cases = [
        ({}, 500, "Cannot read properties of undefined (reading 'map')"),
        ({"conditions": {}}, 500, "t.conditions.map is not a function"),
        ({"conditions": [5]}, 500, "Cannot use 'in' operator to search for 'conditions' in 5"),
        ({"conditions": []}, 400, "'conditions' must contain at least 1 items"),
        ({"conditions": good, "operator": "xor", "limit": 0, "offset": -1}, 400,
         "'operator' must be one of [and, or]. 'offset' must be greater than or equal to 0. "
         "'limit' must be greater than or equal to 1"),
        ({"conditions": good, "get_attributes": []}, 400,
         "'get_attributes' must contain at least 1 items"),
        ({"conditions": good, "sort": "age"}, 400, "'sort' must be of type object"),
        ({"conditions": good, "sort": {"attribute": "age", "descending": "yes"}}, 400,
         "'sort.descending' must be a boolean"),
        ({"conditions": [{"operator": "xor", "conditions": good}]}, 400,
         "'conditions[0]' does not match any of the allowed types"),
        ({"conditions": [{"attribute": "qq", "value": 1}, {"attribute": "rr", "value": 1}],
          "get_attributes": ["tt"]}, 400, "unknown attribute 'tt, qq and rr'"),
        ({"conditions": [{"comparator": "equals", "value": 5}]}, 500,
         "Cannot read properties of undefined (reading 'startsWith')"),
        ({"conditions": [{"attribute": "age"}]}, 400, "Search condition for age must have a "
                                                      "value"),
        ({"conditions": [{"attribute": "age", "comparator": "bogus", "value": 1}]}, 400,
         'Unknown query comparator "bogus"'),
        ({"conditions": good, "operator": "or"}, 500,
         'An "or" operator requires at least two conditions'),
        ({"conditions": [{"operator": "and", "conditions": []}]}, 500,
         'An "and" operator requires at least one condition'),
        ({"conditions": good, "sort": {"descending": True}}, 400, "Sort requires an attribute"),
        ({"conditions": good, "sort": {"attribute": "zz"}}, 404, "zz is not a defined "
                                                                 "attribute"),
        ({"table": "nope", "conditions": good}, 400, "Table nope not found"),
        ({"table": None, "conditions": good}, 400, "Table null not found"),
        ({"database": "nope", "conditions": good}, 404, "database 'nope' does not exist"),
    ]
    for params, status, message in cases:
        expect(srv.op(dict(base, **params)), (status, {"error": message}), repr(params))


if __name__ == "__main__":
    run_tests(globals())
