/* test.h: what a test file needs. A test is `TEST(name) { ... }` at the start of a line in
 * test/test_<module>.c; the Makefile lists each as TEST_ENTRY(name) in the generated
 * build/gen/test_list.h. runner.c runs each in its own process with a fresh temporary folder
 * (test_dir()), so a crash fails that test only. A failed check prints both sides and ends
 * the test. A test calls test_skip("why") when it cannot run here. */
#ifndef HARPER_TEST_H
#define HARPER_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harper.h"

#define TEST(name) void test_##name(void)

/* The test's own temporary folder (exists, empty at start, removed on pass). */
const char *test_dir(void);
/* <test dir>/<rel>, in one of four static buffers (so one call may take two of them). */
const char *test_path(const char *rel);
/* Writes text to <test dir>/<rel>, making its folders; fails the test when it cannot. */
void test_write_file(const char *rel, const char *text);
/* Marks the test skipped and ends it. */
void test_skip(const char *why) __attribute__((noreturn));
void test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));

#define CHECK(cond)                                                   \
    do {                                                              \
        if (!(cond))                                                  \
            test_fail(__FILE__, __LINE__, "CHECK(%s) failed", #cond); \
    } while (0)

#define CHECK_EQ_INT(got, want)                                                              \
    do {                                                                                     \
        long long got_ = (long long)(got), want_ = (long long)(want);                        \
        if (got_ != want_)                                                                   \
            test_fail(__FILE__, __LINE__, "%s == %lld, want %s == %lld", #got, got_, #want,  \
                      want_);                                                                \
    } while (0)

#define CHECK_EQ_STR(got, want)                                                              \
    do {                                                                                     \
        const char *got_ = (got), *want_ = (want);                                           \
        if (got_ == NULL || want_ == NULL || strcmp(got_, want_) != 0)                       \
            test_fail(__FILE__, __LINE__, "%s == \"%s\", want \"%s\"", #got,                 \
                      got_ ? got_ : "(null)", want_ ? want_ : "(null)");                     \
    } while (0)

/* Compares got[0..got_len) with the NUL-terminated `want`. */
#define CHECK_EQ_MEM(got, got_len, want)                                                     \
    do {                                                                                     \
        const char *got_ = (const char *)(got), *want_ = (want);                             \
        size_t got_len_ = (got_len);                                                         \
        if (got_ == NULL || got_len_ != strlen(want_) || memcmp(got_, want_, got_len_) != 0) \
            test_fail(__FILE__, __LINE__, "%s == \"%.*s\", want \"%s\"", #got,               \
                      got_ ? (int)got_len_ : 6, got_ ? got_ : "(null)", want_);              \
    } while (0)

/* The message of an error that may be NULL (a function, so that `&err` raises no warning). */
static inline const char *test_message(const harper_error *e)
{
    return e != NULL ? e->message : "";
}

/* A libharper call that must succeed; prints the error message if not. */
#define CHECK_OK(rc, errp)                                                                   \
    do {                                                                                     \
        int rc_ = (rc);                                                                      \
        if (rc_ != HARPER_OK)                                                                \
            test_fail(__FILE__, __LINE__, "%s returned %d (%s): %s", #rc, rc_,               \
                      harper_strerror(rc_), test_message(errp));                  \
    } while (0)

/* A libharper call that must fail with `code` and a message equal to `msg` (NULL: any). */
#define CHECK_ERR(rc, code, errp, msg)                                                       \
    do {                                                                                     \
        int rc_ = (rc);                                                                      \
        const char *msg_ = (msg);                                                            \
        if (rc_ != (code))                                                                   \
            test_fail(__FILE__, __LINE__, "%s returned %d (%s), want %s", #rc, rc_,          \
                      harper_strerror(rc_), #code);                                          \
        if (msg_ != NULL && strcmp((errp)->message, msg_) != 0)                              \
            test_fail(__FILE__, __LINE__, "%s message \"%s\", want \"%s\"", #rc,             \
                      (errp)->message, msg_);                                                \
    } while (0)

#define TEST_ENTRY(name) TEST(name);
#include "test_list.h"
#undef TEST_ENTRY

#endif
