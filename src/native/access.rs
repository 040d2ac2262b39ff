//! How [`NativeFile`] reaches the tags of each concrete lofty file.

use lofty::ape::ApeTag;
use lofty::file::FileType;
use lofty::id3::v1::Id3v1Tag;
use lofty::id3::v2::{Id3v2Tag, Id3v2Version};
use lofty::mp4::Ilst;
use lofty::ogg::tag::VorbisComments;
use lofty::tag::TagType;

use super::{Concrete, Id3Policy, NativeFile, NativeOptions, RawTag, id3v1, kinds};

impl NativeFile {
    pub(super) fn file_type(&self) -> FileType {
        match &self.file {
            Concrete::Mpeg(_) => FileType::Mpeg,
            Concrete::Aac(_) => FileType::Aac,
            Concrete::Flac(_) => FileType::Flac,
            Concrete::Vorbis(_) => FileType::Vorbis,
            Concrete::Opus(_) => FileType::Opus,
            Concrete::Speex(_) => FileType::Speex,
            Concrete::Mp4(_) => FileType::Mp4,
            Concrete::Wav(_) => FileType::Wav,
            Concrete::Aiff(_) => FileType::Aiff,
            Concrete::Ape(_) => FileType::Ape,
            Concrete::WavPack(_) => FileType::WavPack,
            Concrete::Mpc(_) => FileType::Mpc,
        }
    }

    pub(super) fn primary_type(&self) -> TagType {
        match &self.file {
            Concrete::Mpeg(_) | Concrete::Aac(_) | Concrete::Wav(_) | Concrete::Aiff(_) => TagType::Id3v2,
            Concrete::Flac(_) | Concrete::Vorbis(_) | Concrete::Opus(_) | Concrete::Speex(_) => TagType::VorbisComments,
            Concrete::Mp4(_) => TagType::Mp4Ilst,
            Concrete::Ape(_) | Concrete::WavPack(_) | Concrete::Mpc(_) => TagType::Ape,
        }
    }

    pub(super) fn primary(&self) -> Option<&dyn RawTag> {
        match &self.file {
            Concrete::Flac(f) => f.vorbis_comments().map(|t| t as &dyn RawTag),
            Concrete::Vorbis(f) => Some(f.vorbis_comments()),
            Concrete::Opus(f) => Some(f.vorbis_comments()),
            Concrete::Speex(f) => Some(f.vorbis_comments()),
            Concrete::Mp4(f) => f.ilst().map(|t| t as &dyn RawTag),
            Concrete::Mpeg(_) | Concrete::Aac(_) | Concrete::Wav(_) | Concrete::Aiff(_) => {
                self.id3v2().map(|t| t as &dyn RawTag)
            }
            Concrete::Ape(_) | Concrete::WavPack(_) | Concrete::Mpc(_) => self.ape().map(|t| t as &dyn RawTag),
        }
    }

    /// The primary tag, created empty if the file has none.
    pub(super) fn primary_mut(&mut self) -> &mut dyn RawTag {
        match self.primary_type() {
            TagType::Id3v2 => {
                if self.id3v2().is_none() {
                    self.set_new_id3v2(Id3v2Tag::new());
                }
                self.id3v2_mut().expect("just created")
            }
            TagType::Ape => {
                if self.ape().is_none() {
                    self.set_new_ape(ApeTag::new());
                }
                self.ape_mut().expect("just created")
            }
            _ => match &mut self.file {
                Concrete::Flac(f) => {
                    if f.vorbis_comments().is_none() {
                        f.set_vorbis_comments(VorbisComments::default());
                    }
                    f.vorbis_comments_mut().expect("just created")
                }
                Concrete::Vorbis(f) => f.vorbis_comments_mut(),
                Concrete::Opus(f) => f.vorbis_comments_mut(),
                Concrete::Speex(f) => f.vorbis_comments_mut(),
                Concrete::Mp4(f) => {
                    if f.ilst().is_none() {
                        f.set_ilst(Ilst::new());
                    }
                    f.ilst_mut().expect("just created")
                }
                _ => unreachable!("ID3v2 and APEv2 primaries are handled above"),
            },
        }
    }

    /// MP3/AAC/APE/WavPack/Musepack with only an ID3v1 tag: the primary tag starts
    /// as a copy of it, so reading works and a first write loses none of it.
    pub(super) fn seed_primary_from_id3v1(&mut self) {
        if self.primary().is_some() || !matches!(self.primary_type(), TagType::Id3v2 | TagType::Ape) {
            return;
        }
        let Some(v1) = self.id3v1().cloned() else { return };
        let tag_type = self.primary_type();
        let primary = self.primary_mut();
        for (field, values) in id3v1::values(&v1) {
            kinds::set(primary, tag_type, field, &values, &NativeOptions::default());
        }
    }

    pub(super) fn use_id3v23(&self, options: &NativeOptions) -> bool {
        match options.id3 {
            Id3Policy::V23 => true,
            Id3Policy::V24 => false,
            Id3Policy::Keep => self.id3v2().is_some_and(|t| t.original_version() == Id3v2Version::V3),
        }
    }

    /// The ID3v2 tag `save_to` writes (MP3, AAC, WAV, AIFF).
    pub(super) fn writable_id3v2(&self) -> Option<&Id3v2Tag> {
        match self.primary_type() {
            TagType::Id3v2 => self.id3v2(),
            _ => None,
        }
    }

    pub(super) fn id3v2(&self) -> Option<&Id3v2Tag> {
        match &self.file {
            Concrete::Mpeg(f) => f.id3v2(),
            Concrete::Aac(f) => f.id3v2(),
            Concrete::Wav(f) => f.id3v2(),
            Concrete::Aiff(f) => f.id3v2(),
            Concrete::Ape(f) => f.id3v2(),
            Concrete::Mpc(f) => f.id3v2(),
            _ => None,
        }
    }

    pub(super) fn id3v2_mut(&mut self) -> Option<&mut Id3v2Tag> {
        match &mut self.file {
            Concrete::Mpeg(f) => f.id3v2_mut(),
            Concrete::Aac(f) => f.id3v2_mut(),
            Concrete::Wav(f) => f.id3v2_mut(),
            Concrete::Aiff(f) => f.id3v2_mut(),
            Concrete::Ape(f) => f.id3v2_mut(),
            Concrete::Mpc(f) => f.id3v2_mut(),
            _ => None,
        }
    }

    pub(super) fn set_new_id3v2(&mut self, tag: Id3v2Tag) {
        match &mut self.file {
            Concrete::Mpeg(f) => drop(f.set_id3v2(tag)),
            Concrete::Aac(f) => drop(f.set_id3v2(tag)),
            Concrete::Wav(f) => drop(f.set_id3v2(tag)),
            Concrete::Aiff(f) => drop(f.set_id3v2(tag)),
            _ => unreachable!("ID3v2 is not the primary tag of this format"),
        }
    }

    pub(super) fn ape(&self) -> Option<&ApeTag> {
        match &self.file {
            Concrete::Mpeg(f) => f.ape(),
            Concrete::Ape(f) => f.ape(),
            Concrete::WavPack(f) => f.ape(),
            Concrete::Mpc(f) => f.ape(),
            _ => None,
        }
    }

    pub(super) fn ape_mut(&mut self) -> Option<&mut ApeTag> {
        match &mut self.file {
            Concrete::Ape(f) => f.ape_mut(),
            Concrete::WavPack(f) => f.ape_mut(),
            Concrete::Mpc(f) => f.ape_mut(),
            _ => None,
        }
    }

    pub(super) fn set_new_ape(&mut self, tag: ApeTag) {
        match &mut self.file {
            Concrete::Ape(f) => drop(f.set_ape(tag)),
            Concrete::WavPack(f) => drop(f.set_ape(tag)),
            Concrete::Mpc(f) => drop(f.set_ape(tag)),
            _ => unreachable!("APEv2 is not the primary tag of this format"),
        }
    }

    pub(super) fn id3v1(&self) -> Option<&Id3v1Tag> {
        match &self.file {
            Concrete::Mpeg(f) => f.id3v1(),
            Concrete::Aac(f) => f.id3v1(),
            Concrete::Ape(f) => f.id3v1(),
            Concrete::WavPack(f) => f.id3v1(),
            Concrete::Mpc(f) => f.id3v1(),
            _ => None,
        }
    }

    /// The ID3v1 tag, where lofty can write it (not Musepack: read-only there).
    pub(super) fn id3v1_writable_mut(&mut self) -> Option<&mut Id3v1Tag> {
        match &mut self.file {
            Concrete::Mpeg(f) => f.id3v1_mut(),
            Concrete::Aac(f) => f.id3v1_mut(),
            Concrete::Ape(f) => f.id3v1_mut(),
            Concrete::WavPack(f) => f.id3v1_mut(),
            _ => None,
        }
    }
}
