/*
 * cmd_gardens.c: `cxgarden gardens ...` (customer gardens and their members) and the helpers
 * the garden command groups share (cmd_gardens.h). Writes name the acting user with --as USER
 * (a row of the users table) and go through the operations of app/gardens.h, the same the API
 * calls; JSON output uses the views of app/view_gardens.h. `cxgarden ideas` is in
 * cmd_ideas.c, `cxgarden ledger` in cmd_ledger.c, engine-backed subcommands (suggest, impact,
 * seed-demo, experiment results, rollout reports) in cmd_gardens_eng.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/gardens.h"
#include "app/view_gardens.h"
#include "cli/cli.h"
#include "cli/cmd_gardens.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/config.h"
#include "core/parse.h"
#include "engine/gardens_ledger.h"
#include "store/store_gardens.h"

/* ---- shared helpers (declared in cmd_gardens.h) ---- */

int gcli_parse(const char *cmd, int argc, char **argv, int start, struct gcli_opt *o, size_t no,
               const char **pos, size_t maxpos, size_t *npos)
{
        *npos = 0;
        for (int i = start; i < argc; i++) {
                const char *a = argv[i];
                size_t k;

                if (a[0] != '-' || a[1] != '-' || !a[2]) {
                        if (*npos >= maxpos) {
                                cli_errorf("%s: unexpected argument '%s'", cmd, a);
                                return CLI_USAGE;
                        }
                        pos[(*npos)++] = a;
                        continue;
                }
                for (k = 0; k < no; k++) {
                        size_t n = strlen(o[k].name);

                        if (strncmp(a + 2, o[k].name, n) != 0 || (a[2 + n] && a[2 + n] != '='))
                                continue;
                        if (!o[k].arg) {
                                if (a[2 + n]) {
                                        cli_errorf("%s: --%s takes no value", cmd, o[k].name);
                                        return CLI_USAGE;
                                }
                                o[k].val = "1";
                        } else if (a[2 + n] == '=') {
                                o[k].val = a + 3 + n;
                        } else if (i + 1 < argc) {
                                o[k].val = argv[++i];
                        } else {
                                cli_errorf("%s: --%s needs a value", cmd, o[k].name);
                                return CLI_USAGE;
                        }
                        break;
                }
                if (k == no) {
                        cli_errorf("%s: unknown option '%s'", cmd, a);
                        return CLI_USAGE;
                }
        }
        return CLI_OK;
}

const char *gcli_val(const struct gcli_opt *o, size_t no, const char *name)
{
        for (size_t k = 0; k < no; k++)
                if (strcmp(o[k].name, name) == 0)
                        return o[k].val;
        return NULL;
}

int gcli_open(struct cli *c, const char *cmd, int writable, struct store **st)
{
        struct cxg_error err;

        cxg_error_clear(&err);
        if (store_open(c->db_path, writable ? 0 : STORE_READONLY, st, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                return CLI_FAIL;
        }
        return CLI_OK;
}

int gcli_rules(struct cli *c, const char *cmd, struct garden_rules *r)
{
        struct cxg_config cfg;
        struct cxg_error err;
        long v = 2;
        int rc = CLI_OK;

        model_garden_rules_init(r);
        if (!c->config_path)
                return CLI_OK;
        cxg_config_init(&cfg);
        cxg_error_clear(&err);
        if (cxg_config_load(&cfg, c->config_path, &err) ||
            cxg_config_long(&cfg, "gardens.approvers", 2, 1, 10, &v, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                rc = CLI_USAGE;
        }
        r->approvers = (int)v;
        cxg_config_release(&cfg);
        return rc;
}

int gcli_actor(struct store *st, const char *cmd, const char *name, struct garden_actor *a)
{
        struct cxg_error err;

        if (!name) {
                cli_errorf("%s: say who acts with --as USER (every change is audited)", cmd);
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (store_garden_actor(st, name, a, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                return CLI_FAIL;
        }
        return CLI_OK;
}

/* The fields of garden operations a flag of the garden commands sets. */
static const struct cli_flag gcli_flags[] = {
    {"why", "why"},       {"segment", "segment"}, {"note", "note"},   {"cause_type", "cause"},
    {"kind", "kind"},     {"starts_at", "start"}, {"ends_at", "end"}, {"accounts", "accounts"},
    {"points", "points"}, {"status", "status"},   {NULL, NULL},
};

int gcli_fail(const char *cmd, const struct cxg_error *err)
{
        cli_report(cmd, err, gcli_flags);
        return err->code == CXG_ERR_USAGE ? CLI_USAGE : CLI_FAIL;
}

int gcli_ctx(struct cli *c, const char *cmd, struct store *st, struct app_ctx *ac)
{
        static struct cxg_config cfg;
        static int loaded; /* 1: cfg holds the config file, -1: there is none */
        static char actor[160];
        struct cxg_error err;

        if (!loaded) {
                loaded = -1;
                if (c->config_path) {
                        cxg_config_init(&cfg);
                        cxg_error_clear(&err);
                        if (cxg_config_load(&cfg, c->config_path, &err)) {
                                cli_errorf("%s: %s", cmd, err.msg);
                                cxg_config_release(&cfg);
                                loaded = 0;
                                return CLI_USAGE;
                        }
                        loaded = 1;
                }
        }
        app_ctx_cli(ac, st, loaded == 1 ? &cfg : NULL, actor, sizeof(actor));
        return CLI_OK;
}

int gcli_time(const char *cmd, const char *opt, const char *s, int64_t *t)
{
        struct cxg_error err;

        *t = CXG_TS_NONE;
        if (!s)
                return CLI_OK;
        cxg_error_clear(&err);
        if (cxg_parse_time(s, strlen(s), t, &err)) {
                cli_errorf("%s: --%s: %s", cmd, opt, err.msg);
                return CLI_USAGE;
        }
        return CLI_OK;
}

int gcli_print_json(json_t *j)
{
        if (!j) {
                cli_errorf("out of memory");
                return CLI_FAIL;
        }
        /* numbers in full, as the API writes them, so both documents compare equal */
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(j);
        return CLI_OK;
}

int64_t gcli_now(void)
{
        return (int64_t)time(NULL);
}

int gcli_idea_id(const char *cmd, const char *s, int64_t *id)
{
        struct cxg_error err;

        cxg_error_clear(&err);
        if (!s || cxg_parse_int64(s, strlen(s), id, &err) || *id <= 0) {
                cli_errorf("%s: '%s' is not an idea id", cmd, s ? s : "");
                return CLI_USAGE;
        }
        return CLI_OK;
}

char *gcli_date(int64_t t, char *buf)
{
        if (t == CXG_TS_NONE) {
                snprintf(buf, 11, "-");
                return buf;
        }
        return cxg_date_format(t, buf);
}

/* ---- gardens ---- */

static void gardens_usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] gardens list [--json]\n"
                "       cxgarden gardens show GARDEN [--json]\n"
                "       cxgarden gardens create KEY --name NAME --topic TOPIC [--custom-topic "
                "TEXT]\n"
                "                [--goal TEXT] [--owner USER] [--segment FIELD=VALUE] [--starts "
                "DATE] [--ends DATE] --as USER\n"
                "       cxgarden gardens add-member GARDEN (--person ID | --user NAME --role "
                "ROLE) [--accepted] --as USER\n"
                "       cxgarden gardens member-status GARDEN (--person ID | --user NAME) "
                "accepted|declined|left --as USER\n"
                "       cxgarden gardens suggest GARDEN [--limit N] [--json]\n"
                "       cxgarden gardens impact [GARDEN] [--segment FIELD] [--bands N] [--json]\n"
                "       cxgarden gardens seed-demo [--json]\n"
                "\ntopics: experience, context, deep_purpose, success_contribution, "
                "cost_revenue, adaptation,\n"
                "        data_supply, long_term_fit, robustness, custom (with --custom-topic)\n"
                "roles:  account_team, product, sponsor, board (internal users); external "
                "people are customers\n");
}

static enum cxg_err list_cb(void *ctx, const struct store_garden_row *g)
{
        json_t *arr = ctx;
        char d1[16], d2[16];

        if (arr)
                return json_array_append_new(arr, view_garden(g)) ? CXG_ERR_NOMEM : CXG_OK;
        printf("%-20s %-32s %-22s %7lld %8lld %7lld %6lld  %s..%s\n", g->g.key, g->g.name,
               model_garden_topic_name(g->g.topic), (long long)g->members, (long long)g->accounts,
               (long long)g->invited, (long long)g->ideas, gcli_date(g->g.starts_at, d1),
               gcli_date(g->g.ends_at, d2));
        return CXG_OK;
}

static int gardens_list(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"json", 0, NULL}};
        const char *pos[1] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        json_t *arr = NULL;
        int rc;

        if ((rc = gcli_parse("gardens list", argc, argv, 2, o, 1, pos, 0, &npos)) ||
            (rc = gcli_open(c, "gardens list", 0, &st)))
                return rc;
        if (o[0].val && !(arr = json_array())) {
                store_close(st);
                return gcli_print_json(NULL);
        }
        if (!arr)
                printf("%-20s %-32s %-22s %7s %8s %7s %6s  %s\n", "key", "name", "topic", "members",
                       "accounts", "invited", "ideas", "dates");
        cxg_error_clear(&err);
        if (store_garden_list(st, list_cb, arr, &err)) {
                json_decref(arr);
                store_close(st);
                return gcli_fail("gardens list", &err);
        }
        store_close(st);
        return arr ? gcli_print_json(arr) : CLI_OK;
}

struct show_ctx {
        json_t *obj;  /* the garden (JSON mode) */
        json_t *list; /* members or ideas */
        int64_t id;
};

static enum cxg_err show_garden_cb(void *ctx, const struct store_garden_row *g)
{
        struct show_ctx *s = ctx;
        char d1[16], d2[16];

        s->id = g->id;
        if (s->obj) {
                json_t *j = view_garden(g);

                if (!j || json_object_update(s->obj, j)) {
                        json_decref(j);
                        return CXG_ERR_NOMEM;
                }
                json_decref(j);
                return CXG_OK;
        }
        printf("garden   %s (%s)\n", g->g.name, g->g.key);
        printf("topic    %s\n", g->g.topic == GARDEN_TOPIC_CUSTOM && g->g.topic_custom
                                    ? g->g.topic_custom
                                    : model_garden_topic_label(g->g.topic));
        printf("goal     %s\n", g->g.goal ? g->g.goal : "-");
        printf("owner    %s\n", g->g.owner ? g->g.owner : "-");
        printf("segment  %s\n", g->g.segment ? g->g.segment : "-");
        printf("dates    %s .. %s\n", gcli_date(g->g.starts_at, d1), gcli_date(g->g.ends_at, d2));
        printf("members  %lld accepted (%lld accounts), %lld invited; %lld ideas\n",
               (long long)g->members, (long long)g->accounts, (long long)g->invited,
               (long long)g->ideas);
        return CXG_OK;
}

static enum cxg_err show_member_cb(void *ctx, const struct store_member_row *m)
{
        struct show_ctx *s = ctx;
        char d[16];

        if (s->list)
                return json_array_append_new(s->list, view_garden_member(m)) ? CXG_ERR_NOMEM
                                                                             : CXG_OK;
        printf("  %-9s %-14s %-28s %-14s %-9s joined %s\n", m->person ? "external" : "internal",
               m->person ? m->person : m->user,
               m->person ? (m->person_name ? m->person_name : "") : "",
               model_garden_mrole_name(m->role), model_garden_status_name(m->status),
               gcli_date(m->joined_at, d));
        return CXG_OK;
}

static enum cxg_err show_idea_cb(void *ctx, const struct store_idea_row *i)
{
        struct show_ctx *s = ctx;

        if (s->list)
                return json_array_append_new(s->list, view_garden_idea(i, NULL)) ? CXG_ERR_NOMEM
                                                                                 : CXG_OK;
        printf("  #%-5lld %-13s %-48.48s +%lld/-%lld %s\n", (long long)i->id,
               model_idea_state_name(i->state), i->idea.title, (long long)i->votes_up,
               (long long)i->votes_down, i->author);
        return CXG_OK;
}

static int gardens_show(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"json", 0, NULL}};
        const char *pos[1] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        struct show_ctx s = {0};
        json_t *members = NULL, *ideas = NULL;
        int rc;

        if ((rc = gcli_parse("gardens show", argc, argv, 2, o, 1, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("gardens show: missing GARDEN");
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "gardens show", 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if (o[0].val) {
                s.obj = json_object();
                members = json_array();
                ideas = json_array();
                if (!s.obj || !members || !ideas) {
                        err.code = CXG_ERR_NOMEM;
                        snprintf(err.msg, sizeof(err.msg), "out of memory");
                        goto fail;
                }
        }
        if (store_garden_find(st, pos[0], show_garden_cb, &s, &err))
                goto fail;
        if (!o[0].val)
                printf("\nmembers\n");
        s.list = members;
        if (store_garden_members(st, s.id, show_member_cb, &s, &err))
                goto fail;
        if (!o[0].val)
                printf("\nideas\n");
        s.list = ideas;
        if (store_idea_list(st, s.id, -1, show_idea_cb, &s, &err))
                goto fail;
        store_close(st);
        if (!o[0].val)
                return CLI_OK;
        if (json_object_set_new(s.obj, "members", members) ||
            json_object_set_new(s.obj, "idea_list", ideas)) {
                json_decref(s.obj);
                return gcli_print_json(NULL);
        }
        return gcli_print_json(s.obj);
fail:
        json_decref(s.obj);
        json_decref(members);
        json_decref(ideas);
        store_close(st);
        return gcli_fail("gardens show", &err);
}

static int gardens_create(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {{"name", 1, NULL},   {"topic", 1, NULL}, {"custom-topic", 1, NULL},
                               {"goal", 1, NULL},   {"owner", 1, NULL}, {"segment", 1, NULL},
                               {"starts", 1, NULL}, {"ends", 1, NULL},  {"as", 1, NULL},
                               {"json", 0, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1] = {NULL}, *topic;
        struct store *st = NULL;
        struct garden g;
        struct garden_actor who;
        struct cxg_error err;
        int64_t id;
        int rc;

        if ((rc = gcli_parse("gardens create", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("gardens create: missing KEY");
                return CLI_USAGE;
        }
        model_garden_init(&g);
        g.key = pos[0];
        g.name = gcli_val(o, no, "name");
        topic = gcli_val(o, no, "topic");
        g.topic = topic ? model_garden_topic_parse(topic, strlen(topic)) : -1;
        if (topic && g.topic < 0) {
                cli_errorf("gardens create: unknown topic '%s'", topic);
                return CLI_USAGE;
        }
        g.topic_custom = gcli_val(o, no, "custom-topic");
        if (g.topic_custom && !topic)
                g.topic = GARDEN_TOPIC_CUSTOM;
        g.goal = gcli_val(o, no, "goal");
        g.owner = gcli_val(o, no, "owner");
        g.segment = gcli_val(o, no, "segment");
        if ((rc = gcli_time("gardens create", "starts", gcli_val(o, no, "starts"), &g.starts_at)) ||
            (rc = gcli_time("gardens create", "ends", gcli_val(o, no, "ends"), &g.ends_at)) ||
            (rc = gcli_open(c, "gardens create", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "gardens create", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (!(rc = gcli_ctx(c, "gardens create", st, &ac)) &&
            app_garden_create(&ac, &who, &g, &id, &err))
                rc = gcli_fail("gardens create", &err);
        store_close(st);
        if (rc)
                return rc;
        printf("created garden %s (%s)\n", g.key, g.name);
        return CLI_OK;
}

static int gardens_add_member(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {{"person", 1, NULL},
                               {"user", 1, NULL},
                               {"role", 1, NULL},
                               {"as", 1, NULL},
                               {"accepted", 0, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1] = {NULL}, *role;
        struct store *st = NULL;
        struct garden_member m = {0};
        struct garden_actor who;
        struct cxg_error err;
        int64_t gid, mid;
        int rc;

        if ((rc = gcli_parse("gardens add-member", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("gardens add-member: missing GARDEN");
                return CLI_USAGE;
        }
        m.person = gcli_val(o, no, "person");
        m.user = gcli_val(o, no, "user");
        role = gcli_val(o, no, "role");
        if (m.person) {
                m.role = GARDEN_MROLE_CUSTOMER;
                m.status = gcli_val(o, no, "accepted") ? GARDEN_ST_ACCEPTED : GARDEN_ST_INVITED;
        } else {
                m.role = role ? model_garden_mrole_parse(role, strlen(role)) : -1;
                m.status = GARDEN_ST_ACCEPTED;
        }
        cxg_error_clear(&err);
        if (model_garden_member_validate(&m, &err)) {
                cli_errorf("gardens add-member: %s", err.msg);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "gardens add-member", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "gardens add-member", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        if (store_garden_id(st, pos[0], &gid, &err) || gcli_ctx(c, "gardens add-member", st, &ac) ||
            app_member_add(&ac, &who, gid, &m, &mid, &err)) {
                store_close(st);
                return gcli_fail("gardens add-member", &err);
        }
        store_close(st);
        printf("%s %s %s in %s\n", m.person ? m.person : m.user,
               m.status == GARDEN_ST_INVITED ? "invited" : "added as",
               m.person && m.status == GARDEN_ST_INVITED ? "as customer"
                                                         : model_garden_mrole_name(m.role),
               pos[0]);
        return CLI_OK;
}

static int gardens_member_status(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {{"person", 1, NULL}, {"user", 1, NULL}, {"as", 1, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[2] = {NULL};
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t gid;
        int rc, status;

        if ((rc = gcli_parse("gardens member-status", argc, argv, 2, o, no, pos, 2, &npos)))
                return rc;
        if (npos != 2) {
                cli_errorf("gardens member-status: give GARDEN and STATUS");
                return CLI_USAGE;
        }
        status = model_garden_status_parse(pos[1], strlen(pos[1]));
        if (status < 0) {
                cli_errorf("gardens member-status: unknown status '%s'", pos[1]);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "gardens member-status", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "gardens member-status", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (store_garden_id(st, pos[0], &gid, &err) ||
            gcli_ctx(c, "gardens member-status", st, &ac) ||
            app_member_status(&ac, &who, gid, gcli_val(o, no, "person"), gcli_val(o, no, "user"),
                              status, &err)) {
                store_close(st);
                return gcli_fail("gardens member-status", &err);
        }
        store_close(st);
        printf("%s is now %s in %s\n",
               gcli_val(o, no, "person") ? gcli_val(o, no, "person") : gcli_val(o, no, "user"),
               pos[1], pos[0]);
        return CLI_OK;
}

int cli_gardens(struct cli *c)
{
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;

        if (!sub) {
                gardens_usage(stderr);
                return CLI_USAGE;
        }
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
                gardens_usage(stdout);
                return CLI_OK;
        }
        if (strcmp(sub, "list") == 0)
                return gardens_list(c, c->argc, c->argv);
        if (strcmp(sub, "show") == 0)
                return gardens_show(c, c->argc, c->argv);
        if (strcmp(sub, "create") == 0)
                return gardens_create(c, c->argc, c->argv);
        if (strcmp(sub, "add-member") == 0)
                return gardens_add_member(c, c->argc, c->argv);
        if (strcmp(sub, "member-status") == 0)
                return gardens_member_status(c, c->argc, c->argv);
        if (strcmp(sub, "suggest") == 0)
                return gcli_gardens_suggest(c, c->argc, c->argv);
        if (strcmp(sub, "impact") == 0)
                return gcli_gardens_impact(c, c->argc, c->argv);
        if (strcmp(sub, "seed-demo") == 0)
                return gcli_gardens_seed_demo(c, c->argc, c->argv);
        cli_errorf("gardens: unknown subcommand '%s'", sub);
        gardens_usage(stderr);
        return CLI_USAGE;
}
