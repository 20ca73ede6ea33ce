/*
 * gardens_int.h: helpers shared by the garden sources of the store (gardens.c, ideas.c,
 * experiments.c, ledger.c) and by alerts.c and auth.c (sg_step_id); not for other layers.
 */
#ifndef CXG_STORE_GARDENS_INT_H
#define CXG_STORE_GARDENS_INT_H

#include <stdint.h>

#include "store/store_gardens.h"
#include "store/store_int.h"

/*
 * Run an INSERT ... RETURNING id (both backends run it): the new row's id in *id, 0 when the
 * statement inserted no row (INSERT ... SELECT that matched nothing, ON CONFLICT DO NOTHING).
 */
enum cxg_err sg_step_id(struct store *s, struct sdb_stmt *st, const char *what, int64_t *id,
                        struct cxg_error *err) CXG_WUR;
/* One integer from a prepared statement with its bindings set; *found = 0 when no row. */
enum cxg_err sg_step_int(struct store *s, struct sdb_stmt *st, const char *what, int64_t *out,
                         int *found, struct cxg_error *err) CXG_WUR;
/* One integer from a statement with one int64 parameter (sql), via sg_step_int. */
enum cxg_err sg_int_by_id(struct store *s, const char *sql, int64_t id, const char *what,
                          int64_t *out, int *found, struct cxg_error *err) CXG_WUR;
/* Column i as an id, 0 for NULL. */
int64_t sg_col_id(struct sdb_stmt *st, int i);
/* Bind id, or NULL for 0. */
int sg_bind_id(struct sdb_stmt *st, int i, int64_t id);
/* parse(s) for a NUL-terminated s, -1 for NULL. */
int sg_parse_name(int (*parse)(const char *, size_t), const char *s);
/* Run one statement with up to two int64 parameters (a, b) that returns no rows. */
enum cxg_err sg_exec_ids(struct store *s, const char *sql, int64_t a, int64_t b, const char *what,
                         struct cxg_error *err) CXG_WUR;

#endif
