# Sourced by scripts/test (bash, set -euo pipefail).
#
# ensure_chromium NAME makes Debian's chromium available for the browser
# tests, installing it with apt-get when it is missing, and exports
# CHROMIUM_PATH. When it cannot be installed it says so loudly and the
# browser tests skip with the same message; nothing else depends on it.

ensure_chromium() {
	local name=$1 bin
	bin=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
	if [ -z "$bin" ]; then
		echo "$name: chromium not found; installing it with apt-get (for the status page's browser tests)" >&2
		local sudo=""
		[ "$(id -u)" -ne 0 ] && sudo="sudo"
		if $sudo apt-get update -qq >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null 2>&1; then
			bin=$(command -v chromium || true)
		fi
	fi
	if [ -z "$bin" ]; then
		echo "$name: WARNING: chromium could not be installed; the browser tests of the status page will SKIP" >&2
		return 0
	fi
	export CHROMIUM_PATH="$bin"
	echo "$name: browser tests use $bin" >&2
}
