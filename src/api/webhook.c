/*
 * webhook.c: signed HTTP POSTs of queued alert deliveries, with retries and exponential
 * backoff, in one-shot passes or on a background worker thread. A minimal HTTP/1.1 client
 * over a socket (http:// only): connect, send, read the status line, close; the cluster's
 * forwarding (routes_cluster.c) reads whole answers through the same client.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "api/webhook.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/buf.h"
#include "core/log.h"
#include "store/store_alerts.h"
#include "store/store_nodes.h"

/* Deliveries claimed at a time, and the seconds a claim outlives their worst-case sending. */
#define CLAIM_CHUNK 8
#define CLAIM_SLACK_S 30

void api_webhook_opts_init(struct api_webhook_opts *o)
{
        o->timeout_ms = 5000;
        o->max_attempts = 8;
        o->backoff_s = 30;
        o->backoff_max_s = 6 * 3600;
        o->batch = 100;
}

void api_webhook_sign(const char *secret, const char *body, size_t n, char out[API_WEBHOOK_SIG_LEN])
{
        crypto_auth_hmacsha256_state st;
        unsigned char mac[crypto_auth_hmacsha256_BYTES];

        crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, n);
        crypto_auth_hmacsha256_final(&st, mac);
        memcpy(out, "sha256=", 7);
        sodium_bin2hex(out + 7, API_WEBHOOK_SIG_LEN - 7, mac, sizeof(mac));
        sodium_memzero(&st, sizeof(st));
}

int64_t api_webhook_backoff(const struct api_webhook_opts *o, int attempt)
{
        int64_t d = o->backoff_s > 0 ? o->backoff_s : 1;

        for (int k = 1; k < attempt && d < o->backoff_max_s; k++)
                d *= 2;
        return d > o->backoff_max_s ? o->backoff_max_s : d;
}

static double mono_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Split http://host[:port]/path. */
static enum cxg_err parse_url(const char *url, char *host, size_t hcap, char *port, size_t pcap,
                              const char **path, struct cxg_error *err)
{
        const char *p, *h, *slash, *colon;
        size_t hl;

        if (strncmp(url, "https://", 8) == 0)
                return cxg_error_set(err, CXG_ERR_INVALID,
                                     "webhook %s: https is not supported by the built-in client "
                                     "(use an http:// relay, see docs/scoring.md)",
                                     url);
        if (strncmp(url, "http://", 7) != 0)
                return cxg_error_set(err, CXG_ERR_INVALID, "webhook %s: not an http:// URL", url);
        h = url + 7;
        slash = strchr(h, '/');
        *path = slash ? slash : "/";
        p = slash ? slash : h + strlen(h);
        if (*h == '[') { /* [v6]:port */
                const char *end = memchr(h, ']', (size_t)(p - h));

                if (!end)
                        return cxg_error_set(err, CXG_ERR_INVALID, "webhook %s: bad host", url);
                hl = (size_t)(end - h - 1);
                if (hl + 1 > hcap)
                        return cxg_error_set(err, CXG_ERR_INVALID, "webhook %s: host too long",
                                             url);
                memcpy(host, h + 1, hl);
                host[hl] = '\0';
                colon = end + 1 < p && end[1] == ':' ? end + 1 : NULL;
        } else {
                colon = memchr(h, ':', (size_t)(p - h));
                hl = (size_t)((colon ? colon : p) - h);
                if (!hl || hl + 1 > hcap)
                        return cxg_error_set(err, CXG_ERR_INVALID, "webhook %s: bad host", url);
                memcpy(host, h, hl);
                host[hl] = '\0';
        }
        if (colon) {
                size_t pl = (size_t)(p - colon - 1);

                if (!pl || pl + 1 > pcap)
                        return cxg_error_set(err, CXG_ERR_INVALID, "webhook %s: bad port", url);
                memcpy(port, colon + 1, pl);
                port[pl] = '\0';
        } else {
                snprintf(port, pcap, "80");
        }
        return CXG_OK;
}

/* Wait for fd to be ready for events until deadline; 0 ready, -1 timed out or failed. */
static int wait_fd(int fd, short events, double deadline)
{
        for (;;) {
                struct pollfd pf = {fd, events, 0};
                double left = deadline - mono_ms();
                int r;

                if (left <= 0)
                        return -1;
                r = poll(&pf, 1, (int)left + 1);
                if (r > 0)
                        return 0;
                if (r == 0)
                        return -1;
                if (errno != EINTR)
                        return -1;
        }
}

static int connect_to(const char *host, const char *port, double deadline, char *why, size_t wcap)
{
        struct addrinfo hints, *res = NULL, *ai;
        int fd = -1, r;

        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        r = getaddrinfo(host, port, &hints, &res);
        if (r) {
                snprintf(why, wcap, "cannot resolve %s: %s", host, gai_strerror(r));
                return -1;
        }
        snprintf(why, wcap, "cannot connect to %s:%s", host, port);
        for (ai = res; ai; ai = ai->ai_next) {
                int soerr = 0;
                socklen_t sl = sizeof(soerr);

                fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
                if (fd < 0)
                        continue;
                fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                r = connect(fd, ai->ai_addr, ai->ai_addrlen);
                if (r < 0 && errno == EINPROGRESS) {
                        if (wait_fd(fd, POLLOUT, deadline)) {
                                snprintf(why, wcap, "timed out connecting to %s:%s", host, port);
                                close(fd);
                                fd = -1;
                                continue;
                        }
                        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
                        r = soerr ? -1 : 0;
                        errno = soerr;
                }
                if (r == 0)
                        break;
                snprintf(why, wcap, "%s:%s: %s", host, port, strerror(errno));
                close(fd);
                fd = -1;
        }
        freeaddrinfo(res);
        return fd;
}

/* Send data[0..len) on fd before deadline; an error names host:port. */
static enum cxg_err send_all(int fd, const char *data, size_t len, double deadline,
                             const char *host, const char *port, struct cxg_error *err)
{
        size_t off = 0;

        while (off < len) {
                ssize_t w = send(fd, data + off, len - off, MSG_NOSIGNAL);

                if (w > 0) {
                        off += (size_t)w;
                        continue;
                }
                if (w < 0 && (errno == EAGAIN || errno == EINTR) && !wait_fd(fd, POLLOUT, deadline))
                        continue;
                return cxg_error_set(err, CXG_ERR_IO, "%s:%s: %s", host, port,
                                     w < 0 && errno != EAGAIN ? strerror(errno) : "send timed out");
        }
        return CXG_OK;
}

enum cxg_err api_http_exchange(const char *base, const char *method, const char *target,
                               const char *headers, const void *body, size_t blen, int timeout_ms,
                               size_t max, struct cxg_buf *out, struct cxg_error *err)
{
        char host[256], port[16], why[320];
        const char *path = "/";
        struct cxg_buf req;
        double deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
        enum cxg_err rc;
        int fd = -1;

        if ((rc = parse_url(base, host, sizeof(host), port, sizeof(port), &path, err)))
                return rc;
        cxg_buf_init(&req, 0);
        if (cxg_buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n%s\r\n",
                           method, target, host, port, headers) ||
            (blen && cxg_buf_append(&req, body, blen))) {
                rc = cxg_error_set(err, CXG_ERR_NOMEM, "%s: out of memory", base);
                goto done;
        }
        if ((fd = connect_to(host, port, deadline, why, sizeof(why))) < 0) {
                rc = cxg_error_set(err, CXG_ERR_IO, "%s", why);
                goto done;
        }
        if ((rc = send_all(fd, req.data, req.len, deadline, host, port, err)))
                goto done;
        for (;;) {
                char chunk[16384];
                ssize_t r;

                if (wait_fd(fd, POLLIN, deadline)) {
                        rc =
                            cxg_error_set(err, CXG_ERR_IO, "%s:%s: no complete answer within %d ms",
                                          host, port, timeout_ms);
                        goto done;
                }
                r = recv(fd, chunk, sizeof(chunk), 0);
                if (r == 0)
                        break;
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                if (r < 0) {
                        rc = cxg_error_set(err, CXG_ERR_IO, "%s:%s: %s", host, port,
                                           strerror(errno));
                        goto done;
                }
                if (out->len + (size_t)r > max) {
                        rc = cxg_error_set(err, CXG_ERR_LIMIT,
                                           "%s:%s: answer larger than %zu bytes", host, port, max);
                        goto done;
                }
                if ((rc = cxg_buf_append(out, chunk, (size_t)r))) {
                        rc = cxg_error_set(err, rc, "%s:%s: out of memory", host, port);
                        goto done;
                }
        }
done:
        if (fd >= 0)
                close(fd);
        cxg_buf_release(&req);
        return rc;
}

enum cxg_err api_webhook_post(const char *url, const char *secret, const char *event,
                              int64_t delivery_id, const char *body, int timeout_ms,
                              int *http_status, struct cxg_error *err)
{
        char host[256], port[16], sig[API_WEBHOOK_SIG_LEN], why[320], resp[512];
        const char *path = "/";
        struct cxg_buf req;
        double deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
        size_t got = 0, blen = strlen(body);
        enum cxg_err rc;
        int fd = -1, code = 0;

        *http_status = 0;
        if ((rc = parse_url(url, host, sizeof(host), port, sizeof(port), &path, err)))
                return rc;
        api_webhook_sign(secret, body, blen, sig);
        cxg_buf_init(&req, 0);
        rc = cxg_buf_printf(&req,
                            "POST %s HTTP/1.1\r\nHost: %s%s%s\r\nUser-Agent: cxgarden-webhook/1\r\n"
                            "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                            "X-Cxgarden-Event: %s\r\nX-Cxgarden-Delivery: %lld\r\n"
                            "X-Cxgarden-Signature: %s\r\nConnection: close\r\n\r\n",
                            path, host, strcmp(port, "80") ? ":" : "",
                            strcmp(port, "80") ? port : "", blen, event, (long long)delivery_id,
                            sig);
        if (!rc)
                rc = cxg_buf_append(&req, body, blen);
        if (rc) {
                cxg_buf_release(&req);
                return cxg_error_set(err, rc, "webhook %s: out of memory", url);
        }
        fd = connect_to(host, port, deadline, why, sizeof(why));
        if (fd < 0) {
                rc = cxg_error_set(err, CXG_ERR_IO, "%s", why);
                goto done;
        }
        if ((rc = send_all(fd, req.data, req.len, deadline, host, port, err)))
                goto done;
        /* the status line is enough: "HTTP/1.1 204 No Content" */
        while (got < sizeof(resp) - 1 && !memchr(resp, '\n', got)) {
                ssize_t r;

                if (wait_fd(fd, POLLIN, deadline)) {
                        rc = cxg_error_set(err, CXG_ERR_IO, "%s:%s: no answer within %d ms", host,
                                           port, timeout_ms);
                        goto done;
                }
                r = recv(fd, resp + got, sizeof(resp) - 1 - got, 0);
                if (r > 0) {
                        got += (size_t)r;
                        resp[got] = '\0';
                        continue;
                }
                if (r < 0 && (errno == EINTR || errno == EAGAIN))
                        continue;
                break;
        }
        resp[got] = '\0';
        if (sscanf(resp, "HTTP/%*d.%*d %d", &code) != 1 || code < 100 || code > 999) {
                rc = cxg_error_set(err, CXG_ERR_IO, "%s:%s: not an HTTP answer", host, port);
                goto done;
        }
        *http_status = code;
        if (code < 200 || code > 299)
                rc = cxg_error_set(err, CXG_ERR_IO, "HTTP %d", code);
done:
        if (fd >= 0)
                close(fd);
        cxg_buf_release(&req);
        return rc;
}

/* A due delivery copied out of the store's result row. */
struct due {
        int64_t id;
        int attempt;
        char *url, *secret, *event, *body;
};

struct due_list {
        struct due *v;
        size_t n, cap;
};

static void due_free(struct due_list *l)
{
        for (size_t i = 0; i < l->n; i++) {
                cxg_free(l->v[i].url);
                cxg_free(l->v[i].secret);
                cxg_free(l->v[i].event);
                cxg_free(l->v[i].body);
        }
        cxg_free(l->v);
        memset(l, 0, sizeof(*l));
}

static enum cxg_err take_due(void *ctx, const struct store_delivery *d)
{
        struct due_list *l = ctx;
        struct due *x;

        if (CXG_GROW(l->v, l->n + 1, l->cap, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
        x = &l->v[l->n];
        memset(x, 0, sizeof(*x));
        x->id = d->id;
        x->attempt = d->attempt;
        x->url = cxg_strdup(d->url ? d->url : "");
        x->secret = cxg_strdup(d->secret ? d->secret : "");
        x->event = cxg_strdup(d->event ? d->event : "");
        x->body = cxg_strdup(d->body ? d->body : "{}");
        l->n++;
        if (!x->url || !x->secret || !x->event || !x->body)
                return CXG_ERR_NOMEM;
        return CXG_OK;
}

/* Send one claimed delivery and record the result (ok counts successes, bad failures). */
static enum cxg_err deliver_one(struct store *s, const struct due *d, int64_t now,
                                const struct api_webhook_opts *o, size_t *ok, size_t *bad,
                                struct cxg_error *err)
{
        struct cxg_error perr;
        int status = 0, attempt = d->attempt + 1;
        int64_t next;

        cxg_error_clear(&perr);
        if (!api_webhook_post(d->url, d->secret, d->event, d->id, d->body, o->timeout_ms, &status,
                              &perr)) {
                (*ok)++;
                return store_delivery_result(s, d->id, 1, status, NULL, now, 0, err);
        }
        (*bad)++;
        next = attempt >= o->max_attempts || perr.code == CXG_ERR_INVALID
                   ? CXG_TS_NONE
                   : now + api_webhook_backoff(o, attempt);
        cxg_log(CXG_LOG_WARN, "webhook delivery %lld to %s: attempt %d: %s%s", (long long)d->id,
                d->url, attempt, perr.msg, next == CXG_TS_NONE ? " (giving up)" : "");
        return store_delivery_result(s, d->id, 0, status, perr.msg, now, next, err);
}

enum cxg_err api_webhook_deliver_due(struct store *s, int64_t now, const struct api_webhook_opts *o,
                                     size_t *sent, size_t *failed, struct cxg_error *err)
{
        struct api_webhook_opts def;
        enum cxg_err rc = CXG_OK;
        size_t ok = 0, bad = 0, taken = 0;
        int64_t lease;

        if (!o) {
                api_webhook_opts_init(&def);
                o = &def;
        }
        /* claims of a few at a time, each held long enough to send them all even when every
         * one times out; a node that dies holding some leaves them due again after that */
        lease = (int64_t)CLAIM_CHUNK * ((o->timeout_ms > 0 ? o->timeout_ms : 5000) / 1000 + 1) +
                CLAIM_SLACK_S;
        while (!rc && taken < (size_t)(o->batch > 0 ? o->batch : 1)) {
                struct due_list l = {0};
                size_t n;

                rc = store_deliveries_claim(s, now, now + lease, CLAIM_CHUNK, take_due, &l, err);
                for (size_t i = 0; !rc && i < l.n; i++)
                        rc = deliver_one(s, &l.v[i], now, o, &ok, &bad, err);
                n = l.n;
                taken += n;
                due_free(&l);
                if (n < CLAIM_CHUNK)
                        break;
        }
        if (sent)
                *sent = ok;
        if (failed)
                *failed = bad;
        return rc;
}

/* ---- background worker ---- */

struct api_webhook_worker {
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
        int stop, wake;
        double interval_s;
        struct api_webhook_opts opts;
        struct store *st;
};

static void *worker_main(void *arg)
{
        struct api_webhook_worker *w = arg;

        pthread_mutex_lock(&w->lock);
        while (!w->stop) {
                struct timespec until;
                struct cxg_error err;

                w->wake = 0;
                pthread_mutex_unlock(&w->lock);
                cxg_error_clear(&err);
                if (api_webhook_deliver_due(w->st, (int64_t)time(NULL), &w->opts, NULL, NULL, &err))
                        cxg_log(CXG_LOG_ERROR, "webhooks: %s", err.msg);
                pthread_mutex_lock(&w->lock);
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += (time_t)w->interval_s;
                until.tv_nsec += (long)((w->interval_s - (double)(time_t)w->interval_s) * 1e9);
                if (until.tv_nsec >= 1000000000L) {
                        until.tv_sec++;
                        until.tv_nsec -= 1000000000L;
                }
                while (!w->stop && !w->wake &&
                       pthread_cond_timedwait(&w->cond, &w->lock, &until) == 0)
                        ;
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

enum cxg_err api_webhook_worker_start(const char *db_path, const struct api_webhook_opts *o,
                                      double interval_s, struct api_webhook_worker **out,
                                      struct cxg_error *err)
{
        struct api_webhook_worker *w = cxg_calloc(1, sizeof(*w));
        enum cxg_err rc;

        *out = NULL;
        if (!w)
                return cxg_error_set(err, CXG_ERR_NOMEM, "webhooks: out of memory");
        if (o)
                w->opts = *o;
        else
                api_webhook_opts_init(&w->opts);
        w->interval_s = interval_s > 0.05 ? interval_s : 0.05;
        if ((rc = store_open(db_path, 0, &w->st, err))) {
                cxg_free(w);
                return rc;
        }
        pthread_mutex_init(&w->lock, NULL);
        pthread_cond_init(&w->cond, NULL);
        if (pthread_create(&w->thread, NULL, worker_main, w)) {
                pthread_mutex_destroy(&w->lock);
                pthread_cond_destroy(&w->cond);
                store_close(w->st);
                cxg_free(w);
                return cxg_error_set(err, CXG_ERR_INTERNAL, "webhooks: cannot start a thread");
        }
        *out = w;
        return CXG_OK;
}

void api_webhook_worker_wake(struct api_webhook_worker *w)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->wake = 1;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
}

void api_webhook_worker_stop(struct api_webhook_worker *w)
{
        if (!w)
                return;
        pthread_mutex_lock(&w->lock);
        w->stop = 1;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        store_close(w->st);
        cxg_free(w);
}
