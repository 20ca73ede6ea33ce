/*
 * gardens.c: the SQLite side of customer gardens (store_gardens.h): gardens, members, ideas
 * with votes, comments, governed transitions and approvals, experiments, rollouts and the
 * incentive ledger. Each write checks the rules of model/garden.h against stored data and
 * writes its audit record and ledger entries in the same transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/buf.h"
#include "store/store_gardens.h"
#include "store/store_int.h"

#define SUMMARY_MAX (64 * 1024)

/* ---- transactions: one per write, or a savepoint inside the caller's ---- */

static enum cxg_err tx_open(struct store *s, int *own, struct cxg_error *err)
{
        if (s->in_tx) {
                *own = 2;
                return store_savepoint(s, err);
        }
        *own = 1;
        return store_begin(s, err);
}

/* Commit (or release) when rc is CXG_OK, else undo; returns the first failure. */
static enum cxg_err tx_close(struct store *s, int own, enum cxg_err rc, struct cxg_error *err)
{
        if (rc) {
                if (own == 1)
                        store_rollback(s);
                else if (own == 2)
                        store_savepoint_rollback(s);
                return rc;
        }
        if (own == 1)
                return store_commit(s, err);
        if (own == 2) {
                rc = store_savepoint_release(s, err);
                if (rc)
                        store_savepoint_rollback(s);
        }
        return rc;
}

/* Step a statement that returns no rows. */
static enum cxg_err step_done(struct store *s, sqlite3_stmt *st, const char *what,
                              struct cxg_error *err)
{
        int rc = sqlite3_step(st);

        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sqlite_err(s, rc, what, err);
        return CXG_OK;
}

/* One integer from a prepared statement with its bindings set; *found = 0 when no row. */
static enum cxg_err step_int(struct store *s, sqlite3_stmt *st, const char *what, int64_t *out,
                             int *found, struct cxg_error *err)
{
        int rc = sqlite3_step(st);

        *found = 0;
        if (rc == SQLITE_ROW) {
                if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
                        *out = sqlite3_column_int64(st, 0);
                        *found = 1;
                }
                rc = SQLITE_DONE;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sqlite_err(s, rc, what, err);
        return CXG_OK;
}

/* One integer from a statement with one int64 parameter (sql), via step_int. */
static enum cxg_err int_by_id(struct store *s, const char *sql, int64_t id, const char *what,
                              int64_t *out, int *found, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s, sql, err);

        *found = 0;
        if (!st)
                return err && err->code ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, id);
        return step_int(s, st, what, out, found, err);
}

static int64_t col_id(sqlite3_stmt *st, int i)
{
        return sqlite3_column_type(st, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(st, i);
}

static int bind_id(sqlite3_stmt *st, int i, int64_t id)
{
        return id ? sqlite3_bind_int64(st, i, id) : sqlite3_bind_null(st, i);
}

static int parse_name(int (*parse)(const char *, size_t), const char *s)
{
        return s ? parse(s, strlen(s)) : -1;
}

/* ---- audit ---- */

static enum cxg_err audit(struct store *s, const struct garden_actor *who, const char *action,
                          const char *entity, int64_t entity_id, const struct cxg_buf *summary,
                          int64_t now, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
                                      "INSERT INTO audit_log(at, actor, action, entity, entity_id, "
                                      "summary) VALUES (?, ?, ?, ?, ?, ?)",
                                      err);
        char idtext[32];

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        snprintf(idtext, sizeof(idtext), "%" PRId64, entity_id);
        sqlite3_bind_int64(st, 1, now);
        store_bind_text(st, 2, who->name);
        store_bind_text(st, 3, action);
        store_bind_text(st, 4, entity);
        store_bind_text(st, 5, idtext);
        store_bind_text(st, 6, summary && summary->data ? summary->data : NULL);
        return step_done(s, st, "write audit record", err);
}

/* Append `"key": "value"` (value NULL: null) to a JSON object under construction. */
static enum cxg_err j_str(struct cxg_buf *b, const char *key, const char *v)
{
        enum cxg_err rc;

        if ((rc = cxg_buf_puts(b, b->len > 1 ? ", \"" : "\"")) || (rc = cxg_buf_puts(b, key)) ||
            (rc = cxg_buf_puts(b, "\": ")))
                return rc;
        if (!v)
                return cxg_buf_puts(b, "null");
        return cxg_buf_json_str(b, v, strlen(v));
}

static enum cxg_err j_int(struct cxg_buf *b, const char *key, int64_t v)
{
        return cxg_buf_printf(b, "%s\"%s\": %" PRId64, b->len > 1 ? ", " : "", key, v);
}

static enum cxg_err j_open(struct cxg_buf *b)
{
        cxg_buf_init(b, SUMMARY_MAX);
        return cxg_buf_putc(b, '{');
}

static enum cxg_err j_close(struct cxg_buf *b)
{
        return cxg_buf_putc(b, '}');
}

static enum cxg_err nomem(struct cxg_error *err, const char *what)
{
        return cxg_error_set(err, CXG_ERR_NOMEM, "%s: out of memory", what);
}

/* ---- users ---- */

enum cxg_err store_garden_actor(struct store *s, const char *name, struct garden_actor *out,
                                struct cxg_error *err)
{
        sqlite3_stmt *st;
        int rc, role;

        memset(out, 0, sizeof(*out));
        if (!name || !name[0])
                return cxg_error_setf(err, CXG_ERR_USAGE, "user", "no acting user given");
        st = store_stmt(s, "SELECT id, role, person_id, disabled FROM users WHERE name = ?", err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, name);
        rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
                sqlite3_reset(st);
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "user",
                                      "unknown user \"%.64s\" (add it with 'cxgarden user add')",
                                      name);
        }
        if (rc != SQLITE_ROW) {
                sqlite3_reset(st);
                return store_sqlite_err(s, rc, "read user", err);
        }
        out->user_id = sqlite3_column_int64(st, 0);
        role = parse_name(model_garden_urole_parse, store_col_text(st, 1));
        out->role = role;
        out->person_id = col_id(st, 2);
        rc = sqlite3_column_int(st, 3);
        sqlite3_reset(st);
        snprintf(out->name, sizeof(out->name), "%s", name);
        if (rc)
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user", "user \"%.64s\" is disabled",
                                      name);
        if (role < 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "user",
                                      "user \"%.64s\" has an unknown role", name);
        return CXG_OK;
}

/* Internal id of a person from its external id. */
static enum cxg_err person_id_of(struct store *s, const char *ext, int64_t *id, int64_t *account,
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

enum cxg_err store_garden_user_ensure(struct store *s, const char *name, const char *role,
                                      const char *person_ext, int64_t now, int *created,
                                      struct cxg_error *err)
{
        sqlite3_stmt *st;
        int64_t pid = 0, id = 0;
        int found = 0, own = 0;
        enum cxg_err rc;

        if (created)
                *created = 0;
        if (!name || !name[0] || strlen(name) > 127)
                return cxg_error_setf(err, CXG_ERR_INVALID, "user",
                                      "user: name is required "
                                      "(at most 127 bytes)");
        if (parse_name(model_garden_urole_parse, role) < 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "role",
                                      "user: role must be admin, analyst, account_manager or "
                                      "member");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        st = store_stmt(s, "SELECT id FROM users WHERE name = ?", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, name);
        if ((rc = step_int(s, st, "read user", &id, &found, err)) || found)
                goto done;
        if (person_ext && (rc = person_id_of(s, person_ext, &pid, NULL, err)))
                goto done;
        st = store_stmt(
            s, "INSERT INTO users(name, role, person_id, created_at) VALUES (?, ?, ?, ?)", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, name);
        store_bind_text(st, 2, role);
        bind_id(st, 3, pid);
        sqlite3_bind_int64(st, 4, now);
        if ((rc = step_done(s, st, "add user", err)))
                goto done;
        if (created)
                *created = 1;
done:
        return tx_close(s, own, rc, err);
}

/* ---- membership of the acting user ---- */

/*
 * The acting user's membership of a garden: *member = 1 when accepted (external via the
 * user's person, or internal), *mrole its member role (-1: none).
 */
static enum cxg_err actor_membership(struct store *s, const struct garden_actor *who,
                                     int64_t garden_id, int *member, int *mrole,
                                     struct cxg_error *err)
{
        sqlite3_stmt *st;
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
                sqlite3_bind_int64(st, 2, who->person_id);
        } else {
                st = store_stmt(s,
                                "SELECT role FROM garden_members WHERE garden_id = ? AND "
                                "user_id = ? AND status = 'accepted'",
                                err);
                if (!st)
                        return err ? err->code : CXG_ERR_STORE;
                sqlite3_bind_int64(st, 2, who->user_id);
        }
        sqlite3_bind_int64(st, 1, garden_id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *member = 1;
                *mrole = parse_name(model_garden_mrole_parse, store_col_text(st, 0));
                rc = SQLITE_DONE;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sqlite_err(s, rc, "read garden membership", err);
        return CXG_OK;
}

/* The ledger team of a user in a garden. */
static const char *team_of(int urole, int mrole)
{
        if (urole == GARDEN_UROLE_MEMBER)
                return "external";
        if (mrole > GARDEN_MROLE_CUSTOMER && mrole < GARDEN_MROLE__COUNT)
                return model_garden_mrole_name(mrole);
        return "staff";
}

/* Refuse unless who is staff or an accepted member of the garden. */
static enum cxg_err require_participant(struct store *s, const struct garden_actor *who,
                                        int64_t garden_id, const char *what, int *mrole,
                                        struct cxg_error *err)
{
        int member;
        enum cxg_err rc = actor_membership(s, who, garden_id, &member, mrole, err);

        if (rc)
                return rc;
        if (!member && !model_garden_can_manage(who->role))
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "%s: %s is not a member of this garden", what, who->name);
        return CXG_OK;
}

static enum cxg_err require_staff(const struct garden_actor *who, const char *what,
                                  struct cxg_error *err)
{
        if (!model_garden_can_manage(who->role))
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "%s: only an analyst or an admin may do this (%s is %s)",
                                      what, who->name, model_garden_urole_name(who->role));
        return CXG_OK;
}

/* ---- ledger ---- */

static enum cxg_err points_of(struct store *s, int kind, int *points, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s, "SELECT points FROM ledger_points WHERE kind = ?", err);
        int64_t v = 0;
        int found;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        store_bind_text(st, 1, model_ledger_kind_name(kind));
        if ((rc = step_int(s, st, "read points table", &v, &found, err)))
                return rc;
        *points = found ? (int)v : model_ledger_default_points(kind);
        return CXG_OK;
}

/* Append one ledger entry with the points of its kind, and audit it. */
static enum cxg_err ledger_add(struct store *s, const struct garden_actor *who, int64_t user_id,
                               int64_t person_id, const char *team, int64_t garden_id, int kind,
                               const char *cause_type, int64_t cause_id, const char *note,
                               int64_t now, int64_t *id, struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b;
        int points = 0;
        int64_t lid;
        enum cxg_err rc;

        if ((rc = points_of(s, kind, &points, err)))
                return rc;
        st = store_stmt(s,
                        "INSERT INTO ledger(at, user_id, person_id, team, garden_id, kind, points, "
                        "cause_type, cause_id, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, now);
        bind_id(st, 2, user_id);
        bind_id(st, 3, person_id);
        store_bind_text(st, 4, team);
        bind_id(st, 5, garden_id);
        store_bind_text(st, 6, model_ledger_kind_name(kind));
        sqlite3_bind_int(st, 7, points);
        store_bind_text(st, 8, cause_type);
        bind_id(st, 9, cause_id);
        store_bind_text(st, 10, note);
        if ((rc = step_done(s, st, "write ledger entry", err)))
                return rc;
        lid = sqlite3_last_insert_rowid(s->db);
        if (id)
                *id = lid;
        rc = j_open(&b);
        if (!rc && user_id)
                rc = j_int(&b, "user_id", user_id);
        if (!rc && person_id)
                rc = j_int(&b, "person_id", person_id);
        if (!rc)
                rc = j_str(&b, "team", team);
        if (!rc)
                rc = j_str(&b, "kind", model_ledger_kind_name(kind));
        if (!rc)
                rc = j_int(&b, "points", points);
        if (!rc)
                rc = j_str(&b, "cause_type", cause_type);
        if (!rc)
                rc = j_int(&b, "cause_id", cause_id);
        if (!rc)
                rc = j_close(&b);
        if (rc)
                rc = nomem(err, "write ledger entry");
        else
                rc = audit(s, who, "credit", "ledger", lid, &b, now, err);
        cxg_buf_release(&b);
        return rc;
}

/* Credit the acting user (team from their membership of garden_id). */
static enum cxg_err credit_actor(struct store *s, const struct garden_actor *who, int64_t garden_id,
                                 int kind, const char *cause_type, int64_t cause_id, int64_t now,
                                 struct cxg_error *err)
{
        int member, mrole;
        enum cxg_err rc = actor_membership(s, who, garden_id, &member, &mrole, err);

        if (rc)
                return rc;
        return ledger_add(s, who, who->user_id, who->person_id, team_of(who->role, mrole),
                          garden_id, kind, cause_type, cause_id, NULL, now, NULL, err);
}

/* ---- gardens ---- */

enum cxg_err store_garden_create(struct store *s, const struct garden_actor *who,
                                 const struct garden *g, int64_t now, int64_t *id,
                                 struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        int64_t gid = 0, dummy;
        int own = 0, found;
        enum cxg_err rc;

        if ((rc = require_staff(who, "create garden", err)) || (rc = model_garden_validate(g, err)))
                return rc;
        if ((rc = tx_open(s, &own, err)))
                return rc;
        st = store_stmt(s, "SELECT id FROM gardens WHERE ext_id = ? OR name = ?", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, g->key);
        store_bind_text(st, 2, g->name);
        if ((rc = step_int(s, st, "create garden", &dummy, &found, err)))
                goto done;
        if (found) {
                rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "key",
                                    "create garden: a garden with key \"%s\" or name \"%.64s\" "
                                    "exists already",
                                    g->key, g->name);
                goto done;
        }
        st = store_stmt(s,
                        "INSERT INTO gardens(ext_id, name, topic, topic_custom, goal, owner, "
                        "segment, starts_at, ends_at, created_at, created_by) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, g->key);
        store_bind_text(st, 2, g->name);
        store_bind_text(st, 3, model_garden_topic_name(g->topic));
        store_bind_text(st, 4, g->topic_custom);
        store_bind_text(st, 5, g->goal);
        store_bind_text(st, 6, g->owner);
        store_bind_text(st, 7, g->segment);
        store_bind_ts(st, 8, g->starts_at);
        store_bind_ts(st, 9, g->ends_at);
        sqlite3_bind_int64(st, 10, now);
        store_bind_text(st, 11, who->name);
        if ((rc = step_done(s, st, "create garden", err)))
                goto done;
        gid = sqlite3_last_insert_rowid(s->db);
        if ((rc = j_open(&b)) || (rc = j_str(&b, "key", g->key)) ||
            (rc = j_str(&b, "name", g->name)) ||
            (rc = j_str(&b, "topic", model_garden_topic_name(g->topic))) ||
            (rc = j_str(&b, "owner", g->owner)) || (rc = j_close(&b))) {
                rc = nomem(err, "create garden");
                goto done;
        }
        rc = audit(s, who, "create", "gardens", gid, &b, now, err);
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && id)
                *id = gid;
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

static enum cxg_err garden_rows(struct store *s, sqlite3_stmt *st, store_garden_cb cb, void *ctx,
                                int *n, struct cxg_error *err)
{
        struct store_garden_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        *n = 0;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                memset(&r, 0, sizeof(r));
                r.id = sqlite3_column_int64(st, 0);
                model_garden_init(&r.g);
                r.g.key = store_col_text(st, 1);
                r.g.name = store_col_text(st, 2);
                r.g.topic = parse_name(model_garden_topic_parse, store_col_text(st, 3));
                r.g.topic_custom = store_col_text(st, 4);
                r.g.goal = store_col_text(st, 5);
                r.g.owner = store_col_text(st, 6);
                r.g.segment = store_col_text(st, 7);
                r.g.starts_at = store_col_ts(st, 8);
                r.g.ends_at = store_col_ts(st, 9);
                r.created_at = sqlite3_column_int64(st, 10);
                r.created_by = store_col_text(st, 11);
                r.members = sqlite3_column_int64(st, 12);
                r.invited = sqlite3_column_int64(st, 13);
                r.accounts = sqlite3_column_int64(st, 14);
                r.ideas = sqlite3_column_int64(st, 15);
                (*n)++;
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read gardens", err);
        return rc;
}

enum cxg_err store_garden_list(struct store *s, store_garden_cb cb, void *ctx,
                               struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s, GARDEN_SELECT "ORDER BY g.id", err);
        int n;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        return garden_rows(s, st, cb, ctx, &n, err);
}

enum cxg_err store_garden_find(struct store *s, const char *key, store_garden_cb cb, void *ctx,
                               struct cxg_error *err)
{
        int64_t id = 0;
        sqlite3_stmt *st;
        int n;
        enum cxg_err rc;

        if ((rc = store_garden_id(s, key, &id, err)))
                return rc;
        st = store_stmt(s, GARDEN_SELECT "WHERE g.id = ?", err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, id);
        return garden_rows(s, st, cb, ctx, &n, err);
}

enum cxg_err store_garden_id(struct store *s, const char *key, int64_t *id, struct cxg_error *err)
{
        sqlite3_stmt *st;
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
        if ((rc = step_int(s, st, "find garden", id, &found, err)))
                return rc;
        if (!found)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "garden", "no garden \"%.64s\"", key);
        return CXG_OK;
}

/* ---- members ---- */

/* The member row of a person or user in a garden: *row_id 0 when none. */
static enum cxg_err member_row(struct store *s, int64_t garden_id, int64_t person_id,
                               int64_t user_id, int64_t *row_id, int *status, int64_t *invited_by,
                               int64_t *joined_at, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
                                      "SELECT id, status, invited_by, joined_at FROM "
                                      "garden_members WHERE garden_id = ? AND (person_id = ? OR "
                                      "user_id = ?)",
                                      err);
        int rc;

        *row_id = 0;
        *status = -1;
        *invited_by = 0;
        *joined_at = CXG_TS_NONE;
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, garden_id);
        sqlite3_bind_int64(st, 2, person_id ? person_id : -1);
        sqlite3_bind_int64(st, 3, user_id ? user_id : -1);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *row_id = sqlite3_column_int64(st, 0);
                *status = parse_name(model_garden_status_parse, store_col_text(st, 1));
                *invited_by = col_id(st, 2);
                *joined_at = store_col_ts(st, 3);
                rc = SQLITE_DONE;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sqlite_err(s, rc, "read garden member", err);
        return CXG_OK;
}

static enum cxg_err user_id_of(struct store *s, const char *name, int64_t *id, int *urole,
                               struct cxg_error *err)
{
        struct garden_actor a;
        enum cxg_err rc = store_garden_actor(s, name, &a, err);

        if (!rc) {
                *id = a.user_id;
                if (urole)
                        *urole = a.role;
        }
        return rc;
}

/* Credit the inviter of an accepted member with promotion. */
static enum cxg_err credit_inviter(struct store *s, const struct garden_actor *who,
                                   int64_t garden_id, int64_t inviter, int64_t member_row,
                                   int64_t member_person, int64_t now, struct cxg_error *err)
{
        sqlite3_stmt *st;
        int64_t ipid = 0;
        int urole = -1, member, mrole = -1, rc;
        char name[128] = "";
        struct garden_actor ia;
        enum cxg_err e;

        if (!inviter)
                return CXG_OK;
        st = store_stmt(s, "SELECT name, role, person_id FROM users WHERE id = ?", err);
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, inviter);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                snprintf(name, sizeof(name), "%s", store_col_text(st, 0));
                urole = parse_name(model_garden_urole_parse, store_col_text(st, 1));
                ipid = col_id(st, 2);
                rc = SQLITE_DONE;
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sqlite_err(s, rc, "read inviter", err);
        if (!name[0] || (ipid && ipid == member_person))
                return CXG_OK; /* nobody to credit, or one cannot promote oneself */
        memset(&ia, 0, sizeof(ia));
        ia.user_id = inviter;
        ia.role = urole;
        ia.person_id = ipid;
        snprintf(ia.name, sizeof(ia.name), "%s", name);
        if ((e = actor_membership(s, &ia, garden_id, &member, &mrole, err)))
                return e;
        return ledger_add(s, who, inviter, ipid, team_of(urole, mrole), garden_id, LEDGER_PROMOTION,
                          "invitation", member_row, NULL, now, NULL, err);
}

enum cxg_err store_garden_member_add(struct store *s, const struct garden_actor *who,
                                     int64_t garden_id, const struct garden_member *m, int64_t now,
                                     int64_t *id, struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        int64_t pid = 0, aid = 0, uid = 0, row = 0, inv = 0, joined, mid = 0, dummy;
        int own = 0, status, urole = -1, found, member, mrole;
        enum cxg_err rc;

        if ((rc = model_garden_member_validate(m, err)))
                return rc;
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = int_by_id(s, "SELECT id FROM gardens WHERE id = ?", garden_id,
                            "add garden member", &dummy, &found, err)))
                goto done;
        if (!found) {
                rc = cxg_error_setf(err, CXG_ERR_NOTFOUND, "garden",
                                    "add garden member: no such "
                                    "garden");
                goto done;
        }
        if (m->person) {
                if ((rc = person_id_of(s, m->person, &pid, &aid, err)))
                        goto done;
                if (!model_garden_can_manage(who->role)) {
                        /*
                         * a member introduces a colleague of their own account; an account
                         * manager inside the garden invites people of the accounts they own
                         */
                        int64_t tmp = 0, allowed = 0;

                        if ((rc = actor_membership(s, who, garden_id, &member, &mrole, err)))
                                goto done;
                        if (member && who->role == GARDEN_UROLE_MEMBER && who->person_id) {
                                st = store_stmt(s,
                                                "SELECT count(*) FROM people WHERE id = ? AND "
                                                "account_id = ?",
                                                err);
                                if (st) {
                                        sqlite3_bind_int64(st, 1, who->person_id);
                                        sqlite3_bind_int64(st, 2, aid);
                                }
                        } else if (member && who->role == GARDEN_UROLE_ACCOUNT_MANAGER) {
                                st = store_stmt(s,
                                                "SELECT count(*) FROM accounts WHERE id = ? AND "
                                                "owner = ?",
                                                err);
                                if (st) {
                                        sqlite3_bind_int64(st, 1, aid);
                                        store_bind_text(st, 2, who->name);
                                }
                        } else {
                                st = NULL;
                                tmp = -1;
                        }
                        if (!st && tmp == 0) {
                                rc = err ? err->code : CXG_ERR_STORE;
                                goto done;
                        }
                        if (st &&
                            (rc = step_int(s, st, "add garden member", &allowed, &found, err)))
                                goto done;
                        if (!allowed || m->status != GARDEN_ST_INVITED) {
                                rc = cxg_error_setf(
                                    err, CXG_ERR_FORBIDDEN, "user",
                                    "add garden member: %s may not invite \"%.64s\" (staff invite "
                                    "anyone; an account manager in the garden invites people of "
                                    "the accounts they own; a member invites colleagues of their "
                                    "own account)",
                                    who->name, m->person);
                                goto done;
                        }
                }
                if (m->status != GARDEN_ST_INVITED && m->status != GARDEN_ST_ACCEPTED) {
                        rc = cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                            "add garden member: a new member is invited or "
                                            "accepted");
                        goto done;
                }
        } else {
                if ((rc = require_staff(who, "add garden member", err)) ||
                    (rc = user_id_of(s, m->user, &uid, &urole, err)))
                        goto done;
                if (urole == GARDEN_UROLE_MEMBER) {
                        rc = cxg_error_setf(err, CXG_ERR_INVALID, "user",
                                            "add garden member: user \"%.64s\" is a customer "
                                            "member: add their person instead",
                                            m->user);
                        goto done;
                }
        }
        if ((rc = member_row(s, garden_id, pid, uid, &row, &status, &inv, &joined, err)))
                goto done;
        if (row && (status == GARDEN_ST_INVITED || status == GARDEN_ST_ACCEPTED)) {
                rc = cxg_error_setf(err, CXG_ERR_CONFLICT, m->person ? "person" : "user",
                                    "add garden member: \"%.64s\" is already %s",
                                    m->person ? m->person : m->user,
                                    model_garden_status_name(status));
                goto done;
        }
        if (row) {
                st = store_stmt(s,
                                "UPDATE garden_members SET role = ?, status = ?, invited_by = ?, "
                                "invited_at = ?, responded_at = ?, joined_at = coalesce(joined_at, "
                                "?), left_at = NULL WHERE id = ?",
                                err);
                if (st)
                        sqlite3_bind_int64(st, 7, row);
        } else {
                st = store_stmt(s,
                                "INSERT INTO garden_members(role, status, invited_by, invited_at, "
                                "responded_at, joined_at, garden_id, person_id, user_id) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                err);
                if (st) {
                        sqlite3_bind_int64(st, 7, garden_id);
                        bind_id(st, 8, pid);
                        bind_id(st, 9, uid);
                }
        }
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, model_garden_mrole_name(m->role));
        store_bind_text(st, 2, model_garden_status_name(m->status));
        sqlite3_bind_int64(st, 3, who->user_id);
        sqlite3_bind_int64(st, 4, now);
        if (m->status == GARDEN_ST_ACCEPTED) {
                sqlite3_bind_int64(st, 5, now);
                sqlite3_bind_int64(st, 6, now);
        } else {
                sqlite3_bind_null(st, 5);
                sqlite3_bind_null(st, 6);
        }
        if ((rc = step_done(s, st, "add garden member", err)))
                goto done;
        mid = row ? row : sqlite3_last_insert_rowid(s->db);
        if ((rc = j_open(&b)) || (rc = j_int(&b, "garden_id", garden_id)) ||
            (rc = j_str(&b, m->person ? "person" : "user", m->person ? m->person : m->user)) ||
            (rc = j_str(&b, "role", model_garden_mrole_name(m->role))) ||
            (rc = j_str(&b, "status", model_garden_status_name(m->status))) || (rc = j_close(&b))) {
                rc = nomem(err, "add garden member");
                goto done;
        }
        if ((rc = audit(s, who, m->status == GARDEN_ST_INVITED ? "invite" : "add", "garden_members",
                        mid, &b, now, err)))
                goto done;
        /* accepted at once for a customer: who brought them in is credited */
        if (m->person && m->status == GARDEN_ST_ACCEPTED && joined == CXG_TS_NONE)
                rc = credit_inviter(s, who, garden_id, who->user_id, mid, pid, now, err);
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && id)
                *id = mid;
        return rc;
}

enum cxg_err store_garden_member_status(struct store *s, const struct garden_actor *who,
                                        int64_t garden_id, const char *person_ext,
                                        const char *user_name, int status, int64_t now,
                                        struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        int64_t pid = 0, uid = 0, row, inviter, joined;
        int own = 0, cur, ok;
        enum cxg_err rc;

        if (status < 0 || status >= GARDEN_ST__COUNT || status == GARDEN_ST_INVITED)
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "garden member: status must be accepted, declined or left "
                                      "(invite with add-member)");
        if ((!person_ext) == (!user_name))
                return cxg_error_setf(err, CXG_ERR_USAGE, "person",
                                      "garden member: give a person or a user");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if (person_ext)
                rc = person_id_of(s, person_ext, &pid, NULL, err);
        else
                rc = user_id_of(s, user_name, &uid, NULL, err);
        if (rc)
                goto done;
        if (!model_garden_can_manage(who->role) &&
            !(pid && who->role == GARDEN_UROLE_MEMBER && who->person_id == pid) &&
            !(uid && uid == who->user_id)) {
                rc = cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                    "garden member: %s may not answer for \"%.64s\"", who->name,
                                    person_ext ? person_ext : user_name);
                goto done;
        }
        if ((rc = member_row(s, garden_id, pid, uid, &row, &cur, &inviter, &joined, err)))
                goto done;
        if (!row) {
                rc = cxg_error_setf(err, CXG_ERR_NOTFOUND, person_ext ? "person" : "user",
                                    "garden member: \"%.64s\" is not invited to this garden",
                                    person_ext ? person_ext : user_name);
                goto done;
        }
        ok = (cur == GARDEN_ST_INVITED &&
              (status == GARDEN_ST_ACCEPTED || status == GARDEN_ST_DECLINED)) ||
             (cur == GARDEN_ST_ACCEPTED && status == GARDEN_ST_LEFT);
        if (!ok) {
                rc = cxg_error_setf(
                    err, CXG_ERR_CONFLICT, "status", "garden member: cannot go from %s to %s",
                    model_garden_status_name(cur), model_garden_status_name(status));
                goto done;
        }
        st = store_stmt(s,
                        "UPDATE garden_members SET status = ?1, responded_at = CASE WHEN ?1 = "
                        "'left' THEN responded_at ELSE ?2 END, joined_at = CASE WHEN ?1 = "
                        "'accepted' THEN coalesce(joined_at, ?2) ELSE joined_at END, left_at = "
                        "CASE WHEN ?1 = 'left' THEN ?2 ELSE left_at END WHERE id = ?3",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, model_garden_status_name(status));
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, row);
        if ((rc = step_done(s, st, "change garden member", err)))
                goto done;
        if ((rc = j_open(&b)) || (rc = j_int(&b, "garden_id", garden_id)) ||
            (rc = j_str(&b, "from", model_garden_status_name(cur))) ||
            (rc = j_str(&b, "to", model_garden_status_name(status))) || (rc = j_close(&b))) {
                rc = nomem(err, "change garden member");
                goto done;
        }
        if ((rc = audit(s, who, "status", "garden_members", row, &b, now, err)))
                goto done;
        if (status == GARDEN_ST_ACCEPTED && pid && joined == CXG_TS_NONE)
                rc = credit_inviter(s, who, garden_id, inviter, row, pid, now, err);
done:
        cxg_buf_release(&b);
        return tx_close(s, own, rc, err);
}

enum cxg_err store_garden_members(struct store *s, int64_t garden_id, store_member_cb cb, void *ctx,
                                  struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(
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
        sqlite3_bind_int64(st, 1, garden_id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                r.id = sqlite3_column_int64(st, 0);
                r.garden_id = sqlite3_column_int64(st, 1);
                r.person_id = col_id(st, 2);
                r.person = store_col_text(st, 3);
                r.person_name = store_col_text(st, 4);
                r.account_id = col_id(st, 5);
                r.account = store_col_text(st, 6);
                r.user_id = col_id(st, 7);
                r.user = store_col_text(st, 8);
                r.role = parse_name(model_garden_mrole_parse, store_col_text(st, 9));
                r.status = parse_name(model_garden_status_parse, store_col_text(st, 10));
                r.invited_by = store_col_text(st, 11);
                r.invited_at = store_col_ts(st, 12);
                r.responded_at = store_col_ts(st, 13);
                r.joined_at = store_col_ts(st, 14);
                r.left_at = store_col_ts(st, 15);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read garden members", err);
        return rc;
}

enum cxg_err store_garden_person_status(struct store *s, int64_t garden_id, int64_t person_id,
                                        int *status, struct cxg_error *err)
{
        int64_t row, inv, joined;

        return member_row(s, garden_id, person_id ? person_id : -1, 0, &row, status, &inv, &joined,
                          err);
}

enum cxg_err store_garden_accounts(struct store *s, store_garden_account_cb cb, void *ctx,
                                   struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
                                      "SELECT g.id, g.ext_id, p.account_id, min(m.joined_at) "
                                      "FROM garden_members m JOIN gardens g ON g.id = "
                                      "m.garden_id JOIN people p ON p.id = m.person_id WHERE "
                                      "m.joined_at IS NOT NULL GROUP BY g.id, p.account_id "
                                      "ORDER BY g.id, p.account_id",
                                      err);
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                if ((rc = cb(ctx, sqlite3_column_int64(st, 0), store_col_text(st, 1),
                             sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3))))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read garden accounts", err);
        return rc;
}

/* ---- ideas ---- */

struct idea_core {
        int64_t id, garden_id, author_id;
        int state, round, metric;
};

static enum cxg_err idea_core(struct store *s, int64_t id, struct idea_core *c,
                              struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
                                      "SELECT garden_id, author_id, state, review_round, "
                                      "target_metric FROM ideas WHERE id = ?",
                                      err);
        int rc;

        memset(c, 0, sizeof(*c));
        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                c->id = id;
                c->garden_id = sqlite3_column_int64(st, 0);
                c->author_id = sqlite3_column_int64(st, 1);
                c->state = parse_name(model_idea_state_parse, store_col_text(st, 2));
                c->round = sqlite3_column_int(st, 3);
                c->metric = parse_name(model_garden_metric_parse, store_col_text(st, 4));
                rc = SQLITE_DONE;
        } else if (rc == SQLITE_DONE) {
                sqlite3_reset(st);
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "idea", "no idea %" PRId64, id);
        }
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
                return store_sqlite_err(s, rc, "read idea", err);
        return CXG_OK;
}

enum cxg_err store_idea_create(struct store *s, const struct garden_actor *who, int64_t garden_id,
                               const struct idea *idea, int64_t now, int64_t *id,
                               struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        int64_t iid = 0;
        int own = 0, mrole;
        enum cxg_err rc;

        if ((rc = model_idea_validate(idea, err)))
                return rc;
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = require_participant(s, who, garden_id, "create idea", &mrole, err)))
                goto done;
        st = store_stmt(s,
                        "INSERT INTO ideas(garden_id, title, description, hypothesis, "
                        "target_metric, author_id, state, created_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, 'proposed', ?, ?)",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, garden_id);
        store_bind_text(st, 2, idea->title);
        store_bind_text(st, 3, idea->description);
        store_bind_text(st, 4, idea->hypothesis);
        store_bind_text(st, 5, model_garden_metric_name(idea->target_metric));
        sqlite3_bind_int64(st, 6, who->user_id);
        sqlite3_bind_int64(st, 7, now);
        sqlite3_bind_int64(st, 8, now);
        if ((rc = step_done(s, st, "create idea", err)))
                goto done;
        iid = sqlite3_last_insert_rowid(s->db);
        if ((rc = j_open(&b)) || (rc = j_int(&b, "garden_id", garden_id)) ||
            (rc = j_str(&b, "title", idea->title)) ||
            (rc = j_str(&b, "target_metric", model_garden_metric_name(idea->target_metric))) ||
            (rc = j_close(&b))) {
                rc = nomem(err, "create idea");
                goto done;
        }
        if ((rc = audit(s, who, "create", "ideas", iid, &b, now, err)))
                goto done;
        rc = credit_actor(s, who, garden_id, LEDGER_IDEA, "idea", iid, now, err);
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && id)
                *id = iid;
        return rc;
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

static enum cxg_err idea_rows(struct store *s, sqlite3_stmt *st, store_idea_cb cb, void *ctx,
                              int *n, struct cxg_error *err)
{
        struct store_idea_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        *n = 0;
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                memset(&r, 0, sizeof(r));
                r.id = sqlite3_column_int64(st, 0);
                r.garden_id = sqlite3_column_int64(st, 1);
                r.garden_key = store_col_text(st, 2);
                model_idea_init(&r.idea);
                r.idea.title = store_col_text(st, 3);
                r.idea.description = store_col_text(st, 4);
                r.idea.hypothesis = store_col_text(st, 5);
                r.idea.target_metric = parse_name(model_garden_metric_parse, store_col_text(st, 6));
                r.state = parse_name(model_idea_state_parse, store_col_text(st, 7));
                r.author_id = sqlite3_column_int64(st, 8);
                r.author = store_col_text(st, 9);
                r.author_person = col_id(st, 10);
                r.review_round = sqlite3_column_int(st, 11);
                r.created_at = sqlite3_column_int64(st, 12);
                r.updated_at = sqlite3_column_int64(st, 13);
                r.votes_up = sqlite3_column_int64(st, 14);
                r.votes_down = sqlite3_column_int64(st, 15);
                r.comments = sqlite3_column_int64(st, 16);
                r.approvals = sqlite3_column_int64(st, 17);
                (*n)++;
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read ideas", err);
        return rc;
}

enum cxg_err store_idea_list(struct store *s, int64_t garden_id, int state, store_idea_cb cb,
                             void *ctx, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
                                      IDEA_SELECT "WHERE (?1 = 0 OR i.garden_id = ?1) AND "
                                                  "(?2 IS NULL OR i.state = ?2) ORDER BY i.id",
                                      err);
        int n;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, garden_id);
        if (state >= 0)
                store_bind_text(st, 2, model_idea_state_name(state));
        return idea_rows(s, st, cb, ctx, &n, err);
}

enum cxg_err store_idea_get(struct store *s, int64_t id, store_idea_cb cb, void *ctx,
                            struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s, IDEA_SELECT "WHERE i.id = ?", err);
        int n;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, id);
        if ((rc = idea_rows(s, st, cb, ctx, &n, err)))
                return rc;
        if (!n)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "idea", "no idea %" PRId64, id);
        return CXG_OK;
}

/* Load an idea that can still take votes and comments, and check who may take part. */
static enum cxg_err open_idea(struct store *s, const struct garden_actor *who, int64_t idea_id,
                              const char *what, struct idea_core *c, struct cxg_error *err)
{
        int mrole;
        enum cxg_err rc;

        if ((rc = idea_core(s, idea_id, c, err)))
                return rc;
        if ((rc = require_participant(s, who, c->garden_id, what, &mrole, err)))
                return rc;
        if (model_idea_state_final(c->state))
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state", "%s: idea %" PRId64 " is %s",
                                      what, idea_id, model_idea_state_name(c->state));
        return CXG_OK;
}

enum cxg_err store_idea_vote(struct store *s, const struct garden_actor *who, int64_t idea_id,
                             int value, int64_t now, struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        struct idea_core c;
        int64_t prev = 0;
        int own = 0, found;
        enum cxg_err rc;

        if (value != 1 && value != -1)
                return cxg_error_setf(err, CXG_ERR_INVALID, "value",
                                      "vote: value must be up (+1) or down (-1)");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = open_idea(s, who, idea_id, "vote", &c, err)))
                goto done;
        st = store_stmt(s, "SELECT value FROM idea_votes WHERE idea_id = ? AND user_id = ?", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, idea_id);
        sqlite3_bind_int64(st, 2, who->user_id);
        if ((rc = step_int(s, st, "vote", &prev, &found, err)))
                goto done;
        st = store_stmt(s,
                        "INSERT INTO idea_votes(idea_id, user_id, value, at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT(idea_id, user_id) DO UPDATE SET value = excluded.value, "
                        "at = excluded.at",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, idea_id);
        sqlite3_bind_int64(st, 2, who->user_id);
        sqlite3_bind_int(st, 3, value);
        sqlite3_bind_int64(st, 4, now);
        if ((rc = step_done(s, st, "vote", err)))
                goto done;
        if ((rc = j_open(&b)) || (rc = j_int(&b, "value", value)) ||
            (found && (rc = j_int(&b, "previous", prev))) || (rc = j_close(&b))) {
                rc = nomem(err, "vote");
                goto done;
        }
        if ((rc = audit(s, who, "vote", "ideas", idea_id, &b, now, err)))
                goto done;
        if (!found)
                rc = credit_actor(s, who, c.garden_id, LEDGER_PARTICIPATION, "vote", idea_id, now,
                                  err);
done:
        cxg_buf_release(&b);
        return tx_close(s, own, rc, err);
}

enum cxg_err store_idea_comment(struct store *s, const struct garden_actor *who, int64_t idea_id,
                                const char *body, int64_t now, int64_t *id, struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        struct idea_core c;
        int64_t cid = 0;
        int own = 0;
        size_t n = body ? strlen(body) : 0;
        enum cxg_err rc;

        if (!body || cxg_is_blank(body, n))
                return cxg_error_setf(err, CXG_ERR_INVALID, "body", "comment: the text is empty");
        if (n > 8000 || !cxg_utf8_valid(body, n))
                return cxg_error_setf(err, CXG_ERR_INVALID, "body",
                                      "comment: the text must be valid UTF-8 of at most 8000 "
                                      "bytes");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = open_idea(s, who, idea_id, "comment", &c, err)))
                goto done;
        st = store_stmt(
            s, "INSERT INTO idea_comments(idea_id, user_id, body, at) VALUES (?, ?, ?, ?)", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, idea_id);
        sqlite3_bind_int64(st, 2, who->user_id);
        store_bind_text(st, 3, body);
        sqlite3_bind_int64(st, 4, now);
        if ((rc = step_done(s, st, "comment", err)))
                goto done;
        cid = sqlite3_last_insert_rowid(s->db);
        if ((rc = j_open(&b)) || (rc = j_int(&b, "idea_id", idea_id)) ||
            (rc = j_int(&b, "bytes", (int64_t)n)) || (rc = j_close(&b))) {
                rc = nomem(err, "comment");
                goto done;
        }
        if ((rc = audit(s, who, "create", "idea_comments", cid, &b, now, err)))
                goto done;
        /* remarks on a running experiment are feedback on it */
        rc = credit_actor(s, who, c.garden_id,
                          c.state == IDEA_RUNNING ? LEDGER_FEEDBACK : LEDGER_PARTICIPATION,
                          "comment", cid, now, err);
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && id)
                *id = cid;
        return rc;
}

/* Number of rows of a count query with one id bound. */
static enum cxg_err count_of(struct store *s, const char *sql, int64_t a, int64_t b, int64_t *n,
                             struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s, sql, err);
        int found;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, a);
        sqlite3_bind_int64(st, 2, b);
        return step_int(s, st, "count", n, &found, err);
}

enum cxg_err store_idea_move(struct store *s, const struct garden_actor *who, int64_t idea_id,
                             int to, const char *why, const struct garden_rules *rules, int64_t now,
                             struct store_move_result *res, struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        struct idea_core c;
        struct idea_relation rel = {0};
        struct store_move_result out = {0};
        unsigned needs = 0;
        int64_t n = 0;
        int own = 0, member, mrole, needed = rules ? rules->approvers : 2;
        enum cxg_err rc;

        if (!why || cxg_is_blank(why, strlen(why)))
                return cxg_error_setf(err, CXG_ERR_INVALID, "why",
                                      "move idea: say why (--why TEXT): every transition is "
                                      "recorded with its reason");
        if (strlen(why) > 4000 || !cxg_utf8_valid(why, strlen(why)))
                return cxg_error_setf(err, CXG_ERR_INVALID, "why",
                                      "move idea: the reason must be valid UTF-8 of at most 4000 "
                                      "bytes");
        if (needed < 1)
                needed = 1;
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = idea_core(s, idea_id, &c, err)) ||
            (rc = actor_membership(s, who, c.garden_id, &member, &mrole, err)))
                goto done;
        /* a member who does not belong to the garden learns nothing of its ideas */
        if (who->role == GARDEN_UROLE_MEMBER && !member) {
                rc = cxg_error_setf(err, CXG_ERR_NOTFOUND, "idea", "no idea %" PRId64, idea_id);
                goto done;
        }
        rel.is_author = c.author_id == who->user_id;
        rel.is_member = member;
        rel.is_sponsor = member && (mrole == GARDEN_MROLE_SPONSOR || mrole == GARDEN_MROLE_BOARD);
        out.from = c.state;
        out.to = to;
        out.needed = needed;
        if ((rc = model_idea_transition_check(c.state, to, who, &rel, &needs, err)))
                goto done;
        if (needs & IDEA_NEED_APPROVALS) {
                st = store_stmt(s,
                                "INSERT INTO idea_approvals(idea_id, review_round, user_id, why, "
                                "at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                                err);
                if (!st) {
                        rc = err ? err->code : CXG_ERR_STORE;
                        goto done;
                }
                sqlite3_bind_int64(st, 1, idea_id);
                sqlite3_bind_int(st, 2, c.round);
                sqlite3_bind_int64(st, 3, who->user_id);
                store_bind_text(st, 4, why);
                sqlite3_bind_int64(st, 5, now);
                if ((rc = step_done(s, st, "approve idea", err)))
                        goto done;
                if (sqlite3_changes(s->db) == 0) {
                        rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "user",
                                            "approve idea: %s has approved idea %" PRId64
                                            " already in this review (approvals must come from "
                                            "distinct people)",
                                            who->name, idea_id);
                        goto done;
                }
                if ((rc = j_open(&b)) || (rc = j_int(&b, "review_round", c.round)) ||
                    (rc = j_str(&b, "why", why)) || (rc = j_close(&b))) {
                        rc = nomem(err, "approve idea");
                        goto done;
                }
                if ((rc = audit(s, who, "approve", "ideas", idea_id, &b, now, err)))
                        goto done;
                cxg_buf_release(&b);
                if ((rc = ledger_add(s, who, who->user_id, who->person_id,
                                     team_of(who->role, mrole), c.garden_id,
                                     rel.is_sponsor ? LEDGER_SPONSORING : LEDGER_ENABLING,
                                     "approval", idea_id, NULL, now, NULL, err)))
                        goto done;
                if ((rc = count_of(s,
                                   "SELECT count(*) FROM idea_approvals WHERE idea_id = ? AND "
                                   "review_round = ?",
                                   idea_id, c.round, &n, err)))
                        goto done;
                out.approvals = (int)n;
                if (n < needed)
                        goto done; /* recorded; the move waits for more approvers */
        }
        if (needs & IDEA_NEED_EXPERIMENT) {
                if ((rc = count_of(s,
                                   "SELECT count(*) FROM experiments e JOIN experiment_accounts a "
                                   "ON a.experiment_id = e.id WHERE e.idea_id = ?1 AND ?2 = 0",
                                   idea_id, 0, &n, err)))
                        goto done;
                if (n == 0) {
                        rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "experiment",
                                            "move idea: idea %" PRId64 " has no experiment with "
                                            "participating accounts yet (set one up first)",
                                            idea_id);
                        goto done;
                }
        }
        if (needs & IDEA_NEED_RESULTS) {
                if ((rc = count_of(s,
                                   "SELECT count(*) FROM experiments WHERE idea_id = ? AND "
                                   "result IS NOT NULL AND ?2 = 0",
                                   idea_id, 0, &n, err)))
                        goto done;
                if (n == 0) {
                        rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "experiment",
                                            "move idea: the experiment of idea %" PRId64
                                            " has no recorded results yet",
                                            idea_id);
                        goto done;
                }
        }
        st = store_stmt(s,
                        "UPDATE ideas SET state = ?, updated_at = ?, review_round = review_round "
                        "+ ? WHERE id = ?",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, model_idea_state_name(to));
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int(st, 3, to == IDEA_UNDER_REVIEW ? 1 : 0);
        sqlite3_bind_int64(st, 4, idea_id);
        if ((rc = step_done(s, st, "move idea", err)))
                goto done;
        st = store_stmt(s,
                        "INSERT INTO idea_transitions(idea_id, user_id, from_state, to_state, why, "
                        "at) VALUES (?, ?, ?, ?, ?, ?)",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, idea_id);
        sqlite3_bind_int64(st, 2, who->user_id);
        store_bind_text(st, 3, model_idea_state_name(c.state));
        store_bind_text(st, 4, model_idea_state_name(to));
        store_bind_text(st, 5, why);
        sqlite3_bind_int64(st, 6, now);
        if ((rc = step_done(s, st, "move idea", err)))
                goto done;
        if (to == IDEA_RUNNING) {
                st = store_stmt(s, "UPDATE experiments SET status = 'running' WHERE idea_id = ?",
                                err);
                if (!st) {
                        rc = err ? err->code : CXG_ERR_STORE;
                        goto done;
                }
                sqlite3_bind_int64(st, 1, idea_id);
                if ((rc = step_done(s, st, "move idea", err)))
                        goto done;
        }
        if ((rc = j_open(&b)) || (rc = j_str(&b, "from", model_idea_state_name(c.state))) ||
            (rc = j_str(&b, "to", model_idea_state_name(to))) || (rc = j_str(&b, "why", why)) ||
            (rc = j_close(&b))) {
                rc = nomem(err, "move idea");
                goto done;
        }
        if ((rc = audit(s, who, "transition", "ideas", idea_id, &b, now, err)))
                goto done;
        out.moved = 1;
        if (to == IDEA_ADOPTED) {
                /* an adopted idea earns its author idea points once more */
                struct garden_actor au;
                char name[128] = "";

                st = store_stmt(s, "SELECT name, role, person_id FROM users WHERE id = ?", err);
                if (!st) {
                        rc = err ? err->code : CXG_ERR_STORE;
                        goto done;
                }
                sqlite3_bind_int64(st, 1, c.author_id);
                if (sqlite3_step(st) == SQLITE_ROW) {
                        memset(&au, 0, sizeof(au));
                        snprintf(name, sizeof(name), "%s", store_col_text(st, 0));
                        au.role = parse_name(model_garden_urole_parse, store_col_text(st, 1));
                        au.person_id = col_id(st, 2);
                }
                sqlite3_reset(st);
                if (name[0]) {
                        au.user_id = c.author_id;
                        snprintf(au.name, sizeof(au.name), "%s", name);
                        if ((rc = actor_membership(s, &au, c.garden_id, &member, &mrole, err)))
                                goto done;
                        rc = ledger_add(s, who, au.user_id, au.person_id, team_of(au.role, mrole),
                                        c.garden_id, LEDGER_IDEA, "adoption", idea_id, NULL, now,
                                        NULL, err);
                }
        }
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && res)
                *res = out;
        return rc;
}

enum cxg_err store_idea_transitions(struct store *s, int64_t idea_id, store_transition_cb cb,
                                    void *ctx, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
                                      "SELECT t.id, t.from_state, t.to_state, u.name, t.why, t.at "
                                      "FROM idea_transitions t JOIN users u ON u.id = t.user_id "
                                      "WHERE t.idea_id = ? ORDER BY t.id",
                                      err);
        struct store_transition_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, idea_id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                r.id = sqlite3_column_int64(st, 0);
                r.idea_id = idea_id;
                r.from = parse_name(model_idea_state_parse, store_col_text(st, 1));
                r.to = parse_name(model_idea_state_parse, store_col_text(st, 2));
                r.user = store_col_text(st, 3);
                r.why = store_col_text(st, 4);
                r.at = sqlite3_column_int64(st, 5);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read idea transitions", err);
        return rc;
}

static enum cxg_err comment_rows(struct store *s, sqlite3_stmt *st, int64_t idea_id, int votes,
                                 store_comment_cb cb, void *ctx, struct cxg_error *err)
{
        struct store_comment_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        sqlite3_bind_int64(st, 1, idea_id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                memset(&r, 0, sizeof(r));
                r.id = sqlite3_column_int64(st, 0);
                r.idea_id = idea_id;
                r.user_id = sqlite3_column_int64(st, 1);
                r.user = store_col_text(st, 2);
                if (votes)
                        r.value = sqlite3_column_int(st, 3);
                else
                        r.body = store_col_text(st, 3);
                r.at = sqlite3_column_int64(st, 4);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read comments", err);
        return rc;
}

enum cxg_err store_idea_comments(struct store *s, int64_t idea_id, store_comment_cb cb, void *ctx,
                                 struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
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
        sqlite3_stmt *st = store_stmt(s,
                                      "SELECT 0, v.user_id, u.name, v.value, v.at FROM idea_votes "
                                      "v JOIN users u ON u.id = v.user_id WHERE v.idea_id = ? "
                                      "ORDER BY v.user_id",
                                      err);

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        return comment_rows(s, st, idea_id, 1, cb, ctx, err);
}

/* ---- experiments ---- */

enum cxg_err store_experiment_set(struct store *s, const struct garden_actor *who, int64_t idea_id,
                                  int64_t starts_at, int64_t ends_at, const char *const *accounts,
                                  size_t n_accounts, int64_t now, int64_t *id,
                                  struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        struct idea_core c;
        int64_t eid = 0, aid, prev = 0;
        int own = 0, found;
        enum cxg_err rc;

        if ((rc = require_staff(who, "set up experiment", err)))
                return rc;
        if (starts_at == CXG_TS_NONE || ends_at == CXG_TS_NONE || ends_at <= starts_at)
                return cxg_error_setf(err, CXG_ERR_INVALID, "ends_at",
                                      "set up experiment: give a start and an end after it");
        if (n_accounts == 0)
                return cxg_error_setf(err, CXG_ERR_INVALID, "accounts",
                                      "set up experiment: no participating accounts");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = idea_core(s, idea_id, &c, err)))
                goto done;
        if (c.state != IDEA_APPROVED) {
                rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                    "set up experiment: idea %" PRId64 " is %s (experiments are "
                                    "set up for approved ideas)",
                                    idea_id, model_idea_state_name(c.state));
                goto done;
        }
        if ((rc = int_by_id(s, "SELECT id FROM experiments WHERE idea_id = ?", idea_id,
                            "set up experiment", &prev, &found, err)))
                goto done;
        if (found) {
                eid = prev;
                st = store_stmt(s,
                                "UPDATE experiments SET starts_at = ?, ends_at = ?, metric = ? "
                                "WHERE id = ?",
                                err);
                if (st)
                        sqlite3_bind_int64(st, 4, eid);
        } else {
                st = store_stmt(s,
                                "INSERT INTO experiments(starts_at, ends_at, metric, idea_id, "
                                "status, created_by, created_at) VALUES (?, ?, ?, ?, 'planned', "
                                "?, ?)",
                                err);
                if (st) {
                        sqlite3_bind_int64(st, 4, idea_id);
                        sqlite3_bind_int64(st, 5, who->user_id);
                        sqlite3_bind_int64(st, 6, now);
                }
        }
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, starts_at);
        sqlite3_bind_int64(st, 2, ends_at);
        store_bind_text(st, 3, model_garden_metric_name(c.metric));
        if ((rc = step_done(s, st, "set up experiment", err)))
                goto done;
        if (!found)
                eid = sqlite3_last_insert_rowid(s->db);
        st = store_stmt(s, "DELETE FROM experiment_accounts WHERE experiment_id = ?", err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, eid);
        if ((rc = step_done(s, st, "set up experiment", err)))
                goto done;
        for (size_t k = 0; k < n_accounts; k++) {
                rc = store_account_ref(s, accounts[k], strlen(accounts[k]), &aid, err);
                if (rc == CXG_ERR_NOTFOUND)
                        rc = cxg_error_setf(err, CXG_ERR_NOTFOUND, "accounts",
                                            "set up experiment: unknown account \"%.64s\"",
                                            accounts[k]);
                if (rc)
                        goto done;
                st = store_stmt(s,
                                "INSERT OR IGNORE INTO experiment_accounts(experiment_id, "
                                "account_id) VALUES (?, ?)",
                                err);
                if (!st) {
                        rc = err ? err->code : CXG_ERR_STORE;
                        goto done;
                }
                sqlite3_bind_int64(st, 1, eid);
                sqlite3_bind_int64(st, 2, aid);
                if ((rc = step_done(s, st, "set up experiment", err)))
                        goto done;
        }
        if ((rc = j_open(&b)) || (rc = j_int(&b, "idea_id", idea_id)) ||
            (rc = j_int(&b, "starts_at", starts_at)) || (rc = j_int(&b, "ends_at", ends_at)) ||
            (rc = j_int(&b, "accounts", (int64_t)n_accounts)) || (rc = j_close(&b))) {
                rc = nomem(err, "set up experiment");
                goto done;
        }
        if ((rc = audit(s, who, found ? "update" : "create", "experiments", eid, &b, now, err)))
                goto done;
        if (!found)
                rc =
                    credit_actor(s, who, c.garden_id, LEDGER_ENABLING, "experiment", eid, now, err);
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && id)
                *id = eid;
        return rc;
}

enum cxg_err store_experiment_record(struct store *s, const struct garden_actor *who,
                                     int64_t idea_id, const char *result_json, int64_t now,
                                     struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        struct idea_core c;
        int64_t eid = 0;
        int own = 0, found;
        enum cxg_err rc;

        if ((rc = require_staff(who, "record experiment results", err)))
                return rc;
        if (!result_json || result_json[0] != '{')
                return cxg_error_setf(err, CXG_ERR_INVALID, "result",
                                      "record experiment results: the result must be a JSON "
                                      "object");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = idea_core(s, idea_id, &c, err)))
                goto done;
        if (c.state != IDEA_RUNNING) {
                rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                    "record experiment results: idea %" PRId64 " is %s, not "
                                    "running",
                                    idea_id, model_idea_state_name(c.state));
                goto done;
        }
        if ((rc = int_by_id(s, "SELECT id FROM experiments WHERE idea_id = ?", idea_id,
                            "record experiment results", &eid, &found, err)))
                goto done;
        if (!found) {
                rc = cxg_error_setf(err, CXG_ERR_NOTFOUND, "experiment",
                                    "record experiment results: idea %" PRId64 " has no experiment",
                                    idea_id);
                goto done;
        }
        st = store_stmt(s,
                        "UPDATE experiments SET result = json(?), result_at = ?, status = "
                        "'finished' WHERE id = ?",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, result_json);
        sqlite3_bind_int64(st, 2, now);
        sqlite3_bind_int64(st, 3, eid);
        if ((rc = step_done(s, st, "record experiment results", err))) {
                if (rc == CXG_ERR_STORE)
                        rc = cxg_error_setf(err, CXG_ERR_INVALID, "result",
                                            "record experiment results: the result is not valid "
                                            "JSON");
                goto done;
        }
        if ((rc = j_open(&b)) || (rc = j_int(&b, "idea_id", idea_id)) || (rc = j_close(&b))) {
                rc = nomem(err, "record experiment results");
                goto done;
        }
        rc = audit(s, who, "result", "experiments", eid, &b, now, err);
done:
        cxg_buf_release(&b);
        return tx_close(s, own, rc, err);
}

enum cxg_err store_experiment_get(struct store *s, int64_t idea_id, store_experiment_cb cb,
                                  void *ctx, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
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
        sqlite3_bind_int64(st, 1, idea_id);
        src = sqlite3_step(st);
        if (src == SQLITE_ROW) {
                r.id = sqlite3_column_int64(st, 0);
                r.idea_id = idea_id;
                r.starts_at = sqlite3_column_int64(st, 1);
                r.ends_at = sqlite3_column_int64(st, 2);
                r.status = store_col_text(st, 3);
                r.metric = parse_name(model_garden_metric_parse, store_col_text(st, 4));
                r.result = store_col_text(st, 5);
                r.result_at = store_col_ts(st, 6);
                r.accounts = sqlite3_column_int64(st, 7);
                rc = cb(ctx, &r);
                sqlite3_reset(st);
                return rc;
        }
        sqlite3_reset(st);
        if (src == SQLITE_DONE)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "experiment",
                                      "idea %" PRId64 " has no experiment", idea_id);
        return store_sqlite_err(s, src, "read experiment", err);
}

static enum cxg_err id_rows(struct store *s, const char *sql, int64_t key, store_id_cb cb,
                            void *ctx, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s, sql, err);
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, key);
        while ((src = sqlite3_step(st)) == SQLITE_ROW)
                if ((rc = cb(ctx, sqlite3_column_int64(st, 0))))
                        break;
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read accounts", err);
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

/* The internal account of the member's person; CXG_ERR_NOTFOUND when the person is gone. */
static enum cxg_err person_account(struct store *s, int64_t person_id, int64_t *account,
                                   const char *what, struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s, "SELECT account_id FROM people WHERE id = ?", err);
        int found;
        enum cxg_err rc;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, person_id);
        if ((rc = step_int(s, st, what, account, &found, err)))
                return rc;
        if (!found)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "person", "%s: no person %" PRId64,
                                      what, person_id);
        return CXG_OK;
}

enum cxg_err store_experiment_join(struct store *s, const struct garden_actor *who, int64_t idea_id,
                                   int64_t now, int *added, struct cxg_error *err)
{
        static const char what[] = "join experiment";
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        struct idea_core c;
        int64_t eid = 0, aid = 0;
        int own = 0, found, member, mrole, n = 0;
        enum cxg_err rc;

        if (added)
                *added = 0;
        if (who->role != GARDEN_UROLE_MEMBER || !who->person_id)
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "%s: only a customer member takes part with their account "
                                      "(%s is %s)",
                                      what, who->name, model_garden_urole_name(who->role));
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = idea_core(s, idea_id, &c, err)) ||
            (rc = actor_membership(s, who, c.garden_id, &member, &mrole, err)))
                goto done;
        if (!member) {
                rc = cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                    "%s: %s is not a member of this garden", what, who->name);
                goto done;
        }
        if (c.state != IDEA_RUNNING) {
                rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                    "%s: idea %" PRId64 " is %s; only a running experiment can "
                                    "be joined",
                                    what, idea_id, model_idea_state_name(c.state));
                goto done;
        }
        if ((rc =
                 int_by_id(s, "SELECT id FROM experiments WHERE idea_id = ? AND status = 'running'",
                           idea_id, what, &eid, &found, err)))
                goto done;
        if (!found) {
                rc =
                    cxg_error_setf(err, CXG_ERR_CONFLICT, "experiment",
                                   "%s: idea %" PRId64 " has no running experiment", what, idea_id);
                goto done;
        }
        if ((rc = person_account(s, who->person_id, &aid, what, err)))
                goto done;
        st = store_stmt(s,
                        "INSERT OR IGNORE INTO experiment_accounts(experiment_id, account_id) "
                        "VALUES (?, ?)",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, eid);
        sqlite3_bind_int64(st, 2, aid);
        if ((rc = step_done(s, st, what, err)))
                goto done;
        n = sqlite3_changes(s->db);
        if (!n) /* the account takes part already: nothing to record, nothing earned */
                goto done;
        if ((rc = j_open(&b)) || (rc = j_int(&b, "idea_id", idea_id)) ||
            (rc = j_int(&b, "account_id", aid)) || (rc = j_close(&b))) {
                rc = nomem(err, what);
                goto done;
        }
        if ((rc = audit(s, who, "join", "experiments", eid, &b, now, err)))
                goto done;
        rc = credit_actor(s, who, c.garden_id, LEDGER_PARTICIPATION, "experiment", eid, now, err);
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && added)
                *added = n > 0;
        return rc;
}

enum cxg_err store_experiment_participates(struct store *s, int64_t idea_id, int64_t person_id,
                                           int *yes, struct cxg_error *err)
{
        sqlite3_stmt *st;
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
        sqlite3_bind_int64(st, 1, idea_id);
        sqlite3_bind_int64(st, 2, person_id);
        if ((rc = step_int(s, st, "read experiment participation", &v, &found, err)))
                return rc;
        *yes = v > 0;
        return CXG_OK;
}

/* ---- rollouts ---- */

enum cxg_err store_rollout_add(struct store *s, const struct garden_actor *who, int64_t idea_id,
                               const char *segment, int64_t at, const int64_t *accounts,
                               size_t n_accounts, const char *note, int64_t now, int64_t *id,
                               struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        struct idea_core c;
        int64_t rid = 0;
        int own = 0;
        enum cxg_err rc;

        if ((rc = require_staff(who, "roll out idea", err)))
                return rc;
        if (!segment || !strchr(segment, '=') || segment[0] == '=' || strlen(segment) > 200)
                return cxg_error_setf(err, CXG_ERR_INVALID, "segment",
                                      "roll out idea: segment must be field=value (e.g. "
                                      "plan=Premium)");
        if (at == CXG_TS_NONE)
                return cxg_error_setf(err, CXG_ERR_INVALID, "at", "roll out idea: no date");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = idea_core(s, idea_id, &c, err)))
                goto done;
        if (c.state != IDEA_ADOPTED) {
                rc = cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                    "roll out idea: idea %" PRId64 " is %s (only adopted ideas "
                                    "are rolled out)",
                                    idea_id, model_idea_state_name(c.state));
                goto done;
        }
        st = store_stmt(s,
                        "INSERT INTO rollouts(idea_id, segment, at, created_by, note) VALUES (?, "
                        "?, ?, ?, ?)",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        sqlite3_bind_int64(st, 1, idea_id);
        store_bind_text(st, 2, segment);
        sqlite3_bind_int64(st, 3, at);
        sqlite3_bind_int64(st, 4, who->user_id);
        store_bind_text(st, 5, note);
        if ((rc = step_done(s, st, "roll out idea", err)))
                goto done;
        rid = sqlite3_last_insert_rowid(s->db);
        for (size_t k = 0; k < n_accounts; k++) {
                st = store_stmt(s,
                                "INSERT OR IGNORE INTO rollout_accounts(rollout_id, account_id) "
                                "VALUES (?, ?)",
                                err);
                if (!st) {
                        rc = err ? err->code : CXG_ERR_STORE;
                        goto done;
                }
                sqlite3_bind_int64(st, 1, rid);
                sqlite3_bind_int64(st, 2, accounts[k]);
                if ((rc = step_done(s, st, "roll out idea", err)))
                        goto done;
        }
        if ((rc = j_open(&b)) || (rc = j_int(&b, "idea_id", idea_id)) ||
            (rc = j_str(&b, "segment", segment)) || (rc = j_int(&b, "at", at)) ||
            (rc = j_int(&b, "accounts", (int64_t)n_accounts)) || (rc = j_close(&b))) {
                rc = nomem(err, "roll out idea");
                goto done;
        }
        if ((rc = audit(s, who, "create", "rollouts", rid, &b, now, err)))
                goto done;
        rc = credit_actor(s, who, c.garden_id, LEDGER_ENABLING, "rollout", rid, now, err);
done:
        cxg_buf_release(&b);
        rc = tx_close(s, own, rc, err);
        if (!rc && id)
                *id = rid;
        return rc;
}

enum cxg_err store_rollout_list(struct store *s, int64_t idea_id, store_rollout_cb cb, void *ctx,
                                struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(s,
                                      "SELECT r.id, r.idea_id, r.segment, r.at, u.name, r.note, "
                                      "(SELECT count(*) FROM rollout_accounts a WHERE "
                                      "a.rollout_id = r.id) FROM rollouts r JOIN users u ON u.id "
                                      "= r.created_by WHERE ?1 = 0 OR r.idea_id = ?1 ORDER BY "
                                      "r.id",
                                      err);
        struct store_rollout_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, idea_id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                r.id = sqlite3_column_int64(st, 0);
                r.idea_id = sqlite3_column_int64(st, 1);
                r.segment = store_col_text(st, 2);
                r.at = sqlite3_column_int64(st, 3);
                r.by = store_col_text(st, 4);
                r.note = store_col_text(st, 5);
                r.accounts = sqlite3_column_int64(st, 6);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read rollouts", err);
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

/* ---- ledger ---- */

enum cxg_err store_ledger_scan(struct store *s, int64_t garden_id, store_ledger_cb cb, void *ctx,
                               struct cxg_error *err)
{
        sqlite3_stmt *st = store_stmt(
            s,
            "SELECT l.id, l.at, l.user_id, u.name, l.person_id, p.ext_id, l.team, l.garden_id, "
            "g.ext_id, l.kind, l.points, l.cause_type, l.cause_id, l.note FROM ledger l LEFT JOIN "
            "users u ON u.id = l.user_id LEFT JOIN people p ON p.id = l.person_id LEFT JOIN "
            "gardens g ON g.id = l.garden_id WHERE ?1 = 0 OR l.garden_id = ?1 ORDER BY l.at, l.id",
            err);
        struct store_ledger_row r;
        enum cxg_err rc = CXG_OK;
        int src;

        if (!st)
                return err ? err->code : CXG_ERR_STORE;
        sqlite3_bind_int64(st, 1, garden_id);
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
                r.id = sqlite3_column_int64(st, 0);
                r.at = sqlite3_column_int64(st, 1);
                r.user_id = col_id(st, 2);
                r.user = store_col_text(st, 3);
                r.person_id = col_id(st, 4);
                r.person = store_col_text(st, 5);
                r.team = store_col_text(st, 6);
                r.garden_id = col_id(st, 7);
                r.garden = store_col_text(st, 8);
                r.kind = parse_name(model_ledger_kind_parse, store_col_text(st, 9));
                r.points = sqlite3_column_int(st, 10);
                r.cause_type = store_col_text(st, 11);
                r.cause_id = col_id(st, 12);
                r.note = store_col_text(st, 13);
                if ((rc = cb(ctx, &r)))
                        break;
        }
        sqlite3_reset(st);
        if (!rc && src != SQLITE_DONE && src != SQLITE_ROW)
                return store_sqlite_err(s, src, "read ledger", err);
        return rc;
}

enum cxg_err store_ledger_credit(struct store *s, const struct garden_actor *who, int64_t garden_id,
                                 const char *user_name, const char *person_ext, int kind,
                                 const char *cause_type, int64_t cause_id, const char *note,
                                 int64_t now, int64_t *id, struct cxg_error *err)
{
        struct garden_actor to;
        int64_t pid = 0;
        size_t n = cause_type ? strlen(cause_type) : 0;
        int own = 0, member, mrole = -1;
        enum cxg_err rc;

        if ((rc = require_staff(who, "credit ledger", err)))
                return rc;
        if (kind < 0 || kind >= LEDGER__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "kind",
                                      "credit ledger: kind must be promotion, enabling, "
                                      "sponsoring, participation, idea or feedback");
        if (n == 0 || n > 32 || strspn(cause_type, "abcdefghijklmnopqrstuvwxyz_") != n)
                return cxg_error_setf(err, CXG_ERR_INVALID, "cause_type",
                                      "credit ledger: cause must be a word of a-z and '_' (e.g. "
                                      "session, introduction)");
        if (note && (strlen(note) > 2000 || !cxg_utf8_valid(note, strlen(note))))
                return cxg_error_setf(err, CXG_ERR_INVALID, "note",
                                      "credit ledger: note must be valid UTF-8 of at most 2000 "
                                      "bytes");
        if ((!user_name) == (!person_ext))
                return cxg_error_setf(err, CXG_ERR_USAGE, "user",
                                      "credit ledger: credit a user or a person");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if (user_name) {
                if ((rc = store_garden_actor(s, user_name, &to, err)))
                        goto done;
                if (garden_id && (rc = actor_membership(s, &to, garden_id, &member, &mrole, err)))
                        goto done;
                rc = ledger_add(s, who, to.user_id, to.person_id, team_of(to.role, mrole),
                                garden_id, kind, cause_type, cause_id, note, now, id, err);
        } else {
                if ((rc = person_id_of(s, person_ext, &pid, NULL, err)))
                        goto done;
                rc = ledger_add(s, who, 0, pid, "external", garden_id, kind, cause_type, cause_id,
                                note, now, id, err);
        }
done:
        return tx_close(s, own, rc, err);
}

enum cxg_err store_ledger_points(struct store *s, int points[LEDGER__COUNT], struct cxg_error *err)
{
        enum cxg_err rc;

        for (int k = 0; k < LEDGER__COUNT; k++)
                if ((rc = points_of(s, k, &points[k], err)))
                        return rc;
        return CXG_OK;
}

enum cxg_err store_ledger_points_set(struct store *s, const struct garden_actor *who, int kind,
                                     int points, int64_t now, struct cxg_error *err)
{
        sqlite3_stmt *st;
        struct cxg_buf b = {0};
        int own = 0, before = 0;
        enum cxg_err rc;

        if ((rc = require_staff(who, "set points", err)))
                return rc;
        if (kind < 0 || kind >= LEDGER__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "kind", "set points: unknown kind");
        if (points < 0 || points > 1000)
                return cxg_error_setf(err, CXG_ERR_INVALID, "points",
                                      "set points: points must be 0-1000");
        if ((rc = tx_open(s, &own, err)))
                return rc;
        if ((rc = points_of(s, kind, &before, err)))
                goto done;
        st = store_stmt(s,
                        "INSERT INTO ledger_points(kind, points) VALUES (?, ?) ON CONFLICT(kind) "
                        "DO UPDATE SET points = excluded.points",
                        err);
        if (!st) {
                rc = err ? err->code : CXG_ERR_STORE;
                goto done;
        }
        store_bind_text(st, 1, model_ledger_kind_name(kind));
        sqlite3_bind_int(st, 2, points);
        if ((rc = step_done(s, st, "set points", err)))
                goto done;
        if ((rc = j_open(&b)) || (rc = j_str(&b, "kind", model_ledger_kind_name(kind))) ||
            (rc = j_int(&b, "before", before)) || (rc = j_int(&b, "after", points)) ||
            (rc = j_close(&b))) {
                rc = nomem(err, "set points");
                goto done;
        }
        rc = audit(s, who, "update", "ledger_points", kind, &b, now, err);
done:
        cxg_buf_release(&b);
        return tx_close(s, own, rc, err);
}
