//! Demo cases (filled in below).
use crate::platform::db::Conn;
use crate::platform::error::AppError;

pub fn load(_conn: &mut Conn) -> Result<(), AppError> {
    Ok(())
}
