#!/usr/bin/env bash
# Scan benchmark: reeltag scan vs a plain parallel lofty read (the floor) vs exiftool.
# See BENCHMARKS.md for what each number means.
#
#   bash bench/scan.sh [--files N] [--runs R] [--exif-files M] [--exif-runs E] [--seed S]
#
#   --files N       library size for reeltag and the floor (default 20000)
#   --runs R        timed runs per tool; the median is reported (default 5)
#   --exif-files M  library size for exiftool, which is slow (default 2000)
#   --exif-runs E   timed exiftool runs (default 1)
#   --seed S        generator seed (default 20000)
#
# Libraries are generated into bench/out/lib-N once and reused while the
# generator, the fixtures, N and the seed are unchanged. All timings are warm
# cache: every tool gets one untimed run over the library first.
# reeltag runs with --no-state: every run reads every file, as the floor does (re-runs
# that use the state file are measured by bench/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

files=20000
runs=5
exif_files=2000
exif_runs=1
seed=20000
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --exif-files) exif_files="$2"; shift 2 ;;
    --exif-runs) exif_runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "scan.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

out=bench/out
mkdir -p "$out"
reeltag=target/release/reeltag
floor=target/release/examples/lofty_floor
floor_mi=target/release/examples/lofty_floor_mimalloc
gen=target/release/examples/gen_library

log() { printf '[scan.sh] %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------
apt_updated=0
need_apt() { # need_apt COMMAND PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    log "installing $2 (for $1)"
    if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
need_apt exiftool libimage-exiftool-perl
[ -x /usr/bin/time ] || need_apt /usr/bin/time time

log "building release binaries"
cargo build --release --examples --bins >&2

# --- libraries -----------------------------------------------------------
stamp_of() { # what a library was generated from
  printf 'files=%s seed=%s\n' "$1" "$seed"
  sha256sum examples/gen_library.rs fixtures/formats/*
}
ensure_library() { # ensure_library N -> prints the library path
  local n="$1" lib="$out/lib-$1" stamp="$out/lib-$1.stamp"
  if [ -d "$lib" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(stamp_of "$n")" ]; then
    log "reusing $lib"
  else
    log "generating $lib"
    rm -rf "$lib" "$stamp"
    "$gen" "$lib" "$n" --seed "$seed" >&2
    stamp_of "$n" >"$stamp"
  fi
  echo "$lib"
}
lib=$(ensure_library "$files")
exif_lib=$(ensure_library "$exif_files")

# --- timing --------------------------------------------------------------
# timed NAME CMD... : one run of CMD (stdout to /dev/null); appends "wall user sys maxrss_kb"
# to $out/times-NAME.txt. Wall time from date(1), CPU and peak RSS from GNU time.
timed() {
  local name="$1"; shift
  local t0 t1 cpu
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M' -o "$out/.time" "$@" >/dev/null 2>"$out/.stderr" || true
  t1=$(date +%s.%N)
  cpu=$(tail -n 1 "$out/.time")
  awk -v a="$t0" -v b="$t1" -v c="$cpu" 'BEGIN { printf "%.4f %s\n", b - a, c }' >>"$out/times-$name.txt"
}
# median_of: median of the numbers on stdin. median FILE COLUMN: of one column of a times file.
median_of() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median() { awk -v c="$2" '{ print $c }' "$1" | median_of; }
cpu_median() { awk '{ print $2 + $3 }' "$1" | median_of | awk '{ printf "%.2f", $1 }'; }
max_mb() { awk -v c="$2" '$c > m { m = $c } END { printf "%.1f", m / 1024 }' "$1"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# Warm-up and sanity checks: every tool once over its library, untimed.
status=0
lines=$("$reeltag" scan "$lib" --format jsonl -q --no-state | wc -l) || status=$?
if [ "$status" -ne 0 ] || [ "$lines" -ne "$files" ]; then
  log "WARNING: reeltag scan exited with $status and printed $lines lines for $files files"
  "$reeltag" scan "$lib" --format jsonl --no-state >/dev/null 2>"$out/reeltag-stderr.txt" || true
  log "  its stderr is in $out/reeltag-stderr.txt: $(tail -n 1 "$out/reeltag-stderr.txt")"
  reeltag_ok=0
else
  reeltag_ok=1
fi
log "floor warm-up: $("$floor" "$lib")"
log "floor (mimalloc) warm-up: $("$floor_mi" "$lib")"
"$reeltag" scan "$exif_lib" --format jsonl -q --no-state >/dev/null || true
exiftool -j -r -fast2 "$exif_lib" >/dev/null 2>&1 || true

rm -f "$out"/times-*.txt
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# reeltag and the floor alternate, so a load spike from elsewhere hits both.
for ((i = 1; i <= runs; i++)); do
  log "run $i/$runs: reeltag and floor on $files files, reeltag on $exif_files"
  timed reeltag "$reeltag" scan "$lib" --format jsonl -q --no-state
  timed floor "$floor" "$lib"
  timed floor_mi "$floor_mi" "$lib"
  timed reeltag_small "$reeltag" scan "$exif_lib" --format jsonl -q --no-state
done
for ((i = 1; i <= exif_runs; i++)); do
  log "exiftool run $i/$exif_runs on $exif_files files"
  timed exiftool exiftool -j -r -fast2 "$exif_lib"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
for name in reeltag floor floor_mi reeltag_small exiftool; do
  log "  $name (wall user sys maxrss_kb): $(tr '\n' ';' <"$out/times-$name.txt")"
done

t_reeltag=$(median "$out/times-reeltag.txt" 1)
t_floor=$(median "$out/times-floor.txt" 1)
t_floor_mi=$(median "$out/times-floor_mi.txt" 1)
t_reeltag_small=$(median "$out/times-reeltag_small.txt" 1)
t_exif=$(median "$out/times-exiftool.txt" 1)
c_reeltag=$(cpu_median "$out/times-reeltag.txt")
c_floor=$(cpu_median "$out/times-floor.txt")
c_floor_mi=$(cpu_median "$out/times-floor_mi.txt")
c_reeltag_small=$(cpu_median "$out/times-reeltag_small.txt")
c_exif=$(cpu_median "$out/times-exiftool.txt")
rss_reeltag=$(max_mb "$out/times-reeltag.txt" 4)
rss_floor=$(max_mb "$out/times-floor.txt" 4)
rss_floor_mi=$(max_mb "$out/times-floor_mi.txt" 4)
rss_reeltag_small=$(max_mb "$out/times-reeltag_small.txt" 4)
rss_exif=$(max_mb "$out/times-exiftool.txt" 4)

# --- report --------------------------------------------------------------
r_reeltag=$(rate "$files" "$t_reeltag")
r_floor=$(rate "$files" "$t_floor")
r_floor_mi=$(rate "$files" "$t_floor_mi")
r_reeltag_small=$(rate "$exif_files" "$t_reeltag_small")
r_exif=$(rate "$exif_files" "$t_exif")
ratio=$(awk -v a="$t_reeltag" -v b="$t_floor" 'BEGIN { printf "%.2f", a / b }')
cpu_ratio=$(awk -v a="$c_reeltag" -v b="$c_floor" 'BEGIN { printf "%.2f", a / b }')
ratio_mi=$(awk -v a="$t_reeltag" -v b="$t_floor_mi" 'BEGIN { printf "%.2f", a / b }')
floor_mi_ratio=$(awk -v a="$t_floor_mi" -v b="$t_floor" 'BEGIN { printf "%.2f", a / b }')
speedup=$(awk -v a="$r_reeltag" -v b="$r_exif" 'BEGIN { printf "%.0f", a / b }')
speedup_small=$(awk -v a="$r_reeltag_small" -v b="$r_exif" 'BEGIN { printf "%.0f", a / b }')
floor_speedup=$(awk -v a="$r_floor" -v b="$r_exif" 'BEGIN { printf "%.0f", a / b }')
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }

lofty_version=$(awk '/^name = "lofty"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
mem=$(free -h | awk '/^Mem:/ { print $2 }')
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q . && echo " + uncommitted src changes" || true)
report="$out/scan-$files.md"
{
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), reeltag ${rev}${dirty}, lofty ${lofty_version}, $(nproc) cores, ${mem} RAM, $(uname -sr)"
  echo
  echo "| tool | files | median s | files/s | ratio to floor | speedup vs exiftool (per file) | CPU s (user+sys) | peak RSS MB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  echo "| reeltag scan --format jsonl -q --no-state | $files | $t_reeltag | $r_reeltag | $ratio | ${speedup}× | $c_reeltag | $rss_reeltag |"
  echo "| lofty_floor | $files | $t_floor | $r_floor | 1.00 | ${floor_speedup}× | $c_floor | $rss_floor |"
  echo "| lofty_floor_mimalloc | $files | $t_floor_mi | $r_floor_mi | $floor_mi_ratio | | $c_floor_mi | $rss_floor_mi |"
  echo "| reeltag scan --format jsonl -q --no-state | $exif_files | $t_reeltag_small | $r_reeltag_small | | ${speedup_small}× | $c_reeltag_small | $rss_reeltag_small |"
  echo "| exiftool -j -r -fast2 | $exif_files | $t_exif | $r_exif | | 1× | $c_exif | $rss_exif |"
  echo
  echo "Median of $runs warm-cache runs (exiftool: $exif_runs). Load average before/after: $load_before / $load_after."
  echo "- reeltag within 1.25× of the floor: ${ratio}× wall, ${cpu_ratio}× CPU ($(verdict "$ratio <= 1.25"))"
  echo "- the same against the floor given reeltag's allocator (mimalloc): ${ratio_mi}× ($(verdict "$ratio_mi <= 1.25"))"
  echo "- at least 40× exiftool per file: ${speedup}× ($(verdict "$speedup >= 40"))"
  echo "- peak RSS under 64 MB at $files files: ${rss_reeltag} MB ($(verdict "$rss_reeltag < 64"))"
  if [ "$reeltag_ok" = 0 ]; then
    echo "- WARNING: reeltag scan did not exit 0 with one line per file; see $out/reeltag-stderr.txt"
  fi
  if awk -v l="${load_before%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    echo "- WARNING: the machine was busy when timing started (load ${load_before%% *} on $(nproc) cores); timings are noisy"
  fi
} | tee "$report"
log "report saved to $report"
