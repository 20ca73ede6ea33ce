/*
 * pg_scan.c: the snapshot load's figures for bench/pg_copy.sh: the interaction scan alone
 * (store_scan_interactions: COPY TO STDOUT on PostgreSQL) and the whole engine snapshot load
 * (every scan and the columns built), and for comparison the same rows through the generic
 * statement path (store_scan_interactions_range: one PGresult per scan on PostgreSQL).
 *
 *   pg_scan DB     prints "scan ROWS SECONDS", "generic ROWS SECONDS" and "load ROWS SECONDS"
 */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "engine/snapshot.h"
#include "store/store.h"

static double now(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static enum cxg_err count(void *ctx, const struct store_interaction *r)
{
        long long *n = ctx;

        *n += r->id > 0;
        return CXG_OK;
}

int main(int argc, char **argv)
{
        struct eng_snapshot snap;
        struct store *s = NULL;
        struct cxg_error e;
        long long n = 0, g = 0;
        double t0, t1, t2, t3;

        if (argc != 2 || store_open(argv[1], STORE_READONLY, &s, &e) != CXG_OK) {
                fprintf(stderr, "pg_scan: %s\n", argc == 2 ? e.msg : "usage: pg_scan DB");
                return 1;
        }
        t0 = now();
        if (store_scan_interactions(s, 0, count, &n, &e) != CXG_OK) {
                fprintf(stderr, "pg_scan: scan: %s\n", e.msg);
                return 1;
        }
        t1 = now();
        if (store_scan_interactions_range(s, 1, INT64_MAX, count, &g, &e) != CXG_OK) {
                fprintf(stderr, "pg_scan: generic scan: %s\n", e.msg);
                return 1;
        }
        t3 = now();
        eng_snapshot_init(&snap, NULL);
        if (eng_snapshot_load(&snap, s, &e) != CXG_OK) {
                fprintf(stderr, "pg_scan: load: %s\n", e.msg);
                return 1;
        }
        t2 = now();
        printf("scan %lld %.3f\ngeneric %lld %.3f\nload %lld %.3f\n", n, t1 - t0, g, t3 - t1, n,
               t2 - t3);
        eng_snapshot_release(&snap);
        store_close(s);
        return 0;
}
