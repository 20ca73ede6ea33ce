/*
 * cmd_detect.c: `cxgarden detect`: one detection cycle (app_detect_cycle) on the engine
 * snapshot, then the due webhook deliveries; also run quietly after an import.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/webhook.h"
#include "app/alerts.h"
#include "app/view_alerts.h"
#include "cli/cmd_alerts.h"
#include "cli/cmd_engine.h"
#include "core/banned.h"
#include "core/parse.h"

#define WEBHOOK_TIMEOUT_MS 3000
#define AT_RISK_SHOWN 30 /* accounts at risk listed before "... and N more" */

static const struct cli_flag detect_flags[] = {{"kinds", "only"}, {NULL, NULL}};

static void detect_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] detect [--at DATE] "
                   "[--only KIND,...] [--dry-run] [--no-deliver] [--threads N] [--json]\n"
                   "kinds: erosion_behind_growth, experience_degradation, account_at_risk, "
                   "downgrade_wave\n");
}

struct detect_opts {
        int64_t at;
        unsigned kinds;
        int dry_run, deliver, json, threads, quiet;
};

/* The human summary of a cycle on stdout. */
static void print_text(const struct app_detect_result *r, double seconds)
{
        size_t by_kind[ENG_ALERT__COUNT] = {0};
        const struct eng_detect_stats *ds = &r->stats;
        size_t n = r->alerts.n;
        char d1[32];

        for (size_t i = 0; i < n; i++)
                by_kind[r->alerts.v[i].kind]++;
        printf("detected as of %s: %zu finding%s", cxg_date_format(r->at, d1), n,
               n == 1 ? "" : "s");
        if (!r->dry_run)
                printf(" (%zu new, %zu still open, %zu escalated, %zu suppressed); "
                       "%zu task%s created",
                       r->created, r->seen, r->escalated, r->suppressed, r->tasks,
                       r->tasks == 1 ? "" : "s");
        printf("\n");
        for (int k = 0; k < ENG_ALERT__COUNT; k++)
                printf("  %-24s %zu\n", eng_alert_kind_name(k), by_kind[k]);
        for (size_t i = 0, shown = 0; i < n; i++) {
                const struct eng_alert *a = &r->alerts.v[i];

                /* every alert but accounts at risk; of those the first few */
                if (a->kind == ENG_ALERT_AT_RISK && shown++ >= AT_RISK_SHOWN) {
                        if (shown == AT_RISK_SHOWN + 1)
                                printf("... and %zu more accounts at risk (cxgarden "
                                       "alerts --kind account_at_risk)\n",
                                       by_kind[ENG_ALERT_AT_RISK] - AT_RISK_SHOWN);
                        continue;
                }
                printf("%-8s %-9s %-24s %s\n",
                       r->ids && r->ids[i] ? "" : (r->dry_run ? "dry-run" : "quiet"),
                       eng_severity_name(a->severity), eng_alert_kind_name(a->kind), a->summary);
        }
        if (r->followed)
                printf("followed up %zu done task%s\n", r->followed, r->followed == 1 ? "" : "s");
        if (r->webhooks_sent || r->webhooks_failed)
                printf("webhooks: %zu delivered, %zu failed (retried later)\n", r->webhooks_sent,
                       r->webhooks_failed);
        printf("segments %zu, interaction types %zu, accounts %zu, plans %zu; %.2f s\n",
               ds->segments_tested, ds->types_judged, ds->accounts_checked, ds->plans_tested,
               seconds);
}

/* The JSON view of the cycle, with this command's load and total seconds added. */
static int print_json(const struct app_detect_result *r, const struct eng_engine *e, double seconds)
{
        json_t *j = view_detect_result(r), *tm = json_object_get(j, "seconds");

        if (tm && (json_object_set_new(tm, "load", json_real(e->load_s)) ||
                   json_object_set_new(tm, "scores", json_real(e->compute_s)) ||
                   json_object_set_new(tm, "total", json_real(seconds)))) {
                json_decref(j);
                j = NULL;
        }
        return acli_print_json(j);
}

static int run_detect(struct cli *c, const struct detect_opts *o)
{
        struct app_detect_opts ao;
        struct app_detect_result r;
        struct cxg_config cfg;
        struct eng_engine e;
        struct app_ctx ctx;
        struct store *st = NULL;
        struct cxg_error err;
        char actor[96];
        int code;
        double t0 = eng_now();

        memset(&r, 0, sizeof(r));
        cxg_error_clear(&err);
        app_detect_opts_init(&ao);
        if ((code = acli_load_config(c, "detect", &cfg)))
                goto release_cfg;
        if (app_detect_opts_from_config(&ao, &cfg, &err)) {
                code = acli_fail("detect", &err, detect_flags);
                goto release_cfg;
        }
        ao.kinds = o->kinds;
        ao.dry_run = o->dry_run;
        if ((code = cmd_engine_open(c, "detect", o->at, o->threads, !o->dry_run, &st, &e)))
                goto release_cfg;
        app_ctx_cli(&ctx, st, &cfg, actor, sizeof(actor));
        if (app_detect_cycle(&ctx, &e, &ao, &r, &err))
                goto failed;
        if (!o->dry_run && o->deliver) {
                struct api_webhook_opts wo;

                api_webhook_opts_init(&wo);
                wo.timeout_ms = WEBHOOK_TIMEOUT_MS;
                /* real time: webhook retries follow the wall clock, not --at */
                if (api_webhook_deliver_due(st, (int64_t)time(NULL), &wo, &r.webhooks_sent,
                                            &r.webhooks_failed, &err))
                        goto failed;
        }
        if (o->json)
                code = print_json(&r, &e, eng_now() - t0);
        else if (!o->quiet)
                print_text(&r, eng_now() - t0);
        else
                fprintf(stderr, "detect: %zu finding%s, %zu new alert%s, %zu task%s\n", r.alerts.n,
                        r.alerts.n == 1 ? "" : "s", r.created, r.created == 1 ? "" : "s", r.tasks,
                        r.tasks == 1 ? "" : "s");
        goto done;
failed:
        code = acli_fail("detect", &err, detect_flags);
done:
        app_detect_result_release(&r);
        eng_engine_release(&e);
        store_close(st);
release_cfg:
        cxg_config_release(&cfg);
        return code;
}

int cli_detect(struct cli *c)
{
        struct detect_opts o = {CXG_TS_NONE, ENG_DETECT_ALL, 0, 1, 0, 2, 0};
        struct cxg_error e;
        int code;

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        o.json = 1;
                } else if (strcmp(a, "--dry-run") == 0) {
                        o.dry_run = 1;
                } else if (strcmp(a, "--no-deliver") == 0) {
                        o.deliver = 0;
                } else if (strcmp(a, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("detect", c->argv[++i], &o.at)))
                                return code;
                } else if (strcmp(a, "--only") == 0 && i + 1 < c->argc) {
                        cxg_error_clear(&e);
                        if (app_alert_kinds_parse(c->argv[++i], &o.kinds, &e))
                                return acli_fail("detect", &e, detect_flags);
                } else if (strcmp(a, "--threads") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_threads("detect", c->argv[++i], &o.threads)))
                                return code;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        detect_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("detect: unknown argument '%s'", a);
                        detect_usage(stderr);
                        return CLI_USAGE;
                }
        }
        return run_detect(c, &o);
}

int cli_detect_after_import(struct cli *c)
{
        struct detect_opts o = {CXG_TS_NONE, ENG_DETECT_ALL, 0, 1, 0, 2, 1};
        struct cxg_config cfg;
        struct cxg_error e;
        const char *v;
        int on = 1;

        /* [alerts] after_import = false turns it off for bulk loads */
        if (acli_load_config(c, "detect", &cfg)) {
                cxg_config_release(&cfg);
                return CLI_FAIL;
        }
        v = cxg_config_get(&cfg, "alerts.after_import");
        if (v && cxg_parse_bool(v, strlen(v), &on, &e)) {
                cli_errorf("detect: [alerts] after_import: %s", e.msg);
                cxg_config_release(&cfg);
                return CLI_FAIL;
        }
        cxg_config_release(&cfg);
        return on ? run_detect(c, &o) : CLI_OK;
}
