/*
 * gen_catalog.h: the invented company's catalogue (plans, currencies, capabilities,
 * interaction types), its names and words, objectives, gardens and survey comments: constant
 * data of the generator, included by its files only (gen_int.h). Static so each file keeps
 * only the tables it reads; never reorder an enum (that would change every company).
 */
#ifndef CXG_INGEST_GEN_CATALOG_H
#define CXG_INGEST_GEN_CATALOG_H

#include <stdint.h>

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

/* relative activity by local hour of day */
static const double hour_w[24] = {1, 0.5, 0.3, 0.3, 0.4, 0.8, 2, 5, 9,   11, 11, 10,
                                  8, 10,  11,  10,  9,   7,   5, 4, 3.5, 3,  2,  1.5};

#endif
