//! The licence check's per-process constant costs: the first licence text identified (loads the
//! detector's data) and the first file notice read (compiles the notice patterns). Run it under
//! `valgrind --tool=callgrind` to count their instructions:
//! `cargo run --release -p validator-licence --example licence_cost -- LICENSE file.py`.
fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(licence), Some(source)) = (args.next(), args.next()) else {
        eprintln!("usage: licence_cost LICENCE_FILE SOURCE_FILE");
        std::process::exit(2);
    };
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
    let started = std::time::Instant::now();
    let found = validator_licence::detect::identify(&read(&licence));
    let identified = started.elapsed();
    let started = std::time::Instant::now();
    let notice = validator_licence::notice::file_notice(&read(&source));
    let noticed = started.elapsed();
    println!(
        "{found:?} in {identified:?}; notice {:?} in {noticed:?}",
        notice.0.is_some()
    );
}
