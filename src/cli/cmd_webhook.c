/*
 * cmd_webhook.c: `cxgarden webhook`: register, list, enable, disable and delete alert webhooks
 * (app_webhook_*, audited), send a test, list deliveries and deliver the due ones now.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/webhook.h"
#include "app/alerts.h"
#include "app/view_alerts.h"
#include "cli/cmd_alerts.h"
#include "core/banned.h"

#define DELIVERIES_SHOWN 100 /* the latest deliveries listed */

static const struct cli_flag webhook_flags[] = {
    {"secret", "secret"}, {"kinds", "kinds"}, {"min_severity", "min-severity"}, {NULL, NULL}};

static void webhook_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] webhook add URL [--secret S] [--kinds K,...]\n"
                   "                        [--min-severity S]\n"
                   "       cxgarden webhook list [--json]\n"
                   "       cxgarden webhook enable|disable|delete|test ID\n"
                   "       cxgarden webhook deliveries [ID] [--json]\n"
                   "       cxgarden webhook deliver\n");
}

static const char *str(json_t *o, const char *key)
{
        const char *s = json_string_value(json_object_get(o, key));

        return s ? s : "";
}

static void print_webhook(json_t *w)
{
        const char *kinds = str(w, "kinds"), *sev = str(w, "min_severity");

        printf("%4lld  %-8s %-10.10s %5lld %5lld %5lld  %s%s%s%s%s\n",
               (long long)json_integer_value(json_object_get(w, "id")),
               json_is_true(json_object_get(w, "disabled")) ? "disabled" : "enabled",
               *str(w, "created_at") ? str(w, "created_at") : "-",
               (long long)json_integer_value(json_object_get(w, "delivered")),
               (long long)json_integer_value(json_object_get(w, "pending")),
               (long long)json_integer_value(json_object_get(w, "failed")), str(w, "url"),
               *kinds ? " kinds=" : "", kinds, *sev ? " min_severity=" : "", sev);
}

static void print_delivery(json_t *d)
{
        const char *status = str(d, "status");

        printf("%6lld  %4lld  %-16s %-9s %3lld  %-20s %s\n",
               (long long)json_integer_value(json_object_get(d, "id")),
               (long long)json_integer_value(json_object_get(d, "webhook_id")), str(d, "event"),
               status, (long long)json_integer_value(json_object_get(d, "attempts")),
               strcmp(status, "pending") == 0 ? str(d, "next_at") : "-", str(d, "last_error"));
}

static int webhook_add(struct cli *c)
{
        struct store_webhook w = {0};
        struct acli_op op;
        struct cxg_error e;
        char secret[65];
        int64_t id = 0;
        int code;

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
        if ((code = acli_op_open(c, "webhook add", &op)))
                return code;
        cxg_error_clear(&e);
        if (app_webhook_add(&op.ctx, &w, secret, &id, &e)) {
                code = acli_fail("webhook add", &e, webhook_flags);
        } else {
                printf("webhook %lld: %s\nsecret: %s\n(shown once: receivers check "
                       "X-Cxgarden-Signature: sha256=HMAC-SHA256(secret, body))\n",
                       (long long)id, w.url, w.secret);
        }
        acli_op_close(&op);
        return code;
}

/* webhook list / deliveries [ID]. */
static int webhook_read(struct cli *c, const char *verb, int64_t id, int json)
{
        struct store *st = NULL;
        struct cxg_error e;
        json_t *arr = NULL, *x;
        enum cxg_err rc;
        size_t i;

        cxg_error_clear(&e);
        if (store_open(c->db_path, STORE_READONLY, &st, &e)) {
                store_close(st);
                return acli_fail("webhook", &e, NULL);
        }
        if (verb[0] == 'l')
                rc = view_webhooks_read(st, 0, &arr, &e);
        else
                rc = view_deliveries_read(st, id, DELIVERIES_SHOWN, &arr, &e);
        store_close(st);
        if (rc)
                return acli_fail("webhook", &e, NULL);
        if (json)
                return acli_print_json(arr);
        if (verb[0] == 'l') {
                printf("%4s  %-8s %-10s %5s %5s %5s  %s\n", "id", "state", "created", "sent",
                       "queue", "fail", "url");
                json_array_foreach(arr, i, x) print_webhook(x);
        } else {
                printf("%6s  %4s  %-16s %-9s %3s  %-20s %s\n", "id", "hook", "event", "status",
                       "try", "next attempt", "last error");
                json_array_foreach(arr, i, x) print_delivery(x);
        }
        json_decref(arr);
        return CLI_OK;
}

/* Send what is due now; *sent receives how many were delivered. */
static int deliver(struct store *st, const char *cmd, size_t *sent, size_t *failed)
{
        struct cxg_error e;

        cxg_error_clear(&e);
        if (api_webhook_deliver_due(st, (int64_t)time(NULL), NULL, sent, failed, &e))
                return acli_fail(cmd, &e, NULL);
        return CLI_OK;
}

/* enable, disable, delete, test ID */
static int webhook_change(struct cli *c, const char *verb, int64_t id)
{
        struct acli_op op;
        struct cxg_error e;
        size_t sent = 0, failed = 0;
        int64_t did;
        int code;

        if ((code = acli_op_open(c, "webhook", &op)))
                return code;
        cxg_error_clear(&e);
        if (strcmp(verb, "enable") == 0 || strcmp(verb, "disable") == 0) {
                if (app_webhook_set_disabled(&op.ctx, id, verb[0] == 'd', &e))
                        code = acli_fail("webhook", &e, NULL);
                else
                        printf("webhook %lld %sd\n", (long long)id, verb);
        } else if (strcmp(verb, "delete") == 0) {
                if (app_webhook_delete(&op.ctx, id, &e))
                        code = acli_fail("webhook", &e, NULL);
                else
                        printf("webhook %lld deleted\n", (long long)id);
        } else if (app_webhook_queue_test(&op.ctx, id, &did, &e)) {
                code = acli_fail("webhook test", &e, NULL);
        } else if (!(code = deliver(op.st, "webhook test", &sent, &failed))) {
                printf("test delivery %lld: %s\n", (long long)did,
                       sent ? "delivered" : "failed (see `cxgarden webhook deliveries`)");
                code = sent ? CLI_OK : CLI_FAIL;
        }
        acli_op_close(&op);
        return code;
}

int cli_webhook(struct cli *c)
{
        const char *verb = c->argc > 1 ? c->argv[1] : NULL;
        int json = 0, code;
        int64_t id = 0;

        if (!verb || strcmp(verb, "--help") == 0 || strcmp(verb, "-h") == 0) {
                webhook_usage(verb ? stdout : stderr);
                return verb ? CLI_OK : CLI_USAGE;
        }
        if (strcmp(verb, "add") == 0)
                return webhook_add(c);
        for (int i = 2; i < c->argc; i++) {
                if (strcmp(c->argv[i], "--json") == 0)
                        json = 1;
                else if (!id && c->argv[i][0] != '-') {
                        if ((code = acli_parse_id("webhook", c->argv[i], &id)))
                                return code;
                } else {
                        cli_errorf("webhook %s: unknown argument '%s'", verb, c->argv[i]);
                        return CLI_USAGE;
                }
        }
        if (strcmp(verb, "list") == 0 || strcmp(verb, "deliveries") == 0)
                return webhook_read(c, verb, id, json);
        if (strcmp(verb, "deliver") == 0) {
                struct acli_op op;
                size_t sent = 0, failed = 0;

                if ((code = acli_op_open(c, "webhook deliver", &op)))
                        return code;
                code = deliver(op.st, "webhook deliver", &sent, &failed);
                acli_op_close(&op);
                if (code)
                        return code;
                printf("webhooks: %zu delivered, %zu failed\n", sent, failed);
                return failed ? CLI_FAIL : CLI_OK;
        }
        if (strcmp(verb, "enable") != 0 && strcmp(verb, "disable") != 0 &&
            strcmp(verb, "delete") != 0 && strcmp(verb, "test") != 0) {
                cli_errorf("webhook: unknown command '%s'", verb);
                webhook_usage(stderr);
                return CLI_USAGE;
        }
        if (!id) {
                cli_errorf("webhook %s: which webhook? (an id)", verb);
                return CLI_USAGE;
        }
        return webhook_change(c, verb, id);
}
