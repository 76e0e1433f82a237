//! Evidence-aware blocking (issue 30) through the check and the policy: each relaxation with a
//! real plugin idiom that does not block, and the same place with a real risk that still does;
//! `evidence_aware = false` (the website's rating) and `--rules all` (Bandit) unchanged.

use validator_archive::{ArchiveLimits, PluginArchive};
use validator_domain::{Check, CheckContext, Finding, PackageInfo, ScanCache};
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
    let archive = PluginArchive::open(zip.build(), &ArchiveLimits::default()).expect("opens");
    let package = PackageInfo::inspect(&archive);
    let ctx = CheckContext {
        archive: &archive,
        package: &package,
        rule_enabled: &|_| true,
        reference_defaults: reference,
        cache: &ScanCache::new(),
    };
    let raw = SecurityCheck.run(&ctx).expect("runs");
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
