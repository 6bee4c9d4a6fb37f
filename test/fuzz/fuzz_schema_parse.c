/* fuzz_schema_parse.c: arbitrary bytes as a schema.graphql file (harper__schema_parse).
 * Invariants: a failed parse leaves no schema, and a NUL-terminated message that names the
 * file, a line and a column inside the text; a schema that parses is well formed (every
 * string present, UTF-8 and NUL-terminated, every count matching its array, the type flags
 * agreeing with the list depth and non-null bits, positions inside the text); each argument
 * converts to JSON; and printing it gives SDL that parses to an equal schema and prints the
 * same bytes again (printing is a fixed point after one round). */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "schema_parse.h"

static unsigned max_line;

static void die(const char *what, const harper__buf *text)
{
    fprintf(stderr, "fuzz_schema_parse: %s\n", what);
    if (text != NULL && text->data != NULL)
        fprintf(stderr, "--- printed ---\n%.*s\n---\n", (int)text->len, text->data);
    abort();
}

/* A string of the result: present, UTF-8 (strict: no surrogates, nothing past U+10FFFF). */
static void check_string(const char *s, int may_be_null)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL) {
        if (!may_be_null)
            die("missing string", NULL);
        return;
    }
    while (*p != '\0') {
        unsigned c = *p;
        size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                               : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        size_t k;

        if (n == 0)
            die("string is not UTF-8", NULL);
        if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
            (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] > 0x8F))
            die("string is not UTF-8", NULL);
        for (k = 1; k < n; k++)
            if ((p[k] & 0xC0) != 0x80)
                die("string is not UTF-8", NULL);
        p += n;
    }
}

static void check_name(const char *s)
{
    size_t i;

    check_string(s, 0);
    for (i = 0; s[i] != '\0'; i++)
        if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (i > 0 && s[i] >= '0' && s[i] <= '9')))
            die("a name that is not a GraphQL name", NULL);
    if (i == 0)
        die("empty name", NULL);
}

static void check_position(unsigned line, unsigned col)
{
    if (line < 1 || line > max_line || col < 1)
        die("position outside the text", NULL);
}

static void check_array(const void *items, size_t n)
{
    if (n > 0 && items == NULL)
        die("count without an array", NULL);
}

static void check_value(const harper__schema_value *v, unsigned depth);

static void check_args(const harper__schema_arg *args, size_t n, unsigned depth)
{
    size_t i;

    check_array(args, n);
    for (i = 0; i < n; i++) {
        check_name(args[i].name);
        check_position(args[i].line, args[i].col);
        check_value(&args[i].value, depth);
    }
}

static void check_value(const harper__schema_value *v, unsigned depth)
{
    size_t i;

    if (depth > HARPER__SCHEMA_MAX_DEPTH + 1)
        die("value nested deeper than the limit", NULL);
    check_position(v->line, v->col);
    switch (v->kind) {
    case HARPER__SCHEMA_LIST:
    case HARPER__SCHEMA_OBJECT:
        if (v->text != NULL)
            die("list or object with a text", NULL);
        break;
    case HARPER__SCHEMA_ENUM:
        check_name(v->text);
        break;
    case HARPER__SCHEMA_NULL:
    case HARPER__SCHEMA_BOOLEAN:
    case HARPER__SCHEMA_INT:
    case HARPER__SCHEMA_FLOAT:
    case HARPER__SCHEMA_STRING:
        check_string(v->text, 0);
        break;
    default:
        die("unknown value kind", NULL);
    }
    if ((v->kind != HARPER__SCHEMA_LIST && v->n_items != 0) ||
        (v->kind != HARPER__SCHEMA_OBJECT && v->n_fields != 0))
        die("items or fields on the wrong kind", NULL);
    if (v->is_block && v->kind != HARPER__SCHEMA_STRING)
        die("block flag on a non-string", NULL);
    check_array(v->items, v->n_items);
    for (i = 0; i < v->n_items; i++)
        check_value(&v->items[i], depth + 1);
    check_args(v->fields, v->n_fields, depth + 1);
}

static void check_directives(const harper__schema_directive *d, size_t n)
{
    size_t i;

    check_array(d, n);
    for (i = 0; i < n; i++) {
        check_name(d[i].name);
        check_position(d[i].line, d[i].col);
        check_args(d[i].args, d[i].n_args, 1);
        if (harper__schema_find_directive(d, n, d[i].name) == NULL)
            die("find_directive misses a directive", NULL);
    }
}

static void check_field(const harper__schema_field *f)
{
    check_name(f->name);
    check_name(f->type);
    check_string(f->description, 1);
    check_position(f->line, f->col);
    check_position(f->type_line, f->type_col);
    if (f->list_depth > HARPER__SCHEMA_MAX_DEPTH)
        die("list type deeper than the limit", NULL);
    if (f->non_null >> f->list_depth >> 1 != 0)
        die("non-null bit past the named type", NULL);
    if (f->is_list != (f->list_depth > 0) || f->required != ((f->non_null & 1) != 0) ||
        f->elem_required != (f->is_list && (f->non_null & 2) != 0))
        die("type flags disagree with depth and bits", NULL);
    check_directives(f->directives, f->n_directives);
}

static void check_schema(const harper__schema *s)
{
    size_t i;
    size_t k;

    check_array(s->types, s->n_types);
    check_array(s->others, s->n_others);
    if (s->n_types + s->n_others == 0)
        die("a document without definitions parsed", NULL);
    for (i = 0; i < s->n_types; i++) {
        const harper__schema_type *t = &s->types[i];

        check_name(t->name);
        check_string(t->description, 1);
        check_position(t->line, t->col);
        check_directives(t->directives, t->n_directives);
        check_array(t->fields, t->n_fields);
        for (k = 0; k < t->n_fields; k++) {
            size_t j;

            check_field(&t->fields[k]);
            for (j = 0; j < k && t->n_fields <= 256; j++)
                if (strcmp(t->fields[k].name, t->fields[j].name) == 0)
                    die("a field name repeated in one type", NULL);
        }
        if (harper__schema_find_type(s, t->name) == NULL)
            die("find_type misses a type", NULL);
    }
    for (i = 0; i < s->n_others; i++) {
        if (strcmp(harper__schema_other_kind_name(s->others[i].kind), "UnknownDefinition") == 0)
            die("unknown definition kind", NULL);
        if (s->others[i].name != NULL)
            check_name(s->others[i].name);
        check_position(s->others[i].line, s->others[i].col);
    }
}

/* Every argument value converts to JSON. */
static void check_json(const harper__schema_directive *d, size_t n)
{
    size_t i;
    size_t k;

    for (i = 0; i < n; i++) {
        for (k = 0; k < d[i].n_args; k++) {
            cJSON *json = harper__schema_value_json(&d[i].args[k].value);

            if (json == NULL)
                die("value_json failed", NULL);
            cJSON_Delete(json);
        }
    }
}

static void check_failure(const harper__schema *s, const harper__schema_error *detail,
                          const harper_error *err)
{
    char where[64];

    if (s != NULL)
        die("failed parse left a schema", NULL);
    if (memchr(err->message, '\0', sizeof err->message) == NULL ||
        memchr(detail->text, '\0', sizeof detail->text) == NULL)
        die("unterminated message", NULL);
    if (err->code == HARPER_ENOMEM)
        return;
    if (err->code != HARPER_EINVAL || strncmp(detail->text, "Syntax Error: ", 14) != 0)
        die("failure that is not a syntax error", NULL);
    check_position(detail->line, detail->col);
    snprintf(where, sizeof where, "fuzz.graphql:%u:%u: ", detail->line, detail->col);
    if (strncmp(err->message, where, strlen(where)) != 0 ||
        strcmp(err->message + strlen(where), detail->text) != 0)
        die("message does not name the file, line and column", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harper__schema *s = (harper__schema *)&max_line;
    harper__schema *again = NULL;
    harper__schema_error detail;
    harper_error err = {0, ""};
    harper__buf first = HARPER__BUF_INIT;
    harper__buf second = HARPER__BUF_INIT;
    size_t i;
    size_t k;

    /* Lines as graphql-js counts them (\r\n, \n, \r), plus one for a position at the end. */
    max_line = 1;
    for (i = 0; i < size; i++)
        if (data[i] == '\n' || (data[i] == '\r' && (i + 1 == size || data[i + 1] != '\n')))
            max_line++;

    memset(detail.text, 'x', sizeof detail.text);
    memset(err.message, 'x', sizeof err.message);
    if (harper__schema_parse((const char *)data, size, "fuzz.graphql", &s, &detail, &err) !=
        HARPER_OK) {
        check_failure(s, &detail, &err);
        return 0;
    }
    if (s == NULL)
        die("parse succeeded without a schema", NULL);
    check_schema(s);
    for (i = 0; i < s->n_types; i++) {
        check_json(s->types[i].directives, s->types[i].n_directives);
        for (k = 0; k < s->types[i].n_fields; k++)
            check_json(s->types[i].fields[k].directives, s->types[i].fields[k].n_directives);
    }

    if (harper__schema_print(s, &first) != HARPER_OK)
        die("print failed", NULL);
    if (s->n_types > 0) {
        max_line = UINT_MAX;      /* positions now refer to the printed text */
        if (harper__schema_parse(first.data, first.len, "printed", &again, &detail, &err) !=
            HARPER_OK)
            die(err.message, &first);
        check_schema(again);
        if (!harper__schema_equal(s, again))
            die("printed text parses to a different schema", &first);
        if (harper__schema_print(again, &second) != HARPER_OK)
            die("second print failed", &first);
        if (second.len != first.len || memcmp(first.data, second.data, first.len) != 0)
            die("printing the reparsed schema gave different text", &first);
    } else if (first.len != 0) {
        die("a schema without types printed something", &first);
    }
    harper__buf_free(&first);
    harper__buf_free(&second);
    harper__schema_free(s);
    harper__schema_free(again);
    return 0;
}
