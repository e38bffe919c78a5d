//! SQLite document store: every resource is a JSON document keyed by (kind, id), owned by an
//! agent (for cascading deletes) and grouped under a parent (for listing). One connection
//! behind a mutex; each call runs in one transaction on the blocking pool. Resource
//! semantics live in the handlers, not here.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde_json::Value;

use crate::error::{ApiError, ApiResult, Error};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS docs (
    seq    INTEGER PRIMARY KEY AUTOINCREMENT,
    kind   TEXT NOT NULL,
    id     TEXT NOT NULL,
    agent  TEXT NOT NULL,
    parent TEXT NOT NULL,
    data   TEXT NOT NULL,
    UNIQUE (kind, id)
);
CREATE INDEX IF NOT EXISTS docs_parent ON docs (kind, parent, seq);
CREATE INDEX IF NOT EXISTS docs_agent ON docs (agent);
CREATE TABLE IF NOT EXISTS blobs (
    id    TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    data  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// A stored document with its insertion sequence number (a stable sort key).
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub seq: i64,
    pub data: Value,
}

#[derive(Clone)]
pub(crate) struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    pub fn open(dir: Option<&Path>) -> Result<Self, Error> {
        let conn = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let conn = Connection::open(dir.join("emulator.sqlite3"))?;
                // Before anything else: switching to WAL and creating the schema take locks, and a
                // second emulator starting on the same directory must wait for them, not fail with
                // "database is locked".
                conn.busy_timeout(std::time::Duration::from_secs(5))?;
                // WAL keeps readers and the single writer cheap; NORMAL sync is durable
                // across process crashes, which is what an emulator needs.
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn.pragma_update(None, "synchronous", "NORMAL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` in one transaction; an `Err` rolls everything back.
    pub async fn run<R, F>(&self, f: F) -> ApiResult<R>
    where
        R: Send + 'static,
        F: FnOnce(&Db<'_>) -> ApiResult<R> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            // A poisoned lock only means another call panicked mid-transaction; SQLite
            // rolled that transaction back, so the connection is still consistent.
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            // IMMEDIATE takes the write lock up front, so two processes sharing a data
            // directory (e.g. `serve` and a CLI `--emulator` run) cannot both read-then-write
            // the same rows; the busy timeout makes the second one wait.
            let tx = guard.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&Db { tx: &tx })?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .map_err(|e| ApiError::internal(format!("store task failed: {e}")))?
    }
}

pub(crate) struct Db<'a> {
    tx: &'a Transaction<'a>,
}

fn parse(text: &str) -> ApiResult<Value> {
    serde_json::from_str(text).map_err(|e| ApiError::internal(format!("corrupt document: {e}")))
}

impl Db<'_> {
    pub fn get(&self, kind: &str, id: &str) -> ApiResult<Option<Value>> {
        let text: Option<String> = self
            .tx
            .prepare_cached("SELECT data FROM docs WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind, id], |r| r.get(0))
            .optional()?;
        text.map(|t| parse(&t)).transpose()
    }

    /// The owning agent and parent of a document.
    pub fn owner(&self, kind: &str, id: &str) -> ApiResult<Option<(String, String)>> {
        Ok(self
            .tx
            .prepare_cached("SELECT agent, parent FROM docs WHERE kind = ?1 AND id = ?2")?
            .query_row(params![kind, id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    pub fn insert(
        &self,
        kind: &str,
        id: &str,
        agent: &str,
        parent: &str,
        data: &Value,
    ) -> ApiResult<i64> {
        self.tx
            .prepare_cached(
                "INSERT INTO docs (kind, id, agent, parent, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![kind, id, agent, parent, data.to_string()])?;
        Ok(self.tx.last_insert_rowid())
    }

    pub fn update(&self, kind: &str, id: &str, data: &Value) -> ApiResult<()> {
        let n = self
            .tx
            .prepare_cached("UPDATE docs SET data = ?3 WHERE kind = ?1 AND id = ?2")?
            .execute(params![kind, id, data.to_string()])?;
        if n == 0 {
            return Err(ApiError::internal(format!("update of missing {kind}")));
        }
        Ok(())
    }

    pub fn delete(&self, kind: &str, id: &str) -> ApiResult<bool> {
        let n = self
            .tx
            .prepare_cached("DELETE FROM docs WHERE kind = ?1 AND id = ?2")?
            .execute(params![kind, id])?;
        Ok(n > 0)
    }

    /// All documents of `kind` under `parent`, oldest first.
    pub fn list(&self, kind: &str, parent: &str) -> ApiResult<Vec<Row>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT seq, data FROM docs WHERE kind = ?1 AND parent = ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![kind, parent], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, text) = row?;
            out.push(Row {
                seq,
                data: parse(&text)?,
            });
        }
        Ok(out)
    }

    pub fn count(&self, kind: &str, parent: &str) -> ApiResult<i64> {
        Ok(self
            .tx
            .prepare_cached("SELECT COUNT(*) FROM docs WHERE kind = ?1 AND parent = ?2")?
            .query_row(params![kind, parent], |r| r.get(0))?)
    }

    /// Removes an agent's documents and blobs (the agent document included).
    pub fn delete_agent_tree(&self, agent: &str) -> ApiResult<()> {
        self.tx
            .prepare_cached("DELETE FROM docs WHERE agent = ?1")?
            .execute(params![agent])?;
        self.tx
            .prepare_cached("DELETE FROM blobs WHERE agent = ?1")?
            .execute(params![agent])?;
        Ok(())
    }

    pub fn put_blob(&self, id: &str, agent: &str, data: &[u8]) -> ApiResult<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO blobs (id, agent, data) VALUES (?1, ?2, ?3)")?
            .execute(params![id, agent, data])?;
        Ok(())
    }

    pub fn get_blob(&self, id: &str) -> ApiResult<Option<Vec<u8>>> {
        Ok(self
            .tx
            .prepare_cached("SELECT data FROM blobs WHERE id = ?1")?
            .query_row(params![id], |r| r.get(0))
            .optional()?)
    }

    pub fn delete_blob(&self, id: &str) -> ApiResult<bool> {
        Ok(self
            .tx
            .prepare_cached("DELETE FROM blobs WHERE id = ?1")?
            .execute(params![id])?
            > 0)
    }

    pub fn meta(&self, key: &str) -> ApiResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row(params![key], |r| r.get(0))
            .optional()?)
    }

    pub fn set_meta(&self, key: &str, value: &str) -> ApiResult<()> {
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?
            .execute(params![key, value])?;
        Ok(())
    }

    /// Next value of a named counter, starting at 1.
    pub fn next_counter(&self, name: &str) -> ApiResult<i64> {
        let key = format!("counter:{name}");
        let next = self
            .meta(&key)?
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
            + 1;
        self.set_meta(&key, &next.to_string())?;
        Ok(next)
    }

    /// Deletes everything (admin reset).
    pub fn wipe(&self) -> ApiResult<()> {
        self.tx
            .execute_batch("DELETE FROM docs; DELETE FROM blobs; DELETE FROM meta;")?;
        Ok(())
    }
}
