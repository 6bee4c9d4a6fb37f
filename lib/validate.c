/* validate.c: checking a record against its table's attributes with Harper's exact messages
 * (spec/schema.md section 5), the coercions Harper makes on write (Date, BigInt), the checks on
 * property names, and ISO-8601 dates done with our own calendar arithmetic, so that no locale or
 * time zone of the embedding process changes a result. What a record must contain beyond that
 * (its key, its timestamps) is the write path's business (txn.c). */
#include "validate.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "json.h"

/* ECMAScript's Date range: 100,000,000 days either side of 1970, in ms. */
#define MAX_DATE_MS 8.64e15
/* 2^53: the largest integers a JSON number (a double) holds exactly; Harper's Long bound. */
#define MAX_SAFE_INT 9007199254740992.0
#define MS_PER_DAY 86400000LL

/* The problems found so far, joined with ". " as Harper's ClientError joins them. */
struct problems {
    harper__buf text;
    size_t count;
};

static void next_problem(struct problems *p)
{
    if (p->count++ > 0)
        harper__buf_str(&p->text, ". ");
}

/* Ends a check: HARPER_OK, or HARPER_EINVAL with the problems cut to fit err->message at a
 * UTF-8 character boundary, or HARPER_ENOMEM. Frees the text. */
static int finish(struct problems *p, int rc, harper_error *err)
{
    if (rc == HARPER_OK && p->text.failed)
        rc = HARPER_ENOMEM;
    if (rc == HARPER_ENOMEM) {
        harper__error_set(err, rc, "out of memory");
    } else if (rc == HARPER_OK && p->count > 0) {
        size_t n = p->text.len;

        if (err != NULL && n >= sizeof err->message) {
            n = sizeof err->message - 1;
            while (n > 0 && ((unsigned char)p->text.data[n] & 0xC0) == 0x80)
                n--;
        }
        rc = harper__error_set(err, HARPER_EINVAL, "%.*s", (int)n, p->text.data);
    }
    harper__buf_free(&p->text);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * Records
 */

/* "Value <json> in property <name>[*] must be <what>" */
static void type_problem(struct problems *p, const cJSON *v, const char *name, bool is_elem,
                         const char *what)
{
    next_problem(p);
    harper__buf_str(&p->text, "Value ");
    harper__json_value(&p->text, v);
    harper__buf_str(&p->text, " in property ");
    harper__buf_str(&p->text, name);
    if (is_elem)
        harper__buf_str(&p->text, "[*]");
    harper__buf_str(&p->text, " must be ");
    harper__buf_str(&p->text, what);
}

/* Puts `repl` where `item` is in `parent` (keeping its key) and frees `item`. */
static int replace_value(cJSON *parent, cJSON *item, cJSON *repl)
{
    if (repl == NULL)
        return HARPER_ENOMEM;
    repl->string = item->string;
    item->string = NULL;
    if (item->type & cJSON_StringIsConst) {
        repl->type |= cJSON_StringIsConst;
        item->type &= ~cJSON_StringIsConst;
    }
    cJSON_ReplaceItemViaPointer(parent, item, repl);
    return HARPER_OK;
}

/* Harper's new Date(v) for a string or a number, kept as the ISO string JSON.stringify would
 * give. Unlike new Date(), a value that is no date is an error rather than an Invalid Date. */
static int check_date(struct problems *p, cJSON *parent, cJSON *v, const char *name, bool is_elem)
{
    char iso[32];
    double ms;
    bool ok = false;

    if (cJSON_IsString(v)) {
        ok = harper__ms_from_iso(v->valuestring, &ms) == 0;
    } else if (cJSON_IsNumber(v)) {
        ms = v->valuedouble;
        ok = isfinite(ms) && fabs(ms) <= MAX_DATE_MS;
    }
    if (!ok) {
        type_problem(p, v, name, is_elem, "a Date");
        return HARPER_OK;
    }
    harper__iso_from_ms(ms, iso, sizeof iso);
    return replace_value(parent, v, cJSON_CreateString(iso));
}

/* Harper's BigInt(v): an integer number, or a string of an optional '-' and decimal digits.
 * JSON has no bigint, so the result stays a number while a double holds it exactly and becomes
 * a string of digits beyond. */
static int check_bigint(struct problems *p, cJSON *parent, cJSON *v, const char *name,
                        bool is_elem)
{
    char text[400];
    const char *s;
    const char *digits;
    char *norm;
    size_t n;
    int rc;

    if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && floor(v->valuedouble) == v->valuedouble) {
        if (fabs(v->valuedouble) <= MAX_SAFE_INT)
            return HARPER_OK;
        /* glibc prints a double's exact integer value, as BigInt(1e21) does. */
        snprintf(text, sizeof text, "%.0f", v->valuedouble);
        return replace_value(parent, v, cJSON_CreateString(text));
    }
    if (!cJSON_IsString(v)) {
        type_problem(p, v, name, is_elem, "a bigint");
        return HARPER_OK;
    }
    s = v->valuestring;
    digits = s + (*s == '-');
    n = strspn(digits, "0123456789");
    if (n == 0 || digits[n] != '\0') {
        type_problem(p, v, name, is_elem, "a bigint");
        return HARPER_OK;
    }
    while (n > 1 && *digits == '0') {
        digits++;
        n--;
    }
    if (n < 16 || (n == 16 && strcmp(digits, "9007199254740992") <= 0)) {
        double d = strtod(digits, NULL);

        return replace_value(parent, v, cJSON_CreateNumber(*s == '-' && d != 0 ? -d : d));
    }
    if (digits == s + (*s == '-'))
        return HARPER_OK;   /* already as BigInt would print it */
    norm = malloc(n + 2);
    if (norm == NULL)
        return HARPER_ENOMEM;
    norm[0] = '-';      /* overwritten by the digits when there is no sign */
    memcpy(norm + (*s == '-'), digits, n + 1);
    rc = replace_value(parent, v, cJSON_CreateString(norm));
    free(norm);
    return rc;
}

static bool is_string_array(const cJSON *v)
{
    const cJSON *c;

    if (!cJSON_IsArray(v) || v->child == NULL)
        return false;
    cJSON_ArrayForEach(c, v) {
        if (!cJSON_IsString(c))
            return false;
    }
    return true;
}

static bool is_integer_within(const cJSON *v, double min, double max)
{
    return cJSON_IsNumber(v) && floor(v->valuedouble) == v->valuedouble &&
           v->valuedouble >= min && v->valuedouble <= max;
}

/* Checks the non-null value `v` (a member of `parent`) against `type`; arrays check each
 * non-null element against elem_type. Only allocation failure is returned as an error. */
static int check_value(struct problems *p, cJSON *parent, cJSON *v, int type, int elem_type,
                       const char *name, bool is_elem)
{
    cJSON *c;
    cJSON *next;
    int rc = HARPER_OK;

    switch (type) {
    case HARPER__T_INT:
        if (!is_integer_within(v, -2147483648.0, 2147483647.0))
            type_problem(p, v, name, is_elem, "an integer (from -2147483648 to 2147483647)");
        break;
    case HARPER__T_LONG:
        if (!is_integer_within(v, -MAX_SAFE_INT, MAX_SAFE_INT))
            type_problem(p, v, name, is_elem,
                         "an integer (from -9007199254740992 to 9007199254740992)");
        break;
    case HARPER__T_FLOAT:
        if (!cJSON_IsNumber(v))
            type_problem(p, v, name, is_elem, "a number");
        break;
    case HARPER__T_ID:
        if (!cJSON_IsString(v) && !is_string_array(v))
            type_problem(p, v, name, is_elem, "a string, or an array of strings");
        break;
    case HARPER__T_STRING:
        if (!cJSON_IsString(v))
            type_problem(p, v, name, is_elem, "a string");
        break;
    case HARPER__T_BOOLEAN:
        if (!cJSON_IsBool(v))
            type_problem(p, v, name, is_elem, "a boolean");
        break;
    case HARPER__T_DATE:
        rc = check_date(p, parent, v, name, is_elem);
        break;
    case HARPER__T_BIGINT:
        rc = check_bigint(p, parent, v, name, is_elem);
        break;
    case HARPER__T_BYTES:
        /* Harper turns a string into its UTF-8 bytes; the bytes of our string are those. */
        if (!cJSON_IsString(v))
            type_problem(p, v, name, is_elem, "a Buffer or Uint8Array");
        break;
    case HARPER__T_ARRAY:
        if (!cJSON_IsArray(v)) {
            type_problem(p, v, name, is_elem, "an Array");
            break;
        }
        for (c = v->child; c != NULL && rc == HARPER_OK; c = next) {
            next = c->next;     /* a coercion replaces c */
            if (!cJSON_IsNull(c))
                rc = check_value(p, v, c, elem_type, HARPER__T_NONE, name, true);
        }
        break;
    default:
        break;      /* untyped and Any take anything */
    }
    return rc;
}

static bool is_checked(const harper__attr *a)
{
    return !a->is_primary_key && !a->created_time && !a->updated_time;
}

int harper__validate_record(const harper__table_def *def, cJSON *rec, int is_patch,
                            harper_error *err)
{
    struct problems p = {HARPER__BUF_INIT, 0};
    const cJSON *c;
    size_t i;
    int rc = HARPER_OK;

    if (def == NULL || rec == NULL)
        return harper__error_set(err, HARPER_EINVAL, "table definition and record are required");
    if (!cJSON_IsObject(rec))
        return harper__error_set(err, HARPER_EINVAL, "record must be a JSON object");
    /* One attribute at a time, in declaration order, its type before its presence: the order
     * of Harper 4.7's validate() (docs/decisions.md). */
    for (i = 0; i < def->n_attrs && rc == HARPER_OK; i++) {
        const harper__attr *a = &def->attrs[i];
        cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, a->name);

        if (!is_checked(a))
            continue;
        if (v != NULL && !cJSON_IsNull(v)) {
            rc = check_value(&p, rec, v, a->type, a->elem_type, a->name, false);
            continue;
        }
        /* A patch leaves absent properties as stored; a null in it is still a null. */
        if (a->nullable || (v == NULL && is_patch))
            continue;
        next_problem(&p);
        harper__buf_printf(&p.text, "Property %s is required (and not does not allow null values)",
                           a->name);
    }
    for (c = rec->child; c != NULL && def->sealed && rc == HARPER_OK; c = c->next) {
        if (c->string != NULL && harper__def_find(def, c->string, strlen(c->string)) == NULL) {
            next_problem(&p);
            harper__buf_printf(&p.text, "Property %s is not allowed", c->string);
        }
    }
    return finish(&p, rc, err);
}

int harper__validate_attr_names(const harper__table_def *def, const cJSON *rec,
                                harper_error *err)
{
    struct problems p = {HARPER__BUF_INIT, 0};
    const cJSON *c;
    bool bad_chars = false;

    if (def == NULL || rec == NULL)
        return harper__error_set(err, HARPER_EINVAL, "table definition and record are required");
    if (!cJSON_IsObject(rec))
        return harper__error_set(err, HARPER_EINVAL, "record must be a JSON object");
    for (c = rec->child; c != NULL; c = c->next) {
        const char *name = c->string ? c->string : "";

        if (name[0] == '\0' || strcmp(name, "null") == 0 || strcmp(name, "undefined") == 0) {
            next_problem(&p);
            harper__buf_printf(&p.text, "Invalid attribute name: '%s'", name);
        } else if (strpbrk(name, "`/") != NULL &&
                   harper__def_find(def, name, strlen(name)) == NULL) {
            bad_chars = true;
        }
    }
    /* Harper checks names in the request first and stops there; adding attributes then fails
     * on the first bad one, so this message never repeats or joins the others. */
    if (p.count == 0 && bad_chars) {
        next_problem(&p);
        harper__buf_str(&p.text, "Attribute names cannot include backticks or forward slashes");
    }
    return finish(&p, HARPER_OK, err);
}

/* ---------------------------------------------------------------------------------------------
 * Dates: proleptic Gregorian calendar, UTC, Howard Hinnant's days_from_civil/civil_from_days
 */

int64_t harper__days_from_civil(int64_t y, int m, int d)
{
    int64_t era;
    int64_t yoe;
    int64_t doy;
    int64_t doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    int64_t era;
    int64_t doe;
    int64_t yoe;
    int64_t doy;
    int64_t mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

void harper__iso_from_ms(double ms, char *out, size_t size)
{
    int64_t t;
    int64_t days;
    int64_t rem;
    int64_t y;
    int m;
    int d;

    if (out == NULL || size == 0)
        return;
    if (!isfinite(ms) || fabs(ms) > MAX_DATE_MS) {
        out[0] = '\0';
        return;
    }
    t = (int64_t)ms;    /* toward zero, as ECMAScript's TimeClip */
    days = t / MS_PER_DAY;
    rem = t % MS_PER_DAY;
    if (rem < 0) {
        rem += MS_PER_DAY;
        days--;
    }
    civil_from_days(days, &y, &m, &d);
    /* Years outside 0..9999 take toDateString's expanded form: a sign and six digits. */
    if (y >= 0 && y <= 9999)
        snprintf(out, size, "%04d", (int)y);
    else
        snprintf(out, size, "%c%06d", y < 0 ? '-' : '+', (int)(y < 0 ? -y : y));
    snprintf(out + strlen(out), size - strlen(out), "-%02d-%02dT%02d:%02d:%02d.%03dZ", m, d,
             (int)(rem / 3600000), (int)(rem / 60000 % 60), (int)(rem / 1000 % 60),
             (int)(rem % 1000));
}

/* Reads exactly `n` decimal digits at *p into *out and advances *p. */
static bool read_digits(const char **p, int n, int *out)
{
    int v = 0;
    int i;

    for (i = 0; i < n; i++) {
        char c = (*p)[i];

        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Parses the time after the 'T' (or ' '): HH:MM[:SS[.fraction]][Z|+HH:MM|+HHMM]. ms_of_day
 * gets the local time in ms, offset_ms the zone's offset east of UTC. */
static bool parse_time(const char **pp, int64_t *ms_of_day, int64_t *offset_ms)
{
    const char *p = *pp;
    int hh;
    int mm;
    int ss = 0;
    int frac = 0;
    int oh = 0;
    int om = 0;
    int i;

    if (!read_digits(&p, 2, &hh) || *p++ != ':' || !read_digits(&p, 2, &mm))
        return false;
    if (*p == ':') {
        p++;
        if (!read_digits(&p, 2, &ss))
            return false;
        if (*p == '.') {
            p++;
            /* Milliseconds from the first three digits; more digits are cut, as V8 does. */
            for (i = 0; i < 9 && p[i] >= '0' && p[i] <= '9'; i++) {
                if (i < 3)
                    frac = frac * 10 + (p[i] - '0');
            }
            if (i == 0 || (p[i] >= '0' && p[i] <= '9'))
                return false;
            for (; i < 3; i++)
                frac *= 10;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;

        if (!read_digits(&p, 2, &oh))
            return false;
        if (*p == ':')
            p++;
        if (!read_digits(&p, 2, &om) || oh > 23 || om > 59)
            return false;
        *offset_ms = sign * ((int64_t)oh * 60 + om) * 60000;
    }
    /* 24:00 is the end of the day, ECMAScript's one exception to hours below 24. */
    if (hh > 24 || mm > 59 || ss > 59 || (hh == 24 && (mm || ss || frac)))
        return false;
    *ms_of_day = (((int64_t)hh * 60 + mm) * 60 + ss) * 1000 + frac;
    *pp = p;
    return true;
}

int harper__ms_from_iso(const char *s, double *ms)
{
    const char *p = s;
    int64_t year;
    int64_t t;
    int64_t ms_of_day = 0;
    int64_t offset_ms = 0;
    int y;
    int month = 1;
    int day = 1;

    if (s == NULL || ms == NULL)
        return -1;
    if (*p == '+' || *p == '-') {
        bool neg = *p++ == '-';

        if (!read_digits(&p, 6, &y) || (neg && y == 0))
            return -1;      /* "-000000" is not a year (ECMA-262 21.4.1.32.1) */
        year = neg ? -(int64_t)y : y;
    } else {
        if (!read_digits(&p, 4, &y))
            return -1;
        year = y;
    }
    if (*p == '-') {
        p++;
        if (!read_digits(&p, 2, &month))
            return -1;
        if (*p == '-') {
            p++;
            if (!read_digits(&p, 2, &day))
                return -1;
        }
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return -1;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (!parse_time(&p, &ms_of_day, &offset_ms))
            return -1;
    }
    if (*p != '\0')
        return -1;
    t = harper__days_from_civil(year, month, day) * MS_PER_DAY + ms_of_day - offset_ms;
    if (t > (int64_t)MAX_DATE_MS || t < -(int64_t)MAX_DATE_MS)
        return -1;
    *ms = (double)t;
    return 0;
}
