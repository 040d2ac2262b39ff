use super::*;
use super::region::audio_region_digest;
#[test]
#[ignore]
fn extra_formats() {
    for name in ["sample.aac", "sample.spx"] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::copy(Path::new("/tmp/extra").join(name), &path).unwrap();
        let options = NativeOptions::default();
        let n = read(&path);
        eprintln!("{name}: format {} primary {:?}", n.format(), n.primary_type());
        edit(&path, &options, add_unknown_and_picture);
        let before = read(&path);
        let pics = pictures(&before);
        let (_, audio) = audio_region_digest(&path).unwrap();
        edit(&path, &options, |n| for (f, v) in sample_values() { n.set(f, &v, &options) });
        let after = read(&path);
        for (f, v) in sample_values() { assert_eq!(after.get(f), v, "{name} {f:?}"); }
        assert_eq!(unknown(&after), [UNKNOWN_VALUE]);
        assert_eq!(pictures(&after), pics);
        assert!(audio_region_digest(&path).unwrap().1 == audio, "{name} audio");
        eprintln!("{name}: ok, {:?}", properties(&path));
        std::fs::copy(&path, Path::new("/tmp/extra").join(format!("out-{name}"))).unwrap();
    }
}
