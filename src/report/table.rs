//! A table for people: aligned columns, long cells shortened, errors inline.

use std::io::{self, Write};

use super::{Report, Row};

const COLUMNS: [&str; 7] = ["ROLE", "CONF", "FORMAT", "#", "ARTIST", "TITLE", "ALBUM"];
/// Widest a text cell may be before it is shortened with "…".
const MAX_CELL: usize = 32;

pub struct TableReport<'w> {
    out: Box<dyn Write + 'w>,
    rows: Vec<(Vec<String>, String)>,
}

impl<'w> TableReport<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        TableReport { out, rows: Vec::new() }
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_CELL {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(MAX_CELL - 1).collect();
        short.push('…');
        short
    }
}

impl Report for TableReport<'_> {
    fn record(&mut self, row: &Row<'_>) -> io::Result<()> {
        let path = row.path().display().to_string();
        let cells = match row {
            Row::Track { track, decision } => {
                let tags = &track.tags;
                vec![
                    decision.role.to_string(),
                    format!("{:.2}", decision.confidence),
                    track.format.to_string(),
                    tags.track.map(|n| n.to_string()).unwrap_or_default(),
                    shorten(&tags.artist.join("; ")),
                    shorten(tags.title.as_deref().unwrap_or("")),
                    shorten(tags.album.as_deref().unwrap_or("")),
                ]
            }
            Row::Failed(err) => vec!["ERROR".into(), String::new(), String::new(), String::new(), err.describe()],
        };
        self.rows.push((cells, path));
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        let mut widths: Vec<usize> = COLUMNS.iter().map(|c| c.chars().count()).collect();
        for (cells, _) in &self.rows {
            // An error's message spans the remaining columns, so it does not widen them.
            if cells[0] == "ERROR" {
                continue;
            }
            for (w, cell) in widths.iter_mut().zip(cells) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String], path: &str| {
            let mut text = String::new();
            for (i, cell) in cells.iter().enumerate() {
                let pad = widths.get(i).copied().unwrap_or(0).saturating_sub(cell.chars().count());
                if i + 1 == cells.len() {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad + 2));
                }
            }
            format!("{}  {path}\n", text.trim_end())
        };
        let header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        self.out.write_all(line(&header, "PATH").as_bytes())?;
        for (cells, path) in &self.rows {
            self.out.write_all(line(cells, path).as_bytes())?;
        }
        self.out.flush()
    }
}
