/* schema_apply.c: harper_schema_apply, the tables of a schema.graphql file (spec schema.md
 * 1-6). Each `type X @table` becomes a table definition (harper.h's definition JSON) given to
 * harper_table_define, which creates the table or reconciles it. Relationship fields are not
 * stored: they are reported with the table for the caller that joins (the REST layer).
 * What the library does not model yet is left out and logged: computed fields, and the shape
 * of nested object types (their fields stay untyped). */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"
#include "schema_parse.h"
#include "store.h"

static bool has_directive(const harper__schema_directive *d, size_t n, const char *name)
{
    return harper__schema_find_directive(d, n, name) != NULL;
}

/* A Boolean directive argument: 1, 0, or `absent` when not given as a boolean. */
static int bool_arg(const harper__schema_directive *d, const char *name, int absent)
{
    const harper__schema_value *v = harper__schema_find_arg(d, name);

    if (v == NULL || v->kind != HARPER__SCHEMA_BOOLEAN)
        return absent;
    return strcmp(v->text, "true") == 0;
}

/* The definition type of a field's named type: a primitive's name, else NULL (untyped), with
 * a warning when the name is no type of the file either. */
static const char *field_type(harper *h, const harper__schema *s, const harper__schema_field *f,
                              const char *file)
{
    if (strcmp(f->type, "Blob") == 0)
        return "Bytes";
    if (harper__schema_is_primitive(f->type))
        return f->type;
    if (harper__schema_find_type(s, f->type) == NULL)
        HARPER__LOG(&h->log, HARPER_LOG_WARN, "schema",
                    "The type %s is unknown at line %u, column %u, in %s", f->type, f->type_line,
                    f->type_col, file);
    return NULL;
}

static void add_attribute(harper *h, const harper__schema *s, const harper__schema_field *f,
                          const char *file, cJSON *attrs)
{
    const harper__schema_directive *d = f->directives;
    size_t n = f->n_directives;
    const char *type = field_type(h, s, f, file);
    cJSON *a;

    if (has_directive(d, n, "relationship"))
        return;     /* reported apart (relationships), never stored */
    if (has_directive(d, n, "computed")) {
        HARPER__LOG(&h->log, HARPER_LOG_WARN, "schema",
                    "%s: the computed field %s is not supported yet and is left out", file,
                    f->name);
        return;
    }
    a = cJSON_CreateObject();
    if (a == NULL || !cJSON_AddItemToArray(attrs, a)) {
        cJSON_Delete(a);
        return;
    }
    cJSON_AddStringToObject(a, "name", f->name);
    if (f->list_depth == 1) {
        cJSON_AddStringToObject(a, "type", "Array");
        if (type != NULL)
            cJSON_AddStringToObject(a, "elements", type);
    } else if (f->list_depth > 1) {
        cJSON_AddStringToObject(a, "type", "Array");
    } else if (type != NULL) {
        cJSON_AddStringToObject(a, "type", type);
    }
    if (f->required)
        cJSON_AddFalseToObject(a, "nullable");
    if (has_directive(d, n, "indexed") || has_directive(d, n, "primaryKey"))
        cJSON_AddTrueToObject(a, "indexed");
    if (has_directive(d, n, "createdTime"))
        cJSON_AddTrueToObject(a, "created_time");
    if (has_directive(d, n, "updatedTime"))
        cJSON_AddTrueToObject(a, "updated_time");
}

/* The definition JSON of a table type. */
static cJSON *table_definition(harper *h, const harper__schema *s, const harper__schema_type *ty,
                               const harper__schema_directive *table, int audit_default,
                               const char *file)
{
    cJSON *def = cJSON_CreateObject();
    cJSON *attrs = cJSON_AddArrayToObject(def, "attributes");
    const char *pk = NULL;
    const char *expiration = harper__schema_arg_text(table, "expiration");

    if (def == NULL || attrs == NULL) {
        cJSON_Delete(def);
        return NULL;
    }
    for (size_t i = 0; i < ty->n_fields; i++) {
        const harper__schema_field *f = &ty->fields[i];

        if (has_directive(f->directives, f->n_directives, "primaryKey")) {
            if (pk != NULL)
                HARPER__LOG(&h->log, HARPER_LOG_WARN, "schema",
                            "%s: Can not define two attributes as a primary key (%s.%s)", file,
                            ty->name, f->name);
            else
                pk = f->name;
        }
        add_attribute(h, s, f, file, attrs);
    }
    if (pk == NULL) {
        HARPER__LOG(&h->log, HARPER_LOG_WARN, "schema",
                    "%s: type %s has no @primaryKey; using \"id\"", file, ty->name);
        pk = "id";
    }
    cJSON_AddStringToObject(def, "primary_key", pk);
    if (expiration != NULL)
        cJSON_AddNumberToObject(def, "expiration", strtod(expiration, NULL));
    cJSON_AddBoolToObject(def, "audit", bool_arg(table, "audit", audit_default));
    if (has_directive(ty->directives, ty->n_directives, "sealed"))
        cJSON_AddTrueToObject(def, "sealed");
    return def;
}

/* The database and table of table type `name` of the schema, or false. */
static bool table_of(const harper__schema *s, const char *name, const char **db,
                     const char **table)
{
    const harper__schema_type *ty = harper__schema_find_type(s, name);
    const harper__schema_directive *d =
        ty != NULL ? harper__schema_find_directive(ty->directives, ty->n_directives, "table")
                   : NULL;

    if (d == NULL)
        return false;
    *db = harper__schema_arg_text(d, "database");
    if (*db == NULL)
        *db = harper__schema_arg_text(d, "schema");
    if (*db == NULL)
        *db = "data";
    *table = harper__schema_arg_text(d, "table");
    if (*table == NULL)
        *table = ty->name;
    return true;
}

/* The relationship fields of a table type, for the entry's "relationships". */
static cJSON *relationships(harper *h, const harper__schema *s, const harper__schema_type *ty,
                            const char *file)
{
    cJSON *list = cJSON_CreateArray();

    for (size_t i = 0; list != NULL && i < ty->n_fields; i++) {
        const harper__schema_field *f = &ty->fields[i];
        const harper__schema_directive *d =
            harper__schema_find_directive(f->directives, f->n_directives, "relationship");
        const char *from = harper__schema_arg_text(d, "from");
        const char *to = harper__schema_arg_text(d, "to");
        const char *db, *table;
        cJSON *r;

        if (d == NULL)
            continue;
        if ((from == NULL && to == NULL) || !table_of(s, f->type, &db, &table)) {
            HARPER__LOG(&h->log, HARPER_LOG_WARN, "schema",
                        "%s: relationship %s.%s needs from: or to: and a table type, left out",
                        file, ty->name, f->name);
            continue;
        }
        if (to != NULL && from == NULL && !f->is_list)
            HARPER__LOG(&h->log, HARPER_LOG_WARN, "schema",
                        "%s: %s.%s must have an array type referencing a table as the elements",
                        file, ty->name, f->name);
        r = cJSON_CreateObject();
        if (r == NULL || !cJSON_AddItemToArray(list, r)) {
            cJSON_Delete(r);
            break;
        }
        cJSON_AddStringToObject(r, "name", f->name);
        if (from != NULL)
            cJSON_AddStringToObject(r, "from", from);
        if (to != NULL)
            cJSON_AddStringToObject(r, "to", to);
        cJSON_AddStringToObject(r, "database", db);
        cJSON_AddStringToObject(r, "table", table);
        cJSON_AddBoolToObject(r, "many", f->is_list);
    }
    return list;
}

/* Defines one table type and appends its entry to `out`. */
static int apply_type(harper *h, const harper__schema *s, const harper__schema_type *ty,
                      int audit_default, const char *file, cJSON *out, harper_error *err)
{
    const harper__schema_directive *table =
        harper__schema_find_directive(ty->directives, ty->n_directives, "table");
    const harper__schema_directive *exp =
        harper__schema_find_directive(ty->directives, ty->n_directives, "export");
    const char *db = harper__schema_arg_text(table, "database");
    const char *name = harper__schema_arg_text(table, "table");
    cJSON *def = table_definition(h, s, ty, table, audit_default, file);
    cJSON *entry = cJSON_CreateObject();
    char *text = def != NULL ? cJSON_PrintUnformatted(def) : NULL;
    int created = 0;
    int rc;

    if (db == NULL)
        db = harper__schema_arg_text(table, "schema");
    if (db == NULL)
        db = "data";
    if (name == NULL)
        name = ty->name;
    if (text == NULL || entry == NULL || !cJSON_AddItemToArray(out, entry)) {
        cJSON_Delete(entry);
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    } else {
        rc = harper_table_define(h, db, name, text, strlen(text), &created, err);
    }
    if (rc == HARPER_OK) {
        cJSON_AddStringToObject(entry, "type", ty->name);
        cJSON_AddStringToObject(entry, "database", db);
        cJSON_AddStringToObject(entry, "table", name);
        cJSON_AddBoolToObject(entry, "created", created);
        cJSON_AddItemToObject(entry, "relationships", relationships(h, s, ty, file));
        if (exp != NULL) {
            const char *path = harper__schema_arg_text(exp, "name");
            cJSON *e = cJSON_AddObjectToObject(entry, "export");

            cJSON_AddStringToObject(e, "name", path != NULL ? path : ty->name);
            cJSON_AddBoolToObject(e, "rest", bool_arg(exp, "rest", 1));
            cJSON_AddBoolToObject(e, "mqtt", bool_arg(exp, "mqtt", 1));
        } else {
            cJSON_AddNullToObject(entry, "export");
        }
    } else if (err != NULL) {
        char why[sizeof err->message];

        memcpy(why, err->message, sizeof why);
        rc = harper__error_set(err, rc, "%s: table %s.%s: %s", file, db, name, why);
    }
    free(text);
    cJSON_Delete(def);
    return rc;
}

int harper_schema_apply(harper *h, const char *text, size_t len, const char *file_name,
                        int audit_default, char **tables, size_t *tables_len, harper_error *err)
{
    harper__schema *s = NULL;
    const char *file = file_name != NULL ? file_name : "<inline-schema>";
    cJSON *out;
    int rc;

    if (tables != NULL)
        *tables = NULL;
    if (h == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a root is required");
    rc = harper__schema_parse(text, len, file, &s, NULL, err);
    if (rc != HARPER_OK)
        return rc;
    out = cJSON_CreateArray();
    if (out == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    for (size_t i = 0; rc == HARPER_OK && i < s->n_types; i++) {
        const harper__schema_type *ty = &s->types[i];

        /* A repeated type name: the last one is the type (graphql's type map keeps it). */
        if (harper__schema_find_type(s, ty->name) != ty ||
            !has_directive(ty->directives, ty->n_directives, "table"))
            continue;
        rc = apply_type(h, s, ty, audit_default, file, out, err);
    }
    if (rc == HARPER_OK && tables != NULL) {
        *tables = cJSON_PrintUnformatted(out);
        if (*tables == NULL)
            rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        else if (tables_len != NULL)
            *tables_len = strlen(*tables);
    }
    cJSON_Delete(out);
    harper__schema_free(s);
    return rc;
}
