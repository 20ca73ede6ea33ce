/*
 * detect_risk.c: account at risk, the third early-warning detector: the signals of each
 * account (health drop, champion or executive gone, senior detractor, downgrade), their
 * weights, and one alert per account with all its signals (docs/scoring.md, "Early warning").
 */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "engine/detect.h"
#include "engine/detect_int.h"
#include "model/model.h"

/* ---- 3. account at risk ---- */

/* Signal weights; severity from their sum (docs/scoring.md). */
enum {
        W_HEALTH = 2,
        W_EXEC_LEFT = 2,
        W_CHAMPION = 2,
        W_EXEC_SILENT = 2,
        W_DETRACTOR = 1,
        W_DOWNGRADE = 2
};

/* Most signals of one account (a health drop, its people, its answers, a downgrade). */
#define MAX_SIGNALS (1u << 20)

static int is_detractor(const struct eng_detect_params *p, const struct eng_risk_feedback *f)
{
        if (f->seniority < CXG_SEN_DIRECTOR)
                return 0;
        if (f->kind == CXG_FB_NPS)
                return f->score <= p->risk_nps_max;
        if (f->kind == CXG_FB_CSAT || f->kind == CXG_FB_RATING)
                return f->score <= p->risk_csat_max;
        return 0;
}

static const char *who(const struct eng_risk_person *q)
{
        return q->name && *q->name ? q->name : q->id;
}

/* The signals of one account as they are found (strings still the caller's). */
struct risk_acc {
        struct eng_ev_signal *v; /* scratch, reused across accounts */
        size_t n, cap;
        int weight;
        int64_t first; /* the earliest signal */
        char text[400];
        size_t tl;
        const struct eng_risk_person *key; /* the stakeholder to reconnect with */
};

/* Add a signal of weight w that began at when, described by fmt; CXG_ERR_NOMEM or LIMIT. */
__attribute__((format(printf, 5, 6))) static enum cxg_err
add_signal(struct risk_acc *r, const struct eng_ev_signal *sig, int w, int64_t when,
           const char *fmt, ...)
{
        enum cxg_err rc = CXG_GROW(r->v, r->n + 1, r->cap, MAX_SIGNALS);
        va_list ap;

        if (rc)
                return rc;
        r->v[r->n++] = *sig;
        r->weight += w;
        if (when != CXG_TS_NONE && when < r->first)
                r->first = when;
        if (r->tl < sizeof(r->text))
                r->tl += (size_t)snprintf(r->text + r->tl, sizeof(r->text) - r->tl, "%s",
                                          r->tl ? "; " : "");
        if (r->tl < sizeof(r->text)) {
                va_start(ap, fmt);
                r->tl += (size_t)vsnprintf(r->text + r->tl, sizeof(r->text) - r->tl, fmt, ap);
                va_end(ap);
        }
        return CXG_OK;
}

/* Signals of the account's champion and executives: left, or silent since the prior window. */
static enum cxg_err risk_people(const struct eng_detect_params *p,
                                const struct eng_risk_account *ac, int64_t recent, int64_t at,
                                struct risk_acc *r)
{
        const struct eng_risk_person *champ = NULL;
        enum cxg_err rc = CXG_OK;

        for (size_t k = 0; k < ac->n_people; k++) {
                const struct eng_risk_person *q = &ac->people[k];

                if ((double)q->n_prior >= p->risk_min_active &&
                    (!champ || q->n_prior > champ->n_prior))
                        champ = q;
        }
        for (size_t k = 0; k < ac->n_people && !rc; k++) {
                const struct eng_risk_person *q = &ac->people[k];
                int exec = q->seniority == CXG_SEN_EXECUTIVE, left, silent;
                const char *role = exec ? "executive" : "champion";
                const char *also = exec && q == champ ? " (the champion)" : "";
                struct eng_ev_signal s = {0};

                if ((double)q->n_prior < p->risk_min_active || (!exec && q != champ))
                        continue;
                left = q->left_at != CXG_TS_NONE && q->left_at > recent && q->left_at <= at;
                silent =
                    !left && q->n_recent == 0 && (q->left_at == CXG_TS_NONE || q->left_at > at);
                if (!left && !silent)
                        continue;
                s.signal = left ? (exec ? ENG_SIG_EXECUTIVE_LEFT : ENG_SIG_CHAMPION_LEFT)
                                : (exec ? ENG_SIG_EXECUTIVE_SILENT : ENG_SIG_CHAMPION_SILENT);
                s.u.person.person = q->id;
                s.u.person.name = q->name;
                s.u.person.role = q->role;
                s.u.person.seniority = q->seniority;
                s.u.person.champion = q == champ;
                s.u.person.interactions_prior = q->n_prior;
                s.u.person.last_active = q->last_active;
                s.u.person.left_at = left ? q->left_at : CXG_TS_NONE;
                if (!r->key || (exec && r->key->seniority != CXG_SEN_EXECUTIVE))
                        r->key = q;
                if (left)
                        rc = add_signal(r, &s, exec ? W_EXEC_LEFT : W_CHAMPION, q->left_at,
                                        "%s %s%s left", role, who(q), also);
                else
                        rc = add_signal(r, &s, exec ? W_EXEC_SILENT : W_CHAMPION,
                                        q->last_active != CXG_TS_NONE ? q->last_active : recent,
                                        "%s %s%s silent for %.0f+ days after %u interactions", role,
                                        who(q), also, p->risk_days, q->n_prior);
        }
        return rc;
}

/* Every signal of one account into r, in the order they are reported. */
static enum cxg_err risk_signals(const struct eng_detect_params *p,
                                 const struct eng_risk_account *ac, int64_t recent, int64_t at,
                                 struct risk_acc *r)
{
        enum cxg_err rc = CXG_OK;

        if (!isnan(ac->health) && !isnan(ac->health_before) &&
            ac->health_before - ac->health > p->risk_health_drop) {
                struct eng_ev_signal s = {.signal = ENG_SIG_HEALTH_DROP};

                s.u.health.before = ac->health_before;
                s.u.health.now = ac->health;
                s.u.health.drop = ac->health_before - ac->health;
                rc = add_signal(
                    r, &s, W_HEALTH, recent, "health fell %.0f points in %.0f days (%.0f -> %.0f)",
                    ac->health_before - ac->health, p->risk_days, ac->health_before, ac->health);
        }
        if (!rc)
                rc = risk_people(p, ac, recent, at, r);
        for (size_t k = 0; k < ac->n_feedback && !rc; k++) {
                const struct eng_risk_feedback *f = &ac->feedback[k];
                struct eng_ev_signal s = {.signal = ENG_SIG_SENIOR_DETRACTOR};

                if (!is_detractor(p, f) || f->ts <= recent || f->ts > at)
                        continue;
                s.u.detractor.person = f->person ? f->person : "";
                s.u.detractor.name = f->name;
                s.u.detractor.seniority = f->seniority;
                s.u.detractor.kind = f->kind;
                s.u.detractor.score = f->score;
                s.u.detractor.at = f->ts;
                rc = add_signal(r, &s, W_DETRACTOR, f->ts, "%s %s answered %s %g",
                                model_seniority_name(f->seniority),
                                f->name && *f->name ? f->name : (f->person ? f->person : ""),
                                model_fb_kind_name(f->kind), f->score);
        }
        if (!rc && ac->downgraded_at != CXG_TS_NONE && ac->downgraded_at > recent &&
            ac->downgraded_at <= at && !isnan(ac->mrr_before) && !isnan(ac->mrr) &&
            ac->mrr < ac->mrr_before) {
                struct eng_ev_signal s = {.signal = ENG_SIG_DOWNGRADE};

                s.u.downgrade.mrr_before = ac->mrr_before;
                s.u.downgrade.mrr = ac->mrr;
                s.u.downgrade.plan_before = ac->plan_before;
                s.u.downgrade.plan = ac->plan;
                s.u.downgrade.at = ac->downgraded_at;
                rc = add_signal(
                    r, &s, W_DOWNGRADE, ac->downgraded_at, "downgraded %s%s%s (MRR %.0f -> %.0f)",
                    ac->plan_before ? ac->plan_before : "", ac->plan_before ? " -> " : "",
                    ac->plan ? ac->plan : "", ac->mrr_before, ac->mrr);
        }
        return rc;
}

/* Copy the strings of signal s into out's arena; *bad set when out of memory. */
static void keep_signal(struct eng_alerts *out, struct eng_ev_signal *s, int *bad)
{
        switch (s->signal) {
        case ENG_SIG_HEALTH_DROP:
                break;
        case ENG_SIG_SENIOR_DETRACTOR:
                s->u.detractor.person = eng_ev_keep(out, s->u.detractor.person, bad);
                s->u.detractor.name = eng_ev_keep(out, s->u.detractor.name, bad);
                break;
        case ENG_SIG_DOWNGRADE:
                s->u.downgrade.plan_before = eng_ev_keep(out, s->u.downgrade.plan_before, bad);
                s->u.downgrade.plan = eng_ev_keep(out, s->u.downgrade.plan, bad);
                break;
        default:
                s->u.person.person = eng_ev_keep(out, s->u.person.person, bad);
                s->u.person.name = eng_ev_keep(out, s->u.person.name, bad);
                s->u.person.role = eng_ev_keep(out, s->u.person.role, bad);
        }
}

/* The alert of an account with the signals in r. */
static enum cxg_err risk_alert(const struct eng_detect_params *p, const struct eng_risk_account *ac,
                               int64_t at, const struct risk_acc *r, struct eng_alerts *out,
                               struct cxg_error *err)
{
        const char *name = ac->name && *ac->name ? ac->name : NULL;
        struct eng_alert al;
        struct eng_ev_at_risk *e = &al.ev.at_risk;
        int bad = 0;

        eng_alert_init(&al, ENG_ALERT_AT_RISK, at);
        e->account = eng_ev_keep(out, ac->id, &bad);
        e->name = eng_ev_keep(out, ac->name, &bad);
        e->owner = eng_ev_keep(out, ac->owner, &bad);
        e->plan = eng_ev_keep(out, ac->plan, &bad);
        e->mrr = ac->mrr;
        e->health = ac->health;
        e->health_before = ac->health_before;
        e->window_days = p->risk_days;
        e->weight = r->weight;
        e->signals = eng_ev_keep_array(out, r->n, sizeof(*e->signals), &bad);
        for (size_t k = 0; !bad && k < r->n; k++) {
                e->signals[k] = r->v[k];
                keep_signal(out, &e->signals[k], &bad);
        }
        e->n_signals = r->n;
        if (bad)
                return eng_detect_nomem(err, "account at risk evidence");
        al.severity = r->weight >= 5   ? ENG_SEV_CRITICAL
                      : r->weight >= 4 ? ENG_SEV_HIGH
                      : r->weight >= 2 ? ENG_SEV_MEDIUM
                                       : ENG_SEV_LOW;
        al.first_seen = r->first;
        al.health = ac->health;
        snprintf(al.subject_type, sizeof(al.subject_type), "account");
        snprintf(al.subject, sizeof(al.subject), "%s", ac->id);
        snprintf(al.account, sizeof(al.account), "%s", ac->id);
        snprintf(al.owner, sizeof(al.owner), "%s", ac->owner ? ac->owner : "");
        if (r->key)
                snprintf(al.person, sizeof(al.person), "%s", r->key->id);
        snprintf(al.dedup_key, sizeof(al.dedup_key), "%s:%s", eng_alert_kind_name(al.kind), ac->id);
        snprintf(al.summary, sizeof(al.summary), "%s%s%s%s: %s", name ? name : ac->id,
                 name ? " (" : "", name ? ac->id : "", name ? ")" : "", r->text);
        if (eng_alerts_push(out, &al))
                return eng_detect_nomem(err, "account at risk");
        return CXG_OK;
}

enum cxg_err eng_detect_at_risk(const struct eng_detect_params *p, const struct eng_risk_account *a,
                                size_t n, int64_t at, struct eng_alerts *out, struct cxg_error *err)
{
        int64_t recent = at - (int64_t)(p->risk_days * CXG_DAY);
        struct risk_acc r = {0};
        enum cxg_err rc = CXG_OK;

        for (size_t i = 0; i < n && !rc; i++) {
                if (a[i].churned)
                        continue;
                r.n = 0;
                r.weight = 0;
                r.first = at;
                r.text[0] = 0;
                r.tl = 0;
                r.key = NULL;
                if (risk_signals(p, &a[i], recent, at, &r))
                        rc = eng_detect_nomem(err, "account at risk signals");
                else if (r.n)
                        rc = risk_alert(p, &a[i], at, &r, out, err);
        }
        cxg_free(r.v);
        return rc;
}
