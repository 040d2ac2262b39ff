//! Stage 2: read one candidate's tags into a [`Track`].
//!
//! The format is detected from the content (a FLAC named `.mp3` reads as
//! FLAC). Audio properties and cover art are not read: a scan needs neither,
//! and skipping them is most of what makes it fast. Every read is isolated
//! with `catch_unwind`, because lofty still panics on some crafted files,
//! runs under lofty's allocation limit, and is abandoned if it runs too long.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{Read, Seek};
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;
use std::sync::{Once, mpsc};
use std::time::Duration;

use lofty::config::{GlobalOptions, ParseOptions, ParsingMode, apply_global_options};
use lofty::file::{FileType, TaggedFileExt};
use lofty::probe::Probe;
use lofty::tag::{Tag, TagType};

use crate::error::{FileError, Stage};
use crate::fields::{Field, FieldSpec, Kind};
use crate::track::{Tags, Track};
use crate::window::WindowReader;

/// lofty's default 16 MiB limit rejects files with large cover art even when
/// cover art is not read; 256 MiB still bounds what a hostile file can ask for.
pub const ALLOCATION_LIMIT: usize = 256 * 1024 * 1024;

/// What reading one candidate gave.
#[derive(Debug)]
pub enum ReadOutcome {
    Track(Box<Track>),
    /// Not an audio format lofty knows, and not named like one: passed over.
    NotAudio,
    Failed(FileError),
}

/// Sets lofty's options for the calling thread. lofty keeps them in a
/// thread-local, so every worker thread must call this before reading.
pub fn configure_thread() {
    apply_global_options(GlobalOptions::new().allocation_limit(ALLOCATION_LIMIT));
}

fn parse_options() -> ParseOptions {
    ParseOptions::new().read_properties(false).read_cover_art(false).parsing_mode(ParsingMode::BestAttempt)
}

/// Reads one file. Never panics: a panic inside lofty becomes this file's
/// error, and so does a parse that runs past [`PARSE_TIME_LIMIT`].
pub fn read_track(path: &Path) -> ReadOutcome {
    let owned = path.to_path_buf();
    outcome(with_deadline(path, Stage::Read, PARSE_TIME_LIMIT, move || {
        let file = File::open(&owned).map_err(|e| FileError::new(&owned, Stage::Read, &e))?;
        read_track_unguarded(&owned, &mut WindowReader::new(file))
    }))
}

/// How long one file's parse (or in-memory tag write) may take. Real files
/// take milliseconds, even large ones, since tags sit at known places; a
/// parse still running after this long is stuck on a malformed file.
pub const PARSE_TIME_LIMIT: Duration = Duration::from_secs(30);

/// Parser threads get a main thread's stack, as headroom for lofty's
/// recursion on nested structures (a stack overflow aborts the process).
const PARSER_STACK: usize = 8 * 1024 * 1024;

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// This thread's parser thread, which runs its parses so that one that
    /// never ends can be left behind.
    static PARSER: RefCell<Option<mpsc::Sender<Job>>> = const { RefCell::new(None) };
}

fn spawn_parser() -> std::io::Result<mpsc::Sender<Job>> {
    let (sender, jobs) = mpsc::channel::<Job>();
    std::thread::Builder::new().name("reeltag-parse".into()).stack_size(PARSER_STACK).spawn(move || {
        for job in jobs {
            job();
        }
    })?;
    Ok(sender)
}

/// Hands `job` to the calling thread's parser thread, starting one when
/// needed. Without a thread to spare, the job runs here (no time limit then).
fn submit(job: Job) -> std::io::Result<()> {
    let sent = PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        let sender = match parser.take() {
            Some(sender) => sender,
            None => spawn_parser().map_err(|e| (e, None))?,
        };
        match sender.send(job) {
            Ok(()) => {
                *parser = Some(sender);
                Ok(())
            }
            Err(mpsc::SendError(job)) => Err((std::io::Error::other("the parser thread ended"), Some(job))),
        }
    });
    match sent {
        Ok(()) => Ok(()),
        Err((_, Some(job))) => {
            job();
            Ok(())
        }
        Err((e, None)) => Err(e),
    }
}

/// The error of a file whose parse ran past `limit` and was given up on.
pub fn abandoned(path: &Path, stage: Stage, limit: Duration) -> FileError {
    FileError::with_message(
        path,
        stage,
        format!("parsing did not finish within {} s and was abandoned", limit.as_secs_f64()),
        Some("the file is probably malformed; the rest of the batch went on"),
    )
}

/// Reads one file on the calling thread, panics caught but with no time
/// limit: for callers that watch the time themselves (see `supervise`).
pub fn read_track_here(path: &Path) -> ReadOutcome {
    outcome(guarded(path, || read_path(path)))
}

/// [`read_track_here`] that also returns the file's metadata, taken from the
/// open file (`fstat`), or from the path when the file cannot be opened: a
/// first run keys its state rows without a second look up of the path.
pub fn read_track_with_metadata(path: &Path) -> (ReadOutcome, Option<std::fs::Metadata>) {
    let mut metadata = None;
    let outcome = outcome(guarded(path, || {
        let file = File::open(path).map_err(|e| FileError::new(path, Stage::Read, &e))?;
        metadata = file.metadata().ok();
        let mut reader = match &metadata {
            Some(m) => WindowReader::with_len(file, m.len()),
            None => WindowReader::new(file),
        };
        read_track_unguarded(path, &mut reader)
    }));
    (outcome, metadata.or_else(|| std::fs::metadata(path).ok()))
}

fn read_path(path: &Path) -> Result<Option<Track>, FileError> {
    let file = File::open(path).map_err(|e| FileError::new(path, Stage::Read, &e))?;
    read_track_unguarded(path, &mut WindowReader::new(file))
}

/// Runs `work` (guarded, see [`guarded`]) on the calling thread's parser
/// thread and waits at most `limit`. Past it the file gets an error and the
/// caller goes on: the stuck parser thread is abandoned (a fresh one takes
/// the next file) and exits whenever its parse ends. Rust cannot stop a
/// thread, so a parse that never ends keeps one core busy until reeltag exits.
pub fn with_deadline<T: Send + 'static>(
    path: &Path,
    stage: Stage,
    limit: Duration,
    work: impl FnOnce() -> Result<T, FileError> + Send + 'static,
) -> Result<T, FileError> {
    let (done, result) = mpsc::sync_channel(1);
    let owned = path.to_path_buf();
    let job: Job = Box::new(move || {
        // The caller may have given up: nobody to tell, then.
        let _ = done.send(guarded_as(&owned, stage, work));
    });
    if let Err(e) = submit(job) {
        return Err(FileError::with_message(
            path,
            stage,
            format!("cannot start a parser thread: {e}"),
            Some("the system is out of threads or memory; run reeltag with fewer --threads"),
        ));
    }
    match result.recv_timeout(limit) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Timeout) => {
            PARSER.with(|parser| parser.borrow_mut().take());
            Err(abandoned(path, stage, limit))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(FileError::with_message(
            path,
            stage,
            "the parser thread ended without an answer",
            Some("please report this file"),
        )),
    }
}

/// Reads one file's tags from `reader` exactly as [`read_track`] reads them
/// from disk; `path` only names the file (its extension is the fallback
/// format). Never panics. For in-memory input: the fuzz targets and tests.
pub fn read_track_from<R: Read + Seek>(path: &Path, reader: &mut R) -> ReadOutcome {
    outcome(guarded(path, || read_track_unguarded(path, reader)))
}

fn outcome(result: Result<Option<Track>, FileError>) -> ReadOutcome {
    match result {
        Ok(Some(track)) => ReadOutcome::Track(Box::new(track)),
        Ok(None) => ReadOutcome::NotAudio,
        Err(err) => ReadOutcome::Failed(err),
    }
}

/// Runs `read` on one file with panics caught: lofty still panics on some
/// crafted files, and one file must never stop the batch. Also applies
/// [`configure_thread`], so no parse runs without the allocation limit,
/// whichever thread calls.
pub fn guarded<T>(path: &Path, read: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    guarded_as(path, Stage::Read, read)
}

/// [`guarded`], with a crash reported as an error of `stage`.
pub fn guarded_as<T>(path: &Path, stage: Stage, read: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    configure_thread();
    install_panic_hook();
    IN_READ.with(|flag| flag.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(read));
    IN_READ.with(|flag| flag.set(false));
    result.unwrap_or_else(|_| {
        let detail = PANIC_MESSAGE.with(|m| m.borrow_mut().take()).unwrap_or_default();
        let (what, hint) = match stage {
            Stage::Write => ("the tag writer crashed on this file", crate::error::WRITE_PANIC_HINT),
            _ => ("the tag parser crashed on this file", crate::error::PANIC_HINT),
        };
        Err(FileError::with_message(path, stage, format!("{what} ({detail})"), Some(hint)))
    })
}

/// [`read_track_from`] without the panic guard: what the fuzzer runs to see
/// lofty's own panics. Everything else should call the guarded versions.
pub fn read_track_unguarded<R: Read + Seek>(path: &Path, reader: &mut R) -> Result<Option<Track>, FileError> {
    let read_err = |err: &(dyn std::error::Error + 'static)| FileError::new(path, Stage::Read, err);
    reader.rewind().map_err(|e| read_err(&e))?;
    let mut probe = Probe::new(&mut *reader).options(parse_options());
    // As `Probe::open` does: the extension names the format when the content does not.
    if let Some(by_name) = FileType::from_path(path) {
        probe = probe.set_file_type(by_name);
    }
    let probe = probe.guess_file_type().map_err(|e| read_err(&e))?;
    // Neither the content nor the extension names an audio format.
    let Some(file_type) = probe.file_type() else {
        return Ok(None);
    };
    let reader = probe.into_inner();
    // Only MPEG streams start with their ID3v2 tag; a peek elsewhere would cost a read.
    let id3v2_version = if matches!(file_type, FileType::Mpeg | FileType::Aac) {
        peek_id3v2_version(reader).map_err(|e| read_err(&e))?
    } else {
        None
    };
    let tagged =
        Probe::with_file_type(&mut *reader, file_type).options(parse_options()).read().map_err(|e| read_err(&e))?;
    if tagged.tags().is_empty() && !is_real_stream_in(path, reader, file_type)? {
        return Ok(None);
    }

    // The primary tag type first: its values win over secondary tags (ID3v1...).
    let primary = tagged.primary_tag_type();
    let mut tags: Vec<&Tag> = tagged.tags().iter().collect();
    tags.sort_by_key(|t| t.tag_type() != primary);

    Ok(Some(Track {
        path: path.to_path_buf(),
        format: format_name(file_type),
        tag_types: tags.iter().map(|t| tag_type_name(t.tag_type())).collect(),
        id3v2_version: id3v2_version.filter(|_| tags.iter().any(|t| t.tag_type() == TagType::Id3v2)),
        tags: tags_from(&tags),
    }))
}

/// The major version byte of an ID3v2 header at the reader's position,
/// which is left where it was.
fn peek_id3v2_version<R: Read + Seek>(reader: &mut R) -> std::io::Result<Option<u8>> {
    let start = reader.stream_position()?;
    let mut header = [0u8; 4];
    let mut filled = 0;
    while filled < header.len() {
        match reader.read(&mut header[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    reader.seek(std::io::SeekFrom::Start(start))?;
    Ok((filled == 4 && header.starts_with(b"ID3")).then_some(header[3]))
}

/// lofty calls a file MP3 (or AAC) when it finds two frame-sync bytes in its
/// first KiB, which random data often has, and only checks the frames when it
/// reads audio properties. So an untagged file of those formats is read once
/// more, properties on: garbage named like audio is then an error, and garbage
/// named otherwise is not audio. Tagged files are real and pay nothing.
pub fn is_real_stream(path: &Path, file_type: FileType) -> Result<bool, FileError> {
    if !matches!(file_type, FileType::Mpeg | FileType::Aac) {
        return Ok(true);
    }
    let file = File::open(path).map_err(|e| FileError::new(path, Stage::Read, &e))?;
    is_real_stream_in(path, &mut WindowReader::new(file), file_type)
}

/// [`is_real_stream`] on an open reader.
pub fn is_real_stream_in<R: Read + Seek>(path: &Path, reader: &mut R, file_type: FileType) -> Result<bool, FileError> {
    if !matches!(file_type, FileType::Mpeg | FileType::Aac) {
        return Ok(true);
    }
    reader.rewind().map_err(|e| FileError::new(path, Stage::Read, &e))?;
    let checked = Probe::new(&mut *reader)
        .options(parse_options().read_properties(true))
        .set_file_type(file_type)
        .guess_file_type()
        .map_err(Into::into)
        .and_then(|p| p.read());
    match checked {
        Ok(_) => Ok(true),
        Err(_) if !has_audio_extension(path) => Ok(false),
        Err(e) => Err(FileError::new(path, Stage::Read, &e)),
    }
}

/// Whether the file is named like audio (".mp3", ".flac"...).
pub fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| lofty::file::EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Builds the track model from a file's tags, one field-table row at a time.
pub fn tags_from(tags: &[&Tag]) -> Tags {
    let mut out = Tags::default();
    // Fields without a generic key (reeltag's own role field) need the native tags.
    for spec in crate::fields::scanned() {
        match spec.kind {
            Kind::Text => {
                let value = first_text(tags, spec);
                match spec.field {
                    Field::Title => out.title = value,
                    Field::Album => out.album = value,
                    Field::AlbumArtist => out.albumartist = value,
                    Field::Date => out.date = value,
                    Field::Grouping => out.grouping = value,
                    Field::Comment => out.comment = value,
                    _ => unreachable!("{} is not a text field", spec.name),
                }
            }
            Kind::List => {
                let values = first_list(tags, spec);
                match spec.field {
                    Field::Artist => out.artist = values,
                    Field::Composer => out.composer = values,
                    Field::Genre => out.genre = values,
                    Field::ReleaseType => out.releasetype = values,
                    _ => unreachable!("{} is not a list field", spec.name),
                }
            }
            Kind::Number => {
                let value = first_text(tags, spec).as_deref().and_then(parse_number);
                match spec.field {
                    Field::Track => out.track = value,
                    Field::TrackTotal => out.track_total = value,
                    Field::Disc => out.disc = value,
                    Field::DiscTotal => out.disc_total = value,
                    _ => unreachable!("{} is not a number field", spec.name),
                }
            }
            Kind::Flag => out.compilation = first_text(tags, spec).as_deref().map(parse_flag),
            Kind::Presence => out.lyrics = first_text(tags, spec).is_some(),
        }
    }
    // "3/12" in a track field that no format split for us.
    if out.track_total.is_none() {
        out.track_total = first_text(tags, crate::fields::spec(Field::Track)).as_deref().and_then(parse_total);
    }
    if out.disc_total.is_none() {
        out.disc_total = first_text(tags, crate::fields::spec(Field::Disc)).as_deref().and_then(parse_total);
    }
    out
}

fn non_empty(value: &str) -> Option<&str> {
    let trimmed = value.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    (!trimmed.is_empty()).then_some(value.trim_end_matches('\0'))
}

fn first_text(tags: &[&Tag], spec: &FieldSpec) -> Option<String> {
    tags.iter().find_map(|tag| {
        spec.item_keys.iter().find_map(|key| tag.get_strings(*key).find_map(non_empty)).map(str::to_owned)
    })
}

fn first_list(tags: &[&Tag], spec: &FieldSpec) -> Vec<String> {
    for tag in tags {
        for key in spec.item_keys {
            let values: Vec<String> = tag.get_strings(*key).filter_map(non_empty).map(str::to_owned).collect();
            if !values.is_empty() {
                return values;
            }
        }
    }
    Vec::new()
}

/// The leading number of "3", "03/14", "3 of 14"; `None` for "0" or no digits.
pub fn parse_number(text: &str) -> Option<u32> {
    let digits: String = text.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| *n > 0)
}

fn parse_total(text: &str) -> Option<u32> {
    let (_, total) = text.split_once('/')?;
    parse_number(total)
}

fn parse_flag(text: &str) -> bool {
    matches!(text.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
}

/// The short format name used in reports.
pub fn format_name(file_type: FileType) -> &'static str {
    match file_type {
        FileType::Aac => "aac",
        FileType::Aiff => "aiff",
        FileType::Ape => "ape",
        FileType::Flac => "flac",
        FileType::Mpeg => "mp3",
        FileType::Mp4 => "mp4",
        FileType::Mpc => "mpc",
        FileType::Opus => "opus",
        FileType::Vorbis => "vorbis",
        FileType::Speex => "speex",
        FileType::Wav => "wav",
        FileType::WavPack => "wavpack",
        FileType::Custom(name) => name,
        _ => "other",
    }
}

/// The short tag-type name used in reports.
pub fn tag_type_name(tag_type: TagType) -> &'static str {
    match tag_type {
        TagType::Ape => "ape",
        TagType::Id3v1 => "id3v1",
        TagType::Id3v2 => "id3v2",
        TagType::Mp4Ilst => "mp4",
        TagType::VorbisComments => "vorbis",
        TagType::RiffInfo => "riff_info",
        TagType::AiffText => "aiff_text",
        _ => "other",
    }
}

thread_local! {
    static IN_READ: Cell<bool> = const { Cell::new(false) };
    static PANIC_MESSAGE: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic inside a read is captured as that file's error instead of being
/// printed; a panic anywhere else still reaches the default hook.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default_hook = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_READ.with(Cell::get) {
                let message = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "panic".into());
                let place = info.location().map(|l| format!(" at {}:{}", l.file(), l.line())).unwrap_or_default();
                PANIC_MESSAGE.with(|m| *m.borrow_mut() = Some(format!("{message}{place}")));
            } else {
                default_hook(info);
            }
        }));
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use lofty::tag::{ItemKey, ItemValue, TagItem};

    fn tag_with(tag_type: TagType, items: &[(ItemKey, &str)]) -> Tag {
        let mut tag = Tag::new(tag_type);
        for (key, value) in items {
            tag.push(TagItem::new(*key, ItemValue::Text((*value).to_string())));
        }
        tag
    }

    #[test]
    fn numbers_parse_leniently() {
        assert_eq!(parse_number("03/14"), Some(3));
        assert_eq!(parse_number(" 7 "), Some(7));
        assert_eq!(parse_number("0"), None);
        assert_eq!(parse_number("A1"), None);
        assert_eq!(parse_total("03/14"), Some(14));
        assert_eq!(parse_total("3"), None);
    }

    #[test]
    fn lists_stay_lists_and_primary_tag_wins() {
        let vorbis = tag_with(
            TagType::VorbisComments,
            &[
                (ItemKey::TrackArtist, "Hans Zimmer"),
                (ItemKey::TrackArtist, "James Newton Howard"),
                (ItemKey::TrackNumber, "03/14"),
                (ItemKey::FlagCompilation, "1"),
                (ItemKey::MusicBrainzReleaseType, "album"),
                (ItemKey::MusicBrainzReleaseType, "soundtrack"),
            ],
        );
        let id3v1 =
            tag_with(TagType::Id3v1, &[(ItemKey::TrackArtist, "Other"), (ItemKey::TrackTitle, "Why So Serious?")]);
        let tags = tags_from(&[&vorbis, &id3v1]);
        assert_eq!(tags.artist, ["Hans Zimmer", "James Newton Howard"]);
        assert_eq!(tags.title.as_deref(), Some("Why So Serious?"), "secondary tag fills gaps");
        assert_eq!((tags.track, tags.track_total), (Some(3), Some(14)));
        assert_eq!(tags.compilation, Some(true));
        assert_eq!(tags.releasetype, ["album", "soundtrack"]);
        assert!(!tags.lyrics);
    }

    #[test]
    fn grouping_falls_back_to_grp1() {
        let tag = tag_with(TagType::Id3v2, &[(ItemKey::AppleId3v2ContentGroup, "Original Score")]);
        assert_eq!(tags_from(&[&tag]).grouping.as_deref(), Some("Original Score"));
    }

    #[test]
    fn empty_values_are_missing() {
        let tag = tag_with(TagType::VorbisComments, &[(ItemKey::TrackTitle, "  "), (ItemKey::AlbumTitle, "\0")]);
        let tags = tags_from(&[&tag]);
        assert_eq!(tags.title, None);
        assert_eq!(tags.album, None);
    }
}
