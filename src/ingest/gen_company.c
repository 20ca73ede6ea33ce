/*
 * gen_company.c: the generator's company structure: accounts with their subscription history
 * and garden membership, people with their arrivals and departures, and objectives, drawn in
 * memory (account_life, account_people, account_objectives) and then written to the store
 * with their capabilities (write_*).
 */
#include <stdarg.h>
#include <time.h>

#include "core/banned.h"
#include "core/grow.h"
#include "ingest/gen_int.h"

static const char *title_of(int sen, unsigned k)
{
        switch (sen) {
        case CXG_SEN_EXECUTIVE:
                return titles_exec[k % NELEM(titles_exec)];
        case CXG_SEN_DIRECTOR:
                return titles_dir[k % NELEM(titles_dir)];
        case CXG_SEN_MANAGER:
                return titles_mgr[k % NELEM(titles_mgr)];
        default:
                return titles_ind[k % NELEM(titles_ind)];
        }
}

enum cxg_err gen_nomem(struct gen *g)
{
        return cxg_error_set(g->err, CXG_ERR_NOMEM, "generate: out of memory");
}

static int64_t month_len(int64_t mi)
{
        return cxg_month_start(mi + 1) - cxg_month_start(mi);
}

int64_t gen_month_floor(int64_t t)
{
        return cxg_month_start(cxg_month_index(t));
}

void gen_options_init(struct gen_options *o)
{
        memset(o, 0, sizeof(*o));
        o->seed = 1;
        o->scale = 1;
        o->activity = 1;
        o->months = 24;
        o->end = GEN_DEFAULT_END;
        o->batch = 100000;
}

int gen_active_at(int64_t created, int64_t gone, int64_t t)
{
        return created <= t && (gone == CXG_TS_NONE || gone > t);
}

const struct gperiod *gen_period_at(const struct gen *g, const struct gaccount *a, int64_t t)
{
        for (uint32_t k = 0; k < a->n_periods; k++) {
                const struct gperiod *p = &g->per[a->first_period + k];

                if (gen_active_at(p->start, p->end, t))
                        return p;
        }
        return NULL;
}

static double mrr_for(int plan, int tier, int currency)
{
        double v = plan_price[plan] * tier * cur_per_usd[currency];

        return floor(v * 100 + 0.5) / 100;
}

/*
 * Capabilities an account has adopted on a plan: those the plan includes whose adoption byte
 * is below the threshold (of 256): 45% for Premium in the planted company (observed use then
 * comes to ~40%), 80% otherwise.
 */
unsigned gen_adopt_mask(const struct gen *g, const struct gaccount *a, int plan)
{
        unsigned thr = (plan == P_PREMIUM && g->treat) ? 115 : 205, m = 0;

        for (int c = 0; c < C__COUNT; c++)
                if ((caps[c].plans >> plan & 1) && a->adopt[c] < thr)
                        m |= 1u << c;
        return m;
}

unsigned gen_plan_caps(int plan)
{
        unsigned m = 0;

        for (int c = 0; c < C__COUNT; c++)
                if (caps[c].plans >> plan & 1)
                        m |= 1u << c;
        return m;
}

static enum cxg_err add_period(struct gen *g, int64_t start, int plan, double mrr)
{
        if (CXG_GROW(g->per, g->nper + 1, g->cap_per, CXG_GROW_NOCAP))
                return gen_nomem(g);
        g->per[g->nper++] = (struct gperiod){start, CXG_TS_NONE, mrr, plan};
        return CXG_OK;
}

static struct gperson *add_person(struct gen *g)
{
        if (CXG_GROW(g->ppl, g->nppl + 1, g->cap_ppl, CXG_GROW_NOCAP))
                return NULL;
        memset(&g->ppl[g->nppl], 0, sizeof(g->ppl[0]));
        return &g->ppl[g->nppl++];
}

/* Monthly churn hazard of an account on a plan. */
static double churn_hazard(int plan, int band)
{
        static const double base[P__COUNT] = {0.05, 0.03, 0.022, 0.02};
        static const double mult[3] = {1.6, 1.0, 0.7};

        return base[plan] * mult[band];
}

/*
 * One account's life: signup, monthly plan changes and churn, garden membership. Draws a
 * fixed number of uniforms per month so the control company stays aligned with the planted
 * one.
 */
enum cxg_err gen_account_life(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        struct rng r = rng_for(g->o->seed, S_ACCOUNT, i, 0);
        struct rng lr = rng_for(g->o->seed, S_LIFE, i, 0);
        int64_t window = g->end - g->start, mi, mend = cxg_month_index(g->end), join_mi = -1;
        double u, z;
        int plan;
        enum cxg_err rc;

        memset(a, 0, sizeof(*a));
        a->churned = CXG_TS_NONE;
        a->garden_joined = CXG_TS_NONE;
        u = rng_u01(&r);
        if (u < 0.45) /* customers from before the window: signed up in the prior 12 months */
                a->created = g->start - 1 - (int64_t)(rng_u01(&r) * 365 * (int64_t)CXG_DAY);
        else /* signups over the window, slowly slowing down */
                a->created = g->start + (int64_t)(gen_pow(rng_u01(&r), 1.1) * (double)window);
        if (a->created >= g->end)
                a->created = g->end - 1;
        u = rng_u01(&r);
        a->region = u < 0.45 ? R_NA : u < 0.80 ? R_EMEA : u < 0.95 ? R_APAC : R_LATAM;
        u = rng_u01(&r);
        a->currency = a->region == R_EMEA ? (u < 0.65 ? CUR_EUR : CUR_GBP) : CUR_USD;
        u = rng_u01(&r);
        a->band = u < 0.30 ? BAND_LOW : u < 0.75 ? BAND_MEDIUM : BAND_HIGH;
        z = rng_normal(&r);
        a->employees = (int)(80 * gen_exp(1.1 * z) + 0.5);
        if (a->employees < 5)
                a->employees = 5;
        if (a->employees > 20000)
                a->employees = 20000;
        {
                int t = 1 + (int)floor(gen_log(a->employees / 40.0) / LN2);
                a->tier = (uint8_t)(t < 1 ? 1 : t > 10 ? 10 : t);
        }
        {
                static const double bandw[3] = {0.45, 1.0, 1.8};
                a->weight = bandw[a->band] * gen_exp(0.4 * rng_normal(&r) - 0.08);
        }
        a->industry = (uint8_t)rng_below(&r, NELEM(industries));
        a->name_a = (uint8_t)rng_below(&r, NELEM(name_a));
        a->name_b = (uint8_t)rng_below(&r, NELEM(name_b));
        a->owner = (uint8_t)rng_below(&r, NELEM(owners));
        for (int c = 0; c < C__COUNT; c++)
                a->adopt[c] = (uint8_t)rng_below(&r, 256);
        a->eroding = rng_u01(&r) < 0.7;
        a->garden = (uint8_t)(1 + rng_below(&r, 3));

        u = rng_u01(&r);
        if (g->treat && a->created >= g->t_b) /* the Recruiter plan exists */
                plan = u < 0.40 ? P_FREE : u < 0.68 ? P_PRO : u < 0.85 ? P_PREMIUM : P_RECRUITER;
        else
                plan = u < 0.45 ? P_FREE : u < 0.80 ? P_PRO : P_PREMIUM;
        a->first_period = (uint32_t)g->nper;
        if ((rc = add_period(g, a->created, plan, mrr_for(plan, a->tier, a->currency))))
                return rc;

        for (mi = cxg_month_index(a->created); mi < mend; mi++) {
                int64_t ms = cxg_month_start(mi), ml = month_len(mi);
                double u_churn = rng_u01(&lr), u_up = rng_u01(&lr), u_down = rng_u01(&lr);
                double u_rec = rng_u01(&lr), u_day = rng_u01(&lr), u_join = rng_u01(&lr);
                int64_t when = ms + (int64_t)(u_day * (double)ml);
                int wi = (int)(mi - g->month0); /* month of the window; < 0 before it */
                int launched = wi >= g->months - 6;
                double h = churn_hazard(plan, a->band);
                int np = plan;

                if (when <= a->created)
                        continue; /* the signup month: no change yet */
                /* garden membership: the same in the control company */
                if (join_mi < 0 && wi >= g->month_g0 && wi <= g->month_g1) {
                        static const double pj[3] = {0.0045, 0.0135, 0.036};
                        if (u_join < pj[a->band]) {
                                join_mi = mi;
                                a->garden_joined = when;
                                continue; /* joins this month, churn draws start next month */
                        }
                }
                if (join_mi >= 0 && mi > join_mi && mi <= join_mi + 6 && g->treat) {
                        /* members retain 10 points better over the next 180 days */
                        double keep = gen_pow(1 - h, 6) + 0.10;
                        h = keep >= 1 ? 0 : 1 - gen_pow(keep, 1.0 / 6);
                }
                if (u_churn < h) {
                        a->churned = when;
                        g->per[g->nper - 1].end = when;
                        break;
                }
                /* plan changes */
                if (g->treat && launched) {
                        static const double pr[P__COUNT] = {0.003, 0.012, 0.03, 0};
                        if (u_rec < pr[plan])
                                np = P_RECRUITER;
                }
                if (np == plan) {
                        static const double up[P__COUNT] = {0.015, 0.007, 0, 0};
                        static const double down[P__COUNT] = {0, 0.008, 0.010, 0.005};
                        if (u_up < up[plan])
                                np = plan + 1;
                        else if (u_down < down[plan])
                                np = plan == P_RECRUITER ? P_PREMIUM : plan - 1;
                }
                if (np != plan) {
                        g->per[g->nper - 1].end = when;
                        plan = np;
                        if ((rc = add_period(g, when, plan, mrr_for(plan, a->tier, a->currency))))
                                return rc;
                }
        }
        if (a->garden_joined == CXG_TS_NONE)
                a->garden = 0;
        a->n_periods = (uint32_t)(g->nper - a->first_period);
        return CXG_OK;
}

/* A person's departure month by month; returns left_at or CXG_TS_NONE. */
static int64_t person_leaves(struct gen *g, const struct gaccount *a, const struct gperson *p,
                             struct rng *r)
{
        int64_t stop = a->churned != CXG_TS_NONE ? a->churned : g->end;
        int64_t mend = cxg_month_index(stop - 1);

        for (int64_t mi = cxg_month_index(p->created); mi <= mend; mi++) {
                int64_t ms = cxg_month_start(mi);
                double u = rng_u01(r), ud = rng_u01(r);
                int64_t when = ms + (int64_t)(ud * (double)month_len(mi));
                double h = p->sen == CXG_SEN_EXECUTIVE ? 0.008 : 0.010;

                if (g->treat && a->eroding && p->sen == CXG_SEN_EXECUTIVE && ms >= g->t_b)
                        h *= 2.6; /* erosion: executives of eroding accounts leave */
                if (when <= p->created || when >= stop)
                        continue;
                if (u < h)
                        return when;
        }
        return CXG_TS_NONE;
}

enum cxg_err gen_account_people(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        struct rng r = rng_for(g->o->seed, S_PEOPLE, i, 0);
        int64_t stop = a->churned != CXG_TS_NONE ? a->churned : g->end;
        double life = (double)(stop - a->created) / (30.4 * (int64_t)CXG_DAY);
        int n_found, n_exec, n_dir, n_mgr, n_hire;
        uint16_t slot = 0;

        n_found = 1 + (int)(gen_exp(gen_log(4.0) + 0.8 * rng_normal(&r)) * (0.7 + 0.15 * a->tier));
        if (n_found > 400)
                n_found = 400;
        n_exec = 1 + (n_found >= 10) + (n_found >= 25) + (n_found >= 60);
        n_dir = (int)(0.10 * n_found + 0.5);
        n_mgr = (int)(0.20 * n_found + 0.5);
        n_hire = rng_poisson(&r, 0.012 * n_found * life);
        a->first_person = (uint32_t)g->nppl;
        for (int k = 0; k < n_found + n_hire; k++) {
                /* one queue: founders, then hires, then replacements appended as people leave */
                int sen;
                int64_t created;

                if (k < n_exec)
                        sen = CXG_SEN_EXECUTIVE;
                else if (k < n_exec + n_dir)
                        sen = CXG_SEN_DIRECTOR;
                else if (k < n_exec + n_dir + n_mgr)
                        sen = CXG_SEN_MANAGER;
                else if (k < n_found)
                        sen = CXG_SEN_INDIVIDUAL;
                else
                        sen = rng_u01(&r) < 0.25 ? CXG_SEN_MANAGER : CXG_SEN_INDIVIDUAL;
                if (k == 0)
                        created = a->created;
                else if (k < n_found)
                        created = a->created + (int64_t)(rng_u01(&r) * 21 * (int64_t)CXG_DAY);
                else
                        created = a->created + (int64_t)(rng_u01(&r) * (double)(stop - a->created));
                if (created >= stop)
                        created = a->created + (stop - a->created) / 2;
                {
                        struct gperson *p = add_person(g);
                        struct rng pr;
                        uint16_t this_slot = slot++;

                        if (!p)
                                return gen_nomem(g);
                        pr = rng_for(g->o->seed, S_PERSON, i, this_slot);
                        p->account = i;
                        p->slot = this_slot;
                        p->sen = (uint8_t)sen;
                        p->created = created;
                        p->title = (uint8_t)rng_below(&pr, 64);
                        p->first = (uint8_t)rng_below(&pr, NELEM(first_names));
                        p->last = (uint8_t)rng_below(&pr, NELEM(last_names));
                        p->weight = gen_exp(0.6 * rng_normal(&pr) - 0.18);
                        for (;;) {
                                struct gperson *q = &g->ppl[g->nppl - 1], *n;
                                int64_t repl;
                                double ur;

                                q->left = person_leaves(g, a, q, &pr);
                                if (q->left == CXG_TS_NONE)
                                        break;
                                if (q->sen == CXG_SEN_EXECUTIVE) {
                                        int w = q->left >= g->t_b ? 1 : q->left >= g->t_a ? 0 : -1;
                                        if (w >= 0)
                                                g->exec_left[w]++;
                                }
                                ur = rng_u01(&pr);
                                repl = q->left +
                                       (int64_t)((20 + 70 * rng_u01(&pr)) * (int64_t)CXG_DAY);
                                if (ur >= 0.6 || repl >= stop)
                                        break;
                                if (g->treat && a->eroding && q->sen == CXG_SEN_EXECUTIVE &&
                                    q->left >= g->t_b)
                                        break; /* erosion: executives are not replaced */
                                n = add_person(g);
                                if (!n)
                                        return gen_nomem(g);
                                q = &g->ppl[g->nppl - 2];
                                *n = *q;
                                n->slot = slot++;
                                n->created = repl;
                                n->left = CXG_TS_NONE;
                                pr = rng_for(g->o->seed, S_PERSON, i, n->slot);
                                n->first = (uint8_t)rng_below(&pr, NELEM(first_names));
                                n->last = (uint8_t)rng_below(&pr, NELEM(last_names));
                                n->weight = gen_exp(0.6 * rng_normal(&pr) - 0.18);
                        }
                }
        }
        a->n_people = (uint32_t)(g->nppl - a->first_person);
        return CXG_OK;
}

void gen_account_objectives(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        struct rng r = rng_for(g->o->seed, S_OBJECTIVE, i, 0);
        int final = g->per[a->first_period + a->n_periods - 1].plan;
        unsigned have = gen_plan_caps(final);
        int gap = g->treat && final != P_RECRUITER && rng_u01(&r) < 0.25;

        a->n_obj = (uint8_t)(1 + (rng_u01(&r) < 0.5) + (rng_u01(&r) < 0.2));
        for (int k = 0; k < a->n_obj; k++) {
                int want_gap = gap && k == 0, t = 0;

                for (int tries = 0; tries < 64; tries++) {
                        t = (int)rng_below(&r, NELEM(objectives));
                        if (((objectives[t].caps & ~have) != 0) == want_gap)
                                break;
                }
                if (((objectives[t].caps & ~have) != 0) != want_gap)
                        t = want_gap ? 4 : 11; /* sourcing automation / community: always exist */
                a->obj_tpl[k] = (uint16_t)t;
                a->obj_num[k] = (uint8_t)(2 + rng_below(&r, 19));
        }
}

/* writing the structure */

void gen_account_ext_id(uint32_t i, char *out, size_t cap)
{
        snprintf(out, cap, "acc-%06u", i + 1);
}

void gen_person_ext_id(const struct gperson *p, char *out, size_t cap)
{
        snprintf(out, cap, "p-%06u-%03u", p->account + 1, (unsigned)p->slot);
}

static void account_name(const struct gaccount *a, char *out, size_t cap)
{
        snprintf(out, cap, "%s %s", name_a[a->name_a], name_b[a->name_b]);
}

static void account_domain(const struct gaccount *a, char *out, size_t cap)
{
        char name[96];
        size_t n = 0;

        account_name(a, name, sizeof(name));
        for (const char *c = name; *c && n + 1 < cap; c++)
                if (*c >= 'A' && *c <= 'Z')
                        out[n++] = (char)(*c - 'A' + 'a');
                else if (*c >= 'a' && *c <= 'z')
                        out[n++] = *c;
        out[n] = '\0';
}

/* ASCII lower-case of a name, dropping what an e-mail local part would not carry. */
static size_t email_part(const char *s, char *out, size_t cap)
{
        static const char *const from[] = {"ü", "ó", "ć", "ö"};
        static const char to[] = {'u', 'o', 'c', 'o'};
        size_t n = 0;

        while (*s && n + 1 < cap) {
                int hit = 0;

                for (size_t k = 0; k < NELEM(from); k++) {
                        size_t l = strlen(from[k]);
                        if (strncmp(s, from[k], l) == 0) {
                                out[n++] = to[k];
                                s += l;
                                hit = 1;
                                break;
                        }
                }
                if (hit)
                        continue;
                if (*s >= 'A' && *s <= 'Z')
                        out[n++] = (char)(*s - 'A' + 'a');
                else if ((*s >= 'a' && *s <= 'z') || *s == '-')
                        out[n++] = *s;
                s++;
        }
        out[n] = '\0';
        return n;
}

enum cxg_err gen_write_capabilities(struct gen *g)
{
        for (int c = 0; c < C__COUNT; c++) {
                const char *pl[P__COUNT], *ty[T__COUNT];
                struct capability cap;
                size_t np = 0, nt = 0;
                enum cxg_err rc;

                for (int p = 0; p < P__COUNT; p++)
                        if (caps[c].plans >> p & 1)
                                pl[np++] = plan_names[p];
                for (int t = 0; t < T__COUNT; t++)
                        if (types[t].cap == c)
                                ty[nt++] = types[t].name;
                model_capability_init(&cap);
                cap.id = caps[c].id;
                cap.name = caps[c].name;
                cap.plans = pl;
                cap.n_plans = np;
                cap.interaction_types = ty;
                cap.n_interaction_types = nt;
                if ((rc = store_put_capability(g->s, &cap, NULL, NULL, g->err)))
                        return rc;
        }
        return CXG_OK;
}

enum cxg_err gen_write_account(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        const struct gperiod *last = &g->per[a->first_period + a->n_periods - 1];
        char id[32], name[96], attrs[512], jd[16], dom[96];
        struct account acc;
        enum cxg_err rc;
        int n;

        gen_account_ext_id(i, id, sizeof(id));
        account_name(a, name, sizeof(name));
        account_domain(a, dom, sizeof(dom));
        n = snprintf(attrs, sizeof(attrs),
                     "{\"industry\":\"%s\",\"employees\":%d,\"region\":\"%s\",\"seats_tier\":%d,"
                     "\"domain\":\"%s.example\"",
                     industries[a->industry], a->employees, regions[a->region], a->tier, dom);
        if (a->garden)
                n += snprintf(attrs + n, sizeof(attrs) - (size_t)n,
                              ",\"garden\":\"%s\",\"garden_joined_at\":\"%s\"",
                              gardens[a->garden - 1].name, cxg_date_format(a->garden_joined, jd));
        snprintf(attrs + n, sizeof(attrs) - (size_t)n, "}");
        model_account_init(&acc);
        acc.id = id;
        acc.name = name;
        acc.plan = plan_names[last->plan];
        acc.mrr = last->mrr;
        acc.currency = cur_names[a->currency];
        acc.created_at = a->created;
        acc.churned_at = a->churned;
        acc.churned = a->churned != CXG_TS_NONE;
        acc.owner = owners[a->owner];
        acc.attributes = attrs;
        if ((rc = store_put_account(g->s, &acc, &a->id, NULL, g->err)))
                return rc;
        for (uint32_t k = 0; k < a->n_periods; k++) {
                const struct gperiod *p = &g->per[a->first_period + k];
                struct subscription sub;

                model_subscription_init(&sub);
                sub.account_id = id;
                sub.plan = plan_names[p->plan];
                sub.mrr = p->mrr;
                sub.started_at = p->start;
                sub.ended_at = p->end;
                if ((rc = store_put_subscription(g->s, &sub, NULL, NULL, g->err)))
                        return rc;
        }
        for (uint32_t k = 0; k < a->n_people; k++) {
                struct gperson *p = &g->ppl[a->first_person + k];
                char pid[32], pname[96], email[256], fl[48], ll[48];
                struct person per;

                gen_person_ext_id(p, pid, sizeof(pid));
                snprintf(pname, sizeof(pname), "%s %s", first_names[p->first], last_names[p->last]);
                email_part(first_names[p->first], fl, sizeof(fl));
                email_part(last_names[p->last], ll, sizeof(ll));
                snprintf(email, sizeof(email), "%s.%s%u@%s.example", fl, ll, (unsigned)p->slot,
                         dom);
                model_person_init(&per);
                per.id = pid;
                per.account_id = id;
                per.name = pname;
                per.email = email;
                per.role = title_of(p->sen, p->title);
                per.seniority = p->sen;
                per.created_at = p->created;
                per.left_at = p->left;
                if ((rc = store_put_person(g->s, &per, &p->id, NULL, g->err)))
                        return rc;
        }
        return CXG_OK;
}

enum cxg_err gen_write_objectives(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        struct rng r = rng_for(g->o->seed, S_OBJECTIVE, i, 1);
        char id[32], aid[32], pid[32], title[160];
        const struct gperson *owner = NULL;

        gen_account_ext_id(i, aid, sizeof(aid));
        for (uint32_t k = 0; k < a->n_people; k++) {
                const struct gperson *p = &g->ppl[a->first_person + k];
                if (p->sen >= CXG_SEN_DIRECTOR) {
                        owner = p;
                        if (rng_u01(&r) < 0.5)
                                break;
                }
        }
        for (int k = 0; k < a->n_obj; k++) {
                const struct gobj *t = &objectives[a->obj_tpl[k]];
                const char *capids[C__COUNT];
                struct objective o;
                size_t nc = 0;
                double u = rng_u01(&r);
                enum cxg_err rc;

                snprintf(id, sizeof(id), "obj-%06u-%d", i + 1, k + 1);
                if (strstr(t->fmt, "%d"))
                        snprintf(title, sizeof(title), t->fmt, a->obj_num[k]);
                else if (strstr(t->fmt, "%s"))
                        snprintf(title, sizeof(title), t->fmt,
                                 strstr(t->fmt, " in %s") ? city_words[a->obj_num[k] % 8]
                                                          : role_words[a->obj_num[k] % 8]);
                else
                        snprintf(title, sizeof(title), "%s", t->fmt);
                for (int c = 0; c < C__COUNT; c++)
                        if (t->caps >> c & 1)
                                capids[nc++] = caps[c].id;
                model_objective_init(&o);
                o.id = id;
                o.account_id = aid;
                if (owner) {
                        gen_person_ext_id(owner, pid, sizeof(pid));
                        o.person_id = pid;
                }
                o.title = title;
                o.importance = 1 + (int)rng_below(&r, 5);
                if (a->churned != CXG_TS_NONE)
                        o.status = u < 0.6 ? "abandoned" : "open";
                else
                        o.status = u < 0.5 ? "open" : u < 0.8 ? "in_progress" : "achieved";
                o.capabilities = capids;
                o.n_capabilities = nc;
                if ((rc = store_put_objective(g->s, &o, NULL, NULL, g->err)))
                        return rc;
        }
        return CXG_OK;
}
