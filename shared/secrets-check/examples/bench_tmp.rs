fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).unwrap()).unwrap();
    let pats: Vec<String> = std::env::args().skip(2).collect();
    let set = regex::RegexSet::new(&pats).unwrap();
    let t = std::time::Instant::now();
    let mut n = 0;
    for line in text.lines() { if set.matches(line).matched_any() { n += 1; } }
    println!("set: {n} lines in {:?}", t.elapsed());
    for p in &pats {
        let r = regex::Regex::new(p).unwrap();
        let t = std::time::Instant::now();
        let mut n = 0;
        for line in text.lines() { if r.is_match(line) { n += 1; } }
        println!("{n:>8} {:>10.1?} {p}", t.elapsed());
    }
}
