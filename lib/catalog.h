/* catalog.h: table definitions: their attributes and types, the JSON they are created from,
 * the JSON they are stored as, and Harper's describe_table form. A definition is immutable once
 * published; a change makes a new one (see table.c for how it is swapped). */
#ifndef HARPER_CATALOG_H
#define HARPER_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "harper.h"

/* Attribute types; HARPER__T_NONE is an untyped attribute (accepts anything). */
enum harper__type {
    HARPER__T_NONE = 0,
    HARPER__T_ANY,
    HARPER__T_ID,
    HARPER__T_STRING,
    HARPER__T_INT,
    HARPER__T_LONG,
    HARPER__T_FLOAT,
    HARPER__T_BOOLEAN,
    HARPER__T_DATE,
    HARPER__T_BIGINT,
    HARPER__T_BYTES,
    HARPER__T_ARRAY     /* elements of elem_type */
};

typedef struct harper__attr {
    char *name;
    uint32_t id;            /* prefix of this attribute's index entries; never reused */
    int type;               /* enum harper__type */
    int elem_type;          /* for HARPER__T_ARRAY: the elements' type */
    bool indexed;
    bool index_ready;       /* false while an index is being built over existing records */
    bool is_primary_key;
    bool nullable;          /* false: null and absence are rejected ("T!") */
    bool created_time;      /* filled with the write time on create, kept on later writes */
    bool updated_time;      /* filled with the write time on every write */
    /* What was declared, which describe_table echoes as Harper does (it prints an attribute's
     * flags as they were given). Only describe reads these; behaviour follows the fields above. */
    bool indexed_declared;  /* prints "indexed": given in create_table, or added later (Harper's
                               create_attribute and inserts always set it) */
    bool key_indexed;       /* the key's declared "indexed"; the key's `indexed` stays false */
    bool nullable_declared;
    bool elements_declared; /* given as {"type": T}; Harper prints no bare-name elements */
    bool created_time_declared;
    bool updated_time_declared;
    bool array_lowercase;   /* the type was spelled "array" rather than "Array" */
} harper__attr;

typedef struct harper__table_def {
    char *db;
    char *name;
    uint32_t id;            /* prefix of this table's keys in every column family */
    char *primary_key;
    harper__attr *attrs;
    size_t n_attrs;
    uint32_t next_attr_id;
    bool schema_defined;    /* false: a dynamic table (made without attributes) */
    bool audit;
    bool sealed;
    double expiration;      /* seconds, fractions allowed; -1: none given. 0 is kept because
                               describe_table shows it, but like -1 it never expires a record */
    _Atomic int refs;       /* set and used by table.c only (see harper__table_def_get) */
} harper__table_def;

/* Builds a definition from the public API's definition JSON (see harper.h). Harper's messages
 * on error ("'primary_key' is required", ...). Without "primary_key"/"hash_attribute" the one
 * attribute marked "is_primary_key" names the key, as in Harper's createTable. A key missing
 * from "attributes" is put first. Attribute ids are 1, 2, ... in order. "expiration": 0 means
 * no expiry, as in Harper. Caller frees with harper__def_free. */
int harper__def_from_api_json(const char *db, const char *table, uint32_t id, const char *json,
                              size_t len, harper__table_def **out, harper_error *err);

/* The stored form (all fields) and back. HARPER_ENOMEM; reading gives HARPER_ECORRUPT for
 * anything but a whole, consistent definition. */
int harper__def_to_stored_json(const harper__table_def *def, harper__buf *out);
int harper__def_from_stored_json(const char *db, const char *json, size_t len,
                                 harper__table_def **out);

/* A deep copy, for making a changed definition. NULL on allocation failure. */
harper__table_def *harper__def_clone(const harper__table_def *def);

/* Appends an attribute to a (not yet published) definition: the next id, untyped, nullable, not
 * indexed, and created_time/updated_time when named __createdtime__/__updatedtime__. describe
 * shows its `indexed` either way, as Harper does for attributes added after create_table.
 * Returns it (valid until the next add or remove) or NULL on ENOMEM. */
harper__attr *harper__def_add_attr(harper__table_def *def, const char *name);

/* Removes attribute `i` from a (not yet published) definition. */
void harper__def_remove_attr(harper__table_def *def, size_t i);

void harper__def_free(harper__table_def *def);

/* The attribute named `name` (n bytes) or NULL. */
const harper__attr *harper__def_find(const harper__table_def *def, const char *name, size_t n);
const harper__attr *harper__def_pk(const harper__table_def *def);

/* Harper's type name ("Long", "String", ...; "array" for HARPER__T_ARRAY, Harper's metadata
 * spelling) or NULL for untyped. */
const char *harper__type_name(int type);
/* enum harper__type for a name ("Array" and "array" both give HARPER__T_ARRAY), or -1. */
int harper__type_from_name(const char *name);

/* Appends the "attributes" array of describe_table, compact JSON: each attribute's flags as they
 * were declared (see the *_declared fields). Allocation failure sets out->failed, as a failed
 * append does. */
void harper__def_describe_attrs(const harper__table_def *def, harper__buf *out);

#endif
