/*
 * ideas.c: ideas in the store (store_gardens.h): the idea rows with their tallies, votes,
 * comments, approvals per review round and the recorded transitions. Plain data access: the
 * life cycle's rules are model_idea_transition_check and app_idea_move.
 */
#include <inttypes.h>
#include <string.h>

#include "core/banned.h"
#include "store/gardens_int.h"

enum cxg_err store_idea_head(struct store *s, int64_t id, struct store_idea_head *c,
                             struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT garden_id, author_id, state, review_round, "
                                         "target_metric FROM ideas WHERE id = ?",
                                         err);
        int rc;

        memset(c, 0, sizeof(*c));
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, id);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                c->id = id;
                c->garden_id = sdb_column_int64(st, 0);
                c->author_id = sdb_column_int64(st, 1);
                c->state = sg_parse_name(model_idea_state_parse, store_col_text(st, 2));
                c->round = sdb_column_int(st, 3);
                c->metric = sg_parse_name(model_garden_metric_parse, store_col_text(st, 4));
                rc = SDB_DONE;
        } else if (rc == SDB_DONE) {
                sdb_reset(st);
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "idea", "no idea %" PRId64, id);
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "read idea", err);
        return CXG_OK;
}

enum cxg_err store_idea_create(struct store *s, int64_t garden_id, const struct idea *idea,
                               int64_t author_id, int64_t now, int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO ideas(garden_id, title, description, hypothesis, "
                       "target_metric, author_id, state, created_at, updated_at) "
                       "VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?, ?) RETURNING id",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, garden_id);
        store_bind_text(st, 2, idea->title);
        store_bind_text(st, 3, idea->description);
        store_bind_text(st, 4, idea->hypothesis);
        store_bind_text(st, 5, model_garden_metric_name(idea->target_metric));
        sdb_bind_int64(st, 6, author_id);
        sdb_bind_int64(st, 7, now);
        sdb_bind_int64(st, 8, now);
        return sg_step_id(s, st, "create idea", id, err);
}

#define IDEA_SELECT                                                                                \
        "SELECT i.id, i.garden_id, g.ext_id, i.title, i.description, i.hypothesis, "               \
        "i.target_metric, i.state, i.author_id, u.name, u.person_id, i.review_round, "             \
        "i.created_at, i.updated_at, "                                                             \
        "(SELECT count(*) FROM idea_votes v WHERE v.idea_id = i.id AND v.value > 0), "             \
        "(SELECT count(*) FROM idea_votes v WHERE v.idea_id = i.id AND v.value < 0), "             \
        "(SELECT count(*) FROM idea_comments c WHERE c.idea_id = i.id), "                          \
        "(SELECT count(*) FROM idea_approvals a WHERE a.idea_id = i.id AND "                       \
        "a.review_round = i.review_round) "                                                        \
        "FROM ideas i JOIN gardens g ON g.id = i.garden_id JOIN users u ON u.id = i.author_id "

static enum cxg_err idea_rows(struct store *s, struct sdb_stmt *st, store_idea_cb cb, void *ctx,
                              int *n, struct cxg_error *err)
{
        struct store_idea_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        *n = 0;
        while ((src = sdb_step(st)) == SDB_ROW) {
                memset(&r, 0, sizeof(r));
                r.id = sdb_column_int64(st, 0);
                r.garden_id = sdb_column_int64(st, 1);
                r.garden_key = store_col_text(st, 2);
                model_idea_init(&r.idea);
                r.idea.title = store_col_text(st, 3);
                r.idea.description = store_col_text(st, 4);
                r.idea.hypothesis = store_col_text(st, 5);
                r.idea.target_metric =
                    sg_parse_name(model_garden_metric_parse, store_col_text(st, 6));
                r.state = sg_parse_name(model_idea_state_parse, store_col_text(st, 7));
                r.author_id = sdb_column_int64(st, 8);
                r.author = store_col_text(st, 9);
                r.author_person = sg_col_id(st, 10);
                r.review_round = sdb_column_int(st, 11);
                r.created_at = sdb_column_int64(st, 12);
                r.updated_at = sdb_column_int64(st, 13);
                r.votes_up = sdb_column_int64(st, 14);
                r.votes_down = sdb_column_int64(st, 15);
                r.comments = sdb_column_int64(st, 16);
                r.approvals = sdb_column_int64(st, 17);
                (*n)++;
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read ideas", err);
        return rc;
}

enum cxg_err store_idea_list(struct store *s, int64_t garden_id, int state, store_idea_cb cb,
                             void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       IDEA_SELECT "WHERE (CAST(?1 AS BIGINT) = 0 OR i.garden_id = ?1) AND "
                                   "(CAST(?2 AS TEXT) IS NULL OR i.state = ?2) "
                                   "ORDER BY i.id",
                       err);
        int n;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, garden_id);
        if (state >= 0)
                store_bind_text(st, 2, model_idea_state_name(state));
        return idea_rows(s, st, cb, ctx, &n, err);
}

enum cxg_err store_idea_get(struct store *s, int64_t id, store_idea_cb cb, void *ctx,
                            struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, IDEA_SELECT "WHERE i.id = ?", err);
        int n;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, id);
        if ((rc = idea_rows(s, st, cb, ctx, &n, err)))
                return rc;
        if (!n)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "idea", "no idea %" PRId64, id);
        return CXG_OK;
}

/* ---- votes, comments, approvals ---- */

enum cxg_err store_idea_vote(struct store *s, int64_t idea_id, int64_t user_id, int value,
                             int64_t now, int *had, int *prev, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "SELECT value FROM idea_votes WHERE idea_id = ? AND user_id = ?", err);
        int64_t p = 0;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        sdb_bind_int64(st, 2, user_id);
        if ((rc = sg_step_int(s, st, "vote", &p, had, err)))
                return rc;
        *prev = (int)p;
        st = store_stmt(s,
                        "INSERT INTO idea_votes(idea_id, user_id, value, at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(idea_id, user_id) DO UPDATE SET value = excluded.value, "
                        "at = excluded.at",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        sdb_bind_int64(st, 2, user_id);
        sdb_bind_int(st, 3, value);
        sdb_bind_int64(st, 4, now);
        return store_step_done(s, st, "vote", err);
}

enum cxg_err store_idea_comment(struct store *s, int64_t idea_id, int64_t user_id, const char *body,
                                int64_t now, int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "INSERT INTO idea_comments(idea_id, user_id, body, at) "
                                         "VALUES (?, ?, ?, ?) RETURNING id",
                                         err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        sdb_bind_int64(st, 2, user_id);
        store_bind_text(st, 3, body);
        sdb_bind_int64(st, 4, now);
        return sg_step_id(s, st, "comment", id, err);
}

/* Number of rows of a count query with two ids bound. */
static enum cxg_err count_of(struct store *s, const char *sql, int64_t a, int64_t b, int64_t *n,
                             struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);
        int found;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, a);
        sdb_bind_int64(st, 2, b);
        return sg_step_int(s, st, "count", n, &found, err);
}

enum cxg_err store_idea_approve(struct store *s, int64_t idea_id, int round, int64_t user_id,
                                const char *why, int64_t now, int *added, int *count,
                                struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "INSERT INTO idea_approvals(idea_id, review_round, user_id, "
                       "why, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       err);
        int64_t n = 0;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        sdb_bind_int(st, 2, round);
        sdb_bind_int64(st, 3, user_id);
        store_bind_text(st, 4, why);
        sdb_bind_int64(st, 5, now);
        if ((rc = store_step_done(s, st, "approve idea", err)))
                return rc;
        *added = sdb_changes(s) > 0;
        rc = count_of(s,
                      "SELECT count(*) FROM idea_approvals WHERE idea_id = ? AND review_round = ?",
                      idea_id, round, &n, err);
        *count = (int)n;
        return rc;
}

enum cxg_err store_idea_experiment_facts(struct store *s, int64_t idea_id, int64_t *accounts,
                                         int *results, struct cxg_error *err)
{
        int64_t n = 0;
        enum cxg_err rc;

        if ((rc = count_of(s,
                           "SELECT count(*) FROM experiments e JOIN experiment_accounts a ON "
                           "a.experiment_id = e.id WHERE e.idea_id = ?1 AND CAST(?2 AS BIGINT) = 0",
                           idea_id, 0, accounts, err)))
                return rc;
        rc = count_of(s,
                      "SELECT count(*) FROM experiments WHERE idea_id = ?1 AND result IS NOT NULL "
                      "AND CAST(?2 AS BIGINT) = 0",
                      idea_id, 0, &n, err);
        *results = n > 0;
        return rc;
}

enum cxg_err store_idea_set_state(struct store *s, int64_t idea_id, int from, int to,
                                  int64_t user_id, const char *why, int64_t now,
                                  struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "UPDATE ideas SET state = ?, updated_at = ?, review_round = "
                       "review_round + ? WHERE id = ?",
                       err);
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, model_idea_state_name(to));
        sdb_bind_int64(st, 2, now);
        sdb_bind_int(st, 3, to == IDEA_UNDER_REVIEW ? 1 : 0);
        sdb_bind_int64(st, 4, idea_id);
        if ((rc = store_step_done(s, st, "move idea", err)))
                return rc;
        st = store_stmt(s,
                        "INSERT INTO idea_transitions(idea_id, user_id, from_state, to_state, why, "
                        "at) VALUES (?, ?, ?, ?, ?, ?)",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        sdb_bind_int64(st, 2, user_id);
        store_bind_text(st, 3, model_idea_state_name(from));
        store_bind_text(st, 4, model_idea_state_name(to));
        store_bind_text(st, 5, why);
        sdb_bind_int64(st, 6, now);
        return store_step_done(s, st, "move idea", err);
}

enum cxg_err store_idea_transitions(struct store *s, int64_t idea_id, store_transition_cb cb,
                                    void *ctx, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT t.id, t.from_state, t.to_state, u.name, t.why, t.at "
                       "FROM idea_transitions t JOIN users u ON u.id = t.user_id "
                       "WHERE t.idea_id = ? ORDER BY t.id",
                       err);
        struct store_transition_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, idea_id);
        while ((src = sdb_step(st)) == SDB_ROW) {
                r.id = sdb_column_int64(st, 0);
                r.idea_id = idea_id;
                r.from = sg_parse_name(model_idea_state_parse, store_col_text(st, 1));
                r.to = sg_parse_name(model_idea_state_parse, store_col_text(st, 2));
                r.user = store_col_text(st, 3);
                r.why = store_col_text(st, 4);
                r.at = sdb_column_int64(st, 5);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read idea transitions", err);
        return rc;
}

static enum cxg_err comment_rows(struct store *s, struct sdb_stmt *st, int64_t idea_id, int votes,
                                 store_comment_cb cb, void *ctx, struct cxg_error *err)
{
        struct store_comment_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        sdb_bind_int64(st, 1, idea_id);
        while ((src = sdb_step(st)) == SDB_ROW) {
                memset(&r, 0, sizeof(r));
                r.id = sdb_column_int64(st, 0);
                r.idea_id = idea_id;
                r.user_id = sdb_column_int64(st, 1);
                r.user = store_col_text(st, 2);
                if (votes)
                        r.value = sdb_column_int(st, 3);
                else
                        r.body = store_col_text(st, 3);
                r.at = sdb_column_int64(st, 4);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read comments", err);
        return rc;
}

enum cxg_err store_idea_comments(struct store *s, int64_t idea_id, store_comment_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT c.id, c.user_id, u.name, c.body, c.at FROM "
                                         "idea_comments c JOIN users u ON u.id = c.user_id WHERE "
                                         "c.idea_id = ? ORDER BY c.id",
                                         err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        return comment_rows(s, st, idea_id, 0, cb, ctx, err);
}

enum cxg_err store_idea_votes(struct store *s, int64_t idea_id, store_comment_cb cb, void *ctx,
                              struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT 0, v.user_id, u.name, v.value, v.at FROM idea_votes "
                       "v JOIN users u ON u.id = v.user_id WHERE v.idea_id = ? "
                       "ORDER BY v.user_id",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        return comment_rows(s, st, idea_id, 1, cb, ctx, err);
}
