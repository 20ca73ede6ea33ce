/*
 * test_oom_api.c: out of memory while the server handles a request. A real server runs in
 * this process (one worker thread, port chosen by the system); for each request kind (a batch
 * POST of interactions, an entity read, a person's export, a list), the k-th allocation of the
 * request fails, for k = 1, 2, ... until the request succeeds (also with only that one
 * allocation failing): every answer is a complete HTTP response, 2xx or 5xx (never a crash, a
 * dropped connection or a 4xx blaming the client), a failed batch writes nothing, and the
 * sanitizer build finds no leak. The allocation counter is global: only the worker allocates
 * while the test waits for its answer.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "api/api.h"
#include "core/alloc.h"

#define DB "to_api.db"
#define MAX_K 3000

static char token[256];
static char last[2048]; /* the last response, for failure messages */
static int port;

static void sh(const char *cmd, char *out, size_t cap)
{
        FILE *p = popen(cmd, "r");
        size_t n;

        assert_non_null(p);
        n = out ? fread(out, 1, cap - 1, p) : 0;
        if (out) {
                out[n] = '\0';
                while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
                        out[--n] = '\0';
        }
        assert_int_equal(pclose(p), 0);
}

/* One HTTP/1.0 request; the status, or 0 when the connection closed without a response. */
static int http(const char *method, const char *path, const char *body)
{
        struct sockaddr_in a = {0};
        struct timeval tv = {5, 0};
        char req[4096], resp[2048];
        int fd = socket(AF_INET, SOCK_STREAM, 0), st = 0;
        ssize_t n, got = 0;

        assert_true(fd >= 0);
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
        /* a request left without an answer is a failure, not a hang */
        assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
        n = snprintf(req, sizeof(req),
                     "%s %s HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, token, body ? strlen(body) : 0, body ? body : "");
        assert_int_equal(write(fd, req, (size_t)n), n);
        while (got < (ssize_t)sizeof(resp) - 1 &&
               (n = read(fd, resp + got, sizeof(resp) - 1 - (size_t)got)) > 0)
                got += n;
        resp[got] = '\0';
        snprintf(last, sizeof(last), "%s", resp);
        /* drain the rest so the server is done with the request before we go on */
        while (read(fd, req, sizeof(req)) > 0)
                ;
        close(fd);
        if (sscanf(resp, "HTTP/1.%*d %d", &st) != 1)
                return 0;
        return st;
}

static long long count(const char *sql)
{
        sqlite3 *db;
        sqlite3_stmt *s;
        long long v = -1;

        assert_int_equal(sqlite3_open_v2(DB, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
        if (sqlite3_step(s) == SQLITE_ROW)
                v = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
        sqlite3_close(db);
        return v;
}

struct req {
        const char *method, *path, *body;
        int write; /* rows are written on success: count them */
};

static void oom_requests(int once)
{
        static const struct req reqs[] = {
            {"POST", "/api/v1/interactions",
             "[{\"person_id\":\"P1\",\"ts\":\"2024-03-01\",\"type\":\"login\",\"note\":\"x\"},"
             "{\"person_id\":\"P2\",\"ts\":1700000000,\"type\":\"like\",\"channel\":\"app\"},"
             "{\"person_id\":\"P9\",\"ts\":1700000000,\"type\":\"like\"}]",
             1},
            {"GET", "/api/v1/accounts/A1", NULL, 0},
            {"GET", "/api/v1/people?limit=10", NULL, 0},
            {"GET", "/api/v1/people/P1/export", NULL, 0},
            {"GET", "/api/v1/accounts/A1/scores", NULL, 0},
        };

        for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
                const struct req *q = &reqs[i];
                unsigned long k, total = MAX_K;
                int st = 0;

                if (once) {
                        cxg_alloc_fail_once(ULONG_MAX);
                        st = http(q->method, q->path, q->body);
                        total = cxg_alloc_count();
                        cxg_alloc_fail_at(0);
                        assert_int_equal(st / 100, 2);
                }
                for (k = 1; k <= total && k < MAX_K; k++) {
                        long long before =
                            q->write ? count("SELECT count(*) FROM interactions") : 0;

                        if (once)
                                cxg_alloc_fail_once(k);
                        else
                                cxg_alloc_fail_at(k);
                        st = http(q->method, q->path, q->body);
                        cxg_alloc_fail_at(0);
                        if (st / 100 != 2 && st != 500 && st != 503)
                                fail_msg("%s %s with allocation %lu failing%s: status %d",
                                         q->method, q->path, k, once ? " (alone)" : "", st);
                        if (q->write) {
                                long long after = count("SELECT count(*) FROM interactions");

                                /* 2 of the 3 rows are valid: all of them, or nothing */
                                if (after != before + (st / 100 == 2 ? 2 : 0))
                                        fail_msg("%s %s, allocation %lu: %lld rows -> %lld with "
                                                 "status %d",
                                                 q->method, q->path, k, before, after, st);
                        }
                        if (!once && st / 100 == 2)
                                break;
                }
                print_message("%s %s: %lu failure points%s\n", q->method, q->path, k - 1,
                              once ? " (one at a time)" : "");
                assert_int_equal(http(q->method, q->path, q->body) / 100, 2);
        }
}

static int setup(void **state)
{
        char cmd[1024];
        const char *bin = getenv("CXG_BINARY");
        FILE *f;

        (void)state;
        if (!bin)
                return -1;
        unlink(DB);
        unlink(DB "-wal");
        unlink(DB "-shm");
        unlink(DB ".key");
        f = fopen("to_api_a.csv", "w");
        fputs("id,name\nA1,Acme\n", f);
        fclose(f);
        f = fopen("to_api_p.csv", "w");
        fputs("id,account_id,email\nP1,A1,p1@example.com\nP2,A1,p2@example.com\n", f);
        fclose(f);
        snprintf(cmd, sizeof(cmd),
                 "'%s' --db " DB " import accounts to_api_a.csv 2>/dev/null && '%s' --db " DB
                 " import people to_api_p.csv 2>/dev/null && printf '[auth]\\npwhash = "
                 "fast-insecure-for-tests\\n' > to_api.ini && '%s' --db " DB
                 " --config to_api.ini user add admin --role admin >/dev/null 2>&1",
                 bin, bin, bin);
        sh(cmd, NULL, 0);
        snprintf(cmd, sizeof(cmd),
                 "'%s' --db " DB " token create --user admin --scope read-write 2>/dev/null", bin);
        sh(cmd, token, sizeof(token));
        return token[0] ? 0 : -1;
}

static void test_requests_out_of_memory_answer_5xx_or_succeed(void **state)
{
        struct api_config cfg;
        struct api_server *srv = NULL;
        struct cxg_error err;

        (void)state;
        api_config_defaults(&cfg);
        snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", DB);
        cfg.port = 0;
        cfg.threads = 1;
        cfg.access_log = 0;
        cfg.pwhash_fast = 1;
        assert_int_equal(api_server_start(&cfg, &srv, &err), CXG_OK);
        port = api_server_port(srv);
        oom_requests(0);
        oom_requests(1);
        api_server_stop(srv);
        unlink(DB);
        unlink(DB "-wal");
        unlink(DB "-shm");
        unlink(DB ".key");
        unlink("to_api.ini");
        unlink("to_api_a.csv");
        unlink("to_api_p.csv");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup(test_requests_out_of_memory_answer_5xx_or_succeed, setup),
        };

        json_set_alloc_funcs(cxg_malloc, cxg_free);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
