//! A small SMTP server for tests: it accepts every message on a loopback port and
//! keeps it, so tests can read what the service sent.

use std::{sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
    sync::{Mutex, Notify},
};

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
    arrived: Arc<Notify>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let port = listener.local_addr().expect("SMTP address").port();
        let server = Self {
            port,
            messages: Arc::default(),
            arrived: Arc::default(),
        };
        let accepting = server.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(accepting.clone().converse(socket));
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    async fn converse(self, socket: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 test SMTP\r\n").await?;
        while let Some(line) = lines.next_line().await? {
            let command = line.to_ascii_uppercase();
            if command.starts_with("DATA") {
                write.write_all(b"354 end with <CRLF>.<CRLF>\r\n").await?;
                let mut message = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    message.push_str(line.strip_prefix('.').unwrap_or(&line));
                    message.push('\n');
                }
                self.messages.lock().await.push(message);
                self.arrived.notify_waiters();
                write.write_all(b"250 queued\r\n").await?;
            } else if command.starts_with("QUIT") {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else if command.starts_with("EHLO") {
                write.write_all(b"250-test\r\n250 8BITMIME\r\n").await?;
            } else {
                write.write_all(b"250 ok\r\n").await?;
            }
        }
        Ok(())
    }

    /// Waits (at most 20 s) until `count` messages have arrived and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let arrived = self.arrived.notified();
            {
                let messages = self.messages.lock().await;
                if messages.len() >= count {
                    return messages.clone();
                }
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "expected {count} emails, got {}",
                    self.messages.lock().await.len()
                );
            }
        }
    }

    pub async fn count(&self) -> usize {
        self.messages.lock().await.len()
    }
}

/// The decoded text of every part of a raw message (quoted-printable and base64
/// bodies decoded), joined: enough to search for words and links.
pub fn decoded_text(raw: &str) -> String {
    let mut decoded = String::new();
    for section in raw.split("\n--") {
        let Some((headers, body)) = section.split_once("\n\n") else {
            continue;
        };
        let headers = headers.to_ascii_lowercase();
        if headers.contains("content-transfer-encoding: base64") {
            let joined: String = body.lines().map(str::trim).collect();
            if let Ok(bytes) = STANDARD.decode(joined) {
                decoded.push_str(&String::from_utf8_lossy(&bytes));
            }
        } else if headers.contains("content-transfer-encoding: quoted-printable") {
            decoded.push_str(&decode_quoted_printable(body));
        } else {
            decoded.push_str(body);
        }
        decoded.push('\n');
    }
    decoded
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The invitation token in a message's link.
pub fn invitation_token(raw: &str) -> String {
    let text = decoded_text(raw);
    let start = text.find("/invitations/").expect("an invitation link") + "/invitations/".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}
