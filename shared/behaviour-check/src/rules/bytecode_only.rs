//! BHV009 Ships compiled Python without its source (block). A `.pyc` file whose source (`x.py`
//! beside it, or beside its `__pycache__` folder) is not in the zip: Python imports it, and
//! its code cannot be reviewed. The predicate is in `payload.rs`.

use validator_domain::RuleInfo;

use super::block;

pub const BHV009: RuleInfo = block(
    "BHV009",
    "Ships compiled Python without its source",
    "The plugin contains compiled Python (.pyc) without the .py it was compiled from, so its \
     code cannot be reviewed. Ship the source only; Python compiles it on the user's machine.",
);
