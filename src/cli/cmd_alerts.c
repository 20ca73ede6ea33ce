/*
 * cmd_alerts.c: early warning and the closed loop on the command line:
 *   detect     run the detectors on the engine snapshot, store alerts, make tasks, follow up
 *              done tasks and deliver webhooks;
 *   alerts     list, show and change the status of alerts;
 *   tasks      list, show and update tasks, and what each kind of action achieved;
 *   webhook    register, list, enable/disable/delete webhooks, send a test, deliver now;
 *   sweetspot  segments ranked by retention, MRR, engagement and fit.
 */
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/webhook.h"
#include "cli/cli.h"
#include "cli/cmd_engine.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/config.h"
#include "engine/detect.h"
#include "engine/sweetspot.h"
#include "store/store_alerts.h"

#define DAY INT64_C(86400)

static int64_t now_s(void)
{
        return (int64_t)time(NULL);
}

static const char *date_or(int64_t t, char *buf)
{
        if (t == CXG_TS_NONE)
                return "-";
        return cxg_date_format(t, buf);
}

static json_t *jdate(int64_t t)
{
        char d[32];

        return t == CXG_TS_NONE ? json_null() : json_string(cxg_time_format(t, d));
}

static json_t *jstr(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *jnum(double v)
{
        return isfinite(v) ? json_real(v) : json_null();
}

static void print_json(json_t *j)
{
        char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));

        if (s) {
                puts(s);
                free(s);
        }
        json_decref(j);
}

static int parse_id(const char *cmd, const char *s, int64_t *id)
{
        struct cxg_error e;

        if (cxg_parse_int64(s, strlen(s), id, &e) || *id <= 0) {
                cli_errorf("%s: not an id: \"%s\"", cmd, s);
                return CLI_USAGE;
        }
        return CLI_OK;
}

static int fail(const char *cmd, const struct cxg_error *e)
{
        char line[900];

        cli_errorf("%s: %s", cmd, cxg_error_format(e, line, sizeof(line)));
        return e->code == CXG_ERR_USAGE || e->code == CXG_ERR_INVALID ? CLI_USAGE : CLI_FAIL;
}

/* Load the configuration (when --config was given) into cfg. */
static int load_config(struct cli *c, const char *cmd, struct cxg_config *cfg)
{
        struct cxg_error e;

        cxg_config_init(cfg);
        cxg_error_clear(&e);
        if (c->config_path && cxg_config_load(cfg, c->config_path, &e)) {
                cli_errorf("%s: %s", cmd, e.msg);
                return CLI_FAIL;
        }
        return CLI_OK;
}

/* ---- detect ---- */

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

static int parse_kinds(const char *s, unsigned *kinds)
{
        char buf[256];
        size_t n = 0;

        *kinds = 0;
        for (const char *p = s;; p++) {
                if (*p == ',' || *p == '\0') {
                        int k;

                        buf[n] = '\0';
                        k = eng_alert_kind_parse(buf);
                        if (k < 0) {
                                cli_errorf("detect: unknown alert kind \"%s\"", buf);
                                return CLI_USAGE;
                        }
                        *kinds |= ENG_DETECT_BIT(k);
                        n = 0;
                        if (!*p)
                                break;
                        continue;
                }
                if (n + 1 < sizeof(buf))
                        buf[n++] = *p;
        }
        return CLI_OK;
}

static int run_detect(struct cli *c, const struct detect_opts *o)
{
        struct cxg_config cfg;
        struct eng_detect_params p;
        struct eng_detect_save_opts so;
        struct eng_detect_summary sum;
        struct eng_detect_stats ds;
        struct eng_detect_input in;
        struct eng_alerts l;
        struct eng_engine e;
        struct eng_scores before;
        struct store *st = NULL;
        struct cxg_error err;
        size_t followed = 0, sent = 0, failed = 0;
        int code, have_before = 0;
        double t0 = eng_now();
        char d1[32];

        memset(&sum, 0, sizeof(sum));
        eng_alerts_init(&l);
        eng_scores_init(&before);
        cxg_error_clear(&err);
        if ((code = load_config(c, "detect", &cfg)))
                return code;
        eng_detect_params_init(&p);
        eng_detect_save_opts_init(&so);
        if (eng_detect_params_from_config(&p, &cfg, &err)) {
                cxg_config_release(&cfg);
                return fail("detect", &err);
        }
        if (cxg_config_get(&cfg, "alerts.default_owner"))
                so.default_owner = cxg_config_get(&cfg, "alerts.default_owner");
        if ((code = cmd_engine_open(c, "detect", o->at, o->threads, !o->dry_run, &st, &e))) {
                cxg_config_release(&cfg);
                return code;
        }
        in.snap = &e.snap;
        in.now = &e.scores;
        in.at = e.scores.at;
        in.kinds = o->kinds;
        in.before = NULL;
        if (o->kinds & ENG_DETECT_BIT(ENG_ALERT_AT_RISK)) {
                if (eng_engine_compute(&e, st, in.at - (int64_t)(p.risk_days * DAY), &before, &err))
                        goto failed;
                in.before = &before;
                have_before = 1;
        }
        if (eng_detect_run(&p, &in, &l, &ds, &err))
                goto failed;
        if (!o->dry_run) {
                if (eng_detect_save(st, &l, in.at, &so, &sum, &err))
                        goto failed;
                if (eng_detect_followup(st, &e.snap, &e.scores, in.at, 30, &followed, &err))
                        goto failed;
                if (o->deliver) {
                        struct api_webhook_opts wo;

                        api_webhook_opts_init(&wo);
                        wo.timeout_ms = 3000;
                        /* real time: webhook retries follow the wall clock, not --at */
                        if (api_webhook_deliver_due(st, now_s(), &wo, &sent, &failed, &err))
                                goto failed;
                }
        }
        if (o->json) {
                json_t *j = json_object(), *arr = json_array(), *tm = json_object();

                json_object_set_new(j, "at", jdate(in.at));
                json_object_set_new(j, "found", json_integer((json_int_t)l.n));
                json_object_set_new(j, "created", json_integer((json_int_t)sum.created));
                json_object_set_new(j, "seen", json_integer((json_int_t)sum.seen));
                json_object_set_new(j, "escalated", json_integer((json_int_t)sum.escalated));
                json_object_set_new(j, "suppressed", json_integer((json_int_t)sum.suppressed));
                json_object_set_new(j, "tasks_created", json_integer((json_int_t)sum.tasks));
                json_object_set_new(j, "tasks_followed_up", json_integer((json_int_t)followed));
                json_object_set_new(j, "webhooks_sent", json_integer((json_int_t)sent));
                json_object_set_new(j, "webhooks_failed", json_integer((json_int_t)failed));
                json_object_set_new(j, "dry_run", json_boolean(o->dry_run));
                for (size_t i = 0; i < l.n; i++) {
                        const struct eng_alert *a = &l.v[i];
                        json_t *x = json_object();

                        json_object_set_new(x, "id",
                                            sum.ids && sum.ids[i] ? json_integer(sum.ids[i])
                                                                  : json_null());
                        json_object_set_new(x, "kind", json_string(eng_alert_kind_name(a->kind)));
                        json_object_set_new(x, "severity",
                                            json_string(eng_severity_name(a->severity)));
                        json_object_set_new(x, "subject_type", json_string(a->subject_type));
                        json_object_set_new(x, "subject", json_string(a->subject));
                        json_object_set_new(x, "summary", json_string(a->summary));
                        json_object_set_new(x, "first_seen", jdate(a->first_seen));
                        json_object_set_new(x, "account",
                                            *a->account ? json_string(a->account) : json_null());
                        json_object_set_new(x, "evidence",
                                            a->evidence ? json_loads(a->evidence, 0, NULL)
                                                        : json_object());
                        json_array_append_new(arr, x);
                }
                json_object_set_new(j, "alerts", arr);
                json_object_set_new(tm, "load", json_real(e.load_s));
                json_object_set_new(tm, "scores", json_real(e.compute_s));
                for (int k = 0; k < ENG_ALERT__COUNT; k++)
                        json_object_set_new(tm, eng_alert_kind_name(k), json_real(ds.seconds[k]));
                json_object_set_new(tm, "total", json_real(eng_now() - t0));
                json_object_set_new(j, "seconds", tm);
                print_json(j);
        } else if (!o->quiet) {
                size_t by_kind[ENG_ALERT__COUNT] = {0};

                for (size_t i = 0; i < l.n; i++)
                        by_kind[l.v[i].kind]++;
                printf("detected as of %s: %zu finding%s", cxg_date_format(in.at, d1), l.n,
                       l.n == 1 ? "" : "s");
                if (!o->dry_run)
                        printf(" (%zu new, %zu still open, %zu escalated, %zu suppressed); "
                               "%zu task%s created",
                               sum.created, sum.seen, sum.escalated, sum.suppressed, sum.tasks,
                               sum.tasks == 1 ? "" : "s");
                printf("\n");
                for (int k = 0; k < ENG_ALERT__COUNT; k++)
                        printf("  %-24s %zu\n", eng_alert_kind_name(k), by_kind[k]);
                for (size_t i = 0, shown = 0; i < l.n; i++) {
                        const struct eng_alert *a = &l.v[i];

                        /* every alert but accounts at risk; of those the first 30 */
                        if (a->kind == ENG_ALERT_AT_RISK && shown++ >= 30) {
                                if (shown == 31)
                                        printf("... and %zu more accounts at risk (cxgarden "
                                               "alerts --kind account_at_risk)\n",
                                               by_kind[ENG_ALERT_AT_RISK] - 30);
                                continue;
                        }
                        printf("%-8s %-9s %-24s %s\n",
                               sum.ids && sum.ids[i] ? "" : (o->dry_run ? "dry-run" : "quiet"),
                               eng_severity_name(a->severity), eng_alert_kind_name(a->kind),
                               a->summary);
                }
                if (followed)
                        printf("followed up %zu done task%s\n", followed, followed == 1 ? "" : "s");
                if (sent || failed)
                        printf("webhooks: %zu delivered, %zu failed (retried later)\n", sent,
                               failed);
                printf("segments %zu, interaction types %zu, accounts %zu, plans %zu; "
                       "%.2f s\n",
                       ds.segments_tested, ds.types_judged, ds.accounts_checked, ds.plans_tested,
                       eng_now() - t0);
        } else {
                fprintf(stderr, "detect: %zu finding%s, %zu new alert%s, %zu task%s\n", l.n,
                        l.n == 1 ? "" : "s", sum.created, sum.created == 1 ? "" : "s", sum.tasks,
                        sum.tasks == 1 ? "" : "s");
        }
        code = CLI_OK;
        goto done;
failed:
        code = fail("detect", &err);
done:
        eng_detect_summary_release(&sum);
        eng_alerts_release(&l);
        if (have_before)
                eng_scores_release(&before);
        eng_engine_release(&e);
        store_close(st);
        cxg_config_release(&cfg);
        return code;
}

int cli_detect(struct cli *c)
{
        struct detect_opts o = {CXG_TS_NONE, ENG_DETECT_ALL, 0, 1, 0, 2, 0};
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
                        if ((code = parse_kinds(c->argv[++i], &o.kinds)))
                                return code;
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
        if (load_config(c, "detect", &cfg))
                return CLI_FAIL;
        v = cxg_config_get(&cfg, "alerts.after_import");
        if (v && cxg_parse_bool(v, strlen(v), &on, &e)) {
                cli_errorf("detect: [alerts] after_import: %s", e.msg);
                cxg_config_release(&cfg);
                return CLI_FAIL;
        }
        cxg_config_release(&cfg);
        return on ? run_detect(c, &o) : CLI_OK;
}

/* ---- alerts ---- */

static void alerts_usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] alerts [--status S|live] [--kind K] [--account ID]\n"
                "                      [--min-severity S] [--before ID] [--limit N] [--json]\n"
                "       cxgarden alerts show ID [--json]\n"
                "       cxgarden alerts ack|resolve|reopen ID [--reason TEXT] [--by NAME]\n"
                "       cxgarden alerts dismiss ID --reason TEXT [--by NAME]\n");
}

static json_t *alert_json(const struct store_alert *a)
{
        json_t *x = json_object();

        json_object_set_new(x, "id", json_integer(a->id));
        json_object_set_new(x, "kind", jstr(a->kind));
        json_object_set_new(x, "severity", jstr(a->severity));
        json_object_set_new(x, "status", jstr(a->status));
        json_object_set_new(x, "subject_type", jstr(a->subject_type));
        json_object_set_new(x, "subject", jstr(a->subject));
        json_object_set_new(x, "summary", jstr(a->summary));
        json_object_set_new(x, "account", jstr(a->account_id));
        json_object_set_new(x, "person", jstr(a->person_id));
        json_object_set_new(x, "first_seen", jdate(a->first_seen));
        json_object_set_new(x, "last_seen", jdate(a->last_seen));
        json_object_set_new(x, "created_at", jdate(a->created_at));
        json_object_set_new(x, "occurrences", json_integer(a->occurrences));
        json_object_set_new(x, "status_reason", jstr(a->status_reason));
        json_object_set_new(x, "status_by", jstr(a->status_by));
        json_object_set_new(x, "status_at", jdate(a->status_at));
        json_object_set_new(x, "task_id", a->task_id ? json_integer(a->task_id) : json_null());
        json_object_set_new(x, "dedup_key", jstr(a->dedup_key));
        json_object_set_new(x, "evidence",
                            a->evidence ? json_loads(a->evidence, 0, NULL) : json_object());
        return x;
}

struct alist {
        json_t *arr; /* JSON mode */
        int detail;
        size_t n;
};

static enum cxg_err on_alert(void *ctx, const struct store_alert *a)
{
        struct alist *l = ctx;
        char d1[32], d2[32];

        l->n++;
        if (l->arr)
                return json_array_append_new(l->arr, alert_json(a)) ? CXG_ERR_NOMEM : CXG_OK;
        if (l->detail) {
                char *ev = NULL;
                json_t *j = a->evidence ? json_loads(a->evidence, 0, NULL) : NULL;

                if (j)
                        ev = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER |
                                               JSON_REAL_PRECISION(8));
                json_decref(j);
                printf("alert %lld: %s, %s, %s\n", (long long)a->id, a->kind, a->severity,
                       a->status);
                printf("subject:     %s %s\n", a->subject_type, a->subject);
                printf("summary:     %s\n", a->summary);
                printf("first seen:  %s, last seen %s, seen %lld time%s\n",
                       date_or(a->first_seen, d1), date_or(a->last_seen, d2),
                       (long long)a->occurrences, a->occurrences == 1 ? "" : "s");
                if (a->account_id)
                        printf("account:     %s\n", a->account_id);
                if (a->task_id)
                        printf("task:        %lld\n", (long long)a->task_id);
                if (a->status_by)
                        printf("status by:   %s on %s%s%s\n", a->status_by,
                               date_or(a->status_at, d1), a->status_reason ? ": " : "",
                               a->status_reason ? a->status_reason : "");
                printf("evidence:\n%s\n", ev ? ev : (a->evidence ? a->evidence : "{}"));
                free(ev);
                return CXG_OK;
        }
        printf("%6lld  %-12s %-8s %-22s %-10s %s\n", (long long)a->id, a->status, a->severity,
               a->kind, date_or(a->first_seen, d1), a->summary);
        return CXG_OK;
}

static int alerts_set(struct cli *c, const char *verb, int argi)
{
        const char *status = strcmp(verb, "ack") == 0       ? "acknowledged"
                             : strcmp(verb, "resolve") == 0 ? "resolved"
                             : strcmp(verb, "dismiss") == 0 ? "dismissed"
                                                            : "open";
        const char *reason = NULL, *by = getenv("USER");
        struct store *st = NULL;
        struct cxg_error e;
        int64_t id = 0;
        int code;

        for (int i = argi; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--reason") == 0 && i + 1 < c->argc) {
                        reason = c->argv[++i];
                } else if (strcmp(a, "--by") == 0 && i + 1 < c->argc) {
                        by = c->argv[++i];
                } else if (!id && a[0] != '-') {
                        if ((code = parse_id("alerts", a, &id)))
                                return code;
                } else {
                        cli_errorf("alerts %s: unknown argument '%s'", verb, a);
                        alerts_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (!id) {
                cli_errorf("alerts %s: which alert? (an id)", verb);
                return CLI_USAGE;
        }
        cxg_error_clear(&e);
        if (store_open(c->db_path, 0, &st, &e) ||
            store_alert_set_status(st, id, status, reason, by ? by : "cli", now_s(), &e)) {
                store_close(st);
                return e.code == CXG_ERR_NOTFOUND ? (cli_errorf("alerts: %s", e.msg), CLI_FAIL)
                                                  : fail("alerts", &e);
        }
        store_close(st);
        printf("alert %lld %s\n", (long long)id, status);
        return CLI_OK;
}

int cli_alerts(struct cli *c)
{
        struct store_alert_filter f;
        struct store *st = NULL;
        struct cxg_error e;
        struct alist l = {NULL, 0, 0};
        int json = 0, code, i = 1;
        int64_t v;

        memset(&f, 0, sizeof(f));
        if (c->argc > 1 &&
            (strcmp(c->argv[1], "ack") == 0 || strcmp(c->argv[1], "resolve") == 0 ||
             strcmp(c->argv[1], "dismiss") == 0 || strcmp(c->argv[1], "reopen") == 0))
                return alerts_set(c, c->argv[1], 2);
        if (c->argc > 1 && strcmp(c->argv[1], "show") == 0) {
                if (c->argc < 3) {
                        cli_errorf("alerts show: which alert? (an id)");
                        return CLI_USAGE;
                }
                if ((code = parse_id("alerts", c->argv[2], &f.id)))
                        return code;
                l.detail = 1;
                i = 3;
        }
        for (; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--status") == 0 && i + 1 < c->argc) {
                        f.status = c->argv[++i];
                } else if (strcmp(a, "--kind") == 0 && i + 1 < c->argc) {
                        f.kind = c->argv[++i];
                } else if (strcmp(a, "--account") == 0 && i + 1 < c->argc) {
                        f.account_id = c->argv[++i];
                } else if (strcmp(a, "--min-severity") == 0 && i + 1 < c->argc) {
                        f.min_severity = c->argv[++i];
                } else if ((strcmp(a, "--limit") == 0 || strcmp(a, "--before") == 0) &&
                           i + 1 < c->argc) {
                        if ((code = parse_id("alerts", c->argv[++i], &v)))
                                return code;
                        if (a[2] == 'l')
                                f.limit =
                                    v > STORE_ALERTS_MAX_LIMIT ? STORE_ALERTS_MAX_LIMIT : (int)v;
                        else
                                f.before_id = v;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        alerts_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("alerts: unknown argument '%s'", a);
                        alerts_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (f.status && strcmp(f.status, "open") != 0 && strcmp(f.status, "acknowledged") != 0 &&
            strcmp(f.status, "resolved") != 0 && strcmp(f.status, "dismissed") != 0 &&
            strcmp(f.status, "live") != 0) {
                cli_errorf("alerts: unknown alert status \"%s\" (open, acknowledged, resolved, "
                           "dismissed, live)",
                           f.status);
                return CLI_USAGE;
        }
        if (f.min_severity && eng_severity_parse(f.min_severity) < 0) {
                cli_errorf("alerts: unknown severity \"%s\" (low, medium, high, critical)",
                           f.min_severity);
                return CLI_USAGE;
        }
        if (f.kind && eng_alert_kind_parse(f.kind) < 0) {
                cli_errorf("alerts: unknown kind \"%s\" (erosion_behind_growth, "
                           "experience_degradation, account_at_risk, downgrade_wave)",
                           f.kind);
                return CLI_USAGE;
        }
        cxg_error_clear(&e);
        if (store_open(c->db_path, STORE_READONLY, &st, &e)) {
                store_close(st);
                return fail("alerts", &e);
        }
        if (json)
                l.arr = json_array();
        else if (!l.detail)
                printf("%6s  %-12s %-8s %-22s %-10s %s\n", "id", "status", "severity", "kind",
                       "since", "summary");
        if (store_alerts_list(st, &f, on_alert, &l, &e)) {
                json_decref(l.arr);
                store_close(st);
                return fail("alerts", &e);
        }
        store_close(st);
        if (l.detail && !l.n) {
                json_decref(l.arr);
                cli_errorf("alerts: alert %lld not found", (long long)f.id);
                return CLI_FAIL;
        }
        if (json) {
                if (l.detail) {
                        json_t *one = json_incref(json_array_get(l.arr, 0));

                        json_decref(l.arr);
                        print_json(one);
                } else {
                        print_json(l.arr);
                }
        }
        return CLI_OK;
}

/* ---- tasks ---- */

static void tasks_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] tasks [--owner NAME] [--status S] [--account ID]\n"
                   "                     [--after ID] [--limit N] [--json]\n"
                   "       cxgarden tasks show ID [--json]\n"
                   "       cxgarden tasks update ID [--status S] [--action A] [--notes T]\n"
                   "                     [--outcome T] [--owner NAME] [--due DATE]\n"
                   "       cxgarden tasks done ID --action call|meeting|email|fix|offer|other\n"
                   "                     [--outcome T] [--notes T]\n"
                   "       cxgarden tasks outcomes [--json]\n");
}

static json_t *task_json(const struct store_task *t)
{
        json_t *x = json_object();

        json_object_set_new(x, "id", json_integer(t->id));
        json_object_set_new(x, "alert_id", t->alert_id ? json_integer(t->alert_id) : json_null());
        json_object_set_new(x, "alert_kind", jstr(t->alert_kind));
        json_object_set_new(x, "account", jstr(t->account_id));
        json_object_set_new(x, "account_name", jstr(t->account_name));
        json_object_set_new(x, "person", jstr(t->person_id));
        json_object_set_new(x, "owner", jstr(t->owner));
        json_object_set_new(x, "title", jstr(t->title));
        json_object_set_new(x, "status", jstr(t->status));
        json_object_set_new(x, "due_at", jdate(t->due_at));
        json_object_set_new(x, "notes", jstr(t->notes));
        json_object_set_new(x, "outcome", jstr(t->outcome));
        json_object_set_new(x, "action", jstr(t->action));
        json_object_set_new(x, "created_at", jdate(t->created_at));
        json_object_set_new(x, "updated_at", jdate(t->updated_at));
        json_object_set_new(x, "resolved_at", jdate(t->resolved_at));
        json_object_set_new(x, "health_before", jnum(t->health_before));
        json_object_set_new(x, "health_after", jnum(t->health_after));
        json_object_set_new(x, "health_after_at", jdate(t->health_after_at));
        json_object_set_new(x, "reconnected",
                            t->reconnected < 0 ? json_null() : json_boolean(t->reconnected));
        return x;
}

struct tlist {
        json_t *arr;
        int detail;
        size_t n;
};

static enum cxg_err on_task(void *ctx, const struct store_task *t)
{
        struct tlist *l = ctx;
        char d1[32], d2[32];

        l->n++;
        if (l->arr)
                return json_array_append_new(l->arr, task_json(t)) ? CXG_ERR_NOMEM : CXG_OK;
        if (l->detail) {
                printf("task %lld: %s, owner %s, due %s\n", (long long)t->id, t->status, t->owner,
                       date_or(t->due_at, d1));
                printf("title:    %s\n", t->title);
                if (t->account_id)
                        printf("account:  %s%s%s%s\n", t->account_id, t->account_name ? " (" : "",
                               t->account_name ? t->account_name : "", t->account_name ? ")" : "");
                if (t->alert_id)
                        printf("alert:    %lld (%s)\n", (long long)t->alert_id,
                               t->alert_kind ? t->alert_kind : "");
                if (t->person_id)
                        printf("person:   %s\n", t->person_id);
                if (t->notes)
                        printf("notes:    %s\n", t->notes);
                if (t->action)
                        printf("action:   %s%s%s\n", t->action, t->outcome ? ": " : "",
                               t->outcome ? t->outcome : "");
                if (t->resolved_at != CXG_TS_NONE)
                        printf("done:     %s\n", date_or(t->resolved_at, d1));
                if (!isnan(t->health_before) || !isnan(t->health_after))
                        printf("health:   %.0f before, %s after%s%s\n", t->health_before,
                               isnan(t->health_after) ? "not yet" : "",
                               isnan(t->health_after) ? "" : " (as of ",
                               isnan(t->health_after) ? "" : date_or(t->health_after_at, d2));
                if (!isnan(t->health_after))
                        printf("          %.0f after\n", t->health_after);
                if (t->reconnected >= 0)
                        printf("reconnected: %s\n", t->reconnected ? "yes" : "no");
                return CXG_OK;
        }
        printf("%6lld  %-11s %-14s %-10s %-14s %s\n", (long long)t->id, t->status, t->owner,
               date_or(t->due_at, d1), t->account_id ? t->account_id : "-", t->title);
        return CXG_OK;
}

struct olist {
        json_t *arr;
};

static enum cxg_err on_outcome(void *ctx, const struct store_task_outcome *o)
{
        struct olist *l = ctx;

        if (l->arr) {
                json_t *x = json_object();

                json_object_set_new(x, "action", jstr(o->action));
                json_object_set_new(x, "done", json_integer(o->done));
                json_object_set_new(x, "followed_up", json_integer(o->followed));
                json_object_set_new(x, "mean_health_change", jnum(o->health_change));
                json_object_set_new(x, "reconnect_judged", json_integer(o->reconnect_n));
                json_object_set_new(x, "reconnected", json_integer(o->reconnected));
                json_object_set_new(x, "reconnect_rate",
                                    o->reconnect_n
                                        ? json_real((double)o->reconnected / (double)o->reconnect_n)
                                        : json_null());
                return json_array_append_new(l->arr, x) ? CXG_ERR_NOMEM : CXG_OK;
        }
        printf("%-8s %6lld %9lld ", o->action, (long long)o->done, (long long)o->followed);
        if (isnan(o->health_change))
                printf("%14s ", "-");
        else
                printf("%+14.1f ", o->health_change);
        if (o->reconnect_n)
                printf("%5.0f%% (%lld of %lld)\n",
                       100.0 * (double)o->reconnected / (double)o->reconnect_n,
                       (long long)o->reconnected, (long long)o->reconnect_n);
        else
                printf("%6s\n", "-");
        return CXG_OK;
}

static int tasks_update(struct cli *c, int done)
{
        struct store_task_change ch;
        struct store *st = NULL;
        struct cxg_error e;
        int64_t id = 0;
        int code;

        store_task_change_init(&ch);
        if (done)
                ch.status = "done";
        for (int i = 2; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (i + 1 < c->argc && strcmp(a, "--status") == 0 && !done) {
                        ch.status = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--action") == 0) {
                        ch.action = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--notes") == 0) {
                        ch.notes = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--outcome") == 0) {
                        ch.outcome = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--owner") == 0) {
                        ch.owner = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--due") == 0) {
                        if ((code = cmd_parse_at("tasks", c->argv[++i], &ch.due_at)))
                                return code;
                } else if (!id && a[0] != '-') {
                        if ((code = parse_id("tasks", a, &id)))
                                return code;
                } else {
                        cli_errorf("tasks: unknown argument '%s'", a);
                        tasks_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (!id) {
                cli_errorf("tasks: which task? (an id)");
                return CLI_USAGE;
        }
        cxg_error_clear(&e);
        if (store_open(c->db_path, 0, &st, &e) || store_task_update(st, id, &ch, now_s(), &e)) {
                store_close(st);
                if (e.code == CXG_ERR_NOTFOUND) {
                        cli_errorf("tasks: %s", e.msg);
                        return CLI_FAIL;
                }
                return fail("tasks", &e);
        }
        store_close(st);
        printf("task %lld updated\n", (long long)id);
        return CLI_OK;
}

int cli_tasks(struct cli *c)
{
        struct store_task_filter f;
        struct store *st = NULL;
        struct cxg_error e;
        struct tlist l = {NULL, 0, 0};
        int json = 0, code, i = 1, outcomes = 0;
        int64_t v;

        memset(&f, 0, sizeof(f));
        if (c->argc > 1 && strcmp(c->argv[1], "update") == 0)
                return tasks_update(c, 0);
        if (c->argc > 1 && strcmp(c->argv[1], "done") == 0)
                return tasks_update(c, 1);
        if (c->argc > 1 && strcmp(c->argv[1], "outcomes") == 0) {
                outcomes = 1;
                i = 2;
        } else if (c->argc > 1 && strcmp(c->argv[1], "show") == 0) {
                if (c->argc < 3) {
                        cli_errorf("tasks show: which task? (an id)");
                        return CLI_USAGE;
                }
                if ((code = parse_id("tasks", c->argv[2], &f.id)))
                        return code;
                l.detail = 1;
                i = 3;
        }
        for (; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--owner") == 0 && i + 1 < c->argc) {
                        f.owner = c->argv[++i];
                } else if (strcmp(a, "--status") == 0 && i + 1 < c->argc) {
                        f.status = c->argv[++i];
                } else if (strcmp(a, "--account") == 0 && i + 1 < c->argc) {
                        f.account_id = c->argv[++i];
                } else if ((strcmp(a, "--limit") == 0 || strcmp(a, "--after") == 0) &&
                           i + 1 < c->argc) {
                        if ((code = parse_id("tasks", c->argv[++i], &v)))
                                return code;
                        if (a[2] == 'l')
                                f.limit =
                                    v > STORE_ALERTS_MAX_LIMIT ? STORE_ALERTS_MAX_LIMIT : (int)v;
                        else
                                f.after_id = v;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        tasks_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("tasks: unknown argument '%s'", a);
                        tasks_usage(stderr);
                        return CLI_USAGE;
                }
        }
        cxg_error_clear(&e);
        if (store_open(c->db_path, STORE_READONLY, &st, &e)) {
                store_close(st);
                return fail("tasks", &e);
        }
        if (outcomes) {
                struct olist ol = {json ? json_array() : NULL};

                if (!json)
                        printf("%-8s %6s %9s %14s %s\n", "action", "done", "followed",
                               "health change", "reconnect rate");
                if (store_task_outcomes(st, on_outcome, &ol, &e)) {
                        json_decref(ol.arr);
                        store_close(st);
                        return fail("tasks", &e);
                }
                store_close(st);
                if (json)
                        print_json(ol.arr);
                return CLI_OK;
        }
        if (f.status && strcmp(f.status, "open") != 0 && strcmp(f.status, "in_progress") != 0 &&
            strcmp(f.status, "done") != 0 && strcmp(f.status, "cancelled") != 0) {
                store_close(st);
                cli_errorf("tasks: unknown task status \"%s\" (open, in_progress, done, "
                           "cancelled)",
                           f.status);
                return CLI_USAGE;
        }
        if (json)
                l.arr = json_array();
        else if (!l.detail)
                printf("%6s  %-11s %-14s %-10s %-14s %s\n", "id", "status", "owner", "due",
                       "account", "title");
        if (store_tasks_list(st, &f, on_task, &l, &e)) {
                json_decref(l.arr);
                store_close(st);
                return fail("tasks", &e);
        }
        store_close(st);
        if (l.detail && !l.n) {
                json_decref(l.arr);
                cli_errorf("tasks: task %lld not found", (long long)f.id);
                return CLI_FAIL;
        }
        if (json) {
                if (l.detail) {
                        json_t *one = json_incref(json_array_get(l.arr, 0));

                        json_decref(l.arr);
                        print_json(one);
                } else {
                        print_json(l.arr);
                }
        }
        return CLI_OK;
}

/* ---- webhooks ---- */

static void webhook_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] webhook add URL [--secret S] [--kinds K,...]\n"
                   "                        [--min-severity S]\n"
                   "       cxgarden webhook list [--json]\n"
                   "       cxgarden webhook enable|disable|delete|test ID\n"
                   "       cxgarden webhook deliveries [ID] [--json]\n"
                   "       cxgarden webhook deliver\n");
}

static enum cxg_err on_webhook(void *ctx, const struct store_webhook *w)
{
        json_t *arr = ctx;
        char d1[32];

        if (arr) {
                json_t *x = json_object();

                json_object_set_new(x, "id", json_integer(w->id));
                json_object_set_new(x, "url", jstr(w->url));
                json_object_set_new(x, "created_at", jdate(w->created_at));
                json_object_set_new(x, "disabled", json_boolean(w->disabled));
                json_object_set_new(x, "kinds", jstr(w->kinds));
                json_object_set_new(x, "min_severity", jstr(w->min_severity));
                json_object_set_new(x, "delivered", json_integer(w->delivered));
                json_object_set_new(x, "pending", json_integer(w->pending));
                json_object_set_new(x, "failed", json_integer(w->failed));
                return json_array_append_new(arr, x) ? CXG_ERR_NOMEM : CXG_OK;
        }
        printf("%4lld  %-8s %-10s %5lld %5lld %5lld  %s%s%s%s%s\n", (long long)w->id,
               w->disabled ? "disabled" : "enabled", date_or(w->created_at, d1),
               (long long)w->delivered, (long long)w->pending, (long long)w->failed, w->url,
               w->kinds ? " kinds=" : "", w->kinds ? w->kinds : "",
               w->min_severity ? " min_severity=" : "", w->min_severity ? w->min_severity : "");
        return CXG_OK;
}

static enum cxg_err on_delivery(void *ctx, const struct store_delivery *d)
{
        json_t *arr = ctx;
        char d1[32];

        if (arr) {
                json_t *x = json_object();

                json_object_set_new(x, "id", json_integer(d->id));
                json_object_set_new(x, "webhook_id", json_integer(d->webhook_id));
                json_object_set_new(x, "alert_id",
                                    d->alert_id ? json_integer(d->alert_id) : json_null());
                json_object_set_new(x, "event", jstr(d->event));
                json_object_set_new(x, "status", jstr(d->status));
                json_object_set_new(x, "attempts", json_integer(d->attempt));
                json_object_set_new(x, "next_at", jdate(d->next_at));
                json_object_set_new(x, "delivered_at", jdate(d->delivered_at));
                json_object_set_new(x, "last_status",
                                    d->last_status ? json_integer(d->last_status) : json_null());
                json_object_set_new(x, "last_error", jstr(d->last_error));
                return json_array_append_new(arr, x) ? CXG_ERR_NOMEM : CXG_OK;
        }
        printf("%6lld  %4lld  %-16s %-9s %3d  %-20s %s\n", (long long)d->id,
               (long long)d->webhook_id, d->event, d->status, d->attempt,
               d->status && strcmp(d->status, "pending") == 0 ? cxg_time_format(d->next_at, d1)
                                                              : "-",
               d->last_error ? d->last_error : "");
        return CXG_OK;
}

int cli_webhook(struct cli *c)
{
        const char *verb = c->argc > 1 ? c->argv[1] : NULL;
        struct store *st = NULL;
        struct cxg_error e;
        int json = 0, code = CLI_OK;
        int64_t id = 0;

        if (!verb || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
                webhook_usage(verb ? stdout : stderr);
                return verb ? CLI_OK : CLI_USAGE;
        }
        cxg_error_clear(&e);
        if (strcmp(verb, "add") == 0) {
                struct store_webhook w = {0};
                char secret[65];

                for (int i = 2; i < c->argc; i++) {
                        const char *a = c->argv[i];

                        if (strcmp(a, "--secret") == 0 && i + 1 < c->argc)
                                w.secret = c->argv[++i];
                        else if (strcmp(a, "--kinds") == 0 && i + 1 < c->argc)
                                w.kinds = c->argv[++i];
                        else if (strcmp(a, "--min-severity") == 0 && i + 1 < c->argc)
                                w.min_severity = c->argv[++i];
                        else if (!w.url && a[0] != '-')
                                w.url = a;
                        else {
                                cli_errorf("webhook add: unknown argument '%s'", a);
                                webhook_usage(stderr);
                                return CLI_USAGE;
                        }
                }
                if (!w.url) {
                        cli_errorf("webhook add: which URL?");
                        return CLI_USAGE;
                }
                if (w.kinds) {
                        unsigned k;

                        if ((code = parse_kinds(w.kinds, &k)))
                                return code;
                }
                if (!w.secret) {
                        unsigned char raw[32];

                        if (sodium_init() < 0) {
                                cli_errorf("webhook add: cannot initialise libsodium");
                                return CLI_FAIL;
                        }
                        randombytes_buf(raw, sizeof(raw));
                        sodium_bin2hex(secret, sizeof(secret), raw, sizeof(raw));
                        w.secret = secret;
                }
                if (store_open(c->db_path, 0, &st, &e) ||
                    store_webhook_add(st, &w, now_s(), &id, &e)) {
                        store_close(st);
                        return fail("webhook add", &e);
                }
                store_close(st);
                printf("webhook %lld: %s\nsecret: %s\n(shown once: receivers check "
                       "X-Cxgarden-Signature: sha256=HMAC-SHA256(secret, body))\n",
                       (long long)id, w.url, w.secret);
                return CLI_OK;
        }
        for (int i = 2; i < c->argc; i++) {
                if (strcmp(c->argv[i], "--json") == 0)
                        json = 1;
                else if (!id && c->argv[i][0] != '-') {
                        if ((code = parse_id("webhook", c->argv[i], &id)))
                                return code;
                } else {
                        cli_errorf("webhook %s: unknown argument '%s'", verb, c->argv[i]);
                        return CLI_USAGE;
                }
        }
        if (strcmp(verb, "list") == 0 || strcmp(verb, "deliveries") == 0) {
                json_t *arr = json ? json_array() : NULL;
                enum cxg_err rc;

                if (store_open(c->db_path, STORE_READONLY, &st, &e)) {
                        store_close(st);
                        return fail("webhook", &e);
                }
                if (verb[0] == 'l') {
                        if (!json)
                                printf("%4s  %-8s %-10s %5s %5s %5s  %s\n", "id", "state",
                                       "created", "sent", "queue", "fail", "url");
                        rc = store_webhooks_list(st, 0, on_webhook, arr, &e);
                } else {
                        if (!json)
                                printf("%6s  %4s  %-16s %-9s %3s  %-20s %s\n", "id", "hook",
                                       "event", "status", "try", "next attempt", "last error");
                        rc = store_deliveries_list(st, id, 100, on_delivery, arr, &e);
                }
                store_close(st);
                if (rc) {
                        json_decref(arr);
                        return fail("webhook", &e);
                }
                if (json)
                        print_json(arr);
                return CLI_OK;
        }
        if (strcmp(verb, "deliver") == 0) {
                size_t sent = 0, failed = 0;

                if (store_open(c->db_path, 0, &st, &e) ||
                    api_webhook_deliver_due(st, now_s(), NULL, &sent, &failed, &e)) {
                        store_close(st);
                        return fail("webhook deliver", &e);
                }
                store_close(st);
                printf("webhooks: %zu delivered, %zu failed\n", sent, failed);
                return failed ? CLI_FAIL : CLI_OK;
        }
        if (!id) {
                cli_errorf("webhook %s: which webhook? (an id)", verb);
                return CLI_USAGE;
        }
        if (store_open(c->db_path, 0, &st, &e)) {
                store_close(st);
                return fail("webhook", &e);
        }
        if (strcmp(verb, "enable") == 0 || strcmp(verb, "disable") == 0) {
                if (store_webhook_set_disabled(st, id, verb[0] == 'd', &e))
                        code = fail("webhook", &e);
                else
                        printf("webhook %lld %sd\n", (long long)id, verb);
        } else if (strcmp(verb, "delete") == 0) {
                if (store_webhook_delete(st, id, &e))
                        code = fail("webhook", &e);
                else
                        printf("webhook %lld deleted\n", (long long)id);
        } else if (strcmp(verb, "test") == 0) {
                char body[160], d1[32];
                int64_t did;
                size_t sent = 0, failed = 0;

                snprintf(body, sizeof(body),
                         "{\"event\":\"alert.test\",\"sent_at\":\"%s\",\"webhook_id\":%lld}",
                         cxg_time_format(now_s(), d1), (long long)id);
                if (store_delivery_queue_test(st, id, body, now_s(), &did, &e) ||
                    api_webhook_deliver_due(st, now_s(), NULL, &sent, &failed, &e)) {
                        code = fail("webhook test", &e);
                } else {
                        printf("test delivery %lld: %s\n", (long long)did,
                               sent ? "delivered" : "failed (see `cxgarden webhook deliveries`)");
                        code = sent ? CLI_OK : CLI_FAIL;
                }
        } else {
                cli_errorf("webhook: unknown command '%s'", verb);
                webhook_usage(stderr);
                code = CLI_USAGE;
        }
        store_close(st);
        return code;
}

/* ---- sweet spot ---- */

static void sweetspot_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] sweetspot [--by FIELD,...] "
                   "[--min-size N]\n"
                   "                     [--at DATE] [--limit N] [--json]\n"
                   "fields: plan, owner, currency, garden, or an account attribute (region, "
                   "industry, ...)\n");
}

int cli_sweetspot(struct cli *c)
{
        struct eng_sweet_opts so;
        struct eng_sweet_result r;
        struct eng_engine e;
        struct store *st = NULL;
        struct cxg_error err;
        int64_t at = CXG_TS_NONE, v;
        int json = 0, code, threads = 2;
        size_t limit = 50;
        char d1[32];

        eng_sweet_opts_init(&so);
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--by") == 0 && i + 1 < c->argc) {
                        so.by = c->argv[++i];
                } else if (strcmp(a, "--at") == 0 && i + 1 < c->argc) {
                        if ((code = cmd_parse_at("sweetspot", c->argv[++i], &at)))
                                return code;
                } else if ((strcmp(a, "--min-size") == 0 || strcmp(a, "--limit") == 0) &&
                           i + 1 < c->argc) {
                        if ((code = parse_id("sweetspot", c->argv[++i], &v)))
                                return code;
                        if (a[2] == 'm')
                                so.min_size = (size_t)v;
                        else
                                limit = (size_t)v;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        sweetspot_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("sweetspot: unknown argument '%s'", a);
                        sweetspot_usage(stderr);
                        return CLI_USAGE;
                }
        }
        if ((code = cmd_engine_open(c, "sweetspot", at, threads, 0, &st, &e)))
                return code;
        cxg_error_clear(&err);
        memset(&r, 0, sizeof(r));
        if (eng_sweetspot(&e.snap, &e.scores, &so, &r, &err)) {
                eng_engine_release(&e);
                store_close(st);
                return fail("sweetspot", &err);
        }
        if (json) {
                struct cxg_buf b;

                cxg_buf_init(&b, 0);
                if (eng_sweet_json(&r, limit, &b)) {
                        cli_errorf("sweetspot: out of memory");
                        code = CLI_FAIL;
                } else {
                        puts(b.data);
                }
                cxg_buf_release(&b);
        } else {
                printf("segments by %s as of %s (%zu accounts; retention over %.0f days; "
                       "segments under %zu accounts not ranked)\n",
                       r.by, cxg_date_format(r.at, d1), r.n_accounts, so.retention_days,
                       so.min_size);
                printf("%4s  %-34s %6s %9s %10s %10s %6s %5s %6s  %s\n", "rank", "segment", "size",
                       "retained", "mean MRR", "total MRR", "engage", "fit", "score", "verdict");
                for (size_t k = 0; k < r.n && k < limit; k++) {
                        const struct eng_sweet_segment *g = &r.seg[k];
                        char rank[24], score[24];

                        if (g->rank)
                                snprintf(rank, sizeof(rank), "%zu", g->rank);
                        else
                                snprintf(rank, sizeof(rank), "-");
                        if (isnan(g->score))
                                snprintf(score, sizeof(score), "-");
                        else
                                snprintf(score, sizeof(score), "%.1f", g->score);
                        printf("%4s  %-34.34s %6zu %8.1f%% %10.0f %10.0f %6.1f %4.0f%% %6s  "
                               "%s\n",
                               rank, g->key, g->size, 100 * g->retention, g->mrr_mean, g->mrr_total,
                               g->engagement, 100 * g->fit, score, g->verdict);
                }
        }
        eng_sweet_result_release(&r);
        eng_engine_release(&e);
        store_close(st);
        return code;
}
