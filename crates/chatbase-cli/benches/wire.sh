#!/usr/bin/env bash
# Streaming at the wire's speed: the `chatbase` binary against `curl -N` on the same pre-rendered answers, served
# from loopback by a small Python server that sends each whole response in one write, one HTTP chunk per event (as
# the service streams a token per chunk), so only the client is measured. Prints Markdown rows for BENCHMARKS.md.
# Usage: crates/chatbase-cli/benches/wire.sh BIN [BIN…]   (RUNS=21 by default; EVENTS=100000)
# Build first: cargo build --profile profiling -p chatbase-cli   (then BIN is target/profiling/chatbase)
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 path/to/chatbase [another/chatbase …]" >&2; exit 2; }
RUNS=${RUNS:-21}
EVENTS=${EVENTS:-100000}
WORK=$(mktemp -d)
trap 'kill "$SRV_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

python3 - "$EVENTS" "$WORK/port" <<'PY' &
import http.server, socketserver, sys, os
n = int(sys.argv[1])
def chunked(parts):
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
def head(ctype):
    return (b"HTTP/1.1 200 OK\r\ncontent-type: " + ctype + b"\r\ntransfer-encoding: chunked\r\n"
            b"connection: close\r\n\r\n")
events = [b'data: {"type":"start","messageId":"msg-1"}\n\n', b'data: {"type":"text-start","id":"t0"}\n\n']
events += [b'data: {"type":"text-delta","id":"t0","delta":"w%d "}\n\n' % i for i in range(n)]
events += [b'data: {"type":"text-end","id":"t0"}\n\n', b'data: {"type":"finish","finishReason":"stop"}\n\n',
           b"data: [DONE]\n\n"]
V2 = head(b"text/event-stream") + chunked(events)
V1 = head(b"text/plain; charset=utf-8") + chunked([b"w%d " % i for i in range(n)])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        try:
            self.wfile.write(V1 if self.path.startswith("/api/v1/") else V2)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the first-delta runs hang up after one line
        self.close_connection = True
socketserver.TCPServer.allow_reuse_address = True
with socketserver.ThreadingTCPServer(("127.0.0.1", 0), H) as s:
    open(sys.argv[2] + ".tmp", "w").write(str(s.server_address[1])); os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    s.serve_forever()
PY
SRV_PID=$!
for _ in $(seq 100); do [ -s "$WORK/port" ] && break; sleep 0.05; done
PORT=$(cat "$WORK/port")
export NO_COLOR=1 XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
unset CHATBASE_PROFILE CHATBASE_API_KEY_FILE || true
export CHATBASE_API_URL="http://127.0.0.1:$PORT" CHATBASE_API_KEY=bench-key CHATBASE_AGENT_ID=bench-agent
V2URL="$CHATBASE_API_URL/api/v2/agents/bench-agent/chat"
V1URL="$CHATBASE_API_URL/api/v1/chat"

# Every client must print the whole answer, or its time means nothing.
want=$(( $(python3 -c "print(len(' '.join('w%d' % i for i in range($EVENTS))))") + 1 ))
for BIN in "$@"; do
  for mode in "chat -m q" "v1 chat -m q --chatbot bench-agent"; do
    # shellcheck disable=SC2086
    got=$("$BIN" $mode | wc -c)
    [ "$got" -ge "$want" ] || { echo "$BIN $mode printed $got bytes, want $want" >&2; exit 1; }
  done
done

now_ns() { date +%s%N; }
ms() { local s; s=$(now_ns); "$@" >/dev/null 2>&1 || true; echo "scale=1; ($(now_ns) - $s) / 1000000" | bc; }
ratio() { printf '%.2f' "$(echo "scale=3; $1 / $2" | bc)"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# CPU time (task-clock, all threads) in ms: steadier than wall time on a shared machine.
cpu() { perf stat -x, -e task-clock -o "$WORK/perf" "$@" >/dev/null 2>&1 || true; awk -F, '/task-clock/ {print $1}' "$WORK/perf"; }
rss_mib() { /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1 || true; echo $(( $(cat "$WORK/rss") / 1024 )); }
curl2() { curl -sN -H "Authorization: Bearer bench-key" -H 'Content-Type: application/json' -d '{"message":"q","stream":true}' "$V2URL"; }
curl1() { curl -sN -H "Authorization: Bearer bench-key" -H 'Content-Type: application/json' -d '{"messages":[{"role":"user","content":"q"}],"chatbotId":"bench-agent","stream":true}' "$V1URL"; }
first_cli() { sh -c '"$0" chat -m q 2>/dev/null | head -c 1 >/dev/null' "$1"; }
first_curl() { curl2 | grep -m1 -q text-delta; }

declare -A T
for _ in $(seq "$RUNS"); do
  T[curl_v2]+=" $(ms curl2)"; T[curl_v1]+=" $(ms curl1)"; T[curl_first]+=" $(ms first_curl)"
  T[cpu_curl_v2]+=" $(cpu curl -sN -H 'Content-Type: application/json' -d '{"message":"q","stream":true}' "$V2URL")"
  T[cpu_curl_v1]+=" $(cpu curl -sN -H 'Content-Type: application/json' -d '{"messages":[],"stream":true}' "$V1URL")"
  i=0
  for BIN in "$@"; do
    T[text_$i]+=" $(ms "$BIN" chat -m q)"
    T[ndjson_$i]+=" $(ms "$BIN" chat --format ndjson -m q)"
    T[v1_$i]+=" $(ms "$BIN" v1 chat -m q --chatbot bench-agent)"
    T[first_$i]+=" $(ms first_cli "$BIN")"
    T[cpu_text_$i]+=" $(cpu "$BIN" chat -m q)"
    T[cpu_ndjson_$i]+=" $(cpu "$BIN" chat --format ndjson -m q)"
    T[cpu_v1_$i]+=" $(cpu "$BIN" v1 chat -m q --chatbot bench-agent)"
    i=$((i + 1))
  done
done
# shellcheck disable=SC2086
c2=$(median ${T[curl_v2]}); c1=$(median ${T[curl_v1]}); cf=$(median ${T[curl_first]})
echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg); $EVENTS events, medians of $RUNS interleaved runs"
echo
echo "| client | v2 text | ratio | v2 --format ndjson | ratio | v1 text | ratio | first delta | peak RSS (v2 text / ndjson / v1) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| \`curl -N\` | $c2 ms | 1 | — | — | $c1 ms | 1 | $cf ms | — |"
i=0
for BIN in "$@"; do
  # shellcheck disable=SC2086
  t=$(median ${T[text_$i]}); n=$(median ${T[ndjson_$i]}); v=$(median ${T[v1_$i]}); f=$(median ${T[first_$i]})
  r="$(rss_mib "$BIN" chat -m q) / $(rss_mib "$BIN" chat --format ndjson -m q) / $(rss_mib "$BIN" v1 chat -m q --chatbot bench-agent) MiB"
  echo "| \`$BIN\` | $t ms | $(ratio "$t" "$c2") | $n ms | $(ratio "$n" "$c2") | $v ms | $(ratio "$v" "$c1") | $f ms | $r |"
  i=$((i + 1))
done
echo
echo "CPU time (task-clock of the client process, all threads; medians):"
echo
echo "| client | v2 text | ratio | v2 --format ndjson | ratio | v1 text | ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|"
# shellcheck disable=SC2086
k2=$(median ${T[cpu_curl_v2]}); k1=$(median ${T[cpu_curl_v1]})
echo "| \`curl -N\` | $k2 ms | 1 | — | — | $k1 ms | 1 |"
i=0
for BIN in "$@"; do
  # shellcheck disable=SC2086
  t=$(median ${T[cpu_text_$i]}); n=$(median ${T[cpu_ndjson_$i]}); v=$(median ${T[cpu_v1_$i]})
  echo "| \`$BIN\` | $t ms | $(ratio "$t" "$k2") | $n ms | $(ratio "$n" "$k2") | $v ms | $(ratio "$v" "$k1") |"
  i=$((i + 1))
done

# With STRACE=1: system calls per run (write = output flushes, epoll_wait = times the runtime parked).
if [ "${STRACE:-0}" = 1 ]; then
  echo
  echo "| client | stream | write | epoll_wait | read/recvfrom |"
  echo "|---|---|---:|---:|---:|"
  for BIN in "$@"; do
    for mode in "chat -m q" "chat --format ndjson -m q" "v1 chat -m q --chatbot bench-agent"; do
      # shellcheck disable=SC2086
      strace -f -c -o "$WORK/strace" -e trace=write,epoll_wait,read,recvfrom "$BIN" $mode >/dev/null 2>&1 || true
      count() { awk -v s="$1" '$NF == s {n = $4} END {print n + 0}' "$WORK/strace"; }
      reads=$(( $(count read) + $(count recvfrom) ))
      echo "| \`$BIN\` | $mode | $(count write) | $(count epoll_wait) | $reads |"
    done
  done
fi
