# Sourced by scripts/test and bench/run (bash, set -euo pipefail).
#
# start_redis NAME starts a throwaway redis-server on a free loopback port,
# installing redis-server with apt-get when it is missing, exports
# TEST_REDIS_URL for internal/redistest, and stops the server and removes its
# directory when the calling shell exits. NAME prefixes the messages.
# The server has many logical databases because redistest gives every test
# one of its own.

start_redis() {
	local name=$1
	if ! command -v redis-server >/dev/null 2>&1; then
		echo "$name: redis-server not found; installing it with apt-get" >&2
		local sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
	fi

	local port
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 20000)))
	# Global, not local: the EXIT trap runs after this function has returned.
	_redis_dir=$(mktemp -d)
	redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
		--databases 4096 --dir "$_redis_dir" --logfile "$_redis_dir/redis.log" --daemonize yes \
		--pidfile "$_redis_dir/redis.pid"
	trap stop_redis EXIT
	for _ in $(seq 50); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	export TEST_REDIS_URL="redis://127.0.0.1:$port/0"
	echo "$name: redis-server on 127.0.0.1:$port" >&2
}

# stop_redis stops the server start_redis started and removes its directory.
stop_redis() {
	if [ -f "$_redis_dir/redis.pid" ]; then
		local pid
		pid=$(cat "$_redis_dir/redis.pid")
		kill "$pid" 2>/dev/null || true
		# The server writes its log while shutting down; removing the
		# directory under it would fail with "Directory not empty".
		for _ in $(seq 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
	rm -rf "$_redis_dir"
}
