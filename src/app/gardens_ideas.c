/*
 * gardens_ideas.c: the idea operations of the use-case layer (app/gardens.h): create, vote,
 * comment and move through the governed life cycle, with the checks, audit records and
 * ledger credits of each.
 */
#include <inttypes.h>
#include <string.h>

#include "app/gardens_int.h"
#include "core/banned.h"
#include "core/parse.h"

/* Longest comment and transition reason, bytes. */
#define COMMENT_MAX 8000
#define WHY_MAX 4000

enum cxg_err app_idea_create(const struct app_ctx *c, const struct garden_actor *who,
                             int64_t garden_id, const struct idea *idea, int64_t *id,
                             struct cxg_error *err)
{
        struct gop o;
        int64_t iid = 0;
        int mrole;
        enum cxg_err rc;

        if ((rc = model_idea_validate(idea, err)) || (rc = gop_begin(&o, c, who, err)))
                return rc;
        if (!(rc = gop_require_participant(&o, garden_id, "create idea", &mrole, err)) &&
            !(rc = store_idea_create(c->st, garden_id, idea, who->user_id, c->now, &iid, err)) &&
            !(rc = gop_audit(&o, "create", "ideas", iid,
                             json_pack("{s:I, s:s, s:s}", "garden_id", (json_int_t)garden_id,
                                       "title", idea->title, "target_metric",
                                       model_garden_metric_name(idea->target_metric)),
                             err)))
                rc = gop_credit(&o, who, 0, garden_id, LEDGER_IDEA, "idea", iid, NULL, NULL, err);
        rc = gop_end(&o, rc, err);
        if (!rc && id)
                *id = iid;
        return rc;
}

/* Load an idea that can still take votes and comments, and check who may take part. */
static enum cxg_err open_idea(struct gop *o, int64_t idea_id, const char *what,
                              struct store_idea_head *h, struct cxg_error *err)
{
        int mrole;
        enum cxg_err rc;

        if ((rc = store_idea_head(o->c.st, idea_id, h, err)) ||
            (rc = gop_require_participant(o, h->garden_id, what, &mrole, err)))
                return rc;
        if (model_idea_state_final(h->state))
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state", "%s: idea %" PRId64 " is %s",
                                      what, idea_id, model_idea_state_name(h->state));
        return CXG_OK;
}

static enum cxg_err vote(struct gop *o, int64_t idea_id, int value, struct cxg_error *err)
{
        struct store_idea_head h;
        int had = 0, prev = 0;
        json_t *j;
        enum cxg_err rc;

        if ((rc = open_idea(o, idea_id, "vote", &h, err)) ||
            (rc = store_idea_vote(o->c.st, idea_id, o->who->user_id, value, o->c.now, &had, &prev,
                                  err)))
                return rc;
        j = json_pack("{s:i}", "value", value);
        if (j && had && json_object_set_new(j, "previous", json_integer(prev)))
                json_decref(j), j = NULL;
        if ((rc = gop_audit(o, "vote", "ideas", idea_id, j, err)) || had)
                return rc; /* only the first vote earns points */
        return gop_credit(o, o->who, 0, h.garden_id, LEDGER_PARTICIPATION, "vote", idea_id, NULL,
                          NULL, err);
}

enum cxg_err app_idea_vote(const struct app_ctx *c, const struct garden_actor *who, int64_t idea_id,
                           int value, struct cxg_error *err)
{
        struct gop o;
        enum cxg_err rc;

        if (value != 1 && value != -1)
                return cxg_error_setf(err, CXG_ERR_INVALID, "value",
                                      "vote: value must be up (+1) or down (-1)");
        if ((rc = gop_begin(&o, c, who, err)))
                return rc;
        return gop_end(&o, vote(&o, idea_id, value, err), err);
}

static enum cxg_err comment(struct gop *o, int64_t idea_id, const char *body, int64_t *cid,
                            struct cxg_error *err)
{
        struct store_idea_head h;
        enum cxg_err rc;

        if ((rc = open_idea(o, idea_id, "comment", &h, err)) ||
            (rc =
                 store_idea_comment(o->c.st, idea_id, o->who->user_id, body, o->c.now, cid, err)) ||
            (rc = gop_audit(o, "create", "idea_comments", *cid,
                            json_pack("{s:I, s:I}", "idea_id", (json_int_t)idea_id, "bytes",
                                      (json_int_t)strlen(body)),
                            err)))
                return rc;
        /* remarks on a running experiment are feedback on it */
        return gop_credit(o, o->who, 0, h.garden_id,
                          h.state == IDEA_RUNNING ? LEDGER_FEEDBACK : LEDGER_PARTICIPATION,
                          "comment", *cid, NULL, NULL, err);
}

enum cxg_err app_idea_comment(const struct app_ctx *c, const struct garden_actor *who,
                              int64_t idea_id, const char *body, int64_t *id, struct cxg_error *err)
{
        struct gop o;
        int64_t cid = 0;
        size_t n = body ? strlen(body) : 0;
        enum cxg_err rc;

        if (!body || cxg_is_blank(body, n))
                return cxg_error_setf(err, CXG_ERR_INVALID, "body", "comment: the text is empty");
        if (n > COMMENT_MAX || !cxg_utf8_valid(body, n))
                return cxg_error_setf(err, CXG_ERR_INVALID, "body",
                                      "comment: the text must be valid UTF-8 of at most 8000 "
                                      "bytes");
        if ((rc = gop_begin(&o, c, who, err)))
                return rc;
        rc = gop_end(&o, comment(&o, idea_id, body, &cid, err), err);
        if (!rc && id)
                *id = cid;
        return rc;
}

/* ---- moving an idea: one step per precondition ---- */

/* A move in progress. */
struct move {
        struct gop *o;
        int64_t idea_id;
        int to;
        const char *why;
        struct store_idea_head h;
        struct idea_relation rel;
        int mrole;
        unsigned needs; /* enum idea_need */
        struct app_move_result res;
};

/* Step 1: load the idea, who's relation to it, and check the transition's rule. */
static enum cxg_err move_check(struct move *m, struct cxg_error *err)
{
        const struct garden_actor *who = m->o->who;
        int member;
        enum cxg_err rc;

        if ((rc = store_idea_head(m->o->c.st, m->idea_id, &m->h, err)) ||
            (rc =
                 store_garden_membership(m->o->c.st, who, m->h.garden_id, &member, &m->mrole, err)))
                return rc;
        /* a member who does not belong to the garden learns nothing of its ideas */
        if (who->role == GARDEN_UROLE_MEMBER && !member)
                return cxg_error_setf(err, CXG_ERR_NOTFOUND, "idea", "no idea %" PRId64,
                                      m->idea_id);
        m->rel.is_author = m->h.author_id == who->user_id;
        m->rel.is_member = member;
        m->rel.is_sponsor =
            member && (m->mrole == GARDEN_MROLE_SPONSOR || m->mrole == GARDEN_MROLE_BOARD);
        m->res.from = m->h.state;
        m->res.to = m->to;
        return model_idea_transition_check(m->h.state, m->to, who, &m->rel, &m->needs, err);
}

/*
 * Step 2 (moves to approved): record who's approval, audited and credited (sponsoring from a
 * sponsor or board member, else enabling). *enough = 1 when the round has enough approvers.
 */
static enum cxg_err move_approve(struct move *m, int *enough, struct cxg_error *err)
{
        struct gop *o = m->o;
        int added = 0, count = 0;
        enum cxg_err rc;

        *enough = 1;
        if (!(m->needs & IDEA_NEED_APPROVALS))
                return CXG_OK;
        if ((rc = store_idea_approve(o->c.st, m->idea_id, m->h.round, o->who->user_id, m->why,
                                     o->c.now, &added, &count, err)))
                return rc;
        if (!added)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "user",
                                      "approve idea: %s has approved idea %" PRId64
                                      " already in this review (approvals must come from "
                                      "distinct people)",
                                      o->who->name, m->idea_id);
        if ((rc = gop_audit(o, "approve", "ideas", m->idea_id,
                            json_pack("{s:i, s:s}", "review_round", m->h.round, "why", m->why),
                            err)) ||
            (rc = gop_credit(o, o->who, 0, m->h.garden_id,
                             m->rel.is_sponsor ? LEDGER_SPONSORING : LEDGER_ENABLING, "approval",
                             m->idea_id, NULL, NULL, err)))
                return rc;
        m->res.approvals = count;
        *enough = count >= m->res.needed;
        return CXG_OK;
}

/* Step 3: the experiment the transition needs (participating accounts, recorded results). */
static enum cxg_err move_experiment(struct move *m, struct cxg_error *err)
{
        int64_t accounts = 0;
        int results = 0;
        enum cxg_err rc;

        if (!(m->needs & (IDEA_NEED_EXPERIMENT | IDEA_NEED_RESULTS)))
                return CXG_OK;
        if ((rc = store_idea_experiment_facts(m->o->c.st, m->idea_id, &accounts, &results, err)))
                return rc;
        if ((m->needs & IDEA_NEED_EXPERIMENT) && accounts == 0)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "experiment",
                                      "move idea: idea %" PRId64 " has no experiment with "
                                      "participating accounts yet (set one up first)",
                                      m->idea_id);
        if ((m->needs & IDEA_NEED_RESULTS) && !results)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "experiment",
                                      "move idea: the experiment of idea %" PRId64
                                      " has no recorded results yet",
                                      m->idea_id);
        return CXG_OK;
}

/* Step 4: the move itself, its experiment started (running), its audit record. */
static enum cxg_err move_apply(struct move *m, struct cxg_error *err)
{
        struct gop *o = m->o;
        enum cxg_err rc;

        if ((rc = store_idea_set_state(o->c.st, m->idea_id, m->h.state, m->to, o->who->user_id,
                                       m->why, o->c.now, err)) ||
            (m->to == IDEA_RUNNING && (rc = store_experiment_start(o->c.st, m->idea_id, err))))
                return rc;
        m->res.moved = 1;
        return gop_audit(o, "transition", "ideas", m->idea_id,
                         json_pack("{s:s, s:s, s:s}", "from", model_idea_state_name(m->h.state),
                                   "to", model_idea_state_name(m->to), "why", m->why),
                         err);
}

/* Step 5: an adopted idea earns its author idea points once more. */
static enum cxg_err move_reward(struct move *m, struct cxg_error *err)
{
        struct garden_actor au;
        int found;
        enum cxg_err rc;

        if (m->to != IDEA_ADOPTED)
                return CXG_OK;
        if ((rc = store_garden_actor_by_id(m->o->c.st, m->h.author_id, &au, &found, err)) || !found)
                return rc;
        return gop_credit(m->o, &au, 0, m->h.garden_id, LEDGER_IDEA, "adoption", m->idea_id, NULL,
                          NULL, err);
}

static enum cxg_err check_why(const char *why, struct cxg_error *err)
{
        if (!why || cxg_is_blank(why, strlen(why)))
                return cxg_error_setf(err, CXG_ERR_INVALID, "why",
                                      "move idea: the reason (why) is required: every transition "
                                      "is recorded with its reason");
        if (strlen(why) > WHY_MAX || !cxg_utf8_valid(why, strlen(why)))
                return cxg_error_setf(err, CXG_ERR_INVALID, "why",
                                      "move idea: the reason must be valid UTF-8 of at most 4000 "
                                      "bytes");
        return CXG_OK;
}

enum cxg_err app_idea_move(const struct app_ctx *c, const struct garden_actor *who, int64_t idea_id,
                           int to, const char *why, const struct garden_rules *rules,
                           struct app_move_result *res, struct cxg_error *err)
{
        struct gop o;
        struct move m;
        int enough = 0;
        enum cxg_err rc;

        if ((rc = check_why(why, err)) || (rc = gop_begin(&o, c, who, err)))
                return rc;
        memset(&m, 0, sizeof(m));
        m.o = &o;
        m.idea_id = idea_id;
        m.to = to;
        m.why = why;
        m.res.needed = rules ? (rules->approvers < 1 ? 1 : rules->approvers) : 2;
        if (!(rc = move_check(&m, err)) && !(rc = move_approve(&m, &enough, err)) && enough &&
            !(rc = move_experiment(&m, err)) && !(rc = move_apply(&m, err)))
                rc = move_reward(&m, err);
        rc = gop_end(&o, rc, err);
        if (!rc && res)
                *res = m.res;
        return rc;
}
