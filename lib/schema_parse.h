/* schema_parse.h: one schema.graphql file as a list of type definitions.
 *
 * harper__schema_parse() is a pure function from the bytes of one file to a harper__schema, or
 * a syntax error with its line and column. It accepts what Harper 4.7 accepts: the parser is
 * graphql-js 16's (the one Harper calls), token for token and message for message, so a file
 * Harper loads parses here and a file Harper rejects fails here with graphql-js's message.
 * The differences, all on input no real schema contains, are listed in docs/decisions.md
 * ("schema.graphql parsing").
 *
 * What is kept: every `type X ... { ... }` definition, in file order, with its directives and
 * fields (Harper reads nothing else). Every other definition (enum, input, interface, scalar,
 * union, schema, directive, extend ..., and executable query/fragment definitions, which are
 * valid in a graphql-js document) is parsed for syntax and kept only as its kind, name and
 * position, so the next step can say what it ignores. Turning types into tables, checking
 * directive arguments and resolving type names is that next step's work, not this module's.
 *
 * Ownership: everything reachable from a harper__schema, every string and array, lives in one
 * arena freed by harper__schema_free(); nothing in it is freed or reallocated on its own.
 * Strings are NUL-terminated UTF-8 with no NUL inside. */
#ifndef HARPER_SCHEMA_PARSE_H
#define HARPER_SCHEMA_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "harper.h"

/* List values, object values, list types and query selection sets nest at most this deep;
 * deeper input is a syntax error, so hostile input cannot exhaust the stack. */
#define HARPER__SCHEMA_MAX_DEPTH 32

typedef enum harper__schema_value_kind {
    HARPER__SCHEMA_NULL,
    HARPER__SCHEMA_BOOLEAN,
    HARPER__SCHEMA_INT,
    HARPER__SCHEMA_FLOAT,
    HARPER__SCHEMA_STRING,
    HARPER__SCHEMA_ENUM,    /* a bare name: `from: networkId` */
    HARPER__SCHEMA_LIST,
    HARPER__SCHEMA_OBJECT
} harper__schema_value_kind;

typedef struct harper__schema_arg harper__schema_arg;

/* A directive argument's value: a GraphQL const value literal. */
typedef struct harper__schema_value {
    harper__schema_value_kind kind;
    /* The scalar as graphql-js's node.value holds it, which is what Harper 4.7 reads (so
     * `expiration: 3600` is "3600"): NULL "null", BOOLEAN "true"/"false", INT and FLOAT the
     * literal as written ("-1.5e3"), STRING the decoded value, ENUM the name. NULL for LIST
     * and OBJECT. */
    char *text;
    bool is_block;                       /* STRING written as a """block string""" */
    struct harper__schema_value *items;  /* LIST: the elements */
    size_t n_items;
    harper__schema_arg *fields;          /* OBJECT: name/value pairs as written, repeats kept */
    size_t n_fields;
    unsigned line, col;                  /* where the literal starts */
} harper__schema_value;

/* `name: value`, in a directive's arguments or an object value. */
struct harper__schema_arg {
    char *name;
    harper__schema_value value;
    unsigned line, col;                  /* of the name */
};

/* `@name(args)`. Repeated directives and repeated arguments are kept as written. */
typedef struct harper__schema_directive {
    char *name;                          /* without the @ */
    harper__schema_arg *args;
    size_t n_args;
    unsigned line, col;                  /* of the @, as Harper's warnings give it */
} harper__schema_directive;

/* `name: Type @directives`. The type `[[Float!]]!` is type "Float", list_depth 2 and
 * non_null bits 0 and 2. */
typedef struct harper__schema_field {
    char *name;
    char *description;                   /* "..." or """...""" before the field; NULL if none */
    char *type;                          /* the innermost named type: "String", "Owner" */
    unsigned list_depth;                 /* 0: T, 1: [T], 2: [[T]] */
    uint64_t non_null;                   /* bit d: level d carries `!`; bit 0 is the field's own
                                            value, bit list_depth the named type */
    bool is_list;                        /* list_depth > 0 */
    bool required;                       /* bit 0: `T!`, `[T]!` */
    bool elem_required;                  /* bit 1: the list's elements, `[T!]` */
    harper__schema_directive *directives;
    size_t n_directives;
    unsigned line, col;                  /* of the name */
    unsigned type_line, type_col;        /* of the named type, as Harper's "type X is unknown at
                                            line L, column C" gives it */
} harper__schema_field;

/* `type Name @directives { fields }`. A field name given twice in one type keeps its last
 * definition (a table has one attribute per name), at the place of that last one. */
typedef struct harper__schema_type {
    char *name;
    char *description;                   /* NULL if none */
    harper__schema_directive *directives;
    size_t n_directives;
    harper__schema_field *fields;        /* n_fields == 0: `type X` written without braces */
    size_t n_fields;
    unsigned line, col;                  /* of the name */
} harper__schema_type;

/* The kinds of definition that are parsed and then left out; the names are graphql-js's. */
typedef enum harper__schema_other_kind {
    HARPER__SCHEMA_SCHEMA_DEFINITION,
    HARPER__SCHEMA_SCALAR_DEFINITION,
    HARPER__SCHEMA_INTERFACE_DEFINITION,
    HARPER__SCHEMA_UNION_DEFINITION,
    HARPER__SCHEMA_ENUM_DEFINITION,
    HARPER__SCHEMA_INPUT_DEFINITION,
    HARPER__SCHEMA_DIRECTIVE_DEFINITION,
    HARPER__SCHEMA_SCHEMA_EXTENSION,
    HARPER__SCHEMA_SCALAR_EXTENSION,
    HARPER__SCHEMA_OBJECT_EXTENSION,
    HARPER__SCHEMA_INTERFACE_EXTENSION,
    HARPER__SCHEMA_UNION_EXTENSION,
    HARPER__SCHEMA_ENUM_EXTENSION,
    HARPER__SCHEMA_INPUT_EXTENSION,
    HARPER__SCHEMA_OPERATION_DEFINITION,
    HARPER__SCHEMA_FRAGMENT_DEFINITION
} harper__schema_other_kind;

typedef struct harper__schema_other {
    harper__schema_other_kind kind;
    char *name;                          /* NULL for `schema`, `extend schema` and an anonymous
                                            query; a directive's name without the @ */
    unsigned line, col;                  /* of the name, else of the definition's keyword */
} harper__schema_other;

typedef struct harper__schema_arena harper__schema_arena;

typedef struct harper__schema {
    harper__schema_type *types;          /* in file order; a repeated type name is kept twice */
    size_t n_types;
    harper__schema_other *others;        /* every other definition, in file order */
    size_t n_others;
    harper__schema_arena *arena;         /* private: holds all of the above */
} harper__schema;

/* A syntax error's parts, for a caller that formats it its own way. */
typedef struct harper__schema_error {
    unsigned line;      /* 1-based; 0 when the failure has no place (out of memory) */
    unsigned col;       /* 1-based, counted in UTF-16 code units as graphql-js counts */
    char text[320];     /* graphql-js's message: `Syntax Error: Expected Name, found "}".` */
} harper__schema_error;

/* Parses text[0..len) (need not be NUL-terminated; NULL with len 0 is an empty file), naming
 * it `file_name` in messages (NULL: "<inline-schema>"). On success *out is a new schema for
 * harper__schema_free(). On failure *out is NULL and the result is HARPER_EINVAL, with the
 * message `<file>:<line>:<col>: Syntax Error: ...` in err and its parts in detail (either may
 * be NULL), or HARPER_ENOMEM. An empty file, or one of only comments, is an error, as in
 * graphql-js ("Unexpected <EOF>."). Bytes that are not UTF-8 are an error. */
int harper__schema_parse(const char *text, size_t len, const char *file_name,
                         harper__schema **out, harper__schema_error *detail, harper_error *err);

/* Releases a schema and everything in it. NULL does nothing. */
void harper__schema_free(harper__schema *s);

/* The last type named `name`, the one Harper's type map keeps; NULL if none. */
const harper__schema_type *harper__schema_find_type(const harper__schema *s, const char *name);

/* The last of `n` directives named `name` (without @), NULL if none: Harper reads directives
 * in order, so a later one overrides an earlier one. */
const harper__schema_directive *harper__schema_find_directive(
    const harper__schema_directive *directives, size_t n, const char *name);

/* The value of the last argument `name` of `d`, NULL if none (or d is NULL). */
const harper__schema_value *harper__schema_find_arg(const harper__schema_directive *d,
                                                    const char *name);

/* The text of argument `name` when it is a STRING, ENUM, INT or FLOAT: what Harper 4.7 reads
 * as the argument (`@table(table: "dog")`, `@relationship(from: ownerId)`). NULL otherwise. */
const char *harper__schema_arg_text(const harper__schema_directive *d, const char *name);

/* 1 when `name` is one of Harper's primitive field types (ID, Int, Float, Long, String,
 * Boolean, Date, Bytes, Any, BigInt, Blob), else 0. */
int harper__schema_is_primitive(const char *name);

/* graphql-js's name for a kind: "EnumTypeDefinition", "ObjectTypeExtension", ... */
const char *harper__schema_other_kind_name(harper__schema_other_kind kind);

/* The value as a new cJSON tree for cJSON_Delete(), NULL when out of memory: numbers become
 * numbers, STRING and ENUM strings, an OBJECT's repeated name keeps its last value. */
cJSON *harper__schema_value_json(const harper__schema_value *v);

/* Appends the schema's types as GraphQL SDL that parses back to an equal schema (strings are
 * written as "..." strings; other definitions and comments are not written). HARPER_OK, or
 * HARPER_ENOMEM with out->failed set. */
int harper__schema_print(const harper__schema *s, harper__buf *out);

/* 1 when a and b hold the same types (names, descriptions, directives, fields, values), else
 * 0. Positions, whether a string was a block string, and the other definitions are not
 * compared: that is what survives harper__schema_print(). */
int harper__schema_equal(const harper__schema *a, const harper__schema *b);

#endif
