/*
 * gardens.c: the SQLite side of customer gardens (store_gardens.h), first part: the helpers
 * the garden sources share, transactions, users as garden actors, gardens and their members.
 * Plain data access: the rules, the points and the audit are the use-case layer's
 * (src/app/gardens*.c). Ideas live in ideas.c, experiments and rollouts in experiments.c, the
 * incentive ledger in ledger.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"
#include "store/gardens_int.h"

/* ---- helpers shared by the garden sources ---- */

enum cxg_err sg_step_id(struct store *s, struct sdb_stmt *st, const char *what, int64_t *id,
                        struct cxg_error *err)
{
        int64_t v = 0;
        int found;
        enum cxg_err rc = sg_step_int(s, st, what, &v, &found, err);

        if (id)
                *id = rc ? 0 : v;
        return rc;
}

enum cxg_err sg_step_int(struct store *s, struct sdb_stmt *st, const char *what, int64_t *out,
                         int *found, struct cxg_error *err)
{
        int rc = sdb_step(st);

        *found = 0;
        if (rc == SDB_ROW) {
                if (sdb_column_type(st, 0) != SDB_NULL) {
                        *out = sdb_column_int64(st, 0);
                        *found = 1;
                }
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, what, err);
        return CXG_OK;
}

enum cxg_err sg_int_by_id(struct store *s, const char *sql, int64_t id, const char *what,
                          int64_t *out, int *found, struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);

        *found = 0;
        if (!st)
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, id);
        return sg_step_int(s, st, what, out, found, err);
}

int64_t sg_col_id(struct sdb_stmt *st, int i)
{
        return sdb_column_type(st, i) == SDB_NULL ? 0 : sdb_column_int64(st, i);
}

int sg_bind_id(struct sdb_stmt *st, int i, int64_t id)
{
        return id ? sdb_bind_int64(st, i, id) : sdb_bind_null(st, i);
}

int sg_parse_name(int (*parse)(const char *, size_t), const char *s)
{
        return s ? parse(s, strlen(s)) : -1;
}

enum cxg_err sg_exec_ids(struct store *s, const char *sql, int64_t a, int64_t b, const char *what,
                         struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, sql, err);

        if (!st)
                return err && err->code ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, a);
        if (sdb_bind_parameter_count(st) > 1)
                sdb_bind_int64(st, 2, b);
        return store_step_done(s, st, what, err);
}

/* ---- users and people ---- */

enum cxg_err store_garden_actor(struct store *s, const char *name, struct garden_actor *out,
                                struct cxg_error *err)
{
        struct sdb_stmt *st;
        int rc, role;

        memset(out, 0, sizeof(*out));
        if (!name || !name[0])
                return cxg_error_setf(err, CXG_ERR_USAGE, "user", "no acting user given");
        st = store_stmt(s, "SELECT id, role, person_id, disabled FROM users WHERE name = ?", err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, name);
        rc = sdb_step(st);
        if (rc == SDB_DONE) {
                sdb_reset(st);
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "user",
                                      "unknown user \"%.64s\" (add it with 'cxgarden user add')",
                                      name);
        }
        if (rc != SDB_ROW) {
                sdb_reset(st);
                return store_db_err(s, rc, "read user", err);
        }
        out->user_id = sdb_column_int64(st, 0);
        role = sg_parse_name(model_garden_urole_parse, store_col_text(st, 1));
        out->role = role;
        out->person_id = sg_col_id(st, 2);
        rc = sdb_column_int(st, 3);
        sdb_reset(st);
        snprintf(out->name, sizeof(out->name), "%s", name);
        if (rc)
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user", "user \"%.64s\" is disabled",
                                      name);
        if (role < 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "user",
                                      "user \"%.64s\" has an unknown role", name);
        return CXG_OK;
}

enum cxg_err store_garden_actor_by_id(struct store *s, int64_t user_id, struct garden_actor *out,
                                      int *found, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "SELECT name, role, person_id FROM users WHERE id = ?", err);
        int rc;

        memset(out, 0, sizeof(*out));
        *found = 0;
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, user_id);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                out->user_id = user_id;
                snprintf(out->name, sizeof(out->name), "%s", store_col_text(st, 0));
                out->role = sg_parse_name(model_garden_urole_parse, store_col_text(st, 1));
                out->person_id = sg_col_id(st, 2);
                *found = out->name[0] != 0;
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "read user", err);
        return CXG_OK;
}

enum cxg_err store_garden_person(struct store *s, const char *ext, int64_t *id, int64_t *account,
                                 struct cxg_error *err)
{
        int64_t pid = 0, aid = 0;
        enum cxg_err rc = store_person_ref(s, ext, strlen(ext), &pid, &aid, err);

        if (rc == CXG_ERR_NOTFOUND)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "person", "unknown person \"%.64s\"",
                                      ext);
        if (!rc) {
                *id = pid;
                if (account)
                        *account = aid;
        }
        return rc;
}

enum cxg_err store_garden_person_account(struct store *s, int64_t person_id, int64_t *account,
                                         struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, "SELECT account_id FROM people WHERE id = ?", err);
        int found;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, person_id);
        if ((rc = sg_step_int(s, st, "read person", account, &found, err)))
                return rc;
        if (!found)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "person", "no person %" PRId64,
                                      person_id);
        return CXG_OK;
}

enum cxg_err store_garden_account_owned(struct store *s, int64_t account_id, const char *owner,
                                        int *yes, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "SELECT count(*) FROM accounts WHERE id = ? AND owner = ?", err);
        int64_t n = 0;
        int found;
        enum cxg_err rc;

        *yes = 0;
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, account_id);
        store_bind_text(st, 2, owner);
        if ((rc = sg_step_int(s, st, "read account owner", &n, &found, err)))
                return rc;
        *yes = n > 0;
        return CXG_OK;
}

enum cxg_err store_garden_user_ensure(struct store *s, const char *name, const char *role,
                                      const char *person_ext, int64_t now, int *created,
                                      struct cxg_error *err)
{
        struct sdb_stmt *st;
        int64_t pid = 0, id = 0;
        int found = 0, own = 0;
        enum cxg_err rc;

        if (created)
                *created = 0;
        if (!name || !name[0] || strlen(name) > 127)
                return cxg_error_setf(err, CXG_ERR_INVALID, "user",
                                      "user: name is required "
                                      "(at most 127 bytes)");
        if (sg_parse_name(model_garden_urole_parse, role) < 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "role",
                                      "user: role must be admin, analyst, account_manager or "
                                      "member");
        if ((rc = store_tx_open(s, &own, err)))
                return rc;
        st = store_stmt(s, "SELECT id FROM users WHERE name = ?", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, name);
        if ((rc = sg_step_int(s, st, "read user", &id, &found, err)) || found)
                goto done;
        if (person_ext && (rc = store_garden_person(s, person_ext, &pid, NULL, err)))
                goto done;
        st = store_stmt(
            s, "INSERT INTO users(name, role, person_id, created_at) VALUES (?, ?, ?, ?)", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, name);
        store_bind_text(st, 2, role);
        sg_bind_id(st, 3, pid);
        sdb_bind_int64(st, 4, now);
        if ((rc = store_step_done(s, st, "add user", err)))
                goto done;
        if (created)
                *created = 1;
done:
        return store_tx_close(s, own, rc, err);
}

enum cxg_err store_garden_membership(struct store *s, const struct garden_actor *who,
                                     int64_t garden_id, int *member, int *mrole,
                                     struct cxg_error *err)
{
        struct sdb_stmt *st;
        int rc;

        *member = 0;
        *mrole = -1;
        if (who->role == GARDEN_UROLE_MEMBER) {
                if (!who->person_id)
                        return CXG_OK;
                st = store_stmt(s,
                                "SELECT role FROM garden_members WHERE garden_id = ? AND "
                                "person_id = ? AND status = 'accepted'",
                                err);
                if (!st)
                        return err ? err->code : CXG_ERR_STORE;
                sdb_bind_int64(st, 2, who->person_id);
        } else {
                st = store_stmt(s,
                                "SELECT role FROM garden_members WHERE garden_id = ? AND "
                                "user_id = ? AND status = 'accepted'",
                                err);
                if (!st)
                        return err ? err->code : CXG_ERR_STORE;
                sdb_bind_int64(st, 2, who->user_id);
        }
        sdb_bind_int64(st, 1, garden_id);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                *member = 1;
                *mrole = sg_parse_name(model_garden_mrole_parse, store_col_text(st, 0));
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "read garden membership", err);
        return CXG_OK;
}

/* ---- gardens ---- */

enum cxg_err store_garden_create(struct store *s, const struct garden *g, const char *by,
                                 int64_t now, int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s, "SELECT id FROM gardens WHERE ext_id = ? OR name = ?", err);
        int64_t dummy;
        int found;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, g->key);
        store_bind_text(st, 2, g->name);
        if ((rc = sg_step_int(s, st, "create garden", &dummy, &found, err)))
                return rc;
        if (found)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "key",
                                      "create garden: a garden with key \"%s\" or name \"%.64s\" "
                                      "exists already",
                                      g->key, g->name);
        st = store_stmt(s,
                        "INSERT INTO gardens(ext_id, name, topic, topic_custom, goal, owner, "
                        "segment, starts_at, ends_at, created_at, created_by) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, g->key);
        store_bind_text(st, 2, g->name);
        store_bind_text(st, 3, model_garden_topic_name(g->topic));
        store_bind_text(st, 4, g->topic_custom);
        store_bind_text(st, 5, g->goal);
        store_bind_text(st, 6, g->owner);
        store_bind_text(st, 7, g->segment);
        store_bind_ts(st, 8, g->starts_at);
        store_bind_ts(st, 9, g->ends_at);
        sdb_bind_int64(st, 10, now);
        store_bind_text(st, 11, by);
        return sg_step_id(s, st, "create garden", id, err);
}

enum cxg_err store_garden_exists(struct store *s, int64_t garden_id, struct cxg_error *err)
{
        int64_t dummy;
        int found;
        enum cxg_err rc = sg_int_by_id(s, "SELECT id FROM gardens WHERE id = ?", garden_id,
                                       "read garden", &dummy, &found, err);

        if (!rc && !found)
                rc = cxg_error_setf(err, CXG_ERR_NOTFOUND, "garden", "no such garden");
        return rc;
}

#define GARDEN_SELECT                                                                              \
        "SELECT g.id, g.ext_id, g.name, g.topic, g.topic_custom, g.goal, g.owner, g.segment, "     \
        "g.starts_at, g.ends_at, g.created_at, g.created_by, "                                     \
        "(SELECT count(*) FROM garden_members m WHERE m.garden_id = g.id AND "                     \
        "m.status = 'accepted'), "                                                                 \
        "(SELECT count(*) FROM garden_members m WHERE m.garden_id = g.id AND "                     \
        "m.status = 'invited'), "                                                                  \
        "(SELECT count(DISTINCT p.account_id) FROM garden_members m JOIN people p ON "             \
        "p.id = m.person_id WHERE m.garden_id = g.id AND m.status = 'accepted'), "                 \
        "(SELECT count(*) FROM ideas i WHERE i.garden_id = g.id) FROM gardens g "

static enum cxg_err garden_rows(struct store *s, struct sdb_stmt *st, store_garden_cb cb, void *ctx,
                                int *n, struct cxg_error *err)
{
        struct store_garden_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        *n = 0;
        while ((src = sdb_step(st)) == SDB_ROW) {
                memset(&r, 0, sizeof(r));
                r.id = sdb_column_int64(st, 0);
                model_garden_init(&r.g);
                r.g.key = store_col_text(st, 1);
                r.g.name = store_col_text(st, 2);
                r.g.topic = sg_parse_name(model_garden_topic_parse, store_col_text(st, 3));
                r.g.topic_custom = store_col_text(st, 4);
                r.g.goal = store_col_text(st, 5);
                r.g.owner = store_col_text(st, 6);
                r.g.segment = store_col_text(st, 7);
                r.g.starts_at = store_col_ts(st, 8);
                r.g.ends_at = store_col_ts(st, 9);
                r.created_at = sdb_column_int64(st, 10);
                r.created_by = store_col_text(st, 11);
                r.members = sdb_column_int64(st, 12);
                r.invited = sdb_column_int64(st, 13);
                r.accounts = sdb_column_int64(st, 14);
                r.ideas = sdb_column_int64(st, 15);
                (*n)++;
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read gardens", err);
        return rc;
}

enum cxg_err store_garden_list(struct store *s, store_garden_cb cb, void *ctx,
                               struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s, GARDEN_SELECT "ORDER BY g.id", err);
        int n;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        return garden_rows(s, st, cb, ctx, &n, err);
}

enum cxg_err store_garden_find(struct store *s, const char *key, store_garden_cb cb, void *ctx,
                               struct cxg_error *err)
{
        int64_t id = 0;
        struct sdb_stmt *st;
        int n;
        enum cxg_err rc;

        if ((rc = store_garden_id(s, key, &id, err)))
                return rc;
        st = store_stmt(s, GARDEN_SELECT "WHERE g.id = ?", err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, id);
        return garden_rows(s, st, cb, ctx, &n, err);
}

enum cxg_err store_garden_id(struct store *s, const char *key, int64_t *id, struct cxg_error *err)
{
        struct sdb_stmt *st;
        int found;
        enum cxg_err rc;

        if (!key || !key[0])
                return cxg_error_setf(err, CXG_ERR_USAGE, "garden", "no garden given");
        st = store_stmt(s,
                        "SELECT id FROM gardens WHERE ext_id = ?1 UNION ALL SELECT id FROM "
                        "gardens WHERE name = ?1 AND ext_id <> ?1 LIMIT 1",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, key);
        if ((rc = sg_step_int(s, st, "find garden", id, &found, err)))
                return rc;
        if (!found)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "garden", "no garden \"%.64s\"", key);
        return CXG_OK;
}

/* ---- members ---- */

enum cxg_err store_garden_member_ref(struct store *s, int64_t garden_id, int64_t person_id,
                                     int64_t user_id, struct store_member_ref *out,
                                     struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(s,
                                         "SELECT id, status, invited_by, joined_at FROM "
                                         "garden_members WHERE garden_id = ? AND (person_id = ? OR "
                                         "user_id = ?)",
                                         err);
        int rc;

        out->id = 0;
        out->status = -1;
        out->invited_by = 0;
        out->joined_at = CXG_TS_NONE;
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, garden_id);
        sdb_bind_int64(st, 2, person_id ? person_id : -1);
        sdb_bind_int64(st, 3, user_id ? user_id : -1);
        rc = sdb_step(st);
        if (rc == SDB_ROW) {
                out->id = sdb_column_int64(st, 0);
                out->status = sg_parse_name(model_garden_status_parse, store_col_text(st, 1));
                out->invited_by = sg_col_id(st, 2);
                out->joined_at = store_col_ts(st, 3);
                rc = SDB_DONE;
        }
        sdb_reset(st);
        if (rc != SDB_DONE)
                return store_db_err(s, rc, "read garden member", err);
        return CXG_OK;
}

enum cxg_err store_garden_member_put(struct store *s, int64_t garden_id, int64_t row,
                                     int64_t person_id, int64_t user_id, int role, int status,
                                     int64_t inviter, int64_t now, int64_t *id,
                                     struct cxg_error *err)
{
        struct sdb_stmt *st;
        enum cxg_err rc;

        if (row) {
                st = store_stmt(s,
                                "UPDATE garden_members SET role = ?, status = ?, invited_by = ?, "
                                "invited_at = ?, responded_at = ?, joined_at = coalesce(joined_at, "
                                "?), left_at = NULL WHERE id = ?",
                                err);
                if (st)
                        sdb_bind_int64(st, 7, row);
        } else {
                st = store_stmt(s,
                                "INSERT INTO garden_members(role, status, invited_by, invited_at, "
                                "responded_at, joined_at, garden_id, person_id, user_id) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                                err);
                if (st) {
                        sdb_bind_int64(st, 7, garden_id);
                        sg_bind_id(st, 8, person_id);
                        sg_bind_id(st, 9, user_id);
                }
        }
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, model_garden_mrole_name(role));
        store_bind_text(st, 2, model_garden_status_name(status));
        sg_bind_id(st, 3, inviter);
        sdb_bind_int64(st, 4, now);
        if (status == GARDEN_ST_ACCEPTED) {
                sdb_bind_int64(st, 5, now);
                sdb_bind_int64(st, 6, now);
        } else {
                sdb_bind_null(st, 5);
                sdb_bind_null(st, 6);
        }
        if (!row)
                return sg_step_id(s, st, "add garden member", id, err);
        if ((rc = store_step_done(s, st, "add garden member", err)))
                return rc;
        if (id)
                *id = row;
        return CXG_OK;
}

enum cxg_err store_garden_member_set_status(struct store *s, int64_t row, int status, int64_t now,
                                            struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "UPDATE garden_members SET status = ?1, responded_at = CASE WHEN ?1 = "
                       "'left' THEN responded_at ELSE ?2 END, joined_at = CASE WHEN ?1 = "
                       "'accepted' THEN coalesce(joined_at, ?2) ELSE joined_at END, left_at = "
                       "CASE WHEN ?1 = 'left' THEN ?2 ELSE left_at END WHERE id = ?3",
                       err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, model_garden_status_name(status));
        sdb_bind_int64(st, 2, now);
        sdb_bind_int64(st, 3, row);
        return store_step_done(s, st, "change garden member", err);
}

enum cxg_err store_garden_members(struct store *s, int64_t garden_id, store_member_cb cb, void *ctx,
                                  struct cxg_error *err)
{
        struct sdb_stmt *st = store_stmt(
            s,
            "SELECT m.id, m.garden_id, m.person_id, p.ext_id, p.name, p.account_id, a.ext_id, "
            "m.user_id, u.name, m.role, m.status, iu.name, m.invited_at, m.responded_at, "
            "m.joined_at, m.left_at FROM garden_members m LEFT JOIN people p ON p.id = "
            "m.person_id LEFT JOIN accounts a ON a.id = p.account_id LEFT JOIN users u ON u.id = "
            "m.user_id LEFT JOIN users iu ON iu.id = m.invited_by WHERE m.garden_id = ? ORDER BY "
            "m.id",
            err);
        struct store_member_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sdb_bind_int64(st, 1, garden_id);
        while ((src = sdb_step(st)) == SDB_ROW) {
                r.id = sdb_column_int64(st, 0);
                r.garden_id = sdb_column_int64(st, 1);
                r.person_id = sg_col_id(st, 2);
                r.person = store_col_text(st, 3);
                r.person_name = store_col_text(st, 4);
                r.account_id = sg_col_id(st, 5);
                r.account = store_col_text(st, 6);
                r.user_id = sg_col_id(st, 7);
                r.user = store_col_text(st, 8);
                r.role = sg_parse_name(model_garden_mrole_parse, store_col_text(st, 9));
                r.status = sg_parse_name(model_garden_status_parse, store_col_text(st, 10));
                r.invited_by = store_col_text(st, 11);
                r.invited_at = store_col_ts(st, 12);
                r.responded_at = store_col_ts(st, 13);
                r.joined_at = store_col_ts(st, 14);
                r.left_at = store_col_ts(st, 15);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read garden members", err);
        return rc;
}

enum cxg_err store_garden_person_status(struct store *s, int64_t garden_id, int64_t person_id,
                                        int *status, struct cxg_error *err)
{
        struct store_member_ref m;
        enum cxg_err rc =
            store_garden_member_ref(s, garden_id, person_id ? person_id : -1, 0, &m, err);

        *status = m.status;
        return rc;
}

enum cxg_err store_garden_accounts(struct store *s, store_garden_account_cb cb, void *ctx,
                                   struct cxg_error *err)
{
        struct sdb_stmt *st =
            store_stmt(s,
                       "SELECT g.id, g.ext_id, p.account_id, min(m.joined_at) "
                       "FROM garden_members m JOIN gardens g ON g.id = "
                       "m.garden_id JOIN people p ON p.id = m.person_id WHERE "
                       "m.joined_at IS NOT NULL GROUP BY g.id, g.ext_id, p.account_id "
                       "ORDER BY g.id, p.account_id",
                       err);
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        while ((src = sdb_step(st)) == SDB_ROW) {
                if ((rc = cb(ctx, sdb_column_int64(st, 0), store_col_text(st, 1),
                             sdb_column_int64(st, 2), sdb_column_int64(st, 3))))
                        break;
        }
        sdb_reset(st);
        if (!rc && src != SDB_DONE && src != SDB_ROW)
                return store_db_err(s, src, "read garden accounts", err);
        return rc;
}
