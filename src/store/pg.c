/*
 * pg.c: the PostgreSQL backend's handle and statements behind db.h (libpq).
 * PROVISIONAL: the seam only, so the store compiles with the db.h API; the libpq
 * implementation replaces every function here (issue 15, branch pgcore).
 */
#include <string.h>

#include "core/banned.h"
#include "store/store_int.h"

int store_is_pg_url(const char *path)
{
        return strncmp(path, "postgres://", 11) == 0 || strncmp(path, "postgresql://", 13) == 0;
}

enum cxg_err store_pg_open(struct store *s, struct cxg_error *err)
{
        return cxg_error_set(err, CXG_ERR_USAGE, "open %s: PostgreSQL is not built yet", s->path);
}

void store_pg_close(struct store *s) { (void)s; }
int store_pg_prepare(struct store *s, const char *sql, struct sdb_stmt **out) { (void)s; (void)sql; *out = NULL; return SQLITE_MISUSE; }
void store_pg_finalize(struct store_pgstmt *st) { (void)st; }
int store_pg_exec(struct store *s, const char *sql) { (void)s; (void)sql; return SQLITE_MISUSE; }
int64_t store_pg_changes(struct store *s) { (void)s; return 0; }
int store_pg_in_tx(struct store *s) { (void)s; return 0; }
int store_pg_bind_int64(struct store_pgstmt *st, int i, int64_t v) { (void)st; (void)i; (void)v; return SQLITE_MISUSE; }
int store_pg_bind_double(struct store_pgstmt *st, int i, double v) { (void)st; (void)i; (void)v; return SQLITE_MISUSE; }
int store_pg_bind_null(struct store_pgstmt *st, int i) { (void)st; (void)i; return SQLITE_MISUSE; }
int store_pg_bind_text(struct store_pgstmt *st, int i, const char *v, int n) { (void)st; (void)i; (void)v; (void)n; return SQLITE_MISUSE; }
int store_pg_bind_blob(struct store_pgstmt *st, int i, const void *v, int n) { (void)st; (void)i; (void)v; (void)n; return SQLITE_MISUSE; }
int store_pg_bind_parameter_count(struct store_pgstmt *st) { (void)st; return 0; }
int store_pg_step(struct store_pgstmt *st) { (void)st; return SQLITE_MISUSE; }
int store_pg_reset(struct store_pgstmt *st) { (void)st; return SQLITE_OK; }
int64_t store_pg_column_int64(struct store_pgstmt *st, int i) { (void)st; (void)i; return 0; }
double store_pg_column_double(struct store_pgstmt *st, int i) { (void)st; (void)i; return 0; }
const unsigned char *store_pg_column_text(struct store_pgstmt *st, int i) { (void)st; (void)i; return NULL; }
const void *store_pg_column_blob(struct store_pgstmt *st, int i) { (void)st; (void)i; return NULL; }
int store_pg_column_bytes(struct store_pgstmt *st, int i) { (void)st; (void)i; return 0; }
int store_pg_column_type(struct store_pgstmt *st, int i) { (void)st; (void)i; return SQLITE_NULL; }
int store_pg_column_count(struct store_pgstmt *st) { (void)st; return 0; }
