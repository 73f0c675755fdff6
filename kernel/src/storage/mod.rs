//! Storage behind traits. This module holds the in-memory plugin key/value
//! store; the database-backed implementations live beside it.

mod memory;

pub use memory::MemoryKv;
