#!/usr/bin/env python3
"""Databases, tables and attributes over the Operations API (spec/operations-api.md 7.1-7.9):
Harper 4.7's exact messages and statuses, the legacy aliases, the protected system database,
the describe objects (checked key by key against what the reference answers), and a restart
that keeps it all."""
from harper_test import expect, run_tests

SYSTEM_403 = (403, {"error": "The 'system' database, tables and records are used internally "
                             "by HarperDB and cannot be updated or removed."})


def ok_message(srv, body, message):
    expect(srv.op(body), (200, {"message": message}), body.get("operation"))


def err(srv, body, status, message):
    expect(srv.op(body), (status, {"error": message}), repr(body))


def test_create_and_drop_database(srv):
    ok_message(srv, {"operation": "create_database", "database": "dev"},
               "database 'dev' successfully created")
    err(srv, {"operation": "create_database", "database": "dev"}, 400,
        "database 'dev' already exists")
    # The legacy name and its parameter; replies still say "database".
    ok_message(srv, {"operation": "create_schema", "schema": "legacy"},
               "database 'legacy' successfully created")
    # `database` wins over `schema`.
    ok_message(srv, {"operation": "create_database", "database": "won", "schema": "lost"},
               "database 'won' successfully created")
    ok_message(srv, {"operation": "create_database", "database": "h*rper%1"},
               "database 'h*rper%1' successfully created")
    ok_message(srv, {"operation": "create_database", "database": "123"},
               "database '123' successfully created")
    status, names = srv.op({"operation": "describe_all"})
    expect(status, 200)
    for name in ("dev", "legacy", "won", "h*rper%1", "123"):
        assert name in names, (name, names)
    assert "lost" not in names and "system" not in names, names

    ok_message(srv, {"operation": "drop_database", "database": "dev"},
               "successfully deleted 'dev'")
    ok_message(srv, {"operation": "drop_schema", "schema": "legacy"},
               "successfully deleted 'legacy'")
    err(srv, {"operation": "drop_database", "database": "dev"}, 404,
        "database 'dev' does not exist")
    err(srv, {"operation": "describe_database", "database": "dev"}, 404,
        "database 'dev' does not exist")
    expect(srv.op({"operation": "drop_database", "database": "won", "replicated": True}),
           (200, {"message": "successfully deleted 'won'", "replicated": []}), "replicated")


def test_database_parameter_errors(srv):
    long_name = "a" * 251
    cases = [
        ({"operation": "create_database", "database": 5}, "'database' must be a string"),
        ({"operation": "create_database", "database": None}, "'database' must be a string"),
        ({"operation": "create_database", "database": ""},
         "'database' is not allowed to be empty"),
        ({"operation": "create_database", "database": "a/b"},
         "'database' names cannot include backticks or forward slashes"),
        ({"operation": "create_database", "database": "a`b"},
         "'database' names cannot include backticks or forward slashes"),
        ({"operation": "create_database", "database": "caf\u00e9"},
         "'database' names cannot include backticks or forward slashes"),
        ({"operation": "create_database", "database": long_name},
         "'database' length must be less than or equal to 250 characters long"),
        ({"operation": "create_database", "database": "a/" * 126},
         "'database' length must be less than or equal to 250 characters long. "
         "'database' names cannot include backticks or forward slashes"),
        ({"operation": "create_database", "database": "ok", "schema": "a/b"},
         "'schema' names cannot include backticks or forward slashes"),
        ({"operation": "drop_database"}, "'database' is required"),
        ({"operation": "drop_database", "database": 5}, "'database' must be a string"),
        ({"operation": "drop_database", "database": ""},
         "'database' is not allowed to be empty"),
        ({"operation": "drop_database", "database": "system", "schema": 5},
         "'schema' must be a string"),
        ({"operation": "describe_database", "database": 5}, "'database' must be a string"),
        ({"operation": "describe_database", "database": "data", "exact_count": "yes"},
         "'exact_count' must be a boolean"),
    ]
    for body, message in cases:
        err(srv, body, 400, message)
    # Names that break the pattern are simply not found where nothing is created.
    err(srv, {"operation": "drop_database", "database": "a/b"}, 404,
        "database 'a/b' does not exist")
    err(srv, {"operation": "describe_database", "database": "a/b"}, 404,
        "database 'a/b' does not exist")
    srv.ok({"operation": "create_database", "database": "dev"})
    for op in ("describe_table", "drop_table"):
        err(srv, {"operation": op, "database": "dev", "table": "a/b"}, 404,
            "Table 'dev.a/b' does not exist")


def test_create_and_drop_table(srv):
    ok_message(srv, {"operation": "create_table", "database": "dev", "table": "dog",
                     "primary_key": "id"},
               "table 'dev.dog' successfully created.")
    err(srv, {"operation": "create_table", "database": "dev", "table": "dog",
              "primary_key": "id"}, 400, "Table 'dog' already exists in 'dev'")
    # The database was created on the way; `data` is the default one.
    expect(srv.op({"operation": "describe_database", "database": "dev"})[0], 200, "dev exists")
    ok_message(srv, {"operation": "create_table", "table": "cat", "hash_attribute": "key"},
               "table 'data.cat' successfully created.")
    ok_message(srv, {"operation": "create_table", "schema": "old", "table": "bird",
                     "hash_attribute": "id"},
               "table 'old.bird' successfully created.")
    # primary_key wins over hash_attribute.
    ok_message(srv, {"operation": "create_table", "database": "dev", "table": "both",
                     "primary_key": "pk", "hash_attribute": "other"},
               "table 'dev.both' successfully created.")
    status, desc = srv.op({"operation": "describe_table", "database": "dev", "table": "both"})
    expect((status, desc["hash_attribute"]), (200, "pk"), "primary_key wins")
    status, desc = srv.op({"operation": "describe_table", "table": "cat"})
    expect((status, desc["schema"], desc["hash_attribute"]), (200, "data", "key"), "data.cat")

    ok_message(srv, {"operation": "drop_table", "database": "dev", "table": "dog"},
               "successfully deleted table 'dev.dog'")
    ok_message(srv, {"operation": "drop_table", "table": "cat"},
               "successfully deleted table 'data.cat'")
    ok_message(srv, {"operation": "drop_table", "schema": "old", "table": "bird"},
               "successfully deleted table 'old.bird'")
    expect(srv.op({"operation": "drop_table", "database": "dev", "table": "both",
                   "replicated": True}),
           (200, {"message": "successfully deleted table 'dev.both'", "replicated": []}),
           "replicated drop")
    err(srv, {"operation": "drop_table", "database": "dev", "table": "dog"}, 404,
        "Table 'dev.dog' does not exist")
    err(srv, {"operation": "drop_table", "database": "nope", "table": "dog"}, 404,
        "database 'nope' does not exist")
    err(srv, {"operation": "describe_table", "database": "dev", "table": "dog"}, 404,
        "Table 'dev.dog' does not exist")
    err(srv, {"operation": "describe_table", "database": "nope", "table": "dog"}, 404,
        "database 'nope' does not exist")
    # The database stays when its last table goes.
    expect(srv.op({"operation": "describe_database", "database": "dev"}), (200, {}), "empty db")


def test_table_parameter_errors(srv):
    cases = [
        ({"operation": "create_table", "database": "dev"},
         "'table' is required. 'primary_key' is required"),
        ({"operation": "create_table", "database": "dev", "table": "x"},
         "'primary_key' is required"),
        ({"operation": "create_table", "database": "dev", "table": "x", "primary_key": None},
         "'primary_key' is required"),
        ({"operation": "create_table", "database": "dev", "table": "x", "primary_key": 5},
         "'primary_key' must be a string"),
        ({"operation": "create_table", "database": "dev", "table": "x", "primary_key": ""},
         "'hash_attribute' is not allowed to be empty"),
        ({"operation": "create_table", "database": "dev", "table": "x", "primary_key": "i/d"},
         "'hash_attribute' names cannot include backticks or forward slashes"),
        ({"operation": "create_table", "database": "dev", "table": 5, "primary_key": "id"},
         "'table' must be a string"),
        ({"operation": "create_table", "database": "dev", "table": "", "primary_key": "id"},
         "'table' is not allowed to be empty"),
        ({"operation": "create_table", "database": "dev", "table": "a" * 251,
          "primary_key": "id"},
         "'table' length must be less than or equal to 250 characters long"),
        ({"operation": "create_table", "database": 5, "table": "x", "primary_key": "id"},
         "'database' must be a string. 'schema' must be a string"),
        ({"operation": "create_table", "database": "", "table": "x", "primary_key": "id"},
         "'database' is not allowed to be empty"),
        ({"operation": "create_table", "database": "a/b", "table": "x/y", "primary_key": "i`d"},
         "'database' names cannot include backticks or forward slashes. "
         "'schema' names cannot include backticks or forward slashes. "
         "'table' names cannot include backticks or forward slashes. "
         "'hash_attribute' names cannot include backticks or forward slashes"),
        ({"operation": "create_table", "database": "dev", "table": "x", "primary_key": "id",
          "residence": ["a"]},
         "Clustering does not appear to be enabled. Cannot insert table with property "
         "'residence'."),
        ({"operation": "drop_table", "database": "dev"}, "'table' is required"),
        ({"operation": "drop_table", "database": "dev", "table": 5}, "'table' must be a string"),
        ({"operation": "drop_table", "database": "dev", "table": ""},
         "'table' is not allowed to be empty"),
        ({"operation": "describe_table", "database": "dev"}, "'table' is required"),
        ({"operation": "describe_table", "database": "dev", "table": 5},
         "'table' must be a string"),
        ({"operation": "describe_table", "database": "dev", "table": "x", "exact_count": 1},
         "'exact_count' must be a boolean"),
        ({"operation": "describe_table", "database": "dev", "table": "x",
          "include_computed": "no"},
         "'include_computed' must be a boolean"),
    ]
    for body, message in cases:
        err(srv, body, 400, message)
    # Nothing above created anything.
    expect(srv.op({"operation": "describe_database", "database": "dev"})[0], 404, "no dev")
    err(srv, {"operation": "create_table", "database": "dev", "table": "neg",
              "primary_key": "id", "expiration": -5}, 500, "Expiration can not be negative")


def test_system_database_is_protected(srv):
    expect(srv.op({"operation": "drop_database", "database": "system"}), SYSTEM_403, "drop db")
    expect(srv.op({"operation": "drop_table", "database": "system", "table": "hdb_user"}),
           SYSTEM_403, "drop table")
    expect(srv.op({"operation": "drop_table", "schema": "system"}), SYSTEM_403,
           "checked before the parameters")
    expect(srv.op({"operation": "drop_attribute", "database": "system", "table": "hdb_user",
                   "attribute": "role"}), SYSTEM_403, "drop attribute")
    err(srv, {"operation": "create_database", "database": "system"}, 400,
        "database 'system' already exists")
    status, body = srv.op({"operation": "describe_all"})
    assert status == 200 and "system" not in body, body
    # A super user may look inside.
    status, body = srv.op({"operation": "describe_table", "database": "system",
                           "table": "hdb_user"})
    expect((status, body["name"], body["hash_attribute"]), (200, "hdb_user", "username"),
           "describe system.hdb_user")
    status, body = srv.op({"operation": "describe_database", "database": "system"})
    assert status == 200 and "hdb_user" in body and "hdb_role" in body, body


def check_sizes(desc):
    """Sizes depend on the storage engine: numbers, but no exact value."""
    for key in ("db_size", "table_size", "db_audit_size"):
        assert isinstance(desc.get(key), int) and desc[key] >= 0, (key, desc)
        desc[key] = 0
    return desc


def test_describe_matches_harper(srv):
    """Every field and the key order as the reference Harper 4.7 answers, sizes aside. All
    differences are collected before the test fails, so one run lists them all."""
    problems = []

    def check(body, want):
        srv.ok(body)
        status, got = srv.op({"operation": "describe_table", "database": "dev",
                              "table": body["table"]})
        got = check_sizes(got) if status == 200 else got
        if (status, list(got.items())) != (200, list(want.items())):
            problems.append("%s:\n  got:  %s\n  want: %s" % (body["table"], got, want))

    def described(name, attributes, extra=(), schema_defined=True, audit=True):
        return dict([("schema", "dev"), ("name", name), ("hash_attribute", "id"),
                     ("audit", audit), ("schema_defined", schema_defined),
                     ("attributes", attributes), ("db_size", 0)] + list(extra) +
                    [("sources", []), ("record_count", 0), ("table_size", 0),
                     ("db_audit_size", 0)])

    stamps = [{"attribute": "__createdtime__", "indexed": True},
              {"attribute": "__updatedtime__", "indexed": True}]
    check({"operation": "create_table", "database": "dev", "table": "dog", "primary_key": "id"},
          described("dog", [{"attribute": "id", "is_primary_key": True}] + stamps,
                    schema_defined=False))
    check({"operation": "create_table", "database": "dev", "table": "cat", "primary_key": "id",
           "attributes": [{"name": "id", "type": "ID", "is_primary_key": True},
                          {"name": "name", "type": "String", "indexed": True,
                           "nullable": False},
                          {"name": "age", "type": "Int"}, {"name": "tags", "type": "Any"},
                          {"name": "n", "type": "Float", "nullable": True}]},
          described("cat", [{"attribute": "id", "type": "ID", "is_primary_key": True},
                            {"attribute": "name", "type": "String", "indexed": True,
                             "nullable": False},
                            {"attribute": "age", "type": "Int"},
                            {"attribute": "tags", "type": "Any"},
                            {"attribute": "n", "type": "Float", "nullable": True}]))
    check({"operation": "create_table", "database": "dev", "table": "pk", "primary_key": "id",
           "attributes": [{"name": "id", "indexed": True}, {"name": "list", "type": "Array",
                                                            "elements": "String"}]},
          described("pk", [{"attribute": "id", "indexed": True, "is_primary_key": True},
                           {"attribute": "list", "type": "Array"}]))
    check({"operation": "create_table", "database": "dev", "table": "ts", "primary_key": "id",
           "attributes": [{"name": "id"}, {"name": "c", "type": "Date", "assignCreatedTime": True},
                          {"name": "u", "assignUpdatedTime": True},
                          {"name": "x", "created_time": True}]},
          described("ts", [{"attribute": "id", "is_primary_key": True},
                           {"attribute": "c", "type": "Date", "assigned_created_time": True},
                           {"attribute": "u", "assigned_updated_time": True},
                           {"attribute": "x"}]))
    check({"operation": "create_table", "database": "dev", "table": "exp",
           "hash_attribute": "id", "expiration": 3600, "audit": False},
          described("exp", [{"attribute": "id", "is_primary_key": True}] + stamps,
                    [("expiration", "3600s")], schema_defined=False, audit=False))
    check({"operation": "create_table", "database": "dev", "table": "exp0",
           "hash_attribute": "id", "expiration": 0},
          described("exp0", [{"attribute": "id", "is_primary_key": True}] + stamps,
                    [("expiration", "0s")], schema_defined=False))
    srv.ok({"operation": "create_attribute", "database": "dev", "table": "dog",
            "attribute": "plain", "indexed": False})
    status, got = srv.op({"operation": "describe_table", "database": "dev", "table": "dog"})
    if got["attributes"][3:] != [{"attribute": "plain", "indexed": False}]:
        problems.append("create_attribute indexed false: %s" % got["attributes"][3:])

    # Databases with tables first, then empty ones; tables in creation order; no `system`.
    srv.ok({"operation": "create_database", "database": "aaa_empty"})
    status, all_dbs = srv.op({"operation": "describe_all"})
    expect(status, 200)
    names = list(all_dbs.keys())
    if names.index("dev") > names.index("aaa_empty") or all_dbs["aaa_empty"] != {}:
        problems.append("describe_all database order: %s" % names)
    if list(all_dbs["dev"].keys()) != ["dog", "cat", "pk", "ts", "exp", "exp0"]:
        problems.append("table order: %s" % list(all_dbs["dev"].keys()))
    assert not problems, "\n".join(problems)


def test_describe_counts_and_flags(srv):
    srv.ok({"operation": "create_table", "database": "dev", "table": "dog",
            "primary_key": "id"})
    srv.ok({"operation": "insert", "database": "dev", "table": "dog",
            "records": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]})
    status, desc = srv.op({"operation": "describe_table", "database": "dev", "table": "dog"})
    expect(status, 200)
    expect(desc["record_count"], 2, "record_count")
    assert isinstance(desc.get("last_updated_record"), (int, float)), desc
    expect([a["attribute"] for a in desc["attributes"]],
           ["id", "__createdtime__", "__updatedtime__", "name"], "attribute added on insert")
    status, desc = srv.op({"operation": "describe_table", "database": "dev", "table": "dog",
                           "exact_count": True})
    expect((status, desc["record_count"]), (200, 2), "exact count")
    status, db = srv.op({"operation": "describe_database", "database": "dev"})
    expect((status, list(db.keys()), db["dog"]["record_count"]), (200, ["dog"], 2), "db")
    status, db = srv.op({"operation": "describe_schema", "schema": "dev"})
    expect((status, list(db.keys())), (200, ["dog"]), "describe_schema alias")
    # A malformed flag makes every table of describe_all fail, as in Harper: empty databases.
    status, all_dbs = srv.op({"operation": "describe_all", "exact_count": "yes"})
    expect((status, all_dbs["dev"]), (200, {}), "describe_all with a bad flag")
    status, all_dbs = srv.op({"operation": "describe_all", "exact_count": True})
    expect((status, all_dbs["dev"]["dog"]["record_count"]), (200, 2), "describe_all")


def test_attributes(srv):
    srv.ok({"operation": "create_table", "database": "dev", "table": "dog",
            "primary_key": "id"})
    ok_message(srv, {"operation": "create_attribute", "database": "dev", "table": "dog",
                     "attribute": "breed"},
               "attribute 'dev.dog.breed' successfully created.")
    ok_message(srv, {"operation": "create_attribute", "database": "dev", "table": "dog",
                     "attribute": "weight", "indexed": False},
               "attribute 'dev.dog.weight' successfully created.")
    ok_message(srv, {"operation": "create_attribute", "table": "dog", "schema": "dev",
                     "attribute": "age"},
               "attribute 'dev.dog.age' successfully created.")
    err(srv, {"operation": "create_attribute", "database": "dev", "table": "dog",
              "attribute": "breed"}, 400, "attribute 'breed' already exists in dev.dog")
    err(srv, {"operation": "create_attribute", "database": "dev", "table": "dog"}, 400,
        "Attribute name is required")
    err(srv, {"operation": "create_attribute", "database": "dev", "table": "dog",
              "attribute": ""}, 400, "Attribute name is required")
    err(srv, {"operation": "create_attribute", "database": "dev", "table": "dog",
              "attribute": "a/b"}, 400,
        "Attribute names cannot include backticks or forward slashes")
    # Harper fails here with a 500 from deep inside; spec 7.5 asks for the usual 404s.
    err(srv, {"operation": "create_attribute", "database": "dev", "table": "nope",
              "attribute": "x"}, 404, "Table 'dev.nope' does not exist")
    err(srv, {"operation": "create_attribute", "database": "nope", "table": "nope",
              "attribute": "x"}, 404, "database 'nope' does not exist")
    status, desc = srv.op({"operation": "describe_table", "database": "dev", "table": "dog"})
    expect([a["attribute"] for a in desc["attributes"]],
           ["id", "__createdtime__", "__updatedtime__", "breed", "weight", "age"], "added")
    expect(desc["attributes"][3], {"attribute": "breed", "indexed": True}, "indexed default")

    ok_message(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog",
                     "attribute": "breed"}, "successfully deleted attribute 'breed'")
    # Harper answers the same for an attribute that is not there.
    ok_message(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog",
                     "attribute": "breed"}, "successfully deleted attribute 'breed'")
    err(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog",
              "attribute": "id"}, 400, "You cannot drop a hash attribute")
    for name in ("__createdtime__", "__updatedtime__"):
        err(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog",
                  "attribute": name}, 400, "cannot drop internal timestamp attribute: " + name)
    err(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog"}, 400,
        "'attribute' is required")
    err(srv, {"operation": "drop_attribute", "database": "dev", "attribute": "x"}, 400,
        "'table' is required")
    err(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog",
              "attribute": 5}, 400, "'attribute' must be a string")
    err(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog",
              "attribute": ""}, 400, "'attribute' is not allowed to be empty")
    err(srv, {"operation": "drop_attribute", "database": "dev", "table": "nope",
              "attribute": "x"}, 404, "Table 'dev.nope' does not exist")
    err(srv, {"operation": "drop_attribute", "database": "nope", "table": "nope",
              "attribute": "x"}, 404, "database 'nope' does not exist")
    status, desc = srv.op({"operation": "describe_table", "database": "dev", "table": "dog"})
    expect([a["attribute"] for a in desc["attributes"]],
           ["id", "__createdtime__", "__updatedtime__", "weight", "age"], "after drops")


def test_dropped_attribute_leaves_records(srv):
    srv.ok({"operation": "create_table", "database": "dev", "table": "dog",
            "primary_key": "id"})
    srv.ok({"operation": "insert", "database": "dev", "table": "dog",
            "records": [{"id": 1, "name": "a", "breed": "lab"}]})
    ok_message(srv, {"operation": "drop_attribute", "database": "dev", "table": "dog",
                     "attribute": "breed"}, "successfully deleted attribute 'breed'")
    status, rows = srv.op({"operation": "search_by_id", "database": "dev", "table": "dog",
                           "ids": [1], "get_attributes": ["*"]})
    expect(status, 200, "search after the drop")
    expect((rows[0]["id"], rows[0]["name"], "breed" in rows[0]), (1, "a", False),
           "value removed from the record")
    err(srv, {"operation": "search_by_id", "database": "dev", "table": "dog", "ids": [1],
              "get_attributes": ["breed"]}, 500, "unknown attribute 'breed'")


def test_schema_survives_restart(srv):
    srv.ok({"operation": "create_table", "database": "dev", "table": "dog",
            "primary_key": "id"})
    srv.ok({"operation": "create_table", "database": "dev", "table": "cat", "primary_key": "id",
            "attributes": [{"name": "id", "type": "Int"}, {"name": "name", "type": "String",
                                                            "indexed": True}]})
    srv.ok({"operation": "create_attribute", "database": "dev", "table": "dog",
            "attribute": "breed"})
    srv.ok({"operation": "create_database", "database": "empty"})
    before = srv.ok({"operation": "describe_all"})
    srv.stop()
    srv.start()
    after = srv.ok({"operation": "describe_all"})
    for desc in (before, after):
        for db in desc.values():
            for table in db.values():
                check_sizes(table)
    expect(after, before, "describe_all after a restart")
    err(srv, {"operation": "create_table", "database": "dev", "table": "dog",
              "primary_key": "id"}, 400, "Table 'dog' already exists in 'dev'")


if __name__ == "__main__":
    run_tests(globals())
