/*
 * routes_cluster.c: the scale-out cluster seen through the API (docs/api.md, "Scale-out"):
 * GET /api/v1/cluster (the nodes, the shards each holds, rows, applied seq, lag, pub_seq,
 * and the lease of every shard), the cluster's /metrics gauges, and the forwarding of
 * requests that read one account's raw interactions to the node owning the account's shard
 * (a node holds the interactions of its own shards only; every other view is answered
 * locally from the published states).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "api/webhook.h"
#include "app/cluster.h"
#include "app/view.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "store/store_cluster.h"

#define FORWARD_TIMEOUT_MS 10000      /* the owner's whole answer */
#define FORWARD_MAX_REPLY (32u << 20) /* bytes of a forwarded answer */
#define FORWARD_RETRY_AFTER_S 2       /* a tick: by then a lost shard may have a new holder */
#define FORWARD_HEADER "X-Cxgarden-Forwarded"

/* The routes about one account ({id} first) whose views read its raw interactions. */
static const char *const forwarded[] = {
    "/api/v1/accounts/{id}/timeline",
    "/api/v1/accounts/{id}/fit",
    NULL,
};

static atomic_long forwards, forward_failures;

/* One node of store_cluster_nodes as JSON; its URL only for admins (internal addresses). */
static json_t *node_json(const struct store_node_info *n, int64_t now, int with_url)
{
        json_t *o = json_object(), *info = json_loads(n->info, 0, NULL);
        const char *keys[] = {"shards", "rows", "seq", "lag", "pub_seq"};
        int bad = !o;

        bad |= view_put(o, "name", json_string(n->name));
        if (with_url)
                bad |= view_put(o, "url", n->url[0] ? json_string(n->url) : json_null());
        bad |= view_put(o, "started_at", view_time(n->started_at));
        bad |= view_put(o, "seen_at", view_time(n->seen_at));
        bad |= view_put(o, "alive", json_boolean(n->expires_at > now));
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
                json_t *v = info ? json_object_get(info, keys[i]) : NULL;

                bad |= view_put(o, keys[i], v ? json_incref(v) : json_null());
        }
        json_decref(info);
        return view_done(o, bad);
}

/* {"shard", "holder", "expires_at"} of every lease. */
static json_t *leases_json(const struct store_shard_lease *l, size_t n)
{
        json_t *a = json_array();
        int bad = !a;

        for (size_t i = 0; i < n && !bad; i++) {
                json_t *o = json_object();

                bad |= !o;
                bad |= view_put(o, "shard", json_integer(l[i].shard));
                bad |=
                    view_put(o, "holder", l[i].holder[0] ? json_string(l[i].holder) : json_null());
                bad |= view_put(o, "expires_at", view_time(l[i].expires_at));
                bad |= json_array_append_new(a, o) != 0;
        }
        return view_done(a, bad);
}

void api_h_cluster(struct api_req *r)
{
        struct app_cluster *c = api_cluster_get();
        struct store_node_info *nodes = NULL;
        struct store_shard_lease *leases = NULL;
        struct cxg_error err = {0};
        size_t nn = 0, nl = 0;
        int64_t now = api_now();
        json_t *o, *arr;
        struct store *st;
        enum cxg_err rc;
        int bad;

        if (!c) {
                api_reply_json(r, 200, json_pack("{s:s}", "mode", "single"));
                return;
        }
        if (!(st = api_store(r)))
                return;
        if ((rc = store_cluster_nodes(st, now, 1, &nodes, &nn, &err)) ||
            (rc = store_shard_leases(st, &leases, &nl, &err))) {
                api_reply_cxg(r, rc, &err);
                goto done;
        }
        o = json_object();
        arr = json_array();
        bad = !o || !arr;
        bad |= view_put(o, "mode", json_string("cluster"));
        bad |= view_put(o, "node", json_string(c->cfg.node));
        bad |= view_put(o, "shards", json_integer(c->cfg.n_shards));
        for (size_t i = 0; i < nn && !bad; i++)
                bad |= json_array_append_new(
                           arr, node_json(&nodes[i], now, r->who.role == API_ROLE_ADMIN)) != 0;
        bad |= view_put(o, "nodes", arr);
        bad |= view_put(o, "leases", leases_json(leases, nl));
        if ((o = view_done(o, bad)))
                api_reply_json(r, 200, o);
        else
                api_reply_error(r, 500, "internal", NULL, "out of memory");
done:
        cxg_free(nodes);
        cxg_free(leases);
}

enum cxg_err api_cluster_metrics(struct cxg_buf *b)
{
        struct app_cluster *c = api_cluster_get();
        struct app_cluster_status s;

        if (!c)
                return CXG_OK;
        app_cluster_status_get(c, &s);
        return cxg_buf_printf(
            b,
            "# HELP cxgarden_cluster_shards_owned Shards this node holds the lease of (of "
            "cxgarden_cluster_shards).\n"
            "# TYPE cxgarden_cluster_shards_owned gauge\n"
            "cxgarden_cluster_shards_owned %" PRIu32 "\n"
            "cxgarden_cluster_shards %" PRIu32 "\n"
            "# HELP cxgarden_cluster_rows Interactions this node holds (its shards').\n"
            "# TYPE cxgarden_cluster_rows gauge\n"
            "cxgarden_cluster_rows %" PRIu64 "\n"
            "# HELP cxgarden_cluster_nodes_alive Nodes whose heartbeat has not expired, at the "
            "last tick.\n"
            "# TYPE cxgarden_cluster_nodes_alive gauge\n"
            "cxgarden_cluster_nodes_alive %zu\n"
            "# HELP cxgarden_cluster_lag_seconds Age of the oldest committed change this node "
            "has not applied, at the last tick.\n"
            "# TYPE cxgarden_cluster_lag_seconds gauge\n"
            "cxgarden_cluster_lag_seconds %.3f\n"
            "# HELP cxgarden_cluster_pub_seq Newest published state this node applied.\n"
            "# TYPE cxgarden_cluster_pub_seq gauge\n"
            "cxgarden_cluster_pub_seq %" PRId64 "\n"
            "# HELP cxgarden_cluster_recomputes_total Two-phase recomputes, shard ownership "
            "changes, requests forwarded to the owning node and forwards that failed.\n"
            "# TYPE cxgarden_cluster_recomputes_total counter\n"
            "cxgarden_cluster_recomputes_total %ld\n"
            "cxgarden_cluster_ownership_changes_total %ld\n"
            "cxgarden_cluster_forwards_total %ld\n"
            "cxgarden_cluster_forward_failures_total %ld\n",
            cxg_shardset_count(&s.owned), c->cfg.n_shards, s.rows, s.nodes_alive, s.lag_s,
            s.pub_seq, s.recomputes, s.ownership_changes, atomic_load(&forwards),
            atomic_load(&forward_failures));
}

/* ---- forwarding ---- */

/* Append "%XX" escapes of s to b (RFC 3986 unreserved characters, and those of keep, as
 * they are). */
static enum cxg_err put_escaped(struct cxg_buf *b, const char *s, const char *keep)
{
        enum cxg_err rc = CXG_OK;

        for (; *s && !rc; s++) {
                unsigned char ch = (unsigned char)*s;

                if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || strchr("-._~", ch) || strchr(keep, ch))
                        rc = cxg_buf_putc(b, (char)ch);
                else
                        rc = cxg_buf_printf(b, "%%%02X", ch);
        }
        return rc;
}

struct query {
        struct cxg_buf *b;
        enum cxg_err rc;
};

static enum MHD_Result put_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
        struct query *q = cls;

        (void)kind;
        if (!q->rc)
                q->rc = cxg_buf_putc(q->b, q->b->len ? '&' : '?');
        if (!q->rc)
                q->rc = put_escaped(q->b, key, "");
        if (!q->rc && value && !(q->rc = cxg_buf_putc(q->b, '=')))
                q->rc = put_escaped(q->b, value, "");
        return q->rc ? MHD_NO : MHD_YES;
}

/* The request target: the path and the query string rebuilt from the arguments. */
static enum cxg_err target_of(struct api_req *r, struct cxg_buf *out)
{
        struct cxg_buf q;
        struct query qq = {&q, CXG_OK};
        enum cxg_err rc;

        cxg_buf_init(&q, 0);
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, put_arg, &qq);
        rc = qq.rc;
        if (!rc)
                rc = put_escaped(out, r->path, "/"); /* the path came decoded */
        if (!rc && q.data)
                rc = cxg_buf_puts(out, q.data);
        cxg_buf_release(&q);
        return rc;
}

/* The headers passed on: credentials as they came, and the loop guard. */
static enum cxg_err headers_of(struct api_req *r, const char *node, struct cxg_buf *out)
{
        const char *names[] = {"Authorization", "Cookie", "Accept"};
        enum cxg_err rc = cxg_buf_printf(out, "%s: %s\r\n", FORWARD_HEADER, node);

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !rc; i++) {
                const char *v = api_header(r, names[i]);

                if (v && !strpbrk(v, "\r\n"))
                        rc = cxg_buf_printf(out, "%s: %s\r\n", names[i], v);
        }
        return rc;
}

/* The value of header name in the answer's head (lines after the status line), or NULL. */
static const char *head_value(const char *head, const char *name)
{
        size_t n = strlen(name);

        for (const char *l = strstr(head, "\r\n"); l; l = strstr(l + 2, "\r\n"))
                if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':')
                        return l + 3 + n;
        return NULL;
}

/* Pass the owner's answer (status line, headers, body in a) on as r's reply: 0, or -1. */
static int pass_through(struct api_req *r, struct cxg_buf *a)
{
        char *body = a->data ? strstr(a->data, "\r\n\r\n") : NULL;
        unsigned status = 0;
        const char *ra;

        if (!body || sscanf(a->data, "HTTP/%*d.%*d %u", &status) != 1 || status < 100 ||
            status > 599)
                return -1;
        *body = '\0';
        if (head_value(a->data, "Transfer-Encoding"))
                return -1; /* not sent by our server for buffered replies */
        if ((ra = head_value(a->data, "Retry-After")))
                r->retry_after = strtol(ra, NULL, 10);
        body += 4;
        cxg_free(r->reply);
        r->reply_len = a->len - (size_t)(body - a->data);
        if (!(r->reply = cxg_malloc(r->reply_len + 1)))
                return -1;
        memcpy(r->reply, body, r->reply_len);
        r->reply[r->reply_len] = '\0';
        r->reply_type = NULL; /* the forwarded views answer JSON */
        r->status = status;
        return 0;
}

/* 1 when r's route is one of the forwarded ones. */
static int is_forwarded(const struct api_req *r)
{
        for (size_t i = 0; r->route && forwarded[i]; i++)
                if (strcmp(r->route->pattern, forwarded[i]) == 0 &&
                    strcmp(r->route->method, "GET") == 0)
                        return 1;
        return 0;
}

/* Send r to the node at url and pass its answer on: 0, or -1 with why in err. */
static int forward_to(struct api_req *r, const char *node, const char *url, struct cxg_error *err)
{
        struct cxg_buf target, headers, answer;
        int ok = -1;

        cxg_buf_init(&target, 0);
        cxg_buf_init(&headers, 0);
        cxg_buf_init(&answer, 0);
        if (target_of(r, &target) || headers_of(r, node, &headers)) {
                cxg_error_set(err, CXG_ERR_NOMEM, "out of memory");
                goto done;
        }
        if (api_http_exchange(url, r->method, target.data, headers.data, r->body.data, r->body.len,
                              FORWARD_TIMEOUT_MS, FORWARD_MAX_REPLY, &answer, err))
                goto done;
        if (pass_through(r, &answer)) {
                cxg_error_set(err, CXG_ERR_IO, "%s: not an HTTP answer this node can pass on", url);
                goto done;
        }
        ok = 0;
done:
        cxg_buf_release(&target);
        cxg_buf_release(&headers);
        cxg_buf_release(&answer);
        return ok;
}

/* 503 with Retry-After: the account's raw views cannot be served now, and why. */
static void retry_later(struct api_req *r, const char *why, uint32_t shard)
{
        r->retry_after = FORWARD_RETRY_AFTER_S;
        api_reply_error(r, 503, "unavailable", NULL,
                        "account \"%s\" (shard %" PRIu32 "): %s; retry shortly", r->params[0],
                        shard, why);
}

int api_cluster_forward(struct api_req *r)
{
        struct app_cluster *c = api_cluster_get();
        struct app_cluster_status s;
        struct cxg_error err = {0};
        char url[STORE_NODE_URL_MAX];
        struct store *st;
        uint32_t shard;

        if (!c || !is_forwarded(r) || api_header(r, FORWARD_HEADER))
                return 0; /* single node, a local view, or already forwarded once */
        shard = cxg_shard_of(r->params[0], c->cfg.n_shards);
        app_cluster_status_get(c, &s);
        if (cxg_shardset_has(&s.owned, shard))
                return 0;
        if (cxg_shardset_has(&s.want, shard)) { /* leased to this node, not loaded yet */
                retry_later(r, "this node is still loading", shard);
                return 1;
        }
        if (!(st = api_store(r)))
                return 1;
        atomic_fetch_add(&forwards, 1);
        if (app_cluster_owner_url(st, shard, api_now(), url, sizeof(url), &err) ||
            forward_to(r, c->cfg.node, url, &err)) {
                atomic_fetch_add(&forward_failures, 1);
                cxg_log(CXG_LOG_WARN, "cluster: %s %s: shard %" PRIu32 "'s owner: %s", r->method,
                        r->path, shard, err.msg);
                retry_later(r, "the node holding it is not reachable", shard);
        }
        return 1;
}
