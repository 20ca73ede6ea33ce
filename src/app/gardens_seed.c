/*
 * gardens_seed.c: `cxgarden gardens seed-demo`: carry out the demo-garden plan of
 * ingest/gardens_demo.h (users, gardens, members, ideas in every state with votes, comments,
 * approvals, experiments measured on the data, a rollout, sessions) through the operations of
 * app/gardens.h, in one transaction, each step at its own time. So the demo obeys the same
 * rules, writes the same ledger entries and audit records as a user would. What the plan leaves
 * to measurement (who is a customer when an experiment starts, which result is better) is
 * decided here on a garden panel loaded before the first write.
 */
#include <stdio.h>
#include <string.h>

#include "app/gardens_int.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "engine/gardens.h"
#include "ingest/gardens_demo.h"
#include "store/store_gardens.h"

struct seed {
        struct app_ctx c; /* the caller's, with now set per step */
        const struct gdemo_plan *plan;
        struct eng_garden_panel p;
        int64_t *gid;                    /* by plan garden */
        const char **gname;              /* by plan garden */
        int64_t *idea;                   /* by plan idea (in order of creation) */
        int *metric;                     /* by plan idea: its target metric */
        struct eng_garden_experiment *x; /* by plan idea: the measured result */
        int *won;                        /* by operation: the idea a GDEMO_CONCLUDE adopted */
        int64_t *won_at;                 /* by operation: when */
        struct app_gardens_seed_summary *sum;
        struct cxg_error *err;
};

static int64_t at(const struct seed *sd, struct gdemo_time t)
{
        return t.from_end ? sd->p.end + t.at : t.at;
}

/* The context of an operation that happens at t. */
static const struct app_ctx *when(struct seed *sd, struct gdemo_time t)
{
        sd->c.now = at(sd, t);
        return &sd->c;
}

static enum cxg_err who(struct seed *sd, const char *name, struct garden_actor *out)
{
        return store_garden_actor(sd->c.st, name, out, sd->err);
}

static enum cxg_err do_user(struct seed *sd, const struct gdemo_op *o)
{
        int created = 0;
        enum cxg_err rc =
            store_garden_user_ensure(sd->c.st, o->u.user.name, o->u.user.role, o->u.user.person,
                                     at(sd, o->t), &created, sd->err);

        sd->sum->users += !rc && created;
        return rc;
}

static enum cxg_err do_garden(struct seed *sd, const struct gdemo_op *o, size_t g,
                              const struct garden_actor *by)
{
        struct garden gd;
        enum cxg_err rc;

        model_garden_init(&gd);
        gd.key = o->u.garden.key;
        gd.name = o->u.garden.name;
        gd.topic = o->u.garden.topic;
        gd.goal = o->u.garden.goal;
        gd.owner = o->u.garden.owner;
        gd.starts_at = at(sd, o->t);
        sd->gname[g] = o->u.garden.name;
        if (!(rc = app_garden_create(when(sd, o->t), by, &gd, &sd->gid[g], sd->err)))
                sd->sum->gardens++;
        return rc;
}

static enum cxg_err do_member(struct seed *sd, const struct gdemo_op *o,
                              const struct garden_actor *by)
{
        struct garden_member m = {.user = o->u.member.user,
                                  .person = o->u.member.person,
                                  .role = o->u.member.role,
                                  .status = o->u.member.status};
        enum cxg_err rc =
            app_member_add(when(sd, o->t), by, sd->gid[o->u.member.garden], &m, NULL, sd->err);

        if (!rc && m.user)
                sd->sum->internal++;
        return rc;
}

/* Participants of an experiment (gdemo_op.u.experiment): internal ids into ids, returns n. */
static size_t participants(const struct seed *sd, int g, int64_t t, int64_t *ids)
{
        size_t n = 0;

        for (size_t i = 0; i < sd->plan->n_members && n < GDEMO_MAX_PARTICIPANTS; i++) {
                const struct gdemo_member *m = &sd->plan->m[i];
                long ix = eng_garden_panel_find_id(&sd->p, m->account_id);

                if (m->garden == g && m->joined < t && ix >= 0 &&
                    eng_garden_alive(&sd->p, (size_t)ix, t))
                        ids[n++] = m->account_id;
        }
        return n;
}

static enum cxg_err do_experiment(struct seed *sd, const struct gdemo_op *o,
                                  const struct garden_actor *by)
{
        int64_t ids[GDEMO_MAX_PARTICIPANTS], from = at(sd, o->u.experiment.from),
                                             to = at(sd, o->u.experiment.to);
        const char *ext[GDEMO_MAX_PARTICIPANTS];
        int idea = o->u.experiment.idea;
        size_t n = participants(sd, o->u.experiment.garden, from, ids);
        enum cxg_err rc;

        if (!n)
                return cxg_error_set(sd->err, CXG_ERR_CONFLICT,
                                     o->u.experiment.measure
                                         ? "seed gardens: garden \"%s\" has no members early "
                                           "enough for an experiment"
                                         : "seed gardens: garden \"%s\" has no members for the "
                                           "running experiment",
                                     sd->gname[o->u.experiment.garden]);
        for (size_t k = 0; k < n; k++)
                ext[k] = sd->p.ext[eng_garden_panel_find_id(&sd->p, ids[k])];
        if ((rc = app_experiment_set(when(sd, o->t), by, sd->idea[idea], from, to, ext, n, NULL,
                                     sd->err)))
                return rc;
        sd->sum->experiments++;
        if (!o->u.experiment.measure)
                return CXG_OK;
        return eng_garden_experiment(&sd->p, ids, n, sd->metric[idea], from, to, APP_GARDENS_BANDS,
                                     &sd->x[idea], sd->err);
}

static enum cxg_err move(struct seed *sd, struct gdemo_time t, const struct garden_actor *by,
                         int idea, int to, const char *why)
{
        struct garden_rules rules = {.approvers = GDEMO_APPROVERS};

        return app_idea_move(when(sd, t), by, sd->idea[idea], to, why, &rules, NULL, sd->err);
}

/* Adopt the better-supported of two measured ideas (by), reject the other, with the figures. */
static enum cxg_err do_conclude(struct seed *sd, size_t k, const struct gdemo_op *o,
                                const struct garden_actor *by)
{
        const struct eng_garden_experiment *xa = &sd->x[o->u.conclude.idea[0]],
                                           *xb = &sd->x[o->u.conclude.idea[1]];
        double za = xa->est.se > 0 ? xa->est.diff / xa->est.se : 0;
        double zb = xb->est.se > 0 ? xb->est.diff / xb->est.se : 0;
        int win = za >= zb ? 0 : 1;
        const struct eng_garden_experiment *xw = win ? xb : xa, *xl = win ? xa : xb;
        struct garden_actor rejecter;
        char why[256];
        enum cxg_err rc;

        snprintf(why, sizeof(why),
                 "participants vs comparison on %s: %+.3g (95%% CI %+.3g to %+.3g)",
                 model_garden_metric_name(xw->metric), xw->est.diff, xw->est.lo, xw->est.hi);
        if ((rc =
                 move(sd, o->u.conclude.at[win], by, o->u.conclude.idea[win], IDEA_ADOPTED, why)) ||
            (rc = who(sd, o->u.conclude.rejecter, &rejecter)))
                return rc;
        snprintf(why, sizeof(why),
                 "participants vs comparison on %s: %+.3g (95%% CI %+.3g to %+.3g), "
                 "weaker than the alternative",
                 model_garden_metric_name(xl->metric), xl->est.diff, xl->est.lo, xl->est.hi);
        if ((rc = move(sd, o->u.conclude.at[1 - win], &rejecter, o->u.conclude.idea[1 - win],
                       IDEA_REJECTED, why)))
                return rc;
        sd->won[k] = o->u.conclude.idea[win];
        sd->won_at[k] = at(sd, o->u.conclude.at[win]);
        return CXG_OK;
}

static enum cxg_err do_rollout(struct seed *sd, const struct gdemo_op *o,
                               const struct garden_actor *by)
{
        int c = o->u.rollout.conclude;
        struct gdemo_time t = {sd->won_at[c] + o->u.rollout.after, 0};
        int64_t *ids = NULL;
        size_t n = 0;
        enum cxg_err rc;

        if ((rc = eng_garden_segment_accounts(&sd->p, sd->c.st, o->u.rollout.segment, t.at, &ids,
                                              &n, sd->err)))
                return rc;
        rc = app_rollout_write(when(sd, t), by, sd->idea[sd->won[c]], o->u.rollout.segment, t.at,
                               ids, n, o->u.rollout.note, NULL, sd->err);
        cxg_free(ids);
        sd->sum->rollouts += !rc;
        return rc;
}

/* Operation k of the plan, by its actor. */
static enum cxg_err step(struct seed *sd, size_t k, const struct gdemo_op *o,
                         const struct garden_actor *by, size_t *garden)
{
        const struct app_ctx *c = when(sd, o->t);
        enum cxg_err rc;

        switch (o->kind) {
        case GDEMO_USER:
                return do_user(sd, o);
        case GDEMO_GARDEN:
                return do_garden(sd, o, (*garden)++, by);
        case GDEMO_MEMBER:
                return do_member(sd, o, by);
        case GDEMO_MEMBER_STATUS:
                if (!(rc = app_member_status(c, by, sd->gid[o->u.status.garden], o->u.status.person,
                                             NULL, o->u.status.status, sd->err)))
                        sd->sum->members++;
                return rc;
        case GDEMO_IDEA: {
                struct idea i;

                model_idea_init(&i);
                i.title = o->u.idea.title;
                i.hypothesis = o->u.idea.hypothesis;
                i.target_metric = o->u.idea.metric;
                sd->metric[sd->sum->ideas] = i.target_metric;
                if (!(rc = app_idea_create(c, by, sd->gid[o->u.idea.garden], &i,
                                           &sd->idea[sd->sum->ideas], sd->err)))
                        sd->sum->ideas++;
                return rc;
        }
        case GDEMO_VOTE:
                if (!(rc =
                          app_idea_vote(c, by, sd->idea[o->u.vote.idea], o->u.vote.value, sd->err)))
                        sd->sum->votes++;
                return rc;
        case GDEMO_COMMENT:
                if (!(rc = app_idea_comment(c, by, sd->idea[o->u.comment.idea], o->u.comment.body,
                                            NULL, sd->err)))
                        sd->sum->comments += o->u.comment.counted;
                return rc;
        case GDEMO_MOVE:
                return move(sd, o->t, by, o->u.move.idea, o->u.move.to, o->u.move.why);
        case GDEMO_EXPERIMENT:
                return do_experiment(sd, o, by);
        case GDEMO_RESULT:
                return app_experiment_record_measured(c, by, sd->idea[o->u.result.idea],
                                                      &sd->x[o->u.result.idea], sd->err);
        case GDEMO_CONCLUDE:
                return do_conclude(sd, k, o, by);
        case GDEMO_ROLLOUT:
                return do_rollout(sd, o, by);
        case GDEMO_CREDIT:
                return app_ledger_credit(c, by, sd->gid[o->u.credit.garden], o->u.credit.user, NULL,
                                         o->u.credit.kind, o->u.credit.cause, 0, o->u.credit.note,
                                         NULL, sd->err);
        }
        return cxg_error_set(sd->err, CXG_ERR_INVALID, "seed gardens: unknown step %d", o->kind);
}

static enum cxg_err run(struct seed *sd)
{
        size_t garden = 0;
        enum cxg_err rc = CXG_OK;

        for (size_t k = 0; k < sd->plan->n_ops && !rc; k++) {
                const struct gdemo_op *o = &sd->plan->ops[k];
                struct garden_actor by;

                if (!o->by || !(rc = who(sd, o->by, &by)))
                        rc = step(sd, k, o, o->by ? &by : NULL, &garden);
        }
        return rc;
}

static enum cxg_err count_cb(void *ctx, const struct store_ledger_row *l)
{
        (void)l;
        (*(int64_t *)ctx)++;
        return CXG_OK;
}

/* Allocate what run needs by plan garden, idea and operation. */
static enum cxg_err seed_alloc(struct seed *sd)
{
        const struct gdemo_plan *p = sd->plan;

        sd->gid = cxg_calloc(p->n_gardens + 1, sizeof(*sd->gid));
        sd->gname = cxg_calloc(p->n_gardens + 1, sizeof(*sd->gname));
        sd->idea = cxg_calloc(p->n_ideas + 1, sizeof(*sd->idea));
        sd->metric = cxg_calloc(p->n_ideas + 1, sizeof(*sd->metric));
        sd->x = cxg_calloc(p->n_ideas + 1, sizeof(*sd->x));
        sd->won = cxg_calloc(p->n_ops + 1, sizeof(*sd->won));
        sd->won_at = cxg_calloc(p->n_ops + 1, sizeof(*sd->won_at));
        if (!sd->gid || !sd->gname || !sd->idea || !sd->metric || !sd->x || !sd->won || !sd->won_at)
                return cxg_error_set(sd->err, CXG_ERR_NOMEM, "seed gardens: out of memory");
        return CXG_OK;
}

static void seed_release(struct seed *sd)
{
        cxg_free(sd->gid);
        cxg_free(sd->gname);
        cxg_free(sd->idea);
        cxg_free(sd->metric);
        cxg_free(sd->x);
        cxg_free(sd->won);
        cxg_free(sd->won_at);
        eng_garden_panel_release(&sd->p);
}

enum cxg_err app_gardens_seed_demo(const struct app_ctx *c, struct app_gardens_seed_summary *sum,
                                   struct cxg_error *err)
{
        struct seed sd = {.c = *c, .sum = sum, .err = err};
        struct gdemo_plan plan;
        int in_tx = 0;
        enum cxg_err rc;

        memset(sum, 0, sizeof(*sum));
        gdemo_plan_init(&plan);
        sd.plan = &plan;
        eng_garden_panel_init(&sd.p);
        if ((rc = eng_garden_panel_load(&sd.p, c->st, APP_GARDENS_IMPACT_SEGMENT, 0, err)))
                goto done;
        for (size_t a = 0; a < sd.p.n; a++)
                if (sd.p.joined[a] != CXG_TS_NONE) {
                        rc = cxg_error_set(err, CXG_ERR_CONFLICT,
                                           "seed gardens: the database has garden members "
                                           "already");
                        goto done;
                }
        if ((rc = gdemo_plan_build(&plan, c->st, err)) || (rc = seed_alloc(&sd)) ||
            (rc = store_begin(c->st, err)))
                goto done;
        in_tx = 1;
        if ((rc = run(&sd)) || (rc = store_commit(c->st, err)))
                goto done;
        in_tx = 0;
        rc = store_ledger_scan(c->st, 0, count_cb, &sum->ledger_entries, err);
done:
        if (in_tx)
                store_rollback(c->st);
        seed_release(&sd);
        gdemo_plan_release(&plan);
        return rc;
}
