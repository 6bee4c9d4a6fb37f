/* schema_ast.c: what other modules do with a parsed schema (schema_parse.h): look up types,
 * directives and arguments the way Harper reads them, turn a value into JSON, write the
 * schema back as SDL, compare two schemas. Parsing itself is schema_parse.c's. */
#include <stdlib.h>
#include <string.h>

#include "schema_parse.h"

const harper__schema_type *harper__schema_find_type(const harper__schema *s, const char *name)
{
    size_t i;

    if (s == NULL || name == NULL)
        return NULL;
    for (i = s->n_types; i-- > 0;)
        if (strcmp(s->types[i].name, name) == 0)
            return &s->types[i];
    return NULL;
}

const harper__schema_directive *harper__schema_find_directive(
    const harper__schema_directive *directives, size_t n, const char *name)
{
    if (name == NULL)
        return NULL;
    while (n-- > 0)
        if (strcmp(directives[n].name, name) == 0)
            return &directives[n];
    return NULL;
}

const harper__schema_value *harper__schema_find_arg(const harper__schema_directive *d,
                                                    const char *name)
{
    size_t i;

    if (d == NULL || name == NULL)
        return NULL;
    for (i = d->n_args; i-- > 0;)
        if (strcmp(d->args[i].name, name) == 0)
            return &d->args[i].value;
    return NULL;
}

const char *harper__schema_arg_text(const harper__schema_directive *d, const char *name)
{
    const harper__schema_value *v = harper__schema_find_arg(d, name);

    if (v == NULL)
        return NULL;
    switch (v->kind) {
    case HARPER__SCHEMA_STRING:
    case HARPER__SCHEMA_ENUM:
    case HARPER__SCHEMA_INT:
    case HARPER__SCHEMA_FLOAT:
        return v->text;
    default:
        return NULL;
    }
}

int harper__schema_is_primitive(const char *name)
{
    /* graphql.ts PRIMITIVE_TYPES */
    static const char *const primitives[] = {"ID",   "Int",   "Float", "Long", "String", "Boolean",
                                             "Date", "Bytes", "Any",   "BigInt", "Blob"};
    size_t i;

    if (name == NULL)
        return 0;
    for (i = 0; i < sizeof primitives / sizeof primitives[0]; i++)
        if (strcmp(name, primitives[i]) == 0)
            return 1;
    return 0;
}

const char *harper__schema_other_kind_name(harper__schema_other_kind kind)
{
    static const char *const names[] = {
        "SchemaDefinition",       "ScalarTypeDefinition",    "InterfaceTypeDefinition",
        "UnionTypeDefinition",    "EnumTypeDefinition",      "InputObjectTypeDefinition",
        "DirectiveDefinition",    "SchemaExtension",         "ScalarTypeExtension",
        "ObjectTypeExtension",    "InterfaceTypeExtension",  "UnionTypeExtension",
        "EnumTypeExtension",      "InputObjectTypeExtension", "OperationDefinition",
        "FragmentDefinition"};

    if ((size_t)kind >= sizeof names / sizeof names[0])
        return "UnknownDefinition";
    return names[kind];
}

cJSON *harper__schema_value_json(const harper__schema_value *v)
{
    cJSON *json = NULL;
    size_t i;

    if (v == NULL)
        return NULL;
    switch (v->kind) {
    case HARPER__SCHEMA_NULL:
        return cJSON_CreateNull();
    case HARPER__SCHEMA_BOOLEAN:
        return cJSON_CreateBool(strcmp(v->text, "true") == 0);
    case HARPER__SCHEMA_INT:
    case HARPER__SCHEMA_FLOAT:
        /* Number() of the literal, as newer Harper does; a huge exponent gives infinity,
         * which cJSON writes as null. */
        return cJSON_CreateNumber(strtod(v->text, NULL));
    case HARPER__SCHEMA_STRING:
    case HARPER__SCHEMA_ENUM:
        return cJSON_CreateString(v->text);
    case HARPER__SCHEMA_LIST:
        json = cJSON_CreateArray();
        for (i = 0; json != NULL && i < v->n_items; i++) {
            cJSON *item = harper__schema_value_json(&v->items[i]);

            if (item == NULL || !cJSON_AddItemToArray(json, item)) {
                cJSON_Delete(item);
                cJSON_Delete(json);
                json = NULL;
            }
        }
        return json;
    case HARPER__SCHEMA_OBJECT:
        json = cJSON_CreateObject();
        for (i = 0; json != NULL && i < v->n_fields; i++) {
            cJSON *item = harper__schema_value_json(&v->fields[i].value);
            const char *key = v->fields[i].name;
            int ok = item != NULL && (cJSON_GetObjectItemCaseSensitive(json, key) != NULL
                                          ? cJSON_ReplaceItemInObjectCaseSensitive(json, key, item)
                                          : cJSON_AddItemToObject(json, key, item));

            if (!ok) {
                cJSON_Delete(item);
                cJSON_Delete(json);
                json = NULL;
            }
        }
        return json;
    }
    return NULL;
}

/* ---- printing --------------------------------------------------------------------------- */

/* A "..." string literal: quotes, backslashes and control characters escaped. */
static void print_string(harper__buf *out, const char *s)
{
    harper__buf_byte(out, '"');
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        switch (c) {
        case '"': harper__buf_str(out, "\\\""); break;
        case '\\': harper__buf_str(out, "\\\\"); break;
        case '\b': harper__buf_str(out, "\\b"); break;
        case '\f': harper__buf_str(out, "\\f"); break;
        case '\n': harper__buf_str(out, "\\n"); break;
        case '\r': harper__buf_str(out, "\\r"); break;
        case '\t': harper__buf_str(out, "\\t"); break;
        default:
            if (c < 0x20 || c == 0x7F)
                harper__buf_printf(out, "\\u%04X", c);
            else
                harper__buf_byte(out, c);
        }
    }
    harper__buf_byte(out, '"');
}

static void print_value(harper__buf *out, const harper__schema_value *v)
{
    size_t i;

    switch (v->kind) {
    case HARPER__SCHEMA_STRING:
        print_string(out, v->text);
        return;
    case HARPER__SCHEMA_LIST:
        harper__buf_byte(out, '[');
        for (i = 0; i < v->n_items; i++) {
            if (i > 0)
                harper__buf_str(out, ", ");
            print_value(out, &v->items[i]);
        }
        harper__buf_byte(out, ']');
        return;
    case HARPER__SCHEMA_OBJECT:
        harper__buf_byte(out, '{');
        for (i = 0; i < v->n_fields; i++) {
            harper__buf_printf(out, "%s%s: ", i > 0 ? ", " : "", v->fields[i].name);
            print_value(out, &v->fields[i].value);
        }
        harper__buf_byte(out, '}');
        return;
    default:
        harper__buf_str(out, v->text);     /* null, true, 12, 1.5e3, ENUM_NAME as written */
    }
}

static void print_directives(harper__buf *out, const harper__schema_directive *d, size_t n)
{
    size_t i;
    size_t k;

    for (i = 0; i < n; i++) {
        harper__buf_printf(out, " @%s", d[i].name);
        if (d[i].n_args == 0)
            continue;
        harper__buf_byte(out, '(');
        for (k = 0; k < d[i].n_args; k++) {
            harper__buf_printf(out, "%s%s: ", k > 0 ? ", " : "", d[i].args[k].name);
            print_value(out, &d[i].args[k].value);
        }
        harper__buf_byte(out, ')');
    }
}

static void print_field(harper__buf *out, const harper__schema_field *f)
{
    unsigned level;

    if (f->description != NULL) {
        harper__buf_str(out, "  ");
        print_string(out, f->description);
        harper__buf_byte(out, '\n');
    }
    harper__buf_printf(out, "  %s: ", f->name);
    for (level = 0; level < f->list_depth; level++)
        harper__buf_byte(out, '[');
    harper__buf_str(out, f->type);
    for (level = f->list_depth + 1; level-- > 0;) {
        if (f->non_null >> level & 1)
            harper__buf_byte(out, '!');
        if (level > 0)
            harper__buf_byte(out, ']');
    }
    print_directives(out, f->directives, f->n_directives);
    harper__buf_byte(out, '\n');
}

int harper__schema_print(const harper__schema *s, harper__buf *out)
{
    size_t i;
    size_t k;

    for (i = 0; i < s->n_types; i++) {
        const harper__schema_type *t = &s->types[i];

        if (i > 0)
            harper__buf_byte(out, '\n');
        if (t->description != NULL) {
            print_string(out, t->description);
            harper__buf_byte(out, '\n');
        }
        harper__buf_printf(out, "type %s", t->name);
        print_directives(out, t->directives, t->n_directives);
        if (t->n_fields > 0) {
            harper__buf_str(out, " {\n");
            for (k = 0; k < t->n_fields; k++)
                print_field(out, &t->fields[k]);
            harper__buf_byte(out, '}');
        }
        harper__buf_byte(out, '\n');
    }
    return out->failed ? HARPER_ENOMEM : HARPER_OK;
}

/* ---- comparing -------------------------------------------------------------------------- */

static int same_string(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_value(const harper__schema_value *a, const harper__schema_value *b);

static int same_args(const harper__schema_arg *a, size_t n_a, const harper__schema_arg *b,
                     size_t n_b)
{
    size_t i;

    if (n_a != n_b)
        return 0;
    for (i = 0; i < n_a; i++)
        if (!same_string(a[i].name, b[i].name) || !same_value(&a[i].value, &b[i].value))
            return 0;
    return 1;
}

static int same_value(const harper__schema_value *a, const harper__schema_value *b)
{
    size_t i;

    if (a->kind != b->kind || !same_string(a->text, b->text) || a->n_items != b->n_items)
        return 0;
    for (i = 0; i < a->n_items; i++)
        if (!same_value(&a->items[i], &b->items[i]))
            return 0;
    return same_args(a->fields, a->n_fields, b->fields, b->n_fields);
}

static int same_directives(const harper__schema_directive *a, size_t n_a,
                           const harper__schema_directive *b, size_t n_b)
{
    size_t i;

    if (n_a != n_b)
        return 0;
    for (i = 0; i < n_a; i++)
        if (!same_string(a[i].name, b[i].name) ||
            !same_args(a[i].args, a[i].n_args, b[i].args, b[i].n_args))
            return 0;
    return 1;
}

static int same_field(const harper__schema_field *a, const harper__schema_field *b)
{
    return same_string(a->name, b->name) && same_string(a->description, b->description) &&
           same_string(a->type, b->type) && a->list_depth == b->list_depth &&
           a->non_null == b->non_null && a->is_list == b->is_list &&
           a->required == b->required && a->elem_required == b->elem_required &&
           same_directives(a->directives, a->n_directives, b->directives, b->n_directives);
}

int harper__schema_equal(const harper__schema *a, const harper__schema *b)
{
    size_t i;
    size_t k;

    if (a == NULL || b == NULL)
        return a == b;
    if (a->n_types != b->n_types)
        return 0;
    for (i = 0; i < a->n_types; i++) {
        const harper__schema_type *x = &a->types[i];
        const harper__schema_type *y = &b->types[i];

        if (!same_string(x->name, y->name) || !same_string(x->description, y->description) ||
            !same_directives(x->directives, x->n_directives, y->directives, y->n_directives) ||
            x->n_fields != y->n_fields)
            return 0;
        for (k = 0; k < x->n_fields; k++)
            if (!same_field(&x->fields[k], &y->fields[k]))
                return 0;
    }
    return 1;
}
