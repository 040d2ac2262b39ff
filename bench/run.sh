#!/usr/bin/env bash
# Incremental re-run and scale benchmark (issue 5): reeltag scan first run, unchanged re-run and
# re-run after 1% of the files changed, reeltag tag --dry-run and reeltag tag, against the floor
# for "looking at the folder" (find), exiftool and a mutagen read script, at 20,000 and 200,000
# files, warm and cold page cache. See BENCHMARKS.md for what each number means.
#
#   bash bench/run.sh [--sizes N,N] [--runs R] [--peer-runs P] [--tag-runs T] [--no-cold] [--no-tag]
#                     [--exif-files M] [--mutagen-files M] [--change PCT] [--names varied|plain]
#                     [--settle S] [--seed S] [--out DIR]
#
#   --sizes N,N        library sizes in audio files (default 20000,200000)
#   --runs R           timed runs of the floor and of each reeltag scan row; median reported (default 3)
#   --peer-runs P      timed runs of exiftool and of the mutagen script (default 1)
#   --tag-runs T       timed reeltag tag runs, each on a fresh copy of the library (default 1)
#   --no-cold          warm page cache only (cold runs also need root: they are skipped otherwise)
#   --no-tag           skip reeltag tag (needs a copy of the library: ~7 GB at 200,000 files)
#   --exif-files M     exiftool reads a sample of M of the library's files, spread over it, and its
#                      time is scaled to the whole library (default 2000; 0 = the whole library)
#   --mutagen-files M  the same for the mutagen script (default 0 = the whole library)
#   --change PCT       share of the audio files changed for the "changed" re-run (default 1)
#   --names MODE       varied (default): gen_library --varied-names, in bench/out/lib-varied-N;
#                      plain: the library of bench/scan.sh and bench/write.sh, bench/out/lib-N
#   --settle S         seconds between a mass delete and a reeltag tag run (default 65; see write.sh)
#   --seed S           generator seed (default 20000)
#   --out DIR          where libraries, copies and reports go (default bench/out)
#
# Needs reeltag with `scan --state FILE` and `tag --state FILE` for the re-run rows. With a build
# that has no --state, every row still runs (the re-runs are then full scans) and the re-run rows
# say "no cache in this build". Exits non-zero when reeltag prints a different number of lines
# than there are audio files, or when a re-run's output differs from a full read's.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=20000,200000
runs=3
peer_runs=1
tag_runs=1
cold=1
do_tag=1
exif_files=2000
mutagen_files=0
change_pct=1
names=varied
settle=65
seed=20000
out=bench/out
processes=2
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --peer-runs) peer_runs="$2"; shift 2 ;;
    --tag-runs) tag_runs="$2"; shift 2 ;;
    --no-cold) cold=0; shift ;;
    --no-tag) do_tag=0; shift ;;
    --exif-files) exif_files="$2"; shift 2 ;;
    --mutagen-files) mutagen_files="$2"; shift 2 ;;
    --change) change_pct="$2"; shift 2 ;;
    --names) names="$2"; shift 2 ;;
    --settle) settle="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$names" in varied|plain) ;; *) echo "run.sh: --names is varied or plain" >&2; exit 2 ;; esac
IFS=, read -r -a size_list <<<"$sizes"

mkdir -p "$out"
case "$out" in /*) ;; *) out=$PWD/$out ;; esac
reeltag=$PWD/target/release/reeltag
gen=$PWD/target/release/examples/gen_library
times=$out/run-times
copy=$out/run-copy
backup=$out/run-change-backup
mkdir -p "$times"

log() { printf '[run.sh] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

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
if ! python3 -c 'import mutagen' 2>/dev/null; then
  log "installing mutagen (pip)"
  python3 -m pip install -q mutagen >&2
fi

log "building release binaries"
cargo build --release --bins --examples >&2
rev=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | grep -q . && echo " + uncommitted src changes" || true)

# The state store (issue 5). Without it, the re-runs are full scans and are labelled so.
if "$reeltag" scan --help | grep -q -- --state; then has_state=1; else has_state=0; fi
if [ "$has_state" = 1 ] && ! "$reeltag" tag --help | grep -q -- --state; then
  die "reeltag scan has --state but reeltag tag does not"
fi
if [ "$has_state" = 1 ] && ! "$reeltag" scan --help | grep -q -- --no-cache; then
  die "reeltag scan has --state but no --no-cache"
fi
if "$reeltag" tag --help | grep -q -- --journal; then has_journal=1; else has_journal=0; fi
[ "$has_state" = 1 ] || log "NOTE: this reeltag has no --state: re-run rows are full scans (\"no cache in this build\")"

# Cold cache: root and a writable drop_caches.
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches; }
modes=(warm)
if [ "$cold" = 1 ]; then
  if [ "$(id -u)" = 0 ] && (drop_caches) 2>/dev/null; then
    modes+=(cold)
  else
    log "NOTE: cold-cache runs skipped: they need root (sync; echo 3 > /proc/sys/vm/drop_caches)"
    cold=0
  fi
fi

# --- libraries -----------------------------------------------------------
# plain: the same directory and stamp as bench/scan.sh and bench/write.sh.
lib_dir() { if [ "$names" = varied ]; then echo "$out/lib-varied-$1"; else echo "$out/lib-$1"; fi; }
stamp_of() {
  if [ "$names" = varied ]; then printf 'files=%s seed=%s names=varied\n' "$1" "$seed"; else printf 'files=%s seed=%s\n' "$1" "$seed"; fi
  sha256sum examples/gen_library.rs fixtures/formats/*
}
ensure_library() { # ensure_library N
  local n="$1" lib; lib=$(lib_dir "$1")
  if [ -d "$lib" ] && [ -f "$lib.stamp" ] && [ "$(cat "$lib.stamp")" = "$(stamp_of "$n")" ]; then
    log "reusing $lib"
  else
    log "generating $lib"
    rm -rf "$lib" "$lib.stamp"
    local t0 t1 flag=()
    [ "$names" = varied ] && flag=(--varied-names)
    t0=$(date +%s.%N)
    "$gen" "$lib" "$n" --seed "$seed" "${flag[@]}" >&2
    sync
    t1=$(date +%s.%N)
    log "generated $lib in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", b - a }') s (with sync), $(du -sh "$lib" | cut -f1)"
    stamp_of "$n" >"$lib.stamp"
  fi
}

# --- timing --------------------------------------------------------------
# timed NAME CMD... : one run of CMD, stdout to /dev/null, stderr to $out/.stderr. Appends
# "wall user sys maxrss_kb exit" to $times/NAME.txt: wall from date(1), the rest from GNU time.
timed() {
  local name="$1"; shift
  local t0 t1 cpu
  t0=$(date +%s.%N)
  /usr/bin/time -f '%U %S %M %x' -o "$out/.time" "$@" >/dev/null 2>"$out/.stderr" || true
  t1=$(date +%s.%N)
  cpu=$(tail -n 1 "$out/.time")
  awk -v a="$t0" -v b="$t1" -v c="$cpu" 'BEGIN { printf "%.4f %s\n", b - a, c }' >>"$times/$name.txt"
}
# prepare MODE: before a timed run, drop the page cache when MODE is cold.
prepare() { if [ "$1" = cold ]; then drop_caches; fi; }
median_of() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median() { awk -v c="$2" '{ print $c }' "$1" | median_of; }
cpu_median() { awk '{ print $2 + $3 }' "$1" | median_of | awk '{ printf "%.2f", $1 }'; }
max_mb() { awk '$4 > m { m = $4 } END { printf "%.1f", m / 1024 }' "$1"; }
bad_exits() { awk '$5 != 0 { n++ } END { print n + 0 }' "$1"; }
div() { awk -v a="$1" -v b="$2" -v f="${3:-%.2f}" 'BEGIN { if (b == 0) print "n/a"; else printf f, a / b }'; }
verdict() { if awk "BEGIN { exit !($1) }"; then echo "met"; else echo "**MISSED**"; fi; }
runs_of() { awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }' "$1"; }

# settle: reeltag tag creates a temp file per file written; on ext4 without a journal (as here)
# that is slow while many inodes were freed in the last 60 s (see BENCHMARKS.md, write benchmark).
last_delete=0
settle_wait() {
  local left; left=$(awk -v l="$last_delete" -v s="$settle" -v n="$(date +%s.%N)" 'BEGIN { d = l + s - n; printf "%d", (d > 0 ? d + 1 : 0) }')
  if [ "$left" -gt 0 ]; then log "waiting ${left} s for recently freed inodes to age (--settle)"; sleep "$left"; fi
}
remove_copy() { if [ -e "$copy" ]; then rm -rf "$copy"; sync; last_delete=$(date +%s.%N); fi; }

# state FILE: the state store's database; its side files (SQLite -wal/-shm, lock files) go with it.
rm_state() { rm -f "$1" "$1"-* "$1".*; }

# The 1% change is undone after each changed run, and on exit if the script stops in between.
restore_changes() { if [ -d "$backup" ]; then python3 bench/change_files.py restore "$current_lib" "$backup" >&2; fi; }
current_lib=
trap 'restore_changes' EXIT

warnings=()
summary_rows=()

# check_lines LABEL COUNT EXPECTED
check_lines() { [ "$2" -eq "$3" ] || die "$1 printed $2 lines for $3 audio files"; }

run_size() {
  local n="$1" lib state
  lib=$(lib_dir "$n")
  current_lib=$lib
  state=$out/run-state-$n.db
  local copy_state=$out/run-state-copy-$n.db
  # The flags the state store and the journal need, when this build has them.
  local st=() cst=() jdry=() jtag=()
  if [ "$has_state" = 1 ]; then st=(--state "$state"); cst=(--state "$copy_state"); fi
  if [ "$has_journal" = 1 ]; then jdry=(--journal "$out/run-journal-dry"); jtag=(--journal "$out/run-journal-tag"); fi
  # A change left by an interrupted run is undone before anything reads the library.
  restore_changes
  ensure_library "$n"
  local t_dir="$times/$n"
  rm -rf "$t_dir"; mkdir -p "$t_dir"
  local saved_times=$times; times=$t_dir

  local all_files audio_files
  all_files=$(find "$lib" -type f | wc -l)
  audio_files=$(find "$lib" -type f \( -name '*.mp3' -o -name '*.flac' -o -name '*.ogg' -o -name '*.opus' -o -name '*.m4a' -o -name '*.wav' -o -name '*.aiff' -o -name '*.wv' \) | wc -l)
  [ "$audio_files" = "$n" ] || die "$lib holds $audio_files audio files, not $n"
  local lib_size; lib_size=$(du -sh "$lib" | cut -f1)

  # Samples for the slow peers: every k-th of all files (exiftool reads covers, cues and logs too
  # when it recurses) or of the audio files (the mutagen script walks audio files only).
  local exif_list=$out/run-exif-sample-$n.txt mutagen_list=$out/run-mutagen-sample-$n.txt
  local exif_count=$all_files mutagen_count=$n
  (cd "$lib" && find . -type f | LC_ALL=C sort) >"$out/.all-files"
  if [ "$exif_files" -gt 0 ] && [ "$exif_files" -lt "$all_files" ]; then
    awk -v k="$(div "$all_files" "$exif_files" %.6f)" -v m="$exif_files" 'BEGIN { next_i = 0 } { if (NR - 1 >= next_i && c < m) { print; c++; next_i += k } }' "$out/.all-files" >"$exif_list"
    exif_count=$(wc -l <"$exif_list")
  else
    cp "$out/.all-files" "$exif_list"
  fi
  if [ "$mutagen_files" -gt 0 ] && [ "$mutagen_files" -lt "$n" ]; then
    grep -E '\.(mp3|flac|ogg|opus|m4a|wav|aiff|wv)$' "$out/.all-files" |
      awk -v k="$(div "$n" "$mutagen_files" %.6f)" -v m="$mutagen_files" 'BEGIN { next_i = 0 } { if (NR - 1 >= next_i && c < m) { print; c++; next_i += k } }' >"$mutagen_list"
    mutagen_count=$(wc -l <"$mutagen_list")
  fi
  local change_list=$out/run-change-$n.txt
  python3 bench/change_files.py select "$lib" "$change_pct" >"$change_list"
  local changed changed_dirs all_dirs
  changed=$(wc -l <"$change_list")
  changed_dirs=$(sed 's#/[^/]*$##' "$change_list" | sort -u | wc -l)
  all_dirs=$(grep -E '\.(mp3|flac|ogg|opus|m4a|wav|aiff|wv)$' "$out/.all-files" | sed 's#/[^/]*$##' | sort -u | wc -l)

  # --- warm-up and checks (untimed) ---
  log "[$n] warm-up and checks"
  local lines
  rm_state "$state"
  lines=$("$reeltag" scan "$lib" --format jsonl -q "${st[@]}" | tee "$out/.first.jsonl" | wc -l) || die "reeltag scan (first run) failed"
  check_lines "reeltag scan (first run)" "$lines" "$n"
  lines=$("$reeltag" scan "$lib" --format jsonl -q "${st[@]}" | tee "$out/.rerun.jsonl" | wc -l) || die "reeltag scan (unchanged re-run) failed"
  check_lines "reeltag scan (unchanged re-run)" "$lines" "$n"
  cmp -s "$out/.first.jsonl" "$out/.rerun.jsonl" || die "the unchanged re-run's output differs from the first run's ($out/.first.jsonl, $out/.rerun.jsonl)"
  lines=$("$reeltag" tag "$lib" --dry-run --format jsonl -q "${st[@]}" "${jdry[@]}" | wc -l) || die "reeltag tag --dry-run failed"
  check_lines "reeltag tag --dry-run" "$lines" "$n"
  python3 bench/change_files.py change "$lib" "$change_list" "$backup" 2>/dev/null
  lines=$("$reeltag" scan "$lib" --format jsonl -q "${st[@]}" | tee "$out/.changed.jsonl" | wc -l) || die "reeltag scan (changed re-run) failed"
  check_lines "reeltag scan (re-run after $changed files changed)" "$lines" "$n"
  if [ "$has_state" = 1 ]; then
    "$reeltag" scan "$lib" --format jsonl -q --state "$state" --no-cache >"$out/.full.jsonl"
  else
    "$reeltag" scan "$lib" --format jsonl -q >"$out/.full.jsonl"
  fi
  cmp -s "$out/.changed.jsonl" "$out/.full.jsonl" || die "after $changed files changed, the re-run's output differs from a full read's ($out/.changed.jsonl, $out/.full.jsonl)"
  local edited; edited=$(grep -c 'bench edit' "$out/.changed.jsonl" || true)
  [ "$edited" -ge "$changed" ] || die "after $changed files changed, the re-run shows only $edited edited titles"
  restore_changes
  rm -f "$out"/.first.jsonl "$out"/.rerun.jsonl "$out"/.changed.jsonl "$out"/.full.jsonl
  find "$lib" -type f -printf '%s %T@ %C@ %i\n' >/dev/null
  local exif_args=$out/run-exif-args-$n.txt
  sed "s#^\./#$lib/#" "$exif_list" >"$exif_args"
  exiftool -j -r -fast2 -@ <(head -n 200 "$exif_args") >/dev/null 2>&1 || true

  local load_before; load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  local mode i
  for mode in "${modes[@]}"; do
    for ((i = 1; i <= runs; i++)); do
      log "[$n] $mode run $i/$runs: find floor, scan first run, unchanged re-run, dry run, re-run after $changed changed"
      prepare "$mode"; timed "floor-$mode" find "$lib" -type f -printf '%s %T@ %C@ %i\n'
      rm_state "$state"
      prepare "$mode"; timed "first-$mode" "$reeltag" scan "$lib" --format jsonl -q "${st[@]}"
      prepare "$mode"; timed "rerun-$mode" "$reeltag" scan "$lib" --format jsonl -q "${st[@]}"
      rm -rf "$out/run-journal-dry"
      prepare "$mode"; timed "dry-$mode" "$reeltag" tag "$lib" --dry-run --format jsonl -q "${st[@]}" "${jdry[@]}"
      python3 bench/change_files.py change "$lib" "$change_list" "$backup" 2>/dev/null
      prepare "$mode"; timed "changed-$mode" "$reeltag" scan "$lib" --format jsonl -q "${st[@]}"
      restore_changes 2>/dev/null
    done
    for ((i = 1; i <= peer_runs; i++)); do
      log "[$n] $mode run $i/$peer_runs: exiftool on $exif_count files, mutagen script on $mutagen_count"
      prepare "$mode"; timed "exiftool-$mode" exiftool -j -r -fast2 -@ "$exif_args"
      if [ "$mutagen_count" = "$n" ]; then
        prepare "$mode"; timed "mutagen-$mode" python3 bench/mutagen_read.py "$lib" "$processes"
      else
        prepare "$mode"; timed "mutagen-$mode" python3 bench/mutagen_read.py "$lib" "$processes" --only "$mutagen_list"
      fi
      grep -q "^$mutagen_count read, 0 failed" "$out/.stderr" || warnings+=("$n: mutagen script: $(tail -n 1 "$out/.stderr")")
    done
  done

  # --- reeltag tag on a fresh copy ---
  local written=""
  if [ "$do_tag" = 1 ]; then
    for mode in "${modes[@]}"; do
      for ((i = 1; i <= tag_runs; i++)); do
        log "[$n] $mode: reeltag tag on a fresh copy ($i/$tag_runs)"
        remove_copy
        cp -a "$lib" "$copy"; sync
        # The user's flow: a scan fills the store, then tag reads from it.
        rm_state "$copy_state"
        "$reeltag" scan "$copy" --format jsonl -q "${cst[@]}" >/dev/null
        rm -rf "$out/run-journal-tag"
        settle_wait
        prepare "$mode"
        timed "tag-$mode" "$reeltag" tag "$copy" --format jsonl "${cst[@]}" "${jtag[@]}"
        last_delete=$(date +%s.%N)
        local w; w=$(grep -o '[0-9][0-9]* written' "$out/.stderr" | head -n 1 | cut -d' ' -f1 || true)
        log "[$n] reeltag tag: $(tail -n 1 "$out/.stderr")"
        [ -n "$written" ] || written=$w
        [ "$w" = "$written" ] || warnings+=("$n: reeltag tag wrote ${w:-?} files in one run, $written in another")
      done
    done
    remove_copy
    rm_state "$copy_state"
  fi
  local load_after; load_after=$(cut -d' ' -f1-3 /proc/loadavg)
  local f
  for f in "$times"/*.txt; do
    log "  [$n] $(basename "$f" .txt) (wall user sys maxrss_kb exit): $(tr '\n' ';' <"$f")"
    [ "$(bad_exits "$f")" = 0 ] || warnings+=("$n: $(basename "$f" .txt): $(bad_exits "$f") runs exited non-zero")
  done

  # --- report ---
  local nocache=""
  [ "$has_state" = 1 ] || nocache=" (no cache in this build: a full scan)"
  local report=$out/run-$n.md
  {
    echo "### $n audio files ($all_files files in all, $lib_size; \`$lib\`)"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'), reeltag ${rev}${dirty}, $(nproc) cores, $(free -h | awk '/^Mem:/ { print $2 }') RAM, $(uname -sr). Load average before/after: $load_before / $load_after."
    echo
    echo "| command | cache | runs | median s | × floor | files/s | CPU s (user+sys) | peak RSS MB |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|"
    local m t_floor row name label t extra count
    for m in "${modes[@]}"; do
      t_floor=$(median "$times/floor-$m.txt" 1)
      for row in floor first rerun changed dry exiftool mutagen tag; do
        name="$row-$m"
        [ -f "$times/$name.txt" ] || continue
        count=$n
        extra=1
        case "$row" in
          floor) label="\`find LIB -type f -printf '%s %T@ %C@ %i\\n'\` (the floor)"; count=$all_files ;;
          first) label="reeltag scan, first run (no state file)" ;;
          rerun) label="reeltag scan, re-run, nothing changed$nocache" ;;
          changed) label="reeltag scan, re-run after $changed files ($change_pct%, in $changed_dirs of $all_dirs folders) changed$nocache" ;;
          dry) label="reeltag tag --dry-run (state from the scans)" ;;
          exiftool) label="exiftool -j -r -fast2"; count=$all_files
            if [ "$exif_count" != "$all_files" ]; then extra=$(div "$all_files" "$exif_count" %.6f); label="$label, $exif_count of the $all_files files, **scaled ×$(div "$all_files" "$exif_count" %.1f)**"; fi ;;
          mutagen) label="mutagen read script, $processes processes"
            if [ "$mutagen_count" != "$n" ]; then extra=$(div "$n" "$mutagen_count" %.6f); label="$label, $mutagen_count of the files, **scaled ×$(div "$n" "$mutagen_count" %.1f)**"; fi ;;
          tag) label="reeltag tag on a fresh copy (state from a scan of the copy; ${written:-?} written)" ;;
        esac
        t=$(awk -v a="$(median "$times/$name.txt" 1)" -v k="$extra" 'BEGIN { printf "%.4f", a * k }')
        echo "| $label | $m | $(wc -l <"$times/$name.txt") | $t | $(div "$t" "$t_floor") | $(div "$count" "$t" %.0f) | $(awk -v a="$(cpu_median "$times/$name.txt")" -v k="$extra" 'BEGIN { printf "%.2f", a * k }') | $(max_mb "$times/$name.txt") |"
      done
    done
    echo
    echo "files/s counts audio files, except for the floor and exiftool, which go through every file. The runs (wall s):"
    for f in "$times"/*.txt; do echo "- $(basename "$f" .txt): $(runs_of "$f")"; done
    echo
    echo "| target | measured | |"
    echo "|---|---|---|"
    local r first peer
    for m in "${modes[@]}"; do
      t_floor=$(median "$times/floor-$m.txt" 1)
      if [ "$has_state" = 1 ]; then
        r=$(div "$(median "$times/rerun-$m.txt" 1)" "$t_floor")
        echo "| unchanged re-run ≤ 1.5× the floor ($m) | ${r}× | $(verdict "$r <= 1.5") |"
        r=$(div "$(median "$times/changed-$m.txt" 1)" "$t_floor")
        echo "| re-run after $change_pct% changed ≤ 2× the floor ($m) | ${r}× | $(verdict "$r <= 2") |"
      else
        echo "| unchanged re-run ≤ 1.5× the floor ($m) | no cache in this build ($(div "$(median "$times/rerun-$m.txt" 1)" "$t_floor")× as a full scan) | n/a |"
        echo "| re-run after $change_pct% changed ≤ 2× the floor ($m) | no cache in this build ($(div "$(median "$times/changed-$m.txt" 1)" "$t_floor")× as a full scan) | n/a |"
      fi
      first=$(median "$times/first-$m.txt" 1)
      if [ -f "$times/exiftool-$m.txt" ]; then
        peer=$(awk -v a="$(median "$times/exiftool-$m.txt" 1)" -v k="$all_files" -v s="$exif_count" 'BEGIN { printf "%.4f", a * k / s }')
        r=$(div "$peer" "$first" %.1f)
        echo "| first scan ≥ 40× exiftool ($m$([ "$exif_count" != "$all_files" ] && echo ", exiftool scaled from $exif_count files")) | ${r}× | $(verdict "$r >= 40") |"
      fi
      if [ -f "$times/mutagen-$m.txt" ]; then
        peer=$(awk -v a="$(median "$times/mutagen-$m.txt" 1)" -v k="$n" -v s="$mutagen_count" 'BEGIN { printf "%.4f", a * k / s }')
        r=$(div "$peer" "$first" %.1f)
        echo "| first scan ≥ 12× the mutagen script ($m$([ "$mutagen_count" != "$n" ] && echo ", mutagen scaled from $mutagen_count files")) | ${r}× | $(verdict "$r >= 12") |"
      fi
    done
    local rss=0 rss_name="" mb scan_rss=0
    for f in "$times"/first-*.txt "$times"/rerun-*.txt "$times"/changed-*.txt; do
      mb=$(max_mb "$f")
      if awk -v a="$mb" -v b="$scan_rss" 'BEGIN { exit !(a > b) }'; then scan_rss=$mb; fi
    done
    for f in "$times"/first-*.txt "$times"/rerun-*.txt "$times"/changed-*.txt "$times"/dry-*.txt "$times"/tag-*.txt; do
      [ -f "$f" ] || continue
      mb=$(max_mb "$f")
      if awk -v a="$mb" -v b="$rss" 'BEGIN { exit !(a > b) }'; then rss=$mb; rss_name=$(basename "$f" .txt); fi
    done
    echo "| peak RSS of reeltag$([ "$n" -ge 200000 ] && echo " < 150 MB at $n files") | $rss MB ($rss_name; reeltag scan: $scan_rss MB) | $([ "$n" -ge 200000 ] && verdict "$rss < 150") |"
    echo "$n $rss $rss_name" >"$times/peak-rss"
    for w in "${warnings[@]}"; do case "$w" in "$n:"*) echo "- WARNING: $w" ;; esac; done
    if awk -v l="${load_before%% *}" -v c="$(nproc)" 'BEGIN { exit !(l > c / 2) }'; then
      echo "- WARNING: the machine was busy when timing started (load ${load_before%% *} on $(nproc) cores); timings are noisy"
    fi
    echo
  } >"$report"
  cat "$report"
  log "report saved to $report; raw runs in $times/"
  times=$saved_times
  current_lib=
}

for n in "${size_list[@]}"; do run_size "$n"; done

# Growth of reeltag's peak RSS between the smallest and the largest size.
if [ "${#size_list[@]}" -gt 1 ]; then
  small=${size_list[0]} big=${size_list[${#size_list[@]} - 1]}
  read -r _ rss_small _ <"$times/$small/peak-rss"
  read -r _ rss_big _ <"$times/$big/peak-rss"
  growth=$(div "$rss_big" "$rss_small")
  files_growth=$(div "$big" "$small" %.0f)
  slope=$(awk -v a="$rss_small" -v b="$rss_big" -v s="$small" -v l="$big" 'BEGIN { printf "%.2f", (b - a) * 1024 / (l - s) }')
  {
    echo "Peak RSS of reeltag from $small to $big files (${files_growth}× the files): $rss_small MB to $rss_big MB, ${growth}×, $slope KB per added file: growing less than linearly: $(verdict "$growth < $files_growth")."
  } | tee "$out/run-growth.md"
fi
log "done"
