/* negotiate.c: Accept weighting, URL extensions, Content-Type classification, text charsets
 * and ETags (contracts in negotiate.h). The Accept parser mirrors Harper's JavaScript string
 * handling, since scores decide ties: what counts as whitespace and how `q` reads as a
 * number follow JavaScript, not RFC 9110. */
#include "negotiate.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"

static const struct registered {
    const char *name;
    double weight;
    negotiate_type type;
} registered[] = {
    {"application/cbor", 1, NEGOTIATE_CBOR},
    {"application/x-msgpack", 0.9, NEGOTIATE_MSGPACK},
    {"application/json", 0.8, NEGOTIATE_JSON},
    {"text/event-stream", 0.8, NEGOTIATE_EVENT_STREAM},
    {"text/yaml", 0.7, NEGOTIATE_YAML},
    {"*/*", 0.5, NEGOTIATE_JSON},
    {"text/plain", 0.2, NEGOTIATE_PLAIN},
    {"text/csv", 0.1, NEGOTIATE_CSV},
};

#define N_REGISTERED (sizeof registered / sizeof registered[0])

const char *negotiate_type_name(negotiate_type t)
{
    switch (t) {
    case NEGOTIATE_CBOR: return "application/cbor";
    case NEGOTIATE_MSGPACK: return "application/x-msgpack";
    case NEGOTIATE_JSON: return "application/json";
    case NEGOTIATE_EVENT_STREAM: return "text/event-stream";
    case NEGOTIATE_YAML: return "text/yaml";
    case NEGOTIATE_PLAIN: return "text/plain";
    case NEGOTIATE_CSV: return "text/csv";
    case NEGOTIATE_NOT_ACCEPTABLE: break;
    }
    return "text/plain";
}

/* JavaScript's \s and Number()'s white space, for bytes as Node reads headers (latin1). */
static bool js_space(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0d) || c == ' ' || c == 0xa0;
}

/* The value of c as a digit of any base up to 36, or 36 if it is none. */
static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 36;
}

static size_t skip_digits(const char *s, size_t i, size_t n)
{
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return i;
}

/* Number(s) for s[0..n) after Harper lower-cased it: trimmed, "" is 0, 0x/0o/0b integers,
 * decimal literals; anything else (including "infinity", which lower-casing made of
 * "Infinity") is NaN. */
static double js_number(const char *s, size_t n)
{
    size_t i = 0;
    char small[64];
    char *copy = small;
    double d;

    while (n > 0 && js_space((unsigned char)s[0])) {
        s++;
        n--;
    }
    while (n > 0 && js_space((unsigned char)s[n - 1]))
        n--;
    if (n == 0)
        return 0;
    if (n > 2 && s[0] == '0' && strchr("xXoObB", s[1]) != NULL) {
        int base = s[1] == 'x' || s[1] == 'X' ? 16 : s[1] == 'o' || s[1] == 'O' ? 8 : 2;

        d = 0;
        for (i = 2; i < n; i++) {
            if (digit_value(s[i]) >= base)
                return NAN;
            d = d * base + digit_value(s[i]);
        }
        return d;
    }
    if (s[i] == '+' || s[i] == '-')
        i++;
    if (i < n && s[i] == '.') {
        if (skip_digits(s, i + 1, n) == i + 1)
            return NAN;
        i = skip_digits(s, i + 1, n);
    } else {
        if (skip_digits(s, i, n) == i)
            return NAN;
        i = skip_digits(s, i, n);
        if (i < n && s[i] == '.')
            i = skip_digits(s, i + 1, n);
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = i + 1;

        if (e < n && (s[e] == '+' || s[e] == '-'))
            e++;
        if (skip_digits(s, e, n) == e)
            return NAN;
        i = skip_digits(s, e, n);
    }
    if (i != n)
        return NAN;
    if (n >= sizeof small && (copy = malloc(n + 1)) == NULL)
        return NAN;
    memcpy(copy, s, n);
    copy[n] = '\0';
    d = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return d;
}

/* Strips JavaScript white space from the start (lead) and end (trail) of s[*b..*e). */
static void js_trim(const char *s, size_t *b, size_t *e, bool lead, bool trail)
{
    while (lead && *b < *e && js_space((unsigned char)s[*b]))
        (*b)++;
    while (trail && *e > *b && js_space((unsigned char)s[*e - 1]))
        (*e)--;
}

static const char *find(const char *s, size_t b, size_t e, char c)
{
    return memchr(s + b, c, e - b);
}

/* The score of one Accept entry s[b..e) (already split at commas), or 0 if not registered. */
static double entry_score(const char *s, size_t b, size_t e, negotiate_type *type)
{
    const char *semi = find(s, b, e, ';');
    size_t type_end = semi != NULL ? (size_t)(semi - s) : e;
    size_t type_begin = b;
    const struct registered *r = NULL;
    double q = 1;

    /* Harper's split at semicolons takes the white space next to each one only. */
    js_trim(s, &type_begin, &type_end, false, semi != NULL);
    for (size_t k = 0; k < N_REGISTERED && r == NULL; k++)
        if (strlen(registered[k].name) == type_end - type_begin &&
            strncasecmp(registered[k].name, s + type_begin, type_end - type_begin) == 0)
            r = &registered[k];
    while (semi != NULL) {
        size_t pb = (size_t)(semi - s) + 1;
        const char *next = find(s, pb, e, ';');
        size_t pe = next != NULL ? (size_t)(next - s) : e;
        const char *eq;

        js_trim(s, &pb, &pe, true, next != NULL);
        eq = find(s, pb, pe, '=');
        /* Without '=', Harper stores the part under the name "", never under "q". */
        if (eq != NULL && (size_t)(eq - s) == pb + 1 && (s[pb] | 0x20) == 'q')
            q = js_number(eq + 1, pe - (size_t)(eq - s) - 1);
        semi = next;
    }
    if (r == NULL)
        return 0;
    *type = r->type;
    return r->weight * q;
}

negotiate_type negotiate_accept(const char *accept, size_t len)
{
    negotiate_type best = NEGOTIATE_NOT_ACCEPTABLE;
    double best_score = 0;
    size_t b = 0;

    if (accept == NULL)
        return NEGOTIATE_JSON;
    /* The HTTP parser drops spaces and tabs around a field value; an empty value is falsy. */
    while (len > 0 && (accept[len - 1] == ' ' || accept[len - 1] == '\t'))
        len--;
    while (b < len && (accept[b] == ' ' || accept[b] == '\t'))
        b++;
    if (b == len)
        return NEGOTIATE_JSON;
    while (b <= len) {
        const char *comma = find(accept, b, len, ',');
        size_t e = comma != NULL ? (size_t)(comma - accept) : len;
        size_t entry_b = b;
        size_t entry_e = e;
        negotiate_type type = NEGOTIATE_NOT_ACCEPTABLE;
        double score;

        js_trim(accept, &entry_b, &entry_e, b > 0 && accept[b - 1] == ',', comma != NULL);
        score = entry_score(accept, entry_b, entry_e, &type);
        if (score > best_score) {
            best_score = score;
            best = type;
        }
        if (comma == NULL)
            break;
        b = e + 1;
    }
    return best;
}

negotiate_type negotiate_extension(const char *path, size_t len, size_t *stem_len)
{
    static const struct {
        const char *ext;
        negotiate_type type;
    } exts[] = {
        {".json", NEGOTIATE_JSON},
        {".cbor", NEGOTIATE_CBOR},
        {".msgpack", NEGOTIATE_MSGPACK},
        {".csv", NEGOTIATE_CSV},
    };
    size_t dot = len;

    *stem_len = len;
    if (path == NULL)
        return NEGOTIATE_NOT_ACCEPTABLE;
    while (dot > 0 && path[dot - 1] != '/' && path[dot - 1] != '.')
        dot--;
    if (dot == 0 || path[dot - 1] != '.')
        return NEGOTIATE_NOT_ACCEPTABLE;
    dot--;
    for (size_t k = 0; k < sizeof exts / sizeof exts[0]; k++) {
        if (strlen(exts[k].ext) == len - dot && memcmp(path + dot, exts[k].ext, len - dot) == 0) {
            *stem_len = dot;
            return exts[k].type;
        }
    }
    return NEGOTIATE_NOT_ACCEPTABLE;
}

/* ---- request bodies ------------------------------------------------------------------------- */

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

static void trim_ows(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && ows(s[*b]))
        (*b)++;
    while (*e > *b && ows(s[*e - 1]))
        (*e)--;
}

static bool same(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

void negotiate_body_type(const char *content_type, size_t len, const char *body,
                         size_t body_len, negotiate_body *out)
{
    static const struct {
        const char *name;
        negotiate_body_kind kind;
    } known[] = {
        {"application/json", NEGOTIATE_BODY_JSON},
        {"application/cbor", NEGOTIATE_BODY_CBOR},
        {"application/x-msgpack", NEGOTIATE_BODY_MSGPACK},
        {"application/x-www-form-urlencoded", NEGOTIATE_BODY_FORM},
        {"text/plain", NEGOTIATE_BODY_STRING},
        {"application/octet-stream", NEGOTIATE_BODY_BYTES},
    };
    size_t b = 0;
    size_t e = len;
    const char *semi;

    memset(out, 0, sizeof *out);
    if (content_type != NULL)
        trim_ows(content_type, &b, &e);
    if (content_type == NULL || b == e) {
        bool json = body_len > 0 && body != NULL && body[0] == '{';

        out->kind = json ? NEGOTIATE_BODY_JSON : NEGOTIATE_BODY_TYPED;
        out->type = json ? "application/json" : "application/octet-stream";
        out->type_len = strlen(out->type);
        return;
    }
    semi = find(content_type, b, e, ';');
    out->type = content_type + b;
    out->type_len = (semi != NULL ? (size_t)(semi - content_type) : e) - b;
    while (out->type_len > 0 && ows(out->type[out->type_len - 1]))
        out->type_len--;
    while (semi != NULL) {
        size_t pb = (size_t)(semi - content_type) + 1;
        const char *next = find(content_type, pb, e, ';');
        size_t pe = next != NULL ? (size_t)(next - content_type) : e;
        const char *eq = find(content_type, pb, pe, '=');

        if (eq != NULL) {
            size_t nb = pb;
            size_t ne = (size_t)(eq - content_type);
            size_t vb = ne + 1;
            size_t ve = pe;

            trim_ows(content_type, &nb, &ne);
            trim_ows(content_type, &vb, &ve);
            if (same(content_type + nb, ne - nb, "charset")) {
                out->charset = content_type + vb;
                out->charset_len = ve - vb;
            }
        }
        semi = next;
    }
    out->kind = NEGOTIATE_BODY_TYPED;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (same(out->type, out->type_len, known[k].name))
            out->kind = known[k].kind;
    if (out->kind == NEGOTIATE_BODY_TYPED && out->type_len >= 5 &&
        strncasecmp(out->type, "text/", 5) == 0)
        out->kind = NEGOTIATE_BODY_TEXT;
}

enum charset { CS_UTF8, CS_LATIN1, CS_ASCII, CS_UTF16LE, CS_UNKNOWN };

static enum charset charset_of(const char *name, size_t n)
{
    static const struct {
        const char *name;
        enum charset cs;
    } names[] = {
        {"utf-8", CS_UTF8}, {"utf8", CS_UTF8},
        {"latin1", CS_LATIN1}, {"binary", CS_LATIN1}, {"iso-8859-1", CS_LATIN1},
        {"ascii", CS_ASCII}, {"us-ascii", CS_ASCII},
        {"utf-16le", CS_UTF16LE}, {"utf16le", CS_UTF16LE}, {"ucs-2", CS_UTF16LE},
        {"ucs2", CS_UTF16LE},
    };

    if (name == NULL)
        return CS_UTF8;
    if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
        name++;
        n -= 2;
    }
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        if (same(name, n, names[k].name))
            return names[k].cs;
    return CS_UNKNOWN;
}

int negotiate_text(const char *charset, size_t charset_len, const char *text, size_t len,
                   harper__buf *out, char *err, size_t err_size)
{
    enum charset cs = charset_of(charset, charset_len);
    const unsigned char *p = (const unsigned char *)text;

    if (cs == CS_UNKNOWN) {
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "Unknown encoding: %.*s",
                     (int)(charset_len < 100 ? charset_len : 100), charset);
        return -1;
    }
    if (len == 0)
        return 0;
    switch (cs) {
    case CS_UTF8:
        codec_utf8_repair(out, text, len);
        break;
    case CS_LATIN1:
    case CS_ASCII:
        for (size_t i = 0; i < len; i++)
            codec_utf8_put(out, cs == CS_ASCII ? p[i] & 0x7f : p[i]);
        break;
    default:
        /* A trailing odd byte is dropped, as Node does; lone surrogates become U+FFFD. */
        for (size_t i = 0; i + 1 < len; i += 2) {
            uint32_t unit = p[i] | (uint32_t)p[i + 1] << 8;

            if (unit >= 0xd800 && unit <= 0xdbff && i + 3 < len) {
                uint32_t low = p[i + 2] | (uint32_t)p[i + 3] << 8;

                if (low >= 0xdc00 && low <= 0xdfff) {
                    codec_utf8_put(out, 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
                    i += 2;
                    continue;
                }
            }
            codec_utf8_put(out, unit >= 0xd800 && unit <= 0xdfff ? 0xfffd : unit);
        }
        break;
    }
    if (out->failed) {
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "out of memory");
        return -1;
    }
    return 0;
}

/* ---- ETag ----------------------------------------------------------------------------------- */

void negotiate_etag(double version_ms, char out[NEGOTIATE_ETAG_SIZE])
{
    uint64_t bits;
    unsigned b[8];
    unsigned x[10];

    memcpy(&bits, &version_ms, sizeof bits);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned)(bits >> (8 * i)) & 0xff;
    x[0] = b[0] & 63;
    x[1] = (b[0] >> 6) + ((b[1] << 2) & 63);
    x[2] = (b[1] >> 4) + ((b[2] << 4) & 63);
    x[3] = b[2] >> 2;
    x[4] = b[3] & 63;
    x[5] = (b[3] >> 6) + ((b[4] << 2) & 63);
    x[6] = (b[4] >> 4) + ((b[5] << 4) & 63);
    x[7] = b[5] >> 2;
    x[8] = b[6] & 63;
    x[9] = (b[6] >> 6) + ((b[7] << 2) & 63);
    out[0] = '"';
    for (int i = 0; i < 10; i++)
        out[1 + i] = (char)(x[i] + 62);
    out[11] = '"';
    out[12] = '\0';
}

bool negotiate_etag_matches(const char *value, size_t len, const char *etag)
{
    return value != NULL && etag != NULL && len == strlen(etag) &&
           memcmp(value, etag, len) == 0;
}
