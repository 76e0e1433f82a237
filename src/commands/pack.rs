use anyhow::Context;

use crate::cli::PackArgs;

pub fn run(args: PackArgs) -> anyhow::Result<u8> {
    let limits = super::load_limits(&[])?;
    let bytes = validator_archive::pack_folder(&args.folder, &limits.archive)?;
    if let Some(parent) = args.output.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    println!("{} ({} bytes)", args.output.display(), bytes.len());
    Ok(super::EXIT_VALIDATED)
}
