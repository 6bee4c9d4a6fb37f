/* schema_parse.c: harper__schema_parse(), the grammar of a schema file.
 *
 * graphql-js 16.15's language/parser.js (what Harper 4.7 calls on a schema file), function for
 * function under graphql-js's names, over the tokens of schema_lex.c: what it accepts, and its
 * messages at the same places. Object type definitions are built into the result; every other
 * definition is parsed for syntax and kept as its kind and name only. Lookups, printing and
 * comparison of the result are in schema_ast.c. */
#include "schema_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "schema_lex.h"

typedef harper__schema_parser parser;
typedef harper__schema_token token;

/* ---- parser helpers --------------------------------------------------------------------- */

static void advance(parser *p)
{
    if (p->has_ahead) {
        p->tok = p->ahead;
        p->has_ahead = 0;
    } else {
        harper__schema_lex(p, &p->tok);
    }
}

static const token *lookahead(parser *p)
{
    if (p->tok.kind == HARPER__TOK_EOF)
        return &p->tok;
    if (!p->has_ahead) {
        harper__schema_lex(p, &p->ahead);
        p->has_ahead = 1;
    }
    return &p->ahead;
}

static int peek(const parser *p, harper__schema_tok kind)
{
    return p->tok.kind == kind;
}

static int value_is(const token *t, const char *s)
{
    size_t n = strlen(s);

    return t->value != NULL && t->value_len == n && memcmp(t->value, s, n) == 0;
}

static int is_keyword(const token *t, const char *s)
{
    return t->kind == HARPER__TOK_NAME && value_is(t, s);
}

static void unexpected(parser *p, const token *t) __attribute__((noreturn));
static void unexpected(parser *p, const token *t)
{
    char desc[256];

    harper__schema_fail(p, t->start, "Unexpected %s.", harper__schema_token_desc(t, desc));
}

static token expect(parser *p, harper__schema_tok kind)
{
    token t = p->tok;
    char desc[256];

    if (t.kind != kind)
        harper__schema_fail(p, t.start, "Expected %s, found %s.", harper__schema_tok_desc[kind],
                            harper__schema_token_desc(&t, desc));
    advance(p);
    return t;
}

static int expect_optional(parser *p, harper__schema_tok kind)
{
    if (p->tok.kind != kind)
        return 0;
    advance(p);
    return 1;
}

static void expect_keyword(parser *p, const char *keyword)
{
    char desc[256];

    if (!is_keyword(&p->tok, keyword))
        harper__schema_fail(p, p->tok.start, "Expected \"%s\", found %s.", keyword,
                            harper__schema_token_desc(&p->tok, desc));
    advance(p);
}

static int expect_optional_keyword(parser *p, const char *keyword)
{
    if (!is_keyword(&p->tok, keyword))
        return 0;
    advance(p);
    return 1;
}

/* A name, copied into the arena; its token goes to *where when not NULL. */
static char *parse_name(parser *p, token *where)
{
    token t = expect(p, HARPER__TOK_NAME);

    if (where != NULL)
        *where = t;
    return harper__schema_strndup(p, t.value, t.value_len);
}

static void enter(parser *p, size_t pos)
{
    if (p->depth >= HARPER__SCHEMA_MAX_DEPTH)
        harper__schema_fail(p, pos, "Nested too deeply (more than %d levels).",
                            HARPER__SCHEMA_MAX_DEPTH);
    p->depth++;
}

static void leave(parser *p)
{
    p->depth--;
}

static void add_other(parser *p, harper__schema_other_kind kind, char *name, const token *where)
{
    harper__schema_other o;

    o.kind = kind;
    o.name = name;
    o.line = where->line;
    o.col = where->col;
    harper__schema_vec_push(p, &p->others, &o, sizeof o);
}

/* ---- values, directives, types ---------------------------------------------------------- */

static char *parse_description(parser *p)
{
    const char *value = p->tok.value;

    if (!peek(p, HARPER__TOK_STRING) && !peek(p, HARPER__TOK_BLOCK_STRING))
        return NULL;
    advance(p);
    return (char *)value;   /* decoded strings are already the arena's */
}

static void parse_variable(parser *p)
{
    expect(p, HARPER__TOK_DOLLAR);
    parse_name(p, NULL);
}

static void parse_value(parser *p, int is_const, harper__schema_value *v)
{
    token t = p->tok;
    harper__schema_vec items = {NULL, 0, 0};

    memset(v, 0, sizeof *v);
    v->line = t.line;
    v->col = t.col;
    switch (t.kind) {
    case HARPER__TOK_BRACKET_L:
        enter(p, t.start);
        advance(p);
        while (!expect_optional(p, HARPER__TOK_BRACKET_R)) {
            harper__schema_value item;

            parse_value(p, is_const, &item);
            harper__schema_vec_push(p, &items, &item, sizeof item);
        }
        leave(p);
        v->kind = HARPER__SCHEMA_LIST;
        v->items = items.items;
        v->n_items = items.n;
        return;
    case HARPER__TOK_BRACE_L:
        enter(p, t.start);
        advance(p);
        while (!expect_optional(p, HARPER__TOK_BRACE_R)) {
            harper__schema_arg field;
            token name;

            field.name = parse_name(p, &name);
            field.line = name.line;
            field.col = name.col;
            expect(p, HARPER__TOK_COLON);
            parse_value(p, is_const, &field.value);
            harper__schema_vec_push(p, &items, &field, sizeof field);
        }
        leave(p);
        v->kind = HARPER__SCHEMA_OBJECT;
        v->fields = items.items;
        v->n_fields = items.n;
        return;
    case HARPER__TOK_INT:
    case HARPER__TOK_FLOAT:
        advance(p);
        v->kind = t.kind == HARPER__TOK_INT ? HARPER__SCHEMA_INT : HARPER__SCHEMA_FLOAT;
        v->text = harper__schema_strndup(p, t.value, t.value_len);
        return;
    case HARPER__TOK_STRING:
    case HARPER__TOK_BLOCK_STRING:
        advance(p);
        v->kind = HARPER__SCHEMA_STRING;
        v->text = (char *)t.value;
        v->is_block = t.kind == HARPER__TOK_BLOCK_STRING;
        return;
    case HARPER__TOK_NAME:
        advance(p);
        v->text = harper__schema_strndup(p, t.value, t.value_len);
        if (value_is(&t, "true") || value_is(&t, "false"))
            v->kind = HARPER__SCHEMA_BOOLEAN;
        else if (value_is(&t, "null"))
            v->kind = HARPER__SCHEMA_NULL;
        else
            v->kind = HARPER__SCHEMA_ENUM;
        return;
    case HARPER__TOK_DOLLAR:
        if (is_const) {
            advance(p);
            if (peek(p, HARPER__TOK_NAME))
                harper__schema_fail(p, t.start,
                                    "Unexpected variable \"$%.*s\" in constant value.",
                                    (int)(p->tok.value_len < 200 ? p->tok.value_len : 200),
                                    p->tok.value);
            unexpected(p, &t);
        }
        parse_variable(p);  /* only in queries, which are dropped: kept as null */
        v->kind = HARPER__SCHEMA_NULL;
        v->text = harper__schema_strndup(p, "null", 4);
        return;
    default:
        unexpected(p, &p->tok);
    }
}

static void parse_arguments(parser *p, int is_const, harper__schema_arg **args, size_t *n)
{
    harper__schema_vec v = {NULL, 0, 0};

    if (expect_optional(p, HARPER__TOK_PAREN_L)) {
        do {
            harper__schema_arg arg;
            token name;

            arg.name = parse_name(p, &name);
            arg.line = name.line;
            arg.col = name.col;
            expect(p, HARPER__TOK_COLON);
            parse_value(p, is_const, &arg.value);
            harper__schema_vec_push(p, &v, &arg, sizeof arg);
        } while (!expect_optional(p, HARPER__TOK_PAREN_R));
    }
    *args = v.items;
    *n = v.n;
}

/* Returns how many directives there were. */
static size_t parse_directives(parser *p, int is_const, harper__schema_directive **out,
                               size_t *n)
{
    harper__schema_vec v = {NULL, 0, 0};

    while (peek(p, HARPER__TOK_AT)) {
        harper__schema_directive d;
        token t = p->tok;

        advance(p);
        d.line = t.line;
        d.col = t.col;
        d.name = parse_name(p, NULL);
        parse_arguments(p, is_const, &d.args, &d.n_args);
        harper__schema_vec_push(p, &v, &d, sizeof d);
    }
    if (out != NULL) {
        *out = v.items;
        *n = v.n;
    }
    return v.n;
}

/* Type : NamedType | [ Type ] | Type ! ; `level` is how many lists enclose this one. */
static void parse_type_ref(parser *p, harper__schema_field *f, unsigned level)
{
    token start = p->tok;

    if (expect_optional(p, HARPER__TOK_BRACKET_L)) {
        enter(p, start.start);
        parse_type_ref(p, f, level + 1);
        leave(p);
        expect(p, HARPER__TOK_BRACKET_R);
    } else {
        token name;

        f->type = parse_name(p, &name);
        f->type_line = name.line;
        f->type_col = name.col;
        f->list_depth = level;
    }
    if (expect_optional(p, HARPER__TOK_BANG))
        f->non_null |= (uint64_t)1 << level;
}

static void parse_named_type(parser *p)
{
    parse_name(p, NULL);
}

/* InputValueDefinition: arguments of fields and directives, fields of inputs. Dropped. */
static void parse_input_value_def(parser *p)
{
    harper__schema_field f;
    harper__schema_value v;

    memset(&f, 0, sizeof f);
    parse_description(p);
    parse_name(p, NULL);
    expect(p, HARPER__TOK_COLON);
    parse_type_ref(p, &f, 0);
    if (expect_optional(p, HARPER__TOK_EQUALS))
        parse_value(p, 1, &v);
    parse_directives(p, 1, NULL, NULL);
}

static void parse_argument_defs(parser *p)
{
    if (expect_optional(p, HARPER__TOK_PAREN_L)) {
        do
            parse_input_value_def(p);
        while (!expect_optional(p, HARPER__TOK_PAREN_R));
    }
}

static void parse_field_def(parser *p, harper__schema_field *f)
{
    token name;

    memset(f, 0, sizeof *f);
    f->description = parse_description(p);
    f->name = parse_name(p, &name);
    f->line = name.line;
    f->col = name.col;
    parse_argument_defs(p);
    expect(p, HARPER__TOK_COLON);
    parse_type_ref(p, f, 0);
    f->is_list = f->list_depth > 0;
    f->required = (f->non_null & 1) != 0;
    f->elem_required = f->is_list && (f->non_null & 2) != 0;
    parse_directives(p, 1, &f->directives, &f->n_directives);
}

/* FieldsDefinition : { FieldDefinition+ }, optional. Returns the number of fields. */
static size_t parse_fields_def(parser *p, harper__schema_field **out, size_t *n)
{
    harper__schema_vec v = {NULL, 0, 0};

    if (expect_optional(p, HARPER__TOK_BRACE_L)) {
        do {
            harper__schema_field f;

            parse_field_def(p, &f);
            harper__schema_vec_push(p, &v, &f, sizeof f);
        } while (!expect_optional(p, HARPER__TOK_BRACE_R));
    }
    if (out != NULL) {
        *out = v.items;
        *n = v.n;
    }
    return v.n;
}

/* ImplementsInterfaces: `implements A & B`. Returns the number of names. */
static size_t parse_implements(parser *p)
{
    size_t n = 0;

    if (!expect_optional_keyword(p, "implements"))
        return 0;
    expect_optional(p, HARPER__TOK_AMP);
    do {
        parse_named_type(p);
        n++;
    } while (expect_optional(p, HARPER__TOK_AMP));
    return n;
}

/* ---- type system definitions ------------------------------------------------------------ */

/* Name-sorted view of a type's fields, to find repeated names in n log n. */
struct field_ref {
    const char *name;
    size_t index;
};

static int compare_field_refs(const void *a, const void *b)
{
    const struct field_ref *x = a;
    const struct field_ref *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* A field name given twice keeps its last definition: drop the earlier ones. */
static void drop_repeated_fields(parser *p, harper__schema_type *t)
{
    struct field_ref *refs;
    unsigned char *drop;
    size_t i;
    size_t kept = 0;
    int any = 0;

    if (t->n_fields < 2)
        return;
    refs = harper__schema_alloc(p, t->n_fields * sizeof *refs);
    drop = harper__schema_alloc(p, t->n_fields);
    for (i = 0; i < t->n_fields; i++) {
        refs[i].name = t->fields[i].name;
        refs[i].index = i;
        drop[i] = 0;
    }
    qsort(refs, t->n_fields, sizeof *refs, compare_field_refs);
    for (i = 0; i + 1 < t->n_fields; i++) {
        if (strcmp(refs[i].name, refs[i + 1].name) == 0) {
            drop[refs[i].index] = 1;
            any = 1;
        }
    }
    if (!any)
        return;
    for (i = 0; i < t->n_fields; i++)
        if (!drop[i])
            t->fields[kept++] = t->fields[i];
    t->n_fields = kept;
}

/* ObjectTypeDefinition: Description? type Name ImplementsInterfaces? Directives? Fields? */
static void parse_object_type_def(parser *p)
{
    harper__schema_type t;
    token name;

    memset(&t, 0, sizeof t);
    t.description = parse_description(p);
    expect_keyword(p, "type");
    t.name = parse_name(p, &name);
    t.line = name.line;
    t.col = name.col;
    parse_implements(p);
    parse_directives(p, 1, &t.directives, &t.n_directives);
    parse_fields_def(p, &t.fields, &t.n_fields);
    drop_repeated_fields(p, &t);
    harper__schema_vec_push(p, &p->types, &t, sizeof t);
}

/* OperationType : one of query mutation subscription. Returns its token. */
static token parse_operation_type(parser *p)
{
    token t = expect(p, HARPER__TOK_NAME);

    if (!value_is(&t, "query") && !value_is(&t, "mutation") && !value_is(&t, "subscription"))
        unexpected(p, &t);
    return t;
}

/* OperationTypeDefinition : OperationType : NamedType */
static void parse_operation_type_def(parser *p)
{
    parse_operation_type(p);
    expect(p, HARPER__TOK_COLON);
    parse_named_type(p);
}

static void parse_schema_def(parser *p)
{
    token keyword;

    parse_description(p);
    keyword = p->tok;
    expect_keyword(p, "schema");
    parse_directives(p, 1, NULL, NULL);
    expect(p, HARPER__TOK_BRACE_L);
    do
        parse_operation_type_def(p);
    while (!expect_optional(p, HARPER__TOK_BRACE_R));
    add_other(p, HARPER__SCHEMA_SCHEMA_DEFINITION, NULL, &keyword);
}

static void parse_scalar_def(parser *p)
{
    token name;
    char *s;

    parse_description(p);
    expect_keyword(p, "scalar");
    s = parse_name(p, &name);
    parse_directives(p, 1, NULL, NULL);
    add_other(p, HARPER__SCHEMA_SCALAR_DEFINITION, s, &name);
}

static void parse_interface_def(parser *p)
{
    token name;
    char *s;

    parse_description(p);
    expect_keyword(p, "interface");
    s = parse_name(p, &name);
    parse_implements(p);
    parse_directives(p, 1, NULL, NULL);
    parse_fields_def(p, NULL, NULL);
    add_other(p, HARPER__SCHEMA_INTERFACE_DEFINITION, s, &name);
}

/* UnionMemberTypes : = |? NamedType (| NamedType)*, optional. Returns the number of names. */
static size_t parse_union_members(parser *p)
{
    size_t n = 0;

    if (!expect_optional(p, HARPER__TOK_EQUALS))
        return 0;
    expect_optional(p, HARPER__TOK_PIPE);
    do {
        parse_named_type(p);
        n++;
    } while (expect_optional(p, HARPER__TOK_PIPE));
    return n;
}

static void parse_union_def(parser *p)
{
    token name;
    char *s;

    parse_description(p);
    expect_keyword(p, "union");
    s = parse_name(p, &name);
    parse_directives(p, 1, NULL, NULL);
    parse_union_members(p);
    add_other(p, HARPER__SCHEMA_UNION_DEFINITION, s, &name);
}

/* EnumValuesDefinition : { EnumValueDefinition+ }, optional. Returns the number of values. */
static size_t parse_enum_values(parser *p)
{
    size_t n = 0;
    char desc[256];

    if (!expect_optional(p, HARPER__TOK_BRACE_L))
        return 0;
    do {
        parse_description(p);
        /* graphql-js checks the value whatever the token: `"d" "null"` fails here too. */
        if (value_is(&p->tok, "true") || value_is(&p->tok, "false") || value_is(&p->tok, "null"))
            harper__schema_fail(p, p->tok.start,
                                "%s is reserved and cannot be used for an enum value.",
                                harper__schema_token_desc(&p->tok, desc));
        parse_name(p, NULL);
        parse_directives(p, 1, NULL, NULL);
        n++;
    } while (!expect_optional(p, HARPER__TOK_BRACE_R));
    return n;
}

static void parse_enum_def(parser *p)
{
    token name;
    char *s;

    parse_description(p);
    expect_keyword(p, "enum");
    s = parse_name(p, &name);
    parse_directives(p, 1, NULL, NULL);
    parse_enum_values(p);
    add_other(p, HARPER__SCHEMA_ENUM_DEFINITION, s, &name);
}

/* InputFieldsDefinition : { InputValueDefinition+ }, optional. Returns the number of fields. */
static size_t parse_input_fields(parser *p)
{
    size_t n = 0;

    if (!expect_optional(p, HARPER__TOK_BRACE_L))
        return 0;
    do {
        parse_input_value_def(p);
        n++;
    } while (!expect_optional(p, HARPER__TOK_BRACE_R));
    return n;
}

static void parse_input_def(parser *p)
{
    token name;
    char *s;

    parse_description(p);
    expect_keyword(p, "input");
    s = parse_name(p, &name);
    parse_directives(p, 1, NULL, NULL);
    parse_input_fields(p);
    add_other(p, HARPER__SCHEMA_INPUT_DEFINITION, s, &name);
}

static void parse_directive_location(parser *p)
{
    static const char *const locations[] = {
        "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD",
        "INLINE_FRAGMENT", "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT",
        "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE", "UNION", "ENUM", "ENUM_VALUE",
        "INPUT_OBJECT", "INPUT_FIELD_DEFINITION", "DIRECTIVE_DEFINITION"
    };
    token start = p->tok;
    size_t i;

    parse_name(p, NULL);
    for (i = 0; i < sizeof locations / sizeof locations[0]; i++)
        if (value_is(&start, locations[i]))
            return;
    unexpected(p, &start);
}

/* DirectiveDefinition : Description? directive @ Name Arguments? repeatable? on Locations */
static void parse_directive_def(parser *p)
{
    token name;
    char *s;

    parse_description(p);
    expect_keyword(p, "directive");
    expect(p, HARPER__TOK_AT);
    s = parse_name(p, &name);
    parse_argument_defs(p);
    expect_optional_keyword(p, "repeatable");
    expect_keyword(p, "on");
    expect_optional(p, HARPER__TOK_PIPE);
    do
        parse_directive_location(p);
    while (expect_optional(p, HARPER__TOK_PIPE));
    add_other(p, HARPER__SCHEMA_DIRECTIVE_DEFINITION, s, &name);
}

/* TypeSystemExtension: `extend` and a kind. Each must extend something, else graphql-js
 * reports the token where that something should have started. */
static void parse_type_system_extension(parser *p)
{
    const token *keyword = lookahead(p);
    token name;
    char *s = NULL;
    size_t n = 0;
    harper__schema_other_kind kind;

    if (is_keyword(keyword, "schema")) {
        kind = HARPER__SCHEMA_SCHEMA_EXTENSION;
        name = *keyword;
        expect_keyword(p, "extend");
        expect_keyword(p, "schema");
        n = parse_directives(p, 1, NULL, NULL);
        if (expect_optional(p, HARPER__TOK_BRACE_L)) {
            do {
                parse_operation_type_def(p);
                n++;
            } while (!expect_optional(p, HARPER__TOK_BRACE_R));
        }
    } else if (is_keyword(keyword, "type") || is_keyword(keyword, "interface")) {
        kind = is_keyword(keyword, "type") ? HARPER__SCHEMA_OBJECT_EXTENSION
                                           : HARPER__SCHEMA_INTERFACE_EXTENSION;
        expect_keyword(p, "extend");
        advance(p);
        s = parse_name(p, &name);
        n = parse_implements(p);
        n += parse_directives(p, 1, NULL, NULL);
        n += parse_fields_def(p, NULL, NULL);
    } else if (is_keyword(keyword, "scalar") || is_keyword(keyword, "union") ||
               is_keyword(keyword, "enum") || is_keyword(keyword, "input")) {
        kind = is_keyword(keyword, "scalar") ? HARPER__SCHEMA_SCALAR_EXTENSION
               : is_keyword(keyword, "union") ? HARPER__SCHEMA_UNION_EXTENSION
               : is_keyword(keyword, "enum")  ? HARPER__SCHEMA_ENUM_EXTENSION
                                              : HARPER__SCHEMA_INPUT_EXTENSION;
        expect_keyword(p, "extend");
        advance(p);
        s = parse_name(p, &name);
        n = parse_directives(p, 1, NULL, NULL);
        if (kind == HARPER__SCHEMA_UNION_EXTENSION)
            n += parse_union_members(p);
        else if (kind == HARPER__SCHEMA_ENUM_EXTENSION)
            n += parse_enum_values(p);
        else if (kind == HARPER__SCHEMA_INPUT_EXTENSION)
            n += parse_input_fields(p);
    } else {
        unexpected(p, keyword);
    }
    if (n == 0)
        unexpected(p, &p->tok);
    add_other(p, kind, s, &name);
}

/* ---- executable definitions (valid in a document, dropped) ------------------------------ */

static void parse_selection_set(parser *p);

static void parse_fragment_name(parser *p)
{
    /* graphql-js tests the value whatever the token is. */
    if (value_is(&p->tok, "on"))
        unexpected(p, &p->tok);
    parse_name(p, NULL);
}

/* Field : Alias? Name Arguments? Directives? SelectionSet? */
static void parse_field(parser *p)
{
    harper__schema_arg *args;
    size_t n;

    parse_name(p, NULL);
    if (expect_optional(p, HARPER__TOK_COLON))
        parse_name(p, NULL);
    parse_arguments(p, 0, &args, &n);
    parse_directives(p, 0, NULL, NULL);
    if (peek(p, HARPER__TOK_BRACE_L))
        parse_selection_set(p);
}

/* FragmentSpread : ... Name Directives?  InlineFragment : ... (on Type)? Directives? Set */
static void parse_fragment(parser *p)
{
    int has_type_condition;

    expect(p, HARPER__TOK_SPREAD);
    has_type_condition = expect_optional_keyword(p, "on");
    if (!has_type_condition && peek(p, HARPER__TOK_NAME)) {
        parse_fragment_name(p);
        parse_directives(p, 0, NULL, NULL);
        return;
    }
    if (has_type_condition)
        parse_named_type(p);
    parse_directives(p, 0, NULL, NULL);
    parse_selection_set(p);
}

static void parse_selection_set(parser *p)
{
    token open = expect(p, HARPER__TOK_BRACE_L);

    enter(p, open.start);
    do {
        if (peek(p, HARPER__TOK_SPREAD))
            parse_fragment(p);
        else
            parse_field(p);
    } while (!expect_optional(p, HARPER__TOK_BRACE_R));
    leave(p);
}

/* VariableDefinition : Description? $Name : Type DefaultValue? Directives? */
static void parse_variable_def(parser *p)
{
    harper__schema_field f;
    harper__schema_value v;

    memset(&f, 0, sizeof f);
    parse_description(p);
    parse_variable(p);
    expect(p, HARPER__TOK_COLON);
    parse_type_ref(p, &f, 0);
    if (expect_optional(p, HARPER__TOK_EQUALS))
        parse_value(p, 1, &v);
    parse_directives(p, 1, NULL, NULL);
}

static void parse_operation_def(parser *p)
{
    token start = p->tok;
    token name;
    char *s = NULL;

    if (peek(p, HARPER__TOK_BRACE_L)) {
        parse_selection_set(p);
        add_other(p, HARPER__SCHEMA_OPERATION_DEFINITION, NULL, &start);
        return;
    }
    parse_description(p);
    name = parse_operation_type(p);
    if (peek(p, HARPER__TOK_NAME))
        s = parse_name(p, &name);
    if (expect_optional(p, HARPER__TOK_PAREN_L)) {
        do
            parse_variable_def(p);
        while (!expect_optional(p, HARPER__TOK_PAREN_R));
    }
    parse_directives(p, 0, NULL, NULL);
    parse_selection_set(p);
    add_other(p, HARPER__SCHEMA_OPERATION_DEFINITION, s, &name);
}

static void parse_fragment_def(parser *p)
{
    token name;
    char *s;

    parse_description(p);
    expect_keyword(p, "fragment");
    name = p->tok;
    parse_fragment_name(p);
    s = harper__schema_strndup(p, name.value, name.value_len);
    expect_keyword(p, "on");
    parse_named_type(p);
    parse_directives(p, 0, NULL, NULL);
    parse_selection_set(p);
    add_other(p, HARPER__SCHEMA_FRAGMENT_DEFINITION, s, &name);
}

/* ---- document --------------------------------------------------------------------------- */

static void parse_definition(parser *p)
{
    static const struct {
        const char *keyword;
        void (*parse)(parser *p);
    } definitions[] = {
        {"schema", parse_schema_def}, {"scalar", parse_scalar_def},
        {"type", parse_object_type_def}, {"interface", parse_interface_def},
        {"union", parse_union_def}, {"enum", parse_enum_def}, {"input", parse_input_def},
        {"directive", parse_directive_def}, {"query", parse_operation_def},
        {"mutation", parse_operation_def}, {"subscription", parse_operation_def},
        {"fragment", parse_fragment_def}
    };
    const token *keyword;
    int has_description;
    size_t i;

    if (peek(p, HARPER__TOK_BRACE_L)) {
        parse_operation_def(p);
        return;
    }
    has_description = peek(p, HARPER__TOK_STRING) || peek(p, HARPER__TOK_BLOCK_STRING);
    keyword = has_description ? lookahead(p) : &p->tok;
    if (has_description && keyword->kind == HARPER__TOK_BRACE_L)
        harper__schema_fail(p, p->tok.start, "Unexpected description, descriptions are not "
                                             "supported on shorthand queries.");
    if (keyword->kind == HARPER__TOK_NAME) {
        for (i = 0; i < sizeof definitions / sizeof definitions[0]; i++) {
            if (value_is(keyword, definitions[i].keyword)) {
                definitions[i].parse(p);
                return;
            }
        }
        if (has_description)
            harper__schema_fail(p, p->tok.start, "Unexpected description, only GraphQL "
                                                 "definitions support descriptions.");
        if (value_is(keyword, "extend")) {
            parse_type_system_extension(p);
            return;
        }
    }
    unexpected(p, keyword);
}

/* Document : Definition+ */
static harper__schema *parse_document(parser *p)
{
    harper__schema *s;

    advance(p);
    do
        parse_definition(p);
    while (!expect_optional(p, HARPER__TOK_EOF));
    s = harper__schema_alloc(p, sizeof *s);
    s->types = p->types.items;
    s->n_types = p->types.n;
    s->others = p->others.items;
    s->n_others = p->others.n;
    s->arena = p->arena;
    return s;
}

/* Fills err and detail after a failure. The file name keeps its last 160 bytes, so that the
 * position and the message always fit. */
static int report(const parser *p, const char *file_name, harper__schema_error *detail,
                  harper_error *err)
{
    size_t name_len = strlen(file_name);
    const char *cut = "";
    unsigned line = 0;
    unsigned col = 0;

    if (p->code == HARPER_ENOMEM) {
        if (detail != NULL)
            snprintf(detail->text, sizeof detail->text, "out of memory");
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    harper__schema_locate(p, p->err_pos, &line, &col);
    if (detail != NULL) {
        detail->line = line;
        detail->col = col;
        memcpy(detail->text, p->text, sizeof detail->text);
    }
    if (name_len > 160) {
        file_name += name_len - 160;
        while (((unsigned char)*file_name & 0xC0) == 0x80)
            file_name++;
        cut = "...";
    }
    return harper__error_set(err, HARPER_EINVAL, "%s%s:%u:%u: %s", cut, file_name, line, col,
                             p->text);
}

/* The parse proper: 0 with *out set, or -1 with p->code and p->text set. setjmp is here alone
 * so that no local of the caller lives across the longjmp. */
static int run(parser *p, harper__schema **out)
{
    if (setjmp(p->fail) != 0)
        return -1;
    harper__schema_check_utf8(p);
    *out = parse_document(p);
    return 0;
}

int harper__schema_parse(const char *text, size_t len, const char *file_name,
                         harper__schema **out, harper__schema_error *detail, harper_error *err)
{
    parser *p;
    int rc = HARPER_OK;

    if (detail != NULL)
        memset(detail, 0, sizeof *detail);
    if (out == NULL || (text == NULL && len > 0))
        return harper__error_set(err, HARPER_EINVAL, "schema text and a result are required");
    *out = NULL;
    /* On the heap: the parser holds a jmp_buf and a message, and parsing recurses. */
    p = calloc(1, sizeof *p);
    if (p == NULL || (p->arena = harper__schema_arena_new()) == NULL) {
        free(p);
        if (detail != NULL)
            snprintf(detail->text, sizeof detail->text, "out of memory");
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    p->s = (const unsigned char *)(text != NULL ? text : "");
    p->len = len;
    p->line = 1;
    if (run(p, out) != 0) {
        rc = report(p, file_name != NULL ? file_name : "<inline-schema>", detail, err);
        harper__schema_arena_free(p->arena);
    }
    free(p);
    return rc;
}

void harper__schema_free(harper__schema *s)
{
    if (s != NULL)
        harper__schema_arena_free(s->arena);   /* s itself is in the arena */
}
