//! File frames: the files an agent call carries (a script and its input
//! file), sent by the kernel to the agent as binary WebSocket frames
//! instead of being encoded inside the call's JSON.
//!
//! The kernel sends the call's `agent.call` message first; its `files`
//! field names how many files follow and the size of each
//! ([`AttachedFile`]). Then comes one binary frame per file, in the call's
//! order, on the same socket. Only the kernel sends them, only to agents:
//! the kernel refuses a file frame from any client, and the agent refuses a
//! frame it does not expect (a call it is not waiting for, a file out of
//! order or of another size than announced, a malformed header) with an
//! error to the calling plugin, writing and running nothing.
//!
//! Every file frame is one header and the file's bytes:
//!
//! | bytes | field | meaning |
//! |---|---|---|
//! | 0 | tag | [`FILE_FRAME_TAG`]: never the first byte of a stream frame (see [`crate::stream`], whose first byte is its version, a small number) |
//! | 1 | version | [`FILE_FRAME_VERSION`] |
//! | 2 | index | the file's place in its call, from 0, below [`MAX_CALL_FILES`] |
//! | 3 | id length | length of the call's id, 1 to [`MAX_CALL_ID_BYTES`] |
//! | 4… | call | the call's id (`agent.call`'s `call`), printable ASCII |
//! | … | file | the file's bytes, at most [`MAX_CALL_FILE_BYTES`] |

use serde::{Deserialize, Serialize};

/// First byte of every file frame.
pub const FILE_FRAME_TAG: u8 = 0xF1;
/// The header layout this crate speaks.
pub const FILE_FRAME_VERSION: u8 = 1;
/// Bytes of the header before the call's id.
pub const FILE_HEADER_FIXED_BYTES: usize = 4;
/// Most files one call carries.
pub const MAX_CALL_FILES: usize = 4;
/// Largest file a call carries (a script or an input file is at most
/// 1 MB).
pub const MAX_CALL_FILE_BYTES: usize = 1024 * 1024;
/// Longest call id a file frame names.
pub const MAX_CALL_ID_BYTES: usize = 64;

/// One file that follows an `agent.call` as a file frame: its size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct AttachedFile {
    /// The file's size in bytes, at most [`MAX_CALL_FILE_BYTES`].
    pub bytes: u32,
}

/// Why a call's announced files, or a file frame, were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileFrameError {
    #[error("a call carries at most {MAX_CALL_FILES} files; this one has {0}")]
    TooManyFiles(usize),
    #[error("a file frame has a header of at least 5 bytes; this one has {0} bytes")]
    TooShort(usize),
    #[error("this binary frame is no file frame (its first byte is {0:#04x})")]
    NotAFileFrame(u8),
    #[error("file frame version {0} is not spoken here (this is {FILE_FRAME_VERSION})")]
    Version(u8),
    #[error("a file frame's call id is 1 to {MAX_CALL_ID_BYTES} bytes; this one says {0}")]
    CallIdLength(usize),
    #[error("a file frame's call id is printable ASCII")]
    CallIdNotPrintable,
    #[error("file {index} is {size} bytes; a file is at most {MAX_CALL_FILE_BYTES}")]
    FileTooLarge { index: usize, size: usize },
}

/// One decoded file frame; the call id and the file borrow the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileFrame<'a> {
    /// The call it belongs to.
    pub call: &'a str,
    /// Its place among the call's files, from 0.
    pub index: usize,
    pub file: &'a [u8],
}

/// Whether a binary frame is a file frame (and so no stream frame), by its
/// first byte: what the kernel refuses from clients, and what the agent
/// reads as a call's file.
pub fn is_file_frame(bytes: &[u8]) -> bool {
    bytes.first() == Some(&FILE_FRAME_TAG)
}

/// How many files one call may carry: the rule the kernel, the SDK's
/// harness and the agent share.
pub fn check_file_count(count: usize) -> Result<(), FileFrameError> {
    if count > MAX_CALL_FILES {
        return Err(FileFrameError::TooManyFiles(count));
    }
    Ok(())
}

/// How large file `index` of a call may be (shared as
/// [`check_file_count`]).
pub fn check_file_size(index: usize, size: usize) -> Result<(), FileFrameError> {
    if size > MAX_CALL_FILE_BYTES {
        return Err(FileFrameError::FileTooLarge { index, size });
    }
    Ok(())
}

/// Checks the files an `agent.call` announces: how many, and each one's
/// size.
pub fn check_announced(files: &[AttachedFile]) -> Result<(), FileFrameError> {
    check_file_count(files.len())?;
    for (index, file) in files.iter().enumerate() {
        check_file_size(index, file.bytes as usize)?;
    }
    Ok(())
}

impl<'a> FileFrame<'a> {
    /// Decodes and checks one binary frame.
    pub fn decode(bytes: &'a [u8]) -> Result<FileFrame<'a>, FileFrameError> {
        let Some((header, rest)) = bytes.split_first_chunk::<FILE_HEADER_FIXED_BYTES>() else {
            return Err(FileFrameError::TooShort(bytes.len()));
        };
        let [tag, version, index, id_length] = *header;
        if tag != FILE_FRAME_TAG {
            return Err(FileFrameError::NotAFileFrame(tag));
        }
        if version != FILE_FRAME_VERSION {
            return Err(FileFrameError::Version(version));
        }
        let index = usize::from(index);
        if index >= MAX_CALL_FILES {
            return Err(FileFrameError::TooManyFiles(index + 1));
        }
        let id_length = usize::from(id_length);
        if id_length == 0 || id_length > MAX_CALL_ID_BYTES {
            return Err(FileFrameError::CallIdLength(id_length));
        }
        let Some((call, file)) = rest.split_at_checked(id_length) else {
            return Err(FileFrameError::TooShort(bytes.len()));
        };
        if !call.iter().all(u8::is_ascii_graphic) {
            return Err(FileFrameError::CallIdNotPrintable);
        }
        // Printable ASCII is UTF-8.
        let call = std::str::from_utf8(call).map_err(|_| FileFrameError::CallIdNotPrintable)?;
        if file.len() > MAX_CALL_FILE_BYTES {
            return Err(FileFrameError::FileTooLarge {
                index,
                size: file.len(),
            });
        }
        Ok(FileFrame { call, index, file })
    }

    /// The frame's header: everything before the file.
    pub fn header(call: &str, index: usize) -> Result<Vec<u8>, FileFrameError> {
        if index >= MAX_CALL_FILES {
            return Err(FileFrameError::TooManyFiles(index + 1));
        }
        if call.is_empty() || call.len() > MAX_CALL_ID_BYTES {
            return Err(FileFrameError::CallIdLength(call.len()));
        }
        if !call.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(FileFrameError::CallIdNotPrintable);
        }
        let mut header = Vec::with_capacity(FILE_HEADER_FIXED_BYTES + call.len());
        // Both fit in a byte: checked above.
        header.extend_from_slice(&[
            FILE_FRAME_TAG,
            FILE_FRAME_VERSION,
            index as u8,
            call.len() as u8,
        ]);
        header.extend_from_slice(call.as_bytes());
        Ok(header)
    }

    /// Header and file, ready to send (one copy of the file).
    pub fn encode(&self) -> Result<Vec<u8>, FileFrameError> {
        if self.file.len() > MAX_CALL_FILE_BYTES {
            return Err(FileFrameError::FileTooLarge {
                index: self.index,
                size: self.file.len(),
            });
        }
        let mut bytes = FileFrame::header(self.call, self.index)?;
        bytes.reserve_exact(self.file.len());
        bytes.extend_from_slice(self.file);
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::stream::StreamFrame;

    fn frame(call: &str, index: usize, file: &[u8]) -> Vec<u8> {
        FileFrame { call, index, file }.encode().expect("encodes")
    }

    #[test]
    fn a_file_frame_round_trips_and_is_no_stream_frame() {
        let bytes = frame("call-0123456789abcdef", 1, b"#!/bin/sh\necho hi\n");
        assert!(is_file_frame(&bytes));
        assert_eq!(&bytes[..4], &[FILE_FRAME_TAG, FILE_FRAME_VERSION, 1, 21]);
        let decoded = FileFrame::decode(&bytes).expect("decodes");
        assert_eq!(decoded.call, "call-0123456789abcdef");
        assert_eq!(decoded.index, 1);
        assert_eq!(decoded.file, b"#!/bin/sh\necho hi\n");
        assert_eq!(decoded.encode().expect("encodes"), bytes);
        // An empty file and a file of the largest size are files too.
        assert_eq!(
            FileFrame::decode(&frame("c", 0, b"")).map(|f| f.file.len()),
            Ok(0)
        );
        let largest = vec![7u8; MAX_CALL_FILE_BYTES];
        assert_eq!(
            FileFrame::decode(&frame("c", MAX_CALL_FILES - 1, &largest)).map(|f| f.file.len()),
            Ok(MAX_CALL_FILE_BYTES)
        );
        // A stream frame's decoder refuses it by its first byte, and a
        // stream frame is no file frame.
        assert!(StreamFrame::decode(&bytes).is_err());
        assert!(!is_file_frame(&[1, 1, 0, 0, 0, 0, 0, 7, 0, 0, 0, 1]));
        assert!(!is_file_frame(&[]));
    }

    #[test]
    fn every_malformed_frame_is_refused_with_the_reason() {
        let good = frame("call-1", 0, b"file");
        let with = |index: usize, value: u8| {
            let mut bytes = good.clone();
            bytes[index] = value;
            bytes
        };
        let oversize = {
            let mut bytes = FileFrame::header("call-1", 2).expect("header");
            bytes.resize(bytes.len() + MAX_CALL_FILE_BYTES + 1, b'x');
            bytes
        };
        let cases: Vec<(Vec<u8>, FileFrameError)> = vec![
            (Vec::new(), FileFrameError::TooShort(0)),
            (good[..3].to_vec(), FileFrameError::TooShort(3)),
            (with(0, 1), FileFrameError::NotAFileFrame(1)),
            (with(1, 2), FileFrameError::Version(2)),
            (
                with(2, MAX_CALL_FILES as u8),
                FileFrameError::TooManyFiles(MAX_CALL_FILES + 1),
            ),
            (with(3, 0), FileFrameError::CallIdLength(0)),
            (
                with(3, MAX_CALL_ID_BYTES as u8 + 1),
                FileFrameError::CallIdLength(MAX_CALL_ID_BYTES + 1),
            ),
            // The id runs past the end of the frame.
            (good[..7].to_vec(), FileFrameError::TooShort(7)),
            (with(5, b' '), FileFrameError::CallIdNotPrintable),
            (with(6, 0xC3), FileFrameError::CallIdNotPrintable),
            (
                oversize,
                FileFrameError::FileTooLarge {
                    index: 2,
                    size: MAX_CALL_FILE_BYTES + 1,
                },
            ),
        ];
        for (bytes, expected) in cases {
            assert_eq!(FileFrame::decode(&bytes), Err(expected));
        }
    }

    #[test]
    fn what_cannot_be_decoded_is_never_encoded() {
        assert_eq!(
            FileFrame::header("", 0),
            Err(FileFrameError::CallIdLength(0))
        );
        assert_eq!(
            FileFrame::header(&"c".repeat(MAX_CALL_ID_BYTES + 1), 0),
            Err(FileFrameError::CallIdLength(MAX_CALL_ID_BYTES + 1))
        );
        assert_eq!(
            FileFrame::header("call 1", 0),
            Err(FileFrameError::CallIdNotPrintable)
        );
        assert_eq!(
            FileFrame::header("call-1", MAX_CALL_FILES),
            Err(FileFrameError::TooManyFiles(MAX_CALL_FILES + 1))
        );
        let too_large = vec![0u8; MAX_CALL_FILE_BYTES + 1];
        assert_eq!(
            FileFrame {
                call: "call-1",
                index: 0,
                file: &too_large
            }
            .encode(),
            Err(FileFrameError::FileTooLarge {
                index: 0,
                size: MAX_CALL_FILE_BYTES + 1
            })
        );
    }

    #[test]
    fn announced_files_are_checked() {
        let file = |bytes: usize| AttachedFile {
            bytes: bytes as u32,
        };
        assert_eq!(check_announced(&[]), Ok(()));
        assert_eq!(
            check_announced(&[file(1), file(MAX_CALL_FILE_BYTES)]),
            Ok(())
        );
        assert_eq!(
            check_announced(&[file(1), file(MAX_CALL_FILE_BYTES + 1)]),
            Err(FileFrameError::FileTooLarge {
                index: 1,
                size: MAX_CALL_FILE_BYTES + 1
            })
        );
        assert_eq!(
            check_announced(&[file(1); MAX_CALL_FILES + 1]),
            Err(FileFrameError::TooManyFiles(MAX_CALL_FILES + 1))
        );
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_what_decodes_round_trips(
            bytes in proptest::collection::vec(any::<u8>(), 0..200),
            tagged in any::<bool>(),
        ) {
            let mut bytes = bytes;
            if tagged && bytes.len() > 1 {
                bytes[0] = FILE_FRAME_TAG;
                bytes[1] = FILE_FRAME_VERSION;
            }
            if let Ok(decoded) = FileFrame::decode(&bytes) {
                prop_assert_eq!(decoded.encode().expect("a decoded frame encodes"), bytes.clone());
            }
        }

        #[test]
        fn every_valid_frame_round_trips(
            call in "[!-~]{1,64}",
            index in 0..MAX_CALL_FILES,
            file in proptest::collection::vec(any::<u8>(), 0..300),
        ) {
            let bytes = frame(&call, index, &file);
            let decoded = FileFrame::decode(&bytes).expect("decodes");
            prop_assert_eq!(decoded, FileFrame { call: &call, index, file: &file });
        }
    }
}
