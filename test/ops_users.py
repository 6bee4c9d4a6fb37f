#!/usr/bin/env python3
"""Users over the Operations API against the real server (spec operations-api.md 10.1):
add_user, alter_user, drop_user, list_users and user_info, their exact bodies and statuses,
and that what they change is what Basic authentication sees. Bodies were checked against the
reference Harper 4.7."""
from harper_test import ADMIN, Server, expect, run_tests

SUPER_ROLE = {"permission": {"super_user": True}, "role": "super_user", "id": "super_user"}
LOGIN_FAILED = {"error": "Login failed"}
INACTIVE = {"error": "Cannot complete request: User is inactive"}
NOTHING = "nothing to update, must supply active, role or password to update"


def without_times(v):
    """v with every __createdtime__/__updatedtime__ removed, after checking they are epoch ms."""
    if isinstance(v, list):
        return [without_times(x) for x in v]
    if not isinstance(v, dict):
        return v
    out = {}
    for k, x in v.items():
        if k in ("__createdtime__", "__updatedtime__"):
            assert isinstance(x, (int, float)) and x > 1.6e12, (k, x)
        elif k == "permission":
            out[k] = x
        else:
            out[k] = without_times(x)
    return out


def add(srv, name, password, role="super_user", active=True):
    expect(srv.op({"operation": "add_user", "username": name, "password": password,
                   "role": role, "active": active}),
           (200, {"message": "%s successfully added" % name}), "add_user " + name)


def alter_ok(srv, body, name):
    """alter_user that must update `name`; checks the whole reply but the txn_time."""
    status, reply = srv.op(dict(body, operation="alter_user"))
    expect(status, 200, "alter_user %r: %r" % (body, reply))
    assert isinstance(reply.pop("txn_time"), (int, float)), reply
    expect(reply, {"message": "updated 1 of 1 records", "update_hashes": [name],
                   "skipped_hashes": []}, "alter_user reply")


def user_info(srv, auth):
    return srv.op({"operation": "user_info"}, auth=auth)


def test_add_user_then_login(srv):
    add(srv, "bob", "b:o b")
    status, info = user_info(srv, ("bob", "b:o b"))
    expect(status, 200, "user_info as bob")
    expect(list(info), ["active", "username", "role"], "user_info keys in Harper's order")
    expect(without_times(info), {"active": True, "username": "bob", "role": SUPER_ROLE})
    expect(user_info(srv, ("bob", "b:o")), (401, LOGIN_FAILED), "wrong password")
    expect(user_info(srv, ("nobody", "b:o b")), (401, LOGIN_FAILED), "unknown user")
    # The new user is a super user: it may manage users itself.
    add(srv, "carl", "pw")
    expect(srv.op({"operation": "drop_user", "username": "carl"}, auth=("bob", "b:o b")),
           (200, {"message": "carl successfully deleted"}))


def test_add_user_errors(srv):
    cases = [
        ({}, 400, "Username can't be blank,Password can't be blank,Role can't be blank,"
                  "Active can't be blank"),
        ({"username": "u"}, 400, "Password can't be blank,Role can't be blank,"
                                 "Active can't be blank"),
        ({"username": "u", "password": "", "role": "", "active": ""}, 400,
         "Role is invalid,Active must be a boolean"),
        ({"username": "u", "password": "p", "role": "super_user", "active": "yes"}, 400,
         "Active must be a boolean"),
        ({"username": "u", "password": "p", "role": "zz dev", "active": True}, 400,
         "Role is invalid"),
        ({"username": "u", "password": "p", "role": "nope", "active": True}, 404,
         "nope role not found"),
        ({"username": "admin", "password": "p", "role": "nope", "active": True}, 404,
         "nope role not found"),
        ({"username": "admin", "password": "p", "role": "super_user", "active": True}, 409,
         "User admin already exists"),
    ]
    for body, status, message in cases:
        expect(srv.op(dict(body, operation="add_user")), (status, {"error": message}),
               "add_user %r" % body)
    status, users = srv.op({"operation": "list_users"})
    expect((status, [u["username"] for u in users]), (200, ["admin"]), "nothing was added")
    expect(user_info(srv, ("admin", "p")), (401, LOGIN_FAILED), "admin's password unchanged")


def test_list_users_shape(srv):
    add(srv, "zed", "pw", active=False)
    add(srv, "amy", "pw")
    status, users = srv.op({"operation": "list_users", "extra": 1})
    expect(status, 200, "list_users")
    for u in users:
        expect(list(u), ["username", "role", "active", "__updatedtime__", "__createdtime__"],
               "keys of %s: no password, hash_function, hash or refresh_token" % u["username"])
    expect(without_times(users), [
        {"username": "admin", "role": SUPER_ROLE, "active": True},
        {"username": "amy", "role": SUPER_ROLE, "active": True},
        {"username": "zed", "role": SUPER_ROLE, "active": False},
    ])


def test_alter_user_errors(srv):
    cases = [
        ({}, 500, "username is required"),
        ({"username": "", "active": True}, 500, "username is required"),
        ({"username": "admin"}, 500, NOTHING),
        ({"username": "admin", "password": "", "role": None, "foo": 1}, 500, NOTHING),
        ({"username": "admin", "password": "  "}, 500, "password cannot be an empty string"),
        ({"username": "admin", "active": True, "password": ""}, 500,
         "password cannot be an empty string"),
        ({"username": "admin", "active": "true"}, 500, "active must be true or false"),
        ({"username": "admin", "active": True, "role": ""}, 500,
         "If role is specified, it cannot be empty."),
        ({"username": "admin", "role": "blahblah"}, 404,
         "Update failed.  Requested 'blahblah' role not found."),
        ({"username": "nobody", "role": "blahblah"}, 404,
         "Update failed.  Requested 'blahblah' role not found."),
    ]
    for body, status, message in cases:
        expect(srv.op(dict(body, operation="alter_user")), (status, {"error": message}),
               "alter_user %r" % body)
    expect(user_info(srv, ADMIN)[0], 200, "admin unchanged")


def test_alter_user_changes_login(srv):
    add(srv, "dee", "one")
    expect(user_info(srv, ("dee", "one"))[0], 200, "dee logs in")
    alter_ok(srv, {"username": "dee", "active": False}, "dee")
    expect(user_info(srv, ("dee", "one")), (401, INACTIVE), "inactive, right password")
    expect(user_info(srv, ("dee", "two")), (401, INACTIVE), "inactive, wrong password")
    alter_ok(srv, {"username": "dee", "active": True, "password": "two"}, "dee")
    expect(user_info(srv, ("dee", "one")), (401, LOGIN_FAILED), "old password")
    status, info = user_info(srv, ("dee", "two"))
    expect((status, without_times(info)),
           (200, {"active": True, "username": "dee", "role": SUPER_ROLE}), "new password")
    # An unknown user is skipped, not an error.
    status, reply = srv.op({"operation": "alter_user", "username": "nobody", "active": True})
    expect(status, 200, "alter_user of an unknown user")
    assert isinstance(reply.pop("txn_time"), (int, float)), reply
    expect(reply, {"message": "updated 0 of 1 records", "update_hashes": [],
                   "skipped_hashes": ["nobody"]})


def test_drop_user(srv):
    add(srv, "eve", "pw")
    expect(user_info(srv, ("eve", "pw"))[0], 200, "eve logs in")
    expect(srv.op({"operation": "drop_user", "username": "eve"}),
           (200, {"message": "eve successfully deleted"}))
    expect(user_info(srv, ("eve", "pw")), (401, LOGIN_FAILED), "dropped user")
    expect(srv.op({"operation": "describe_all"}, auth=("eve", "pw")), (401, LOGIN_FAILED),
           "dropped user, another operation")
    expect(srv.op({"operation": "drop_user", "username": "eve"}),
           (404, {"error": "User eve does not exist"}))
    expect(srv.op({"operation": "drop_user"}), (400, {"error": "Username can't be blank"}))
    expect(srv.op({"operation": "drop_user", "username": 5}),
           (404, {"error": "User 5 does not exist"}))


def test_user_info_for_trusted_local_requests(srv):
    add(srv, "amy", "pw")
    srv.stop()
    # The same root again, with and then without authorizeLocal.
    for authorize_local, want in (
            ("false", (401, {"error": "Must login"})),
            ("true", (200, {"active": True, "username": "admin", "role": SUPER_ROLE}))):
        local = Server(root=srv.root, env={"AUTHENTICATION_AUTHORIZELOCAL": authorize_local})
        local.start()
        try:
            status, info = user_info(local, None)
            expect((status, without_times(info)), want,
                   "user_info without credentials, authorizeLocal " + authorize_local)
            status, info = user_info(local, ("amy", "pw"))
            expect((status, info["username"]), (200, "amy"), "credentials still count")
        finally:
            expect(local.stop(), 0, "exit status")


if __name__ == "__main__":
    run_tests(globals())
