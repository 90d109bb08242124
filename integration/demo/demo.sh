#!/usr/bin/env bash
# The whole pipeline on this machine, end to end: the local stack, the
# topics and tables, the three processors, and a forged stream of DTEs
# (valid, invalid and anomalous) published the way an ERP publishes them,
# with a live summary of the verdicts.
#
#   demo.sh          start everything and show the summary
#   demo.sh stop     stop the processors (the stack keeps running: make down)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
STACK_DIR=${VEREDICTO_STACK_DIR:-$ROOT/.stack}
DEMO_DIR=$STACK_DIR/demo
LOGS=$STACK_DIR/logs/veredicto
BIN=${VEREDICTO_BIN:-$ROOT/target/debug/veredicto}
PROCESSORS=(validator anomaly joiner)

say() { printf 'demo: %s\n' "$*"; }

stop() {
    for p in "${PROCESSORS[@]}"; do
        local pidfile=$DEMO_DIR/$p.pid
        if [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            kill -TERM "$(cat "$pidfile")"
            say "stopping $p (pid $(cat "$pidfile"))"
        fi
        rm -f "$pidfile"
    done
    wait 2>/dev/null || true
}

if [[ ${1:-} == stop ]]; then
    stop
    exit 0
fi

mkdir -p "$DEMO_DIR" "$LOGS"
stop

say "building veredicto"
cargo build -q -p veredicto
say "starting Kafka and Cassandra"
bash integration/stack/stack.sh up
"$BIN" topics apply >/dev/null
"$BIN" db apply >/dev/null
say "topics and tables are in place"

# A fresh stream every run: 300 issuers over 30 days, anomalies included,
# and a few broken inputs an ERP might send by mistake.
rm -rf "$DEMO_DIR/stream" "$DEMO_DIR/broken"
"$BIN" forge --stream --out "$DEMO_DIR/stream" --seed "${VEREDICTO_DEMO_SEED:-$RANDOM}" \
    --issuers 300 --days 30 --warmup-days 15 >/dev/null
mkdir -p "$DEMO_DIR/broken"
documents=("$DEMO_DIR"/stream/warmup/*.xml "$DEMO_DIR"/stream/test/*.xml)
last=${documents[-1]}
head -c 2000 "$last" > "$DEMO_DIR/broken/truncated.xml"
printf 'this is not XML\n' > "$DEMO_DIR/broken/not-xml.xml"
sed 's/<MntTotal>[0-9]*</<MntTotal>1</' "$last" > "$DEMO_DIR/broken/tampered.xml"
count=$(( ${#documents[@]} + 3 ))
say "forged $count documents under $DEMO_DIR"

for p in "${PROCESSORS[@]}"; do
    args=(run "$p")
    [[ $p == validator ]] && args+=(--trust "$DEMO_DIR/stream/trust")
    [[ $p == joiner ]] && args+=(--partial-after 20)
    VEREDICTO_LOG=${VEREDICTO_LOG:-info} "$BIN" "${args[@]}" >"$LOGS/$p.log" 2>&1 &
    echo $! > "$DEMO_DIR/$p.pid"
    say "started the $p (pid $!, log $LOGS/$p.log)"
done

say "publishing to dte.ingest at 500 documents a second"
"$BIN" publish "$DEMO_DIR/stream/warmup" "$DEMO_DIR/stream/test" "$DEMO_DIR/broken" \
    --rate 500 --source demo-erp 2>/dev/null &
publisher=$!

# The live summary; the three broken inputs end as dead letters.
"$BIN" tail --from-beginning --summary --limit $((count - 2)) || true
wait "$publisher" || true

cat <<EOT

demo: every verdict is on dte.verdicts and in Cassandra. Look further:
  $BIN tail --from-beginning --attention        rejected or flagged verdicts, one line each
  $BIN tail --from-beginning --json --limit 1   a whole verdict as JSON
  bash integration/stack/stack.sh cql "SELECT rut_emisor, folio, status, score FROM veredicto.verdicts_by_document LIMIT 10;"
  curl -s 127.0.0.1:9464/metrics | grep veredicto_   (9464 validator, 9465 anomaly, 9466 joiner)
  labels of the forged anomalies: $DEMO_DIR/stream/labels.csv
Stop: make demo-stop (the processors), then make down (Kafka and Cassandra).
EOT
