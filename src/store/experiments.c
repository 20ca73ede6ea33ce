/*
 * experiments.c: experiments (window, metric, participating accounts, recorded result) and
 * rollouts of adopted ideas in the store (store_gardens.h). Plain data access.
 */
#include <inttypes.h>
#include <string.h>

#include "core/banned.h"
#include "store/gardens_int.h"

enum cxg_err store_experiment_put(struct store *s, int64_t idea_id, int64_t starts_at,
                                  int64_t ends_at, int metric, int64_t by, int64_t now, int64_t *id,
                                  int *existed, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t eid = 0;
        enum cxg_err rc;

        if ((rc = sg_int_by_id(s, "SELECT id FROM experiments WHERE idea_id = ?", idea_id,
                               "set up experiment", &eid, existed, err)))
                return rc;
        if (*existed) {
                st = store_stmt(s,
                                "UPDATE experiments SET starts_at = ?, ends_at = ?, metric = ? "
                                "WHERE id = ?",
                                err);
                if (st)
                        sdb_bind_int64(st, 4, eid);
        } else {
                st = store_stmt(s,
                                "INSERT INTO experiments(starts_at, ends_at, metric, idea_id, "
                                "status, created_by, created_at) VALUES (?, ?, ?, ?, 'planned', "
                                "?, ?) RETURNING id",
                                err);
                if (st) {
                        sdb_bind_int64(st, 4, idea_id);
                        sdb_bind_int64(st, 5, by);
                        sdb_bind_int64(st, 6, now);
                }
        }
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, starts_at);
        sdb_bind_int64(st, 2, ends_at);
        store_bind_text(st, 3, model_garden_metric_name(metric));
        if (!*existed)
                return sg_step_id(s, st, "set up experiment", id, err);
        if ((rc = store_step_done(s, st, "set up experiment", err)))
                return rc;
        *id = eid;
        return CXG_OK;
}

enum cxg_err store_experiment_set_accounts(struct store *s, int64_t experiment_id,
                                           const char *const *accounts, size_t n,
                                           struct cxg_error *err)
{
        int64_t aid;
        int added;
        enum cxg_err rc;

        if ((rc = sg_exec_ids(s, "DELETE FROM experiment_accounts WHERE experiment_id = ?",
                              experiment_id, 0, "set up experiment", err)))
                return rc;
        for (size_t k = 0; k < n; k++) {
                rc = store_account_ref(s, accounts[k], strlen(accounts[k]), &aid, err);
                if (rc == CXG_ERR_NOTFOUND)
                        rc = cxg_error_setf(err, CXG_ERR_NOTFOUND, "accounts",
                                            "set up experiment: unknown account \"%.64s\"",
                                            accounts[k]);
                if (rc || (rc = store_experiment_add_account(s, experiment_id, aid, &added, err)))
                        return rc;
        }
        return CXG_OK;
}

enum cxg_err store_experiment_add_account(struct store *s, int64_t experiment_id,
                                          int64_t account_id, int *added, struct cxg_error *err)
{
        enum cxg_err rc = sg_exec_ids(s,
                                      "INSERT INTO experiment_accounts(experiment_id, "
                                      "account_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                      experiment_id, account_id, "add experiment account", err);

        *added = !rc && sdb_changes(s) > 0;
        return rc;
}

enum cxg_err store_experiment_id(struct store *s, int64_t idea_id, int running_only, int64_t *id,
                                 int *found, struct cxg_error *err)
{
        return sg_int_by_id(s,
                            running_only ? "SELECT id FROM experiments WHERE idea_id = ? AND "
                                           "status = 'running'"
                                         : "SELECT id FROM experiments WHERE idea_id = ?",
                            idea_id, "read experiment", id, found, err);
}

enum cxg_err store_experiment_start(struct store *s, int64_t idea_id, struct cxg_error *err)
{
        return sg_exec_ids(s, "UPDATE experiments SET status = 'running' WHERE idea_id = ?",
                           idea_id, 0, "move idea", err);
}

enum cxg_err store_experiment_record(struct store *s, int64_t experiment_id,
                                     const char *result_json, int64_t now, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "UPDATE experiments SET result = json(CAST(? AS TEXT)), result_at = ?, "
                       "status = 'finished' WHERE id = ?",
                       err);
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, result_json);
        sdb_bind_int64(st, 2, now);
        sdb_bind_int64(st, 3, experiment_id);
        rc = store_step_done(s, st, "record experiment results", err);
        if (rc == CXG_ERR_STORE || rc == CXG_ERR_INVALID) /* PostgreSQL: 22P02 */
                rc = cxg_error_setf(err, CXG_ERR_INVALID, "result",
                                    "record experiment results: the result is not valid JSON");
        return rc;
}

enum cxg_err store_experiment_get(struct store *s, int64_t idea_id, store_experiment_cb cb,
                                  void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT e.id, e.starts_at, e.ends_at, e.status, e.metric, "
                                         "e.result, e.result_at, (SELECT count(*) FROM "
                                         "experiment_accounts a WHERE a.experiment_id = e.id) FROM "
                                         "experiments e WHERE e.idea_id = ?",
                                         err);
        struct store_experiment_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        src = sdb_step(st);
        if (src == SDB_ROW) {
                r.id = sdb_column_int64(st, 0);
                r.idea_id = idea_id;
                r.starts_at = sdb_column_int64(st, 1);
                r.ends_at = sdb_column_int64(st, 2);
                r.status = store_col_text(st, 3);
                r.metric = sg_parse_name(model_garden_metric_parse, store_col_text(st, 4));
                r.result = store_col_text(st, 5);
                r.result_at = store_col_ts(st, 6);
                r.accounts = sdb_column_int64(st, 7);
                rc = cb(ctx, &r);
                sdb_reset(st);
                return rc;
        }
        sdb_reset(st);
        if (src == SDB_DONE)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "experiment",
                                      "idea %" PRId64 " has no experiment", idea_id);
        return store_db_err(s, src, "read experiment", err);
}

static enum cxg_err id_rows(struct store *s, const char *sql, int64_t key, store_id_cb cb,
                            void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, key);
        while ((src = sdb_step(st)) == SDB_ROW)
                if ((rc = cb(ctx, sdb_column_int64(st, 0))))
                        break;
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read accounts", err);
        return rc;
}

enum cxg_err store_experiment_accounts(struct store *s, int64_t experiment_id, store_id_cb cb,
                                       void *ctx, struct cxg_error *err)
{
        return id_rows(s,
                       "SELECT account_id FROM experiment_accounts WHERE experiment_id = ? ORDER "
                       "BY account_id",
                       experiment_id, cb, ctx, err);
}

enum cxg_err store_experiment_participates(struct store *s, int64_t idea_id, int64_t person_id,
                                           int *yes, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t v = 0;
        int found;
        enum cxg_err rc;

        *yes = 0;
        if (!person_id)
                return CXG_OK;
        st = store_stmt(s,
                        "SELECT count(*) FROM experiments e JOIN experiment_accounts a ON "
                        "a.experiment_id = e.id JOIN people p ON p.account_id = a.account_id "
                        "WHERE e.idea_id = ? AND p.id = ?",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        sdb_bind_int64(st, 2, person_id);
        if ((rc = sg_step_int(s, st, "read experiment participation", &v, &found, err)))
                return rc;
        *yes = v > 0;
        return CXG_OK;
}

/* ---- rollouts ---- */

enum cxg_err store_rollout_add(struct store *s, int64_t idea_id, const char *segment, int64_t at,
                               int64_t by, const int64_t *accounts, size_t n_accounts,
                               const char *note, int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "INSERT INTO rollouts(idea_id, segment, at, created_by, "
                                         "note) VALUES (?, ?, ?, ?, ?) RETURNING id",
                                         err);
        int64_t rid;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        store_bind_text(st, 2, segment);
        sdb_bind_int64(st, 3, at);
        sdb_bind_int64(st, 4, by);
        store_bind_text(st, 5, note);
        if ((rc = sg_step_id(s, st, "roll out idea", &rid, err)))
                return rc;
        for (size_t k = 0; k < n_accounts; k++)
                if ((rc = sg_exec_ids(s,
                                      "INSERT INTO rollout_accounts(rollout_id, "
                                      "account_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                      rid, accounts[k], "roll out idea", err)))
                        return rc;
        if (id)
                *id = rid;
        return CXG_OK;
}

enum cxg_err store_rollout_list(struct store *s, int64_t idea_id, store_rollout_cb cb, void *ctx,
                                struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT r.id, r.idea_id, r.segment, r.at, u.name, r.note, "
                       "(SELECT count(*) FROM rollout_accounts a WHERE "
                       "a.rollout_id = r.id) FROM rollouts r JOIN users u ON u.id "
                       "= r.created_by WHERE CAST(?1 AS BIGINT) = 0 OR r.idea_id = ?1 ORDER BY "
                       "r.id",
                       err);
        struct store_rollout_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        while ((src = sdb_step(st)) == SDB_ROW) {
                r.id = sdb_column_int64(st, 0);
                r.idea_id = sdb_column_int64(st, 1);
                r.segment = store_col_text(st, 2);
                r.at = sdb_column_int64(st, 3);
                r.by = store_col_text(st, 4);
                r.note = store_col_text(st, 5);
                r.accounts = sdb_column_int64(st, 6);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read rollouts", err);
        return rc;
}

enum cxg_err store_rollout_accounts(struct store *s, int64_t rollout_id, store_id_cb cb, void *ctx,
                                    struct cxg_error *err)
{
        return id_rows(s,
                       "SELECT account_id FROM rollout_accounts WHERE rollout_id = ? ORDER BY "
                       "account_id",
                       rollout_id, cb, ctx, err);
}
