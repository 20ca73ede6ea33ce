/* scores.c: the score_history table (see store_scores.h); SQL for the engine's history. */
#include <math.h>
#include <string.h>

#include "core/banned.h"
#include "store/store_int.h"
#include "store/store_scores.h"

enum cxg_err store_scores_put(struct store *s, const struct store_score_row *rows, size_t n,
                              struct cxg_error *err)
{
        static const char sql[] =
            "INSERT INTO score_history (account_id, at, computed_at, scorecard,"
            " health, robustness, engagement, band, components) VALUES (?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (account_id, at, scorecard) DO UPDATE SET"
            " computed_at = excluded.computed_at, health = excluded.health,"
            " robustness = excluded.robustness, engagement = excluded.engagement,"
            " band = excluded.band, components = excluded.components";
        int own = !s->in_tx;
        enum cxg_err rc = CXG_OK;

        if (own && (rc = store_begin(s, err)))
                return rc;
        for (size_t i = 0; i < n; i++) {
                const struct store_score_row *r = &rows[i];
                struct sdb_stmt *st = store_stmt(s, sql, err);
                int src;

                if (!st) {
                        rc = err ? err->code : CXG_ERR_STORE;
                        goto done;
                }
                sdb_bind_int64(st, 1, r->account_id);
                sdb_bind_int64(st, 2, r->at);
                sdb_bind_int64(st, 3, r->computed_at);
                store_bind_text(st, 4, r->scorecard ? r->scorecard : "default");
                store_bind_double(st, 5, r->health);
                store_bind_double(st, 6, r->robustness);
                store_bind_double(st, 7, r->engagement);
                store_bind_text(st, 8, r->band);
                store_bind_text(st, 9, r->components);
                src = sdb_step(st);
                sdb_reset(st);
                if (src != SDB_DONE) {
                        rc = store_db_err(s, src, "write score history", err);
                        goto done;
                }
        }
done:
        if (own) {
                if (rc)
                        store_rollback(s);
                else
                        rc = store_commit(s, err);
        }
        return rc;
}

static enum cxg_err run(struct store *s, struct sdb_stmt *st, store_score_cb cb, void *ctx,
                        struct cxg_error *err)
{
        int src;

        while ((src = sdb_step(st)) == SDB_ROW) {
                struct store_score_row r;
                enum cxg_err rc;

                r.account_id = sdb_column_int64(st, 0);
                r.at = sdb_column_int64(st, 1);
                r.computed_at = sdb_column_int64(st, 2);
                r.scorecard = store_col_text(st, 3);
                r.health = store_col_double(st, 4);
                r.robustness = store_col_double(st, 5);
                r.engagement = store_col_double(st, 6);
                r.band = store_col_text(st, 7);
                r.components = store_col_text(st, 8);
                if ((rc = cb(ctx, &r))) {
                        sdb_reset(st);
                        return rc;
                }
        }
        sdb_reset(st);
        if (src != SDB_DONE)
                return store_db_err(s, src, "read score history", err);
        return CXG_OK;
}

enum cxg_err store_scores_history(struct store *s, int64_t account_id, store_score_cb cb, void *ctx,
                                  struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT account_id, at, computed_at, scorecard, health,"
                       " robustness, engagement, band, components FROM score_history"
                       " WHERE account_id = ? ORDER BY at, scorecard",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, account_id);
        return run(s, st, cb, ctx, err);
}

enum cxg_err store_scores_latest_between(struct store *s, int64_t from, int64_t to,
                                         store_score_cb cb, void *ctx, struct cxg_error *err)
{
        /*
         * Each account's row of the latest at in [from, to]; of several scorecards at that at,
         * the first by name (what SQLite's bare columns of max(at) gave, in key order)
         */
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT account_id, at, computed_at, scorecard, health,"
                       " robustness, engagement, band, components FROM (SELECT h.*,"
                       " row_number() OVER (PARTITION BY account_id ORDER BY at DESC,"
                       " scorecard) AS rn FROM score_history h WHERE at BETWEEN ? AND ?) l"
                       " WHERE rn = 1 ORDER BY account_id",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, from);
        sdb_bind_int64(st, 2, to);
        return run(s, st, cb, ctx, err);
}

enum cxg_err store_scores_count(struct store *s, int64_t *out, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT count(*) FROM score_history", err);
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        src = sdb_step(st);
        if (src != SDB_ROW) {
                sdb_reset(st);
                return store_db_err(s, src, "count score history", err);
        }
        *out = sdb_column_int64(st, 0);
        sdb_reset(st);
        return CXG_OK;
}
