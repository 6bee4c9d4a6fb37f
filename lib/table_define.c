/* table_define.c: harper_table_define, a table made to match a definition, as Harper
 * reconciles a table with its schema.graphql type on every load (spec schema.md 6). Attribute
 * ids are what ties index entries to attributes, so an attribute that stays keeps its id and
 * its index; a new one gets a fresh id; an attribute that leaves the definition takes its
 * index entries with it but not its values in the records. */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "keycodec.h"
#include "table.h"

/* Gives the attributes of `next` their ids (those of `old` where the name is kept) and lists
 * the attributes whose index must be built. */
static void carry_ids(const harper__table_def *old, harper__table_def *next,
                      const harper__attr **to_build, size_t *n_build)
{
    next->next_attr_id = old->next_attr_id;
    *n_build = 0;
    for (size_t i = 0; i < next->n_attrs; i++) {
        harper__attr *a = &next->attrs[i];
        const harper__attr *o = harper__def_find(old, a->name, strlen(a->name));

        a->id = o != NULL ? o->id : next->next_attr_id++;
        if (a->is_primary_key || !a->indexed)
            continue;
        if (o == NULL || !o->indexed || o->is_primary_key)
            to_build[(*n_build)++] = a;
    }
}

/* Deletes the index entries of the attributes of `old` that `next` no longer indexes. */
static int drop_unwanted_indexes(harper_table *t, const harper__table_def *old,
                                 const harper__table_def *next, harper_error *err)
{
    harper__buf prefix = HARPER__BUF_INIT;
    int rc = HARPER_OK;

    for (size_t i = 0; i < old->n_attrs && rc == HARPER_OK; i++) {
        const harper__attr *o = &old->attrs[i];
        const harper__attr *a = harper__def_find(next, o->name, strlen(o->name));

        if (!o->indexed || o->is_primary_key || (a != NULL && a->indexed))
            continue;
        harper__buf_reset(&prefix);
        harper__key_index_prefix(&prefix, t->id, o->id);
        rc = prefix.failed ? harper__error_set(err, HARPER_ENOMEM, "out of memory")
                           : harper__delete_prefix(t->db, HARPER__CF_INDEX, prefix.data,
                                                   prefix.len, err);
    }
    harper__buf_free(&prefix);
    return rc;
}

static int redefine(harper_table *t, const char *def_json, size_t def_len, harper_error *err)
{
    harper__table_def *next = NULL;
    harper__table_def *old;
    const harper__attr **to_build = NULL;
    size_t n_build = 0;
    int rc;

    pthread_rwlock_wrlock(&t->ddl);
    old = t->def;
    if (atomic_load(&t->dropped)) {
        rc = harper__table_missing(err, t->db->name, old->name);
        goto done;
    }
    rc = harper__def_from_api_json(old->db, old->name, t->id, def_json, def_len, &next, err);
    if (rc != HARPER_OK)
        goto done;
    if (strcmp(next->primary_key, old->primary_key) != 0) {
        rc = harper__error_set(err, HARPER_EINVAL,
                               "the primary key of %s.%s cannot change from '%s' to '%s'",
                               old->db, old->name, old->primary_key, next->primary_key);
        goto done;
    }
    to_build = calloc(next->n_attrs + 1, sizeof *to_build);
    if (to_build == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    carry_ids(old, next, to_build, &n_build);
    if (n_build > 0 && harper_table_count(t, 0, NULL) > 0)
        rc = harper__table_backfill(t, to_build, n_build, err);
    if (rc == HARPER_OK)
        rc = harper__catalog_store(t->db, next, err);
    if (rc != HARPER_OK)
        goto done;
    /* The old definition stays readable (counted references) until it is unused. */
    old = harper__table_def_get(t);
    harper__table_publish_def(t, next);
    next = NULL;
    rc = drop_unwanted_indexes(t, old, t->def, err);
    harper__table_def_put(old);
done:
    pthread_rwlock_unlock(&t->ddl);
    harper__def_free(next);
    free(to_build);
    return rc;
}

int harper_table_define(harper *h, const char *db, const char *table, const char *def_json,
                        size_t def_len, int *created, harper_error *err)
{
    harper_table *t = NULL;
    int rc;

    if (created != NULL)
        *created = 0;
    rc = harper_table_create(h, db, table, def_json, def_len, err);
    if (rc == HARPER_OK && created != NULL)
        *created = 1;
    if (rc != HARPER_EEXIST)
        return rc;
    rc = harper_table_open(h, db, table, &t, err);
    if (rc == HARPER_OK)
        rc = redefine(t, def_json, def_len, err);
    harper_table_close(t);
    return rc;
}
