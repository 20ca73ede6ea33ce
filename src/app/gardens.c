/*
 * gardens.c: the garden operations of the use-case layer (app/gardens.h), first part: the
 * operation frame shared by app/gardens*.c, the policy checks, ledger credits, gardens and
 * members. Ideas are in gardens_ideas.c, experiments, rollouts and the ledger in
 * gardens_exp.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/gardens_int.h"
#include "core/banned.h"

/* ---- the operation frame ---- */

enum cxg_err gop_begin(struct gop *o, const struct app_ctx *c, const struct garden_actor *who,
                       struct cxg_error *err)
{
        o->c = *c;
        o->who = who;
        o->own = 0;
        if (who)
                o->c.actor = who->name;
        return store_tx_open(c->st, &o->own, err);
}

enum cxg_err gop_end(struct gop *o, enum cxg_err rc, struct cxg_error *err)
{
        return store_tx_close(o->c.st, o->own, rc, err);
}

enum cxg_err gop_audit(struct gop *o, const char *action, const char *entity, int64_t id,
                       json_t *summary, struct cxg_error *err)
{
        char idtext[32];
        enum cxg_err rc;

        if (!summary)
                return cxg_error_set(err, CXG_ERR_NOMEM, "%s: out of memory", entity);
        snprintf(idtext, sizeof(idtext), "%" PRId64, id);
        rc = app_audit(&o->c, action, entity, idtext, summary, err);
        json_decref(summary);
        return rc;
}

enum cxg_err gop_require_staff(const struct garden_actor *who, const char *what,
                               struct cxg_error *err)
{
        if (!who || !model_garden_can_manage(who->role))
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "%s: only an analyst or an admin may do this (%s is %s)",
                                      what, who ? who->name : "nobody",
                                      who ? model_garden_urole_name(who->role) : "unknown");
        return CXG_OK;
}

enum cxg_err gop_require_participant(struct gop *o, int64_t garden_id, const char *what, int *mrole,
                                     struct cxg_error *err)
{
        int member;
        enum cxg_err rc = store_garden_membership(o->c.st, o->who, garden_id, &member, mrole, err);

        if (rc)
                return rc;
        if (!member && !model_garden_can_manage(o->who->role))
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "%s: %s is not a member of this garden", what, o->who->name);
        return CXG_OK;
}

enum cxg_err gop_credit(struct gop *o, const struct garden_actor *to, int64_t person_id,
                        int64_t garden_id, int kind, const char *cause_type, int64_t cause_id,
                        const char *note, int64_t *id, struct cxg_error *err)
{
        struct store_ledger_entry e = {0};
        int points[LEDGER__COUNT], member = 0, mrole = -1;
        int64_t lid = 0;
        json_t *j;
        enum cxg_err rc;

        if ((rc = store_ledger_points(o->c.st, points, err)))
                return rc;
        if (to && garden_id &&
            (rc = store_garden_membership(o->c.st, to, garden_id, &member, &mrole, err)))
                return rc;
        e.at = o->c.now;
        e.user_id = to ? to->user_id : 0;
        e.person_id = to ? to->person_id : person_id;
        e.team = to ? model_garden_team(to->role, mrole) : "external";
        e.garden_id = garden_id;
        e.kind = kind;
        e.points = points[kind];
        e.cause_type = cause_type;
        e.cause_id = cause_id;
        e.note = note;
        if ((rc = store_ledger_add(o->c.st, &e, &lid, err)))
                return rc;
        if (id)
                *id = lid;
        j = json_pack("{s:s, s:s, s:i, s:s, s:I}", "team", e.team, "kind",
                      model_ledger_kind_name(kind), "points", e.points, "cause_type", cause_type,
                      "cause_id", (json_int_t)cause_id);
        if (j && e.user_id && json_object_set_new(j, "user_id", json_integer(e.user_id)))
                json_decref(j), j = NULL;
        if (j && e.person_id && json_object_set_new(j, "person_id", json_integer(e.person_id)))
                json_decref(j), j = NULL;
        return gop_audit(o, "credit", "ledger", lid, j, err);
}

/* ---- settings ---- */

const char *app_gardens_impact_segment(const struct app_ctx *c)
{
        const char *v = c && c->cfg ? cxg_config_get(c->cfg, "gardens.impact_segment") : NULL;

        if (!v)
                return APP_GARDENS_IMPACT_SEGMENT;
        return strcmp(v, "none") == 0 ? "" : v;
}

/* ---- gardens ---- */

enum cxg_err app_garden_create(const struct app_ctx *c, const struct garden_actor *who,
                               const struct garden *g, int64_t *id, struct cxg_error *err)
{
        struct gop o;
        int64_t gid = 0;
        enum cxg_err rc;

        if ((rc = gop_require_staff(who, "create garden", err)) ||
            (rc = model_garden_validate(g, err)) || (rc = gop_begin(&o, c, who, err)))
                return rc;
        if (!(rc = store_garden_create(c->st, g, who->name, c->now, &gid, err)))
                rc = gop_audit(&o, "create", "gardens", gid,
                               json_pack("{s:s, s:s, s:s, s:s?}", "key", g->key, "name", g->name,
                                         "topic", model_garden_topic_name(g->topic), "owner",
                                         g->owner),
                               err);
        rc = gop_end(&o, rc, err);
        if (!rc && id)
                *id = gid;
        return rc;
}

/* ---- members ---- */

/*
 * May who (not staff) invite person pid of account aid into the garden? An accepted member
 * introduces a colleague of their own account; an account manager in the garden invites people
 * of the accounts they own.
 */
static enum cxg_err may_invite(struct gop *o, int64_t garden_id, int64_t aid, int *yes,
                               struct cxg_error *err)
{
        const struct garden_actor *who = o->who;
        int64_t own_account = 0;
        int member, mrole;
        enum cxg_err rc;

        *yes = 0;
        if ((rc = store_garden_membership(o->c.st, who, garden_id, &member, &mrole, err)) ||
            !member)
                return rc;
        if (who->role == GARDEN_UROLE_MEMBER && who->person_id) {
                rc = store_garden_person_account(o->c.st, who->person_id, &own_account, err);
                if (rc == CXG_ERR_NOTFOUND)
                        return CXG_OK;
                *yes = !rc && own_account == aid;
                return rc;
        }
        if (who->role == GARDEN_UROLE_ACCOUNT_MANAGER)
                return store_garden_account_owned(o->c.st, aid, who->name, yes, err);
        return CXG_OK;
}

/* The person or user a new member row is for, checked against who may add them. */
static enum cxg_err member_subject(struct gop *o, int64_t garden_id, const struct garden_member *m,
                                   int64_t *pid, int64_t *uid, struct cxg_error *err)
{
        struct garden_actor u;
        int64_t aid = 0;
        int ok;
        enum cxg_err rc;

        if (!m->person) {
                if ((rc = gop_require_staff(o->who, "add garden member", err)) ||
                    (rc = store_garden_actor(o->c.st, m->user, &u, err)))
                        return rc;
                if (u.role == GARDEN_UROLE_MEMBER)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "user",
                                              "add garden member: user \"%.64s\" is a customer "
                                              "member: add their person instead",
                                              m->user);
                *uid = u.user_id;
                return CXG_OK;
        }
        if ((rc = store_garden_person(o->c.st, m->person, pid, &aid, err)))
                return rc;
        if (!model_garden_can_manage(o->who->role)) {
                if ((rc = may_invite(o, garden_id, aid, &ok, err)))
                        return rc;
                if (!ok || m->status != GARDEN_ST_INVITED)
                        return cxg_error_setf(
                            err, CXG_ERR_FORBIDDEN, "user",
                            "add garden member: %s may not invite \"%.64s\" (staff invite "
                            "anyone; an account manager in the garden invites people of "
                            "the accounts they own; a member invites colleagues of their "
                            "own account)",
                            o->who->name, m->person);
        }
        if (m->status != GARDEN_ST_INVITED && m->status != GARDEN_ST_ACCEPTED)
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "add garden member: a new member is invited or accepted");
        return CXG_OK;
}

/* Credit the inviter (user id) of member row `row` (person pid) with promotion, once. */
static enum cxg_err credit_inviter(struct gop *o, int64_t garden_id, int64_t inviter, int64_t row,
                                   int64_t pid, struct cxg_error *err)
{
        struct garden_actor ia;
        int found;
        enum cxg_err rc;

        if (!inviter)
                return CXG_OK;
        if ((rc = store_garden_actor_by_id(o->c.st, inviter, &ia, &found, err)))
                return rc;
        if (!found || (ia.person_id && ia.person_id == pid))
                return CXG_OK; /* nobody to credit, or one cannot promote oneself */
        return gop_credit(o, &ia, 0, garden_id, LEDGER_PROMOTION, "invitation", row, NULL, NULL,
                          err);
}

static enum cxg_err member_add(struct gop *o, int64_t garden_id, const struct garden_member *m,
                               int64_t *mid, struct cxg_error *err)
{
        struct store_member_ref ref;
        int64_t pid = 0, uid = 0;
        enum cxg_err rc;

        if ((rc = store_garden_exists(o->c.st, garden_id, err)) ||
            (rc = member_subject(o, garden_id, m, &pid, &uid, err)) ||
            (rc = store_garden_member_ref(o->c.st, garden_id, pid, uid, &ref, err)))
                return rc;
        if (ref.id && (ref.status == GARDEN_ST_INVITED || ref.status == GARDEN_ST_ACCEPTED))
                return cxg_error_setf(err, CXG_ERR_CONFLICT, m->person ? "person" : "user",
                                      "add garden member: \"%.64s\" is already %s",
                                      m->person ? m->person : m->user,
                                      model_garden_status_name(ref.status));
        if ((rc = store_garden_member_put(o->c.st, garden_id, ref.id, pid, uid, m->role, m->status,
                                          o->who->user_id, o->c.now, mid, err)))
                return rc;
        if ((rc = gop_audit(
                 o, m->status == GARDEN_ST_INVITED ? "invite" : "add", "garden_members", *mid,
                 json_pack("{s:I, s:s, s:s, s:s}", "garden_id", (json_int_t)garden_id,
                           m->person ? "person" : "user", m->person ? m->person : m->user, "role",
                           model_garden_mrole_name(m->role), "status",
                           model_garden_status_name(m->status)),
                 err)))
                return rc;
        /* accepted at once for a customer: who brought them in is credited */
        if (m->person && m->status == GARDEN_ST_ACCEPTED && ref.joined_at == CXG_TS_NONE)
                rc = credit_inviter(o, garden_id, o->who->user_id, *mid, pid, err);
        return rc;
}

enum cxg_err app_member_add(const struct app_ctx *c, const struct garden_actor *who,
                            int64_t garden_id, const struct garden_member *m, int64_t *id,
                            struct cxg_error *err)
{
        struct gop o;
        int64_t mid = 0;
        enum cxg_err rc;

        if ((rc = model_garden_member_validate(m, err)) || (rc = gop_begin(&o, c, who, err)))
                return rc;
        rc = gop_end(&o, member_add(&o, garden_id, m, &mid, err), err);
        if (!rc && id)
                *id = mid;
        return rc;
}

static enum cxg_err member_status(struct gop *o, int64_t garden_id, const char *person_ext,
                                  const char *user_name, int status, struct cxg_error *err)
{
        const struct garden_actor *who = o->who;
        struct store_member_ref ref;
        struct garden_actor u;
        int64_t pid = 0, uid = 0;
        const char *name = person_ext ? person_ext : user_name;
        enum cxg_err rc;

        if (person_ext)
                rc = store_garden_person(o->c.st, person_ext, &pid, NULL, err);
        else if (!(rc = store_garden_actor(o->c.st, user_name, &u, err)))
                uid = u.user_id;
        if (rc)
                return rc;
        if (!model_garden_can_manage(who->role) &&
            !(pid && who->role == GARDEN_UROLE_MEMBER && who->person_id == pid) &&
            !(uid && uid == who->user_id))
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "user",
                                      "garden member: %s may not answer for \"%.64s\"", who->name,
                                      name);
        if ((rc = store_garden_member_ref(o->c.st, garden_id, pid, uid, &ref, err)))
                return rc;
        if (!ref.id)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, person_ext ? "person" : "user",
                                      "garden member: \"%.64s\" is not invited to this garden",
                                      name);
        if (!((ref.status == GARDEN_ST_INVITED &&
               (status == GARDEN_ST_ACCEPTED || status == GARDEN_ST_DECLINED)) ||
              (ref.status == GARDEN_ST_ACCEPTED && status == GARDEN_ST_LEFT)))
                return cxg_error_setf(
                    err, CXG_ERR_CONFLICT, "status", "garden member: cannot go from %s to %s",
                    model_garden_status_name(ref.status), model_garden_status_name(status));
        if ((rc = store_garden_member_set_status(o->c.st, ref.id, status, o->c.now, err)) ||
            (rc = gop_audit(o, "status", "garden_members", ref.id,
                            json_pack("{s:I, s:s, s:s}", "garden_id", (json_int_t)garden_id, "from",
                                      model_garden_status_name(ref.status), "to",
                                      model_garden_status_name(status)),
                            err)))
                return rc;
        if (status == GARDEN_ST_ACCEPTED && pid && ref.joined_at == CXG_TS_NONE)
                rc = credit_inviter(o, garden_id, ref.invited_by, ref.id, pid, err);
        return rc;
}

enum cxg_err app_member_status(const struct app_ctx *c, const struct garden_actor *who,
                               int64_t garden_id, const char *person_ext, const char *user_name,
                               int status, struct cxg_error *err)
{
        struct gop o;
        enum cxg_err rc;

        if (status < 0 || status >= GARDEN_ST__COUNT || status == GARDEN_ST_INVITED)
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "garden member: status must be accepted, declined or left "
                                      "(invite by adding the member)");
        if ((!person_ext) == (!user_name))
                return cxg_error_setf(err, CXG_ERR_USAGE, "person",
                                      "garden member: give a person or a user");
        if ((rc = gop_begin(&o, c, who, err)))
                return rc;
        return gop_end(&o, member_status(&o, garden_id, person_ext, user_name, status, err), err);
}
