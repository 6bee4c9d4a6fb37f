/* rest_join.h: rows of a select() that names relationships (see rest_join.c). */
#ifndef HARPER_SERVER_REST_JOIN_H
#define HARPER_SERVER_REST_JOIN_H

#include <stdbool.h>

#include "query_url.h"
#include "rest.h"

typedef struct rest_join rest_join;

/* true when the selection `sel` of db.table names a relationship or a nested selection. */
bool rest_join_needed(const struct server *srv, const char *db, const char *table,
                      const harper__qurl_sel *sel);

/* A join for the rows of db.table (primary key `pk`) selected by u->select; takes u. NULL when
 * out of memory (u freed). */
rest_join *rest_join_new(const struct server *srv, const char *db, const char *table,
                         const char *pk, harper__qurl *u);

/* A rest_row_map: writes the selection of one whole record json[0..len) to out. */
int rest_join_row(void *ctx, const char *json, size_t len, harper__buf *out);

/* Releases a join (NULL does nothing); a rest_row_map's free. */
void rest_join_free(void *ctx);

#endif
