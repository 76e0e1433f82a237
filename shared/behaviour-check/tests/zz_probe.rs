use validator_api_catalogue::Catalogue;
#[test]
fn probe() {
    let c = Catalogue::builtin();
    for name in std::fs::read_to_string("/tmp/probe/names.txt")
        .unwrap()
        .lines()
    {
        let hits = c.call(name);
        let kinds: Vec<String> = hits
            .iter()
            .map(|e| format!("{}:{}", e.pattern, e.kind.name()))
            .collect();
        println!("{name} => {}", kinds.join(", "));
    }
    for p in std::fs::read_to_string("/tmp/probe/paths.txt")
        .unwrap()
        .lines()
    {
        let hits = c.path(p);
        let kinds: Vec<String> = hits
            .iter()
            .map(|e| format!("{}:{}", e.pattern, e.kind.name()))
            .collect();
        println!("PATH {p} => {}", kinds.join(", "));
    }
}
