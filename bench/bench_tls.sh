#!/bin/sh
# New TLS connections per second and keep-alive GET /healthz per second,
# meldpuntd side by side with nginx in the same run (issue 16): nginx with
# 2 worker processes, meldpuntd as 2 public processes sharing the port
# with reuse_port = yes (one event loop per core), the same certificate,
# TLS 1.3 with the same P-256 key, loopback only.  wrk makes the load,
# bounded to BENCH_TLS_SECONDS (10) per row.  Prints a table and the
# ratios; nothing here needs a database (/healthz says the process lives).
#
#   bench/bench_tls.sh [BUILD]
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$top" && cd "$build" && pwd)
secs=${BENCH_TLS_SECONDS:-10}
for t in wrk nginx openssl; do
	command -v $t >/dev/null 2>&1 || [ -x /usr/sbin/$t ] || {
		echo "bench_tls: $t missing (apt-get install wrk nginx-light)"; exit 1; }
done
tmp=$(mktemp -d /tmp/meldpunt-bench-tls.XXXXXX)
chmod 0755 "$tmp"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	[ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
	sleep 1
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj /CN=localhost \
    >/dev/null 2>&1

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mport=$(free_port)
nport=$(free_port)

# Two meldpuntd processes on one port (SO_REUSEPORT).
cat >"$tmp/meldpuntd.conf" <<CONF
listen = 127.0.0.1:$mport
reuse_port = yes
tls_cert = $tmp/cert.pem
tls_key = $tmp/key.pem
database = "host=$tmp dbname=none connect_timeout=1"
max_connections = 4096
log_level = warn
CONF
for i in 1 2; do
	"$build/meldpuntd" -c "$tmp/meldpuntd.conf" -r public 2>>"$tmp/meldpuntd.log" &
	pids="$pids $!"
done

mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $tmp/nginx;
	proxy_temp_path $tmp/nginx;
	fastcgi_temp_path $tmp/nginx;
	uwsgi_temp_path $tmp/nginx;
	scgi_temp_path $tmp/nginx;
	server {
		listen 127.0.0.1:$nport ssl;
		ssl_certificate $tmp/cert.pem;
		ssl_certificate_key $tmp/key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_session_tickets off;
		ssl_session_cache off;
		keepalive_requests 1000000;
		location = /healthz {
			default_type application/json;
			return 200 '{"status":"ok","role":"public"}';
		}
	}
}
CONF
/usr/sbin/nginx -c "$tmp/nginx.conf" -e "$tmp/nginx/error.log"
sleep 1
for p in $mport $nport; do
	i=0
	until curl -sk "https://127.0.0.1:$p/healthz" >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 50 ] || { echo "bench_tls: port $p never answered"; cat "$tmp/meldpuntd.log"; exit 1; }
		sleep 0.2
	done
done

rate() {	# rate PORT close|keep -> requests/s
	if [ "$2" = close ]; then h="-H Connection:close"; else h=""; fi
	# shellcheck disable=SC2086
	wrk -t 2 -c 64 -d "${secs}s" $h "https://127.0.0.1:$1/healthz" 2>/dev/null |
	    tee -a "$tmp/wrk.out" | awk '/Requests\/sec/ { printf "%d", $2 }'
}
mn=$(rate "$mport" close); nn=$(rate "$nport" close)
mk=$(rate "$mport" keep);  nk=$(rate "$nport" keep)
# Full handshakes for certain: one openssl s_time client, no resumption.
stime() {
	openssl s_time -connect "127.0.0.1:$1" -new -time "$secs" 2>/dev/null |
	    awk '/connections in/ { for (i = 1; i <= NF; i++) if ($i ~ /connections\/user/) { print int($(i - 1)); exit } }'
}
ms=$(stime "$mport"); ns=$(stime "$nport")
echo "new TLS connections/s and keep-alive GET /healthz/s; wrk -t 2 -c 64, ${secs} s per row; load average at start $(cut -d' ' -f1 /proc/loadavg)"
echo "| load | meldpuntd (2 processes, reuse_port) | nginx (2 workers) | ratio |"
echo "|---|---:|---:|---:|"
awk -v a="$mn" -v b="$nn" 'BEGIN { printf "| new connection per request | %d | %d | %.2f |\n", a, b, b ? a / b : 0 }'
awk -v a="$mk" -v b="$nk" 'BEGIN { printf "| keep-alive | %d | %d | %.2f |\n", a, b, b ? a / b : 0 }'
awk -v a="$ms" -v b="$ns" 'BEGIN { printf "| full handshakes, one openssl s_time client (per s of its CPU) | %d | %d | %.2f |\n", a, b, b ? a / b : 0 }'
# Errors and non-2xx answers count as requests in wrk: show them.
grep -E "Non-2xx|Socket errors" "$tmp/wrk.out" | sed 's/^/wrk: /' || true
