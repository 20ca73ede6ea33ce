/*
 * gardens_seed.c: `cxgarden gardens seed-demo`: turn the demo generator's garden membership
 * (account attributes "garden" and "garden_joined_at") into real gardens: staff and account-team
 * users, internal members, invited and accepted customer members, ideas in every state with
 * votes, comments, approvals, experiments measured on the data, a rollout, and the ledger
 * entries and audit records all of these write. Everything goes through the operations of
 * app/gardens.h, so the demo obeys the same rules as a user would, in one transaction.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "app/gardens_int.h"
#include "engine/gardens.h"
#include "store/store_gardens.h"

#include "core/timeconst.h"

#define DAY CXG_DAY
#define MAX_GARDENS 16
#define MAX_OWNERS 64
#define DEMO_MEMBER_USERS 3
#define MAX_PARTICIPANTS 60

struct seed_member {
        size_t ix;  /* panel index */
        int garden; /* index into gardens */
        int64_t joined;
        const char *owner;
};

struct seed {
        struct store *s;
        struct app_ctx c; /* the caller's, with now set per step */
        struct eng_garden_panel p;
        struct cxg_arena a;
        struct seed_member *m;
        size_t n, cap;
        const char *gname[MAX_GARDENS];
        int64_t gfirst[MAX_GARDENS];
        int64_t gid[MAX_GARDENS];
        size_t ng;
        const char *owners[MAX_OWNERS];
        size_t nowners;
        const char **best; /* per panel index: the most senior person's external id */
        int *best_sen;
        int64_t *best_pid;
        struct app_gardens_seed_summary *sum;
        struct cxg_error *err;
};

static enum cxg_err attr_cb(void *ctx, int64_t id, const struct account *acc)
{
        struct seed *sd = ctx;
        json_t *root, *g, *j;
        long ix;
        int64_t t;
        int k;
        enum cxg_err rc = CXG_OK;

        if (!acc->attributes || !strstr(acc->attributes, "garden"))
                return CXG_OK;
        root = json_loads(acc->attributes, 0, NULL);
        g = root ? json_object_get(root, "garden") : NULL;
        j = root ? json_object_get(root, "garden_joined_at") : NULL;
        ix = eng_garden_panel_find_id(&sd->p, id);
        if (!json_is_string(g) || !json_is_string(j) || ix < 0 ||
            cxg_parse_time(json_string_value(j), strlen(json_string_value(j)), &t, NULL))
                goto done;
        for (k = 0; k < (int)sd->ng; k++)
                if (strcmp(sd->gname[k], json_string_value(g)) == 0)
                        break;
        if (k == (int)sd->ng) {
                if (sd->ng == MAX_GARDENS)
                        goto done;
                sd->gname[k] = cxg_arena_strdup(&sd->a, json_string_value(g));
                if (!sd->gname[k]) {
                        rc = CXG_ERR_NOMEM;
                        goto done;
                }
                sd->gfirst[k] = t;
                sd->ng++;
        }
        if (t < sd->gfirst[k])
                sd->gfirst[k] = t;
        if (sd->n == sd->cap) {
                size_t nc = sd->cap ? sd->cap * 2 : 256;
                void *np = cxg_realloc(sd->m, nc * sizeof(*sd->m));

                if (!np) {
                        rc = CXG_ERR_NOMEM;
                        goto done;
                }
                sd->m = np;
                sd->cap = nc;
        }
        sd->m[sd->n].ix = (size_t)ix;
        sd->m[sd->n].garden = k;
        sd->m[sd->n].joined = t;
        sd->m[sd->n].owner = acc->owner ? cxg_arena_strdup(&sd->a, acc->owner) : NULL;
        if (acc->owner && !sd->m[sd->n].owner) {
                rc = CXG_ERR_NOMEM;
                goto done;
        }
        sd->n++;
done:
        json_decref(root);
        return rc;
}

static enum cxg_err person_cb(void *ctx, int64_t id, int64_t account_id, const struct person *p)
{
        struct seed *sd = ctx;
        long ix = eng_garden_panel_find_id(&sd->p, account_id);

        if (ix < 0 || p->left_at != CXG_TS_NONE)
                return CXG_OK;
        if (!sd->best[ix] || p->seniority > sd->best_sen[ix]) {
                sd->best[ix] = cxg_arena_strdup(&sd->a, p->id);
                if (!sd->best[ix])
                        return CXG_ERR_NOMEM;
                sd->best_sen[ix] = p->seniority;
                sd->best_pid[ix] = id;
        }
        return CXG_OK;
}

static int member_cmp(const void *pa, const void *pb)
{
        const struct seed_member *a = pa, *b = pb;

        return (a->joined > b->joined) - (a->joined < b->joined);
}

static const char *slug(struct seed *sd, const char *name)
{
        char buf[65];
        size_t n = 0;

        for (const char *c = name; *c && n < 64; c++) {
                char ch = *c;

                if (ch >= 'A' && ch <= 'Z')
                        ch = (char)(ch - 'A' + 'a');
                if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
                        buf[n++] = ch;
                else if (n && buf[n - 1] != '-')
                        buf[n++] = '-';
        }
        while (n && buf[n - 1] == '-')
                n--;
        buf[n] = '\0';
        return cxg_arena_strdup(&sd->a, n ? buf : "garden");
}

/* Topic of a generated garden (by words of its name), else experience. */
static int topic_of(const char *name)
{
        if (strstr(name, "Ops") || strstr(name, "Data"))
                return GARDEN_TOPIC_DATA_SUPPLY;
        if (strstr(name, "Leader") || strstr(name, "Talent"))
                return GARDEN_TOPIC_SUCCESS;
        if (strstr(name, "Brand"))
                return GARDEN_TOPIC_EXPERIENCE;
        return GARDEN_TOPIC_EXPERIENCE;
}

/* The context of a step that happened at t. */
static const struct app_ctx *when(struct seed *sd, int64_t t)
{
        sd->c.now = t;
        return &sd->c;
}

static enum cxg_err actor(struct seed *sd, const char *name, const char *role, const char *person,
                          int64_t at, struct garden_actor *out)
{
        int created = 0;
        enum cxg_err rc =
            store_garden_user_ensure(sd->s, name, role, person, at, &created, sd->err);

        if (!rc && created)
                sd->sum->users++;
        if (!rc)
                rc = store_garden_actor(sd->s, name, out, sd->err);
        return rc;
}

struct member_find {
        int64_t user_id;
        int found;
};

static enum cxg_err member_find_cb(void *ctx, const struct store_member_row *m)
{
        struct member_find *f = ctx;

        f->found |= m->user_id == f->user_id;
        return CXG_OK;
}

/* Is user `who` an internal member of the garden already? */
static enum cxg_err account_team_member(struct seed *sd, int64_t garden,
                                        const struct garden_actor *who, int *member)
{
        struct member_find f = {who->user_id, 0};
        enum cxg_err rc = store_garden_members(sd->s, garden, member_find_cb, &f, sd->err);

        *member = f.found;
        return rc;
}

static enum cxg_err count_cb(void *ctx, const struct store_ledger_row *l)
{
        (void)l;
        (*(int64_t *)ctx)++;
        return CXG_OK;
}

struct idea_tpl {
        const char *title, *hypothesis;
        int metric;
};

static const struct idea_tpl ideas[7] = {
    {"Quarterly hiring-plan review with the account team",
     "A quarterly review with our account team keeps the hiring managers active on the platform",
     GARDEN_METRIC_ACTIVITY},
    {"Peer benchmark report on time-to-hire", "Seeing peers' time-to-hire makes customers renew",
     GARDEN_METRIC_RETENTION_90},
    {"Shared talent-pool pilot", "Sharing silver-medal candidates raises weekly activity",
     GARDEN_METRIC_ACTIVITY},
    {"Office hours with product for ATS integrations",
     "Direct access to product raises satisfaction with integrations", GARDEN_METRIC_NPS},
    {"Candidate-experience survey template",
     "A shared template makes candidate feedback comparable", GARDEN_METRIC_NPS},
    {"Community job board for members", "Members post more jobs on a shared board",
     GARDEN_METRIC_ACTIVITY},
    {"Discount for multi-year renewals", "A discount keeps revenue longer",
     GARDEN_METRIC_MRR_CHANGE},
};

static const char *const comments[] = {
    "We would try this with our recruiting leads",
    "Our hiring managers asked for exactly this",
    "Could this work for seasonal hiring too?",
    "Happy to share our numbers for the comparison",
};

/* Participating accounts: this garden's members who joined before t and are customers at t. */
static size_t participants(struct seed *sd, int g, int64_t t, int64_t *ids)
{
        size_t n = 0;

        for (size_t i = 0; i < sd->n && n < MAX_PARTICIPANTS; i++)
                if (sd->m[i].garden == g && sd->m[i].joined < t &&
                    eng_garden_alive(&sd->p, sd->m[i].ix, t))
                        ids[n++] = sd->p.id[sd->m[i].ix];
        return n;
}

static enum cxg_err run_experiment(struct seed *sd, const struct garden_actor *staff, int64_t idea,
                                   int metric, const int64_t *ids, size_t n, int64_t from,
                                   int64_t to, struct eng_garden_experiment *x)
{
        const char *ext[MAX_PARTICIPANTS];
        enum cxg_err rc;

        for (size_t k = 0; k < n; k++) {
                long ix = eng_garden_panel_find_id(&sd->p, ids[k]);

                ext[k] = ix >= 0 ? sd->p.ext[ix] : "";
        }
        if ((rc = app_experiment_set(when(sd, from - 4 * DAY), staff, idea, from, to, ext, n, NULL,
                                     sd->err)))
                return rc;
        sd->sum->experiments++;
        if (!x)
                return CXG_OK;
        return eng_garden_experiment(&sd->p, ids, n, metric, from, to, APP_GARDENS_BANDS, x,
                                     sd->err);
}

static enum cxg_err record(struct seed *sd, const struct garden_actor *staff, int64_t idea,
                           const struct eng_garden_experiment *x, int64_t t)
{
        return app_experiment_record_measured(when(sd, t), staff, idea, x, sd->err);
}

static enum cxg_err move(struct seed *sd, const struct garden_actor *who, int64_t idea, int to,
                         const char *why, int64_t t)
{
        struct garden_rules rules = {.approvers = 2};

        return app_idea_move(when(sd, t), who, idea, to, why, &rules, NULL, sd->err);
}

/* Ideas of garden g in every state, by its member users and internal people. */
static enum cxg_err seed_ideas(struct seed *sd, int g, struct garden_actor *staff,
                               struct garden_actor *product, struct garden_actor *sponsor,
                               struct garden_actor *board, struct garden_actor *members,
                               size_t nmem)
{
        int64_t E = sd->p.end, t0 = E - 400 * DAY, id[7], ids[MAX_PARTICIPANTS];
        struct eng_garden_experiment xa, xb;
        struct garden_actor *voters[8];
        size_t nv = 0, np;
        char why[256];
        enum cxg_err rc;

        voters[nv++] = sponsor;
        voters[nv++] = product;
        for (size_t k = 0; k < nmem; k++)
                voters[nv++] = &members[k];
        /* creation times: A, B early; C..F recent; G in between */
        static const int64_t created_days[7] = {-400, -398, -80, -60, -40, -20, -100};
        for (int k = 0; k < 7; k++) {
                struct idea i;
                struct garden_actor *author =
                    nmem ? &members[(size_t)k % nmem] : (k % 2 ? product : staff);

                model_idea_init(&i);
                i.title = ideas[k].title;
                i.hypothesis = ideas[k].hypothesis;
                i.target_metric = ideas[k].metric;
                if ((rc = app_idea_create(when(sd, E + created_days[k] * DAY), author, sd->gid[g],
                                          &i, &id[k], sd->err)))
                        return rc;
                sd->sum->ideas++;
                for (size_t v = 0; v < nv; v++) {
                        int value = (v + (size_t)k) % 5 == 4 ? -1 : 1;

                        if ((rc = app_idea_vote(
                                 when(sd, E + created_days[k] * DAY + (int64_t)(v + 1) * 3600),
                                 voters[v], id[k], value, sd->err)))
                                return rc;
                        sd->sum->votes++;
                }
                if ((rc = app_idea_comment(when(sd, E + created_days[k] * DAY + DAY),
                                           voters[(size_t)(k + 1) % nv], id[k], comments[k % 4],
                                           NULL, sd->err)))
                        return rc;
                sd->sum->comments++;
        }
        (void)t0;
        /* A and B: reviewed, approved by a sponsor and staff, run, concluded on their results */
        for (int k = 0; k < 2; k++) {
                int64_t c = E + created_days[k] * DAY, from = c + 14 * DAY, to = from + 120 * DAY;
                struct eng_garden_experiment *x = k ? &xb : &xa;

                if ((rc = move(sd, staff, id[k], IDEA_UNDER_REVIEW, "clear hypothesis and metric",
                               c + 3 * DAY)) ||
                    (rc = move(sd, sponsor, id[k], IDEA_APPROVED, "fits the garden's goal",
                               c + 5 * DAY)) ||
                    (rc = move(sd, staff, id[k], IDEA_APPROVED, "measurable within a quarter",
                               c + 6 * DAY)))
                        return rc;
                np = participants(sd, g, from, ids);
                if (!np)
                        return cxg_error_set(sd->err, CXG_ERR_CONFLICT,
                                             "seed gardens: garden \"%s\" has no members early "
                                             "enough for an experiment",
                                             sd->gname[g]);
                if ((rc =
                         run_experiment(sd, staff, id[k], ideas[k].metric, ids, np, from, to, x)) ||
                    (rc = move(sd, staff, id[k], IDEA_RUNNING, "experiment set up with members",
                               from)) ||
                    (rc = app_idea_comment(when(sd, from + 20 * DAY), voters[nv - 1], id[k],
                                           "Running it with two teams this quarter", NULL,
                                           sd->err)) ||
                    (rc = record(sd, staff, id[k], x, to + 3 * DAY)))
                        return rc;
        }
        /* the better-supported result is adopted, the other rejected, with the figures */
        {
                double za = xa.est.se > 0 ? xa.est.diff / xa.est.se : 0;
                double zb = xb.est.se > 0 ? xb.est.diff / xb.est.se : 0;
                int win = za >= zb ? 0 : 1;
                const struct eng_garden_experiment *xw = win ? &xb : &xa, *xl = win ? &xa : &xb;
                int64_t at[2] = {E + (created_days[0] + 14 + 125) * DAY,
                                 E + (created_days[1] + 14 + 125) * DAY};
                int64_t *seg = NULL;
                size_t nseg = 0;

                snprintf(why, sizeof(why),
                         "participants vs comparison on %s: %+.3g (95%% CI %+.3g to %+.3g)",
                         model_garden_metric_name(xw->metric), xw->est.diff, xw->est.lo,
                         xw->est.hi);
                if ((rc = move(sd, board, id[win], IDEA_ADOPTED, why, at[win])))
                        return rc;
                snprintf(why, sizeof(why),
                         "participants vs comparison on %s: %+.3g (95%% CI %+.3g to %+.3g), "
                         "weaker than the alternative",
                         model_garden_metric_name(xl->metric), xl->est.diff, xl->est.lo,
                         xl->est.hi);
                if ((rc = move(sd, staff, id[1 - win], IDEA_REJECTED, why, at[1 - win])))
                        return rc;
                /* transfer: roll the adopted idea out to Premium accounts */
                if ((rc = eng_garden_segment_accounts(&sd->p, sd->s, "plan=Premium",
                                                      at[win] + 15 * DAY, &seg, &nseg, sd->err)))
                        return rc;
                rc = app_rollout_write(when(sd, at[win] + 15 * DAY), staff, id[win], "plan=Premium",
                                       at[win] + 15 * DAY, seg, nseg,
                                       "rolled out to every Premium account", NULL, sd->err);
                cxg_free(seg);
                if (rc)
                        return rc;
                sd->sum->rollouts++;
        }
        /* C running: its experiment is under way */
        {
                int64_t from = E - 45 * DAY;

                if ((rc = move(sd, staff, id[2], IDEA_UNDER_REVIEW, "ready for review",
                               E - 75 * DAY)) ||
                    (rc = move(sd, board, id[2], IDEA_APPROVED, "the board wants this tested",
                               E - 71 * DAY)) ||
                    (rc = move(sd, product, id[2], IDEA_APPROVED, "product can support it",
                               E - 70 * DAY)))
                        return rc;
                np = participants(sd, g, from, ids);
                if (!np)
                        return cxg_error_set(sd->err, CXG_ERR_CONFLICT,
                                             "seed gardens: garden \"%s\" has no members for the "
                                             "running experiment",
                                             sd->gname[g]);
                if ((rc = run_experiment(sd, staff, id[2], ideas[2].metric, ids, np, from,
                                         E + 45 * DAY, NULL)) ||
                    (rc = move(sd, staff, id[2], IDEA_RUNNING, "pilot started", from)) ||
                    (rc = app_idea_comment(when(sd, E - 10 * DAY), voters[nv - 1], id[2],
                                           "First shared candidates hired already", NULL, sd->err)))
                        return rc;
        }
        /* D approved (no experiment yet), E under review with one of two approvals */
        if ((rc = move(sd, staff, id[3], IDEA_UNDER_REVIEW, "ready for review", E - 55 * DAY)) ||
            (rc = move(sd, sponsor, id[3], IDEA_APPROVED, "cheap to try", E - 52 * DAY)) ||
            (rc = move(sd, staff, id[3], IDEA_APPROVED, "NPS can measure it", E - 50 * DAY)) ||
            (rc = move(sd, staff, id[4], IDEA_UNDER_REVIEW, "ready for review", E - 35 * DAY)) ||
            (rc = move(sd, sponsor, id[4], IDEA_APPROVED, "worth a try", E - 30 * DAY)))
                return rc;
        /* F stays proposed; G withdrawn by its author */
        rc = move(sd, nmem ? &members[6 % nmem] : staff, id[6], IDEA_WITHDRAWN,
                  "superseded by the pricing review", E - 90 * DAY);
        return rc;
}

/* The staff of the demo, the same in every garden. */
struct cast {
        struct garden_actor admin, staff, product, sponsor, board;
};

/* One garden g of the demo: the garden, its internal and customer members, ideas, sessions. */
static enum cxg_err seed_garden(struct seed *sd, size_t g, struct cast *cast,
                                struct garden_actor *members)
{
        struct store *s = sd->s;
        struct cxg_error *err = sd->err;
        struct garden_actor owner;
        struct garden gd;
        struct garden_member im = {0};
        char goal[256];
        int64_t t = sd->gfirst[g] - 30 * DAY;
        size_t nmem = 0;
        struct garden_actor *gm = members + g * DEMO_MEMBER_USERS;
        enum cxg_err rc;

        model_garden_init(&gd);
        gd.key = slug(sd, sd->gname[g]);
        gd.name = sd->gname[g];
        gd.topic = topic_of(sd->gname[g]);
        snprintf(goal, sizeof(goal),
                 "Try new services with engaged customers and carry what works over to "
                 "every %s customer",
                 gd.topic == GARDEN_TOPIC_DATA_SUPPLY ? "recruiting-ops"
                 : gd.topic == GARDEN_TOPIC_SUCCESS   ? "talent-leadership"
                                                      : "employer-brand");
        gd.goal = goal;
        gd.owner = "cx-analyst";
        gd.starts_at = t;
        if (!gd.key) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "seed gardens: out of memory");
                return rc;
        }
        if ((rc = app_garden_create(when(sd, t), &cast->admin, &gd, &sd->gid[g], err)))
                return rc;
        sd->sum->gardens++;
        im.status = GARDEN_ST_ACCEPTED;
        im.user = "product-lead";
        im.role = GARDEN_MROLE_PRODUCT;
        if ((rc = app_member_add(when(sd, t), &cast->staff, sd->gid[g], &im, NULL, err)))
                return rc;
        im.user = "vp-success";
        im.role = GARDEN_MROLE_SPONSOR;
        if ((rc = app_member_add(when(sd, t), &cast->staff, sd->gid[g], &im, NULL, err)))
                return rc;
        im.user = "board-sponsor";
        im.role = GARDEN_MROLE_BOARD;
        if ((rc = app_member_add(when(sd, t), &cast->staff, sd->gid[g], &im, NULL, err)))
                return rc;
        sd->sum->internal += 3;
        /* account owners of member accounts join as the account team */
        for (size_t i = 0; i < sd->n; i++) {
                const char *o = sd->m[i].owner;
                int seen = 0;

                if (sd->m[i].garden != (int)g || !o)
                        continue;
                for (size_t k = 0; k < sd->nowners; k++)
                        seen |= strcmp(sd->owners[k], o) == 0;
                if (!seen && sd->nowners < MAX_OWNERS)
                        sd->owners[sd->nowners++] = o;
                if ((rc = actor(sd, o, "account_manager", NULL, t, &owner)))
                        return rc;
                {
                        struct garden_member om = {.user = o,
                                                   .role = GARDEN_MROLE_ACCOUNT_TEAM,
                                                   .status = GARDEN_ST_ACCEPTED};
                        int member = 0;

                        if ((rc = account_team_member(sd, sd->gid[g], &owner, &member)))
                                return rc;
                        if (member)
                                continue;
                        if ((rc = app_member_add(when(sd, t), &cast->staff, sd->gid[g], &om, NULL,
                                                 err)))
                                return rc;
                        sd->sum->internal++;
                }
        }
        /* customers: invited by their account owner a week before, then accepted */
        for (size_t i = 0; i < sd->n; i++) {
                struct seed_member *m = &sd->m[i];
                struct garden_member em = {.role = GARDEN_MROLE_CUSTOMER,
                                           .status = GARDEN_ST_INVITED};
                struct garden_actor *inviter = &cast->staff, *accepter = &cast->staff;
                char uname[160];

                if (m->garden != (int)g || !sd->best[m->ix])
                        continue;
                em.person = sd->best[m->ix];
                if (m->owner) {
                        if ((rc = store_garden_actor(s, m->owner, &owner, err)))
                                return rc;
                        inviter = &owner;
                }
                if ((rc = app_member_add(when(sd, m->joined - 7 * DAY), inviter, sd->gid[g], &em,
                                         NULL, err)))
                        return rc;
                if (nmem < DEMO_MEMBER_USERS) {
                        snprintf(uname, sizeof(uname), "member-%s", em.person);
                        if ((rc = actor(sd, uname, "member", em.person, m->joined, &gm[nmem])))
                                return rc;
                        accepter = &gm[nmem++];
                }
                if ((rc = app_member_status(when(sd, m->joined), accepter, sd->gid[g], em.person,
                                            NULL, GARDEN_ST_ACCEPTED, err)))
                        return rc;
                sd->sum->members++;
        }
        if ((rc = seed_ideas(sd, (int)g, &cast->staff, &cast->product, &cast->sponsor, &cast->board,
                             gm, nmem)))
                return rc;
        /* sessions the sponsors and product held */
        if ((rc = app_ledger_credit(when(sd, sd->gfirst[g]), &cast->staff, sd->gid[g],
                                    "board-sponsor", NULL, LEDGER_SPONSORING, "session", 0,
                                    "opened the garden's kick-off session", NULL, err)) ||
            (rc = app_ledger_credit(when(sd, sd->gfirst[g] + 90 * DAY), &cast->staff, sd->gid[g],
                                    "product-lead", NULL, LEDGER_ENABLING, "session", 0,
                                    "ran a roadmap session with the members", NULL, err)))
                return rc;
        return CXG_OK;
}

enum cxg_err app_gardens_seed_demo(const struct app_ctx *c, struct app_gardens_seed_summary *sum,
                                   struct cxg_error *err)
{
        struct seed *sd = cxg_calloc(1, sizeof(*sd));
        struct cast cast;
        struct garden_actor *members = NULL;
        struct store *s = c->st;
        int64_t gcount = 0, first_join = INT64_MAX;
        int in_tx = 0;
        enum cxg_err rc;

        memset(sum, 0, sizeof(*sum));
        if (!sd)
                return cxg_error_set(err, CXG_ERR_NOMEM, "seed gardens: out of memory");
        sd->s = s;
        sd->c = *c;
        sd->sum = sum;
        sd->err = err;
        cxg_arena_init(&sd->a, 0, 0);
        eng_garden_panel_init(&sd->p);
        if ((rc = eng_garden_panel_load(&sd->p, s, APP_GARDENS_IMPACT_SEGMENT, 0, err)))
                goto done;
        for (size_t a = 0; a < sd->p.n; a++)
                gcount += sd->p.joined[a] != CXG_TS_NONE;
        if (gcount) {
                rc = cxg_error_set(err, CXG_ERR_CONFLICT,
                                   "seed gardens: the database has garden members already");
                goto done;
        }
        sd->best = cxg_calloc(sd->p.n + 1, sizeof(*sd->best));
        sd->best_sen = cxg_calloc(sd->p.n + 1, sizeof(*sd->best_sen));
        sd->best_pid = cxg_calloc(sd->p.n + 1, sizeof(*sd->best_pid));
        if (!sd->best || !sd->best_sen || !sd->best_pid) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "seed gardens: out of memory");
                goto done;
        }
        if ((rc = store_scan_accounts(s, 0, attr_cb, sd, err)) ||
            (rc = store_scan_people(s, 0, person_cb, sd, err))) {
                if (rc == CXG_ERR_NOMEM)
                        cxg_error_set(err, rc, "seed gardens: out of memory");
                goto done;
        }
        if (!sd->n) {
                rc = cxg_error_set(err, CXG_ERR_NOTFOUND,
                                   "seed gardens: no account has the attributes garden and "
                                   "garden_joined_at (run 'cxgarden generate' first)");
                goto done;
        }
        qsort(sd->m, sd->n, sizeof(*sd->m), member_cmp);
        for (size_t g = 0; g < sd->ng; g++)
                if (sd->gfirst[g] < first_join)
                        first_join = sd->gfirst[g];
        if ((rc = store_begin(s, err)))
                goto done;
        in_tx = 1;
        {
                int64_t t = first_join - 60 * DAY;

                if ((rc = actor(sd, "cx-admin", "admin", NULL, t, &cast.admin)) ||
                    (rc = actor(sd, "cx-analyst", "analyst", NULL, t, &cast.staff)) ||
                    (rc = actor(sd, "product-lead", "analyst", NULL, t, &cast.product)) ||
                    (rc = actor(sd, "vp-success", "account_manager", NULL, t, &cast.sponsor)) ||
                    (rc = actor(sd, "board-sponsor", "account_manager", NULL, t, &cast.board)))
                        goto done;
        }
        members = cxg_calloc(sd->ng * DEMO_MEMBER_USERS + 1, sizeof(*members));
        if (!members) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "seed gardens: out of memory");
                goto done;
        }
        for (size_t g = 0; g < sd->ng; g++)
                if ((rc = seed_garden(sd, g, &cast, members)))
                        goto done;
        if ((rc = store_commit(s, err)))
                goto done;
        in_tx = 0;
        rc = store_ledger_scan(s, 0, count_cb, &sum->ledger_entries, err);
done:
        if (in_tx)
                store_rollback(s);
        cxg_free(members);
        cxg_free(sd->m);
        cxg_free(sd->best);
        cxg_free(sd->best_sen);
        cxg_free(sd->best_pid);
        eng_garden_panel_release(&sd->p);
        cxg_arena_release(&sd->a);
        cxg_free(sd);
        return rc;
}
