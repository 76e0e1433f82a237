//! B615 `huggingface_unsafe_download`: Hugging Face downloads without a pinned revision.

use validator_domain::{Confidence, Severity};

use crate::context::{CallContext, Issue};
use crate::literal::{is_constant, Lit};
use crate::rules::Rule;

pub(crate) fn huggingface_unsafe_download(context: &CallContext<'_, '_>) -> Option<Issue> {
    if !["transformers", "datasets", "huggingface_hub"]
        .iter()
        .any(|m| context.imported_like(m))
    {
        return None;
    }
    let parts: Vec<&str> = context.qualname.split('.').collect();
    let func = *parts.last()?;
    let required = match func {
        "from_pretrained" => "transformers",
        "load_dataset" => "datasets",
        "hf_hub_download" | "snapshot_download" | "repository_id" => "huggingface_hub",
        _ => return None,
    };
    if !parts.contains(&required) {
        return None;
    }
    for keyword in context.keywords() {
        let arg = keyword.arg.as_ref().map(|a| a.as_str());
        if matches!(arg, Some("revision" | "commit_id")) && !is_constant(&keyword.value) {
            return None;
        }
    }
    let revision = context
        .call_arg_value("revision")
        .filter(Lit::truthy)
        .or_else(|| context.call_arg_value("commit_id"));
    if let Some(Lit::Str(revision)) = revision {
        let revision = revision.trim_matches(['"', '\'']);
        if revision.chars().count() >= 7 && revision.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
    }
    if let Some(Lit::Str(first)) = context.arg_at(0) {
        if ["./", "/", "../"].iter().any(|p| first.starts_with(p)) {
            return None;
        }
    }
    Some(
        Issue::new(
            Rule::B615,
            Severity::Medium,
            Confidence::High,
            format!("Unsafe Hugging Face Hub download without revision pinning in {func}()"),
        )
        .at_line(context.lineno_for_call_arg(func)),
    )
}
