/* test_keycodec.c: the order-preserving key encoding (lib/keycodec.c).
 * Values are generated from a fixed-seed PRNG (printed; HARPER_TEST_SEED overrides it) and
 * held in a test-only tree, `tval`, because cJSON strings cannot carry the NUL bytes that keys
 * must order correctly. A reference comparison over tvals is the oracle for memcmp order. */
#include <float.h>
#include <inttypes.h>
#include <math.h>

#include <cjson/cJSON.h>

#include "keycodec.h"
#include "test.h"

/* keycodec calls report no details, so CHECK_OK gets no harper_error to print. */
#define NO_ERR ((harper_error *)NULL)

/* ---------------------------------------------------------------------------------------------
 * PRNG: splitmix64, so a failure reproduces from the printed seed alone.
 */

static uint64_t rng_state;

static void rng_seed(void)
{
    const char *env = getenv("HARPER_TEST_SEED");

    rng_state = env != NULL ? strtoull(env, NULL, 0) : UINT64_C(0x6b657963306465);
    printf("keycodec seed 0x%" PRIx64 "\n", rng_state);
    fflush(stdout);
}

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static size_t rnd(size_t n)
{
    return (size_t)(rng_next() % n);
}

/* ---------------------------------------------------------------------------------------------
 * Test values
 */

enum { TV_NULL, TV_FALSE, TV_TRUE, TV_NUMBER, TV_STRING, TV_ARRAY };

typedef struct tval {
    int type;               /* TV_*, also the value's rank in the key order */
    double num;
    char *str;              /* malloc'd, may hold NULs; len bytes */
    size_t len;
    struct tval *items;     /* malloc'd array of n items */
    size_t n;
} tval;

static void tval_free(tval *v)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        tval_free(&v->items[i]);
    free(v->items);
    free(v->str);
    memset(v, 0, sizeof *v);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);

    CHECK(p != NULL);
    return p;
}

static void tval_copy(tval *dst, const tval *src)
{
    size_t i;

    *dst = *src;
    dst->str = NULL;
    dst->items = NULL;
    if (src->type == TV_STRING) {
        dst->str = xmalloc(src->len);
        memcpy(dst->str, src->str, src->len);
    }
    if (src->type == TV_ARRAY) {
        dst->items = xmalloc(src->n * sizeof *dst->items);
        for (i = 0; i < src->n; i++)
            tval_copy(&dst->items[i], &src->items[i]);
    }
}

static const double special_numbers[] = {
    0.0, -0.0, 1, -1, 0.5, -0.5, 0.1, -0.1, 3, -3, 1e308, -1e308, DBL_MAX, -DBL_MAX, DBL_MIN,
    -DBL_MIN, 4.9406564584124654e-324, -4.9406564584124654e-324, 9007199254740992.0,
    9007199254740991.0, 9007199254740994.0, -9007199254740992.0, -9007199254740991.0,
    -9007199254740994.0, 9223372036854775808.0, 1e-300, -1e-300, 123456789.125, 1e21, -1e21,
};
#define N_SPECIAL (sizeof special_numbers / sizeof special_numbers[0])

static double gen_number(void)
{
    uint64_t bits;
    double d;

    switch (rnd(6)) {
    case 0:
        return special_numbers[rnd(N_SPECIAL)];
    case 1:
        return (double)((int64_t)rnd(2001) - 1000);
    case 2:
        return ((double)rnd(1u << 20) - (1u << 19)) / (double)(1u << rnd(20));
    case 3:
        d = nextafter(special_numbers[rnd(N_SPECIAL)], rnd(2) ? INFINITY : -INFINITY);
        return isfinite(d) ? d : DBL_MAX;   /* DBL_MAX's upper neighbour is infinity */
    case 4:
        return (double)((int64_t)rnd(1000) - 500) + 9007199254740992.0 * (rnd(2) ? 1 : -1);
    default:
        do {
            bits = rng_next();
            memcpy(&d, &bits, sizeof d);
        } while (!isfinite(d));
        return d;
    }
}

/* Pieces drawn from a small alphabet, so that pairs are often equal or prefixes of each other:
 * NUL (escaped), 0x01, 0xFF (a raw byte the escape also uses), ASCII, 2- and 4-byte UTF-8. */
static const char *const pieces[] = {"\0", "\x01", "\xff", "a", "b", "z", "\xc3\xa9",
                                     "\xf0\x9f\x98\x80"};
static const size_t piece_len[] = {1, 1, 1, 1, 1, 1, 2, 4};

static void append_piece(tval *v)
{
    size_t k = rnd(sizeof pieces / sizeof pieces[0]);
    char *p = realloc(v->str, v->len + piece_len[k] + 1);

    CHECK(p != NULL);
    memcpy(p + v->len, pieces[k], piece_len[k]);
    v->str = p;
    v->len += piece_len[k];
}

static void gen_string(tval *v)
{
    size_t i;
    size_t n;

    v->type = TV_STRING;
    v->str = xmalloc(1);
    v->len = 0;
    if (rnd(8) == 0) {
        n = rnd(40);
        free(v->str);
        v->str = xmalloc(n);
        for (i = 0; i < n; i++)
            v->str[i] = (char)rng_next();
        v->len = n;
        return;
    }
    n = rnd(5);
    for (i = 0; i < n; i++)
        append_piece(v);
}

static void gen_value(tval *v, int depth);

static void gen_of_type(tval *v, int type, int depth)
{
    size_t i;

    memset(v, 0, sizeof *v);
    v->type = type;
    if (type == TV_NUMBER) {
        v->num = gen_number();
    } else if (type == TV_STRING) {
        gen_string(v);
    } else if (type == TV_ARRAY) {
        v->n = depth < 3 ? rnd(5) : 0;
        v->items = xmalloc(v->n * sizeof *v->items);
        for (i = 0; i < v->n; i++)
            gen_value(&v->items[i], depth + 1);
    }
}

static void gen_value(tval *v, int depth)
{
    static const int weights[] = {TV_NULL, TV_FALSE, TV_TRUE, TV_NUMBER, TV_NUMBER, TV_NUMBER,
                                  TV_STRING, TV_STRING, TV_STRING, TV_ARRAY, TV_ARRAY};

    gen_of_type(v, weights[rnd(sizeof weights / sizeof weights[0])], depth);
}

/* A value near `src`: a neighbour number, a prefix or extension of a string, an array with an
 * element dropped, added or changed. Exercises the comparisons where encodings share a prefix. */
static void gen_near(tval *v, const tval *src, int depth)
{
    size_t i;
    tval *grown;

    tval_copy(v, src);
    switch (src->type) {
    case TV_NUMBER:
        v->num = rnd(3) ? nextafter(v->num, rnd(2) ? INFINITY : -INFINITY) : -v->num;
        if (!isfinite(v->num))
            v->num = 0;
        break;
    case TV_STRING:
        if (rnd(2) && v->len > 0)
            v->len = rnd(v->len);
        else if (rnd(2) && v->len > 0)
            v->str[rnd(v->len)] = (char)rng_next();
        else
            append_piece(v);
        break;
    case TV_ARRAY:
        if (rnd(3) == 0 && v->n > 0) {
            tval_free(&v->items[--v->n]);
        } else if (rnd(2) == 0 && v->n > 0) {
            i = rnd(v->n);
            tval copy = v->items[i];
            gen_near(&v->items[i], &copy, depth + 1);
            tval_free(&copy);
        } else {
            grown = realloc(v->items, (v->n + 1) * sizeof *grown);
            CHECK(grown != NULL);
            v->items = grown;
            gen_value(&v->items[v->n++], depth + 1);
        }
        break;
    default:
        tval_free(v);
        gen_of_type(v, (int)rnd(3), depth);
    }
}

/* The oracle: the order keycodec.h promises, written from the values, not the bytes. */
static int ref_cmp(const tval *a, const tval *b)
{
    size_t i;
    size_t n;
    int c;

    if (a->type != b->type)
        return a->type < b->type ? -1 : 1;
    switch (a->type) {
    case TV_NUMBER:
        return (a->num > b->num) - (a->num < b->num);
    case TV_STRING:
        n = a->len < b->len ? a->len : b->len;
        c = n ? memcmp(a->str, b->str, n) : 0;
        if (c != 0)
            return c < 0 ? -1 : 1;
        return (a->len > b->len) - (a->len < b->len);
    case TV_ARRAY:
        for (i = 0; i < a->n && i < b->n; i++) {
            c = ref_cmp(&a->items[i], &b->items[i]);
            if (c != 0)
                return c;
        }
        return (a->n > b->n) - (a->n < b->n);
    default:
        return 0;
    }
}

static int bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;

    if (c != 0)
        return c < 0 ? -1 : 1;
    return (an > bn) - (an < bn);
}

/* Encodes through the low-level calls, which (unlike cJSON) can carry NUL bytes. */
static void tval_encode(harper__buf *out, const tval *v)
{
    size_t i;

    switch (v->type) {
    case TV_NULL:
        harper__buf_byte(out, HARPER__KEY_NULL);
        break;
    case TV_FALSE:
        harper__buf_byte(out, HARPER__KEY_FALSE);
        break;
    case TV_TRUE:
        harper__buf_byte(out, HARPER__KEY_TRUE);
        break;
    case TV_NUMBER:
        harper__key_encode_number(out, v->num);
        break;
    case TV_STRING:
        harper__key_encode_string(out, v->str, v->len);
        break;
    default:
        harper__buf_byte(out, HARPER__KEY_ARRAY);
        for (i = 0; i < v->n; i++)
            tval_encode(out, &v->items[i]);
        harper__buf_byte(out, 0x00);
    }
}

/* The same value as cJSON, or NULL if it holds a string with a NUL (not representable). */
static cJSON *tval_to_cjson(const tval *v)
{
    cJSON *j;
    cJSON *item;
    char *text;
    size_t i;

    switch (v->type) {
    case TV_NULL:
        return cJSON_CreateNull();
    case TV_FALSE:
        return cJSON_CreateFalse();
    case TV_TRUE:
        return cJSON_CreateTrue();
    case TV_NUMBER:
        return cJSON_CreateNumber(v->num);
    case TV_STRING:
        if (memchr(v->str, '\0', v->len) != NULL)
            return NULL;
        text = xmalloc(v->len + 1);
        memcpy(text, v->str, v->len);
        text[v->len] = '\0';
        j = cJSON_CreateString(text);
        free(text);
        return j;
    default:
        j = cJSON_CreateArray();
        for (i = 0; i < v->n; i++) {
            item = tval_to_cjson(&v->items[i]);
            if (item == NULL) {
                cJSON_Delete(j);
                return NULL;
            }
            cJSON_AddItemToArray(j, item);
        }
        return j;
    }
}

/* Exact equality of a decoded cJSON with `v`: numbers bit for bit, -0 having become 0. */
static int tval_equals_cjson(const tval *v, const cJSON *j)
{
    const cJSON *item;
    double want;
    size_t i = 0;

    switch (v->type) {
    case TV_NULL:
        return cJSON_IsNull(j);
    case TV_FALSE:
        return cJSON_IsFalse(j);
    case TV_TRUE:
        return cJSON_IsTrue(j);
    case TV_NUMBER:
        want = v->num == 0 ? 0.0 : v->num;
        return cJSON_IsNumber(j) && memcmp(&want, &j->valuedouble, sizeof want) == 0;
    case TV_STRING:
        return cJSON_IsString(j) && strlen(j->valuestring) == v->len &&
               memcmp(j->valuestring, v->str, v->len) == 0;
    default:
        if (!cJSON_IsArray(j) || (size_t)cJSON_GetArraySize(j) != v->n)
            return 0;
        cJSON_ArrayForEach(item, j) {
            if (!tval_equals_cjson(&v->items[i++], item))
                return 0;
        }
        return 1;
    }
}

/* A primary key for composite (value ++ pk) keys: a number or a string. */
static void gen_pk(tval *v)
{
    gen_of_type(v, rnd(2) ? TV_NUMBER : TV_STRING, 0);
}

/* Copies bytes into a block of exactly n bytes, so ASan reports any read past the end. */
static uint8_t *exact_copy(const void *p, size_t n)
{
    uint8_t *q = xmalloc(n);

    if (n > 0)
        memcpy(q, p, n);
    return q;
}

/* The invariants that hold for any bytes: skip stays in bounds, decode fails exactly when skip
 * does, and a decoded value re-encodes to exactly the bytes it came from. */
static void check_any_bytes(const uint8_t *p, size_t n)
{
    harper__buf re = HARPER__BUF_INIT;
    uint8_t *copy = exact_copy(p, n);
    cJSON *v = NULL;
    size_t used = 0;
    size_t len = harper__key_skip(copy, n);
    int rc = harper__key_decode(copy, n, &used, &v);

    CHECK(len <= n);
    if (len == 0) {
        CHECK_EQ_INT(rc, HARPER_ECORRUPT);
    } else if (rc == HARPER_OK) {
        CHECK_EQ_INT(used, len);
        CHECK_OK(harper__key_encode(&re, v), NO_ERR);
        CHECK(re.len == len && memcmp(re.data, copy, len) == 0);
    } else {
        CHECK_EQ_INT(rc, HARPER_EINVAL);    /* well formed, with a NUL in a string */
    }
    cJSON_Delete(v);
    harper__buf_free(&re);
    free(copy);
}

/* ---------------------------------------------------------------------------------------------
 * Tests
 */

/* memcmp order of encodings is the reference order, alone and as value ++ pk; skip finds
 * exactly each encoding's end; representable values round-trip exactly. */
TEST(keycodec_order_property)
{
    harper__buf ea = HARPER__BUF_INIT;
    harper__buf eb = HARPER__BUF_INIT;
    harper__buf ej = HARPER__BUF_INIT;
    harper__buf prefix = HARPER__BUF_INIT;
    size_t len_a;
    size_t len_b;
    size_t used;
    int iter;
    int want;
    int starts;
    cJSON *j;
    cJSON *back;

    rng_seed();
    for (iter = 0; iter < 20000; iter++) {
        tval a;
        tval b;
        tval pa;
        tval pb;

        gen_value(&a, 0);
        switch (rnd(6)) {
        case 0:
            tval_copy(&b, &a);
            break;
        case 1:
        case 2:
            gen_near(&b, &a, 0);
            break;
        case 3:
            gen_of_type(&b, a.type, 0);
            break;
        default:
            gen_value(&b, 0);
        }
        gen_pk(&pa);
        if (rnd(2))
            tval_copy(&pb, &pa);
        else
            gen_pk(&pb);

        harper__buf_reset(&ea);
        harper__buf_reset(&eb);
        tval_encode(&ea, &a);
        tval_encode(&eb, &b);
        CHECK(!ea.failed && !eb.failed);
        len_a = ea.len;
        len_b = eb.len;
        want = ref_cmp(&a, &b);
        if (bytes_cmp(ea.data, len_a, eb.data, len_b) != want)
            test_fail(__FILE__, __LINE__, "iteration %d: memcmp order is not %d", iter, want);
        CHECK_EQ_INT(harper__key_skip((const uint8_t *)ea.data, len_a), len_a);

        /* Composite keys: the pk decides only between equal values. */
        tval_encode(&ea, &pa);
        tval_encode(&eb, &pb);
        if (want == 0)
            want = ref_cmp(&pa, &pb);
        if (bytes_cmp(ea.data, ea.len, eb.data, eb.len) != want)
            test_fail(__FILE__, __LINE__, "iteration %d: composite order is not %d", iter, want);
        CHECK_EQ_INT(harper__key_skip((const uint8_t *)ea.data, ea.len), len_a);
        CHECK_EQ_INT(harper__key_skip((const uint8_t *)ea.data + len_a, ea.len - len_a),
                     ea.len - len_a);

        /* The cJSON path writes the same bytes, and decoding gives the value back. */
        j = tval_to_cjson(&a);
        back = NULL;
        if (j != NULL) {
            harper__buf_reset(&ej);
            CHECK_OK(harper__key_encode(&ej, j), NO_ERR);
            CHECK(ej.len == len_a && memcmp(ej.data, ea.data, len_a) == 0);
            used = 0;
            CHECK_OK(harper__key_decode((const uint8_t *)ea.data, ea.len, &used, &back),
                     NO_ERR);
            CHECK_EQ_INT(used, len_a);
            if (!tval_equals_cjson(&a, back))
                test_fail(__FILE__, __LINE__, "iteration %d: round trip changed the value", iter);
        } else {
            CHECK_EQ_INT(harper__key_decode((const uint8_t *)ea.data, ea.len, &used, &back),
                         HARPER_EINVAL);
            CHECK(back == NULL);
        }
        cJSON_Delete(j);
        cJSON_Delete(back);

        /* starts_with scans: b ++ pk starts with prefix(a) exactly when b starts with a. */
        if (a.type == TV_STRING && b.type == TV_STRING) {
            harper__buf_reset(&prefix);
            harper__key_encode_string_prefix(&prefix, a.str, a.len);
            starts = b.len >= a.len && (a.len == 0 || memcmp(b.str, a.str, a.len) == 0);
            CHECK_EQ_INT(eb.len >= prefix.len && memcmp(eb.data, prefix.data, prefix.len) == 0,
                         starts);
        }
        tval_free(&a);
        tval_free(&b);
        tval_free(&pa);
        tval_free(&pb);
    }
    harper__buf_free(&ea);
    harper__buf_free(&eb);
    harper__buf_free(&ej);
    harper__buf_free(&prefix);
}

/* The exact bytes, so the format cannot drift unnoticed (it is what RocksDB holds on disk). */
TEST(keycodec_known_encodings)
{
    static const struct {
        const char *json;
        const char *hex;
    } cases[] = {
        {"null", "01"},
        {"false", "02"},
        {"true", "03"},
        {"0", "048000000000000000"},
        {"-0", "048000000000000000"},
        {"1", "04bff0000000000000"},
        {"-1", "04400fffffffffffff"},
        {"\"\"", "0500"},
        {"\"ab\"", "05616200"},
        {"[]", "0600"},
        {"[1,\"x\",[null]]", "0604bff00000000000000578000601" "0000"},
    };
    harper__buf out = HARPER__BUF_INIT;
    char hex[128];
    size_t i;
    size_t k;
    cJSON *v;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = cJSON_Parse(cases[i].json);
        CHECK(v != NULL);
        harper__buf_reset(&out);
        CHECK_OK(harper__key_encode(&out, v), NO_ERR);
        for (k = 0; k < out.len && k < 60; k++)
            snprintf(hex + 2 * k, 3, "%02x", (uint8_t)out.data[k]);
        hex[2 * k] = '\0';
        CHECK_EQ_STR(hex, cases[i].hex);
        cJSON_Delete(v);
    }
    /* NUL is escaped as 00 ff; a raw ff stays as it is. */
    harper__buf_reset(&out);
    harper__key_encode_string(&out, "a\0\xff", 3);
    CHECK_EQ_INT(out.len, 6);
    CHECK(memcmp(out.data, "\x05" "a\x00\xff\xff\x00", 6) == 0);
    harper__buf_reset(&out);
    harper__key_encode_string(&out, NULL, 0);
    CHECK(out.len == 2 && memcmp(out.data, "\x05\x00", 2) == 0);
    harper__buf_reset(&out);
    harper__key_encode_string_prefix(&out, "a\0", 2);
    CHECK_EQ_INT(out.len, 4);
    CHECK(memcmp(out.data, "\x05" "a\x00\xff", 4) == 0);
    harper__buf_free(&out);
}

/* Every truncation of a valid encoding is rejected, except a top-level string cut just after
 * the 00 of an escaped NUL: those bytes are themselves the complete encoding of a shorter
 * string, which no decoder could tell apart. */
TEST(keycodec_truncations)
{
    harper__buf enc = HARPER__BUF_INIT;
    uint8_t *copy;
    size_t got;
    size_t k;
    int iter;
    int is_escape_cut;
    tval v;

    rng_seed();
    for (iter = 0; iter < 3000; iter++) {
        gen_value(&v, 0);
        harper__buf_reset(&enc);
        tval_encode(&enc, &v);
        for (k = 0; k < enc.len; k++) {
            copy = exact_copy(enc.data, k);
            got = harper__key_skip(copy, k);
            is_escape_cut = v.type == TV_STRING && k >= 2 && copy[k - 1] == 0x00 &&
                            (uint8_t)enc.data[k] == 0xFF;
            if (is_escape_cut)
                CHECK_EQ_INT(got, k);
            else if (got != 0)
                test_fail(__FILE__, __LINE__, "iteration %d: truncation to %zu of %zu bytes "
                          "parsed as %zu bytes", iter, k, enc.len, got);
            free(copy);
            check_any_bytes((const uint8_t *)enc.data, k);
        }
        tval_free(&v);
    }
    harper__buf_free(&enc);
}

/* Hostile bytes: random ones drawn mostly from tags, terminators and escapes, and valid
 * encodings with a byte changed, inserted or deleted. None may crash or read out of bounds. */
TEST(keycodec_random_bytes)
{
    static const uint8_t alphabet[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x06, 0xff, 'a'};
    harper__buf enc = HARPER__BUF_INIT;
    uint8_t buf[64];
    size_t n;
    size_t i;
    int iter;
    tval v;

    rng_seed();
    for (iter = 0; iter < 50000; iter++) {
        n = rnd(33);
        for (i = 0; i < n; i++)
            buf[i] = rnd(4) ? alphabet[rnd(sizeof alphabet)] : (uint8_t)rng_next();
        check_any_bytes(buf, n);
    }
    for (iter = 0; iter < 20000; iter++) {
        gen_value(&v, 0);
        harper__buf_reset(&enc);
        tval_encode(&enc, &v);
        i = rnd(enc.len);
        switch (rnd(3)) {
        case 0:
            enc.data[i] = (char)(rnd(2) ? alphabet[rnd(sizeof alphabet)] : rng_next());
            break;
        case 1:
            memmove(enc.data + i, enc.data + i + 1, enc.len - i - 1);
            enc.len--;
            break;
        default:
            harper__buf_byte(&enc, 0);
            memmove(enc.data + i + 1, enc.data + i, enc.len - i - 1);
            enc.data[i] = (char)alphabet[rnd(sizeof alphabet)];
        }
        check_any_bytes((const uint8_t *)enc.data, enc.len);
        tval_free(&v);
    }
    harper__buf_free(&enc);
}

/* Each way an encoding can be broken, one case each, including the numbers the encoder never
 * writes: both are HARPER_ECORRUPT, and decode leaves *out alone. */
TEST(keycodec_malformed)
{
    static const struct {
        const char *bytes;
        size_t len;
    } bad[] = {
        {"", 0},
        {"\x00", 1},                                    /* terminator where a tag belongs */
        {"\x07", 1},                                    /* unknown tags */
        {"\xff", 1},
        {"\x04\x80\x00\x00\x00\x00\x00\x00", 8},        /* number one byte short */
        {"\x04\x7f\xff\xff\xff\xff\xff\xff\xff", 9},    /* -0 */
        {"\x04\xff\xf0\x00\x00\x00\x00\x00\x00", 9},    /* +infinity */
        {"\x04\x00\x0f\xff\xff\xff\xff\xff\xff", 9},    /* -infinity */
        {"\x04\xff\xf8\x00\x00\x00\x00\x00\x00", 9},    /* NaN */
        {"\x04\x00\x00\x00\x00\x00\x00\x00\x00", 9},    /* negative NaN */
        {"\x05" "abc", 4},                              /* unterminated string */
        {"\x05" "a\x00\xff", 4},                        /* ends inside an escape */
        {"\x06", 1},                                    /* unterminated arrays */
        {"\x06\x01\x02", 3},
        {"\x06\x05" "a\x00", 4},
        {"\x06\x07\x00", 3},                            /* bad element */
        {"\x06\x05" "a\x00\xff\x00", 6},                /* array cut after an escaped NUL */
    };
    cJSON *v = NULL;
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint8_t *copy = exact_copy(bad[i].bytes, bad[i].len);

        if (harper__key_skip(copy, bad[i].len) != 0)
            test_fail(__FILE__, __LINE__, "case %zu was accepted", i);
        CHECK_EQ_INT(harper__key_decode(copy, bad[i].len, NULL, &v), HARPER_ECORRUPT);
        CHECK(v == NULL);
        free(copy);
    }
    CHECK_EQ_INT(harper__key_skip(NULL, 5), 0);
    /* -DBL_MAX and DBL_MAX, whose encodings border those of -infinity and +infinity, pass. */
    CHECK_EQ_INT(harper__key_skip((const uint8_t *)"\x04\x00\x10\x00\x00\x00\x00\x00\x00", 9), 9);
    CHECK_EQ_INT(harper__key_skip((const uint8_t *)"\x04\xff\xef\xff\xff\xff\xff\xff\xff", 9), 9);
    /* A string with a NUL is well formed: skip takes it, decode cannot represent it. */
    CHECK_EQ_INT(harper__key_skip((const uint8_t *)"\x05" "a\x00\xff\x00", 5), 5);
    CHECK_EQ_INT(harper__key_decode((const uint8_t *)"\x05" "a\x00\xff\x00", 5, NULL, &v),
                 HARPER_EINVAL);
    CHECK(v == NULL);
}

/* Arrays nest HARPER__KEY_MAX_DEPTH deep and no deeper, in the encoder and the decoder. */
TEST(keycodec_depth_limit)
{
    harper__buf out = HARPER__BUF_INIT;
    uint8_t bytes[2 * (HARPER__KEY_MAX_DEPTH + 1) + 1];
    cJSON *v = cJSON_CreateArray();
    cJSON *inner = v;
    cJSON *back = NULL;
    size_t used = 0;
    int depth;

    for (depth = 1; depth < HARPER__KEY_MAX_DEPTH; depth++) {
        cJSON *next = cJSON_CreateArray();

        cJSON_AddItemToArray(inner, next);
        inner = next;
    }
    cJSON_AddItemToArray(inner, cJSON_CreateNumber(7));
    CHECK_OK(harper__key_encode(&out, v), NO_ERR);
    CHECK_EQ_INT(out.len, 2 * HARPER__KEY_MAX_DEPTH + 9);
    CHECK_EQ_INT(harper__key_skip((const uint8_t *)out.data, out.len), out.len);
    CHECK_OK(harper__key_decode((const uint8_t *)out.data, out.len, &used, &back),
             NO_ERR);
    CHECK_EQ_INT(used, out.len);
    CHECK(cJSON_Compare(v, back, 1));
    cJSON_Delete(back);

    /* One level more: refused, and `out` keeps what it had. */
    cJSON_AddItemToArray(inner, cJSON_CreateArray());
    CHECK_EQ_INT(harper__key_encode(&out, v), HARPER_EINVAL);
    CHECK_EQ_INT(out.len, 2 * HARPER__KEY_MAX_DEPTH + 9);

    memset(bytes, HARPER__KEY_ARRAY, HARPER__KEY_MAX_DEPTH + 1);
    memset(bytes + HARPER__KEY_MAX_DEPTH + 1, 0x00, HARPER__KEY_MAX_DEPTH + 2);
    CHECK_EQ_INT(harper__key_skip(bytes + 1, 2 * HARPER__KEY_MAX_DEPTH), 2 * HARPER__KEY_MAX_DEPTH);
    CHECK_EQ_INT(harper__key_skip(bytes, 2 * HARPER__KEY_MAX_DEPTH + 2), 0);
    CHECK_EQ_INT(harper__key_decode(bytes, 2 * HARPER__KEY_MAX_DEPTH + 2, NULL, &back),
                 HARPER_ECORRUPT);
    cJSON_Delete(v);
    harper__buf_free(&out);
}

TEST(keycodec_encode_rejects)
{
    static const char *const bad[] = {"{}", "{\"a\":1}", "[1,{}]", "[[[{\"x\":[]}]]]"};
    harper__buf out = HARPER__BUF_INIT;
    cJSON *v;
    size_t i;

    harper__buf_str(&out, "kept");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = cJSON_Parse(bad[i]);
        CHECK(v != NULL);
        CHECK_EQ_INT(harper__key_encode(&out, v), HARPER_EINVAL);
        CHECK_EQ_INT(out.len, 4);
        cJSON_Delete(v);
    }
    v = cJSON_CreateNumber(NAN);
    CHECK_EQ_INT(harper__key_encode(&out, v), HARPER_EINVAL);
    cJSON_Delete(v);
    v = cJSON_Parse("[1, 1e999]");     /* cJSON reads an overflow as infinity */
    CHECK(v != NULL);
    CHECK_EQ_INT(harper__key_encode(&out, v), HARPER_EINVAL);
    cJSON_Delete(v);
    CHECK_EQ_INT(harper__key_encode(&out, NULL), HARPER_EINVAL);
    CHECK_EQ_INT(out.len, 4);
    CHECK(memcmp(out.data, "kept", 4) == 0);
    harper__buf_free(&out);
}

/* Harper's primary key rules, with its exact messages; a refused key appends nothing. */
TEST(keycodec_pk_rules)
{
    static const struct {
        const char *json;
        const char *msg;    /* NULL: accepted */
    } cases[] = {
        {"null", "Invalid primary key of null"},
        {"true", "Invalid primary key type: boolean"},
        {"false", "Invalid primary key type: boolean"},
        {"{\"id\":1}", "Invalid primary key type: object"},
        {"[1,null]", "Invalid primary key of null"},
        {"[\"a\",[true]]", "Invalid primary key type: boolean"},
        {"[{}]", "Invalid primary key type: object"},
        {"1e999", "Invalid primary key: numbers must be finite"},
        {"7", NULL},
        {"-0.5", NULL},
        {"\"\"", NULL},
        {"\"abc\"", NULL},
        {"[]", NULL},
        {"[1,\"a\",[2,[\"b\"]]]", NULL},
    };
    harper__buf out = HARPER__BUF_INIT;
    harper__buf plain = HARPER__BUF_INIT;
    char msg[128];
    size_t i;
    cJSON *v;
    cJSON *innermost;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        v = cJSON_Parse(cases[i].json);
        CHECK(v != NULL);
        harper__buf_reset(&out);
        harper__buf_str(&out, "p");
        strcpy(msg, "untouched");
        if (cases[i].msg != NULL) {
            CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_EINVAL);
            CHECK_EQ_STR(msg, cases[i].msg);
            CHECK_EQ_INT(out.len, 1);
            CHECK_EQ_INT(harper__key_encode_pk(&out, v, NULL, 0), HARPER_EINVAL);
        } else {
            CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_OK);
            CHECK_EQ_STR(msg, "untouched");
            harper__buf_reset(&plain);
            CHECK_OK(harper__key_encode(&plain, v), NO_ERR);
            CHECK(out.len == plain.len + 1 && memcmp(out.data + 1, plain.data, plain.len) == 0);
        }
        cJSON_Delete(v);
    }
    CHECK_EQ_INT(harper__key_encode_pk(&out, NULL, msg, sizeof msg), HARPER_EINVAL);
    CHECK_EQ_STR(msg, "Invalid primary key of null");
    /* Composite keys nest as deep as any encoding, no deeper. */
    innermost = cJSON_CreateArray();
    cJSON_AddItemToArray(innermost, cJSON_CreateString("leaf"));
    v = innermost;
    for (i = 1; i < HARPER__KEY_MAX_DEPTH; i++) {
        cJSON *outer = cJSON_CreateArray();

        cJSON_AddItemToArray(outer, v);
        v = outer;
    }
    harper__buf_reset(&out);
    CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_OK);
    CHECK_EQ_INT(out.len, 2 * HARPER__KEY_MAX_DEPTH + 6);
    cJSON_AddItemToArray(innermost, cJSON_CreateArray());
    CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_EINVAL);
    CHECK_EQ_STR(msg, "Invalid primary key: arrays nested too deeply");
    CHECK_EQ_INT(out.len, 2 * HARPER__KEY_MAX_DEPTH + 6);
    cJSON_Delete(v);
    /* A message longer than the caller's space is cut, still NUL-terminated. */
    v = cJSON_CreateTrue();
    CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, 8), HARPER_EINVAL);
    CHECK_EQ_STR(msg, "Invalid");
    cJSON_Delete(v);
    harper__buf_free(&out);
    harper__buf_free(&plain);
}

/* The limit is on encoded bytes: tag, escaped content and terminator. */
TEST(keycodec_pk_size_limit)
{
    harper__buf out = HARPER__BUF_INIT;
    char text[HARPER__KEY_MAX_PK + 8];
    char msg[128];
    cJSON *v;

    memset(text, 'k', sizeof text);
    text[HARPER__KEY_MAX_PK - 2] = '\0';           /* 1 + 1976 + 1 = 1978 bytes: allowed */
    v = cJSON_CreateString(text);
    CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_OK);
    CHECK_EQ_INT(out.len, HARPER__KEY_MAX_PK);
    cJSON_Delete(v);

    text[HARPER__KEY_MAX_PK - 2] = 'k';            /* 1979 bytes */
    text[HARPER__KEY_MAX_PK - 1] = '\0';
    v = cJSON_CreateString(text);
    CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_EINVAL);
    CHECK_EQ_STR(msg, "Primary key size is too large: 1979");
    CHECK_EQ_INT(out.len, HARPER__KEY_MAX_PK);
    cJSON_Delete(v);

    /* A composite key counts its framing: ["k" * 1974] is 1 + 1976 + 1 = 1978 bytes. */
    text[HARPER__KEY_MAX_PK - 4] = '\0';
    v = cJSON_CreateArray();
    cJSON_AddItemToArray(v, cJSON_CreateString(text));
    harper__buf_reset(&out);
    CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_OK);
    CHECK_EQ_INT(out.len, HARPER__KEY_MAX_PK);
    cJSON_AddItemToArray(v, cJSON_CreateNumber(1));
    CHECK_EQ_INT(harper__key_encode_pk(&out, v, msg, sizeof msg), HARPER_EINVAL);
    CHECK_EQ_STR(msg, "Primary key size is too large: 1987");
    CHECK_EQ_INT(out.len, HARPER__KEY_MAX_PK);
    cJSON_Delete(v);
    harper__buf_free(&out);
}
