//! What the fuzz targets share: a request accepted by the kernel's decoder
//! is well formed, so encoding it and decoding it again gives it back.

use tether_protocol::{RequestSet, decode, encode};

/// Decodes `data` as a request of `T`'s role; when accepted, it must
/// survive a round trip unchanged. Refusals are fine; panics are bugs.
pub fn decode_round_trips<T>(data: &[u8])
where
    T: RequestSet + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(request) = decode::<T>(text) else {
        return;
    };
    let again = encode(request.id, &request.message);
    let decoded = decode::<T>(&again).expect("a re-encoded request decodes");
    assert_eq!(decoded.message, request.message);
}
