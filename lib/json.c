/* json.c: JSON text output matching JavaScript's JSON.stringify. */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void harper__json_string(harper__buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";

    harper__buf_byte(out, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        switch (c) {
        case '"': harper__buf_append(out, "\\\"", 2); break;
        case '\\': harper__buf_append(out, "\\\\", 2); break;
        case '\b': harper__buf_append(out, "\\b", 2); break;
        case '\f': harper__buf_append(out, "\\f", 2); break;
        case '\n': harper__buf_append(out, "\\n", 2); break;
        case '\r': harper__buf_append(out, "\\r", 2); break;
        case '\t': harper__buf_append(out, "\\t", 2); break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

                harper__buf_append(out, esc, 6);
            } else {
                harper__buf_byte(out, c);
            }
        }
    }
    harper__buf_byte(out, '"');
}

void harper__json_number(harper__buf *out, double d)
{
    char text[40];
    char *e;

    if (!isfinite(d)) {
        harper__buf_str(out, "null");
        return;
    }
    if (d == 0) {
        harper__buf_byte(out, '0');
        return;
    }
    if (d == floor(d) && fabs(d) < 1e21) {
        harper__buf_printf(out, "%.0f", d);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(text, sizeof text, "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    /* C writes 1e+21 and 1.5e-07; JavaScript writes 1e+21 and 1.5e-7. */
    e = strchr(text, 'e');
    if (e != NULL) {
        char *digits = e + 2;

        while (*digits == '0' && digits[1] != '\0')
            memmove(digits, digits + 1, strlen(digits));
    }
    harper__buf_str(out, text);
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
                harper__json_string(out, c->string, strlen(c->string));
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
