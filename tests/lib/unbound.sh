# tests/lib/unbound.sh - a throw-away caching recursive Unbound on 127.0.0.1
# in front of a test NSD, for benchmarks and load tests.
#
#   . tests/lib/nsd.sh; . tests/lib/unbound.sh
#   nsd_start zone1.zone zone2.zone
#   unbound_start [ZONE...]    # default: $NSD_ZONES; sets UNBOUND_PORT, UNBOUND_DIR
#   ... mailproof --dns 127.0.0.1@$UNBOUND_PORT ...
#   unbound_stop; nsd_stop
#
# Each ZONE is a stub zone pointing at 127.0.0.1@$NSD_PORT; RFC 6761 names
# are let through (local-zone transparent) and every other name is refused,
# so nothing leaves the machine. One thread, iterator only (no DNSSEC),
# no rate limits, large caches, 8 MB socket buffers (a client with hundreds
# of messages in flight sends ~1,000 questions at once: with the default
# 208 KB the kernel dropped them, and their retries, sent together, again).
# Callers should trap unbound_stop.
# Needs /usr/sbin/unbound, dig, and free_port from nsd.sh.

UNBOUND_PORT=
UNBOUND_DIR=

unbound_start() {
	local zone zones=${*:-$NSD_ZONES}
	[ -n "$NSD_PORT" ] || { echo "unbound.sh: start NSD first (NSD_PORT)" >&2; return 1; }
	UNBOUND_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mp-unbound.XXXXXX")
	UNBOUND_PORT=$(free_port)
	cat >"$UNBOUND_DIR/unbound.conf" <<CONF
server:
	interface: 127.0.0.1
	port: $UNBOUND_PORT
	username: ""
	chroot: ""
	directory: "$UNBOUND_DIR"
	pidfile: "$UNBOUND_DIR/unbound.pid"
	logfile: "$UNBOUND_DIR/unbound.log"
	use-syslog: no
	do-daemonize: yes
	num-threads: 1
	so-reuseport: no
	do-ip6: no
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	module-config: "iterator"
	qname-minimisation: no
	ratelimit: 0
	ip-ratelimit: 0
	so-rcvbuf: 8m
	so-sndbuf: 8m
	msg-cache-size: 64m
	rrset-cache-size: 128m
	local-zone: "." refuse
CONF
	for zone in $zones; do
		printf '\tlocal-zone: "%s." transparent\n' "${zone%.}" >>"$UNBOUND_DIR/unbound.conf"
	done
	printf 'remote-control:\n\tcontrol-enable: no\n' >>"$UNBOUND_DIR/unbound.conf"
	for zone in $zones; do
		printf 'stub-zone:\n\tname: "%s."\n\tstub-addr: 127.0.0.1@%s\n' \
			"${zone%.}" "$NSD_PORT" >>"$UNBOUND_DIR/unbound.conf"
	done
	/usr/sbin/unbound -c "$UNBOUND_DIR/unbound.conf" || {
		cat "$UNBOUND_DIR/unbound.log" >&2; return 1; }
	local i first=${zones%% *}
	for i in $(seq 1 100); do
		if dig +time=1 +tries=1 +short -p "$UNBOUND_PORT" @127.0.0.1 SOA "$first" 2>/dev/null | grep -q .; then
			export UNBOUND_PORT UNBOUND_DIR
			return 0
		fi
		sleep 0.1
	done
	echo "unbound.sh: Unbound did not answer on port $UNBOUND_PORT" >&2
	cat "$UNBOUND_DIR/unbound.log" >&2
	unbound_stop
	return 1
}

unbound_stop() {
	local pid i
	[ -n "$UNBOUND_DIR" ] || return 0
	pid=$(cat "$UNBOUND_DIR/unbound.pid" 2>/dev/null || true)
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$UNBOUND_DIR"
	UNBOUND_DIR= UNBOUND_PORT=
}
