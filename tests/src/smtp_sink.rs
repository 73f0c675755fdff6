//! A minimal SMTP server that accepts every message and keeps it, so tests
//! can check what the kernel mailed (plain SMTP on loopback, no TLS).

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message as received: the envelope recipients and the raw data.
#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub recipients: Vec<String>,
    pub data: String,
}

impl ReceivedMail {
    /// A header's value as a person reads it: unfolded, with encoded words
    /// (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (headers, _) = self.data.split_once("\n\n")?;
        let mut unfolded: Vec<String> = Vec::new();
        for line in headers.lines() {
            match unfolded.last_mut() {
                Some(last) if line.starts_with([' ', '\t']) => last.push_str(line),
                _ => unfolded.push(line.to_owned()),
            }
        }
        let prefix = format!("{}:", name.to_ascii_lowercase());
        let line = unfolded
            .into_iter()
            .find(|line| line.to_ascii_lowercase().starts_with(&prefix))?;
        Some(decode_words(line[prefix.len()..].trim()))
    }

    pub fn subject(&self) -> String {
        self.header("Subject").unwrap_or_default()
    }

    /// The text of the body, decoded from its transfer encoding.
    pub fn text(&self) -> String {
        let body = self
            .data
            .split_once("\n\n")
            .map(|(_, body)| body)
            .unwrap_or_default();
        let bytes = match self
            .header("Content-Transfer-Encoding")
            .unwrap_or_default()
            .to_ascii_lowercase()
            .as_str()
        {
            "base64" => {
                let joined: String = body.split_whitespace().collect();
                BASE64.decode(joined).expect("a base64 body")
            }
            "quoted-printable" => quoted_printable(body, false),
            _ => body.as_bytes().to_vec(),
        };
        String::from_utf8(bytes)
            .expect("a UTF-8 body")
            .replace("\r\n", "\n")
    }
}

/// Decodes the encoded words of a header value; the whitespace between two
/// encoded words is not part of the text.
fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, word) = rest.split_at(start);
        let Some(end) = word[2..].find("?=").map(|at| at + 4) else {
            break;
        };
        let parts: Vec<&str> = word[2..end - 2].splitn(3, '?').collect();
        if !(after_word && before.trim().is_empty()) {
            out.push_str(before);
        }
        let bytes = match parts.as_slice() {
            [_, encoding, text] if encoding.eq_ignore_ascii_case("b") => {
                BASE64.decode(text).expect("a base64 encoded word")
            }
            [_, _, text] => quoted_printable(text, true),
            _ => word.as_bytes()[..end].to_vec(),
        };
        out.push_str(&String::from_utf8(bytes).expect("a UTF-8 encoded word"));
        rest = &word[end..];
        after_word = true;
    }
    out.push_str(rest);
    out
}

/// Quoted-printable (`in_header`: `_` is a space, as in encoded words).
fn quoted_printable(text: &str, in_header: bool) -> Vec<u8> {
    let text = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if i + 3 <= bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    Err(_) => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if in_header => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

pub struct SmtpSink {
    pub port: u16,
    mails: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let mails = Arc::new(Mutex::new(Vec::new()));
        let store = mails.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = serve(socket, store).await;
                });
            }
        });
        SmtpSink { port, mails }
    }

    pub fn mails(&self) -> Vec<ReceivedMail> {
        self.mails.lock().expect("mails lock").clone()
    }
}

async fn serve(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<ReceivedMail>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink.test ESMTP\r\n").await?;
    let mut recipients = Vec::new();
    while let Some(line) = lines.next_line().await? {
        let command = line.to_ascii_uppercase();
        if command.starts_with("EHLO") || command.starts_with("HELO") {
            write
                .write_all(b"250-sink.test\r\n250 8BITMIME\r\n")
                .await?;
        } else if command.starts_with("MAIL FROM") {
            recipients.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if command.starts_with("RCPT TO") {
            recipients.push(
                line.get(8..)
                    .unwrap_or_default()
                    .trim()
                    .trim_matches(['<', '>'])
                    .to_owned(),
            );
            write.write_all(b"250 OK\r\n").await?;
        } else if command == "DATA" {
            write.write_all(b"354 go ahead\r\n").await?;
            let mut data = String::new();
            while let Some(line) = lines.next_line().await? {
                if line == "." {
                    break;
                }
                data.push_str(&line);
                data.push('\n');
            }
            store.lock().expect("mails lock").push(ReceivedMail {
                recipients: recipients.clone(),
                data,
            });
            write.write_all(b"250 queued\r\n").await?;
        } else if command == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            write.write_all(b"250 OK\r\n").await?;
        }
    }
    Ok(())
}
