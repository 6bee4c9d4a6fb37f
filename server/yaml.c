/* yaml.c: YAML text <-> cJSON (see yaml.h for the typing rules).
 * Reading walks libyaml's event stream, so depth is checked as events arrive and no document
 * tree is built twice. Writing is done here by hand: libyaml's emitter puts a sequence at its
 * key's indentation, where Harper's files indent it under the key. */
#define YAML_WITH_LIBYAML
#include <yaml.h>

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* Implicit (`key:`) keys may be at most 1024 characters long in YAML; longer ones are written
 * in the explicit `? key` form. Counting bytes keeps the test on the safe side. */
#define MAX_IMPLICIT_KEY 1000

/* ---- reading ------------------------------------------------------------------------------ */

struct reader {
    yaml_parser_t parser;
    const char *text;
    size_t len;
    char *err;
    size_t err_size;
};

/* The mapping keys seen so far, to refuse duplicates without a quadratic search: an
 * open-addressing set of borrowed strings. */
struct keyset {
    const char **slots;
    size_t cap;     /* a power of two, or 0 before the first key */
    size_t n;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603u;

    for (; *s != '\0'; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static const char **keyset_slot(const struct keyset *ks, const char *key)
{
    size_t i = (size_t)hash_str(key) & (ks->cap - 1);

    while (ks->slots[i] != NULL && strcmp(ks->slots[i], key) != 0)
        i = (i + 1) & (ks->cap - 1);
    return &ks->slots[i];
}

static bool keyset_has(const struct keyset *ks, const char *key)
{
    return ks->cap > 0 && *keyset_slot(ks, key) != NULL;
}

/* Adds a key that is not in the set yet; `key` must outlive the set. 0, or -1 out of memory. */
static int keyset_put(struct keyset *ks, const char *key)
{
    if ((ks->n + 1) * 2 > ks->cap) {
        struct keyset bigger = {NULL, ks->cap > 0 ? ks->cap * 2 : 16, ks->n};

        bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
        if (bigger.slots == NULL)
            return -1;
        for (size_t i = 0; i < ks->cap; i++)
            if (ks->slots[i] != NULL)
                *keyset_slot(&bigger, ks->slots[i]) = ks->slots[i];
        free(ks->slots);
        *ks = bigger;
    }
    *keyset_slot(ks, key) = key;
    ks->n++;
    return 0;
}

/* Sets "<message> at line L, column C" (from 1) and returns -1. */
static int fail_at(struct reader *r, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail_at(struct reader *r, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (r->err == NULL || r->err_size == 0)
        return -1;
    va_start(ap, fmt);
    n = vsnprintf(r->err, r->err_size, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < r->err_size)
        snprintf(r->err + n, r->err_size - (size_t)n, " at line %zu, column %zu",
                 mark.line + 1, mark.column + 1);
    return -1;
}

static int fail_memory(struct reader *r)
{
    if (r->err != NULL && r->err_size > 0)
        snprintf(r->err, r->err_size, "out of memory reading YAML");
    return -1;
}

/* libyaml's reader (bad UTF-8, control characters) reports a byte offset, not a position. */
static yaml_mark_t mark_of_offset(const struct reader *r, size_t offset)
{
    yaml_mark_t mark = {offset, 0, 0};

    for (size_t i = 0; i < offset && i < r->len; i++) {
        unsigned char c = (unsigned char)r->text[i];

        if (c == '\n') {
            mark.line++;
            mark.column = 0;
        } else if ((c & 0xC0) != 0x80) {
            mark.column++;  /* columns count characters, as libyaml's marks do */
        }
    }
    return mark;
}

static int parser_failed(struct reader *r)
{
    const yaml_parser_t *p = &r->parser;
    const char *problem = p->problem != NULL ? p->problem : "invalid YAML";

    if (p->error == YAML_MEMORY_ERROR)
        return fail_memory(r);
    if (p->error == YAML_READER_ERROR)
        return fail_at(r, mark_of_offset(r, p->problem_offset), "%s", problem);
    return fail_at(r, p->problem_mark, "%s", problem);
}

static int next_event(struct reader *r, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&r->parser, ev))
        return parser_failed(r);
    return 0;
}

enum kind { KIND_NULL, KIND_BOOL, KIND_NUMBER, KIND_STRING };

static bool all_in(const char *s, const char *set)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if (strchr(set, *s) == NULL)
            return false;
    return true;
}

static double digits_value(const char *s, int base)
{
    double v = 0;

    for (; *s != '\0'; s++) {
        int d = *s <= '9' ? *s - '0' : (*s | 0x20) - 'a' + 10;
        v = v * base + d;
    }
    return v;
}

/* Decimal float of the core schema: [-+]? ( .[0-9]+ | [0-9]+ ( .[0-9]* )? ) ( [eE][-+]?[0-9]+ )?
 * where a form without '.' needs the exponent (else it is an int, tested first). */
static bool is_core_float(const char *s)
{
    bool mantissa = false;
    bool dot = false;

    if (*s == '-' || *s == '+')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        mantissa = true;
    if (*s == '.') {
        dot = true;
        s++;
        for (; *s >= '0' && *s <= '9'; s++)
            mantissa = true;
    }
    if (!mantissa)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        if (!all_in(s, "0123456789"))
            return false;
        return true;
    }
    return dot && *s == '\0';
}

/* How a plain scalar resolves under the YAML 1.2 core schema; s is NUL-terminated. Non-finite
 * numbers (.inf, .nan, 1e999) come back as KIND_NUMBER with that value. */
static enum kind plain_kind(const char *s, bool *boolean, double *number)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const trues[] = {"true", "True", "TRUE"};
    static const char *const falses[] = {"false", "False", "FALSE"};
    static const char *const specials[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
                                           "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"};
    const char *digits = s + (*s == '-' || *s == '+');

    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (strcmp(s, nulls[i]) == 0)
            return KIND_NULL;
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(s, trues[i]) == 0 || strcmp(s, falses[i]) == 0) {
            *boolean = strcmp(s, trues[i]) == 0;
            return KIND_BOOL;
        }
    }
    for (size_t i = 0; i < sizeof specials / sizeof *specials; i++) {
        if (strcmp(s, specials[i]) == 0) {
            *number = s[1] == 'n' || s[1] == 'N' ? NAN : s[0] == '-' ? -INFINITY : INFINITY;
            return KIND_NUMBER;
        }
    }
    if (s[0] == '0' && s[1] == 'o' && all_in(s + 2, "01234567")) {
        *number = digits_value(s + 2, 8);
        return KIND_NUMBER;
    }
    if (s[0] == '0' && s[1] == 'x' && all_in(s + 2, "0123456789abcdefABCDEF")) {
        *number = digits_value(s + 2, 16);
        return KIND_NUMBER;
    }
    if (all_in(digits, "0123456789") || is_core_float(s)) {
        *number = strtod(s, NULL);  /* the syntax is checked: strtod reads all of it */
        return KIND_NUMBER;
    }
    return KIND_STRING;
}

static cJSON *number_item(double d)
{
    /* JSON has no infinities or NaN; JSON.stringify writes them as null, and so do we. */
    return isfinite(d) ? cJSON_CreateNumber(d) : cJSON_CreateNull();
}

#define CORE_TAG "tag:yaml.org,2002:"

static int read_scalar(struct reader *r, const yaml_event_t *ev, cJSON **out)
{
    const char *s = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    bool boolean = false;
    double number = 0;
    enum kind kind;

    if (strlen(s) != ev->data.scalar.length)
        return fail_at(r, ev->start_mark, "NUL characters in strings are not supported");
    if (tag != NULL && strncmp(tag, CORE_TAG, strlen(CORE_TAG)) == 0) {
        const char *name = tag + strlen(CORE_TAG);

        kind = plain_kind(s, &boolean, &number);
        if (strcmp(name, "str") == 0) {
            kind = KIND_STRING;
        } else if ((strcmp(name, "null") == 0 && kind != KIND_NULL) ||
                   (strcmp(name, "bool") == 0 && kind != KIND_BOOL) ||
                   ((strcmp(name, "int") == 0 || strcmp(name, "float") == 0) &&
                    kind != KIND_NUMBER)) {
            return fail_at(r, ev->start_mark, "invalid !!%s value", name);
        }
    } else {
        /* A quoted, block or otherwise tagged scalar is a string; only plain ones resolve. */
        kind = plain && tag == NULL ? plain_kind(s, &boolean, &number) : KIND_STRING;
    }
    switch (kind) {
    case KIND_NULL:
        *out = cJSON_CreateNull();
        break;
    case KIND_BOOL:
        *out = cJSON_CreateBool(boolean);
        break;
    case KIND_NUMBER:
        *out = number_item(number);
        break;
    default:
        *out = cJSON_CreateString(s);
        break;
    }
    return *out != NULL ? 0 : fail_memory(r);
}

static int read_node(struct reader *r, yaml_event_t *ev, int depth, cJSON **out);

static int read_sequence(struct reader *r, int depth, cJSON **out)
{
    cJSON *array = cJSON_CreateArray();
    yaml_event_t ev;

    if (array == NULL)
        return fail_memory(r);
    for (;;) {
        cJSON *item = NULL;

        if (next_event(r, &ev) != 0)
            goto fail;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (read_node(r, &ev, depth, &item) != 0)
            goto fail;
        if (!cJSON_AddItemToArray(array, item)) {
            cJSON_Delete(item);
            fail_memory(r);
            goto fail;
        }
    }
    *out = array;
    return 0;
fail:
    cJSON_Delete(array);
    return -1;
}

static int read_mapping(struct reader *r, int depth, cJSON **out)
{
    cJSON *object = cJSON_CreateObject();
    struct keyset keys = {NULL, 0, 0};
    int rc = -1;

    if (object == NULL)
        return fail_memory(r);
    for (;;) {
        yaml_event_t key_ev;
        yaml_event_t value_ev;
        cJSON *value = NULL;
        const char *key;
        int step = -1;

        if (next_event(r, &key_ev) != 0)
            goto done;
        if (key_ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&key_ev);
            break;
        }
        /* The key's text belongs to key_ev, which lives until the key is copied. */
        key = key_ev.type == YAML_SCALAR_EVENT ? (const char *)key_ev.data.scalar.value : "";
        if (key_ev.type == YAML_ALIAS_EVENT)
            fail_at(r, key_ev.start_mark, "aliases are not supported");
        else if (key_ev.type != YAML_SCALAR_EVENT)
            fail_at(r, key_ev.start_mark, "only scalar mapping keys are supported");
        else if (strlen(key) != key_ev.data.scalar.length)
            fail_at(r, key_ev.start_mark, "NUL characters in keys are not supported");
        else if (keyset_has(&keys, key))
            fail_at(r, key_ev.start_mark, "duplicate key \"%.64s\"", key);
        else if (next_event(r, &value_ev) == 0 && read_node(r, &value_ev, depth, &value) == 0)
            step = cJSON_AddItemToObject(object, key, value) ? 0 : -2;
        yaml_event_delete(&key_ev);
        if (step == -2) {
            cJSON_Delete(value);
            fail_memory(r);
        }
        /* cJSON_AddItemToObject appends: the new member is the last child. */
        if (step == 0 && keyset_put(&keys, object->child->prev->string) != 0)
            step = fail_memory(r);
        if (step != 0)
            goto done;
    }
    rc = 0;
done:
    free(keys.slots);
    if (rc == 0)
        *out = object;
    else
        cJSON_Delete(object);
    return rc;
}

/* Reads the node that starts with *ev (which this deletes) at nesting `depth` (0: top). */
static int read_node(struct reader *r, yaml_event_t *ev, int depth, cJSON **out)
{
    int rc;

    *out = NULL;
    if ((ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) &&
        depth >= YAML_MAX_DEPTH) {
        rc = fail_at(r, ev->start_mark, "nesting deeper than %d levels", YAML_MAX_DEPTH);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        rc = read_scalar(r, ev, out);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        rc = read_sequence(r, depth + 1, out);
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        rc = read_mapping(r, depth + 1, out);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        rc = fail_at(r, ev->start_mark, "aliases are not supported");
    } else {
        rc = fail_at(r, ev->start_mark, "unexpected YAML event");
    }
    yaml_event_delete(ev);
    return rc;
}

int yaml_to_json(const char *text, size_t len, cJSON **out, char *err, size_t err_size)
{
    struct reader r = {.text = text, .len = len, .err = err, .err_size = err_size};
    yaml_event_t ev;
    cJSON *root = NULL;
    int rc = -1;

    if (out == NULL || (text == NULL && len > 0)) {
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "no YAML text");
        return -1;
    }
    *out = NULL;
    if (len > YAML_MAX_SIZE) {
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "YAML text of %zu bytes is over the limit of %u", len,
                     YAML_MAX_SIZE);
        return -1;
    }
    if (!yaml_parser_initialize(&r.parser))
        return fail_memory(&r);
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)(text ? text : ""), len);
    /* STREAM-START, then DOCUMENT-START or (nothing but comments) STREAM-END. */
    if (next_event(&r, &ev) != 0)
        goto done;
    yaml_event_delete(&ev);
    if (next_event(&r, &ev) != 0)
        goto done;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        root = cJSON_CreateNull();
        rc = root != NULL ? 0 : fail_memory(&r);
        goto done;
    }
    yaml_event_delete(&ev);
    if (next_event(&r, &ev) != 0 || read_node(&r, &ev, 0, &root) != 0)
        goto done;
    if (next_event(&r, &ev) != 0)   /* DOCUMENT-END */
        goto done;
    yaml_event_delete(&ev);
    if (next_event(&r, &ev) != 0)
        goto done;
    if (ev.type != YAML_STREAM_END_EVENT)
        fail_at(&r, ev.start_mark, "only one YAML document is supported");
    else
        rc = 0;
    yaml_event_delete(&ev);
done:
    yaml_parser_delete(&r.parser);
    if (rc == 0)
        *out = root;
    else
        cJSON_Delete(root);
    return rc;
}

/* ---- writing ------------------------------------------------------------------------------ */

/* Whether a string written plain could be read back as a different string or as another type
 * by YAML 1.2 (this reader) or by a YAML 1.1 reader (yes/no/on/off, 0b101, 1_000, 12:30,
 * dates, the `<<` merge key, the `=` value key). Quoting too often is harmless. */
static bool is_yaml11_special(const char *s)
{
    static const char *const words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No",
                                        "NO", "on", "On", "ON", "off", "Off", "OFF", "<<", "="};
    const char *p = s + (*s == '-' || *s == '+');
    const char *e;

    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(s, words[i]) == 0)
            return true;
    if (p[0] == '0' && (p[1] == 'b' || p[1] == 'x' || p[1] == 'o'))
        return true;
    /* Sexagesimal and underscored numbers: digits, '_', '.', ':' and an optional exponent. */
    e = p + strspn(p, "0123456789_.:");
    if (e > p && strpbrk(p, "0123456789") != NULL && strpbrk(p, "0123456789") < e) {
        if (*e == '\0')
            return true;
        if ((*e == 'e' || *e == 'E') && all_in(e + 1 + (e[1] == '-' || e[1] == '+'),
                                               "0123456789"))
            return true;
    }
    /* Timestamps: yyyy-mm-dd... */
    return strspn(s, "0123456789") == 4 && s[4] == '-' && s[5] >= '0' && s[5] <= '9';
}

static bool needs_quotes(const char *s)
{
    size_t n = strlen(s);
    bool boolean;
    double number;

    if (n == 0 || plain_kind(s, &boolean, &number) != KIND_STRING || is_yaml11_special(s))
        return true;
    /* Indicators that start something else, document markers, and space or ':' at the end. */
    if (strchr("-?:,[]{}#&*!|>'\"%@` ", s[0]) != NULL || strncmp(s, "...", 3) == 0 ||
        s[n - 1] == ' ' || s[n - 1] == ':')
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        /* Escapes, and non-ASCII, whose printable subset is not worth proving here. */
        if (c < 0x20 || c >= 0x7F)
            return true;
    }
    return strstr(s, ": ") != NULL || strstr(s, " #") != NULL;
}

/* The code point of a UTF-8 sequence at s[0..n), its length in *len, or -1 if invalid. */
static long utf8_decode(const unsigned char *s, size_t n, size_t *len)
{
    static const long min_value[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t want = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    long cp;

    if (s[0] < 0xC2 || s[0] > 0xF4 || n < want)
        return -1;
    cp = s[0] & (0x3F >> (want - 1));
    for (size_t i = 1; i < want; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return -1;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min_value[want] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = want;
    return cp;
}

static void put_quoted(harper__buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);

    harper__buf_byte(b, '"');
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        size_t len = 1;
        long cp;

        if (c == '"' || c == '\\') {
            harper__buf_byte(b, '\\');
            harper__buf_byte(b, c);
        } else if (c == '\n') {
            harper__buf_str(b, "\\n");
        } else if (c == '\t') {
            harper__buf_str(b, "\\t");
        } else if (c == '\r') {
            harper__buf_str(b, "\\r");
        } else if (c < 0x20 || c == 0x7F) {
            harper__buf_printf(b, "\\x%02X", c);
        } else if (c < 0x80) {
            harper__buf_byte(b, c);
        } else if ((cp = utf8_decode(p + i, n - i, &len)) < 0) {
            harper__buf_str(b, "\\uFFFD");
            len = 1;
        } else if (cp <= 0x9F || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp >= 0xFFFE) {
            /* C1 controls and libyaml's extra line breaks (NEL, LS, PS) would not survive raw;
             * U+FEFF reads as a byte-order mark, U+FFFE and U+FFFF are not allowed at all. */
            if (cp <= 0xFFFF)
                harper__buf_printf(b, "\\u%04lX", cp);
            else
                harper__buf_append(b, p + i, len);
        } else {
            harper__buf_append(b, p + i, len);
        }
        i += len;
    }
    harper__buf_byte(b, '"');
}

static void put_string(harper__buf *b, const char *s)
{
    if (needs_quotes(s))
        put_quoted(b, s);
    else
        harper__buf_str(b, s);
}

static void put_indent(harper__buf *b, int indent)
{
    /* Not for 0: reserving nothing in an empty buffer does arithmetic on its NULL data. */
    char *p = indent > 0 ? harper__buf_reserve(b, (size_t)indent) : NULL;

    if (p != NULL) {
        memset(p, ' ', (size_t)indent);
        b->len += (size_t)indent;
    }
}

/* A mapping or sequence with members, written as a block; anything else fits on one line. */
static bool is_block(const cJSON *v)
{
    return (cJSON_IsObject(v) || cJSON_IsArray(v)) && v->child != NULL;
}

static int put_scalar(harper__buf *b, const cJSON *v)
{
    if (cJSON_IsNull(v))
        harper__buf_str(b, "null");
    else if (cJSON_IsTrue(v))
        harper__buf_str(b, "true");
    else if (cJSON_IsFalse(v))
        harper__buf_str(b, "false");
    else if (cJSON_IsNumber(v))
        harper__json_number(b, v->valuedouble);
    else if (cJSON_IsString(v) && v->valuestring != NULL)
        put_string(b, v->valuestring);
    else if (cJSON_IsObject(v))
        harper__buf_str(b, "{}");
    else if (cJSON_IsArray(v))
        harper__buf_str(b, "[]");
    else
        return -1;  /* raw or invalid items */
    return 0;
}

static int write_block(harper__buf *b, const cJSON *v, int indent, bool inline_first, int depth);

/* A mapping key up to its ':'. One too long for `key:` is written `? key` and the ':' goes at
 * the start of the next line. */
static int write_key(harper__buf *b, const char *key, int indent)
{
    harper__buf text = HARPER__BUF_INIT;
    int rc = -1;

    if (key == NULL)
        return -1;
    put_string(&text, key);
    if (!text.failed && text.len > 0) {
        if (text.len > MAX_IMPLICIT_KEY)
            harper__buf_str(b, "? ");
        harper__buf_append(b, text.data, text.len);
        if (text.len > MAX_IMPLICIT_KEY) {
            harper__buf_byte(b, '\n');
            put_indent(b, indent);
        }
        rc = 0;
    }
    harper__buf_free(&text);
    return rc;
}

/* What follows a key's ':' : a scalar on the same line, or a block on the next lines. */
static int write_after_colon(harper__buf *b, const cJSON *v, int indent, int depth)
{
    if (is_block(v)) {
        harper__buf_byte(b, '\n');
        return write_block(b, v, indent + 2, false, depth + 1);
    }
    harper__buf_byte(b, ' ');
    if (put_scalar(b, v) != 0)
        return -1;
    harper__buf_byte(b, '\n');
    return 0;
}

/* Writes a non-empty mapping or sequence whose lines are indented by `indent`; with
 * `inline_first` the first line continues the current one (after a sequence's "- "). */
static int write_block(harper__buf *b, const cJSON *v, int indent, bool inline_first, int depth)
{
    if (depth > YAML_MAX_DEPTH)
        return -1;
    for (const cJSON *item = v->child; item != NULL; item = item->next) {
        /* An empty one, written `{}` or `[]`, is a level too. */
        if ((cJSON_IsObject(item) || cJSON_IsArray(item)) && depth >= YAML_MAX_DEPTH)
            return -1;
        if (item != v->child || !inline_first)
            put_indent(b, indent);
        if (cJSON_IsArray(v)) {
            harper__buf_str(b, "- ");
            if (is_block(item)) {
                if (write_block(b, item, indent + 2, true, depth + 1) != 0)
                    return -1;
            } else if (put_scalar(b, item) != 0) {
                return -1;
            } else {
                harper__buf_byte(b, '\n');
            }
            continue;
        }
        if (write_key(b, item->string, indent) != 0)
            return -1;
        harper__buf_byte(b, ':');
        if (write_after_colon(b, item, indent, depth) != 0)
            return -1;
    }
    return b->failed ? -1 : 0;
}

int json_to_yaml(const cJSON *v, harper__buf *out)
{
    if (v == NULL || out == NULL)
        return -1;
    if (is_block(v))
        return write_block(out, v, 0, false, 1);
    if (put_scalar(out, v) != 0)
        return -1;
    harper__buf_byte(out, '\n');
    return out->failed ? -1 : 0;
}
