//! Agent calls that carry files (plugin API 0.3): a script and its input
//! file go to the agent as binary frames beside the call, never encoded
//! inside its JSON input. A file of the plugin's own store is best named
//! by its key ([`CallFile::Stored`]): the kernel reads it and sends it on,
//! so its bytes never pass through the plugin at all.

pub use crate::bindings::v0_3::agent_files::CallFile;
pub use tether_protocol::file_frame::{MAX_CALL_FILE_BYTES, MAX_CALL_FILES};

use super::agent::AgentError;
use super::raw;
use crate::Capability;

/// Calls `capability` with a JSON `input` and `files`, in order (at most
/// [`MAX_CALL_FILES`], each at most [`MAX_CALL_FILE_BYTES`]); returns the
/// agent's JSON output. The input says what each file is, by its place in
/// `files`. Needs what [`super::agent::call`] needs: a live consent grant.
pub fn call_with_files(
    session: &str,
    participant: &str,
    capability: Capability,
    input: &str,
    files: &[CallFile],
) -> Result<String, AgentError> {
    raw::agent_files::call_with_files(session, participant, capability.as_str(), input, files)
}

/// [`call_with_files`] by name, for a name this SDK does not know.
pub fn call_with_files_by_name(
    session: &str,
    participant: &str,
    capability: &str,
    input: &str,
    files: &[CallFile],
) -> Result<String, AgentError> {
    raw::agent_files::call_with_files(session, participant, capability, input, files)
}
