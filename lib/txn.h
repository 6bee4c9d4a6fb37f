/* txn.h: the write path's entry for callers that already hold the record as a tree (the
 * Operations API parses a whole request once), so it is not printed and parsed again. */
#ifndef HARPER_TXN_H
#define HARPER_TXN_H

#include <cjson/cJSON.h>

#include "harper.h"

/* harper_txn_write with the record as a tree, which it takes over (deletes), also on
 * failure. */
int harper__txn_write_tree(harper_txn *txn, harper_table *t, int kind, const char *key,
                           size_t key_len, cJSON *rec, char **key_out, size_t *key_out_len,
                           harper_error *err);

/* Adds a message about record id (JSON) to the transaction: an audit entry (operation
 * "message") when the table keeps an audit log, and an event for subscribers; no record is
 * written. */
int harper__txn_message(harper_txn *txn, harper_table *t, const char *id, size_t id_len,
                        const char *msg, size_t len, harper_error *err);

#endif
