/* harper.h: the public C API of libharper, an embeddable Harper database.
 *
 * Conventions (they hold for every function below unless its comment says otherwise):
 * - Handles are opaque. A constructor (`_open`, `_new`, `_begin`) hands out a handle; the
 *   matching `_close`/`_free` releases it; releasing NULL does nothing.
 * - Fallible calls return `int`: HARPER_OK (0) or a negative HARPER_E* code. A few return a
 *   count or a flag >= 0 and say so.
 * - Details of a failure go into a caller-owned `harper_error`, always the last argument, which
 *   may be NULL. It is untouched on success.
 * - Data (records, keys, values) is JSON text passed as pointer + length; it need not be
 *   NUL-terminated. Names (databases, tables, attributes) are NUL-terminated UTF-8.
 * - Primary keys travel as JSON: `7`, `"abc"` or an array for a composite key. Keys are
 *   type-exact: `1` and `"1"` are different records.
 * - The caller owns what it passes in; the library copies what it keeps. A buffer the library
 *   returns through `char **` belongs to the caller and goes back through harper_free().
 *   Borrowed results are `const` and their lifetime is stated.
 * - A failed call changes nothing: no partial write.
 * - The library never prints. It logs through the callback set with harper_options_set_log().
 * - Every function states its thread-safety:
 *     safe        any thread, concurrently;
 *     per handle  different handles concurrently, one handle from one thread at a time;
 *     no          one thread at a time in the whole library.
 */
#ifndef HARPER_H
#define HARPER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HARPER_API __attribute__((visibility("default")))
#else
#define HARPER_API
#endif

#define HARPER_VERSION_MAJOR 0
#define HARPER_VERSION_MINOR 1
#define HARPER_VERSION_PATCH 0

/* ---------------------------------------------------------------------------------------------
 * Errors
 */

/* X(name, value, text): one table yields the codes and harper_strerror(). */
#define HARPER_ERRNO_MAP(X)                                                        \
    X(OK, 0, "success")                                                            \
    X(EINVAL, -1, "invalid argument")                                              \
    X(ENOTFOUND, -2, "not found")                                                  \
    X(EEXIST, -3, "already exists")                                                \
    X(ENOMEM, -4, "out of memory")                                                 \
    X(EIO, -5, "storage error")                                                    \
    X(EBUSY, -6, "busy: conflicting transaction or open handles")                  \
    X(EMISUSE, -7, "library used incorrectly")                                     \
    X(ECORRUPT, -8, "stored data is corrupt")                                      \
    X(ETOOBIG, -9, "value too large")                                              \
    X(ENODB, -10, "database does not exist")                                       \
    X(ENOTABLE, -11, "table does not exist")                                       \
    X(ENOATTR, -12, "attribute does not exist")                                    \
    X(EAUTH, -13, "authentication failed")                                         \
    X(EPERM, -14, "not permitted")                                                 \
    X(ECONFLICT, -15, "conflicts with what exists")

enum {
#define HARPER_ERRNO_ENUM(name, value, text) HARPER_##name = value,
    HARPER_ERRNO_MAP(HARPER_ERRNO_ENUM)
#undef HARPER_ERRNO_ENUM
};

/* Details of a failure. `message` is Harper's own wording where Harper has one
 * (e.g. "Table 'dev.dog' does not exist"), always NUL-terminated. */
typedef struct harper_error {
    int code;
    char message[512];
} harper_error;

/* A static description of `code`, never NULL. Thread-safety: safe. */
HARPER_API const char *harper_strerror(int code);

/* "MAJOR.MINOR.PATCH" of the library that is running. Thread-safety: safe. */
HARPER_API const char *harper_version(void);

/* Releases a buffer the library returned. NULL does nothing. Thread-safety: safe. */
HARPER_API void harper_free(void *p);

/* ---------------------------------------------------------------------------------------------
 * Options and logging
 */

typedef struct harper_options harper_options;

enum harper_log_level {
    HARPER_LOG_ERROR = 0,
    HARPER_LOG_WARN = 1,
    HARPER_LOG_INFO = 2,
    HARPER_LOG_DEBUG = 3
};

/* A log line: `module` names the library part ("store", "catalog", ...); both strings are
 * valid only during the call. It may be called from any thread that calls into the library. */
typedef void (*harper_log_fn)(int level, const char *module, const char *message, void *user);

/* Options are copied by harper_open(); the object can be freed right after.
 * Thread-safety: per handle. */
HARPER_API int harper_options_new(harper_options **opts);
HARPER_API void harper_options_free(harper_options *opts);

/* Log callback and the most verbose level passed to it (default: no callback, HARPER_LOG_INFO).
 * HARPER_EINVAL for a level outside ERROR..DEBUG. */
HARPER_API int harper_options_set_log(harper_options *opts, harper_log_fn fn, void *user,
                                      int max_level);

/* 1: every commit waits for the write-ahead log to reach the disk (survives power loss).
 * 0 (default): a commit survives the process being killed, not the machine losing power. */
HARPER_API int harper_options_set_sync(harper_options *opts, int sync);

/* Size of the RocksDB block cache shared by all databases, in bytes (default 64 MiB).
 * HARPER_EINVAL below 1 MiB. */
HARPER_API int harper_options_set_cache_size(harper_options *opts, size_t bytes);

/* ---------------------------------------------------------------------------------------------
 * The root: one folder holding every database (`<root>/database/<name>/`)
 */

typedef struct harper harper;

/* Opens (creating if needed) the root folder `root`. Databases open on first use.
 * `opts` may be NULL for defaults. On success *out is the handle. Thread-safety: safe. */
HARPER_API int harper_open(const char *root, const harper_options *opts, harper **out,
                           harper_error *err);

/* Closes every database and frees `h`. HARPER_EBUSY (and nothing is closed) while a table
 * handle, transaction, query or cursor of it is still open. NULL: HARPER_OK. Thread-safety: no. */
HARPER_API int harper_close(harper *h);

/* ---------------------------------------------------------------------------------------------
 * Databases
 */

/* Creates database `db`. HARPER_EEXIST ("database 'x' already exists") if it is there.
 * Thread-safety: safe. */
HARPER_API int harper_db_create(harper *h, const char *db, harper_error *err);

/* Drops database `db` with all its tables and files. HARPER_ENODB if it does not exist;
 * HARPER_EBUSY while a handle into it is open. Thread-safety: safe. */
HARPER_API int harper_db_drop(harper *h, const char *db, harper_error *err);

/* Returns 1 if database `db` exists, 0 if not. Thread-safety: safe. */
HARPER_API int harper_db_exists(harper *h, const char *db);

/* The database names as a JSON array of strings, sorted, in a new buffer (harper_free).
 * Thread-safety: safe. */
HARPER_API int harper_db_list(harper *h, char **json, size_t *len, harper_error *err);

/* ---------------------------------------------------------------------------------------------
 * Tables
 *
 * A table definition is a JSON object:
 *   {"primary_key": "id",                       required; alias "hash_attribute"
 *    "attributes": [{"name": "id", "type": "Long"},
 *                   {"name": "name", "type": "String", "nullable": false},
 *                   {"name": "breed", "indexed": true}, ...],
 *    "expiration": 3600,                        seconds, optional
 *    "audit": true,                             default true
 *    "sealed": false}                           reject undeclared properties
 * Without "attributes" the table is dynamic (Harper's schema_defined: false): it gets the
 * indexed timestamp attributes __createdtime__ and __updatedtime__, and undeclared properties
 * are stored as given. Types: ID String Int Long Float Boolean Date BigInt Bytes Any, or an
 * array of one of them as {"type": "Array", "elements": "String"}. An attribute may carry
 * "created_time": true or "updated_time": true to be filled with the write's time.
 */

typedef struct harper_table harper_table;

/* Creates table `table` in database `db` (created if missing). HARPER_EEXIST
 * ("Table 'dog' already exists in 'dev'"); HARPER_EINVAL for a bad definition.
 * Thread-safety: safe. */
HARPER_API int harper_table_create(harper *h, const char *db, const char *table,
                                   const char *def_json, size_t def_len, harper_error *err);

/* Makes table `table` of database `db` have definition `def_json`: creates it as
 * harper_table_create does, or, when it exists, changes it as Harper applies a changed schema:
 * attributes new to it are added (an index wanted by one is built over the existing records
 * before this returns), attributes it no longer lists leave the definition but keep their
 * stored values, indexes no longer wanted are dropped, types, nullability and the table's
 * options (expiration, audit, sealed) change in place and apply to later writes. Defining a
 * table again the same way changes nothing. The primary key cannot change (HARPER_EINVAL).
 * *created (may be NULL) says whether the table was made. Thread-safety: safe. */
HARPER_API int harper_table_define(harper *h, const char *db, const char *table,
                                   const char *def_json, size_t def_len, int *created,
                                   harper_error *err);

/* Applies the schema.graphql text[0..len) (file_name names it in messages): every
 * `type X @table` is defined with harper_table_define (database "data" unless @table says,
 * table named after the type unless @table(table:) says; @primaryKey, @indexed, @createdTime,
 * @updatedTime, `!`, lists, @sealed, expiration and audit, which defaults to audit_default).
 * *tables (may be NULL; harper_free) receives a JSON array with one object per table type:
 * {"type", "database", "table", "created": bool, "relationships": [{"name", "from" and/or
 * "to" (the attributes it joins on), "database", "table" (the related table), "many"}],
 * "export": null or {"name", "rest", "mqtt"}}. Relationship fields are not stored.
 * HARPER_EINVAL with "<file>:<line>:<col>: Syntax Error: ..." for a file that does not
 * parse (nothing is defined then). Thread-safety: safe. */
HARPER_API int harper_schema_apply(harper *h, const char *text, size_t len,
                                   const char *file_name, int audit_default, char **tables,
                                   size_t *tables_len, harper_error *err);

/* Drops a table and all its records, indexes and audit log. HARPER_ENODB / HARPER_ENOTABLE.
 * Handles still open on it fail with HARPER_ENOTABLE from then on. Thread-safety: safe. */
HARPER_API int harper_table_drop(harper *h, const char *db, const char *table,
                                 harper_error *err);

/* A handle on an existing table. HARPER_ENODB / HARPER_ENOTABLE with Harper's messages.
 * Release it with harper_table_close(). Thread-safety: safe; the handle itself is safe too. */
HARPER_API int harper_table_open(harper *h, const char *db, const char *table,
                                 harper_table **out, harper_error *err);
HARPER_API void harper_table_close(harper_table *t);

/* Adds attribute `name` (indexed or not); existing records are indexed before it returns.
 * HARPER_EEXIST ("attribute 'age' already exists in dev.dog"). Thread-safety: safe. */
HARPER_API int harper_table_add_attribute(harper_table *t, const char *name, int indexed,
                                          harper_error *err);

/* Removes attribute `name` and its index. On a dynamic table the property is also removed
 * from every record. HARPER_EINVAL for the primary key or a timestamp attribute.
 * Thread-safety: safe. */
HARPER_API int harper_table_drop_attribute(harper_table *t, const char *name, harper_error *err);

/* For a dynamic table: registers (indexed) every top-level property of the record `json` that
 * is not yet an attribute, as Harper's Operations API does before a write. *added (may be
 * NULL) receives a JSON array of the names added (harper_free). Schema-defined tables add
 * nothing and give "[]". Thread-safety: safe. */
HARPER_API int harper_table_add_missing_attributes(harper_table *t, const char *json, size_t len,
                                                   char **added, size_t *added_len,
                                                   harper_error *err);

/* A number that changes whenever the table's definition does (attributes added, dropped or
 * redefined): a caller that keeps what harper_table_describe said knows when to ask again.
 * Thread-safety: safe. */
HARPER_API uint64_t harper_table_definition_version(harper_table *t);

enum harper_describe_flags {
    HARPER_DESCRIBE_EXACT_COUNT = 1, /* count records by a scan instead of the kept counter */
    HARPER_DESCRIBE_DEFINITION = 2   /* the definition only: no sizes, counts or last write
                                        (no disk access: cheap enough for every request) */
};

/* Harper's describe_table object for this table, in a new buffer (harper_free):
 * schema, name, hash_attribute, audit, schema_defined, attributes, record_count, db_size,
 * table_size, db_audit_size, last_updated_record (and expiration, sealed when set).
 * Thread-safety: safe. */
HARPER_API int harper_table_describe(harper_table *t, int flags, char **json, size_t *len,
                                     harper_error *err);

/* describe_database: {"<table>": <description>, ...}; describe_all: {"<db>": {...}, ...}
 * (the "system" database is left out of describe_all). Thread-safety: safe. */
HARPER_API int harper_db_describe(harper *h, const char *db, int flags, char **json,
                                  size_t *len, harper_error *err);
HARPER_API int harper_describe_all(harper *h, int flags, char **json, size_t *len,
                                   harper_error *err);

/* Number of records (>= 0) or a negative error. Thread-safety: safe. */
HARPER_API int64_t harper_table_count(harper_table *t, int flags, harper_error *err);

/* Verifies that the table's indexes and records agree exactly: every index entry points at a
 * record holding that value, and every indexed value of every record has its entry. Reads a
 * consistent snapshot. HARPER_ECORRUPT with the first disagreement in the message.
 * Thread-safety: safe. */
HARPER_API int harper_table_check(harper_table *t, harper_error *err);

/* ---------------------------------------------------------------------------------------------
 * Records
 */

/* Reads the record whose primary key is the JSON value `key`, as JSON in a new buffer of *len
 * bytes (harper_free). HARPER_ENOTFOUND if there is none. Thread-safety: safe. */
HARPER_API int harper_table_get(harper_table *t, const char *key, size_t key_len, char **json,
                                size_t *len, harper_error *err);

/* Like harper_table_get, and also the record's version (see harper_txn_time) in *version.
 * Thread-safety: safe. */
HARPER_API int harper_table_get_versioned(harper_table *t, const char *key, size_t key_len,
                                          char **json, size_t *len, uint64_t *version,
                                          harper_error *err);

/* Single writes, each committed as its own transaction. The record is a JSON object; its
 * primary key property names the record.
 *   put     replaces the record or creates it
 *   insert  creates it; HARPER_EEXIST if the key exists (nothing written); a missing key is
 *           generated (UUID for String/ID keys, else a number from a random starting point)
 *   patch   merges the properties into the existing record, or creates it
 *   delete  removes the record with primary key `key`; HARPER_ENOTFOUND if there is none
 * The written record's key goes to *key_out (JSON, harper_free) when key_out is not NULL.
 * Thread-safety: safe. */
HARPER_API int harper_table_put(harper_table *t, const char *json, size_t len, harper_error *err);
HARPER_API int harper_table_insert(harper_table *t, const char *json, size_t len, char **key_out,
                                   size_t *key_out_len, harper_error *err);
HARPER_API int harper_table_patch(harper_table *t, const char *json, size_t len,
                                  harper_error *err);
HARPER_API int harper_table_delete(harper_table *t, const char *key, size_t key_len,
                                   harper_error *err);

/* ---------------------------------------------------------------------------------------------
 * Transactions: several writes, to tables of one database, committed together or not at all.
 * All writes of a transaction share one version (its time). Writes to the same record from
 * concurrent transactions are serialized: the later one waits (HARPER_EBUSY after a timeout).
 */

typedef struct harper_txn harper_txn;

enum harper_write_kind {
    HARPER_WRITE_PUT = 0,     /* replace or create */
    HARPER_WRITE_INSERT = 1,  /* create; HARPER_EEXIST when the key exists */
    HARPER_WRITE_UPDATE = 2,  /* merge into an existing record; HARPER_ENOTFOUND when none */
    HARPER_WRITE_UPSERT = 3   /* merge into the record, or create it */
};

/* Starts a transaction on database `db`. Thread-safety: safe; the txn is per handle. */
HARPER_API int harper_txn_begin(harper *h, const char *db, harper_txn **out, harper_error *err);

/* Names the user recorded in the audit log for this transaction's writes (copied).
 * Thread-safety: per handle. */
HARPER_API int harper_txn_set_user(harper_txn *txn, const char *user);

/* The transaction's time in epoch milliseconds with a fraction, unique and increasing across
 * the root: Harper's txn_time, and the version every write of it gets.
 * Thread-safety: per handle. */
HARPER_API double harper_txn_time(const harper_txn *txn);

/* Writes record `json` to table `t` (of the transaction's database) as `kind` says. If
 * `key` is not NULL it names the record and overrides the record's own key property.
 * HARPER_EEXIST / HARPER_ENOTFOUND are outcomes, not failures: the transaction goes on and
 * nothing was written for that record. Any other error leaves this record unwritten and the
 * transaction usable. *key_out as for harper_table_insert. Thread-safety: per handle. */
HARPER_API int harper_txn_write(harper_txn *txn, harper_table *t, int kind, const char *key,
                                size_t key_len, const char *json, size_t len, char **key_out,
                                size_t *key_out_len, harper_error *err);

/* Deletes the record with primary key `key`; HARPER_ENOTFOUND if none.
 * Thread-safety: per handle. */
HARPER_API int harper_txn_delete(harper_txn *txn, harper_table *t, const char *key,
                                 size_t key_len, harper_error *err);

/* Commits and frees the transaction, whatever the outcome. Thread-safety: per handle. */
HARPER_API int harper_txn_commit(harper_txn *txn, harper_error *err);

/* Discards every write and frees the transaction. NULL does nothing. Thread-safety: per handle. */
HARPER_API void harper_txn_abort(harper_txn *txn);

/* ---------------------------------------------------------------------------------------------
 * Queries
 *
 * A query is a tree of conditions over one table. An indexed condition drives an index range
 * scan; the others filter. Results stream through a cursor; only a sort that no index
 * provides makes the cursor collect the matching rows first.
 */

typedef struct harper_query harper_query;
typedef struct harper_cursor harper_cursor;

enum harper_comparator {
    HARPER_EQUALS = 0,
    HARPER_NOT_EQUAL,
    HARPER_GREATER_THAN,
    HARPER_GREATER_THAN_EQUAL,
    HARPER_LESS_THAN,
    HARPER_LESS_THAN_EQUAL,
    HARPER_STARTS_WITH,
    HARPER_ENDS_WITH,
    HARPER_CONTAINS,
    HARPER_BETWEEN,       /* value is a JSON array [low, high], both inclusive */
    HARPER_IN             /* value is a JSON array; matches a value equal (type-exact, as
                             equals) to any element; an empty array matches nothing. On an
                             indexed attribute or the primary key it is answered with one
                             point lookup per distinct element */
};

enum harper_logic { HARPER_AND = 0, HARPER_OR = 1 };

/* A new query on `t` matching every record (AND of no conditions). Thread-safety: safe;
 * the query itself is per handle. */
HARPER_API int harper_query_new(harper_table *t, harper_query **out, harper_error *err);
HARPER_API void harper_query_free(harper_query *q);

/* Builds a query from the JSON of Harper's search_by_conditions: {"operator", "conditions"
 * (nested groups allowed), "sort": {"attribute", "descending", "next"}, "limit", "offset",
 * "get_attributes" (alias "select")}. Comparator names as Harper's ("equals",
 * "greater_than", ...); the legacy names search_attribute/search_type/search_value are
 * accepted. Unknown attributes: HARPER_ENOATTR ("unknown attribute 'x'"). Thread-safety: safe. */
HARPER_API int harper_query_from_json(harper_table *t, const char *json, size_t len,
                                      harper_query **out, harper_error *err);

/* Sets how the conditions of the current group combine (default HARPER_AND). */
HARPER_API int harper_query_set_logic(harper_query *q, int logic, harper_error *err);

/* Adds `attribute comparator value` (value as JSON) to the current group. */
HARPER_API int harper_query_where(harper_query *q, const char *attribute, int comparator,
                                  const char *value, size_t value_len, harper_error *err);

/* Opens a nested group combining with `logic`, which becomes the current group until
 * harper_query_group_end(). */
HARPER_API int harper_query_group_begin(harper_query *q, int logic, harper_error *err);
HARPER_API int harper_query_group_end(harper_query *q, harper_error *err);

/* Appends a sort key: `attribute`, ascending (descending = 0) or descending. */
HARPER_API int harper_query_sort(harper_query *q, const char *attribute, int descending,
                                 harper_error *err);

/* Restricts output to these attributes in this order (missing ones come back as null).
 * "*" selects whole records. Called once per attribute. */
HARPER_API int harper_query_select(harper_query *q, const char *attribute, harper_error *err);

/* Skips `offset` rows, returns at most `limit` (-1: no limit). */
HARPER_API int harper_query_limit(harper_query *q, int64_t offset, int64_t limit,
                                  harper_error *err);

/* Opens a cursor over a consistent snapshot of the table. The query may be freed after.
 * Thread-safety: safe; the cursor is per handle. */
HARPER_API int harper_cursor_open(const harper_query *q, harper_cursor **out, harper_error *err);

/* Next row: 1 with *json and *len set to the row (borrowed, valid until the next call on this
 * cursor or its close), 0 at the end, or a negative error. Thread-safety: per handle. */
HARPER_API int harper_cursor_next(harper_cursor *c, const char **json, size_t *len,
                                  harper_error *err);
HARPER_API void harper_cursor_close(harper_cursor *c);

/* ---------------------------------------------------------------------------------------------
 * Pub/sub: every committed write to a table, whatever wrote it, and messages published to its
 * records, reach the table's subscribers.
 *
 * A callback runs on the thread that committed, after the commit is durable and before that
 * transaction's record locks are released: two events of one record are delivered in commit
 * order. It must be quick (hand the event to a queue) and must not subscribe, unsubscribe or
 * write to the same table; writers of the table wait while callbacks run. Event fields are
 * valid during the call only.
 */

enum harper_event_kind {
    HARPER_EVENT_PUT = 1,       /* a record was written (insert, put, update, upsert): value is
                                   the whole record as stored */
    HARPER_EVENT_DELETE,        /* a record was deleted: value is NULL */
    HARPER_EVENT_MESSAGE        /* harper_table_publish: value is the message; nothing stored */
};

typedef struct harper_event {
    int kind;                   /* enum harper_event_kind */
    const char *db;
    const char *table;
    const char *id;             /* the record's primary key as JSON */
    size_t id_len;
    const char *value;          /* see the kinds; not NUL-terminated */
    size_t value_len;
    double time;                /* the write's transaction time (ms), as harper_txn_time */
} harper_event;

typedef void (*harper_event_fn)(void *ctx, const harper_event *ev);

typedef struct harper_subscription harper_subscription;

/* Subscribes to the events of table t: of every record (id NULL), or of the record whose
 * primary key is the JSON value id[0..id_len). HARPER_EINVAL for an id that is no valid key.
 * Thread-safety: safe. */
HARPER_API int harper_table_subscribe(harper_table *t, const char *id, size_t id_len,
                                      harper_event_fn fn, void *ctx, harper_subscription **out,
                                      harper_error *err);

/* Ends a subscription: once it returns, its callback never runs again. NULL does nothing.
 * Must not be called from a callback of the same table. Thread-safety: safe. */
HARPER_API void harper_subscription_close(harper_subscription *s);

/* Delivers a message about record `id` (JSON) to the subscribers of that record and of the
 * table, and records it in the audit log (operation "message") when the table keeps one;
 * the record itself is not changed. msg[0..len) is any bytes. Thread-safety: safe. */
HARPER_API int harper_table_publish(harper_table *t, const char *id, size_t id_len,
                                    const char *msg, size_t len, harper_error *err);

/* ---------------------------------------------------------------------------------------------
 * Audit log: every write of a table with audit on, in version order.
 */

typedef struct harper_audit_cursor harper_audit_cursor;

/* Entries with from_ms <= time < to_ms (0 / 0: everything). Each entry is the JSON object
 * {"txn_time": <ms>, "operation": "put"|"insert"|"update"|"upsert"|"delete", "user": <name
 * or null>, "id": <key>, "record": <the whole record as written, after the merge for
 * update/upsert; absent for delete>}. Thread-safety: safe; the cursor is per handle. */
HARPER_API int harper_audit_open(harper_table *t, double from_ms, double to_ms,
                                 harper_audit_cursor **out, harper_error *err);

/* As harper_cursor_next. */
HARPER_API int harper_audit_next(harper_audit_cursor *c, const char **json, size_t *len,
                                 harper_error *err);
HARPER_API void harper_audit_close(harper_audit_cursor *c);

/* Removes the entries older than `before_ms`. Returns how many (>= 0) or an error.
 * Thread-safety: safe. */
HARPER_API int64_t harper_audit_delete_before(harper_table *t, double before_ms,
                                              harper_error *err);

/* ---------------------------------------------------------------------------------------------
 * Users and roles, kept as Harper keeps them: records of system.hdb_user (primary key
 * "username") and system.hdb_role (primary key "id"). Passwords are stored only as salted
 * PBKDF2-HMAC-SHA256 hashes; Harper's legacy "sha256" and "md5" hashes still verify.
 * Messages are Harper's (spec/operations-api.md 10.1).
 */

/* Creates the system database, its user and role tables and the "super_user" role if missing;
 * if no user exists yet and `username` is not NULL, adds that user as a super user with
 * `password`. Returns 1 when it created the user, 0 when users existed (or `username` is NULL),
 * or an error: HARPER_EINVAL for an empty username or a NULL password. The other functions
 * below need it to have run on the root (HARPER_ENODB before). Thread-safety: safe. */
HARPER_API int harper_auth_init(harper *h, const char *username, const char *password,
                                harper_error *err);

/* Adds a user from JSON {"username", "password", "role" (a role's name), "active"}; other keys
 * are ignored; the user stores the role's id. HARPER_EINVAL with every problem, comma-joined
 * ("Password can't be blank,Active can't be blank", "Active must be a boolean", "Role is
 * invalid", and, where Harper would store a useless user, "Username must be a string",
 * "Password must be a string"), HARPER_ENOTFOUND ("<role> role not found"), HARPER_ECONFLICT
 * ("User <name> already exists", or "Multiple <role> roles found.  Roles must have unique
 * 'role' value. Please update and try again."). Thread-safety: safe. */
HARPER_API int harper_user_add(harper *h, const char *json, size_t len, harper_error *err);

/* Changes a user from JSON {"username", and any of "password", "role", "active"}; a null or
 * absent one is left as it is. The Harper update reply ({"message":"updated 1 of 1 records",
 * "txn_time":...,"update_hashes":["<name>"],"skipped_hashes":[]}; no "new_attributes", as for
 * any table with declared attributes) goes to *reply (harper_free). An unknown username is no
 * error: "updated 0 of 1 records" with the name in "skipped_hashes". Errors, checked in
 * Harper's order: HARPER_EINVAL ("username is required", "nothing to update, must supply
 * active, role or password to update", "password cannot be an empty string", "password must
 * be a string", "active must be true or false", "If role is specified, it cannot be empty."),
 * HARPER_ENOTFOUND ("Update failed.  Requested '<role>' role not found."), HARPER_ECONFLICT
 * (several roles of that name). Thread-safety: safe. */
HARPER_API int harper_user_alter(harper *h, const char *json, size_t len, char **reply,
                                 size_t *reply_len, harper_error *err);

/* Removes a user. HARPER_ENOTFOUND ("User <name> does not exist"), HARPER_EINVAL ("Username
 * can't be blank") for NULL. Thread-safety: safe. */
HARPER_API int harper_user_drop(harper *h, const char *username, harper_error *err);

/* One user (*json: the stored user with "role" replaced in place by the role record, and
 * without "password", "hash", "refresh_token" and "hash_function"; a role that no longer
 * exists leaves no "role") or, with username NULL, a JSON array of all of them in username
 * order: Harper's list_users. harper_free. HARPER_ENOTFOUND ("User <name> does not exist").
 * Thread-safety: safe. */
HARPER_API int harper_user_get(harper *h, const char *username, char **json, size_t *len,
                               harper_error *err);

/* Checks a username and password. HARPER_OK and, if json is not NULL, the user as
 * harper_user_get gives it (len is then required); HARPER_EAUTH "Login failed" for an unknown
 * user, a wrong password or NULLs, "Cannot complete request: User is inactive" for an inactive
 * one (told before the password is checked, as Harper does). Successful checks are remembered
 * (as a keyed digest of the name, the stored hash and the password, never the password) until
 * any user changes, so repeated logins do not pay the slow hash; a stored hash changed by any
 * means never matches an old entry. Thread-safety: safe. */
HARPER_API int harper_user_authenticate(harper *h, const char *username, const char *password,
                                        char **json, size_t *len, harper_error *err);

/* 1 if the user's role has "super_user": true, 0 if not (or its role is gone), or an error:
 * HARPER_ENOTFOUND ("User <name> does not exist"). Thread-safety: safe. */
HARPER_API int harper_user_is_super(harper *h, const char *username, harper_error *err);

#ifdef __cplusplus
}
#endif

#endif
