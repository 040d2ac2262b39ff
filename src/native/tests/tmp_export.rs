use super::*;
use crate::native::Id3Policy;
#[test]
#[ignore]
fn export_for_external_check() {
    let out = Path::new("/tmp/native_out");
    let _ = std::fs::remove_dir_all(out);
    std::fs::create_dir_all(out).unwrap();
    for (fixture, id3) in [("formats/id3v23.mp3", Id3Policy::Keep), ("formats/id3v24.mp3", Id3Policy::V23), ("formats/id3v24.mp3", Id3Policy::V24), ("formats/sample.flac", Id3Policy::Keep), ("formats/sample.ogg", Id3Policy::Keep), ("formats/sample.opus", Id3Policy::Keep), ("formats/sample.m4a", Id3Policy::Keep), ("formats/sample-m4a-moov-after.m4a", Id3Policy::Keep), ("formats/sample.wav", Id3Policy::Keep), ("formats/sample.aiff", Id3Policy::Keep), ("formats/sample.wv", Id3Policy::Keep), ("formats/id3v1.mp3", Id3Policy::Keep)] {
        let copy = temp_copy(fixture);
        let options = NativeOptions { id3, grouping_frame: crate::native::GroupingFrame::Both };
        edit(&copy.path, &options, |n| for (f, v) in sample_values() { n.set(f, &v, &options) });
        let name = format!("{:?}-{}", id3, copy.path.file_name().unwrap().to_string_lossy());
        std::fs::copy(&copy.path, out.join(name)).unwrap();
    }
}
