/*
 * test_api_webhook.c: webhook signatures (RFC 4231 vector), backoff, and real deliveries to a
 * small HTTP receiver on 127.0.0.1 that checks the signature: a failure is retried later, a
 * success is recorded, the background worker delivers without the caller waiting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api/webhook.h"
#include "store/store.h"
#include "store/store_alerts.h"
#include "testdb.h"

#define T0 INT64_C(1790000000)
#define SECRET "whsec-0123456789abcdef-test"

/* ---- a tiny receiver: answers each request with the next status of a script ---- */

struct receiver {
        int fd, port;
        pthread_t thread;
        int statuses[8], nstatus;
        int requests;
        int good_signatures;
        char last_event[64], last_delivery[32];
        char last_body[8192];
        pthread_mutex_t lock;
};

/* Case-insensitive search (strcasestr is a GNU extension). */
static const char *find_ci(const char *h, const char *n)
{
        size_t nl = strlen(n);

        for (; *h; h++)
                if (strncasecmp(h, n, nl) == 0)
                        return h;
        return NULL;
}

static const char *header(const char *req, const char *name, char *out, size_t cap)
{
        const char *p = find_ci(req, name);
        size_t n = 0;

        out[0] = '\0';
        if (!p)
                return NULL;
        p += strlen(name);
        while (*p == ' ' || *p == ':')
                p++;
        while (p[n] && p[n] != '\r' && n + 1 < cap)
                n++;
        memcpy(out, p, n);
        out[n] = '\0';
        return out;
}

static void *serve(void *arg)
{
        struct receiver *r = arg;

        for (;;) {
                char buf[16384], sig[128], len[32], expect[API_WEBHOOK_SIG_LEN], reply[128];
                size_t got = 0;
                const char *body;
                int c = accept(r->fd, NULL, NULL), status;

                if (c < 0)
                        return NULL;
                /* read headers, then Content-Length bytes */
                for (;;) {
                        ssize_t n = recv(c, buf + got, sizeof(buf) - 1 - got, 0);

                        if (n <= 0)
                                break;
                        got += (size_t)n;
                        buf[got] = '\0';
                        body = strstr(buf, "\r\n\r\n");
                        if (body && header(buf, "Content-Length", len, sizeof(len)) &&
                            (size_t)(body + 4 - buf) + (size_t)atoi(len) <= got)
                                break;
                }
                body = strstr(buf, "\r\n\r\n");
                pthread_mutex_lock(&r->lock);
                status = r->requests < r->nstatus ? r->statuses[r->requests] : 204;
                r->requests++;
                if (body) {
                        body += 4;
                        api_webhook_sign(SECRET, body, strlen(body), expect);
                        if (header(buf, "X-Cxgarden-Signature", sig, sizeof(sig)) &&
                            strcmp(sig, expect) == 0)
                                r->good_signatures++;
                        header(buf, "X-Cxgarden-Event", r->last_event, sizeof(r->last_event));
                        header(buf, "X-Cxgarden-Delivery", r->last_delivery,
                               sizeof(r->last_delivery));
                        snprintf(r->last_body, sizeof(r->last_body), "%s", body);
                }
                pthread_mutex_unlock(&r->lock);
                snprintf(reply, sizeof(reply), "HTTP/1.1 %d X\r\nContent-Length: 0\r\n\r\n",
                         status);
                send(c, reply, strlen(reply), MSG_NOSIGNAL);
                close(c);
        }
}

static void receiver_start(struct receiver *r)
{
        struct sockaddr_in a;
        socklen_t al = sizeof(a);
        int one = 1;

        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        r->fd = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        assert_int_equal(bind(r->fd, (struct sockaddr *)&a, sizeof(a)), 0);
        assert_int_equal(listen(r->fd, 16), 0);
        getsockname(r->fd, (struct sockaddr *)&a, &al);
        r->port = ntohs(a.sin_port);
        pthread_mutex_init(&r->lock, NULL);
        pthread_create(&r->thread, NULL, serve, r);
}

static void receiver_stop(struct receiver *r)
{
        shutdown(r->fd, SHUT_RDWR);
        close(r->fd);
        pthread_join(r->thread, NULL);
        pthread_mutex_destroy(&r->lock);
}

/* ---- store fixture ---- */

static struct store *open_db(char *path, size_t cap)
{
        struct store *s = NULL;
        struct cxg_error e;

        assert_int_equal(testdb_path(path, cap, "webhook"), 0);
        unlink(path);
        if (store_open(path, 0, &s, &e))
                fail_msg("open: %s", e.msg);
        return s;
}

static void remove_db(const char *path)
{
        char p[TESTDB_PATH_MAX + 16];

        unlink(path);
        snprintf(p, sizeof(p), "%s-wal", path);
        unlink(p);
        snprintf(p, sizeof(p), "%s-shm", path);
        unlink(p);
}

static int64_t add_alert(struct store *s, const char *key)
{
        struct store_alert a;
        struct cxg_error e;
        int64_t id;
        int how;

        memset(&a, 0, sizeof(a));
        a.kind = "experience_degradation";
        a.severity = "critical";
        a.subject_type = "interaction_type";
        a.subject = "like";
        a.dedup_key = key;
        a.summary = "\"like\" p95 10000 ms";
        a.evidence = "{\"p95_ms\":10000}";
        a.first_seen = T0;
        a.last_seen = T0;
        if (store_alert_record(s, &a, T0, 0, &id, &how, &e))
                fail_msg("record: %s", e.msg);
        return id;
}

struct dstat {
        char status[8][16];
        int attempt[8];
        int64_t next[8];
        int n;
};

static enum cxg_err collect(void *ctx, const struct store_delivery *d)
{
        struct dstat *s = ctx;

        if (s->n < 8) {
                snprintf(s->status[s->n], 16, "%s", d->status);
                s->attempt[s->n] = d->attempt;
                s->next[s->n] = d->next_at;
        }
        s->n++;
        return CXG_OK;
}

/* ---- tests ---- */

static void test_signature_rfc4231_vector(void **state)
{
        char sig[API_WEBHOOK_SIG_LEN];
        const char *data = "what do ya want for nothing?";

        (void)state;
        /* RFC 4231, test case 2: key "Jefe" */
        api_webhook_sign("Jefe", data, strlen(data), sig);
        assert_string_equal(
            sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_backoff_doubles_and_caps(void **state)
{
        struct api_webhook_opts o;

        (void)state;
        api_webhook_opts_init(&o);
        assert_int_equal(api_webhook_backoff(&o, 1), 30);
        assert_int_equal(api_webhook_backoff(&o, 2), 60);
        assert_int_equal(api_webhook_backoff(&o, 5), 480);
        assert_int_equal(api_webhook_backoff(&o, 30), 6 * 3600);
}

static void test_delivery_retried_then_delivered_with_valid_signature(void **state)
{
        struct receiver r;
        struct store_webhook w = {0};
        struct api_webhook_opts o;
        struct cxg_error e;
        struct dstat d;
        char path[TESTDB_PATH_MAX], url[64], want_id[32];
        struct store *s = open_db(path, sizeof(path));
        int64_t wid, aid;
        size_t sent, failed;

        (void)state;
        memset(&r, 0, sizeof(r));
        r.statuses[0] = 500; /* the receiver is down once */
        r.nstatus = 1;
        receiver_start(&r);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/hooks/cx", r.port);
        w.url = url;
        w.secret = SECRET;
        assert_int_equal(store_webhook_add(s, &w, T0, &wid, &e), CXG_OK);
        aid = add_alert(s, "experience_degradation:like");
        api_webhook_opts_init(&o);
        o.timeout_ms = 2000;

        assert_int_equal(api_webhook_deliver_due(s, T0, &o, &sent, &failed, &e), CXG_OK);
        assert_int_equal(sent, 0);
        assert_int_equal(failed, 1);
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_list(s, wid, 10, collect, &d, &e), CXG_OK);
        assert_string_equal(d.status[0], "pending");
        assert_int_equal(d.attempt[0], 1);
        assert_int_equal(d.next[0], T0 + 30); /* first retry after 30 s */
        /* not due yet: nothing sent */
        assert_int_equal(api_webhook_deliver_due(s, T0 + 29, &o, &sent, &failed, &e), CXG_OK);
        assert_int_equal(sent + failed, 0);
        assert_int_equal(api_webhook_deliver_due(s, T0 + 30, &o, &sent, &failed, &e), CXG_OK);
        assert_int_equal(sent, 1);
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_list(s, wid, 10, collect, &d, &e), CXG_OK);
        assert_string_equal(d.status[0], "delivered");
        assert_int_equal(d.attempt[0], 2);

        pthread_mutex_lock(&r.lock);
        assert_int_equal(r.requests, 2);
        assert_int_equal(r.good_signatures, 2);
        assert_string_equal(r.last_event, "alert.created");
        assert_non_null(strstr(r.last_body, "\"kind\":\"experience_degradation\""));
        snprintf(want_id, sizeof(want_id), "\"id\":%lld", (long long)aid);
        assert_non_null(strstr(r.last_body, want_id));
        pthread_mutex_unlock(&r.lock);
        receiver_stop(&r);
        store_close(s);
        remove_db(path);
}

static void test_unreachable_gives_up_after_max_attempts(void **state)
{
        struct store_webhook w = {0};
        struct api_webhook_opts o;
        struct cxg_error e;
        struct dstat d;
        char path[TESTDB_PATH_MAX];
        struct store *s = open_db(path, sizeof(path));
        int64_t wid, now = T0;
        size_t sent, failed;
        int sock, port;
        struct sockaddr_in a;
        socklen_t al = sizeof(a);
        char url[64];

        (void)state;
        /* a port that was just free: connection refused */
        memset(&a, 0, sizeof(a));
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sock = socket(AF_INET, SOCK_STREAM, 0);
        assert_int_equal(bind(sock, (struct sockaddr *)&a, sizeof(a)), 0);
        getsockname(sock, (struct sockaddr *)&a, &al);
        port = ntohs(a.sin_port);
        close(sock);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
        w.url = url;
        w.secret = SECRET;
        assert_int_equal(store_webhook_add(s, &w, T0, &wid, &e), CXG_OK);
        add_alert(s, "experience_degradation:like");
        api_webhook_opts_init(&o);
        o.max_attempts = 3;
        o.timeout_ms = 1000;
        for (int k = 0; k < 3; k++) {
                assert_int_equal(api_webhook_deliver_due(s, now, &o, &sent, &failed, &e), CXG_OK);
                assert_int_equal(failed, 1);
                now += 24 * 3600;
        }
        memset(&d, 0, sizeof(d));
        assert_int_equal(store_deliveries_list(s, wid, 10, collect, &d, &e), CXG_OK);
        assert_string_equal(d.status[0], "failed");
        assert_int_equal(d.attempt[0], 3);
        assert_int_equal(api_webhook_deliver_due(s, now, &o, &sent, &failed, &e), CXG_OK);
        assert_int_equal(sent + failed, 0);
        store_close(s);
        remove_db(path);
}

static void test_https_is_refused_clearly(void **state)
{
        struct cxg_error e;
        int status;

        (void)state;
        cxg_error_clear(&e);
        assert_int_equal(api_webhook_post("https://example.com/x", SECRET, "alert.test", 1, "{}",
                                          1000, &status, &e),
                         CXG_ERR_INVALID);
        assert_non_null(strstr(e.msg, "https is not supported"));
}

static void test_worker_delivers_in_the_background(void **state)
{
        struct receiver r;
        struct store_webhook w = {0};
        struct api_webhook_worker *wk = NULL;
        struct cxg_error e;
        char path[TESTDB_PATH_MAX], url[64];
        struct store *s = open_db(path, sizeof(path));
        int done = 0;

        (void)state;
        memset(&r, 0, sizeof(r));
        receiver_start(&r);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
        w.url = url;
        w.secret = SECRET;
        assert_int_equal(store_webhook_add(s, &w, T0, NULL, &e), CXG_OK);
        assert_int_equal(api_webhook_worker_start(path, NULL, 0.1, &wk, &e), CXG_OK);
        add_alert(s, "experience_degradation:like"); /* the recorder never waits */
        api_webhook_worker_wake(wk);
        for (int k = 0; k < 100 && !done; k++) {
                struct timespec ts = {0, 50 * 1000 * 1000};

                nanosleep(&ts, NULL);
                pthread_mutex_lock(&r.lock);
                done = r.requests > 0;
                pthread_mutex_unlock(&r.lock);
        }
        api_webhook_worker_stop(wk);
        assert_true(done);
        assert_int_equal(r.good_signatures, 1);
        receiver_stop(&r);
        store_close(s);
        remove_db(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_signature_rfc4231_vector),
            cmocka_unit_test(test_backoff_doubles_and_caps),
            cmocka_unit_test(test_delivery_retried_then_delivered_with_valid_signature),
            cmocka_unit_test(test_unreachable_gives_up_after_max_attempts),
            cmocka_unit_test(test_https_is_refused_clearly),
            cmocka_unit_test(test_worker_delivers_in_the_background),
        };
        if (sodium_init() < 0)
                return 1;
        return cmocka_run_group_tests(tests, NULL, NULL);
}
