/* query_url_value.c: the value side of the REST query grammar: decodeURIComponent and the
 * form-urlencoded decoding of the simple mode, Harper's typed decoding (`null`, `type:value`),
 * JavaScript's Number() and parseInt(s, 36), and the auto-cast of untyped attributes.
 * Everything here works on byte ranges and knows nothing of the grammar (query_url.c). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query_url.h"
#include "validate.h"

#define MS_PER_DAY 86400000.0

/* ---------------------------------------------------------------------------------------------
 * UTF-8
 */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are not). *cp gets the code point. */
static size_t utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t v;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0;
    }
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    *cp = v;
    return len;
}

/* The byte an escape "%XY" at s[i] stands for, or -1. */
static int escape_at(const char *s, size_t n, size_t i)
{
    int hi;
    int lo;

    if (i + 3 > n)
        return -1;
    hi = harper__hex_digit(s[i + 1]);
    lo = harper__hex_digit(s[i + 2]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

size_t harper__qurl_bad_byte(const char *s, size_t n)
{
    size_t i = 0;
    uint32_t cp;

    while (i < n) {
        size_t k = utf8_seq((const unsigned char *)s + i, n - i, &cp);

        if (k == 0 || cp == 0)
            return i;
        i += k;
    }
    return n;
}

int harper__qurl_decode(const char *s, size_t n, char **out, size_t *out_len)
{
    char *d = malloc(n + 1);
    size_t j = 0;
    size_t i = 0;

    *out = NULL;
    if (d == NULL)
        return HARPER__QURL_ENOMEM;
    while (i < n) {
        unsigned char seq[4];
        size_t want;
        size_t k;
        uint32_t cp;
        int b;

        if (s[i] != '%') {
            /* Raw bytes were checked as UTF-8 without NUL before parsing began. */
            d[j++] = s[i++];
            continue;
        }
        b = escape_at(s, n, i);
        if (b < 0 || b == 0)
            goto malformed;     /* NUL: the tree's strings are C strings (a deviation) */
        seq[0] = (unsigned char)b;
        want = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
        for (k = 1; k < want; k++) {
            b = escape_at(s, n, i + 3 * k);
            if (b < 0)
                goto malformed;
            seq[k] = (unsigned char)b;
        }
        if (utf8_seq(seq, want, &cp) != want)
            goto malformed;
        memcpy(d + j, seq, want);
        j += want;
        i += 3 * want;
    }
    d[j] = '\0';
    *out = d;
    *out_len = j;
    return 0;
malformed:
    free(d);
    return HARPER__QURL_EURI;
}

int harper__qurl_form_decode(const char *s, size_t n, char **out, size_t *out_len)
{
    /* Percent-decoding can only shrink; each invalid byte becomes U+FFFD (3 bytes). */
    unsigned char *bytes = malloc(n + 1);
    char *d;
    size_t nb = 0;
    size_t j = 0;
    size_t i;

    *out = NULL;
    if (bytes == NULL)
        return HARPER__QURL_ENOMEM;
    for (i = 0; i < n; i++) {
        int b = s[i] == '%' ? escape_at(s, n, i) : -1;

        if (b >= 0) {
            bytes[nb++] = (unsigned char)b;
            i += 2;
        } else {
            bytes[nb++] = s[i] == '+' ? ' ' : (unsigned char)s[i];
        }
    }
    d = malloc(nb * 3 + 1);
    if (d == NULL) {
        free(bytes);
        return HARPER__QURL_ENOMEM;
    }
    for (i = 0; i < nb;) {
        uint32_t cp;
        size_t k = utf8_seq(bytes + i, nb - i, &cp);

        if (k > 0 && cp == 0) {
            free(bytes);
            free(d);
            return HARPER__QURL_EURI;
        }
        if (k > 0) {
            memcpy(d + j, bytes + i, k);
            j += k;
            i += k;
            continue;
        }
        /* WHATWG UTF-8 decode: one U+FFFD per maximal invalid subpart. */
        memcpy(d + j, "\xEF\xBF\xBD", 3);
        j += 3;
        k = 1;
        if (bytes[i] >= 0xC2 && bytes[i] <= 0xF4) {
            unsigned char lo = bytes[i] == 0xE0 ? 0xA0 : bytes[i] == 0xF0 ? 0x90 : 0x80;
            unsigned char hi = bytes[i] == 0xED ? 0x9F : bytes[i] == 0xF4 ? 0x8F : 0xBF;
            size_t need = bytes[i] >= 0xF0 ? 4 : bytes[i] >= 0xE0 ? 3 : 2;

            if (i + 1 < nb && bytes[i + 1] >= lo && bytes[i + 1] <= hi) {
                k = 2;
                while (k < need && i + k < nb && (bytes[i + k] & 0xC0) == 0x80)
                    k++;
            }
        }
        i += k;
    }
    d[j] = '\0';
    free(bytes);
    *out = d;
    *out_len = j;
    return 0;
}

/* ---------------------------------------------------------------------------------------------
 * JavaScript numbers
 */

/* Length of the JavaScript white space or line terminator at s[0..n), or 0. */
static size_t js_space(const char *s, size_t n)
{
    uint32_t cp;
    size_t k = utf8_seq((const unsigned char *)s, n, &cp);

    if (k == 0)
        return 0;
    switch (cp) {
    case 0x09: case 0x0A: case 0x0B: case 0x0C: case 0x0D: case 0x20: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    case 0xFEFF:
        return k;
    default:
        return cp >= 0x2000 && cp <= 0x200A ? k : 0;
    }
}

static void trim(const char **s, size_t *n)
{
    size_t k;

    while (*n > 0 && (k = js_space(*s, *n)) > 0) {
        *s += k;
        *n -= k;
    }
    /* Trailing: step back over the longest space ending at the end (1 to 3 bytes). */
    for (;;) {
        size_t back;

        for (back = 1; back <= 3 && back <= *n; back++)
            if (js_space(*s + *n - back, back) == back)
                break;
        if (back > 3 || back > *n)
            return;
        *n -= back;
    }
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Digits of `radix` at s[0..n), all of them, at least one; NaN otherwise. */
static double radix_number(const char *s, size_t n, int radix)
{
    double v = 0;

    if (n == 0)
        return NAN;
    for (size_t i = 0; i < n; i++) {
        int d = harper__hex_digit(s[i]);

        if (d < 0 || d >= radix)
            return NAN;
        v = v * radix + d;
    }
    return v;
}

double harper__qurl_js_number(const char *s, size_t n)
{
    char small[64];
    char *copy;
    double v;
    size_t i = 0;
    bool digits = false;

    trim(&s, &n);
    if (n == 0)
        return 0;
    if (n > 2 && s[0] == '0') {
        if (s[1] == 'x' || s[1] == 'X')
            return radix_number(s + 2, n - 2, 16);
        if (s[1] == 'o' || s[1] == 'O')
            return radix_number(s + 2, n - 2, 8);
        if (s[1] == 'b' || s[1] == 'B')
            return radix_number(s + 2, n - 2, 2);
    }
    if (s[0] == '+' || s[0] == '-')
        i++;
    if (n - i == 8 && memcmp(s + i, "Infinity", 8) == 0)
        return s[0] == '-' ? -INFINITY : INFINITY;
    /* StrDecimalLiteral, checked here because strtod takes more (hex, nan, inf). */
    while (i < n && is_digit(s[i])) {
        i++;
        digits = true;
    }
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) {
            i++;
            digits = true;
        }
    }
    if (!digits)
        return NAN;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i == n || !is_digit(s[i]))
            return NAN;
        while (i < n && is_digit(s[i]))
            i++;
    }
    if (i != n)
        return NAN;
    copy = n < sizeof small ? small : malloc(n + 1);
    if (copy == NULL)
        return NAN;
    memcpy(copy, s, n);
    copy[n] = '\0';
    v = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return v;
}

/* parseInt(s, 36): leading white space, a sign, then as many base-36 digits as there are. */
static double parse_int36(const char *s, size_t n)
{
    size_t k;
    double v = 0;
    bool neg = false;
    bool any = false;

    while (n > 0 && (k = js_space(s, n)) > 0) {
        s += k;
        n -= k;
    }
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        s++;
        n--;
    }
    for (; n > 0; s++, n--) {
        int d;

        if (is_digit(*s))
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'z')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'Z')
            d = *s - 'A' + 10;
        else
            break;
        v = v * 36 + d;
        any = true;
    }
    return !any ? NAN : neg ? -v : v;
}

/* ---------------------------------------------------------------------------------------------
 * Typed values
 */

static int set_text(harper__qurl_value *v, const char *s, size_t n)
{
    v->text = malloc(n + 1);
    if (v->text == NULL)
        return HARPER__QURL_ENOMEM;
    memcpy(v->text, s, n);
    v->text[n] = '\0';
    v->len = n;
    return 0;
}

/* ECMAScript's TimeClip. */
static double time_clip(double ms)
{
    return !isfinite(ms) || fabs(ms) > 8.64e15 ? NAN : trunc(ms) + 0.0;
}

int harper__qurl_typed(const char *s, size_t n, harper__qurl_value *v)
{
    const char *colon = memchr(s, ':', n);
    const char *rest;
    size_t rest_len;
    size_t type_len;
    const char *next;

    memset(v, 0, sizeof *v);
    if (n == 4 && memcmp(s, "null", 4) == 0) {
        v->kind = HARPER__QURL_NULL;
        return set_text(v, "", 0);
    }
    if (colon == NULL) {
        v->kind = HARPER__QURL_TEXT;
        return harper__qurl_decode(s, n, &v->text, &v->len);
    }
    /* split(":") keeps the part between the first and the second colon only. */
    type_len = (size_t)(colon - s);
    rest = colon + 1;
    next = memchr(rest, ':', n - type_len - 1);
    rest_len = next != NULL ? (size_t)(next - rest) : n - type_len - 1;
    if (type_len == 6 && memcmp(s, "number", 6) == 0) {
        v->kind = HARPER__QURL_NUMBER;
        v->num = rest_len > 0 && rest[0] == '$' ? parse_int36(rest + 1, rest_len - 1)
                                                : harper__qurl_js_number(rest, rest_len);
        return set_text(v, rest, rest_len);
    }
    if (type_len == 7 && memcmp(s, "boolean", 7) == 0) {
        v->kind = HARPER__QURL_BOOLEAN;
        v->boolean = rest_len == 4 && memcmp(rest, "true", 4) == 0;
        return set_text(v, rest, rest_len);
    }
    if (type_len == 4 && memcmp(s, "date", 4) == 0) {
        double ms = harper__qurl_js_number(rest, rest_len);
        int rc;

        v->kind = HARPER__QURL_DATE;
        if (!isnan(ms)) {
            v->num = time_clip(ms);
            return set_text(v, rest, rest_len);
        }
        rc = harper__qurl_decode(rest, rest_len, &v->text, &v->len);
        if (rc == 0 && harper__ms_from_iso(v->text, &v->num) != 0)
            v->num = NAN;
        return rc;
    }
    if (type_len == 6 && memcmp(s, "string", 6) == 0) {
        v->kind = HARPER__QURL_STRING;
        return harper__qurl_decode(rest, rest_len, &v->text, &v->len);
    }
    return HARPER__QURL_ETYPE;
}

/* ---------------------------------------------------------------------------------------------
 * Auto-cast
 */

/* Reads exactly `count` digits at s; the first must be at most first_hi. */
static bool digits_at(const char *s, int count, char first_hi, int *out)
{
    int v = 0;

    if (s[0] < '0' || s[0] > first_hi)
        return false;
    for (int i = 0; i < count; i++) {
        if (!is_digit(s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Harper's date test (YYYY-MM-DDTHH:MM[:SS[.f+]] then Z or +-HH:MM, month [01]d, day [0-3]d,
 * hour [0-2]d, minutes and seconds [0-5]d), then new Date() on it: NaN where V8 gives an
 * Invalid Date. Returns false if the text does not pass the test. */
static bool iso_date_time(const char *s, size_t n, double *ms)
{
    int y, mo, d, h, mi, sec = 0, frac = 0, oh = 0, om = 0;
    size_t i = 16;
    int sign = 0;

    if (n < 17 || !digits_at(s, 4, '9', &y) || s[4] != '-' || !digits_at(s + 5, 2, '1', &mo) ||
        s[7] != '-' || !digits_at(s + 8, 2, '3', &d) || s[10] != 'T' ||
        !digits_at(s + 11, 2, '2', &h) || s[13] != ':' || !digits_at(s + 14, 2, '5', &mi))
        return false;
    if (s[i] == ':') {
        if (n < i + 4 || !digits_at(s + i + 1, 2, '5', &sec))
            return false;
        i += 3;
        if (s[i] == '.') {
            size_t start = ++i;

            while (i < n && is_digit(s[i])) {
                if (i - start < 3)
                    frac = frac * 10 + (s[i] - '0');
                i++;
            }
            if (i == start)
                return false;
            for (size_t k = i - start; k < 3; k++)
                frac *= 10;
        }
    }
    if (i < n && s[i] == 'Z') {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        sign = s[i] == '-' ? -1 : 1;
        if (n < i + 6 || !digits_at(s + i + 1, 2, '2', &oh) || s[i + 3] != ':' ||
            !digits_at(s + i + 4, 2, '5', &om))
            return false;
        i += 6;
    } else {
        return false;
    }
    if (i != n)
        return false;
    /* V8 takes days up to 31 in every month (rolling over), 24:00 but no later. */
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || oh > 23 ||
        h > 24 || (h == 24 && (mi || sec || frac))) {
        *ms = NAN;
        return true;
    }
    *ms = (double)harper__days_from_civil(y, mo, d) * MS_PER_DAY +
          ((h * 60.0 + mi) * 60 + sec) * 1000 + frac - sign * (oh * 60.0 + om) * 60000;
    return true;
}

cJSON *harper__qurl_autocast(const char *s, size_t n, bool *is_date)
{
    static const struct {
        const char *text;
        int type;           /* cJSON_True, cJSON_False, cJSON_NULL, cJSON_Number (NaN) */
    } words[] = {
        {"true", cJSON_True}, {"TRUE", cJSON_True}, {"false", cJSON_False},
        {"FALSE", cJSON_False}, {"undefined", cJSON_NULL}, {"null", cJSON_NULL},
        {"NULL", cJSON_NULL}, {"NaN", cJSON_Number},
    };
    double v;
    char *copy;
    cJSON *out;

    if (is_date != NULL)
        *is_date = false;
    for (size_t i = 0; i < sizeof words / sizeof words[0] && n > 0; i++) {
        if (strlen(words[i].text) != n || memcmp(words[i].text, s, n) != 0)
            continue;
        switch (words[i].type) {
        case cJSON_True:
            return cJSON_CreateTrue();
        case cJSON_False:
            return cJSON_CreateFalse();
        case cJSON_NULL:
            return cJSON_CreateNull();
        default:
            return cJSON_CreateNumber(NAN);
        }
    }
    v = harper__qurl_js_number(s, n);
    /* is-number: not blank and finite; then no leading zero (but "0" and "0.x") and no
     * exponent letter anywhere. */
    if (n > 0 && isfinite(v)) {
        bool blank;
        bool has_e = memchr(s, 'e', n) != NULL || memchr(s, 'E', n) != NULL;
        const char *t = s;
        size_t tn = n;

        trim(&t, &tn);
        blank = tn == 0;
        if (!blank && ((n >= 2 && s[0] == '0' && s[1] == '.') ||
                       (!has_e && !(s[0] == '0' && !(n == 1)))))
            return cJSON_CreateNumber(v);
    }
    if (iso_date_time(s, n, &v)) {
        if (is_date != NULL)
            *is_date = true;
        return cJSON_CreateNumber(v);
    }
    copy = malloc(n + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, n);
    copy[n] = '\0';
    out = cJSON_CreateString(copy);
    free(copy);
    return out;
}
