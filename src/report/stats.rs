//! `reeltag stats`: counts over a library instead of one row per file.
//!
//! It is a [`Report`] like the others, fed by the same streaming scan, so a
//! library whose state file is fresh is counted without reading any file.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{Report, Row};
use crate::config::Format;

/// What `stats` counts. Field names are the JSON keys.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub files: usize,
    pub failed: usize,
    pub by_format: BTreeMap<String, usize>,
    pub by_role: BTreeMap<String, usize>,
    /// Files carrying each tag type (a file with ID3v2 and ID3v1 counts in both).
    pub by_tag_type: BTreeMap<String, usize>,
    /// Files with an ID3v2 tag, by its version ("2.3", "2.4").
    pub by_id3v2_version: BTreeMap<String, usize>,
    pub problems: Problems,
}

/// Things worth fixing, counted in files unless the name says folders.
#[derive(Debug, Default, Serialize)]
pub struct Problems {
    pub missing_album: usize,
    pub missing_title: usize,
    pub missing_artist: usize,
    pub missing_track_number: usize,
    /// Files with both an ID3v2 and an ID3v1 tag (the two drift apart).
    pub id3v1_and_id3v2: usize,
    /// Folders whose files mix ID3v2 versions (2.3 and 2.4).
    pub folders_with_mixed_id3v2_versions: usize,
    /// Files that could not be read.
    pub unreadable: usize,
}

pub struct StatsReport<'w> {
    out: Box<dyn Write + 'w>,
    format: Format,
    stats: Stats,
    /// The folder whose files are being seen, and their ID3v2 versions: rows
    /// arrive in path order, so a folder's files are consecutive.
    folder: Option<PathBuf>,
    versions: BTreeSet<u8>,
}

impl<'w> StatsReport<'w> {
    pub fn new(format: Format, out: Box<dyn Write + 'w>) -> Self {
        StatsReport { out, format, stats: Stats::default(), folder: None, versions: BTreeSet::new() }
    }

    fn enter_folder(&mut self, folder: Option<&Path>) {
        if self.folder.as_deref() != folder {
            self.close_folder();
            self.folder = folder.map(Path::to_path_buf);
        }
    }

    fn close_folder(&mut self) {
        if self.versions.len() > 1 {
            self.stats.problems.folders_with_mixed_id3v2_versions += 1;
        }
        self.versions.clear();
    }

    fn write_table(&mut self) -> io::Result<()> {
        let s = &self.stats;
        let out = &mut self.out;
        writeln!(out, "{} audio files, {} unreadable", s.files, s.failed)?;
        let sections: [(&str, &BTreeMap<String, usize>); 4] = [
            ("role", &s.by_role),
            ("format", &s.by_format),
            ("tag type", &s.by_tag_type),
            ("ID3v2 version", &s.by_id3v2_version),
        ];
        for (title, counts) in sections {
            writeln!(out, "\nby {title}:")?;
            if counts.is_empty() {
                writeln!(out, "  (none)")?;
            }
            for (name, count) in counts {
                writeln!(out, "  {name:<12} {count:>8}")?;
            }
        }
        let p = &s.problems;
        writeln!(out, "\nproblems:")?;
        for (name, count) in [
            ("missing album", p.missing_album),
            ("missing title", p.missing_title),
            ("missing artist", p.missing_artist),
            ("missing track number", p.missing_track_number),
            ("ID3v1 beside ID3v2", p.id3v1_and_id3v2),
            ("folders mixing ID3v2.3 and 2.4", p.folders_with_mixed_id3v2_versions),
            ("unreadable files", p.unreadable),
        ] {
            writeln!(out, "  {name:<32} {count:>8}")?;
        }
        Ok(())
    }

    fn write_csv(&mut self) -> io::Result<()> {
        let s = &self.stats;
        let mut csv = csv::Writer::from_writer(&mut self.out);
        csv.write_record(["section", "name", "count"])?;
        csv.write_record(["total", "files", &s.files.to_string()])?;
        csv.write_record(["total", "failed", &s.failed.to_string()])?;
        for (section, counts) in [
            ("role", &s.by_role),
            ("format", &s.by_format),
            ("tag_type", &s.by_tag_type),
            ("id3v2_version", &s.by_id3v2_version),
        ] {
            for (name, count) in counts {
                csv.write_record([section, name, &count.to_string()])?;
            }
        }
        let problems = serde_json::to_value(&s.problems).map_err(io::Error::other)?;
        for (name, count) in problems.as_object().into_iter().flatten() {
            csv.write_record(["problem", name, &count.to_string()])?;
        }
        csv.flush()
    }
}

impl Report for StatsReport<'_> {
    fn record(&mut self, row: &Row<'_>) -> io::Result<()> {
        self.enter_folder(row.path().parent());
        let track = match row {
            Row::Failed(_) => {
                self.stats.failed += 1;
                self.stats.problems.unreadable += 1;
                return Ok(());
            }
            Row::Track { track, decision } => {
                *self.stats.by_role.entry(decision.role.to_string()).or_default() += 1;
                track
            }
        };
        let stats = &mut self.stats;
        stats.files += 1;
        *stats.by_format.entry(track.format.to_string()).or_default() += 1;
        for tag_type in &track.tag_types {
            *stats.by_tag_type.entry(tag_type.to_string()).or_default() += 1;
        }
        if let Some(version) = track.id3v2_version {
            *stats.by_id3v2_version.entry(format!("2.{version}")).or_default() += 1;
            self.versions.insert(version);
        }
        let tags = &track.tags;
        let problems = &mut stats.problems;
        problems.missing_album += usize::from(tags.album.is_none());
        problems.missing_title += usize::from(tags.title.is_none());
        problems.missing_artist += usize::from(tags.artist.is_empty());
        problems.missing_track_number += usize::from(tags.track.is_none());
        let has = |name: &str| track.tag_types.contains(&name);
        problems.id3v1_and_id3v2 += usize::from(has("id3v1") && has("id3v2"));
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.close_folder();
        match self.format {
            Format::Table => self.write_table()?,
            Format::Csv => self.write_csv()?,
            Format::Jsonl => {
                serde_json::to_writer(&mut self.out, &self.stats)?;
                writeln!(self.out)?;
            }
        }
        self.out.flush()
    }
}
