/*
 * garden.c: names of the garden enumerations, the idea state machine with the roles owning
 * each transition, and validation of gardens, members and ideas.
 */
#include "model/garden.h"

#include <string.h>

#include "core/banned.h"
#include "core/parse.h"

static const char *const topic_names[GARDEN_TOPIC__COUNT] = {
    "experience", "context",     "deep_purpose",  "success_contribution", "cost_revenue",
    "adaptation", "data_supply", "long_term_fit", "robustness",           "custom",
};
static const char *const topic_labels[GARDEN_TOPIC__COUNT] = {
    "experience / customer journey",
    "context",
    "deep purpose",
    "customer success contribution",
    "cost and revenue optimization",
    "adaptation mode",
    "operative data supply",
    "long-term fit",
    "robustness",
    "custom",
};
static const char *const urole_names[GARDEN_UROLE__COUNT] = {"admin", "analyst", "account_manager",
                                                             "member"};
static const char *const mrole_names[GARDEN_MROLE__COUNT] = {"customer", "account_team", "product",
                                                             "sponsor", "board"};
static const char *const status_names[GARDEN_ST__COUNT] = {"invited", "accepted", "declined",
                                                           "left"};
static const char *const state_names[IDEA__COUNT] = {
    "proposed", "under_review", "approved", "running", "adopted", "rejected", "withdrawn",
};
static const char *const metric_names[GARDEN_METRIC__COUNT] = {
    "retention_90d", "retention_180d", "mrr_change", "nps", "activity",
};
static const char *const kind_names[LEDGER__COUNT] = {
    "promotion", "enabling", "sponsoring", "participation", "idea", "feedback",
};
static const int kind_points[LEDGER__COUNT] = {10, 5, 8, 1, 5, 2};

/* Case-insensitive match of n bytes against a name, '-' and ' ' standing for '_'. */
static int name_eq(const char *s, size_t n, const char *name)
{
        size_t i;

        if (strlen(name) != n)
                return 0;
        for (i = 0; i < n; i++) {
                char c = s[i];

                if (c >= 'A' && c <= 'Z')
                        c = (char)(c - 'A' + 'a');
                if (c == '-' || c == ' ')
                        c = '_';
                if (c != name[i])
                        return 0;
        }
        return 1;
}

static int lookup(const char *const *names, int count, const char *s, size_t n)
{
        if (!s)
                return -1;
        cxg_trim(&s, &n);
        for (int i = 0; i < count; i++)
                if (name_eq(s, n, names[i]))
                        return i;
        return -1;
}

static const char *name_of(const char *const *names, int count, int v)
{
        return v >= 0 && v < count ? names[v] : "";
}

const char *model_garden_topic_name(int topic)
{
        return name_of(topic_names, GARDEN_TOPIC__COUNT, topic);
}

int model_garden_topic_parse(const char *s, size_t n)
{
        return lookup(topic_names, GARDEN_TOPIC__COUNT, s, n);
}

const char *model_garden_topic_label(int topic)
{
        return name_of(topic_labels, GARDEN_TOPIC__COUNT, topic);
}

const char *model_garden_urole_name(int role)
{
        return name_of(urole_names, GARDEN_UROLE__COUNT, role);
}

int model_garden_urole_parse(const char *s, size_t n)
{
        return lookup(urole_names, GARDEN_UROLE__COUNT, s, n);
}

const char *model_garden_mrole_name(int role)
{
        return name_of(mrole_names, GARDEN_MROLE__COUNT, role);
}

int model_garden_mrole_parse(const char *s, size_t n)
{
        return lookup(mrole_names, GARDEN_MROLE__COUNT, s, n);
}

const char *model_garden_status_name(int status)
{
        return name_of(status_names, GARDEN_ST__COUNT, status);
}

int model_garden_status_parse(const char *s, size_t n)
{
        return lookup(status_names, GARDEN_ST__COUNT, s, n);
}

const char *model_idea_state_name(int state)
{
        return name_of(state_names, IDEA__COUNT, state);
}

int model_idea_state_parse(const char *s, size_t n)
{
        return lookup(state_names, IDEA__COUNT, s, n);
}

const char *model_garden_metric_name(int metric)
{
        return name_of(metric_names, GARDEN_METRIC__COUNT, metric);
}

int model_garden_metric_parse(const char *s, size_t n)
{
        return lookup(metric_names, GARDEN_METRIC__COUNT, s, n);
}

int model_garden_metric_higher_better(int metric)
{
        return metric >= 0 && metric < GARDEN_METRIC__COUNT;
}

const char *model_ledger_kind_name(int kind)
{
        return name_of(kind_names, LEDGER__COUNT, kind);
}

int model_ledger_kind_parse(const char *s, size_t n)
{
        return lookup(kind_names, LEDGER__COUNT, s, n);
}

int model_ledger_default_points(int kind)
{
        return kind >= 0 && kind < LEDGER__COUNT ? kind_points[kind] : 0;
}

int model_idea_state_final(int state)
{
        return state == IDEA_ADOPTED || state == IDEA_REJECTED || state == IDEA_WITHDRAWN;
}

int model_garden_can_manage(int role)
{
        return role == GARDEN_UROLE_ADMIN || role == GARDEN_UROLE_ANALYST;
}

const char *model_garden_team(int urole, int mrole)
{
        if (urole == GARDEN_UROLE_MEMBER)
                return "external";
        if (mrole > GARDEN_MROLE_CUSTOMER && mrole < GARDEN_MROLE__COUNT)
                return model_garden_mrole_name(mrole);
        return "staff";
}

void model_garden_rules_init(struct garden_rules *r)
{
        r->approvers = 2;
}

/* Who may perform a transition. */
enum {
        OWN_AUTHOR = 1,  /* the idea's author, whatever the role */
        OWN_STAFF = 2,   /* analyst or admin */
        OWN_SPONSOR = 4, /* an internal sponsor/board member of the garden */
};

struct rule {
        int from, to;
        unsigned owners;
        unsigned needs;
        const char *owners_text;
};

static const struct rule rules[] = {
    {IDEA_PROPOSED, IDEA_UNDER_REVIEW, OWN_AUTHOR | OWN_STAFF, IDEA_NEED_NONE,
     "the author, an analyst or an admin"},
    {IDEA_UNDER_REVIEW, IDEA_PROPOSED, OWN_STAFF, IDEA_NEED_NONE, "an analyst or an admin"},
    {IDEA_UNDER_REVIEW, IDEA_APPROVED, OWN_STAFF | OWN_SPONSOR, IDEA_NEED_APPROVALS,
     "an analyst, an admin or a sponsor of the garden"},
    {IDEA_APPROVED, IDEA_RUNNING, OWN_STAFF, IDEA_NEED_EXPERIMENT, "an analyst or an admin"},
    {IDEA_RUNNING, IDEA_ADOPTED, OWN_STAFF | OWN_SPONSOR, IDEA_NEED_RESULTS,
     "an analyst, an admin or a sponsor of the garden"},
    {IDEA_RUNNING, IDEA_REJECTED, OWN_STAFF | OWN_SPONSOR, IDEA_NEED_RESULTS,
     "an analyst, an admin or a sponsor of the garden"},
};

enum cxg_err model_idea_transition_check(int from, int to, const struct garden_actor *actor,
                                         const struct idea_relation *rel, unsigned *needs,
                                         struct cxg_error *err)
{
        const struct rule *r = NULL;
        struct rule withdraw = {from, IDEA_WITHDRAWN, OWN_AUTHOR | OWN_STAFF, IDEA_NEED_NONE,
                                "the author, an analyst or an admin"};
        unsigned may = 0;

        *needs = IDEA_NEED_NONE;
        if (from < 0 || from >= IDEA__COUNT || to < 0 || to >= IDEA__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "state", "idea: unknown state");
        if (model_idea_state_final(from))
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                      "idea: cannot move from %s to %s: %s is final",
                                      state_names[from], state_names[to], state_names[from]);
        if (to == IDEA_WITHDRAWN) {
                r = &withdraw;
        } else {
                for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
                        if (rules[i].from == from && rules[i].to == to)
                                r = &rules[i];
        }
        if (!r)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "state",
                                      "idea: cannot move from %s to %s (allowed from %s: %s)",
                                      state_names[from], state_names[to], state_names[from],
                                      from == IDEA_PROPOSED       ? "under_review, withdrawn"
                                      : from == IDEA_UNDER_REVIEW ? "approved, proposed, withdrawn"
                                      : from == IDEA_APPROVED     ? "running, withdrawn"
                                                                  : "adopted, rejected, withdrawn");
        if (rel && rel->is_author)
                may |= OWN_AUTHOR;
        if (actor && model_garden_can_manage(actor->role))
                may |= OWN_STAFF;
        /* a sponsor is an internal user: a member (customer) never approves */
        if (rel && rel->is_sponsor && actor && actor->role != GARDEN_UROLE_MEMBER)
                may |= OWN_SPONSOR;
        if (!(may & r->owners))
                return cxg_error_setf(err, CXG_ERR_FORBIDDEN, "state",
                                      "idea: %s may not move an idea from %s to %s (only %s may)",
                                      actor ? actor->name : "this user", state_names[from],
                                      state_names[to], r->owners_text);
        *needs = r->needs;
        return CXG_OK;
}

void model_garden_init(struct garden *g)
{
        memset(g, 0, sizeof(*g));
        g->topic = -1;
        g->starts_at = CXG_TS_NONE;
        g->ends_at = CXG_TS_NONE;
}

void model_idea_init(struct idea *i)
{
        memset(i, 0, sizeof(*i));
        i->target_metric = -1;
}

/* Non-empty after trimming, valid UTF-8 and at most max bytes. */
static enum cxg_err check_text(const char *s, size_t max, int required, const char *what,
                               const char *field, struct cxg_error *err)
{
        size_t n;

        if (!s) {
                if (required)
                        return cxg_error_setf(err, CXG_ERR_INVALID, field, "%s: %s is required",
                                              what, field);
                return CXG_OK;
        }
        n = strlen(s);
        if (!cxg_utf8_valid(s, n))
                return cxg_error_setf(err, CXG_ERR_INVALID, field, "%s: %s is not valid UTF-8",
                                      what, field);
        if (n > max)
                return cxg_error_setf(err, CXG_ERR_INVALID, field,
                                      "%s: %s is longer than %zu bytes", what, field, max);
        if (required && cxg_is_blank(s, n))
                return cxg_error_setf(err, CXG_ERR_INVALID, field, "%s: %s is empty", what, field);
        return CXG_OK;
}

enum cxg_err model_garden_validate(const struct garden *g, struct cxg_error *err)
{
        enum cxg_err rc;
        size_t n;

        if (!g->key || !g->key[0])
                return cxg_error_setf(err, CXG_ERR_INVALID, "key", "garden: key is required");
        n = strlen(g->key);
        if (n > 64)
                return cxg_error_setf(err, CXG_ERR_INVALID, "key",
                                      "garden: key \"%.64s...\" is longer than 64 characters",
                                      g->key);
        for (size_t i = 0; i < n; i++) {
                char c = g->key[i];

                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.'))
                        return cxg_error_setf(err, CXG_ERR_INVALID, "key",
                                              "garden: key \"%s\" may only hold letters, digits, "
                                              "'-', '_' and '.'",
                                              g->key);
        }
        if ((rc = check_text(g->name, 200, 1, "garden", "name", err)) ||
            (rc = check_text(g->goal, 4000, 0, "garden", "goal", err)) ||
            (rc = check_text(g->owner, 127, 0, "garden", "owner", err)) ||
            (rc = check_text(g->topic_custom, 200, 0, "garden", "topic_custom", err)))
                return rc;
        if (g->topic < 0 || g->topic >= GARDEN_TOPIC__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "topic",
                                      "garden: topic is required (experience, context, "
                                      "deep_purpose, success_contribution, cost_revenue, "
                                      "adaptation, data_supply, long_term_fit, robustness, or "
                                      "custom with a name)");
        if (g->topic == GARDEN_TOPIC_CUSTOM && (!g->topic_custom || !g->topic_custom[0]))
                return cxg_error_setf(err, CXG_ERR_INVALID, "topic_custom",
                                      "garden: a custom topic needs its name");
        if (g->topic != GARDEN_TOPIC_CUSTOM && g->topic_custom)
                return cxg_error_setf(err, CXG_ERR_INVALID, "topic_custom",
                                      "garden: topic_custom is only for the custom topic");
        if (g->segment) {
                const char *eq = strchr(g->segment, '=');

                if (!eq || eq == g->segment || !eq[1] || strlen(g->segment) > 200)
                        return cxg_error_setf(err, CXG_ERR_INVALID, "segment",
                                              "garden: segment \"%.64s\" is not field=value "
                                              "(e.g. plan=Premium)",
                                              g->segment);
        }
        if (g->starts_at != CXG_TS_NONE && g->ends_at != CXG_TS_NONE && g->ends_at < g->starts_at)
                return cxg_error_setf(err, CXG_ERR_INVALID, "ends_at",
                                      "garden: ends_at is before starts_at");
        return CXG_OK;
}

enum cxg_err model_garden_member_validate(const struct garden_member *m, struct cxg_error *err)
{
        if ((m->person != NULL) == (m->user != NULL))
                return cxg_error_setf(err, CXG_ERR_INVALID, "person",
                                      "garden member: give either a person (a customer) or a "
                                      "user (internal), not both");
        if (m->role < 0 || m->role >= GARDEN_MROLE__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "role",
                                      "garden member: role must be customer, account_team, "
                                      "product, sponsor or board");
        if (m->person && m->role != GARDEN_MROLE_CUSTOMER)
                return cxg_error_setf(err, CXG_ERR_INVALID, "role",
                                      "garden member: a customer person has the role customer");
        if (m->user && m->role == GARDEN_MROLE_CUSTOMER)
                return cxg_error_setf(err, CXG_ERR_INVALID, "role",
                                      "garden member: an internal user needs a role "
                                      "(account_team, product, sponsor or board)");
        if (m->status < 0 || m->status >= GARDEN_ST__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "garden member: status must be invited, accepted, declined "
                                      "or left");
        if (m->user && m->status != GARDEN_ST_ACCEPTED && m->status != GARDEN_ST_LEFT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "status",
                                      "garden member: internal members are accepted or left");
        return CXG_OK;
}

enum cxg_err model_idea_validate(const struct idea *i, struct cxg_error *err)
{
        enum cxg_err rc;

        if ((rc = check_text(i->title, 200, 1, "idea", "title", err)) ||
            (rc = check_text(i->description, 8000, 0, "idea", "description", err)) ||
            (rc = check_text(i->hypothesis, 4000, 0, "idea", "hypothesis", err)))
                return rc;
        if (i->target_metric < 0 || i->target_metric >= GARDEN_METRIC__COUNT)
                return cxg_error_setf(err, CXG_ERR_INVALID, "target_metric",
                                      "idea: target_metric must be retention_90d, "
                                      "retention_180d, mrr_change, nps or activity");
        return CXG_OK;
}
