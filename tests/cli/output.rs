//! Output formats and determinism.

use crate::util::{copy_dir, fixtures, scan, scan_jsonl, temp};

/// A temp copy of fixtures/library and fixtures/formats side by side.
fn library_and_formats() -> tempfile::TempDir {
    let dir = temp();
    copy_dir(&fixtures().join("library"), &dir.path().join("library"));
    copy_dir(&fixtures().join("formats"), &dir.path().join("formats"));
    dir
}

#[test]
fn output_does_not_depend_on_the_thread_count() {
    let dir = library_and_formats();
    let one = scan_jsonl(dir.path(), &["--threads", "1"]);
    let four = scan_jsonl(dir.path(), &["--threads", "4"]);
    one.assert_code(0);
    four.assert_code(0);
    assert_eq!(one.records().len(), 44 + 11, "every track of library and formats\n{one}");
    assert!(one.stdout == four.stdout, "--threads 1 and --threads 4 differ:\n{one}\n{four}");

    // Records come sorted by path.
    let paths: Vec<String> = one.records().iter().map(|r| crate::util::path_of(r).to_string()).collect();
    let mut sorted = paths.clone();
    sorted.sort_by(|a, b| std::path::Path::new(a).cmp(std::path::Path::new(b)));
    assert_eq!(paths, sorted);
}

#[test]
fn csv_has_a_header_and_one_row_per_file() {
    let dir = temp();
    copy_dir(&fixtures().join("formats"), dir.path());
    let run = scan([dir.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]);
    run.assert_code(0);

    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header = reader.headers().expect("a header row").clone();
    for column in ["path", "format", "title", "artist", "album", "track", "role"] {
        assert!(header.iter().any(|h| h == column), "header lacks {column}: {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), 11, "one row per file\n{run}");
    let column = |name: &str| header.iter().position(|h| h == name).expect("column");
    for row in &rows {
        assert_eq!(row.len(), header.len(), "{row:?}");
        assert!(row[column("path")].starts_with(&*dir.path().to_string_lossy()), "{row:?}");
        assert!(row[column("title")].starts_with("Fixture "), "{row:?}");
        assert_eq!(&row[column("artist")], "Fixture Artist", "{row:?}");
    }
    let flac = rows.iter().find(|r| r[column("path")].ends_with("sample.flac")).expect("the FLAC row");
    assert_eq!(&flac[column("format")], "flac");
    assert_eq!(&flac[column("title")], "Fixture FLAC");
}

#[test]
fn csv_joins_list_values_in_one_cell() {
    let dir = temp();
    copy_dir(&fixtures().join("library/Various Artists"), dir.path());
    let run = scan([dir.path().as_os_str(), "--format".as_ref(), "csv".as_ref()]);
    run.assert_code(0);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let header = reader.headers().expect("a header row").clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), 16, "{run}");
    let path = header.iter().position(|h| h == "path").expect("path column");
    let genre = header.iter().position(|h| h == "genre").expect("genre column");
    let hooked = rows.iter().find(|r| r[path].ends_with("01 Hooked on a Feeling.mp3")).expect("track 1");
    let cell = &hooked[genre];
    assert!(cell.contains("Soundtrack") && cell.contains("Rock"), "both genres in one cell: {cell:?}");
}

#[test]
fn table_prints_a_header_line_then_one_line_per_file() {
    let dir = temp();
    copy_dir(&fixtures().join("formats"), dir.path());
    let run = scan([dir.path().as_os_str(), "--format".as_ref(), "table".as_ref()]);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let header = lines.first().expect("a header line").to_uppercase();
    for column in ["TITLE", "PATH"] {
        assert!(header.contains(column), "header lacks {column}: {header}");
    }
    assert!(!header.contains(&*dir.path().to_string_lossy().to_uppercase()), "the header is not a row: {header}");
    assert_eq!(lines.len(), 1 + 11, "header plus one line per file\n{run}");
    for name in ["sample.flac", "sample.wv", "id3v1.mp3"] {
        let matching = lines.iter().filter(|l| l.ends_with(name)).count();
        assert_eq!(matching, 1, "{name} on one line\n{run}");
    }
    assert!(lines.iter().any(|l| l.contains("Fixture FLAC")), "titles shown\n{run}");
}
