use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use validator_domain::{
    CheckResult, Claim, HistoryEntry, NotificationKind, Notifications, ReviewDecision, Scan,
    ScanId, ScanStatus, Timestamp, Verdict,
};
use validator_pipeline::{PortError, ScanStore};

use crate::backend;

/// Scans and results in one SQLite file, so `status` works after the process exits. Each
/// conditional update runs in an IMMEDIATE transaction: concurrent callers (threads or
/// processes) see one winner.
pub struct SqliteScanStore {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS scans (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_by_status ON scans (status);
CREATE TABLE IF NOT EXISTS history (
    plugin TEXT NOT NULL,
    scan_id TEXT NOT NULL,
    created_nanos INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (plugin, scan_id)
);
CREATE INDEX IF NOT EXISTS history_by_time ON history (plugin, created_nanos);
CREATE TABLE IF NOT EXISTS decisions (
    plugin TEXT NOT NULL,
    at_nanos INTEGER NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (plugin, at_nanos, path, fingerprint)
);
CREATE TABLE IF NOT EXISTS results (
    scan_id TEXT NOT NULL,
    check_id TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (scan_id, check_id)
);
";

impl SqliteScanStore {
    pub fn open(path: &Path) -> Result<Self, PortError> {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(backend)?;
        }
        Self::init(Connection::open(path).map_err(backend)?)
    }

    pub fn in_memory() -> Result<Self, PortError> {
        Self::init(Connection::open_in_memory().map_err(backend)?)
    }

    fn init(conn: Connection) -> Result<Self, PortError> {
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(backend)?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Every scan, newest first (for `status` without an id).
    pub fn list(&self) -> Result<Vec<Scan>, PortError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare("SELECT body FROM scans ORDER BY updated_at DESC")
            .map_err(backend)?;
        let rows = stmt
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(|b| decode(&b)))
            .collect()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, PortError> {
        self.conn
            .lock()
            .map_err(|_| PortError::Backend("the scan store lock is poisoned".to_owned()))
    }

    /// Reads the scan, lets `change` edit it (and write other rows in the same transaction), and
    /// writes the scan back if `change` says so, all in one IMMEDIATE transaction. Returns what
    /// `change` returned.
    fn update<T>(
        &self,
        id: &ScanId,
        change: impl FnOnce(&Transaction<'_>, &mut Scan) -> Result<(bool, T), PortError>,
    ) -> Result<T, PortError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let mut scan =
            load_scan(&tx, id)?.ok_or_else(|| PortError::NotFound(format!("scan {id}")))?;
        let (write, out) = change(&tx, &mut scan)?;
        if write {
            scan.updated_at = validator_domain::now();
            tx.execute(
                "UPDATE scans SET status = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
                params![
                    id.as_str(),
                    scan.status.as_str(),
                    encode(&scan)?,
                    stamp(scan.updated_at)
                ],
            )
            .map_err(backend)?;
        }
        tx.commit().map_err(backend)?;
        Ok(out)
    }
}

fn load_scan(conn: &Connection, id: &ScanId) -> Result<Option<Scan>, PortError> {
    let body: Option<String> = conn
        .query_row("SELECT body FROM scans WHERE id = ?1", [id.as_str()], |r| {
            r.get(0)
        })
        .optional()
        .map_err(backend)?;
    body.map(|b| decode(&b)).transpose()
}

fn decode<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, PortError> {
    serde_json::from_str(body)
        .map_err(|e| PortError::Backend(format!("corrupt stored record: {e}")))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, PortError> {
    serde_json::to_string(value).map_err(backend)
}

fn stamp(at: Timestamp) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[async_trait]
impl ScanStore for SqliteScanStore {
    async fn create_scan(&self, scan: &Scan) -> Result<Option<Scan>, PortError> {
        let conn = self.lock()?;
        let inserted = conn
            .execute(
                "INSERT OR IGNORE INTO scans (id, status, body, updated_at) VALUES (?1, ?2, ?3, ?4)",
                params![
                    scan.id.as_str(),
                    scan.status.as_str(),
                    encode(scan)?,
                    stamp(scan.updated_at)
                ],
            )
            .map_err(backend)?;
        if inserted == 1 {
            return Ok(None);
        }
        load_scan(&conn, &scan.id)
    }

    async fn get_scan(&self, id: &ScanId) -> Result<Option<Scan>, PortError> {
        load_scan(&*self.lock()?, id)
    }

    async fn record_result(&self, result: &CheckResult) -> Result<bool, PortError> {
        self.update(&result.scan_id, |tx, scan| {
            let inserted = tx
                .execute(
                    "INSERT OR IGNORE INTO results (scan_id, check_id, body) VALUES (?1, ?2, ?3)",
                    params![
                        result.scan_id.as_str(),
                        result.check.as_str(),
                        encode(result)?
                    ],
                )
                .map_err(backend)?
                == 1;
            if inserted && !scan.completed_checks.contains(&result.check) {
                scan.completed_checks.push(result.check.clone());
            }
            Ok((inserted, inserted))
        })
    }

    async fn results(&self, id: &ScanId) -> Result<Vec<CheckResult>, PortError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare("SELECT body FROM results WHERE scan_id = ?1 ORDER BY check_id")
            .map_err(backend)?;
        let rows = stmt
            .query_map([id.as_str()], |row| row.get::<_, String>(0))
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(|b| decode(&b)))
            .collect()
    }

    async fn finish(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        report_key: &str,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.update(id, |_, scan| {
            if scan.status != ScanStatus::Validating {
                return Ok((false, false));
            }
            scan.status = verdict.status;
            scan.auto_approved = verdict.auto_approved;
            scan.counts = Some(verdict.counts);
            scan.reasons = verdict.reasons.clone();
            scan.report_key = Some(report_key.to_owned());
            scan.finished_at = Some(at);
            Ok((true, true))
        })
    }

    async fn claim_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        now: Timestamp,
        lease: Duration,
        max_attempts: u32,
    ) -> Result<Claim, PortError> {
        self.update(id, |_, scan| {
            let state = scan.notifications.get_mut(kind);
            let (claim, next) = state.claim(now, lease, max_attempts);
            let changed = next.is_some();
            if let Some(next) = next {
                *state = next;
            }
            Ok((changed, claim))
        })
    }

    async fn release_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        error: &str,
        at: Timestamp,
    ) -> Result<(), PortError> {
        self.update(id, |_, scan| {
            let state = scan.notifications.get_mut(kind);
            *state = state.released(error, at);
            Ok((true, ()))
        })
    }

    async fn complete_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<(), PortError> {
        self.update(id, |_, scan| {
            let state = scan.notifications.get_mut(kind);
            *state = state.completed(at);
            Ok((true, ()))
        })
    }

    async fn reset_notification(
        &self,
        id: &ScanId,
        kind: NotificationKind,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.update(id, |_, scan| {
            let state = scan.notifications.get_mut(kind);
            match state.reset(at) {
                Some(next) => {
                    *state = next;
                    Ok((true, true))
                }
                None => Ok((false, false)),
            }
        })
    }

    async fn notifications(&self, id: &ScanId) -> Result<Notifications, PortError> {
        Ok(load_scan(&*self.lock()?, id)?
            .map(|scan| scan.notifications)
            .unwrap_or_default())
    }

    /// Every scan is read: the local data folder holds few (the states live in the scan body).
    async fn unsent_notifications(
        &self,
        changed_before: Timestamp,
        _page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError> {
        let mut unsent = Vec::new();
        for scan in self.list()? {
            for kind in NotificationKind::ALL {
                let state = scan.notifications.get(kind);
                if let Some(changed) = state.changed_at.filter(|_| state.is_pending()) {
                    if changed < changed_before {
                        unsent.push((changed, scan.id.clone(), kind));
                    }
                }
            }
        }
        unsent.sort();
        Ok(unsent
            .into_iter()
            .take(max)
            .map(|(_, id, kind)| (id, kind))
            .collect())
    }

    async fn missing_notifications(
        &self,
        _page_size: i32,
        max: usize,
    ) -> Result<Vec<(ScanId, NotificationKind)>, PortError> {
        let mut missing = Vec::new();
        for scan in self.list()? {
            for (kind, _) in scan.notifications.missing() {
                missing.push((scan.id.clone(), kind));
            }
        }
        missing.truncate(max);
        Ok(missing)
    }

    async fn record_history(&self, entry: &HistoryEntry) -> Result<(), PortError> {
        // A scan's entry never changes once final: a second recording keeps the first.
        self.lock()?
            .execute(
                "INSERT OR IGNORE INTO history (plugin, scan_id, created_nanos, body) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    entry.plugin,
                    entry.scan_id.as_str(),
                    i64::try_from(entry.created_at.unix_timestamp_nanos()).unwrap_or(i64::MAX),
                    encode(entry)?
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    async fn history(&self, plugin: &str, max: usize) -> Result<Vec<HistoryEntry>, PortError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare(
                "SELECT body FROM history WHERE plugin = ?1 \
                 ORDER BY created_nanos DESC, scan_id DESC LIMIT ?2",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map(
                params![plugin, i64::try_from(max).unwrap_or(i64::MAX)],
                |row| row.get::<_, String>(0),
            )
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(|b| decode(&b)))
            .collect()
    }

    async fn revalidate(
        &self,
        id: &ScanId,
        verdict: &Verdict,
        at: Timestamp,
    ) -> Result<bool, PortError> {
        self.update(id, |_, scan| {
            if scan.status != ScanStatus::Blocked {
                return Ok((false, false));
            }
            scan.status = ScanStatus::Validated;
            scan.auto_approved = false;
            scan.counts = Some(verdict.counts);
            scan.reasons = verdict.reasons.clone();
            scan.reviewed_at = Some(at);
            Ok((true, true))
        })
    }

    async fn record_decision(&self, decision: &ReviewDecision) -> Result<(), PortError> {
        self.lock()?
            .execute(
                "INSERT OR IGNORE INTO decisions (plugin, at_nanos, path, fingerprint, body) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![
                    decision.plugin,
                    i64::try_from(decision.at.unix_timestamp_nanos()).unwrap_or(i64::MAX),
                    decision.path,
                    decision.fingerprint,
                    encode(decision)?
                ],
            )
            .map_err(backend)?;
        Ok(())
    }

    async fn decisions(&self, plugin: &str) -> Result<Vec<ReviewDecision>, PortError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare(
                "SELECT body FROM decisions WHERE plugin = ?1 ORDER BY at_nanos, path, fingerprint",
            )
            .map_err(backend)?;
        let rows = stmt
            .query_map([plugin], |row| row.get::<_, String>(0))
            .map_err(backend)?;
        rows.map(|r| r.map_err(backend).and_then(|b| decode(&b)))
            .collect()
    }

    /// Every `validating` scan is read and filtered by its creation time: there are few, and
    /// the body holds the exact time (one query, so `page_size` has nothing to page).
    async fn stuck_scans(
        &self,
        created_before: Timestamp,
        _page_size: i32,
        max: usize,
    ) -> Result<Vec<ScanId>, PortError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare("SELECT body FROM scans WHERE status = ?1")
            .map_err(backend)?;
        let rows = stmt
            .query_map([ScanStatus::Validating.as_str()], |row| {
                row.get::<_, String>(0)
            })
            .map_err(backend)?;
        let mut stuck = Vec::new();
        for body in rows {
            let scan: Scan = decode(&body.map_err(backend)?)?;
            if scan.created_at < created_before {
                stuck.push((scan.created_at, scan.id));
            }
        }
        stuck.sort();
        Ok(stuck.into_iter().take(max).map(|(_, id)| id).collect())
    }
}
