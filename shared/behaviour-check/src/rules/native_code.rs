//! BHV103 Ships native code (review): a file of the zip that is native code by its content
//! (ELF, PE, Mach-O), found by `native.rs`.

use validator_domain::RuleInfo;

use super::review;

pub const BHV103: RuleInfo = review(
    "BHV103",
    "Ships native code",
    "The plugin contains native executables or libraries (ELF, PE, Mach-O), which cannot be \
     reviewed like Python. If they are needed, document where they come from (project, version, \
     build) and prefer the libraries QGIS already ships.",
);
