//! The checks that look at the package as a whole rather than at the code inside it:
//!
//! * [`PackageStructureCheck`] (`package_structure`): the rules the plugins website applies to
//!   every upload (one plugin folder, `__init__.py`, `LICENSE`, `metadata.txt`, safe names, no
//!   build leftovers), plus the archive intake failure ([`intake_finding`]).
//! * [`FilePermissionsCheck`] (`file_permissions`): unix modes and symbolic links recorded in the
//!   zip.
//! * [`SuspiciousFilesCheck`] (`suspicious_files`): executables, disguised binaries, hidden files,
//!   nested archives and compiled Python.
//!
//! Every check reads names and modes from the archive index; only `suspicious_files` reads file
//! content, and then only a short prefix of each file.

mod emit;
mod names;
mod permissions;
mod structure;
mod suspicious;

pub use permissions::FilePermissionsCheck;
pub use structure::{intake_finding, PackageStructureCheck};
pub use suspicious::{SuspiciousFilesCheck, NOT_NESTED_ARCHIVES};
