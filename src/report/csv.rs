//! CSV: a header row, then one row per file. Tag columns follow the field
//! table's order; lists are joined with "; ".

use std::io::{self, Write};

use super::{Report, Row};
use crate::fields::{self, Field};
use crate::track::Tags;

pub struct CsvReport<'w> {
    writer: ::csv::Writer<Box<dyn Write + 'w>>,
    header_written: bool,
}

impl<'w> CsvReport<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        CsvReport { writer: ::csv::Writer::from_writer(out), header_written: false }
    }
}

fn cell(tags: &Tags, field: Field) -> String {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<u32>| v.map(|n| n.to_string()).unwrap_or_default();
    match field {
        Field::Title => text(&tags.title),
        Field::Artist => tags.artist.join("; "),
        Field::Album => text(&tags.album),
        Field::AlbumArtist => text(&tags.albumartist),
        Field::Composer => tags.composer.join("; "),
        Field::Genre => tags.genre.join("; "),
        Field::Track => number(tags.track),
        Field::TrackTotal => number(tags.track_total),
        Field::Disc => number(tags.disc),
        Field::DiscTotal => number(tags.disc_total),
        Field::Date => text(&tags.date),
        Field::Grouping => text(&tags.grouping),
        Field::Comment => text(&tags.comment),
        Field::Compilation => tags.compilation.map(|c| c.to_string()).unwrap_or_default(),
        Field::ReleaseType => tags.releasetype.join("; "),
        Field::Lyrics => tags.lyrics.to_string(),
        Field::SoundtrackRole => unreachable!("not a scanned field"),
    }
}

impl Report for CsvReport<'_> {
    fn record(&mut self, row: &Row<'_>) -> io::Result<()> {
        if !self.header_written {
            let mut header = vec!["path", "format", "tag_types"];
            header.extend(fields::scanned().map(|s| s.name));
            header.extend(["role", "confidence", "reasons", "error"]);
            self.writer.write_record(&header)?;
            self.header_written = true;
        }
        let mut record: Vec<String> = vec![row.path().to_string_lossy().into_owned()];
        match row {
            Row::Track { track, decision } => {
                record.push(track.format.to_string());
                record.push(track.tag_types.join("; "));
                record.extend(fields::scanned().map(|s| cell(&track.tags, s.field)));
                record.push(decision.role.to_string());
                record.push(format!("{:.2}", decision.confidence));
                record.push(decision.reasons().join("; "));
                record.push(String::new());
            }
            Row::Failed(err) => {
                record.extend(std::iter::repeat_n(String::new(), 2 + fields::scanned().count() + 3));
                record.push(err.describe());
            }
        }
        self.writer.write_record(&record)?;
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}
