/*
 * gen.c: the demo-data generator (see gen.h and docs/generator.md). It owns the invented
 * company: first the structure (accounts with their subscription history and garden
 * membership, people with their arrivals and departures, objectives, capabilities) kept in
 * memory, then a calibration pass over every person-day, then the interactions and survey
 * answers streamed day by day into the store in batches. Every random draw comes from a
 * splitmix64 stream keyed by (seed, purpose, entity, day), so the output depends on the seed
 * and options only, and the control company differs from the planted one only where an effect
 * applies.
 */
#include "ingest/gen.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/parse.h"
#include "model/model.h"

#include "core/banned.h"

#define DAY INT64_C(86400)
#define LN2_HI 6.93147180369123816490e-01
#define LN2_LO 1.90821492927058770002e-10
#define LN2 0.693147180559945309417232121458
#define SQRT_HALF 0.707106781186547524400844362105

/* ------------------------------------------------------------------------------------------ */
/* deterministic arithmetic and random numbers */

double gen_log(double x)
{
        int e;
        double m, s, s2, term = 1, sum = 0;

        if (!(x > 0))
                return -INFINITY;
        m = frexp(x, &e); /* exact: x = m * 2^e, m in [0.5, 1) */
        if (m < SQRT_HALF) {
                m *= 2;
                e--;
        }
        s = (m - 1) / (m + 1); /* |s| <= 0.172: log m = 2 atanh(s) */
        s2 = s * s;
        for (int k = 0; k < 12; k++) {
                sum += term / (2 * k + 1);
                term *= s2;
        }
        return e * LN2_HI + (e * LN2_LO + 2 * s * sum);
}

double gen_exp(double x)
{
        double r, term = 1, sum = 1;
        long k;

        if (x < -745)
                return 0;
        if (x > 709)
                x = 709;
        k = (long)(x / LN2 + (x >= 0 ? 0.5 : -0.5));
        r = (x - k * LN2_HI) - k * LN2_LO; /* |r| <= 0.35 */
        for (int i = 1; i < 16; i++) {
                term *= r / i;
                sum += term;
        }
        return ldexp(sum, (int)k);
}

static double gen_pow(double x, double y)
{
        return x <= 0 ? 0 : gen_exp(gen_log(x) * y);
}

static uint64_t mix64(uint64_t z)
{
        z += UINT64_C(0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* splitmix64: one 64-bit state, passes BigCrush, trivially seeded per stream. */
struct rng {
        uint64_t s;
};

/* Purposes of the random streams; never reorder (that would change every company). */
enum { S_ACCOUNT = 1, S_LIFE, S_PEOPLE, S_PERSON, S_OBJECTIVE, S_DAY };

static struct rng rng_for(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b)
{
        struct rng r = {mix64(seed ^ mix64(stream * 0x100000001b3ULL ^ mix64(a ^ mix64(b))))};

        return r;
}

static uint64_t rng_next(struct rng *r)
{
        uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));

        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static double rng_u01(struct rng *r)
{
        return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n). */
static uint32_t rng_below(struct rng *r, uint32_t n)
{
        return (uint32_t)(rng_u01(r) * n);
}

/* Standard normal (Marsaglia's polar method). */
static double rng_normal(struct rng *r)
{
        double u, v, s;

        do {
                u = 2 * rng_u01(r) - 1;
                v = 2 * rng_u01(r) - 1;
                s = u * u + v * v;
        } while (s >= 1 || s == 0);
        return u * sqrt(-2 * gen_log(s) / s);
}

/* Poisson by inversion (one uniform) for small means, normal approximation above 30. */
static int rng_poisson(struct rng *r, double lam)
{
        double u, p, c;
        int k = 0;

        if (lam <= 0)
                return 0;
        if (lam > 30) {
                double x = lam + sqrt(lam) * rng_normal(r) + 0.5;
                return x < 0 ? 0 : (int)x;
        }
        u = rng_u01(r);
        p = gen_exp(-lam);
        c = p;
        while (u > c && k < 400) {
                k++;
                p *= lam / k;
                c += p;
        }
        return k;
}

/* Index drawn from cumulative weights cum[0..n-1] (cum[n-1] is the total). */
static int pick_cum(const double *cum, int n, double u)
{
        double x = u * cum[n - 1];

        for (int i = 0; i < n - 1; i++)
                if (x < cum[i])
                        return i;
        return n - 1;
}

static int pick_w(const double *w, int n, double u)
{
        double total = 0, x;

        for (int i = 0; i < n; i++)
                total += w[i];
        x = u * total;
        for (int i = 0; i < n - 1; i++) {
                if (x < w[i])
                        return i;
                x -= w[i];
        }
        return n - 1;
}

/* ------------------------------------------------------------------------------------------ */
/* the company's catalogue: plans, capabilities, interaction types */

enum { P_FREE, P_PRO, P_PREMIUM, P_RECRUITER, P__COUNT };
static const char *const plan_names[P__COUNT] = {"Free", "Pro", "Premium", "Recruiter"};
/* list price per seat tier and month, USD */
static const double plan_price[P__COUNT] = {0, 99, 299, 499};

enum { CUR_USD, CUR_EUR, CUR_GBP, CUR__COUNT };
static const char *const cur_names[CUR__COUNT] = {"USD", "EUR", "GBP"};
/* units of the currency per USD (fixed rates; the manifest reports MRR in USD with them) */
static const double cur_per_usd[CUR__COUNT] = {1.0, 0.92, 0.79};

#define PL(f, p, m, r) ((f) | (p) << 1 | (m) << 2 | (r) << 3)

enum {
        C_SEARCH,
        C_MESSAGING,
        C_COMMUNITY,
        C_EVENTS,
        C_JOBS,
        C_ANALYTICS,
        C_BRAND,
        C_INMAIL,
        C_INSIGHTS,
        C_API,
        C_ATS,
        C_PIPELINE,
        C_LEARNING,
        C_SUCCESS,
        C_SOURCING,
        C__COUNT
};

struct gcap {
        const char *id, *name;
        unsigned plans; /* bit per plan */
};

static const struct gcap caps[C__COUNT] = {
    [C_SEARCH] = {"cap-candidate-search", "Candidate search", PL(1, 1, 1, 1)},
    [C_MESSAGING] = {"cap-messaging", "Messaging", PL(1, 1, 1, 1)},
    [C_COMMUNITY] = {"cap-community", "Community feed", PL(1, 1, 1, 1)},
    [C_EVENTS] = {"cap-events", "Events and webinars", PL(1, 1, 1, 1)},
    [C_JOBS] = {"cap-job-posting", "Job posting", PL(0, 1, 1, 1)},
    [C_ANALYTICS] = {"cap-analytics", "Analytics and reports", PL(0, 1, 1, 1)},
    [C_BRAND] = {"cap-employer-brand", "Employer branding", PL(0, 1, 1, 1)},
    [C_INMAIL] = {"cap-inmail", "InMail outreach", PL(0, 0, 1, 1)},
    [C_INSIGHTS] = {"cap-talent-insights", "Talent insights", PL(0, 0, 1, 1)},
    [C_API] = {"cap-api", "API access", PL(0, 0, 1, 1)},
    [C_ATS] = {"cap-ats-integration", "ATS integration", PL(0, 0, 1, 1)},
    [C_PIPELINE] = {"cap-hiring-pipeline", "Hiring pipeline", PL(0, 0, 1, 1)},
    [C_LEARNING] = {"cap-learning", "Learning library", PL(0, 0, 1, 1)},
    [C_SUCCESS] = {"cap-success-reviews", "Customer success reviews", PL(0, 0, 1, 1)},
    [C_SOURCING] = {"cap-sourcing-automation", "Sourcing automation", PL(0, 0, 0, 1)},
};

enum {
        T_LOGIN,
        T_SEARCH,
        T_PROFILE_VIEW,
        T_LIKE,
        T_POST,
        T_COMMENT,
        T_MESSAGE,
        T_INMAIL,
        T_JOB_POST,
        T_JOB_PROMOTE,
        T_PIPELINE_UPDATE,
        T_SEQUENCE_SEND,
        T_ATS_SYNC,
        T_API_CALL,
        T_REPORT_EXPORT,
        T_DASHBOARD_VIEW,
        T_INSIGHTS_VIEW,
        T_BRAND_PAGE_EDIT,
        T_COURSE_VIEW,
        T_SUPPORT_TICKET,
        T_SUPPORT_CHAT,
        T_CALL,
        T_MEETING,
        T_WEBINAR,
        T_EVENT_ATTEND,
        T_COMMUNITY_POST,
        T_COMMUNITY_REPLY,
        T_EMAIL_OPEN,
        T_EMAIL_CLICK,
        T__COUNT
};

#define CH_WEBAPP (-1)

struct gtype {
        const char *name;
        int channel;      /* enum cxg_channel, or CH_WEBAPP: web or app by seniority */
        int cap;          /* capability whose use it counts as, or -1 */
        double median_ms; /* 0: duration absent */
        double sigma;     /* of log duration */
        double p_fail, p_abandon;
        double w[4]; /* weight in the mix of individual, manager, director, executive */
};

static const struct gtype types[T__COUNT] = {
    [T_LOGIN] = {"login", CH_WEBAPP, -1, 900, 0.5, 0.02, 0, {10, 10, 10, 12}},
    [T_SEARCH] = {"search", CH_WEBAPP, C_SEARCH, 350, 0.6, 0.005, 0.08, {16, 11, 5, 2}},
    [T_PROFILE_VIEW] = {"profile_view", CH_WEBAPP, C_SEARCH, 600, 0.5, 0.005, 0, {15, 10, 5, 2}},
    [T_LIKE] = {"like", CH_WEBAPP, C_COMMUNITY, 250, 0.286, 0.01, 0, {8, 8, 8, 8}},
    [T_POST] = {"post", CH_WEBAPP, C_BRAND, 1800, 0.6, 0.01, 0.05, {2, 3, 4, 4}},
    [T_COMMENT] = {"comment", CH_WEBAPP, C_COMMUNITY, 1200, 0.6, 0.01, 0.03, {3, 3, 3, 2}},
    [T_MESSAGE] = {"message", CH_WEBAPP, C_MESSAGING, 700, 0.5, 0.01, 0, {10, 10, 8, 6}},
    [T_INMAIL] = {"inmail", CH_WEBAPP, C_INMAIL, 900, 0.5, 0.01, 0.02, {6, 3, 1, 0.3}},
    [T_JOB_POST] = {"job_post", CH_WEBAPP, C_JOBS, 4000, 0.7, 0.02, 0.10, {2, 5, 2, 0.3}},
    [T_JOB_PROMOTE] = {"job_promote", CH_WEBAPP, C_JOBS, 1500, 0.5, 0.01, 0.03, {0.5, 2, 1, 0.2}},
    [T_PIPELINE_UPDATE] =
        {"pipeline_update", CH_WEBAPP, C_PIPELINE, 800, 0.5, 0.01, 0, {6, 6, 2, 0.2}},
    [T_SEQUENCE_SEND] =
        {"sequence_send", CH_WEBAPP, C_SOURCING, 1500, 0.5, 0.02, 0, {4, 2, 0.5, 0}},
    [T_ATS_SYNC] = {"ats_sync", CXG_CH_OTHER, C_ATS, 2500, 0.8, 0.05, 0, {2, 2, 1, 0}},
    [T_API_CALL] = {"api_call", CXG_CH_OTHER, C_API, 120, 0.7, 0.02, 0, {5, 1, 0.2, 0}},
    [T_REPORT_EXPORT] =
        {"report_export", CH_WEBAPP, C_ANALYTICS, 3000, 0.8, 0.03, 0.02, {1, 3, 4, 3}},
    [T_DASHBOARD_VIEW] =
        {"dashboard_view", CH_WEBAPP, C_ANALYTICS, 1200, 0.5, 0.01, 0, {1, 3, 6, 8}},
    [T_INSIGHTS_VIEW] =
        {"insights_view", CH_WEBAPP, C_INSIGHTS, 1500, 0.5, 0.01, 0, {0.5, 2, 4, 6}},
    [T_BRAND_PAGE_EDIT] =
        {"brand_page_edit", CH_WEBAPP, C_BRAND, 5000, 0.7, 0.02, 0.08, {0.3, 1, 2, 0.5}},
    [T_COURSE_VIEW] =
        {"course_view", CH_WEBAPP, C_LEARNING, 240000, 0.8, 0.01, 0.15, {1, 1, 0.5, 0.1}},
    [T_SUPPORT_TICKET] =
        {"support_ticket", CXG_CH_SUPPORT, -1, 3 * 3600e3, 0.9, 0, 0.04, {0.6, 0.6, 0.3, 0.1}},
    [T_SUPPORT_CHAT] = {"support_chat", CXG_CH_CHAT, -1, 120e3, 0.8, 0, 0.06, {0.8, 0.6, 0.3, 0.1}},
    [T_CALL] = {"call", CXG_CH_PHONE, -1, 480e3, 0.6, 0, 0.05, {0.2, 0.5, 0.6, 0.5}},
    [T_MEETING] = {"meeting", CXG_CH_MEETING, C_SUCCESS, 2700e3, 0.3, 0, 0.04, {0.1, 0.4, 1, 1.5}},
    [T_WEBINAR] = {"webinar", CXG_CH_EVENT, C_EVENTS, 3000e3, 0.3, 0, 0.2, {0.2, 0.3, 0.4, 0.3}},
    [T_EVENT_ATTEND] =
        {"event_attend", CXG_CH_EVENT, C_EVENTS, 10800e3, 0.4, 0, 0.1, {0.05, 0.1, 0.2, 0.3}},
    [T_COMMUNITY_POST] =
        {"community_post", CXG_CH_COMMUNITY, C_COMMUNITY, 120e3, 0.7, 0.01, 0.05, {0.5, 0.8, 1, 1}},
    [T_COMMUNITY_REPLY] =
        {"community_reply", CXG_CH_COMMUNITY, C_COMMUNITY, 60e3, 0.7, 0.01, 0.03, {0.8, 1, 1, 0.6}},
    [T_EMAIL_OPEN] = {"email_open", CXG_CH_EMAIL, -1, 0, 0, 0, 0, {6, 6, 8, 10}},
    [T_EMAIL_CLICK] = {"email_click", CXG_CH_EMAIL, -1, 0, 0, 0, 0, {1.5, 1.5, 2, 2}},
};

/* ------------------------------------------------------------------------------------------ */
/* names and words */

static const char *const name_a[] = {
    "Acme",       "Blue Harbor", "Northwind", "Brightpath",  "Cobalt",   "Evergreen",  "Foxglove",
    "Granite",    "Helix",       "Ironwood",  "Juniper",     "Keystone", "Lumen",      "Maple",
    "Nimbus",     "Orchard",     "Pioneer",   "Quarry",      "Redwood",  "Silverline", "Tidal",
    "Umber",      "Vantage",     "Willow",    "Zenith",      "Atlas",    "Beacon",     "Cedar",
    "Driftwood",  "Ember",       "Fjord",     "Golden Gate", "Harbor",   "Indigo",     "Kestrel",
    "Lighthouse", "Meridian",    "Northstar", "Oakridge",    "Prairie"};
static const char *const name_b[] = {
    "Labs",     "Systems", "Health", "Logistics", "Studio",   "Group",   "Partners", "Analytics",
    "Robotics", "Foods",   "Bank",   "Energy",    "Software", "Clinics", "Retail",   "Consulting"};
static const char *const industries[] = {"Software", "Healthcare", "Staffing",    "Finance",
                                         "Retail",   "Logistics",  "Education",   "Manufacturing",
                                         "Energy",   "Consulting", "Hospitality", "Media"};
enum { R_NA, R_EMEA, R_APAC, R_LATAM, R__COUNT };
static const char *const regions[R__COUNT] = {"NA", "EMEA", "APAC", "LATAM"};
static const int region_tz[R__COUNT] = {-5, 1, 8, -3};
static const char *const owners[] = {"Maya Chen",     "Tom Becker",      "Priya Nair",
                                     "Lucas Moreau",  "Sara Lindqvist",  "Diego Alvarez",
                                     "Hannah Okafor", "James Whitfield", "Aiko Tanaka",
                                     "Omar Haddad",   "Elena Rossi",     "Noah Fischer"};
static const char *const first_names[] = {
    "Ada",   "Ben",   "Chloe",   "David",  "Emma",   "Felix", "Grace",  "Hugo",   "Isla",   "Jonas",
    "Kara",  "Liam",  "Mia",     "Nils",   "Olivia", "Paul",  "Quinn",  "Rosa",   "Samuel", "Tara",
    "Umar",  "Vera",  "Wes",     "Xenia",  "Yusuf",  "Zoe",   "Amir",   "Bianca", "Carlos", "Dana",
    "Elif",  "Farah", "Gabriel", "Hana",   "Ivan",   "Julia", "Kenji",  "Lena",   "Marco",  "Nora",
    "Oscar", "Priya", "Rafael",  "Sofia",  "Theo",   "Ulla",  "Victor", "Wanda",  "Yara",   "Zaid",
    "Alice", "Bruno", "Cora",    "Daniel", "Eva",    "Finn",  "Greta",  "Henry",  "Ines",   "Jack"};
static const char *const last_names[] = {
    "Smith",   "Garcia",  "Müller", "Rossi",   "Dubois", "Kowalski",  "Nguyen",  "Kim",     "Patel",
    "Silva",   "Jensen",  "Novak",  "Brown",   "Lopez",  "Schmidt",   "Bianchi", "Martin",  "Nowak",
    "Tran",    "Park",    "Shah",   "Costa",   "Larsen", "Horvat",    "Wilson",  "Moreno",  "Weber",
    "Romano",  "Bernard", "Wójcik", "Pham",    "Choi",   "Iyer",      "Santos",  "Hansen",  "Kovac",
    "Taylor",  "Diaz",    "Wagner", "Greco",   "Petit",  "Zielinski", "Le",      "Yoon",    "Rao",
    "Pereira", "Berg",    "Marić",  "Clark",   "Ortiz",  "Becker",    "Ricci",   "Laurent", "Mazur",
    "Vu",      "Jung",    "Menon",  "Almeida", "Lund",   "Babić"};

/* titles per seniority (index: enum cxg_seniority); consistent with model_seniority_from_title */
static const char *const titles_exec[] = {
    "CEO",       "Founder & CEO",  "CFO",      "COO", "CTO", "Chief People Officer", "VP Sales",
    "VP Talent", "VP Engineering", "VP People"};
static const char *const titles_dir[] = {
    "Head of Talent", "Head of People",      "Director of Recruiting",
    "HR Director",    "Head of Engineering", "Director of Talent Acquisition"};
static const char *const titles_mgr[] = {
    "Recruiting Manager",  "Talent Acquisition Manager", "HR Manager",
    "Engineering Manager", "Team Lead, Recruiting",      "Hiring Manager"};
static const char *const titles_ind[] = {"Recruiter",         "Senior Recruiter",
                                         "Sourcer",           "Talent Acquisition Specialist",
                                         "HR Analyst",        "Analyst",
                                         "Software Engineer", "Data Analyst",
                                         "HR Generalist",     "Recruiting Specialist"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

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

struct gobj {
        const char *fmt; /* may hold one %d and one %s */
        unsigned caps;   /* bit per capability */
};

#define CB(c) (1u << (c))

static const struct gobj objectives[] = {
    {"Hire %d engineers this quarter", CB(C_SEARCH) | CB(C_JOBS) | CB(C_PIPELINE)},
    {"Cut time-to-hire below %d days", CB(C_PIPELINE) | CB(C_ANALYTICS) | CB(C_ATS)},
    {"Build a talent pipeline for %s roles", CB(C_SEARCH) | CB(C_INMAIL) | CB(C_SOURCING)},
    {"Grow our employer brand in %s", CB(C_BRAND) | CB(C_COMMUNITY)},
    {"Automate candidate outreach for %s roles", CB(C_SOURCING) | CB(C_INMAIL)},
    {"Report the hiring funnel to the board every month", CB(C_ANALYTICS) | CB(C_INSIGHTS)},
    {"Sync hiring data with our ATS", CB(C_ATS) | CB(C_API)},
    {"Train hiring managers on structured interviews", CB(C_LEARNING) | CB(C_EVENTS)},
    {"Fill %d seasonal roles before the peak", CB(C_JOBS) | CB(C_SEARCH)},
    {"Benchmark salaries for %s roles", CB(C_INSIGHTS)},
    {"Find candidates for %d open roles", CB(C_SEARCH) | CB(C_MESSAGING)},
    {"Grow our talent community", CB(C_COMMUNITY) | CB(C_EVENTS)},
    {"Engage passive %s candidates", CB(C_MESSAGING) | CB(C_COMMUNITY)},
    {"Review hiring goals with our account team every quarter", CB(C_SUCCESS)},
};
static const char *const role_words[] = {"engineering", "sales",   "nursing", "data",
                                         "design",      "finance", "support", "warehouse"};
static const char *const city_words[] = {"Berlin", "London",    "Austin", "Toronto",
                                         "Madrid", "Singapore", "Lisbon", "Chicago"};

struct ggarden {
        const char *name, *topic;
};
static const struct ggarden gardens[3] = {
    {"Talent Leaders Circle", "hiring strategy and workforce planning"},
    {"Recruiting Ops Guild", "recruiting operations, automation and ATS practice"},
    {"Employer Brand Lab", "employer branding and candidate experience"},
};

/* survey comments: templates per (sentiment, topic), %s filled from the slot words */
struct gcomment {
        const char *topic;
        const char *fmt;
        const char *const *slots;
        int nslots;
};

static const char *const sl_feature[] = {"liking a post", "loading the feed", "opening a profile",
                                         "saving a search", "posting a job"};
static const char *const sl_used[] = {"search", "job posts", "messaging", "a couple of features"};
static const char *const sl_issue[] = {"billing", "a broken job post", "SSO", "the ATS sync",
                                       "our invoice"};
static const char *const sl_hire[] = {"two engineers", "our new head of sales", "five nurses",
                                      "a whole data team", "three recruiters"};
static const char *const sl_easy[] = {"posting a job", "searching candidates", "sharing reports",
                                      "messaging candidates"};
static const char *const sl_meh[] = {"search filters", "reporting", "the mobile app",
                                     "the pricing"};

#define CM(t, f, s)                                                                                \
        {                                                                                          \
                t, f, s, (int)NELEM(s)                                                             \
        }
#define CM0(t, f)                                                                                  \
        {                                                                                          \
                t, f, NULL, 0                                                                      \
        }

static const struct gcomment cm_detractor[] = {
    CM("performance", "The app is so slow lately, %s takes forever.", sl_feature),
    CM("performance", "Everything feels slow and laggy, especially %s.", sl_feature),
    CM("performance", "Pages time out all the time and %s keeps failing.", sl_feature),
    CM("performance", "Too slow to be usable on a busy day; %s hangs for seconds.", sl_feature),
    CM0("pricing", "Way too expensive for what we get, and the price went up again."),
    CM("pricing", "The price is hard to justify when we only use %s.", sl_used),
    CM0("pricing", "We pay for features we never use and the renewal price is steep."),
    CM("support", "Support never answered our ticket about %s.", sl_issue),
    CM0("support", "We waited days for support and nobody followed up."),
    CM("support", "Support keeps closing tickets without fixing %s.", sl_issue),
    CM("candidates", "Candidate quality is poor, most applicants for %s roles are not a fit.",
       role_words),
    CM0("candidates", "Too many irrelevant candidates and spam applications."),
    CM0("integrations", "The ATS integration breaks every week and we re-enter data by hand."),
};
static const struct gcomment cm_passive[] = {
    CM("product", "Does the job, but %s could be better.", sl_meh),
    CM0("product", "Decent tool, nothing special."),
    CM0("pricing", "Good overall, a bit pricey for a small team."),
    CM0("support", "Works fine most days; support is hit and miss."),
    CM("candidates", "Some good candidates for %s roles, but we still rely on referrals.",
       role_words),
};
static const struct gcomment cm_promoter[] = {
    CM0("ease_of_use", "Easy to use and my team picked it up in a day."),
    CM("ease_of_use", "Really intuitive, %s is easy and fast.", sl_easy),
    CM0("ease_of_use", "Simple, clean and easy; we use it every day."),
    CM("candidates", "Great candidates, we hired %s through it this quarter.", sl_hire),
    CM("candidates", "Great candidates and a strong talent pool for %s roles.", role_words),
    CM0("support", "Support answered within the hour and fixed it."),
    CM0("support", "Our account manager is fantastic and always helpful."),
    CM0("community", "The community and webinars are excellent; we learn a lot from peers."),
};
static const struct gcomment cm_csat_good[] = {
    CM0("support", "Quick answer, problem solved."),
    CM0("support", "Helpful and friendly support."),
    CM("support", "Resolved %s quickly, thank you.", sl_issue),
};
static const struct gcomment cm_csat_mid[] = {
    CM0("support", "Fine, but it took a while."),
    CM("support", "Answer about %s was okay, not great.", sl_issue),
};
static const struct gcomment cm_csat_bad[] = {
    CM0("support", "Took too long and the answer did not help."),
    CM("support", "Had to explain %s three times.", sl_issue),
};
static const struct gcomment cm_ces_easy[] = {
    CM("ease_of_use", "%s was quick and easy.", sl_easy),
    CM0("ease_of_use", "Took two minutes, no friction."),
};
static const struct gcomment cm_ces_hard[] = {
    CM("ease_of_use", "Too many steps just for %s.", sl_easy),
    CM0("ease_of_use", "Confusing forms and I had to start over twice."),
};

/* ------------------------------------------------------------------------------------------ */
/* the company in memory */

enum { BAND_LOW, BAND_MEDIUM, BAND_HIGH };
static const char *const band_names[3] = {"low", "medium", "high"};

struct gperiod {
        int64_t start, end; /* end CXG_TS_NONE: still running */
        double mrr;
        int plan;
};

struct gperson {
        int64_t id; /* internal store id */
        int64_t created, left;
        double weight;
        uint32_t account;
        uint16_t slot;
        uint8_t sen, title;
        uint8_t first, last;
};

struct gaccount {
        int64_t id; /* internal store id */
        int64_t created, churned, garden_joined;
        double weight;
        uint32_t first_person, n_people;
        uint32_t first_period, n_periods;
        uint32_t cur_period, used_mask;
        unsigned cur_mask;
        double rej[4]; /* per seniority: chance a drawn type is of an unused capability */
        int cur_plan;
        int employees;
        uint8_t band, region, currency, eroding, garden, industry, tier, owner;
        uint8_t name_a, name_b;
        uint8_t adopt[C__COUNT];
        uint8_t n_obj;
        uint16_t obj_tpl[3];
        uint8_t obj_num[3];
};

#define HIST_BUCKETS 1664

struct gen {
        struct store *s;
        const struct gen_options *o;
        struct cxg_error *err;
        int treat;
        int64_t start, end, t_a, t_b, t_like, t_g0, t_g1, t_used;
        int months, ndays, month_g0, month_g1;
        int64_t month0; /* month index of start */

        struct gaccount *acc;
        size_t nacc;
        struct gperson *ppl;
        size_t nppl, cap_ppl;
        struct gperiod *per;
        size_t nper, cap_per;

        int32_t type_id[T__COUNT];
        double cum[4][T__COUNT]; /* cumulative type weights per seniority */
        double hcum[24];         /* cumulative weights of the local hour of day */

        /* calibration */
        double sum_lam, sum_pd, sum_sup, exec_a_lam, exec_b_non;
        double *exec_b_er; /* per day of window B */
        double rate, k_erosion, expected_exec_ratio, p_nps, p_ces, q_csat;

        /* output */
        struct store_interaction *batch;
        size_t nbatch;
        int64_t n_inter, n_fb, in_tx;
        char fb_id[32];

        /* ground truth measured while writing */
        int64_t exec_n[2];    /* exec interactions in windows A and B */
        int64_t exec_left[2]; /* exec departures in windows A and B */
        uint32_t *like_hist;  /* months x HIST_BUCKETS */
        uint32_t *sup_hist;   /* months x HIST_BUCKETS (support_ticket) */
        double *csat_sum;
        int64_t *csat_n, *nps_n, *nps_det;
        double *like_fail;
        int64_t *like_n;
};

static enum cxg_err nomem(struct gen *g)
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

static int active_at(int64_t created, int64_t gone, int64_t t)
{
        return created <= t && (gone == CXG_TS_NONE || gone > t);
}

static const struct gperiod *period_at(const struct gen *g, const struct gaccount *a, int64_t t)
{
        for (uint32_t k = 0; k < a->n_periods; k++) {
                const struct gperiod *p = &g->per[a->first_period + k];

                if (active_at(p->start, p->end, t))
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
static unsigned adopt_mask(const struct gen *g, const struct gaccount *a, int plan)
{
        unsigned thr = (plan == P_PREMIUM && g->treat) ? 115 : 205, m = 0;

        for (int c = 0; c < C__COUNT; c++)
                if ((caps[c].plans >> plan & 1) && a->adopt[c] < thr)
                        m |= 1u << c;
        return m;
}

static unsigned plan_caps(int plan)
{
        unsigned m = 0;

        for (int c = 0; c < C__COUNT; c++)
                if (caps[c].plans >> plan & 1)
                        m |= 1u << c;
        return m;
}

static enum cxg_err add_period(struct gen *g, int64_t start, int plan, double mrr)
{
        if (g->nper == g->cap_per) {
                size_t nc = g->cap_per ? g->cap_per * 2 : 4096;
                void *p = cxg_realloc(g->per, nc * sizeof(*g->per));

                if (!p)
                        return nomem(g);
                g->per = p;
                g->cap_per = nc;
        }
        g->per[g->nper++] = (struct gperiod){start, CXG_TS_NONE, mrr, plan};
        return CXG_OK;
}

static struct gperson *add_person(struct gen *g)
{
        if (g->nppl == g->cap_ppl) {
                size_t nc = g->cap_ppl ? g->cap_ppl * 2 : 8192;
                void *p = cxg_realloc(g->ppl, nc * sizeof(*g->ppl));

                if (!p)
                        return NULL;
                g->ppl = p;
                g->cap_ppl = nc;
        }
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
static enum cxg_err account_life(struct gen *g, uint32_t i)
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
                a->created = g->start - 1 - (int64_t)(rng_u01(&r) * 365 * DAY);
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

static enum cxg_err account_people(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        struct rng r = rng_for(g->o->seed, S_PEOPLE, i, 0);
        int64_t stop = a->churned != CXG_TS_NONE ? a->churned : g->end;
        double life = (double)(stop - a->created) / (30.4 * DAY);
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
                        created = a->created + (int64_t)(rng_u01(&r) * 21 * DAY);
                else
                        created = a->created + (int64_t)(rng_u01(&r) * (double)(stop - a->created));
                if (created >= stop)
                        created = a->created + (stop - a->created) / 2;
                {
                        struct gperson *p = add_person(g);
                        struct rng pr;
                        uint16_t this_slot = slot++;

                        if (!p)
                                return nomem(g);
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
                                repl = q->left + (int64_t)((20 + 70 * rng_u01(&pr)) * DAY);
                                if (ur >= 0.6 || repl >= stop)
                                        break;
                                if (g->treat && a->eroding && q->sen == CXG_SEN_EXECUTIVE &&
                                    q->left >= g->t_b)
                                        break; /* erosion: executives are not replaced */
                                n = add_person(g);
                                if (!n)
                                        return nomem(g);
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

static void account_objectives(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        struct rng r = rng_for(g->o->seed, S_OBJECTIVE, i, 0);
        int final = g->per[a->first_period + a->n_periods - 1].plan;
        unsigned have = plan_caps(final);
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

/* ------------------------------------------------------------------------------------------ */
/* writing the structure */

static void account_ext_id(uint32_t i, char *out, size_t cap)
{
        snprintf(out, cap, "acc-%06u", i + 1);
}

static void person_ext_id(const struct gperson *p, char *out, size_t cap)
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

static enum cxg_err write_capabilities(struct gen *g)
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

static enum cxg_err write_account(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        const struct gperiod *last = &g->per[a->first_period + a->n_periods - 1];
        char id[32], name[96], attrs[512], jd[16], dom[96];
        struct account acc;
        enum cxg_err rc;
        int n;

        account_ext_id(i, id, sizeof(id));
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

                person_ext_id(p, pid, sizeof(pid));
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

static enum cxg_err write_objectives(struct gen *g, uint32_t i)
{
        struct gaccount *a = &g->acc[i];
        struct rng r = rng_for(g->o->seed, S_OBJECTIVE, i, 1);
        char id[32], aid[32], pid[32], title[160];
        const struct gperson *owner = NULL;

        account_ext_id(i, aid, sizeof(aid));
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
                        person_ext_id(owner, pid, sizeof(pid));
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

/* ------------------------------------------------------------------------------------------ */
/* day by day: calibration pass and interaction pass */

static const double hour_w[24] = {1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 5, 9,   11, 11, 10,
                                  8, 10,  11,  10,  9,   7,   5, 4, 3.5, 3,  2,  1.5};
static const double dow_f[7] = {0.25, 1.1, 1.15, 1.15, 1.1, 0.95, 0.3}; /* Sunday first */
static const double moy_f[12] = {1.05, 1.05, 1.05, 1.0,  1.0, 0.95,
                                 0.88, 0.85, 1.05, 1.05, 1.0, 0.82};
static const double sen_w[CXG_SEN__COUNT] = {0, 1.3, 1.0, 0.6, 0.35};
static const double plan_f[P__COUNT] = {0.45, 1.0, 1.2, 1.6};
static const double app_share[CXG_SEN__COUNT] = {0.3, 0.3, 0.35, 0.4, 0.55};

static int hist_bucket(int64_t v)
{
        int msb = 0;

        if (v < 64)
                return v < 0 ? 0 : (int)v;
        for (int64_t x = v; x > 1; x >>= 1)
                msb++;
        if (msb > 30)
                return HIST_BUCKETS - 1;
        return 64 + (msb - 6) * 64 + (int)((v >> (msb - 6)) & 63);
}

static int64_t hist_value(int b)
{
        int msb, frac;

        if (b < 64)
                return b;
        msb = (b - 64) / 64 + 6;
        frac = (b - 64) % 64;
        return ((int64_t)(64 + frac) << (msb - 6)) + ((int64_t)1 << (msb - 6)) / 2;
}

/* Quantile q of the histograms of months [m0, m1); -1 when empty. */
static int64_t hist_quantile(const uint32_t *h, int m0, int m1, double q)
{
        uint64_t total = 0, acc = 0, want;

        for (int m = m0; m < m1; m++)
                for (int b = 0; b < HIST_BUCKETS; b++)
                        total += h[(size_t)m * HIST_BUCKETS + b];
        if (!total)
                return -1;
        want = (uint64_t)(q * (double)total);
        for (int b = 0; b < HIST_BUCKETS; b++) {
                for (int m = m0; m < m1; m++)
                        acc += h[(size_t)m * HIST_BUCKETS + b];
                if (acc > want)
                        return hist_value(b);
        }
        return hist_value(HIST_BUCKETS - 1);
}

static int month_of(const struct gen *g, int64_t ts)
{
        int m = (int)(cxg_month_index(ts) - g->month0);

        return m < 0 ? 0 : m >= g->months ? g->months - 1 : m;
}

static enum cxg_err flush_batch(struct gen *g)
{
        size_t ins = 0, upd = 0;
        enum cxg_err rc;

        if (!g->nbatch)
                return CXG_OK;
        if ((rc = store_put_interactions(g->s, g->batch, g->nbatch, &ins, &upd, g->err)))
                return rc;
        g->n_inter += (int64_t)g->nbatch;
        g->nbatch = 0;
        if ((rc = store_commit(g->s, g->err)))
                return rc;
        g->in_tx = 0;
        if ((rc = store_begin(g->s, g->err)))
                return rc;
        g->in_tx = 1;
        if (g->o->progress)
                g->o->progress(g->o->progress_ctx, "interactions", 0, g->n_inter);
        return CXG_OK;
}

static const struct gcomment *pick_comment(const struct gcomment *set, int n, const char *topic,
                                           struct rng *r)
{
        int idx[16], k = 0;

        for (int i = 0; i < n && k < 16; i++)
                if (!topic || strcmp(set[i].topic, topic) == 0)
                        idx[k++] = i;
        if (!k)
                return &set[rng_below(r, (uint32_t)n)];
        return &set[idx[rng_below(r, (uint32_t)k)]];
}

static void fill_comment(const struct gcomment *c, struct rng *r, char *out, size_t cap)
{
        if (c->nslots) {
                snprintf(out, cap, c->fmt, c->slots[rng_below(r, (uint32_t)c->nslots)]);
                if (out[0] >= 'a' && out[0] <= 'z')
                        out[0] = (char)(out[0] - 'a' + 'A');
        } else {
                snprintf(out, cap, "%s", c->fmt);
        }
}

static enum cxg_err put_feedback(struct gen *g, const struct gperson *p, int64_t ts, int kind,
                                 double score, const char *comment, const char *topic, int channel)
{
        char pid[32];
        struct feedback f;
        int m = month_of(g, ts);

        person_ext_id(p, pid, sizeof(pid));
        snprintf(g->fb_id, sizeof(g->fb_id), "fb-%08lld", (long long)(g->n_fb + 1));
        model_feedback_init(&f);
        f.id = g->fb_id;
        f.person_id = pid;
        f.ts = ts;
        f.kind = kind;
        f.score = score;
        f.comment = comment;
        f.topic = comment ? topic : NULL;
        f.channel = channel;
        g->n_fb++;
        if (kind == CXG_FB_CSAT) {
                g->csat_sum[m] += score;
                g->csat_n[m]++;
        } else if (kind == CXG_FB_NPS) {
                g->nps_n[m]++;
                g->nps_det[m] += score <= 6;
        }
        return store_put_feedback(g->s, &f, NULL, NULL, g->err);
}

static enum cxg_err survey_nps(struct gen *g, const struct gaccount *a, const struct gperson *p,
                               int64_t ts, struct rng *r)
{
        static const double det[3] = {0.38, 0.20, 0.10}, pro[3] = {0.22, 0.40, 0.55};
        static const double dscore[7] = {1, 1, 2, 3, 5, 8, 10};
        double pd = det[a->band], pp = pro[a->band], u = rng_u01(r);
        int degraded = g->treat && ts >= g->t_like;
        char text[256];
        const char *topic = NULL;
        const struct gcomment *c;
        double score;
        int has_comment = rng_u01(r) < 0.7;

        if (degraded) { /* slow likes make detractors, who say so */
                pd += 0.12;
                pp -= 0.12;
        }
        if (u < pd) {
                double ut = rng_u01(r);
                score = pick_w(dscore, 7, rng_u01(r));
                topic = ut < (degraded ? 0.6 : 0.25)   ? "performance"
                        : ut < (degraded ? 0.75 : 0.5) ? "pricing"
                        : ut < (degraded ? 0.9 : 0.8)  ? "support"
                        : ut < 0.95                    ? "candidates"
                                                       : "integrations";
                c = pick_comment(cm_detractor, NELEM(cm_detractor), topic, r);
        } else if (u < 1 - pp) {
                score = 7 + rng_below(r, 2);
                c = pick_comment(cm_passive, NELEM(cm_passive), NULL, r);
        } else {
                score = 9 + (rng_u01(r) < 0.4);
                c = pick_comment(cm_promoter, NELEM(cm_promoter), NULL, r);
        }
        fill_comment(c, r, text, sizeof(text));
        return put_feedback(g, p, ts, CXG_FB_NPS, score, has_comment ? text : NULL, c->topic,
                            CXG_CH_EMAIL);
}

static enum cxg_err survey_csat(struct gen *g, const struct gperson *p, int64_t ts, struct rng *r)
{
        /* flat over time on purpose: faster support became the norm, not a delight */
        static const double w[5] = {0.06, 0.08, 0.14, 0.30, 0.42};
        int score = 1 + pick_w(w, 5, rng_u01(r));
        int has_comment = rng_u01(r) < 0.5;
        char text[256];
        const struct gcomment *c =
            score >= 4   ? pick_comment(cm_csat_good, NELEM(cm_csat_good), NULL, r)
            : score == 3 ? pick_comment(cm_csat_mid, NELEM(cm_csat_mid), NULL, r)
                         : pick_comment(cm_csat_bad, NELEM(cm_csat_bad), NULL, r);

        fill_comment(c, r, text, sizeof(text));
        return put_feedback(g, p, ts, CXG_FB_CSAT, score, has_comment ? text : NULL, c->topic,
                            CXG_CH_SUPPORT);
}

static enum cxg_err survey_ces(struct gen *g, const struct gperson *p, int64_t ts, struct rng *r)
{
        static const double w[7] = {0.04, 0.06, 0.10, 0.15, 0.25, 0.25, 0.15};
        int score = 1 + pick_w(w, 7, rng_u01(r));
        int has_comment = rng_u01(r) < 0.4;
        char text[256];
        const struct gcomment *c = score >= 5
                                       ? pick_comment(cm_ces_easy, NELEM(cm_ces_easy), NULL, r)
                                       : pick_comment(cm_ces_hard, NELEM(cm_ces_hard), NULL, r);

        fill_comment(c, r, text, sizeof(text));
        return put_feedback(g, p, ts, CXG_FB_CES, score, has_comment ? text : NULL, c->topic,
                            rng_u01(r) < 0.5 ? CXG_CH_WEB : CXG_CH_APP);
}

static int pick_type(const struct gen *g, int sen, unsigned mask, struct rng *r)
{
        const double *cum = g->cum[sen <= 0 ? 0 : sen - 1];

        for (int tries = 0; tries < 3; tries++) {
                int t = pick_cum(cum, T__COUNT, rng_u01(r));

                if (types[t].cap < 0 || (mask >> types[t].cap & 1))
                        return t;
        }
        return T_LOGIN;
}

/* Median duration of a type at time ts, with the planted effects. */
static void type_duration(const struct gen *g, int t, int64_t ts, double *median, double *sigma,
                          double *p_fail)
{
        *median = types[t].median_ms;
        *sigma = types[t].sigma;
        *p_fail = types[t].p_fail;
        if (!g->treat)
                return;
        if (t == T_LIKE && ts >= g->t_like) {
                *median = 3000; /* p95 = 3000 * exp(1.645 * 0.73) ~ 10 s */
                *sigma = 0.73;
                *p_fail = 0.06;
        } else if (t == T_SUPPORT_TICKET || t == T_SUPPORT_CHAT) {
                /* response times improve 4x over the window: 2x the base down to 0.5x */
                double f = (double)(ts - g->start) / (double)(g->end - g->start);
                *median *= gen_pow(4, 0.5 - f);
        }
}

/*
 * One interaction of person p on the day starting at t0, within [lo, hi); stop is when the
 * person or the account is gone (or the window ends), the limit of a follow-up survey.
 */
static enum cxg_err emit(struct gen *g, struct gaccount *a, const struct gperson *p, int64_t t0,
                         int64_t lo, int64_t hi, int64_t stop, struct rng *r)
{
        struct store_interaction *row;
        int t = pick_type(g, p->sen, a->cur_mask, r);
        int hour = pick_cum(g->hcum, 24, rng_u01(r));
        int64_t ts;
        double median, sigma, p_fail, u;
        enum cxg_err rc;
        int m;

        ts = t0 + hour * 3600 + rng_below(r, 3600) - region_tz[a->region] * 3600;
        if (ts < lo || ts >= hi)
                ts = lo + (int64_t)(rng_u01(r) * (double)(hi - lo));
        if (g->nbatch == g->o->batch && (rc = flush_batch(g)))
                return rc;
        row = &g->batch[g->nbatch++];
        row->id = 0;
        row->person_id = p->id;
        row->account_id = a->id;
        row->ts = ts;
        row->type_id = g->type_id[t];
        row->channel = (uint8_t)(types[t].channel == CH_WEBAPP
                                     ? (rng_u01(r) < app_share[p->sen] ? CXG_CH_APP : CXG_CH_WEB)
                                     : types[t].channel);
        row->ext_id = NULL;
        row->attributes = NULL;
        row->value = NAN;
        type_duration(g, t, ts, &median, &sigma, &p_fail);
        if (median > 0) {
                double ms = median * gen_exp(sigma * rng_normal(r));
                row->duration_ms = ms < 1 ? 1 : (int64_t)(ms + 0.5);
        } else {
                row->duration_ms = -1;
        }
        u = rng_u01(r);
        row->outcome = (uint8_t)(u < p_fail                        ? CXG_OUT_FAILED
                                 : u < p_fail + types[t].p_abandon ? CXG_OUT_ABANDONED
                                                                   : CXG_OUT_OK);
        if (t == T_REPORT_EXPORT)
                row->value = floor(gen_exp(5 + rng_normal(r)));
        else if (t == T_SEQUENCE_SEND)
                row->value = 5 + rng_below(r, 200);
        else if (t == T_JOB_POST)
                row->value = rng_poisson(r, 12);

        /* ground truth */
        m = month_of(g, ts);
        if (p->sen == CXG_SEN_EXECUTIVE && ts >= g->t_a)
                g->exec_n[ts >= g->t_b]++;
        if (t == T_LIKE) {
                g->like_hist[(size_t)m * HIST_BUCKETS + hist_bucket(row->duration_ms)]++;
                g->like_n[m]++;
                g->like_fail[m] += row->outcome == CXG_OUT_FAILED;
        } else if (t == T_SUPPORT_TICKET) {
                g->sup_hist[(size_t)m * HIST_BUCKETS + hist_bucket(row->duration_ms)]++;
        }
        if (types[t].cap >= 0 && ts >= g->t_used)
                a->used_mask |= 1u << types[t].cap;
        if ((t == T_SUPPORT_TICKET || t == T_SUPPORT_CHAT) && rng_u01(r) < g->q_csat) {
                int64_t at = ts + 3600 + (int64_t)(rng_u01(r) * 47 * 3600);
                if (at < stop && (rc = survey_csat(g, p, at, r)))
                        return rc;
        }
        return CXG_OK;
}

/*
 * Walk every day of the window and every active person. pass 1 sums the expected activity
 * for calibration; pass 2 draws interactions and surveys and writes them.
 */
static enum cxg_err run_days(struct gen *g, int pass)
{
        int db = (int)((g->t_b - g->start) / DAY);
        enum cxg_err rc;

        for (size_t i = 0; i < g->nacc; i++) {
                g->acc[i].cur_period = 0;
                g->acc[i].cur_plan = -1;
        }
        for (int d = 0; d < g->ndays; d++) {
                int64_t t0 = g->start + d * DAY, days = t0 / DAY;
                int64_t y;
                unsigned mo, dd;
                double dayf, x = 0, ero = 1;
                int in_a = t0 >= g->t_a && t0 < g->t_b, in_b = t0 >= g->t_b;

                cxg_civil_from_days(days, &y, &mo, &dd);
                dayf = dow_f[(days + 4) % 7] * moy_f[mo - 1];
                if (in_b) {
                        x = ((double)(t0 - g->t_b) + 43200) / (double)(g->end - g->t_b);
                        if (pass == 2 && g->treat)
                                ero = gen_exp(-g->k_erosion * x);
                }
                if (pass == 2 && g->o->progress && d % 7 == 0)
                        g->o->progress(g->o->progress_ctx, "interactions", (double)d / g->ndays,
                                       g->n_inter + (int64_t)g->nbatch);
                for (size_t i = 0; i < g->nacc; i++) {
                        struct gaccount *a = &g->acc[i];
                        const struct gperiod *pp;
                        double af;

                        if (a->created >= t0 + DAY ||
                            (a->churned != CXG_TS_NONE && a->churned <= t0))
                                continue;
                        while (a->cur_period + 1 < a->n_periods &&
                               g->per[a->first_period + a->cur_period + 1].start <= t0 + 43200)
                                a->cur_period++;
                        pp = &g->per[a->first_period + a->cur_period];
                        if (pp->plan != a->cur_plan) {
                                a->cur_plan = pp->plan;
                                a->cur_mask = adopt_mask(g, a, pp->plan);
                                for (int si = 0; si < 4; si++) {
                                        double w = 0;
                                        for (int t = 0; t < T__COUNT; t++)
                                                if (types[t].cap >= 0 &&
                                                    !(a->cur_mask >> types[t].cap & 1))
                                                        w += types[t].w[si];
                                        a->rej[si] = w / g->cum[si][T__COUNT - 1];
                                }
                        }
                        af = dayf * a->weight * plan_f[pp->plan];
                        for (uint32_t k = 0; k < a->n_people; k++) {
                                const struct gperson *p = &g->ppl[a->first_person + k];
                                int64_t lo, hi, stop;
                                double lam;

                                if (p->created >= t0 + DAY ||
                                    (p->left != CXG_TS_NONE && p->left <= t0))
                                        continue;
                                lam = af * p->weight * sen_w[p->sen];
                                if (pass == 1) {
                                        int si = p->sen - 1;
                                        double sw = types[T_SUPPORT_TICKET].w[si] +
                                                    types[T_SUPPORT_CHAT].w[si];
                                        g->sum_lam += lam;
                                        g->sum_pd += 1;
                                        double rj = a->rej[si];
                                        /* pick_type draws up to three times */
                                        g->sum_sup += lam * sw / g->cum[si][T__COUNT - 1] *
                                                      (1 + rj + rj * rj);
                                        if (p->sen == CXG_SEN_EXECUTIVE) {
                                                if (in_a)
                                                        g->exec_a_lam += lam;
                                                else if (in_b && a->eroding)
                                                        g->exec_b_er[d - db] += lam;
                                                else if (in_b)
                                                        g->exec_b_non += lam;
                                        }
                                        continue;
                                }
                                lam *= g->rate;
                                if (p->sen == CXG_SEN_EXECUTIVE && a->eroding && in_b)
                                        lam *= ero;
                                lo = t0;
                                if (p->created > lo)
                                        lo = p->created;
                                if (a->created > lo)
                                        lo = a->created;
                                hi = t0 + DAY;
                                if (p->left != CXG_TS_NONE && p->left < hi)
                                        hi = p->left;
                                if (a->churned != CXG_TS_NONE && a->churned < hi)
                                        hi = a->churned;
                                if (hi > g->end)
                                        hi = g->end;
                                stop = g->end;
                                if (p->left != CXG_TS_NONE && p->left < stop)
                                        stop = p->left;
                                if (a->churned != CXG_TS_NONE && a->churned < stop)
                                        stop = a->churned;
                                if (hi <= lo)
                                        continue;
                                {
                                        struct rng r = rng_for(g->o->seed, S_DAY,
                                                               (uint64_t)p->account << 16 | p->slot,
                                                               (uint64_t)d);
                                        double u_nps = rng_u01(&r), u_ces = rng_u01(&r);
                                        int n = rng_poisson(&r, lam);

                                        for (int j = 0; j < n; j++)
                                                if ((rc = emit(g, a, p, t0, lo, hi, stop, &r)))
                                                        return rc;
                                        if (u_nps < g->p_nps &&
                                            (rc = survey_nps(
                                                 g, a, p,
                                                 lo + (int64_t)(rng_u01(&r) * (double)(hi - lo)),
                                                 &r)))
                                                return rc;
                                        if (u_ces < g->p_ces &&
                                            (rc = survey_ces(
                                                 g, p,
                                                 lo + (int64_t)(rng_u01(&r) * (double)(hi - lo)),
                                                 &r)))
                                                return rc;
                                }
                        }
                }
        }
        return CXG_OK;
}

/* Expected executive activity in window B when eroding accounts decay at rate k. */
static double exec_b_expected(const struct gen *g, double k)
{
        int nb = (int)((g->end - g->t_b) / DAY);
        double f = g->exec_b_non;

        for (int d = 0; d < nb; d++)
                f += g->exec_b_er[d] *
                     gen_exp(-k * (((double)d * DAY + 43200) / (double)(g->end - g->t_b)));
        return f;
}

/*
 * Solve by bisection for the erosion rate k such that the expected executive activity in
 * window B is 0.6 x window A (capped at k = 60 when even that cannot reach it).
 */
static void calibrate_erosion(struct gen *g)
{
        double target = 0.6 * g->exec_a_lam, lo = 0, hi = 60;

        g->k_erosion = 0;
        if (g->treat && g->exec_a_lam > 0) {
                for (int it = 0; it < 60; it++) {
                        double k = (lo + hi) / 2;

                        if (exec_b_expected(g, k) > target)
                                lo = k;
                        else
                                hi = k;
                }
                g->k_erosion = (lo + hi) / 2;
        }
        g->expected_exec_ratio =
            g->exec_a_lam > 0 ? exec_b_expected(g, g->k_erosion) / g->exec_a_lam : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* the manifest */

static double mrr_usd_at(const struct gen *g, int64_t t)
{
        double sum = 0;

        for (size_t i = 0; i < g->nacc; i++) {
                const struct gperiod *p = period_at(g, &g->acc[i], t);
                if (p)
                        sum += p->mrr / cur_per_usd[g->acc[i].currency];
        }
        return sum;
}

static int survives(const struct gaccount *a, int64_t from, int64_t to)
{
        return active_at(a->created, a->churned, from) &&
               (a->churned == CXG_TS_NONE || a->churned > to);
}

#define J(...)                                                                                     \
        do {                                                                                       \
                if ((rc = cxg_buf_printf(m, __VA_ARGS__)))                                         \
                        goto done;                                                                 \
        } while (0)

static enum cxg_err manifest(struct gen *g, const struct gen_summary *sum, struct cxg_buf *m)
{
        enum cxg_err rc = CXG_OK;
        char id[32], d1[16], d2[16], d3[16];
        double mrr_b = mrr_usd_at(g, g->t_b), mrr_e = mrr_usd_at(g, g->end - 1);
        double mrr_a = mrr_usd_at(g, g->t_a);
        int first;
        const char *planted = g->treat ? "true" : "false";

        J("{\n  \"generator\": \"cxgarden generate\",\n  \"seed\": %llu,\n  \"scale\": %.6g,\n"
          "  \"activity\": %.6g,\n  \"months\": %d,\n  \"control\": %s,\n",
          (unsigned long long)g->o->seed, g->o->scale, g->o->activity, g->months,
          g->treat ? "false" : "true");
        J("  \"start\": \"%s\",\n  \"end\": \"%s\",\n", cxg_date_format(g->start, d1),
          cxg_date_format(g->end, d2));
        J("  \"counts\": {\"accounts\": %lld, \"people\": %lld, \"subscriptions\": %lld, "
          "\"interactions\": %lld, \"feedback\": %lld, \"objectives\": %lld, "
          "\"capabilities\": %lld, \"interaction_types\": %lld},\n",
          (long long)sum->accounts, (long long)sum->people, (long long)sum->subscriptions,
          (long long)sum->interactions, (long long)sum->feedback, (long long)sum->objectives,
          (long long)sum->capabilities, (long long)sum->interaction_types);
        J("  \"fx_per_usd\": {\"USD\": 1, \"EUR\": %.2f, \"GBP\": %.2f},\n", cur_per_usd[CUR_EUR],
          cur_per_usd[CUR_GBP]);
        J("  \"scenarios\": [\n");

        /* 1. erosion behind growth */
        J("    {\"name\": \"erosion_behind_growth\", \"planted\": %s,\n", planted);
        J("     \"recruiter_launch\": \"%s\", \"window_before\": [\"%s\", \"%s\"],"
          " \"window_after\": [\"%s\", \"%s\"],\n",
          cxg_date_format(g->t_b, d1), cxg_date_format(g->t_a, d2), d1, d1,
          cxg_date_format(g->end, d3));
        J("     \"mrr_usd_at_window_before\": %.2f, \"mrr_usd_at_launch\": %.2f,"
          " \"mrr_usd_at_end\": %.2f, \"mrr_growth_after\": %.4f,\n",
          mrr_a, mrr_b, mrr_e, mrr_b > 0 ? mrr_e / mrr_b - 1 : 0);
        J("     \"exec_activity_target_ratio\": %s, \"erosion_rate_k\": %.4f,"
          " \"expected_exec_activity_ratio\": %.4f,\n",
          g->treat ? "0.6" : "null", g->k_erosion, g->expected_exec_ratio);
        J("     \"exec_interactions_before\": %lld, \"exec_interactions_after\": %lld,"
          " \"exec_activity_change\": %.4f,\n",
          (long long)g->exec_n[0], (long long)g->exec_n[1],
          g->exec_n[0] ? (double)g->exec_n[1] / (double)g->exec_n[0] - 1 : 0);
        J("     \"exec_departures_before\": %lld, \"exec_departures_after\": %lld,"
          " \"exec_departure_hazard_multiplier\": %s,\n",
          (long long)g->exec_left[0], (long long)g->exec_left[1], g->treat ? "2.6" : "1");
        J("     \"eroding_accounts\": [");
        first = 1;
        if (g->treat)
                for (size_t i = 0; i < g->nacc; i++) {
                        const struct gaccount *a = &g->acc[i];
                        int has_exec = 0;

                        if (!a->eroding || !active_at(a->created, a->churned, g->t_b))
                                continue;
                        for (uint32_t k = 0; k < a->n_people && !has_exec; k++) {
                                const struct gperson *p = &g->ppl[a->first_person + k];
                                has_exec = p->sen == CXG_SEN_EXECUTIVE &&
                                           active_at(p->created, p->left, g->t_b);
                        }
                        if (!has_exec)
                                continue;
                        account_ext_id((uint32_t)i, id, sizeof(id));
                        J("%s\"%s\"", first ? "" : ", ", id);
                        first = 0;
                }
        J("],\n     \"departed_executives\": [");
        first = 1;
        for (size_t i = 0; i < g->nppl; i++) {
                const struct gperson *p = &g->ppl[i];

                if (p->sen != CXG_SEN_EXECUTIVE || p->left == CXG_TS_NONE || p->left < g->t_b)
                        continue;
                person_ext_id(p, id, sizeof(id));
                J("%s\"%s\"", first ? "" : ", ", id);
                first = 0;
        }
        J("]},\n");

        /* 2. experience degradation */
        {
                int ml = month_of(g, g->t_like);
                int64_t p95a = hist_quantile(g->like_hist, 0, ml, 0.95);
                int64_t p95b = hist_quantile(g->like_hist, ml, g->months, 0.95);

                J("    {\"name\": \"experience_degradation\", \"planted\": %s,"
                  " \"interaction_type\": \"like\", \"from\": \"%s\", \"from_month\": %d,\n",
                  planted, cxg_date_format(g->t_like, d1), ml + 1);
                J("     \"before\": {\"median_ms\": 250, \"sigma\": 0.286, \"fail_rate\": 0.01},"
                  " \"after\": %s,\n",
                  g->treat ? "{\"median_ms\": 3000, \"sigma\": 0.73, \"fail_rate\": 0.06}"
                           : "null");
                J("     \"measured_p95_ms_before\": %lld, \"measured_p95_ms_after\": %lld,\n",
                  (long long)p95a, (long long)p95b);
                J("     \"monthly\": [");
                for (int k = 0; k < g->months; k++)
                        J("%s{\"month\": \"%s\", \"likes\": %lld, \"p95_ms\": %lld,"
                          " \"fail_rate\": %.4f}",
                          k ? ", " : "", cxg_date_format(cxg_month_start(g->month0 + k), d1),
                          (long long)g->like_n[k],
                          (long long)hist_quantile(g->like_hist, k, k + 1, 0.95),
                          g->like_n[k] ? g->like_fail[k] / (double)g->like_n[k] : 0);
                J("]},\n");
        }

        /* 3. garden effect */
        {
                int64_t members = 0, kept = 0, matched = 0;
                double matched_ret = 0;

                J("    {\"name\": \"garden_effect\", \"planted\": %s,"
                  " \"retention_uplift_points\": %s, \"follow_days\": 180,\n",
                  planted, g->treat ? "10" : "0");
                J("     \"membership_attributes\": [\"garden\", \"garden_joined_at\"],\n");
                J("     \"gardens\": [");
                for (int k = 0; k < 3; k++)
                        J("%s{\"name\": \"%s\", \"topic\": \"%s\"}", k ? ", " : "", gardens[k].name,
                          gardens[k].topic);
                J("],\n     \"members\": [");
                for (size_t i = 0; i < g->nacc; i++) {
                        const struct gaccount *a = &g->acc[i];
                        const struct gperiod *pj;
                        int64_t j = a->garden_joined, n = 0, s = 0;

                        if (!a->garden)
                                continue;
                        pj = period_at(g, a, j);
                        account_ext_id((uint32_t)i, id, sizeof(id));
                        J("%s{\"account\": \"%s\", \"garden\": \"%s\", \"joined_at\": \"%s\","
                          " \"plan_at_join\": \"%s\", \"engagement_band\": \"%s\","
                          " \"retained_180d\": %s}",
                          members ? ",\n       " : "\n       ", id, gardens[a->garden - 1].name,
                          cxg_date_format(j, d1), pj ? plan_names[pj->plan] : "",
                          band_names[a->band], survives(a, j, j + 180 * DAY) ? "true" : "false");
                        members++;
                        kept += survives(a, j, j + 180 * DAY);
                        for (size_t q = 0; q < g->nacc && pj; q++) {
                                const struct gaccount *b = &g->acc[q];
                                const struct gperiod *pb;

                                if (b->garden || b->band != a->band ||
                                    !active_at(b->created, b->churned, j))
                                        continue;
                                pb = period_at(g, b, j);
                                if (!pb || pb->plan != pj->plan)
                                        continue;
                                n++;
                                s += survives(b, j, j + 180 * DAY);
                        }
                        if (n) {
                                matched++;
                                matched_ret += (double)s / (double)n;
                        }
                }
                J("],\n     \"member_count\": %lld, \"member_share\": %.4f,"
                  " \"member_retention_180d\": %.4f,"
                  " \"matched_nonmember_retention_180d\": %.4f}",
                  (long long)members, g->nacc ? (double)members / (double)g->nacc : 0,
                  members ? (double)kept / (double)members : 0,
                  matched ? matched_ret / (double)matched : 0);
                J(",\n");
        }

        /* 4. fit */
        {
                int64_t n_prem = 0, gaps = 0;
                double adopted = 0, used = 0;
                unsigned inc = plan_caps(P_PREMIUM);
                int ninc = 0;

                for (int c = 0; c < C__COUNT; c++)
                        ninc += inc >> c & 1;
                for (size_t i = 0; i < g->nacc; i++) {
                        const struct gaccount *a = &g->acc[i];
                        const struct gperiod *p = period_at(g, a, g->end - 1);
                        int na = 0, nu = 0;
                        unsigned am;

                        if (!p || p->plan != P_PREMIUM)
                                continue;
                        am = adopt_mask(g, a, P_PREMIUM);
                        for (int c = 0; c < C__COUNT; c++) {
                                na += am >> c & 1;
                                nu += (a->used_mask & inc) >> c & 1;
                        }
                        n_prem++;
                        adopted += (double)na / ninc;
                        used += (double)nu / ninc;
                }
                J("    {\"name\": \"fit\", \"planted\": %s, \"premium_use_target\": %s,"
                  " \"premium_adoption_rate\": %.4f,\n",
                  planted, g->treat ? "0.4" : "null", (g->treat ? 115 : 205) / 256.0);
                J("     \"premium_accounts_at_end\": %lld, \"premium_capabilities_included\": %d,"
                  " \"premium_mean_share_adopted\": %.4f,"
                  " \"premium_mean_share_used_last_90_days\": %.4f,\n",
                  (long long)n_prem, ninc, n_prem ? adopted / (double)n_prem : 0,
                  n_prem ? used / (double)n_prem : 0);
                J("     \"objectives_missing_capabilities\": [");
                for (size_t i = 0; i < g->nacc; i++) {
                        const struct gaccount *a = &g->acc[i];
                        int final = g->per[a->first_period + a->n_periods - 1].plan;
                        unsigned have = plan_caps(final);

                        for (int k = 0; k < a->n_obj; k++) {
                                unsigned miss = objectives[a->obj_tpl[k]].caps & ~have;
                                int f2 = 1;

                                if (!miss)
                                        continue;
                                account_ext_id((uint32_t)i, id, sizeof(id));
                                J("%s{\"objective\": \"obj-%06u-%d\", \"account\": \"%s\","
                                  " \"plan\": \"%s\", \"missing\": [",
                                  gaps ? ",\n       " : "\n       ", (unsigned)i + 1, k + 1, id,
                                  plan_names[final]);
                                for (int c = 0; c < C__COUNT; c++)
                                        if (miss >> c & 1) {
                                                J("%s\"%s\"", f2 ? "" : ", ", caps[c].id);
                                                f2 = 0;
                                        }
                                J("]}");
                                gaps++;
                        }
                }
                J("],\n     \"objectives_missing_capabilities_count\": %lld},\n", (long long)gaps);
        }

        /* 5. rising expectation */
        {
                int h = g->months / 4;
                double c0 = 0, c1 = 0;
                int64_t n0 = 0, n1 = 0;

                for (int k = 0; k < h; k++) {
                        c0 += g->csat_sum[k];
                        n0 += g->csat_n[k];
                        c1 += g->csat_sum[g->months - 1 - k];
                        n1 += g->csat_n[g->months - 1 - k];
                }
                J("    {\"name\": \"rising_expectation\", \"planted\": %s,"
                  " \"interaction_types\": [\"support_ticket\", \"support_chat\"],"
                  " \"response_time_improvement\": %s, \"csat\": \"flat\",\n",
                  planted, g->treat ? "4" : "1");
                J("     \"support_ticket_median_ms_first_quarter\": %lld,"
                  " \"support_ticket_median_ms_last_quarter\": %lld,"
                  " \"csat_mean_first_quarter\": %.3f, \"csat_mean_last_quarter\": %.3f,\n",
                  (long long)hist_quantile(g->sup_hist, 0, h, 0.5),
                  (long long)hist_quantile(g->sup_hist, g->months - h, g->months, 0.5),
                  n0 ? c0 / (double)n0 : 0, n1 ? c1 / (double)n1 : 0);
                J("     \"monthly\": [");
                for (int k = 0; k < g->months; k++)
                        J("%s{\"month\": \"%s\", \"support_ticket_median_ms\": %lld,"
                          " \"csat_n\": %lld, \"csat_mean\": %.3f}",
                          k ? ", " : "", cxg_date_format(cxg_month_start(g->month0 + k), d1),
                          (long long)hist_quantile(g->sup_hist, k, k + 1, 0.5),
                          (long long)g->csat_n[k],
                          g->csat_n[k] ? g->csat_sum[k] / (double)g->csat_n[k] : 0);
                J("]}\n  ]\n}\n");
        }
done:
        return rc;
}

/* ------------------------------------------------------------------------------------------ */

static double now_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum cxg_err check_options(const struct gen_options *o, struct cxg_error *err)
{
        if (!(o->scale > 0 && o->scale <= 1000))
                return cxg_error_setf(err, CXG_ERR_USAGE, "scale", "must be in (0, 1000], got %g",
                                      o->scale);
        if (!(o->activity > 0 && o->activity <= 100))
                return cxg_error_setf(err, CXG_ERR_USAGE, "activity", "must be in (0, 100], got %g",
                                      o->activity);
        if (o->months < 12 || o->months > 120)
                return cxg_error_setf(err, CXG_ERR_USAGE, "months",
                                      "must be between 12 and 120, got %d", o->months);
        if (o->end != gen_month_floor(o->end))
                return cxg_error_setf(err, CXG_ERR_USAGE, "end", "must be the first of a month");
        if (o->batch < 1 || o->batch > 10000000)
                return cxg_error_setf(err, CXG_ERR_USAGE, "batch",
                                      "must be between 1 and 10,000,000");
        return CXG_OK;
}

static void release(struct gen *g)
{
        cxg_free(g->acc);
        cxg_free(g->ppl);
        cxg_free(g->per);
        cxg_free(g->batch);
        cxg_free(g->exec_b_er);
        cxg_free(g->like_hist);
        cxg_free(g->sup_hist);
        cxg_free(g->csat_sum);
        cxg_free(g->csat_n);
        cxg_free(g->nps_n);
        cxg_free(g->nps_det);
        cxg_free(g->like_fail);
        cxg_free(g->like_n);
}

static enum cxg_err meta(struct gen *g, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static enum cxg_err meta(struct gen *g, const char *key, const char *fmt, ...)
{
        char v[64];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(v, sizeof(v), fmt, ap);
        va_end(ap);
        return store_meta_set(g->s, key, v, g->err);
}

enum cxg_err gen_run(struct store *s, const struct gen_options *o, struct gen_summary *sum,
                     struct cxg_buf *mbuf, struct cxg_error *err)
{
        struct gen g;
        struct gen_summary out;
        struct store_counts counts;
        double t_begin = now_seconds(), target;
        enum cxg_err rc;
        char d[16];

        memset(&g, 0, sizeof(g));
        memset(&out, 0, sizeof(out));
        if ((rc = check_options(o, err)))
                return rc;
        if ((rc = store_counts(s, &counts, err)))
                return rc;
        if (counts.accounts > 0)
                return cxg_error_setf(err, CXG_ERR_CONFLICT, "force",
                                      "generate: the database already holds %lld accounts; "
                                      "generate into a new database, or force a replacement",
                                      (long long)counts.accounts);
        g.s = s;
        g.o = o;
        g.err = err;
        g.treat = !o->control;
        g.months = o->months;
        g.end = o->end;
        g.month0 = cxg_month_index(o->end) - o->months;
        g.start = cxg_month_start(g.month0);
        g.t_a = cxg_month_start(g.month0 + o->months - 12);
        g.t_b = cxg_month_start(g.month0 + o->months - 6);
        g.t_like = cxg_month_start(g.month0 + o->months - 5); /* month 20 of 24 */
        g.t_used = g.end - 90 * DAY;
        g.month_g0 = o->months / 6;
        g.month_g1 = o->months - 7;
        g.ndays = (int)((g.end - g.start) / DAY);
        g.nacc = (size_t)(2000 * o->scale + 0.5);
        if (g.nacc < 1)
                g.nacc = 1;
        {
                double c = 0;
                for (int h = 0; h < 24; h++)
                        g.hcum[h] = (c += hour_w[h]);
        }
        for (int sidx = 0; sidx < 4; sidx++) {
                double c = 0;
                for (int t = 0; t < T__COUNT; t++)
                        g.cum[sidx][t] = (c += types[t].w[sidx]);
        }

        g.acc = cxg_calloc(g.nacc, sizeof(*g.acc));
        g.batch = cxg_calloc(o->batch, sizeof(*g.batch));
        g.exec_b_er = cxg_calloc((size_t)g.ndays + 1, sizeof(double));
        g.like_hist = cxg_calloc((size_t)g.months * HIST_BUCKETS, sizeof(uint32_t));
        g.sup_hist = cxg_calloc((size_t)g.months * HIST_BUCKETS, sizeof(uint32_t));
        g.csat_sum = cxg_calloc((size_t)g.months, sizeof(double));
        g.like_fail = cxg_calloc((size_t)g.months, sizeof(double));
        g.csat_n = cxg_calloc((size_t)g.months, sizeof(int64_t));
        g.nps_n = cxg_calloc((size_t)g.months, sizeof(int64_t));
        g.nps_det = cxg_calloc((size_t)g.months, sizeof(int64_t));
        g.like_n = cxg_calloc((size_t)g.months, sizeof(int64_t));
        if (!g.acc || !g.batch || !g.exec_b_er || !g.like_hist || !g.sup_hist || !g.csat_sum ||
            !g.like_fail || !g.csat_n || !g.nps_n || !g.nps_det || !g.like_n) {
                rc = nomem(&g);
                goto done;
        }

        /* 1. structure, in memory */
        for (uint32_t i = 0; i < g.nacc; i++) {
                if ((rc = account_life(&g, i)) || (rc = account_people(&g, i)))
                        goto done;
                account_objectives(&g, i);
                if (o->progress && i % 256 == 0)
                        o->progress(o->progress_ctx, "structure", (double)i / g.nacc, 0);
        }

        /* 2. structure, written in one transaction */
        if ((rc = store_begin(s, err)))
                goto done;
        g.in_tx = 1;
        if ((rc = meta(&g, "generator.complete", "0")) ||
            (rc = meta(&g, "generator.seed", "%llu", (unsigned long long)o->seed)) ||
            (rc = meta(&g, "generator.scale", "%.6g", o->scale)) ||
            (rc = meta(&g, "generator.activity", "%.6g", o->activity)) ||
            (rc = meta(&g, "generator.months", "%d", o->months)) ||
            (rc = meta(&g, "generator.end", "%s", cxg_date_format(o->end, d))) ||
            (rc = meta(&g, "generator.control", "%d", o->control ? 1 : 0)))
                goto done;
        if ((rc = write_capabilities(&g)))
                goto done;
        for (uint32_t i = 0; i < g.nacc; i++) {
                if ((rc = write_account(&g, i)))
                        goto done;
                out.subscriptions += g.acc[i].n_periods;
        }
        for (uint32_t i = 0; i < g.nacc; i++) {
                if ((rc = write_objectives(&g, i)))
                        goto done;
                out.objectives += g.acc[i].n_obj;
        }
        for (int t = 0; t < T__COUNT; t++)
                if ((rc = store_type_id(s, types[t].name, strlen(types[t].name), &g.type_id[t],
                                        err)))
                        goto done;
        if ((rc = store_commit(s, err)))
                goto done;
        g.in_tx = 0;

        /* 3. calibration: expected activity of every person-day */
        if (o->progress)
                o->progress(o->progress_ctx, "calibrate", 0, 0);
        if ((rc = run_days(&g, 1)))
                goto done;
        target = 5e6 * o->scale * o->activity;
        g.rate = g.sum_lam > 0 ? target / g.sum_lam : 0;
        g.p_nps = g.sum_pd > 0 ? 8000 * o->scale * o->activity / g.sum_pd : 0;
        g.p_ces = g.sum_pd > 0 ? 4000 * o->scale * o->activity / g.sum_pd : 0;
        g.q_csat = g.sum_sup > 0 ? 8000 * o->scale * o->activity / (g.rate * g.sum_sup) : 0;
        if (g.q_csat > 1)
                g.q_csat = 1;
        calibrate_erosion(&g);

        /* 4. interactions and surveys, streamed */
        if ((rc = store_begin(s, err)))
                goto done;
        g.in_tx = 1;
        if ((rc = run_days(&g, 2)))
                goto done;
        if ((rc = flush_batch(&g)))
                goto done;
        if ((rc = meta(&g, "generator.complete", "1")))
                goto done;
        if ((rc = store_commit(s, err)))
                goto done;
        g.in_tx = 0;

        out.accounts = (int64_t)g.nacc;
        out.people = (int64_t)g.nppl;
        out.interactions = g.n_inter;
        out.feedback = g.n_fb;
        out.capabilities = C__COUNT;
        out.interaction_types = T__COUNT;
        out.seconds = now_seconds() - t_begin;
        if (mbuf && (rc = manifest(&g, &out, mbuf))) {
                /* the data is complete and committed; only the manifest is missing */
                cxg_error_set(err, rc, "generate: %s writing the manifest", cxg_strerror(rc));
                goto done;
        }
        if (sum)
                *sum = out;
        if (o->progress)
                o->progress(o->progress_ctx, "done", 1, g.n_inter);
done:
        if (g.in_tx)
                store_rollback(s);
        release(&g);
        return rc;
}
