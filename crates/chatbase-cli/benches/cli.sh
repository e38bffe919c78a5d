#!/usr/bin/env bash
# Benchmarks for the `chatbase` binary against a local emulator (127.0.0.1 only). Prints Markdown rows for
# BENCHMARKS.md. Usage: crates/chatbase-cli/benches/cli.sh [path/to/profiling/chatbase] [conversations]
# Build first: cargo build --profile profiling -p chatbase-cli && cargo build --profile profiling -p chatbase --example stream_floor
# (`profiling` is `release` plus line tables, so `perf record` can name lines; the code is the same.)
# (the stream_floor example, if built, adds the bare-reqwest floor to the chat comparison).
set -euo pipefail

BIN=${1:-target/profiling/chatbase}
CONVERSATIONS=${2:-2000}
PORT=${PORT:-18787}
WORK=$(mktemp -d)
trap 'kill "$EMU_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

export NO_COLOR=1 XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data"
unset CHATBASE_API_KEY CHATBASE_API_KEY_FILE CHATBASE_AGENT_ID CHATBASE_PROFILE || true

"$BIN" emulator serve --port "$PORT" --in-memory --no-rate-limit --stream-delay-ms 0 >"$WORK/emu.log" 2>&1 &
EMU_PID=$!
for _ in $(seq 50); do grep -q "API key" "$WORK/emu.log" 2>/dev/null && break; sleep 0.1; done
KEY=$(grep "API key" "$WORK/emu.log" | awk '{print $3}')
export CHATBASE_API_URL="http://127.0.0.1:$PORT" CHATBASE_API_KEY="$KEY" CHATBASE_AGENT_ID=demo-agent

now_ns() { date +%s%N; }

# Mean wall time in ms of N runs of a command.
mean_ms() {
  local n=$1; shift
  local start end
  start=$(now_ns)
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1; done
  end=$(now_ns)
  echo "scale=2; ($end - $start) / $n / 1000000" | bc
}

echo "| benchmark | result |"
echo "|---|---|"
echo "| \`chatbase --version\` (mean of 200) | $(mean_ms 200 "$BIN" --version) ms |"
echo "| \`chatbase sources list\` against the emulator (mean of 50) | $(mean_ms 50 "$BIN" sources list) ms |"
echo "| \`chatbase --emulator sources list\` (in-process emulator, in memory; mean of 20) | $(CHATBASE_EMULATOR_DIR=:memory: mean_ms 20 "$BIN" --emulator sources list) ms |"

# A Q&A answer is streamed whole, one delta per word: 100,000 words give a 100,000-delta stream.
python3 -c "print(' '.join('w%d' % i for i in range(100000)))" >"$WORK/answer.txt"
"$BIN" sources create --type qna --name "Zebracorn" --question "zebracorn zebracorn" -F "answer=@$WORK/answer.txt" -q >/dev/null
"$BIN" agents train -q >/dev/null
BODY='{"message":"zebracorn","stream":true}'
URL="$CHATBASE_API_URL/api/v2/agents/demo-agent/chat"

deltas=$("$BIN" chat --format ndjson -m "zebracorn" 2>/dev/null | grep -c '"text-delta"')
RUNS=${RUNS:-11}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
elapsed_ms() { local s; s=$(now_ns); "$@" >/dev/null 2>&1 || true; echo $(( ($(now_ns) - s) / 1000000 )); }
curl_stream() { curl -sN -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d "$BODY" "$URL"; }
FLOOR=$(dirname "$BIN")/examples/stream_floor
cli_text=(); cli_ndjson=(); curl_all=(); cli_first=(); curl_first=(); floor=()
# Interleaved runs, so both clients see the same machine load; medians are reported.
for _ in $(seq "$RUNS"); do
  cli_text+=("$(elapsed_ms "$BIN" chat -m zebracorn)")
  curl_all+=("$(elapsed_ms curl_stream)")
  if [ -x "$FLOOR" ]; then floor+=("$(elapsed_ms "$FLOOR" "$URL" "$KEY" "$BODY")"); fi
  cli_ndjson+=("$(elapsed_ms "$BIN" chat --format ndjson -m zebracorn)")
  # Time to first printed delta: the first byte the CLI prints vs the first text-delta line curl receives.
  cli_first+=("$(elapsed_ms sh -c '"$0" chat -m zebracorn 2>/dev/null | head -c 1' "$BIN")")
  curl_first+=("$(elapsed_ms sh -c 'curl -sN -H "Authorization: Bearer $0" -H "Content-Type: application/json" -d "$1" "$2" | grep -m1 -q text-delta' "$KEY" "$BODY" "$URL")")
done
t=$(median "${cli_text[@]}"); c=$(median "${curl_all[@]}")
echo "| chat stream of $deltas deltas, printed as text: total (median of $RUNS) | $t ms (curl -N: $c ms; ratio $(echo "scale=2; $t / $c" | bc)) |"
if [ ${#floor[@]} -gt 0 ]; then
  echo "| same stream read by bare reqwest, chunks counted only (\`stream_floor\`, median of $RUNS) | $(median "${floor[@]}") ms |"
fi
echo "| same stream, \`--format ndjson\` (every event parsed and re-encoded) | $(median "${cli_ndjson[@]}") ms |"
echo "| time to first printed delta (median of $RUNS) | $(median "${cli_first[@]}") ms (curl -N first text-delta: $(median "${curl_first[@]}") ms) |"

# The same stream recorded and replayed in 16 KiB HTTP chunks by a tiny Python server: few chunks and no server
# work, so this is the CLI's own cost to decode and print 100,000 deltas (start-up included).
curl_stream >"$WORK/recorded.sse"
python3 - "$WORK/recorded.sse" "$WORK/replay.port" <<'PY' &
import http.server, socketserver, sys
body = open(sys.argv[1], "rb").read()
class Replay(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        for i in range(0, len(body), 16384):
            part = body[i:i + 16384]
            self.wfile.write(b"%x\r\n" % len(part) + part + b"\r\n")
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True
# An ephemeral port, written to a file once bound: no clash with anything already listening.
with socketserver.TCPServer(("127.0.0.1", 0), Replay) as server:
    with open(sys.argv[2] + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
    server.serve_forever()
PY
REPLAY_PID=$!
trap 'kill "$EMU_PID" "$REPLAY_PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 50); do [ -s "$WORK/replay.port" ] && break; sleep 0.1; done
REPLAY_PORT=$(cat "$WORK/replay.port")
# The timings below ignore exit codes, so first check that the replay really serves the whole answer.
want=$("$BIN" chat -m zebracorn 2>/dev/null | wc -c)
got=$(CHATBASE_API_URL="http://127.0.0.1:$REPLAY_PORT" "$BIN" chat -m zebracorn 2>/dev/null | wc -c)
if [ "$want" != "$got" ]; then
  echo "replay check failed: the CLI printed $got bytes from the replay, $want from the emulator" >&2
  exit 1
fi
replay_cli=(); replay_curl=()
for _ in $(seq "$RUNS"); do
  replay_cli+=("$(CHATBASE_API_URL="http://127.0.0.1:$REPLAY_PORT" elapsed_ms "$BIN" chat -m zebracorn)")
  replay_curl+=("$(elapsed_ms curl -sN -d "$BODY" "http://127.0.0.1:$REPLAY_PORT/api/v2/agents/demo-agent/chat")")
done
echo "| same stream replayed in 16 KiB chunks, printed as text (median of $RUNS) | $(median "${replay_cli[@]}") ms (curl -N: $(median "${replay_curl[@]}") ms) |"

# Export: seed conversations through the API (non-streaming chat), then export them all.
seq "$CONVERSATIONS" | xargs -P 4 -I{} curl -s -o /dev/null -H "Authorization: Bearer $KEY" \
  -H 'Content-Type: application/json' -d '{"message":"How do I reset my password? {}","stream":false}' "$URL"
for n in 200 "$CONVERSATIONS"; do
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" conversations export --limit 20 --max-items "$n" -o "$WORK/export.ndjson"
  read -r secs kb <"$WORK/time"
  lines=$(wc -l <"$WORK/export.ndjson")
  echo "| export of $lines conversations to a file | ${secs} s, peak RSS $((kb / 1024)) MiB |"
done
