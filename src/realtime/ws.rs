//! The WebSocket side of subscriptions: the graphql-transport-ws protocol (and the
//! older graphql-ws) through async-graphql, with sign-in taken over. The first
//! message must be `connection_init` carrying `{"authorization": "Bearer …"}`. A
//! missing, invalid, expired or revoked credential closes the socket with 4403; too
//! many connections for one user with 4429; no `connection_init` within 10 s with
//! 4408, and any other first message with 4400 (the protocol's codes). When the
//! credential ends later, every subscription reports why and the socket closes with
//! 4403, so that the client reconnects with a fresh token.

use std::{net::IpAddr, sync::Arc, time::Duration};

use async_graphql::{
    Data,
    futures_util::{Sink, SinkExt, Stream, StreamExt, stream},
    http::{ClientMessage, WebSocket as Protocol, WebSocketProtocols, WsMessage},
};
use axum::extract::ws::{CloseFrame, Message, WebSocket};

use super::connection::{Connection, Refusal};
use crate::{
    auth::Viewer,
    graphql::{RosterSchema, batching::Batching, loaders},
    state::AppState,
};

/// How long a client has to send `connection_init`.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long subscriptions get to report an ended credential before the socket closes.
const FAREWELL: Duration = Duration::from_millis(200);

const CLOSE_GOING_AWAY: u16 = 1001;
const CLOSE_FORBIDDEN: u16 = 4403;
const CLOSE_TOO_MANY: u16 = 4429;
const CLOSE_BAD_REQUEST: u16 = 4400;
const CLOSE_INIT_TIMEOUT: u16 = 4408;

/// Serves one upgraded socket until either side ends it.
pub async fn serve(
    socket: WebSocket,
    schema: RosterSchema,
    state: AppState,
    protocol: WebSocketProtocols,
    client: IpAddr,
) {
    let (mut sink, incoming) = socket.split();
    let mut client_messages = incoming
        .take_while(|message| std::future::ready(message.is_ok()))
        .filter_map(|message| {
            std::future::ready(match message {
                Ok(Message::Text(text)) => Some(text.as_bytes().to_vec()),
                Ok(Message::Binary(bytes)) => Some(bytes.to_vec()),
                _ => None,
            })
        })
        .boxed();
    let Some((connection, viewer)) = sign_in(&mut sink, &mut client_messages, &state, client).await
    else {
        return;
    };
    let mut data = Data::default();
    loaders::attach(&mut data, &state, &viewer, &Batching::default());
    data.insert(viewer);
    data.insert(connection.clone());
    // async-graphql acknowledges the connection when it sees this message again.
    let init = ClientMessage::ConnectionInit { payload: None };
    let messages = stream::once(std::future::ready(Ok(init)))
        .chain(client_messages.map(|bytes| serde_json::from_slice::<ClientMessage>(&bytes)));
    let mut outgoing = Protocol::from_message_stream(schema, messages, protocol)
        .on_connection_init(move |_| std::future::ready(Ok(data)))
        .map(to_message);
    loop {
        let message = tokio::select! {
            message = outgoing.next() => message,
            _ = connection.ended() => break,
            _ = state.realtime.closed() => {
                return close(&mut sink, CLOSE_GOING_AWAY, "the server is shutting down").await;
            }
        };
        let Some(message) = message else { return };
        if sink.send(message).await.is_err() {
            return;
        }
    }
    // The credential ended: pass on what the subscriptions report, then close.
    while let Ok(Some(message)) = tokio::time::timeout(FAREWELL, outgoing.next()).await {
        if sink.send(message).await.is_err() {
            return;
        }
    }
    close(
        &mut sink,
        CLOSE_FORBIDDEN,
        "the credential of this connection has ended",
    )
    .await;
}

/// Reads `connection_init` and opens the connection with its credential; closes the
/// socket with the protocol's code when that fails.
async fn sign_in<S>(
    sink: &mut S,
    client_messages: &mut (impl Stream<Item = Vec<u8>> + Unpin),
    state: &AppState,
    client: IpAddr,
) -> Option<(Arc<Connection>, Viewer)>
where
    S: Sink<Message> + Unpin,
{
    let payload = match tokio::time::timeout(INIT_TIMEOUT, client_messages.next()).await {
        Ok(Some(bytes)) => match serde_json::from_slice::<ClientMessage>(&bytes) {
            Ok(ClientMessage::ConnectionInit { payload }) => payload.unwrap_or_default(),
            _ => {
                close(sink, CLOSE_BAD_REQUEST, "expected connection_init").await;
                return None;
            }
        },
        Ok(None) => return None,
        Err(_) => {
            close(sink, CLOSE_INIT_TIMEOUT, "connection_init timeout").await;
            return None;
        }
    };
    match Connection::open(state, bearer(&payload), client).await {
        Ok(opened) => Some(opened),
        Err(Refusal::Credential(error)) => {
            close(sink, CLOSE_FORBIDDEN, &error.to_string()).await;
            None
        }
        Err(Refusal::TooManyConnections) => {
            close(sink, CLOSE_TOO_MANY, "too many connections for this user").await;
            None
        }
    }
}

/// The protocol the client asks for in `Sec-WebSocket-Protocol`, if we speak it.
pub fn protocol(headers: &axum::http::HeaderMap) -> Option<WebSocketProtocols> {
    headers
        .get(axum::http::header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .find_map(|protocol| protocol.trim().parse().ok())
}

/// The token of `{"authorization": "Bearer …"}` (also `Token …`, or the bare token).
fn bearer(payload: &serde_json::Value) -> Option<&str> {
    let value = ["authorization", "Authorization"]
        .iter()
        .find_map(|key| payload.get(key)?.as_str())?
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token") =>
        {
            token.trim()
        }
        Some(_) => return None,
        None => value,
    };
    (!token.is_empty()).then_some(token)
}

fn to_message(message: WsMessage) -> Message {
    match message {
        WsMessage::Text(text) => Message::Text(text.into()),
        WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })),
    }
}

async fn close<S>(sink: &mut S, code: u16, reason: &str)
where
    S: Sink<Message> + Unpin,
{
    // A close reason is at most 123 bytes.
    let mut reason = reason.to_owned();
    while reason.len() > 123 {
        reason.pop();
    }
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
    let _ = sink.close().await;
}
