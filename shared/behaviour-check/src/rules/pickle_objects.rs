//! BHV113 Ships a pickle of objects that its code loads (review). A shipped pickle rebuilds
//! objects of libraries (a trained model, a document tree) through their constructors, none of
//! which the API catalogue lists as running code or reaching outside the process, and the
//! plugin's code loads pickles: loading it runs those libraries' code with the file's
//! arguments. Without a pickle loaded anywhere in the plugin, such a file is inert and does
//! not fire. The predicate is in `payload.rs`.

use validator_domain::RuleInfo;

use super::review;

pub const BHV113: RuleInfo = review(
    "BHV113",
    "Ships a pickle of objects that its code loads",
    "A pickle file in the plugin rebuilds Python objects (not plain data) and the plugin loads \
     pickles, so loading it runs library code chosen by whoever wrote the file. Ship data in a \
     format that holds data only (JSON, CSV, GeoPackage, ONNX or .npy for models), or document \
     how the file was produced so that a reviewer can rebuild it.",
);
