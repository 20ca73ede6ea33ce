/* model.c: names of the enumerations, seniority from titles, and entity validation. */
#include "model/model.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

#include "core/banned.h"

static const char *const channel_names[CXG_CH__COUNT] = {
    "web", "app", "email", "phone", "chat", "support", "meeting", "community", "event", "other",
};
static const char *const seniority_names[CXG_SEN__COUNT] = {
    "unknown", "individual", "manager", "director", "executive",
};
static const char *const outcome_names[CXG_OUT__COUNT] = {"", "ok", "failed", "abandoned"};
static const char *const fb_names[CXG_FB__COUNT] = {"nps", "csat", "ces", "rating"};

static int lookup(const char *const *names, int count, const char *s, size_t n)
{
        cxg_trim(&s, &n);
        for (int i = 0; i < count; i++)
                if (names[i][0] && cxg_ieq(s, n, names[i]))
                        return i;
        return -1;
}

const char *model_channel_name(int channel)
{
        return channel >= 0 && channel < CXG_CH__COUNT ? channel_names[channel] : "other";
}

int model_channel_parse(const char *s, size_t n)
{
        return lookup(channel_names, CXG_CH__COUNT, s, n);
}

const char *model_seniority_name(int seniority)
{
        return seniority >= 0 && seniority < CXG_SEN__COUNT ? seniority_names[seniority]
                                                            : "unknown";
}

int model_seniority_parse(const char *s, size_t n)
{
        return lookup(seniority_names, CXG_SEN__COUNT, s, n);
}

const char *model_outcome_name(int outcome)
{
        return outcome >= 0 && outcome < CXG_OUT__COUNT ? outcome_names[outcome] : "";
}

int model_outcome_parse(const char *s, size_t n)
{
        cxg_trim(&s, &n);
        if (cxg_ieq(s, n, "success") || cxg_ieq(s, n, "succeeded"))
                return CXG_OUT_OK;
        if (cxg_ieq(s, n, "error") || cxg_ieq(s, n, "fail"))
                return CXG_OUT_FAILED;
        return lookup(outcome_names, CXG_OUT__COUNT, s, n);
}

const char *model_fb_kind_name(int kind)
{
        return kind >= 0 && kind < CXG_FB__COUNT ? fb_names[kind] : "";
}

int model_fb_kind_parse(const char *s, size_t n)
{
        return lookup(fb_names, CXG_FB__COUNT, s, n);
}

void model_fb_kind_range(int kind, int *min, int *max)
{
        static const int lo[CXG_FB__COUNT] = {0, 1, 1, 1}, hi[CXG_FB__COUNT] = {10, 5, 7, 5};

        *min = kind >= 0 && kind < CXG_FB__COUNT ? lo[kind] : 0;
        *max = kind >= 0 && kind < CXG_FB__COUNT ? hi[kind] : 0;
}

/* 1 when the lower-cased title contains word w at a word boundary */
static int has_word(const char *t, size_t n, const char *w)
{
        size_t wn = strlen(w);

        for (size_t i = 0; i + wn <= n; i++) {
                if (memcmp(t + i, w, wn) != 0)
                        continue;
                if (i > 0 && isalnum((unsigned char)t[i - 1]))
                        continue;
                if (i + wn < n && isalnum((unsigned char)t[i + wn]))
                        continue;
                return 1;
        }
        return 0;
}

enum cxg_seniority model_seniority_from_title(const char *title, size_t n)
{
        static const char *const exec[] = {"ceo",        "cfo",
                                           "cto",        "coo",
                                           "cio",        "cmo",
                                           "cro",        "cpo",
                                           "cso",        "cco",
                                           "chro",       "chief",
                                           "president",  "founder",
                                           "co-founder", "cofounder",
                                           "owner",      "vp",
                                           "svp",        "evp",
                                           "avp",        "vice president",
                                           "partner",    "managing director",
                                           "board",      "chairman",
                                           "chair",      "general manager",
                                           "principal",  "executive"};
        static const char *const dir[] = {"director", "head", "head of"};
        static const char *const mgr[] = {"manager", "lead",        "team lead",     "supervisor",
                                          "mgr",     "coordinator", "senior manager"};
        char low[256];
        size_t i;

        cxg_trim(&title, &n);
        if (!n)
                return CXG_SEN_UNKNOWN;
        if (n >= sizeof(low))
                n = sizeof(low) - 1;
        for (i = 0; i < n; i++)
                low[i] = (char)tolower((unsigned char)title[i]);
        low[n] = '\0';
        if (has_word(low, n, "assistant") || has_word(low, n, "intern"))
                return CXG_SEN_INDIVIDUAL;
        for (i = 0; i < sizeof(exec) / sizeof(exec[0]); i++)
                if (has_word(low, n, exec[i]))
                        return CXG_SEN_EXECUTIVE;
        for (i = 0; i < sizeof(dir) / sizeof(dir[0]); i++)
                if (has_word(low, n, dir[i]))
                        return CXG_SEN_DIRECTOR;
        for (i = 0; i < sizeof(mgr) / sizeof(mgr[0]); i++)
                if (has_word(low, n, mgr[i]))
                        return CXG_SEN_MANAGER;
        return CXG_SEN_INDIVIDUAL;
}

static int empty(const char *s)
{
        return !s || cxg_is_blank(s, strlen(s));
}

static enum cxg_err need_id(const char *s, const char *field, struct cxg_error *err)
{
        if (empty(s))
                return cxg_error_setf(err, CXG_ERR_INVALID, field, "required, but empty");
        if (strlen(s) > 256)
                return cxg_error_setf(err, CXG_ERR_INVALID, field, "longer than 256 bytes");
        return CXG_OK;
}

static enum cxg_err order(int64_t a, int64_t b, const char *fa, const char *fb,
                          struct cxg_error *err)
{
        if (a != CXG_TS_NONE && b != CXG_TS_NONE && b < a)
                return cxg_error_setf(err, CXG_ERR_INVALID, fb, "is before %s", fa);
        return CXG_OK;
}

static enum cxg_err money(double v, const char *field, struct cxg_error *err)
{
        if (!isnan(v) && (v < 0 || !isfinite(v)))
                return cxg_error_setf(err, CXG_ERR_INVALID, field, "must not be negative: %g", v);
        return CXG_OK;
}

enum cxg_err model_account_validate(const struct account *a, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = need_id(a->id, "id", err)) || (rc = money(a->mrr, "mrr", err)))
                return rc;
        if (a->currency && a->currency[0]) {
                const char *c = a->currency;

                if (strlen(c) != 3 || !isalpha((unsigned char)c[0]) ||
                    !isalpha((unsigned char)c[1]) || !isalpha((unsigned char)c[2]))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "currency",
                                              "not a three-letter currency code: \"%.16s\"", c);
        }
        return order(a->created_at, a->churned_at, "created_at", "churned_at", err);
}

enum cxg_err model_person_validate(const struct person *p, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = need_id(p->id, "id", err)) || (rc = need_id(p->account_id, "account_id", err)))
                return rc;
        if (!empty(p->email)) {
                const char *at = strchr(p->email, '@');

                if (!at || at == p->email || !strchr(at + 1, '.') || strchr(at + 1, '@') ||
                    at[1] == '.' || p->email[strlen(p->email) - 1] == '.' ||
                    strpbrk(p->email, " \t,;<>"))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "email",
                                              "not an address: \"%.64s\"", p->email);
        }
        if (p->seniority < -1 || p->seniority >= CXG_SEN__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "seniority", "out of range");
        return order(p->created_at, p->left_at, "created_at", "left_at", err);
}

enum cxg_err model_subscription_validate(const struct subscription *s, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = need_id(s->account_id, "account_id", err)) ||
            (rc = need_id(s->plan, "plan", err)) || (rc = money(s->mrr, "mrr", err)))
                return rc;
        if (isnan(s->mrr))
                return cxg_error_setf(err, CXG_ERR_INVALID, "mrr", "required, but empty");
        if (s->started_at == CXG_TS_NONE)
                return cxg_error_setf(err, CXG_ERR_INVALID, "started_at", "required, but empty");
        return order(s->started_at, s->ended_at, "started_at", "ended_at", err);
}

enum cxg_err model_interaction_validate(const struct interaction *i, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = need_id(i->person_id, "person_id", err)))
                return rc;
        if (i->ts == CXG_TS_NONE)
                return cxg_error_setf(err, CXG_ERR_INVALID, "ts", "required, but empty");
        if (i->channel < 0 || i->channel >= CXG_CH__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "channel", "unknown channel");
        if ((rc = need_id(i->type, "type", err)))
                return rc;
        if (i->duration_ms < -1)
                return cxg_error_setf(err, CXG_ERR_INVALID, "duration_ms",
                                      "must not be negative: %lld", (long long)i->duration_ms);
        if (i->outcome < 0 || i->outcome >= CXG_OUT__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "outcome", "unknown outcome");
        return CXG_OK;
}

enum cxg_err model_feedback_validate(const struct feedback *f, struct cxg_error *err)
{
        enum cxg_err rc;
        int lo, hi;

        if ((rc = need_id(f->person_id, "person_id", err)))
                return rc;
        if (f->ts == CXG_TS_NONE)
                return cxg_error_setf(err, CXG_ERR_INVALID, "ts", "required, but empty");
        if (f->kind < 0 || f->kind >= CXG_FB__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "kind",
                                      "unknown kind (use nps, csat, ces or rating)");
        model_fb_kind_range(f->kind, &lo, &hi);
        if (isnan(f->score))
                return cxg_error_setf(err, CXG_ERR_INVALID, "score", "required, but empty");
        if (f->score < lo || f->score > hi || f->score != floor(f->score))
                return cxg_error_setf(err, CXG_ERR_INVALID, "score",
                                      "%s answers are whole numbers from %d to %d, got %g",
                                      model_fb_kind_name(f->kind), lo, hi, f->score);
        if (f->channel < -1 || f->channel >= CXG_CH__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "channel", "unknown channel");
        return CXG_OK;
}

enum cxg_err model_objective_validate(const struct objective *o, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = need_id(o->id, "id", err)) || (rc = need_id(o->account_id, "account_id", err)) ||
            (rc = need_id(o->title, "title", err)))
                return rc;
        if (o->importance < 1 || o->importance > 5)
                return cxg_error_setf(err, CXG_ERR_INVALID, "importance",
                                      "must be a whole number from 1 to 5, got %d", o->importance);
        for (size_t i = 0; i < o->n_capabilities; i++)
                if ((rc = need_id(o->capabilities[i], "capabilities", err)))
                        return rc;
        return CXG_OK;
}

enum cxg_err model_capability_validate(const struct capability *c, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = need_id(c->id, "id", err)))
                return rc;
        if (empty(c->name))
                return cxg_error_setf(err, CXG_ERR_INVALID, "name", "required, but empty");
        return CXG_OK;
}

void model_account_init(struct account *a)
{
        memset(a, 0, sizeof(*a));
        a->mrr = NAN;
        a->created_at = a->churned_at = CXG_TS_NONE;
        a->churned = -1;
}

void model_person_init(struct person *p)
{
        memset(p, 0, sizeof(*p));
        p->seniority = -1;
        p->created_at = p->left_at = CXG_TS_NONE;
}

void model_subscription_init(struct subscription *s)
{
        memset(s, 0, sizeof(*s));
        s->mrr = NAN;
        s->started_at = s->ended_at = CXG_TS_NONE;
}

void model_interaction_init(struct interaction *i)
{
        memset(i, 0, sizeof(*i));
        i->ts = CXG_TS_NONE;
        i->channel = CXG_CH_OTHER;
        i->duration_ms = -1;
        i->outcome = CXG_OUT_NONE;
        i->value = NAN;
}

void model_feedback_init(struct feedback *f)
{
        memset(f, 0, sizeof(*f));
        f->ts = CXG_TS_NONE;
        f->kind = -1;
        f->score = NAN;
        f->channel = -1;
}

void model_objective_init(struct objective *o)
{
        memset(o, 0, sizeof(*o));
        o->importance = 3;
}

void model_capability_init(struct capability *c)
{
        memset(c, 0, sizeof(*c));
}
