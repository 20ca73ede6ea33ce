/*
 * convert.c: the canonical fields of each kind and the conversion of a row's cells (text from
 * CSV, values from JSON) into the model's structs, with strict typed parsing and the
 * model's validation. Every failure names the canonical field.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"
#include "core/parse.h"
#include "ingest/ingest_int.h"

static const struct ingest_fdef f_accounts[] = {
    {"id", FT_STR, 1},        {"name", FT_STR, 0},     {"plan", FT_STR, 0},
    {"mrr", FT_NUM, 0},       {"currency", FT_STR, 0}, {"created_at", FT_TS, 0},
    {"churned_at", FT_TS, 0}, {"churned", FT_BOOL, 0}, {"owner", FT_STR, 0},
};
static const struct ingest_fdef f_people[] = {
    {"id", FT_STR, 1},        {"account_id", FT_STR, 1}, {"name", FT_STR, 0},
    {"email", FT_STR, 0},     {"role", FT_STR, 0},       {"seniority", FT_SENIORITY, 0},
    {"created_at", FT_TS, 0}, {"left_at", FT_TS, 0},
};
static const struct ingest_fdef f_subscriptions[] = {
    {"account_id", FT_STR, 1}, {"plan", FT_STR, 1},    {"mrr", FT_NUM, 1},
    {"started_at", FT_TS, 1},  {"ended_at", FT_TS, 0},
};
static const struct ingest_fdef f_interactions[] = {
    {"id", FT_STR, 0},          {"person_id", FT_STR, 1},   {"account_id", FT_STR, 0},
    {"ts", FT_TS, 1},           {"channel", FT_CHANNEL, 0}, {"type", FT_STR, 1},
    {"duration_ms", FT_INT, 0}, {"outcome", FT_OUTCOME, 0}, {"value", FT_NUM, 0},
};
static const struct ingest_fdef f_feedback[] = {
    {"id", FT_STR, 0},      {"person_id", FT_STR, 1}, {"account_id", FT_STR, 0},
    {"ts", FT_TS, 1},       {"kind", FT_FBKIND, 1},   {"score", FT_NUM, 1},
    {"comment", FT_STR, 0}, {"topic", FT_STR, 0},     {"channel", FT_CHANNEL, 0},
};
static const struct ingest_fdef f_objectives[] = {
    {"id", FT_STR, 1},
    {"account_id", FT_STR, 1},
    {"person_id", FT_STR, 0},
    {"title", FT_STR, 1},
    {"importance", FT_INT, 0},
    {"status", FT_STR, 0},
    {"capabilities", FT_LIST, 0},
};
static const struct ingest_fdef f_capabilities[] = {
    {"id", FT_STR, 1},
    {"name", FT_STR, 1},
    {"plans", FT_LIST, 0},
    {"interaction_types", FT_LIST, 0},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct {
        const char *name, *singular;
        const struct ingest_fdef *f;
        size_t n;
        int attrs;
} kinds[INGEST_KIND__COUNT] = {
    [INGEST_ACCOUNTS] = {"accounts", "account", f_accounts, N(f_accounts), 1},
    [INGEST_PEOPLE] = {"people", "person", f_people, N(f_people), 1},
    [INGEST_SUBSCRIPTIONS] = {"subscriptions", "subscription", f_subscriptions, N(f_subscriptions),
                              0},
    [INGEST_INTERACTIONS] = {"interactions", "interaction", f_interactions, N(f_interactions), 1},
    [INGEST_FEEDBACK] = {"feedback", "feedbacks", f_feedback, N(f_feedback), 0},
    [INGEST_OBJECTIVES] = {"objectives", "objective", f_objectives, N(f_objectives), 0},
    [INGEST_CAPABILITIES] = {"capabilities", "capability", f_capabilities, N(f_capabilities), 0},
};

int ingest_kind_parse(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        for (int k = 0; k < INGEST_KIND__COUNT; k++)
                if (n && (cxg_ieq(s, n, kinds[k].name) || cxg_ieq(s, n, kinds[k].singular)))
                        return k;
        return -1;
}

const char *ingest_kind_name(enum ingest_kind k)
{
        return (int)k >= 0 && k < INGEST_KIND__COUNT ? kinds[k].name : "?";
}

const char *ingest_kind_fields(enum ingest_kind k)
{
        static char text[INGEST_KIND__COUNT][160];
        size_t o = 0;

        if ((int)k < 0 || k >= INGEST_KIND__COUNT)
                return "";
        if (!text[k][0])
                for (size_t i = 0; i < kinds[k].n; i++)
                        o += (size_t)snprintf(text[k] + o, sizeof(text[k]) - o, "%s%s",
                                              i ? " " : "", kinds[k].f[i].name);
        return text[k];
}

int ingest_format_parse(const char *s)
{
        size_t n = s ? strlen(s) : 0;

        if (cxg_ieq(s, n, "csv") || cxg_ieq(s, n, "tsv"))
                return INGEST_FMT_CSV;
        if (cxg_ieq(s, n, "jsonl") || cxg_ieq(s, n, "ndjson") || cxg_ieq(s, n, "json") ||
            cxg_ieq(s, n, "jsonlines"))
                return INGEST_FMT_JSONL;
        return -1;
}

const struct ingest_fdef *ingest_fdefs(enum ingest_kind k, size_t *n)
{
        *n = kinds[k].n;
        return kinds[k].f;
}

int ingest_kind_has_attributes(enum ingest_kind k)
{
        return kinds[k].attrs;
}

/* lower-cased letters and digits only: "Account ID", "account-id", "accountId" all agree */
static size_t normalise(const char *s, size_t n, char *out, size_t cap)
{
        size_t o = 0;

        for (size_t i = 0; i < n && o + 1 < cap; i++) {
                char c = s[i];

                if (c >= 'A' && c <= 'Z')
                        out[o++] = (char)(c - 'A' + 'a');
                else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                        out[o++] = c;
                else if (c != ' ' && c != '-' && c != '_' && c != '.')
                        return 0; /* other characters: never a canonical name */
        }
        out[o] = '\0';
        return o;
}

int ingest_field_match(enum ingest_kind k, const char *name, size_t n)
{
        char a[64], b[64];
        size_t an;

        if (n >= sizeof(a))
                return -1;
        an = normalise(name, n, a, sizeof(a));
        if (!an)
                return -1;
        for (size_t i = 0; i < kinds[k].n; i++) {
                const char *f = kinds[k].f[i].name;

                if (normalise(f, strlen(f), b, sizeof(b)) == an && memcmp(a, b, an) == 0)
                        return (int)i;
        }
        return -1;
}

int ingest_json_number(const char *s, size_t n)
{
        size_t i = 0;

        if (i < n && s[i] == '-')
                i++;
        if (i >= n)
                return 0;
        if (s[i] == '0') {
                i++;
        } else if (s[i] >= '1' && s[i] <= '9') {
                while (i < n && s[i] >= '0' && s[i] <= '9')
                        i++;
        } else {
                return 0;
        }
        if (i < n && s[i] == '.') {
                i++;
                if (i >= n || s[i] < '0' || s[i] > '9')
                        return 0;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                        i++;
        }
        if (i < n && (s[i] == 'e' || s[i] == 'E')) {
                i++;
                if (i < n && (s[i] == '+' || s[i] == '-'))
                        i++;
                if (i >= n || s[i] < '0' || s[i] > '9')
                        return 0;
                while (i < n && s[i] >= '0' && s[i] <= '9')
                        i++;
        }
        return i == n && n <= 40;
}

/* the trimmed text of a cell, or 0 when it is absent or blank */
static int text(const struct ingest_cell *c, const char **p, size_t *n)
{
        if (!c->present || c->is_array)
                return 0;
        *p = c->p;
        *n = c->n;
        cxg_trim(p, n);
        return *n != 0;
}

static enum cxg_err fail(struct cxg_error *err, enum cxg_err rc, const char *field)
{
        snprintf(err->field, sizeof(err->field), "%s", field);
        return rc;
}

/* a list: a JSON array, or text split at ';' or '|' (items trimmed, empty ones dropped) */
static enum cxg_err list(const struct ingest_cell *c, struct cxg_arena *a, const char ***items,
                         size_t *n_items, const char *field, struct cxg_error *err)
{
        const char *p, **out;
        size_t n, k = 0, cap = 1;

        *items = NULL;
        *n_items = 0;
        if (c->present && c->is_array) {
                out = cxg_arena_alloc(a, (c->n_items + 1) * sizeof(*out));
                if (!out)
                        return cxg_error_setf(err, CXG_ERR_NOMEM, field, "out of memory");
                for (size_t i = 0; i < c->n_items; i++) {
                        const char *s = c->items[i];
                        size_t sn = strlen(s);

                        cxg_trim(&s, &sn);
                        if (sn && !(out[k++] = cxg_arena_strndup(a, s, sn)))
                                return cxg_error_setf(err, CXG_ERR_NOMEM, field, "out of memory");
                }
                *items = out;
                *n_items = k;
                return CXG_OK;
        }
        if (!text(c, &p, &n))
                return CXG_OK;
        for (size_t i = 0; i < n; i++)
                cap += p[i] == ';' || p[i] == '|';
        out = cxg_arena_alloc(a, cap * sizeof(*out));
        if (!out)
                return cxg_error_setf(err, CXG_ERR_NOMEM, field, "out of memory");
        for (size_t i = 0, start = 0; i <= n; i++) {
                if (i < n && p[i] != ';' && p[i] != '|')
                        continue;
                const char *s = p + start;
                size_t sn = i - start;

                cxg_trim(&s, &sn);
                if (sn && !(out[k++] = cxg_arena_strndup(a, s, sn)))
                        return cxg_error_setf(err, CXG_ERR_NOMEM, field, "out of memory");
                start = i + 1;
        }
        *items = out;
        *n_items = k;
        return CXG_OK;
}

/* One typed value; the out pointer's type follows the field's type. */
static enum cxg_err value(const struct ingest_fdef *d, const struct ingest_cell *c,
                          struct cxg_arena *a, void *out, size_t *count, struct cxg_error *err)
{
        const char *p;
        size_t n;
        enum cxg_err rc = CXG_OK;
        int v;

        if (c->present && c->is_array && d->type != FT_LIST)
                return cxg_error_setf(err, CXG_ERR_INVALID, d->name,
                                      "expected one value, got a list");
        if (d->type == FT_LIST)
                return list(c, a, out, count, d->name, err);
        if (!text(c, &p, &n))
                return CXG_OK; /* absent: the struct keeps its "absent" value */
        switch (d->type) {
        case FT_STR:
                if (!(*(const char **)out = cxg_arena_strndup(a, p, n)))
                        return cxg_error_setf(err, CXG_ERR_NOMEM, d->name, "out of memory");
                return CXG_OK;
        case FT_NUM:
                rc = cxg_parse_double(p, n, out, err);
                break;
        case FT_INT: {
                double x;

                rc = cxg_parse_double(p, n, &x, err);
                if (!rc && (x != floor(x) || fabs(x) > 9e15))
                        return cxg_error_setf(err, CXG_ERR_PARSE, d->name,
                                              "not a whole number: \"%.*s\"",
                                              (int)(n > 64 ? 64 : n), p);
                if (!rc && x < 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, d->name,
                                              "must not be negative: %.*s", (int)(n > 64 ? 64 : n),
                                              p);
                if (!rc)
                        *(int64_t *)out = (int64_t)x;
                break;
        }
        case FT_TS:
                rc = cxg_parse_time(p, n, out, err);
                break;
        case FT_BOOL:
                rc = cxg_parse_bool(p, n, out, err);
                break;
        case FT_CHANNEL:
                if ((v = model_channel_parse(p, n)) < 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, d->name,
                                              "unknown channel \"%.*s\" (use web, app, email, "
                                              "phone, chat, support, meeting, community, event "
                                              "or other)",
                                              (int)(n > 64 ? 64 : n), p);
                *(int *)out = v;
                return CXG_OK;
        case FT_OUTCOME:
                if ((v = model_outcome_parse(p, n)) < 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, d->name,
                                              "unknown outcome \"%.*s\" (use ok, failed or "
                                              "abandoned)",
                                              (int)(n > 64 ? 64 : n), p);
                *(int *)out = v;
                return CXG_OK;
        case FT_SENIORITY:
                if ((v = model_seniority_parse(p, n)) < 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, d->name,
                                              "unknown seniority \"%.*s\" (use executive, "
                                              "director, manager, individual or unknown)",
                                              (int)(n > 64 ? 64 : n), p);
                *(int *)out = v;
                return CXG_OK;
        case FT_FBKIND:
                if ((v = model_fb_kind_parse(p, n)) < 0)
                        return cxg_error_setf(err, CXG_ERR_INVALID, d->name,
                                              "unknown kind \"%.*s\" (use nps, csat, ces or "
                                              "rating)",
                                              (int)(n > 64 ? 64 : n), p);
                *(int *)out = v;
                return CXG_OK;
        case FT_LIST:
                break;
        }
        return rc ? fail(err, rc, d->name) : CXG_OK;
}

/* where each canonical field of a kind lives in its struct, in ingest_fdefs order */
static void slots(enum ingest_kind k, union ingest_entity *e, void **s, size_t **cnt)
{
        switch (k) {
        case INGEST_ACCOUNTS: {
                struct account *a = &e->a;
                void *t[] = {&a->id,         &a->name,       &a->plan,    &a->mrr,  &a->currency,
                             &a->created_at, &a->churned_at, &a->churned, &a->owner};
                memcpy(s, t, sizeof(t));
                break;
        }
        case INGEST_PEOPLE: {
                struct person *p = &e->p;
                void *t[] = {&p->id,   &p->account_id, &p->name,       &p->email,
                             &p->role, &p->seniority,  &p->created_at, &p->left_at};
                memcpy(s, t, sizeof(t));
                break;
        }
        case INGEST_SUBSCRIPTIONS: {
                struct subscription *x = &e->s;
                void *t[] = {&x->account_id, &x->plan, &x->mrr, &x->started_at, &x->ended_at};
                memcpy(s, t, sizeof(t));
                break;
        }
        case INGEST_INTERACTIONS: {
                struct interaction *i = &e->i;
                void *t[] = {&i->id,   &i->person_id,   &i->account_id, &i->ts,   &i->channel,
                             &i->type, &i->duration_ms, &i->outcome,    &i->value};
                memcpy(s, t, sizeof(t));
                break;
        }
        case INGEST_FEEDBACK: {
                struct feedback *f = &e->f;
                void *t[] = {&f->id,    &f->person_id, &f->account_id, &f->ts,     &f->kind,
                             &f->score, &f->comment,   &f->topic,      &f->channel};
                memcpy(s, t, sizeof(t));
                break;
        }
        case INGEST_OBJECTIVES: {
                struct objective *o = &e->o;
                void *t[] = {&o->id,         &o->account_id, &o->person_id,   &o->title,
                             &o->importance, &o->status,     &o->capabilities};
                memcpy(s, t, sizeof(t));
                cnt[6] = &o->n_capabilities;
                break;
        }
        case INGEST_CAPABILITIES: {
                struct capability *c = &e->c;
                void *t[] = {&c->id, &c->name, &c->plans, &c->interaction_types};
                memcpy(s, t, sizeof(t));
                cnt[2] = &c->n_plans;
                cnt[3] = &c->n_interaction_types;
                break;
        }
        default:
                break;
        }
}

enum cxg_err ingest_convert(enum ingest_kind k, const struct ingest_cell *cells,
                            const char *attributes, struct cxg_arena *a, union ingest_entity *out,
                            struct cxg_error *err)
{
        void *slot[INGEST_MAX_FIELDS];
        size_t *cnt[INGEST_MAX_FIELDS] = {NULL};
        const struct ingest_fdef *d = kinds[k].f;
        enum cxg_err rc;
        int64_t imp = -1;

        switch (k) {
        case INGEST_ACCOUNTS:
                model_account_init(&out->a);
                out->a.attributes = attributes;
                break;
        case INGEST_PEOPLE:
                model_person_init(&out->p);
                out->p.attributes = attributes;
                break;
        case INGEST_SUBSCRIPTIONS:
                model_subscription_init(&out->s);
                break;
        case INGEST_INTERACTIONS:
                model_interaction_init(&out->i);
                out->i.attributes = attributes;
                break;
        case INGEST_FEEDBACK:
                model_feedback_init(&out->f);
                break;
        case INGEST_OBJECTIVES:
                model_objective_init(&out->o);
                break;
        case INGEST_CAPABILITIES:
                model_capability_init(&out->c);
                break;
        default:
                return cxg_error_set(err, CXG_ERR_INTERNAL, "unknown kind %d", (int)k);
        }
        slots(k, out, slot, cnt);
        if (k == INGEST_OBJECTIVES)
                slot[4] = &imp; /* importance is an int in the struct */
        for (size_t i = 0; i < kinds[k].n; i++)
                if ((rc = value(&d[i], &cells[i], a, slot[i], cnt[i], err)))
                        return rc;
        switch (k) {
        case INGEST_ACCOUNTS:
                rc = model_account_validate(&out->a, err);
                break;
        case INGEST_PEOPLE:
                rc = model_person_validate(&out->p, err);
                break;
        case INGEST_SUBSCRIPTIONS:
                rc = model_subscription_validate(&out->s, err);
                break;
        case INGEST_INTERACTIONS:
                rc = model_interaction_validate(&out->i, err);
                break;
        case INGEST_FEEDBACK:
                rc = model_feedback_validate(&out->f, err);
                break;
        case INGEST_OBJECTIVES:
                if (imp != -1)
                        out->o.importance = imp < 1 || imp > 5 ? 0 : (int)imp;
                if (imp != -1 && (imp < 1 || imp > 5))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "importance",
                                              "must be a whole number from 1 to 5, got %lld",
                                              (long long)imp);
                if (!out->o.status)
                        out->o.status = "open";
                rc = model_objective_validate(&out->o, err);
                break;
        case INGEST_CAPABILITIES:
                rc = model_capability_validate(&out->c, err);
                break;
        default:
                rc = CXG_ERR_INTERNAL;
        }
        return rc;
}
