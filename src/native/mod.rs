//! Reads and writes reeltag's fields through each format's native tag types.
//!
//! lofty's generic [`lofty::tag::Tag`] is fine for scanning but loses data on
//! save (unknown Vorbis/APE/RIFF fields, keys without an `ItemKey` such as
//! reeltag's own `SOUNDTRACK_ROLE`, pictures not read). This layer keeps the
//! concrete lofty file (`MpegFile`, `FlacFile`...), edits only the items of the
//! field being set in the format's *primary* tag, and writes only that tag (plus
//! ID3v1 when `set` changed it):
//!
//! | format | primary tag | also kept in step |
//! |---|---|---|
//! | MP3, AAC | ID3v2 | ID3v1, when the file has one |
//! | FLAC, Ogg Vorbis, Opus, Speex | Vorbis comments | - |
//! | MP4 | ilst | - |
//! | WAV, AIFF | ID3v2 chunk (created if absent) | - (RIFF INFO / AIFF text chunks untouched) |
//! | APE, WavPack, Musepack | APEv2 | ID3v1 (APE, WavPack only) |
//!
//! Raw keys come from [`crate::fields::FIELDS`]; the per-format files turn a
//! raw key into frames, atoms or items ([`id3v2`], [`vorbis`], [`mp4`], [`ape`]),
//! and [`kinds`] applies a field's kind (text, list, number pair, flag).

mod access;
mod ape;
mod id3v1;
mod id3v2;
mod kinds;
mod mp4;
pub mod region;
mod vorbis;

#[cfg(test)]
mod tests;

use std::io::{Read, Seek};

use lofty::io::FileLike;

use lofty::aac::AacFile;
use lofty::ape::ApeFile;
use lofty::config::{ParseOptions, WriteOptions};
use lofty::error::{FileEncodingError, FileParseError, UnknownFormatError};
use lofty::file::{AudioFile, FileType};
use lofty::flac::FlacFile;
use lofty::id3::v2::{Id3v2Tag, Id3v2Version};
use lofty::iff::aiff::AiffFile;
use lofty::iff::wav::WavFile;
use lofty::mp4::Mp4File;
use lofty::mpeg::MpegFile;
use lofty::musepack::MpcFile;
use lofty::ogg::{OpusFile, SpeexFile, VorbisFile};
use lofty::probe::Probe;
use lofty::tag::TagExt;
use lofty::wavpack::WavPackFile;

use crate::fields::Field;

/// Which ID3v2 version a write produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Id3Policy {
    /// A v2.3 tag stays v2.3; every other (and every new) ID3v2 tag is written as v2.4.
    #[default]
    Keep,
    V23,
    V24,
}

/// Which ID3v2 frame(s) `grouping` is written to. Reading tries TIT1, then GRP1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupingFrame {
    /// TIT1, the standard content-group frame.
    #[default]
    Tit1,
    /// GRP1, the frame iTunes 12.5+ shows as "Grouping".
    Grp1,
    Both,
}

/// Options for [`NativeFile::set`] and [`NativeFile::save_to`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NativeOptions {
    pub id3: Id3Policy,
    pub grouping_frame: GroupingFrame,
}

/// One native tag seen through reeltag's raw keys (see [`crate::fields::RawKeys`]).
trait RawTag {
    /// The text values stored under one raw key, in order.
    fn read(&self, key: &str) -> Vec<String>;
    /// Replaces everything stored under one raw key; empty `values` removes it.
    fn write(&mut self, key: &str, values: &[String]);
}

/// The concrete lofty file.
enum Concrete {
    Mpeg(MpegFile),
    Aac(AacFile),
    Flac(FlacFile),
    Vorbis(VorbisFile),
    Opus(OpusFile),
    Speex(SpeexFile),
    Mp4(Mp4File),
    Wav(WavFile),
    Aiff(AiffFile),
    Ape(ApeFile),
    WavPack(WavPackFile),
    Mpc(MpcFile),
}

/// An audio file read through its concrete lofty type, ready for native edits.
pub struct NativeFile {
    file: Concrete,
    /// `set` changed the ID3v1 tag, so `save_to` writes it.
    id3v1_dirty: bool,
    /// WAV/AIFF: the existing ID3v2 chunk is named `id3 ` (kept on write).
    id3_chunk_lowercase: bool,
    /// FLAC: the version of an ID3v2 tag in front of the stream (never written).
    flac_id3v2: Option<Id3v2Version>,
    /// Whether pictures were read; saving a file read without them would delete them.
    pictures_loaded: bool,
}

impl NativeFile {
    /// Reads the concrete file from an open file; the format is detected from the content.
    ///
    /// Properties are not read; cover art is, so that pictures survive a save.
    pub fn read_from<R: Read + Seek>(file: &mut R) -> Result<NativeFile, FileParseError> {
        Self::read_with(file, true)
    }

    /// Reads only what planning needs: no pictures, so large covers cost
    /// nothing. A file read this way refuses to be saved (it would lose them).
    pub fn read_for_planning<R: Read + Seek>(file: &mut R) -> Result<NativeFile, FileParseError> {
        Self::read_with(file, false)
    }

    fn read_with<R: Read + Seek>(file: &mut R, pictures: bool) -> Result<NativeFile, FileParseError> {
        // Whatever thread calls (undo reads on the main thread), reeltag's limit applies.
        crate::read::configure_thread();
        let mut options = ParseOptions::new().read_properties(false).read_cover_art(pictures);
        // Callers pass a buffered reader (a `WindowReader` or a `Cursor`).
        file.rewind()?;
        let mut reader = file;
        let probe = Probe::new(&mut reader).options(options).guess_file_type()?;
        let Some(file_type) = probe.file_type() else {
            return Err(UnknownFormatError.into());
        };
        reader.rewind()?;
        // lofty's "implicit conversions" edit items nobody asked to change: a Vorbis
        // TRACKNUMBER=01/16 is read back as TRACKNUMBER=1 + TRACKTOTAL=16 (moved to the
        // end), an MP4 `gnre` becomes `©gen`. Off for those formats ([`kinds`] splits
        // "n/t" itself, [`mp4`] reads `gnre`). ID3v2 keeps them: they are what lets
        // lofty write a v2.3 tag as v2.4 (TYER+TDAT+TIME → TDRC) and back.
        if matches!(file_type, FileType::Flac | FileType::Vorbis | FileType::Opus | FileType::Speex | FileType::Mp4) {
            options.implicit_conversions(false);
        }
        let r = &mut reader;
        let mut flac_id3v2 = None;
        let concrete = match file_type {
            FileType::Mpeg => Concrete::Mpeg(MpegFile::read_from(r, options)?),
            FileType::Aac => Concrete::Aac(AacFile::read_from(r, options)?),
            FileType::Flac => {
                let mut flac = FlacFile::read_from(r, options)?;
                // lofty can only strip an ID3v2 tag from FLAC, and `FlacFile::save_to`
                // fails while one is loaded: keep it on disk, untouched, instead.
                flac_id3v2 = flac.remove_id3v2().map(|tag| tag.original_version());
                Concrete::Flac(flac)
            }
            FileType::Vorbis => Concrete::Vorbis(VorbisFile::read_from(r, options)?),
            FileType::Opus => Concrete::Opus(OpusFile::read_from(r, options)?),
            FileType::Speex => Concrete::Speex(SpeexFile::read_from(r, options)?),
            FileType::Mp4 => Concrete::Mp4(Mp4File::read_from(r, options)?),
            FileType::Wav => Concrete::Wav(WavFile::read_from(r, options)?),
            FileType::Aiff => Concrete::Aiff(AiffFile::read_from(r, options)?),
            FileType::Ape => Concrete::Ape(ApeFile::read_from(r, options)?),
            FileType::WavPack => Concrete::WavPack(WavPackFile::read_from(r, options)?),
            FileType::Mpc => Concrete::Mpc(MpcFile::read_from(r, options)?),
            _ => return Err(UnknownFormatError.into()),
        };
        let id3_chunk_lowercase = match file_type {
            FileType::Wav | FileType::Aiff => id3v2::chunk_is_lowercase(&mut reader)?,
            _ => false,
        };
        let mut native = NativeFile {
            file: concrete,
            id3v1_dirty: false,
            id3_chunk_lowercase,
            flac_id3v2,
            pictures_loaded: pictures,
        };
        if let Some(tag) = native.id3v2_mut() {
            id3v2::clear_unwritable_flags(tag);
        }
        native.seed_primary_from_id3v1();
        Ok(native)
    }

    /// The short format name, as [`crate::read::format_name`] prints it.
    pub fn format(&self) -> &'static str {
        crate::read::format_name(self.file_type())
    }

    /// The field's values in the primary tag: one value for text, number and flag
    /// fields (numbers as decimal, flags as "1"/"0"), several for lists, "1" for
    /// lyrics that are present.
    pub fn get(&self, field: Field) -> Vec<String> {
        match self.primary() {
            Some(tag) => kinds::get(tag, self.primary_type(), field),
            None => Vec::new(),
        }
    }

    /// Replaces every value of the field in the primary tag (created if the file
    /// has none); an empty slice removes the field. Nothing else changes, except
    /// the matching ID3v1 slot when the file has an ID3v1 tag. `Lyrics` is
    /// read-only and ignored.
    pub fn set(&mut self, field: Field, values: &[String], options: &NativeOptions) {
        if field == Field::Lyrics {
            return;
        }
        let tag_type = self.primary_type();
        let has_values = values.iter().any(|v| !kinds::clean(v).trim().is_empty());
        if !has_values && self.primary().is_none() {
            return;
        }
        kinds::set(self.primary_mut(), tag_type, field, values, options);
        if id3v1::SLOTS.contains(&field) {
            let new_values = self.get(field);
            if let Some(v1) = self.id3v1_writable_mut() {
                id3v1::update(v1, field, &new_values);
                self.id3v1_dirty = true;
            }
        }
    }

    /// The ID3v2 version ("2.2", "2.3", "2.4") of the file's ID3v2 tag, if any.
    /// A tag created by `set` reports "2.4".
    pub fn id3v2_version(&self) -> Option<&'static str> {
        let version = self.id3v2().map(Id3v2Tag::original_version).or(self.flac_id3v2)?;
        Some(match version {
            Id3v2Version::V2 => "2.2",
            Id3v2Version::V3 => "2.3",
            Id3v2Version::V4 => "2.4",
        })
    }

    /// Frames lofty would drop when `save_to` writes this file's ID3v2 tag with
    /// these options (ID3v2.3 cannot hold TSOP, TDRL...). `save_to` refuses to
    /// write while this is not empty; use [`Id3Policy::V24`] for such files.
    pub fn id3v2_write_losses(&self, options: &NativeOptions) -> Vec<String> {
        match self.writable_id3v2() {
            Some(tag) => id3v2::write_losses(tag, self.use_id3v23(options)),
            None => Vec::new(),
        }
    }

    /// Writes the tags into `file`, an open read+write handle on a copy of the file.
    pub fn save_to<F: FileLike>(&self, file: &mut F, options: &NativeOptions) -> Result<(), FileEncodingError> {
        if !self.pictures_loaded {
            return Err(std::io::Error::other("read without pictures (for planning); refusing to save").into());
        }
        let losses = self.id3v2_write_losses(options);
        if !losses.is_empty() {
            let message = format!(
                "writing ID3v2.3 would drop the frames {} (lofty cannot write them in v2.3); write ID3v2.4 instead",
                losses.join(", ")
            );
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, message).into());
        }
        let mut write = WriteOptions::new();
        write.lossy_text_encoding(false);
        write.use_id3v23(self.use_id3v23(options));
        let write = write.uppercase_id3v2_chunk(!self.id3_chunk_lowercase);

        file.rewind()?;
        match &self.file {
            // FlacFile::save_to rewrites the VORBIS_COMMENT and PICTURE blocks (the
            // pictures as read) and keeps every other metadata block as it is.
            Concrete::Flac(f) => f.save_to(file, write)?,
            Concrete::Vorbis(f) => f.save_to(file, write)?,
            Concrete::Opus(f) => f.save_to(file, write)?,
            Concrete::Speex(f) => f.save_to(file, write)?,
            Concrete::Mp4(f) => save_tag(f.ilst(), file, write)?,
            Concrete::Mpeg(_) | Concrete::Aac(_) | Concrete::Wav(_) | Concrete::Aiff(_) => {
                save_tag(self.id3v2(), file, write)?;
            }
            Concrete::Ape(_) | Concrete::WavPack(_) | Concrete::Mpc(_) => save_tag(self.ape(), file, write)?,
        }
        if self.id3v1_dirty {
            save_tag(self.id3v1(), file, write)?;
        }
        Ok(())
    }
}

/// Writes one tag, if present, from the start of the file.
fn save_tag<T: TagExt, F: FileLike>(
    tag: Option<&T>,
    file: &mut F,
    write: WriteOptions,
) -> Result<(), FileEncodingError> {
    if let Some(tag) = tag {
        file.rewind()?;
        tag.save_to(file, write)?;
    }
    Ok(())
}
