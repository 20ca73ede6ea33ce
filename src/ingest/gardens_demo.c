/*
 * gardens_demo.c: the demo-garden scenario (ingest/gardens_demo.h): which gardens, users,
 * members, ideas, votes, comments, moves, experiments and rollouts the demo has, and in which
 * order, chosen from the generated accounts and people. Pure: reads the store, writes a plan.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "ingest/gardens_demo.h"
#include "model/garden.h"

/* Gardens the generator's attributes may name; more are left out of the demo. */
#define MAX_GARDENS 16
/* Member accounts, operations and users a plan holds at most. */
#define MEMBERS_CAP (1u << 20)
#define OPS_CAP (1u << 22)
#define USERS_CAP 4096
/* Ideas per garden (the templates below). */
#define IDEAS_PER_GARDEN 7

struct builder {
        struct gdemo_plan *p;
        const char *gname[MAX_GARDENS];
        int64_t gfirst[MAX_GARDENS]; /* earliest joining */
        const char **users;          /* names a GDEMO_USER creates */
        size_t n_users, cap_users;
        int *best_sen;         /* by member: seniority of its person */
        struct gdemo_op dummy; /* written to after out of memory */
        enum cxg_err rc;
};

/* ---- reading the generated accounts and people ---- */

static enum cxg_err add_member(struct builder *b, int64_t id, const char *garden, int64_t t,
                               const char *owner)
{
        struct gdemo_plan *p = b->p;
        struct gdemo_member *m;
        size_t k;

        for (k = 0; k < p->n_gardens; k++)
                if (strcmp(b->gname[k], garden) == 0)
                        break;
        if (k == p->n_gardens) {
                if (p->n_gardens == MAX_GARDENS)
                        return CXG_OK;
                if (!(b->gname[k] = cxg_arena_strdup(&p->a, garden)))
                        return CXG_ERR_NOMEM;
                b->gfirst[k] = t;
                p->n_gardens++;
        }
        if (t < b->gfirst[k])
                b->gfirst[k] = t;
        if (CXG_GROW(p->m, p->n_members + 1, p->cap_members, MEMBERS_CAP))
                return CXG_ERR_NOMEM;
        m = &p->m[p->n_members++];
        memset(m, 0, sizeof(*m));
        m->account_id = id;
        m->garden = (int)k;
        m->joined = t;
        if (owner && !(m->owner = cxg_arena_strdup(&p->a, owner)))
                return CXG_ERR_NOMEM;
        return CXG_OK;
}

static enum cxg_err account_cb(void *ctx, int64_t id, const struct account *acc)
{
        struct builder *b = ctx;
        json_t *root, *g, *j;
        int64_t t;
        enum cxg_err rc = CXG_OK;

        if (!acc->attributes || !strstr(acc->attributes, "garden"))
                return CXG_OK;
        root = json_loads(acc->attributes, 0, NULL);
        g = root ? json_object_get(root, "garden") : NULL;
        j = root ? json_object_get(root, "garden_joined_at") : NULL;
        if (json_is_string(g) && json_is_string(j) &&
            !cxg_parse_time(json_string_value(j), strlen(json_string_value(j)), &t, NULL))
                rc = add_member(b, id, json_string_value(g), t, acc->owner);
        json_decref(root);
        return rc;
}

/* The member of account_id, while the members are in scan order (of account ids). */
static long member_of_account(const struct gdemo_plan *p, int64_t account_id)
{
        size_t lo = 0, hi = p->n_members;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (p->m[mid].account_id == account_id)
                        return (long)mid;
                if (p->m[mid].account_id < account_id)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return -1;
}

/* A member account's person: its most senior current person, the first of equals. */
static enum cxg_err person_cb(void *ctx, int64_t id, int64_t account_id, const struct person *ps)
{
        struct builder *b = ctx;
        long i;

        (void)id;
        if (ps->left_at != CXG_TS_NONE || (i = member_of_account(b->p, account_id)) < 0)
                return CXG_OK;
        if (!b->p->m[i].person || ps->seniority > b->best_sen[i]) {
                if (!(b->p->m[i].person = cxg_arena_strdup(&b->p->a, ps->id)))
                        return CXG_ERR_NOMEM;
                b->best_sen[i] = ps->seniority;
        }
        return CXG_OK;
}

/* In order of joining; equal times in scan order (of account ids). */
static int member_cmp(const void *pa, const void *pb)
{
        const struct gdemo_member *a = pa, *b = pb;

        if (a->joined != b->joined)
                return (a->joined > b->joined) - (a->joined < b->joined);
        return (a->account_id > b->account_id) - (a->account_id < b->account_id);
}

/* ---- writing the plan ---- */

static struct gdemo_time at_abs(int64_t t)
{
        return (struct gdemo_time){t, 0};
}

static struct gdemo_time at_end(int64_t off)
{
        return (struct gdemo_time){off, 1};
}

/* A new operation (zeroed); after out of memory a scratch one and b->rc set. */
static struct gdemo_op *op(struct builder *b, enum gdemo_kind k, struct gdemo_time t,
                           const char *by)
{
        struct gdemo_plan *p = b->p;
        struct gdemo_op *o = &b->dummy;

        if (!b->rc && CXG_GROW(p->ops, p->n_ops + 1, p->cap_ops, OPS_CAP))
                b->rc = CXG_ERR_NOMEM;
        if (!b->rc)
                o = &p->ops[p->n_ops++];
        memset(o, 0, sizeof(*o));
        o->kind = k;
        o->t = t;
        o->by = by;
        return o;
}

/* Ensure user name exists (created at t the first time the demo names it). */
static void user(struct builder *b, const char *name, const char *role, const char *person,
                 int64_t t)
{
        struct gdemo_op *o;

        for (size_t k = 0; k < b->n_users; k++)
                if (strcmp(b->users[k], name) == 0)
                        return;
        if (!b->rc && CXG_GROW(b->users, b->n_users + 1, b->cap_users, USERS_CAP))
                b->rc = CXG_ERR_NOMEM;
        o = op(b, GDEMO_USER, at_abs(t), NULL);
        o->u.user.name = cxg_arena_strdup(&b->p->a, name);
        o->u.user.role = role;
        o->u.user.person = person;
        if (!o->u.user.name && !b->rc)
                b->rc = CXG_ERR_NOMEM;
        if (!b->rc)
                b->users[b->n_users++] = o->u.user.name;
}

static void move(struct builder *b, const char *by, int idea, int to, const char *why, int64_t off)
{
        struct gdemo_op *o = op(b, GDEMO_MOVE, at_end(off), by);

        o->u.move.idea = idea;
        o->u.move.to = to;
        o->u.move.why = why;
}

static void comment(struct builder *b, const char *by, int idea, const char *body, int64_t off,
                    int counted)
{
        struct gdemo_op *o = op(b, GDEMO_COMMENT, at_end(off), by);

        o->u.comment.idea = idea;
        o->u.comment.body = body;
        o->u.comment.counted = counted;
}

static void experiment(struct builder *b, int idea, int g, int64_t from, int64_t to, int measure)
{
        struct gdemo_op *o = op(b, GDEMO_EXPERIMENT, at_end(from - 4 * CXG_DAY), "cx-analyst");

        o->u.experiment.idea = idea;
        o->u.experiment.garden = g;
        o->u.experiment.from = at_end(from);
        o->u.experiment.to = at_end(to);
        o->u.experiment.measure = measure;
}

static const char *slug(struct builder *b, const char *name)
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
        return cxg_arena_strdup(&b->p->a, n ? buf : "garden");
}

/* Topic of a generated garden (by words of its name), else experience. */
static int topic_of(const char *name)
{
        if (strstr(name, "Ops") || strstr(name, "Data"))
                return GARDEN_TOPIC_DATA_SUPPLY;
        if (strstr(name, "Leader") || strstr(name, "Talent"))
                return GARDEN_TOPIC_SUCCESS;
        return GARDEN_TOPIC_EXPERIENCE;
}

struct idea_tpl {
        const char *title, *hypothesis;
        int metric;
        int created_day; /* relative to the end of the data */
};

/* A and B early (run and concluded), C..F recent, G in between (withdrawn). */
static const struct idea_tpl ideas[IDEAS_PER_GARDEN] = {
    {"Quarterly hiring-plan review with the account team",
     "A quarterly review with our account team keeps the hiring managers active on the platform",
     GARDEN_METRIC_ACTIVITY, -400},
    {"Peer benchmark report on time-to-hire", "Seeing peers' time-to-hire makes customers renew",
     GARDEN_METRIC_RETENTION_90, -398},
    {"Shared talent-pool pilot", "Sharing silver-medal candidates raises weekly activity",
     GARDEN_METRIC_ACTIVITY, -80},
    {"Office hours with product for ATS integrations",
     "Direct access to product raises satisfaction with integrations", GARDEN_METRIC_NPS, -60},
    {"Candidate-experience survey template",
     "A shared template makes candidate feedback comparable", GARDEN_METRIC_NPS, -40},
    {"Community job board for members", "Members post more jobs on a shared board",
     GARDEN_METRIC_ACTIVITY, -20},
    {"Discount for multi-year renewals", "A discount keeps revenue longer",
     GARDEN_METRIC_MRR_CHANGE, -100},
};

static const char *const comments[] = {
    "We would try this with our recruiting leads",
    "Our hiring managers asked for exactly this",
    "Could this work for seasonal hiring too?",
    "Happy to share our numbers for the comparison",
};

/* The staff of the demo, the same in every garden. */
#define ADMIN "cx-admin"
#define STAFF "cx-analyst"
#define PRODUCT "product-lead"
#define SPONSOR "vp-success"
#define BOARD "board-sponsor"

/* The seven ideas of garden g with their votes and first comments; ids receives their indexes. */
static void garden_ideas(struct builder *b, int g, const char *const *voters, size_t nv,
                         const char *const *members, size_t nmem, int *id)
{
        for (int k = 0; k < IDEAS_PER_GARDEN; k++) {
                int64_t c = (int64_t)ideas[k].created_day * CXG_DAY;
                struct gdemo_op *o =
                    op(b, GDEMO_IDEA, at_end(c),
                       nmem ? members[(size_t)k % nmem] : (k % 2 ? PRODUCT : STAFF));

                o->u.idea.garden = g;
                o->u.idea.title = ideas[k].title;
                o->u.idea.hypothesis = ideas[k].hypothesis;
                o->u.idea.metric = ideas[k].metric;
                id[k] = (int)b->p->n_ideas++;
                for (size_t v = 0; v < nv; v++) {
                        o = op(b, GDEMO_VOTE, at_end(c + (int64_t)(v + 1) * CXG_HOUR), voters[v]);
                        o->u.vote.idea = id[k];
                        o->u.vote.value = (v + (size_t)k) % 5 == 4 ? -1 : 1;
                }
                comment(b, voters[(size_t)(k + 1) % nv], id[k], comments[k % 4], c + CXG_DAY, 1);
        }
}

/* Ideas of garden g in every state, by its member users and internal people. */
static void garden_workflow(struct builder *b, int g, const char *const *members, size_t nmem)
{
        const char *voters[2 + GDEMO_MEMBER_USERS];
        size_t nv = 0;
        int id[IDEAS_PER_GARDEN], conclude;
        struct gdemo_op *o;

        voters[nv++] = SPONSOR;
        voters[nv++] = PRODUCT;
        for (size_t k = 0; k < nmem; k++)
                voters[nv++] = members[k];
        garden_ideas(b, g, voters, nv, members, nmem, id);
        /* A and B: reviewed, approved by a sponsor and staff, run, measured */
        for (int k = 0; k < 2; k++) {
                int64_t c = (int64_t)ideas[k].created_day * CXG_DAY, from = c + 14 * CXG_DAY,
                        to = from + 120 * CXG_DAY;

                move(b, STAFF, id[k], IDEA_UNDER_REVIEW, "clear hypothesis and metric",
                     c + 3 * CXG_DAY);
                move(b, SPONSOR, id[k], IDEA_APPROVED, "fits the garden's goal", c + 5 * CXG_DAY);
                move(b, STAFF, id[k], IDEA_APPROVED, "measurable within a quarter",
                     c + 6 * CXG_DAY);
                experiment(b, id[k], g, from, to, 1);
                move(b, STAFF, id[k], IDEA_RUNNING, "experiment set up with members", from);
                comment(b, voters[nv - 1], id[k], "Running it with two teams this quarter",
                        from + 20 * CXG_DAY, 0);
                o = op(b, GDEMO_RESULT, at_end(to + 3 * CXG_DAY), STAFF);
                o->u.result.idea = id[k];
        }
        /* the better-supported result is adopted, the other rejected; then transferred */
        conclude = (int)b->p->n_ops;
        o = op(b, GDEMO_CONCLUDE, at_end(0), BOARD);
        o->u.conclude.rejecter = STAFF;
        for (int k = 0; k < 2; k++) {
                o->u.conclude.idea[k] = id[k];
                o->u.conclude.at[k] = at_end((int64_t)(ideas[k].created_day + 14 + 125) * CXG_DAY);
        }
        o = op(b, GDEMO_ROLLOUT, at_end(0), STAFF);
        o->u.rollout.conclude = conclude;
        o->u.rollout.after = 15 * CXG_DAY;
        o->u.rollout.segment = "plan=Premium";
        o->u.rollout.note = "rolled out to every Premium account";
        /* C running: its experiment is under way */
        move(b, STAFF, id[2], IDEA_UNDER_REVIEW, "ready for review", -75 * CXG_DAY);
        move(b, BOARD, id[2], IDEA_APPROVED, "the board wants this tested", -71 * CXG_DAY);
        move(b, PRODUCT, id[2], IDEA_APPROVED, "product can support it", -70 * CXG_DAY);
        experiment(b, id[2], g, -45 * CXG_DAY, 45 * CXG_DAY, 0);
        move(b, STAFF, id[2], IDEA_RUNNING, "pilot started", -45 * CXG_DAY);
        comment(b, voters[nv - 1], id[2], "First shared candidates hired already", -10 * CXG_DAY,
                0);
        /* D approved (no experiment yet), E under review with one of two approvals */
        move(b, STAFF, id[3], IDEA_UNDER_REVIEW, "ready for review", -55 * CXG_DAY);
        move(b, SPONSOR, id[3], IDEA_APPROVED, "cheap to try", -52 * CXG_DAY);
        move(b, STAFF, id[3], IDEA_APPROVED, "NPS can measure it", -50 * CXG_DAY);
        move(b, STAFF, id[4], IDEA_UNDER_REVIEW, "ready for review", -35 * CXG_DAY);
        move(b, SPONSOR, id[4], IDEA_APPROVED, "worth a try", -30 * CXG_DAY);
        /* F stays proposed; G withdrawn by its author */
        move(b, nmem ? members[6 % nmem] : STAFF, id[6], IDEA_WITHDRAWN,
             "superseded by the pricing review", -90 * CXG_DAY);
}

static void member(struct builder *b, int g, const char *by, int64_t t, const char *user,
                   const char *person, int role, int status)
{
        struct gdemo_op *o = op(b, GDEMO_MEMBER, at_abs(t), by);

        o->u.member.garden = g;
        o->u.member.user = user;
        o->u.member.person = person;
        o->u.member.role = role;
        o->u.member.status = status;
}

/* Is o one of the internal members garden_team added to garden g before member i? */
static int in_team(const struct builder *b, int g, size_t i, const char *o)
{
        if (!strcmp(o, PRODUCT) || !strcmp(o, SPONSOR) || !strcmp(o, BOARD))
                return 1;
        for (size_t k = 0; k < i; k++)
                if (b->p->m[k].garden == g && b->p->m[k].owner && !strcmp(b->p->m[k].owner, o))
                        return 1;
        return 0;
}

/* The internal members of garden g: product, sponsors, then the member accounts' owners. */
static void garden_team(struct builder *b, int g, int64_t t)
{
        member(b, g, STAFF, t, PRODUCT, NULL, GARDEN_MROLE_PRODUCT, GARDEN_ST_ACCEPTED);
        member(b, g, STAFF, t, SPONSOR, NULL, GARDEN_MROLE_SPONSOR, GARDEN_ST_ACCEPTED);
        member(b, g, STAFF, t, BOARD, NULL, GARDEN_MROLE_BOARD, GARDEN_ST_ACCEPTED);
        for (size_t i = 0; i < b->p->n_members; i++) {
                const char *o = b->p->m[i].owner;

                if (b->p->m[i].garden != g || !o)
                        continue;
                user(b, o, "account_manager", NULL, t);
                if (!in_team(b, g, i, o))
                        member(b, g, STAFF, t, o, NULL, GARDEN_MROLE_ACCOUNT_TEAM,
                               GARDEN_ST_ACCEPTED);
        }
}

static void credit(struct gdemo_op *o, int g, const char *user, int kind, const char *note)
{
        o->u.credit.garden = g;
        o->u.credit.user = user;
        o->u.credit.kind = kind;
        o->u.credit.cause = "session";
        o->u.credit.note = note;
}

/* One garden g of the demo: the garden, its internal and customer members, ideas, sessions. */
static void garden(struct builder *b, int g)
{
        int64_t t = b->gfirst[g] - 30 * CXG_DAY;
        const char *members[GDEMO_MEMBER_USERS];
        size_t nmem = 0;
        char text[256];
        struct gdemo_op *o = op(b, GDEMO_GARDEN, at_abs(t), ADMIN);

        o->u.garden.key = slug(b, b->gname[g]);
        o->u.garden.name = b->gname[g];
        o->u.garden.topic = topic_of(b->gname[g]);
        snprintf(text, sizeof(text),
                 "Try new services with engaged customers and carry what works over to "
                 "every %s customer",
                 o->u.garden.topic == GARDEN_TOPIC_DATA_SUPPLY ? "recruiting-ops"
                 : o->u.garden.topic == GARDEN_TOPIC_SUCCESS   ? "talent-leadership"
                                                               : "employer-brand");
        o->u.garden.goal = cxg_arena_strdup(&b->p->a, text);
        o->u.garden.owner = STAFF;
        if ((!o->u.garden.key || !o->u.garden.goal) && !b->rc)
                b->rc = CXG_ERR_NOMEM;
        garden_team(b, g, t);
        /* customers: invited by their account owner a week before, then accepted */
        for (size_t i = 0; i < b->p->n_members; i++) {
                const struct gdemo_member *m = &b->p->m[i];
                const char *accepter = STAFF;

                if (m->garden != g || !m->person)
                        continue;
                member(b, g, m->owner ? m->owner : STAFF, m->joined - 7 * CXG_DAY, NULL, m->person,
                       GARDEN_MROLE_CUSTOMER, GARDEN_ST_INVITED);
                if (nmem < GDEMO_MEMBER_USERS) {
                        snprintf(text, sizeof(text), "member-%s", m->person);
                        user(b, text, "member", m->person, m->joined);
                        accepter = members[nmem++] = cxg_arena_strdup(&b->p->a, text);
                        if (!accepter && !b->rc)
                                b->rc = CXG_ERR_NOMEM;
                }
                o = op(b, GDEMO_MEMBER_STATUS, at_abs(m->joined), accepter);
                o->u.status.garden = g;
                o->u.status.person = m->person;
                o->u.status.status = GARDEN_ST_ACCEPTED;
        }
        garden_workflow(b, g, members, nmem);
        /* sessions the sponsors and product held */
        o = op(b, GDEMO_CREDIT, at_abs(b->gfirst[g]), STAFF);
        credit(o, g, BOARD, LEDGER_SPONSORING, "opened the garden's kick-off session");
        o = op(b, GDEMO_CREDIT, at_abs(b->gfirst[g] + 90 * CXG_DAY), STAFF);
        credit(o, g, PRODUCT, LEDGER_ENABLING, "ran a roadmap session with the members");
}

static enum cxg_err read_members(struct builder *b, struct store *s, struct cxg_error *err)
{
        struct gdemo_plan *p = b->p;
        enum cxg_err rc;

        if ((rc = store_scan_accounts(s, 0, account_cb, b, err)))
                return rc;
        b->best_sen = cxg_calloc(p->n_members + 1, sizeof(*b->best_sen));
        if (!b->best_sen)
                return CXG_ERR_NOMEM;
        if ((rc = store_scan_people(s, 0, person_cb, b, err)))
                return rc;
        qsort(p->m, p->n_members, sizeof(*p->m), member_cmp);
        return CXG_OK;
}

enum cxg_err gdemo_plan_build(struct gdemo_plan *p, struct store *s, struct cxg_error *err)
{
        struct builder b = {.p = p};
        int64_t first = INT64_MAX;
        enum cxg_err rc;

        if ((rc = read_members(&b, s, err)))
                goto done;
        if (!p->n_members) {
                rc = cxg_error_set(err, CXG_ERR_NOTFOUND,
                                   "seed gardens: no account has the attributes garden and "
                                   "garden_joined_at (run 'cxgarden generate' first)");
                goto done;
        }
        for (size_t g = 0; g < p->n_gardens; g++)
                if (b.gfirst[g] < first)
                        first = b.gfirst[g];
        user(&b, ADMIN, "admin", NULL, first - 60 * CXG_DAY);
        user(&b, STAFF, "analyst", NULL, first - 60 * CXG_DAY);
        user(&b, PRODUCT, "analyst", NULL, first - 60 * CXG_DAY);
        user(&b, SPONSOR, "account_manager", NULL, first - 60 * CXG_DAY);
        user(&b, BOARD, "account_manager", NULL, first - 60 * CXG_DAY);
        for (size_t g = 0; g < p->n_gardens; g++)
                garden(&b, (int)g);
        rc = b.rc;
done:
        if (rc == CXG_ERR_NOMEM)
                cxg_error_set(err, rc, "seed gardens: out of memory");
        cxg_free(b.best_sen);
        cxg_free(b.users);
        return rc;
}

void gdemo_plan_init(struct gdemo_plan *p)
{
        memset(p, 0, sizeof(*p));
        cxg_arena_init(&p->a, 0, 0);
}

void gdemo_plan_release(struct gdemo_plan *p)
{
        cxg_free(p->m);
        cxg_free(p->ops);
        cxg_arena_release(&p->a);
        memset(p, 0, sizeof(*p));
}
