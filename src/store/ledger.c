/*
 * ledger.c: the incentive ledger in the store (store_gardens.h): its entries and the points
 * table. Which action earns which points, and for whom, is decided by the use-case layer.
 */
#include <string.h>

#include "core/banned.h"
#include "store/gardens_int.h"

static enum cxg_err points_of(struct store *s, int kind, int *points, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT points FROM ledger_points WHERE kind = ?", err);
        int64_t v = 0;
        int found;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, model_ledger_kind_name(kind));
        if ((rc = sg_step_int(s, st, "read points table", &v, &found, err)))
                return rc;
        *points = found ? (int)v : model_ledger_default_points(kind);
        return CXG_OK;
}

enum cxg_err store_ledger_add(struct store *s, const struct store_ledger_entry *e, int64_t *id,
                              struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO ledger(at, user_id, person_id, team, garden_id, "
                       "kind, points, cause_type, cause_id, note) VALUES (?, ?, ?, "
                       "?, ?, ?, ?, ?, ?, ?) RETURNING id",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, e->at);
        sg_bind_id(st, 2, e->user_id);
        sg_bind_id(st, 3, e->person_id);
        store_bind_text(st, 4, e->team);
        sg_bind_id(st, 5, e->garden_id);
        store_bind_text(st, 6, model_ledger_kind_name(e->kind));
        sdb_bind_int(st, 7, e->points);
        store_bind_text(st, 8, e->cause_type);
        sg_bind_id(st, 9, e->cause_id);
        store_bind_text(st, 10, e->note);
        return sg_step_id(s, st, "write ledger entry", id, err);
}

enum cxg_err store_ledger_scan(struct store *s, int64_t garden_id, store_ledger_cb cb, void *ctx,
                               struct cxg_error *err)
{
        /* PostgreSQL: the person's ext id from the small people_keys (scripts/check-citus) */
        struct sdb_stmt *st = store_stmt(
            s,
            store_sql(s,
                      "SELECT l.id, l.at, l.user_id, u.name, l.person_id, p.ext_id, l.team,"
                      " l.garden_id, g.ext_id, l.kind, l.points, l.cause_type, l.cause_id, l.note"
                      " FROM ledger l LEFT JOIN users u ON u.id = l.user_id LEFT JOIN people p"
                      " ON p.id = l.person_id LEFT JOIN gardens g ON g.id = l.garden_id"
                      " WHERE CAST(?1 AS BIGINT) = 0 OR l.garden_id = ?1 ORDER BY l.at, l.id",
                      "SELECT l.id, l.at, l.user_id, u.name, l.person_id, p.ext_id, l.team,"
                      " l.garden_id, g.ext_id, l.kind, l.points, l.cause_type, l.cause_id, l.note"
                      " FROM ledger l LEFT JOIN users u ON u.id = l.user_id LEFT JOIN people_keys p"
                      " ON p.id = l.person_id LEFT JOIN gardens g ON g.id = l.garden_id"
                      " WHERE CAST(?1 AS BIGINT) = 0 OR l.garden_id = ?1 ORDER BY l.at, l.id"),
            err);
        struct store_ledger_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, garden_id);
        while ((src = sdb_step(st)) == SDB_ROW) {
                r.id = sdb_column_int64(st, 0);
                r.at = sdb_column_int64(st, 1);
                r.user_id = sg_col_id(st, 2);
                r.user = store_col_text(st, 3);
                r.person_id = sg_col_id(st, 4);
                r.person = store_col_text(st, 5);
                r.team = store_col_text(st, 6);
                r.garden_id = sg_col_id(st, 7);
                r.garden = store_col_text(st, 8);
                r.kind = sg_parse_name(model_ledger_kind_parse, store_col_text(st, 9));
                r.points = sdb_column_int(st, 10);
                r.cause_type = store_col_text(st, 11);
                r.cause_id = sg_col_id(st, 12);
                r.note = store_col_text(st, 13);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read ledger", err);
        return rc;
}

enum cxg_err store_ledger_points(struct store *s, int points[LEDGER__COUNT], struct cxg_error *err)
{
        enum cxg_err rc;

        for (int k = 0; k < LEDGER__COUNT; k++)
                if ((rc = points_of(s, k, &points[k], err)))
                        return rc;
        return CXG_OK;
}

enum cxg_err store_ledger_points_set(struct store *s, int kind, int points, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "INSERT INTO ledger_points(kind, points) VALUES (?, ?) ON "
                                         "CONFLICT(kind) DO UPDATE SET points = excluded.points",
                                         err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, model_ledger_kind_name(kind));
        sdb_bind_int(st, 2, points);
        return store_step_done(s, st, "set points", err);
}
