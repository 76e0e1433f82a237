//! Scans and results in one DynamoDB table.
//!
//! Items (`pk`, `sk`):
//! - the scan: (`scan#ID`, `scan`). `body` holds the scan as created (JSON); what changes later
//!   lives in its own attributes so that conditional updates can test it: `status`,
//!   `completed_checks` (a string set) and the final fields. Plugin, version, object key and the website's version id are copied to top
//!   level attributes for people and the website.
//! - one result per check: (`scan#ID`, `result#CHECK`), the summary without findings (the
//!   findings live in S3), so items stay far below DynamoDB's 400 KB.
//! - one claim per side effect (each email, each status event): (`scan#ID`, `notice#KIND`),
//!   the `NotificationState` as JSON in `body`, a revision `rev` for compare-and-set, and while
//!   unsent `status` = `notice_pending` or `notice_missing` with `created_epoch` = when it last
//!   changed, which puts it in the status index for the sweep (a sent one leaves the index).
//!   Never on the scan item: the aggregator's stream filter passes scan items only, so claims
//!   and releases never wake it.
//!
//! - one history entry per finished scan of a plugin: (`plugin#KEY`, `scan#CREATED#ID`), with
//!   the creation time as 20 zero-padded digits of nanoseconds so that the sort key orders a
//!   plugin's scans by upload time. These items carry no `expires_at`: a plugin's history
//!   outlives its scans (the reports it points to may be gone; the diff then says so).
//!
//! - one review decision record per (`plugin#KEY`, `decision#AT#PATH#FINGERPRINT`), appended
//!   (conditional put), never rewritten, no TTL: the audit trail.
//!
//! Every other item carries `expires_at` (TTL).

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};
use validator_domain::{
    CheckId, CheckResult, Claim, Counts, HistoryEntry, NotificationKind, NotificationState,
    Notifications, ReviewDecision, Scan, ScanId, ScanStatus, Timestamp, Verdict,
};
use validator_pipeline::{PortError, ScanStore};

use crate::backend;

type Item = HashMap<String, AttributeValue>;

/// A body larger than this is refused before DynamoDB refuses the item (400 KB with keys and
/// attributes).
const MAX_BODY_BYTES: usize = 350_000;

/// Status-index values of side effects not sent yet, and of those given up (missing).
const NOTICE_PENDING: &str = "notice_pending";
const NOTICE_MISSING: &str = "notice_missing";

/// How often a claim item's compare-and-set is tried when another writer changed it between
/// the read and the write.
const NOTICE_WRITE_ATTEMPTS: usize = 3;

/// The index of scans by status and creation time (`status`, `created_epoch`), to find scans
/// stuck in `validating`.
pub const STATUS_INDEX: &str = "status-index";

/// Item keys, in one place for the adapter, the stream handler and the tests.
pub mod item_keys {
    use validator_domain::ScanId;

    pub const SCAN_SORT_KEY: &str = "scan";
    const SCAN_PREFIX: &str = "scan#";
    const RESULT_PREFIX: &str = "result#";
    const NOTICE_PREFIX: &str = "notice#";

    /// A side effect's claim item's sort key.
    pub fn notice_sk(kind: validator_domain::NotificationKind) -> String {
        format!("{NOTICE_PREFIX}{kind}")
    }

    /// The side effect of a claim item's sort key.
    pub fn notice_kind_of(sk: &str) -> Option<validator_domain::NotificationKind> {
        sk.strip_prefix(NOTICE_PREFIX)
            .and_then(validator_domain::NotificationKind::parse)
    }

    pub fn scan_pk(id: &ScanId) -> String {
        format!("{SCAN_PREFIX}{id}")
    }

    pub fn result_sk(check: &str) -> String {
        format!("{RESULT_PREFIX}{check}")
    }

    pub fn result_prefix() -> &'static str {
        RESULT_PREFIX
    }

    const PLUGIN_PREFIX: &str = "plugin#";

    /// The partition of a plugin's history.
    pub fn plugin_pk(plugin: &str) -> String {
        format!("{PLUGIN_PREFIX}{plugin}")
    }

    /// A history entry's sort key: creation time (ns, zero-padded), then the scan id.
    pub fn history_sk(created_nanos: i128, id: &ScanId) -> String {
        format!("{SCAN_PREFIX}{:020}#{id}", created_nanos.max(0))
    }

    pub fn history_prefix() -> &'static str {
        SCAN_PREFIX
    }

    const DECISION_PREFIX: &str = "decision#";

    /// A review decision's sort key: its time (ns, zero-padded), path and fingerprint.
    pub fn decision_sk(at_nanos: i128, path: &str, fingerprint: &str) -> String {
        format!(
            "{DECISION_PREFIX}{:020}#{path}#{fingerprint}",
            at_nanos.max(0)
        )
    }

    pub fn decision_prefix() -> &'static str {
        DECISION_PREFIX
    }

    /// The scan id of a partition key (`scan#ID`).
    pub fn scan_id_of(pk: &str) -> Option<ScanId> {
        pk.strip_prefix(SCAN_PREFIX)
            .filter(|id| !id.is_empty())
            .map(|id| ScanId(id.to_owned()))
    }
}

#[derive(Debug, Clone)]
pub struct DynamoScanStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    retention: Duration,
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn rfc3339(at: Timestamp) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    Timestamp::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn corrupt(what: &str, reason: impl std::fmt::Display) -> PortError {
    PortError::Backend(format!("corrupt stored {what}: {reason}"))
}

fn encode<T: serde::Serialize>(what: &str, value: &T) -> Result<String, PortError> {
    let body = serde_json::to_string(value).map_err(|e| corrupt(what, e))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(PortError::Backend(format!(
            "the {what} is {} bytes, more than the {MAX_BODY_BYTES} a DynamoDB item may hold",
            body.len()
        )));
    }
    Ok(body)
}

fn text<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn number(item: &Item, name: &str) -> Option<i64> {
    item.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
}

/// The scan of a scan item: the body as created, with the attributes that changed since.
fn scan_from_item(item: &Item) -> Result<Scan, PortError> {
    let body = text(item, "body").ok_or_else(|| corrupt("scan", "no body"))?;
    let mut scan: Scan = serde_json::from_str(body).map_err(|e| corrupt("scan", e))?;
    if let Some(status) = text(item, "status") {
        scan.status =
            ScanStatus::parse(status).ok_or_else(|| corrupt("scan", format!("status {status}")))?;
    }
    if let Some(AttributeValue::Ss(done)) = item.get("completed_checks") {
        // A string set has no order: keep the expected order, then anything else sorted.
        let mut done: Vec<&String> = done.iter().collect();
        done.sort();
        let mut completed: Vec<CheckId> = scan
            .expected_checks
            .iter()
            .filter(|c| done.iter().any(|d| *d == c.as_str()))
            .cloned()
            .collect();
        for d in done {
            if !completed.iter().any(|c| c.as_str() == d) {
                completed.push(CheckId::new(d.clone()));
            }
        }
        scan.completed_checks = completed;
    }
    if let Some(AttributeValue::Bool(auto)) = item.get("auto_approved") {
        scan.auto_approved = *auto;
    }
    if let Some(counts) = text(item, "counts") {
        scan.counts = Some(serde_json::from_str::<Counts>(counts).map_err(|e| corrupt("scan", e))?);
    }
    if let Some(reasons) = text(item, "reasons") {
        scan.reasons = serde_json::from_str(reasons).map_err(|e| corrupt("scan", e))?;
    }
    if let Some(key) = text(item, "report_key") {
        scan.report_key = Some(key.to_owned());
    }
    if let Some(at) = text(item, "finished_at") {
        scan.finished_at = parse_rfc3339(at);
    }
    if let Some(at) = text(item, "updated_at").and_then(parse_rfc3339) {
        scan.updated_at = at;
    }
    if let Some(at) = text(item, "reviewed_at") {
        scan.reviewed_at = parse_rfc3339(at);
    }
    Ok(scan)
}

impl DynamoScanStore {
    pub fn new(client: aws_sdk_dynamodb::Client, table: &str, retention: Duration) -> Self {
        Self {
            client,
            table: table.to_owned(),
            retention,
        }
    }

    fn expires_at(&self) -> AttributeValue {
        let now = validator_domain::now().unix_timestamp();
        n(now.saturating_add(self.retention.as_secs() as i64))
    }

    fn scan_key(&self, id: &ScanId) -> Item {
        HashMap::from([
            ("pk".to_owned(), s(item_keys::scan_pk(id))),
            ("sk".to_owned(), s(item_keys::SCAN_SORT_KEY)),
        ])
    }

    fn scan_item(&self, scan: &Scan) -> Result<Item, PortError> {
        let mut item = self.scan_key(&scan.id);
        item.insert("kind".into(), s("scan"));
        item.insert("scan_id".into(), s(scan.id.as_str()));
        item.insert("body".into(), s(encode("scan", scan)?));
        item.insert("status".into(), s(scan.status.as_str()));
        item.insert(
            "auto_approved".into(),
            AttributeValue::Bool(scan.auto_approved),
        );
        item.insert("object_key".into(), s(&scan.upload.object_key));
        item.insert("created_at".into(), s(rfc3339(scan.created_at)));
        item.insert("created_epoch".into(), n(scan.created_at.unix_timestamp()));
        item.insert("updated_at".into(), s(rfc3339(scan.updated_at)));
        item.insert("expires_at".into(), self.expires_at());
        let optional = [
            ("plugin_name", scan.plugin_name.as_deref()),
            ("plugin_version", scan.plugin_version.as_deref()),
            ("package_name", scan.package_name.as_deref()),
            (
                "website_version_id",
                scan.upload.website_version_id.as_deref(),
            ),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                item.insert(name.into(), s(value));
            }
        }
        if !scan.completed_checks.is_empty() {
            item.insert(
                "completed_checks".into(),
                AttributeValue::Ss(
                    scan.completed_checks
                        .iter()
                        .map(|c| c.to_string())
                        .collect(),
                ),
            );
        }
        Ok(item)
    }

    fn notice_key(&self, id: &ScanId, kind: NotificationKind) -> Item {
        HashMap::from([
            ("pk".to_owned(), s(item_keys::scan_pk(id))),
            ("sk".to_owned(), s(item_keys::notice_sk(kind))),
        ])
    }

    /// A side effect's state and revision (0 and the default state when never claimed).
    async fn notice(
        &self,
        id: &ScanId,
        kind: NotificationKind,
    ) -> Result<(NotificationState, i64), PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.notice_key(id, kind)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("DynamoDB GetItem (notice)", e))?;
        let Some(item) = output.item() else {
            return Ok((NotificationState::default(), 0));
        };
        let body = text(item, "body").ok_or_else(|| corrupt("notice", "no body"))?;
        let state = serde_json::from_str(body).map_err(|e| corrupt("notice", e))?;
        Ok((state, number(item, "rev").unwrap_or(0)))
    }

    /// Reads a side effect's state, lets `change` decide, and stores its new state (if any)
    /// with a compare-and-set on the revision, read again when another writer came between.
    async fn change_notice<T>(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        change: impl Fn(&NotificationState) -> (T, Option<NotificationState>),
    ) -> Result<T, PortError> {
        for _ in 0..NOTICE_WRITE_ATTEMPTS {
            let (state, rev) = self.notice(id, kind).await?;
            let (out, next) = change(&state);
            let Some(next) = next else {
                return Ok(out);
            };
            let mut item = self.notice_key(id, kind);
            item.insert("kind".into(), s("notice"));
            item.insert("body".into(), s(encode("notice", &next)?));
            item.insert("rev".into(), n(rev.saturating_add(1)));
            item.insert("expires_at".into(), self.expires_at());
            if next.sent_at.is_none() {
                let status = if next.missing.is_some() {
                    NOTICE_MISSING
                } else {
                    NOTICE_PENDING
                };
                item.insert("status".into(), s(status));
                let changed = next.changed_at.unwrap_or_else(validator_domain::now);
                item.insert("created_epoch".into(), n(changed.unix_timestamp()));
            }
            let written = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk) OR rev = :rev")
                .expression_attribute_values(":rev", n(rev))
                .send()
                .await;
            match written {
                Ok(_) => return Ok(out),
                Err(e)
                    if e.as_service_error()
                        .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
                {
                    continue;
                }
                Err(e) => return Err(backend("DynamoDB PutItem (notice)", e)),
            }
        }
        Err(PortError::Backend(format!(
            "the {kind} claim of scan {id} kept changing under {NOTICE_WRITE_ATTEMPTS} writes"
        )))
    }

    /// The side effects whose claim items are in the status index under `status`.
    async fn notices_with_status(
        &self,
        status: &str,
        changed_before: Option<Timestamp>,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(STATUS_INDEX)
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":status", s(status))
            .limit(page_size.max(1));
        query = match changed_before {
            Some(cutoff) => query
                .key_condition_expression("#status = :status AND created_epoch < :cutoff")
                .expression_attribute_values(":cutoff", n(cutoff.unix_timestamp())),
            None => query.key_condition_expression("#status = :status"),
        };
        let items = query_pages(query, "DynamoDB Query (notices)", max).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let id = item_keys::scan_id_of(text(item, "pk")?)?;
                let kind = item_keys::notice_kind_of(text(item, "sk")?)?;
                Some((id, kind))
            })
            .collect())
    }

    /// Runs a conditional update; `false` when the condition did not hold.
    async fn conditional_update(
        &self,
        id: &ScanId,
        update: &str,
        condition: &str,
        names: &[(&str, &str)],
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<bool, PortError> {
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(self.scan_key(id)))
            .update_expression(update)
            .condition_expression(condition)
            .return_values(ReturnValue::None);
        for (placeholder, name) in names {
            request = request.expression_attribute_names(*placeholder, *name);
        }
        for (placeholder, value) in values {
            request = request.expression_attribute_values(placeholder, value);
        }
        match request.send().await {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(backend("DynamoDB UpdateItem", e)),
        }
    }

    /// The `body` of every item of partition `pk` whose sort key starts with `prefix`, read
    /// consistently, page by page, decoded as `T` (`what` names them in errors).
    async fn query_bodies<T: serde::de::DeserializeOwned>(
        &self,
        pk: &str,
        prefix: &str,
        what: &'static str,
    ) -> Result<Vec<T>, PortError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":prefix", s(prefix));
        let items = query_pages(query, &format!("DynamoDB Query ({what}s)"), usize::MAX).await?;
        items
            .iter()
            .map(|item| {
                let body = text(item, "body").ok_or_else(|| corrupt(what, "no body"))?;
                serde_json::from_str(body).map_err(|e| corrupt(what, e))
            })
            .collect()
    }
}

/// The items of `query`, page after page (each from the last one's last key), until the last
/// page or until `max` are read; `what` names the query in errors.
async fn query_pages(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    what: &str,
    max: usize,
) -> Result<Vec<Item>, PortError> {
    let mut items = Vec::new();
    let mut start: Option<Item> = None;
    loop {
        let output = query
            .clone()
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| backend(what, e))?;
        items.extend(output.items.unwrap_or_default());
        match output.last_evaluated_key {
            Some(key) if !key.is_empty() && items.len() < max => start = Some(key),
            _ => break,
        }
    }
    items.truncate(max);
    Ok(items)
}

#[async_trait]
impl ScanStore for DynamoScanStore {
    async fn create_scan(&self, scan: &Scan) -> Result<Option<Scan>, PortError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.scan_item(scan)?))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(None),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                self.get_scan(&scan.id).await
            }
            Err(e) => Err(backend("DynamoDB PutItem (scan)", e)),
        }
    }

    async fn get_scan(&self, id: &ScanId) -> Result<Option<Scan>, PortError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(self.scan_key(id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| backend("DynamoDB GetItem (scan)", e))?;
        output.item().map(scan_from_item).transpose()
    }

    async fn record_result(&self, result: &CheckResult) -> Result<bool, PortError> {
        let summary = result.summary();
        let pk = item_keys::scan_pk(&result.scan_id);
        let mut item = HashMap::from([
            ("pk".to_owned(), s(&pk)),
            (
                "sk".to_owned(),
                s(item_keys::result_sk(result.check.as_str())),
            ),
            ("kind".to_owned(), s("result")),
            ("check".to_owned(), s(result.check.as_str())),
            ("body".to_owned(), s(encode("check result", &summary)?)),
            ("error".to_owned(), AttributeValue::Bool(result.is_error())),
            ("expires_at".to_owned(), self.expires_at()),
        ]);
        item.insert("blocking".into(), n(i64::from(result.counts.blocking)));
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| PortError::Backend(e.to_string()))?;
        // The same transaction marks the check completed on the scan item: its stream record
        // is what wakes the aggregator.
        let mark = Update::builder()
            .table_name(&self.table)
            .set_key(Some(self.scan_key(&result.scan_id)))
            .update_expression("ADD completed_checks :check SET updated_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(
                ":check",
                AttributeValue::Ss(vec![result.check.to_string()]),
            )
            .expression_attribute_values(":now", s(rfc3339(validator_domain::now())))
            .build()
            .map_err(|e| PortError::Backend(e.to_string()))?;
        let sent = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(mark).build())
            .send()
            .await;
        let error = match sent {
            Ok(_) => return Ok(true),
            Err(e) => e,
        };
        let reasons: Option<Vec<String>> = match error.as_service_error() {
            Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t)) => Some(
                t.cancellation_reasons()
                    .iter()
                    .map(|r| r.code().unwrap_or_default().to_owned())
                    .collect(),
            ),
            _ => None,
        };
        let Some(reasons) = reasons else {
            return Err(backend("DynamoDB TransactWriteItems (result)", error));
        };
        let failed = |i: usize| {
            reasons
                .get(i)
                .is_some_and(|c| c == "ConditionalCheckFailed")
        };
        if failed(1) {
            return Err(PortError::NotFound(format!("scan {}", result.scan_id)));
        }
        if failed(0) {
            return Ok(false);
        }
        // Cancelled for another reason (a conflicting concurrent transaction): the caller
        // retries, and the retry finds the result stored or stores it.
        Err(PortError::Backend(format!(
            "DynamoDB cancelled the result transaction: {}",
            reasons.join(", ")
        )))
    }

    async fn results(&self, id: &ScanId) -> Result<Vec<CheckResult>, PortError> {
        self.query_bodies(
            &item_keys::scan_pk(id),
            item_keys::result_prefix(),
            "result",
        )
        .await
    }

    async fn finish(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        report_key: &str,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.conditional_update(
            id,
            "SET #status = :status, auto_approved = :auto, #counts = :counts, reasons = :reasons, \
             report_key = :report, finished_at = :at, updated_at = :at",
            "#status = :validating",
            &[("#status", "status"), ("#counts", "counts")],
            vec![
                (":status", s(verdict.status.as_str())),
                (":auto", AttributeValue::Bool(verdict.auto_approved)),
                (":counts", s(encode("counts", &verdict.counts)?)),
                (":reasons", s(encode("reasons", &verdict.reasons)?)),
                (":report", s(report_key)),
                (":at", s(rfc3339(at))),
                (":validating", s(ScanStatus::Validating.as_str())),
            ],
        )
        .await
    }

    async fn claim_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        now: Timestamp,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Claim, PortError> {
        self.change_notice(id, kind, |state| state.claim(now, lease, max_attempts))
            .await
    }

    async fn release_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        error: &str,
        at: Timestamp,
    ) -> Result<(), PortError> {
        self.change_notice(id, kind, |state| ((), Some(state.released(error, at))))
            .await
    }

    async fn complete_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<(), PortError> {
        self.change_notice(id, kind, |state| ((), Some(state.completed(at))))
            .await
    }

    async fn reset_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.change_notice(id, kind, |state| {
            let next = state.reset(at);
            (next.is_some(), next)
        })
        .await
    }

    async fn notifications(&self, id: &ScanId) -> Result<Notifications, PortError> {
        let mut all = Notifications::default();
        for kind in NotificationKind::ALL {
            *all.get_mut(kind) = self.notice(id, kind).await?.0;
        }
        Ok(all)
    }

    async fn unsent_notifications(
        &self,
        changed_before: Timestamp,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError> {
        self.notices_with_status(NOTICE_PENDING, Some(changed_before), page_size, max)
            .await
    }

    async fn missing_notifications(
        &self,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError> {
        self.notices_with_status(NOTICE_MISSING, None, page_size, max)
            .await
    }

    async fn record_history(&self, entry: &HistoryEntry) -> Result<(), PortError> {
        let item = HashMap::from([
            ("pk".to_owned(), s(item_keys::plugin_pk(&entry.plugin))),
            (
                "sk".to_owned(),
                s(item_keys::history_sk(
                    entry.created_at.unix_timestamp_nanos(),
                    &entry.scan_id,
                )),
            ),
            ("kind".to_owned(), s("history")),
            ("scan_id".to_owned(), s(entry.scan_id.as_str())),
            ("status".to_owned(), s(entry.status.as_str())),
            ("body".to_owned(), s(encode("history entry", entry)?)),
        ]);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Recorded already: a scan's entry never changes once final.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(backend("DynamoDB PutItem (history)", e)),
        }
    }

    async fn history(&self, plugin: &str, max: usize) -> Result<Vec<HistoryEntry>, PortError> {
        let mut entries = Vec::new();
        let mut start: Option<Item> = None;
        while entries.len() < max {
            let page = i32::try_from(max - entries.len()).unwrap_or(i32::MAX);
            let output = self
                .client
                .query()
                .table_name(&self.table)
                .consistent_read(true)
                .key_condition_expression("pk = :pk AND begins_with(sk, :scan)")
                .expression_attribute_values(":pk", s(item_keys::plugin_pk(plugin)))
                .expression_attribute_values(":scan", s(item_keys::history_prefix()))
                .scan_index_forward(false)
                .limit(page)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| backend("DynamoDB Query (history)", e))?;
            for item in output.items() {
                let body = text(item, "body").ok_or_else(|| corrupt("history entry", "no body"))?;
                entries.push(serde_json::from_str(body).map_err(|e| corrupt("history entry", e))?);
            }
            match output.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => break,
            }
        }
        entries.truncate(max);
        Ok(entries)
    }

    async fn revalidate(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.conditional_update(
            id,
            "SET #status = :validated, auto_approved = :false, #counts = :counts, \
             reasons = :reasons, reviewed_at = :at, updated_at = :at",
            "#status = :blocked",
            &[("#status", "status"), ("#counts", "counts")],
            vec![
                (":validated", s(ScanStatus::Validated.as_str())),
                (":false", AttributeValue::Bool(false)),
                (":counts", s(encode("counts", &verdict.counts)?)),
                (":reasons", s(encode("reasons", &verdict.reasons)?)),
                (":at", s(rfc3339(at))),
                (":blocked", s(ScanStatus::Blocked.as_str())),
            ],
        )
        .await
    }

    async fn record_decision(&self, decision: &ReviewDecision) -> Result<(), PortError> {
        let item = HashMap::from([
            ("pk".to_owned(), s(item_keys::plugin_pk(&decision.plugin))),
            (
                "sk".to_owned(),
                s(item_keys::decision_sk(
                    decision.at.unix_timestamp_nanos(),
                    &decision.path,
                    &decision.fingerprint,
                )),
            ),
            ("kind".to_owned(), s("decision")),
            ("body".to_owned(), s(encode("review decision", decision)?)),
        ]);
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // The same record again: the trail is append-only.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(e) => Err(backend("DynamoDB PutItem (decision)", e)),
        }
    }

    async fn decisions(&self, plugin: &str) -> Result<Vec<ReviewDecision>, PortError> {
        self.query_bodies(
            &item_keys::plugin_pk(plugin),
            item_keys::decision_prefix(),
            "decision",
        )
        .await
    }

    /// Reads the status index (`validating`, `created_epoch` below the cutoff in epoch
    /// seconds), oldest first, page by page.
    async fn stuck_scans(
        &self,
        created_before: Timestamp,
        page_size: i32,
        max: usize,
    ) -> Result<Vec<ScanId>, PortError> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(STATUS_INDEX)
            .key_condition_expression("#status = :validating AND created_epoch < :cutoff")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":validating", s(ScanStatus::Validating.as_str()))
            .expression_attribute_values(":cutoff", n(created_before.unix_timestamp()))
            .limit(page_size.max(1));
        let items = query_pages(query, "DynamoDB Query (stuck scans)", max).await?;
        Ok(items
            .iter()
            .filter_map(|item| item_keys::scan_id_of(text(item, "pk")?))
            .collect())
    }
}
