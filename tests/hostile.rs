//! Hostile input and hostile file systems: files that declare huge sizes or
//! take long to parse, the corpus timed file by file, the size cap on
//! writes, and links and permissions around `reeltag tag`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::fs;
use std::io::Cursor;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reeltag::error::Stage;
use reeltag::native::NativeFile;
use reeltag::read::{ALLOCATION_LIMIT, ReadOutcome, read_track, with_deadline};

/// Counts live heap bytes and their peak, so a test can bound what one parse allocates.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged to the system allocator.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` above with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn temp() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("reeltag-hostile-").tempdir().expect("create a temp folder")
}

fn syncsafe(n: u32) -> [u8; 4] {
    [(n >> 21) as u8 & 0x7f, (n >> 14) as u8 & 0x7f, (n >> 7) as u8 & 0x7f, n as u8 & 0x7f]
}

/// An ID3v2.4 tag holding one text frame.
fn id3v24(frame: &[u8; 4], text: &str) -> Vec<u8> {
    let mut body = vec![3u8];
    body.extend(text.as_bytes());
    let mut frame_bytes = frame.to_vec();
    frame_bytes.extend(syncsafe(body.len() as u32));
    frame_bytes.extend([0, 0]);
    frame_bytes.extend(body);
    let mut tag = b"ID3\x04\x00\x00".to_vec();
    tag.extend(syncsafe(frame_bytes.len() as u32));
    tag.extend(frame_bytes);
    tag
}

fn riff_chunk(id: &[u8; 4], declared: u32, body: &[u8]) -> Vec<u8> {
    let mut chunk = id.to_vec();
    chunk.extend(declared.to_le_bytes());
    chunk.extend(body);
    if body.len() % 2 == 1 {
        chunk.push(0);
    }
    chunk
}

/// 16 kHz mono 16-bit PCM `fmt ` chunk.
fn wav_fmt() -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend(1u16.to_le_bytes());
    fmt.extend(1u16.to_le_bytes());
    fmt.extend(16_000u32.to_le_bytes());
    fmt.extend(32_000u32.to_le_bytes());
    fmt.extend(2u16.to_le_bytes());
    fmt.extend(16u16.to_le_bytes());
    riff_chunk(b"fmt ", 16, &fmt)
}

fn wav(chunks: &[Vec<u8>], riff_size: Option<u32>) -> Vec<u8> {
    let body: Vec<u8> = chunks.concat();
    let mut out = b"RIFF".to_vec();
    out.extend(riff_size.unwrap_or(body.len() as u32 + 4).to_le_bytes());
    out.extend(b"WAVE");
    out.extend(body);
    out
}

/// Files of a few hundred bytes whose headers declare sizes up to 4 GiB (or
/// 2^62), counts of 4 billion items, and lengths past the end of the file.
fn huge_declarations() -> Vec<(&'static str, Vec<u8>)> {
    let mut cases = Vec::new();

    // ID3v2: a tag of 256 MiB, holding a 256 MiB frame.
    let mut id3 = b"ID3\x04\x00\x00".to_vec();
    id3.extend(syncsafe(0x0fff_ffff));
    id3.extend(b"TIT2");
    id3.extend(syncsafe(0x0fff_fff0));
    id3.extend([0, 0, 3]);
    id3.extend(b"title");
    cases.push(("huge-id3v2.mp3", id3));

    // FLAC: a 16 MiB VORBIS_COMMENT block claiming 4 billion comments of 4 GiB.
    let mut flac = b"fLaC".to_vec();
    flac.extend([0x00, 0, 0, 34]);
    flac.extend([0x10, 0x00, 0x10, 0x00, 0, 0, 0x10, 0, 0, 0x10, 0x03, 0xe8, 0x00, 0xf0, 0, 0, 0, 0]);
    flac.extend([0; 16]);
    flac.extend([0x84, 0xff, 0xff, 0xff]);
    flac.extend(0xffff_fff0u32.to_le_bytes());
    flac.extend(b"vendor");
    flac.extend(u32::MAX.to_le_bytes());
    flac.extend(u32::MAX.to_le_bytes());
    flac.extend(b"TITLE=x");
    cases.push(("huge-vorbis-comments.flac", flac));

    // MP4: a moov of 4 GiB, and an ilst item with a 64-bit size of 2^62.
    let mut mp4 = Vec::new();
    mp4.extend(20u32.to_be_bytes());
    mp4.extend(b"ftypM4A \x00\x00\x00\x00M4A ");
    mp4.extend(u32::MAX.to_be_bytes());
    mp4.extend(b"moov");
    mp4.extend(0x7fff_fff0u32.to_be_bytes());
    mp4.extend(b"udta");
    mp4.extend(0x7fff_ffe0u32.to_be_bytes());
    mp4.extend(b"meta\x00\x00\x00\x00");
    mp4.extend(0x7fff_ffd0u32.to_be_bytes());
    mp4.extend(b"ilst");
    mp4.extend(1u32.to_be_bytes());
    mp4.extend(b"\xa9nam");
    mp4.extend((1u64 << 62).to_be_bytes());
    mp4.extend(b"data\x00\x00\x00\x01\x00\x00\x00\x00title");
    cases.push(("huge-atoms.m4a", mp4));

    // WAV: a RIFF of 4 GiB, a LIST chunk of 4 GiB, an ID3 chunk of 2 GiB.
    let list = riff_chunk(b"LIST", 0xffff_fff0, b"INFOINAM\xff\xff\xff\x7ftitle");
    cases.push(("huge-list.wav", wav(&[wav_fmt(), list], Some(u32::MAX))));
    let id3_chunk = riff_chunk(b"id3 ", 0x7fff_ffff, &id3v24(b"TIT2", "title"));
    cases.push(("huge-id3-chunk.wav", wav(&[wav_fmt(), id3_chunk], Some(u32::MAX))));

    // APEv2 at the end of a WavPack-named file: a 4 GiB tag of 4 billion items.
    let mut ape = vec![0u8; 64];
    ape.extend(b"APETAGEX");
    ape.extend(2000u32.to_le_bytes());
    ape.extend(u32::MAX.to_le_bytes());
    ape.extend(u32::MAX.to_le_bytes());
    ape.extend(0u32.to_le_bytes());
    ape.extend([0; 8]);
    cases.push(("huge-ape.wv", ape.clone()));
    cases.push(("huge-ape.mp3", ape));

    // Ogg Vorbis: a comment header whose vendor string claims 4 GiB.
    let mut ogg = Vec::new();
    for (sequence, packet) in [
        (0u32, {
            let mut id = b"\x01vorbis\x00\x00\x00\x00\x01".to_vec();
            id.extend(44_100u32.to_le_bytes());
            id.extend([0; 12]);
            id.extend([0xb8, 0x01]);
            id
        }),
        (1, {
            let mut comment = b"\x03vorbis".to_vec();
            comment.extend(u32::MAX.to_le_bytes());
            comment.extend(b"vendor");
            comment
        }),
    ] {
        ogg.extend(b"OggS\x00");
        ogg.push(if sequence == 0 { 2 } else { 0 });
        ogg.extend(0u64.to_le_bytes());
        ogg.extend(7u32.to_le_bytes());
        ogg.extend(sequence.to_le_bytes());
        ogg.extend(0u32.to_le_bytes());
        ogg.push(1);
        ogg.push(packet.len() as u8);
        ogg.extend(packet);
    }
    cases.push(("huge-vendor.ogg", ogg));
    cases
}

/// Peak heap growth (bytes) while `f` runs.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed).saturating_sub(base))
}

/// Every hostile declaration is read by the scan's reader and by the write
/// path's reader in bounded time and memory: an error or a track, never a
/// crash, never an allocation past lofty's limit (plus working room).
#[test]
fn huge_declared_sizes_cost_bounded_time_and_memory() {
    let dir = temp();
    let bound = ALLOCATION_LIMIT + 16 * 1024 * 1024;
    for (name, bytes) in huge_declarations() {
        let path = dir.path().join(name);
        fs::write(&path, &bytes).expect("write the case");
        let started = Instant::now();
        let (outcome, scan_peak) = peak_during(|| read_track(&path));
        let detail = match &outcome {
            ReadOutcome::Track(_) => "read".to_string(),
            ReadOutcome::NotAudio => "not audio".to_string(),
            ReadOutcome::Failed(e) => {
                let text = e.to_string();
                assert!(text.starts_with(&path.display().to_string()), "{name}: the error names the file: {text}");
                text
            }
        };
        let (native, write_peak) = peak_during(|| {
            reeltag::read::guarded(&path, || {
                NativeFile::read_from(&mut Cursor::new(&bytes))
                    .map_err(|e| reeltag::error::FileError::new(&path, Stage::Write, &e))
            })
        });
        let elapsed = started.elapsed();
        eprintln!(
            "{name}: {} bytes, scan peak {} KiB, write-path peak {} KiB, {:.0} ms: {detail}{}",
            bytes.len(),
            scan_peak >> 10,
            write_peak >> 10,
            elapsed.as_secs_f64() * 1000.0,
            if native.is_ok() { "" } else { " (write path refuses it)" }
        );
        assert!(scan_peak < bound && write_peak < bound, "{name}: allocated past the bound");
        assert!(elapsed < Duration::from_secs(10), "{name}: took {elapsed:?}");
    }
}

/// A parse that outlives its time limit is abandoned with an error naming
/// the file; the next file on the same thread is parsed normally.
#[test]
fn a_parse_past_its_time_limit_is_abandoned_and_the_next_file_goes_on() {
    let path = Path::new("/music/stuck.flac");
    let started = Instant::now();
    let stuck = with_deadline(path, Stage::Read, Duration::from_millis(200), || {
        std::thread::sleep(Duration::from_secs(5));
        Ok(())
    });
    let err = stuck.expect_err("abandoned");
    assert!(started.elapsed() < Duration::from_secs(2), "waited {:?}", started.elapsed());
    let text = err.to_string();
    assert!(text.starts_with("/music/stuck.flac: read: ") && text.contains("abandoned"), "{text}");
    assert!(err.hint.is_some(), "{text}");

    let next = with_deadline(Path::new("/music/next.flac"), Stage::Read, Duration::from_secs(5), || Ok(7));
    assert_eq!(next.expect("the next file is parsed"), 7);
    let crashed =
        with_deadline(Path::new("/music/bad.flac"), Stage::Read, Duration::from_secs(5), || -> Result<(), _> {
            panic!("a parser bug")
        });
    assert!(crashed.expect_err("a panic is an error").message.contains("a parser bug"));
}

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    path.is_dir().then_some(path)
}

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("list the corpus") {
        let entry = entry.expect("an entry");
        let path = entry.path();
        if entry.file_type().expect("file type").is_dir() {
            corpus_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every corpus file, timed through the scan's reader and the write path's
/// reader: none comes near the parse time limit, and none allocates past
/// the bound. Prints the slowest and the hungriest.
#[test]
fn every_corpus_file_parses_in_bounded_time_and_memory() {
    let Some(corpus) = corpus() else {
        eprintln!("skipped: no corpus at CARGO_MANIFEST_DIR/../shared/corpus");
        return;
    };
    let mut files = Vec::new();
    corpus_files(&corpus, &mut files);
    let mut timings: Vec<(Duration, usize, PathBuf)> = Vec::new();
    for path in &files {
        let bytes = fs::read(path).expect("read a corpus file");
        let started = Instant::now();
        let (_, scan_peak) = peak_during(|| read_track(path));
        let (_, write_peak) = peak_during(|| {
            reeltag::read::guarded(path, || {
                NativeFile::read_from(&mut Cursor::new(&bytes))
                    .map_err(|e| reeltag::error::FileError::new(path, Stage::Write, &e))
            })
        });
        timings.push((started.elapsed(), scan_peak.max(write_peak), path.clone()));
    }
    timings.sort_by_key(|t| std::cmp::Reverse(t.0));
    let name = |p: &Path| p.strip_prefix(&corpus).unwrap_or(p).display().to_string();
    for (time, peak, path) in timings.iter().take(5) {
        eprintln!("slowest: {:>7.1} ms, peak {:>7} KiB  {}", time.as_secs_f64() * 1000.0, peak >> 10, name(path));
    }
    let hungriest = timings.iter().max_by_key(|t| t.1).expect("some files");
    eprintln!("hungriest: peak {} KiB  {}", hungriest.1 >> 10, name(&hungriest.2));
    eprintln!("{} corpus files timed", timings.len());
    for (time, peak, path) in &timings {
        assert!(*time < Duration::from_secs(10), "{}: {time:?}", name(path));
        assert!(*peak < ALLOCATION_LIMIT + 16 * 1024 * 1024, "{}: {peak} bytes", name(path));
    }
}

fn reeltag() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_reeltag"));
    cmd.env("XDG_CONFIG_HOME", std::env::temp_dir().join("reeltag-tests-no-config"));
    cmd
}

/// `reeltag tag ARGS... --format jsonl --journal DIR/journal`: (exit code, stdout, stderr).
fn tag(dir: &Path, args: &[&Path], extra: &[&str]) -> (Option<i32>, String, String) {
    let out = reeltag()
        .arg("tag")
        .args(args)
        .args(["--format", "jsonl", "--journal"])
        .arg(dir.join("journal"))
        .args(extra)
        .output()
        .expect("run reeltag");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const ALBUM: &str = "fixtures/library/John Williams/Star Wars (Original Motion Picture Soundtrack)";

/// The album's folder copied to `dir/name`.
fn album_copy(dir: &Path, name: &str) -> PathBuf {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join(ALBUM);
    let to = dir.join(name);
    fs::create_dir_all(&to).expect("create the album folder");
    for entry in fs::read_dir(&from).expect("list the album") {
        let entry = entry.expect("an entry");
        fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a track");
    }
    to
}

/// A file much larger than the write cap is refused before anything is
/// read into memory, and left as it was. Built sparse, so it costs no disk.
#[test]
fn files_over_the_write_size_cap_are_refused_untouched() {
    let dir = temp();
    let folder = dir.path().join("Soundtracks/Big Film (Original Motion Picture Soundtrack)");
    fs::create_dir_all(&folder).expect("create the folder");
    let path = folder.join("01 Main Title.wav");
    let size = reeltag::apply::MAX_WRITE_SIZE + (1 << 20);
    let id3 = id3v24(b"TALB", "Big Film (Original Motion Picture Soundtrack)");
    let tag_chunk = riff_chunk(b"id3 ", id3.len() as u32, &id3);
    let head = wav(&[wav_fmt(), tag_chunk], Some(0));
    let data_len = (size - head.len() as u64 - 8) as u32;
    let mut bytes = head;
    bytes.extend(b"data");
    bytes.extend(data_len.to_le_bytes());
    let riff_len = (size - 8) as u32;
    bytes[4..8].copy_from_slice(&riff_len.to_le_bytes());
    fs::write(&path, &bytes).expect("write the header");
    fs::File::options().write(true).open(&path).and_then(|f| f.set_len(size)).expect("make it sparse");
    let before = fs::metadata(&path).expect("metadata");

    let (code, stdout, stderr) = tag(dir.path(), &[&folder], &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("limit for tag writes") && stdout.contains("\"failed\""), "{stdout}{stderr}");
    let after = fs::metadata(&path).expect("metadata");
    assert_eq!(
        (after.len(), after.mtime(), after.mtime_nsec(), after.ino()),
        (before.len(), before.mtime(), before.mtime_nsec(), before.ino())
    );
    let head_after = {
        use std::io::Read;
        let mut head = vec![0; bytes.len()];
        fs::File::open(&path).and_then(|mut f| f.read_exact(&mut head)).expect("read the header");
        head
    };
    assert_eq!(head_after, bytes, "the header changed");
}

/// A path given on the command line that is itself a symlink to a file: the
/// target is edited and the link stays the same link. Inside a folder, links
/// (one dangling) are passed over without -L.
#[test]
fn a_symlink_given_as_the_path_keeps_being_a_link() {
    let dir = temp();
    let album = album_copy(dir.path(), "Star Wars (Original Motion Picture Soundtrack)");
    let links = dir.path().join("links");
    fs::create_dir_all(&links).expect("create");
    let target = album.join("01 Main Title.flac");
    let link = links.join("main-title.flac");
    std::os::unix::fs::symlink(&target, &link).expect("symlink");
    std::os::unix::fs::symlink(dir.path().join("missing.flac"), links.join("dangling.flac")).expect("symlink");
    let before = fs::read(&target).expect("read");

    let (code, stdout, stderr) = tag(dir.path(), &[&links], &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "links in a folder were followed without -L: {stdout}");
    assert_eq!(fs::read(&target).expect("read"), before);

    let (code, stdout, stderr) = tag(dir.path(), &[&link], &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let meta = fs::symlink_metadata(&link).expect("the link is still there");
    assert!(meta.file_type().is_symlink(), "the link was replaced by a regular file");
    assert_eq!(fs::read_link(&link).expect("read the link"), target, "the link points elsewhere");
    assert!(fs::read(&target).expect("read") != before, "the link's target was not tagged\n{stdout}");
    assert!(fs::symlink_metadata(links.join("dangling.flac")).expect("still there").file_type().is_symlink());
}

/// A link inside the given folder to a folder outside it: not followed (its
/// files neither read nor written) unless -L.
#[test]
fn a_link_to_a_folder_outside_is_followed_only_with_follow_links() {
    let dir = temp();
    let outside = album_copy(dir.path(), "outside/Star Wars (Original Motion Picture Soundtrack)");
    let root = dir.path().join("root");
    fs::create_dir_all(&root).expect("create");
    std::os::unix::fs::symlink(&outside, root.join("linked")).expect("symlink");
    let snapshot = |d: &Path| -> Vec<Vec<u8>> {
        let mut paths: Vec<PathBuf> = fs::read_dir(d).expect("list").map(|e| e.expect("entry").path()).collect();
        paths.sort();
        paths.iter().map(|p| fs::read(p).expect("read")).collect()
    };
    let before = snapshot(&outside);

    let (code, stdout, stderr) = tag(dir.path(), &[&root], &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.is_empty(), "files behind the link were reported: {stdout}");
    assert_eq!(snapshot(&outside), before, "files behind a link were written without -L");

    let (code, stdout, stderr) = tag(dir.path(), &[&root], &["-L"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("\"written\""), "{stdout}");
    assert_ne!(snapshot(&outside), before, "-L did not follow the link");
    assert!(fs::symlink_metadata(root.join("linked")).expect("link").file_type().is_symlink());
}

/// Files of another user keep their owner, group and mode; read-only ones
/// are refused whoever runs reeltag. Needs root to hand files to another user.
#[test]
fn other_users_files_keep_owner_and_mode_and_are_never_made_writable() {
    let dir = temp();
    let album = album_copy(dir.path(), "Star Wars (Original Motion Picture Soundtrack)");
    let other = album.join("01 Main Title.flac");
    let locked = album.join("02 Imperial Attack.flac");
    let private = album.join("03 Princess Leia's Theme.flac");
    if std::os::unix::fs::chown(&other, Some(65534), Some(65534)).is_err() {
        eprintln!("skipped: cannot give a file to another user (needs root)");
        return;
    }
    std::os::unix::fs::chown(&locked, Some(65534), Some(65534)).expect("chown");
    std::os::unix::fs::chown(&private, Some(65534), Some(65533)).expect("chown");
    fs::set_permissions(&other, fs::Permissions::from_mode(0o644)).expect("chmod");
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o444)).expect("chmod");
    fs::set_permissions(&private, fs::Permissions::from_mode(0o600)).expect("chmod");
    let locked_bytes = fs::read(&locked).expect("read");

    let (code, stdout, stderr) = tag(dir.path(), &[&album], &[]);
    assert_eq!(code, Some(1), "the read-only file fails\n{stdout}{stderr}");
    for (path, mode, gid) in [(&other, 0o644, 65534), (&locked, 0o444, 65534), (&private, 0o600, 65533)] {
        let meta = fs::metadata(path).expect("metadata");
        assert_eq!((meta.uid(), meta.gid(), meta.mode() & 0o7777), (65534, gid, mode), "{}", path.display());
    }
    assert_eq!(fs::read(&locked).expect("read"), locked_bytes, "a read-only file was written");
    let locked_record = stdout.lines().find(|l| l.contains("02 Imperial Attack")).expect("a record");
    assert!(locked_record.contains("read-only"), "{locked_record}");
    assert!(stdout.lines().filter(|l| l.contains("\"written\"")).count() >= 2, "{stdout}");
}

/// Two names for one file (a hard link) inside the same folder: skipped
/// with a message, both names still the same file.
#[test]
fn hard_links_stay_hard_links() {
    let dir = temp();
    let album = album_copy(dir.path(), "Star Wars (Original Motion Picture Soundtrack)");
    let first = album.join("01 Main Title.flac");
    let second = album.join("01 Main Title (link).flac");
    fs::hard_link(&first, &second).expect("hard link");
    let (code, stdout, stderr) = tag(dir.path(), &[&album], &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let records: Vec<&str> = stdout.lines().filter(|l| l.contains("01 Main Title")).collect();
    assert_eq!(records.len(), 2, "{stdout}");
    assert!(records.iter().all(|r| r.contains("hard links")), "{records:#?}");
    let (a, b) = (fs::metadata(&first).expect("meta"), fs::metadata(&second).expect("meta"));
    assert_eq!((a.ino(), a.nlink()), (b.ino(), 2), "the link was split");
}

/// Inputs the `write` fuzz target crashed with (`tests/data/fuzz/`, each a
/// selector byte then the file): lofty's Opus and Speex duration code
/// overflows on a huge last granule position (a panic with overflow checks
/// on, as in this test build), its Speex bitrate code divides by a zero
/// length, and its MP4 ilst writer slices past the end of a malformed `moov`
/// (both panics in any build). Through the whole `tag`
/// command each file is written or refused with a message; nothing crashes
/// and a refused file is left as it was.
#[test]
fn fuzz_reproducers_are_written_or_refused_never_crash() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let dir = temp();
    let root = dir.path().join("Soundtracks/Fuzz (Original Score)");
    fs::create_dir_all(&root).expect("create");
    let mut originals = Vec::new();
    for entry in fs::read_dir(&data).expect("list the reproducers") {
        let path = entry.expect("an entry").path();
        let bytes = fs::read(&path).expect("read a reproducer");
        let name = path.file_name().expect("a name").to_string_lossy().into_owned();
        fs::write(root.join(&name), &bytes[1..]).expect("write the file");
        originals.push((name, bytes[1..].to_vec()));
    }
    assert!(originals.len() >= 4, "the reproducers are committed");
    let config = dir.path().join("config.toml");
    fs::write(&config, "[[rule]]\npath = \"**\"\nrole = \"score\"\n").expect("config");
    let (code, stdout, stderr) = tag(dir.path(), &[&root], &["--config", config.to_str().expect("UTF-8")]);
    assert!(matches!(code, Some(0 | 1)), "{stdout}{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for (name, original) in &originals {
        let record =
            stdout.lines().find(|l| l.contains(name.as_str())).unwrap_or_else(|| panic!("{name}: no record\n{stdout}"));
        let now = fs::read(root.join(name)).expect("read");
        if record.contains("\"failed\"") {
            assert!(record.contains(&format!("{name}\"")) && record.contains("\"error\":\""), "{record}");
            assert!(&now == original, "{name}: a refused file changed");
        } else {
            assert!(record.contains("\"written\""), "{record}");
            let native = NativeFile::read_from(&mut Cursor::new(&now)).expect("the written file re-reads");
            assert_eq!(native.get(reeltag::fields::Field::SoundtrackRole), ["score"], "{name}");
        }
        eprintln!("{name}: {record}");
    }
}
