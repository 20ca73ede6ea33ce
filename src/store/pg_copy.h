/*
 * pg_copy.h: PostgreSQL's bulk paths (COPY, text format): the interaction batch insert of
 * store_put_interactions, the interaction scans of the engine's snapshot load
 * (COPY (SELECT ...) TO STDOUT, parsed without a PGresult per row) and migrate's table copy.
 * PostgreSQL handles only (s->pg); src/store/ only.
 */
#ifndef CXG_STORE_PG_COPY_H
#define CXG_STORE_PG_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "store/db.h"
#include "store/store.h"

/* Rows of text buffered before they are sent to the server. */
#define STORE_PG_COPY_FLUSH (256u * 1024u)

struct store_pg_copy;

/*
 * Start COPY table(cols) FROM STDIN on s (cols: "a, b, c"), inside the caller's transaction.
 * Every started copy ends with store_pg_copy_end or store_pg_copy_abort.
 */
enum cxg_err store_pg_copy_begin(struct store *s, const char *table, const char *cols,
                                 struct store_pg_copy **out, struct cxg_error *err) CXG_WUR;
/* Append the current row of st (its first ncols columns, types kept) as one COPY row. */
enum cxg_err store_pg_copy_stmt_row(struct store_pg_copy *c, struct sdb_stmt *st, int ncols,
                                    struct cxg_error *err) CXG_WUR;
/* Finish: the server checks and stores the rows; *rows (may be NULL) the count it took. */
enum cxg_err store_pg_copy_end(struct store_pg_copy *c, int64_t *rows,
                               struct cxg_error *err) CXG_WUR;
/* Give up (the server discards the rows; the transaction is then aborted). */
void store_pg_copy_abort(struct store_pg_copy *c);

/*
 * Insert k checked interactions without external id through one COPY with ids reserved from
 * the identity sequence (the caller holds the writer lock: store_begin), and note the range
 * in the change log. On failure *bad is the index of the row concerned (0 when unknown).
 */
enum cxg_err store_pg_copy_interactions(struct store *s, const struct store_interaction *rows,
                                        size_t k, size_t *bad, struct cxg_error *err) CXG_WUR;

/* store_scan_interactions(_range) on PostgreSQL: the rows with lo <= id <= hi by COPY TO. */
enum cxg_err store_pg_scan_interactions(struct store *s, int64_t lo, int64_t hi,
                                        store_interaction_cb cb, void *ctx,
                                        struct cxg_error *err) CXG_WUR;

/*
 * The rows with id >= lo of the accounts whose shard_key % n is in list (shard numbers,
 * comma-separated, at least one), by COPY TO, in id order (store_scan_interactions_shards).
 */
enum cxg_err store_pg_scan_interactions_shards(struct store *s, int64_t lo, uint32_t n,
                                               const char *list, store_interaction_cb cb, void *ctx,
                                               struct cxg_error *err) CXG_WUR;

#endif
