//! The storage seam: one SQL code path over embedded SQLite and PostgreSQL.
//!
//! SQL is written once, with `$1`-style placeholders, in the subset both engines accept; SQLite
//! receives it rewritten to `?1`. Reads run on a small pool of connections on blocking threads.
//! Every write goes through one writer thread that runs queued jobs in a single transaction, each
//! job in its own savepoint, and acknowledges them only after the commit: one fsync serves a
//! burst of writes, a failing job rolls back alone, and the audit chain sees one ordered stream.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use tokio::sync::{Semaphore, oneshot};

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {}", with_cause(.0))]
    Postgres(#[from] postgres::Error),
    #[error("column {column}: {message}")]
    Decode { column: usize, message: String },
    #[error("{0}")]
    Other(String),
}

/// The PostgreSQL client's error with its cause: on its own it says only "db error" or "error
/// connecting to server", and an operator reading the log needs what the server said.
fn with_cause(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl DbError {
    pub fn is_unique_violation(&self) -> bool {
        match self {
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => {
                e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    || e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            }
            DbError::Postgres(e) => e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A parameter or a column value, the common ground of both engines.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}
impl From<usize> for Value {
    fn from(v: usize) -> Self {
        Value::Int(i64::try_from(v).unwrap_or(i64::MAX))
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Builds a parameter list: `params![a, b, c]`.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::platform::db::Value::from($v)),*] as &[$crate::platform::db::Value] };
}

pub trait FromValue: Sized {
    fn from_value(v: &Value) -> Result<Self, String>;
}
impl FromValue for i64 {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(i64::from(*b)),
            other => Err(format!("expected integer, found {other:?}")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Real(f) => Ok(*f),
            Value::Int(i) => Ok(*i as f64),
            other => Err(format!("expected number, found {other:?}")),
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            other => Err(format!("expected boolean, found {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Bytes(b) => Ok(b.clone()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Row(Vec<Value>);

impl Row {
    pub fn get<T: FromValue>(&self, column: usize) -> Result<T, DbError> {
        let v = self.0.get(column).unwrap_or(&Value::Null);
        T::from_value(v).map_err(|message| DbError::Decode { column, message })
    }
}

thread_local! {
    /// Rewritten statements by their text: the rewrite costs an allocation per statement run,
    /// the lookup none (statements are few and repeat; dynamic ones are bounded below).
    static REWRITTEN: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<str>>> = Default::default();
}

/// `sqlite_sql` through a per-thread cache of its answers.
fn sqlite_sql_cached(sql: &str) -> std::rc::Rc<str> {
    REWRITTEN.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(r) = m.get(sql) {
            return r.clone();
        }
        if m.len() >= 4096 {
            m.clear();
        }
        let r: std::rc::Rc<str> = sqlite_sql(sql).into();
        m.insert(sql.to_string(), r.clone());
        r
    })
}

/// Rewrites `$1` placeholders to SQLite's numbered `?1`, leaving string literals alone.
fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return sql.into();
    }
    let mut out = String::with_capacity(sql.len());
    let mut in_str = false;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_str = !in_str;
                out.push(c);
            }
            '$' if !in_str && chars.peek().is_some_and(char::is_ascii_digit) => out.push('?'),
            _ => out.push(c),
        }
    }
    out.into()
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Bool(b) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*b))),
            Value::Bytes(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl postgres::types::ToSql for Value {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut bytes::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::{IsNull, Type};
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => i16::try_from(*i)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(*i)?.to_sql(ty, out),
                Type::FLOAT8 => (*i as f64).to_sql(ty, out),
                Type::BOOL => (*i != 0).to_sql(ty, out),
                Type::TEXT | Type::VARCHAR => i.to_string().to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Real(f) => match *ty {
                Type::FLOAT4 => (*f as f32).to_sql(ty, out),
                _ => f.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Bool(b) => match *ty {
                Type::INT8 => i64::from(*b).to_sql(ty, out),
                _ => b.to_sql(ty, out),
            },
            Value::Bytes(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_ty: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn pg_value(row: &postgres::Row, i: usize) -> Result<Value, DbError> {
    use postgres::types::Type;
    let ty = row.columns()[i].type_().clone();
    let v = match ty {
        Type::INT8 => row.try_get::<_, Option<i64>>(i)?.map(Value::Int),
        Type::INT4 => row.try_get::<_, Option<i32>>(i)?.map(|v| Value::Int(v.into())),
        Type::INT2 => row.try_get::<_, Option<i16>>(i)?.map(|v| Value::Int(v.into())),
        Type::FLOAT8 => row.try_get::<_, Option<f64>>(i)?.map(Value::Real),
        Type::FLOAT4 => row.try_get::<_, Option<f32>>(i)?.map(|v| Value::Real(v.into())),
        Type::BOOL => row.try_get::<_, Option<bool>>(i)?.map(Value::Bool),
        Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Bytes),
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
            row.try_get::<_, Option<String>>(i)?.map(Value::Text)
        }
        other => {
            return Err(DbError::Decode {
                column: i,
                message: format!("unsupported PostgreSQL type {other} (cast it in the SQL)"),
            });
        }
    };
    Ok(v.unwrap_or(Value::Null))
}

fn sqlite_value(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
    }
}

/// One open connection to either engine, with the regions its current write changed and the
/// work it left for the end of its group commit.
pub struct Conn {
    engine: Engine,
    touched: Touched,
    deferred: Deferrals,
}

/// Work a write job leaves to the end of its group commit, so that what many jobs of a group
/// change in the same rows (the aggregates of the regions every TPS of them moves) is summed
/// in memory and written once per group, in one order on every server.
///
/// A job's part counts only if the job is kept: it is absorbed into the group's part when the
/// job ends well and dropped when the job is rolled back. The group's parts are flushed just
/// before COMMIT; if a flush fails, the whole group is rolled back and every caller sees the
/// error. So nothing in the writer may read what is deferred before the commit (readers, who
/// see only committed data, never can).
pub trait Deferred: std::any::Any + Send + Default {
    /// Whether the part is written after all the others of its group (among the rest, and
    /// among the last, in the order each type first came). A part that locks a row every group
    /// takes (the audit head) goes last, so that it is held only to the COMMIT and every group
    /// takes the shared rows in one order.
    const LAST: bool = false;
    /// Adds a later job's part to this one.
    fn absorb(&mut self, later: Self);
    /// Writes the group's part, inside the group's transaction.
    fn flush(self, conn: &mut Conn) -> Result<(), DbError>;
}

/// A [`Deferred`] of any type, as the writer keeps it.
trait Slot: Send {
    fn as_any(&mut self) -> &mut dyn std::any::Any;
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any>;
    fn absorb_slot(&mut self, later: Box<dyn Slot>);
    fn flush_slot(self: Box<Self>, conn: &mut Conn) -> Result<(), DbError>;
    fn last(&self) -> bool;
}

impl<T: Deferred> Slot for T {
    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
    fn absorb_slot(&mut self, later: Box<dyn Slot>) {
        // Slots are keyed by their type, so `later` is a T.
        if let Ok(later) = later.into_any().downcast::<T>() {
            self.absorb(*later);
        }
    }
    fn flush_slot(self: Box<Self>, conn: &mut Conn) -> Result<(), DbError> {
        (*self).flush(conn)
    }
    fn last(&self) -> bool {
        T::LAST
    }
}

/// The current job's parts and the group's, by type, in the order each type first came (the
/// flush puts the [`Deferred::LAST`] ones at the end).
#[derive(Default)]
struct Deferrals {
    job: Vec<(std::any::TypeId, Box<dyn Slot>)>,
    group: Vec<(std::any::TypeId, Box<dyn Slot>)>,
}

impl Deferrals {
    /// The job ended well: its parts join the group's.
    fn keep_job(&mut self) {
        for (id, part) in std::mem::take(&mut self.job) {
            match self.group.iter_mut().find(|(g, _)| *g == id) {
                Some((_, whole)) => whole.absorb_slot(part),
                None => self.group.push((id, part)),
            }
        }
    }
}

enum Engine {
    Sqlite(rusqlite::Connection),
    Postgres(Box<PgConn>),
}

/// Which regions a write changed, so that a live page wakes only for changes in or above its
/// own region (on election night every TPS result is a write; a regency's page need not fetch
/// itself again for another province's). Filled from the audit log, which every change goes
/// through, and from alerts; a write that names no region is `Nothing` to the live pages
/// (sessions, the outbox, rate limits).
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Touched {
    #[default]
    Nothing,
    Regions(std::collections::BTreeSet<String>),
    Everything,
}

/// Beyond this many regions a change is simply `Everything` (an import, a bulk job).
const TOUCHED_MAX: usize = 256;

impl Touched {
    pub fn add(&mut self, region: &str) {
        match self {
            Touched::Everything => {}
            Touched::Regions(set) if set.len() >= TOUCHED_MAX => *self = Touched::Everything,
            Touched::Regions(set) => {
                set.insert(region.to_string());
            }
            Touched::Nothing => *self = Touched::Regions([region.to_string()].into()),
        }
    }

    pub fn merge(&mut self, other: Touched) {
        match other {
            Touched::Nothing => {}
            Touched::Everything => *self = Touched::Everything,
            Touched::Regions(set) => set.iter().for_each(|r| self.add(r)),
        }
    }

    /// Whether a page of `region` shows something this change moved: a change inside the
    /// region (a TPS of it) or above it (its province's stage).
    pub fn concerns(&self, region: &str) -> bool {
        match self {
            Touched::Nothing => false,
            Touched::Everything => true,
            Touched::Regions(set) => set.iter().any(|t| super::identity::within(region, t) || super::identity::within(t, region)),
        }
    }

    /// The `NOTIFY` payload (at most 8000 bytes): the regions, comma-separated, or `*`.
    fn payload(&self) -> String {
        match self {
            Touched::Regions(set) => {
                let list = set.iter().map(String::as_str).collect::<Vec<_>>().join(",");
                // Region codes are digits and dots; a quote would end the SQL literal.
                if list.len() < 7000 && !list.contains('\'') { list } else { "*".into() }
            }
            _ => "*".into(),
        }
    }

    fn from_payload(payload: &str) -> Touched {
        match payload {
            "*" | "" => Touched::Everything,
            list => Touched::Regions(list.split(',').map(str::to_string).collect()),
        }
    }
}

/// A PostgreSQL connection with its prepared statements: without them the client prepares an
/// unnamed statement on every call, a round trip and a server-side parse and plan each time.
pub struct PgConn {
    client: postgres::Client,
    statements: std::collections::HashMap<String, postgres::Statement>,
}

/// Bounds the cache when SQL is built at run time (IN lists, multi-row inserts).
const PG_STATEMENTS: usize = 256;

impl PgConn {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, DbError> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        if self.statements.len() >= PG_STATEMENTS {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

impl Conn {
    pub fn backend(&self) -> Backend {
        match self.engine {
            Engine::Sqlite(_) => Backend::Sqlite,
            Engine::Postgres(_) => Backend::Postgres,
        }
    }

    /// Marks `region` as changed by the current write (the live pages of it and above wake).
    pub fn touch(&mut self, region: &str) {
        self.touched.add(region);
    }

    /// Marks the current write as changing every region's picture (a catalogue, an import).
    pub fn touch_everything(&mut self) {
        self.touched = Touched::Everything;
    }

    /// The current job's part of `T`, written at the end of its group commit (see
    /// [`Deferred`]). Outside the writer (a reader, a job run directly on a connection) there
    /// is no group: [`Conn::flush_deferred`] writes it.
    pub fn defer<T: Deferred>(&mut self) -> &mut T {
        let id = std::any::TypeId::of::<T>();
        let at = match self.deferred.job.iter().position(|(t, _)| *t == id) {
            Some(i) => i,
            None => {
                self.deferred.job.push((id, Box::new(T::default())));
                self.deferred.job.len() - 1
            }
        };
        let any = self.deferred.job[at].1.as_any();
        match any.downcast_mut::<T>() {
            Some(t) => t,
            // Parts are keyed by their own type.
            None => unreachable!("a deferred part keyed by another type"),
        }
    }

    /// Whether a part of `T` waits to be written (the current job's or the group's).
    pub fn has_deferred<T: Deferred>(&self) -> bool {
        let id = std::any::TypeId::of::<T>();
        self.deferred.job.iter().chain(&self.deferred.group).any(|(t, _)| *t == id)
    }

    /// Writes every deferred part now: the writer's end of a group, and callers that use a
    /// connection without the writer (the CLI's direct writes, tests).
    pub fn flush_deferred(&mut self) -> Result<(), DbError> {
        self.deferred.keep_job();
        let mut parts = std::mem::take(&mut self.deferred.group);
        // Stable: among equals the order each type first came stays.
        parts.sort_by_key(|(_, p)| p.last());
        for (_, part) in parts {
            part.flush_slot(self)?;
        }
        Ok(())
    }

    /// Runs one statement and returns the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match &mut self.engine {
            Engine::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql_cached(sql))?;
                Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
            }
            Engine::Postgres(c) => {
                let stmt = c.statement(sql)?;
                let p: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(|v| v as &(dyn postgres::types::ToSql + Sync)).collect();
                Ok(c.client.execute(&stmt, &p)?)
            }
        }
    }

    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let mut rows = Vec::new();
        self.for_each(sql, params, |r| {
            rows.push(r);
            Ok(())
        })?;
        Ok(rows)
    }

    pub fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    pub fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Row, DbError> {
        self.query_opt(sql, params)?
            .ok_or_else(|| DbError::Other(format!("query returned no row: {sql}")))
    }

    /// Streams rows one by one, so an export of the nation runs in constant memory.
    pub fn for_each(
        &mut self,
        sql: &str,
        params: &[Value],
        mut f: impl FnMut(Row) -> Result<(), DbError>,
    ) -> Result<(), DbError> {
        match &mut self.engine {
            Engine::Sqlite(c) => {
                let mut stmt = c.prepare_cached(&sqlite_sql_cached(sql))?;
                let n = stmt.column_count();
                let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
                while let Some(r) = rows.next()? {
                    let mut vals = Vec::with_capacity(n);
                    for i in 0..n {
                        vals.push(sqlite_value(r.get_ref(i)?));
                    }
                    f(Row(vals))?;
                }
                Ok(())
            }
            Engine::Postgres(c) => {
                use postgres::fallible_iterator::FallibleIterator;
                let stmt = c.statement(sql)?;
                let mut it = c.client.query_raw(&stmt, params.iter())?;
                while let Some(r) = it.next()? {
                    let vals = (0..r.len()).map(|i| pg_value(&r, i)).collect::<Result<_, _>>()?;
                    f(Row(vals))?;
                }
                Ok(())
            }
        }
    }

    /// Runs statements without parameters (DDL, transaction control).
    /// A transaction control statement without parameters (SAVEPOINT, RELEASE): prepared once
    /// on SQLite, a simple query on PostgreSQL (one round trip).
    pub fn control(&mut self, sql: &str) -> Result<(), DbError> {
        match &mut self.engine {
            Engine::Sqlite(c) => {
                c.prepare_cached(sql)?.execute([])?;
                Ok(())
            }
            Engine::Postgres(c) => Ok(c.client.batch_execute(sql)?),
        }
    }

    pub fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        match &mut self.engine {
            Engine::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Engine::Postgres(c) => Ok(c.client.batch_execute(sql)?),
        }
    }

    /// Holds `keys` until the transaction ends, against every other writer of the same keys:
    /// what the writer reads after this is what the others committed before, so a decision
    /// made on it cannot cross another server's on the same thing (two entries of one TPS on
    /// two servers at once). PostgreSQL's transaction-level advisory locks, taken in one order
    /// so that two groups cannot deadlock; SQLite's one writer needs none.
    /// The keys are only made on PostgreSQL (`keys` is consumed there alone).
    pub fn lock_keys<K: AsRef<str>>(&mut self, keys: impl IntoIterator<Item = K>) -> Result<(), DbError> {
        use sha2::{Digest, Sha256};
        if self.backend() != Backend::Postgres {
            return Ok(());
        }
        let mut ids: Vec<i64> = keys
            .into_iter()
            .map(|k| {
                let d = Sha256::digest(k.as_ref().as_bytes());
                i64::from_le_bytes([d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7]])
            })
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        ids.sort_unstable();
        ids.dedup();
        let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        // unnest yields the array in its (sorted) order, and the locks are taken in it.
        self.batch(&format!("SELECT pg_advisory_xact_lock(k) FROM unnest(ARRAY[{list}]::bigint[]) AS k"))
    }

    /// Tells every server of this database, once this transaction commits, that what the
    /// cache `name` holds is stale (PostgreSQL `NOTIFY`; a server hears it through
    /// `Db::dropped_caches`). SQLite has one server, which drops its own after the write.
    pub fn drop_cache_everywhere(&mut self, name: &str) -> Result<(), DbError> {
        if self.backend() == Backend::Postgres {
            self.execute("SELECT pg_notify($1, $2)", &[Value::Text(CACHES_CHANNEL.into()), Value::Text(name.into())])?;
        }
        Ok(())
    }

    /// SQLite: copies the database into `file` by SQLite's online backup, in one step, so the
    /// copy is the state of one read transaction while writers go on (WAL lets them). The copy
    /// is made beside `file` and renamed over it at the end: a failed backup leaves no half
    /// file under the name. PostgreSQL has its own tools (`pg_dump`, `pg_basebackup`).
    pub fn backup_into(&mut self, file: &std::path::Path) -> Result<(), DbError> {
        let Engine::Sqlite(source) = &self.engine else {
            return Err(DbError::Other("backup_into is for SQLite; PostgreSQL is backed up by pg_dump".into()));
        };
        let mut part = file.as_os_str().to_owned();
        part.push(".part");
        let part = std::path::PathBuf::from(part);
        let copy = || -> Result<(), DbError> {
            let _ = std::fs::remove_file(&part);
            let mut target = rusqlite::Connection::open(&part)?;
            rusqlite::backup::Backup::new(source, &mut target)?.step(-1)?;
            // The copy's own journal mode: a single file that opens anywhere.
            target.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get::<_, String>(0))?;
            drop(target);
            std::fs::rename(&part, file).map_err(|e| DbError::Other(format!("{}: {e}", file.display())))
        };
        let done = copy();
        if done.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        done
    }

    /// Whether the server closed this connection (it cannot be used again).
    pub fn is_closed(&self) -> bool {
        match &self.engine {
            Engine::Sqlite(_) => false,
            Engine::Postgres(c) => c.client.is_closed(),
        }
    }

    pub fn begin(&mut self) -> Result<(), DbError> {
        self.batch(match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        })
    }
}

#[derive(Debug, Clone)]
enum Target {
    Sqlite(String),
    Postgres(String),
}

impl Target {
    fn parse(url: &str) -> Result<Target, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Target::Postgres(url.to_string()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                DbError::Other(format!(
                    "unsupported database URL {url:?}: use sqlite://FILE or postgres://…"
                ))
            })?;
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() {
            return Err(DbError::Other("the sqlite:// URL names no file".into()));
        }
        Ok(Target::Sqlite(path.to_string()))
    }

    fn connect(&self) -> Result<Conn, DbError> {
        match self {
            Target::Sqlite(path) => {
                let c = rusqlite::Connection::open(path)?;
                c.busy_timeout(Duration::from_secs(10))?;
                // A new database gets 2 KiB pages: election night writes random keys (TPS
                // from all over the country) into several indexes, and the WAL takes a whole
                // page for each one touched, so smaller pages halve the bytes written and
                // checkpointed per form (35 → 24 KB). It must come before WAL mode, and is
                // ignored by an existing database.
                // WAL lets readers run beside the writer; FULL makes every commit durable
                // before it is acknowledged. The map covers a national database (~600 MB), so
                // reads take pages from it without a system call.
                c.execute_batch(
                    "PRAGMA page_size=2048; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;
                     PRAGMA cache_size=-65536; PRAGMA mmap_size=1073741824;",
                )?;
                c.set_prepared_statement_cache_capacity(256);
                // Without this, a statement whose plan weighed a bound value is parsed and
                // planned again each time the statement cache clears its bindings (9 % of the
                // writer's time on election night). Only `LIKE` prefixes lose by it, and none
                // of ours is on a large table.
                c.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
                Ok(Conn { engine: Engine::Sqlite(c), touched: Touched::Nothing, deferred: Deferrals::default() })
            }
            Target::Postgres(url) => {
                let client = postgres::Client::connect(url, postgres::NoTls)?;
                Ok(Conn { engine: Engine::Postgres(Box::new(PgConn { client, statements: Default::default() })), touched: Touched::Nothing, deferred: Deferrals::default() })
            }
        }
    }
}

type Reply = Box<dyn FnOnce(Result<(), String>) + Send>;
type Job = Box<dyn FnOnce(&mut Conn) -> (bool, Reply) + Send>;

/// What the writer receives: a job of its own, or one item of a [`Batch`].
enum Task {
    Job(Job),
    Item(Box<dyn Part>),
}

/// Work that many requests bring to the writer one item each, run as one job per group commit
/// over all the items of the group (in arrival order), so that it reads what it needs with one
/// statement per group and writes with multi-row statements: on election night every C.Hasil
/// is an item. `run` answers each item's outcome in order; an error rolls back all of them, and
/// each caller sees it.
pub trait Batch: Send + Sized + 'static {
    type Output: Send + 'static;
    fn run(conn: &mut Conn, items: Vec<Self>) -> Result<Vec<Self::Output>, DbError>;
}

/// One item of some [`Batch`], as the writer keeps it until the group is formed.
trait Part: Send {
    fn kind(&self) -> std::any::TypeId;
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send>;
    /// The job running this item and `rest` (items of the same kind) together.
    fn gather(self: Box<Self>, rest: Vec<Box<dyn Part>>) -> Job;
}

struct Item<B: Batch> {
    item: B,
    reply: oneshot::Sender<Result<B::Output, DbError>>,
}

impl<B: Batch> Part for Item<B> {
    fn kind(&self) -> std::any::TypeId {
        std::any::TypeId::of::<B>()
    }
    fn into_any(self: Box<Self>) -> Box<dyn std::any::Any + Send> {
        self
    }
    fn gather(self: Box<Self>, rest: Vec<Box<dyn Part>>) -> Job {
        let mut items = vec![*self];
        // Parts are grouped by kind, so every one of `rest` is an Item<B>.
        items.extend(rest.into_iter().filter_map(|p| p.into_any().downcast::<Item<B>>().ok().map(|i| *i)));
        Box::new(move |conn| {
            let (values, replies): (Vec<B>, Vec<_>) = items.into_iter().map(|i| (i.item, i.reply)).unzip();
            let count = values.len();
            match B::run(conn, values) {
                Ok(outputs) if outputs.len() == count => {
                    let reply: Reply = Box::new(move |commit| {
                        for (tx, out) in replies.into_iter().zip(outputs) {
                            let _ = tx.send(commit.clone().map(|()| out).map_err(DbError::Other));
                        }
                    });
                    (true, reply)
                }
                outcome => {
                    let e = match outcome {
                        Err(e) => e.to_string(),
                        Ok(o) => format!("a batch answered {} outcomes for {count} items", o.len()),
                    };
                    let reply: Reply = Box::new(move |_| {
                        for tx in replies {
                            let _ = tx.send(Err(DbError::Other(e.clone())));
                        }
                    });
                    (false, reply)
                }
            }
        })
    }
}

/// The group's tasks as jobs in arrival order, the items of each batch kind gathered into one
/// job where its first item came.
fn gather(tasks: Vec<Task>) -> Vec<Job> {
    enum Slot {
        Job(Job),
        Items(Vec<Box<dyn Part>>),
    }
    let mut slots: Vec<Slot> = Vec::with_capacity(tasks.len());
    let mut kinds: Vec<(std::any::TypeId, usize)> = Vec::new();
    for t in tasks {
        match t {
            Task::Job(j) => slots.push(Slot::Job(j)),
            Task::Item(p) => match kinds.iter().find(|(k, _)| *k == p.kind()) {
                Some(&(_, at)) => {
                    if let Slot::Items(v) = &mut slots[at] {
                        v.push(p);
                    }
                }
                None => {
                    kinds.push((p.kind(), slots.len()));
                    slots.push(Slot::Items(vec![p]));
                }
            },
        }
    }
    slots
        .into_iter()
        .filter_map(|s| match s {
            Slot::Job(j) => Some(j),
            Slot::Items(mut v) => {
                if v.is_empty() {
                    return None;
                }
                let first = v.remove(0);
                Some(first.gather(v))
            }
        })
        .collect()
}

/// What each commit touched, to those waiting on it, and how many commits touched something:
/// a reader that noted the count knows, by one load, whether anything changed since.
#[derive(Clone)]
struct Changes {
    tx: tokio::sync::broadcast::Sender<Arc<Touched>>,
    count: Arc<std::sync::atomic::AtomicU64>,
    /// This server's mark on its commits' notices (PostgreSQL): it sent its own commits to
    /// `tx` when they committed, and hearing them again later would count them twice, moving
    /// the count after an answer was rendered from them.
    origin: u64,
}

impl Changes {
    /// Counted first, so that whoever hears of a commit (its writer's answer included) finds
    /// the count already moved.
    fn send(&self, touched: Arc<Touched>) {
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // No page listening is not an error.
        let _ = self.tx.send(touched);
    }
}
/// The names of caches a commit made stale, here and (PostgreSQL) on every other server.
type Dropped = tokio::sync::broadcast::Sender<Arc<str>>;

/// Shared handle to the database: cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Backend,
    target: Target,
    idle: Mutex<Vec<Conn>>,
    readers: Semaphore,
    writer: Mutex<mpsc::Sender<Task>>,
    /// What each commit that changed a region's picture touched, here or (PostgreSQL) on
    /// another server: live pages wait on it.
    changes: Changes,
    /// Caches another server's commit made stale (`Conn::drop_cache_everywhere`).
    dropped: Dropped,
    /// Whether this server listens for the other servers' commits (started on first need).
    listening: std::sync::OnceLock<()>,
    /// A hot standby the public's reads may use (`Db::use_replica`), PostgreSQL only.
    replica: std::sync::OnceLock<Arc<Replica>>,
    /// Dropping it stops the SQLite checkpointer.
    _checkpointer: Option<mpsc::Sender<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The PostgreSQL client blocks on its own runtime when closed, which must not happen
        // on an async worker: close idle connections on a plain thread.
        let idle = self.idle.get_mut().map(std::mem::take).unwrap_or_default();
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl Inner {
    /// `f` on a connection of `idle` (or a new one to `target`), on this blocking thread; and
    /// whether the connection was lost (or could not be made).
    fn read_on<T, E>(&self, idle: &Mutex<Vec<Conn>>, target: &Target, f: impl FnOnce(&mut Conn) -> Result<T, E>) -> (Result<T, E>, bool)
    where
        E: From<DbError>,
    {
        let pooled = idle.lock().ok().and_then(|mut v| v.pop());
        let mut conn = match pooled.map_or_else(|| target.connect(), Ok) {
            Ok(c) => c,
            Err(e) => return (Err(E::from(e)), true),
        };
        let out = f(&mut conn);
        // A read that wrote (a cache filled, a session touched) has no group commit to end
        // it: what it deferred (an audit entry) is written now, never left on the pooled
        // connection for a later caller.
        if !conn.deferred.job.is_empty() || !conn.deferred.group.is_empty() {
            if let Err(e) = conn.flush_deferred() {
                tracing::error!("a read's deferred writes failed: {e}");
            }
            conn.deferred = Deferrals::default();
        }
        // A connection the server dropped (PostgreSQL failed over, or restarted) is not
        // kept: the next read opens a new one, to whichever server now takes writes.
        let lost = conn.is_closed();
        if !lost && let Ok(mut idle) = idle.lock() {
            idle.push(conn);
        }
        (out, lost)
    }
}

/// A hot standby for the public's reads: its own pool, and whether its replay is within the
/// bound, as its watch last saw.
struct Replica {
    target: Target,
    idle: Mutex<Vec<Conn>>,
    /// Until when (ms after `born`) the watch's last verdict lets reads use the standby: a
    /// watch stuck on a standby that stopped answering lets it lapse by itself.
    fresh_until: std::sync::atomic::AtomicU64,
    born: std::time::Instant,
    /// Its own few read permits, taken without waiting: a standby that hangs holds these, never
    /// the primary's, and the reads beyond them go to the primary.
    readers: Semaphore,
    /// When a failed read was last logged (one line a minute).
    warned: Mutex<Option<std::time::Instant>>,
}

/// How long one verdict of the watch stands: a round is a second's sleep and two queries.
const REPLICA_VERDICT: Duration = Duration::from_secs(2);
/// Read permits of the standby (the primary has `MAX_READERS`).
const REPLICA_READERS: usize = 8;

/// The replica's URL with bounds on how long it may keep a reader waiting, unless the URL sets
/// them: 2 s to connect, 5 s for sent data to be acknowledged (a host that vanished), 5 s per
/// statement (a standby that stalls).
fn bounded(url: &str) -> String {
    let mut out = url.to_string();
    for (key, value) in [("connect_timeout", "2"), ("tcp_user_timeout", "5"), ("options", "-c%20statement_timeout%3D5s")] {
        if !url.contains(&format!("{key}=")) {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(&format!("{key}={value}"));
        }
    }
    out
}

/// Where a server's WAL is, in bytes from the start: what the primary has written, what a
/// standby has replayed (a promoted one: what it has written).
const WAL_AT: &str = "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END - '0/0'::pg_lsn)::float8";

impl Replica {
    fn fresh(&self) -> bool {
        (self.born.elapsed().as_millis() as u64) < self.fresh_until.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Fresh until `REPLICA_VERDICT` after `from` (true), or behind from now on (false).
    fn judge(&self, fresh: bool, from: std::time::Instant) {
        let until = if fresh { (from + REPLICA_VERDICT).duration_since(self.born).as_millis() as u64 } else { 0 };
        self.fresh_until.store(until, std::sync::atomic::Ordering::SeqCst);
    }

    /// Logs a read that failed on the standby, at most once a minute.
    fn failed(&self, lost: bool) {
        let Ok(mut last) = self.warned.lock() else { return };
        if last.is_none_or(|t| t.elapsed() >= Duration::from_secs(60)) {
            *last = Some(std::time::Instant::now());
            let why = if lost { "its connection was lost" } else { "the query failed there" };
            tracing::warn!("a public read on the replica failed ({why}); it was answered by the primary");
        }
    }

    /// Every second: notes where the primary's WAL is, and calls the standby fresh while it has
    /// replayed at least what the primary had written `max_lag` ago. By positions, not clocks:
    /// no privilege, no clock shared, and a standby cut off from the primary falls behind as
    /// the primary goes on. Anything that cannot be asked is behind.
    fn watch(&self, primary: Target, max_lag: Duration) {
        let (mut on_primary, mut on_replica): (Option<Conn>, Option<Conn>) = (None, None);
        let mut written: std::collections::VecDeque<(std::time::Instant, f64)> = Default::default();
        let mut was = false;
        loop {
            let now = std::time::Instant::now();
            let asked = wal_at(&primary, &mut on_primary).and_then(|p| {
                written.push_back((now, p));
                wal_at(&self.target, &mut on_replica)
            });
            // What the primary had written max_lag ago (the oldest noted, at first).
            while written.len() > 1 && written.get(1).is_some_and(|(t, _)| now.duration_since(*t) >= max_lag) {
                written.pop_front();
            }
            let due = written.front().map_or(f64::MAX, |(_, lsn)| *lsn);
            let fresh = asked.as_ref().is_ok_and(|replayed| *replayed >= due);
            self.judge(fresh, now);
            if fresh != was {
                match asked {
                    Ok(_) if fresh => tracing::info!("the public's reads use the replica"),
                    Ok(replayed) => {
                        let (behind, secs) = (due - replayed, max_lag.as_secs_f64());
                        tracing::warn!("the replica has not replayed what the primary wrote {secs} s ago ({behind} bytes behind); the public's reads go to the primary")
                    }
                    Err(e) => tracing::warn!("the replica's lag cannot be measured ({e}); the public's reads go to the primary"),
                }
                was = fresh;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

/// [`WAL_AT`] on `target`, through `conn` (opened when there is none; dropped on failure).
fn wal_at(target: &Target, conn: &mut Option<Conn>) -> Result<f64, DbError> {
    let mut c = match conn.take() {
        Some(c) => c,
        None => target.connect()?,
    };
    let at: f64 = c.query_opt(WAL_AT, &[])?.ok_or_else(|| DbError::Other("no WAL position".into()))?.get(0)?;
    *conn = Some(c);
    Ok(at)
}

const MAX_READERS: usize = 16;
const MAX_GROUP: usize = 512;

impl Db {
    /// Opens (creating if needed) and migrates the database, then starts the writer.
    pub fn open(url: &str) -> Result<Db, DbError> {
        let target = Target::parse(url)?;
        let mut conn = target.connect()?;
        super::migrate::run(&mut conn)?;
        let backend = conn.backend();
        let checkpointer = match &target {
            Target::Sqlite(path) => {
                // The checkpoint thread copies the WAL back beside the writer, which would
                // otherwise do it inside a COMMIT every 1000 pages, on the one serial path (9 %
                // of its time on election night). The writer still checkpoints itself when the
                // WAL passes 16,384 pages (32 MiB of 2 KiB pages), so a checkpointer that falls
                // behind slows the writes down instead of letting the WAL grow without end, and
                // the file is cut back to 64 MiB after each reset.
                conn.batch("PRAGMA wal_autocheckpoint=16384; PRAGMA journal_size_limit=67108864")?;
                // The savepoint of each job in a group keeps its undo in memory, not in a file.
                conn.batch("PRAGMA temp_store=MEMORY")?;
                // SQLite walks the writer's whole page-cache hash at the end of every write
                // transaction (`pager_end_transaction` → `pcache1TruncateUnsafe`): with the
                // readers' 64 MiB that walk was 11 % of the writer's time on election night.
                // The writer reads through the map like the readers; its cache holds what a
                // group commit changes.
                conn.batch("PRAGMA cache_size=-8192")?;
                Some(start_checkpointer(path.clone())?)
            }
            Target::Postgres(_) => None,
        };
        let (tx, rx) = mpsc::channel::<Task>();
        // A page that falls this far behind hears `Lagged` and simply refreshes.
        let mut origin = [0u8; 8];
        // Without randomness two servers could share a mark and miss each other's commits.
        getrandom::fill(&mut origin).map_err(|e| DbError::Other(format!("no randomness for the server's mark: {e}")))?;
        let changes = Changes { tx: tokio::sync::broadcast::channel(256).0, count: Arc::default(), origin: u64::from_le_bytes(origin) };
        let (dropped, _) = tokio::sync::broadcast::channel(64);
        // SQLite takes one writer. On PostgreSQL a group commit spends most of its time waiting
        // on the server (round trips, the COMMIT's flush), so a second writer takes the next
        // group meanwhile; see `Writers`.
        let mut conns = vec![conn];
        if backend == Backend::Postgres {
            while conns.len() < PG_WRITERS {
                conns.push(target.connect()?);
            }
        }
        let writers = Arc::new(Writers { queue: Mutex::new(rx), groups: std::sync::RwLock::new(()) });
        for conn in conns {
            // One name for all: the benchmark counts the writers' CPU by it.
            std::thread::Builder::new()
                .name("sinergi-writer".into())
                .spawn({
                    let (target, changes, writers) = (target.clone(), changes.clone(), writers.clone());
                    move || writer_loop(conn, target, &writers, changes)
                })
                .map_err(|e| DbError::Other(format!("cannot start the writer thread: {e}")))?;
        }
        Ok(Db {
            inner: Arc::new(Inner {
                backend,
                target,
                idle: Mutex::new(Vec::new()),
                readers: Semaphore::new(MAX_READERS),
                writer: Mutex::new(tx),
                changes,
                dropped,
                listening: std::sync::OnceLock::new(),
                replica: std::sync::OnceLock::new(),
                _checkpointer: checkpointer,
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// Readies `table` for its readers after a bulk load (the national TPS import). On
    /// PostgreSQL freshly inserted rows are not yet marked visible to all: until autovacuum
    /// comes by, every lookup visits the heap and checks each row's transaction, and the
    /// statistics describe the empty table. On election night that made the register check of
    /// a group of 64 first entries take 8–10 ms instead of 2 (EXPLAIN ANALYZE, 820,161 TPS).
    /// SQLite has no such state.
    pub async fn after_bulk_load(&self, table: &'static str) -> Result<(), DbError> {
        if self.inner.backend == Backend::Sqlite {
            return Ok(());
        }
        // VACUUM runs outside a transaction: a read connection is in autocommit.
        self.read(move |c| c.batch(&format!("VACUUM (ANALYZE) {table}"))).await
    }

    /// A receiver of what each commit touched: on this server, and on PostgreSQL on every
    /// server of the same database (`LISTEN`/`NOTIFY`).
    pub fn changes(&self) -> tokio::sync::broadcast::Receiver<Arc<Touched>> {
        self.listen();
        self.inner.changes.tx.subscribe()
    }

    /// How many commits that touched something this server has seen so far (its own, and on
    /// PostgreSQL the other servers'): equal counts mean nothing changed in between.
    pub fn changes_seen(&self) -> u64 {
        self.listen();
        self.inner.changes.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A receiver of the names of caches that another server's commit made stale
    /// (`Conn::drop_cache_everywhere`); on SQLite, the only server, nothing arrives.
    pub fn dropped_caches(&self) -> tokio::sync::broadcast::Receiver<Arc<str>> {
        self.listen();
        self.inner.dropped.subscribe()
    }

    fn listen(&self) {
        if let Target::Postgres(url) = &self.inner.target {
            self.inner.listening.get_or_init(|| listen_for_changes(url.clone(), self.inner.changes.clone(), self.inner.dropped.clone()));
        }
    }

    /// Runs `f` on a read connection on a blocking thread.
    pub async fn read<T, E>(&self, f: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let _permit = self.inner.readers.acquire().await.map_err(|_| E::from(DbError::Other("database closed".into())))?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.read_on(&inner.idle, &inner.target, f).0)
            .await
            .map_err(|e| E::from(DbError::Other(format!("read task failed: {e}"))))?
    }

    /// Runs `f`, a read of what the public may see, on the hot standby while its replay is
    /// within the bound `use_replica` set (checked every second), else as [`Db::read`]. When
    /// `f` fails there, it runs again on the primary, whose answer stands: a standby that died
    /// (marked behind until its watch finds it back), a query it cancelled for its replay, or
    /// an answer that is an error anyway (a TPS not registered) — the reader sees no error of
    /// the standby's. `f` must only read (a standby refuses writes).
    pub async fn read_public<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
        F: FnOnce(&mut Conn) -> Result<T, E> + Clone + Send + 'static,
    {
        let Some(replica) = self.inner.replica.get().filter(|r| r.fresh()).cloned() else {
            return self.read(f).await;
        };
        let Ok(permit) = replica.readers.try_acquire() else {
            return self.read(f).await;
        };
        let inner = self.inner.clone();
        let on_standby = {
            let replica = replica.clone();
            tokio::task::spawn_blocking(move || {
                let again = f.clone();
                match inner.read_on(&replica.idle, &replica.target, f) {
                    (Ok(out), _) => Ok(out),
                    (Err(_), lost) => {
                        if lost {
                            replica.judge(false, std::time::Instant::now());
                        }
                        replica.failed(lost);
                        Err(again)
                    }
                }
            })
            .await
        };
        drop(permit);
        match on_standby {
            Ok(Ok(out)) => Ok(out),
            // Again on the primary, under its own permits.
            Ok(Err(again)) => self.read(again).await,
            Err(e) => Err(E::from(DbError::Other(format!("read task failed: {e}")))),
        }
    }

    /// Lets the public's reads (`read_public`) use the hot standby at `url` while its replay
    /// is at most `max_lag` behind. A thread of its own asks both servers every second; until
    /// the standby answers, and whenever it falls behind or either cannot be asked, those reads
    /// go to the primary. PostgreSQL only.
    pub fn use_replica(&self, url: &str, max_lag: Duration) -> Result<(), DbError> {
        let target = Target::parse(url)?;
        if self.inner.backend != Backend::Postgres || !matches!(target, Target::Postgres(_)) {
            return Err(DbError::Other("a replica is a PostgreSQL standby of a PostgreSQL database".into()));
        }
        let replica = Arc::new(Replica {
            target: Target::Postgres(bounded(url)),
            idle: Mutex::new(Vec::new()),
            fresh_until: std::sync::atomic::AtomicU64::new(0),
            born: std::time::Instant::now(),
            readers: Semaphore::new(REPLICA_READERS),
            warned: Mutex::new(None),
        });
        if self.inner.replica.set(replica.clone()).is_err() {
            return Err(DbError::Other("the replica is already set".into()));
        }
        std::thread::Builder::new()
            .name("sinergi-replica".into())
            .spawn({
                let primary = self.inner.target.clone();
                move || replica.watch(primary, max_lag)
            })
            .map_err(|e| DbError::Other(format!("cannot start the replica's watch: {e}")))?;
        Ok(())
    }

    /// Runs `f` inside the writer's transaction; resolves once the transaction has committed.
    /// An error from `f` rolls back what `f` did and nothing else.
    pub async fn write<T, E>(&self, f: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            let out = f(conn);
            let keep = out.is_ok();
            let reply: Reply = Box::new(move |commit| {
                let _ = tx.send(match commit {
                    Ok(()) => out,
                    Err(e) => Err(E::from(DbError::Other(e))),
                });
            });
            (keep, reply)
        });
        self.inner
            .writer
            .lock()
            .map_err(|_| E::from(DbError::Other("writer lock poisoned".into())))?
            .send(Task::Job(job))
            .map_err(|_| E::from(DbError::Other("the writer has stopped".into())))?;
        rx.await
            .map_err(|_| E::from(DbError::Other("the writer dropped the job".into())))?
    }

    /// Hands `item` to the writer, to run with the other items of its kind in the next group
    /// commit ([`Batch`]); resolves with its outcome once that group has committed.
    pub async fn write_batched<B: Batch>(&self, item: B) -> Result<B::Output, DbError> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .writer
            .lock()
            .map_err(|_| DbError::Other("writer lock poisoned".into()))?
            .send(Task::Item(Box::new(Item { item, reply: tx })))
            .map_err(|_| DbError::Other("the writer has stopped".into()))?;
        rx.await.map_err(|_| DbError::Other("the writer dropped the job".into()))?
    }

    /// Runs `f` in a transaction of its own beside the writer, for background work that must
    /// neither wait behind this server's request writes nor hold them up (the results log's
    /// sequencer). Only PostgreSQL takes writers side by side; on SQLite it goes through the
    /// writer like any write.
    pub async fn write_apart<T, E>(&self, f: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        if self.inner.backend == Backend::Sqlite {
            return self.write(f).await;
        }
        self.read(move |conn| {
            conn.begin()?;
            let out = f(conn);
            let end = if out.is_ok() { conn.batch("COMMIT") } else { conn.batch("ROLLBACK") };
            match (out, end) {
                (Ok(v), Ok(())) => Ok(v),
                (Ok(_), Err(e)) => {
                    // The pooled connection must not stay inside a failed transaction.
                    let _ = conn.batch("ROLLBACK");
                    Err(E::from(e))
                }
                (Err(e), _) => Err(e),
            }
        })
        .await
    }
}

/// Copies the WAL back into the database file beside the writer (a passive checkpoint never
/// blocks it), until the returned sender is dropped.
fn start_checkpointer(path: String) -> Result<mpsc::Sender<()>, DbError> {
    let (stop, stopped) = mpsc::channel::<()>();
    let conn = rusqlite::Connection::open(&path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    std::thread::Builder::new()
        .name("sinergi-checkpoint".into())
        .spawn(move || {
            // Idle, it looks five times a second; while frames keep coming it copies them
            // back at once, so the writer seldom reaches its own 64 MiB limit.
            let mut pause = Duration::from_millis(200);
            while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(pause) {
                match conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| Ok((r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))) {
                    Ok((log, done)) if log > done => pause = Duration::from_millis(2),
                    Ok((log, _)) if log > 1024 => pause = Duration::from_millis(10),
                    Ok(_) => pause = Duration::from_millis(200),
                    Err(e) => {
                        tracing::warn!("WAL checkpoint failed: {e}");
                        pause = Duration::from_millis(200);
                    }
                }
            }
        })
        .map_err(|e| DbError::Other(format!("cannot start the checkpoint thread: {e}")))?;
    Ok(stop)
}

/// The channel the writers of every server notify after a commit that changed something.
const CHANGES_CHANNEL: &str = "sinergi_changes";
/// What `Db::dropped_caches` hears after the listener lost its connection: every cache.
pub const ALL_CACHES: &str = "*";

/// The channel a commit names the caches it made stale on (`Conn::drop_cache_everywhere`).
const CACHES_CHANNEL: &str = "sinergi_caches";

/// Listens on a connection of its own for the other servers' commits and bumps `changes` (or
/// `dropped`) for each; reconnects after a lost connection. A change missed meanwhile shows at
/// the next one; a cache drop missed meanwhile is all of them dropped, as the reconnection may
/// have hidden any.
fn listen_for_changes(url: String, changes: Changes, dropped: Dropped) {
    let spawned = std::thread::Builder::new().name("sinergi-listen".into()).spawn(move || {
        let mut first = true;
        loop {
            match postgres::Client::connect(&url, postgres::NoTls).and_then(|mut c| c.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}; LISTEN {CACHES_CHANNEL}")).map(|()| c)) {
                Ok(mut client) => {
                    use fallible_iterator::FallibleIterator;
                    if !std::mem::take(&mut first) {
                        let _ = dropped.send(Arc::from(ALL_CACHES));
                        changes.send(Arc::new(Touched::Everything));
                    }
                    let mut n = client.notifications();
                    let mut it = n.blocking_iter();
                    loop {
                        match it.next() {
                            // No page or cache listening is not an error.
                            Ok(Some(n)) if n.channel() == CACHES_CHANNEL => {
                                let _ = dropped.send(Arc::from(n.payload()));
                            }
                            Ok(Some(n)) => {
                                let (origin, touched) = n.payload().split_once(':').unwrap_or(("", n.payload()));
                                if origin.parse::<u64>().ok() != Some(changes.origin) {
                                    changes.send(Arc::new(Touched::from_payload(touched)));
                                }
                            }
                            Ok(None) => break,
                            Err(e) => {
                                tracing::warn!("listening for changes failed: {e}");
                                break;
                            }
                        }
                    }
                }
                Err(e) => tracing::warn!("cannot listen for changes: {e}"),
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
    if let Err(e) = spawned {
        tracing::error!("cannot start the change listener: {e}");
    }
}

/// Writers on PostgreSQL on this server.
const PG_WRITERS: usize = 2;

/// What the writer threads share: the queue each takes its next group from, and the lock that
/// lets groups of batch items only (election night's C.Hasil) run side by side, while a group
/// holding any other job runs alone, as with one writer. Batch items are written to be safe
/// beside other groups, which they must be anyway beside another server's: a group locks the
/// TPS results it writes first, in key order (`Conn::lock_keys`), the shared rows (aggregates,
/// then the audit head) last and in one order ([`Deferred::LAST`]).
struct Writers {
    queue: Mutex<mpsc::Receiver<Task>>,
    groups: std::sync::RwLock<()>,
}

impl Writers {
    /// The next group's tasks, as many as wait (up to `MAX_GROUP`); None once the queue closed.
    fn next_group(&self) -> Option<Vec<Task>> {
        let rx = self.queue.lock().ok()?;
        let mut tasks = vec![rx.recv().ok()?];
        while tasks.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(j) => tasks.push(j),
                Err(_) => break,
            }
        }
        Some(tasks)
    }
}

fn writer_loop(mut conn: Conn, target: Target, writers: &Writers, changes: Changes) {
    while let Some(tasks) = writers.next_group() {
        let items_only = tasks.iter().all(|t| matches!(t, Task::Item(_)));
        // A poisoned lock only means another writer panicked outside a job; go on.
        let _beside_others = items_only.then(|| writers.groups.read().unwrap_or_else(std::sync::PoisonError::into_inner));
        let _alone = (!items_only).then(|| writers.groups.write().unwrap_or_else(std::sync::PoisonError::into_inner));
        let jobs = gather(tasks);
        let mut replies: Vec<Reply> = Vec::with_capacity(jobs.len());
        if let Err(e) = conn.begin() {
            // A lost PostgreSQL connection is replaced; the callers of this group see an error
            // (their jobs are dropped unrun) and may retry.
            tracing::error!("cannot begin a write transaction: {e}");
            drop(jobs);
            match target.connect() {
                Ok(c) => conn = c,
                Err(e) => tracing::error!("reconnecting the writer failed: {e}"),
            }
            continue;
        }
        // A job alone needs no savepoint: when it fails, the whole transaction is rolled back.
        // This keeps a large job (an import) from paying for a savepoint journal.
        let alone = jobs.len() == 1;
        let mut roll_back_all = false;
        let mut touched = Touched::Nothing;
        conn.deferred = Deferrals::default();
        for job in jobs {
            // What a job touched, and what it deferred, counts only if it is kept.
            conn.touched = Touched::Nothing;
            conn.deferred.job.clear();
            if !alone
                && let Err(e) = conn.control("SAVEPOINT job") {
                    // The job is dropped unrun; its caller sees an error.
                    tracing::error!("savepoint failed: {e}");
                    continue;
                }
            match std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut conn))) {
                Ok((keep, reply)) if alone => {
                    roll_back_all = !keep;
                    if keep {
                        touched.merge(std::mem::take(&mut conn.touched));
                        conn.deferred.keep_job();
                    }
                    replies.push(reply);
                }
                Ok((keep, reply)) => {
                    if keep {
                        touched.merge(std::mem::take(&mut conn.touched));
                    }
                    let end = if keep { conn.control("RELEASE SAVEPOINT job") } else { conn.batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job") };
                    if let Err(e) = end {
                        tracing::error!("ending a savepoint failed: {e}");
                        reply(Err(format!("ending the savepoint failed: {e}")));
                        continue;
                    }
                    if keep {
                        conn.deferred.keep_job();
                    }
                    replies.push(reply);
                }
                Err(_) => {
                    tracing::error!("a write job panicked; it was rolled back");
                    if alone {
                        roll_back_all = true;
                    } else {
                        let _ = conn.batch("ROLLBACK TO SAVEPOINT job; RELEASE SAVEPOINT job");
                    }
                }
            }
        }
        // The group's deferred writes, summed over its kept jobs, go in last.
        let flushed = if roll_back_all { Ok(()) } else { conn.flush_deferred().map_err(|e| format!("writing the group's deferred changes failed: {e}")) };
        conn.deferred = Deferrals::default();
        let commit = if roll_back_all {
            // The failed job's reply carries its own error.
            let _ = conn.batch("ROLLBACK");
            Ok(())
        } else if let Err(e) = flushed {
            tracing::error!("{e}; the group is rolled back");
            let _ = conn.batch("ROLLBACK");
            Err(e)
        } else {
            // The other servers hear of the change when it commits, not before.
            if touched != Touched::Nothing
                && conn.backend() == Backend::Postgres
                && let Err(e) = conn.batch(&format!("NOTIFY {CHANGES_CHANNEL}, '{}:{}'", changes.origin, touched.payload()))
            {
                tracing::warn!("cannot notify the other servers: {e}");
            }
            let c = conn.batch("COMMIT").map_err(|e| e.to_string());
            if c.is_err() {
                let _ = conn.batch("ROLLBACK");
            }
            c
        };
        if touched != Touched::Nothing && !roll_back_all {
            // A COMMIT whose answer was lost may have committed: the pages and the public
            // cache hear of everything (the listener skips this server's own notice).
            changes.send(Arc::new(if commit.is_ok() { touched } else { Touched::Everything }));
        }
        for reply in replies {
            reply(commit.clone());
        }
    }
}

/// The rows of `head` (ending in `… IN`, as if it were followed by the list) for these keys,
/// in no promised order. `fixed` are the parameters `head` names before the list ($1…).
///
/// It is asked as one SELECT per key joined by UNION ALL (`… AND col = $k`), 128 keys per
/// statement, not as an IN list: an equality on the whole of an index is looked up in it
/// whatever the planner believes of the table, while PostgreSQL 15 prices an IN list as one
/// index descent per key and, on statistics taken while the table was nearly empty (election
/// night starts with empty result tables), scanned every row of the election instead (30–50 ms
/// per group). The list is padded to a power of two with NULL (which equals nothing), so that
/// a group commit's varying count makes at most eight statements to prepare and keep.
pub fn query_in(conn: &mut Conn, head: &str, fixed: &[Value], keys: &[Value]) -> Result<Vec<Row>, DbError> {
    let base = head.trim_end().strip_suffix("IN").ok_or_else(|| DbError::Other(format!("query_in: {head:?} does not end in IN")))?;
    let mut rows = Vec::new();
    for chunk in keys.chunks(128) {
        let width = chunk.len().next_power_of_two();
        let branches: Vec<String> = (fixed.len() + 1..=fixed.len() + width).map(|i| format!("{base} = ${i}")).collect();
        let mut params = fixed.to_vec();
        params.extend_from_slice(chunk);
        params.resize(fixed.len() + width, Value::Null);
        rows.extend(conn.query(&branches.join(" UNION ALL "), &params)?);
    }
    Ok(rows)
}

/// Inserts many rows with multi-row statements of `CHUNK` rows (the rest in power-of-two
/// parts). `head` is `INSERT INTO t (a, b, c)`; `tail` is appended to every statement (an ON
/// CONFLICT clause).
pub fn insert_rows<I>(conn: &mut Conn, head: &str, columns: usize, tail: &str, rows: I) -> Result<u64, DbError>
where
    I: IntoIterator<Item = Vec<Value>>,
{
    let mut changed = 0u64;
    insert_chunks(conn, head, columns, tail, rows, |c, sql, params| {
        changed += c.execute(sql, params)?;
        Ok(())
    })?;
    Ok(changed)
}

/// [`insert_rows`] with a `RETURNING …` tail: the rows it returns, in no promised order (name
/// a column that tells them apart).
pub fn insert_rows_returning<I>(conn: &mut Conn, head: &str, columns: usize, returning: &str, rows: I) -> Result<Vec<Row>, DbError>
where
    I: IntoIterator<Item = Vec<Value>>,
{
    let mut out = Vec::new();
    insert_chunks(conn, head, columns, returning, rows, |c, sql, params| {
        out.extend(c.query(sql, params)?);
        Ok(())
    })?;
    Ok(out)
}

thread_local! {
    /// The text of each multi-row INSERT made, by its shape: the writer makes the same few
    /// every group commit, and writing out a statement's thousands of placeholders took 1.6 %
    /// of the server's time on election night.
    static STATEMENTS: std::cell::RefCell<std::collections::HashMap<(Backend, String, usize, usize, String), std::rc::Rc<str>>> = Default::default();
}

/// `head VALUES ($1,…),(…) tail` for `n` rows of `columns` values, made once per shape and
/// thread.
fn multi_row_statement(backend: Backend, head: &str, columns: usize, n: usize, tail: &str) -> std::rc::Rc<str> {
    STATEMENTS.with(|m| {
        let key = (backend, head.to_string(), columns, n, tail.to_string());
        if let Some(sql) = m.borrow().get(&key) {
            return sql.clone();
        }
        // On SQLite a multi-row statement that could stop half way on a constraint keeps a
        // statement journal (a copy of every page it first touches) to undo its own rows; OR
        // FAIL keeps them instead. Nothing here needs the undo: a failed insert fails its job,
        // which the savepoint or the transaction rolls back whole (no caller goes on after a
        // failed insert).
        let head = match backend {
            Backend::Sqlite => std::borrow::Cow::Owned(head.replacen("INSERT INTO", "INSERT OR FAIL INTO", 1)),
            Backend::Postgres => std::borrow::Cow::Borrowed(head),
        };
        let mut sql = String::with_capacity(head.len() + tail.len() + n * columns * 6);
        sql.push_str(&head);
        sql.push_str(" VALUES ");
        for r in 0..n {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..columns {
                if c > 0 {
                    sql.push(',');
                }
                sql.push('$');
                sql.push_str(&(r * columns + c + 1).to_string());
            }
            sql.push(')');
        }
        sql.push(' ');
        sql.push_str(tail);
        let sql: std::rc::Rc<str> = sql.into();
        let mut m = m.borrow_mut();
        // Shapes are few (power-of-two row counts of a handful of inserts); dynamic heads are
        // bounded here.
        if m.len() >= 1024 {
            m.clear();
        }
        m.insert(key, sql.clone());
        sql
    })
}

fn insert_chunks<I>(conn: &mut Conn, head: &str, columns: usize, tail: &str, rows: I, mut run: impl FnMut(&mut Conn, &str, &[Value]) -> Result<(), DbError>) -> Result<(), DbError>
where
    I: IntoIterator<Item = Vec<Value>>,
{
    const CHUNK: usize = 256;
    let backend = conn.backend();
    let statement = |n: usize| multi_row_statement(backend, head, columns, n, tail);
    let mut params: Vec<Value> = Vec::with_capacity(CHUNK * columns);
    let mut n = 0usize;
    for row in rows {
        debug_assert_eq!(row.len(), columns);
        params.extend(row);
        n += 1;
        if n == CHUNK {
            run(conn, &statement(CHUNK), &params)?;
            params.clear();
            n = 0;
        }
    }
    // The rest goes in statements of power-of-two sizes (37 rows: 32, 4 and 1), so that a
    // caller whose row count varies with its group (every group commit) prepares at most nine
    // shapes of statement, kept by the statement caches, instead of one per count.
    let mut at = 0usize;
    let mut size = CHUNK;
    while at < n {
        size /= 2;
        if n - at >= size {
            run(conn, &statement(size), &params[at * columns..(at + size) * columns])?;
            at += size;
        }
    }
    Ok(())
}

/// A PostgreSQL database of a unit test's own, made on the server `SINERGI_TEST_PG` names and
/// dropped with it (FORCE: a dropped `Db`'s writer may still be closing its connection).
#[cfg(test)]
pub(crate) struct ScratchPg {
    admin: String,
    name: String,
    pub url: String,
}

#[cfg(test)]
impl ScratchPg {
    /// None, said on stderr, when `SINERGI_TEST_PG` is not set. The synchronous client must
    /// not run on an async worker: this runs on a thread of its own.
    pub(crate) fn create(prefix: &str) -> Option<ScratchPg> {
        let Ok(admin) = std::env::var("SINERGI_TEST_PG") else {
            eprintln!("skipped: SINERGI_TEST_PG is not set");
            return None;
        };
        let name = format!("sinergi_{prefix}_{}", std::process::id());
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("SINERGI_TEST_PG has no database part"),
        };
        let (a, n) = (admin.clone(), name.clone());
        std::thread::spawn(move || {
            let mut client = postgres::Client::connect(&a, postgres::NoTls).expect("connect");
            // Two statements: neither runs inside the transaction a multi-statement batch makes.
            client.batch_execute(&format!("DROP DATABASE IF EXISTS {n}")).expect("drop database");
            client.batch_execute(&format!("CREATE DATABASE {n}")).expect("create database");
        })
        .join()
        .expect("create the scratch database");
        Some(ScratchPg { admin, name, url })
    }
}

#[cfg(test)]
impl Drop for ScratchPg {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            if let Ok(mut client) = postgres::Client::connect(&admin, postgres::NoTls) {
                let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        })
        .join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_concerns_the_pages_of_its_region_and_above_only() {
        let mut t = Touched::Nothing;
        assert!(!t.concerns("35.76"), "nothing touched wakes no one");
        t.add("35.76.02.1008.001");
        assert!(t.concerns("35.76") && t.concerns("35.76.02") && t.concerns("35") && t.concerns("ID"));
        assert!(!t.concerns("35.17") && !t.concerns("35.76.01") && !t.concerns("35.7"), "a neighbour or a code prefix is not the region");
        let mut province = Touched::Nothing;
        province.add("35");
        assert!(province.concerns("35.76.02"), "a change above the region shows on its page");
        // Across servers: the payload names the same regions.
        assert_eq!(Touched::from_payload(&t.payload()), t);
        assert_eq!(Touched::from_payload(&Touched::Everything.payload()), Touched::Everything);
        // A bulk job becomes everything rather than a huge notice.
        let mut bulk = Touched::Nothing;
        (0..=TOUCHED_MAX).for_each(|i| bulk.add(&format!("35.76.02.1008.{i:03}")));
        assert_eq!(bulk, Touched::Everything);
    }

    /// A fresh SQLite database in a directory of its own, and a runtime to drive it.
    fn scratch(name: &str) -> (Db, tokio::runtime::Runtime, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("sinergi-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let db = Db::open(&format!("sqlite://{}", dir.join("t.db").display())).expect("open");
        let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        (db, rt, dir)
    }

    #[test]
    fn a_new_sqlite_database_has_small_pages_and_its_writer_a_small_cache() {
        let (db, rt, dir) = scratch("pages");
        let pragma = |c: &mut Conn, name: &str| -> Result<i64, DbError> { c.query_one(&format!("PRAGMA {name}"), &[])?.get(0) };
        let (page, writer_cache) = rt.block_on(db.write(move |c| Ok::<_, DbError>((pragma(c, "page_size")?, pragma(c, "cache_size")?)))).expect("writer");
        let reader_cache = rt.block_on(db.read(move |c| pragma(c, "cache_size"))).expect("reader");
        // 2 KiB pages halve what the WAL writes per form; the writer's small cache keeps
        // SQLite's walk of it at each commit short; the readers keep a large one.
        assert_eq!(page, 2048);
        assert_eq!(writer_cache, -8192);
        assert_eq!(reader_cache, -65536);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn placeholders_are_numbered_for_sqlite_outside_literals() {
        assert_eq!(sqlite_sql("SELECT $1, '$2', $10"), "SELECT ?1, '$2', ?10");
        assert_eq!(sqlite_sql("SELECT 1"), "SELECT 1");
    }

    /// A counter summed over a group and written at its end.
    #[derive(Default)]
    struct Bump(i64);

    impl Deferred for Bump {
        fn absorb(&mut self, later: Bump) {
            self.0 += later.0;
        }
        fn flush(self, conn: &mut Conn) -> Result<(), DbError> {
            conn.execute("UPDATE bumps SET n = n + $1, flushes = flushes + 1", &[Value::Int(self.0)])?;
            Ok(())
        }
    }

    #[test]
    fn deferred_work_counts_the_kept_jobs_of_a_group_once_and_rows_go_in_few_statements() {
        let (db, rt, dir) = scratch("deferred");
        rt.block_on(async {
            db.write(|c| c.batch("CREATE TABLE bumps (n INTEGER, flushes INTEGER); INSERT INTO bumps VALUES (0, 0); CREATE TABLE r (a INTEGER)")).await.expect("schema");
            // Twenty jobs queued at once (the writer groups what waits): each adds 1, but the
            // fifth fails and its 100 is dropped with it.
            let jobs = (0..20).map(|i| {
                db.write(move |c| {
                    c.defer::<Bump>().0 += if i == 4 { 100 } else { 1 };
                    if i == 4 { Err(DbError::Other("refused".into())) } else { Ok(()) }
                })
            });
            let outcomes = futures_util::future::join_all(jobs).await;
            assert_eq!(outcomes.iter().filter(|o| o.is_err()).count(), 1);
            let (n, flushes) = db.read(|c| c.query_one("SELECT n, flushes FROM bumps", &[]).and_then(|r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)))).await.expect("read");
            assert_eq!(n, 19, "the rolled-back job's part is dropped");
            assert!(flushes < 19, "written once per group, not once per job ({flushes} flushes)");
            // A failing flush fails the whole group: nothing of it is committed.
            #[derive(Default)]
            struct Broken;
            impl Deferred for Broken {
                fn absorb(&mut self, _: Broken) {}
                fn flush(self, _: &mut Conn) -> Result<(), DbError> {
                    Err(DbError::Other("no".into()))
                }
            }
            let r = db.write(|c| {
                c.execute("INSERT INTO r VALUES (1)", &[])?;
                c.defer::<Broken>();
                Ok::<_, DbError>(())
            });
            assert!(r.await.is_err(), "the caller hears that its group failed");
            let rows = db.read(|c| c.query_one("SELECT COUNT(*) FROM r", &[]).and_then(|r| r.get::<i64>(0))).await.expect("count");
            assert_eq!(rows, 0);
            // 37 rows: 32 + 4 + 1, three statements, all inserted.
            let n = db.write(|c| insert_rows(c, "INSERT INTO r (a)", 1, "", (0..37).map(|i| vec![Value::Int(i)]))).await.expect("insert");
            assert_eq!(n, 37);
            let sum = db.read(|c| c.query_one("SELECT COUNT(*), SUM(a) FROM r", &[]).and_then(|r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)))).await.expect("sum");
            assert_eq!(sum, (37, (0..37).sum()));
        });
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A part that takes a row every group takes is written last in its group, whichever part
    /// the group's jobs deferred first: every group then locks the shared rows in one order.
    #[test]
    fn a_part_marked_last_is_written_after_the_others() {
        #[derive(Default)]
        struct Head;
        #[derive(Default)]
        struct Sums;
        fn note(c: &mut Conn, what: &str) -> Result<(), DbError> {
            c.execute("INSERT INTO flushed (what) VALUES ($1)", &[Value::from(what)]).map(|_| ())
        }
        impl Deferred for Head {
            const LAST: bool = true;
            fn absorb(&mut self, _: Head) {}
            fn flush(self, c: &mut Conn) -> Result<(), DbError> {
                note(c, "head")
            }
        }
        impl Deferred for Sums {
            fn absorb(&mut self, _: Sums) {}
            fn flush(self, c: &mut Conn) -> Result<(), DbError> {
                note(c, "sums")
            }
        }
        let (db, rt, dir) = scratch("last");
        rt.block_on(async {
            db.write(|c| c.batch("CREATE TABLE flushed (n INTEGER PRIMARY KEY AUTOINCREMENT, what TEXT)")).await.expect("schema");
            db.write(|c| {
                c.defer::<Head>();
                c.defer::<Sums>();
                Ok::<_, DbError>(())
            })
            .await
            .expect("write");
            let order = db.read(|c| c.query("SELECT what FROM flushed ORDER BY n", &[])?.iter().map(|r| r.get::<String>(0)).collect::<Result<Vec<_>, _>>()).await.expect("read");
            assert_eq!(order, ["sums", "head"]);
        });
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// On PostgreSQL a group of batch items runs beside another such group (a second writer
    /// takes it while the first is still busy), and a group with any other job runs alone.
    #[test]
    fn on_postgres_groups_of_items_run_side_by_side_and_other_jobs_alone() {
        use std::sync::mpsc::{Receiver, Sender, channel};
        use std::sync::atomic::{AtomicBool, Ordering};
        static FIRST_DONE: AtomicBool = AtomicBool::new(false);
        /// The first item tells the test it started, waits (10 s at most) for the second, which
        /// can only come from another writer's group, then for the test's go.
        enum Meet {
            First { started: Sender<()>, second: Receiver<()>, go: Receiver<()> },
            Second(Sender<()>),
        }
        impl Batch for Meet {
            type Output = bool;
            fn run(_: &mut Conn, items: Vec<Meet>) -> Result<Vec<bool>, DbError> {
                let wait = |rx: Receiver<()>| rx.recv_timeout(Duration::from_secs(10)).is_ok();
                Ok(items
                    .into_iter()
                    .map(|m| match m {
                        Meet::First { started, second, go } => {
                            let _ = started.send(());
                            let met = wait(second);
                            let went = wait(go);
                            FIRST_DONE.store(true, Ordering::SeqCst);
                            met && went
                        }
                        Meet::Second(tx) => tx.send(()).is_ok(),
                    })
                    .collect())
            }
        }
        let Some(pg) = ScratchPg::create("writers") else {
            return;
        };
        let db = Db::open(&pg.url).expect("open");
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        rt.block_on(async {
            let (started_tx, started) = channel();
            let (second_tx, second) = channel();
            let (go_tx, go) = channel();
            let first = tokio::spawn({
                let db = db.clone();
                async move { db.write_batched(Meet::First { started: started_tx, second, go }).await }
            });
            tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(10))).await.expect("join").expect("the first item started");
            assert!(db.write_batched(Meet::Second(second_tx)).await.expect("second"), "the second item ran while the first group was busy");
            // A job sent while the first group is busy waits for it to end: given the time to
            // run (it would see the first item unfinished), it has not.
            let job = tokio::spawn({
                let db = db.clone();
                async move { db.write(|_| Ok::<_, DbError>(FIRST_DONE.load(Ordering::SeqCst))).await }
            });
            tokio::time::sleep(Duration::from_millis(300)).await;
            go_tx.send(()).expect("go");
            assert!(first.await.expect("join").expect("first"), "the first item met the second");
            assert!(job.await.expect("join").expect("job"), "the job ran only after the first group ended");
        });
        let close = std::thread::spawn(move || {
            drop(db);
            drop(rt);
            drop(pg);
        });
        close.join().expect("cleanup");
    }

    /// Items that wait while the writer is busy run as one job in its next group, each with its
    /// own answer; a batch that fails fails each of its items and nothing else of the group.
    #[test]
    fn batch_items_of_a_group_run_together() {
        struct Add(i64);
        impl Batch for Add {
            /// The item's value and how many items its batch held.
            type Output = (i64, usize);
            fn run(conn: &mut Conn, items: Vec<Add>) -> Result<Vec<(i64, usize)>, DbError> {
                insert_rows(conn, "INSERT INTO r (a)", 1, "", items.iter().map(|a| vec![Value::Int(a.0)]))?;
                if items.iter().any(|a| a.0 < 0) {
                    return Err(DbError::Other("negative".into()));
                }
                let n = items.len();
                Ok(items.into_iter().map(|a| (a.0, n)).collect())
            }
        }
        let (db, rt, dir) = scratch("batch");
        rt.block_on(async {
            db.write(|c| c.batch("CREATE TABLE r (a INTEGER)")).await.expect("schema");
            for round in [[1i64, 2, 3, 4, 5, 6, 7, 8], [11, 12, 13, -1, 15, 16, 17, 18]] {
                // The writer is held busy until every item is queued.
                let (started, wait) = std::sync::mpsc::channel();
                let mut hold = Box::pin(db.write(move |_| {
                    let _ = started.send(());
                    std::thread::sleep(Duration::from_millis(200));
                    Ok::<_, DbError>(())
                }));
                // Polled once: the job is sent.
                let pending = std::future::poll_fn(|cx| std::task::Poll::Ready(std::future::Future::poll(hold.as_mut(), cx).is_pending())).await;
                assert!(pending);
                wait.recv().expect("the writer started");
                let items = futures_util::future::join_all(round.iter().map(|&v| db.write_batched(Add(v))));
                let plain = db.write(|c| c.execute("INSERT INTO r (a) VALUES (100)", &[]));
                let (held, outcomes, plain) = tokio::join!(hold, items, plain);
                held.expect("held");
                plain.expect("a plain job of the group is kept");
                if round.contains(&-1) {
                    assert!(outcomes.iter().all(|o| o.as_ref().is_err_and(|e| e.to_string().contains("negative"))), "{outcomes:?}");
                } else {
                    let got: Vec<(i64, usize)> = outcomes.into_iter().map(|o| o.expect("item")).collect();
                    assert_eq!(got, round.iter().map(|&v| (v, 8)).collect::<Vec<_>>(), "one batch of eight, answers in order");
                }
            }
            let (n, sum) = db.read(|c| c.query_one("SELECT COUNT(*), SUM(a) FROM r", &[]).and_then(|r| Ok((r.get::<i64>(0)?, r.get::<i64>(1)?)))).await.expect("sum");
            assert_eq!((n, sum), (10, 36 + 200), "the failed batch left nothing");
        });
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn urls_select_the_engine() {
        assert!(matches!(Target::parse("sqlite://x.db"), Ok(Target::Sqlite(p)) if p == "x.db"));
        assert!(matches!(Target::parse("postgres://u@h/db"), Ok(Target::Postgres(_))));
        assert!(Target::parse("mysql://h/db").is_err());
    }
}
