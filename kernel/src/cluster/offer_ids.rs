//! Offer ids among several nodes: drawn from one database sequence, so an
//! offer made on any node has an id no other open offer has — a console
//! answers by id alone, and plugins key their records by it.

use sqlx::PgPool;

use super::ClusterError;
use crate::storage::PostgresStorage;

pub struct OfferIds {
    pool: PgPool,
}

impl OfferIds {
    pub fn new(storage: &PostgresStorage) -> OfferIds {
        OfferIds {
            pool: storage.pool().clone(),
        }
    }

    /// The next id (1 to `u32::MAX`, starting again after the last).
    pub async fn next(&self) -> Result<u32, ClusterError> {
        let id: i64 = sqlx::query_scalar("SELECT nextval('offer_ids')")
            .fetch_one(&self.pool)
            .await
            .map_err(|error| ClusterError::Registry(format!("drawing an offer id: {error}")))?;
        u32::try_from(id)
            .map_err(|_| ClusterError::Registry(format!("offer id {id} is out of range")))
    }
}
