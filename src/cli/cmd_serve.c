/*
 * cmd_serve.c: `cxgarden serve`: the HTTP API and dashboard until SIGINT or SIGTERM.
 * Settings: command line > config file ([server], [auth]) > defaults; environment variables
 * are never read.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "app/cluster.h"
#include "cli/cli.h"
#include "core/config.h"
#include "core/log.h"
#include "core/parse.h"
#include "store/store.h"
#include "core/banned.h"

static void help(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] [--config FILE] serve [--bind ADDR] [--port N]\n"
                "                [--threads N] [--tls-cert FILE --tls-key FILE] [--shards N]\n"
                "                [--list-routes]\n"
                "\n"
                "Serve the JSON API under /api/v1 and the dashboard at / until SIGINT or SIGTERM\n"
                "(requests in flight finish, then the database is closed).\n"
                "\n"
                "  --bind ADDR     address to listen on (default 127.0.0.1)\n"
                "  --port N        TCP port (default 8080; 0 picks a free port, logged)\n"
                "  --threads N     worker threads (default 2)\n"
                "  --tls-cert FILE, --tls-key FILE\n"
                "                  serve HTTPS only, with this PEM certificate (chain) and key;\n"
                "                  the session cookie is then always Secure\n"
                "  --shards N      scale-out: run as one engine node of a cluster over this\n"
                "                  database, the accounts cut into N shards (1 to 1024; the\n"
                "                  same N on every node; a [cluster] section does the same)\n"
                "  --list-routes   print every route as 'METHOD PATH' and exit\n"
                "\n"
                "Settings are taken from the command line first, then from the config file\n"
                "(--config FILE, sections [server] and [auth]), then the defaults:\n"
                "  [server] bind, port, threads, max_body (bytes, 8388608),\n"
                "           max_header_bytes (65536), max_connections (4096),\n"
                "           max_connections_per_ip (2048), timeout (seconds, 30),\n"
                "           shutdown_grace (seconds, 10), access_log (on), tls_cert, tls_key\n"
                "  [auth]   session_ttl (seconds, 28800), login_max_failures (5),\n"
                "           login_window (seconds, 60), max_concurrent_hashes (2),\n"
                "           cookie_secure (false; set true behind TLS),\n"
                "           pwhash (interactive, or fast-insecure-for-tests)\n"
                "Environment variables are not read.\n"
                "\n"
                "  [server] data_dir  directory of the key and snapshot files (needed with a\n"
                "           PostgreSQL --db: no file can sit beside an address)\n"
                "  [cluster] shards (64), node (name; default HOST:PORT), url (advertised to\n"
                "           the other nodes; default http://127.0.0.1:PORT), lease_seconds\n"
                "           (10), tick_seconds (2; lease_seconds must exceed twice it);\n"
                "           see docs/api.md, \"Scale-out\"\n"
                "Secrets: API tokens and session cookies are stored as keyed hashes; the key is\n"
                "the file PATH.key beside an SQLite database, or data_dir/cxgarden.key for a\n"
                "PostgreSQL address (created with mode 0600). The engine's snapshot file is\n"
                "data_dir/engine.snapshot, else PATH.snapshot; a PostgreSQL store without\n"
                "data_dir keeps none and loads the whole store at each start.\n");
}

static int parse_int(const char *opt, const char *v, long lo, long hi, long *out)
{
        int64_t x;

        if (!v || cxg_parse_int64(v, strlen(v), &x, NULL) || x < lo || x > hi) {
                cli_errorf("serve: %s needs a number from %ld to %ld", opt, lo, hi);
                return 0;
        }
        *out = (long)x;
        return 1;
}

/*
 * The database for the log: a path as it is, an address without its password (the
 * "user:password@" part and a password= parameter show "***").
 */
static const char *db_for_log(const char *db, char *out, size_t cap)
{
        char tmp[1100];
        const char *auth, *hostend, *at = NULL, *colon = NULL, *pw, *end;

        if (!store_is_pg_url(db))
                return db;
        auth = strstr(db, "//") + 2;
        hostend = auth + strcspn(auth, "/?#");
        for (const char *p = auth; p < hostend; p++)
                if (*p == '@')
                        at = p;
        for (const char *p = auth; at && p < at && !colon; p++)
                if (*p == ':')
                        colon = p;
        if (colon)
                snprintf(tmp, sizeof(tmp), "%.*s:***%s", (int)(colon - db), db, at);
        else
                snprintf(tmp, sizeof(tmp), "%s", db);
        pw = strstr(tmp, "password=");
        if (pw) {
                pw += strlen("password=");
                end = pw + strcspn(pw, "&#");
                snprintf(out, cap, "%.*s***%s", (int)(pw - tmp), tmp, end);
        } else {
                snprintf(out, cap, "%s", tmp);
        }
        return out;
}

int cli_serve(struct cli *c)
{
        struct api_config cfg;
        struct cxg_config ini;
        struct cxg_error err = {0};
        struct api_server *srv = NULL;
        const char *bind = NULL, *config = c->config_path, *tls_cert = NULL, *tls_key = NULL;
        long port = -1, threads = -1, shards = 0;
        struct app_cluster_cfg cluster;
        int cluster_on = 0;
        sigset_t set;
        int sig = 0, rc = CLI_FAIL;
        char shown[1100];

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i], *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        help(stdout);
                        return CLI_OK;
                } else if (strcmp(a, "--list-routes") == 0) {
                        api_routes_print(stdout);
                        return CLI_OK;
                } else if (strcmp(a, "--bind") == 0 && v) {
                        bind = v;
                        i++;
                } else if (strcmp(a, "--port") == 0) {
                        if (!parse_int(a, v, 0, 65535, &port))
                                return CLI_USAGE;
                        i++;
                } else if (strcmp(a, "--threads") == 0) {
                        if (!parse_int(a, v, 1, 256, &threads))
                                return CLI_USAGE;
                        i++;
                } else if (strcmp(a, "--shards") == 0) {
                        if (!parse_int(a, v, 1, CXG_SHARDS_MAX, &shards))
                                return CLI_USAGE;
                        i++;
                } else if ((strcmp(a, "--tls-cert") == 0 || strcmp(a, "--tls-key") == 0) && v) {
                        if (a[6] == 'c')
                                tls_cert = v;
                        else
                                tls_key = v;
                        i++;
                } else if (strcmp(a, "--db") == 0 && v) {
                        c->db_path = v;
                        i++;
                } else if (strcmp(a, "--config") == 0 && v) {
                        config = v;
                        i++;
                } else {
                        cli_errorf("serve: unknown or incomplete option '%s' (see serve --help)",
                                   a);
                        return CLI_USAGE;
                }
        }
        api_config_defaults(&cfg);
        cxg_config_init(&ini);
        if (config) {
                if (cxg_config_load(&ini, config, &err) || api_config_apply(&cfg, &ini, &err)) {
                        char line[800];

                        cli_errorf("serve: %s", cxg_error_format(&err, line, sizeof(line)));
                        cxg_config_release(&ini);
                        return CLI_USAGE;
                }
        }
        if (app_cluster_config(&ini, shards, &cluster, &cluster_on, &err)) {
                char line[800];

                cli_errorf("serve: %s", cxg_error_format(&err, line, sizeof(line)));
                cxg_config_release(&ini);
                return CLI_USAGE;
        }
        cfg.ini = &ini;
        cfg.shards = shards;
        snprintf(cfg.db_path, sizeof(cfg.db_path), "%s", c->db_path);
        if (bind)
                snprintf(cfg.bind, sizeof(cfg.bind), "%s", bind);
        if (port >= 0)
                cfg.port = (int)port;
        if (threads > 0)
                cfg.threads = (int)threads;
        if (tls_cert)
                snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", tls_cert);
        if (tls_key)
                snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", tls_key);

        /* every thread inherits the blocked mask; only sigwait below receives them */
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        if (api_server_start(&cfg, &srv, &err)) {
                char line[800];

                cli_errorf("serve: %s", cxg_error_format(&err, line, sizeof(line)));
                cxg_config_release(&ini);
                return CLI_FAIL;
        }
        cxg_log(CXG_LOG_INFO, "serve: listening on %s://%s:%d/ (db %s, %d threads)",
                cfg.tls_cert[0] ? "https" : "http", cfg.bind, api_server_port(srv),
                db_for_log(cfg.db_path, shown, sizeof(shown)), cfg.threads);
        if (sigwait(&set, &sig) == 0) {
                cxg_log(CXG_LOG_INFO, "serve: %s received: finishing requests in flight",
                        sig == SIGINT ? "SIGINT" : "SIGTERM");
                rc = CLI_OK;
        }
        api_server_stop(srv);
        cxg_config_release(&ini);
        cxg_log(CXG_LOG_INFO, "serve: stopped; database closed");
        return rc;
}
