/* test_schema_apply.c: harper_schema_apply, from schema.graphql text to tables. */
#include <cjson/cJSON.h>

#include "test.h"

static const char *const schema =
    "type Dog @table @export {\n"
    "  id: Long @primaryKey\n"
    "  name: String!\n"
    "  breed: String @indexed\n"
    "  tags: [String] @indexed\n"
    "  owner: Owner\n"
    "  home: Place @relationship(from: homeId)\n"
    "  createdAt: Long @createdTime\n"
    "  updatedAt: Date @updatedTime\n"
    "  mystery: Nothing\n"
    "}\n"
    "type Owner { name: String }\n"
    "type Place @table(database: \"geo\", table: \"places\", expiration: 3600, audit: false)\n"
    "    @export(name: \"where\", rest: false) @sealed {\n"
    "  code: ID @primaryKey\n"
    "}\n";

static cJSON *apply(harper *h, const char *text, harper_error *err, int *rc)
{
    char *tables = NULL;
    size_t len = 0;
    cJSON *out;

    *rc = harper_schema_apply(h, text, strlen(text), "schema.graphql", 1, &tables, &len, err);
    if (*rc != HARPER_OK)
        return NULL;
    CHECK_EQ_INT(strlen(tables), len);
    out = cJSON_Parse(tables);
    harper_free(tables);
    return out;
}

static cJSON *describe(harper *h, const char *db, const char *table)
{
    harper_table *t;
    harper_error err;
    char *json;
    size_t len;
    cJSON *d;

    CHECK_OK(harper_table_open(h, db, table, &t, &err), &err);
    CHECK_OK(harper_table_describe(t, HARPER_DESCRIBE_DEFINITION, &json, &len, &err), &err);
    d = cJSON_Parse(json);
    harper_free(json);
    harper_table_close(t);
    return d;
}

static const cJSON *attr(const cJSON *desc, const char *name)
{
    const cJSON *a;

    cJSON_ArrayForEach(a, cJSON_GetObjectItem(desc, "attributes"))
        if (strcmp(cJSON_GetObjectItem(a, "attribute")->valuestring, name) == 0)
            return a;
    return NULL;
}

TEST(schema_apply_defines_tables_and_reports_exports)
{
    harper *h;
    harper_error err;
    cJSON *tables, *dog, *place;
    int rc;

    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    tables = apply(h, schema, &err, &rc);
    CHECK_OK(rc, &err);
    CHECK_EQ_INT(cJSON_GetArraySize(tables), 2);
    {
        char *text = cJSON_PrintUnformatted(tables);

        CHECK_EQ_STR(text,
                     "[{\"type\":\"Dog\",\"database\":\"data\",\"table\":\"Dog\",\"created\":true,"
                     "\"relationships\":[{\"name\":\"home\",\"from\":\"homeId\","
                     "\"database\":\"geo\",\"table\":\"places\",\"many\":false}],"
                     "\"export\":{\"name\":\"Dog\",\"rest\":true,\"mqtt\":true}},"
                     "{\"type\":\"Place\",\"database\":\"geo\",\"table\":\"places\","
                     "\"created\":true,\"relationships\":[],"
                     "\"export\":{\"name\":\"where\",\"rest\":false,\"mqtt\":true}}]");
        free(text);
    }
    cJSON_Delete(tables);
    dog = describe(h, "data", "Dog");
    CHECK_EQ_STR(cJSON_GetObjectItem(dog, "hash_attribute")->valuestring, "id");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(dog, "schema_defined")));
    CHECK_EQ_STR(cJSON_GetObjectItem(attr(dog, "id"), "type")->valuestring, "Long");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(attr(dog, "breed"), "indexed")));
    CHECK(cJSON_GetObjectItem(attr(dog, "name"), "indexed") == NULL);
    CHECK_EQ_STR(cJSON_GetObjectItem(attr(dog, "tags"), "type")->valuestring, "Array");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(attr(dog, "createdAt"), "assigned_created_time")));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(attr(dog, "updatedAt"), "assigned_updated_time")));
    CHECK(attr(dog, "owner") != NULL && cJSON_GetObjectItem(attr(dog, "owner"), "type") == NULL);
    CHECK(attr(dog, "mystery") != NULL);        /* unknown type: untyped, not an error */
    CHECK(attr(dog, "home") == NULL);           /* relationships are not stored */
    cJSON_Delete(dog);
    place = describe(h, "geo", "places");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(place, "audit")));
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(place, "sealed")));
    CHECK_EQ_STR(cJSON_GetObjectItem(place, "expiration")->valuestring, "3600s");
    cJSON_Delete(place);

    /* Validation follows the declared types: name is required. */
    {
        harper_table *t;

        CHECK_OK(harper_table_open(h, "data", "Dog", &t, &err), &err);
        CHECK_ERR(harper_table_put(t, "{\"id\":1}", 8, &err), HARPER_EINVAL, &err,
                  "Property name is required (and not does not allow null values)");
        CHECK_OK(harper_table_put(t, "{\"id\":1,\"name\":\"Rex\"}", 21, &err), &err);
        harper_table_close(t);
    }

    /* Applying again creates nothing. */
    tables = apply(h, schema, &err, &rc);
    CHECK_OK(rc, &err);
    CHECK(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetArrayItem(tables, 0), "created")));
    cJSON_Delete(tables);
    CHECK_OK(harper_close(h), NULL);
}

TEST(schema_apply_refuses_a_file_that_does_not_parse)
{
    harper *h;
    harper_error err;
    int rc;

    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    CHECK(apply(h, "type Dog @table {\n  id: ID @primaryKey\n", &err, &rc) == NULL);
    CHECK_EQ_INT(rc, HARPER_EINVAL);
    CHECK_EQ_STR(err.message, "schema.graphql:3:1: Syntax Error: Expected Name, found <EOF>.");
    CHECK_EQ_INT(harper_db_exists(h, "data"), 0);   /* nothing defined */
    CHECK_OK(harper_close(h), NULL);
}
