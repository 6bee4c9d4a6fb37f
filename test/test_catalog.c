/* test_catalog.c: table definitions: the public definition JSON, the stored form, describe. */
#include <cjson/cJSON.h>

#include "catalog.h"
#include "table.h"
#include "test.h"

/* Parses a definition of table dev.dog (id 7) that must be valid. */
static harper__table_def *def_ok(const char *json)
{
    harper__table_def *def = NULL;
    harper_error err;

    CHECK_OK(harper__def_from_api_json("dev", "dog", 7, json, strlen(json), &def, &err), &err);
    CHECK(def != NULL);
    return def;
}

/* The describe_table attribute list as a NUL-terminated string (caller frees). */
static char *describe(const harper__table_def *def)
{
    harper__buf b = HARPER__BUF_INIT;
    char *s;

    harper__def_describe_attrs(def, &b);
    s = harper__buf_take(&b, NULL);
    CHECK(s != NULL);
    return s;
}

static char *stored(const harper__table_def *def)
{
    harper__buf b = HARPER__BUF_INIT;
    char *s;

    CHECK_OK(harper__def_to_stored_json(def, &b), (harper_error *)NULL);
    s = harper__buf_take(&b, NULL);
    CHECK(s != NULL);
    return s;
}

static void check_same_def(const harper__table_def *a, const harper__table_def *b)
{
    size_t i;

    CHECK_EQ_STR(a->db, b->db);
    CHECK_EQ_STR(a->name, b->name);
    CHECK_EQ_INT(a->id, b->id);
    CHECK_EQ_STR(a->primary_key, b->primary_key);
    CHECK_EQ_INT(a->n_attrs, b->n_attrs);
    CHECK_EQ_INT(a->next_attr_id, b->next_attr_id);
    CHECK_EQ_INT(a->schema_defined, b->schema_defined);
    CHECK_EQ_INT(a->audit, b->audit);
    CHECK_EQ_INT(a->sealed, b->sealed);
    CHECK(a->expiration == b->expiration);
    for (i = 0; i < a->n_attrs; i++) {
        const harper__attr *x = &a->attrs[i];
        const harper__attr *y = &b->attrs[i];

        CHECK_EQ_STR(x->name, y->name);
        CHECK_EQ_INT(x->id, y->id);
        CHECK_EQ_INT(x->type, y->type);
        CHECK_EQ_INT(x->elem_type, y->elem_type);
        CHECK_EQ_INT(x->indexed, y->indexed);
        CHECK_EQ_INT(x->index_ready, y->index_ready);
        CHECK_EQ_INT(x->is_primary_key, y->is_primary_key);
        CHECK_EQ_INT(x->nullable, y->nullable);
        CHECK_EQ_INT(x->created_time, y->created_time);
        CHECK_EQ_INT(x->updated_time, y->updated_time);
        CHECK_EQ_INT(x->indexed_declared, y->indexed_declared);
        CHECK_EQ_INT(x->key_indexed, y->key_indexed);
        CHECK_EQ_INT(x->nullable_declared, y->nullable_declared);
        CHECK_EQ_INT(x->elements_declared, y->elements_declared);
        CHECK_EQ_INT(x->created_time_declared, y->created_time_declared);
        CHECK_EQ_INT(x->updated_time_declared, y->updated_time_declared);
        CHECK_EQ_INT(x->array_lowercase, y->array_lowercase);
    }
}

static const char *const dog_schema =
    "{\"primary_key\": \"id\", \"expiration\": 3600, \"audit\": false, \"sealed\": true,"
    " \"attributes\": ["
    "  {\"name\": \"id\", \"type\": \"Long\"},"
    "  {\"name\": \"name\", \"type\": \"String\", \"nullable\": false},"
    "  {\"name\": \"breed\", \"indexed\": true},"
    "  {\"name\": \"age\", \"type\": \"Int\"},"
    "  {\"name\": \"tags\", \"type\": \"Array\", \"elements\": \"String\", \"indexed\": true},"
    "  {\"name\": \"createdAt\", \"type\": \"Long\", \"created_time\": true},"
    "  {\"name\": \"updatedAt\", \"type\": \"Date\", \"updated_time\": true}]}";

TEST(catalog_dynamic_table)
{
    harper__table_def *def = def_ok("{\"primary_key\": \"id\"}");
    char *desc;

    CHECK_EQ_STR(def->db, "dev");
    CHECK_EQ_STR(def->name, "dog");
    CHECK_EQ_INT(def->id, 7);
    CHECK_EQ_STR(def->primary_key, "id");
    CHECK(!def->schema_defined);
    CHECK(def->audit);
    CHECK(!def->sealed);
    CHECK(def->expiration == -1);
    CHECK_EQ_INT(def->n_attrs, 3);
    CHECK_EQ_INT(def->next_attr_id, 4);
    CHECK_EQ_STR(def->attrs[0].name, "id");
    CHECK_EQ_INT(def->attrs[0].id, 1);
    CHECK(def->attrs[0].is_primary_key);
    CHECK(!def->attrs[0].indexed);          /* the record key, not a secondary index */
    CHECK_EQ_STR(def->attrs[1].name, "__createdtime__");
    CHECK_EQ_INT(def->attrs[1].id, 2);
    CHECK(def->attrs[1].indexed && def->attrs[1].index_ready && def->attrs[1].created_time);
    CHECK(!def->attrs[1].updated_time);
    CHECK_EQ_STR(def->attrs[2].name, "__updatedtime__");
    CHECK_EQ_INT(def->attrs[2].id, 3);
    CHECK(def->attrs[2].indexed && def->attrs[2].index_ready && def->attrs[2].updated_time);
    CHECK(harper__def_pk(def) == &def->attrs[0]);
    desc = describe(def);
    CHECK_EQ_STR(desc, "[{\"attribute\":\"id\",\"is_primary_key\":true},"
                       "{\"attribute\":\"__createdtime__\",\"indexed\":true},"
                       "{\"attribute\":\"__updatedtime__\",\"indexed\":true}]");
    free(desc);
    harper__def_free(def);
}

TEST(catalog_schema_defined_table)
{
    harper__table_def *def = def_ok(dog_schema);
    char *desc;
    size_t i;

    CHECK(def->schema_defined);
    CHECK(!def->audit);
    CHECK(def->sealed);
    CHECK(def->expiration == 3600);
    CHECK_EQ_INT(def->n_attrs, 7);
    CHECK_EQ_INT(def->next_attr_id, 8);
    for (i = 0; i < def->n_attrs; i++) {
        CHECK_EQ_INT(def->attrs[i].id, i + 1);
        CHECK_EQ_INT(def->attrs[i].index_ready, def->attrs[i].indexed);
    }
    CHECK_EQ_INT(def->attrs[0].type, HARPER__T_LONG);
    CHECK_EQ_INT(def->attrs[4].type, HARPER__T_ARRAY);
    CHECK_EQ_INT(def->attrs[4].elem_type, HARPER__T_STRING);
    CHECK(!def->attrs[1].nullable);
    CHECK(def->attrs[3].nullable);
    desc = describe(def);
    CHECK_EQ_STR(desc,
                 "[{\"attribute\":\"id\",\"type\":\"Long\",\"is_primary_key\":true},"
                 "{\"attribute\":\"name\",\"type\":\"String\",\"nullable\":false},"
                 "{\"attribute\":\"breed\",\"indexed\":true},"
                 "{\"attribute\":\"age\",\"type\":\"Int\"},"
                 "{\"attribute\":\"tags\",\"type\":\"Array\",\"indexed\":true},"
                 "{\"attribute\":\"createdAt\",\"type\":\"Long\",\"assigned_created_time\":true},"
                 "{\"attribute\":\"updatedAt\",\"type\":\"Date\",\"assigned_updated_time\":true}]");
    free(desc);
    harper__def_free(def);
}

TEST(catalog_primary_key_sources)
{
    harper__table_def *def;

    /* The legacy alias, and primary_key winning over it. */
    def = def_ok("{\"hash_attribute\": \"key\"}");
    CHECK_EQ_STR(def->primary_key, "key");
    harper__def_free(def);
    def = def_ok("{\"primary_key\": \"id\", \"hash_attribute\": \"key\"}");
    CHECK_EQ_STR(def->primary_key, "id");
    CHECK_EQ_STR(def->attrs[0].name, "id");
    harper__def_free(def);

    /* A key missing from the attribute list is put in front of it. */
    def = def_ok("{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"name\"}]}");
    CHECK_EQ_INT(def->n_attrs, 2);
    CHECK_EQ_STR(def->attrs[0].name, "id");
    CHECK_EQ_INT(def->attrs[0].id, 1);
    CHECK(def->attrs[0].is_primary_key);
    CHECK_EQ_STR(def->attrs[1].name, "name");
    CHECK_EQ_INT(def->attrs[1].id, 2);
    CHECK_EQ_INT(def->next_attr_id, 3);
    harper__def_free(def);

    /* Without primary_key, the attribute flagged is_primary_key names it (Harper's
     * createTable); an indexed flag on the key does not make it a secondary index. */
    def = def_ok("{\"attributes\": [{\"name\": \"a\"}, {\"name\": \"sku\", \"type\": \"String\","
                 " \"is_primary_key\": true, \"indexed\": true}]}");
    CHECK_EQ_STR(def->primary_key, "sku");
    CHECK(def->attrs[1].is_primary_key);
    CHECK(!def->attrs[1].indexed);
    CHECK(!def->attrs[0].is_primary_key);
    harper__def_free(def);

    /* An empty attribute list still makes a schema-defined table with just the key. */
    def = def_ok("{\"primary_key\": \"id\", \"attributes\": []}");
    CHECK(def->schema_defined);
    CHECK_EQ_INT(def->n_attrs, 1);
    harper__def_free(def);
}

TEST(catalog_timestamp_names_and_options)
{
    harper__table_def *def;
    char *desc;

    def = def_ok("{\"primary_key\": \"id\", \"expiration\": 0, \"audit\": null, \"attributes\": ["
                 "{\"name\": \"__createdtime__\", \"indexed\": true},"
                 "{\"name\": \"__updatedtime__\"}]}");
    CHECK(def->attrs[1].created_time && !def->attrs[1].updated_time);
    CHECK(def->attrs[2].updated_time && !def->attrs[2].created_time);
    CHECK(def->expiration == 0);    /* kept for describe; txn.c expires nothing for it */
    CHECK(def->audit);
    desc = describe(def);
    CHECK_EQ_STR(desc, "[{\"attribute\":\"id\",\"is_primary_key\":true},"
                       "{\"attribute\":\"__createdtime__\",\"indexed\":true},"
                       "{\"attribute\":\"__updatedtime__\"}]");
    free(desc);
    harper__def_free(def);
}

TEST(catalog_definition_errors)
{
    static const struct {
        const char *json;
        const char *message;
    } cases[] = {
        {"{}", "'primary_key' is required"},
        {"{\"primary_key\": \"\"}", "'primary_key' is required"},
        {"{\"attributes\": [{\"name\": \"a\"}]}", "'primary_key' is required"},
        {"{\"primary_key\": 5}", "'primary_key' must be a string"},
        {"{\"primary_key\": \"a/b\"}",
         "'primary_key' names cannot include backticks or forward slashes"},
        {"{\"hash_attribute\": \"a`b\"}",
         "'primary_key' names cannot include backticks or forward slashes"},
        {"{\"primary_key\": \"id\", \"attributes\": {}}", "'attributes' must be an array"},
        {"{\"primary_key\": \"id\", \"attributes\": [5]}", "'attributes[0]' must be an object"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"type\": \"Int\"}]}",
         "Attribute name is required"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"x\"}, {\"name\": 3}]}",
         "'attributes[1].name' must be a string"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"null\"}]}",
         "Invalid attribute name: 'null'"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"a/b\"}]}",
         "Attribute names cannot include backticks or forward slashes"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"a\"}, {\"name\": \"a\"}]}",
         "attribute 'a' is declared more than once"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"age\", \"type\": \"Integer\"}]}",
         "Unknown type 'Integer' for attribute 'age'"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"age\", \"type\": 5}]}",
         "the type of attribute 'age' must be a type name"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"t\", \"type\": \"Array\","
         " \"elements\": \"Strin\"}]}",
         "Unknown element type 'Strin' for attribute 't'"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"t\", \"type\": \"String\","
         " \"elements\": \"String\"}]}",
         "'elements' is only allowed on attributes of type Array (attribute 't')"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"t\", \"indexed\": \"yes\"}]}",
         "'attributes[0].indexed' must be a boolean"},
        {"{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"a\", \"is_primary_key\": true}]}",
         "Can not define two attributes as a primary key"},
        {"{\"attributes\": [{\"name\": \"a\", \"is_primary_key\": true},"
         " {\"name\": \"b\", \"is_primary_key\": true}]}",
         "Can not define two attributes as a primary key"},
        {"{\"primary_key\": \"id\", \"expiration\": -1}",
         "'expiration' must be a number of seconds, 0 or more"},
        {"{\"primary_key\": \"id\", \"expiration\": -0.5}",
         "'expiration' must be a number of seconds, 0 or more"},
        {"{\"primary_key\": \"id\", \"expiration\": \"60\"}",
         "'expiration' must be a number of seconds, 0 or more"},
        {"{\"primary_key\": \"id\", \"expiration\": 1e300}",
         "'expiration' must be a number of seconds, 0 or more"},
        {"{\"primary_key\": \"id\", \"audit\": 1}", "'audit' must be a boolean"},
        {"{\"primary_key\": \"id\", \"sealed\": \"true\"}", "'sealed' must be a boolean"},
        {"[\"id\"]", "table definition must be a JSON object"},
        {"{\"primary_key\": \"id\"", "table definition is not valid JSON"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        harper__table_def *def = (harper__table_def *)&def;   /* must come back NULL */
        harper_error err;

        memset(&err, 0, sizeof err);
        CHECK_ERR(harper__def_from_api_json("dev", "dog", 1, cases[i].json, strlen(cases[i].json),
                                            &def, &err),
                  HARPER_EINVAL, &err, cases[i].message);
        CHECK(def == NULL);
    }
}

TEST(catalog_stored_round_trip)
{
    harper__table_def *def = def_ok(dog_schema);
    harper__table_def *back = NULL;
    harper__attr *a;
    char *first;
    char *second;

    /* Make it look lived-in: a new attribute being indexed, one removed, so ids have a gap. */
    a = harper__def_add_attr(def, "owner");
    CHECK(a != NULL);
    a->indexed = true;
    a->index_ready = false;
    harper__def_remove_attr(def, 3);        /* age */
    first = stored(def);
    CHECK_EQ_INT(harper__def_from_stored_json("dev", first, strlen(first), &back), HARPER_OK);
    check_same_def(def, back);
    CHECK_EQ_INT(back->next_attr_id, 9);
    CHECK_EQ_INT(back->attrs[6].id, 8);
    CHECK(back->attrs[6].indexed && !back->attrs[6].index_ready);
    second = stored(back);
    CHECK_EQ_STR(second, first);
    free(first);
    free(second);
    harper__def_free(back);
    harper__def_free(def);

    /* The exact stored text of a dynamic table, so a format change is a visible decision. */
    def = def_ok("{\"primary_key\": \"id\", \"expiration\": 60}");
    first = stored(def);
    CHECK_EQ_STR(first,
                 "{\"name\":\"dog\",\"id\":7,\"primary_key\":\"id\",\"schema_defined\":false,"
                 "\"audit\":true,\"sealed\":false,\"expiration\":60,\"next_attr_id\":4,"
                 "\"attributes\":["
                 "{\"name\":\"id\",\"id\":1,\"indexed\":false,\"index_ready\":false,"
                 "\"is_primary_key\":true,\"nullable\":true,\"created_time\":false,"
                 "\"updated_time\":false,\"indexed_declared\":false,\"key_indexed\":false,"
                 "\"nullable_declared\":false,\"elements_declared\":false,"
                 "\"created_time_declared\":false,\"updated_time_declared\":false},"
                 "{\"name\":\"__createdtime__\",\"id\":2,\"indexed\":true,\"index_ready\":true,"
                 "\"is_primary_key\":false,\"nullable\":true,\"created_time\":true,"
                 "\"updated_time\":false,\"indexed_declared\":true,\"key_indexed\":false,"
                 "\"nullable_declared\":false,\"elements_declared\":false,"
                 "\"created_time_declared\":false,\"updated_time_declared\":false},"
                 "{\"name\":\"__updatedtime__\",\"id\":3,\"indexed\":true,\"index_ready\":true,"
                 "\"is_primary_key\":false,\"nullable\":true,\"created_time\":false,"
                 "\"updated_time\":true,\"indexed_declared\":true,\"key_indexed\":false,"
                 "\"nullable_declared\":false,\"elements_declared\":false,"
                 "\"created_time_declared\":false,\"updated_time_declared\":false}]}");
    CHECK_EQ_INT(harper__def_from_stored_json("dev", first, strlen(first), &back), HARPER_OK);
    check_same_def(def, back);
    free(first);
    harper__def_free(back);
    harper__def_free(def);
}

TEST(catalog_stored_corrupt)
{
    /* A valid table to start from; each case breaks one thing. */
#define HEAD "{\"name\":\"t\",\"id\":1,\"primary_key\":\"id\",\"schema_defined\":true,"      \
             "\"audit\":true,\"sealed\":false,\"expiration\":-1,"
#define PK "{\"name\":\"id\",\"id\":1,\"indexed\":false,\"index_ready\":false,"             \
           "\"is_primary_key\":true,\"nullable\":true,\"created_time\":false,"                 \
           "\"updated_time\":false}"
#define ATTR(name, id, extra)                                                                \
    "{\"name\":\"" name "\",\"id\":" id "," extra "\"indexed\":false,\"index_ready\":false,"  \
    "\"is_primary_key\":false,\"nullable\":true,\"created_time\":false,\"updated_time\":false}"
    static const char *const good = HEAD "\"next_attr_id\":3,\"attributes\":[" PK ","
                                         ATTR("a", "2", "\"type\":\"Int\",") "]}";
    static const char *const bad[] = {
        "",
        "{",
        "[]",
        "null",
        HEAD "\"next_attr_id\":3}",
        HEAD "\"next_attr_id\":3,\"attributes\":{}}",
        HEAD "\"next_attr_id\":3,\"attributes\":[]}",
        HEAD "\"next_attr_id\":2,\"attributes\":[" PK "," ATTR("a", "2", "") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK "," ATTR("a", "1", "") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK "," ATTR("id", "2", "") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK "," ATTR("a", "2", "\"type\":\"Nope\",") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK "," ATTR("a", "2", "\"type\":5,") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK ","
             ATTR("a", "2", "\"type\":\"Int\",\"elements\":\"Int\",") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK ","
             ATTR("a", "2", "\"type\":\"array\",\"elements\":\"array\",") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK "," ATTR("a", "2.5", "") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK "," ATTR("a", "-2", "") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK "," ATTR("", "2", "") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK ",5]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" ATTR("a", "2", "") "]}",
        "{\"name\":\"t\",\"id\":4294967296,\"primary_key\":\"id\",\"schema_defined\":true,"
        "\"audit\":true,\"sealed\":false,\"expiration\":-1,\"next_attr_id\":2,"
        "\"attributes\":[" PK "]}",
        "{\"name\":\"t\",\"id\":1,\"primary_key\":\"id\",\"schema_defined\":\"yes\","
        "\"audit\":true,\"sealed\":false,\"expiration\":-1,\"next_attr_id\":2,"
        "\"attributes\":[" PK "]}",
        "{\"name\":\"t\",\"id\":1,\"primary_key\":\"id\",\"schema_defined\":true,"
        "\"audit\":true,\"sealed\":false,\"expiration\":-2,\"next_attr_id\":2,"
        "\"attributes\":[" PK "]}",
        "{\"name\":\"t\",\"id\":1,\"primary_key\":\"other\",\"schema_defined\":true,"
        "\"audit\":true,\"sealed\":false,\"expiration\":-1,\"next_attr_id\":2,"
        "\"attributes\":[" PK "]}",
        "{\"id\":1,\"primary_key\":\"id\",\"schema_defined\":true,"
        "\"audit\":true,\"sealed\":false,\"expiration\":-1,\"next_attr_id\":2,"
        "\"attributes\":[" PK "]}",
        "{\"name\":\"t\",\"id\":1,\"primary_key\":\"id\",\"schema_defined\":true,"
        "\"audit\":true,\"sealed\":false,\"expiration\":-0.5,\"next_attr_id\":2,"
        "\"attributes\":[" PK "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK ","
             ATTR("a", "2", "\"indexed_declared\":1,") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK ","
             ATTR("a", "2", "\"nullable_declared\":\"yes\",") "]}",
        HEAD "\"next_attr_id\":3,\"attributes\":[" PK ","
             ATTR("a", "2", "\"key_indexed\":null,") "]}",
    };
    harper__table_def *def = NULL;
    size_t i;

    CHECK_OK(harper__def_from_stored_json("db", good, strlen(good), &def), (harper_error *)NULL);
    CHECK_EQ_INT(def->n_attrs, 2);
    CHECK_EQ_INT(def->attrs[1].type, HARPER__T_INT);
    harper__def_free(def);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc;

        def = (harper__table_def *)&def;
        rc = harper__def_from_stored_json("db", bad[i], strlen(bad[i]), &def);
        if (rc != HARPER_ECORRUPT)
            test_fail(__FILE__, __LINE__, "case %zu gave %d: %s", i, rc, bad[i]);
        CHECK(def == NULL);
    }
    /* Truncated anywhere, the good text is never accepted. */
    for (i = 0; i < strlen(good); i++) {
        def = NULL;
        CHECK_EQ_INT(harper__def_from_stored_json("db", good, i, &def), HARPER_ECORRUPT);
        CHECK(def == NULL);
    }
#undef HEAD
#undef PK
#undef ATTR
}

TEST(catalog_clone_and_edit)
{
    harper__table_def *def = def_ok(dog_schema);
    harper__table_def *copy = harper__def_clone(def);
    const harper__attr *found;
    harper__attr *a;

    CHECK(copy != NULL);
    check_same_def(def, copy);
    CHECK(copy->attrs[0].name != def->attrs[0].name);

    /* Edits on the copy leave the original alone. */
    a = harper__def_add_attr(copy, "__updatedtime__");
    CHECK(a != NULL);
    CHECK_EQ_INT(a->id, 8);
    CHECK(a->updated_time && a->nullable && !a->indexed && a->type == HARPER__T_NONE);
    CHECK_EQ_INT(copy->next_attr_id, 9);
    CHECK_EQ_INT(def->next_attr_id, 8);
    CHECK_EQ_INT(def->n_attrs, 7);
    harper__def_remove_attr(copy, 0);
    harper__def_remove_attr(copy, 99);      /* out of range: nothing */
    CHECK_EQ_INT(copy->n_attrs, 7);
    CHECK_EQ_STR(copy->attrs[0].name, "name");
    CHECK(harper__def_pk(copy) == NULL);
    CHECK_EQ_STR(harper__def_pk(def)->name, "id");

    /* find takes a length, so a name inside a longer buffer works; prefixes do not match. */
    found = harper__def_find(def, "breedXYZ", 5);
    CHECK(found != NULL && strcmp(found->name, "breed") == 0);
    CHECK(harper__def_find(def, "bree", 4) == NULL);
    CHECK(harper__def_find(def, "breeds", 6) == NULL);
    CHECK(harper__def_find(def, "", 0) == NULL);

    harper__def_free(copy);
    harper__def_free(def);
    harper__def_free(NULL);
}

TEST(catalog_type_names)
{
    static const char *const names[] = {"Any", "ID", "String", "Int", "Long", "Float",
                                        "Boolean", "Date", "BigInt", "Bytes"};
    size_t i;

    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        int t = harper__type_from_name(names[i]);

        CHECK(t > HARPER__T_NONE);
        CHECK_EQ_STR(harper__type_name(t), names[i]);
    }
    CHECK_EQ_INT(harper__type_from_name("Array"), HARPER__T_ARRAY);
    CHECK_EQ_INT(harper__type_from_name("array"), HARPER__T_ARRAY);
    CHECK_EQ_STR(harper__type_name(HARPER__T_ARRAY), "array");
    CHECK(harper__type_name(HARPER__T_NONE) == NULL);
    CHECK(harper__type_name(-1) == NULL);
    CHECK(harper__type_name(99) == NULL);
    CHECK_EQ_INT(harper__type_from_name("long"), -1);
    CHECK_EQ_INT(harper__type_from_name("Blob"), -1);
    CHECK_EQ_INT(harper__type_from_name(""), -1);
    CHECK_EQ_INT(harper__type_from_name(NULL), -1);
}

/* Stores and reloads def, and checks the copy describes as the original does. */
static void check_stored_describe(const harper__table_def *def, const char *want)
{
    harper__table_def *back = NULL;
    char *text = stored(def);
    char *desc;

    CHECK_EQ_INT(harper__def_from_stored_json("dev", text, strlen(text), &back), HARPER_OK);
    check_same_def(def, back);
    desc = describe(back);
    CHECK_EQ_STR(desc, want);
    free(desc);
    free(text);
    harper__def_free(back);
}

/* Harper's describe_table prints each flag as create_table declared it, and only then. */
TEST(catalog_describe_echoes_declarations)
{
    static const char *const want =
        "[{\"attribute\":\"id\",\"indexed\":true,\"is_primary_key\":true,\"nullable\":true},"
        "{\"attribute\":\"n\",\"type\":\"Float\",\"nullable\":true},"
        "{\"attribute\":\"s\",\"type\":\"String\",\"indexed\":false,\"nullable\":false},"
        "{\"attribute\":\"a\",\"type\":\"Array\"},"
        "{\"attribute\":\"b\",\"type\":\"array\"},"
        "{\"attribute\":\"c\",\"type\":\"Array\",\"elements\":\"String\"},"
        "{\"attribute\":\"t\",\"type\":\"Date\",\"assigned_created_time\":false,"
        "\"assigned_updated_time\":true},"
        "{\"attribute\":\"__createdtime__\",\"assigned_created_time\":true},"
        "{\"attribute\":\"plain\",\"indexed\":false},"
        "{\"attribute\":\"idx\",\"indexed\":true}]";
    harper__table_def *def;
    harper__table_def *copy;
    harper__attr *a;
    char *desc;

    def = def_ok("{\"primary_key\": \"id\", \"attributes\": ["
                 "{\"name\": \"id\", \"indexed\": true, \"nullable\": true},"
                 "{\"name\": \"n\", \"type\": \"Float\", \"nullable\": true},"
                 "{\"name\": \"s\", \"type\": \"String\", \"indexed\": false, \"nullable\": false},"
                 "{\"name\": \"a\", \"type\": \"Array\"},"
                 "{\"name\": \"b\", \"type\": \"array\", \"elements\": \"Int\"},"
                 "{\"name\": \"c\", \"type\": \"Array\", \"elements\": {\"type\": \"String\"}},"
                 "{\"name\": \"t\", \"type\": \"Date\", \"created_time\": false,"
                 " \"updated_time\": true},"
                 "{\"name\": \"__createdtime__\", \"created_time\": true}]}");
    /* Behaviour does not follow the echo: the key is still no secondary index, and the element
     * type given as a bare name still checks the elements. */
    CHECK(!def->attrs[0].indexed && !def->attrs[0].index_ready && def->attrs[0].key_indexed);
    CHECK(!def->attrs[2].indexed && !def->attrs[2].nullable);
    CHECK_EQ_INT(def->attrs[4].elem_type, HARPER__T_INT);
    CHECK_EQ_INT(def->attrs[5].elem_type, HARPER__T_STRING);
    CHECK(!def->attrs[6].created_time && def->attrs[6].updated_time);
    CHECK(def->attrs[7].created_time && !def->attrs[7].indexed);
    /* Harper's create_attribute and inserts always set "indexed", so it shows either way. */
    a = harper__def_add_attr(def, "plain");
    CHECK(a != NULL);
    a = harper__def_add_attr(def, "idx");
    CHECK(a != NULL);
    a->indexed = true;
    desc = describe(def);
    CHECK_EQ_STR(desc, want);
    free(desc);
    check_stored_describe(def, want);
    copy = harper__def_clone(def);
    CHECK(copy != NULL);
    desc = describe(copy);
    CHECK_EQ_STR(desc, want);
    free(desc);
    harper__def_free(copy);
    harper__def_free(def);

    /* A key named by its flag echoes its indexed flag too, false as well. */
    def = def_ok("{\"attributes\": [{\"name\": \"sku\", \"is_primary_key\": true,"
                 " \"indexed\": false}, {\"name\": \"x\", \"indexed\": true}]}");
    desc = describe(def);
    CHECK_EQ_STR(desc, "[{\"attribute\":\"sku\",\"indexed\":false,\"is_primary_key\":true},"
                       "{\"attribute\":\"x\",\"indexed\":true}]");
    free(desc);
    check_stored_describe(def, "[{\"attribute\":\"sku\",\"indexed\":false,\"is_primary_key\":true},"
                               "{\"attribute\":\"x\",\"indexed\":true}]");
    harper__def_free(def);

    /* A key the list lacks is put in front, undeclared, so it shows no flags. */
    def = def_ok("{\"primary_key\": \"id\", \"attributes\": [{\"name\": \"x\"}]}");
    desc = describe(def);
    CHECK_EQ_STR(desc, "[{\"attribute\":\"id\",\"is_primary_key\":true},{\"attribute\":\"x\"}]");
    free(desc);
    harper__def_free(def);
}

/* A definition stored before the *_declared keys describes as it did then. */
TEST(catalog_stored_without_declarations)
{
#define OLD_ATTR(name, id, flags)                                                            \
    "{\"name\":\"" name "\",\"id\":" id "," flags "\"index_ready\":false,"                     \
    "\"is_primary_key\":false}"
    static const char *const old =
        "{\"name\":\"t\",\"id\":1,\"primary_key\":\"id\",\"schema_defined\":true,"
        "\"audit\":true,\"sealed\":false,\"expiration\":60,\"next_attr_id\":6,\"attributes\":["
        "{\"name\":\"id\",\"id\":1,\"indexed\":false,\"index_ready\":false,"
        "\"is_primary_key\":true,\"nullable\":true,\"created_time\":false,"
        "\"updated_time\":false},"
        OLD_ATTR("tags", "2", "\"type\":\"array\",\"elements\":\"String\",\"indexed\":true,"
                 "\"nullable\":true,\"created_time\":false,\"updated_time\":false,")
        "," OLD_ATTR("name", "3", "\"indexed\":false,\"nullable\":false,\"created_time\":false,"
                     "\"updated_time\":false,")
        "," OLD_ATTR("createdAt", "4", "\"indexed\":false,\"nullable\":true,"
                     "\"created_time\":true,\"updated_time\":false,")
        "," OLD_ATTR("__createdtime__", "5", "\"indexed\":true,\"nullable\":true,"
                     "\"created_time\":true,\"updated_time\":false,")
        "]}";
    static const char *const want =
        "[{\"attribute\":\"id\",\"is_primary_key\":true},"
        "{\"attribute\":\"tags\",\"type\":\"array\",\"elements\":\"String\",\"indexed\":true},"
        "{\"attribute\":\"name\",\"nullable\":false},"
        "{\"attribute\":\"createdAt\",\"assigned_created_time\":true},"
        "{\"attribute\":\"__createdtime__\",\"indexed\":true}]";
    harper__table_def *def = NULL;
    char *desc;

    CHECK_OK(harper__def_from_stored_json("dev", old, strlen(old), &def), (harper_error *)NULL);
    CHECK(def->expiration == 60);
    desc = describe(def);
    CHECK_EQ_STR(desc, want);
    free(desc);
    check_stored_describe(def, want);     /* and the new form keeps it */
    harper__def_free(def);
#undef OLD_ATTR
}

TEST(catalog_fractional_and_zero_expiration)
{
    harper__table_def *def = def_ok("{\"primary_key\": \"id\", \"expiration\": 1.5}");
    harper__table_def *back = NULL;
    char *text;

    CHECK(def->expiration == 1.5);
    text = stored(def);
    CHECK(strstr(text, "\"expiration\":1.5,") != NULL);
    CHECK_EQ_INT(harper__def_from_stored_json("dev", text, strlen(text), &back), HARPER_OK);
    CHECK(back->expiration == 1.5);
    free(text);
    harper__def_free(back);
    harper__def_free(def);
    def = def_ok("{\"primary_key\": \"id\", \"expiration\": 0}");
    CHECK(def->expiration == 0);
    harper__def_free(def);
}

static int note_expiry(const char *key, size_t key_len, const harper__rec_view *rec, cJSON *json,
                       void *arg)
{
    int64_t *after_write = arg;

    (void)key;
    (void)key_len;
    (void)json;
    /* The version is the write time (clock.h), which txn.c adds the expiration to. */
    *after_write = -1;
    if (rec->expires_ms != 0)
        *after_write = (int64_t)(rec->expires_ms - (uint64_t)harper__version_ms(rec->version));
    return HARPER_OK;
}

/* Writes the table's one record and returns its stored expiry in ms after the write, -1 for
 * none. */
static int64_t stored_expiry(harper_table *t)
{
    harper_error err;
    int64_t after_write = INT64_MIN;

    CHECK_OK(harper_table_put(t, "{\"id\":1}", 8, &err), &err);
    CHECK_OK(harper__scan_records(t, NULL, note_expiry, &after_write, &err), &err);
    CHECK(after_write != INT64_MIN);
    return after_write;
}

/* describe_table prints the expiration as Harper does, 0 included, and 0 expires nothing. */
TEST(catalog_describe_expiration)
{
    static const struct {
        const char *def;
        const char *shown;      /* NULL: no "expiration" key */
    } cases[] = {
        {"{\"primary_key\": \"id\", \"expiration\": 0}", "\"expiration\":\"0s\""},
        {"{\"primary_key\": \"id\", \"expiration\": 1.5}", "\"expiration\":\"1.5s\""},
        {"{\"primary_key\": \"id\", \"expiration\": 3600}", "\"expiration\":\"3600s\""},
        {"{\"primary_key\": \"id\", \"expiration\": 1e-7}", "\"expiration\":\"1e-7s\""},
        {"{\"primary_key\": \"id\"}", NULL},
    };
    harper *h = NULL;
    harper_error err;
    size_t i;

    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[16];
        harper_table *t = NULL;
        char *json = NULL;
        size_t len = 0;

        snprintf(name, sizeof name, "t%zu", i);
        CHECK_OK(harper_table_create(h, "dev", name, cases[i].def, strlen(cases[i].def), &err),
                 &err);
        CHECK_OK(harper_table_open(h, "dev", name, &t, &err), &err);
        CHECK_OK(harper_table_describe(t, 0, &json, &len, &err), &err);
        if (cases[i].shown != NULL && strstr(json, cases[i].shown) == NULL)
            test_fail(__FILE__, __LINE__, "want %s in %s", cases[i].shown, json);
        if (cases[i].shown == NULL && strstr(json, "\"expiration\"") != NULL)
            test_fail(__FILE__, __LINE__, "want no expiration in %s", json);
        harper_free(json);
        /* Harper ignores a falsy expiration when writing. */
        if (i == 0 || i == 4)
            CHECK_EQ_INT(stored_expiry(t), -1);
        if (i == 1)
            CHECK_EQ_INT(stored_expiry(t), 1500);
        harper_table_close(t);
    }
    harper_close(h);
}
