/* audit.c: the one audit writer of the use-case layer, and the command-line actor. */
#include <pwd.h>
#include <stdlib.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "app/app.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "store/store_auth.h"

void app_ctx_cli(struct app_ctx *c, struct store *st, const struct cxg_config *cfg, char *buf,
                 size_t n)
{
        const char *user = getenv("USER");
        struct passwd *pw;

        if (!user || !*user) {
                pw = getpwuid(geteuid());
                user = pw ? pw->pw_name : NULL;
        }
        if (user && *user)
                snprintf(buf, n, "cli:%s", user);
        else
                snprintf(buf, n, "cli");
        c->st = st;
        c->actor = buf;
        c->token_id = 0;
        c->cfg = cfg;
        c->now = (int64_t)time(NULL);
}

enum cxg_err app_audit(const struct app_ctx *c, const char *action, const char *entity,
                       const char *entity_id, json_t *summary, struct cxg_error *err)
{
        struct store_audit a = {0};
        char *text = NULL;
        enum cxg_err rc;

        if (summary) {
                if (c->token_id &&
                    json_object_set_new(summary, "via_token", json_integer(c->token_id)))
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                text = json_dumps(summary, JSON_COMPACT | JSON_SORT_KEYS);
                if (!text)
                        return cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
        }
        a.at = c->now;
        a.actor = c->actor && c->actor[0] ? c->actor : "-";
        a.action = action;
        a.entity = entity;
        a.entity_id = entity_id;
        a.summary = text;
        rc = store_audit_append(c->st, &a, err);
        cxg_free(text);
        return rc;
}
