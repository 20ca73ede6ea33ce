/*
 * score_reason.c: a reason of the scores in words (eng_reason_format), e.g. "CFO (Ann Lee)
 * inactive for 60 days"; the table of reasons is in docs/scoring.md#reasons.
 */
#include "engine/score.h"

#include <math.h>
#include <stdio.h>

#include "core/banned.h"

/* "CFO (Ann Lee)", or the seniority when the role is empty. */
static void person_label(const struct eng_snapshot *s, uint32_t p, char *out, size_t cap)
{
        const char *role, *name;

        if (p == ENG_NONE || p >= s->n_people) {
                snprintf(out, cap, "someone");
                return;
        }
        role =
            s->p_role[p] && *s->p_role[p] ? s->p_role[p] : model_seniority_name(s->p_seniority[p]);
        name = s->p_name[p] && *s->p_name[p] ? s->p_name[p] : s->p_ext[p];
        snprintf(out, cap, "%s (%s)", role, name);
}

static const char *seniority_word(const struct eng_snapshot *s, uint32_t p)
{
        if (p == ENG_NONE || p >= s->n_people)
                return "a respondent";
        switch (s->p_seniority[p]) {
        case CXG_SEN_EXECUTIVE:
                return "an executive";
        case CXG_SEN_DIRECTOR:
                return "a director";
        case CXG_SEN_MANAGER:
                return "a manager";
        case CXG_SEN_INDIVIDUAL:
                return "an individual contributor";
        default:
                return "a contact";
        }
}

char *eng_reason_format(const struct eng_scores *r, uint32_t account, const struct eng_reason *y,
                        char *out, size_t cap)
{
        const struct eng_snapshot *s = r->snap;
        char who[160], date[16];
        static const char *const metric_words[ENG_M__COUNT] = {"support response", "response time",
                                                               "failure rate", "CSAT"};

        (void)account;
        out[0] = 0;
        switch (y->code) {
        case ENG_R_INACTIVE:
                person_label(s, y->ref, who, sizeof(who));
                snprintf(out, cap, "%s inactive for %.0f days", who, y->value);
                break;
        case ENG_R_NEVER_ACTIVE:
                person_label(s, y->ref, who, sizeof(who));
                snprintf(out, cap, "%s has never been active", who);
                break;
        case ENG_R_CHAMPION:
                person_label(s, y->ref, who, sizeof(who));
                snprintf(out, cap, "%s engaged (%.0f/100)", who, y->value);
                break;
        case ENG_R_DETRACTOR:
        case ENG_R_PROMOTER:
                cxg_date_format(y->ts, date);
                snprintf(out, cap, "%s %s (%g) from %s on %s",
                         y->aux == CXG_FB_NPS    ? "NPS"
                         : y->aux == CXG_FB_CSAT ? "CSAT"
                         : y->aux == CXG_FB_CES  ? "CES"
                                                 : "rating",
                         y->code == ENG_R_DETRACTOR ? "detractor" : "promoter", y->value,
                         seniority_word(s, y->ref), date);
                break;
        case ENG_R_EXPERIENCE:
                if (y->aux == ENG_M_CSAT)
                        snprintf(out, cap, "CSAT %.1f points %s segment expectation",
                                 fabs(y->value), y->value < 0 ? "below" : "above");
                else if (y->value >= 1)
                        snprintf(out, cap, "%s %.1fx %s than segment expectation",
                                 metric_words[y->aux % ENG_M__COUNT], y->value,
                                 y->aux == ENG_M_FAILURES ? "higher" : "slower");
                else
                        snprintf(out, cap, "%s %.1fx %s than segment expectation",
                                 metric_words[y->aux % ENG_M__COUNT], 1 / y->value,
                                 y->aux == ENG_M_FAILURES ? "lower" : "faster");
                break;
        case ENG_R_TREND:
                snprintf(out, cap, "engagement %s %.0f%% over %.0f days",
                         y->value < 0 ? "down" : "up", fabs(y->value) * 100, r->params.trend_days);
                break;
        case ENG_R_FEW_ENGAGED:
                snprintf(out, cap, "only %.0f engaged stakeholder%s of %u", y->value,
                         y->value == 1 ? "" : "s", y->ref);
                break;
        case ENG_R_RESILIENCE:
                cxg_date_format(y->ts, date);
                if (y->aux == 0)
                        snprintf(out, cap,
                                 "engagement %s after a detractor answer on %s (%.0f%% "
                                 "of before)",
                                 y->value >= 1 ? "held up" : "fell", date, y->value * 100);
                else
                        snprintf(out, cap,
                                 "engagement %s after a bad month (%.1f%% failed or "
                                 "slow) from %.7s (%.0f%% of before)",
                                 y->value >= 1 ? "held up" : "fell", y->ref / 10.0, date,
                                 y->value * 100);
                break;
        case ENG_R_GARDEN:
                snprintf(out, cap, "member of a customer garden");
                break;
        case ENG_R_TENURE:
                if (y->value < ENG_TENURE_NEW_DAYS)
                        snprintf(out, cap, "new account (%.0f days)", y->value);
                else
                        snprintf(out, cap, "customer for %.1f years", y->value / 365.25);
                break;
        case ENG_R_OBJECTIVE:
                snprintf(out, cap, "objective \"%s\" needs capabilities not in plan %s",
                         y->ref < s->n_obj ? s->o_title[y->ref] : "?",
                         s->plans.names[s->a_plan[account]][0] ? s->plans.names[s->a_plan[account]]
                                                               : "(none)");
                break;
        case ENG_R_HOLD:
                snprintf(out, cap,
                         "senior stakeholders' activity %s %.0f%% against %.0f days "
                         "earlier",
                         y->value < 1 ? "down" : "up", fabs(y->value - 1) * 100,
                         r->params.hold_days);
                break;
        case ENG_R_TYPE_SLOW:
                snprintf(out, cap, "%s %.1fx slower than its usual response time",
                         y->ref < s->types.n ? s->types.names[y->ref] : "an interaction", y->value);
                break;
        case ENG_R_NO_PEOPLE:
                snprintf(out, cap, "no stakeholders known");
                break;
        default:
                snprintf(out, cap, "?");
        }
        return out;
}
