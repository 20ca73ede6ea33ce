# bench/lib/import_data.sh: the import benchmarks' data (sourced): bench_import_data DIR ROWS
# writes DIR/accounts.csv (2,000), DIR/people.csv (15,000) and DIR/interactions.csv (ROWS rows,
# seeded: the same rows on every run), used by bench/import.sh and bench/pg_copy.sh.
bench_import_data() {
        local dir=$1 ROWS=$2
        awk 'BEGIN { print "id,name,plan"; for (i = 1; i <= 2000; i++) print "a" i ",Account " i ",Pro" }' >"$dir/accounts.csv"
        awk 'BEGIN { print "id,account_id,name,role"; for (i = 1; i <= 15000; i++) print "p" i ",a" (i % 2000 + 1) ",Person " i ",Manager" }' >"$dir/people.csv"
        awk -v n="$ROWS" 'BEGIN {
                srand(42)
                split("web app email phone chat support meeting community event other", ch, " ")
                split("login like post search view share comment export invite upload", ty, " ")
                split("ok ok ok failed abandoned", oc, " ")
                print "person_id,ts,channel,type,duration_ms,outcome,value"
                t = 1700000000
                for (i = 1; i <= n; i++)
                        printf "p%d,%d,%s,%s,%d,%s,%.2f\n", int(rand() * 15000) + 1, t + i * 13,
                               ch[int(rand() * 10) + 1], ty[int(rand() * 10) + 1], int(rand() * 5000),
                               oc[int(rand() * 5) + 1], rand() * 100
        }' >"$dir/interactions.csv"
}
