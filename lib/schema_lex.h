/* schema_lex.h: what schema_parse.c needs from schema_lex.c, the tokens of a schema file.
 * Internal to the schema parser: other modules include schema_parse.h. */
#ifndef HARPER_SCHEMA_LEX_H
#define HARPER_SCHEMA_LEX_H

#include <setjmp.h>
#include <stddef.h>

#include "schema_parse.h"

/* graphql-js's TokenKind, comments left out (the lexer skips them). */
typedef enum harper__schema_tok {
    HARPER__TOK_SOF, HARPER__TOK_EOF, HARPER__TOK_BANG, HARPER__TOK_DOLLAR, HARPER__TOK_AMP,
    HARPER__TOK_PAREN_L, HARPER__TOK_PAREN_R, HARPER__TOK_SPREAD, HARPER__TOK_COLON,
    HARPER__TOK_EQUALS, HARPER__TOK_AT, HARPER__TOK_BRACKET_L, HARPER__TOK_BRACKET_R,
    HARPER__TOK_BRACE_L, HARPER__TOK_PIPE, HARPER__TOK_BRACE_R, HARPER__TOK_NAME,
    HARPER__TOK_INT, HARPER__TOK_FLOAT, HARPER__TOK_STRING, HARPER__TOK_BLOCK_STRING
} harper__schema_tok;

typedef struct harper__schema_token {
    harper__schema_tok kind;
    size_t start;           /* byte offset in the text */
    unsigned line, col;
    const char *value;      /* NAME, INT, FLOAT: in the text; STRING, BLOCK_STRING: decoded, in
                               the arena, NUL-terminated; NULL for the others */
    size_t value_len;
} harper__schema_token;

/* A growable array in the arena: growing copies, the old copy stays as waste (at most the
 * final size again), so no pointer to an element is kept across a push. */
typedef struct harper__schema_vec {
    void *items;
    size_t n, cap;
} harper__schema_vec;

/* One parse: the text, the lexer's place in it, the parser's tokens, and the arena. */
typedef struct harper__schema_parser {
    const unsigned char *s;
    size_t len;
    harper__schema_arena *arena;
    size_t pos;             /* where the lexer's next scan starts */
    unsigned line;          /* graphql-js's lexer.line and lexer.lineStart */
    size_t line_start;
    size_t col_pos;         /* column cache: col_units UTF-16 units from line_start to col_pos */
    size_t col_units;
    harper__schema_token tok;       /* the current token */
    harper__schema_token ahead;     /* the next one, when has_ahead */
    int has_ahead;
    unsigned depth;         /* nesting of lists, objects, list types, selection sets */
    harper__schema_vec types;
    harper__schema_vec others;
    jmp_buf fail;           /* where a failure returns to, in harper__schema_parse() */
    int code;               /* HARPER_EINVAL or HARPER_ENOMEM after a failure */
    size_t err_pos;         /* byte offset of a syntax error */
    char text[sizeof ((harper__schema_error *)0)->text];
} harper__schema_parser;

/* graphql-js's getTokenKindDesc(): `"}"`, `Name`, `<EOF>`. */
extern const char *const harper__schema_tok_desc[];

/* Ends the parse with a syntax error at byte `pos`: "Syntax Error: " and the message. */
void harper__schema_fail(harper__schema_parser *p, size_t pos, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
/* Ends the parse with HARPER_ENOMEM. */
void harper__schema_fail_oom(harper__schema_parser *p) __attribute__((noreturn));

harper__schema_arena *harper__schema_arena_new(void);
void harper__schema_arena_free(harper__schema_arena *a);
/* n bytes from p's arena, aligned for any type; never NULL (fails the parse instead). */
void *harper__schema_alloc(harper__schema_parser *p, size_t n);
/* s[0..n) and a NUL, in p's arena. */
char *harper__schema_strndup(harper__schema_parser *p, const char *s, size_t n);
/* Appends a copy of the `size` bytes at item to v. */
void harper__schema_vec_push(harper__schema_parser *p, harper__schema_vec *v, const void *item,
                             size_t size);

/* Fails the parse unless the whole text is UTF-8. Run before the first token. */
void harper__schema_check_utf8(harper__schema_parser *p);
/* graphql-js's readNextToken(): the token after p->pos, skipping blanks, commas, comments. */
void harper__schema_lex(harper__schema_parser *p, harper__schema_token *t);
/* graphql-js's getTokenDesc(), `Name "foo"`, into out (256 bytes); returns out or a constant.
 * A value longer than 200 bytes is cut and ends in "..." so that messages fit. */
const char *harper__schema_token_desc(const harper__schema_token *t, char *out);
/* graphql-js's getLocation(): the line and column of byte `pos`. */
void harper__schema_locate(const harper__schema_parser *p, size_t pos, unsigned *line,
                           unsigned *col);

#endif
