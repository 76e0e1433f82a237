//! The Lambda handlers as plain functions over a [`Pipeline`]: the binaries only wire the
//! runtime, and the tests call these with fixture events against moto server.
//!
//! - [`dispatcher::handle_s3_event`]: S3 `ObjectCreated` -> `dispatch`.
//! - [`check::handle_sqs_batch`]: SQS batch -> `run_check`, partial batch failures.
//! - [`aggregator::handle_stream_batch`]: DynamoDB stream batch -> `aggregate`, partial batch
//!   failures; [`aggregator::handle_sweep`]: the scheduled safety net for scans stuck in
//!   `validating` (the pipeline's sweep stage).
//! - [`review::handle_function_url`]: the website's review decisions (IAM-authorised function
//!   URL) -> `review` (record, then reconsider the scan).
//! - [`rescan::handle_rescan_batch`]: a batch of the rescan state machine's Distributed Map
//!   -> `rescan_object` each; [`rescan::handle_rescan_digest`]: its last step, the approvers'
//!   digest.

pub mod aggregator;
pub mod check;
pub mod dispatcher;
mod environment;
mod logging;
pub mod releases;
pub mod rescan;
pub mod review;
pub mod signatures;

pub use environment::{ColdStart, Environment, EnvironmentError};
pub use logging::init_json_logs;
