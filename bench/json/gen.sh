#!/usr/bin/env bash
# gen.sh ROWS DIR: the import bench's interactions (bench/import.sh's awk, same seed) as both
# DIR/interactions.csv and DIR/interactions.jsonl (same rows, one JSON object per line), plus
# DIR/accounts.csv and DIR/people.csv.
set -euo pipefail
ROWS=${1:-1000000}
dir=${2:?usage: gen.sh ROWS DIR}
awk 'BEGIN { print "id,name,plan"; for (i = 1; i <= 2000; i++) print "a" i ",Account " i ",Pro" }' >"$dir/accounts.csv"
awk 'BEGIN { print "id,account_id,name,role"; for (i = 1; i <= 15000; i++) print "p" i ",a" (i % 2000 + 1) ",Person " i ",Manager" }' >"$dir/people.csv"
awk -v n="$ROWS" -v csv="$dir/interactions.csv" -v jl="$dir/interactions.jsonl" 'BEGIN {
        srand(42)
        split("web app email phone chat support meeting community event other", ch, " ")
        split("login like post search view share comment export invite upload", ty, " ")
        split("ok ok ok failed abandoned", oc, " ")
        print "person_id,ts,channel,type,duration_ms,outcome,value" >csv
        t = 1700000000
        for (i = 1; i <= n; i++) {
                p = int(rand() * 15000) + 1; c = ch[int(rand() * 10) + 1]; y = ty[int(rand() * 10) + 1]
                d = int(rand() * 5000); o = oc[int(rand() * 5) + 1]; v = rand() * 100
                printf "p%d,%d,%s,%s,%d,%s,%.2f\n", p, t + i * 13, c, y, d, o, v >csv
                printf "{\"person_id\":\"p%d\",\"ts\":%d,\"channel\":\"%s\",\"type\":\"%s\",\"duration_ms\":%d,\"outcome\":\"%s\",\"value\":%.2f}\n", p, t + i * 13, c, y, d, o, v >jl
        }
}'
