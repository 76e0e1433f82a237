//! BHV008 Ships a pickle that runs code when loaded (block). Every file of the zip that is a
//! pickle (by name, or by a binary pickle's protocol header) is read by its opcodes, never
//! loaded: GLOBAL, STACK_GLOBAL, INST, OBJ, REDUCE and NEWOBJ name or call callables, which
//! `pickle.load` runs. BHV008 fires when a callable named is one the API catalogue lists as a
//! sink or runner (`os.system`, `builtins.exec`, `subprocess.Popen`); other objects are BHV113.
//! A pickle of plain data (numbers, strings, lists, dicts, bytes) does not fire. The predicate
//! and the opcode reader are in `payload.rs`.

use validator_domain::RuleInfo;

use super::block;

pub const BHV008: RuleInfo = block(
    "BHV008",
    "Ships a pickle that runs code when loaded",
    "A pickle file in the plugin names or calls Python callables, which run when the file is \
     loaded: it is code that cannot be reviewed. Ship data in a format that holds data only \
     (JSON, CSV, GeoPackage, NumPy's .npy without objects), or a pickle of plain data.",
);
