/* schema_lex.c: the tokens of a schema file, for schema_parse.c.
 *
 * graphql-js 16.15's language/lexer.js (the lexer Harper 4.7 runs) over UTF-8 bytes: the same
 * tokens, the same messages at the same places, lines and columns as graphql-js counts them
 * (columns in UTF-16 code units, as JavaScript strings index). Also the parse's arena and its
 * failure exits, which both files use. Where this differs from graphql-js: text must be UTF-8,
 * and a string may not hold U+0000 (results are C strings).
 *
 * Every allocation comes from one arena, which the schema owns on success. A failure anywhere
 * longjmps back to harper__schema_parse(), which frees the arena: no path can leak. */
#include "schema_lex.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef harper__schema_parser parser;
typedef harper__schema_token token;

const char *const harper__schema_tok_desc[] = {
    "<SOF>", "<EOF>", "\"!\"", "\"$\"", "\"&\"", "\"(\"", "\")\"", "\"...\"", "\":\"",
    "\"=\"", "\"@\"", "\"[\"", "\"]\"", "\"{\"", "\"|\"", "\"}\"", "Name", "Int", "Float",
    "String", "BlockString"
};

/* ---- arena and failures ----------------------------------------------------------------- */

#define ARENA_BLOCK 65536

struct arena_block {
    struct arena_block *next;
    size_t size;            /* bytes in data */
    size_t used;
    max_align_t data[];
};

struct harper__schema_arena {
    struct arena_block *head;   /* the block being filled; big allocations sit behind it */
};

harper__schema_arena *harper__schema_arena_new(void)
{
    return calloc(1, sizeof(harper__schema_arena));
}

void harper__schema_arena_free(harper__schema_arena *a)
{
    struct arena_block *b;

    if (a == NULL)
        return;
    while ((b = a->head) != NULL) {
        a->head = b->next;
        free(b);
    }
    free(a);
}

void harper__schema_fail(parser *p, size_t pos, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(p->text, sizeof p->text, "Syntax Error: ");

    va_start(ap, fmt);
    vsnprintf(p->text + n, sizeof p->text - (size_t)n, fmt, ap);
    va_end(ap);
    p->code = HARPER_EINVAL;
    p->err_pos = pos;
    longjmp(p->fail, 1);
}

void harper__schema_fail_oom(parser *p)
{
    p->code = HARPER_ENOMEM;
    longjmp(p->fail, 1);
}

void *harper__schema_alloc(parser *p, size_t n)
{
    harper__schema_arena *a = p->arena;
    struct arena_block *b;
    size_t align = _Alignof(max_align_t);
    void *mem;

    if (n > SIZE_MAX / 2)
        harper__schema_fail_oom(p);
    n = (n + align - 1) / align * align;
    b = a->head;
    if (b == NULL || b->size - b->used < n) {
        size_t size = n >= ARENA_BLOCK / 4 ? n : ARENA_BLOCK;

        b = malloc(sizeof *b + size);
        if (b == NULL)
            harper__schema_fail_oom(p);
        b->size = size;
        b->used = 0;
        if (size == n && a->head != NULL) {
            /* A big one gets a block of its own, behind the one being filled. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    mem = (unsigned char *)b->data + b->used;
    b->used += n;
    return mem;
}

char *harper__schema_strndup(parser *p, const char *s, size_t n)
{
    char *copy = harper__schema_alloc(p, n + 1);

    memcpy(copy, s, n);
    copy[n] = '\0';
    return copy;
}

void harper__schema_vec_push(parser *p, harper__schema_vec *v, const void *item, size_t size)
{
    if (v->n == v->cap) {
        size_t cap = v->cap != 0 ? v->cap * 2 : 4;
        void *items;

        if (cap > SIZE_MAX / 4 / size)
            harper__schema_fail_oom(p);
        items = harper__schema_alloc(p, cap * size);
        if (v->n != 0)
            memcpy(items, v->items, v->n * size);
        v->items = items;
        v->cap = cap;
    }
    memcpy((unsigned char *)v->items + v->n * size, item, size);
    v->n++;
}

/* A string built in the arena, for decoded string values. */
typedef struct sbuf {
    char *data;
    size_t len, cap;
} sbuf;

static void sbuf_add(parser *p, sbuf *b, const void *data, size_t n)
{
    if (b->cap - b->len <= n) {
        size_t cap = b->cap != 0 ? b->cap : 32;
        char *grown;

        while (cap - b->len <= n) {
            if (cap > SIZE_MAX / 4)
                harper__schema_fail_oom(p);
            cap *= 2;
        }
        grown = harper__schema_alloc(p, cap);
        if (b->len != 0)
            memcpy(grown, b->data, b->len);
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void sbuf_code_point(parser *p, sbuf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    sbuf_add(p, b, u, n);
}

/* ---- characters and positions ------------------------------------------------------------ */

/* The byte at i, or -1 past the end (graphql-js's charCodeAt() giving NaN). */
static int at(const parser *p, size_t i)
{
    return i < p->len ? p->s[i] : -1;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int is_name_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_name_continue(int c)
{
    return is_name_start(c) || is_digit(c);
}

/* Bytes of the UTF-8 sequence led by c (the text is checked to be UTF-8 before lexing). */
static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static uint32_t decode_at(const parser *p, size_t i)
{
    const unsigned char *s = p->s + i;
    size_t n = utf8_len(s[0]);

    if (n == 1)
        return s[0];
    if (n == 2)
        return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    if (n == 3)
        return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

/* UTF-16 code units in text[from..to): one per character, two from U+10000 on. */
static size_t units(const parser *p, size_t from, size_t to)
{
    size_t n = 0;

    for (; from < to; from++) {
        unsigned char c = p->s[from];

        n += (c & 0xC0) != 0x80;
        n += c >= 0xF0;
    }
    return n;
}

static unsigned clamp(size_t n)
{
    return n < UINT_MAX ? (unsigned)n : UINT_MAX;
}

/* The column of `pos` on the lexer's current line. Tokens come in order, so counting on from
 * the previous token keeps a long line linear. */
static unsigned column(parser *p, size_t pos)
{
    if (p->col_pos < p->line_start || p->col_pos > pos) {
        p->col_pos = p->line_start;
        p->col_units = 0;
    }
    p->col_units += units(p, p->col_pos, pos);
    p->col_pos = pos;
    return clamp(p->col_units + 1);
}

/* graphql-js's getLocation(): line and column of `pos`, counted from the start. */
void harper__schema_locate(const parser *p, size_t pos, unsigned *line, unsigned *col)
{
    size_t n_lines = 1;
    size_t line_start = 0;
    size_t i;

    for (i = 0; i < pos && i < p->len; i++) {
        if (p->s[i] == '\r' && i + 1 < p->len && p->s[i + 1] == '\n') {
            line_start = i + 2;
            i++;
            n_lines++;
        } else if (p->s[i] == '\n' || p->s[i] == '\r') {
            line_start = i + 1;
            n_lines++;
        }
    }
    *line = clamp(n_lines);
    /* A position on the \n of a \r\n: graphql-js says column 0. */
    *col = line_start > pos ? 0 : clamp(units(p, line_start, pos) + 1);
}

/* graphql-js's printCodePointAt(): "c" for printable ASCII, U+XXXX otherwise, <EOF> at the
 * end. Written into out (16 bytes). */
static const char *code_point_at(const parser *p, size_t pos, char *out)
{
    uint32_t c;

    if (pos >= p->len)
        return "<EOF>";
    c = decode_at(p, pos);
    if (c == '"')
        return "'\"'";
    if (c >= 0x20 && c <= 0x7E)
        snprintf(out, 16, "\"%c\"", (char)c);
    else
        snprintf(out, 16, "U+%04X", (unsigned)c);
    return out;
}

/* text.slice(pos, pos + n_units) as graphql-js quotes it in escape errors, into out (64 bytes;
 * n_units is at most 12). Half of a surrogate pair comes out as U+FFFD, as Node writes it. */
static const char *slice_units(const parser *p, size_t pos, size_t n_units, char *out)
{
    size_t w = 0;

    while (n_units > 0 && pos < p->len) {
        size_t n = utf8_len(p->s[pos]);

        if (n == 4 && n_units == 1) {
            memcpy(out + w, "\xEF\xBF\xBD", 3);
            w += 3;
            break;
        }
        memcpy(out + w, p->s + pos, n);
        w += n;
        pos += n;
        n_units -= n == 4 ? 2 : 1;
    }
    out[w] = '\0';
    return out;
}

/* graphql-js's getTokenDesc(): `Name "foo"`, `"}"`, `<EOF>`, into out (256 bytes). A value
 * is cut after 200 bytes (graphql-js writes it whole) so that a message fits its buffer. */
const char *harper__schema_token_desc(const token *t, char *out)
{
    size_t n;

    if (t->value == NULL)
        return harper__schema_tok_desc[t->kind];
    n = t->value_len;
    if (n > 200) {
        n = 200;
        while (n > 0 && ((unsigned char)t->value[n] & 0xC0) == 0x80)
            n--;
    }
    snprintf(out, 256, "%s \"%.*s%s\"", harper__schema_tok_desc[t->kind], (int)n, t->value,
             n < t->value_len ? "..." : "");
    return out;
}

/* Every byte sequence must be UTF-8 (Node would decode a bad one as U+FFFD and go on). */
void harper__schema_check_utf8(parser *p)
{
    const unsigned char *s = p->s;
    size_t i = 0;

    while (i < p->len) {
        unsigned char c = s[i];
        size_t n = utf8_len(c);
        unsigned char lo = 0x80;
        unsigned char hi = 0xBF;
        size_t k;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c < 0xC2 || c > 0xF4 || i + n > p->len)
            harper__schema_fail(p, i, "Invalid UTF-8 sequence starting with byte 0x%02X.", c);
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;          /* no surrogates */
        else if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;          /* nothing past U+10FFFF */
        if (s[i + 1] < lo || s[i + 1] > hi)
            harper__schema_fail(p, i, "Invalid UTF-8 sequence starting with byte 0x%02X.", c);
        for (k = 2; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                harper__schema_fail(p, i, "Invalid UTF-8 sequence starting with byte 0x%02X.", c);
        i += n;
    }
}

/* ---- lexer ------------------------------------------------------------------------------ */

static void make_token(parser *p, token *t, harper__schema_tok kind, size_t start, size_t end)
{
    t->kind = kind;
    t->start = start;
    t->line = p->line;
    t->col = column(p, start);
    t->value = NULL;
    t->value_len = 0;
    p->pos = end;
}

static void new_line(parser *p, size_t line_start)
{
    if (p->line < UINT_MAX)
        p->line++;
    p->line_start = line_start;
}

static size_t read_digits(parser *p, size_t pos, int c)
{
    char cp[16];

    if (!is_digit(c))
        harper__schema_fail(p, pos, "Invalid number, expected digit but got: %s.",
                            code_point_at(p, pos, cp));
    pos++;
    while (is_digit(at(p, pos)))
        pos++;
    return pos;
}

static void read_number(parser *p, token *t, size_t start)
{
    size_t pos = start;
    int c = at(p, pos);
    int is_float = 0;
    char cp[16];

    if (c == '-')
        c = at(p, ++pos);
    if (c == '0') {
        c = at(p, ++pos);
        if (is_digit(c))
            harper__schema_fail(p, pos, "Invalid number, unexpected digit after 0: %s.",
                                code_point_at(p, pos, cp));
    } else {
        pos = read_digits(p, pos, c);
        c = at(p, pos);
    }
    if (c == '.') {
        is_float = 1;
        c = at(p, ++pos);
        pos = read_digits(p, pos, c);
        c = at(p, pos);
    }
    if (c == 'E' || c == 'e') {
        is_float = 1;
        c = at(p, ++pos);
        if (c == '+' || c == '-')
            c = at(p, ++pos);
        pos = read_digits(p, pos, c);
        c = at(p, pos);
    }
    if (c == '.' || is_name_start(c))
        harper__schema_fail(p, pos, "Invalid number, expected digit but got: %s.",
                            code_point_at(p, pos, cp));
    make_token(p, t, is_float ? HARPER__TOK_FLOAT : HARPER__TOK_INT, start, pos);
    t->value = (const char *)p->s + start;
    t->value_len = pos - start;
}

/* U+0000 cannot be in a C string: refused in strings, where graphql-js would take it. */
static void refuse_nul(parser *p, size_t pos)
{
    harper__schema_fail(p, pos, "Invalid character within String: U+0000.");
}

static int is_scalar_value(int64_t c)
{
    return (c >= 0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0x10FFFF);
}

static int hex4(const parser *p, size_t pos)
{
    int v = 0;
    int k;

    for (k = 0; k < 4; k++) {
        int h = harper__hex_digit(at(p, pos + (size_t)k));

        if (h < 0)
            return -1;
        v = v << 4 | h;
    }
    return v;
}

/* The escape at pos (a backslash) appended to b; returns its length in bytes. */
static size_t read_escape(parser *p, sbuf *b, size_t pos)
{
    char slice[64];
    int c = at(p, pos + 1);
    char ch;

    if (c == 'u' && at(p, pos + 2) == '{') {
        /* readEscapedUnicodeVariableWidth: \u{1F600}, at most 12 characters in all. */
        uint32_t point = 0;
        size_t size = 3;

        while (size < 12) {
            int h;

            c = at(p, pos + size++);
            if (c == '}') {
                if (size < 5 || !is_scalar_value(point))
                    break;
                if (point == 0)
                    refuse_nul(p, pos);
                sbuf_code_point(p, b, point);
                return size;
            }
            h = harper__hex_digit(c);
            /* graphql-js shifts in 32-bit signed arithmetic and stops when it goes negative. */
            if (h < 0 || (point << 4 & 0x80000000u) != 0)
                break;
            point = point << 4 | (uint32_t)h;
        }
        harper__schema_fail(p, pos, "Invalid Unicode escape sequence: \"%s\".",
                            slice_units(p, pos, size, slice));
    }
    if (c == 'u') {
        int code = hex4(p, pos + 2);

        if (is_scalar_value(code)) {
            if (code == 0)
                refuse_nul(p, pos);
            sbuf_code_point(p, b, (uint32_t)code);
            return 6;
        }
        if (code >= 0xD800 && code <= 0xDBFF && at(p, pos + 6) == '\\' && at(p, pos + 7) == 'u') {
            int trail = hex4(p, pos + 8);

            if (trail >= 0xDC00 && trail <= 0xDFFF) {
                sbuf_code_point(p, b, 0x10000 + ((uint32_t)(code - 0xD800) << 10) +
                                          (uint32_t)(trail - 0xDC00));
                return 12;
            }
        }
        harper__schema_fail(p, pos, "Invalid Unicode escape sequence: \"%s\".",
                            slice_units(p, pos, 6, slice));
    }
    switch (c) {
    case '"': ch = '"'; break;
    case '\\': ch = '\\'; break;
    case '/': ch = '/'; break;
    case 'b': ch = '\b'; break;
    case 'f': ch = '\f'; break;
    case 'n': ch = '\n'; break;
    case 'r': ch = '\r'; break;
    case 't': ch = '\t'; break;
    default:
        harper__schema_fail(p, pos, "Invalid character escape sequence: \"%s\".",
                            slice_units(p, pos, 2, slice));
    }
    sbuf_add(p, b, &ch, 1);
    return 2;
}

static void read_string(parser *p, token *t, size_t start)
{
    sbuf b = {NULL, 0, 0};
    size_t pos = start + 1;
    size_t chunk = pos;

    sbuf_add(p, &b, "", 0);
    while (pos < p->len) {
        unsigned char c = p->s[pos];

        if (c == '"') {
            sbuf_add(p, &b, p->s + chunk, pos - chunk);
            make_token(p, t, HARPER__TOK_STRING, start, pos + 1);
            t->value = b.data;
            t->value_len = b.len;
            return;
        }
        if (c == '\\') {
            sbuf_add(p, &b, p->s + chunk, pos - chunk);
            pos += read_escape(p, &b, pos);
            chunk = pos;
            continue;
        }
        if (c == '\n' || c == '\r')
            break;
        if (c == 0)
            refuse_nul(p, pos);
        pos += utf8_len(c);
    }
    harper__schema_fail(p, pos, "Unterminated string.");
}

/* graphql-js's dedentBlockStringLines() over raw lines joined by \n, joined again by \n. */
static char *dedent(parser *p, const char *raw, size_t len)
{
    size_t common = SIZE_MAX;
    size_t first = SIZE_MAX;
    size_t last = 0;
    size_t line_no = 0;
    size_t start;
    sbuf out = {NULL, 0, 0};

    sbuf_add(p, &out, "", 0);
    for (start = 0; start <= len; line_no++) {
        const char *nl = memchr(raw + start, '\n', len - start);
        size_t end = nl != NULL ? (size_t)(nl - raw) : len;
        size_t indent = 0;

        while (start + indent < end && (raw[start + indent] == ' ' || raw[start + indent] == '\t'))
            indent++;
        if (start + indent < end) {
            if (first == SIZE_MAX)
                first = line_no;
            last = line_no;
            if (line_no != 0 && indent < common)
                common = indent;
        }
        start = end + 1;
    }
    if (first == SIZE_MAX)
        return out.data;
    line_no = 0;
    for (start = 0; start <= len && line_no <= last; line_no++) {
        const char *nl = memchr(raw + start, '\n', len - start);
        size_t end = nl != NULL ? (size_t)(nl - raw) : len;

        if (line_no >= first) {
            size_t from = line_no == 0 ? start : end - start < common ? end : start + common;

            if (line_no > first)
                sbuf_add(p, &out, "\n", 1);
            sbuf_add(p, &out, raw + from, end - from);
        }
        start = end + 1;
    }
    return out.data;
}

static void read_block_string(parser *p, token *t, size_t start)
{
    sbuf raw = {NULL, 0, 0};
    size_t pos = start + 3;
    size_t chunk = pos;
    size_t line_start = p->line_start;
    size_t n_breaks = 0;

    sbuf_add(p, &raw, "", 0);
    while (pos < p->len) {
        unsigned char c = p->s[pos];

        if (c == '"' && at(p, pos + 1) == '"' && at(p, pos + 2) == '"') {
            sbuf_add(p, &raw, p->s + chunk, pos - chunk);
            make_token(p, t, HARPER__TOK_BLOCK_STRING, start, pos + 3);
            t->value = dedent(p, raw.data, raw.len);
            t->value_len = strlen(t->value);
            while (n_breaks-- > 0)
                new_line(p, line_start);
            p->line_start = line_start;
            return;
        }
        if (c == '\\' && at(p, pos + 1) == '"' && at(p, pos + 2) == '"' && at(p, pos + 3) == '"') {
            sbuf_add(p, &raw, p->s + chunk, pos - chunk);
            chunk = pos + 1;    /* drop only the backslash */
            pos += 4;
            continue;
        }
        if (c == '\n' || c == '\r') {
            sbuf_add(p, &raw, p->s + chunk, pos - chunk);
            sbuf_add(p, &raw, "\n", 1);
            pos += c == '\r' && at(p, pos + 1) == '\n' ? 2 : 1;
            chunk = pos;
            line_start = pos;
            n_breaks++;
            continue;
        }
        if (c == 0)
            refuse_nul(p, pos);
        pos += utf8_len(c);
    }
    harper__schema_fail(p, pos, "Unterminated string.");
}

/* graphql-js's readNextToken(): the token after p->pos, skipping what is ignored. */
void harper__schema_lex(parser *p, token *t)
{
    static const char punct[] = "!$&():=@[]{|}";
    static const harper__schema_tok punct_kind[] = {
        HARPER__TOK_BANG, HARPER__TOK_DOLLAR, HARPER__TOK_AMP, HARPER__TOK_PAREN_L,
        HARPER__TOK_PAREN_R, HARPER__TOK_COLON, HARPER__TOK_EQUALS, HARPER__TOK_AT,
        HARPER__TOK_BRACKET_L, HARPER__TOK_BRACKET_R, HARPER__TOK_BRACE_L, HARPER__TOK_PIPE,
        HARPER__TOK_BRACE_R
    };
    size_t pos = p->pos;
    char cp[16];

    while (pos < p->len) {
        unsigned char c = p->s[pos];
        const char *punct_at;
        size_t end;

        if (c == ' ' || c == '\t' || c == ',') {
            pos++;
            continue;
        }
        if (c == 0xEF && at(p, pos + 1) == 0xBB && at(p, pos + 2) == 0xBF) {
            pos += 3;           /* U+FEFF, a byte order mark, anywhere */
            continue;
        }
        if (c == '\n' || c == '\r') {
            pos += c == '\r' && at(p, pos + 1) == '\n' ? 2 : 1;
            new_line(p, pos);
            continue;
        }
        if (c == '#') {
            while (pos < p->len && p->s[pos] != '\n' && p->s[pos] != '\r')
                pos++;
            continue;
        }
        if (c != 0 && (punct_at = strchr(punct, c)) != NULL) {
            make_token(p, t, punct_kind[punct_at - punct], pos, pos + 1);
            return;
        }
        if (c == '.' && at(p, pos + 1) == '.' && at(p, pos + 2) == '.') {
            make_token(p, t, HARPER__TOK_SPREAD, pos, pos + 3);
            return;
        }
        if (c == '"') {
            if (at(p, pos + 1) == '"' && at(p, pos + 2) == '"')
                read_block_string(p, t, pos);
            else
                read_string(p, t, pos);
            return;
        }
        if (is_digit(c) || c == '-') {
            read_number(p, t, pos);
            return;
        }
        if (is_name_start(c)) {
            for (end = pos + 1; is_name_continue(at(p, end)); end++)
                ;
            make_token(p, t, HARPER__TOK_NAME, pos, end);
            t->value = (const char *)p->s + pos;
            t->value_len = end - pos;
            return;
        }
        if (c == '\'')
            harper__schema_fail(p, pos, "Unexpected single quote character ('), did you mean "
                                        "to use a double quote (\")?");
        harper__schema_fail(p, pos, "Unexpected character: %s.", code_point_at(p, pos, cp));
    }
    make_token(p, t, HARPER__TOK_EOF, p->len, p->len);
}

