//! BHV103 Ships native code (review), graded: a file of the zip that is native code by its
//! content (ELF, PE, Mach-O), found by `native.rs`. A Python extension module of a bundled
//! package (a `.so`/`.pyd` in a package folder under `ext_libs/`, `libs/`, ...) is reported
//! only under the evidence-aware policy; native code elsewhere (beside the plugin's code, in a
//! folder no Python package claims, a program, a library loaded by ctypes) is held, unless it
//! is named as what it is and its provenance is declared (`native.rs`: a licence or readme
//! beside it, its tool named in the plugin's description or README, a program QGIS's own
//! distribution ships, a library beside such a file; `native_build.rs`: a build recipe shipped
//! with its sources that names it, a licence notice in its wrapper module). Files of a bundled library verified
//! against its release are relaxed by the bundled-libraries check.

use validator_domain::RuleInfo;

use super::review;

pub const BHV103: RuleInfo = review(
    "BHV103",
    "Ships native code",
    "The plugin contains native executables or libraries (ELF, PE, Mach-O), which cannot be \
     reviewed like Python. A compiled extension module of a bundled Python package (in its \
     package folder under ext_libs/, libs/, ...) is only reported; so is a program or library \
     named as what it is whose provenance is declared (its licence or readme beside it, its \
     tool named in the plugin's description or README, its build recipe shipped with its \
     sources, a licence notice in its wrapper module). Other programs and libraries the \
     plugin runs or loads with ctypes are held for a review. Document where they come from \
     (project, version, build: ship the tool's licence and readme in its folder and name it in \
     the description, or ship the sources and the recipe that builds it), never give a binary \
     another file type's name, bundle packages as released (with their dist-info) and prefer \
     the libraries QGIS already ships.",
);
