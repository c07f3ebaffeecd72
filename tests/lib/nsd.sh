# tests/lib/nsd.sh - start a throw-away authoritative NSD on 127.0.0.1.
#
#   . tests/lib/nsd.sh
#   nsd_start [ZONE=]FILE...   # serve these zone files; sets NSD_PORT, NSD_DIR,
#                              # NSD_ZONES (the zone names, space-separated)
#   nsd_stop                   # stop it and remove its directory
#
# ZONE defaults to the file's first $ORIGIN, else its name without ".zone".
# Every file needs a SOA at the zone apex (NSD refuses a zone without one).
# The server has its own config, pid file and directory under $TMPDIR, listens
# on a free port, has response-rate limiting off (rrl-ratelimit: 0) and never
# touches the system's NSD. Callers should `trap nsd_stop EXIT`.
# Needs /usr/sbin/nsd, dig and /usr/bin/python3.

NSD_PORT=
NSD_DIR=
NSD_PID=
NSD_ZONES=

# free_port - a port free for both UDP and TCP on 127.0.0.1
free_port() {
	/usr/bin/python3 - <<'PY'
import socket
for _ in range(50):
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    t.bind(("127.0.0.1", 0))
    port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port))
    except OSError:
        t.close()
        continue
    u.close()
    t.close()
    print(port)
    break
PY
}

# zone_name_of FILE - first $ORIGIN, else basename without .zone
zone_name_of() {
	local z
	z=$(awk 'toupper($1)=="$ORIGIN" {print $2; exit}' "$1")
	[ -n "$z" ] || z=$(basename "$1" .zone)
	echo "${z%.}"
}

nsd_start() {
	local arg zone file first=
	NSD_ZONES=
	NSD_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mp-nsd.XXXXXX")
	NSD_PORT=$(free_port)
	[ -n "$NSD_PORT" ] || { echo "nsd.sh: no free port" >&2; return 1; }
	cat >"$NSD_DIR/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$NSD_PORT
	port: $NSD_PORT
	username: ""
	chroot: ""
	zonesdir: "$NSD_DIR"
	pidfile: "$NSD_DIR/nsd.pid"
	database: ""
	zonelistfile: "$NSD_DIR/zone.list"
	xfrdfile: "$NSD_DIR/xfrd.state"
	xfrdir: "$NSD_DIR"
	logfile: "$NSD_DIR/nsd.log"
	server-count: 1
	verbosity: 1
	hide-version: yes
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
	reuseport: no
remote-control:
	control-enable: no
CONF
	for arg in "$@"; do
		case $arg in
		*=*) zone=${arg%%=*}; file=${arg#*=} ;;
		*) file=$arg; zone=$(zone_name_of "$file") ;;
		esac
		[ -n "$first" ] || first=$zone
		NSD_ZONES="$NSD_ZONES${NSD_ZONES:+ }$zone"
		cp "$file" "$NSD_DIR/$zone.zone"
		printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$zone" "$NSD_DIR/$zone.zone" \
			>>"$NSD_DIR/nsd.conf"
	done
	/usr/sbin/nsd -c "$NSD_DIR/nsd.conf" || { cat "$NSD_DIR/nsd.log" >&2; return 1; }
	# wait until it answers (at most ~10 s)
	local i
	for i in $(seq 1 100); do
		if dig +time=1 +tries=1 +short -p "$NSD_PORT" @127.0.0.1 SOA "$first" 2>/dev/null | grep -q .; then
			NSD_PID=$(cat "$NSD_DIR/nsd.pid" 2>/dev/null)
			export NSD_PORT NSD_DIR NSD_PID NSD_ZONES
			return 0
		fi
		sleep 0.1
	done
	echo "nsd.sh: NSD did not answer on port $NSD_PORT" >&2
	cat "$NSD_DIR/nsd.log" >&2
	nsd_stop
	return 1
}

nsd_stop() {
	local pid
	[ -n "$NSD_DIR" ] || return 0
	pid=$(cat "$NSD_DIR/nsd.pid" 2>/dev/null || true)
	[ -n "$pid" ] || pid=$NSD_PID
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		local i
		for i in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -rf "$NSD_DIR"
	NSD_DIR= NSD_PORT= NSD_PID=
}
