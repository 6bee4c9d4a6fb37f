/* test_schema_parse.c: lib/schema_parse.c and friends: the spec's schemas parsed into types,
 * fields and directives; every directive, type form and value form; what is left out; syntax
 * errors with graphql-js 16's exact message, line and column (each expected answer here is
 * what graphql-js 16.15, the parser Harper 4.7 runs, says about the same text); the limits;
 * and that no prefix of a schema crashes or parses when graphql-js would not. */
#include "test.h"

#include <cjson/cJSON.h>

#include "schema_parse.h"

/* Parses `text`, failing the test on an error. */
static harper__schema *parse_ok(const char *text)
{
    harper__schema *s = NULL;
    harper_error err = {0, ""};

    if (harper__schema_parse(text, strlen(text), "schema.graphql", &s, NULL, &err) != HARPER_OK)
        test_fail(__FILE__, __LINE__, "parse of \"%s\" failed: %s", text, err.message);
    CHECK(s != NULL);
    return s;
}

/* harper__schema_parse must fail on text[0..len) at line:col with `want` (graphql-js's text),
 * leaving no schema, and say so in both the error and the detail. */
static void check_error_n(const char *text, size_t len, unsigned line, unsigned col,
                          const char *want)
{
    harper__schema *s = (harper__schema *)&s;
    harper__schema_error detail;
    harper_error err = {0, ""};
    char message[600];

    CHECK_EQ_INT(harper__schema_parse(text, len, "schema.graphql", &s, &detail, &err),
                 HARPER_EINVAL);
    CHECK(s == NULL);
    CHECK_EQ_INT(err.code, HARPER_EINVAL);
    CHECK_EQ_STR(detail.text, want);
    CHECK_EQ_INT(detail.line, line);
    CHECK_EQ_INT(detail.col, col);
    snprintf(message, sizeof message, "schema.graphql:%u:%u: %s", line, col, want);
    CHECK_EQ_STR(err.message, message);
}

static void check_error(const char *text, unsigned line, unsigned col, const char *want)
{
    check_error_n(text, strlen(text), line, col, want);
}

/* The schema written back as SDL, in a static buffer. */
static const char *printed(const harper__schema *s)
{
    static char text[8192];
    harper__buf out = HARPER__BUF_INIT;

    CHECK_OK(harper__schema_print(s, &out), NULL);
    snprintf(text, sizeof text, "%.*s", (int)out.len, out.data != NULL ? out.data : "");
    harper__buf_free(&out);
    return text;
}

/* A value as compact JSON, in a static buffer. */
static const char *as_json(const harper__schema_value *v)
{
    static char text[1024];
    cJSON *json = harper__schema_value_json(v);
    char *s = cJSON_PrintUnformatted(json);

    CHECK(s != NULL);
    snprintf(text, sizeof text, "%s", s);
    free(s);
    cJSON_Delete(json);
    return text;
}

static const harper__schema_field *field(const harper__schema_type *t, const char *name)
{
    size_t i;

    for (i = 0; i < t->n_fields; i++)
        if (strcmp(t->fields[i].name, name) == 0)
            return &t->fields[i];
    test_fail(__FILE__, __LINE__, "type %s has no field %s", t->name, name);
}

/* schema.md section 1's example. */
static const char dog_schema[] =
    "type Dog @table @export {\n"
    "  id: Long @primaryKey\n"
    "  name: String!\n"
    "  breed: String @indexed\n"
    "  age: Int\n"
    "  tags: [String] @indexed\n"
    "  owner: Owner            # nested (non-table) type\n"
    "  createdAt: Long @createdTime\n"
    "  updatedAt: Date @updatedTime\n"
    "}\n"
    "type Owner { name: String, phone: String }\n";

TEST(schema_parse_spec_example)
{
    harper__schema *s = parse_ok(dog_schema);
    const harper__schema_type *dog;
    const harper__schema_type *owner;
    const harper__schema_field *f;

    CHECK_EQ_INT(s->n_types, 2);
    CHECK_EQ_INT(s->n_others, 0);
    dog = &s->types[0];
    CHECK_EQ_STR(dog->name, "Dog");
    CHECK(dog->description == NULL);
    CHECK_EQ_INT(dog->line, 1);
    CHECK_EQ_INT(dog->col, 6);
    CHECK_EQ_INT(dog->n_directives, 2);
    CHECK_EQ_STR(dog->directives[0].name, "table");
    CHECK_EQ_INT(dog->directives[0].n_args, 0);
    CHECK_EQ_INT(dog->directives[0].col, 10);
    CHECK_EQ_STR(dog->directives[1].name, "export");
    CHECK_EQ_INT(dog->n_fields, 8);

    f = &dog->fields[0];
    CHECK_EQ_STR(f->name, "id");
    CHECK_EQ_STR(f->type, "Long");
    CHECK(!f->is_list && !f->required && !f->elem_required);
    CHECK_EQ_INT(f->n_directives, 1);
    CHECK_EQ_STR(f->directives[0].name, "primaryKey");
    CHECK_EQ_INT(f->line, 2);
    CHECK_EQ_INT(f->col, 3);
    CHECK_EQ_INT(f->type_line, 2);
    CHECK_EQ_INT(f->type_col, 7);
    CHECK_EQ_INT(f->directives[0].line, 2);
    CHECK_EQ_INT(f->directives[0].col, 12);

    f = field(dog, "name");
    CHECK_EQ_STR(f->type, "String");
    CHECK(f->required && !f->is_list);
    CHECK_EQ_INT(f->non_null, 1);
    CHECK_EQ_INT(f->n_directives, 0);

    f = field(dog, "tags");
    CHECK_EQ_STR(f->type, "String");
    CHECK(f->is_list && !f->required && !f->elem_required);
    CHECK_EQ_INT(f->list_depth, 1);
    CHECK_EQ_STR(f->directives[0].name, "indexed");

    f = field(dog, "owner");
    CHECK_EQ_STR(f->type, "Owner");
    CHECK(!harper__schema_is_primitive(f->type));
    CHECK_EQ_INT(f->n_directives, 0);
    CHECK_EQ_STR(field(dog, "createdAt")->directives[0].name, "createdTime");
    CHECK_EQ_STR(field(dog, "updatedAt")->type, "Date");
    CHECK_EQ_STR(field(dog, "updatedAt")->directives[0].name, "updatedTime");

    owner = &s->types[1];
    CHECK_EQ_STR(owner->name, "Owner");
    CHECK_EQ_INT(owner->n_directives, 0);
    CHECK_EQ_INT(owner->n_fields, 2);
    CHECK_EQ_STR(owner->fields[1].name, "phone");
    CHECK_EQ_INT(owner->fields[1].line, 11);
    CHECK_EQ_INT(owner->fields[1].col, 28);
    CHECK(harper__schema_find_type(s, "Owner") == owner);
    CHECK(harper__schema_find_type(s, "Cat") == NULL);

    CHECK_EQ_STR(printed(s),
                 "type Dog @table @export {\n"
                 "  id: Long @primaryKey\n"
                 "  name: String!\n"
                 "  breed: String @indexed\n"
                 "  age: Int\n"
                 "  tags: [String] @indexed\n"
                 "  owner: Owner\n"
                 "  createdAt: Long @createdTime\n"
                 "  updatedAt: Date @updatedTime\n"
                 "}\n"
                 "\n"
                 "type Owner {\n"
                 "  name: String\n"
                 "  phone: String\n"
                 "}\n");
    harper__schema_free(s);
}

/* The schemas of components.md 6.1, caching.md 1 and 5, mqtt.md and rest.md. */
TEST(schema_parse_examples_from_the_other_spec_files)
{
    harper__schema *s = parse_ok(
        "type Dog @table { id: Long @primaryKey  name: String  ownerName: String }   # no @export\n"
        "type JokeCache @table(expiration: 60) @export {\n"
        "  id: ID @primaryKey\n"
        "  setup: String\n"
        "  punchline: String\n"
        "}\n"
        "type PageCache @table(expiration: 300) {\n"
        "  id: ID @primaryKey\n"
        "  contentType: String\n"
        "  data: Any\n"
        "}\n"
        "type Chat @table @export\n"
        "type Zoo @table(database: \"zoo\") @export(name: \"my-dog\", mqtt: false, rest: true)\n");
    const harper__schema_type *t;
    const harper__schema_directive *d;

    CHECK_EQ_INT(s->n_types, 5);
    t = &s->types[0];
    CHECK_EQ_INT(t->n_fields, 3);
    CHECK_EQ_STR(t->fields[2].name, "ownerName");
    CHECK(harper__schema_find_directive(t->directives, t->n_directives, "export") == NULL);
    t = harper__schema_find_type(s, "JokeCache");
    d = harper__schema_find_directive(t->directives, t->n_directives, "table");
    CHECK_EQ_STR(harper__schema_arg_text(d, "expiration"), "60");
    CHECK_EQ_STR(as_json(harper__schema_find_arg(d, "expiration")), "60");
    CHECK_EQ_INT(t->n_fields, 3);
    t = harper__schema_find_type(s, "PageCache");
    CHECK_EQ_STR(harper__schema_arg_text(&t->directives[0], "expiration"), "300");
    CHECK_EQ_STR(t->fields[2].type, "Any");
    CHECK(harper__schema_is_primitive(t->fields[2].type));
    t = harper__schema_find_type(s, "Chat");      /* a table with no attributes */
    CHECK_EQ_INT(t->n_fields, 0);
    CHECK(t->fields == NULL);
    CHECK_EQ_INT(t->n_directives, 2);
    t = harper__schema_find_type(s, "Zoo");
    d = harper__schema_find_directive(t->directives, t->n_directives, "export");
    CHECK_EQ_STR(harper__schema_arg_text(d, "name"), "my-dog");
    CHECK_EQ_INT(harper__schema_find_arg(d, "mqtt")->kind, HARPER__SCHEMA_BOOLEAN);
    CHECK_EQ_STR(harper__schema_find_arg(d, "mqtt")->text, "false");
    CHECK_EQ_STR(as_json(harper__schema_find_arg(d, "rest")), "true");
    harper__schema_free(s);
}

TEST(schema_parse_table_directive_arguments)
{
    harper__schema *s = parse_ok(
        "type Cache @table(table: \"cache_v2\", database: \"dev\", expiration: 3600,\n"
        "                  eviction: 7200 scanInterval: 600, audit: false, replicate: true,\n"
        "                  sharding: {by: \"id\"}) @export(name: \"c\") @sealed {\n"
        "  id: ID @primaryKey\n"
        "}\n"
        "type Root @table(schema: \"other\") @export(name: \"\") { id: ID @primaryKey }\n");
    const harper__schema_type *t = &s->types[0];
    const harper__schema_directive *table;
    const harper__schema_directive *export_;

    table = harper__schema_find_directive(t->directives, t->n_directives, "table");
    CHECK(table != NULL);
    CHECK_EQ_INT(table->n_args, 8);
    CHECK_EQ_STR(harper__schema_arg_text(table, "table"), "cache_v2");
    CHECK_EQ_STR(harper__schema_arg_text(table, "database"), "dev");
    /* Harper 4.7 reads the literal's text: expiration arrives as "3600". */
    CHECK_EQ_STR(harper__schema_arg_text(table, "expiration"), "3600");
    CHECK_EQ_INT(harper__schema_find_arg(table, "expiration")->kind, HARPER__SCHEMA_INT);
    CHECK_EQ_STR(harper__schema_arg_text(table, "eviction"), "7200");
    CHECK_EQ_STR(harper__schema_arg_text(table, "scanInterval"), "600");
    CHECK_EQ_INT(harper__schema_find_arg(table, "audit")->kind, HARPER__SCHEMA_BOOLEAN);
    CHECK_EQ_STR(harper__schema_find_arg(table, "audit")->text, "false");
    CHECK(harper__schema_arg_text(table, "audit") == NULL);
    CHECK_EQ_STR(harper__schema_find_arg(table, "replicate")->text, "true");
    CHECK_EQ_STR(as_json(harper__schema_find_arg(table, "sharding")), "{\"by\":\"id\"}");
    CHECK(harper__schema_find_arg(table, "missing") == NULL);
    CHECK_EQ_INT(table->args[2].line, 1);
    CHECK_EQ_INT(table->args[2].col, 55);
    CHECK_EQ_INT(table->args[3].line, 2);
    CHECK_EQ_INT(table->args[3].value.col, 29);

    export_ = harper__schema_find_directive(t->directives, t->n_directives, "export");
    CHECK_EQ_STR(harper__schema_arg_text(export_, "name"), "c");
    CHECK(harper__schema_find_directive(t->directives, t->n_directives, "sealed") != NULL);
    CHECK(harper__schema_find_directive(t->directives, t->n_directives, "Sealed") == NULL);

    t = &s->types[1];
    table = harper__schema_find_directive(t->directives, t->n_directives, "table");
    CHECK_EQ_STR(harper__schema_arg_text(table, "schema"), "other");
    export_ = harper__schema_find_directive(t->directives, t->n_directives, "export");
    CHECK_EQ_STR(harper__schema_arg_text(export_, "name"), "");
    harper__schema_free(s);
}

/* schema.md sections 3.2 to 3.4: relationships, computed properties, vector indexes. */
TEST(schema_parse_field_directives_from_the_spec)
{
    harper__schema *s = parse_ok(
        "type Product @table {\n"
        "  id: ID @primaryKey\n"
        "  price: Float\n"
        "  taxRate: Float\n"
        "  totalPrice: Float @computed(from: \"price + (price * taxRate)\") @indexed\n"
        "  jsTotal: Float @computed(version: 1) @indexed\n"
        "  embedding: [Float] @indexed(type: \"HNSW\", distance: \"cosine\", M: 16, "
        "efConstruction: 100, optimizeRouting: 0.5)\n"
        "  network: Network @relationship(from: networkId)\n"
        "  shows: [Show] @relationship(to: networkId)\n"
        "  brand: Brand @relationship(from: \"brandCode\", to: \"code\")\n"
        "  secret: String @allow(role: \"admin\") @allow(role: \"ops\")\n"
        "  expires: Long @expiresAt @enumerable @hidden @custom(level: 3)\n"
        "}\n");
    const harper__schema_type *t = &s->types[0];
    const harper__schema_field *f;
    const harper__schema_directive *d;

    f = field(t, "totalPrice");
    CHECK_EQ_INT(f->n_directives, 2);
    d = harper__schema_find_directive(f->directives, f->n_directives, "computed");
    CHECK_EQ_STR(harper__schema_arg_text(d, "from"), "price + (price * taxRate)");
    CHECK(harper__schema_find_directive(f->directives, f->n_directives, "indexed") != NULL);
    d = harper__schema_find_directive(field(t, "jsTotal")->directives, 2, "computed");
    CHECK_EQ_STR(harper__schema_arg_text(d, "version"), "1");

    f = field(t, "embedding");
    CHECK(f->is_list);
    CHECK_EQ_STR(f->type, "Float");
    d = &f->directives[0];
    CHECK_EQ_STR(d->name, "indexed");
    CHECK_EQ_INT(d->n_args, 5);
    CHECK_EQ_STR(harper__schema_arg_text(d, "type"), "HNSW");
    CHECK_EQ_STR(harper__schema_arg_text(d, "distance"), "cosine");
    CHECK_EQ_STR(harper__schema_arg_text(d, "M"), "16");
    CHECK_EQ_INT(harper__schema_find_arg(d, "optimizeRouting")->kind, HARPER__SCHEMA_FLOAT);
    CHECK_EQ_STR(as_json(harper__schema_find_arg(d, "optimizeRouting")), "0.5");

    /* A bare name is an enum value; Harper reads its name. */
    d = &field(t, "network")->directives[0];
    CHECK_EQ_INT(harper__schema_find_arg(d, "from")->kind, HARPER__SCHEMA_ENUM);
    CHECK_EQ_STR(harper__schema_arg_text(d, "from"), "networkId");
    f = field(t, "shows");
    CHECK(f->is_list);
    CHECK_EQ_STR(f->type, "Show");
    CHECK_EQ_STR(harper__schema_arg_text(&f->directives[0], "to"), "networkId");
    d = &field(t, "brand")->directives[0];
    CHECK_EQ_STR(harper__schema_arg_text(d, "from"), "brandCode");
    CHECK_EQ_STR(harper__schema_arg_text(d, "to"), "code");

    /* Repeated directives are all kept; lookups give the last, as Harper's loop keeps it. */
    f = field(t, "secret");
    CHECK_EQ_INT(f->n_directives, 2);
    CHECK_EQ_STR(harper__schema_arg_text(&f->directives[0], "role"), "admin");
    d = harper__schema_find_directive(f->directives, f->n_directives, "allow");
    CHECK(d == &f->directives[1]);

    f = field(t, "expires");
    CHECK_EQ_INT(f->n_directives, 4);
    CHECK_EQ_STR(f->directives[3].name, "custom");
    CHECK_EQ_STR(harper__schema_arg_text(&f->directives[3], "level"), "3");
    harper__schema_free(s);
}

TEST(schema_parse_field_types)
{
    harper__schema *s = parse_ok(
        "type T {\n"
        "  a: ID, b: ID!, c: [ID], d: [ID!], e: [ID]!, f: [ID!]!\n"
        "  g: [[Float!]]!, h: [[[Owner]!]]\n"
        "}\n");
    const harper__schema_type *t = &s->types[0];
    struct {
        const char *name;
        unsigned depth;
        unsigned non_null;
        int is_list, required, elem_required;
    } want[] = {
        {"a", 0, 0, 0, 0, 0}, {"b", 0, 1, 0, 1, 0}, {"c", 1, 0, 1, 0, 0},
        {"d", 1, 2, 1, 0, 1}, {"e", 1, 1, 1, 1, 0}, {"f", 1, 3, 1, 1, 1},
        {"g", 2, 5, 1, 1, 0}, {"h", 3, 4, 1, 0, 0},
    };
    size_t i;

    CHECK_EQ_INT(t->n_fields, 8);
    for (i = 0; i < t->n_fields; i++) {
        const harper__schema_field *f = &t->fields[i];

        CHECK_EQ_STR(f->name, want[i].name);
        CHECK_EQ_INT(f->list_depth, want[i].depth);
        CHECK_EQ_INT(f->non_null, want[i].non_null);
        CHECK_EQ_INT(f->is_list, want[i].is_list);
        CHECK_EQ_INT(f->required, want[i].required);
        CHECK_EQ_INT(f->elem_required, want[i].elem_required);
    }
    CHECK_EQ_STR(t->fields[7].type, "Owner");
    CHECK_EQ_INT(t->fields[7].type_col, 25);
    CHECK_EQ_STR(printed(s),
                 "type T {\n  a: ID\n  b: ID!\n  c: [ID]\n  d: [ID!]\n  e: [ID]!\n"
                 "  f: [ID!]!\n  g: [[Float!]]!\n  h: [[[Owner]!]]\n}\n");
    harper__schema_free(s);
}

TEST(schema_parse_values)
{
    harper__schema *s = parse_ok(
        "type T @v(\n"
        "  i: -12, big: 123456789012345678901234567890, f: 1.5e3, g: -0.25E-2,\n"
        "  yes: true, no: false, nothing: null, e: RED,\n"
        "  l: [1, \"two\", [3, []], {}], o: {a: 1, b: {c: [true]}, a: 2},\n"
        "  s: \"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t u\\u00e9 \\u{1F600} \\uD83D\\uDE00 raw é\",\n"
        "  block: \"\"\"\n"
        "      first\n"
        "        indented \\\"\"\" quote\n"
        "\n"
        "      last\n"
        "    \"\"\"\n"
        ")\n");
    const harper__schema_directive *d = &s->types[0].directives[0];
    const harper__schema_value *v;

    CHECK_EQ_INT(d->n_args, 12);
    v = harper__schema_find_arg(d, "i");
    CHECK_EQ_INT(v->kind, HARPER__SCHEMA_INT);
    CHECK_EQ_STR(v->text, "-12");
    CHECK_EQ_STR(as_json(v), "-12");
    CHECK_EQ_STR(harper__schema_find_arg(d, "big")->text, "123456789012345678901234567890");
    v = harper__schema_find_arg(d, "f");
    CHECK_EQ_INT(v->kind, HARPER__SCHEMA_FLOAT);
    CHECK_EQ_STR(v->text, "1.5e3");
    CHECK_EQ_STR(as_json(v), "1500");
    CHECK_EQ_STR(harper__schema_find_arg(d, "g")->text, "-0.25E-2");
    CHECK_EQ_STR(as_json(harper__schema_find_arg(d, "yes")), "true");
    CHECK_EQ_STR(as_json(harper__schema_find_arg(d, "no")), "false");
    v = harper__schema_find_arg(d, "nothing");
    CHECK_EQ_INT(v->kind, HARPER__SCHEMA_NULL);
    CHECK_EQ_STR(as_json(v), "null");
    v = harper__schema_find_arg(d, "e");
    CHECK_EQ_INT(v->kind, HARPER__SCHEMA_ENUM);
    CHECK_EQ_STR(as_json(v), "\"RED\"");

    v = harper__schema_find_arg(d, "l");
    CHECK_EQ_INT(v->kind, HARPER__SCHEMA_LIST);
    CHECK_EQ_INT(v->n_items, 4);
    CHECK(v->text == NULL);
    CHECK_EQ_INT(v->items[2].n_items, 2);
    CHECK_EQ_STR(as_json(v), "[1,\"two\",[3,[]],{}]");
    v = harper__schema_find_arg(d, "o");
    CHECK_EQ_INT(v->kind, HARPER__SCHEMA_OBJECT);
    CHECK_EQ_INT(v->n_fields, 3);       /* the repeated "a" is kept... */
    CHECK_EQ_STR(v->fields[2].name, "a");
    CHECK_EQ_STR(as_json(v), "{\"a\":2,\"b\":{\"c\":[true]}}");   /* ...and the last wins */

    v = harper__schema_find_arg(d, "s");
    CHECK_EQ_INT(v->kind, HARPER__SCHEMA_STRING);
    CHECK(!v->is_block);
    CHECK_EQ_STR(v->text, "q\" b\\ s/ \b\f\n\r\t u\xc3\xa9 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80 raw "
                          "\xc3\xa9");
    v = harper__schema_find_arg(d, "block");
    CHECK(v->is_block);
    CHECK_EQ_STR(v->text, "first\n  indented \"\"\" quote\n\nlast");
    CHECK_EQ_INT(v->line, 6);
    CHECK_EQ_INT(v->col, 10);
    CHECK_EQ_STR(printed(s),
                 "type T @v(i: -12, big: 123456789012345678901234567890, f: 1.5e3, g: -0.25E-2, "
                 "yes: true, no: false, nothing: null, e: RED, l: [1, \"two\", [3, []], {}], "
                 "o: {a: 1, b: {c: [true]}, a: 2}, s: \"q\\\" b\\\\ s/ \\b\\f\\n\\r\\t u\xc3\xa9 "
                 "\xf0\x9f\x98\x80 \xf0\x9f\x98\x80 raw \xc3\xa9\", block: \"first\\n  indented "
                 "\\\"\\\"\\\" quote\\n\\nlast\")\n");
    harper__schema_free(s);
}

TEST(schema_parse_comments_descriptions_and_commas)
{
    harper__schema *s = parse_ok(
        "\xef\xbb\xbf# a byte order mark, then a comment\n"
        "\"\"\"\n"
        "  A dog.\n"
        "    Indented.\n"
        "\"\"\"\n"
        "type Dog @table, { # comment after a brace\n"
        "  \"the key\" id: ID @primaryKey,,,\n"
        "  \"\"\"block\"\"\"\n"
        "  name: String # trailing\n"
        "  ,age:Int}type Cat{id:ID}\r\n"
        "# last line, no newline");
    const harper__schema_type *dog = &s->types[0];

    CHECK_EQ_INT(s->n_types, 2);
    CHECK_EQ_STR(dog->description, "A dog.\n  Indented.");
    CHECK_EQ_INT(dog->line, 6);
    CHECK_EQ_STR(dog->fields[0].description, "the key");
    CHECK_EQ_INT(dog->fields[0].col, 13);
    CHECK_EQ_STR(dog->fields[1].description, "block");
    CHECK(dog->fields[2].description == NULL);
    CHECK_EQ_STR(dog->fields[2].type, "Int");
    CHECK_EQ_INT(dog->fields[2].line, 10);
    CHECK_EQ_STR(s->types[1].name, "Cat");
    CHECK_EQ_INT(s->types[1].col, 17);
    CHECK_EQ_STR(printed(s),
                 "\"A dog.\\n  Indented.\"\n"
                 "type Dog @table {\n"
                 "  \"the key\"\n"
                 "  id: ID @primaryKey\n"
                 "  \"block\"\n"
                 "  name: String\n"
                 "  age: Int\n"
                 "}\n"
                 "\n"
                 "type Cat {\n"
                 "  id: ID\n"
                 "}\n");
    harper__schema_free(s);
}

/* Every other kind of definition parses and is kept as kind and name only. */
TEST(schema_parse_other_definitions_are_listed_not_kept)
{
    harper__schema *s = parse_ok(
        "schema { query: Query mutation: Mutation }\n"
        "scalar DateTime @specifiedBy(url: \"https://example.com\")\n"
        "interface Node implements Base & Other @d { id: ID! }\n"
        "union Pet = | Dog | Cat\n"
        "enum Color { RED GREEN @deprecated \"described\" BLUE }\n"
        "input Filter { name: String = \"x\" @d, tags: [String!] = [\"a\"] }\n"
        "directive @cached(ttl: Int = 60) repeatable on OBJECT | FIELD_DEFINITION\n"
        "extend schema @d\n"
        "extend scalar DateTime @d\n"
        "extend type Dog @sealed\n"
        "extend interface Node { extra: Int }\n"
        "extend union Pet = Bird\n"
        "extend enum Color { PINK }\n"
        "extend input Filter { more: Int }\n"
        "query Dogs($limit: Int = 10) @d { dogs(limit: $limit) { id ...Parts "
        "... on Dog { name } } }\n"
        "fragment Parts on Dog { breed }\n"
        "{ anonymous }\n"
        "type Dog implements Node @table { id: ID @primaryKey owner(x: Int = 1): Owner }\n");
    static const struct {
        harper__schema_other_kind kind;
        const char *kind_name;
        const char *name;
    } want[] = {
        {HARPER__SCHEMA_SCHEMA_DEFINITION, "SchemaDefinition", NULL},
        {HARPER__SCHEMA_SCALAR_DEFINITION, "ScalarTypeDefinition", "DateTime"},
        {HARPER__SCHEMA_INTERFACE_DEFINITION, "InterfaceTypeDefinition", "Node"},
        {HARPER__SCHEMA_UNION_DEFINITION, "UnionTypeDefinition", "Pet"},
        {HARPER__SCHEMA_ENUM_DEFINITION, "EnumTypeDefinition", "Color"},
        {HARPER__SCHEMA_INPUT_DEFINITION, "InputObjectTypeDefinition", "Filter"},
        {HARPER__SCHEMA_DIRECTIVE_DEFINITION, "DirectiveDefinition", "cached"},
        {HARPER__SCHEMA_SCHEMA_EXTENSION, "SchemaExtension", NULL},
        {HARPER__SCHEMA_SCALAR_EXTENSION, "ScalarTypeExtension", "DateTime"},
        {HARPER__SCHEMA_OBJECT_EXTENSION, "ObjectTypeExtension", "Dog"},
        {HARPER__SCHEMA_INTERFACE_EXTENSION, "InterfaceTypeExtension", "Node"},
        {HARPER__SCHEMA_UNION_EXTENSION, "UnionTypeExtension", "Pet"},
        {HARPER__SCHEMA_ENUM_EXTENSION, "EnumTypeExtension", "Color"},
        {HARPER__SCHEMA_INPUT_EXTENSION, "InputObjectTypeExtension", "Filter"},
        {HARPER__SCHEMA_OPERATION_DEFINITION, "OperationDefinition", "Dogs"},
        {HARPER__SCHEMA_FRAGMENT_DEFINITION, "FragmentDefinition", "Parts"},
        {HARPER__SCHEMA_OPERATION_DEFINITION, "OperationDefinition", NULL},
    };
    size_t i;

    CHECK_EQ_INT(s->n_others, sizeof want / sizeof want[0]);
    for (i = 0; i < s->n_others; i++) {
        CHECK_EQ_INT(s->others[i].kind, want[i].kind);
        CHECK_EQ_STR(harper__schema_other_kind_name(s->others[i].kind), want[i].kind_name);
        if (want[i].name == NULL)
            CHECK(s->others[i].name == NULL);
        else
            CHECK_EQ_STR(s->others[i].name, want[i].name);
        CHECK_EQ_INT(s->others[i].line, i + 1);
    }
    CHECK_EQ_INT(s->others[2].col, 11);     /* at the name */
    CHECK_EQ_INT(s->others[0].col, 1);      /* at the keyword */
    /* Only the object type is kept; its field arguments and interfaces are dropped. */
    CHECK_EQ_INT(s->n_types, 1);
    CHECK_EQ_STR(s->types[0].name, "Dog");
    CHECK_EQ_INT(s->types[0].n_fields, 2);
    CHECK_EQ_STR(s->types[0].fields[1].type, "Owner");
    CHECK_EQ_INT(s->types[0].line, 18);
    CHECK_EQ_STR(printed(s), "type Dog @table {\n  id: ID @primaryKey\n  owner: Owner\n}\n");
    harper__schema_free(s);
}

/* A table has one attribute per name: a repeated field keeps its last definition. A repeated
 * type is kept twice (Harper declares both); the lookup gives the last, as Harper's map does. */
TEST(schema_parse_repeated_names)
{
    harper__schema *s = parse_ok(
        "type A @table { id: ID @primaryKey, name: String, id: Long @primaryKey, age: Int, "
        "name: [String] }\n"
        "type A @table(table: \"a2\") { x: Int }\n"
        "type B { only: Int, only: Int, only: Float }\n");
    const harper__schema_type *a = &s->types[0];

    CHECK_EQ_INT(s->n_types, 3);
    CHECK_EQ_INT(a->n_fields, 3);
    CHECK_EQ_STR(a->fields[0].name, "id");
    CHECK_EQ_STR(a->fields[0].type, "Long");
    CHECK_EQ_INT(a->fields[0].col, 51);
    CHECK_EQ_STR(a->fields[1].name, "age");
    CHECK_EQ_STR(a->fields[2].name, "name");
    CHECK(a->fields[2].is_list);
    CHECK(harper__schema_find_type(s, "A") == &s->types[1]);
    CHECK_EQ_INT(s->types[2].n_fields, 1);
    CHECK_EQ_STR(s->types[2].fields[0].type, "Float");
    harper__schema_free(s);
}

TEST(schema_parse_keywords_are_names)
{
    harper__schema *s = parse_ok("type type @table { type: type on: query, null: true_ }\n"
                                 "type query");

    CHECK_EQ_STR(s->types[0].name, "type");
    CHECK_EQ_STR(s->types[0].fields[0].type, "type");
    CHECK_EQ_STR(s->types[0].fields[1].name, "on");
    CHECK_EQ_STR(s->types[0].fields[2].name, "null");
    CHECK_EQ_STR(s->types[1].name, "query");
    CHECK_EQ_INT(s->types[1].n_fields, 0);
    CHECK_EQ_STR(printed(s),
                 "type type @table {\n  type: type\n  on: query\n  null: true_\n}\n\ntype query\n");
    harper__schema_free(s);
}

TEST(schema_parse_syntax_errors_like_graphql_js)
{
    check_error("type X {}", 1, 9, "Syntax Error: Expected Name, found \"}\".");
    check_error("type Dog @table {\n  id: ID @primaryKey\n  name: String\n", 4, 1,
                "Syntax Error: Expected Name, found <EOF>.");
    check_error("type A { a Int }", 1, 12, "Syntax Error: Expected \":\", found Name \"Int\".");
    check_error("type A { a: [Int }", 1, 18, "Syntax Error: Expected \"]\", found \"}\".");
    check_error("type A @table( { a: Int }", 1, 16, "Syntax Error: Expected Name, found \"{\".");
    check_error("type A { a: Int @ }", 1, 19, "Syntax Error: Expected Name, found \"}\".");
    check_error("type A implements { a: Int }", 1, 19,
                "Syntax Error: Expected Name, found \"{\".");
    check_error("type A { a: [[[String]]] }}", 1, 27, "Syntax Error: Unexpected \"}\".");
    check_error("type A { a: Int @x(o: {a: 1, b: }) }", 1, 33, "Syntax Error: Unexpected \"}\".");
    check_error("type A { a: Int @x(l: [1, 2) }", 1, 28, "Syntax Error: Unexpected \")\".");
    check_error("type A { a: Int }\n\n\n  @x", 4, 3, "Syntax Error: Unexpected \"@\".");
    check_error("type A { a: Int } ...", 1, 19, "Syntax Error: Unexpected \"...\".");
    check_error("type A { a: String @x(s: \"\"\"ok\"\"\") b: }", 1, 39,
                "Syntax Error: Expected Name, found \"}\".");
    check_error("\"\"\"d\"\"\" \"e\" type A", 1, 9, "Syntax Error: Unexpected String \"e\".");
    check_error("type A { a: Int @x(n: $v) }", 1, 23,
                "Syntax Error: Unexpected variable \"$v\" in constant value.");
    check_error("type A { a: Int @x(n: $) }", 1, 23, "Syntax Error: Unexpected \"$\".");
    check_error("type A { a(x: Int = 1): Int, b(: Int): Int }", 1, 32,
                "Syntax Error: Expected Name, found \":\".");
    /* Definitions Harper ignores still have to be well formed. */
    check_error("\"desc\" extend type A @x", 1, 1,
                "Syntax Error: Unexpected description, only GraphQL definitions support "
                "descriptions.");
    check_error("{ a } \"d\" { b }", 1, 7,
                "Syntax Error: Unexpected description, descriptions are not supported on "
                "shorthand queries.");
    check_error("enum E { true }", 1, 10,
                "Syntax Error: Name \"true\" is reserved and cannot be used for an enum value.");
    check_error("extend type A", 1, 14, "Syntax Error: Unexpected <EOF>.");
    check_error("extend schema", 1, 14, "Syntax Error: Unexpected <EOF>.");
    check_error("extend foo", 1, 8, "Syntax Error: Unexpected Name \"foo\".");
    check_error("directive @x on FOO", 1, 17, "Syntax Error: Unexpected Name \"FOO\".");
    check_error("directive @x FIELD", 1, 14,
                "Syntax Error: Expected \"on\", found Name \"FIELD\".");
    check_error("fragment on on A { a }", 1, 10, "Syntax Error: Unexpected Name \"on\".");
    check_error("schema { foo: Q }", 1, 10, "Syntax Error: Unexpected Name \"foo\".");
    check_error("union U = | | A", 1, 13, "Syntax Error: Expected Name, found \"|\".");
    check_error("input I { a: Int = $v }", 1, 20,
                "Syntax Error: Unexpected variable \"$v\" in constant value.");
    check_error("query Q($v Int) { a }", 1, 12,
                "Syntax Error: Expected \":\", found Name \"Int\".");
}

TEST(schema_parse_empty_files_are_errors)
{
    harper__schema *s = (harper__schema *)&s;
    harper__schema_error detail;

    check_error("", 1, 1, "Syntax Error: Unexpected <EOF>.");
    check_error("# only a comment\n", 2, 1, "Syntax Error: Unexpected <EOF>.");
    check_error("  ,,, \n\t", 2, 2, "Syntax Error: Unexpected <EOF>.");
    check_error("\"just a description\"", 1, 21, "Syntax Error: Unexpected <EOF>.");
    /* NULL text with no length is an empty file; NULL with a length, or no result, misuse. */
    CHECK_EQ_INT(harper__schema_parse(NULL, 0, NULL, &s, &detail, NULL), HARPER_EINVAL);
    CHECK(s == NULL);
    CHECK_EQ_STR(detail.text, "Syntax Error: Unexpected <EOF>.");
    CHECK_EQ_INT(harper__schema_parse(NULL, 3, NULL, &s, NULL, NULL), HARPER_EINVAL);
    CHECK_EQ_INT(harper__schema_parse("type A", 6, NULL, NULL, NULL, NULL), HARPER_EINVAL);
}

TEST(schema_parse_lexical_errors_like_graphql_js)
{
    check_error("type A { a: String @x(s: \"abc) }", 1, 33, "Syntax Error: Unterminated string.");
    check_error("type A { a: String @x(s: \"\"\"\n  unterminated", 2, 15,
                "Syntax Error: Unterminated string.");
    check_error("type A { a: String @x(s: \"\\q\") }", 1, 27,
                "Syntax Error: Invalid character escape sequence: \"\\q\".");
    check_error("type A { a: String @x(s: \"\\u12G4\") }", 1, 27,
                "Syntax Error: Invalid Unicode escape sequence: \"\\u12G4\".");
    check_error("type A { a: String @x(s: \"\\u{110000}\") }", 1, 27,
                "Syntax Error: Invalid Unicode escape sequence: \"\\u{110000}\".");
    check_error("type A { a: String @x(s: \"\\uD800\") }", 1, 27,
                "Syntax Error: Invalid Unicode escape sequence: \"\\uD800\".");
    check_error("type A { a: Int @x(s: \"\\u{}\") }", 1, 24,
                "Syntax Error: Invalid Unicode escape sequence: \"\\u{}\".");
    check_error("type A { a: Int @x(s: \"\\u{1F600\") }", 1, 24,
                "Syntax Error: Invalid Unicode escape sequence: \"\\u{1F600\"\".");
    check_error("type A { a: Int @x(s: \"\\u{000000041}\") }", 1, 24,
                "Syntax Error: Invalid Unicode escape sequence: \"\\u{000000041\".");
    check_error("type A { a: Int @x(s: \"\\", 1, 24,
                "Syntax Error: Invalid character escape sequence: \"\\\".");
    check_error("type A { a: Int @x(s: \"\\u00", 1, 24,
                "Syntax Error: Invalid Unicode escape sequence: \"\\u00\".");
    check_error("type A { a: String @x(s: 'single') }", 1, 26,
                "Syntax Error: Unexpected single quote character ('), did you mean to use a "
                "double quote (\")?");
    check_error("type A { a: Int @x(n: 01) }", 1, 24,
                "Syntax Error: Invalid number, unexpected digit after 0: \"1\".");
    check_error("type A { a: Int @x(n: 1.) }", 1, 25,
                "Syntax Error: Invalid number, expected digit but got: \")\".");
    check_error("type A { a: Int @x(n: 1.5e) }", 1, 27,
                "Syntax Error: Invalid number, expected digit but got: \")\".");
    check_error("type A { a: Int @x(n: 12abc) }", 1, 25,
                "Syntax Error: Invalid number, expected digit but got: \"a\".");
    check_error("type A { a: Int @x(n: -) }", 1, 24,
                "Syntax Error: Invalid number, expected digit but got: \")\".");
    check_error("type A { a: Int @x(n: 1", 1, 24,
                "Syntax Error: Expected Name, found <EOF>.");
    check_error("type A { a: Int @x(n: 1.", 1, 25,
                "Syntax Error: Invalid number, expected digit but got: <EOF>.");
    check_error("type A { a: Int } ?", 1, 19, "Syntax Error: Unexpected character: \"?\".");
    check_error("type A { a: Int } \xc3\xa9", 1, 19,
                "Syntax Error: Unexpected character: U+00E9.");
    check_error("type A { a: Int } \x07", 1, 19, "Syntax Error: Unexpected character: U+0007.");
    /* \u{00000041} is "A": eight digits are allowed. */
    harper__schema_free(parse_ok("type A { a: Int @x(s: \"\\u{00000041}\") }"));
}

/* Lines end at \n, \r\n or a lone \r; columns count UTF-16 code units, so an emoji is two. */
TEST(schema_parse_positions_count_like_javascript)
{
    check_error("type A\n{\r\n  a: Int\r  b: 5\n}", 4, 6,
                "Syntax Error: Expected Name, found Int \"5\".");
    check_error("type A { \"\xc3\xa9\xf0\x9f\x98\x80\" a: Int @x(s: \"\xf0\x9f\x98\x80\") b: 5 }",
                1, 38, "Syntax Error: Expected Name, found Int \"5\".");
    check_error("\xef\xbb\xbf type A { a: Int } )", 1, 21, "Syntax Error: Unexpected \")\".");
    /* A block string's lines count. */
    check_error("type A @x(d: \"\"\"\none\r\ntwo\rthree\"\"\") {\n  a: }", 5, 6,
                "Syntax Error: Expected Name, found \"}\".");
}

TEST(schema_parse_positions_of_names)
{
    harper__schema *s = parse_ok("type A @x(d: \"\"\"\none\r\ntwo\"\"\") {\n"
                                 "  \"\xf0\x9f\x98\x80\" a: Int @y\n"
                                 "}");
    const harper__schema_field *f = &s->types[0].fields[0];

    CHECK_EQ_STR(s->types[0].directives[0].args[0].value.text, "one\ntwo");
    CHECK_EQ_INT(f->line, 4);
    CHECK_EQ_INT(f->col, 8);
    CHECK_EQ_INT(f->type_col, 11);
    CHECK_EQ_INT(f->directives[0].col, 15);
    CHECK_EQ_INT(s->types[0].col, 6);
    harper__schema_free(s);
}

/* U+0000 cannot be in a C string: where graphql-js would take it inside a string, we refuse
 * it; outside strings graphql-js refuses it too; in a comment it is ignored like any other. */
TEST(schema_parse_nul_bytes)
{
    static const char top[] = "type A { a: Int }\0";
    static const char in_string[] = "type A @x(s: \"a\0b\") { a: Int }";
    static const char in_block[] = "type A @x(s: \"\"\"a\0b\"\"\") { a: Int }";
    static const char in_comment[] = "type A { a: Int } # \0 ignored\ntype B";
    harper__schema *s = NULL;

    check_error_n(top, sizeof top - 1, 1, 18, "Syntax Error: Unexpected character: U+0000.");
    check_error_n(in_string, sizeof in_string - 1, 1, 16,
                  "Syntax Error: Invalid character within String: U+0000.");
    check_error_n(in_block, sizeof in_block - 1, 1, 18,
                  "Syntax Error: Invalid character within String: U+0000.");
    check_error("type A @x(s: \"a\\u0000b\") { a: Int }", 1, 16,
                "Syntax Error: Invalid character within String: U+0000.");
    check_error("type A @x(s: \"a\\u{0}b\") { a: Int }", 1, 16,
                "Syntax Error: Invalid character within String: U+0000.");
    CHECK_OK(harper__schema_parse(in_comment, sizeof in_comment - 1, NULL, &s, NULL, NULL),
             NULL);
    CHECK_EQ_INT(s->n_types, 2);
    harper__schema_free(s);
    /* Other control characters are fine inside strings, as in graphql-js 16. */
    s = parse_ok("type A @x(s: \"tab\there \x01\") { a: Int }");
    CHECK_EQ_STR(s->types[0].directives[0].args[0].value.text, "tab\there \x01");
    harper__schema_free(s);
}

TEST(schema_parse_invalid_utf8)
{
    check_error("type A { a: Int } # caf\xe9\n", 1, 24,
                "Syntax Error: Invalid UTF-8 sequence starting with byte 0xE9.");
    check_error("type A @x(s: \"\xc0\xaf\")", 1, 15,
                "Syntax Error: Invalid UTF-8 sequence starting with byte 0xC0.");
    check_error("type A @x(s: \"\xed\xa0\x80\")", 1, 15,     /* a surrogate */
                "Syntax Error: Invalid UTF-8 sequence starting with byte 0xED.");
    check_error("type A @x(s: \"\xf4\x90\x80\x80\")", 1, 15,  /* past U+10FFFF */
                "Syntax Error: Invalid UTF-8 sequence starting with byte 0xF4.");
    check_error("\xf0\x9f\x98\x80 \xe2\x82", 1, 4,        /* cut short; the emoji is 2 units */
                "Syntax Error: Invalid UTF-8 sequence starting with byte 0xE2.");
    check_error("type A { a: Int } \xff", 1, 19,
                "Syntax Error: Invalid UTF-8 sequence starting with byte 0xFF.");
}

/* prefix, n times open, middle, n times close, suffix: a new string to free. */
static char *nested(const char *prefix, const char *open, const char *middle, const char *close,
                    int n, const char *suffix)
{
    size_t len = strlen(prefix) + strlen(middle) + strlen(suffix) +
                 (size_t)n * (strlen(open) + strlen(close));
    char *text = malloc(len + 1);
    char *w = text;
    int i;

    CHECK(text != NULL);
    w = stpcpy(w, prefix);
    for (i = 0; i < n; i++)
        w = stpcpy(w, open);
    w = stpcpy(w, middle);
    for (i = 0; i < n; i++)
        w = stpcpy(w, close);
    strcpy(w, suffix);
    return text;
}

TEST(schema_parse_nesting_is_bounded)
{
    const int max = HARPER__SCHEMA_MAX_DEPTH;
    char *text;
    harper__schema *s;
    char want[128];

    snprintf(want, sizeof want, "Syntax Error: Nested too deeply (more than %d levels).", max);
    text = nested("type A @x(v: ", "[", "", "]", max, ")");
    s = parse_ok(text);
    CHECK_EQ_INT(s->types[0].directives[0].args[0].value.kind, HARPER__SCHEMA_LIST);
    harper__schema_free(s);
    free(text);
    text = nested("type A @x(v: ", "[", "", "]", max + 1, ")");
    check_error(text, 1, 14 + (unsigned)max, want);
    free(text);
    text = nested("type A @x(v: ", "{a: ", "1", "}", max + 1, ")");
    check_error(text, 1, 14 + 4 * (unsigned)max, want);
    free(text);

    /* List types: every level's `!` has a bit. */
    text = nested("type A { a: ", "[", "T!", "]!", max, " }");
    s = parse_ok(text);
    CHECK_EQ_INT(s->types[0].fields[0].list_depth, max);
    CHECK_EQ_STR(s->types[0].fields[0].type, "T");
    CHECK(s->types[0].fields[0].non_null == ((uint64_t)1 << (max + 1)) - 1);
    harper__schema_free(s);
    free(text);
    text = nested("type A { a: ", "[", "T", "]", max + 1, " }");
    check_error(text, 1, 13 + (unsigned)max, want);
    free(text);

    text = nested("query ", "{ a ", "", "}", max + 1, "");
    check_error(text, 1, 7 + 4 * (unsigned)max, want);
    free(text);

    /* Far past any stack: refused at once. */
    text = nested("type A @x(v: ", "[", "", "]", 100000, ")");
    check_error(text, 1, 14 + (unsigned)max, want);
    free(text);
}

/* Every prefix of the spec's example, in a buffer of exactly its size: no crash, no read past
 * the end, and it parses exactly where graphql-js 16 parses it (lengths found with it). */
TEST(schema_parse_every_prefix)
{
    static const size_t parses[] = {6,   7,   8,   9,   11,  12,  13,  14,  15,
                                    16,  18,  19,  20,  21,  22,  23,  24,  242,
                                    243, 249, 250, 251, 252, 253, 254, 285, 286};
    size_t len = strlen(dog_schema);
    size_t n;
    size_t k = 0;

    CHECK_EQ_INT(len, 286);
    for (n = 0; n <= len; n++) {
        char *copy = malloc(n > 0 ? n : 1);
        harper__schema *s = (harper__schema *)&s;
        harper__schema_error detail;
        harper_error err = {0, ""};
        int rc;
        int want_ok = k < sizeof parses / sizeof parses[0] && parses[k] == n;

        CHECK(copy != NULL);
        memcpy(copy, dog_schema, n);
        rc = harper__schema_parse(copy, n, "schema.graphql", &s, &detail, &err);
        if (want_ok) {
            k++;
            if (rc != HARPER_OK)
                test_fail(__FILE__, __LINE__, "prefix %zu failed: %s", n, err.message);
            CHECK(s != NULL && s->n_types >= 1 && s->n_types <= 2);
            harper__schema_free(s);
        } else {
            if (rc != HARPER_EINVAL)
                test_fail(__FILE__, __LINE__, "prefix %zu: %d, want HARPER_EINVAL", n, rc);
            CHECK(s == NULL);
            CHECK(detail.line >= 1 && detail.line <= 11 && detail.col >= 1);
            CHECK(strncmp(err.message, "schema.graphql:", 15) == 0);
        }
        free(copy);
    }
}

TEST(schema_parse_long_names_in_messages)
{
    char text[700];
    char file[400];
    char want[300];
    harper__schema *s = NULL;
    harper__schema_error detail;
    harper_error err;

    /* A token's value in a message is cut after 200 bytes, so the message always fits. */
    memset(text, 'x', sizeof text);
    memcpy(text, "type A { a ", 11);
    memcpy(text + sizeof text - 3, " }", 3);
    snprintf(want, sizeof want, "Syntax Error: Expected \":\", found Name \"%.200s...\".",
             text + 11);
    check_error(text, 1, 12, want);

    /* A long file name keeps its end. */
    memset(file, 'd', sizeof file);
    memcpy(file + sizeof file - 16, "/schema.graphql", 16);
    CHECK_EQ_INT(harper__schema_parse("type X {}", 9, file, &s, &detail, &err), HARPER_EINVAL);
    CHECK(strlen(err.message) < sizeof err.message - 1);
    CHECK(strncmp(err.message, "...ddd", 6) == 0);
    CHECK(strstr(err.message, "dd/schema.graphql:1:9: Syntax Error: Expected Name, found "
                              "\"}\".") != NULL);
}

TEST(schema_parse_print_is_a_fixed_point)
{
    static const char *const texts[] = {
        dog_schema,
        "\"\"\"multi\n  line \"quoted\"\n\"\"\" type A @table(a: \"\\u0001\\u007f\\t\") @x {\n"
        "  \"\"\"d\"\"\" b: [[Int!]!] @y(o: {k: [1, {z: null}]}, e: V, f: -1.0e-3)\n}\n",
        "type A type B @x type C { c: C }",
    };
    size_t i;

    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        harper__schema *first = parse_ok(texts[i]);
        harper__schema *second;
        char once[8192];

        snprintf(once, sizeof once, "%s", printed(first));
        second = parse_ok(once);
        CHECK(harper__schema_equal(first, second));
        CHECK_EQ_STR(printed(second), once);
        harper__schema_free(first);
        harper__schema_free(second);
    }
}

TEST(schema_parse_equal_sees_differences)
{
    harper__schema *a = parse_ok("type A @t(x: 1) { a: [Int!] @i }");
    harper__schema *b;
    static const char *const different[] = {
        "type B @t(x: 1) { a: [Int!] @i }",   "type A @t(x: 2) { a: [Int!] @i }",
        "type A @t(x: \"1\") { a: [Int!] @i }", "type A @t(x: 1) { a: [Int] @i }",
        "type A @t(x: 1) { a: [Int!]! @i }",  "type A @t(x: 1) { a: Int! @i }",
        "type A @t(x: 1) { a: [Int!] @j }",   "type A @t(x: 1) { a: [Int!] @i b: Int }",
        "\"d\" type A @t(x: 1) { a: [Int!] @i }", "type A @t(x: 1, y: 1) { a: [Int!] @i }",
        "type A @t(x: 1) { a: [Int!] @i } type B",
    };
    size_t i;

    b = parse_ok("# same\ntype A\n@t(x: 1)\n{\n  a: [Int!] @i\n}");
    CHECK(harper__schema_equal(a, b));
    harper__schema_free(b);
    for (i = 0; i < sizeof different / sizeof different[0]; i++) {
        b = parse_ok(different[i]);
        if (harper__schema_equal(a, b))
            test_fail(__FILE__, __LINE__, "\"%s\" compares equal", different[i]);
        harper__schema_free(b);
    }
    harper__schema_free(a);
}

TEST(schema_parse_primitive_types)
{
    static const char *const primitives[] = {"ID",   "Int",   "Float", "Long",   "String",
                                             "Boolean", "Date", "Bytes", "Any", "BigInt",
                                             "Blob"};
    size_t i;

    for (i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
        CHECK(harper__schema_is_primitive(primitives[i]));
    CHECK(!harper__schema_is_primitive("Owner"));
    CHECK(!harper__schema_is_primitive("string"));
    CHECK(!harper__schema_is_primitive(NULL));
}
