/*
 * api.h: the HTTP server of cxgarden (what src/cli/cmd_serve.c starts). Settings come from
 * the command line, then the [server] and [auth] sections of the INI config, then the
 * defaults below; environment variables are never read.
 */
#ifndef CXG_API_H
#define CXG_API_H

#include <stddef.h>
#include <stdio.h>

#include "core/config.h"
#include "core/err.h"

struct api_config {
        char db_path[1024];
        char bind[64];                /* IPv4 or IPv6 address to listen on */
        int port;                     /* 0: any free port (the chosen one is logged) */
        int threads;                  /* MHD worker threads */
        size_t max_body;              /* bytes of a request body; more is 413 */
        size_t conn_memory;           /* per-connection memory, bounds the request headers */
        unsigned max_conns;           /* open connections in total */
        unsigned max_conns_ip;        /* open connections per client address */
        unsigned timeout_s;           /* idle connection timeout */
        int max_pwhash;               /* password hashes computed at the same time; more: 429 */
        int pwhash_fast;              /* 1: minimal argon2id cost (tests only) */
        long session_ttl;             /* seconds a login session lasts */
        int login_max_failures;       /* failed logins per user and per address within a window */
        long login_window;            /* seconds of that window */
        int cookie_secure;            /* add Secure to the session cookie (behind TLS) */
        int access_log;               /* one log line per request */
        long shutdown_grace_s;        /* seconds to let in-flight requests finish on shutdown */
        char tls_cert[1024];          /* PEM certificate (chain); with tls_key: HTTPS only */
        char tls_key[1024];           /* PEM private key */
        char data_dir[1024];          /* [server] data_dir: key and snapshot files, or "" */
        long shards;                  /* serve --shards N: cluster mode (0: [cluster] decides) */
        const struct cxg_config *ini; /* config file (engine parameters) or NULL; borrowed */
};

/* Defaults: 127.0.0.1:8080, 2 threads, 8 MiB bodies, 32 KiB per connection, ... */
void api_config_defaults(struct api_config *c);
/*
 * Apply the [server] and [auth] keys of ini over c (bind, port, threads, max_body,
 * max_header_bytes, max_connections, max_connections_per_ip, timeout, access_log,
 * shutdown_grace, tls_cert, tls_key, data_dir; auth.max_concurrent_hashes, auth.pwhash,
 * auth.session_ttl, auth.login_max_failures, auth.login_window, auth.cookie_secure).
 * CXG_ERR_INVALID naming the file and line for a bad value.
 */
enum cxg_err api_config_apply(struct api_config *c, const struct cxg_config *ini,
                              struct cxg_error *err) CXG_WUR;

struct api_server;

/*
 * Open the store, load the token key (api_key_path) and start listening.
 * *out is owned by the caller and ends with api_server_stop().
 */
enum cxg_err api_server_start(const struct api_config *cfg, struct api_server **out,
                              struct cxg_error *err) CXG_WUR;
/* The port the server listens on (useful with port 0). */
int api_server_port(const struct api_server *srv);
/*
 * Stop accepting connections, let requests in flight finish (up to the grace period), stop
 * the workers, close every store handle and free srv.
 */
void api_server_stop(struct api_server *srv);

/* Print every route as "METHOD PATTERN" lines, in table order, to f. */
void api_routes_print(FILE *f);

#endif
