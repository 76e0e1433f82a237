//! Provenance a plugin declares for its native code in its own files (BHV103): a build recipe
//! shipped with its sources that names the binary as what it builds, or a licence notice naming
//! the library at the head of the Python module beside it (its ctypes wrapper). Both are read
//! from the zip, within `max_provenance_text_bytes` in all.

use rustc_hash::FxHashMap as HashMap;
use validator_archive::{Entry, PluginArchive};

use crate::native::{mentions, tool_name};

/// Build recipes whose targets say what they build: CMake, Meson, setuptools.
const BUILD_FILES: &[&str] = &["cmakelists.txt", "meson.build", "setup.py"];

/// MSBuild projects (C#, Visual Basic, F#, C++), which name the assembly they build.
const MSBUILD_PROJECTS: &[&str] = &[".csproj", ".vbproj", ".fsproj", ".vcxproj"];

/// Extensions of the sources a native build compiles.
const SOURCE_EXTENSIONS: &[&str] = &[
    ".c", ".cc", ".cpp", ".cxx", ".c++", ".h", ".hh", ".hpp", ".hxx", ".pyx", ".f", ".f90", ".f95",
    ".rs", ".go", ".cs", ".vb", ".fs", ".m", ".mm",
];

/// Folder names that hold a component's sources rather than the component: a recipe in
/// `MeshGenerator/src/` builds `MeshGenerator/lib/libMeshGenerator.so`.
const SOURCE_FOLDERS: &[&str] = &["src", "source", "sources", "cpp", "csrc", "native"];

/// Bytes read from the start of a Python module beside a library to find its licence notice.
const LOADER_NOTICE_BYTES: u64 = 4096;

/// Shortest alphabetic name that a notice must name (`alglib` of `alglib316_64free.dll`).
const MIN_NOTICED_NAME: usize = 4;

/// The targets a build recipe declares, normalised like a binary's tool name: CMake's
/// `add_library(NAME` and `add_executable(NAME` (`${PROJECT_NAME}` is its `project(NAME`),
/// Meson's `library('NAME'` and its kin, setuptools' `Extension("pkg.NAME"`.
pub fn build_targets(recipe: &str) -> Vec<String> {
    let lower = recipe.to_ascii_lowercase();
    let mut targets = Vec::new();
    let token_after = |at: usize| -> &str {
        let rest = recipe[at..].trim_start();
        let rest = rest.trim_start_matches(['"', '\'']);
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | ','))
            .unwrap_or(rest.len());
        &rest[..end]
    };
    let project = lower
        .find("project(")
        .map(|at| token_after(at + "project(".len()).to_owned());
    for call in ["add_library(", "add_executable("] {
        for (at, _) in lower.match_indices(call) {
            let name = token_after(at + call.len());
            let name = match (name.eq_ignore_ascii_case("${project_name}"), &project) {
                (true, Some(project)) => project.as_str(),
                _ => name,
            };
            targets.push(name.to_owned());
        }
    }
    for call in [
        "library(",
        "shared_library(",
        "shared_module(",
        "static_library(",
        "executable(",
        "extension_module(",
    ] {
        for (at, _) in lower.match_indices(call) {
            let quoted = recipe[at + call.len()..].trim_start();
            if quoted.starts_with(['"', '\'']) {
                targets.push(token_after(at + call.len()).to_owned());
            }
        }
    }
    for (at, _) in lower.match_indices("extension(") {
        let rest = recipe[at + "extension(".len()..].trim_start();
        let rest = rest.strip_prefix("name").map_or(rest, |r| {
            r.trim_start().trim_start_matches('=').trim_start()
        });
        if rest.starts_with(['"', '\'']) {
            let dotted = token_after(recipe.len() - rest.len());
            targets.push(dotted.rsplit('.').next().unwrap_or(dotted).to_owned());
        }
    }
    let mut targets: Vec<String> = targets
        .into_iter()
        .filter(|t| !t.is_empty() && !t.starts_with('$'))
        .map(|t| tool_name(&format!("{t}.target")))
        .filter(|t| !t.is_empty())
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// A binary's names as a target would spell it: its tool name, and without the `lib` prefix
/// compilers give shared libraries (`libMeshGenerator.so` is CMake's `MeshGenerator`).
fn target_names(path: &str) -> Vec<String> {
    let tool = tool_name(path);
    let mut names = vec![tool.clone()];
    if let Some(bare) = tool.strip_prefix("lib").filter(|b| !b.is_empty()) {
        names.push(bare.to_owned());
    }
    names
}

/// The folder a recipe builds for: its own, or the one above when it sits in a sources folder.
fn component_of(recipe: &str) -> &str {
    let folder = recipe.rsplit_once('/').map_or("", |(f, _)| f);
    match folder.rsplit_once('/') {
        Some((parent, last)) if SOURCE_FOLDERS.contains(&last.to_ascii_lowercase().as_str()) => {
            parent
        }
        _ => folder,
    }
}

fn is_source(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    SOURCE_EXTENSIONS.iter().any(|e| lower.ends_with(e))
}

/// Why each of `undeclared` (native files named as what they are, with no provenance yet) is
/// declared by the plugin's own files, by path: built by a recipe shipped with its sources in
/// the folder the binary sits under, or named by a licence notice at the head of a Python
/// module in its folder (below the plugin's top folder, whose notices are the plugin's own).
pub fn declared_by_files<'a>(
    archive: &PluginArchive,
    undeclared: &[&'a str],
    budget: &mut u64,
    max_embedded_name_bytes: u64,
) -> HashMap<&'a str, String> {
    let mut found: HashMap<&str, String> = HashMap::default();
    if undeclared.is_empty() {
        return found;
    }
    let entries: Vec<&Entry> = archive.files().collect();
    // Recipes and their components, read only where a binary sits below one.
    for recipe in &entries {
        let file = recipe.name.rsplit('/').next().unwrap_or("");
        if !BUILD_FILES.contains(&file.to_ascii_lowercase().as_str()) {
            continue;
        }
        let component = component_of(&recipe.name);
        let below = |path: &str| component.is_empty() || path.starts_with(&format!("{component}/"));
        if !undeclared
            .iter()
            .any(|p| below(p) && !found.contains_key(p))
        {
            continue;
        }
        let has_sources = entries.iter().any(|e| below(&e.name) && is_source(&e.name));
        if !has_sources {
            continue;
        }
        let Some(text) = read_recipe(archive, recipe, budget) else {
            continue;
        };
        let targets = build_targets(&text);
        for &path in undeclared {
            if !below(path) || found.contains_key(path) {
                continue;
            }
            if let Some(target) = target_names(path).into_iter().find(|n| targets.contains(n)) {
                found.insert(
                    path,
                    format!(
                        "built from `{}` (target `{target}`), shipped with its sources",
                        recipe.name
                    ),
                );
            }
        }
    }
    declared_by_msbuild(
        archive,
        &entries,
        undeclared,
        &mut found,
        budget,
        max_embedded_name_bytes,
    );
    // Licence notices of the modules beside a library (its ctypes wrapper).
    for &path in undeclared {
        if found.contains_key(path) {
            continue;
        }
        let Some((folder, _)) = path.rsplit_once('/') else {
            continue;
        };
        let tool = tool_name(path);
        let name: String = tool
            .strip_prefix("lib")
            .unwrap_or(&tool)
            .chars()
            .take_while(char::is_ascii_alphabetic)
            .collect();
        if !folder.contains('/') || name.len() < MIN_NOTICED_NAME {
            continue;
        }
        for module in &entries {
            let beside = module
                .name
                .rsplit_once('/')
                .is_some_and(|(f, file)| f == folder && file.ends_with(".py"));
            if !beside || *budget < LOADER_NOTICE_BYTES {
                continue;
            }
            let Ok(head) = archive.read_prefix(module, LOADER_NOTICE_BYTES) else {
                continue;
            };
            *budget = budget.saturating_sub(head.len() as u64);
            let notice = leading_notice(&validator_archive::decode_text(&head)).to_lowercase();
            let licensed = notice.contains("copyright") || notice.contains("licen");
            if licensed && mentions(&notice, &name) {
                found.insert(
                    path,
                    format!(
                        "`{}` beside it carries the licence notice of `{name}`",
                        module.name
                    ),
                );
                break;
            }
        }
    }
    found
}

/// Windows programs and libraries built by an MSBuild project shipped with its sources (C#,
/// Visual Basic, F#, C++): the project in the binary's folder, below it, or in the folder the
/// binary sits under, and its assembly (`<AssemblyName>`, `<TargetName>`, else the project's
/// file name; an MSBuild property `$(...)` in it stands for any name) is the name the binary
/// was built under: its file name, or the `OriginalFilename`/`InternalName` of its version
/// resource, since a build's output is often renamed when copied into the plugin
/// (`ifcStep2ifcSQL_$(IfcSpecification)` builds `ifcStep2ifcSQL_IFC4.exe`, shipped as
/// `Import_IFC4.exe`). Binaries above `max_embedded_name_bytes` are matched by file name only.
fn declared_by_msbuild<'a>(
    archive: &PluginArchive,
    entries: &[&Entry],
    undeclared: &[&'a str],
    found: &mut HashMap<&'a str, String>,
    budget: &mut u64,
    max_embedded_name_bytes: u64,
) {
    let is_project = |name: &str| {
        let lower = name.to_ascii_lowercase();
        MSBUILD_PROJECTS.iter().any(|e| lower.ends_with(e))
    };
    let folder_of = |path: &str| path.rsplit_once('/').map_or("", |(f, _)| f).to_owned();
    let within =
        |path: &str, folder: &str| folder.is_empty() || path.starts_with(&format!("{folder}/"));
    let windows = |path: &str| {
        let lower = path.to_ascii_lowercase();
        lower.ends_with(".exe") || lower.ends_with(".dll")
    };
    let pending: Vec<&str> = undeclared
        .iter()
        .copied()
        .filter(|p| windows(p) && !found.contains_key(p))
        .collect();
    if pending.is_empty() || !entries.iter().any(|e| is_project(&e.name)) {
        return;
    }
    // The names each binary was built under, read when a project may have built it.
    let mut names_of: HashMap<&str, Vec<String>> = HashMap::default();
    let built_names = |path: &str| {
        let file = path.rsplit('/').next().unwrap_or(path);
        let mut names = vec![stem(file)];
        if let Some(entry) = entries.iter().find(|e| e.name == path) {
            if entry.size <= max_embedded_name_bytes {
                if let Ok(bytes) = archive.read(entry) {
                    names.extend(embedded_names(&bytes).iter().map(|n| stem(n)));
                }
            }
        }
        names.sort_unstable();
        names.dedup();
        names
    };
    for project in entries.iter().filter(|e| is_project(&e.name)) {
        let project_folder = folder_of(&project.name);
        let component = component_of(&project.name);
        let serves =
            |binary: &str| within(binary, component) || within(&project.name, &folder_of(binary));
        if !pending.iter().any(|p| serves(p) && !found.contains_key(p)) {
            continue;
        }
        let has_sources = entries
            .iter()
            .any(|e| within(&e.name, &project_folder) && is_source(&e.name));
        if !has_sources {
            continue;
        }
        let Some(text) = read_recipe(archive, project, budget) else {
            continue;
        };
        let file = project.name.rsplit('/').next().unwrap_or(&project.name);
        let assemblies = msbuild_assemblies(&text, &stem(file));
        for &path in &pending {
            if !serves(path) || found.contains_key(path) {
                continue;
            }
            let names = names_of.entry(path).or_insert_with(|| built_names(path));
            let built = assemblies
                .iter()
                .find(|pattern| names.iter().any(|n| glob_matches(pattern, n)));
            if let Some(assembly) = built {
                found.insert(
                    path,
                    format!(
                        "built from `{}` (assembly `{assembly}`), shipped with its sources",
                        project.name
                    ),
                );
            }
        }
    }
}

/// A recipe's text, read within what is left of `budget` (`max_provenance_text_bytes`).
fn read_recipe(archive: &PluginArchive, recipe: &Entry, budget: &mut u64) -> Option<String> {
    if recipe.size > *budget {
        return None;
    }
    let bytes = archive.read(recipe).ok()?;
    *budget = budget.saturating_sub(recipe.size);
    Some(validator_archive::decode_text(&bytes).into_owned())
}

/// A file name without its extension, lowercased.
fn stem(file: &str) -> String {
    let file = file.rsplit(['/', '\\']).next().unwrap_or(file);
    file.rsplit_once('.')
        .map_or(file, |(s, _)| s)
        .to_ascii_lowercase()
}

/// The assemblies an MSBuild project builds, lowercased: its `<AssemblyName>` and
/// `<TargetName>` elements, or `default` (the project's file stem) when it has none. Each
/// `$(Property)` becomes `*`.
pub fn msbuild_assemblies(project: &str, default: &str) -> Vec<String> {
    let mut found = Vec::new();
    for element in ["AssemblyName", "TargetName"] {
        let open = format!("<{element}>");
        let close = format!("</{element}>");
        for (at, _) in project.match_indices(&open) {
            let rest = &project[at + open.len()..];
            let Some(end) = rest.find(&close) else {
                continue;
            };
            let mut pattern = String::new();
            let mut text = rest[..end].trim();
            while let Some(start) = text.find("$(") {
                pattern.push_str(&text[..start]);
                pattern.push('*');
                text = text[start..]
                    .find(')')
                    .map_or("", |e| &text[start + e + 1..]);
            }
            pattern.push_str(text);
            let pattern = pattern.to_ascii_lowercase();
            // A name made of properties only (`$(MSBuildProjectName)`) names nothing.
            if pattern.chars().any(|c| c.is_ascii_alphanumeric()) {
                found.push(pattern);
            }
        }
    }
    if found.is_empty() && !default.is_empty() {
        found.push(default.to_owned());
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// Whether `name` matches `pattern`, where each `*` stands for one or more characters.
fn glob_matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return false;
    };
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let tail: Vec<&str> = parts.collect();
    for (i, part) in tail.iter().enumerate() {
        if i + 1 == tail.len() {
            return rest.len() > part.len() && rest.ends_with(part);
        }
        // Skip at least one character, then find the next literal part.
        let Some(at) = rest.get(1..).and_then(|r| r.find(part)) else {
            return false;
        };
        rest = &rest[1 + at + part.len()..];
    }
    rest.is_empty()
}

/// The names a Windows binary's version resource gives it (`OriginalFilename` and
/// `InternalName`, UTF-16 strings): the name it was built under.
pub fn embedded_names(binary: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    for key in ["OriginalFilename", "InternalName"] {
        let needle: Vec<u8> = key
            .encode_utf16()
            .chain(std::iter::once(0))
            .flat_map(u16::to_le_bytes)
            .collect();
        let Some(at) = memchr::memmem::find(binary, &needle) else {
            continue;
        };
        // The value follows after padding to a 32-bit boundary, up to its NUL.
        let units = binary[at + needle.len()..]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .skip_while(|&u| u == 0)
            .take_while(|&u| u != 0)
            .take(MAX_EMBEDDED_NAME_CHARS);
        let name: String = char::decode_utf16(units).map_while(Result::ok).collect();
        let plain = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
        if !name.is_empty() && plain {
            names.push(name);
        }
    }
    names
}

/// Longest embedded name read from a version resource.
const MAX_EMBEDDED_NAME_CHARS: usize = 128;

/// The comments and docstring a module starts with, before its first statement.
pub fn leading_notice(source: &str) -> String {
    let mut notice = String::new();
    let mut in_docstring: Option<&str> = None;
    for line in source.lines() {
        let trimmed = line.trim();
        if let Some(quote) = in_docstring {
            notice.push_str(trimmed);
            notice.push('\n');
            if trimmed.contains(quote) {
                in_docstring = None;
            }
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            notice.push_str(trimmed);
            notice.push('\n');
            continue;
        }
        let quote = ["\"\"\"", "'''"].into_iter().find(|q| {
            trimmed
                .trim_start_matches(['r', 'R', 'u', 'U'])
                .starts_with(q)
        });
        let Some(quote) = quote else {
            break;
        };
        notice.push_str(trimmed);
        notice.push('\n');
        let body = trimmed.trim_start_matches(['r', 'R', 'u', 'U']);
        if !body[quote.len()..].contains(quote) {
            in_docstring = Some(quote);
        }
    }
    notice
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipes_name_their_targets() {
        let cmake = "cmake_minimum_required(VERSION 3.5)\nproject(MeshGenerator LANGUAGES CXX)\n\
                     add_library(MeshGenerator SHARED meshgenerator.cpp)\n\
                     add_executable( ${PROJECT_NAME}_cli main.cpp)\nADD_EXECUTABLE(${PROJECT_NAME} x.c)\n";
        let targets = build_targets(cmake);
        assert!(targets.contains(&"meshgenerator".to_owned()), "{targets:?}");
        let meson = "project('x', 'c')\nshared_library('pbf2geojson', 'a.c')\n";
        assert_eq!(build_targets(meson), vec!["pbf2geojson".to_owned()]);
        let setup = "ext = Extension(name='fct.lib.terrain_analysis', sources=['t.pyx'])\n\
                     Extension(\"speedups\", [\"s.c\"])\n";
        let targets = build_targets(setup);
        assert!(
            targets.contains(&"terrain_analysis".to_owned()),
            "{targets:?}"
        );
        assert!(targets.contains(&"speedups".to_owned()), "{targets:?}");
    }

    #[test]
    fn msbuild_projects_name_their_assemblies() {
        let project = "<Project><PropertyGroup><OutputType>Exe</OutputType>\n\
                       <AssemblyName>ifcStep2ifcSQL_$(IfcSpecification)</AssemblyName>\n\
                       </PropertyGroup></Project>";
        let assemblies = msbuild_assemblies(project, "ifcstep2ifcsql");
        assert_eq!(assemblies, vec!["ifcstep2ifcsql_*".to_owned()]);
        assert!(glob_matches(&assemblies[0], "ifcstep2ifcsql_ifc4"));
        assert!(!glob_matches(&assemblies[0], "ifcstep2ifcsql_"));
        assert!(!glob_matches(&assemblies[0], "import_ifc4"));
        assert!(glob_matches("a*b*c", "axxbyc"));
        assert!(!glob_matches("a*b*c", "abc"));
        assert_eq!(
            msbuild_assemblies("<Project/>", "tool"),
            vec!["tool".to_owned()]
        );
        assert_eq!(
            msbuild_assemblies("<AssemblyName>$(MSBuildProjectName)</AssemblyName>", "tool"),
            vec!["tool".to_owned()]
        );
    }

    #[test]
    fn a_version_resource_gives_the_name_built_under() {
        let mut binary = b"MZ\x90\x00".to_vec();
        for (key, value) in [
            ("InternalName", "tool_x64.exe"),
            ("OriginalFilename", "tool_x64.exe"),
        ] {
            for text in [key, value] {
                binary.extend(text.encode_utf16().chain([0, 0]).flat_map(u16::to_le_bytes));
            }
        }
        assert_eq!(
            embedded_names(&binary),
            vec!["tool_x64.exe".to_owned(), "tool_x64.exe".to_owned()]
        );
        assert!(embedded_names(b"MZ no resource").is_empty());
    }

    #[test]
    fn the_notice_is_what_precedes_the_first_statement() {
        let source = "#!/usr/bin/env python\n# Copyright (c) ALGLIB project\n\"\"\"Wrapper.\n\
                      Licensed under PAULA.\n\"\"\"\nimport ctypes\n# Copyright (c) Other\n";
        let notice = leading_notice(source);
        assert!(
            notice.contains("ALGLIB") && notice.contains("PAULA"),
            "{notice}"
        );
        assert!(
            !notice.contains("Other") && !notice.contains("ctypes"),
            "{notice}"
        );
    }
}
