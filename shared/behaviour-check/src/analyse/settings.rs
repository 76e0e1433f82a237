//! QGIS's settings for the resolver: the groups a read enters (and whether they may hold
//! saved passwords), the keys of QGIS's settings tree, and the writes of security switches,
//! code folders, plugin repositories, other plugins' flags, the proxy and QGIS's custom
//! environment variables (the settings catalogue, `settings.tsv`); and the same tampering
//! through QGIS's APIs (the master password, another plugin's enabled flag removed).

use super::*;

/// The Python plugins QGIS itself ships and installs (`python/plugins/` of QGIS 3.x, with
/// providers later split out): turning one on (`PythonPlugins/processing`, which plugins that
/// run Processing algorithms do) changes QGIS's own parts, not another author's plugin.
const QGIS_CORE_PLUGINS: [&str; 6] = [
    "processing",
    "db_manager",
    "MetaSearch",
    "grassprovider",
    "otbprovider",
    "sagaprovider",
];

impl<'m> Analyser<'m> {
    /// Whether the settings group the current function entered (the root when none) may hold
    /// QGIS's saved passwords or secrets: the settings catalogue's keys under it.
    pub(super) fn settings_group_may_hold_secrets(&self) -> bool {
        let group = self.settings_group.as_deref().unwrap_or("");
        validator_api_catalogue::Catalogue::builtin()
            .settings_group(group)
            .iter()
            .any(|entry| {
                matches!(
                    entry.kind,
                    validator_api_catalogue::Kind::Setting(
                        validator_api_catalogue::SettingKind::ConnectionSecret
                            | validator_api_catalogue::SettingKind::Secret
                    )
                )
            })
    }

    /// The settings key a node or entry of QGIS's settings tree stands for:
    /// `QgsSettingsTree.node("core").childSetting("x")` is `core/x`, through variables too; an
    /// entry of `QgsSettingsRegistryCore` by its attribute name (`REGISTRY_ENTRIES`).
    pub(super) fn settings_tree_key(&self, expr: &'m Expr) -> Option<String> {
        match expr {
            Expr::Call(call) => {
                let Expr::Attribute(attr) = call.func.as_ref() else {
                    return None;
                };
                let method = attr.attr.as_str();
                if !matches!(
                    method,
                    "node" | "childNode" | "childSetting" | "createChildNode"
                ) {
                    return None;
                }
                let Some(Expr::StringLiteral(part)) = call.arguments.args.first() else {
                    return None;
                };
                let part = part.value.to_str();
                if method == "node" && self.text(attr.value.range()).ends_with("QgsSettingsTree") {
                    return Some(part.to_owned());
                }
                let parent = self.settings_tree_key(&attr.value)?;
                Some(format!("{parent}/{part}"))
            }
            Expr::Name(name) => self
                .settings_nodes
                .get(&local_key(name.id.as_str(), self.current))
                .cloned(),
            Expr::Attribute(attr)
                if self
                    .text(attr.value.range())
                    .ends_with("QgsSettingsRegistryCore") =>
            {
                REGISTRY_ENTRIES
                    .iter()
                    .find(|(name, _)| *name == attr.attr.as_str())
                    .map(|(_, key)| (*key).to_owned())
            }
            _ => None,
        }
    }

    /// A settings key written: QGIS's security switches and code folders, plugin repositories,
    /// other plugins' enabled flags (the settings catalogue), and the proxy's host set to a
    /// host written in the code (every request QGIS makes then goes through it).
    pub(super) fn note_settings_write(
        &mut self,
        key: &str,
        value: Option<&Value>,
        value_expr: Option<&'m Expr>,
        line: u32,
        shown: &str,
    ) {
        use validator_api_catalogue::{Kind, SettingKind};
        // QGIS's custom environment variables (Options > System), set when it starts: one that
        // names code QGIS or Python runs at start (`PYQGIS_STARTUP`, `PYTHONPATH`: the runners
        // catalogue's `env:` rows) runs the plugin's choice on every start.
        if key
            .trim_start_matches('/')
            .eq_ignore_ascii_case("qgis/customEnvVars")
        {
            let runner = value.and_then(caps::startup_variable_in).or_else(|| {
                value_expr.and_then(|e| caps::startup_variable_in_text(self.text(e.range())))
            });
            if let Some(runner) = runner {
                self.add(
                    Cap::PersistWrite,
                    line,
                    format!("{shown}({:?}) sets {runner} when QGIS starts", clip(key)),
                );
                return;
            }
        }
        for entry in Catalogue::builtin().setting(key).iter() {
            let Kind::Setting(kind) = entry.kind else {
                continue;
            };
            let what = format!("{shown}({:?}) ({})", clip(key), caps::entry_text(entry));
            match kind {
                SettingKind::Security | SettingKind::CodePath => {
                    self.add(Cap::SecurityTamper, line, what);
                    return;
                }
                SettingKind::PluginRepository => {
                    self.add(Cap::PluginStateTamper, line, what);
                    return;
                }
                // The user's own proxy comes from a dialog; a host spelt in the code routes
                // every user's traffic to the plugin's choice (interception).
                SettingKind::Proxy
                    if key
                        .rsplit('/')
                        .next()
                        .is_some_and(|k| k.eq_ignore_ascii_case("proxyHost")) =>
                {
                    if let Some(host) = value
                        .and_then(Value::as_str)
                        .filter(|h| !h.partial && !h.text.trim().is_empty())
                    {
                        self.add(
                            Cap::SecurityTamper,
                            line,
                            format!("{what}, set to {:?} written in the code", clip(&host.text)),
                        );
                        return;
                    }
                }
                // Only `PythonPlugins/<name>` itself is a plugin's enabled flag (the keys under
                // it are that plugin's own settings), and the plugin's own flag is its own
                // business.
                SettingKind::PluginEnabled
                    if matches!(
                        key.trim_start_matches('/').split('/').collect::<Vec<_>>().as_slice(),
                        [_, name] if self.is_other_plugin(name)
                    ) =>
                {
                    // A plugin named in full may be a dependency the plugin declares (BHV110
                    // is then graded by metadata.txt); a computed name may be any plugin.
                    let named = !key.contains('*');
                    let cap = if named {
                        Cap::OtherPluginEnabled
                    } else {
                        Cap::PluginStateTamper
                    };
                    self.add(cap, line, what);
                    return;
                }
                _ => {}
            }
        }
    }

    /// Whether `plugin` (a folder name) is another author's plugin: not this plugin, and not
    /// one of the Python plugins QGIS itself ships.
    fn is_other_plugin(&self, plugin: &str) -> bool {
        let own = self.own_dir.rsplit('/').next().unwrap_or("");
        plugin != own && !QGIS_CORE_PLUGINS.contains(&plugin)
    }

    /// Tampering through QGIS's APIs rather than its settings: the authentication master
    /// password reset to a value written in the code (the database is re-encrypted under a
    /// password its author knows; `setMasterPassword("...")` only unlocks a database that has
    /// one, as test helpers do with a fixture's, and is not counted), or another plugin's
    /// enabled flag removed (`QgsSettings().remove("PythonPlugins/other")`). Stopping another
    /// plugin for the session (`qgis.utils.unloadPlugin`) is not counted: plugins that hook the
    /// same QGIS handler unload each other.
    pub(super) fn note_auth_and_plugin_tamper(
        &mut self,
        name: &str,
        args: &[Value],
        line: u32,
        shown: &Shown<'_>,
    ) {
        let tail = caps::tail(name);
        let first = args
            .first()
            .and_then(Value::as_str)
            .filter(|s| !s.partial && !s.text.is_empty());
        if tail == "resetMasterPassword" && name.contains("uthManager") {
            if first.is_some() {
                self.add(
                    Cap::SecurityTamper,
                    line,
                    format!("{shown}: the authentication master password reset to a value written in the code"),
                );
            }
            return;
        }
        if tail == "remove" && name.contains("Settings") {
            let key = first.map(|k| k.text.trim_start_matches('/').to_owned());
            if let Some(key) = key {
                let parts: Vec<&str> = key.split('/').collect();
                if let [group, plugin] = parts.as_slice() {
                    let other = !plugin.is_empty() && self.is_other_plugin(plugin);
                    if group.eq_ignore_ascii_case("PythonPlugins") && other {
                        self.add(
                            Cap::PluginStateTamper,
                            line,
                            format!("{shown}({key:?}): removes another plugin's enabled flag"),
                        );
                    }
                }
            }
        }
    }
}

/// Entries of `QgsSettingsRegistryCore` whose values are security switches, by attribute name,
/// with their keys (QGIS src/core/settings/qgssettingsregistrycore.cpp, 3.40 and later).
const REGISTRY_ENTRIES: &[(&str, &str)] = &[
    (
        "settingsCodeExecutionBehaviorUndeterminedProjects",
        "core/code-execution-behavior-undetermined-projects",
    ),
    (
        "settingsCodeExecutionTrustedProjectsFolders",
        "core/code-execution-trusted-projects-folders",
    ),
    (
        "settingsCodeExecutionUntrustedProjectsFolders",
        "core/code-execution-denied-projects-folders",
    ),
];
