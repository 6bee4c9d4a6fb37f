/* json.c: JSON text output matching JavaScript's JSON.stringify. */
#include "json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void harper__json_string(harper__buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t run = 0;     /* start of the characters not yet appended */

    harper__buf_byte(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
        size_t esc_len = 2;

        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default: esc_len = 6;
        }
        harper__buf_append(out, s + run, i - run);
        harper__buf_append(out, esc, esc_len);
        run = i + 1;
    }
    harper__buf_append(out, s + run, n - run);
    harper__buf_byte(out, '"');
}

/* Appends the decimal digits of d, an integer below 2^53 in magnitude. */
static void append_integer(harper__buf *b, double d)
{
    char text[24];
    char *p = text + sizeof text;
    unsigned long long v = (unsigned long long)fabs(d);

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    if (d < 0)
        *--p = '-';
    harper__buf_append(b, p, (size_t)(text + sizeof text - p));
}

static void append_fraction(harper__buf *b, double d);

void harper__json_number(harper__buf *b, double d)
{
    /* The shortest form of a fraction costs a few printf/strtod rounds, and a batch of writes
     * prints the same one (its timestamps) again and again: remember the last. */
    static _Thread_local double last;
    static _Thread_local char last_text[32];
    static _Thread_local size_t last_len;
    size_t start = b->len;

    if (!isfinite(d)) {
        harper__buf_str(b, "null");
        return;
    }
    if (d == 0) {
        harper__buf_str(b, "0");    /* -0 too */
        return;
    }
    /* Integers (ids, counts, most values) need no search. */
    if (fabs(d) < 9007199254740992.0 && d == floor(d)) {
        append_integer(b, d);
        return;
    }
    if (last_len > 0 && d == last) {
        harper__buf_append(b, last_text, last_len);
        return;
    }
    append_fraction(b, d);
    if (!b->failed && b->len - start < sizeof last_text) {
        last = d;
        last_len = b->len - start;
        memcpy(last_text, b->data + start, last_len);
    }
}

static void append_fraction(harper__buf *b, double d)
{
    char sci[40];
    char digits[24];
    const char *p;
    int k = 0;
    int n;
    int prec;
    int i;

    /* printf rounds correctly, so the first precision that round-trips is the shortest. A
     * double whose shortest form has 15 digits or fewer comes out of %.15g as those digits and
     * zeros (which are dropped below), so the search starts there; subnormals have fewer
     * digits and search from 1. The decimal point is
     * whatever the locale says; it is skipped below, never parsed. */
    for (prec = fabs(d) >= DBL_MIN ? 15 : 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, d);
        if (strtod(sci, NULL) == d)
            break;
    }
    p = sci;
    if (*p == '-') {
        harper__buf_byte(b, '-');
        p++;
    }
    for (; *p != 'e' && *p != '\0'; p++) {
        if (*p >= '0' && *p <= '9' && k < (int)sizeof digits - 1)
            digits[k++] = *p;
    }
    while (k > 1 && digits[k - 1] == '0')
        k--;
    digits[k] = '\0';
    n = (*p == 'e' ? atoi(p + 1) : 0) + 1;     /* d = 0.digits * 10^n */
    if (k <= n && n <= 21) {
        harper__buf_append(b, digits, (size_t)k);
        for (i = k; i < n; i++)
            harper__buf_byte(b, '0');
    } else if (0 < n && n <= 21) {
        harper__buf_append(b, digits, (size_t)n);
        harper__buf_byte(b, '.');
        harper__buf_str(b, digits + n);
    } else if (-6 < n && n <= 0) {
        harper__buf_str(b, "0.");
        for (i = n; i < 0; i++)
            harper__buf_byte(b, '0');
        harper__buf_str(b, digits);
    } else {
        harper__buf_byte(b, (uint8_t)digits[0]);
        if (k > 1) {
            harper__buf_byte(b, '.');
            harper__buf_str(b, digits + 1);
        }
        harper__buf_printf(b, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
}


static int value_at(harper__buf *out, const cJSON *v, int depth)
{
    int rc = 0;

    if (depth > 1000)
        return -1;
    switch (v->type & 0xff) {
    case cJSON_NULL: harper__buf_str(out, "null"); break;
    case cJSON_False: harper__buf_str(out, "false"); break;
    case cJSON_True: harper__buf_str(out, "true"); break;
    case cJSON_Number: harper__json_number(out, v->valuedouble); break;
    case cJSON_String:
        harper__json_string(out, v->valuestring, strlen(v->valuestring));
        break;
    case cJSON_Raw: harper__buf_str(out, v->valuestring); break;
    case cJSON_Array:
    case cJSON_Object:
        harper__buf_byte(out, cJSON_IsArray(v) ? '[' : '{');
        for (const cJSON *c = v->child; c != NULL && rc == 0; c = c->next) {
            if (c != v->child)
                harper__buf_byte(out, ',');
            if (cJSON_IsObject(v)) {
                const char *name = c->string != NULL ? c->string : "";

                harper__json_string(out, name, strlen(name));
                harper__buf_byte(out, ':');
            }
            rc = value_at(out, c, depth + 1);
        }
        harper__buf_byte(out, cJSON_IsArray(v) ? ']' : '}');
        break;
    default:
        harper__buf_str(out, "null");
    }
    return rc;
}

int harper__json_value(harper__buf *out, const cJSON *v)
{
    return value_at(out, v, 0) == 0 ? 0 : -1;
}
