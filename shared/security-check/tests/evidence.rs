//! Evidence-aware blocking (issue 30) through the check and the policy: each relaxation with a
//! real plugin idiom that does not block, and the same place with a real risk that still does;
//! `evidence_aware = false` (the website's rating) and `--rules all` (Bandit) unchanged.

use validator_domain::{run_on_zip_as, Finding};
use validator_policy::{Policy, RuleSet};
use validator_security::SecurityCheck;
use validator_testkit::ZipBuilder;

/// The check's findings on one file, rated by `policy` (`reference`: as `--rules all` runs it).
fn rated(code: &str, policy: &Policy, reference: bool) -> Vec<Finding> {
    rated_files(&[("demo/code.py", code)], policy, reference)
}

/// The check's findings on these files of one plugin.
fn rated_files(files: &[(&str, &str)], policy: &Policy, reference: bool) -> Vec<Finding> {
    let zip = files
        .iter()
        .fold(ZipBuilder::valid_plugin("demo"), |zip, (path, code)| {
            zip.file(path, code)
        });
    let raw = run_on_zip_as(&SecurityCheck, zip.build(), reference)
        .expect("runs")
        .findings;
    let rule_set = if reference {
        RuleSet::All
    } else {
        RuleSet::Policy
    };
    policy.evaluate(&SecurityCheck, raw, rule_set, &[])
}

/// The one finding of `rule` on `code` under the default policy.
fn only(code: &str, rule: &str) -> Finding {
    let findings = rated(code, &Policy::default(), false);
    let of_rule: Vec<_> = findings.into_iter().filter(|f| f.rule == rule).collect();
    assert_eq!(of_rule.len(), 1, "{rule} in {code}: {of_rule:?}");
    of_rule.into_iter().next().expect("one")
}

#[track_caller]
fn relaxed(code: &str, rule: &str, review: bool, reason: &str) {
    let finding = only(code, rule);
    let missing = finding
        .without_evidence
        .as_ref()
        .unwrap_or_else(|| panic!("no evidence reason on {rule} in {code}: {finding:?}"));
    assert!(!finding.blocking, "{rule} must not block in {code}");
    assert_eq!(finding.review, review, "{rule} review in {code}");
    assert_eq!(missing.review, review);
    assert!(
        missing.reason.contains(reason),
        "{reason:?} in {:?}",
        missing.reason
    );
    assert!(
        finding.message.contains(&missing.reason),
        "{}",
        finding.message
    );
}

#[track_caller]
fn blocks(code: &str, rule: &str) {
    let finding = only(code, rule);
    assert!(finding.blocking, "{rule} must block in {code}: {finding:?}");
    assert_eq!(finding.without_evidence, None);
}

#[test]
fn password_rules_on_values_that_cannot_be_passwords_do_not_block() {
    // A settings key (issue 30's earthdata plugin), empty values, a field name, a label.
    relaxed(
        "reg_earthdata_pass = 'Plugin/earthdata_pass'\n",
        "B105",
        false,
        "settings key",
    );
    relaxed("token = ''\n", "B105", false, "empty");
    relaxed("self.client_secret = ''\n", "B105", false, "empty");
    relaxed("PASSWORD_FIELD = 'password'\n", "B105", false, "name");
    relaxed(
        "settings = {'token': 'access_token'}\n",
        "B105",
        false,
        "name",
    );
    relaxed(
        "def f(password):\n    if password == '':\n        return\n",
        "B105",
        false,
        "empty",
    );
    relaxed(
        "conn = connect(host, password='%s')\n",
        "B106",
        false,
        "placeholder",
    );
    relaxed(
        "def login(user, password=''):\n    pass\n",
        "B107",
        false,
        "empty",
    );
    relaxed(
        "token_url = 'https://example.org/oauth/token'\n",
        "B105",
        false,
        "URL",
    );
    // Real passwords in the same places still block.
    blocks("reg_earthdata_pass = 'Xk9#mQ2v'\n", "B105");
    blocks("token = 'pk.eyJ1IjoibWFwYm94In0'\n", "B105");
    blocks(
        "def f(password):\n    if password == 'letmein':\n        return\n",
        "B105",
    );
    blocks("conn = connect(host, password='S3cr3t!')\n", "B106");
    blocks("def login(user, password='hunter2'):\n    pass\n", "B107");
    blocks(
        "token_url = 'https://example.org/tiles?access_token=pk123'\n",
        "B105",
    );
}

#[test]
fn password_rules_where_the_name_or_marker_says_it_is_not_the_secret_do_not_block() {
    // Idioms of real plugins (issue 30's sample): a redacted log payload, a setting id and a
    // config name for a stored token, an API route, a status label, a parser's tokens.
    relaxed(
        "def clean(payload):\n    payload['password'] = '**REMOVED**'\n    return payload\n",
        "B105",
        false,
        "removed",
    );
    relaxed("ACCESS_TOKEN_SETTING_ID = 'JMapCf1'\n", "B105", false, "id");
    relaxed(
        "_TOKEN_AUTH_CONFIG_NAME = 'Acme Maps JWT Tokens'\n",
        "B105",
        false,
        "name",
    );
    relaxed(
        "CREATE_TOKEN_ENDPOINT = '/v2/tokens'\n",
        "B105",
        false,
        "endpoint",
    );
    relaxed(
        "class Ux:\n    def ok(self):\n        self.used_token_status_txt = 'Success'\n",
        "B105",
        false,
        "txt",
    );
    relaxed(
        "def parse(tokens):\n    first_token = tokens[0].lower()\n    if first_token == 'values':\n        pass\n",
        "B105",
        false,
        "parser",
    );
    relaxed(
        "model = Proxy(token_key='server')\n",
        "B106",
        false,
        "parser",
    );
    relaxed(
        "auth = {'access_token': 'test'}\n",
        "B105",
        false,
        "placeholder",
    );
    relaxed(
        "TOKEN_ENDERS = ',;}) +-*/^&=><%'\n",
        "B105",
        false,
        "parser",
    );
    relaxed("title_token = '[TITLE]'\n", "B105", false, "placeholder");
    blocks("title_token = '[Tk93f0a]'\n", "B105");
    // The same places with a real secret still block: a generated key under a describing
    // name, a password word, a parser word under a password name, a marker-like real value.
    blocks(
        "ACCESS_TOKEN_SETTING_ID = 'a8f7e6d5c4b3a2918f7e6d5c'\n",
        "B105",
    );
    blocks(
        "def clean(payload):\n    payload['password'] = 'REMOVED1'\n",
        "B105",
    );
    blocks("first_password = 'values'\n", "B105");
    blocks("model = Proxy(token_key='tk_93f0a7Bq')\n", "B106");
    blocks(
        "STATUS_TOKEN_URL = 'https://example.org/status?token=pk123'\n",
        "B105",
    );
}

/// A post-mortem debugger's console (real idiom): the input line emits a signal declared in the
/// module with what its user typed; the slot compiles it with `code.CommandCompiler` and runs it.
fn console_with_slot(emitted: &str) -> String {
    format!(
        "import code\nfrom qgis.PyQt.QtCore import pyqtSignal\n\
         class Shell(Editor):\n    execLine = pyqtSignal(str)\n\
         \x20   def keyPressEvent(self, e):\n        cmd = {emitted}\n        self.execLine.emit(cmd)\n\
         class ConsoleWidget(Widget):\n    def __init__(self):\n        self.console = Shell()\n\
         \x20       self.compiler = code.CommandCompiler()\n\
         \x20       self.console.execLine.connect(self.exec_console)\n\
         \x20   def exec_console(self, line):\n        c = self.compiler(line, '<console>', 'single')\n\
         \x20       exec(c, self.frame_globals, self.frame_locals)\n"
    )
}

#[test]
fn a_console_slot_runs_what_the_user_typed_into_the_signal_source() {
    relaxed(&console_with_slot("self.text()"), "B102", true, "typed");
    // The debugger's "run the script open in this tab"; a file named by a parameter blocks.
    let run_tab = "class Debugger(Widget):\n    def run_current(self, globals):\n        \
         with open(self.tab_widget.currentWidget().filename, 'r') as f:\n            \
         code = f.read()\n            exec(code, globals)\n";
    relaxed(run_tab, "B102", true, "typed");
    blocks(
        &run_tab.replace(
            "self.tab_widget.currentWidget().filename",
            "globals['script']",
        ),
        "B102",
    );
    // The same slot fed from the network, from a parameter, or from a signal the module does
    // not declare (Qt's own, whose data it does not show) still blocks.
    blocks(
        &console_with_slot("self.reply.readAll().data().decode()"),
        "B102",
    );
    blocks(
        &console_with_slot("self.text()").replace(
            "self.console.execLine.connect(self.exec_console)",
            "self.reply.finished.connect(self.exec_console)",
        ),
        "B102",
    );
    blocks(
        &console_with_slot("self.text()").replace(
            "self.compiler = code.CommandCompiler()",
            "self.compiler = load_remote_compiler()",
        ),
        "B102",
    );
}

#[test]
fn an_unverified_context_behind_a_verification_setting_and_an_ftplib_import_do_not_block() {
    // A vendored error reporter (real idiom): the unverified context is its `verify_ssl=False`
    // branch.
    let switched = "import ssl\nfrom urllib import request\n\
         def opener(verify_ssl=True):\n    if verify_ssl:\n        handlers = [request.HTTPSHandler()]\n\
         \x20   else:\n        handlers = [request.HTTPSHandler(context=ssl._create_unverified_context())]\n\
         \x20   return request.build_opener(*handlers)\n";
    relaxed(switched, "B323", false, "verification setting");
    // Unconditionally, or behind an unrelated condition, it blocks.
    blocks(
        "import ssl\ndef connect(client):\n    return client.connect(ssl=ssl._create_unverified_context())\n",
        "B323",
    );
    blocks(&switched.replace("if verify_ssl:", "if debug:"), "B323");
    // Importing ftplib is reported; its calls block as B321.
    relaxed("import ftplib\n", "B402", false, "B321");
    blocks(
        "import ftplib\ndef upload(host):\n    ftp = ftplib.FTP(host)\n    return ftp\n",
        "B321",
    );
}

#[test]
fn unpickling_a_cache_whose_path_comes_from_a_helper_in_another_module() {
    // A resource-sharing plugin (real idiom): its cache path helper lives in `utilities.py`.
    let utilities = |body: &str| {
        format!(
            "from pathlib import Path\nfrom urllib.request import urlretrieve\n\
             from qgis.core import QgsApplication\n\n\
             def repositories_cache_path():\n    {body}\n"
        )
    };
    let manager = "import pickle\nfrom .utilities import repositories_cache_path\n\n\
         class RepositoryManager:\n    def load(self):\n        \
         with open(str(repositories_cache_path()), 'rb') as f:\n            \
         return pickle.load(f)\n";
    let b301 = |helper: &str| {
        let helper = utilities(helper);
        let findings = rated_files(
            &[("demo/utilities.py", &helper), ("demo/manager.py", manager)],
            &Policy::default(),
            false,
        );
        findings
            .into_iter()
            .find(|f| f.rule == "B301")
            .expect("a B301 finding")
    };
    let own = b301(
        "return Path(QgsApplication.qgisSettingsDirPath(), 'resource_sharing', 'repositories_cache')",
    );
    assert!(!own.blocking, "{own:?}");
    assert!(own.without_evidence.is_some(), "{own:?}");
    // The reason does not vouch for the file: a shipped pickle that runs code is BHV008's.
    assert!(
        own.without_evidence
            .as_ref()
            .is_some_and(|w| w.reason.contains("BHV008")),
        "{own:?}"
    );
    // The same helper returning a downloaded file, or taking the path from its caller, blocks.
    let downloaded = b301("return urlretrieve('https://example.org/cache.pkl')[0]");
    assert!(downloaded.blocking, "{downloaded:?}");
    // A helper of this module works the same; `--rules all` weighs nothing.
    blocks(
        "import pickle\nfrom urllib.request import urlretrieve\n\
         def cache_path():\n    return urlretrieve('https://example.org/c.pkl')[0]\n\
         def load():\n    return pickle.load(open(cache_path(), 'rb'))\n",
        "B301",
    );
    // Helpers calling each other end within the trace budget (a real plugin's vendored library
    // made an unbounded trace run for minutes) and count as outside: the finding blocks.
    blocks(
        "import pickle\n\
         def first():\n    return second()\n\
         def second():\n    return first()\n\
         def load():\n    return pickle.load(open(first(), 'rb'))\n",
        "B301",
    );
    relaxed(
        "import os, pickle\n\
         def cache_path():\n    return os.path.join(os.path.dirname(__file__), 'cache.pkl')\n\
         def load():\n    return pickle.load(open(cache_path(), 'rb'))\n",
        "B301",
        false,
        "own file",
    );
}

#[test]
fn shell_rules_on_constant_commands_do_not_block() {
    relaxed(
        "import os, subprocess\n\
         def version():\n    \
             return subprocess.check_output('git rev-parse --short HEAD', shell=True, \
             cwd=os.path.dirname(__file__))\n",
        "B602",
        false,
        "constant",
    );
    relaxed(
        "import subprocess\n\
         def version():\n    \
             cmd = 'git describe --tags'\n    \
             return subprocess.run(cmd, shell=True)\n",
        "B602",
        false,
        "constant",
    );
    relaxed("import os\nos.system('cls')\n", "B605", false, "constant");
    // Outside input reaching the shell blocks: a parameter, a built command, a widget's text.
    blocks(
        "import subprocess\n\
         def run(cmd):\n    subprocess.run(cmd, shell=True)\n",
        "B602",
    );
    blocks(
        "import os\ndef go(url):\n    os.system('start ' + url)\n",
        "B605",
    );
    // A parameter that shadows a module constant; a variable named `path`.
    blocks(
        "import subprocess\ncmd = 'ls'\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\n",
        "B602",
    );
    blocks(
        "import os\ndef run(path):\n    os.system(path.replace('/', '_'))\n",
        "B605",
    );
    // A global that another function sets from outside input.
    blocks(
        "import subprocess\nCMD = 'ls'\n\
         def configure(value):\n    global CMD\n    CMD = value\n\
         def run():\n    subprocess.run(CMD, shell=True)\n",
        "B602",
    );
    blocks(
        "import subprocess\n\
         class P:\n    def run(self):\n        \
             subprocess.call('ogr2ogr ' + self.dlg.output.text(), shell=True)\n",
        "B602",
    );
}

#[test]
fn code_the_user_typed_is_held_for_review_and_code_from_data_blocks() {
    // A debugging console: it runs what its user types.
    relaxed(
        "class Console:\n    def run(self):\n        \
             code = self.editor.toPlainText()\n        \
             exec(code, self.namespace)\n",
        "B102",
        true,
        "typed",
    );
    relaxed(
        "class Calc:\n    def compute(self):\n        \
             return eval(self.dlg.expression.text().strip())\n",
        "B307",
        true,
        "typed",
    );
    // Code from the network or from data blocks.
    blocks(
        "from urllib.request import urlopen\n\
         def update(url):\n    exec(urlopen(url).read())\n",
        "B102",
    );
    blocks(
        "def value(feature):\n    return eval(feature['expression'])\n",
        "B307",
    );
    blocks(
        "class P:\n    def done(self, reply):\n        \
             exec(reply.readAll().data().decode())\n",
        "B102",
    );
}

#[test]
fn unpickling_the_plugins_own_files_does_not_block_and_downloaded_data_does() {
    relaxed(
        "import os, pickle\n\
         def load():\n    \
             cache = os.path.join(os.path.dirname(__file__), 'cache.pkl')\n    \
             with open(cache, 'rb') as f:\n        \
                 return pickle.load(f)\n",
        "B301",
        false,
        "own file",
    );
    relaxed(
        "import os, pickle\n\
         from qgis.core import QgsApplication\n\
         class P:\n    \
             def __init__(self):\n        \
                 self.cache_file = os.path.join(QgsApplication.qgisSettingsDirPath(), 'p.pkl')\n    \
             def load(self):\n        \
                 return pickle.load(open(self.cache_file, 'rb'))\n",
        "B301",
        false,
        "own file",
    );
    blocks(
        "import pickle\nfrom urllib.request import urlopen\n\
         def fetch(url):\n    return pickle.loads(urlopen(url).read())\n",
        "B301",
    );
    blocks(
        "import pickle\ndef load(path):\n    return pickle.load(open(path, 'rb'))\n",
        "B301",
    );
    blocks(
        "import marshal, requests\n\
         def fetch(url):\n    return marshal.loads(requests.get(url).content)\n",
        "B302",
    );
}

#[test]
fn the_website_exact_policy_and_rules_all_block_as_before() {
    let code = "token = ''\nimport subprocess\nsubprocess.call('git status', shell=True)\n";
    assert!(Policy::default().evidence_aware, "on by default");
    let website = Policy {
        evidence_aware: false,
        ..Policy::default()
    };
    for finding in rated(code, &website, false)
        .into_iter()
        .filter(|f| ["B105", "B602"].contains(&f.rule.as_str()))
    {
        assert!(finding.blocking, "{finding:?}");
        assert_eq!(finding.without_evidence, None);
    }
    // `--rules all`: Bandit's findings, no evidence weighed.
    let reference = rated(code, &Policy::default(), true);
    assert!(reference.iter().any(|f| f.rule == "B105"));
    assert!(reference.iter().all(|f| f.without_evidence.is_none()));
    // The setting round-trips through the policy file.
    let text = website.to_toml("test");
    assert!(text.contains("evidence_aware = false"), "{text}");
    assert!(!Policy::from_toml(&text, "t").unwrap().evidence_aware);
}

/// The findings of `rule` in the plugin made of `files`, under the default policy.
fn of_rule_in(files: &[(&str, &str)], rule: &str) -> Vec<Finding> {
    rated_files(files, &Policy::default(), false)
        .into_iter()
        .filter(|f| f.rule == rule)
        .collect()
}

#[track_caller]
fn relaxed_in(files: &[(&str, &str)], rule: &str, reason: &str) {
    let findings = of_rule_in(files, rule);
    assert!(!findings.is_empty(), "no {rule}");
    for f in findings {
        assert!(!f.blocking, "{f:?}");
        let why = f.without_evidence.as_ref().map(|w| w.reason.as_str());
        assert!(why.unwrap_or_default().contains(reason), "{f:?}");
    }
}

#[track_caller]
fn blocks_in(files: &[(&str, &str)], rule: &str) {
    let findings = of_rule_in(files, rule);
    assert!(!findings.is_empty(), "no {rule}");
    assert!(findings.iter().any(|f| f.blocking), "{findings:?}");
}

fn borrowed<'f>(files: &'f [(&'static str, String)]) -> Vec<(&'static str, &'f str)> {
    files.iter().map(|(a, b)| (*a, b.as_str())).collect()
}

/// fct's idiom: algorithm metadata in a `.yml` next to each module, read by a static method
/// whose every caller passes its own `__file__` and a class name.
const METADATA_READER: &str = "import os\nimport yaml\n\n\nclass AlgorithmMetadata(object):\n    @staticmethod\n    def read(sourcefile, basename):\n        with open(os.path.join(os.path.dirname(sourcefile), basename + '.yml')) as stream:\n            return yaml.load(stream)\n";

#[test]
fn a_parameter_every_caller_sets_to_the_plugins_own_values_does_not_block() {
    let algorithm = "from .metadata import AlgorithmMetadata\n\n\nclass Segmentation(AlgorithmMetadata):\n    METADATA = AlgorithmMetadata.read(__file__, 'Segmentation')\n\n    def __init__(self):\n        self.METADATA = AlgorithmMetadata.read(__file__, type(self).__name__)\n";
    let plugin = |caller: &str| {
        vec![
            ("demo/metadata.py", METADATA_READER.to_owned()),
            ("demo/segmentation.py", algorithm.to_owned()),
            ("demo/other.py", caller.to_owned()),
        ]
    };
    let own = plugin("X = 1\n");
    relaxed_in(&borrowed(&own), "B506", "every call of `read`");
    // One caller passing a downloaded file: the YAML may be anyone's.
    let downloaded = plugin(
        "from urllib.request import urlretrieve\nfrom .metadata import AlgorithmMetadata\n\n\ndef fetch():\n    path = urlretrieve('https://example.org/a.yml')[0]\n    return AlgorithmMetadata.read(path, 'a')\n",
    );
    blocks_in(&borrowed(&downloaded), "B506");
    // A caller's own parameter is outside (one level of callers).
    let relayed = plugin(
        "from .metadata import AlgorithmMetadata\n\n\ndef load(path):\n    return AlgorithmMetadata.read(path, 'a')\n",
    );
    blocks_in(&borrowed(&relayed), "B506");
    // Referenced other than by a call: it may be called with anything.
    let escaped =
        plugin("from .metadata import AlgorithmMetadata\n\nREADER = AlgorithmMetadata.read\n");
    blocks_in(&borrowed(&escaped), "B506");
    // No caller in the plugin: who calls it is unknown.
    blocks_in(&[("demo/metadata.py", METADATA_READER)], "B506");
    // Read without its callers, a path parameter still blocks.
    blocks(
        "import yaml\n\n\ndef load(path):\n    return yaml.load(open(path))\n",
        "B506",
    );
}

#[test]
fn a_default_every_caller_keeps_is_a_constant() {
    // Giswater's idiom: a log file in the user's home opened with the desktop's viewer; the one
    // caller keeps the file name's default.
    let manager = |call: &str, base: &str| {
        format!(
            "import os\n\n\nclass Manager{base}:\n    def run(self, text):\n        {call}\n\n    def save_and_open(self, text, filename='i18n_error_log.txt'):\n        path = os.path.join(os.path.expanduser('~'), filename)\n        with open(path, 'w') as f:\n            f.write(text)\n        os.system(f\"xdg-open '{{path}}'\")\n"
        )
    };
    relaxed(
        &manager("self.save_and_open(text)", ""),
        "B605",
        false,
        "every call of `save_and_open`",
    );
    relaxed(
        &manager("self.save_and_open(text, filename='other.txt')", ""),
        "B605",
        false,
        "constant",
    );
    // A caller passing what the user typed: a file name with a quote breaks out of the command.
    blocks(
        &manager("self.save_and_open(text, self.dlg.name.text())", ""),
        "B605",
    );
    // Called unbound through a subclass: `Sub.save_and_open(obj, text, name)` passes `self`.
    blocks_in(
        &[
            ("demo/code.py", manager("self.save_and_open(text)", "").as_str()),
            (
                "demo/sub.py",
                "from .code import Manager\n\n\nclass Sub(Manager):\n    pass\n\n\ndef log(m, dlg):\n    Sub.save_and_open(m, 'x', dlg.name.text())\n",
            ),
        ],
        "B605",
    );
    // A file that cannot be analysed may call it with anything.
    let kept = manager("self.save_and_open(text)", "");
    blocks_in(
        &[
            ("demo/code.py", kept.as_str()),
            ("demo/broken.py", "def save_and_open(:\n"),
        ],
        "B605",
    );
    // A class with a base: the framework may call an override with anything.
    blocks(&manager("self.save_and_open(text)", "(QDialog)"), "B605");
    // A computed method name may reach it with any arguments (Giswater's
    // `getattr(self, f'_manage_{kind}')(...)` idiom, aimed at this method).
    blocks(
        &manager(
            "self.save_and_open(text)\n        getattr(self, self.dlg.action.text())(text, text)",
            "",
        ),
        "B605",
    );
}

#[test]
fn code_built_from_a_constant_table_of_another_module_is_held_for_review() {
    // sims_maps' idiom: widgets looked up by names from the plugin's own configuration table.
    let table = |value: &str| {
        format!("import json\nfrom urllib.request import urlopen\n\nFIELDS = {value}\n")
    };
    let maps = "from .layout_config import FIELDS\n\n\nclass Maps:\n    def edit(self, designer):\n        for item in FIELDS:\n            self.widget(designer, item['label'])\n\n    def widget(self, designer, name):\n        return eval(f'designer.dialog.{name}')\n";
    let own = table("[{'label': 'labelTitle'}, {'label': 'labelDate'}]");
    let findings = of_rule_in(
        &[("demo/layout_config.py", &own), ("demo/maps.py", maps)],
        "B307",
    );
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(!findings[0].blocking && findings[0].review, "{findings:?}");
    // Replaced from the network in a branch, or extended in place: not a constant.
    for changed in [
        format!(
            "{own}if not FIELDS:\n    FIELDS = json.load(urlopen('https://example.org/f.json'))\n"
        ),
        format!("{own}FIELDS.append(json.load(urlopen('https://example.org/f.json')))\n"),
        format!("{own}FIELDS[0] = json.load(urlopen('https://example.org/f.json'))\n"),
    ] {
        blocks_in(
            &[("demo/layout_config.py", &changed), ("demo/maps.py", maps)],
            "B307",
        );
    }
    // The table read from the network: code from data.
    let downloaded = table("json.load(urlopen('https://example.org/fields.json'))");
    blocks_in(
        &[
            ("demo/layout_config.py", &downloaded),
            ("demo/maps.py", maps),
        ],
        "B307",
    );
}

#[test]
fn a_template_compiled_with_names_and_numbers_only_is_held_for_review() {
    // raven's idiom: a wrapper compiled from the library's own template, lined up with the
    // wrapped function (`'\n' * line`), named after it (`func.__name__`).
    let wrap = |template: &str| {
        format!(
            "def wrap(func, level=None):\n    ns = {{}}\n    fwd = '%d, msg' % level\n    eval(compile('''{template}''' % {{\n        'offset': '\\n' * (func.__code__.co_firstlineno - 3),\n        'name': func.__name__,\n        'fwd': fwd,\n        'level': level,\n    }}, 'wrapped.py', 'exec'), {{}}, ns)\n    return ns\n"
        )
    };
    let own = wrap("%(offset)sdef %(name)s(msg):\n    return (%(fwd)s)\n");
    let finding = only(&own, "B307");
    assert!(!finding.blocking && finding.review, "{finding:?}");
    // The template inserts a parameter no call in the plugin sets: code from anyone.
    blocks(
        &wrap("%(offset)sdef %(name)s(msg):\n    return %(level)s\n"),
        "B307",
    );
}
