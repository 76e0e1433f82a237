//! detect-secrets' file transformers: files that parse as INI are scanned as `key = "value"`
//! lines (values quoted, so the entropy plugins see them), keeping line numbers.

pub(crate) mod config;
