#!/usr/bin/env bash
# Write benchmark: reeltag tag --dry-run vs reeltag scan, and reeltag tag (atomic writes)
# vs a plain mutagen script writing in place (bench/mutagen_write.py), on the generated
# library and on a library of large FLAC files, and the floor of any copy-and-rename writer
# (examples/atomic_floor: read each file, write a copy beside it, syncfs, rename; nothing
# else) on the files reeltag writes. See BENCHMARKS.md for what each number means.
#
#   bash bench/write.sh [--files N] [--runs R] [--big-files B] [--big-seconds S] [--no-big]
#                       [--settle S] [--seed S]
#
#   --files N        generated library size (default 20000; the same library as bench/scan.sh)
#   --runs R         timed runs per command; the median is reported (default 3)
#   --big-files B    files in the large-file library (default 200)
#   --big-seconds S  length of each large file: S seconds of stereo 16-bit noise, ~0.17 MB/s (default 60)
#   --no-big         skip the large-file library
#   --settle S       seconds between a mass delete and the next reeltag write run (default 65)
#   --seed S         generator seed (default 20000)
#
# Every write run gets a fresh copy of the library (cp -a, then sync; not timed). The tools
# alternate, so load from elsewhere on the machine hits all of them. Used copies of the
# generated library are moved aside and deleted at the end, and a reeltag write run starts
# at least S seconds after the last mass delete: ext4 without a journal (as here) skips
# inodes freed in the last 60 s when it creates a file, so 20,000 just-deleted files slow
# down creating reeltag's temporary files (a 7.4 s run took 10.1 s; see BENCHMARKS.md).
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
cd "$(dirname "$0")/.."

files=20000
runs=3
big_files=200
big_seconds=60
big=1
seed=20000
processes=2
# The floor's threads: the fastest of those tried (see BENCHMARKS.md, "The atomic-write floor").
floor_threads=4
settle=65
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --big-files) big_files="$2"; shift 2 ;;
    --big-seconds) big_seconds="$2"; shift 2 ;;
    --no-big) big=0; shift ;;
    --settle) settle="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "write.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

out=bench/out
mkdir -p "$out"
reeltag=target/release/reeltag
gen=target/release/examples/gen_library
copy=$out/write-copy
trash=$out/write-trash
times=$out/write-times
mkdir -p "$times"

log() { printf '[write.sh] %s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------
apt_updated=0
need_apt() { # need_apt COMMAND PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    log "installing $2 (for $1)"
    if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  fi
}
[ -x /usr/bin/time ] || need_apt /usr/bin/time time
if [ "$big" = 1 ]; then need_apt ffmpeg ffmpeg; fi
if ! python3 -c 'import mutagen' 2>/dev/null; then
  log "installing mutagen (pip)"
  python3 -m pip install -q mutagen >&2
fi
mutagen_version=$(python3 -c 'import mutagen; print(mutagen.version_string)')

log "building release binaries"
cargo build --release --bins --examples >&2
# What was built: the commit and whether the sources differed from it, taken now, since
# others may commit while the benchmark runs.
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q . && echo " + uncommitted src changes" || true)

# --- libraries -----------------------------------------------------------
# The same stamp as bench/scan.sh, so the two scripts share bench/out/lib-N.
stamp_of() {
  printf 'files=%s seed=%s\n' "$1" "$seed"
  sha256sum examples/gen_library.rs fixtures/formats/*
}
lib=$out/lib-$files
if [ -d "$lib" ] && [ -f "$lib.stamp" ] && [ "$(cat "$lib.stamp")" = "$(stamp_of "$files")" ]; then
  log "reusing $lib"
else
  log "generating $lib"
  rm -rf "$lib" "$lib.stamp"
  "$gen" "$lib" "$files" --seed "$seed" >&2
  stamp_of "$files" >"$lib.stamp"
fi

# The large-file library: one FLAC of noise made by ffmpeg (noise does not compress, so
# 60 s of stereo 16-bit 44.1 kHz is ~10 MB), copied into 20 film-score albums whose
# tags mutagen sets (album "... (Original Motion Picture Soundtrack)", composer =
# artist = album artist), so reeltag classifies every file as score and writes it.
big_lib=$out/lib-big-$big_files
big_stamp_of() {
  printf 'files=%s seconds=%s\n' "$big_files" "$big_seconds"
  ffmpeg -version | head -n 1
  sed -n '/^make_big_library() {$/,/^}$/p' "$self" | sha256sum
}
make_big_library() {
  local dir="$1"
  rm -rf "$dir" && mkdir -p "$dir"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "anoisesrc=d=$big_seconds:c=white:r=44100:a=0.5:seed=1" \
    -f lavfi -i "anoisesrc=d=$big_seconds:c=white:r=44100:a=0.5:seed=2" \
    -filter_complex '[0:a][1:a]amerge=inputs=2[a]' -map '[a]' \
    -sample_fmt s16 -c:a flac -fflags +bitexact -map_metadata -1 "$dir/.base.flac"
  python3 - "$dir" "$big_files" <<'EOF'
import os, shutil, sys
from mutagen.flac import FLAC
folder, n = sys.argv[1], int(sys.argv[2])
base = os.path.join(folder, ".base.flac")
per_album = 10
for i in range(n):
    album, track = divmod(i, per_album)
    composer = f"Composer {album + 1:02d}"
    title = f"Big Film {album + 1:02d} (Original Motion Picture Soundtrack)"
    path = os.path.join(folder, composer, title, f"{track + 1:02d} Cue {track + 1}.flac")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(base, path)
    f = FLAC(path)
    if f.tags is None:
        f.add_tags()
    f.tags.update({"TITLE": f"Cue {track + 1}", "ARTIST": composer, "ALBUMARTIST": composer,
                   "COMPOSER": composer, "ALBUM": title, "GENRE": "Soundtrack",
                   "DATE": str(1980 + album), "TRACKNUMBER": str(track + 1),
                   "TRACKTOTAL": str(min(per_album, n - album * per_album))})
    f.save()
os.remove(base)
EOF
}
if [ "$big" = 1 ]; then
  if [ -d "$big_lib" ] && [ -f "$big_lib.stamp" ] && [ "$(cat "$big_lib.stamp")" = "$(big_stamp_of)" ]; then
    log "reusing $big_lib"
  else
    log "generating $big_lib ($big_files FLAC files of $big_seconds s)"
    rm -f "$big_lib.stamp"
    make_big_library "$big_lib"
    big_stamp_of >"$big_lib.stamp"
  fi
fi

# --- timing --------------------------------------------------------------
# timed NAME CMD... : one run of CMD (stdout to /dev/null, stderr to $out/.stderr); appends
# "wall user sys maxrss_kb exit" to $times/NAME.txt. Wall time from date(1), CPU and peak RSS
# from GNU time.
timed() {
  local name="$1"; shift
  local t0 t1 cpu
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M %x' -o "$out/.time" "$@" >"$out/.$name-stdout" 2>"$out/.stderr" || true
  t1=$(date +%s.%N)
  cpu=$(tail -n 1 "$out/.time")
  awk -v a="$t0" -v b="$t1" -v c="$cpu" 'BEGIN { printf "%.4f %s\n", b - a, c }' >>"$times/$name.txt"
}
# time_sync NAME: how long a sync(1) takes right now; appended to $times/NAME-sync.txt.
time_sync() {
  local t0 t1
  t0=$(date +%s.%N); sync; t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }' >>"$times/$1-sync.txt"
}
median_of() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median() { awk -v c="$2" '{ print $c }' "$1" | median_of; }
cpu_median() { awk '{ print $2 + $3 }' "$1" | median_of | awk '{ printf "%.2f", $1 }'; }
max_mb() { awk '$4 > m { m = $4 } END { printf "%.1f", m / 1024 }' "$1"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { printf f, a / b }'; }
written_of() { grep -o '[0-9][0-9]* written' "$out/.stderr" | head -n 1 | cut -d' ' -f1 || true; }
bad_exits() { awk '$5 != 0 { n++ } END { print n + 0 }' "$1"; }
# fresh_copy LIB: a new copy of LIB at $copy, flushed to disk so the timed run does not
# pay for writing back the copy (reeltag's syncfs would otherwise flush it). The old copy
# is moved into $trash, not deleted (see settle).
copies=0
retire_copy() {
  if [ -e "$copy" ]; then copies=$((copies + 1)); mkdir -p "$trash"; mv "$copy" "$trash/$copies"; fi
}
# "$1/." so a library that is a symlink (to another checkout's bench/out) is copied, not the link.
fresh_copy() { retire_copy; cp -a "$1/." "$copy"; sync; }
# settle_wait: sleep until $settle seconds have passed since $last_delete (epoch seconds),
# the end of the last command that deleted many files (rm of old copies, or a reeltag
# run, whose renames free one inode per file written).
last_delete=0
settle_wait() {
  local left; left=$(awk -v l="$last_delete" -v s="$settle" -v n="$(date +%s.%N)" 'BEGIN { d = l + s - n; printf "%d", (d > 0 ? d + 1 : 0) }')
  if [ "$left" -gt 0 ]; then log "waiting ${left} s for recently freed inodes to age (--settle)"; sleep "$left"; fi
}
audio_bytes() { find "$1/" -type f \( -name '*.mp3' -o -name '*.flac' -o -name '*.ogg' -o -name '*.opus' -o -name '*.m4a' -o -name '*.wav' -o -name '*.aiff' -o -name '*.wv' \) -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'; }

rm -f "$times"/*.txt
warnings=()
if [ -e "$copy" ] || [ -e "$trash" ]; then
  log "removing copies left by an earlier run"
  rm -rf "$copy" "$trash"; sync; last_delete=$(date +%s.%N)
fi

# --- 1. dry run vs scan --------------------------------------------------
log "warm-up: scan and dry run of $lib"
lines=$("$reeltag" scan "$lib" --format jsonl --no-state -q | wc -l) || true
[ "$lines" -eq "$files" ] || warnings+=("reeltag scan printed $lines lines for $files files")
rm -rf "$out/journal-dry"
"$reeltag" tag "$lib" --dry-run --format jsonl --no-state --journal "$out/journal-dry" >"$out/write-plan.jsonl" 2>"$out/.stderr" || true
planned=$(grep -o '[0-9][0-9]* to change' "$out/.stderr" | cut -d' ' -f1 || true)
log "dry run: $(tail -n 1 "$out/.stderr")"
[ -n "$planned" ] || { log "cannot read the planned count from the dry run's summary"; exit 1; }
# The files reeltag would write, relative to the library, for the mutagen run on the same files.
python3 - "$lib" "$out/write-plan.jsonl" >"$out/write-planned.txt" <<'EOF'
import json, os, sys
lib, plan = sys.argv[1], sys.argv[2]
for line in open(plan, encoding="utf-8"):
    r = json.loads(line)
    if r.get("changes"):
        print(os.path.relpath(r["path"], lib))
EOF

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((i = 1; i <= runs; i++)); do
  log "run $i/$runs: scan and dry run on $files files"
  timed scan "$reeltag" scan "$lib" --format jsonl --no-state -q
  rm -rf "$out/journal-dry"
  timed dry "$reeltag" tag "$lib" --dry-run --format jsonl --no-state -q --journal "$out/journal-dry"
done

# --- 2. writes on the generated library ----------------------------------
for ((i = 1; i <= runs; i++)); do
  log "run $i/$runs: reeltag tag on a fresh copy"
  fresh_copy "$lib"
  rm -rf "$out/journal-$i"
  settle_wait
  timed tag "$reeltag" tag "$copy" --format jsonl --no-state --journal "$out/journal-$i"
  time_sync tag
  last_delete=$(date +%s.%N)
  w=$(written_of)
  echo "$w" >>"$times/tag-written.txt"
  [ "$w" = "$planned" ] || warnings+=("run $i: reeltag tag wrote ${w:-?} files, the dry run planned $planned ($(tail -n 1 "$out/.stderr"))")
  if [ "$i" = 1 ]; then
    # A second run must find nothing to change.
    again=$("$reeltag" tag "$copy" --dry-run --format jsonl --no-state --journal "$out/journal-dry" 2>&1 >/dev/null | grep -o '[0-9][0-9]* to change' | cut -d' ' -f1 || true)
    [ "$again" = 0 ] || warnings+=("after reeltag tag, a dry run still plans ${again:-?} changes")
  fi

  log "run $i/$runs: the atomic-write floor (examples/atomic_floor, $floor_threads threads) on reeltag's files, on a fresh copy"
  fresh_copy "$lib"
  settle_wait
  timed floor target/release/examples/atomic_floor "$copy" "$out/write-planned.txt" -j "$floor_threads"
  time_sync floor
  last_delete=$(date +%s.%N)
  grep -o '^[0-9][0-9]* written' "$out/.floor-stdout" | cut -d' ' -f1 >>"$times/floor-written.txt" || true

  log "run $i/$runs: mutagen ($processes processes), every file, on a fresh copy"
  fresh_copy "$lib"
  timed mutagen python3 bench/mutagen_write.py "$copy" "$processes"
  time_sync mutagen
  written_of >>"$times/mutagen-written.txt"

  log "run $i/$runs: mutagen ($processes processes), the files reeltag writes, on a fresh copy"
  fresh_copy "$lib"
  timed mutagen_same python3 bench/mutagen_write.py "$copy" "$processes" --only "$out/write-planned.txt"
  time_sync mutagen_same
  written_of >>"$times/mutagen_same-written.txt"
done
lib_bytes=$(audio_bytes "$lib")

# --- 3. writes on the large-file library ---------------------------------
if [ "$big" = 1 ]; then
  big_bytes=$(audio_bytes "$big_lib")
  retire_copy
  for ((i = 1; i <= runs; i++)); do
    log "run $i/$runs: reeltag tag on a fresh copy of $big_lib"
    rm -rf "$copy" # only $big_files inodes: no need to keep it
    fresh_copy "$big_lib"
    rm -rf "$out/journal-big-$i"
    settle_wait
    timed big_tag "$reeltag" tag "$copy" --format jsonl --no-state --journal "$out/journal-big-$i"
    time_sync big_tag
    written_of >>"$times/big_tag-written.txt"

    log "run $i/$runs: mutagen on a fresh copy of $big_lib"
    rm -rf "$copy"
    fresh_copy "$big_lib"
    timed big_mutagen python3 bench/mutagen_write.py "$copy" "$processes"
    time_sync big_mutagen
    written_of >>"$times/big_mutagen-written.txt"
  done
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
log "removing the copies"
rm -rf "$copy" "$trash"
sync # so the freed inodes age from now on (see settle), whatever runs next

for f in "$times"/*.txt; do
  log "  $(basename "$f" .txt): $(tr '\n' ';' <"$f")"
  case "$f" in *-sync.txt|*-written.txt) ;; *)
    n=$(bad_exits "$f"); [ "$n" = 0 ] || warnings+=("$(basename "$f" .txt): $n runs exited non-zero") ;;
  esac
done

# --- report --------------------------------------------------------------
same_count() { # the written count of every run, or "varied: a b c"
  local u; u=$(sort -u "$1" | tr '\n' ' ' | sed 's/ $//')
  case "$u" in *" "*|"") echo "varied: $(tr '\n' ' ' <"$1")" ;; *) echo "$u" ;; esac
}
row() { # row LABEL LIBRARY NAME BYTES_PER_FILE
  local label="$1" library="$2" name="$3" bpf="$4"
  local t c n r mbs s
  t=$(median "$times/$name.txt" 1)
  c=$(cpu_median "$times/$name.txt")
  n=$(head -n 1 "$times/$name-written.txt")
  r=$(rate "$n" "$t")
  mbs=$(awk -v n="$n" -v b="$bpf" -v t="$t" 'BEGIN { printf "%.0f", n * b / t / 1048576 }')
  n=$(same_count "$times/$name-written.txt")
  s=$(median "$times/$name-sync.txt" 1)
  echo "| $label | $library | $n | $t | $r | $mbs | $c | $s | $(max_mb "$times/$name.txt") |"
}
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "MISSED"; fi; }

t_scan=$(median "$times/scan.txt" 1)
t_dry=$(median "$times/dry.txt" 1)
c_scan=$(cpu_median "$times/scan.txt")
c_dry=$(cpu_median "$times/dry.txt")
dry_ratio=$(div "$t_dry" "$t_scan")
dry_cpu_ratio=$(div "$c_dry" "$c_scan")
n_tag=$(head -n 1 "$times/tag-written.txt")
n_mut=$(head -n 1 "$times/mutagen-written.txt")
n_same=$(head -n 1 "$times/mutagen_same-written.txt")
r_tag=$(div "$n_tag" "$(median "$times/tag.txt" 1)" %.1f)
r_mut=$(div "$n_mut" "$(median "$times/mutagen.txt" 1)" %.1f)
r_same=$(div "$n_same" "$(median "$times/mutagen_same.txt" 1)" %.1f)
vs_mut=$(div "$r_tag" "$r_mut")
vs_same=$(div "$r_tag" "$r_same")
lib_bpf=$(div "$lib_bytes" "$files" %.0f)

lofty_version=$(awk '/^name = "lofty"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
report="$out/write-$files.md"
{
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), reeltag ${rev}${dirty}, lofty ${lofty_version}, mutagen ${mutagen_version}, $(python3 -V 2>&1), $(nproc) cores, $(uname -sr)"
  echo
  echo "| command | files | median s | files/s | CPU s (user+sys) | peak RSS MB |"
  echo "|---|---:|---:|---:|---:|---:|"
  echo "| reeltag scan --format jsonl -q --no-state | $files | $t_scan | $(rate "$files" "$t_scan") | $c_scan | $(max_mb "$times/scan.txt") |"
  echo "| reeltag tag --dry-run --format jsonl -q --no-state | $files | $t_dry | $(rate "$files" "$t_dry") | $c_dry | $(max_mb "$times/dry.txt") |"
  echo
  echo "| writer | library | files written | median s | written files/s | MB/s | CPU s (user+sys) | sync after s | peak RSS MB |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
  row "reeltag tag (atomic, journaled)" "lib-$files" tag "$lib_bpf"
  row "mutagen, $processes processes, every file" "lib-$files" mutagen "$lib_bpf"
  row "mutagen, $processes processes, the files reeltag writes" "lib-$files" mutagen_same "$lib_bpf"
  row "atomic-write floor: read, copy, syncfs, rename only ($floor_threads threads)" "lib-$files" floor "$lib_bpf"
  if [ "$big" = 1 ]; then
    big_bpf=$(div "$big_bytes" "$big_files" %.0f)
    row "reeltag tag (atomic, journaled)" "lib-big-$big_files ($(div "$big_bpf" 1048576 %.1f) MB files)" big_tag "$big_bpf"
    row "mutagen, $processes processes, every file" "lib-big-$big_files" big_mutagen "$big_bpf"
  fi
  echo
  echo "Median of $runs warm-cache runs each, alternating; every write run on a fresh copy. Load average before/after: $load_before / $load_after."
  echo "- dry run within 1.1× of scan: ${dry_ratio}× wall, ${dry_cpu_ratio}× CPU ($(verdict "$dry_ratio <= 1.1"))"
  echo "- write throughput at least 3× mutagen (files/s): ${vs_mut}× against mutagen on every file ($(verdict "$vs_mut >= 3")), ${vs_same}× against mutagen on the same $n_same files"
  r_floor=$(div "$(head -n 1 "$times/floor-written.txt")" "$(median "$times/floor.txt" 1)" %.1f)
  echo "- the atomic-write floor (system calls only, no parsing, no journal) writes ${r_floor} files/s: $(div "$r_floor" "$r_mut")× mutagen; reeltag tag reaches $(div "$r_tag" "$r_floor")× the floor"
  if [ "$big" = 1 ]; then
    r_big_tag=$(div "$(head -n 1 "$times/big_tag-written.txt")" "$(median "$times/big_tag.txt" 1)" %.2f)
    r_big_mut=$(div "$(head -n 1 "$times/big_mutagen-written.txt")" "$(median "$times/big_mutagen.txt" 1)" %.2f)
    echo "- large files: reeltag at $(div "$r_big_tag" "$r_big_mut")× mutagen's files/s"
  fi
  runs_of() { awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }' "$times/$1.txt"; }
  echo "- the runs (wall s): scan $(runs_of scan); dry run $(runs_of dry); reeltag tag $(runs_of tag); floor $(runs_of floor); mutagen $(runs_of mutagen); mutagen on reeltag's files $(runs_of mutagen_same)$(
    [ "$big" = 1 ] && echo "; large files: reeltag tag $(runs_of big_tag), mutagen $(runs_of big_mutagen)")"
  for w in "${warnings[@]}"; do echo "- WARNING: $w"; done
  if awk -v l="${load_before%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
    echo "- WARNING: the machine was busy when timing started (load ${load_before%% *} on $(nproc) cores); timings are noisy"
  fi
} | tee "$report"
log "report saved to $report; raw runs in $times/"
