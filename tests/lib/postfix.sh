# tests/lib/postfix.sh - run throw-away Postfix instances on loopback ports
# for integration tests. Source it from bash; needs root (Postfix's master
# starts as root and drops to mail_owner) and Debian's postfix package.
#
#   pf_free_port                  print a free TCP port on 127.0.0.1
#   pf_init DIR [HOSTNAME]        a fresh instance under DIR: DIR/etc (main.cf,
#                                 master.cf), DIR/spool, DIR/data, DIR/log/maillog
#   pf_conf DIR 'name = value'... postconf -e into the instance's main.cf
#   pf_listen DIR PORT [-o k=v]...  add an smtpd listener on 127.0.0.1:PORT
#   pf_selfsigned DIR NAME        self-signed cert+key in DIR/tls/{cert,key}.pem
#   pf_sasldb DIR USER PASS       Cyrus sasldb (auxprop) for smtpd AUTH, and
#                                 the main.cf settings to use it
#   pf_start DIR / pf_stop DIR    start (waits for the listeners) / stop
#   pf_queue_count DIR            messages in the queue (must stay 0 in tests)
#   pf_wait_port PORT             wait until 127.0.0.1:PORT accepts
#
# Nothing touches /etc/postfix or system services: each instance runs with
# postfix -c DIR/etc and its own queue, data and log directories. Stop every
# instance in a trap:   trap 'pf_stop "$A"; pf_stop "$B"' EXIT

pf_free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

pf_init() {
	local dir=$1 host=${2:-mx.pf-test.example}
	mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/log" "$dir/tls" "$dir/sasl"
	chmod 755 "$dir"
	: >"$dir/etc/main.cf"
	cat >"$dir/etc/master.cf" <<'EOF'
# service type  private unpriv  chroot  wakeup  maxproc command + args
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	pf_conf "$dir" \
		"compatibility_level = 3.6" \
		"queue_directory = $dir/spool" \
		"data_directory = $dir/data" \
		"meta_directory = /etc/postfix" \
		"mail_owner = postfix" \
		"setgid_group = postdrop" \
		"inet_interfaces = loopback-only" \
		"inet_protocols = ipv4" \
		"myhostname = $host" \
		"mydomain = ${host#*.}" \
		"mydestination = \$myhostname, localhost" \
		"maillog_file = $dir/log/maillog" \
		"maillog_file_prefixes = $dir" \
		"alias_maps =" \
		"alias_database =" \
		"smtputf8_enable = no" \
		"biff = no" \
		"default_transport = discard:no outbound mail from tests" \
		"relay_transport = discard:no outbound mail from tests" \
		"smtpd_error_sleep_time = 0" \
		"smtpd_soft_error_limit = 100" \
		"smtpd_hard_error_limit = 200" \
		"smtpd_tls_session_cache_database =" \
		"smtp_dns_support_level = disabled" \
		"disable_dns_lookups = yes"
	chown -R postfix:postfix "$dir/data"
	# no set-permissions / check here: they take seconds, and `postfix
	# start` creates the queue directories with the right owners itself
}

pf_conf() {
	local dir=$1
	shift
	postconf -c "$dir/etc" -e "$@"
}

pf_listen() {
	local dir=$1 port=$2
	shift 2
	{
		printf '127.0.0.1:%s inet n - n - - smtpd\n' "$port"
		while [ $# -gt 0 ]; do
			[ "$1" = -o ] && shift
			printf '  -o %s\n' "$1"
			shift
		done
	} >>"$dir/etc/master.cf"
}

pf_selfsigned() {
	local dir=$1 name=$2
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -subj "/CN=$name" \
		-addext "subjectAltName=DNS:$name" \
		-keyout "$dir/tls/key.pem" -out "$dir/tls/cert.pem" 2>/dev/null
	chmod 600 "$dir/tls/key.pem"
	pf_conf "$dir" "smtpd_tls_chain_files = $dir/tls/key.pem, $dir/tls/cert.pem"
}

pf_sasldb() {
	local dir=$1 user=$2 pass=$3 realm
	realm=$(postconf -c "$dir/etc" -h myhostname)
	printf '%s' "$pass" | saslpasswd2 -f "$dir/sasl/sasldb2" -p -c -u "$realm" "$user"
	chown postfix "$dir/sasl/sasldb2"
	chmod 600 "$dir/sasl/sasldb2"
	# Debian's Postfix reads $config_directory/sasl/smtpd.conf (and ignores
	# cyrus_sasl_config_path), so the file goes there.
	mkdir -p "$dir/etc/sasl"
	cat >"$dir/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $dir/sasl/sasldb2
mech_list: PLAIN LOGIN
EOF
	pf_conf "$dir" \
		"smtpd_sasl_type = cyrus" \
		"smtpd_sasl_path = smtpd" \
		"cyrus_sasl_config_path = $dir/etc/sasl" \
		"smtpd_sasl_local_domain = \$myhostname"
}

pf_wait_port() {
	local port=$1 i
	for i in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "postfix: port $port did not open" >&2
	return 1
}

# pf_queue_dirs DIR - the queue directories `postfix start` would create
# (post-install create-missing takes seconds; this takes none)
pf_queue_dirs() {
	local q=$1/spool d
	mkdir -p "$q/pid"
	for d in active bounce corrupt defer deferred flush hold incoming private saved trace; do
		mkdir -p "$q/$d"
		chown postfix:root "$q/$d"
		chmod 700 "$q/$d"
	done
	mkdir -p "$q/public" "$q/maildrop"
	chown postfix:postdrop "$q/public" "$q/maildrop"
	chmod 710 "$q/public"
	chmod 730 "$q/maildrop"
}

pf_start() {
	local dir=$1 port
	pf_queue_dirs "$dir"
	# master directly (what postfix-script does after its slow checks);
	# -w waits until it is up and detached
	if ! /usr/lib/postfix/sbin/master -c "$dir/etc" -w >"$dir/log/start.out" 2>&1; then
		cat "$dir/log/start.out" >&2
		cat "$dir/log/maillog" >&2 2>/dev/null
		return 1
	fi
	for port in $(sed -n 's/^127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$dir/etc/master.cf"); do
		pf_wait_port "$port" || { cat "$dir/log/maillog" >&2; return 1; }
	done
}

pf_stop() {
	local dir=$1
	[ -n "$dir" ] && [ -f "$dir/etc/main.cf" ] || return 0
	postfix -c "$dir/etc" stop >/dev/null 2>&1 || true
	# postfix stop returns before master has exited; wait for its pid file to go
	local i
	for i in $(seq 1 50); do
		[ -f "$dir/spool/pid/master.pid" ] || return 0
		kill -0 "$(tr -d ' ' <"$dir/spool/pid/master.pid")" 2>/dev/null || return 0
		sleep 0.1
	done
}

pf_queue_count() {
	local dir=$1
	find "$dir/spool/incoming" "$dir/spool/active" "$dir/spool/deferred" \
		"$dir/spool/hold" "$dir/spool/maildrop" "$dir/spool/corrupt" \
		-type f 2>/dev/null | wc -l
}
