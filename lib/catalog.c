/* catalog.c: table definitions (see catalog.h): building one from the public definition JSON,
 * the stored form and back, Harper's describe_table attribute list, and the small edits made on
 * an unpublished copy. Pure: no storage and no locks; table.c decides when a definition is
 * stored, published or swapped, and validate.c checks records against it. */
#include "catalog.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

/* Harper's limit on the length of database, table and key names (Joi schemas of the ops API). */
#define MAX_NAME_LEN 250
/* Ten thousand years: seconds * 1000 stays far inside int64 and inside a double's exact range. */
#define MAX_EXPIRATION_S 315576000000.0

static const char *const type_names[] = {
    [HARPER__T_NONE] = NULL,
    [HARPER__T_ANY] = "Any",
    [HARPER__T_ID] = "ID",
    [HARPER__T_STRING] = "String",
    [HARPER__T_INT] = "Int",
    [HARPER__T_LONG] = "Long",
    [HARPER__T_FLOAT] = "Float",
    [HARPER__T_BOOLEAN] = "Boolean",
    [HARPER__T_DATE] = "Date",
    [HARPER__T_BIGINT] = "BigInt",
    [HARPER__T_BYTES] = "Bytes",
    /* Harper's metadata name for a list type ("[String]" in GraphQL). describe_table prints
     * the spelling create_table was given (see array_lowercase). */
    [HARPER__T_ARRAY] = "array",
};

#define N_TYPES (sizeof type_names / sizeof type_names[0])

const char *harper__type_name(int type)
{
    if (type < 0 || (size_t)type >= N_TYPES)
        return NULL;
    return type_names[type];
}

int harper__type_from_name(const char *name)
{
    size_t i;

    if (name == NULL)
        return -1;
    /* harper.h documents {"type": "Array"}; Harper's metadata says "array". Both mean a list. */
    if (strcmp(name, "Array") == 0)
        return HARPER__T_ARRAY;
    for (i = 0; i < N_TYPES; i++) {
        if (type_names[i] != NULL && strcmp(type_names[i], name) == 0)
            return (int)i;
    }
    return -1;
}

static char *copy_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);

    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

/* Harper fills attributes named like its own timestamps without a directive (schema.md 3).
 * set_pk undoes this for a key so named: the key names the record and is never filled. */
static void apply_name_rules(harper__attr *a)
{
    a->created_time = strcmp(a->name, "__createdtime__") == 0;
    a->updated_time = strcmp(a->name, "__updatedtime__") == 0;
}

/* Appends the compact text of `tree` to out; false if memory ran out. */
static bool append_json(const cJSON *tree, harper__buf *out)
{
    char *text = tree != NULL ? cJSON_PrintUnformatted(tree) : NULL;

    if (text == NULL)
        return false;
    harper__buf_str(out, text);
    cJSON_free(text);
    return !out->failed;
}

static harper__table_def *def_new(const char *db, const char *table, uint32_t id)
{
    harper__table_def *def = calloc(1, sizeof *def);

    if (def == NULL)
        return NULL;
    def->db = copy_str(db);
    def->name = copy_str(table);
    def->id = id;
    def->next_attr_id = 1;
    def->audit = true;
    def->expiration = -1;
    if (def->db == NULL || def->name == NULL) {
        harper__def_free(def);
        return NULL;
    }
    return def;
}

void harper__def_free(harper__table_def *def)
{
    size_t i;

    if (def == NULL)
        return;
    for (i = 0; i < def->n_attrs; i++)
        free(def->attrs[i].name);
    free(def->attrs);
    free(def->db);
    free(def->name);
    free(def->primary_key);
    free(def);
}

/* Appends a blank, nullable, untyped attribute without giving it an id. */
static harper__attr *append_attr(harper__table_def *def, const char *name)
{
    harper__attr *attrs;
    harper__attr *a;
    char *copy = copy_str(name);

    if (copy == NULL)
        return NULL;
    attrs = realloc(def->attrs, (def->n_attrs + 1) * sizeof *attrs);
    if (attrs == NULL) {
        free(copy);
        return NULL;
    }
    def->attrs = attrs;
    a = &attrs[def->n_attrs++];
    memset(a, 0, sizeof *a);
    a->name = copy;
    a->nullable = true;
    return a;
}

harper__attr *harper__def_add_attr(harper__table_def *def, const char *name)
{
    harper__attr *a;

    /* Ids are never reused, so running out of them is as final as running out of memory. */
    if (def == NULL || name == NULL || def->next_attr_id == UINT32_MAX)
        return NULL;
    a = append_attr(def, name);
    if (a == NULL)
        return NULL;
    a->id = def->next_attr_id++;
    /* Harper's create_attribute and inserts always set the flag, so describe shows it; a
     * declaration in create_table (parse_attr) says otherwise when it leaves it out. */
    a->indexed_declared = true;
    apply_name_rules(a);
    return a;
}

void harper__def_remove_attr(harper__table_def *def, size_t i)
{
    if (def == NULL || i >= def->n_attrs)
        return;
    free(def->attrs[i].name);
    memmove(&def->attrs[i], &def->attrs[i + 1], (def->n_attrs - i - 1) * sizeof def->attrs[0]);
    def->n_attrs--;
}

const harper__attr *harper__def_find(const harper__table_def *def, const char *name, size_t n)
{
    size_t i;

    if (def == NULL || name == NULL)
        return NULL;
    for (i = 0; i < def->n_attrs; i++) {
        const char *an = def->attrs[i].name;

        if (strlen(an) == n && memcmp(an, name, n) == 0)
            return &def->attrs[i];
    }
    return NULL;
}

const harper__attr *harper__def_pk(const harper__table_def *def)
{
    size_t i;

    if (def == NULL)
        return NULL;
    for (i = 0; i < def->n_attrs; i++) {
        if (def->attrs[i].is_primary_key)
            return &def->attrs[i];
    }
    return NULL;
}

harper__table_def *harper__def_clone(const harper__table_def *def)
{
    harper__table_def *copy;
    size_t i;
    bool ok;

    if (def == NULL || (copy = calloc(1, sizeof *copy)) == NULL)
        return NULL;
    *copy = *def;
    copy->n_attrs = 0;      /* counts the names copied so far, which def_free then frees */
    copy->db = copy_str(def->db);
    copy->name = copy_str(def->name);
    copy->primary_key = def->primary_key ? copy_str(def->primary_key) : NULL;
    copy->attrs = def->n_attrs > 0 ? calloc(def->n_attrs, sizeof *copy->attrs) : NULL;
    ok = copy->db != NULL && copy->name != NULL && (!def->primary_key || copy->primary_key) &&
         (def->n_attrs == 0 || copy->attrs != NULL);
    for (i = 0; ok && i < def->n_attrs; i++) {
        copy->attrs[i] = def->attrs[i];
        copy->attrs[i].name = copy_str(def->attrs[i].name);
        ok = copy->attrs[i].name != NULL;
        copy->n_attrs = ok ? i + 1 : i;
    }
    if (!ok) {
        harper__def_free(copy);
        copy = NULL;
    }
    return copy;
}

/* ---------------------------------------------------------------------------------------------
 * The public definition JSON (harper.h, above harper_table_create)
 */

/* A key that is absent or JSON null: Harper's ops API treats both as "not given". */
static const cJSON *opt_item(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsNull(v) ? NULL : v;
}

/* Reads an optional boolean "key" of attribute number `idx` (or of the definition when idx is
 * SIZE_MAX) into *out, leaving the default when it is absent. */
static int opt_bool(const cJSON *obj, const char *key, size_t idx, bool *out, harper_error *err)
{
    const cJSON *v = opt_item(obj, key);

    if (v == NULL)
        return HARPER_OK;
    if (!cJSON_IsBool(v)) {
        if (idx == SIZE_MAX)
            return harper__error_set(err, HARPER_EINVAL, "'%s' must be a boolean", key);
        return harper__error_set(err, HARPER_EINVAL, "'attributes[%zu].%s' must be a boolean", idx,
                                 key);
    }
    *out = cJSON_IsTrue(v);
    return HARPER_OK;
}

/* The ops API's checks on the primary key name (operations-api.md section 5). */
static int check_pk_name(const cJSON *v, harper_error *err)
{
    const char *s;

    if (!cJSON_IsString(v))
        return harper__error_set(err, HARPER_EINVAL, "'primary_key' must be a string");
    s = v->valuestring;
    if (s[0] == '\0')
        return harper__error_set(err, HARPER_EINVAL, "'primary_key' is required");
    if (strpbrk(s, "`/") != NULL)
        return harper__error_set(err, HARPER_EINVAL,
                                 "'primary_key' names cannot include backticks or forward slashes");
    if (strlen(s) > MAX_NAME_LEN)
        return harper__error_set(err, HARPER_EINVAL, "'primary_key' length must be less than "
                                 "or equal to 250 characters long");
    return HARPER_OK;
}

/* A type given as a name; `elements` may also be Harper's metadata form {"type": "String"}.
 * *spelled is the name as given (borrowed from v). */
static int parse_type(const cJSON *v, const char *what, const char *attr, int *out,
                      const char **spelled, harper_error *err)
{
    if (cJSON_IsObject(v))
        v = opt_item(v, "type");
    if (!cJSON_IsString(v))
        return harper__error_set(err, HARPER_EINVAL, "the %s of attribute '%s' must be a type name",
                                 what, attr);
    *spelled = v->valuestring;
    *out = harper__type_from_name(v->valuestring);
    if (*out < 0)
        return harper__error_set(err, HARPER_EINVAL, "Unknown %s '%s' for attribute '%s'", what,
                                 v->valuestring, attr);
    return HARPER_OK;
}

static int check_attr_name(const cJSON *v, size_t idx, harper_error *err)
{
    const char *s;

    if (v == NULL)
        return harper__error_set(err, HARPER_EINVAL, "Attribute name is required");
    if (!cJSON_IsString(v))
        return harper__error_set(err, HARPER_EINVAL, "'attributes[%zu].name' must be a string",
                                 idx);
    s = v->valuestring;
    if (s[0] == '\0')
        return harper__error_set(err, HARPER_EINVAL, "Attribute name is required");
    if (strcmp(s, "null") == 0 || strcmp(s, "undefined") == 0)
        return harper__error_set(err, HARPER_EINVAL, "Invalid attribute name: '%s'", s);
    if (strpbrk(s, "`/") != NULL)
        return harper__error_set(err, HARPER_EINVAL,
                                 "Attribute names cannot include backticks or forward slashes");
    if (strlen(s) > MAX_NAME_LEN)
        return harper__error_set(err, HARPER_EINVAL,
                                 "'attributes[%zu].name' length must be less than or equal to 250 "
                                 "characters long",
                                 idx);
    return HARPER_OK;
}

/* Appends attribute `idx` of the "attributes" array to def. *declared_pk is set when it carries
 * "is_primary_key": true; the caller decides which attribute ends up the key. */
static int parse_attr(const cJSON *item, size_t idx, harper__table_def *def, bool *declared_pk,
                      harper_error *err)
{
    const cJSON *name;
    const cJSON *type;
    const cJSON *elements;
    const char *spelled = NULL;
    harper__attr *a;
    int rc;

    if (!cJSON_IsObject(item))
        return harper__error_set(err, HARPER_EINVAL, "'attributes[%zu]' must be an object", idx);
    /* Harper's own metadata calls the name "attribute"; accept it where "name" is missing. */
    name = opt_item(item, "name");
    if (name == NULL)
        name = opt_item(item, "attribute");
    rc = check_attr_name(name, idx, err);
    if (rc != HARPER_OK)
        return rc;
    if (harper__def_find(def, name->valuestring, strlen(name->valuestring)) != NULL)
        return harper__error_set(err, HARPER_EINVAL, "attribute '%s' is declared more than once",
                                 name->valuestring);
    a = harper__def_add_attr(def, name->valuestring);
    if (a == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    type = opt_item(item, "type");
    elements = opt_item(item, "elements");
    rc = HARPER_OK;
    if (type != NULL)
        rc = parse_type(type, "type", a->name, &a->type, &spelled, err);
    if (rc == HARPER_OK && a->type == HARPER__T_ARRAY)
        a->array_lowercase = strcmp(spelled, "array") == 0;
    if (rc == HARPER_OK && elements != NULL) {
        if (a->type != HARPER__T_ARRAY)
            rc = harper__error_set(err, HARPER_EINVAL,
                                   "'elements' is only allowed on attributes of type Array "
                                   "(attribute '%s')",
                                   a->name);
        else
            rc = parse_type(elements, "element type", a->name, &a->elem_type, &spelled, err);
        /* One level of list only: the index and the validator know nothing of [[T]]. */
        if (rc == HARPER_OK && a->elem_type == HARPER__T_ARRAY)
            rc = harper__error_set(err, HARPER_EINVAL,
                                   "arrays of arrays are not supported (attribute '%s')", a->name);
    }
    *declared_pk = false;
    if (rc == HARPER_OK)
        rc = opt_bool(item, "indexed", idx, &a->indexed, err);
    if (rc == HARPER_OK)
        rc = opt_bool(item, "is_primary_key", idx, declared_pk, err);
    if (rc == HARPER_OK)
        rc = opt_bool(item, "nullable", idx, &a->nullable, err);
    if (rc == HARPER_OK)
        rc = opt_bool(item, "created_time", idx, &a->created_time, err);
    if (rc == HARPER_OK)
        rc = opt_bool(item, "updated_time", idx, &a->updated_time, err);
    /* Harper's describe_table echoes the declaration: the flags that were given, and elements
     * only in its own {"type": T} form (it reads elements.type). */
    a->indexed_declared = opt_item(item, "indexed") != NULL;
    a->nullable_declared = opt_item(item, "nullable") != NULL;
    a->created_time_declared = opt_item(item, "created_time") != NULL;
    a->updated_time_declared = opt_item(item, "updated_time") != NULL;
    a->elements_declared = cJSON_IsObject(elements);
    return rc;
}

/* Makes the attribute named `pk` the primary key, adding it in front when the list lacks it.
 * The key is the record's own key, not a secondary index, and is never timestamp-filled. */
static int set_pk(harper__table_def *def, const char *pk)
{
    const harper__attr *found = harper__def_find(def, pk, strlen(pk));
    harper__attr *a;

    if (found == NULL) {
        harper__attr moved;

        if (harper__def_add_attr(def, pk) == NULL)
            return HARPER_ENOMEM;
        moved = def->attrs[def->n_attrs - 1];
        memmove(&def->attrs[1], &def->attrs[0], (def->n_attrs - 1) * sizeof def->attrs[0]);
        def->attrs[0] = moved;
        a = &def->attrs[0];
        a->indexed_declared = false;    /* Harper's describe shows no "indexed" on such a key */
    } else {
        a = &def->attrs[found - def->attrs];
    }
    a->is_primary_key = true;
    a->key_indexed = a->indexed;
    a->indexed = false;
    a->created_time = false;
    a->updated_time = false;
    def->primary_key = copy_str(pk);
    return def->primary_key == NULL ? HARPER_ENOMEM : HARPER_OK;
}

/* Schema-defined table: the declared attributes, the key named by primary_key or else by the
 * one attribute flagged is_primary_key (Harper's createTable accepts either). */
static int parse_attrs(const cJSON *list, const char *pk, harper__table_def *def,
                       harper_error *err)
{
    const cJSON *item;
    const char *flagged = NULL;
    size_t idx = 0;
    int rc = HARPER_OK;

    if (!cJSON_IsArray(list))
        return harper__error_set(err, HARPER_EINVAL, "'attributes' must be an array");
    cJSON_ArrayForEach(item, list) {
        bool declared_pk;

        rc = parse_attr(item, idx, def, &declared_pk, err);
        if (rc != HARPER_OK)
            return rc;
        if (declared_pk) {
            const char *name = def->attrs[def->n_attrs - 1].name;

            if ((flagged != NULL) || (pk != NULL && strcmp(name, pk) != 0))
                return harper__error_set(err, HARPER_EINVAL,
                                         "Can not define two attributes as a primary key");
            flagged = name;
        }
        idx++;
    }
    if (pk == NULL)
        pk = flagged;
    if (pk == NULL)
        return harper__error_set(err, HARPER_EINVAL, "'primary_key' is required");
    rc = set_pk(def, pk);
    if (rc != HARPER_OK)
        return harper__error_set(err, rc, "out of memory");
    def->schema_defined = true;
    return HARPER_OK;
}

/* Dynamic table: the key plus the two indexed timestamps Harper's create_table adds. */
static int dynamic_attrs(const char *pk, harper__table_def *def, harper_error *err)
{
    static const char *const stamps[] = {"__createdtime__", "__updatedtime__"};
    size_t i;

    if (set_pk(def, pk) != HARPER_OK)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    for (i = 0; i < sizeof stamps / sizeof stamps[0]; i++) {
        harper__attr *a;

        if (harper__def_find(def, stamps[i], strlen(stamps[i])) != NULL)
            continue;
        a = harper__def_add_attr(def, stamps[i]);
        if (a == NULL)
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        a->indexed = true;
    }
    return HARPER_OK;
}

static int parse_options(const cJSON *root, harper__table_def *def, harper_error *err)
{
    const cJSON *exp = opt_item(root, "expiration");
    int rc;

    if (exp != NULL) {
        double s = cJSON_IsNumber(exp) ? exp->valuedouble : -1;

        if (!(s >= 0 && s <= MAX_EXPIRATION_S))
            return harper__error_set(err, HARPER_EINVAL,
                                     "'expiration' must be a number of seconds, 0 or more");
        /* Kept as given, 0 too: Harper describes it ("0s") but ignores a falsy expiration when
         * writing, so 0 means "never", not "at once" (txn.c). */
        def->expiration = s;
    }
    rc = opt_bool(root, "audit", SIZE_MAX, &def->audit, err);
    if (rc == HARPER_OK)
        rc = opt_bool(root, "sealed", SIZE_MAX, &def->sealed, err);
    return rc;
}

int harper__def_from_api_json(const char *db, const char *table, uint32_t id, const char *json,
                              size_t len, harper__table_def **out, harper_error *err)
{
    cJSON *root = NULL;
    harper__table_def *def = NULL;
    const cJSON *pk_item;
    const cJSON *attrs;
    const char *pk = NULL;
    size_t i;
    int rc;

    if (out == NULL || db == NULL || table == NULL || json == NULL)
        return harper__error_set(err, HARPER_EINVAL,
                                 "database, table and definition are required");
    *out = NULL;
    root = cJSON_ParseWithLength(json, len);
    if (root == NULL) {
        rc = harper__error_set(err, HARPER_EINVAL, "table definition is not valid JSON");
        goto done;
    }
    if (!cJSON_IsObject(root)) {
        rc = harper__error_set(err, HARPER_EINVAL, "table definition must be a JSON object");
        goto done;
    }
    def = def_new(db, table, id);
    if (def == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    rc = parse_options(root, def, err);
    if (rc != HARPER_OK)
        goto done;
    /* primary_key wins over its legacy alias; an empty one falls back as in Harper (`||`). */
    pk_item = opt_item(root, "primary_key");
    if (pk_item == NULL || (cJSON_IsString(pk_item) && pk_item->valuestring[0] == '\0')) {
        const cJSON *alias = opt_item(root, "hash_attribute");

        if (alias != NULL)
            pk_item = alias;
    }
    if (pk_item != NULL) {
        rc = check_pk_name(pk_item, err);
        if (rc != HARPER_OK)
            goto done;
        pk = pk_item->valuestring;
    }
    attrs = opt_item(root, "attributes");
    if (attrs != NULL) {
        rc = parse_attrs(attrs, pk, def, err);
    } else if (pk == NULL) {
        rc = harper__error_set(err, HARPER_EINVAL, "'primary_key' is required");
    } else {
        rc = dynamic_attrs(pk, def, err);
    }
    if (rc != HARPER_OK)
        goto done;
    /* A new table has no records, so every index is complete from the start; ids follow the
     * final order (the key may have been put in front). */
    for (i = 0; i < def->n_attrs; i++) {
        def->attrs[i].id = (uint32_t)(i + 1);
        def->attrs[i].index_ready = def->attrs[i].indexed;
    }
    def->next_attr_id = (uint32_t)(def->n_attrs + 1);
done:
    cJSON_Delete(root);
    if (rc != HARPER_OK) {
        harper__def_free(def);
        def = NULL;
    }
    *out = def;
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * The stored form: every field, so a reopened database sees exactly the definition it wrote.
 *   {"name", "id", "primary_key", "schema_defined", "audit", "sealed", "expiration" (-1: none),
 *    "next_attr_id", "attributes": [{"name", "id", "type"? (as spelled), "elements"?, "indexed",
 *    "index_ready", "is_primary_key", "nullable", "created_time", "updated_time",
 *    "indexed_declared", "key_indexed", "nullable_declared", "elements_declared",
 *    "created_time_declared", "updated_time_declared"}]}
 * Definitions stored before the *_declared keys load with what describe printed then.
 */

static bool add_bool(cJSON *obj, const char *key, bool v)
{
    return cJSON_AddBoolToObject(obj, key, v) != NULL;
}

/* The type name create_table was given: "Array" or "array" for a list, else the one name. */
static const char *spelled_type(const harper__attr *a)
{
    if (a->type == HARPER__T_ARRAY && !a->array_lowercase)
        return "Array";
    return harper__type_name(a->type);
}

/* A new object at the end of `list`, or NULL (nothing added) when memory runs out. */
static cJSON *append_object(cJSON *list)
{
    cJSON *obj = cJSON_CreateObject();

    if (obj == NULL || !cJSON_AddItemToArray(list, obj)) {
        cJSON_Delete(obj);
        return NULL;
    }
    return obj;
}

static bool add_stored_attr(cJSON *list, const harper__attr *a)
{
    cJSON *obj = append_object(list);
    bool ok;

    if (obj == NULL)
        return false;
    ok = cJSON_AddStringToObject(obj, "name", a->name) != NULL;
    ok = ok && cJSON_AddNumberToObject(obj, "id", a->id) != NULL;
    if (ok && a->type != HARPER__T_NONE)
        ok = cJSON_AddStringToObject(obj, "type", spelled_type(a)) != NULL;
    if (ok && a->type == HARPER__T_ARRAY && a->elem_type != HARPER__T_NONE)
        ok = cJSON_AddStringToObject(obj, "elements", harper__type_name(a->elem_type)) != NULL;
    ok = ok && add_bool(obj, "indexed", a->indexed);
    ok = ok && add_bool(obj, "index_ready", a->index_ready);
    ok = ok && add_bool(obj, "is_primary_key", a->is_primary_key);
    ok = ok && add_bool(obj, "nullable", a->nullable);
    ok = ok && add_bool(obj, "created_time", a->created_time);
    ok = ok && add_bool(obj, "updated_time", a->updated_time);
    ok = ok && add_bool(obj, "indexed_declared", a->indexed_declared);
    ok = ok && add_bool(obj, "key_indexed", a->key_indexed);
    ok = ok && add_bool(obj, "nullable_declared", a->nullable_declared);
    ok = ok && add_bool(obj, "elements_declared", a->elements_declared);
    ok = ok && add_bool(obj, "created_time_declared", a->created_time_declared);
    ok = ok && add_bool(obj, "updated_time_declared", a->updated_time_declared);
    return ok;
}

int harper__def_to_stored_json(const harper__table_def *def, harper__buf *out)
{
    cJSON *root;
    cJSON *list = NULL;
    size_t i;
    bool ok;

    if (def == NULL || out == NULL)
        return HARPER_EINVAL;
    root = cJSON_CreateObject();
    ok = root != NULL;
    ok = ok && cJSON_AddStringToObject(root, "name", def->name) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "id", def->id) != NULL;
    ok = ok && cJSON_AddStringToObject(root, "primary_key",
                                       def->primary_key ? def->primary_key : "") != NULL;
    ok = ok && add_bool(root, "schema_defined", def->schema_defined);
    ok = ok && add_bool(root, "audit", def->audit);
    ok = ok && add_bool(root, "sealed", def->sealed);
    ok = ok && cJSON_AddNumberToObject(root, "expiration", def->expiration) != NULL;
    ok = ok && cJSON_AddNumberToObject(root, "next_attr_id", def->next_attr_id) != NULL;
    if (ok)
        list = cJSON_AddArrayToObject(root, "attributes");
    ok = ok && list != NULL;
    for (i = 0; ok && i < def->n_attrs; i++)
        ok = add_stored_attr(list, &def->attrs[i]);
    ok = ok && append_json(root, out);
    cJSON_Delete(root);
    return ok ? HARPER_OK : HARPER_ENOMEM;
}

/* Stored-form readers: false when the key is missing or of the wrong kind. */
static bool get_bool(const cJSON *obj, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (!cJSON_IsBool(v))
        return false;
    *out = cJSON_IsTrue(v);
    return true;
}

/* A bool that older stored forms lack: `dflt` when absent, false when of another kind. */
static bool get_opt_bool(const cJSON *obj, const char *key, bool dflt, bool *out)
{
    if (cJSON_GetObjectItemCaseSensitive(obj, key) == NULL) {
        *out = dflt;
        return true;
    }
    return get_bool(obj, key, out);
}

static bool get_number(const cJSON *obj, const char *key, double min, double max, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (!cJSON_IsNumber(v) || !(v->valuedouble >= min && v->valuedouble <= max))
        return false;
    *out = v->valuedouble;
    return true;
}

static bool get_int(const cJSON *obj, const char *key, double min, double max, double *out)
{
    return get_number(obj, key, min, max, out) && floor(*out) == *out;
}

static const char *get_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    return cJSON_IsString(v) && v->valuestring[0] != '\0' ? v->valuestring : NULL;
}

/* The type of a stored attribute: absent means untyped, anything unknown is corruption.
 * *lowercase tells "array" from "Array" (may be NULL). */
static bool get_type(const cJSON *obj, const char *key, int *out, bool *lowercase)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

    *out = HARPER__T_NONE;
    if (v == NULL)
        return true;
    if (!cJSON_IsString(v))
        return false;
    *out = harper__type_from_name(v->valuestring);
    if (lowercase != NULL)
        *lowercase = strcmp(v->valuestring, "array") == 0;
    return *out > HARPER__T_NONE;
}

/* The *_declared flags; a definition stored before them gets what describe printed then: an
 * "indexed" on indexed attributes, "nullable" when false, elements whenever set, and the
 * assigned_* flags except on the timestamp names. */
static bool get_declared(const cJSON *obj, const char *name, harper__attr *a)
{
    bool created = a->created_time && strcmp(name, "__createdtime__") != 0;
    bool updated = a->updated_time && strcmp(name, "__updatedtime__") != 0;
    bool ok;

    ok = get_opt_bool(obj, "indexed_declared", a->indexed, &a->indexed_declared);
    ok = ok && get_opt_bool(obj, "key_indexed", false, &a->key_indexed);
    ok = ok && get_opt_bool(obj, "nullable_declared", !a->nullable, &a->nullable_declared);
    ok = ok && get_opt_bool(obj, "elements_declared", a->elem_type != HARPER__T_NONE,
                            &a->elements_declared);
    ok = ok && get_opt_bool(obj, "created_time_declared", created, &a->created_time_declared);
    ok = ok && get_opt_bool(obj, "updated_time_declared", updated, &a->updated_time_declared);
    return ok;
}

/* One stored attribute; HARPER_ECORRUPT unless it is whole and consistent. */
static int read_stored_attr(const cJSON *obj, harper__table_def *def)
{
    const char *name = get_str(obj, "name");
    harper__attr a;
    harper__attr *added;
    double id;
    size_t i;
    bool ok;

    memset(&a, 0, sizeof a);
    ok = cJSON_IsObject(obj) && name != NULL && get_int(obj, "id", 1, UINT32_MAX - 1.0, &id);
    ok = ok && get_type(obj, "type", &a.type, &a.array_lowercase) &&
         get_type(obj, "elements", &a.elem_type, NULL);
    ok = ok && (a.type == HARPER__T_ARRAY ? a.elem_type != HARPER__T_ARRAY
                                          : a.elem_type == HARPER__T_NONE);
    ok = ok && get_bool(obj, "indexed", &a.indexed) && get_bool(obj, "index_ready", &a.index_ready);
    ok = ok && get_bool(obj, "is_primary_key", &a.is_primary_key);
    ok = ok && get_bool(obj, "nullable", &a.nullable);
    ok = ok && get_bool(obj, "created_time", &a.created_time);
    ok = ok && get_bool(obj, "updated_time", &a.updated_time);
    ok = ok && get_declared(obj, name, &a);
    ok = ok && (uint32_t)id < def->next_attr_id;
    ok = ok && harper__def_find(def, name, strlen(name)) == NULL;
    for (i = 0; ok && i < def->n_attrs; i++)
        ok = def->attrs[i].id != (uint32_t)id;
    if (!ok)
        return HARPER_ECORRUPT;
    added = append_attr(def, name);
    if (added == NULL)
        return HARPER_ENOMEM;
    a.name = added->name;
    a.id = (uint32_t)id;
    *added = a;
    return HARPER_OK;
}

int harper__def_from_stored_json(const char *db, const char *json, size_t len,
                                 harper__table_def **out)
{
    cJSON *root = NULL;
    const cJSON *list;
    const cJSON *item;
    harper__table_def *def = NULL;
    const harper__attr *pk;
    const char *name;
    const char *pk_name;
    double id;
    double next_id;
    double expiration;
    size_t i;
    int rc = HARPER_ECORRUPT;

    if (out == NULL || db == NULL || json == NULL)
        return HARPER_EINVAL;
    *out = NULL;
    root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root))
        goto done;
    name = get_str(root, "name");
    pk_name = get_str(root, "primary_key");
    list = cJSON_GetObjectItemCaseSensitive(root, "attributes");
    if (name == NULL || pk_name == NULL || !cJSON_IsArray(list) ||
        !get_int(root, "id", 0, UINT32_MAX, &id) ||
        !get_int(root, "next_attr_id", 1, UINT32_MAX, &next_id) ||
        !get_number(root, "expiration", -1, MAX_EXPIRATION_S, &expiration) ||
        (expiration < 0 && expiration != -1))
        goto done;
    def = def_new(db, name, (uint32_t)id);
    if (def == NULL) {
        rc = HARPER_ENOMEM;
        goto done;
    }
    def->primary_key = copy_str(pk_name);
    if (def->primary_key == NULL) {
        rc = HARPER_ENOMEM;
        goto done;
    }
    if (!get_bool(root, "schema_defined", &def->schema_defined) ||
        !get_bool(root, "audit", &def->audit) || !get_bool(root, "sealed", &def->sealed))
        goto done;
    def->expiration = expiration;
    def->next_attr_id = (uint32_t)next_id;
    cJSON_ArrayForEach(item, list) {
        rc = read_stored_attr(item, def);
        if (rc != HARPER_OK)
            goto done;
    }
    /* Exactly one key, and it is the attribute primary_key names. */
    pk = harper__def_pk(def);
    rc = HARPER_ECORRUPT;
    if (pk == NULL || strcmp(pk->name, def->primary_key) != 0)
        goto done;
    for (i = (size_t)(pk - def->attrs) + 1; i < def->n_attrs; i++) {
        if (def->attrs[i].is_primary_key)
            goto done;
    }
    rc = HARPER_OK;
done:
    cJSON_Delete(root);
    if (rc != HARPER_OK) {
        harper__def_free(def);
        def = NULL;
    }
    *out = def;
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * describe_table's "attributes" (operations-api.md 7.7): keys in Harper's order, absent ones
 * left out, as schemaDescribe.js builds them. Harper copies each flag from the attribute as it
 * was declared, so a flag shows only when it was given, with the value given: "nullable": true
 * and "indexed": false appear, and __createdtime__ shows no "indexed" unless declared so.
 */

static bool describe_attr(cJSON *list, const harper__attr *a)
{
    cJSON *obj = append_object(list);
    bool ok;

    if (obj == NULL)
        return false;
    ok = cJSON_AddStringToObject(obj, "attribute", a->name) != NULL;
    if (ok && a->type != HARPER__T_NONE)
        ok = cJSON_AddStringToObject(obj, "type", spelled_type(a)) != NULL;
    if (ok && a->elements_declared && a->elem_type != HARPER__T_NONE)
        ok = cJSON_AddStringToObject(obj, "elements", harper__type_name(a->elem_type)) != NULL;
    /* The key is the record's own key, never a secondary index, so its own flag stays false. */
    if (ok && a->indexed_declared)
        ok = add_bool(obj, "indexed", a->is_primary_key ? a->key_indexed : a->indexed);
    if (ok && a->is_primary_key)
        ok = add_bool(obj, "is_primary_key", true);
    if (ok && a->created_time_declared)
        ok = add_bool(obj, "assigned_created_time", a->created_time);
    if (ok && a->updated_time_declared)
        ok = add_bool(obj, "assigned_updated_time", a->updated_time);
    if (ok && a->nullable_declared)
        ok = add_bool(obj, "nullable", a->nullable);
    return ok;
}

void harper__def_describe_attrs(const harper__table_def *def, harper__buf *out)
{
    cJSON *list;
    size_t i;
    bool ok;

    if (out == NULL)
        return;
    list = cJSON_CreateArray();
    ok = list != NULL && def != NULL;
    for (i = 0; ok && i < def->n_attrs; i++)
        ok = describe_attr(list, &def->attrs[i]);
    if (!ok || !append_json(list, out))
        out->failed = 1;    /* the buffer's sticky failure tells the caller, as for appends */
    cJSON_Delete(list);
}
