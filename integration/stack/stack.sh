#!/usr/bin/env bash
# Runs the services the integration tests need, without Docker: Apache Kafka
# (KRaft, single node) and Apache Cassandra (a CQL stand-in for ScyllaDB), both
# straight from their Maven Central jars. Needs only Java 17+, Maven and python3.
#
# Everything lives under $VEREDICTO_STACK_DIR (default: <repo>/.stack):
#   lib/<svc>   jars resolved by Maven      data/<svc>  storage
#   conf/<svc>  generated configuration     logs/<svc>  logs
#   run/        pid files and a lock
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: stack.sh COMMAND [SERVICE...]

Commands:
  fetch             resolve the jars with Maven (skipped when already complete)
  up [SVC...]       start the services and wait until they answer requests
  down [SVC...]     stop the services (SIGTERM, then SIGKILL after a timeout)
  status [SVC...]   show pids, ports, whether each answers, log paths
  logs [SVC] [-f]   without SVC, print the log paths; with SVC, tail its log
  reset             stop everything and wipe data and logs (jars are kept)
  topics ARGS...    run Kafka's TopicCommand against the local broker
  cql STATEMENT...  run CQL statements against the local Cassandra

SVC is kafka or cassandra (default: both).
Kafka: 127.0.0.1:9092 (controller 127.0.0.1:9093), auto topic creation off.
Cassandra: CQL on 127.0.0.1:9042, storage port 127.0.0.1:7000, no JMX, no auth.

Environment:
  VEREDICTO_STACK_DIR        state folder (default: <repo>/.stack)
  VEREDICTO_STACK_TIMEOUT    seconds 'up' waits for each service (default: 300)
  VEREDICTO_CASSANDRA_HEAP   Cassandra heap (default: 1G)
  VEREDICTO_KAFKA_HEAP       Kafka heap (default: 512M)
  JAVA_HOME                  Java 17+ to use (default: java on PATH)
EOF
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
STACK_DIR=${VEREDICTO_STACK_DIR:-$REPO_ROOT/.stack}
START_TIMEOUT=${VEREDICTO_STACK_TIMEOUT:-300}
STOP_TIMEOUT=90
CASSANDRA_HEAP=${VEREDICTO_CASSANDRA_HEAP:-1G}
KAFKA_HEAP=${VEREDICTO_KAFKA_HEAP:-512M}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

HOST=127.0.0.1
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
CQL_PORT=9042
CASSANDRA_STORAGE_PORT=7000
ALL_SERVICES=(kafka cassandra)

# ---------------------------------------------------------------- helpers

say() { printf 'stack: %s\n' "$*"; }
warn() { printf 'stack: %s\n' "$*" >&2; }
die() { warn "error: $*"; exit 1; }

# The state folder must be absolute: it ends up in file: URLs and in the
# command lines that identify our processes.
init_dirs() {
    mkdir -p "$STACK_DIR"
    STACK_DIR=$(cd "$STACK_DIR" && pwd)
    LIB_DIR=$STACK_DIR/lib
    DATA_DIR=$STACK_DIR/data
    CONF_DIR=$STACK_DIR/conf
    LOG_DIR=$STACK_DIR/logs
    RUN_DIR=$STACK_DIR/run
    mkdir -p "$LIB_DIR" "$DATA_DIR" "$CONF_DIR" "$LOG_DIR" "$RUN_DIR"
}

# Serialises commands that change state, so parallel callers (make -j, two
# test runners) cannot start a service twice.
LOCKED=0
take_lock() {
    ((LOCKED)) && return 0
    LOCKED=1
    exec 9>"$RUN_DIR/stack.lock"
    if ! flock -w "$((START_TIMEOUT + STOP_TIMEOUT))" 9; then
        die "another stack.sh command holds $RUN_DIR/stack.lock"
    fi
}

need() {
    command -v "$1" >/dev/null 2>&1 || die "'$1' is required ($2)"
}

check_java() {
    need "$JAVA" "Java 17 or newer; set JAVA_HOME or put java on PATH"
    local version
    version=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [[ -z $version || ${version%%.*} -lt 17 ]]; then
        die "Java 17 or newer is required, found '${version:-unknown}' ($JAVA)"
    fi
}

check_service_names() {
    local svc
    for svc in "$@"; do
        case $svc in
            kafka | cassandra) ;;
            *) die "unknown service '$svc' (expected: ${ALL_SERVICES[*]})" ;;
        esac
    done
}

elapsed_since() { echo $((SECONDS - $1)); }

# True when something accepts TCP connections on the loopback port.
port_open() {
    timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

service_ports() {
    case $1 in
        kafka) echo "$KAFKA_PORT $KAFKA_CONTROLLER_PORT" ;;
        cassandra) echo "$CQL_PORT $CASSANDRA_STORAGE_PORT" ;;
    esac
}

main_log() {
    case $1 in
        kafka) echo "$LOG_DIR/kafka/server.log" ;;
        cassandra) echo "$LOG_DIR/cassandra/system.log" ;;
    esac
}

console_log() { echo "$LOG_DIR/$1/console.log"; }

pid_file() { echo "$RUN_DIR/$1.pid"; }

# Every JVM we start carries these two properties; together they identify our
# process even if the pid file was lost or the pid was reused.
marker_args() {
    printf '%s\n' "-Dveredicto.stack.service=$1" "-Dveredicto.stack.dir=$STACK_DIR"
}

# True when process $2 is a live JVM of service $1 started from this folder.
is_our_process() {
    local svc=$1 pid=$2 arg has_svc=0 has_dir=0
    # Pure bash: this runs for every process when scanning /proc. A zombie has
    # an empty command line, so it never matches.
    [[ -r /proc/$pid/cmdline ]] || return 1
    while IFS= read -r -d '' arg; do
        [[ $arg == "-Dveredicto.stack.service=$svc" ]] && has_svc=1
        [[ $arg == "-Dveredicto.stack.dir=$STACK_DIR" ]] && has_dir=1
    done <"/proc/$pid/cmdline" 2>/dev/null || true
    ((has_svc && has_dir))
}

# Prints the pid of the running service, or fails. Falls back to scanning
# /proc (no procps on minimal machines) when the pid file is missing or stale.
find_pid() {
    local svc=$1 file pid proc
    file=$(pid_file "$svc")
    if [[ -f $file ]]; then
        pid=$(<"$file")
        if [[ $pid =~ ^[0-9]+$ ]] && is_our_process "$svc" "$pid"; then
            echo "$pid"
            return 0
        fi
    fi
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        if is_our_process "$svc" "$pid"; then
            echo "$pid" >"$file"
            echo "$pid"
            return 0
        fi
    done
    rm -f "$file"
    return 1
}

show_log_tail() {
    local svc=$1 file
    for file in "$(console_log "$svc")" "$(main_log "$svc")"; do
        [[ -s $file ]] || continue
        warn "---- last lines of $file"
        tail -n 40 "$file" >&2
    done
}

# Starts a JVM detached from this shell and its terminal (setsid), so it
# survives the caller and a Ctrl-C in it.
launch() {
    local svc=$1
    shift
    local out pid
    out=$(console_log "$svc")
    mkdir -p "$(dirname "$out")"
    printf '\n==== %s starting %s\n' "$(date '+%F %T')" "$svc" >>"$out"
    # The working folder collects whatever the JVM drops there (hs_err files).
    # fd 9 is the lock: the service must not keep holding it.
    (cd "$DATA_DIR/$svc" && exec setsid "$@" >>"$out" 2>&1 </dev/null 9>&-) &
    pid=$!
    echo "$pid" >"$(pid_file "$svc")"
    # Until the subshell has exec'd java, its command line lacks our markers.
    local tries=50
    while ! is_our_process "$svc" "$pid" && kill -0 "$pid" 2>/dev/null && ((--tries > 0)); do
        sleep 0.1
    done
    say "$svc started, pid $pid"
}

# ---------------------------------------------------------------- fetch

# Copies a POM's dependencies into lib/<svc>. A stamp holding the POM's hash
# marks a complete folder, so later runs (even offline) do nothing.
fetch_service() {
    local svc=$1 pom dest stamp want tmp log
    pom=$SCRIPT_DIR/$svc/pom.xml
    dest=$LIB_DIR/$svc
    stamp=$dest/.complete
    want=$(sha256sum "$pom" | cut -d' ' -f1)
    if [[ -f $stamp && $(<"$stamp") == "$want" ]]; then
        return 0
    fi
    # Swapping jars under a running JVM breaks its lazy class loading.
    if find_pid "$svc" >/dev/null; then
        die "$svc runs with jars that no longer match $pom; run 'stack.sh down' first"
    fi
    need mvn "Maven resolves the jars from Maven Central"
    tmp=$dest.partial
    log=$LOG_DIR/fetch-$svc.log
    rm -rf "$tmp"
    say "resolving $svc jars with Maven (log: $log)"
    local start=$SECONDS
    if ! mvn -q -B -f "$pom" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        rm -rf "$tmp"
        die "Maven could not resolve $pom (full log: $log)"
    fi
    echo "$want" >"$tmp/.complete"
    rm -rf "$dest"
    mv "$tmp" "$dest"
    say "$svc: $(find "$dest" -name '*.jar' | wc -l) jars in $dest ($(elapsed_since "$start")s)"
}

cmd_fetch() {
    local svc
    take_lock
    for svc in "${ALL_SERVICES[@]}"; do
        fetch_service "$svc"
    done
}

# ---------------------------------------------------------------- kafka

kafka_classpath() { echo "$LIB_DIR/kafka/*"; }

write_kafka_conf() {
    local conf=$CONF_DIR/kafka
    mkdir -p "$conf" "$DATA_DIR/kafka/log" "$LOG_DIR/kafka"
    cat >"$conf/server.properties" <<EOF
# Generated by stack.sh on every start; edits here are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA_DIR/kafka/log

# Tests create their topics explicitly, so a typo cannot silently create one.
auto.create.topics.enable=false
num.partitions=1
default.replication.factor=1
min.insync.replicas=1

# One node: internal topics must have a single replica, otherwise consumer
# groups and transactions never become available. Few partitions keep the
# first group/transaction fast.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# Small footprint for a development box.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
EOF
    cat >"$conf/log4j2.properties" <<EOF
status = warn
appender.file.type = RollingFile
appender.file.name = file
appender.file.fileName = $LOG_DIR/kafka/server.log
appender.file.filePattern = $LOG_DIR/kafka/server.log.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 20MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 3
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
logger.request.name = kafka.request.logger
logger.request.level = warn
EOF
    write_kafka_tools_conf
}

write_kafka_tools_conf() {
    local conf=$CONF_DIR/kafka
    mkdir -p "$conf"
    # Command-line tools: only warnings, on stderr, so their output stays clean.
    cat >"$conf/tools-log4j2.properties" <<'EOF'
status = warn
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = stderr
EOF
    # Short client timeouts so a readiness probe fails fast and is retried.
    cat >"$conf/tools.properties" <<'EOF'
request.timeout.ms=10000
default.api.timeout.ms=20000
EOF
}

# A short-lived JVM for Kafka's command-line classes, tuned to start quickly.
# Usage: kafka_tool [timeout SECONDS] MAIN_CLASS ARGS...
kafka_tool() {
    local limit=()
    if [[ ${1:-} == timeout ]]; then
        limit=(timeout "$2")
        shift 2
    fi
    local main=$1
    shift
    "${limit[@]}" "$JAVA" -Xmx256M -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto \
        "-Dlog4j2.configurationFile=$CONF_DIR/kafka/tools-log4j2.properties" \
        -cp "$(kafka_classpath)" "$main" "$@"
}

# Kafka cluster ids are 16 random bytes in unpadded URL-safe base64; one must
# not start with '-' (it would read as an option). Cheaper than a JVM start.
new_cluster_id() {
    python3 - <<'EOF'
import base64, uuid
while True:
    cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
    if not cid.startswith("-"):
        print(cid)
        break
EOF
}

# Storage must be formatted once before the first start; later starts reuse it.
format_kafka_storage() {
    [[ -f $DATA_DIR/kafka/log/meta.properties ]] && return 0
    local id log=$LOG_DIR/kafka/format.log
    id=$(new_cluster_id)
    say "kafka: formatting storage, cluster id $id"
    if ! kafka_tool kafka.tools.StorageTool format -t "$id" \
        -c "$CONF_DIR/kafka/server.properties" >"$log" 2>&1; then
        cat "$log" >&2
        die "kafka: formatting storage failed (log: $log)"
    fi
}

start_kafka() {
    write_kafka_conf
    format_kafka_storage
    local jvm=(
        "$JAVA" "-Xms$KAFKA_HEAP" "-Xmx$KAFKA_HEAP"
        -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
        -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true
        -Djava.net.preferIPv4Stack=true
        "-Dlog4j2.configurationFile=$CONF_DIR/kafka/log4j2.properties"
        "-Dkafka.logs.dir=$LOG_DIR/kafka"
    )
    mapfile -t -O "${#jvm[@]}" jvm < <(marker_args kafka)
    launch kafka "${jvm[@]}" -cp "$(kafka_classpath)" kafka.Kafka "$CONF_DIR/kafka/server.properties"
}

# Usage: kafka_topics [timeout SECONDS] TOPIC_COMMAND_ARGS...
kafka_topics() {
    local limit=()
    if [[ ${1:-} == timeout ]]; then
        limit=(timeout "$2")
        shift 2
    fi
    kafka_tool "${limit[@]}" org.apache.kafka.tools.TopicCommand \
        --bootstrap-server "$HOST:$KAFKA_PORT" \
        --command-config "$CONF_DIR/kafka/tools.properties" "$@"
}

# Real readiness: a metadata request through Kafka's own admin client.
kafka_answers() {
    port_open "$KAFKA_PORT" || return 1
    kafka_topics timeout 60 --list >/dev/null 2>&1
}

# ---------------------------------------------------------------- cassandra

cassandra_classpath() { echo "$CONF_DIR/cassandra:$LIB_DIR/cassandra/*"; }

write_cassandra_conf() {
    local conf=$CONF_DIR/cassandra data=$DATA_DIR/cassandra
    mkdir -p "$conf" "$data/triggers" "$LOG_DIR/cassandra"
    cat >"$conf/cassandra.yaml" <<EOF
# Generated by stack.sh on every start; edits here are overwritten.
# A single development node: loopback only, no auth, no JMX, small and quick.
cluster_name: veredicto-dev
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$HOST:$CASSANDRA_STORAGE_PORT"
listen_address: $HOST
rpc_address: $HOST
storage_port: $CASSANDRA_STORAGE_PORT
native_transport_port: $CQL_PORT
start_native_transport: true

authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
network_authorizer: AllowAllNetworkAuthorizer

data_file_directories:
  - $data/data
commitlog_directory: $data/commitlog
hints_directory: $data/hints
saved_caches_directory: $data/saved_caches
cdc_raw_directory: $data/cdc_raw

# Test data is disposable: no snapshots on drop/truncate, no fsync per write.
auto_snapshot: false
commitlog_sync: periodic
commitlog_sync_period: 10000ms
hinted_handoff_enabled: false

# Two shared cores: keep background work small.
concurrent_compactors: 1
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
EOF
    cat >"$conf/logback.xml" <<EOF
<configuration scan="false">
  <appender name="FILE" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>$LOG_DIR/cassandra/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.FixedWindowRollingPolicy">
      <fileNamePattern>$LOG_DIR/cassandra/system.log.%i</fileNamePattern>
      <minIndex>1</minIndex>
      <maxIndex>3</maxIndex>
    </rollingPolicy>
    <triggeringPolicy class="ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy">
      <maxFileSize>20MB</maxFileSize>
    </triggeringPolicy>
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE"/>
  </root>
</configuration>
EOF
}

start_cassandra() {
    write_cassandra_conf
    local jamm
    jamm=$(find "$LIB_DIR/cassandra" -maxdepth 1 -name 'jamm-*.jar' | head -n 1)
    [[ -n $jamm ]] || die "cassandra: jamm jar missing from $LIB_DIR/cassandra (run: stack.sh fetch)"
    local jvm=(
        "$JAVA" "-Xms$CASSANDRA_HEAP" "-Xmx$CASSANDRA_HEAP" -Xss256k
        # Same memory measurement agent and GC as the official start-up script.
        "-javaagent:$jamm"
        -XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1
        -XX:MaxGCPauseMillis=300 -XX:+UseThreadPriorities -XX:+PerfDisableSharedMem
        -XX:MaxDirectMemorySize=512M -XX:+ExitOnOutOfMemoryError
        -ea -da:net.openhft...
        -Djava.net.preferIPv4Stack=true
        -Djdk.attach.allowAttachSelf=true
        # Module access Cassandra needs on Java 17 (from its jvm17-server.options).
        --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
        --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
        --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
        --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
        --add-exports java.sql/java.sql=ALL-UNNAMED
        --add-exports java.base/java.lang.ref=ALL-UNNAMED
        --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
        --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
        --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
        --add-opens java.base/java.lang.module=ALL-UNNAMED
        --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
        --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
        --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
        --add-opens java.base/jdk.internal.math=ALL-UNNAMED
        --add-opens java.base/jdk.internal.module=ALL-UNNAMED
        --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
        --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
        --add-opens java.base/sun.nio.ch=ALL-UNNAMED
        --add-opens java.base/java.io=ALL-UNNAMED
        --add-opens java.base/java.lang.reflect=ALL-UNNAMED
        --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
        --add-opens java.base/java.lang=ALL-UNNAMED
        --add-opens java.base/java.util=ALL-UNNAMED
        -Dio.netty.tryReflectionSetAccessible=true
        -Dio.netty.allocator.useCacheForAllThreads=true
        -Dio.netty.allocator.maxOrder=11
        "-Dcassandra.config=file://$CONF_DIR/cassandra/cassandra.yaml"
        "-Dlogback.configurationFile=file://$CONF_DIR/cassandra/logback.xml"
        "-Dcassandra.logdir=$LOG_DIR/cassandra"
        "-Dcassandra.storagedir=$DATA_DIR/cassandra"
        "-Dcassandra.triggers_dir=$DATA_DIR/cassandra/triggers"
        # Keep stdout open so fatal start-up errors reach console.log.
        -Dcassandra-foreground=yes
        # A lone seed has nobody to gossip with: do not wait for the ring.
        -Dcassandra.skip_wait_for_gossip_to_settle=0
        -Dcassandra.ring_delay_ms=1000
        -Dcassandra.superuser_setup_delay_ms=0
    )
    mapfile -t -O "${#jvm[@]}" jvm < <(marker_args cassandra)
    launch cassandra "${jvm[@]}" -cp "$(cassandra_classpath)" org.apache.cassandra.service.CassandraDaemon
}

cql() {
    python3 "$SCRIPT_DIR/cql.py" --host "$HOST" --port "$CQL_PORT" "$@"
}

# Real readiness: a query served by the storage engine, not just an open port.
cassandra_answers() {
    port_open "$CQL_PORT" || return 1
    cql --timeout 5 "SELECT release_version FROM system.local" >/dev/null 2>&1
}

# ---------------------------------------------------------------- up / down

service_answers() {
    case $1 in
        kafka) kafka_answers ;;
        cassandra) cassandra_answers ;;
    esac
}

# Starts one service unless it already runs; refuses ports held by others.
start_service() {
    local svc=$1 port
    if find_pid "$svc" >/dev/null; then
        say "$svc already running, pid $(find_pid "$svc")"
        return 0
    fi
    for port in $(service_ports "$svc"); do
        if port_open "$port"; then
            die "$svc: port $HOST:$port is in use by another process; stop it first"
        fi
    done
    "start_$svc"
}

# Polls until the service answers; fails early if its JVM dies.
wait_ready() {
    local svc=$1 start=$2 deadline=$(($2 + START_TIMEOUT))
    while true; do
        if ! find_pid "$svc" >/dev/null; then
            show_log_tail "$svc"
            die "$svc exited during start-up (logs: $(console_log "$svc"), $(main_log "$svc"))"
        fi
        if service_answers "$svc"; then
            say "$svc answers after $(elapsed_since "$start")s"
            return 0
        fi
        if ((SECONDS >= deadline)); then
            show_log_tail "$svc"
            die "$svc did not answer within ${START_TIMEOUT}s; it is left running for inspection (stop it with: stack.sh down)"
        fi
        sleep 2
    done
}

# True when $1 is among the remaining arguments.
wanted() {
    local svc=$1 arg
    shift
    for arg in "$@"; do
        [[ $arg == "$svc" ]] && return 0
    done
    return 1
}

cmd_up() {
    local start=$SECONDS svc
    need python3 "the Cassandra readiness check uses it"
    check_java
    take_lock
    cmd_fetch
    # Cassandra is the slow one: start it first so both boot in parallel.
    for svc in cassandra kafka; do
        if wanted "$svc" "$@"; then start_service "$svc"; fi
    done
    for svc in kafka cassandra; do
        if wanted "$svc" "$@"; then wait_ready "$svc" "$start"; fi
    done
    say "up in $(elapsed_since "$start")s; logs: stack.sh logs"
}

# SIGTERM lets Kafka close its logs and Cassandra drain its memtables; after
# STOP_TIMEOUT seconds the process is killed.
stop_services() {
    local svc pid deadline
    local -A pids=()
    for svc in "$@"; do
        if pid=$(find_pid "$svc"); then
            pids[$svc]=$pid
            say "stopping $svc (pid $pid)"
            kill -TERM "$pid" 2>/dev/null || true
        else
            say "$svc is not running"
        fi
    done
    deadline=$((SECONDS + STOP_TIMEOUT))
    for svc in "${!pids[@]}"; do
        pid=${pids[$svc]}
        while is_our_process "$svc" "$pid" && ((SECONDS < deadline)); do
            sleep 1
        done
        if is_our_process "$svc" "$pid"; then
            warn "$svc did not stop within ${STOP_TIMEOUT}s, killing pid $pid"
            kill -KILL "$pid" 2>/dev/null || true
            local tries=20
            while is_our_process "$svc" "$pid" && ((--tries > 0)); do
                sleep 0.5
            done
        fi
        if is_our_process "$svc" "$pid"; then
            die "$svc (pid $pid) is still alive"
        fi
        rm -f "$(pid_file "$svc")"
        say "$svc stopped"
    done
    verify_stopped "$@"
}

# Makes sure nothing of ours is left and the ports are free again.
verify_stopped() {
    local svc port tries
    for svc in "$@"; do
        if find_pid "$svc" >/dev/null; then
            die "$svc still has a process: pid $(find_pid "$svc")"
        fi
        for port in $(service_ports "$svc"); do
            tries=10
            while port_open "$port" && ((--tries > 0)); do
                sleep 0.5
            done
            if ((tries == 0)); then
                warn "$svc: port $HOST:$port still accepts connections (another process?)"
            fi
        done
    done
}

cmd_down() {
    take_lock
    stop_services "$@"
}

cmd_reset() {
    take_lock
    stop_services "${ALL_SERVICES[@]}"
    rm -rf "$DATA_DIR" "$LOG_DIR" "$CONF_DIR"
    mkdir -p "$DATA_DIR" "$LOG_DIR" "$CONF_DIR"
    say "data and logs wiped under $STACK_DIR (jars kept in $LIB_DIR)"
}

# ---------------------------------------------------------------- status / logs

cmd_status() {
    local svc pid port answers owner all_ok=0
    for svc in "$@"; do
        owner=""
        if pid=$(find_pid "$svc"); then
            if service_answers "$svc"; then answers=yes; else answers=no; all_ok=1; fi
            printf '%-10s running  pid %-8s answering: %s\n' "$svc" "$pid" "$answers"
        else
            printf '%-10s stopped\n' "$svc"
            owner=" (by another process)"
            all_ok=1
        fi
        for port in $(service_ports "$svc"); do
            if port_open "$port"; then
                printf '           %s:%s listening%s\n' "$HOST" "$port" "$owner"
            else
                printf '           %s:%s closed\n' "$HOST" "$port"
            fi
        done
        printf '           logs: %s %s\n' "$(main_log "$svc")" "$(console_log "$svc")"
    done
    return "$all_ok"
}

cmd_logs() {
    local svc="" follow=0 arg
    for arg in "$@"; do
        case $arg in
            -f | --follow) follow=1 ;;
            *) check_service_names "$arg"; svc=$arg ;;
        esac
    done
    if [[ -z $svc ]]; then
        for svc in "${ALL_SERVICES[@]}"; do
            printf '%-10s %s\n' "$svc" "$(main_log "$svc")"
            printf '%-10s %s\n' "" "$(console_log "$svc")"
        done
        return 0
    fi
    local file
    file=$(main_log "$svc")
    [[ -f $file ]] || die "no log yet at $file"
    if ((follow)); then
        exec tail -n 50 -F "$file"
    fi
    tail -n 100 "$file"
}

# ---------------------------------------------------------------- main

main() {
    local cmd=${1:-}
    [[ $# -gt 0 ]] && shift
    case $cmd in
        -h | --help | help | "")
            usage
            return 0
            ;;
    esac
    init_dirs
    case $cmd in
        fetch) cmd_fetch ;;
        up | down | status)
            (($# == 0)) && set -- "${ALL_SERVICES[@]}"
            check_service_names "$@"
            "cmd_$cmd" "$@"
            ;;
        logs) cmd_logs "$@" ;;
        reset) cmd_reset ;;
        topics)
            check_java
            write_kafka_tools_conf
            kafka_topics "$@"
            ;;
        cql)
            need python3 "the CQL client uses it"
            cql "$@"
            ;;
        *)
            usage >&2
            die "unknown command '$cmd'"
            ;;
    esac
}

main "$@"
