# Sourced by scripts/test (bash, set -euo pipefail) after scripts/lib/redis.sh.
#
# start_redis_topology NAME MODE starts a throwaway highly available Redis on
# free loopback ports and exports TEST_REDIS_ADDRS (and, for Sentinel,
# TEST_REDIS_MASTER_NAME) for internal/redistest:
#   sentinel: one master, two replicas, three sentinels watching "mymaster"
#   cluster:  three masters with a replica each (redis-cli --cluster create)
# Everything is stopped by PID, and its directories removed, when the calling
# shell exits (the EXIT trap start_redis set also calls stop_redis_topology).

# ensure_redis_sentinel NAME installs Debian's redis-sentinel when missing.
ensure_redis_sentinel() {
	command -v redis-sentinel >/dev/null 2>&1 && return 0
	echo "$1: redis-sentinel not found; installing it with apt-get" >&2
	local sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-sentinel >/dev/null
}

_ha_pids=()
_ha_dir=""

_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# _free_cluster_port prints a port whose cluster bus port (+10000) is free too.
_free_cluster_port() {
	python3 -c '
import socket
while True:
    a = socket.socket(); a.bind(("127.0.0.1", 0)); p = a.getsockname()[1]
    if p + 10000 > 65535:
        a.close(); continue
    b = socket.socket()
    try:
        b.bind(("127.0.0.1", p + 10000)); print(p); break
    except OSError:
        pass
    finally:
        a.close(); b.close()
'
}

_ha_server() { # dir port args...
	local dir=$1 port=$2
	shift 2
	mkdir -p "$dir"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --logfile "$dir/redis.log" \
		--pidfile "$dir/redis.pid" --daemonize yes "$@"
	for _ in $(seq 100); do
		[ -s "$dir/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	_ha_pids+=("$(cat "$dir/redis.pid")")
}

start_redis_topology() {
	local name=$1 mode=$2
	_ha_dir=$(mktemp -d)
	trap 'stop_redis_topology; stop_redis' EXIT
	case "$mode" in
	sentinel) _start_sentinel "$name" ;;
	cluster) _start_cluster "$name" ;;
	*) echo "$name: unknown Redis topology $mode (want sentinel or cluster)" >&2; return 1 ;;
	esac
}

_start_sentinel() {
	local name=$1 master replicas=() sentinels=() port
	ensure_redis_sentinel "$name"
	master=$(_free_port)
	_ha_server "$_ha_dir/master" "$master" --appendonly yes --databases 4096
	for i in 1 2; do
		port=$(_free_port)
		_ha_server "$_ha_dir/replica$i" "$port" --appendonly yes --databases 4096 --replicaof 127.0.0.1 "$master"
		replicas+=("$port")
	done
	for i in 1 2 3; do
		port=$(_free_port)
		local d="$_ha_dir/sentinel$i"
		mkdir -p "$d"
		cat >"$d/sentinel.conf" <<EOF
port $port
bind 127.0.0.1
dir $d
logfile $d/sentinel.log
pidfile $d/redis.pid
daemonize yes
sentinel monitor mymaster 127.0.0.1 $master 2
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
sentinel parallel-syncs mymaster 1
EOF
		redis-sentinel "$d/sentinel.conf"
		for _ in $(seq 100); do
			[ -s "$d/redis.pid" ] && redis-cli -p "$port" ping >/dev/null 2>&1 && break
			sleep 0.1
		done
		_ha_pids+=("$(cat "$d/redis.pid")")
		sentinels+=("127.0.0.1:$port")
	done
	# Ready when every sentinel sees both replicas and the other sentinels.
	local s ok
	for _ in $(seq 150); do
		ok=1
		for s in "${sentinels[@]}"; do
			local p=${s##*:}
			[ "$(redis-cli -p "$p" sentinel replicas mymaster 2>/dev/null | grep -c '^flags$' || true)" -ge 2 ] || ok=0
			[ "$(redis-cli -p "$p" sentinel sentinels mymaster 2>/dev/null | grep -c '^flags$' || true)" -ge 2 ] || ok=0
		done
		[ $ok = 1 ] && break
		sleep 0.2
	done
	[ $ok = 1 ] || { echo "$name: the sentinels did not find each other and the replicas" >&2; return 1; }
	export TEST_REDIS_ADDRS=$(IFS=,; echo "${sentinels[*]}")
	export TEST_REDIS_MASTER_NAME=mymaster
	echo "$name: Sentinel ${TEST_REDIS_ADDRS} watching mymaster on 127.0.0.1:$master (replicas ${replicas[*]})" >&2
}

_start_cluster() {
	local name=$1 addrs=() port
	for i in 1 2 3 4 5 6; do
		port=$(_free_cluster_port)
		_ha_server "$_ha_dir/node$i" "$port" --cluster-enabled yes --cluster-config-file nodes.conf \
			--cluster-node-timeout 2000 --appendonly yes --save ""
		addrs+=("127.0.0.1:$port")
	done
	redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$_ha_dir/create.log" 2>&1 ||
		{ cat "$_ha_dir/create.log" >&2; return 1; }
	local a ok
	for _ in $(seq 150); do
		ok=1
		for a in "${addrs[@]}"; do
			redis-cli -p "${a##*:}" cluster info 2>/dev/null | grep -q 'cluster_state:ok' || ok=0
		done
		[ $ok = 1 ] && break
		sleep 0.2
	done
	[ $ok = 1 ] || { echo "$name: the cluster did not reach cluster_state:ok" >&2; return 1; }
	export TEST_REDIS_ADDRS=$(IFS=,; echo "${addrs[*]}")
	unset TEST_REDIS_MASTER_NAME
	echo "$name: Redis Cluster on ${TEST_REDIS_ADDRS}" >&2
}

stop_redis_topology() {
	local pid
	for pid in "${_ha_pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${_ha_pids[@]}"; do
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	done
	[ -n "$_ha_dir" ] && rm -rf "$_ha_dir"
	_ha_pids=()
}
